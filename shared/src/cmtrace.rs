//! `smsts.log` in the CMTrace format (spec section 5): the record writer the agent uses, the strict
//! reader the console uses for log excerpts, and the rollover policy, all without I/O.
//!
//! One record (spec section 5):
//!
//! ```text
//! <![LOG[message]LOG]!><time="HH:MM:SS.mmm+BIAS" date="MM-DD-YYYY" component="Name" context="" type="N" thread="T" file="source:line">CRLF
//! ```
//!
//! Decisions where the spec leaves room (each one is an observation of files ConfigMgr wrote, not a
//! documented rule):
//!
//! - `BIAS` is written with its sign and at least three digits (`+000`, `+480`, `-060`, `-330`), as
//!   ConfigMgr's logs show; the reader accepts one to four digits.
//! - `thread` is written `2844 (0xB1C)` (decimal, then the hexadecimal in brackets) as ConfigMgr
//!   does; the reader also accepts the bare decimal and checks that both forms agree.
//! - `file` is free text (usually `source.cpp:line`); an empty `file=""` is allowed.
//! - A message may contain line breaks but never the record's own markers: [`neutralize_message`]
//!   replaces `<![LOG[` and `]LOG]!>` inside a message, and [`format_record`] refuses them, so the
//!   reader can split on `]LOG]!>` as the spec says and take the last `<![LOG[` before it (a record
//!   torn by a crash then shows up as a skipped fragment instead of swallowing the next record).
//! - Rollover follows ConfigMgr's `smsts.ini` `[Logging]` keys `LogMaxSize` and `LogMaxHistory`: a full
//!   `smsts.log` is renamed `smsts-YYYYMMDD-HHMMSS.log` (the time of the rollover) and the oldest renamed
//!   files beyond the history are deleted. The defaults ([`RolloverPolicy::default`]) are osdgate's
//!   decision: neither the spec nor the seeds give numbers.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::time::{civil_from_days, days_from_civil, days_in_month};

/// The UTF-8 byte order mark every `smsts.log` starts with (spec section 5: "UTF-8 with BOM").
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Starts a record's message.
pub const MESSAGE_START: &str = "<![LOG[";
/// Ends a record's message; the attributes follow.
pub const MESSAGE_END: &str = "]LOG]!>";

/// The attribute names of a record, in the order ConfigMgr writes them.
const ATTRIBUTE_NAMES: [&str; 7] =
    ["time", "date", "component", "context", "type", "thread", "file"];

/// The largest time-zone bias the reader and writer accept, in minutes (UTC−14:00 … UTC+14:00).
pub const MAX_BIAS_MINUTES: i32 = 14 * 60;

/// `type="N"` of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// `type="0"`: seen in real logs; CMTrace shows it like information.
    Unset,
    /// `type="1"`.
    Information,
    /// `type="2"`.
    Warning,
    /// `type="3"`.
    Error,
}

impl Severity {
    /// The digit written in `type="N"`.
    pub fn code(self) -> u8 {
        match self {
            Severity::Unset => 0,
            Severity::Information => 1,
            Severity::Warning => 2,
            Severity::Error => 3,
        }
    }

    /// The severity of the digit `code`.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Severity::Unset),
            1 => Some(Severity::Information),
            2 => Some(Severity::Warning),
            3 => Some(Severity::Error),
            _ => None,
        }
    }
}

/// The local time of a record with the time-zone bias (UTC = local + bias).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LogTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub millisecond: u16,
    /// Minutes; UTC = local time + bias (so `+480` is UTC−08:00, `-060` is UTC+01:00).
    pub bias_minutes: i32,
}

impl LogTime {
    /// The local time of `unix_millis` (milliseconds since the Unix epoch, UTC) in a zone whose bias
    /// is `bias_minutes`. `None` when the bias is out of range or the year is not 1–9999.
    pub fn from_unix_millis(unix_millis: i64, bias_minutes: i32) -> Option<Self> {
        if bias_minutes.unsigned_abs() > MAX_BIAS_MINUTES.unsigned_abs() {
            return None;
        }
        let local = unix_millis.checked_sub(i64::from(bias_minutes).checked_mul(60_000)?)?;
        let days = local.div_euclid(86_400_000);
        let millis_of_day = local.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        if !(1..=9999).contains(&year) {
            return None;
        }
        let seconds_of_day = millis_of_day / 1000;
        Some(LogTime {
            year: u16::try_from(year).ok()?,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
            hour: u8::try_from(seconds_of_day / 3600).ok()?,
            minute: u8::try_from(seconds_of_day / 60 % 60).ok()?,
            second: u8::try_from(seconds_of_day % 60).ok()?,
            millisecond: u16::try_from(millis_of_day % 1000).ok()?,
            bias_minutes,
        })
    }

    /// The instant this local time names, in milliseconds since the Unix epoch (UTC = local +
    /// bias), so a viewer can show it in its own zone; the inverse of [`LogTime::from_unix_millis`].
    pub fn to_unix_millis(&self) -> i64 {
        let days =
            days_from_civil(i64::from(self.year), i64::from(self.month), i64::from(self.day));
        let local = days * 86_400_000
            + i64::from(self.hour) * 3_600_000
            + i64::from(self.minute) * 60_000
            + i64::from(self.second) * 1000
            + i64::from(self.millisecond);
        local + i64::from(self.bias_minutes) * 60_000
    }

    /// Whether every field is in range (month 1–12, a day that exists, 00:00:00.000–23:59:59.999,
    /// year 1–9999, bias within ±[`MAX_BIAS_MINUTES`]).
    pub fn is_valid(&self) -> bool {
        (1..=9999).contains(&self.year)
            && (1..=12).contains(&self.month)
            && self.day >= 1
            && i64::from(self.day) <= days_in_month(i64::from(self.year), i64::from(self.month))
            && self.hour < 24
            && self.minute < 60
            && self.second < 60
            && self.millisecond < 1000
            && self.bias_minutes.unsigned_abs() <= MAX_BIAS_MINUTES.unsigned_abs()
    }
}

/// One `smsts.log` record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LogRecord {
    /// The message; may contain line breaks, never `<![LOG[` or `]LOG]!>`.
    pub message: String,
    pub time: LogTime,
    /// `component="..."`, such as `TSManager` (the program that wrote the record).
    pub component: String,
    /// `context="..."`, usually empty.
    pub context: String,
    pub severity: Severity,
    /// `thread="..."`: the writer's thread ID.
    pub thread: u32,
    /// `file="..."`: where in the writer's source the record comes from (`engine.rs:120`), may be empty.
    pub file: String,
}

/// Why a record cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The message holds `<![LOG[` or `]LOG]!>`; pass it through [`neutralize_message`] first.
    #[error(
        "the message contains a CMTrace record marker (<![LOG[ or ]LOG]!>); neutralize it first"
    )]
    MarkerInMessage,
    /// An attribute value holds `"` or a line break, which the format cannot carry.
    #[error(
        "the {0} attribute contains a double quote or a line break, which CMTrace cannot carry"
    )]
    UnwritableAttribute(&'static str),
    /// The time is out of range (see [`LogTime::is_valid`]).
    #[error(
        "the record's time is out of range (month, day, time of day, year 1-9999 or a bias beyond ±840 minutes)"
    )]
    InvalidTime,
}

/// Replaces the record markers inside `message` so it can be written: `<![LOG[` becomes `<![LOG(`
/// and `]LOG]!>` becomes `)LOG]!>`. Anything else is kept, line breaks included.
pub fn neutralize_message(message: &str) -> Cow<'_, str> {
    if !message.contains(MESSAGE_START) && !message.contains(MESSAGE_END) {
        return Cow::Borrowed(message);
    }
    Cow::Owned(message.replace(MESSAGE_START, "<![LOG(").replace(MESSAGE_END, ")LOG]!>"))
}

/// Makes `value` writable as an attribute: `"` becomes `'` and line breaks become spaces.
pub fn neutralize_attribute(value: &str) -> Cow<'_, str> {
    if !value.contains(['"', '\r', '\n']) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(value.replace('"', "'").replace(['\r', '\n'], " "))
}

/// One record as the bytes ConfigMgr writes, CRLF included (spec section 5). The file's BOM is not
/// part of a record: write [`BOM`] first into a new file.
pub fn format_record(record: &LogRecord) -> Result<String, WriteError> {
    if record.message.contains(MESSAGE_START) || record.message.contains(MESSAGE_END) {
        return Err(WriteError::MarkerInMessage);
    }
    for (name, value) in
        [("component", &record.component), ("context", &record.context), ("file", &record.file)]
    {
        if value.contains(['"', '\r', '\n']) {
            return Err(WriteError::UnwritableAttribute(name));
        }
    }
    let t = &record.time;
    if !t.is_valid() {
        return Err(WriteError::InvalidTime);
    }
    let sign = if t.bias_minutes < 0 { '-' } else { '+' };
    Ok(format!(
        "{MESSAGE_START}{message}{MESSAGE_END}<time=\"{h:02}:{mi:02}:{s:02}.{ms:03}{sign}{bias:03}\" \
         date=\"{mo:02}-{d:02}-{y:04}\" component=\"{component}\" context=\"{context}\" type=\"{ty}\" \
         thread=\"{thread} (0x{thread:X})\" file=\"{file}\">\r\n",
        message = record.message,
        h = t.hour,
        mi = t.minute,
        s = t.second,
        ms = t.millisecond,
        bias = t.bias_minutes.unsigned_abs(),
        mo = t.month,
        d = t.day,
        y = t.year,
        component = record.component,
        context = record.context,
        ty = record.severity.code(),
        thread = record.thread,
        file = record.file,
    ))
}

/// What is wrong at a position of a log text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadErrorKind {
    /// Text that is not part of a whole record (a torn write, or the cut of an excerpt).
    TornFragment,
    /// `]LOG]!>` is not followed by `<`.
    AttributesMissing,
    /// The attribute section has no closing `>`.
    AttributesUnterminated,
    /// An attribute is not `name="value"`.
    MalformedAttribute,
    /// An attribute other than the expected one at this place (see the order in the spec).
    UnexpectedAttribute,
    /// One of `time date component context type thread file` is missing.
    MissingAttribute,
    /// `time` is not `HH:MM:SS.mmm±BIAS` with a valid time and a bias within ±840 minutes.
    InvalidTime,
    /// `date` is not `MM-DD-YYYY` with a date that exists.
    InvalidDate,
    /// `type` is not 0, 1, 2 or 3.
    InvalidType,
    /// `thread` is not a number (optionally followed by ` (0xHEX)` of the same value).
    InvalidThread,
    /// The text after `>` is neither a line break nor the next record.
    TrailingText,
}

impl ReadErrorKind {
    /// Plain words for the kind.
    pub fn describe(self) -> &'static str {
        match self {
            ReadErrorKind::TornFragment => {
                "text outside a whole record (a torn write or a cut excerpt)"
            }
            ReadErrorKind::AttributesMissing => {
                "]LOG]!> is not followed by the attributes <time=...>"
            }
            ReadErrorKind::AttributesUnterminated => "the attributes have no closing >",
            ReadErrorKind::MalformedAttribute => "an attribute is not name=\"value\"",
            ReadErrorKind::UnexpectedAttribute => {
                "the attributes must be time, date, component, context, type, thread, file in this order"
            }
            ReadErrorKind::MissingAttribute => {
                "an attribute of time, date, component, context, type, thread, file is missing"
            }
            ReadErrorKind::InvalidTime => {
                "time is not HH:MM:SS.mmm+BIAS (bias within ±840 minutes)"
            }
            ReadErrorKind::InvalidDate => "date is not MM-DD-YYYY with a date that exists",
            ReadErrorKind::InvalidType => "type is not 0, 1, 2 or 3",
            ReadErrorKind::InvalidThread => "thread is not a number such as 2844 or 2844 (0xB1C)",
            ReadErrorKind::TrailingText => "text after a record that is not a line break",
        }
    }
}

/// A part of a log text that is not a whole, valid record: what is wrong and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("byte {offset}: {}", kind.describe())]
pub struct ReadError {
    pub kind: ReadErrorKind,
    /// Byte offset into the text given to [`read_log`] (after the BOM, if any, was counted).
    pub offset: usize,
}

/// A record read back, with where it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadRecord {
    /// Byte offset of its `<![LOG[`.
    pub offset: usize,
    pub record: LogRecord,
}

/// What [`read_log`] found: every whole record, and every part it had to skip, in text order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedLog {
    pub records: Vec<ReadRecord>,
    pub skipped: Vec<ReadError>,
}

/// Reads a CMTrace log (or an excerpt of one): the bytes as stored, with or without the BOM.
///
/// Splits on `]LOG]!>` (spec section 5: a message may contain line breaks), takes the record's
/// message from the last `<![LOG[` before that marker, and parses the attributes strictly. Whatever
/// is not a whole, valid record is reported in [`ParsedLog::skipped`] with its kind and byte offset,
/// never silently dropped and never a reason to stop: the records after it are still read. Bytes that
/// are not UTF-8 are read as U+FFFD (a log cut inside a character stays readable).
pub fn read_log(bytes: &[u8]) -> ParsedLog {
    let text = String::from_utf8_lossy(bytes);
    let body_start = if text.starts_with('\u{FEFF}') { '\u{FEFF}'.len_utf8() } else { 0 };
    read_log_text(&text, body_start)
}

fn read_log_text(text: &str, mut position: usize) -> ParsedLog {
    let mut parsed = ParsedLog::default();
    while position < text.len() {
        let rest = &text[position..];
        let Some(end_relative) = rest.find(MESSAGE_END) else {
            // No more record ends: whatever is left is a torn tail (unless blank).
            if !rest.trim().is_empty() {
                parsed
                    .skipped
                    .push(ReadError { kind: ReadErrorKind::TornFragment, offset: position });
            }
            break;
        };
        let before_end = &rest[..end_relative];
        let Some(start_relative) = before_end.rfind(MESSAGE_START) else {
            // A record end without a start: the head of the excerpt was cut inside a message.
            parsed.skipped.push(ReadError { kind: ReadErrorKind::TornFragment, offset: position });
            position = skip_attributes(text, position + end_relative + MESSAGE_END.len());
            continue;
        };
        if !before_end[..start_relative].trim().is_empty() {
            parsed.skipped.push(ReadError { kind: ReadErrorKind::TornFragment, offset: position });
        }
        let record_offset = position + start_relative;
        let message = &before_end[start_relative + MESSAGE_START.len()..];
        let attributes_offset = position + end_relative + MESSAGE_END.len();
        match parse_attributes(text, attributes_offset) {
            Ok((attributes, after)) => {
                let record = LogRecord {
                    message: message.to_owned(),
                    time: attributes.time,
                    component: attributes.component,
                    context: attributes.context,
                    severity: attributes.severity,
                    thread: attributes.thread,
                    file: attributes.file,
                };
                parsed.records.push(ReadRecord { offset: record_offset, record });
                position = after_record(text, after, &mut parsed.skipped);
            }
            Err(error) => {
                parsed.skipped.push(error);
                position = skip_attributes(text, attributes_offset);
            }
        }
    }
    parsed
}

/// After a broken record: continue at the line end after its attributes or at the next record,
/// whichever comes first.
fn skip_attributes(text: &str, from: usize) -> usize {
    let rest = &text[from..];
    let next_start = rest.find(MESSAGE_START).unwrap_or(rest.len());
    let line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    from + next_start.min(line_end)
}

/// After a whole record: one line break (CRLF or LF) is part of it; anything else up to the next
/// record is reported.
fn after_record(text: &str, from: usize, skipped: &mut Vec<ReadError>) -> usize {
    let rest = &text[from..];
    let line_break = if rest.starts_with("\r\n") {
        2
    } else if rest.starts_with('\n') {
        1
    } else {
        0
    };
    let rest_after_break = &rest[line_break..];
    if rest_after_break.is_empty() || rest_after_break.starts_with(MESSAGE_START) {
        return from + line_break;
    }
    // Text follows that does not start a record: report it when it is more than blank space before
    // the next record, and continue there.
    let next = rest_after_break.find(MESSAGE_START).unwrap_or(rest_after_break.len());
    if !rest_after_break[..next].trim().is_empty() {
        skipped.push(ReadError { kind: ReadErrorKind::TrailingText, offset: from + line_break });
    }
    from + line_break + next
}

struct Attributes {
    time: LogTime,
    component: String,
    context: String,
    severity: Severity,
    thread: u32,
    file: String,
}

/// Parses `<time="..." date="..." component="..." context="..." type="..." thread="..." file="...">`
/// starting at `from`; returns the attributes and the offset after `>`.
fn parse_attributes(text: &str, from: usize) -> Result<(Attributes, usize), ReadError> {
    let error = |kind, offset| ReadError { kind, offset };
    let bytes = text.as_bytes();
    if bytes.get(from) != Some(&b'<') {
        return Err(error(ReadErrorKind::AttributesMissing, from));
    }
    let mut position = from + 1;
    let mut values: Vec<(usize, &str)> = Vec::with_capacity(ATTRIBUTE_NAMES.len());
    loop {
        while bytes.get(position) == Some(&b' ') {
            position += 1;
        }
        match bytes.get(position) {
            None => return Err(error(ReadErrorKind::AttributesUnterminated, from)),
            Some(b'>') => {
                position += 1;
                break;
            }
            Some(_) => {}
        }
        let name_start = position;
        while bytes.get(position).is_some_and(u8::is_ascii_alphabetic) {
            position += 1;
        }
        let name = &text[name_start..position];
        if name.is_empty() {
            return Err(error(ReadErrorKind::MalformedAttribute, name_start));
        }
        if bytes.get(position) != Some(&b'=') || bytes.get(position + 1) != Some(&b'"') {
            return Err(error(ReadErrorKind::MalformedAttribute, name_start));
        }
        let value_start = position + 2;
        let Some(value_length) = text[value_start..].find('"') else {
            return Err(error(ReadErrorKind::AttributesUnterminated, from));
        };
        let value = &text[value_start..value_start + value_length];
        if value.contains(['\r', '\n']) {
            return Err(error(ReadErrorKind::MalformedAttribute, name_start));
        }
        match ATTRIBUTE_NAMES.get(values.len()) {
            Some(expected) if *expected == name => values.push((value_start, value)),
            _ => return Err(error(ReadErrorKind::UnexpectedAttribute, name_start)),
        }
        position = value_start + value_length + 1;
        if !matches!(bytes.get(position), Some(b' ' | b'>')) {
            return Err(error(ReadErrorKind::MalformedAttribute, position));
        }
    }
    let [time, date, component, context, severity, thread, file] = values[..] else {
        return Err(error(ReadErrorKind::MissingAttribute, from));
    };
    let mut log_time = parse_time(time.1).ok_or(error(ReadErrorKind::InvalidTime, time.0))?;
    let (month, day, year) = parse_date(date.1).ok_or(error(ReadErrorKind::InvalidDate, date.0))?;
    log_time.year = year;
    log_time.month = month;
    log_time.day = day;
    if !log_time.is_valid() {
        return Err(error(ReadErrorKind::InvalidDate, date.0));
    }
    let severity = match severity.1.as_bytes() {
        [digit @ b'0'..=b'3'] => Severity::from_code(digit - b'0'),
        _ => None,
    }
    .ok_or(error(ReadErrorKind::InvalidType, severity.0))?;
    let thread_value =
        parse_thread(thread.1).ok_or(error(ReadErrorKind::InvalidThread, thread.0))?;
    Ok((
        Attributes {
            time: log_time,
            component: component.1.to_owned(),
            context: context.1.to_owned(),
            severity,
            thread: thread_value,
            file: file.1.to_owned(),
        },
        position,
    ))
}

fn fixed_digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `HH:MM:SS.mmm±BIAS` → a [`LogTime`] without its date (set to 0001-01-01 until the date is read).
fn parse_time(text: &str) -> Option<LogTime> {
    let (clock, bias) = text.split_at(text.find(['+', '-'])?);
    let [h, m, rest] = [clock.get(0..2)?, clock.get(3..5)?, clock.get(6..)?];
    if clock.get(2..3)? != ":" || clock.get(5..6)? != ":" {
        return None;
    }
    let (s, ms) = rest.split_once('.')?;
    if s.len() != 2 || ms.len() != 3 {
        return None;
    }
    let (sign, bias_digits) = bias.split_at(1);
    if bias_digits.is_empty() || bias_digits.len() > 4 {
        return None;
    }
    let magnitude = i32::try_from(fixed_digits(bias_digits)?).ok()?;
    let time = LogTime {
        year: 1,
        month: 1,
        day: 1,
        hour: u8::try_from(fixed_digits(h)?).ok()?,
        minute: u8::try_from(fixed_digits(m)?).ok()?,
        second: u8::try_from(fixed_digits(s)?).ok()?,
        millisecond: u16::try_from(fixed_digits(ms)?).ok()?,
        bias_minutes: if sign == "-" { -magnitude } else { magnitude },
    };
    time.is_valid().then_some(time)
}

/// `MM-DD-YYYY` → (month, day, year), fields range-checked by the caller.
fn parse_date(text: &str) -> Option<(u8, u8, u16)> {
    if text.len() != 10 || text.get(2..3)? != "-" || text.get(5..6)? != "-" {
        return None;
    }
    let month = u8::try_from(fixed_digits(text.get(0..2)?)?).ok()?;
    let day = u8::try_from(fixed_digits(text.get(3..5)?)?).ok()?;
    let year = u16::try_from(fixed_digits(text.get(6..10)?)?).ok()?;
    Some((month, day, year))
}

/// `2844` or `2844 (0xB1C)` (the two must agree).
fn parse_thread(text: &str) -> Option<u32> {
    let (decimal, hex) = match text.split_once(' ') {
        Some((decimal, bracketed)) => {
            let hex = bracketed.strip_prefix("(0x")?.strip_suffix(')')?;
            (decimal, Some(hex))
        }
        None => (text, None),
    };
    if decimal.len() > 10 {
        return None;
    }
    let value = u32::try_from(u64::from(fixed_digits(decimal)?)).ok()?;
    if let Some(hex) = hex {
        if hex.is_empty() || hex.len() > 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        if u32::from_str_radix(hex, 16).ok()? != value {
            return None;
        }
    }
    Some(value)
}

/// When `smsts.log` is rolled over: ConfigMgr's `smsts.ini` `[Logging]` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloverPolicy {
    /// `LogMaxSize`: a file never grows beyond this many bytes by an append (a single record larger
    /// than this still goes into a fresh file: records are never dropped or split).
    pub max_size_bytes: u64,
    /// `LogMaxHistory`: how many renamed `smsts-YYYYMMDD-HHMMSS.log` files are kept.
    pub max_history: u32,
}

impl Default for RolloverPolicy {
    /// 5 MiB and 3 rolled files: osdgate's choice (the spec and seeds give no numbers). A whole
    /// deployment's log with verbose command output fits in one file and the two before it, and the
    /// total stays under 20 MiB on the boot media's RAM disk.
    fn default() -> Self {
        RolloverPolicy { max_size_bytes: 5 * 1024 * 1024, max_history: 3 }
    }
}

/// What to do before appending a record to the current log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollover {
    /// Append to the current file (write [`BOM`] first when it is empty).
    Append,
    /// Rename the current file to `rename_to`, delete `delete` (oldest first), then start a new file
    /// with [`BOM`] and append.
    Roll { rename_to: String, delete: Vec<String> },
}

/// The name ConfigMgr gives a rolled-over log: `smsts-YYYYMMDD-HHMMSS.log` in the log's local time.
pub fn rolled_name(stem: &str, time: &LogTime) -> String {
    format!(
        "{stem}-{:04}{:02}{:02}-{:02}{:02}{:02}.log",
        time.year, time.month, time.day, time.hour, time.minute, time.second
    )
}

/// The sort key of a rolled-over name of `stem` (`smsts-20261202-031500.log`, or with a `-N` suffix
/// when two rollovers fell in the same second), or `None` for any other file name.
pub fn rolled_name_key(stem: &str, name: &str) -> Option<(u64, u32)> {
    let rest = name.strip_prefix(stem)?.strip_prefix('-')?.strip_suffix(".log")?;
    let (date, rest) = rest.split_once('-')?;
    let (clock, counter) = match rest.split_once('-') {
        Some((clock, counter)) => (clock, fixed_digits(counter)?),
        None => (rest, 0),
    };
    if date.len() != 8 || clock.len() != 6 {
        return None;
    }
    let stamp = u64::from(fixed_digits(date)?) * 1_000_000 + u64::from(fixed_digits(clock)?);
    Some((stamp, counter))
}

/// Decides whether appending `record_length` bytes to a log of `current_size` bytes (BOM included)
/// needs a rollover first, and if so the new name of the current file and which old rolled files to
/// delete. `existing` are the file names in the log's folder (others are ignored); `now` is the
/// local time of the rollover. Pure: the caller renames and deletes.
pub fn plan_rollover(
    policy: &RolloverPolicy,
    stem: &str,
    current_size: u64,
    record_length: u64,
    now: &LogTime,
    existing: &[&str],
) -> Rollover {
    let has_records = current_size > BOM.len() as u64;
    let header = if current_size == 0 { BOM.len() as u64 } else { 0 };
    let after = current_size.saturating_add(header).saturating_add(record_length);
    if !has_records || after <= policy.max_size_bytes {
        return Rollover::Append;
    }
    let base = rolled_name(stem, now);
    let mut rename_to = base.clone();
    let mut counter = 1u32;
    while existing.contains(&rename_to.as_str()) {
        counter += 1;
        rename_to = format!("{}-{counter}.log", base.trim_end_matches(".log"));
    }
    let mut rolled: Vec<(u64, u32, &str)> = existing
        .iter()
        .filter_map(|name| rolled_name_key(stem, name).map(|(stamp, n)| (stamp, n, *name)))
        .collect();
    rolled.sort_unstable();
    // After the rename there is one more rolled file; keep the newest `max_history` in total.
    let keep_old = (policy.max_history as usize).saturating_sub(1);
    let delete_count = rolled.len().saturating_sub(keep_old);
    let delete = rolled.iter().take(delete_count).map(|(_, _, name)| (*name).to_owned()).collect();
    Rollover::Roll { rename_to, delete }
}

impl fmt::Display for LogTime {
    /// `MM-DD-YYYY HH:MM:SS.mmm` and the UTC offset, as CMTrace shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let offset = -self.bias_minutes;
        let sign = if offset < 0 { '-' } else { '+' };
        write!(
            f,
            "{:02}-{:02}-{:04} {:02}:{:02}:{:02}.{:03} UTC{sign}{:02}:{:02}",
            self.month,
            self.day,
            self.year,
            self.hour,
            self.minute,
            self.second,
            self.millisecond,
            offset.unsigned_abs() / 60,
            offset.unsigned_abs() % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time() -> LogTime {
        LogTime {
            year: 2026,
            month: 12,
            day: 2,
            hour: 3,
            minute: 15,
            second: 0,
            millisecond: 7,
            bias_minutes: 0,
        }
    }

    #[test]
    fn unix_millis_round_trip_through_local_time_and_bias() {
        // 2026-12-02T03:15:00.007Z seen from UTC+01:00 (bias -60) and UTC-08:00 (bias +480).
        let instant = 1_796_181_300_007;
        for bias in [0, -60, 480, -330, MAX_BIAS_MINUTES] {
            let local = LogTime::from_unix_millis(instant, bias).unwrap();
            assert_eq!(local.to_unix_millis(), instant, "bias {bias}");
        }
        assert_eq!(time().to_unix_millis(), instant);
        let berlin = LogTime::from_unix_millis(instant, -60).unwrap();
        assert_eq!((berlin.hour, berlin.minute), (4, 15));
    }

    #[test]
    fn rolled_names_sort_and_ignore_others() {
        assert_eq!(rolled_name("smsts", &time()), "smsts-20261202-031500.log");
        assert_eq!(
            rolled_name_key("smsts", "smsts-20261202-031500.log"),
            Some((20261202031500, 0))
        );
        assert_eq!(
            rolled_name_key("smsts", "smsts-20261202-031500-2.log"),
            Some((20261202031500, 2))
        );
        for other in ["smsts.log", "smsts-2026.log", "other-20261202-031500.log", "smsts-x-y.log"] {
            assert_eq!(rolled_name_key("smsts", other), None, "{other}");
        }
    }

    #[test]
    fn thread_forms_must_agree() {
        assert_eq!(parse_thread("2844 (0xB1C)"), Some(2844));
        assert_eq!(parse_thread("2844"), Some(2844));
        assert_eq!(parse_thread("2844 (0xB1D)"), None);
        assert_eq!(parse_thread("99999999999"), None);
        assert_eq!(parse_thread("-1"), None);
    }

    #[test]
    fn unix_millis_to_local_time() {
        // 2026-12-02T03:15:00.007Z in UTC+01:00 (bias -60) is 04:15 local.
        let t = LogTime::from_unix_millis(1_796_181_300_007, -60).unwrap();
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.millisecond),
            (2026, 12, 2, 4, 15, 7)
        );
        assert_eq!(LogTime::from_unix_millis(0, 841), None);
        assert_eq!(LogTime::from_unix_millis(i64::MIN, 0), None);
    }
}
