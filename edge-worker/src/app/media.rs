//! Admin: register, list and revoke boot media; list authentication events.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use osdgate_model::api::{
    ApprovedDevices, AuthEvent, AuthEventPage, ErrorCode, MediaRecord, RegisterMedia, RevokeMedia,
};
use serde::Deserialize;

use super::auth::actor;
use super::credentials::{parse_deployments, parse_public_key};
use super::extract::{ApiJson, RowExt, check_id, encode_base64url};
use super::storage::{Row, Statement};
use super::{ApiError, AppState};

fn media_record(row: &Row) -> Result<MediaRecord, ApiError> {
    Ok(MediaRecord {
        media_id: row.text("media_id")?,
        public_key: row.text("public_key")?,
        expires_at: row.int("expires_at")?,
        deployments: parse_deployments(&row.text("deployments")?)?,
        created_by: row.text("created_by")?,
        created_at: row.int("created_at")?,
        auto_approve: row.opt_int("auto_approve").unwrap_or(0) != 0,
        revoked_at: row.opt_int("revoked_at"),
        revoked_reason: row.opt_text("revoked_reason"),
    })
}

const MEDIA_COLUMNS: &str = "media_id, public_key, deployments, expires_at, created_by, created_at, auto_approve, revoked_at, revoked_reason";

async fn get_media_record(state: &AppState, media_id: &str) -> Result<MediaRecord, ApiError> {
    let rows = state
        .db
        .query(
            &format!("SELECT {MEDIA_COLUMNS} FROM media WHERE media_id = ?1"),
            &[media_id.into()],
        )
        .await?;
    rows.first().map(media_record).transpose()?.ok_or_else(|| {
        ApiError::not_found(ErrorCode::MediaNotFound, format!("no boot medium with ID {media_id}"))
    })
}

/// `POST /api/v1/admin/media`.
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<RegisterMedia>,
) -> Result<(StatusCode, Json<MediaRecord>), ApiError> {
    check_id("media_id", &request.media_id, 64)?;
    let key = parse_public_key("public_key", &request.public_key)?;
    let now = state.clock.now_ms();
    if request.expires_at <= now {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidExpiry,
            "expires_at must be in the future (milliseconds since the Unix epoch)",
        ));
    }
    if request.deployments.is_empty() {
        return Err(ApiError::unprocessable(
            ErrorCode::NoDeployments,
            "deployments must name at least one deployment this medium may run",
        ));
    }
    for deployment in &request.deployments {
        check_id("deployments[]", deployment, 128)?;
    }
    let created_by = request.created_by.trim();
    if created_by.is_empty() || created_by.len() > 200 {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidCreatedBy,
            "created_by must name the admin (1–200 characters)",
        ));
    }
    let created_by = if created_by == "admin" { actor(&headers) } else { created_by.to_owned() };
    // Media may only name deployments of the published configuration.
    let view = super::config::current_view(&state).await?;
    if let Some(view) = &view {
        let unknown: Vec<&str> = request
            .deployments
            .iter()
            .filter(|d| !view.deployments.iter().any(|known| &known.id == *d))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::unprocessable(
                ErrorCode::UnknownDeployment,
                format!(
                    "the published configuration has no deployment {}; publish it first or fix the ID",
                    unknown.join(", ")
                ),
            ));
        }
    } else {
        return Err(ApiError::conflict(
            ErrorCode::NoConfiguration,
            "publish a configuration before registering media for its deployments",
        ));
    }
    let deployments = serde_json::to_string(&request.deployments)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let changed = state
        .db
        .execute(
            "INSERT INTO media (media_id, public_key, deployments, expires_at, created_by, created_at, auto_approve) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (media_id) DO NOTHING",
            &[
                request.media_id.as_str().into(),
                encode_base64url(key.as_bytes()).into(),
                deployments.into(),
                request.expires_at.into(),
                created_by.into(),
                now.into(),
                i64::from(request.auto_approve).into(),
            ],
        )
        .await?;
    if changed == 0 {
        return Err(ApiError::conflict(
            ErrorCode::MediaExists,
            format!(
                "a boot medium with ID {} is already registered; choose a new ID",
                request.media_id
            ),
        ));
    }
    Ok((StatusCode::CREATED, Json(get_media_record(&state, &request.media_id).await?)))
}

/// `GET /api/v1/admin/media`.
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<MediaRecord>>, ApiError> {
    let rows = state
        .db
        .query(&format!("SELECT {MEDIA_COLUMNS} FROM media ORDER BY created_at, media_id"), &[])
        .await?;
    rows.iter().map(media_record).collect::<Result<Vec<_>, _>>().map(Json)
}

/// `GET /api/v1/admin/media/{media_id}`.
pub async fn get(
    State(state): State<AppState>,
    Path(media_id): Path<String>,
) -> Result<Json<MediaRecord>, ApiError> {
    get_media_record(&state, &media_id).await.map(Json)
}

/// The devices a medium's revocation ends: ?1 the medium, ?2 whether approved devices go too.
macro_rules! media_devices_selected {
    () => {
        "media_id = ?1 AND revoked_at IS NULL AND (approved_at IS NULL OR ?2 = 1)"
    };
}

/// `POST /api/v1/admin/media/{media_id}/revoke`. Idempotent: revoking twice keeps the first time.
/// A medium's end ends what it started: its pending devices and their tokens are revoked with it,
/// and its approved ones too when the admin asks (`approved_devices: "revoke"`; a later revoke
/// with `revoke` catches up on a medium revoked with `keep`).
pub async fn revoke(
    State(state): State<AppState>,
    Path(media_id): Path<String>,
    ApiJson(request): ApiJson<RevokeMedia>,
) -> Result<Json<MediaRecord>, ApiError> {
    get_media_record(&state, &media_id).await?;
    let now = state.clock.now_ms();
    let approved_too = request.approved_devices == ApprovedDevices::Revoke;
    let device_reason = format!("boot medium {media_id} revoked");
    state
        .db
        .batch(vec![
            Statement {
                sql: "UPDATE media SET revoked_at = ?2, revoked_reason = ?3 WHERE media_id = ?1 AND revoked_at IS NULL",
                params: vec![media_id.as_str().into(), now.into(), request.reason.into()],
            },
            // Tokens first, while their devices are still selectable as not revoked.
            Statement {
                sql: concat!(
                    "UPDATE device_tokens SET revoked_at = ?3 WHERE revoked_at IS NULL AND device_id IN ",
                    "(SELECT device_id FROM devices WHERE ",
                    media_devices_selected!(),
                    ")"
                ),
                params: vec![media_id.as_str().into(), i64::from(approved_too).into(), now.into()],
            },
            Statement {
                sql: concat!(
                    "UPDATE devices SET revoked_at = ?3, revoked_reason = ?4 WHERE ",
                    media_devices_selected!()
                ),
                params: vec![
                    media_id.as_str().into(),
                    i64::from(approved_too).into(),
                    now.into(),
                    device_reason.into(),
                ],
            },
        ])
        .await?;
    state.cache.media.forget(&media_id);
    state
        .cache
        .device_tokens
        .forget_where(|token| token.media_id == media_id && (approved_too || !token.approved));
    get_media_record(&state, &media_id).await.map(Json)
}

#[derive(Debug, Deserialize)]
pub struct EventQuery {
    pub kind: Option<String>,
    pub subject: Option<String>,
    pub after: Option<String>,
    pub limit: Option<u32>,
}

/// `GET /api/v1/admin/auth-events`: refusals and successes, oldest first, cursor-paged.
pub async fn events(
    State(state): State<AppState>,
    Query(query): Query<EventQuery>,
) -> Result<Json<AuthEventPage>, ApiError> {
    let after = parse_cursor(query.after.as_deref())?;
    let limit = page_limit(query.limit)?;
    let rows = state
        .db
        .query(
            "SELECT id, at, subject_kind, subject_id, address, outcome FROM auth_events \
             WHERE id > ?1 AND (?2 IS NULL OR subject_kind = ?2) AND (?3 IS NULL OR subject_id = ?3) \
             ORDER BY id LIMIT ?4",
            &[after.into(), query.kind.into(), query.subject.into(), i64::from(limit).into()],
        )
        .await?;
    let events = rows
        .iter()
        .map(|row| {
            Ok(AuthEvent {
                id: row.int("id")?,
                at: row.int("at")?,
                kind: row.text("subject_kind")?,
                subject: row.text("subject_id")?,
                address: row.opt_text("address"),
                outcome: row.text("outcome")?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let next_cursor = events.last().map(|e| e.id.to_string());
    Ok(Json(AuthEventPage { events, next_cursor }))
}

/// Cursors are opaque to clients; here they are the last sequence number seen.
pub fn parse_cursor(value: Option<&str>) -> Result<i64, ApiError> {
    match value {
        None | Some("") => Ok(0),
        Some(value) => value.parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidCursor,
                "after must be a cursor returned by a previous page",
            )
        }),
    }
}

pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit {
        None => Ok(100),
        Some(limit @ 1..=500) => Ok(limit),
        Some(_) => {
            Err(ApiError::bad_request(ErrorCode::InvalidLimit, "limit must be between 1 and 500"))
        }
    }
}
