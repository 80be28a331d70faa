//! What every answer of the relay carries, in one layer around the router: the request's ID (in
//! `X-Request-Id`, and in the body of a storage or internal error, whose detail goes to the log
//! under that ID instead of to the client) and `Cache-Control: no-store` unless a handler chose
//! otherwise — tokens, policy and configuration must never sit in a cache.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use osdgate_model::api::REQUEST_ID_HEADER;

use super::AppState;
use super::error::Concealed;
use super::extract::encode_base64url;

/// The relay's ID of the request being answered (a request extension).
#[derive(Debug, Clone)]
pub struct RequestId(pub Arc<str>);

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// 96 random bits, base64url: unique enough to find one request in a day of logs, short enough
/// to read out over the phone.
fn new_request_id(state: &AppState) -> RequestId {
    let mut bytes = [0u8; 12];
    let id = match state.entropy.fill(&mut bytes) {
        Ok(()) => encode_base64url(&bytes),
        // Without randomness the time still tells the request apart from most others; the
        // request itself will fail on its own if it needs entropy.
        Err(_) => format!("t{}", state.clock.now_ms()),
    };
    RequestId(Arc::from(id))
}

/// The layer (outermost, so CORS refusals are covered too).
pub(crate) async fn answer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = new_request_id(&state);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    request.extensions_mut().insert(id.clone());
    let mut response = next.run(request).await;
    if let Some(Concealed { mut body, detail }) = response.extensions_mut().remove::<Concealed>() {
        state.log.error(&format!(
            "request {id}: {method} {path} answered {} {}: {detail}",
            response.status().as_u16(),
            body.code
        ));
        body.request_id = Some(id.0.to_string());
        // Serialising an ErrorBody cannot fail (strings and a JSON value); the original body,
        // which has no ID, is the fallback all the same.
        if let Ok(bytes) = serde_json::to_vec(&body) {
            response.headers_mut().remove(header::CONTENT_LENGTH);
            *response.body_mut() = Body::from(bytes);
        }
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}
