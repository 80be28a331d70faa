//! Device registration and device tokens (seed 000: "After the task sequence runs, the client uses
//! token-based authentication"), and their admin views.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use osdgate_model::api::{
    DeviceRecord, DeviceRegistered, DeviceState, DeviceTokenRecord, ErrorCode, IssuedToken,
    RegisterDevice, RegistrationNonce, Revoke, SubjectKind, registration_message,
};

use super::auth::challenge::{consume_nonce, rate_limit, record, store_nonce, verify_signature};
use super::auth::{DeviceClient, MediaClient, actor};
use super::conditional::json_with_etag;
use super::credentials::{cached_media, issue, parse_deployments, parse_public_key, random_token};
use super::extract::{ApiJson, ClientAddress, RowExt, encode_base64url};
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

/// An SMBIOS UUID a device may register with: well formed and not the placeholder of firmware
/// without a UUID, which every such machine reports (binding it to one device key would hand that
/// device the identity of every other such machine).
fn claimable_smbios_guid(value: &str) -> Result<String, ApiError> {
    let guid = normalize_smbios_guid(value)?;
    if osdgate_model::model::is_placeholder_guid(&guid) {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidSmbiosGuid,
            "smbios_guid is the all-0 or all-F placeholder of firmware without a UUID; register with mac instead",
        ));
    }
    Ok(guid)
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
        state: if row.opt_int("revoked_at").is_some() {
            DeviceState::Revoked
        } else if row.opt_int("approved_at").is_some() {
            DeviceState::Approved
        } else {
            DeviceState::Pending
        },
        approved_at: row.opt_int("approved_at"),
        approved_by: row.opt_text("approved_by"),
        revoked_at: row.opt_int("revoked_at"),
    })
}

const DEVICE_COLUMNS: &str = "device_id, smbios_guid, mac, public_key, media_id, deployments, \
     registered_at, approved_at, approved_by, revoked_at";

/// The subject kind under which registration nonces are stored (bound to the medium).
const REGISTRATION_NONCE: &str = "registration";

/// `POST /api/v1/devices/nonce` (media token): a single-use nonce the device signs, with the key it
/// is about to register, to prove that it holds that key.
pub async fn nonce(
    State(state): State<AppState>,
    MediaClient(auth): MediaClient,
    address: ClientAddress,
) -> Result<Json<RegistrationNonce>, ApiError> {
    let media_id = auth.claims.sub.as_str();
    let now = state.clock.now_ms();
    rate_limit(&state, &format!("registration:{media_id}"), &address, now).await?;
    let (nonce, expires_at) = store_nonce(&state, REGISTRATION_NONCE, media_id, now).await?;
    Ok(Json(RegistrationNonce { nonce, expires_at }))
}

/// `POST /api/v1/devices` (media token): the device registers its own key, proving that it holds
/// it (a signature over [`registration_message`] with a nonce from [`nonce`]), and receives a device
/// token. It starts *pending* (its tokens live only while the medium is valid) unless the medium
/// approves automatically. Registering the same key again (a retry, with a new proof) returns the
/// same device with a fresh token. A claimed SMBIOS GUID or MAC that a live device with another
/// key already holds is refused and recorded for the admin: identities are self-asserted.
pub async fn register(
    State(state): State<AppState>,
    MediaClient(auth): MediaClient,
    address: ClientAddress,
    ApiJson(request): ApiJson<RegisterDevice>,
) -> Result<(StatusCode, Json<DeviceRegistered>), ApiError> {
    let media_id = auth.claims.sub.clone();
    let key = parse_public_key("public_key", &request.public_key)?;
    let smbios_guid = request.smbios_guid.as_deref().map(claimable_smbios_guid).transpose()?;
    let mac = request.mac.as_deref().map(normalize_mac).transpose()?;
    if smbios_guid.is_none() && mac.is_none() {
        return Err(ApiError::unprocessable(
            ErrorCode::DeviceIdentityMissing,
            "give the device's smbios_guid, mac, or both",
        ));
    }
    let (Some(nonce), Some(signature)) = (&request.nonce, &request.signature) else {
        return Err(ApiError::unauthorized(
            ErrorCode::PossessionProofRequired,
            "sign registration_message(media ID, nonce, public key) with the device key: get the nonce from POST /api/v1/devices/nonce and send nonce and signature",
        ));
    };
    let public_key = encode_base64url(key.as_bytes());
    let now = state.clock.now_ms();
    consume_nonce(&state, nonce, REGISTRATION_NONCE, &media_id, now).await?;
    verify_signature(
        &public_key,
        &registration_message(&media_id, nonce, key.as_bytes()),
        signature,
    )?;

    let claimed = state
        .db
        .query(
            "SELECT device_id FROM devices WHERE revoked_at IS NULL AND public_key <> ?1 \
             AND ((?2 IS NOT NULL AND smbios_guid = ?2) OR (?3 IS NOT NULL AND mac = ?3)) \
             ORDER BY registered_at LIMIT 1",
            &[public_key.as_str().into(), smbios_guid.clone().into(), mac.clone().into()],
        )
        .await?;
    if let Some(holder) = claimed.first() {
        let holder = holder.text("device_id")?;
        // Shown to the admin under the device whose identity was claimed.
        record(&state, "device", &holder, &address, ErrorCode::DeviceIdentityInUse.as_str())
            .await?;
        return Err(ApiError::conflict(
            ErrorCode::DeviceIdentityInUse,
            "this SMBIOS GUID or MAC belongs to another registered device; an admin must revoke that device first",
        ));
    }

    let media = cached_media(&state, &media_id, now).await?;
    let device_id = format!("dev-{}", random_token(&state, 12)?);
    let deployments = serde_json::to_string(&auth.claims.deployments)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let (approved_at, approved_by) = if media.auto_approve {
        (Some(now), Some(format!("auto:{media_id}")))
    } else {
        (None, None)
    };
    let inserted = state
        .db
        .execute(
            "INSERT INTO devices (device_id, smbios_guid, mac, public_key, media_id, deployments, registered_at, approved_at, approved_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (public_key) DO NOTHING",
            &[
                device_id.as_str().into(),
                smbios_guid.into(),
                mac.into(),
                public_key.as_str().into(),
                media_id.as_str().into(),
                deployments.into(),
                now.into(),
                approved_at.into(),
                approved_by.into(),
            ],
        )
        .await?;
    let device = device_by_key(&state, &public_key).await?;
    if inserted == 0 && device.media_id != media_id {
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
    let not_after = (device.state == DeviceState::Pending).then_some(media.expires_at);
    let token = issue(
        &state,
        SubjectKind::Device,
        &device.device_id,
        &device.media_id,
        device.deployments.clone(),
        not_after,
        now,
    )
    .await?;
    let status = if inserted == 0 { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(DeviceRegistered { device_id: device.device_id, token })))
}

async fn device_by_key(state: &AppState, public_key: &str) -> Result<DeviceRecord, ApiError> {
    let rows = state
        .db
        .query(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE public_key = ?1"),
            &[public_key.into()],
        )
        .await?;
    rows.first()
        .map(device_record)
        .transpose()?
        .ok_or_else(|| ApiError::storage("the device just stored is missing"))
}

/// `POST /api/v1/devices/self/token` (device token): renew. The presented token is revoked and a
/// new one issued, so a leaked token stops working at the next renewal. A pending device's token
/// never outlives its medium.
pub async fn renew(
    State(state): State<AppState>,
    DeviceClient(auth): DeviceClient,
) -> Result<Json<IssuedToken>, ApiError> {
    let (Some(device_id), Some(device)) = (auth.device_id(), &auth.device) else {
        return Err(ApiError::forbidden(
            ErrorCode::DeviceTokenRequired,
            "only a device token can be renewed",
        ));
    };
    let now = state.clock.now_ms();
    let not_after = if device.approved {
        None
    } else {
        Some(cached_media(&state, &device.media_id, now).await?.expires_at)
    };
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
        not_after,
        now,
    )
    .await
    .map(Json)
}

/// `POST /api/v1/admin/devices/{device_id}/approve`: the device gets an identity of its own (it
/// outlives its medium unless the medium's revocation takes approved devices too) and may receive
/// secret variables. Idempotent. Its tokens issued while pending keep their medium-bound expiry;
/// its next renewal or key login gets a full-length token.
pub async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(device_id): Path<String>,
) -> Result<Json<DeviceRecord>, ApiError> {
    let device = get_device(&state, &device_id).await?;
    if device.state == DeviceState::Revoked {
        return Err(ApiError::conflict(
            ErrorCode::DeviceNotApprovable,
            "this device has been revoked; a revoked device cannot be approved (register it again)",
        ));
    }
    state
        .db
        .execute(
            "UPDATE devices SET approved_at = ?2, approved_by = ?3 \
             WHERE device_id = ?1 AND approved_at IS NULL AND revoked_at IS NULL",
            &[device_id.as_str().into(), state.clock.now_ms().into(), actor(&headers).into()],
        )
        .await?;
    state.cache.device_tokens.forget_where(|token| token.device_id == device_id);
    get_device(&state, &device_id).await.map(Json)
}

/// `GET /api/v1/admin/devices`.
/// Answers with an `ETag`; `If-None-Match` with it gets `304` while no device changed.
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let rows = state
        .db
        .query(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY registered_at, device_id"),
            &[],
        )
        .await?;
    let devices = rows.iter().map(device_record).collect::<Result<Vec<_>, _>>()?;
    json_with_etag(&headers, &devices)
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
