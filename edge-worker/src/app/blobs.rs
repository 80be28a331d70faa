//! Admin: content upload into the object store, by SHA-256. A blob becomes visible (a `blobs` row)
//! only once it is complete and its SHA-256 has been verified against the declared one; until then
//! it lives under an upload-specific key that nothing serves.
//!
//! Small files: one `PUT /admin/blobs/{sha256}`. Large files: a multipart upload in parts of
//! [`PART_SIZE`] bytes (the last one shorter), completed with a read-back hash check.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use osdgate_model::api::{BlobRecord, ErrorCode, PartReceived, StartUpload, UploadSession};
use sha2::{Digest, Sha256};

use super::extract::{ApiJson, RowExt, check_sha256, hex};
use super::storage::{BlobBody, ByteRange, SizedBody, Statement};
use super::{ApiError, AppState};

/// The largest single-request upload, and the part size of multipart uploads. Cloudflare accepts
/// request bodies up to 100 MB; R2 wants parts of at least 5 MiB, all equal but the last.
pub const PART_SIZE: u64 = 16 * 1024 * 1024;
/// Multipart uploads may have at most this many parts (R2's limit is 10 000).
pub const MAX_PARTS: u64 = 10_000;

pub async fn blob_record(
    state: &AppState,
    sha256: &str,
) -> Result<Option<(BlobRecord, String)>, ApiError> {
    if let Some(kept) = state.cache.blob(sha256) {
        return Ok(Some(kept));
    }
    let rows = state
        .db
        .query(
            "SELECT sha256, size, r2_key, uploaded_at FROM blobs WHERE sha256 = ?1",
            &[sha256.into()],
        )
        .await?;
    rows.first()
        .map(|row| {
            Ok((
                BlobRecord {
                    sha256: row.text("sha256")?,
                    size: u64::try_from(row.int("size")?)
                        .map_err(|_| ApiError::storage("negative blob size"))?,
                    uploaded_at: row.int("uploaded_at")?,
                },
                row.text("r2_key")?,
            ))
        })
        .transpose()
        // Only completed blobs have a row, and a blob never changes: keep it for good.
        .inspect(|found| {
            if let Some((record, key)) = found {
                state.cache.keep_blob(record.clone(), key.clone());
            }
        })
}

/// Which of `hashes` (lower-case SHA-256) the relay holds as complete blobs.
pub async fn held(
    state: &AppState,
    hashes: &[String],
) -> Result<std::collections::HashSet<String>, ApiError> {
    let mut held = std::collections::HashSet::new();
    let mut unknown = Vec::new();
    for sha256 in hashes {
        if state.cache.blob(sha256).is_some() {
            held.insert(sha256.clone());
        } else {
            unknown.push(sha256.as_str());
        }
    }
    // D1 binds at most 100 parameters per statement.
    for chunk in unknown.chunks(90) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
        let rows = state
            .db
            .query(
                &format!("SELECT sha256 FROM blobs WHERE sha256 IN ({})", placeholders.join(", ")),
                &chunk.iter().map(|h| (*h).into()).collect::<Vec<_>>(),
            )
            .await?;
        for row in &rows {
            held.insert(row.text("sha256")?);
        }
    }
    Ok(held)
}

/// `GET /api/v1/admin/blobs/{sha256}`.
pub async fn get(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Json<BlobRecord>, ApiError> {
    let sha256 = check_sha256("sha256", &sha256)?;
    blob_record(&state, &sha256).await?.map(|(record, _)| Json(record)).ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::BlobNotFound,
            format!("no complete blob with SHA-256 {sha256}"),
        )
    })
}

/// `GET /api/v1/admin/blobs/{sha256}/data`: the stored bytes, straight from the object store (the
/// admin's check of what was stored, and the bare-R2 baseline of the benchmark).
pub async fn data(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Response, ApiError> {
    let sha256 = check_sha256("sha256", &sha256)?;
    let (_, key) = blob_record(&state, &sha256).await?.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::BlobNotFound,
            format!("no complete blob with SHA-256 {sha256}"),
        )
    })?;
    let read = state
        .blobs
        .get(&key, None)
        .await?
        .ok_or_else(|| ApiError::storage("a recorded blob is missing from the object store"))?;
    let mut response = read.body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(read.size));
    Ok(response)
}

async fn store_blob(
    state: &AppState,
    sha256: &str,
    size: u64,
    key: &str,
) -> Result<BlobRecord, ApiError> {
    let now = state.clock.now_ms();
    state
        .db
        .execute(
            "INSERT INTO blobs (sha256, size, r2_key, uploaded_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sha256) DO NOTHING",
            &[sha256.into(), (size as i64).into(), key.into(), now.into()],
        )
        .await?;
    blob_record(state, sha256)
        .await?
        .map(|(r, _)| r)
        .ok_or_else(|| ApiError::storage("the blob just stored is missing"))
}

/// The SHA-256 and length of what has streamed through a [`hashing`] body so far.
#[derive(Default)]
struct Digest256 {
    hasher: Sha256,
    length: u64,
}

/// `body`, hashed chunk by chunk as the object store consumes it: the bytes are verified without
/// ever being held whole in the worker's memory.
fn hashing(body: Body) -> (Body, Arc<Mutex<Digest256>>) {
    let digest = Arc::new(Mutex::new(Digest256::default()));
    let seen = digest.clone();
    let stream = body.into_data_stream().map(move |chunk| {
        if let Ok(bytes) = &chunk {
            let mut digest = seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            digest.hasher.update(bytes);
            digest.length += bytes.len() as u64;
        }
        chunk
    });
    (Body::from_stream(stream), digest)
}

/// The hash and length of everything that went through, once the store has consumed it.
fn finish(digest: Arc<Mutex<Digest256>>) -> (String, u64) {
    let digest =
        std::mem::take(&mut *digest.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    (hex(&digest.hasher.finalize()), digest.length)
}

/// `Content-Length` (or a body of known size), required — the object store needs the length
/// before the first byte — and at most `limit`.
fn declared_length(request: &Request, limit: u64) -> Result<u64, ApiError> {
    use http_body::Body as _;
    let headers = request.headers();
    if headers.get(header::CONTENT_LENGTH).is_none()
        && let Some(exact) = request.body().size_hint().exact()
    {
        return if exact > limit { Err(ApiError::too_large(limit)) } else { Ok(exact) };
    }
    let value = headers.get(header::CONTENT_LENGTH).ok_or_else(|| {
        ApiError::new(
            StatusCode::LENGTH_REQUIRED,
            ErrorCode::LengthRequired,
            "send Content-Length: uploads stream to the object store, which needs the length first",
        )
    })?;
    let length =
        value.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()).ok_or_else(|| {
            ApiError::bad_request(ErrorCode::InvalidContentLength, "Content-Length is not a number")
        })?;
    if length > limit {
        return Err(ApiError::too_large(limit));
    }
    Ok(length)
}

/// `PUT /api/v1/admin/blobs/{sha256}`: the whole file in one request (at most [`PART_SIZE`]),
/// streamed to the object store under a key of its own and hashed on the way; only a verified blob
/// gets its `blobs` row (what makes it visible). Already-complete blobs are answered with their
/// record (nothing is stored twice).
pub async fn put(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    request: Request,
) -> Result<(StatusCode, Json<BlobRecord>), ApiError> {
    let sha256 = check_sha256("sha256", &sha256)?;
    let length = declared_length(&request, PART_SIZE)?;
    if let Some((record, _)) = blob_record(&state, &sha256).await? {
        // Read and drop what was sent, a chunk at a time: an unread body stalls the connection
        // behind wrangler dev's proxy.
        let mut stream = request.into_body().into_data_stream();
        while let Some(Ok(_)) = stream.next().await {}
        return Ok((StatusCode::OK, Json(record)));
    }
    // Its own key per attempt: a concurrent upload of the same hash with the wrong bytes can
    // never overwrite a verified object.
    let key = format!("uploads/{sha256}/{}", super::credentials::random_token(&state, 12)?);
    let (body, digest) = hashing(request.into_body());
    let store = async { Ok(state.blobs.put(&key, SizedBody { body, length }).await?) };
    let actual = match streamed(store, digest, length).await {
        Ok(actual) => actual,
        Err(error) => {
            // Nothing was recorded, so a leftover object is never served; delete it all the same.
            let _ = state.blobs.delete(&key).await;
            return Err(error);
        }
    };
    if actual != sha256 {
        state.blobs.delete(&key).await?;
        return Err(mismatch(&sha256, &actual));
    }
    Ok((StatusCode::CREATED, Json(store_blob(&state, &sha256, length, &key).await?)))
}

fn mismatch(declared: &str, actual: &str) -> ApiError {
    ApiError::unprocessable(
        ErrorCode::Sha256Mismatch,
        format!(
            "the uploaded bytes hash to {actual}, not the declared {declared}; nothing was stored, upload the right file"
        ),
    )
}

fn part_count(size: u64) -> u64 {
    size.div_ceil(PART_SIZE).max(1)
}

/// `POST /api/v1/admin/blobs/{sha256}/uploads`.
pub async fn start_upload(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    ApiJson(request): ApiJson<StartUpload>,
) -> Result<(StatusCode, Json<UploadSession>), ApiError> {
    let sha256 = check_sha256("sha256", &sha256)?;
    if request.size == 0 || part_count(request.size) > MAX_PARTS {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidSize,
            format!("size must be between 1 byte and {} bytes", PART_SIZE * MAX_PARTS),
        ));
    }
    if blob_record(&state, &sha256).await?.is_some() {
        return Err(ApiError::conflict(
            ErrorCode::BlobExists,
            format!("the blob {sha256} is already stored and complete"),
        ));
    }
    let upload_id = super::credentials::random_token(&state, 16)?;
    let key = format!("uploads/{sha256}/{upload_id}");
    let store_upload_id = state.blobs.create_multipart(&key).await?;
    state
        .db
        .execute(
            "INSERT INTO uploads (upload_id, sha256, size, part_size, r2_key, r2_upload_id, started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                upload_id.as_str().into(),
                sha256.as_str().into(),
                (request.size as i64).into(),
                (PART_SIZE as i64).into(),
                key.into(),
                store_upload_id.into(),
                state.clock.now_ms().into(),
            ],
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UploadSession {
            upload_id,
            sha256,
            size: request.size,
            part_size: PART_SIZE,
            part_count: part_count(request.size) as u32,
        }),
    ))
}

struct Upload {
    size: u64,
    part_size: u64,
    key: String,
    store_upload_id: String,
}

async fn load_upload(state: &AppState, sha256: &str, upload_id: &str) -> Result<Upload, ApiError> {
    let rows = state
        .db
        .query("SELECT size, part_size, r2_key, r2_upload_id FROM uploads WHERE upload_id = ?1 AND sha256 = ?2", &[upload_id.into(), sha256.into()])
        .await?;
    let row = rows.first().ok_or_else(|| {
        ApiError::not_found(ErrorCode::UploadNotFound, format!("no upload {upload_id} in progress for {sha256}; it may have completed or been aborted"))
    })?;
    let size =
        u64::try_from(row.int("size")?).map_err(|_| ApiError::storage("negative upload size"))?;
    let part_size = u64::try_from(row.int("part_size")?)
        .map_err(|_| ApiError::storage("negative part size"))?;
    Ok(Upload {
        size,
        part_size,
        key: row.text("r2_key")?,
        store_upload_id: row.text("r2_upload_id")?,
    })
}

/// `PUT /api/v1/admin/blobs/{sha256}/uploads/{upload_id}/parts/{part_number}`. Re-sending a part
/// replaces it.
pub async fn put_part(
    State(state): State<AppState>,
    Path((sha256, upload_id, part_number)): Path<(String, String, u32)>,
    request: Request,
) -> Result<Json<PartReceived>, ApiError> {
    let sha256 = check_sha256("sha256", &sha256)?;
    let upload = load_upload(&state, &sha256, &upload_id).await?;
    let count = upload.size.div_ceil(upload.part_size).max(1);
    if part_number == 0 || u64::from(part_number) > count {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidPartNumber,
            format!("part numbers run from 1 to {count} for this upload"),
        ));
    }
    let expected = if u64::from(part_number) == count {
        upload.size - upload.part_size * (count - 1)
    } else {
        upload.part_size
    };
    let length = declared_length(&request, upload.part_size)?;
    if length != expected {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidPartSize,
            format!("part {part_number} must be exactly {expected} bytes, got {length}"),
        ));
    }
    let number = u16::try_from(part_number).map_err(|_| {
        ApiError::unprocessable(ErrorCode::InvalidPartNumber, "part number too large")
    })?;
    // Streamed to the store and hashed on the way (the client checks the part's SHA-256; the
    // whole object is verified at completion).
    let (body, digest) = hashing(request.into_body());
    let mut etag = String::new();
    let store = async {
        etag = state
            .blobs
            .upload_part(&upload.key, &upload.store_upload_id, number, SizedBody { body, length })
            .await?;
        Ok(())
    };
    let part_sha256 = streamed(store, digest, length).await?;
    state
        .db
        .execute(
            "INSERT INTO upload_parts (upload_id, part_number, etag, size) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (upload_id, part_number) DO UPDATE SET etag = excluded.etag, size = excluded.size",
            &[upload_id.as_str().into(), i64::from(part_number).into(), etag.into(), (expected as i64).into()],
        )
        .await?;
    Ok(Json(PartReceived { part_number, size: expected, sha256: part_sha256 }))
}

/// Run the store call that consumes a [`hashing`] body: the SHA-256 of what streamed through, or
/// why it failed (a body shorter than its `Content-Length` is the client's error, not storage's).
async fn streamed(
    store: impl std::future::Future<Output = Result<(), ApiError>>,
    digest: Arc<Mutex<Digest256>>,
    length: u64,
) -> Result<String, ApiError> {
    let stored = store.await;
    let (actual, seen) = finish(digest);
    match stored {
        Ok(()) => Ok(actual),
        Err(_) if seen != length => Err(ApiError::bad_request(
            ErrorCode::BodyUnreadable,
            format!("the body ended after {seen} of the {length} bytes Content-Length declared"),
        )),
        Err(error) => Err(error),
    }
}

async fn forget_upload(state: &AppState, upload_id: &str) -> Result<(), ApiError> {
    state
        .db
        .batch(vec![
            Statement {
                sql: "DELETE FROM upload_parts WHERE upload_id = ?1",
                params: vec![upload_id.into()],
            },
            Statement {
                sql: "DELETE FROM uploads WHERE upload_id = ?1",
                params: vec![upload_id.into()],
            },
        ])
        .await?;
    Ok(())
}

/// `POST /api/v1/admin/blobs/{sha256}/uploads/{upload_id}/complete`: assembles the parts, reads the
/// object back and checks its SHA-256; only then is the blob visible. A mismatch deletes it.
pub async fn complete(
    State(state): State<AppState>,
    Path((sha256, upload_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<BlobRecord>), ApiError> {
    let sha256 = check_sha256("sha256", &sha256)?;
    let upload = load_upload(&state, &sha256, &upload_id).await?;
    let count = upload.size.div_ceil(upload.part_size).max(1);
    let rows = state
        .db
        .query(
            "SELECT part_number, etag FROM upload_parts WHERE upload_id = ?1 ORDER BY part_number",
            &[upload_id.as_str().into()],
        )
        .await?;
    let mut parts = Vec::with_capacity(rows.len());
    for row in &rows {
        let number = u16::try_from(row.int("part_number")?)
            .map_err(|_| ApiError::storage("bad part number"))?;
        parts.push((number, row.text("etag")?));
    }
    let missing: Vec<String> = (1..=count)
        .filter(|n| !parts.iter().any(|(p, _)| u64::from(*p) == *n))
        .map(|n| n.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::conflict(
            ErrorCode::UploadIncomplete,
            format!("parts {} have not been uploaded yet", missing.join(", ")),
        ));
    }
    state.blobs.complete_multipart(&upload.key, &upload.store_upload_id, parts).await?;
    let read = state.blobs.get(&upload.key, None).await?.ok_or_else(|| {
        ApiError::storage("the assembled object is missing from the object store")
    })?;
    let mut hasher = Sha256::new();
    let mut seen = 0u64;
    let mut stream = read.body.into_body().into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::storage(format!("reading the assembled object failed: {e}")))?;
        seen += chunk.len() as u64;
        hasher.update(&chunk);
    }
    let actual = hex(&hasher.finalize());
    if actual != sha256 || seen != upload.size {
        state.blobs.delete(&upload.key).await?;
        forget_upload(&state, &upload_id).await?;
        return Err(mismatch(&sha256, &actual));
    }
    let record = store_blob(&state, &sha256, upload.size, &upload.key).await?;
    forget_upload(&state, &upload_id).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// `DELETE /api/v1/admin/blobs/{sha256}/uploads/{upload_id}`.
pub async fn abort(
    State(state): State<AppState>,
    Path((sha256, upload_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let sha256 = check_sha256("sha256", &sha256)?;
    let upload = load_upload(&state, &sha256, &upload_id).await?;
    state.blobs.abort_multipart(&upload.key, &upload.store_upload_id).await?;
    forget_upload(&state, &upload_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A parsed `Range` header for one object of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable range: send everything.
    Full,
    Partial(ByteRange),
    /// The range lies outside the object: 416.
    Unsatisfiable,
}

/// RFC 9110 §14.1.2: `bytes=a-b`, `bytes=a-`, `bytes=-n`. Several ranges are answered with the
/// whole object (allowed by the RFC); anything malformed is ignored the same way.
pub fn parse_range(value: &str, size: u64) -> RangeRequest {
    let Some(spec) = value.trim().strip_prefix("bytes=") else { return RangeRequest::Full };
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((start, end)) = spec.trim().split_once('-') else { return RangeRequest::Full };
    let (start, end) = (start.trim(), end.trim());
    let parsed = match (start.is_empty(), end.is_empty()) {
        (true, true) => return RangeRequest::Full,
        (true, false) => {
            let Ok(suffix) = end.parse::<u64>() else { return RangeRequest::Full };
            if suffix == 0 || size == 0 {
                return RangeRequest::Unsatisfiable;
            }
            let length = suffix.min(size);
            (size - length, size - 1)
        }
        (false, _) => {
            let Ok(first) = start.parse::<u64>() else { return RangeRequest::Full };
            let last = if end.is_empty() {
                size.saturating_sub(1)
            } else {
                let Ok(last) = end.parse::<u64>() else { return RangeRequest::Full };
                if last < first {
                    return RangeRequest::Full;
                }
                last.min(size.saturating_sub(1))
            };
            if first >= size {
                return RangeRequest::Unsatisfiable;
            }
            (first, last)
        }
    };
    RangeRequest::Partial(ByteRange { offset: parsed.0, length: parsed.1 - parsed.0 + 1 })
}

/// Serve a verified blob with `Range`, `If-Range`, `If-None-Match`, `HEAD`, a strong `ETag` (the
/// SHA-256) and the hash header.
pub async fn serve(
    state: &AppState,
    headers: &HeaderMap,
    head_only: bool,
    record: &BlobRecord,
    key: &str,
) -> Result<Response, ApiError> {
    let etag = format!("\"{}\"", record.sha256);
    let matches = |value: &HeaderValue| {
        value.to_str().is_ok_and(|v| {
            v.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t == etag || t.strip_prefix("W/") == Some(etag.as_str())
            })
        })
    };
    let mut builder = Response::builder()
        .header(header::ETAG, etag.as_str())
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CACHE_CONTROL, "private, no-transform")
        .header(osdgate_model::api::CONTENT_SHA256_HEADER, record.sha256.as_str());
    if headers.get(header::IF_NONE_MATCH).is_some_and(matches) {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .map_err(|e| ApiError::internal(e.to_string()));
    }
    let range_applies =
        headers.get(header::IF_RANGE).is_none_or(|v| v.to_str().is_ok_and(|v| v.trim() == etag));
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(value) if range_applies => parse_range(value, record.size),
        _ => RangeRequest::Full,
    };
    builder = builder.header(header::CONTENT_TYPE, "application/octet-stream");
    let (status, byte_range) = match range {
        RangeRequest::Unsatisfiable => {
            let mut error = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                ErrorCode::RangeNotSatisfiable,
                format!("the object has {} bytes", record.size),
            )
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{}", record.size)) {
                error.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(error);
        }
        RangeRequest::Full => (StatusCode::OK, None),
        RangeRequest::Partial(range) => {
            builder = builder.header(
                header::CONTENT_RANGE,
                format!(
                    "bytes {}-{}/{}",
                    range.offset,
                    range.offset + range.length - 1,
                    record.size
                ),
            );
            (StatusCode::PARTIAL_CONTENT, Some(range))
        }
    };
    let length = byte_range.map_or(record.size, |r| r.length);
    builder = builder.status(status).header(header::CONTENT_LENGTH, length);
    if head_only {
        return builder.body(Body::empty()).map_err(|e| ApiError::internal(e.to_string()));
    }
    let read = state
        .blobs
        .get(key, byte_range)
        .await?
        .ok_or_else(|| ApiError::storage("a recorded blob is missing from the object store"))?;
    match read.body {
        BlobBody::Rust(body) => builder.body(body),
        BlobBody::Runtime(runtime) => builder.extension(runtime).body(Body::empty()),
    }
    .map_err(|e| ApiError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        let r = |offset, length| RangeRequest::Partial(ByteRange { offset, length });
        assert_eq!(parse_range("bytes=0-99", 1000), r(0, 100));
        assert_eq!(parse_range("bytes=500-", 1000), r(500, 500));
        assert_eq!(parse_range("bytes=-100", 1000), r(900, 100));
        assert_eq!(parse_range("bytes=-5000", 1000), r(0, 1000));
        assert_eq!(parse_range("bytes=900-5000", 1000), r(900, 100));
        assert_eq!(parse_range("bytes=1000-", 1000), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 1000), RangeRequest::Full);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), RangeRequest::Full);
        assert_eq!(parse_range("items=0-1", 1000), RangeRequest::Full);
        assert_eq!(parse_range("bytes=x-1", 1000), RangeRequest::Full);
    }
}
