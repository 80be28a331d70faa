//! Every refused request has its body consumed before the answer leaves (up to a bound), or is
//! answered with `Connection: close` above it: one layer around the router, whatever refused it.
//! (`playwright/tests/relay-refusals.spec.ts` measures the effect against `wrangler dev`.)
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use osdgate_relay::app::drain::DRAIN_LIMIT;
use support::Relay;

/// A body of `chunks` × `chunk` bytes that counts how many bytes were pulled from it.
fn counted_body(chunks: usize, chunk: usize, pulled: Arc<AtomicU64>) -> Body {
    let stream = futures_util::stream::iter((0..chunks).map(move |_| {
        pulled.fetch_add(chunk as u64, Ordering::SeqCst);
        Ok::<_, std::io::Error>(Bytes::from(vec![b' '; chunk]))
    }));
    Body::from_stream(stream)
}

fn post(
    relay: &Relay,
    path: &str,
    token: &str,
    length: Option<usize>,
    body: Body,
) -> Request<Body> {
    let mut call = relay
        .call("POST", path)
        .bearer(token)
        .header("content-type", "application/json")
        .from("203.0.113.7");
    if let Some(length) = length {
        call = call.header("content-length", &length.to_string());
    }
    call.body(body).build()
}

#[tokio::test]
async fn refusals_before_the_body_is_read_still_consume_it() {
    let relay = Relay::new();
    // (path, token) pairs refused before any handler reads the body: a forged client token, a
    // forged admin token, a method the route does not take, a path that does not exist.
    let cases = [
        ("/api/v1/status", "forged.token.value", StatusCode::UNAUTHORIZED),
        ("/api/v1/admin/media", "forged-admin-token", StatusCode::UNAUTHORIZED),
        ("/api/v1/noop", "forged.token.value", StatusCode::METHOD_NOT_ALLOWED),
        ("/api/v1/no-such-route", "forged.token.value", StatusCode::NOT_FOUND),
    ];
    for (path, token, status) in cases {
        let pulled = Arc::new(AtomicU64::new(0));
        let reply = relay
            .send(post(&relay, path, token, Some(1024), counted_body(4, 256, pulled.clone())))
            .await;
        assert_eq!(reply.status, status, "{path}: {}", reply.text());
        assert_eq!(pulled.load(Ordering::SeqCst), 1024, "{path}: the refused body was not read");
        assert_eq!(reply.header("connection"), None, "{path}: a small body keeps the connection");
    }
}

#[tokio::test]
async fn bodies_above_the_bound_are_not_read_and_close_the_connection() {
    let relay = Relay::new();
    let chunk = 64 * 1024;
    let chunks = (2 * DRAIN_LIMIT as usize) / chunk;
    // Declared too large: nothing is read.
    let pulled = Arc::new(AtomicU64::new(0));
    let declared = chunks * chunk;
    let reply = relay
        .send(post(
            &relay,
            "/api/v1/status",
            "forged",
            Some(declared),
            counted_body(chunks, chunk, pulled.clone()),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("connection"), Some("close"));
    assert_eq!(pulled.load(Ordering::SeqCst), 0);
    // Streamed without a length: read up to the bound, then given up on.
    let pulled = Arc::new(AtomicU64::new(0));
    let reply = relay
        .send(post(
            &relay,
            "/api/v1/status",
            "forged",
            None,
            counted_body(chunks, chunk, pulled.clone()),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("connection"), Some("close"));
    let read = pulled.load(Ordering::SeqCst);
    assert!(read > DRAIN_LIMIT && read <= DRAIN_LIMIT + chunk as u64, "read {read} bytes");
}

#[tokio::test]
async fn requests_whose_body_the_handler_reads_are_untouched() {
    let relay = Relay::new();
    let document = serde_json::json!({"media_id": "usb-1"}).to_string();
    let reply = relay
        .call("POST", "/api/v1/admin/media")
        .admin()
        .header("content-type", "application/json")
        .body(document)
        .send()
        .await;
    // Read and refused by the handler itself (fields missing): its own answer, nothing added.
    assert!(reply.status.is_client_error(), "{}", reply.text());
    assert_eq!(reply.header("connection"), None);
}
