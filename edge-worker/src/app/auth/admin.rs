//! The admin credential: the `ADMIN_TOKEN` bearer on every `/api/v1/admin` route.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use osdgate_model::api::ErrorCode;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::bearer;
use crate::app::{ApiError, AppState};

/// Admin routes: the bearer must equal `ADMIN_TOKEN` (compared in constant time over SHA-256
/// digests so neither content nor length leaks).
pub async fn require_admin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let expected = state.config.admin_token.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::AdminNotConfigured,
            "the relay has no ADMIN_TOKEN secret; set it with `wrangler secret put ADMIN_TOKEN`",
        )
    })?;
    let given = bearer(request.headers())?;
    let same: bool =
        Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes())).into();
    if !same {
        return Err(ApiError::unauthorized(
            ErrorCode::Unauthorized,
            "the admin credential is not valid",
        ));
    }
    Ok(next.run(request).await)
}

/// Who made an admin change (`X-Osdgate-Actor`, else `admin`), for the record.
pub fn actor(headers: &HeaderMap) -> String {
    headers
        .get("x-osdgate-actor")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .unwrap_or("admin")
        .to_owned()
}
