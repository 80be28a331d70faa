//! Extractors: JSON bodies with stable error codes and size limits, the client's address, and
//! helpers to read D1 rows.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use osdgate_model::api::ErrorCode;
use serde::de::DeserializeOwned;

use super::ApiError;
use super::storage::Row;

/// The default limit for JSON bodies (media, status, auth requests).
pub const JSON_LIMIT: usize = 64 * 1024;

/// A JSON body, read only after the route's credential extractors have run (axum runs the body
/// extractor last), limited in size, with refusals as [`ApiError`]s.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared_json = is_json(request.headers());
        // Read (bounded) even when refusing: an unread body stalls the connection behind
        // wrangler dev's proxy.
        let bytes = read_body(request, state, JSON_LIMIT).await?;
        if !declared_json {
            return Err(unsupported_media_type());
        }
        parse_json(&bytes).map(ApiJson)
    }
}

/// Whether the request declares `Content-Type: application/json` (parameters such as `charset`
/// allowed). JSON endpoints accept nothing else, so a cross-site form or `text/plain` "simple"
/// request (which a browser sends without a CORS preflight) never reaches a handler.
pub fn is_json(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

pub fn unsupported_media_type() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
        "send the body as JSON with `Content-Type: application/json`",
    )
}

/// Parse JSON, naming the position and the field on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        ApiError::bad_request(
            ErrorCode::InvalidJson,
            format!(
                "the request body is not the expected JSON: {error} (line {}, column {})",
                error.line(),
                error.column()
            ),
        )
    })
}

/// Read a body of at most `limit` bytes; refuses early from `Content-Length` when it is larger.
pub async fn read_body<S: Send + Sync>(
    request: Request,
    state: &S,
    limit: usize,
) -> Result<Bytes, ApiError> {
    if let Some(length) = request.headers().get(header::CONTENT_LENGTH) {
        let length = length.to_str().ok().and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| {
            ApiError::bad_request(ErrorCode::InvalidContentLength, "Content-Length is not a number")
        })?;
        if length > limit as u64 {
            return Err(ApiError::too_large(limit as u64));
        }
    }
    let request = request.map(|body| axum::body::Body::new(http_body_limit(body, limit)));
    Bytes::from_request(request, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(limit as u64)
        } else {
            ApiError::bad_request(
                ErrorCode::BodyUnreadable,
                format!("the request body could not be read: {rejection}"),
            )
        }
    })
}

fn http_body_limit(
    body: axum::body::Body,
    limit: usize,
) -> http_body_util::Limited<axum::body::Body> {
    http_body_util::Limited::new(body, limit)
}

/// The client's address as Cloudflare reports it (`CF-Connecting-IP`), when present and valid.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .headers
                .get("cf-connecting-ip")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok()),
        ))
    }
}

impl ClientAddress {
    pub fn label(&self) -> Option<String> {
        self.0.map(|address| address.to_string())
    }
}

/// Typed reads of a D1 row; a missing or mistyped column is a storage error (schema drift), never
/// a panic.
pub trait RowExt {
    fn text(&self, column: &str) -> Result<String, ApiError>;
    fn opt_text(&self, column: &str) -> Option<String>;
    fn int(&self, column: &str) -> Result<i64, ApiError>;
    fn opt_int(&self, column: &str) -> Option<i64>;
}

fn as_int(value: &serde_json::Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
}

impl RowExt for Row {
    fn text(&self, column: &str) -> Result<String, ApiError> {
        self.opt_text(column)
            .ok_or_else(|| ApiError::storage(format!("column {column} is missing or not text")))
    }
    fn opt_text(&self, column: &str) -> Option<String> {
        self.get(column).and_then(|v| v.as_str()).map(str::to_owned)
    }
    fn int(&self, column: &str) -> Result<i64, ApiError> {
        self.opt_int(column).ok_or_else(|| {
            ApiError::storage(format!("column {column} is missing or not an integer"))
        })
    }
    fn opt_int(&self, column: &str) -> Option<i64> {
        self.get(column).and_then(as_int)
    }
}

/// IDs chosen by admins or clients: 1–`max` characters of `A-Z a-z 0-9 - _ .` (and not `.`/`..`).
pub fn check_id(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value != "."
        && value != ".."
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::unprocessable(
            ErrorCode::InvalidId,
            format!("{field} must be 1–{max} characters of A-Z, a-z, 0-9, '-', '_' or '.'"),
        ))
    }
}

/// Decode a base64 value given in standard or URL-safe alphabet, with or without padding.
pub fn decode_base64(value: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let value = value.trim();
    [URL_SAFE_NO_PAD, URL_SAFE, STANDARD, STANDARD_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(value).ok())
}

pub fn encode_base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Lower-case hex (the model's one encoder).
pub use osdgate_model::hex::lower as hex;

/// A SHA-256 given by a client: 64 hex digits (either case), returned lower-case.
pub fn check_sha256(field: &str, value: &str) -> Result<String, ApiError> {
    if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(ApiError::unprocessable(
            ErrorCode::InvalidSha256,
            format!("{field} must be a SHA-256 as 64 hexadecimal digits"),
        ))
    }
}
