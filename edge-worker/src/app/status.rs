//! Status messages: devices post them while the task sequence runs; the console pages through them
//! live. Idempotent by message ID (one `INSERT ... ON CONFLICT DO NOTHING`, atomic in D1), so
//! retries and concurrent posts never duplicate or lose a message.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use osdgate_model::api::{
    ErrorCode, StatusAccepted, StatusMessage, StatusPage, StatusPost, StepState,
};
use serde::Deserialize;

use super::auth::ClientAuth;
use super::conditional::json_with_etag;
use super::devices::normalize_smbios_guid;
use super::extract::{ApiJson, RowExt, check_id};
use super::media::{page_limit, parse_cursor};
use super::storage::Row;
use super::{ApiError, AppState};

pub const LOG_EXCERPT_LIMIT: usize = 16 * 1024;

fn state_name(state: StepState) -> &'static str {
    match state {
        StepState::Started => "started",
        StepState::Running => "running",
        StepState::Succeeded => "succeeded",
        StepState::Failed => "failed",
        StepState::Skipped => "skipped",
        StepState::Completed => "completed",
    }
}

fn parse_state(value: &str) -> Result<StepState, ApiError> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| ApiError::storage(format!("stored status state {value} is unknown")))
}

/// `POST /api/v1/status`.
pub async fn post(
    State(state): State<AppState>,
    auth: ClientAuth,
    ApiJson(message): ApiJson<StatusPost>,
) -> Result<(StatusCode, Json<StatusAccepted>), ApiError> {
    check_id("message_id", &message.message_id, 128)?;
    check_id("deployment_id", &message.deployment_id, 128)?;
    if !auth.may_read(&message.deployment_id) {
        return Err(ApiError::forbidden(
            ErrorCode::DeploymentNotAllowed,
            format!("this token is not allowed to report on deployment {}", message.deployment_id),
        ));
    }
    if message.step.trim().is_empty() || message.step.len() > 512 {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidStep,
            "step must name the task sequence step (1–512 characters)",
        ));
    }
    if message.progress.is_some_and(|p| p > 100) {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidProgress,
            "progress is a percentage, 0–100",
        ));
    }
    if message.error_code.as_ref().is_some_and(|c| c.len() > 64) {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidErrorCode,
            "error_code is at most 64 characters, e.g. 0x80070002",
        ));
    }
    if message.log_excerpt.as_ref().is_some_and(|l| l.len() > LOG_EXCERPT_LIMIT) {
        return Err(ApiError::unprocessable(
            ErrorCode::LogExcerptTooLong,
            format!("log_excerpt is at most {LOG_EXCERPT_LIMIT} bytes; send the tail of the log"),
        ));
    }
    let smbios_guid = message.smbios_guid.as_deref().map(normalize_smbios_guid).transpose()?;
    let now = state.clock.now_ms();
    let inserted = state
        .db
        .query(
            "INSERT INTO status_messages (message_id, deployment_id, device_id, media_id, smbios_guid, step, state, \
             progress, error_code, log_excerpt, sent_at, received_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
             ON CONFLICT (message_id) DO NOTHING RETURNING seq",
            &[
                message.message_id.as_str().into(),
                message.deployment_id.as_str().into(),
                auth.device_id().into(),
                auth.claims.media.as_str().into(),
                smbios_guid.into(),
                message.step.as_str().into(),
                state_name(message.state).into(),
                message.progress.map(i64::from).into(),
                message.error_code.into(),
                message.log_excerpt.into(),
                message.sent_at.into(),
                now.into(),
            ],
        )
        .await?;
    if let Some(row) = inserted.first() {
        return Ok((
            StatusCode::CREATED,
            Json(StatusAccepted {
                message_id: message.message_id,
                sequence: row.int("seq")?,
                duplicate: false,
            }),
        ));
    }
    let existing = state
        .db
        .query(
            "SELECT seq, deployment_id, media_id FROM status_messages WHERE message_id = ?1",
            &[message.message_id.as_str().into()],
        )
        .await?;
    let row = existing
        .first()
        .ok_or_else(|| ApiError::storage("a status message was neither stored nor found"))?;
    if row.text("deployment_id")? != message.deployment_id
        || row.opt_text("media_id").as_deref() != Some(auth.claims.media.as_str())
    {
        return Err(ApiError::conflict(
            ErrorCode::MessageIdConflict,
            "another message with this message_id exists; use a new UUID per message",
        ));
    }
    Ok((
        StatusCode::OK,
        Json(StatusAccepted {
            message_id: message.message_id,
            sequence: row.int("seq")?,
            duplicate: true,
        }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct StatusQuery {
    pub deployment: Option<String>,
    pub device: Option<String>,
    pub after: Option<String>,
    pub limit: Option<u32>,
}

fn status_message(row: &Row) -> Result<StatusMessage, ApiError> {
    Ok(StatusMessage {
        sequence: row.int("seq")?,
        message_id: row.text("message_id")?,
        deployment_id: row.text("deployment_id")?,
        device_id: row.opt_text("device_id"),
        media_id: row.opt_text("media_id"),
        smbios_guid: row.opt_text("smbios_guid"),
        step: row.text("step")?,
        state: parse_state(&row.text("state")?)?,
        progress: row.opt_int("progress").and_then(|p| u8::try_from(p).ok()),
        error_code: row.opt_text("error_code"),
        log_excerpt: row.opt_text("log_excerpt"),
        sent_at: row.opt_int("sent_at"),
        received_at: row.int("received_at")?,
    })
}

/// `GET /api/v1/admin/status?deployment=&device=&after=&limit=`: oldest first from the cursor.
/// Answers with an `ETag`; `If-None-Match` with it gets `304` while nothing new arrived.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<StatusQuery>,
) -> Result<Response, ApiError> {
    let after = parse_cursor(query.after.as_deref())?;
    let limit = page_limit(query.limit)?;
    let rows = state
        .db
        .query(
            "SELECT seq, message_id, deployment_id, device_id, media_id, smbios_guid, step, state, progress, error_code, \
             log_excerpt, sent_at, received_at FROM status_messages \
             WHERE seq > ?1 AND (?2 IS NULL OR deployment_id = ?2) AND (?3 IS NULL OR device_id = ?3) \
             ORDER BY seq LIMIT ?4",
            &[after.into(), query.deployment.into(), query.device.into(), (i64::from(limit) + 1).into()],
        )
        .await?;
    let has_more = rows.len() > limit as usize;
    let messages =
        rows.iter().take(limit as usize).map(status_message).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = messages.last().map_or(after, |m| m.sequence).to_string();
    json_with_etag(&headers, &StatusPage { messages, next_cursor, has_more })
}
