//! Every request body is consumed before the answer leaves, whoever refused it and however early.
//!
//! A worker that answers while the request body is still unread (a 401 from the credential check,
//! a 405, a 413 from `Content-Length`) makes `wrangler dev`'s proxy answer about one such POST in
//! ten with `503 Your worker restarted mid-request`, and can leave the next request on that
//! connection waiting up to two minutes (measured: 30 refused POSTs with `{}` → 2–4 503s; 60 to a
//! GET-only route → 9 503s and a health check that never answered within 150 s). Requests whose
//! body the handler had read never showed it. So this layer, around the whole router, hands the
//! handlers a body it keeps a hold of; when the answer is ready and the handler left bytes unread,
//! it reads and discards up to [`DRAIN_LIMIT`] of them. A body larger than that (declared by
//! `Content-Length` or found while draining) is not read: the answer says `Connection: close`, so
//! the client does not wait to send the rest on a connection that will not read it.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Body as _, Frame, SizeHint};
use http_body_util::BodyExt;

/// The most the relay reads of a body nobody wanted before answering: more than any refused JSON
/// request (a status message, a token request), far less than a content upload.
pub const DRAIN_LIMIT: u64 = 1024 * 1024;

/// The request body, shared between the handler (which reads it, or not) and this layer.
#[derive(Clone)]
struct Held(Arc<Mutex<Body>>);

impl Held {
    fn lock(&self) -> MutexGuard<'_, Body> {
        // A handler that panicked while reading leaves a body that is still a body.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl http_body::Body for Held {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut *self.lock()).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.lock().is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.lock().size_hint()
    }
}

/// What became of the unread rest of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    /// Nothing was left (the handler read it all, or there was none).
    Nothing,
    /// This many bytes were read and discarded.
    Bytes(u64),
    /// More than [`DRAIN_LIMIT`] was left (or the body failed): the connection is closed instead.
    TooLarge,
}

/// Read and discard what is left of `body`, up to [`DRAIN_LIMIT`].
pub async fn drain(body: &mut Body) -> Drained {
    if body.is_end_stream() {
        return Drained::Nothing;
    }
    if body.size_hint().lower() > DRAIN_LIMIT {
        return Drained::TooLarge;
    }
    let mut read = 0u64;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Some(data) = frame.data_ref() {
                    read += data.len() as u64;
                    if read > DRAIN_LIMIT {
                        return Drained::TooLarge;
                    }
                }
            }
            Err(_) => return Drained::TooLarge,
        }
    }
    if read == 0 { Drained::Nothing } else { Drained::Bytes(read) }
}

/// The layer (outermost: nothing answers before it has drained).
pub(crate) async fn drain_request_body(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    let (parts, body) = request.into_parts();
    let held = Held(Arc::new(Mutex::new(body)));
    let mut response = next.run(Request::from_parts(parts, Body::new(held.clone()))).await;
    let mut rest = std::mem::replace(&mut *held.lock(), Body::empty());
    let outcome = if rest.is_end_stream() {
        Drained::Nothing
    } else if declared.is_some_and(|length| length > DRAIN_LIMIT) {
        // A body this large that the handler left unread is not worth reading.
        Drained::TooLarge
    } else {
        drain(&mut rest).await
    };
    if outcome == Drained::TooLarge {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
