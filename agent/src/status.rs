//! The status queue on disk: every status message is written to the queue before anything tries to
//! send it, one file per message (written atomically), named by a sequence number so the order
//! survives restarts. Sending takes them in order and deletes a file only once the relay stored it
//! (`201`) or already had it (`duplicate`); the relay stores by `message_id` (`ON CONFLICT DO
//! NOTHING`), so a message resent after a lost answer is counted once. A message the relay refuses
//! for its content is moved to `rejected/` with the reason, never deleted.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use osdgate_model::api::StatusPost;

use crate::state::write_atomically;

/// Why the queue cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("status queue {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("status queue {path}: {problem}; remove the file to start a new queue identity")]
    Corrupt { path: PathBuf, problem: String },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> QueueError + '_ {
    move |source| QueueError::Io { path: path.to_owned(), source }
}

/// What sending one message gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Stored by the relay (new or a duplicate of one it had).
    Stored,
    /// The relay could not be reached or answered 5xx/429: try again later, keep the order.
    Retry(String),
    /// The relay refused the message itself (4xx other than 429): it will never be accepted.
    Refused(String),
}

/// The result of [`StatusQueue::flush`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlushReport {
    pub sent: usize,
    pub refused: usize,
    pub remaining: usize,
    /// Why sending stopped early.
    pub stopped: Option<String>,
}

/// The queue in a folder.
#[derive(Debug)]
pub struct StatusQueue {
    folder: PathBuf,
    /// Random, per state folder: message IDs are unique across devices and runs.
    instance: String,
    next_sequence: u64,
}

const INSTANCE_FILE: &str = "instance";
const COUNTER_FILE: &str = "counter";
const REJECTED_DIR: &str = "rejected";

impl StatusQueue {
    /// Opens (or creates) the queue in `folder`.
    pub fn open(folder: &Path) -> Result<Self, QueueError> {
        fs::create_dir_all(folder.join(REJECTED_DIR)).map_err(io_error(folder))?;
        let instance_path = folder.join(INSTANCE_FILE);
        let instance = match fs::read_to_string(&instance_path) {
            Ok(text) => {
                let text = text.trim().to_owned();
                if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(QueueError::Corrupt {
                        path: instance_path,
                        problem: "not 32 hex digits".to_owned(),
                    });
                }
                text
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let mut random = [0u8; 16];
                getrandom::getrandom(&mut random).map_err(|e| QueueError::Io {
                    path: instance_path.clone(),
                    source: io::Error::other(e.to_string()),
                })?;
                let text = osdgate_model::hex::lower(&random);
                write_atomically(&instance_path, text.as_bytes())
                    .map_err(io_error(&instance_path))?;
                text
            }
            Err(error) => return Err(QueueError::Io { path: instance_path, source: error }),
        };
        let counter_path = folder.join(COUNTER_FILE);
        let counted = match fs::read_to_string(&counter_path) {
            Ok(text) => text.trim().parse::<u64>().map_err(|_| QueueError::Corrupt {
                path: counter_path.clone(),
                problem: "not a number".to_owned(),
            })?,
            Err(error) if error.kind() == io::ErrorKind::NotFound => 0,
            Err(error) => return Err(QueueError::Io { path: counter_path, source: error }),
        };
        let mut queue = StatusQueue { folder: folder.to_owned(), instance, next_sequence: counted };
        // Never reuse a number that a queued file already has (the counter is written first, but be
        // safe against a counter restored from an older copy).
        if let Some(last) = queue.queued_sequences()?.last() {
            queue.next_sequence = queue.next_sequence.max(last + 1);
        }
        Ok(queue)
    }

    pub fn folder(&self) -> &Path {
        &self.folder
    }

    fn queued_sequences(&self) -> Result<Vec<u64>, QueueError> {
        let mut sequences = Vec::new();
        for entry in fs::read_dir(&self.folder).map_err(io_error(&self.folder))? {
            let entry = entry.map_err(io_error(&self.folder))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(number) = name.strip_suffix(".json").and_then(|n| n.parse::<u64>().ok()) {
                sequences.push(number);
            }
        }
        sequences.sort_unstable();
        Ok(sequences)
    }

    fn message_path(&self, sequence: u64) -> PathBuf {
        self.folder.join(format!("{sequence:010}.json"))
    }

    /// Queues `post` durably; its `message_id` is replaced by the queue's own (`<instance>-<n>`).
    /// Returns the message ID.
    pub fn enqueue(&mut self, mut post: StatusPost) -> Result<String, QueueError> {
        let sequence = self.next_sequence;
        let counter_path = self.folder.join(COUNTER_FILE);
        write_atomically(&counter_path, (sequence + 1).to_string().as_bytes())
            .map_err(io_error(&counter_path))?;
        self.next_sequence = sequence + 1;
        post.message_id = format!("{}-{sequence:010}", self.instance);
        let path = self.message_path(sequence);
        let bytes = serde_json::to_vec(&post)
            .map_err(|e| QueueError::Io { path: path.clone(), source: io::Error::other(e) })?;
        write_atomically(&path, &bytes).map_err(io_error(&path))?;
        Ok(post.message_id)
    }

    /// The queued messages, oldest first. A file that is not a status message is moved to
    /// `rejected/` (with a `.reason.txt`), not dropped.
    pub fn pending(&self) -> Result<Vec<(u64, StatusPost)>, QueueError> {
        let mut messages = Vec::new();
        for sequence in self.queued_sequences()? {
            let path = self.message_path(sequence);
            let bytes = fs::read(&path).map_err(io_error(&path))?;
            match serde_json::from_slice::<StatusPost>(&bytes) {
                Ok(post) => messages.push((sequence, post)),
                Err(error) => self.reject(sequence, &format!("not a status message: {error}"))?,
            }
        }
        Ok(messages)
    }

    fn reject(&self, sequence: u64, reason: &str) -> Result<(), QueueError> {
        let from = self.message_path(sequence);
        let to = self.folder.join(REJECTED_DIR).join(format!("{sequence:010}.json"));
        let reason_path = self.folder.join(REJECTED_DIR).join(format!("{sequence:010}.reason.txt"));
        write_atomically(&reason_path, reason.as_bytes()).map_err(io_error(&reason_path))?;
        fs::rename(&from, &to).map_err(io_error(&from))
    }

    /// Sends the queued messages in order through `send`, until the queue is empty or `send` says
    /// to retry later.
    pub fn flush(
        &mut self,
        send: &mut dyn FnMut(&StatusPost) -> SendOutcome,
    ) -> Result<FlushReport, QueueError> {
        let pending = self.pending()?;
        let mut report = FlushReport { remaining: pending.len(), ..FlushReport::default() };
        for (sequence, post) in pending {
            match send(&post) {
                SendOutcome::Stored => {
                    let path = self.message_path(sequence);
                    fs::remove_file(&path).map_err(io_error(&path))?;
                    report.sent += 1;
                }
                SendOutcome::Refused(reason) => {
                    self.reject(sequence, &reason)?;
                    report.refused += 1;
                }
                SendOutcome::Retry(reason) => {
                    report.stopped = Some(reason);
                    break;
                }
            }
            report.remaining -= 1;
        }
        Ok(report)
    }
}
