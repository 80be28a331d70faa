//! The console's media worker: a WebAssembly module that runs in a dedicated Web Worker, so long jobs
//! over large files (hashing a 5 GiB package, preparing a `boot.wim`, writing a USB image) never
//! block the page. The console fetches it the first time a job needs it
//! (`web-ui/src/browser/media_worker.js` starts `/pkg/worker/worker.js`, which loads this module),
//! so none of it counts towards the console's first load.
//!
//! The messages are [`osdgate_console_jobs`]: the console sends a [`ToWorker`] as JSON with the
//! `File`s it refers to; the worker answers with [`FromWorker`] events (progress, then finished,
//! failed or cancelled). From Rust, the console calls `osdgate_console::browser::jobs`, which speaks
//! the protocol; from JavaScript (tests), post `{ json, files }` to the worker and read
//! `{ json, blob }` back.
//!
//! Jobs:
//!
//! - [`Sha256Job`] (`Job::Sha256`): the file's SHA-256, read in 8 MiB slices (`Blob.slice` then
//!   `arrayBuffer`), so memory stays flat for any file size and a cancel takes effect within one
//!   chunk.
//!
//! The job logic is plain Rust driven by the thin browser glue below (`glue`, wasm32 only), so it is
//! tested natively.

use osdgate_console_jobs::{Event, SHA256_CHUNK_BYTES};
pub use osdgate_console_jobs::{FromWorker, ToWorker};
use sha2::{Digest, Sha256};

/// Hashing one file: asks for the byte ranges in order, takes their bytes, reports progress and
/// the digest. Its driver reads the ranges however its platform reads files.
#[derive(Debug, Clone)]
pub struct Sha256Job {
    hasher: Sha256,
    size: u64,
    done: u64,
}

impl Sha256Job {
    /// A job over a file of `size` bytes.
    pub fn new(size: u64) -> Self {
        Sha256Job { hasher: Sha256::new(), size, done: 0 }
    }

    /// The next range to read, `start..end`; `None` when every byte has been fed.
    pub fn next_range(&self) -> Option<(u64, u64)> {
        (self.done < self.size)
            .then(|| (self.done, self.size.min(self.done.saturating_add(SHA256_CHUNK_BYTES))))
    }

    /// Feeds the bytes of the range [`Sha256Job::next_range`] returned. A short read (the file
    /// shrank while it was read) is an error naming the offset.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Event, String> {
        let Some((start, end)) = self.next_range() else {
            return Err("more bytes than the file's size".into());
        };
        if bytes.len() as u64 != end - start {
            return Err(format!(
                "the file changed while it was read: {} bytes at offset {start} where {} were expected; pick it again",
                bytes.len(),
                end - start
            ));
        }
        self.hasher.update(bytes);
        self.done = end;
        Ok(Event::Progress { done: self.done, total: self.size })
    }

    /// The digest as lower-case hex, once every range was fed.
    pub fn finish(self) -> Result<(String, u64), String> {
        if self.done != self.size {
            return Err(format!("only {} of {} bytes were read", self.done, self.size));
        }
        Ok((osdgate_model::hex::lower(&self.hasher.finalize()), self.size))
    }
}

#[cfg(target_arch = "wasm32")]
mod glue;

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_in_chunks(data: &[u8]) -> (String, Vec<Event>) {
        let mut job = Sha256Job::new(data.len() as u64);
        let mut events = Vec::new();
        while let Some((start, end)) = job.next_range() {
            events.push(job.feed(&data[start as usize..end as usize]).unwrap());
        }
        (job.finish().unwrap().0, events)
    }

    #[test]
    fn the_digest_is_sha256_of_the_whole_file_whatever_the_chunks() {
        let (empty, events) = hash_in_chunks(b"");
        assert_eq!(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert!(events.is_empty());
        let (abc, _) = hash_in_chunks(b"abc");
        assert_eq!(abc, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

        // Two full chunks and a partial one.
        let size = 2 * SHA256_CHUNK_BYTES as usize + 12_345;
        let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        let (digest, events) = hash_in_chunks(&data);
        assert_eq!(digest, osdgate_model::hex::lower(&Sha256::digest(&data)));
        let total = size as u64;
        assert_eq!(
            events,
            vec![
                Event::Progress { done: SHA256_CHUNK_BYTES, total },
                Event::Progress { done: 2 * SHA256_CHUNK_BYTES, total },
                Event::Progress { done: total, total },
            ]
        );
    }

    #[test]
    fn a_file_that_changes_while_read_is_refused() {
        let mut job = Sha256Job::new(10);
        let error = job.feed(b"short").unwrap_err();
        assert!(error.contains("offset 0") && error.contains("pick it again"), "{error}");
        assert!(Sha256Job::new(10).finish().unwrap_err().contains("0 of 10"));
    }
}
