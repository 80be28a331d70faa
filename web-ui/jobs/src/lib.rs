//! The message protocol between the console (main thread) and its media worker (`web-ui/worker`, a
//! Web Worker running its own WebAssembly module). Plain data shared by both sides, so a message one
//! side writes is a type the other side reads; versioned, so a console and a worker from different
//! builds (an old cached worker script) refuse each other with a clear error instead of
//! misreading.
//!
//! # On the wire
//!
//! Every message is a JavaScript object `{ json, files?, blob? }`:
//!
//! - `json`: one [`ToWorker`] or [`FromWorker`] as JSON text.
//! - `files` (console → worker): the `File`s and `Blob`s a job reads, referred to in the JSON by
//!   their index ([`FileRef`]). They are structured-cloned, which shares the underlying data: the
//!   worker reads them in slices and never copies a whole file.
//! - `blob` (worker → console, with [`Event::Finished`] of a build): the output, a `Blob` assembled
//!   from generated parts and slices of the admin's own files.
//!
//! # A job's life
//!
//! The console sends [`Command::Start`] with a job ID of its choosing; the worker answers with any
//! number of [`Event::Progress`] and then exactly one of [`Event::Finished`], [`Event::Failed`] or
//! [`Event::Cancelled`]. [`Command::Cancel`] stops a job between two chunks; the worker then sends
//! `Cancelled` and keeps no partial output. A message of another [`PROTOCOL_VERSION`] is answered
//! with [`Event::Failed`] and [`JobErrorCode::ProtocolVersion`].
//!
//! # Jobs
//!
//! - [`Job::Sha256`]: the SHA-256 of a file, read in [`SHA256_CHUNK_BYTES`] chunks (content uploads,
//!   issue 10). Result: [`JobResult::Sha256`].

use serde::{Deserialize, Serialize};

/// The protocol's version. Bump it on any change to the types below that an older peer would
/// misread.
pub const PROTOCOL_VERSION: u32 = 1;

/// How much of a file the worker reads at once when hashing: large enough that the per-chunk cost
/// (a slice, a promise, a copy into wasm memory) vanishes beside hashing, small enough that memory
/// stays flat and progress moves often.
pub const SHA256_CHUNK_BYTES: u64 = 8 << 20;

/// A job's ID, chosen by the console, unique among its running jobs.
pub type JobId = u32;

/// An index into the message's `files` array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FileRef(pub usize);

/// A message from the console to the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToWorker {
    /// [`PROTOCOL_VERSION`] of the sender.
    pub version: u32,
    /// The job the command is about.
    pub id: JobId,
    /// What to do.
    pub command: Command,
}

impl ToWorker {
    /// A message of this protocol version.
    pub fn new(id: JobId, command: Command) -> Self {
        ToWorker { version: PROTOCOL_VERSION, id, command }
    }
}

/// What the console asks of the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Run a job.
    Start(Job),
    /// Stop the job; it ends with [`Event::Cancelled`] (or its result, when it had just finished).
    Cancel,
}

/// A job the worker runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// The SHA-256 of a file.
    Sha256 {
        /// The file.
        file: FileRef,
    },
}

/// A message from the worker to the console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FromWorker {
    /// [`PROTOCOL_VERSION`] of the sender.
    pub version: u32,
    /// The job the event is about (0 when the message could not be read at all).
    pub id: JobId,
    /// What happened.
    pub event: Event,
}

impl FromWorker {
    /// A message of this protocol version.
    pub fn new(id: JobId, event: Event) -> Self {
        FromWorker { version: PROTOCOL_VERSION, id, event }
    }
}

/// What the worker reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// Part of the work is done.
    Progress {
        /// Bytes processed so far.
        done: u64,
        /// Bytes to process in all.
        total: u64,
    },
    /// The job finished; a build's output travels beside as `blob`.
    Finished {
        /// What it produced.
        result: JobResult,
    },
    /// The job failed; nothing was produced.
    Failed {
        /// Why.
        error: JobError,
    },
    /// The job was cancelled; nothing was produced.
    Cancelled,
}

/// A finished job's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobResult {
    /// [`Job::Sha256`].
    Sha256 {
        /// The digest, lower-case hex.
        sha256: String,
        /// Bytes hashed.
        size: u64,
    },
}

/// Why a job failed, typed, with a message that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    /// What kind of failure.
    pub code: JobErrorCode,
    /// In words, naming the input and the fix.
    pub message: String,
}

impl JobError {
    /// An error of `code`.
    pub fn new(code: JobErrorCode, message: impl Into<String>) -> Self {
        JobError { code, message: message.into() }
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The kinds of [`JobError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobErrorCode {
    /// The peer speaks another [`PROTOCOL_VERSION`] (a stale cached script): reload the page.
    ProtocolVersion,
    /// The message could not be read.
    BadMessage,
    /// A [`FileRef`] names no file of the message.
    MissingFile,
    /// The browser could not read an input file (removed, changed on disk, permission gone).
    Read,
    /// The worker could not be started or stopped answering.
    WorkerUnavailable,
}

/// A job ID the protocol never assigns, used to answer a message whose ID could not be read.
pub const UNKNOWN_JOB: JobId = 0;

/// Reads a message to the worker, refusing another protocol version.
pub fn read_to_worker(json: &str) -> Result<ToWorker, (JobId, JobError)> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|error| {
        (UNKNOWN_JOB, JobError::new(JobErrorCode::BadMessage, format!("not JSON: {error}")))
    })?;
    let id = value
        .get("id")
        .and_then(serde_json::Value::as_u64)
        .and_then(|id| JobId::try_from(id).ok())
        .unwrap_or(UNKNOWN_JOB);
    check_version(&value).map_err(|error| (id, error))?;
    serde_json::from_value(value)
        .map_err(|error| (id, JobError::new(JobErrorCode::BadMessage, error.to_string())))
}

/// Reads a message from the worker, refusing another protocol version.
pub fn read_from_worker(json: &str) -> Result<FromWorker, JobError> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|error| JobError::new(JobErrorCode::BadMessage, format!("not JSON: {error}")))?;
    check_version(&value)?;
    serde_json::from_value(value)
        .map_err(|error| JobError::new(JobErrorCode::BadMessage, error.to_string()))
}

fn check_version(value: &serde_json::Value) -> Result<(), JobError> {
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(version) if version == u64::from(PROTOCOL_VERSION) => Ok(()),
        other => Err(JobError::new(
            JobErrorCode::ProtocolVersion,
            format!(
                "the console and its media worker are from different builds (protocol {} here, {} there); reload the page",
                PROTOCOL_VERSION,
                other.map_or_else(|| "none".to_owned(), |v| v.to_string())
            ),
        )),
    }
}

/// Throughput and time left from progress samples: the rate is measured over a sliding window of
/// the last [`Rate::WINDOW_MS`], so a stall shows within seconds and an early burst (a cached file)
/// does not promise a time it will not keep.
#[derive(Debug, Clone, Default)]
pub struct Rate {
    samples: std::collections::VecDeque<(f64, u64)>,
}

impl Rate {
    /// The window the rate is measured over.
    pub const WINDOW_MS: f64 = 3_000.0;

    /// Records that `done` bytes were processed at `now_ms`.
    pub fn sample(&mut self, now_ms: f64, done: u64) {
        self.samples.push_back((now_ms, done));
        while self.samples.len() > 2
            && self.samples.get(1).is_some_and(|(t, _)| now_ms - t >= Self::WINDOW_MS)
        {
            self.samples.pop_front();
        }
    }

    /// Bytes per second over the window; `None` until two samples lie apart in time.
    pub fn bytes_per_second(&self) -> Option<f64> {
        let (first_ms, first) = *self.samples.front()?;
        let (last_ms, last) = *self.samples.back()?;
        let elapsed = (last_ms - first_ms) / 1000.0;
        (elapsed > 0.0 && last >= first).then(|| (last - first) as f64 / elapsed)
    }

    /// Seconds until `total` at the current rate; `None` while the rate is unknown or zero.
    pub fn seconds_left(&self, total: u64) -> Option<f64> {
        let rate = self.bytes_per_second().filter(|rate| *rate > 0.0)?;
        let (_, done) = *self.samples.back()?;
        Some(total.saturating_sub(done) as f64 / rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_as_json() {
        let start = ToWorker::new(7, Command::Start(Job::Sha256 { file: FileRef(0) }));
        let json = serde_json::to_string(&start).unwrap();
        assert_eq!(json, r#"{"version":1,"id":7,"command":{"start":{"kind":"sha256","file":0}}}"#);
        assert_eq!(read_to_worker(&json).unwrap(), start);
        let cancel = serde_json::to_string(&ToWorker::new(7, Command::Cancel)).unwrap();
        assert_eq!(cancel, r#"{"version":1,"id":7,"command":"cancel"}"#);

        let finished = FromWorker::new(
            7,
            Event::Finished { result: JobResult::Sha256 { sha256: "ab".into(), size: 3 } },
        );
        let json = serde_json::to_string(&finished).unwrap();
        assert_eq!(read_from_worker(&json).unwrap(), finished);
    }

    #[test]
    fn another_version_is_refused_with_the_job_id() {
        let (id, error) = read_to_worker(r#"{"version":2,"id":9,"command":"cancel"}"#).unwrap_err();
        assert_eq!(id, 9);
        assert_eq!(error.code, JobErrorCode::ProtocolVersion);
        assert!(error.message.contains("reload the page"), "{error}");
        let error = read_from_worker(r#"{"id":9,"event":{"kind":"cancelled"}}"#).unwrap_err();
        assert_eq!(error.code, JobErrorCode::ProtocolVersion);
        let (id, error) = read_to_worker("{").unwrap_err();
        assert_eq!((id, error.code), (UNKNOWN_JOB, JobErrorCode::BadMessage));
        let (_, error) =
            read_to_worker(r#"{"version":1,"id":3,"command":{"start":{"kind":"x"}}}"#).unwrap_err();
        assert_eq!(error.code, JobErrorCode::BadMessage);
    }

    #[test]
    fn the_rate_follows_the_last_seconds() {
        let mut rate = Rate::default();
        assert_eq!(rate.bytes_per_second(), None);
        rate.sample(0.0, 0);
        assert_eq!(rate.bytes_per_second(), None);
        // 100 MB/s for 10 s, then a stall: the window forgets the fast part.
        for second in 1..=10 {
            rate.sample(f64::from(second) * 1000.0, second as u64 * 100_000_000);
        }
        assert_eq!(rate.bytes_per_second(), Some(100_000_000.0));
        assert_eq!(rate.seconds_left(2_000_000_000), Some(10.0));
        for second in 11..=15 {
            rate.sample(f64::from(second) * 1000.0, 1_000_000_000);
        }
        assert_eq!(rate.bytes_per_second(), Some(0.0));
        assert_eq!(rate.seconds_left(2_000_000_000), None);
    }
}
