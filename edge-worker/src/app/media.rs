//! Admin: register, list and revoke boot media; list authentication events.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use osdgate_model::api::{
    ApprovedDevices, AuthEvent, AuthEventPage, ErrorCode, MediaRecord, RegisterMedia, RevokeMedia,
};
use osdgate_model::model::{Document, Timestamp};
use osdgate_model::preflight;
use serde::Deserialize;

use super::auth::actor;
use super::credentials::{parse_deployments, parse_public_key};
use super::extract::{ApiJson, RowExt, check_id, encode_base64url};
use super::storage::{Row, Statement};
use super::{ApiError, AppState};

fn media_record(row: &Row) -> Result<MediaRecord, ApiError> {
    Ok(MediaRecord {
        media_id: row.text("media_id")?,
        medium: row.opt_text("medium"),
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

const MEDIA_COLUMNS: &str = "media_id, medium, public_key, deployments, expires_at, created_by, created_at, auto_approve, revoked_at, revoked_reason";

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

/// The published document (the current version's), parsed; `None` before the first publish.
async fn published_document(state: &AppState) -> Result<Option<Document>, ApiError> {
    let Some((_, document)) = super::config::stored_document(state, None).await? else {
        return Ok(None);
    };
    Document::from_json(&document.to_string())
        .map(Some)
        .map_err(|e| ApiError::storage(format!("the stored document is unreadable: {e}")))
}

/// `POST /api/v1/admin/media`: one medium, one record. The registration names the published
/// document's medium; the relay takes its deployments from there, holds the registration's
/// expiry to the document's, and runs the media rules on the document as registered (refused
/// with the findings when they have errors).
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
    let created_by = request.created_by.trim();
    if created_by.is_empty() || created_by.len() > 200 {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidCreatedBy,
            "created_by must name the admin (1–200 characters)",
        ));
    }
    let created_by = if created_by == "admin" { actor(&headers) } else { created_by.to_owned() };
    let document = published_document(&state).await?.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::NoConfiguration,
            "publish a configuration with the medium before registering media built from it",
        )
    })?;
    let index = preflight::find_medium(&document, &request.medium).ok_or_else(|| {
        let known: Vec<&str> = document.media.iter().map(|m| m.id.as_str()).collect();
        ApiError::unprocessable(
            ErrorCode::UnknownMedium,
            format!(
                "the published configuration has no medium {} (it has: {}); add it to the document and publish, or fix the name",
                request.medium,
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            ),
        )
    })?;
    let medium = &document.media[index];
    let expires_at = Timestamp::from_unix_seconds(request.expires_at.div_euclid(1000));
    if let Some(limit) = medium.expires_at
        && request.expires_at > limit.unix_seconds().saturating_mul(1000)
    {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidExpiry,
            format!(
                "expires_at is later than medium {}'s expires_at ({limit}) in the published configuration; register it to expire by then",
                medium.id
            ),
        ));
    }
    let report = preflight::check_medium(
        &document,
        index,
        Some(expires_at),
        Timestamp::from_unix_seconds(now.div_euclid(1000)),
    );
    if report.has_errors() {
        let findings = serde_json::to_value(&report).unwrap_or(serde_json::Value::Null);
        return Err(ApiError::unprocessable(
            ErrorCode::PreflightFailed,
            format!(
                "medium {} does not pass the media rules ({} error(s)); fix them in the document (see findings), publish and register again",
                medium.id, report.errors
            ),
        )
        .with_findings(findings));
    }
    let deployments = serde_json::to_string(&medium.deployments)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let changed = state
        .db
        .execute(
            "INSERT INTO media (media_id, public_key, deployments, expires_at, created_by, created_at, auto_approve, medium) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (media_id) DO NOTHING",
            &[
                request.media_id.as_str().into(),
                encode_base64url(key.as_bytes()).into(),
                deployments.into(),
                request.expires_at.into(),
                created_by.into(),
                now.into(),
                i64::from(request.auto_approve).into(),
                medium.id.as_str().into(),
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
