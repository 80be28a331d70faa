//! `smsts.log` on disk: records in the CMTrace format of `osdgate_model::cmtrace`, appended and
//! flushed one by one, rolled over by `cmtrace::plan_rollover`.
//!
//! Times are written in UTC with bias `+000`: the agent has no time-zone database in Windows PE
//! (which itself runs in the time zone of its image, usually Pacific), and CMTrace converts by the
//! bias. The `thread` attribute carries the process ID (the agent runs the sequence on one thread).

use std::collections::VecDeque;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use osdgate_model::cmtrace::{
    BOM, LogRecord, LogTime, Rollover, RolloverPolicy, Severity, format_record,
    neutralize_attribute, neutralize_message, plan_rollover,
};

/// The log's file name stem (`smsts.log`, rolled to `smsts-YYYYMMDD-HHMMSS.log`).
pub const LOG_STEM: &str = "smsts";
/// The `component` of the agent's records.
pub const COMPONENT: &str = "osdgate-agent";
/// How much of the log's end is kept for status messages' `log_excerpt` (the relay takes 16 KiB).
pub const EXCERPT_BYTES: usize = 8 * 1024;

/// The agent's `smsts.log`.
#[derive(Debug)]
pub struct SmstsLog {
    folder: PathBuf,
    policy: RolloverPolicy,
    recent: VecDeque<String>,
    recent_bytes: usize,
}

impl SmstsLog {
    /// The log in `folder` (created when missing).
    pub fn open(folder: &Path, policy: RolloverPolicy) -> io::Result<Self> {
        fs::create_dir_all(folder)?;
        Ok(SmstsLog { folder: folder.to_owned(), policy, recent: VecDeque::new(), recent_bytes: 0 })
    }

    pub fn path(&self) -> PathBuf {
        self.folder.join(format!("{LOG_STEM}.log"))
    }

    /// Moves the log and its rolled copies to `folder`, where the next records go.
    pub fn move_to(&mut self, folder: &Path) -> io::Result<()> {
        crate::placement::move_logs(&self.folder, folder)?;
        self.folder = folder.to_owned();
        Ok(())
    }

    /// Appends one record (`source` is `file.rs:line` or a short name); rolls the file over first
    /// when it would grow beyond the policy's size.
    pub fn write(&mut self, severity: Severity, message: &str, source: &str) -> io::Result<()> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        let time = LogTime::from_unix_millis(now, 0)
            .ok_or_else(|| io::Error::other("the clock is beyond year 9999"))?;
        let record = LogRecord {
            message: neutralize_message(message).into_owned(),
            time,
            component: COMPONENT.to_owned(),
            context: String::new(),
            severity,
            thread: std::process::id(),
            file: neutralize_attribute(source).into_owned(),
        };
        let line = format_record(&record).map_err(io::Error::other)?;
        let path = self.path();
        let size = match fs::metadata(&path) {
            Ok(meta) => meta.len(),
            Err(error) if error.kind() == io::ErrorKind::NotFound => 0,
            Err(error) => return Err(error),
        };
        let names: Vec<String> = fs::read_dir(&self.folder)?
            .filter_map(|e| e.ok().and_then(|e| e.file_name().into_string().ok()))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut size = size;
        if let Rollover::Roll { rename_to, delete } =
            plan_rollover(&self.policy, LOG_STEM, size, line.len() as u64, &time, &names)
        {
            fs::rename(&path, self.folder.join(rename_to))?;
            for old in delete {
                fs::remove_file(self.folder.join(old))?;
            }
            size = 0;
        }
        let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
        let mut bytes = Vec::with_capacity(line.len() + BOM.len());
        if size == 0 {
            bytes.extend_from_slice(BOM);
        }
        bytes.extend_from_slice(line.as_bytes());
        file.write_all(&bytes)?;
        file.sync_data()?;
        self.recent_bytes += line.len();
        self.recent.push_back(line);
        while self.recent_bytes > EXCERPT_BYTES && self.recent.len() > 1 {
            if let Some(old) = self.recent.pop_front() {
                self.recent_bytes -= old.len();
            }
        }
        Ok(())
    }

    /// The last records written by this process (at most [`EXCERPT_BYTES`], whole records), for a
    /// status message's `log_excerpt`.
    pub fn excerpt(&self) -> String {
        let text: String = self.recent.iter().map(String::as_str).collect();
        if text.len() <= EXCERPT_BYTES {
            return text;
        }
        // A single record longer than the excerpt: keep its end.
        let mut start = text.len() - EXCERPT_BYTES;
        while !text.is_char_boundary(start) {
            start += 1;
        }
        text[start..].to_owned()
    }
}
