//! Authentication, split by who is asking: [`admin`] (the bearer secret, as middleware), [`client`]
//! (media and device tokens, as an extractor) and [`challenge`] (challenge–response with
//! single-use short-lived nonces, rate limits and the record of every attempt). What is checked,
//! the credential state, lives in [`super::credentials`].
//!
//! Credentials are checked by middleware or a parts extractor, before any body is read (axum runs
//! the body extractor last).

pub mod admin;
pub mod challenge;
pub mod client;

use axum::http::HeaderMap;

use osdgate_model::api::ErrorCode;

use super::ApiError;

pub use admin::{actor, require_admin};
pub use client::{ClientAuth, DeviceClient, MediaClient};

/// The `Authorization: Bearer` value, or the refusal that names the header.
fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(axum::http::header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized(
            ErrorCode::Unauthorized,
            "this endpoint needs an `Authorization: Bearer ...` header",
        )
    })?;
    let value = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).ok_or_else(|| {
        ApiError::unauthorized(
            ErrorCode::Unauthorized,
            "the Authorization header must be `Bearer <token>`",
        )
    })?;
    Ok(value.trim())
}
