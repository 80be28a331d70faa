//! In-memory implementations of the relay's storage traits for native tests: SQLite in memory (D1
//! is SQLite, so the migrations and every statement run unchanged), a map of objects with
//! multipart uploads, a settable clock and deterministic entropy.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use axum::http::{Request, Response, StatusCode};
use ed25519_dalek::{Signer, SigningKey};
use http_body_util::BodyExt;
use osdgate_model::api::{BindingKind, BindingStatus};
use osdgate_relay::app::sealing::SealingKey;
use osdgate_relay::app::storage::{
    BlobBody, BlobRead, ByteRange, Row, RuntimeBody, SizedBody, SqlValue, Statement, StorageError,
};
use osdgate_relay::app::{
    AppState, BlobStore, Clock, Database, Entropy, Limits, Log, RelayConfig, Storage, router,
};
use rusqlite::types::{ToSqlOutput, Value as SqliteValue, ValueRef};
use tower::ServiceExt;

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
/// The secret [`Relay`]'s configuration secrets are sealed with.
pub const CONFIG_SEALING_KEY: &str = "test-config-sealing-key-0123456789abcdef";
pub const START: i64 = 1_800_000_000_000;
/// The `CF-Connecting-IP` of [`Relay::anonymous`] requests.
pub const CLIENT_ADDRESS: &str = "203.0.113.7";

pub struct Sqlite {
    connection: Mutex<rusqlite::Connection>,
}

impl Sqlite {
    /// A fresh database with every migration of `edge-worker/migrations/` applied, in order.
    pub fn migrated() -> Sqlite {
        Self::migrated_with_rows_before("", &[])
    }

    /// A database as an older relay left it: the migrations before `migration` (a file name such
    /// as `0003_device_trust.sql`; `""` for none) applied, then `rows` stored as the older relay
    /// wrote them (`table`, then each row as a JSON object of column → value), then the remaining
    /// migrations applied, as `wrangler d1 migrations apply` would on upgrade.
    pub fn migrated_with_rows_before(
        migration: &str,
        rows: &[(&str, Vec<serde_json::Value>)],
    ) -> Sqlite {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        // From the manifest folder of whichever crate includes this module (the CLI tests do too).
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../edge-worker/migrations");
        let mut files: Vec<_> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        assert!(files.len() >= 2, "expected the relay migrations in {}", dir.display());
        let mut stored = rows.is_empty();
        for file in files {
            if !stored && file.file_name().unwrap().to_string_lossy().as_ref() >= migration {
                insert_rows(&connection, rows);
                stored = true;
            }
            connection.execute_batch(&std::fs::read_to_string(&file).unwrap()).unwrap();
        }
        if !stored {
            insert_rows(&connection, rows);
        }
        Sqlite { connection: Mutex::new(connection) }
    }

    /// Every cell of every table whose text contains `needle`, as `table.column`: what someone
    /// reading the database (a backup, an export) would find.
    pub fn cells_containing(&self, needle: &str) -> Vec<String> {
        let connection = self.connection.lock().unwrap();
        let tables: Vec<String> = connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut found = Vec::new();
        for table in tables {
            for row in run_query(&connection, &format!("SELECT * FROM \"{table}\""), &[]).unwrap() {
                for (column, value) in row {
                    if value.as_str().is_some_and(|text| text.contains(needle)) {
                        found.push(format!("{table}.{column}"));
                    }
                }
            }
        }
        found
    }
}

fn insert_rows(connection: &rusqlite::Connection, tables: &[(&str, Vec<serde_json::Value>)]) {
    for (table, rows) in tables {
        for row in rows {
            let row = row.as_object().expect("a row is a JSON object of column → value");
            let columns: Vec<&str> = row.keys().map(String::as_str).collect();
            let marks: Vec<String> = (1..=columns.len()).map(|n| format!("?{n}")).collect();
            let values: Vec<SqlValue> = row
                .values()
                .map(|value| match value {
                    serde_json::Value::Null => SqlValue::Null,
                    serde_json::Value::Number(n) => SqlValue::Integer(n.as_i64().unwrap()),
                    serde_json::Value::String(text) => SqlValue::Text(text.clone()),
                    other => panic!("{table}: a column holds {other}, not an SQL value"),
                })
                .collect();
            let params: Vec<Param> = values.iter().map(Param).collect();
            connection
                .execute(
                    &format!(
                        "INSERT INTO {table} ({}) VALUES ({})",
                        columns.join(", "),
                        marks.join(", ")
                    ),
                    rusqlite::params_from_iter(params.iter()),
                )
                .unwrap();
        }
    }
}

fn to_sql(value: &SqlValue) -> ToSqlOutput<'_> {
    match value {
        SqlValue::Null => ToSqlOutput::Owned(SqliteValue::Null),
        SqlValue::Integer(i) => ToSqlOutput::Owned(SqliteValue::Integer(*i)),
        SqlValue::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
    }
}

struct Param<'a>(&'a SqlValue);
impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(to_sql(self.0))
    }
}

fn run_query(
    connection: &rusqlite::Connection,
    sql: &str,
    params: &[SqlValue],
) -> Result<Vec<Row>, StorageError> {
    let error = |e: rusqlite::Error| StorageError(e.to_string());
    let mut statement = connection.prepare(sql).map_err(error)?;
    let names: Vec<String> = statement.column_names().iter().map(|n| n.to_string()).collect();
    let params: Vec<Param> = params.iter().map(Param).collect();
    let mut rows = statement.query(rusqlite::params_from_iter(params.iter())).map_err(error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(error)? {
        let mut map = Row::new();
        for (index, name) in names.iter().enumerate() {
            let value = match row.get_ref(index).map_err(error)? {
                ValueRef::Null => serde_json::Value::Null,
                ValueRef::Integer(i) => serde_json::Value::from(i),
                ValueRef::Real(f) => serde_json::Value::from(f),
                ValueRef::Text(t) => {
                    serde_json::Value::from(String::from_utf8_lossy(t).into_owned())
                }
                ValueRef::Blob(_) => serde_json::Value::Null,
            };
            map.insert(name.clone(), value);
        }
        out.push(map);
    }
    Ok(out)
}

#[async_trait]
impl Database for Sqlite {
    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StorageError> {
        let connection = self.connection.lock().unwrap();
        run_query(&connection, sql, params)
    }

    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StorageError> {
        let connection = self.connection.lock().unwrap();
        let params: Vec<Param> = params.iter().map(Param).collect();
        connection
            .execute(sql, rusqlite::params_from_iter(params.iter()))
            .map(|n| n as u64)
            .map_err(|e| StorageError(e.to_string()))
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<(), StorageError> {
        let mut connection = self.connection.lock().unwrap();
        let transaction = connection.transaction().map_err(|e| StorageError(e.to_string()))?;
        for statement in &statements {
            let params: Vec<Param> = statement.params.iter().map(Param).collect();
            transaction
                .execute(statement.sql, rusqlite::params_from_iter(params.iter()))
                .map_err(|e| StorageError(e.to_string()))?;
        }
        transaction.commit().map_err(|e| StorageError(e.to_string()))
    }
}

/// Read a body the way R2 takes a fixed-length stream: exactly `length` bytes, or an error.
pub async fn collect_exactly(body: SizedBody) -> Result<Bytes, StorageError> {
    let bytes = body.body.collect().await.map_err(|e| StorageError(e.to_string()))?.to_bytes();
    if bytes.len() as u64 != body.length {
        return Err(StorageError(format!(
            "expected {} bytes, the stream had {}",
            body.length,
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// A multipart upload in progress: its key and the parts received.
type PendingUpload = (String, HashMap<u16, Bytes>);

#[derive(Default)]
pub struct MemoryBlobs {
    pub objects: Mutex<HashMap<String, Bytes>>,
    /// Answer reads the way R2 in the worker does: as the runtime's own stream, which the
    /// response carries as an extension (what `Reply::read` then reads, like the glue would).
    pub runtime_bodies: AtomicBool,
    uploads: Mutex<HashMap<String, PendingUpload>>,
    counter: AtomicU64,
}

#[async_trait]
impl BlobStore for MemoryBlobs {
    async fn put(&self, key: &str, body: SizedBody) -> Result<(), StorageError> {
        let bytes = collect_exactly(body).await?;
        self.objects.lock().unwrap().insert(key.to_owned(), bytes);
        Ok(())
    }

    async fn get(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<Option<BlobRead>, StorageError> {
        let objects = self.objects.lock().unwrap();
        let Some(bytes) = objects.get(key) else { return Ok(None) };
        let size = bytes.len() as u64;
        let body = match range {
            None => bytes.clone(),
            Some(r) => bytes.slice(r.offset as usize..(r.offset + r.length) as usize),
        };
        let body = if self.runtime_bodies.load(Ordering::SeqCst) {
            BlobBody::Runtime(RuntimeBody::new(body, |handle| {
                handle.downcast_ref::<Bytes>().map_or_else(Body::empty, |b| Body::from(b.clone()))
            }))
        } else {
            BlobBody::Rust(Body::from(body))
        };
        Ok(Some(BlobRead { size, body }))
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.objects.lock().unwrap().remove(key);
        Ok(())
    }

    async fn create_multipart(&self, key: &str) -> Result<String, StorageError> {
        let id = format!("mp{}", self.counter.fetch_add(1, Ordering::SeqCst));
        self.uploads.lock().unwrap().insert(id.clone(), (key.to_owned(), HashMap::new()));
        Ok(id)
    }

    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u16,
        body: SizedBody,
    ) -> Result<String, StorageError> {
        let bytes = collect_exactly(body).await?;
        let mut uploads = self.uploads.lock().unwrap();
        let (upload_key, parts) =
            uploads.get_mut(upload_id).ok_or_else(|| StorageError("no such upload".into()))?;
        assert_eq!(upload_key, key);
        parts.insert(part_number, bytes);
        Ok(format!("etag-{upload_id}-{part_number}"))
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: Vec<(u16, String)>,
    ) -> Result<(), StorageError> {
        let (upload_key, stored) = self
            .uploads
            .lock()
            .unwrap()
            .remove(upload_id)
            .ok_or_else(|| StorageError("no such upload".into()))?;
        assert_eq!(upload_key, key);
        let mut whole = Vec::new();
        for (number, etag) in parts {
            assert_eq!(etag, format!("etag-{upload_id}-{number}"));
            whole.extend_from_slice(
                stored.get(&number).ok_or_else(|| StorageError("part missing".into()))?,
            );
        }
        self.objects.lock().unwrap().insert(key.to_owned(), Bytes::from(whole));
        Ok(())
    }

    async fn abort_multipart(&self, _key: &str, upload_id: &str) -> Result<(), StorageError> {
        self.uploads.lock().unwrap().remove(upload_id);
        Ok(())
    }
}

pub struct TestClock(pub AtomicI64);
impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct CountingEntropy(AtomicU64);
impl Entropy for CountingEntropy {
    fn fill(&self, buffer: &mut [u8]) -> Result<(), StorageError> {
        use sha2::Digest;
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        let mut block = sha2::Sha256::digest(n.to_le_bytes()).to_vec();
        while block.len() < buffer.len() {
            block.extend_from_slice(&sha2::Sha256::digest(&block));
        }
        buffer.copy_from_slice(&block[..buffer.len()]);
        Ok(())
    }
}

/// The log, kept for assertions.
#[derive(Default)]
pub struct MemoryLog(pub Mutex<Vec<String>>);
impl Log for MemoryLog {
    fn error(&self, line: &str) {
        self.0.lock().unwrap().push(line.to_owned());
    }
}
impl MemoryLog {
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

struct Probe;
#[async_trait]
impl Storage for Probe {
    async fn probe(&self) -> Vec<BindingStatus> {
        vec![BindingStatus {
            name: "DB".into(),
            kind: BindingKind::D1,
            reachable: true,
            error: None,
        }]
    }
}

/// A relay over fresh in-memory storage.
pub struct Relay {
    pub state: AppState,
    pub clock: Arc<TestClock>,
    pub db: Arc<Sqlite>,
    pub blobs: Arc<MemoryBlobs>,
    pub log: Arc<MemoryLog>,
}

impl Relay {
    pub fn new() -> Relay {
        Self::with(|_| {})
    }

    pub fn with(adjust: impl FnOnce(&mut RelayConfig)) -> Relay {
        Self::over(Sqlite::migrated(), adjust)
    }

    /// A relay over `database` (see [`Sqlite::migrated_with_rows_before`] for one an older relay
    /// wrote).
    pub fn over(database: Sqlite, adjust: impl FnOnce(&mut RelayConfig)) -> Relay {
        let clock = Arc::new(TestClock(AtomicI64::new(START)));
        let db = Arc::new(database);
        let blobs = Arc::new(MemoryBlobs::default());
        let log = Arc::new(MemoryLog::default());
        let mut config = RelayConfig {
            admin_token: Some(ADMIN_TOKEN.into()),
            token_key: Some(b"test-token-signing-key".to_vec()),
            sealing_key: Some(SealingKey::from_secret(CONFIG_SEALING_KEY)),
            console_origin: Some("https://console.example".into()),
            gateway_id: None,
            limits: Limits::default(),
            client_cache_ms: osdgate_relay::app::DEFAULT_CLIENT_CACHE_MS,
            retention: Default::default(),
        };
        adjust(&mut config);
        let state = AppState {
            build: Arc::from("test-build"),
            storage: Arc::new(Probe),
            db: db.clone(),
            blobs: blobs.clone(),
            clock: clock.clone(),
            entropy: Arc::new(CountingEntropy(AtomicU64::new(0))),
            log: log.clone(),
            config: Arc::new(config),
            cache: Arc::default(),
        };
        Relay { state, clock, db, blobs, log }
    }

    pub fn advance(&self, ms: i64) {
        self.clock.0.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn now(&self) -> i64 {
        self.clock.0.load(Ordering::SeqCst)
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = router(self.state.clone()).oneshot(request).await.unwrap();
        Reply::read(response).await
    }

    /// The one way tests build a request: `relay.call("GET", path).bearer(token).send().await`.
    pub fn call(&self, method: &str, path: &str) -> Call<'_> {
        Call {
            relay: self,
            builder: Request::builder().method(method).uri(path),
            body: Body::empty(),
        }
    }

    /// A request with the admin credential and an optional JSON body.
    pub async fn admin(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> Reply {
        self.call(method, path).admin().json_opt(body).send().await
    }

    /// A request with a client (media or device) token and an optional JSON body.
    pub async fn client(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> Reply {
        self.call(method, path).bearer(token).json_opt(body).send().await
    }

    /// A request without credentials from the test's client address, with an optional JSON body.
    pub async fn anonymous(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Reply {
        self.call(method, path).from(CLIENT_ADDRESS).json_opt(body).send().await
    }

    /// Register a medium built from the published document's medium `medium` with a
    /// deterministic key, through the admin API; returns the key.
    pub async fn register_media(&self, media_id: &str, medium: &str) -> SigningKey {
        let key = signing_key(media_id);
        let reply = self
            .admin(
                "POST",
                "/api/v1/admin/media",
                Some(serde_json::json!({
                    "medium": medium,
                    "media_id": media_id,
                    "public_key": b64(key.verifying_key().as_bytes()),
                    "expires_at": self.now() + 86_400_000,
                    "created_by": "alice@example.com",
                })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        key
    }

    /// Store a medium for `deployments` directly (for tests of the serving side on a view stored
    /// with [`seed_view`], which has no document to register from), as a registration before
    /// registrations named a document medium stored it; returns its deterministic key.
    pub fn seed_media(&self, media_id: &str, deployments: &[&str]) -> SigningKey {
        self.seed_media_with(media_id, deployments, self.now() + 86_400_000, false)
    }

    /// [`Relay::seed_media`] with an expiry and the auto-approve option.
    pub fn seed_media_with(
        &self,
        media_id: &str,
        deployments: &[&str],
        expires_at: i64,
        auto_approve: bool,
    ) -> SigningKey {
        let key = signing_key(media_id);
        let connection = self.db.connection.lock().unwrap();
        connection
            .execute(
                "INSERT INTO media (media_id, public_key, deployments, expires_at, created_by, created_at, auto_approve) VALUES (?1, ?2, ?3, ?4, 'alice@example.com', ?5, ?6)",
                rusqlite::params![
                    media_id,
                    b64url(key.verifying_key().as_bytes()),
                    serde_json::to_string(deployments).unwrap(),
                    expires_at,
                    self.now(),
                    i64::from(auto_approve)
                ],
            )
            .unwrap();
        key
    }

    /// The first row `query` selects from the relay's database, as column → JSON value.
    pub fn row(&self, query: &str) -> serde_json::Map<String, serde_json::Value> {
        let connection = self.db.connection.lock().unwrap();
        let rows = run_query(&connection, query, &[]).unwrap();
        rows.into_iter().next().unwrap_or_else(|| panic!("no row for {query}"))
    }

    /// Run one SQL statement on the relay's database (tests that shape stored state).
    pub fn sql(&self, statement: &str) {
        self.db.connection.lock().unwrap().execute_batch(statement).unwrap();
    }

    /// Challenge, sign, token (from the test's client address).
    pub async fn authenticate(&self, kind: &str, id: &str, key: &SigningKey) -> Reply {
        self.authenticate_from(CLIENT_ADDRESS, kind, id, key).await
    }

    /// Challenge, sign, token, from `address`.
    pub async fn authenticate_from(
        &self,
        address: &str,
        kind: &str,
        id: &str,
        key: &SigningKey,
    ) -> Reply {
        let challenge = self
            .call("POST", "/api/v1/auth/challenge")
            .from(address)
            .json(&serde_json::json!({"kind": kind, "id": id}))
            .send()
            .await;
        assert_eq!(challenge.status, StatusCode::OK, "{}", challenge.text());
        let message = challenge.json["message"].as_str().unwrap().to_owned();
        let nonce = challenge.json["nonce"].as_str().unwrap().to_owned();
        let signature = key.sign(message.as_bytes());
        self.call("POST", "/api/v1/auth/token")
            .from(address)
            .json(&serde_json::json!({"kind": kind, "id": id, "nonce": nonce, "signature": b64(&signature.to_bytes())}))
            .send()
            .await
    }

    /// Register a device through medium `media_id` the way the agent does: a nonce, the proof of
    /// possession signed with `key`, and the claimed `identity` (`smbios_guid` and/or `mac`).
    pub async fn register_device(
        &self,
        media_id: &str,
        media_token: &str,
        key: &SigningKey,
        identity: serde_json::Value,
    ) -> Reply {
        let nonce = self.client("POST", "/api/v1/devices/nonce", media_token, None).await;
        assert_eq!(nonce.status, StatusCode::OK, "{}", nonce.text());
        let nonce = nonce.json["nonce"].as_str().unwrap().to_owned();
        let message = osdgate_model::api::registration_message(
            media_id,
            &nonce,
            key.verifying_key().as_bytes(),
        );
        let mut body = identity;
        body["public_key"] = b64(key.verifying_key().as_bytes()).into();
        body["nonce"] = nonce.into();
        body["signature"] = b64(&key.sign(&message).to_bytes()).into();
        self.client("POST", "/api/v1/devices", media_token, Some(body)).await
    }

    /// Approve a device (as the admin).
    pub async fn approve_device(&self, device_id: &str) -> Reply {
        self.admin("POST", &format!("/api/v1/admin/devices/{device_id}/approve"), None).await
    }

    pub async fn media_token(&self, media_id: &str, key: &SigningKey) -> String {
        let reply = self.authenticate("media", media_id, key).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json["token"].as_str().unwrap().to_owned()
    }
}

/// A request being built: credentials, headers, body; [`Call::send`] runs it through the router.
pub struct Call<'r> {
    relay: &'r Relay,
    builder: axum::http::request::Builder,
    body: Body,
}

impl Call<'_> {
    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// The admin credential.
    pub fn admin(self) -> Self {
        self.bearer(ADMIN_TOKEN)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    /// The client's address as Cloudflare reports it (`CF-Connecting-IP`).
    pub fn from(self, address: &str) -> Self {
        self.header("cf-connecting-ip", address)
    }

    /// A JSON body with its `Content-Type`.
    pub fn json(self, value: &serde_json::Value) -> Self {
        self.header("content-type", "application/json").body(value.to_string())
    }

    fn json_opt(self, value: Option<serde_json::Value>) -> Self {
        match value {
            Some(value) => self.json(&value),
            None => self,
        }
    }

    /// Raw body bytes, no `Content-Type` added.
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    /// The request as built (for tests that drive the router themselves).
    pub fn build(self) -> Request<Body> {
        self.builder.body(self.body).expect("a valid test request")
    }

    pub async fn send(self) -> Reply {
        let relay = self.relay;
        relay.send(self.build()).await
    }
}

pub fn signing_key(seed: &str) -> SigningKey {
    use sha2::Digest;
    SigningKey::from_bytes(&sha2::Sha256::digest(seed.as_bytes()).into())
}

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// URL-safe base64 without padding, as the relay stores public keys.
pub fn b64url(bytes: &[u8]) -> String {
    osdgate_relay::app::extract::encode_base64url(bytes)
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub bytes: Bytes,
    pub json: serde_json::Value,
}

impl Reply {
    pub async fn read(mut response: Response<Body>) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let runtime = response.extensions_mut().remove::<RuntimeBody>();
        let mut bytes = response.into_body().collect().await.unwrap().to_bytes();
        if let Some(runtime) = runtime {
            assert!(
                bytes.is_empty(),
                "a response with the runtime's stream has no body of its own"
            );
            bytes = runtime.into_body().collect().await.unwrap().to_bytes();
        }
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Reply { status, headers, bytes, json }
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or("<no code>")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Store a published version directly (for tests of the serving side without the adapter).
pub fn seed_view(relay: &Relay, view: &osdgate_relay::app::view::RelayView) {
    let connection = relay.db.connection.lock().unwrap();
    let version: i64 = connection
        .query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM config_versions", [], |r| r.get(0))
        .unwrap();
    connection
        .execute(
            "INSERT INTO config_versions (version, document, view, sha256, published_at, published_by) VALUES (?1, '{}', ?2, ?3, ?4, 'test')",
            rusqlite::params![version, view.to_stored_json().unwrap(), format!("{version:064}"), START],
        )
        .unwrap();
}

/// A view with deployments `DEP1` (served, references `PKG1` and `PKG2`), `DEP-HIDDEN` (not
/// served); content `PKG1` on gateway `gw` (content-enabled) and `dp1`; `PKG2` only on `dp1`.
pub fn sample_view(
    files: Vec<osdgate_model::api::ContentFile>,
) -> osdgate_relay::app::view::RelayView {
    use osdgate_model::api::{PolicyVariable, SourceKind};
    use osdgate_model::locate::{AddressRange, BoundaryGroupView, Source, Topology};
    use osdgate_relay::app::view::{ContentView, DeploymentView, DeviceVariables, RelayView};
    let variable = |name: &str, value: &str| PolicyVariable {
        name: name.into(),
        value: value.into(),
        device_specific: false,
        secret: false,
    };
    RelayView {
        gateway_id: Some("gw".into()),
        deployments: vec![
            DeploymentView {
                id: "DEP1".into(),
                name: "Reimage remote workers".into(),
                not_served: None,
                scenario: osdgate_model::model::Scenario::BootMediaOverGateway,
                deployment_option: osdgate_model::model::DeploymentOption::DownloadWhenNeeded,
                pre_download: false,
                task_sequence: serde_json::json!({"name": "Win11", "steps": [{"type": "apply_os_image"}]}),
                variables: vec![variable("OSDComputerName", "PC-DEFAULT"), variable("Locale", "en-US")],
                content_ids: vec!["PKG1".into(), "PKG2".into()],
                devices: vec![DeviceVariables {
                    smbios_guid: Some("4C4C4544-0042-3510-8052-B4C04F4B4E31".into()),
                    macs: vec!["AA:BB:CC:DD:EE:01".into()],
                    variables: vec![variable("OSDComputerName", "PC-ALICE")],
                }],
            },
            DeploymentView {
                id: "DEP-HIDDEN".into(),
                name: "Intranet only".into(),
                not_served: Some("the deployment does not allow the task sequence to run for clients on the internet".into()),
                scenario: osdgate_model::model::Scenario::BootMediaOverGateway,
                deployment_option: osdgate_model::model::DeploymentOption::DownloadWhenNeeded,
                pre_download: false,
                task_sequence: serde_json::json!({}),
                variables: vec![],
                content_ids: vec!["PKG1".into()],
                devices: vec![],
            },
        ],
        content: vec![
            ContentView { id: "PKG1".into(), name: "Windows 11".into(), version: Some("1".into()), files, distributed_to: vec!["gw".into(), "dp1".into()] },
            ContentView { id: "PKG2".into(), name: "Drivers".into(), version: None, files: vec![], distributed_to: vec!["dp1".into()] },
        ],
        topology: Topology {
            sources: vec![
                Source { id: "gw".into(), kind: SourceKind::Gateway, base_url: "https://relay.example/api/v1/content/".into(), content_enabled: true },
                Source { id: "dp1".into(), kind: SourceKind::DistributionPoint, base_url: "http://dp1.corp.example/SMS_DP_SMSPKG$/".into(), content_enabled: true },
            ],
            boundary_groups: vec![BoundaryGroupView {
                id: "office".into(),
                ranges: vec![AddressRange::parse("10.1.0.0/16").unwrap()],
                sources: vec!["dp1".into(), "gw".into()],
                prefer_cloud: true,
            }],
        },
        media: vec![],
    }
}
