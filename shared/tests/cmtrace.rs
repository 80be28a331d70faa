//! `smsts.log` in the CMTrace format (spec section 5): golden records, the strict reader's errors with
//! their positions, rollover, and property tests (write → read round trip; the reader never panics).

use osdgate_model::cmtrace::{
    BOM, LogRecord, LogTime, ReadErrorKind, Rollover, RolloverPolicy, Severity, WriteError,
    format_record, neutralize_attribute, neutralize_message, plan_rollover, read_log,
};
use proptest::prelude::*;

const SAMPLE: &[u8] = include_bytes!("corpus/cmtrace/smsts-sample.log");

fn time(hour: u8, minute: u8, second: u8, millisecond: u16, bias_minutes: i32) -> LogTime {
    LogTime { year: 2026, month: 12, day: 2, hour, minute, second, millisecond, bias_minutes }
}

fn record(message: &str, severity: Severity) -> LogRecord {
    LogRecord {
        message: message.to_owned(),
        time: time(9, 45, 50, 601, -60),
        component: "TSManager".to_owned(),
        context: String::new(),
        severity,
        thread: 2844,
        file: "tsmanager.cpp:1073".to_owned(),
    }
}

#[test]
fn writes_the_spec_record_byte_for_byte() {
    let line =
        format_record(&record("Start executing an instruction", Severity::Information)).unwrap();
    assert_eq!(
        line,
        "<![LOG[Start executing an instruction]LOG]!><time=\"09:45:50.601-060\" date=\"12-02-2026\" \
         component=\"TSManager\" context=\"\" type=\"1\" thread=\"2844 (0xB1C)\" file=\"tsmanager.cpp:1073\">\r\n"
    );
}

#[test]
fn writes_bias_with_sign_and_three_digits() {
    for (bias, text) in [(0, "+000"), (480, "+480"), (-60, "-060"), (-330, "-330"), (-840, "-840")]
    {
        let mut r = record("x", Severity::Warning);
        r.time.bias_minutes = bias;
        let line = format_record(&r).unwrap();
        assert!(line.contains(&format!("time=\"09:45:50.601{text}\"")), "{bias}: {line}");
        assert!(line.contains("type=\"2\""));
    }
}

#[test]
fn reads_the_golden_sample() {
    let parsed = read_log(SAMPLE);
    assert_eq!(parsed.skipped, vec![]);
    let records: Vec<&LogRecord> = parsed.records.iter().map(|r| &r.record).collect();
    assert_eq!(records.len(), 5);
    assert_eq!(parsed.records[0].offset, 3, "offsets count the BOM");
    assert_eq!(
        records[0].message,
        "==============================[ TSManager ]=============================="
    );
    assert_eq!(records[0].time, time(9, 45, 50, 601, -60));
    assert_eq!(records[0].thread, 2844);
    assert_eq!(records[0].file, "tsmanager.cpp:1073");
    // A message with a line break stays one record.
    assert_eq!(
        records[1].message,
        "Command line: \"diskpart.exe\" /s X:\\osdgate\\diskpart.txt\r\nExit code: 0"
    );
    assert_eq!(records[2].severity, Severity::Error);
    assert_eq!(
        records[2].time,
        LogTime {
            year: 2028,
            month: 2,
            day: 29,
            hour: 23,
            minute: 59,
            second: 59,
            millisecond: 999,
            bias_minutes: 480
        }
    );
    assert_eq!(records[2].thread, 7);
    assert_eq!(records[2].file, "");
    assert_eq!(records[3].severity, Severity::Warning);
    assert_eq!(records[3].thread, u32::MAX);
    assert_eq!(records[4].severity, Severity::Unset);
    assert_eq!(records[4].time.bias_minutes, -330);
    assert_eq!(records[4].context, "ctx");
}

#[test]
fn rewrites_the_golden_sample_identically() {
    // Every record comes back byte for byte, except that bare thread numbers (`thread="7"`, which
    // ConfigMgr does not write but the reader accepts) come back in ConfigMgr's form `7 (0x7)`.
    let parsed = read_log(SAMPLE);
    let mut rewritten = BOM.to_vec();
    for read in &parsed.records {
        rewritten.extend_from_slice(format_record(&read.record).unwrap().as_bytes());
    }
    let expected = String::from_utf8(SAMPLE.to_vec())
        .unwrap()
        .replace("thread=\"7\"", "thread=\"7 (0x7)\"")
        .replace("thread=\"1\"", "thread=\"1 (0x1)\"");
    assert_eq!(String::from_utf8(rewritten).unwrap(), expected);
}

#[test]
fn reports_torn_fragments_and_keeps_reading() {
    let text = String::from_utf8(SAMPLE.to_vec()).unwrap();
    // An excerpt cut inside the second record's message, and cut again inside the last record.
    let start = text.find("Exit code").unwrap();
    let end = text.rfind("type zero").unwrap();
    let excerpt = &text[start..end];
    let parsed = read_log(excerpt.as_bytes());
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(
        parsed.records[0].record.message,
        "Failed to download content ABC00012 (0x80070002)"
    );
    let kinds: Vec<(ReadErrorKind, usize)> =
        parsed.skipped.iter().map(|e| (e.kind, e.offset)).collect();
    let tail = excerpt.rfind("<![LOG[").unwrap();
    assert_eq!(kinds, vec![(ReadErrorKind::TornFragment, 0), (ReadErrorKind::TornFragment, tail)]);
}

#[test]
fn a_record_torn_by_a_crash_does_not_swallow_the_next() {
    let whole = format_record(&record("after the crash", Severity::Information)).unwrap();
    let text = format!("<![LOG[half a mess{whole}");
    let parsed = read_log(text.as_bytes());
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].record.message, "after the crash");
    assert_eq!(parsed.records[0].offset, "<![LOG[half a mess".len());
    assert_eq!(parsed.skipped[0].kind, ReadErrorKind::TornFragment);
    assert_eq!(parsed.skipped[0].offset, 0);
}

#[test]
fn strict_attribute_errors_name_kind_and_position() {
    let good = format_record(&record("m", Severity::Information)).unwrap();
    let cases: Vec<(String, ReadErrorKind, &str)> = vec![
        (good.replace("<time=", "time="), ReadErrorKind::AttributesMissing, "time="),
        (good.replace("-060", "-60x"), ReadErrorKind::InvalidTime, "09:45"),
        (good.replace("-060", "-900"), ReadErrorKind::InvalidTime, "09:45"),
        (good.replace("09:45:50.601", "24:45:50.601"), ReadErrorKind::InvalidTime, "24:45"),
        (good.replace("09:45:50.601", "09:45:50.61"), ReadErrorKind::InvalidTime, "09:45"),
        (good.replace("12-02-2026", "02-30-2026"), ReadErrorKind::InvalidDate, "02-30"),
        (good.replace("12-02-2026", "2026-12-02"), ReadErrorKind::InvalidDate, "2026-12"),
        (good.replace("type=\"1\"", "type=\"4\""), ReadErrorKind::InvalidType, "4\""),
        (
            good.replace("2844 (0xB1C)", "2844 (0xB1D)"),
            ReadErrorKind::InvalidThread,
            "2844 (0xB1D)",
        ),
        (good.replace("context=\"\" ", ""), ReadErrorKind::UnexpectedAttribute, "type="),
        (
            good.replace(" file=\"tsmanager.cpp:1073\"", ""),
            ReadErrorKind::MissingAttribute,
            "<time",
        ),
        (
            good.replace("component=\"", "component='"),
            ReadErrorKind::MalformedAttribute,
            "component=",
        ),
        (good.replace("\">\r\n", "\"\r\n"), ReadErrorKind::MalformedAttribute, "\r\n"),
    ];
    for (text, kind, at) in cases {
        let parsed = read_log(text.as_bytes());
        assert_eq!(parsed.records, vec![], "{text}");
        let error = parsed.skipped.first().unwrap_or_else(|| panic!("no error for {text}"));
        assert_eq!(error.kind, kind, "{text}");
        assert_eq!(error.offset, text.find(at).unwrap(), "{text}: {error}");
    }
}

#[test]
fn a_broken_record_does_not_hide_the_next_one() {
    let good = format_record(&record("second", Severity::Information)).unwrap();
    let broken = good.replace("type=\"1\"", "type=\"9\"").replace("second", "first");
    let parsed = read_log(format!("{broken}{good}").as_bytes());
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].record.message, "second");
    assert_eq!(parsed.skipped.len(), 1);
    assert_eq!(parsed.skipped[0].kind, ReadErrorKind::InvalidType);
}

#[test]
fn text_between_records_is_reported() {
    let good = format_record(&record("one", Severity::Information)).unwrap();
    let parsed = read_log(format!("{good}stray text\r\n{good}").as_bytes());
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(parsed.skipped.len(), 1);
    assert_eq!(parsed.skipped[0].kind, ReadErrorKind::TrailingText);
    assert_eq!(parsed.skipped[0].offset, good.len());
    // LF-only line ends and a missing final line break are accepted.
    let lf = good.replace("\r\n", "\n");
    let parsed = read_log(format!("{lf}{}", good.trim_end()).as_bytes());
    assert_eq!((parsed.records.len(), parsed.skipped.len()), (2, 0));
}

#[test]
fn the_writer_refuses_what_the_format_cannot_carry() {
    let r = record("a ]LOG]!> b", Severity::Information);
    assert_eq!(format_record(&r), Err(WriteError::MarkerInMessage));
    let r = record("a <![LOG[ b", Severity::Information);
    assert_eq!(format_record(&r), Err(WriteError::MarkerInMessage));
    let mut r = record("ok", Severity::Information);
    r.component = "say \"hi\"".to_owned();
    assert_eq!(format_record(&r), Err(WriteError::UnwritableAttribute("component")));
    let mut r = record("ok", Severity::Information);
    r.file = "a\nb".to_owned();
    assert_eq!(format_record(&r), Err(WriteError::UnwritableAttribute("file")));
    let mut r = record("ok", Severity::Information);
    r.time.day = 31;
    r.time.month = 11;
    assert_eq!(format_record(&r), Err(WriteError::InvalidTime));

    let neutral = neutralize_message("x <![LOG[ y ]LOG]!> z");
    assert_eq!(neutral, "x <![LOG( y )LOG]!> z");
    assert!(format_record(&record(&neutral, Severity::Information)).is_ok());
    assert_eq!(neutralize_attribute("a\"b\r\nc"), "a'b  c");
}

#[test]
fn rollover_renames_and_keeps_the_history() {
    let policy = RolloverPolicy { max_size_bytes: 1000, max_history: 2 };
    let now = time(3, 15, 0, 0, 0);
    assert_eq!(plan_rollover(&policy, "smsts", 0, 5000, &now, &[]), Rollover::Append, "a new file");
    assert_eq!(
        plan_rollover(&policy, "smsts", 3, 5000, &now, &[]),
        Rollover::Append,
        "only the BOM"
    );
    assert_eq!(
        plan_rollover(&policy, "smsts", 900, 100, &now, &[]),
        Rollover::Append,
        "exactly full"
    );
    let existing = [
        "smsts.log",
        "smsts-20261201-100000.log",
        "smsts-20261130-235959.log",
        "notes.txt",
        "smsts-20261202-031500.log",
    ];
    assert_eq!(
        plan_rollover(&policy, "smsts", 900, 101, &now, &existing),
        Rollover::Roll {
            rename_to: "smsts-20261202-031500-2.log".to_owned(),
            delete: vec![
                "smsts-20261130-235959.log".to_owned(),
                "smsts-20261201-100000.log".to_owned()
            ],
        }
    );
    let keep_all = RolloverPolicy { max_size_bytes: 1000, max_history: 10 };
    assert_eq!(
        plan_rollover(&keep_all, "smsts", 999, 2, &now, &["smsts-20261201-100000.log"]),
        Rollover::Roll { rename_to: "smsts-20261202-031500.log".to_owned(), delete: vec![] }
    );
}

fn arb_text(with_breaks: bool) -> impl Strategy<Value = String> {
    let pattern = if with_breaks {
        "[ -~\\r\\n\u{e4}\u{20ac}\u{1F600}]{0,80}"
    } else {
        "[ -!#-~\u{e4}]{0,20}"
    };
    proptest::string::string_regex(pattern).unwrap()
}

fn arb_record() -> impl Strategy<Value = LogRecord> {
    (
        arb_text(true),
        (1u16..=9999, 1u8..=12, 1u8..=28, 0u8..24, 0u8..60, 0u8..60, 0u16..1000, -840i32..=840),
        (arb_text(false), arb_text(false), arb_text(false)),
        0u8..4,
        any::<u32>(),
    )
        .prop_map(
            |(
                message,
                (year, month, day, hour, minute, second, millisecond, bias),
                (component, context, file),
                ty,
                thread,
            )| {
                LogRecord {
                    message: neutralize_message(&message).into_owned(),
                    time: LogTime {
                        year,
                        month,
                        day,
                        hour,
                        minute,
                        second,
                        millisecond,
                        bias_minutes: bias,
                    },
                    component,
                    context,
                    severity: Severity::from_code(ty).unwrap(),
                    thread,
                    file,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn write_then_read_round_trips(records in proptest::collection::vec(arb_record(), 0..8)) {
        let mut bytes = BOM.to_vec();
        for r in &records {
            bytes.extend_from_slice(format_record(r).unwrap().as_bytes());
        }
        let parsed = read_log(&bytes);
        prop_assert_eq!(parsed.skipped, vec![]);
        let read: Vec<LogRecord> = parsed.records.into_iter().map(|r| r.record).collect();
        prop_assert_eq!(read, records);
    }

    #[test]
    fn reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let parsed = read_log(&bytes);
        for error in parsed.skipped {
            prop_assert!(error.offset <= bytes.len());
        }
    }

    #[test]
    fn reader_survives_cut_and_mutated_logs(cut_start in 0usize..2000, cut_end in 0usize..2000, position in 0usize..2000, value in any::<u8>()) {
        let mut bytes = SAMPLE.to_vec();
        let position = position % bytes.len();
        bytes[position] = value;
        let (a, b) = (cut_start.min(bytes.len()), cut_end.min(bytes.len()));
        let slice = &bytes[a.min(b)..a.max(b)];
        let parsed = read_log(slice);
        // Every record read back is one the writer can write again.
        for read in parsed.records {
            let written = format_record(&read.record);
            prop_assert!(written.is_ok(), "{:?}", written);
        }
    }

    #[test]
    fn rollover_never_exceeds_the_limit(size in 0u64..5000, record_length in 1u64..3000, limit in 1u64..4000) {
        let policy = RolloverPolicy { max_size_bytes: limit, max_history: 1 };
        let now = time(0, 0, 0, 0, 0);
        match plan_rollover(&policy, "smsts", size, record_length, &now, &[]) {
            Rollover::Append => {
                let header = if size == 0 { 3 } else { 0 };
                prop_assert!(size <= 3 || size + record_length + header <= limit)
            }
            Rollover::Roll { delete, .. } => prop_assert!(delete.is_empty()),
        }
    }
}
