//! The admin credential: the `ADMIN_TOKEN` bearer on every `/api/v1/admin` route.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use osdgate_model::api::ErrorCode;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::bearer;
use super::challenge::RATE_WINDOW_MS;
use crate::app::extract::{ClientAddress, RowExt};
use crate::app::storage::Statement;
use crate::app::{ApiError, AppState};

/// Admin routes: the bearer must equal `ADMIN_TOKEN` (compared in constant time over SHA-256
/// digests so neither content nor length leaks). Failures are counted per client address and
/// recorded in the auth-events log (`kind` = `admin`); an address with
/// [`crate::app::Limits::admin_failures_per_address`] failures in the current minute is refused
/// before its token is even compared, and that refusal writes nothing.
pub async fn require_admin(
    State(state): State<AppState>,
    address: ClientAddress,
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
    let now = state.clock.now_ms();
    let window = now - now.rem_euclid(RATE_WINDOW_MS);
    let bucket = format!("admin-failures:{}", address.label().unwrap_or_else(|| "unknown".into()));
    let limit = i64::from(state.config.limits.admin_failures_per_address);
    let rows = state
        .db
        .query(
            "SELECT count FROM rate_limits WHERE bucket = ?1 AND window_start = ?2",
            &[bucket.as_str().into(), window.into()],
        )
        .await?;
    if rows.first().map(|row| row.int("count")).transpose()?.unwrap_or(0) >= limit {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many failed admin authentications from this address; wait a minute and try again",
        );
        error.retry_after = Some(((window + RATE_WINDOW_MS - now).max(1000) / 1000) as u64);
        return Err(error);
    }
    let refusal = match bearer(request.headers()) {
        Err(error) => Some(error),
        Ok(given) => {
            let same: bool =
                Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes())).into();
            (!same).then(|| {
                ApiError::unauthorized(ErrorCode::Unauthorized, "the admin credential is not valid")
            })
        }
    };
    if let Some(error) = refusal {
        state
            .db
            .batch(vec![
                Statement {
                    sql: "INSERT INTO rate_limits (bucket, window_start, count) VALUES (?1, ?2, 1) \
                          ON CONFLICT (bucket) DO UPDATE SET \
                          count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END, \
                          window_start = excluded.window_start",
                    params: vec![bucket.as_str().into(), window.into()],
                },
                Statement {
                    sql: "INSERT INTO auth_events (at, subject_kind, subject_id, address, outcome) VALUES (?1, 'admin', 'admin', ?2, ?3)",
                    params: vec![now.into(), address.label().into(), error.code.as_str().into()],
                },
            ])
            .await?;
        return Err(error);
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
