//! Client credentials and their state: media and device public keys, the rows authentication
//! reads (a medium's validity, a device token's revocation and the device's identity), token
//! issuance and its lifetimes. The per-isolate [`ClientCache`](super::cache::ClientCache) keeps
//! these states; the authentication modules ([`super::auth`]) read and check them.

use axum::http::StatusCode;
use ed25519_dalek::VerifyingKey;
use osdgate_model::api::{ErrorCode, IssuedToken, SubjectKind};

use super::extract::{RowExt, decode_base64, encode_base64url};
use super::tokens::{self, Claims};
use super::{ApiError, AppState};

/// Media tokens are short-lived (never beyond the media's own expiry).
pub const MEDIA_TOKEN_TTL_MS: i64 = 30 * 60_000;
/// Device tokens are long-lived and renewable.
pub const DEVICE_TOKEN_TTL_MS: i64 = 30 * 24 * 3_600_000;

pub fn token_key(state: &AppState) -> Result<&[u8], ApiError> {
    state.config.token_key.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TokensNotConfigured,
            "the relay has no TOKEN_SIGNING_KEY secret; set it with `wrangler secret put TOKEN_SIGNING_KEY`",
        )
    })
}

pub fn random_token(state: &AppState, bytes: usize) -> Result<String, ApiError> {
    let mut buffer = vec![0u8; bytes];
    state.entropy.fill(&mut buffer)?;
    Ok(encode_base64url(&buffer))
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

/// What checking a device token reads from D1: its device's and its own revocation, whether the
/// device is approved (else it lives only while its medium is valid), and the device's identity
/// (fixed at registration), which alone selects its device-specific policy variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceTokenState {
    pub device_id: String,
    /// The medium that registered the device.
    pub media_id: String,
    pub device_revoked: bool,
    pub token_revoked: bool,
    /// Approved by an admin (or automatically by its medium): an identity of its own.
    pub approved: bool,
    pub smbios_guid: Option<String>,
    pub mac: Option<String>,
    /// The published document's medium that the device's boot medium was built from (`None` for
    /// media registered before registrations named one).
    pub medium: Option<String>,
}

pub async fn load_device_token(
    state: &AppState,
    token_id: &str,
    device_id: &str,
) -> Result<DeviceTokenState, ApiError> {
    let rows = state
        .db
        .query(
            "SELECT d.revoked_at AS device_revoked, t.revoked_at AS token_revoked, d.approved_at, \
             d.media_id, d.smbios_guid, d.mac, m.medium \
             FROM device_tokens t JOIN devices d ON d.device_id = t.device_id \
             LEFT JOIN media m ON m.media_id = d.media_id \
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
        media_id: row.text("media_id")?,
        device_revoked: row.opt_int("device_revoked").is_some(),
        token_revoked: row.opt_int("token_revoked").is_some(),
        approved: row.opt_int("approved_at").is_some(),
        smbios_guid: row.opt_text("smbios_guid"),
        mac: row.opt_text("mac"),
        medium: row.opt_text("medium"),
    })
}

/// A device as its key login (challenge–response) needs it.
#[derive(Debug, Clone)]
pub struct DeviceAuthRow {
    pub public_key: String,
    pub deployments: Vec<String>,
    pub media_id: String,
    pub revoked: bool,
    pub approved: bool,
}

pub async fn load_device(state: &AppState, device_id: &str) -> Result<DeviceAuthRow, ApiError> {
    let rows = state
        .db
        .query(
            "SELECT public_key, deployments, media_id, revoked_at, approved_at FROM devices WHERE device_id = ?1",
            &[device_id.into()],
        )
        .await?;
    let row = rows.first().ok_or_else(|| {
        ApiError::unauthorized(
            ErrorCode::DeviceUnknown,
            format!("no device with ID {device_id} is registered"),
        )
    })?;
    Ok(DeviceAuthRow {
        public_key: row.text("public_key")?,
        deployments: parse_deployments(&row.text("deployments")?)?,
        media_id: row.text("media_id")?,
        revoked: row.opt_int("revoked_at").is_some(),
        approved: row.opt_int("approved_at").is_some(),
    })
}

/// A media record as authentication needs it.
#[derive(Debug, Clone)]
pub struct MediaAuthRow {
    pub public_key: String,
    pub deployments: Vec<String>,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// Devices registered through it are approved at once.
    pub auto_approve: bool,
    /// The published document's medium it was built from (`None`: registered before
    /// registrations named one).
    pub medium: Option<String>,
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

    /// For a pending device: it lives only while the medium that registered it is valid.
    pub fn carries_pending_device(&self, now: i64) -> Result<(), ApiError> {
        self.usable(now).map_err(|mut error| {
            error.message = format!(
                "this device is still pending approval and lives only while its boot medium is valid: {}",
                error.message
            );
            error
        })
    }
}

/// The medium's authentication row from the isolate's cache when D1 confirmed it within
/// `CLIENT_CACHE_SECONDS`, else from D1 (and kept). The client hot path's only medium lookup.
pub async fn cached_media(
    state: &AppState,
    media_id: &str,
    now: i64,
) -> Result<MediaAuthRow, ApiError> {
    let ttl = state.config.client_cache_ms;
    if let Some(media) = state.cache.media.get(media_id, now, ttl) {
        return Ok(media);
    }
    let media =
        load_media(state, media_id).await.inspect_err(|_| state.cache.media.forget(media_id))?;
    state.cache.media.keep(media_id, now, media.clone());
    Ok(media)
}

pub fn parse_deployments(json: &str) -> Result<Vec<String>, ApiError> {
    serde_json::from_str(json)
        .map_err(|e| ApiError::storage(format!("stored deployments are not a list: {e}")))
}

pub async fn load_media(state: &AppState, media_id: &str) -> Result<MediaAuthRow, ApiError> {
    let rows = state
        .db
        .query(
            "SELECT public_key, deployments, expires_at, revoked_at, auto_approve, medium FROM media WHERE media_id = ?1",
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
        auto_approve: row.opt_int("auto_approve").unwrap_or(0) != 0,
        medium: row.opt_text("medium"),
    })
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
