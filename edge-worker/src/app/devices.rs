//! Device registration and device tokens (seed 000: "After the task sequence runs, the client uses
//! token-based authentication"), and their admin views.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use osdgate_model::api::{
    DeviceRecord, DeviceRegistered, DeviceTokenRecord, ErrorCode, IssuedToken, RegisterDevice,
    Revoke, SubjectKind,
};

use super::auth::ClientAuth;
use super::credentials::{issue, parse_deployments, parse_public_key, random_token};
use super::extract::{ApiJson, RowExt, encode_base64url};
use super::storage::{Row, Statement};
use super::{ApiError, AppState};

/// SMBIOS UUID in canonical upper-case form (the model's rule, the same preflight applies to
/// documents), or a clear refusal.
pub fn normalize_smbios_guid(value: &str) -> Result<String, ApiError> {
    osdgate_model::model::normalize_guid(value).ok_or_else(|| {
        ApiError::unprocessable(
            ErrorCode::InvalidSmbiosGuid,
            "smbios_guid must look like 4C4C4544-0042-3510-8052-B4C04F4B4E31 (braces allowed)",
        )
    })
}

/// MAC address as `AA:BB:CC:DD:EE:FF` (the model's rule, the same preflight applies to documents:
/// `:` or `-` separated, or 12 bare hex digits), or a clear refusal.
pub fn normalize_mac(value: &str) -> Result<String, ApiError> {
    osdgate_model::model::normalize_mac(value).ok_or_else(|| {
        ApiError::unprocessable(
            ErrorCode::InvalidMac,
            "mac must be six hexadecimal pairs, e.g. AA:BB:CC:DD:EE:FF, AA-BB-CC-DD-EE-FF or AABBCCDDEEFF",
        )
    })
}

fn device_record(row: &Row) -> Result<DeviceRecord, ApiError> {
    Ok(DeviceRecord {
        device_id: row.text("device_id")?,
        smbios_guid: row.opt_text("smbios_guid"),
        mac: row.opt_text("mac"),
        public_key: row.text("public_key")?,
        media_id: row.text("media_id")?,
        deployments: parse_deployments(&row.text("deployments")?)?,
        registered_at: row.int("registered_at")?,
        revoked_at: row.opt_int("revoked_at"),
    })
}

const DEVICE_COLUMNS: &str =
    "device_id, smbios_guid, mac, public_key, media_id, deployments, registered_at, revoked_at";

/// `POST /api/v1/devices` (media token): the device registers its own key and receives a device
/// token. Registering the same key again (a retry) returns the same device with a fresh token.
pub async fn register(
    State(state): State<AppState>,
    auth: ClientAuth,
    ApiJson(request): ApiJson<RegisterDevice>,
) -> Result<(StatusCode, Json<DeviceRegistered>), ApiError> {
    if auth.claims.kind != SubjectKind::Media {
        return Err(ApiError::forbidden(
            ErrorCode::MediaTokenRequired,
            "devices register with the media token of the medium they booted from",
        ));
    }
    let key = parse_public_key("public_key", &request.public_key)?;
    let smbios_guid = request.smbios_guid.as_deref().map(normalize_smbios_guid).transpose()?;
    let mac = request.mac.as_deref().map(normalize_mac).transpose()?;
    if smbios_guid.is_none() && mac.is_none() {
        return Err(ApiError::unprocessable(
            ErrorCode::DeviceIdentityMissing,
            "give the device's smbios_guid, mac, or both",
        ));
    }
    let public_key = encode_base64url(key.as_bytes());
    let now = state.clock.now_ms();
    let device_id = format!("dev-{}", random_token(&state, 12)?);
    let deployments = serde_json::to_string(&auth.claims.deployments)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let inserted = state
        .db
        .execute(
            "INSERT INTO devices (device_id, smbios_guid, mac, public_key, media_id, deployments, registered_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (public_key) DO NOTHING",
            &[
                device_id.as_str().into(),
                smbios_guid.into(),
                mac.into(),
                public_key.as_str().into(),
                auth.claims.media.as_str().into(),
                deployments.into(),
                now.into(),
            ],
        )
        .await?;
    let rows = state
        .db
        .query(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE public_key = ?1"),
            &[public_key.as_str().into()],
        )
        .await?;
    let device = rows
        .first()
        .map(device_record)
        .transpose()?
        .ok_or_else(|| ApiError::storage("the device just stored is missing"))?;
    if inserted == 0 && device.media_id != auth.claims.media {
        return Err(ApiError::conflict(
            ErrorCode::DeviceKeyInUse,
            "this public key is registered to another device; generate a new key",
        ));
    }
    if device.revoked_at.is_some() {
        return Err(ApiError::forbidden(
            ErrorCode::DeviceRevoked,
            "this device has been revoked by an admin",
        ));
    }
    let token = issue(
        &state,
        SubjectKind::Device,
        &device.device_id,
        &device.media_id,
        device.deployments.clone(),
        None,
        now,
    )
    .await?;
    let status = if inserted == 0 { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(DeviceRegistered { device_id: device.device_id, token })))
}

/// `POST /api/v1/devices/self/token` (device token): renew. The presented token is revoked and a
/// new one issued, so a leaked token stops working at the next renewal.
pub async fn renew(
    State(state): State<AppState>,
    auth: ClientAuth,
) -> Result<Json<IssuedToken>, ApiError> {
    let Some(device_id) = auth.device_id() else {
        return Err(ApiError::forbidden(
            ErrorCode::DeviceTokenRequired,
            "only a device token can be renewed",
        ));
    };
    let now = state.clock.now_ms();
    let changed = state
        .db
        .execute(
            "UPDATE device_tokens SET revoked_at = ?2 WHERE token_id = ?1 AND revoked_at IS NULL",
            &[auth.claims.tid.as_str().into(), now.into()],
        )
        .await?;
    state.cache.device_tokens.forget(&auth.claims.tid);
    if changed == 0 {
        return Err(ApiError::unauthorized(
            ErrorCode::TokenRevoked,
            "this device token has just been renewed or revoked",
        ));
    }
    issue(
        &state,
        SubjectKind::Device,
        device_id,
        &auth.claims.media,
        auth.claims.deployments.clone(),
        None,
        now,
    )
    .await
    .map(Json)
}

/// `GET /api/v1/admin/devices`.
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<DeviceRecord>>, ApiError> {
    let rows = state
        .db
        .query(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY registered_at, device_id"),
            &[],
        )
        .await?;
    rows.iter().map(device_record).collect::<Result<Vec<_>, _>>().map(Json)
}

async fn get_device(state: &AppState, device_id: &str) -> Result<DeviceRecord, ApiError> {
    let rows = state
        .db
        .query(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?1"),
            &[device_id.into()],
        )
        .await?;
    rows.first().map(device_record).transpose()?.ok_or_else(|| {
        ApiError::not_found(ErrorCode::DeviceNotFound, format!("no device with ID {device_id}"))
    })
}

/// `GET /api/v1/admin/devices/{device_id}/tokens`.
pub async fn tokens(
    State(state): State<AppState>,
    Path(device_id): Path<String>,
) -> Result<Json<Vec<DeviceTokenRecord>>, ApiError> {
    get_device(&state, &device_id).await?;
    let rows = state
        .db
        .query(
            "SELECT token_id, device_id, issued_at, expires_at, revoked_at FROM device_tokens WHERE device_id = ?1 ORDER BY issued_at, token_id",
            &[device_id.as_str().into()],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(DeviceTokenRecord {
                token_id: row.text("token_id")?,
                device_id: row.text("device_id")?,
                issued_at: row.int("issued_at")?,
                expires_at: row.int("expires_at")?,
                revoked_at: row.opt_int("revoked_at"),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()
        .map(Json)
}

/// `POST /api/v1/admin/devices/{device_id}/revoke`: the device and all its tokens.
pub async fn revoke(
    State(state): State<AppState>,
    Path(device_id): Path<String>,
    ApiJson(request): ApiJson<Revoke>,
) -> Result<Json<DeviceRecord>, ApiError> {
    get_device(&state, &device_id).await?;
    let now = state.clock.now_ms();
    state
        .db
        .batch(vec![
            Statement {
                sql: "UPDATE devices SET revoked_at = ?2, revoked_reason = ?3 WHERE device_id = ?1 AND revoked_at IS NULL",
                params: vec![device_id.as_str().into(), now.into(), request.reason.into()],
            },
            Statement {
                sql: "UPDATE device_tokens SET revoked_at = ?2 WHERE device_id = ?1 AND revoked_at IS NULL",
                params: vec![device_id.as_str().into(), now.into()],
            },
        ])
        .await?;
    state.cache.device_tokens.forget_where(|token| token.device_id == device_id);
    get_device(&state, &device_id).await.map(Json)
}

/// `POST /api/v1/admin/device-tokens/{token_id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    Path(token_id): Path<String>,
) -> Result<Json<DeviceTokenRecord>, ApiError> {
    let now = state.clock.now_ms();
    state
        .db
        .execute(
            "UPDATE device_tokens SET revoked_at = ?2 WHERE token_id = ?1 AND revoked_at IS NULL",
            &[token_id.as_str().into(), now.into()],
        )
        .await?;
    state.cache.device_tokens.forget(&token_id);
    let rows = state
        .db
        .query("SELECT token_id, device_id, issued_at, expires_at, revoked_at FROM device_tokens WHERE token_id = ?1", &[token_id.as_str().into()])
        .await?;
    let row = rows.first().ok_or_else(|| {
        ApiError::not_found(ErrorCode::TokenNotFound, format!("no device token with ID {token_id}"))
    })?;
    Ok(Json(DeviceTokenRecord {
        token_id: row.text("token_id")?,
        device_id: row.text("device_id")?,
        issued_at: row.int("issued_at")?,
        expires_at: row.int("expires_at")?,
        revoked_at: row.opt_int("revoked_at"),
    }))
}
