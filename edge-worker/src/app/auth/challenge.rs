//! Challenge–response: `POST /auth/challenge` hands out a single-use nonce valid for
//! [`NONCE_TTL_MS`]; `POST /auth/token` takes its signature by the subject's key and issues a
//! token. Both are rate-limited and every refusal is recorded for the admin's auth-events log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ed25519_dalek::Signature;
use osdgate_model::api::{
    Challenge, ChallengeRequest, ErrorCode, IssuedToken, SubjectKind, TokenRequest,
    challenge_message,
};

use crate::app::credentials::{
    issue, load_media, parse_deployments, parse_public_key, random_token,
};
use crate::app::extract::{ApiJson, ClientAddress, RowExt, check_id, decode_base64};
use crate::app::{ApiError, AppState};

/// How long a challenge nonce can be answered.
pub const NONCE_TTL_MS: i64 = 60_000;
/// Rate-limit window.
pub const RATE_WINDOW_MS: i64 = 60_000;

struct Subject {
    public_key: String,
    deployments: Vec<String>,
    media_id: String,
    /// The latest a token may live (the media's expiry).
    not_after: Option<i64>,
}

async fn load_subject(
    state: &AppState,
    kind: SubjectKind,
    id: &str,
    now: i64,
) -> Result<Subject, ApiError> {
    match kind {
        SubjectKind::Media => {
            let media = load_media(state, id).await?;
            media.usable(now)?;
            Ok(Subject {
                public_key: media.public_key,
                deployments: media.deployments,
                media_id: id.to_owned(),
                not_after: Some(media.expires_at),
            })
        }
        SubjectKind::Device => {
            let rows = state
                .db
                .query(
                    "SELECT public_key, deployments, media_id, revoked_at FROM devices WHERE device_id = ?1",
                    &[id.into()],
                )
                .await?;
            let row = rows.first().ok_or_else(|| {
                ApiError::unauthorized(
                    ErrorCode::DeviceUnknown,
                    format!("no device with ID {id} is registered"),
                )
            })?;
            if row.opt_int("revoked_at").is_some() {
                return Err(ApiError::unauthorized(
                    ErrorCode::DeviceRevoked,
                    "this device has been revoked by an admin",
                ));
            }
            Ok(Subject {
                public_key: row.text("public_key")?,
                deployments: parse_deployments(&row.text("deployments")?)?,
                media_id: row.text("media_id")?,
                not_after: None,
            })
        }
    }
}

/// Count one authentication attempt against the address's and the subject's budgets. A refused
/// attempt writes nothing (the conditional upsert leaves a full bucket untouched and returns no
/// row), so a flood costs D1 reads, not rows; the address is counted first, so one address
/// cannot create more than its budget of subject buckets per window.
async fn rate_limit(
    state: &AppState,
    kind: SubjectKind,
    id: &str,
    address: &ClientAddress,
    now: i64,
) -> Result<(), ApiError> {
    let window = now - now.rem_euclid(RATE_WINDOW_MS);
    let mut buckets = Vec::new();
    if let Some(address) = address.label() {
        buckets.push((format!("address:{address}"), state.config.limits.auth_per_address));
    }
    buckets.push((format!("subject:{}:{id}", kind.as_str()), state.config.limits.auth_per_subject));
    for (bucket, limit) in buckets {
        let rows = state
            .db
            .query(
                "INSERT INTO rate_limits (bucket, window_start, count) VALUES (?1, ?2, 1) \
                 ON CONFLICT (bucket) DO UPDATE SET \
                 count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END, \
                 window_start = excluded.window_start \
                 WHERE rate_limits.window_start <> excluded.window_start OR rate_limits.count < ?3 \
                 RETURNING count",
                &[bucket.as_str().into(), window.into(), i64::from(limit).into()],
            )
            .await?;
        if rows.is_empty() {
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!(
                    "too many authentication attempts for this {}; wait a minute and try again",
                    if bucket.starts_with("address:") { "address" } else { kind.as_str() }
                ),
            );
            let retry = (window + RATE_WINDOW_MS - now).max(1000) / 1000;
            error.retry_after = Some(retry as u64);
            return Err(error);
        }
    }
    Ok(())
}

async fn record(
    state: &AppState,
    kind: SubjectKind,
    id: &str,
    address: &ClientAddress,
    outcome: &str,
) -> Result<(), ApiError> {
    state
        .db
        .execute(
            "INSERT INTO auth_events (at, subject_kind, subject_id, address, outcome) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[state.clock.now_ms().into(), kind.as_str().into(), id.into(), address.label().into(), outcome.into()],
        )
        .await?;
    Ok(())
}

/// Run an authentication step and record its outcome (refusals included).
async fn recorded<T>(
    state: &AppState,
    kind: SubjectKind,
    id: &str,
    address: &ClientAddress,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    let outcome = match &result {
        Ok(_) => "ok",
        // A refused flood must not fill the log: rate-limited attempts write nothing.
        Err(error) if error.code == ErrorCode::RateLimited => return result,
        Err(error) => error.code.as_str(),
    };
    // A failure to record must not hide the real answer; it is itself a storage error otherwise.
    let recorded = record(state, kind, id, address, outcome).await;
    let value = result?;
    recorded?;
    Ok(value)
}

/// `POST /api/v1/auth/challenge`.
pub async fn challenge(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiJson(request): ApiJson<ChallengeRequest>,
) -> Result<Json<Challenge>, ApiError> {
    check_id("id", &request.id, 128)?;
    let now = state.clock.now_ms();
    let result = async {
        rate_limit(&state, request.kind, &request.id, &address, now).await?;
        load_subject(&state, request.kind, &request.id, now).await?;
        let nonce = random_token(&state, 32)?;
        let expires_at = now + NONCE_TTL_MS;
        state
            .db
            .batch(vec![
                crate::app::storage::Statement {
                    sql: "DELETE FROM auth_nonces WHERE expires_at < ?1",
                    params: vec![(now - NONCE_TTL_MS).into()],
                },
                crate::app::storage::Statement {
                    sql: "INSERT INTO auth_nonces (nonce, subject_kind, subject_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
                    params: vec![nonce.as_str().into(), request.kind.as_str().into(), request.id.as_str().into(), expires_at.into()],
                },
            ])
            .await?;
        let message = challenge_message(request.kind, &request.id, &nonce);
        Ok(Challenge { nonce, expires_at, message })
    }
    .await;
    let result = match result {
        // Challenges that succeed are not worth a record each; refusals are.
        Ok(challenge) => Ok(challenge),
        Err(error) => recorded(&state, request.kind, &request.id, &address, Err(error)).await,
    };
    result.map(Json)
}

/// `POST /api/v1/auth/token`.
pub async fn token(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<Json<IssuedToken>, ApiError> {
    check_id("id", &request.id, 128)?;
    let now = state.clock.now_ms();
    let result = async {
        rate_limit(&state, request.kind, &request.id, &address, now).await?;
        // Single use: the first answer marks the nonce used, atomically; any later one finds it used.
        let consumed = state
            .db
            .query(
                "UPDATE auth_nonces SET used_at = ?2 WHERE nonce = ?1 AND used_at IS NULL \
                 RETURNING subject_kind, subject_id, expires_at",
                &[request.nonce.as_str().into(), now.into()],
            )
            .await?;
        let Some(nonce) = consumed.first() else {
            let used = state
                .db
                .query("SELECT 1 AS used FROM auth_nonces WHERE nonce = ?1", &[request.nonce.as_str().into()])
                .await?;
            return Err(if used.is_empty() {
                ApiError::unauthorized(ErrorCode::NonceUnknown, "this nonce was not issued by the relay or has been purged; request a new challenge")
            } else {
                ApiError::unauthorized(ErrorCode::NonceReplayed, "this nonce has already been used; request a new challenge")
            });
        };
        if nonce.text("subject_kind")? != request.kind.as_str() || nonce.text("subject_id")? != request.id {
            return Err(ApiError::unauthorized(ErrorCode::NonceMismatch, "this nonce was issued to another subject"));
        }
        if nonce.int("expires_at")? <= now {
            return Err(ApiError::unauthorized(ErrorCode::NonceExpired, "the challenge has expired; request a new one and answer within 60 seconds"));
        }
        let subject = load_subject(&state, request.kind, &request.id, now).await?;
        verify_signature(&subject.public_key, &challenge_message(request.kind, &request.id, &request.nonce), &request.signature)?;
        issue(&state, request.kind, &request.id, &subject.media_id, subject.deployments, subject.not_after, now).await
    }
    .await;
    recorded(&state, request.kind, &request.id, &address, result).await.map(Json)
}

fn verify_signature(public_key: &str, message: &str, signature: &str) -> Result<(), ApiError> {
    let key = parse_public_key("public_key", public_key)
        .map_err(|_| ApiError::storage("a stored public key is unusable"))?;
    let wrong = || {
        ApiError::unauthorized(
            ErrorCode::SignatureInvalid,
            "the signature does not verify with this subject's public key",
        )
    };
    let bytes = decode_base64(signature).ok_or_else(wrong)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| wrong())?;
    key.verify_strict(message.as_bytes(), &signature).map_err(|_| wrong())
}
