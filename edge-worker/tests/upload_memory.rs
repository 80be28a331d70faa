//! Admin content uploads stream: the relay never holds a whole upload (a single PUT or a multipart
//! part, 16 MiB each) in memory. A body produced chunk by chunk goes to an object store that keeps
//! nothing; the store must see the first chunk before the client has produced the rest, and the
//! process's resident memory must rise far less than the upload; a buffered implementation
//! would need at least the upload's size. One test per binary: the memory measured is the process's.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use futures_util::StreamExt;
use osdgate_relay::app::BlobStore;
use osdgate_relay::app::blobs::PART_SIZE;
use osdgate_relay::app::storage::{BlobRead, ByteRange, SizedBody, StorageError};
use sha2::{Digest, Sha256};
use support::Relay;

/// Chunks the client side has produced so far.
static PRODUCED: AtomicUsize = AtomicUsize::new(0);

/// This process's resident set (`VmRSS`) or its high-water mark (`VmHWM`), in bytes.
fn resident(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux)");
    let line =
        status.lines().find(|l| l.starts_with(field)).expect("the field is in /proc/self/status");
    line.split_whitespace().nth(1).unwrap().parse::<usize>().unwrap() * 1024
}

const CHUNK: usize = 64 * 1024;

/// The `index`th chunk of the upload: deterministic, produced only when asked for.
fn chunk(index: usize) -> Bytes {
    let seed = Sha256::digest(index.to_le_bytes());
    Bytes::from(seed.iter().cycle().take(CHUNK).copied().collect::<Vec<u8>>())
}

fn upload_sha256(chunks: usize) -> String {
    let mut hasher = Sha256::new();
    for index in 0..chunks {
        hasher.update(chunk(index));
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn streamed_body(chunks: usize) -> Body {
    PRODUCED.store(0, Ordering::SeqCst);
    Body::from_stream(futures_util::stream::iter(0..chunks).map(|index| {
        PRODUCED.fetch_add(1, Ordering::SeqCst);
        Ok::<_, std::io::Error>(chunk(index))
    }))
}

/// An object store that reads what it is given chunk by chunk and keeps only the count, as R2
/// does from the worker's point of view.
#[derive(Default)]
struct Discarding {
    received: AtomicUsize,
    /// How many chunks the client had produced when the store got its first byte: a relay that
    /// buffers hands the store nothing before it has everything.
    produced_at_first_chunk: AtomicUsize,
    largest_chunk: AtomicUsize,
}

#[async_trait]
impl BlobStore for Discarding {
    async fn put(&self, _key: &str, body: SizedBody) -> Result<(), StorageError> {
        let mut stream = body.body.into_data_stream();
        let mut length = 0u64;
        let mut first = true;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| StorageError(e.to_string()))?;
            if first {
                self.produced_at_first_chunk
                    .store(PRODUCED.load(Ordering::SeqCst), Ordering::SeqCst);
                first = false;
            }
            self.largest_chunk.fetch_max(chunk.len(), Ordering::SeqCst);
            length += chunk.len() as u64;
        }
        self.received.fetch_add(length as usize, Ordering::SeqCst);
        if length == body.length { Ok(()) } else { Err(StorageError("short body".into())) }
    }
    async fn get(&self, _: &str, _: Option<ByteRange>) -> Result<Option<BlobRead>, StorageError> {
        Ok(None)
    }
    async fn delete(&self, _: &str) -> Result<(), StorageError> {
        Ok(())
    }
    async fn create_multipart(&self, _: &str) -> Result<String, StorageError> {
        Ok("mp".into())
    }
    async fn upload_part(
        &self,
        key: &str,
        _: &str,
        _: u16,
        body: SizedBody,
    ) -> Result<String, StorageError> {
        self.put(key, body).await.map(|()| "etag".into())
    }
    async fn complete_multipart(
        &self,
        _: &str,
        _: &str,
        _: Vec<(u16, String)>,
    ) -> Result<(), StorageError> {
        Ok(())
    }
    async fn abort_multipart(&self, _: &str, _: &str) -> Result<(), StorageError> {
        Ok(())
    }
}

/// How far the process's resident memory rose above where it was while `request` was answered
/// (Linux: writing 5 to `clear_refs` resets the high-water mark).
async fn peak_while(relay: &Relay, request: Request<Body>) -> (StatusCode, usize) {
    std::fs::write("/proc/self/clear_refs", "5").expect("resetting the peak RSS (Linux ≥ 4.0)");
    let before = resident("VmRSS:");
    let reply = relay.send(request).await;
    let peak = resident("VmHWM:").saturating_sub(before);
    assert!(reply.status.is_success(), "{}", reply.text());
    (reply.status, peak)
}

fn assert_streamed(store: &Discarding, chunks: usize, what: &str) {
    let at_first = store.produced_at_first_chunk.load(Ordering::SeqCst);
    assert!(
        at_first <= 2,
        "{what}: the store got its first byte only after {at_first} of {chunks} chunks were sent"
    );
    assert!(store.largest_chunk.load(Ordering::SeqCst) <= CHUNK, "{what}: chunks were merged");
}

#[tokio::test(flavor = "current_thread")]
async fn single_uploads_and_parts_stream_without_holding_the_upload_in_memory() {
    let chunks = PART_SIZE as usize / CHUNK;
    let sha256 = upload_sha256(chunks);
    let store = Arc::new(Discarding::default());
    let mut relay = Relay::new();
    relay.state.blobs = store.clone();
    // What a buffered relay would need at least is PART_SIZE; streaming must stay far below.
    let bound = PART_SIZE as usize / 4;

    let single = relay
        .call("PUT", &format!("/api/v1/admin/blobs/{sha256}"))
        .admin()
        .header("content-length", &PART_SIZE.to_string())
        .body(streamed_body(chunks))
        .build();
    let (status, peak) = peak_while(&relay, single).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(store.received.load(Ordering::SeqCst), PART_SIZE as usize);
    assert_streamed(&store, chunks, "single upload");
    assert!(peak < bound, "a 16 MiB single upload raised the RSS by {peak} bytes (bound {bound})");

    // A multipart upload of two parts; the first part is a whole PART_SIZE.
    let size = PART_SIZE + CHUNK as u64;
    let session = relay
        .admin(
            "POST",
            &format!("/api/v1/admin/blobs/{}/uploads", "ab".repeat(32)),
            Some(serde_json::json!({"size": size})),
        )
        .await;
    assert_eq!(session.status, StatusCode::CREATED, "{}", session.text());
    let upload_id = session.json["upload_id"].as_str().unwrap().to_owned();
    let part = relay
        .call(
            "PUT",
            &format!("/api/v1/admin/blobs/{}/uploads/{upload_id}/parts/1", "ab".repeat(32)),
        )
        .admin()
        .header("content-length", &PART_SIZE.to_string())
        .body(streamed_body(chunks))
        .build();
    let (_, peak) = peak_while(&relay, part).await;
    assert_streamed(&store, chunks, "part");
    assert!(peak < bound, "a 16 MiB part raised the RSS by {peak} bytes (bound {bound})");
}
