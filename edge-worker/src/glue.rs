//! The Cloudflare Worker entry point: binds D1, R2, the clock, Web Crypto, secrets and vars to the
//! traits of [`crate::app`] and hands every request to [`crate::app::router`]. No business logic
//! lives here: each method is one runtime call and a type conversion.

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use futures_util::StreamExt;
use osdgate_model::api::{BindingKind, BindingStatus};
use tower_service::Service;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Headers, ReadableStream, ResponseInit};
use worker::send::{SendFuture, SendWrapper};
use worker::{
    Bucket, Context, D1Database, Env, FixedLengthStream, HttpRequest, Range, ResponseBody,
    ScheduleContext, ScheduledEvent, UploadedPart, event,
};

use crate::app::cache::ClientCache;
use crate::app::retention::prune;
use crate::app::sealing::seal_stored_versions;
use crate::app::settings::misconfigured;
use crate::app::storage::{
    BlobBody, BlobRead, ByteRange, Row, RuntimeBody, SizedBody, SqlValue, Statement, StorageError,
};
use crate::app::{
    AppState, BlobStore, Clock, Database, Entropy, Log, RelayConfig, Storage, router,
};

thread_local! {
    static CLIENT_CACHE: Arc<ClientCache> = Arc::default();
}

/// The binding names, as declared in `wrangler.toml`.
const D1_BINDING: &str = "DB";
const R2_BINDING: &str = "CONTENT";
const KV_BINDING: &str = "KV";

fn storage_error(error: impl std::fmt::Display) -> StorageError {
    StorageError(error.to_string())
}

/// `SendWrapper` makes the runtime's handles usable from axum's `Send` futures: a Worker isolate
/// runs on one thread, so they never actually cross threads.
struct WorkerStorage {
    env: SendWrapper<Env>,
}

impl WorkerStorage {
    async fn probe_d1(&self) -> Result<(), String> {
        let db = self.env.d1(D1_BINDING).map_err(|e| e.to_string())?;
        db.prepare("SELECT 1").first::<serde_json::Value>(None).await.map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn probe_r2(&self) -> Result<(), String> {
        let bucket = self.env.bucket(R2_BINDING).map_err(|e| e.to_string())?;
        bucket.head("osdgate-probe").await.map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn probe_kv(&self) -> Result<(), String> {
        let kv = self.env.kv(KV_BINDING).map_err(|e| e.to_string())?;
        kv.get("osdgate-probe").text().await.map_err(|e| e.to_string())?;
        Ok(())
    }
}

fn status(name: &str, kind: BindingKind, result: Result<(), String>) -> BindingStatus {
    BindingStatus { name: name.to_owned(), kind, reachable: result.is_ok(), error: result.err() }
}

#[async_trait]
impl Storage for WorkerStorage {
    async fn probe(&self) -> Vec<BindingStatus> {
        SendFuture::new(async {
            vec![
                status(D1_BINDING, BindingKind::D1, self.probe_d1().await),
                status(R2_BINDING, BindingKind::R2, self.probe_r2().await),
                status(KV_BINDING, BindingKind::Kv, self.probe_kv().await),
            ]
        })
        .await
    }
}

struct D1 {
    db: SendWrapper<D1Database>,
}

fn js_params(params: &[SqlValue]) -> Vec<JsValue> {
    params
        .iter()
        .map(|value| match value {
            SqlValue::Null => JsValue::NULL,
            SqlValue::Integer(i) => JsValue::from_f64(*i as f64),
            SqlValue::Text(text) => JsValue::from_str(text),
        })
        .collect()
}

#[async_trait]
impl Database for D1 {
    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StorageError> {
        SendFuture::new(async {
            let statement = self.db.prepare(sql).bind(&js_params(params)).map_err(storage_error)?;
            let result = statement.all().await.map_err(storage_error)?;
            let rows: Vec<serde_json::Value> = result.results().map_err(storage_error)?;
            Ok(rows
                .into_iter()
                .filter_map(|row| match row {
                    serde_json::Value::Object(map) => Some(map),
                    _ => None,
                })
                .collect())
        })
        .await
    }

    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StorageError> {
        SendFuture::new(async {
            let statement = self.db.prepare(sql).bind(&js_params(params)).map_err(storage_error)?;
            let result = statement.run().await.map_err(storage_error)?;
            let meta = result.meta().map_err(storage_error)?;
            Ok(meta.and_then(|m| m.changes).unwrap_or(0) as u64)
        })
        .await
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<(), StorageError> {
        SendFuture::new(async {
            let mut prepared = Vec::with_capacity(statements.len());
            for statement in &statements {
                prepared.push(
                    self.db
                        .prepare(statement.sql)
                        .bind(&js_params(&statement.params))
                        .map_err(storage_error)?,
                );
            }
            self.db.batch(prepared).await.map_err(storage_error)?;
            Ok(())
        })
        .await
    }
}

struct R2 {
    bucket: SendWrapper<Bucket>,
}

/// Reads an R2 stream in Rust, for the relay code that must see the bytes.
fn read_stream(handle: &(dyn Any + Send + Sync)) -> Body {
    match handle.downcast_ref::<SendWrapper<ReadableStream>>() {
        Some(stream) => Body::new(worker::Body::new(ReadableStream::clone(stream))),
        None => Body::empty(),
    }
}

#[async_trait]
impl BlobStore for R2 {
    async fn put(&self, key: &str, body: SizedBody) -> Result<(), StorageError> {
        SendFuture::new(async {
            self.bucket.put(key, fixed_length(body)).execute().await.map_err(storage_error)?;
            Ok(())
        })
        .await
    }

    async fn get(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<Option<BlobRead>, StorageError> {
        SendFuture::new(async {
            let mut request = self.bucket.get(key);
            if let Some(range) = range {
                request = request
                    .range(Range::OffsetWithLength { offset: range.offset, length: range.length });
            }
            let Some(object) = request.execute().await.map_err(storage_error)? else {
                return Ok(None);
            };
            let size = object.size();
            let body = match object.body() {
                // R2's own stream goes to the runtime's response untouched (see `fetch`).
                Some(body) => match body.response_body().map_err(storage_error)? {
                    ResponseBody::Stream(stream) => {
                        BlobBody::Runtime(RuntimeBody::new(SendWrapper::new(stream), read_stream))
                    }
                    ResponseBody::Body(bytes) => BlobBody::Rust(Body::from(bytes)),
                    ResponseBody::Empty => BlobBody::Rust(Body::empty()),
                },
                None => BlobBody::Rust(Body::empty()),
            };
            Ok(Some(BlobRead { size, body }))
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        SendFuture::new(async { self.bucket.delete(key).await.map_err(storage_error) }).await
    }

    async fn create_multipart(&self, key: &str) -> Result<String, StorageError> {
        SendFuture::new(async {
            let upload =
                self.bucket.create_multipart_upload(key).execute().await.map_err(storage_error)?;
            Ok(upload.upload_id().await)
        })
        .await
    }

    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u16,
        body: SizedBody,
    ) -> Result<String, StorageError> {
        SendFuture::new(async {
            let upload =
                self.bucket.resume_multipart_upload(key, upload_id).map_err(storage_error)?;
            let part =
                upload.upload_part(part_number, fixed_length(body)).await.map_err(storage_error)?;
            Ok(part.etag())
        })
        .await
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: Vec<(u16, String)>,
    ) -> Result<(), StorageError> {
        SendFuture::new(async {
            let upload =
                self.bucket.resume_multipart_upload(key, upload_id).map_err(storage_error)?;
            upload
                .complete(parts.into_iter().map(|(number, etag)| UploadedPart::new(number, etag)))
                .await
                .map_err(storage_error)?;
            Ok(())
        })
        .await
    }

    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        SendFuture::new(async {
            let upload =
                self.bucket.resume_multipart_upload(key, upload_id).map_err(storage_error)?;
            upload.abort().await.map_err(storage_error)
        })
        .await
    }
}

/// A request body as R2's fixed-length stream: chunk by chunk, never collected in wasm memory.
fn fixed_length(body: SizedBody) -> FixedLengthStream {
    let chunks = body.body.into_data_stream().map(|chunk| {
        chunk
            .map(|bytes| bytes.to_vec())
            .map_err(|error| worker::Error::RustError(error.to_string()))
    });
    FixedLengthStream::wrap(chunks, body.length)
}

struct RuntimeClock;

impl Clock for RuntimeClock {
    fn now_ms(&self) -> i64 {
        worker::Date::now().as_millis() as i64
    }
}

/// Web Crypto's `crypto.getRandomValues`.
struct WebCrypto;

impl Entropy for WebCrypto {
    fn fill(&self, buffer: &mut [u8]) -> Result<(), StorageError> {
        let crypto = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
            .map_err(|_| StorageError("Web Crypto is not available".into()))?
            .unchecked_into::<web_sys::Crypto>();
        crypto
            .get_random_values_with_u8_array(buffer)
            .map_err(|_| StorageError("crypto.getRandomValues failed".into()))?;
        Ok(())
    }
}

/// The worker's console (`wrangler tail`, the dashboard's logs).
struct ConsoleLog;

impl Log for ConsoleLog {
    fn error(&self, line: &str) {
        worker::console_error!("{line}");
    }
}

/// A secret or a variable by name (`wrangler secret put`, `[vars]`, or the local env file).
fn setting(env: &Env, name: &str) -> Option<String> {
    env.secret(name).ok().or_else(|| env.var(name).ok()).map(|value| value.to_string())
}

fn state(env: Env, config: RelayConfig) -> worker::Result<AppState> {
    let db = env.d1(D1_BINDING)?;
    let bucket = env.bucket(R2_BINDING)?;
    Ok(AppState {
        build: Arc::from(crate::app::build_id()),
        db: Arc::new(D1 { db: SendWrapper::new(db) }),
        blobs: Arc::new(R2 { bucket: SendWrapper::new(bucket) }),
        clock: Arc::new(RuntimeClock),
        entropy: Arc::new(WebCrypto),
        log: Arc::new(ConsoleLog),
        config: Arc::new(config),
        // One cache per isolate: the runtime reuses the isolate (and this static) across requests.
        cache: CLIENT_CACHE.with(Arc::clone),
        storage: Arc::new(WorkerStorage { env: SendWrapper::new(env) }),
    })
}

#[event(fetch)]
async fn fetch(request: HttpRequest, env: Env, _ctx: Context) -> worker::Result<web_sys::Response> {
    console_error_panic_hook::set_once();
    let mut service = match RelayConfig::from_env(|name| setting(&env, name)) {
        Ok(config) => router(state(env, config)?),
        Err(problems) => misconfigured(problems, Arc::new(ConsoleLog)),
    };
    let mut response = service.call(request).await?;
    let stream = response.extensions_mut().remove::<RuntimeBody>().and_then(|body| {
        body.handle::<SendWrapper<ReadableStream>>().map(|s| ReadableStream::clone(s))
    });
    match stream {
        // A download: the runtime streams R2's bytes itself, they never enter wasm.
        Some(stream) => {
            let headers = Headers::new()?;
            for (name, value) in response.headers() {
                headers.append(name.as_str(), value.to_str().map_err(header_error)?)?;
            }
            let init = ResponseInit::new();
            init.set_status(response.status().as_u16());
            init.set_headers(&headers);
            Ok(web_sys::Response::new_with_opt_readable_stream_and_init(Some(&stream), &init)?)
        }
        None => worker::IntoResponse::into_raw(response)
            .map_err(|error| worker::Error::RustError(error.into().to_string())),
    }
}

/// The Cron Trigger of `wrangler.toml`: retention (see [`crate::app::retention`]), and sealing
/// the secrets of configuration versions stored in clear before sealing ([`crate::app::sealing`]).
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let config = match RelayConfig::from_env(|name| setting(&env, name)) {
        Ok(config) => config,
        Err(problems) => {
            for problem in &problems {
                ConsoleLog.error(&format!(
                    "retention skipped, the relay's settings are invalid: {problem}"
                ));
            }
            return;
        }
    };
    let state = match state(env, config) {
        Ok(state) => state,
        Err(error) => {
            ConsoleLog.error(&format!("retention failed: {error}"));
            return;
        }
    };
    let detail = |error: crate::app::ApiError| error.detail.unwrap_or(error.message);
    match prune(&state).await.map_err(detail) {
        Ok(report) => worker::console_log!(
            "retention: pruned {}",
            serde_json::to_string(&report).unwrap_or_default()
        ),
        Err(error) => ConsoleLog.error(&format!("retention failed: {error}")),
    }
    match seal_stored_versions(&state).await.map_err(detail) {
        Ok(report) => worker::console_log!(
            "sealing: sealed {}",
            serde_json::to_string(&report).unwrap_or_default()
        ),
        Err(error) => ConsoleLog.error(&format!("sealing stored secrets failed: {error}")),
    }
}

fn header_error(error: impl std::fmt::Display) -> worker::Error {
    worker::Error::RustError(error.to_string())
}
