//! Credentials: the admin bearer secret, client tokens (media and device), challenge–response with
//! single-use short-lived nonces, rate limits and the record of every attempt.
//!
//! Credentials are checked by middleware or a parts extractor, before any body is read (axum runs
//! the body extractor last).

use axum::Json;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ed25519_dalek::{Signature, VerifyingKey};
use osdgate_model::api::{
    Challenge, ChallengeRequest, ErrorCode, IssuedToken, SubjectKind, TokenRequest,
    challenge_message,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::cache::DeviceTokenState;
use super::extract::{ApiJson, ClientAddress, RowExt, check_id, decode_base64, encode_base64url};
use super::tokens::{self, Claims};
use super::{ApiError, AppState};

/// How long a challenge nonce can be answered.
pub const NONCE_TTL_MS: i64 = 60_000;
/// Media tokens are short-lived (never beyond the media's own expiry).
pub const MEDIA_TOKEN_TTL_MS: i64 = 30 * 60_000;
/// Device tokens are long-lived and renewable.
pub const DEVICE_TOKEN_TTL_MS: i64 = 30 * 24 * 3_600_000;
/// Rate-limit window.
pub const RATE_WINDOW_MS: i64 = 60_000;

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

fn token_key(state: &AppState) -> Result<&[u8], ApiError> {
    state.config.token_key.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TokensNotConfigured,
            "the relay has no TOKEN_SIGNING_KEY secret; set it with `wrangler secret put TOKEN_SIGNING_KEY`",
        )
    })
}

/// A client authenticated by a media or device token, still valid (not expired, not revoked).
#[derive(Debug, Clone)]
pub struct ClientAuth {
    pub claims: Claims,
    /// For a device token: the device's state and identity as checked.
    pub device: Option<DeviceTokenState>,
}

impl ClientAuth {
    pub fn may_read(&self, deployment_id: &str) -> bool {
        self.claims.deployments.iter().any(|d| d == deployment_id)
    }
    pub fn device_id(&self) -> Option<&str> {
        (self.claims.kind == SubjectKind::Device).then_some(self.claims.sub.as_str())
    }
}

impl FromRequestParts<AppState> for ClientAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)?;
        let now = state.clock.now_ms();
        let claims = tokens::verify(token_key(state)?, token, now)?;
        match claims.kind {
            SubjectKind::Media => {
                let ttl = state.config.client_cache_ms;
                let media = match state.cache.media.get(&claims.sub, now, ttl) {
                    Some(media) => media,
                    None => {
                        let media = load_media(state, &claims.sub).await.inspect_err(|_| {
                            state.cache.media.forget(&claims.sub);
                        })?;
                        state.cache.media.keep(&claims.sub, now, media.clone());
                        media
                    }
                };
                media.usable(now)?;
            }
            SubjectKind::Device => {
                let ttl = state.config.client_cache_ms;
                let device = match state.cache.device_tokens.get(&claims.tid, now, ttl) {
                    Some(device) => device,
                    None => {
                        let device = load_device_token(state, &claims.tid, &claims.sub)
                            .await
                            .inspect_err(|_| state.cache.device_tokens.forget(&claims.tid))?;
                        state.cache.device_tokens.keep(&claims.tid, now, device.clone());
                        device
                    }
                };
                if device.device_revoked {
                    return Err(ApiError::unauthorized(
                        ErrorCode::DeviceRevoked,
                        "this device has been revoked by an admin",
                    ));
                }
                if device.token_revoked {
                    return Err(ApiError::unauthorized(
                        ErrorCode::TokenRevoked,
                        "this device token has been revoked; authenticate with the device key again",
                    ));
                }
                return Ok(ClientAuth { claims, device: Some(device) });
            }
        }
        Ok(ClientAuth { claims, device: None })
    }
}

async fn load_device_token(
    state: &AppState,
    token_id: &str,
    device_id: &str,
) -> Result<DeviceTokenState, ApiError> {
    let rows = state
        .db
        .query(
            "SELECT d.revoked_at AS device_revoked, t.revoked_at AS token_revoked, d.smbios_guid, d.mac \
             FROM device_tokens t JOIN devices d ON d.device_id = t.device_id \
             WHERE t.token_id = ?1 AND t.device_id = ?2",
            &[token_id.into(), device_id.into()],
        )
        .await?;
    let row = rows.first().ok_or_else(|| {
        ApiError::unauthorized(
            ErrorCode::TokenInvalid,
            "this device token is not known to the relay",
        )
    })?;
    Ok(DeviceTokenState {
        device_id: device_id.to_owned(),
        device_revoked: row.opt_int("device_revoked").is_some(),
        token_revoked: row.opt_int("token_revoked").is_some(),
        smbios_guid: row.opt_text("smbios_guid"),
        mac: row.opt_text("mac"),
    })
}

/// A media record as authentication needs it.
#[derive(Debug, Clone)]
pub struct MediaAuthRow {
    pub public_key: String,
    pub deployments: Vec<String>,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl MediaAuthRow {
    pub fn usable(&self, now: i64) -> Result<(), ApiError> {
        if self.revoked_at.is_some() {
            return Err(ApiError::unauthorized(
                ErrorCode::MediaRevoked,
                "this boot medium has been revoked by an admin; ask for a new one",
            ));
        }
        if self.expires_at <= now {
            return Err(ApiError::unauthorized(
                ErrorCode::MediaExpired,
                "this boot medium has expired; ask for a new one",
            ));
        }
        Ok(())
    }
}

pub fn parse_deployments(json: &str) -> Result<Vec<String>, ApiError> {
    serde_json::from_str(json)
        .map_err(|e| ApiError::storage(format!("stored deployments are not a list: {e}")))
}

pub async fn load_media(state: &AppState, media_id: &str) -> Result<MediaAuthRow, ApiError> {
    let rows = state
        .db
        .query(
            "SELECT public_key, deployments, expires_at, revoked_at FROM media WHERE media_id = ?1",
            &[media_id.into()],
        )
        .await?;
    let row = rows.first().ok_or_else(|| {
        ApiError::unauthorized(
            ErrorCode::MediaUnknown,
            format!("no boot medium with ID {media_id} is registered"),
        )
    })?;
    Ok(MediaAuthRow {
        public_key: row.text("public_key")?,
        deployments: parse_deployments(&row.text("deployments")?)?,
        expires_at: row.int("expires_at")?,
        revoked_at: row.opt_int("revoked_at"),
    })
}

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

/// Count one authentication attempt against the subject's and the address's budgets.
async fn rate_limit(
    state: &AppState,
    kind: SubjectKind,
    id: &str,
    address: &ClientAddress,
    now: i64,
) -> Result<(), ApiError> {
    let window = now - now.rem_euclid(RATE_WINDOW_MS);
    let mut buckets =
        vec![(format!("subject:{}:{id}", kind.as_str()), state.config.limits.auth_per_subject)];
    if let Some(address) = address.label() {
        buckets.push((format!("address:{address}"), state.config.limits.auth_per_address));
    }
    for (bucket, limit) in buckets {
        let rows = state
            .db
            .query(
                "INSERT INTO rate_limits (bucket, window_start, count) VALUES (?1, ?2, 1) \
                 ON CONFLICT (bucket) DO UPDATE SET \
                 count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END, \
                 window_start = excluded.window_start \
                 RETURNING count",
                &[bucket.as_str().into(), window.into()],
            )
            .await?;
        let count = rows.first().map(|r| r.int("count")).transpose()?.unwrap_or(0);
        if count > i64::from(limit) {
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
        Err(error) => error.code.as_str(),
    };
    // A failure to record must not hide the real answer; it is itself a storage error otherwise.
    let recorded = record(state, kind, id, address, outcome).await;
    let value = result?;
    recorded?;
    Ok(value)
}

pub fn random_token(state: &AppState, bytes: usize) -> Result<String, ApiError> {
    let mut buffer = vec![0u8; bytes];
    state.entropy.fill(&mut buffer)?;
    Ok(encode_base64url(&buffer))
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
                super::storage::Statement {
                    sql: "DELETE FROM auth_nonces WHERE expires_at < ?1",
                    params: vec![(now - NONCE_TTL_MS).into()],
                },
                super::storage::Statement {
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

pub fn parse_public_key(field: &str, value: &str) -> Result<VerifyingKey, ApiError> {
    let bytes = decode_base64(value).ok_or_else(|| {
        ApiError::unprocessable(ErrorCode::InvalidPublicKey, format!("{field} is not base64"))
    })?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
        ApiError::unprocessable(
            ErrorCode::InvalidPublicKey,
            format!("{field} must be a raw 32-byte ed25519 public key"),
        )
    })?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| {
        ApiError::unprocessable(
            ErrorCode::InvalidPublicKey,
            format!("{field} is not a valid ed25519 public key"),
        )
    })?;
    if key.is_weak() {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidPublicKey,
            format!("{field} is a weak (small-order) ed25519 key"),
        ));
    }
    Ok(key)
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

/// Sign a token; device tokens are recorded so they can be listed and revoked.
pub async fn issue(
    state: &AppState,
    kind: SubjectKind,
    id: &str,
    media_id: &str,
    deployments: Vec<String>,
    not_after: Option<i64>,
    now: i64,
) -> Result<IssuedToken, ApiError> {
    let ttl = match kind {
        SubjectKind::Media => MEDIA_TOKEN_TTL_MS,
        SubjectKind::Device => DEVICE_TOKEN_TTL_MS,
    };
    let exp = not_after.map_or(now + ttl, |limit| limit.min(now + ttl));
    let tid = random_token(state, 16)?;
    if kind == SubjectKind::Device {
        state
            .db
            .execute(
                "INSERT INTO device_tokens (token_id, device_id, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                &[tid.as_str().into(), id.into(), now.into(), exp.into()],
            )
            .await?;
    }
    let claims = Claims {
        kind,
        sub: id.to_owned(),
        tid,
        media: media_id.to_owned(),
        deployments: deployments.clone(),
        iat: now,
        exp,
    };
    Ok(IssuedToken {
        token: tokens::sign(token_key(state)?, &claims)?,
        kind,
        expires_at: exp,
        deployments,
    })
}
