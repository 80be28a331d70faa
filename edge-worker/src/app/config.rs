//! Admin: publish the configuration (rejected with the preflight findings when it has errors),
//! versioned with `ETag`/`If-Match`, with history and rollback.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use osdgate_model::api::{
    ConfigHistory, ConfigVersion, ErrorCode, Published, Rollback, config_etag,
};

use super::auth::actor;
use super::extract::{ApiJson, RowExt, is_json, read_body, unsupported_media_type};
use super::sealing::{Part, document_digest, open_all, row_sealed, seal_all, seal_stored_versions};
use super::storage::Row;
use super::view::{RelayView, StoredView, VIEW_FORMAT};
use super::{ApiError, AppState};

/// Configuration documents are at most this large.
pub const DOCUMENT_LIMIT: usize = 4 * 1024 * 1024;

const VERSION_COLUMNS: &str =
    "version, sha256, published_at, published_by, comment, rolled_back_from";

fn version_record(row: &Row) -> Result<ConfigVersion, ApiError> {
    let version = row.int("version")?;
    let sha256 = row.text("sha256")?;
    Ok(ConfigVersion {
        version,
        etag: config_etag(version, &sha256),
        sha256,
        published_at: row.int("published_at")?,
        published_by: row.text("published_by")?,
        comment: row.opt_text("comment"),
        rolled_back_from: row.opt_int("rolled_back_from"),
    })
}

async fn current_version(state: &AppState) -> Result<Option<ConfigVersion>, ApiError> {
    let rows = state
        .db
        .query(
            &format!("SELECT {VERSION_COLUMNS} FROM config_versions ORDER BY version DESC LIMIT 1"),
            &[],
        )
        .await?;
    rows.first().map(version_record).transpose()
}

/// The view of the current configuration, with its version; `None` before the first publish.
pub async fn current_view_versioned(
    state: &AppState,
) -> Result<Option<(i64, Arc<RelayView>)>, ApiError> {
    let now = state.clock.now_ms();
    let mut cached = state.cache.latest(now, state.config.client_cache_ms);
    loop {
        let from_cache = cached.is_some();
        let (version, sha256) = match cached.take() {
            Some(latest) => latest,
            None => {
                let rows = state
                    .db
                    .query(
                        "SELECT version, sha256 FROM config_versions ORDER BY version DESC LIMIT 1",
                        &[],
                    )
                    .await?;
                let Some(row) = rows.first() else {
                    state.cache.forget_latest();
                    return Ok(None);
                };
                let latest = (row.int("version")?, row.text("sha256")?);
                state.cache.keep_latest(now, latest.0, latest.1.clone());
                latest
            }
        };
        if let Some(view) = state.cache.view(version, &sha256) {
            return Ok(Some((version, view)));
        }
        let rows = state
            .db
            .query("SELECT view, sealed FROM config_versions WHERE version = ?1", &[version.into()])
            .await?;
        let Some(row) = rows.first() else {
            if from_cache {
                // The kept pointer names a version the database no longer has (its state was
                // reset): ask D1 which version is the latest now.
                state.cache.forget_latest();
                continue;
            }
            return Err(ApiError::storage(format!("configuration version {version} vanished")));
        };
        let mut stored: serde_json::Value = serde_json::from_str(&row.text("view")?)
            .map_err(|e| ApiError::storage(format!("the stored view is unreadable: {e}")))?;
        // Opened once per isolate and version: the cache holds the view policy serves.
        open_all(state, &mut stored, version, Part::View, row_sealed(row)?)?;
        let stored = RelayView::from_stored_json(&stored.to_string())
            .map_err(|e| ApiError::storage(format!("the stored view is unreadable: {e}")))?;
        let view = Arc::new(match stored {
            StoredView::Current(view) => view,
            StoredView::Outdated { format, gateway_id } => {
                upgrade_view(state, version, format, gateway_id).await?
            }
        });
        state.cache.keep_view(version, sha256, view.clone());
        return Ok(Some((version, view)));
    }
}

/// The view of `version`, which an older relay stored in view format `format`, rebuilt from the
/// version's document by today's adapter (kept in the isolate like any view, so this runs once
/// per isolate and version). Nothing is defaulted: when the document cannot be read or adapted,
/// the relay refuses to serve and tells the admin to publish again.
async fn upgrade_view(
    state: &AppState,
    version: i64,
    format: u64,
    gateway_id: Option<String>,
) -> Result<RelayView, ApiError> {
    let (_, document) = stored_document(state, Some(version))
        .await?
        .ok_or_else(|| ApiError::storage(format!("configuration version {version} vanished")))?;
    let gateway_id = gateway_id.or_else(|| state.config.gateway_id.clone());
    super::adapter::rebuild_view(&document.to_string(), gateway_id.as_deref()).map_err(|reason| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ConfigurationOutdated,
            format!(
                "configuration version {version} was stored by an older relay (view format {format}, this relay reads {VIEW_FORMAT}) and cannot be rebuilt: {reason}; an admin must publish the configuration again (PUT /api/v1/admin/config)"
            ),
        )
    })
}

pub async fn current_view(state: &AppState) -> Result<Option<Arc<RelayView>>, ApiError> {
    Ok(current_view_versioned(state).await?.map(|(_, view)| view))
}

/// Check `If-Match` against the current version: required once a version exists.
fn check_precondition(
    headers: &HeaderMap,
    current: Option<&ConfigVersion>,
) -> Result<(), ApiError> {
    let if_match =
        headers.get(header::IF_MATCH).map(|v| v.to_str().unwrap_or("").trim().to_owned());
    match (current, if_match) {
        (None, None) => Ok(()),
        (None, Some(value)) if value == "*" => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            ErrorCode::PreconditionFailed,
            "If-Match: * but nothing has been published yet",
        )),
        (None, Some(_)) => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            ErrorCode::PreconditionFailed,
            "If-Match names a version, but nothing has been published yet; omit If-Match for the first publish",
        )),
        (Some(current), None) => Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            ErrorCode::PreconditionRequired,
            format!(
                "version {} is published; send If-Match: {} (from GET /api/v1/admin/config) so changes are not overwritten silently",
                current.version, current.etag
            ),
        )),
        (Some(current), Some(value)) => {
            if value == "*" || value.split(',').any(|tag| tag.trim() == current.etag) {
                Ok(())
            } else {
                Err(ApiError::new(
                    StatusCode::PRECONDITION_FAILED,
                    ErrorCode::PreconditionFailed,
                    format!(
                        "the configuration changed since you loaded it (now version {}, {}); reload, merge and publish again",
                        current.version, current.etag
                    ),
                ))
            }
        }
    }
}

fn with_etag<T: IntoResponse>(etag: &str, body: T) -> Response {
    let mut response = body.into_response();
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Insert a version only if the current version is still `expected` (atomic in one statement),
/// its secrets sealed for that version.
#[allow(clippy::too_many_arguments)]
async fn insert_version(
    state: &AppState,
    expected: i64,
    checked: &super::adapter::Checked,
    published_by: &str,
    comment: Option<String>,
    rolled_back_from: Option<i64>,
) -> Result<ConfigVersion, ApiError> {
    let to_json = |value: Result<serde_json::Value, serde_json::Error>| {
        value.map_err(|e| ApiError::internal(e.to_string()))
    };
    let mut document = to_json(serde_json::to_value(&checked.document))?;
    let mut view =
        to_json(checked.view.to_stored_json().and_then(|text| serde_json::from_str(&text)))?;
    let sha256 = document_digest(&document)?;
    let version = expected + 1;
    seal_all(state, &mut document, version, Part::Document)?;
    seal_all(state, &mut view, version, Part::View)?;
    let (document, view) = (document.to_string(), view.to_string());
    let changed = state
        .db
        .execute(
            "INSERT INTO config_versions (version, document, view, sha256, published_at, published_by, comment, rolled_back_from, sealed) \
             SELECT ?1 + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1 \
             WHERE (SELECT COALESCE(MAX(version), 0) FROM config_versions) = ?1",
            &[
                expected.into(),
                document.into(),
                view.into(),
                sha256.into(),
                state.clock.now_ms().into(),
                published_by.into(),
                comment.into(),
                rolled_back_from.into(),
            ],
        )
        .await?;
    if changed == 0 {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            ErrorCode::PreconditionFailed,
            "another admin published at the same moment; reload and publish again",
        ));
    }
    state.cache.forget_latest();
    current_version(state)
        .await?
        .ok_or_else(|| ApiError::storage("the version just published is missing"))
}

/// The findings a publish answers with: the plan's warnings and advice, and `OSDG-CONTENT-007` for
/// every file this relay must serve but does not hold yet (content is "distributed" only once it
/// is uploaded).
async fn published_findings(
    state: &AppState,
    checked: &super::adapter::Checked,
) -> Result<serde_json::Value, ApiError> {
    let held = super::blobs::held(state, &checked.files_to_upload).await?;
    checked.findings(|sha256| held.contains(sha256))
}

/// `PUT /api/v1/admin/config`: the body is the configuration document (JSON). Optional header
/// `X-Osdgate-Comment` describes the change.
pub async fn publish(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, ApiError> {
    let headers = request.headers().clone();
    // The body is read (bounded) before answering even a precondition failure: a response that
    // leaves the request body unread stalls the connection behind wrangler dev's proxy.
    let declared_json = is_json(&headers);
    let bytes = read_body(request, &state, DOCUMENT_LIMIT).await?;
    if !declared_json {
        return Err(unsupported_media_type());
    }
    let current = current_version(&state).await?;
    check_precondition(&headers, current.as_ref())?;
    // Rows stored before sealing are sealed now at the latest, before the history grows.
    seal_stored_versions(&state).await?;
    let bytes = keep_secrets(&state, bytes).await?;
    let checked = super::adapter::check_document(
        &bytes,
        state.config.gateway_id.as_deref(),
        state.clock.now_ms(),
    )?;
    let comment = headers
        .get("x-osdgate-comment")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(500).collect());
    let version = insert_version(
        &state,
        current.map_or(0, |c| c.version),
        &checked,
        &actor(&headers),
        comment,
        None,
    )
    .await?;
    let etag = version.etag.clone();
    let status = if version.version == 1 { StatusCode::CREATED } else { StatusCode::OK };
    let findings = published_findings(&state, &checked).await?;
    Ok(with_etag(&etag, (status, Json(Published { version, findings }))))
}

/// A stored document with its secrets opened, and its version: `version`'s, or the latest's
/// (`None`); `None` when there is no such version.
pub async fn stored_document(
    state: &AppState,
    version: Option<i64>,
) -> Result<Option<(i64, serde_json::Value)>, ApiError> {
    let rows = match version {
        Some(version) => {
            state
                .db
                .query(
                    "SELECT version, document, sealed FROM config_versions WHERE version = ?1",
                    &[version.into()],
                )
                .await?
        }
        None => {
            state
                .db
                .query(
                    "SELECT version, document, sealed FROM config_versions \
                     ORDER BY version DESC LIMIT 1",
                    &[],
                )
                .await?
        }
    };
    let Some(row) = rows.first() else { return Ok(None) };
    let version = row.int("version")?;
    let mut document: serde_json::Value = serde_json::from_str(&row.text("document")?)
        .map_err(|e| ApiError::storage(format!("the stored document is unreadable: {e}")))?;
    open_all(state, &mut document, version, Part::Document, row_sealed(row)?)?;
    Ok(Some((version, document)))
}

/// A document that holds [`osdgate_model::api::KEPT_SECRET`] placeholders (what `GET` returned)
/// gets the current version's secrets back in their places; anything else is left as sent.
async fn keep_secrets(state: &AppState, bytes: Bytes) -> Result<Bytes, ApiError> {
    let Ok(mut document) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        // Not JSON: the document check names the problem.
        return Ok(bytes);
    };
    if !super::secrets::has_placeholders(&mut document) {
        return Ok(bytes);
    }
    let mut stored = stored_document(state, None).await?.map(|(_, document)| document);
    super::secrets::restore(&mut document, stored.as_mut())?;
    serde_json::to_vec(&document).map(Bytes::from).map_err(|e| ApiError::internal(e.to_string()))
}

/// `GET /api/v1/admin/config`: the current document, with its `ETag`.
pub async fn get(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let rows = state
        .db
        .query(&format!("SELECT {VERSION_COLUMNS}, document FROM config_versions ORDER BY version DESC LIMIT 1"), &[])
        .await?;
    let row = rows.first().ok_or_else(|| {
        ApiError::not_found(ErrorCode::NoConfiguration, "nothing has been published yet")
    })?;
    document_response(row, &headers)
}

fn document_response(row: &Row, headers: &HeaderMap) -> Result<Response, ApiError> {
    let version = version_record(row)?;
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == version.etag))
    {
        return Ok(with_etag(&version.etag, StatusCode::NOT_MODIFIED));
    }
    // Secrets never leave the relay: each is replaced by the kept-secret placeholder.
    let mut document: serde_json::Value = serde_json::from_str(&row.text("document")?)
        .map_err(|e| ApiError::storage(format!("the stored document is unreadable: {e}")))?;
    super::secrets::mask(&mut document);
    let body = ([(header::CONTENT_TYPE, "application/json")], Json(document));
    Ok(with_etag(&version.etag, body))
}

/// `GET /api/v1/admin/config/versions/{version}`.
pub async fn get_version(
    State(state): State<AppState>,
    Path(version): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let rows = state
        .db
        .query(
            &format!("SELECT {VERSION_COLUMNS}, document FROM config_versions WHERE version = ?1"),
            &[version.into()],
        )
        .await?;
    let row = rows.first().ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::VersionNotFound,
            format!("there is no configuration version {version}"),
        )
    })?;
    document_response(row, &headers)
}

/// `GET /api/v1/admin/config/history`, newest first.
pub async fn history(State(state): State<AppState>) -> Result<Json<ConfigHistory>, ApiError> {
    let rows = state
        .db
        .query(&format!("SELECT {VERSION_COLUMNS} FROM config_versions ORDER BY version DESC"), &[])
        .await?;
    let versions = rows.iter().map(version_record).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(ConfigHistory { versions }))
}

/// `POST /api/v1/admin/config/rollback`.
pub async fn rollback(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<Rollback>,
) -> Result<Response, ApiError> {
    let current = current_version(&state).await?;
    check_precondition(&headers, current.as_ref())?;
    let current = current.ok_or_else(|| {
        ApiError::not_found(ErrorCode::NoConfiguration, "nothing has been published yet")
    })?;
    seal_stored_versions(&state).await?;
    let (_, old) = stored_document(&state, Some(request.to_version)).await?.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::VersionNotFound,
            format!("there is no configuration version {}", request.to_version),
        )
    })?;
    if request.to_version == current.version {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyCurrent,
            format!("version {} is already the current version", current.version),
        ));
    }
    // The old version passed preflight when it was published, but the world moved on since
    // (certificates and media expire, GATEWAY_ID may have changed, rules were added): it is
    // checked again like any publish, and refused with the findings when it no longer passes.
    // Its secrets are opened and, once checked, sealed again for the new version.
    let old = serde_json::to_vec(&old).map_err(|e| ApiError::internal(e.to_string()))?;
    let checked = super::adapter::check_document(
        &old,
        state.config.gateway_id.as_deref(),
        state.clock.now_ms(),
    )?;
    let comment =
        request.comment.or_else(|| Some(format!("rollback to version {}", request.to_version)));
    let version = insert_version(
        &state,
        current.version,
        &checked,
        &actor(&headers),
        comment,
        Some(request.to_version),
    )
    .await?;
    let etag = version.etag.clone();
    let findings = published_findings(&state, &checked).await?;
    Ok(with_etag(&etag, Json(Published { version, findings })))
}
