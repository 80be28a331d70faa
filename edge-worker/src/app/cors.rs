//! CORS only for the console's origin (`CONSOLE_ORIGIN`). The console is normally served by the
//! relay itself (same origin, no CORS needed); any other origin gets no CORS headers, and its
//! preflight requests are refused with a JSON error.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use osdgate_model::api::ErrorCode;

use super::{ApiError, AppState};

const ALLOWED_METHODS: &str = "GET, HEAD, POST, PUT, DELETE";
const ALLOWED_HEADERS: &str = "authorization, content-type, if-match, if-none-match, if-range, range, x-osdgate-actor, x-osdgate-comment";
const EXPOSED_HEADERS: &str = "etag, content-range, content-length, retry-after, x-osdgate-sha256";

pub async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let allowed = origin.as_ref().and_then(|o| o.to_str().ok()).is_some_and(|o| {
        state
            .config
            .console_origin
            .as_deref()
            .is_some_and(|allowed| allowed.trim_end_matches('/') == o)
    });
    let preflight = request.method() == Method::OPTIONS
        && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        if !allowed {
            return ApiError::forbidden(
                ErrorCode::CorsOriginDenied,
                "cross-origin requests are only accepted from the console's origin",
            )
            .into_response();
        }
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let (true, Some(origin)) = (allowed, origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
        if preflight {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOWED_METHODS),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOWED_HEADERS),
            );
            headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        }
    }
    response
}
