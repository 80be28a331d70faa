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

use crate::app::credentials::{issue, load_device, load_media, parse_public_key, random_token};
use crate::app::extract::{ApiJson, ClientAddress, RowExt, check_id, decode_base64};
use crate::app::storage::Statement;
use crate::app::{ApiError, AppState};

/// How long a challenge nonce can be answered.
pub const NONCE_TTL_MS: i64 = 60_000;
/// Rate-limit window.
pub const RATE_WINDOW_MS: i64 = 60_000;

/// A subject as challenge–response sees it: its key, what a token for it may read and until when,
/// and, when its state forbids a token, why.
struct Subject {
    public_key: String,
    deployments: Vec<String>,
    media_id: String,
    /// The latest a token may live (the media's expiry, for media and pending devices).
    not_after: Option<i64>,
    /// Why no token may be issued (revoked, expired, a pending device's medium ended). Told only to
    /// a caller that proves it holds the subject's key; everyone else sees what an unknown subject
    /// gets, and the admin's auth-events log keeps the real reason.
    refusal: Option<ApiError>,
}

/// The subject, or the refusal for an unknown one.
async fn load_subject(
    state: &AppState,
    kind: SubjectKind,
    id: &str,
    now: i64,
) -> Result<Result<Subject, ApiError>, ApiError> {
    let unknown = |error: ApiError| -> Result<Result<Subject, ApiError>, ApiError> {
        if matches!(error.code, ErrorCode::MediaUnknown | ErrorCode::DeviceUnknown) {
            Ok(Err(error))
        } else {
            Err(error)
        }
    };
    match kind {
        SubjectKind::Media => {
            let media = match load_media(state, id).await {
                Ok(media) => media,
                Err(error) => return unknown(error),
            };
            Ok(Ok(Subject {
                refusal: media.usable(now).err(),
                public_key: media.public_key,
                deployments: media.deployments,
                media_id: id.to_owned(),
                not_after: Some(media.expires_at),
            }))
        }
        SubjectKind::Device => {
            let device = match load_device(state, id).await {
                Ok(device) => device,
                Err(error) => return unknown(error),
            };
            let mut refusal = device.revoked.then(|| {
                ApiError::unauthorized(
                    ErrorCode::DeviceRevoked,
                    "this device has been revoked by an admin",
                )
            });
            let mut not_after = None;
            if !device.approved && refusal.is_none() {
                // A pending device logs in only while its medium is valid, and no longer.
                match load_media(state, &device.media_id).await {
                    Ok(media) => {
                        refusal = media.carries_pending_device(now).err();
                        not_after = Some(media.expires_at);
                    }
                    Err(error) if error.code == ErrorCode::MediaUnknown => refusal = Some(error),
                    Err(error) => return Err(error),
                }
            }
            Ok(Ok(Subject {
                public_key: device.public_key,
                deployments: device.deployments,
                media_id: device.media_id,
                not_after,
                refusal,
            }))
        }
    }
}

/// Count one attempt against the address's own budget and against the budget of (`scope`, client
/// address). Never against `scope` alone: then anyone could spend a medium's budget and lock the
/// real device out (issue 13, item 4). A refused attempt writes nothing (the conditional upsert
/// leaves a full bucket untouched and returns no row), so a flood costs D1 reads, not rows; the
/// address is counted first, so one address cannot create more than its budget of buckets per
/// window.
pub async fn rate_limit(
    state: &AppState,
    scope: &str,
    address: &ClientAddress,
    now: i64,
) -> Result<(), ApiError> {
    let window = now - now.rem_euclid(RATE_WINDOW_MS);
    let label = address.label();
    let from = label.as_deref().unwrap_or("unknown");
    let limits = state.config.limits;
    let mut buckets = Vec::new();
    if let Some(address) = &label {
        buckets.push((format!("address:{address}"), limits.auth_per_address, "address"));
    }
    buckets.push((format!("{scope}@{from}"), limits.auth_per_subject, "from this address"));
    for (bucket, limit, what) in buckets {
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
                if what == "address" {
                    "too many authentication attempts from this address; wait a minute and try again".to_owned()
                } else {
                    format!(
                        "too many authentication attempts for this subject {what}; wait a minute and try again"
                    )
                },
            );
            let retry = (window + RATE_WINDOW_MS - now).max(1000) / 1000;
            error.retry_after = Some(retry as u64);
            return Err(error);
        }
    }
    Ok(())
}

/// Record an authentication outcome (`ok` or a refusal's code) for the admin's auth-events log.
pub async fn record(
    state: &AppState,
    kind: &str,
    id: &str,
    address: &ClientAddress,
    outcome: &str,
) -> Result<(), ApiError> {
    state
        .db
        .execute(
            "INSERT INTO auth_events (at, subject_kind, subject_id, address, outcome) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[state.clock.now_ms().into(), kind.into(), id.into(), address.label().into(), outcome.into()],
        )
        .await?;
    Ok(())
}

/// Answer `result` after recording `outcome` (the real reason, which may differ from the answer).
async fn recorded<T>(
    state: &AppState,
    kind: SubjectKind,
    id: &str,
    address: &ClientAddress,
    outcome: Option<ErrorCode>,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    let outcome = match (&result, outcome) {
        // A refused flood must not fill the log: rate-limited attempts write nothing.
        (Err(error), _) if error.code == ErrorCode::RateLimited => return result,
        (_, Some(real)) => real.as_str(),
        (Ok(_), None) => "ok",
        (Err(error), None) => error.code.as_str(),
    };
    // A failure to record must not hide the real answer; it is itself a storage error otherwise.
    let recorded = record(state, kind.as_str(), id, address, outcome).await;
    let value = result?;
    recorded?;
    Ok(value)
}

/// Store a single-use nonce for (`kind`, `id`), purging expired ones.
pub async fn store_nonce(
    state: &AppState,
    kind: &str,
    id: &str,
    now: i64,
) -> Result<(String, i64), ApiError> {
    let nonce = random_token(state, 32)?;
    let expires_at = now + NONCE_TTL_MS;
    state
        .db
        .batch(vec![
            Statement {
                sql: "DELETE FROM auth_nonces WHERE expires_at < ?1",
                params: vec![(now - NONCE_TTL_MS).into()],
            },
            Statement {
                sql: "INSERT INTO auth_nonces (nonce, subject_kind, subject_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params: vec![nonce.as_str().into(), kind.into(), id.into(), expires_at.into()],
            },
        ])
        .await?;
    Ok((nonce, expires_at))
}

/// Mark a nonce used, atomically (the first answer wins, any later one finds it used), and check
/// that it was issued to (`kind`, `id`) and is still fresh.
pub async fn consume_nonce(
    state: &AppState,
    nonce: &str,
    kind: &str,
    id: &str,
    now: i64,
) -> Result<(), ApiError> {
    let consumed = state
        .db
        .query(
            "UPDATE auth_nonces SET used_at = ?2 WHERE nonce = ?1 AND used_at IS NULL \
             RETURNING subject_kind, subject_id, expires_at",
            &[nonce.into(), now.into()],
        )
        .await?;
    let Some(row) = consumed.first() else {
        let used = state
            .db
            .query("SELECT 1 AS used FROM auth_nonces WHERE nonce = ?1", &[nonce.into()])
            .await?;
        return Err(if used.is_empty() {
            ApiError::unauthorized(
                ErrorCode::NonceUnknown,
                "this nonce was not issued by the relay or has been purged; request a new one",
            )
        } else {
            ApiError::unauthorized(
                ErrorCode::NonceReplayed,
                "this nonce has already been used; request a new one",
            )
        });
    };
    if row.text("subject_kind")? != kind || row.text("subject_id")? != id {
        return Err(ApiError::unauthorized(
            ErrorCode::NonceMismatch,
            "this nonce was issued to another subject",
        ));
    }
    if row.int("expires_at")? <= now {
        return Err(ApiError::unauthorized(
            ErrorCode::NonceExpired,
            "the nonce has expired; request a new one and answer within 60 seconds",
        ));
    }
    Ok(())
}

/// `POST /api/v1/auth/challenge`. An unknown, revoked or expired subject gets a challenge exactly
/// like a valid one (a stored nonce that no signature will turn into a token), so an anonymous
/// caller learns nothing about which media exist or what became of them; the refusal is recorded.
pub async fn challenge(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiJson(request): ApiJson<ChallengeRequest>,
) -> Result<Json<Challenge>, ApiError> {
    check_id("id", &request.id, 128)?;
    let now = state.clock.now_ms();
    let scope = format!("subject:{}:{}", request.kind.as_str(), request.id);
    if let Err(error) = rate_limit(&state, &scope, &address, now).await {
        return recorded(&state, request.kind, &request.id, &address, None, Err(error)).await;
    }
    let refusal = match load_subject(&state, request.kind, &request.id, now).await? {
        Ok(subject) => subject.refusal,
        Err(unknown) => Some(unknown),
    };
    let (nonce, expires_at) = store_nonce(&state, request.kind.as_str(), &request.id, now).await?;
    if let Some(refusal) = refusal {
        // Successful challenges are not worth a record each; refusals are, with the real reason.
        record(&state, request.kind.as_str(), &request.id, &address, refusal.code.as_str()).await?;
    }
    let message = challenge_message(request.kind, &request.id, &nonce);
    Ok(Json(Challenge { nonce, expires_at, message }))
}

/// `POST /api/v1/auth/token`.
pub async fn token(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<Json<IssuedToken>, ApiError> {
    check_id("id", &request.id, 128)?;
    let now = state.clock.now_ms();
    let kind = request.kind;
    let scope = format!("subject:{}:{}", kind.as_str(), request.id);
    let mut real = None;
    let result = async {
        rate_limit(&state, &scope, &address, now).await?;
        consume_nonce(&state, &request.nonce, kind.as_str(), &request.id, now).await?;
        let message = challenge_message(kind, &request.id, &request.nonce);
        let subject = match load_subject(&state, kind, &request.id, now).await? {
            Ok(subject) => subject,
            Err(unknown) => {
                // Answered like a wrong signature: an unknown subject has no key to verify with.
                real = Some(unknown.code);
                return Err(signature_invalid());
            }
        };
        let signed = verify_signature(&subject.public_key, message.as_bytes(), &request.signature);
        if let Some(refusal) = subject.refusal {
            real = Some(refusal.code);
            // Only the key's holder learns why (so the device can tell its user to get new media).
            signed?;
            return Err(refusal);
        }
        signed?;
        issue(
            &state,
            kind,
            &request.id,
            &subject.media_id,
            subject.deployments,
            subject.not_after,
            now,
        )
        .await
    }
    .await;
    recorded(&state, kind, &request.id, &address, real, result).await.map(Json)
}

fn signature_invalid() -> ApiError {
    ApiError::unauthorized(
        ErrorCode::SignatureInvalid,
        "the signature does not verify with this subject's public key",
    )
}

/// Verify an ed25519 signature (strict: no malleable or small-order forms) by a stored key.
pub fn verify_signature(public_key: &str, message: &[u8], signature: &str) -> Result<(), ApiError> {
    let key = parse_public_key("public_key", public_key)
        .map_err(|_| ApiError::storage("a stored public key is unusable"))?;
    let bytes = decode_base64(signature).ok_or_else(signature_invalid)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| signature_invalid())?;
    key.verify_strict(message, &signature).map_err(|_| signature_invalid())
}
