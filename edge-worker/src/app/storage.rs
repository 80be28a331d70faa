//! The storage the relay needs, as traits. The worker glue implements them over D1, R2 and the
//! runtime's clock and Web Crypto; native tests implement them with SQLite in memory (D1 *is*
//! SQLite, so the same SQL runs in both), a map of objects, a settable clock and a counter.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use osdgate_model::api::BindingStatus;

use super::ApiError;

/// Probing the bindings for `GET /api/v1/health`.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Probe every binding with a cheap call and say which answered.
    async fn probe(&self) -> Vec<BindingStatus>;
}

/// A value bound to a `?N` parameter of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Text(String),
}

impl From<i64> for SqlValue {
    fn from(value: i64) -> Self {
        SqlValue::Integer(value)
    }
}
impl From<&str> for SqlValue {
    fn from(value: &str) -> Self {
        SqlValue::Text(value.to_owned())
    }
}
impl From<String> for SqlValue {
    fn from(value: String) -> Self {
        SqlValue::Text(value)
    }
}
impl From<&String> for SqlValue {
    fn from(value: &String) -> Self {
        SqlValue::Text(value.clone())
    }
}
impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(SqlValue::Null, Into::into)
    }
}

/// One result row: column name → value (integers, text or null).
pub type Row = serde_json::Map<String, serde_json::Value>;

/// A storage failure, in words (never containing a secret).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct StorageError(pub String);

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        ApiError::storage(error.0)
    }
}

/// One statement of a [`Database::batch`].
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: &'static str,
    pub params: Vec<SqlValue>,
}

/// The relational store (D1). SQL is SQLite's dialect.
#[async_trait]
pub trait Database: Send + Sync + 'static {
    /// Run a statement and return its rows (also for `... RETURNING`).
    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StorageError>;
    /// Run a statement and return how many rows it changed.
    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StorageError>;
    /// Run statements atomically (all or nothing).
    async fn batch(&self, statements: Vec<Statement>) -> Result<(), StorageError>;
}

/// A byte range of an object: `offset` and `length` (both within the object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub offset: u64,
    pub length: u64,
}

/// An object body being read.
#[derive(Debug)]
pub struct BlobRead {
    /// The whole object's size.
    pub size: u64,
    /// The requested bytes (the range, or everything).
    pub body: BlobBody,
}

/// Where the bytes of a [`BlobRead`] flow.
#[derive(Debug)]
pub enum BlobBody {
    /// Through the relay's own code (native stores).
    Rust(Body),
    /// As the runtime's own stream (R2's `ReadableStream` in the worker).
    Runtime(RuntimeBody),
}

impl BlobBody {
    /// The bytes as a body the relay reads itself (to hash an assembled upload, say).
    pub fn into_body(self) -> Body {
        match self {
            BlobBody::Rust(body) => body,
            BlobBody::Runtime(runtime) => runtime.into_body(),
        }
    }

    /// A `200 OK` response with these bytes: the runtime's stream travels as an extension.
    pub fn into_response(self) -> axum::http::Response<Body> {
        match self {
            BlobBody::Rust(body) => axum::http::Response::new(body),
            BlobBody::Runtime(runtime) => {
                let mut response = axum::http::Response::new(Body::empty());
                response.extensions_mut().insert(runtime);
                response
            }
        }
    }
}

/// A body the runtime streams by itself. A download only carries it from the store to the
/// response (as a response extension, with an empty axum body), and the worker glue gives it to
/// the runtime's `Response` unchanged: copying every chunk into wasm and back out costs most of
/// the throughput (measured by `edge-worker/bench/run.sh`).
#[derive(Clone)]
pub struct RuntimeBody {
    handle: Arc<dyn Any + Send + Sync>,
    read: fn(&(dyn Any + Send + Sync)) -> Body,
}

impl RuntimeBody {
    /// `handle` is the runtime's stream; `read` turns it into a body the relay can read when it
    /// must look at the bytes.
    pub fn new<T: Any + Send + Sync>(
        handle: T,
        read: fn(&(dyn Any + Send + Sync)) -> Body,
    ) -> Self {
        Self { handle: Arc::new(handle), read }
    }

    /// The bytes as a body the relay reads itself.
    pub fn into_body(self) -> Body {
        (self.read)(self.handle.as_ref())
    }

    /// The runtime's stream, for the glue that builds the runtime's response.
    pub fn handle<T: Any>(&self) -> Option<&T> {
        self.handle.as_ref().downcast_ref::<T>()
    }
}

impl fmt::Debug for RuntimeBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RuntimeBody(..)")
    }
}

/// A request body on its way to the object store, streamed (never collected in the worker's
/// memory), with the length the store must receive exactly (R2 needs it before the first byte).
#[derive(Debug)]
pub struct SizedBody {
    pub body: Body,
    pub length: u64,
}

/// The object store (R2).
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Store `body` under `key`; fails when the body is not exactly `length` bytes.
    async fn put(&self, key: &str, body: SizedBody) -> Result<(), StorageError>;
    /// `None` when there is no such object.
    async fn get(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<Option<BlobRead>, StorageError>;
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// Start a multipart upload; returns the store's upload ID.
    async fn create_multipart(&self, key: &str) -> Result<String, StorageError>;
    /// Upload one part (1-based); returns the part's etag.
    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u16,
        body: SizedBody,
    ) -> Result<String, StorageError>;
    /// Assemble the parts, in order, into the object.
    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: Vec<(u16, String)>,
    ) -> Result<(), StorageError>;
    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StorageError>;
}

/// The time, passed in so logic stays pure (milliseconds since the Unix epoch).
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

/// Cryptographically secure random bytes (Web Crypto in the worker).
pub trait Entropy: Send + Sync + 'static {
    fn fill(&self, buffer: &mut [u8]) -> Result<(), StorageError>;
}

/// Where the relay writes what an admin needs and a client must not see (the worker's console,
/// read with `wrangler tail` or in the dashboard's logs).
pub trait Log: Send + Sync + 'static {
    fn error(&self, line: &str);
}
