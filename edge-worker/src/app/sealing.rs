//! Secret values of the published configuration — device variables marked `secret`, hidden task
//! sequence variables — are kept in D1 sealed, never in clear: in every version's document (what
//! `GET` masks and rollback re-publishes) and in its view (what policy serves). Whoever reads D1
//! (a backup, a leaked export, a Cloudflare dashboard session) reads the rest of the configuration
//! but not its passwords.
//!
//! Each value is sealed on its own with XChaCha20-Poly1305 (a random 192-bit nonce per value, so
//! nonces never need counting across isolates) under a key derived from the relay's
//! `CONFIG_SEALING_KEY` secret. The associated data binds a sealed value to the version it was
//! stored for, to the part of the row (document or view) and to the field's identity path
//! (`.devices[LAPTOP-42].variables[OSDJoinPassword].value`), so a sealed value copied to another
//! field, part or version does not open. The stored form is text:
//! `osdgate-sealed:v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`; the key id (16 hex digits
//! of a digest of the secret, not of the key) tells a wrong key from a damaged value.
//!
//! Rows written before sealing (`config_versions.sealed = 0`) hold their secrets in clear; they
//! are sealed in place by [`seal_stored_versions`] (run by the hourly Cron Trigger and before every
//! publish and rollback), and read as they are until then.
//!
//! The console and the CLI never see a sealed value (`GET` masks secrets, policy opens them), so
//! this lives in the relay, not in `shared/`.

use axum::http::StatusCode;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use osdgate_model::api::ErrorCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::extract::{RowExt, decode_base64, encode_base64url};
use super::{ApiError, AppState};

/// What a sealed value starts with (format version 1).
pub const SEALED_PREFIX: &str = "osdgate-sealed:v1:";
const NONCE_LENGTH: usize = 24;
const TAG_LENGTH: usize = 16;
/// Rows sealed per [`seal_stored_versions`] query; the loop continues until none is left.
const SEAL_BATCH: i64 = 20;

/// The key that seals the configuration's secrets, derived from `CONFIG_SEALING_KEY`.
#[derive(Clone)]
pub struct SealingKey {
    key: [u8; 32],
    id: String,
}

impl std::fmt::Debug for SealingKey {
    // The id only: it names the key without revealing it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealingKey({})", self.id)
    }
}

impl SealingKey {
    /// Derive the key from the secret's text. The secret is validated as strong (at least 128
    /// bits by estimate, `settings.rs`), so one domain-separated SHA-256 is a sound derivation;
    /// the id comes from a second, separate digest so it says nothing about the key.
    pub fn from_secret(secret: &str) -> SealingKey {
        let digest = |label: &str| {
            let mut hash = Sha256::new();
            hash.update(label.as_bytes());
            hash.update([0]);
            hash.update(secret.as_bytes());
            hash.finalize()
        };
        let mut key = [0u8; 32];
        key.copy_from_slice(&digest("osdgate config sealing key v1"));
        let id = osdgate_model::hex::lower(&digest("osdgate config sealing key id v1")[..8]);
        SealingKey { key, id }
    }

    /// 16 hex digits naming the key (what sealed values carry, and what errors show).
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// Which part of a `config_versions` row a value is stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The document as published (`document`).
    Document,
    /// What the relay serves from it (`view`).
    View,
}

impl Part {
    fn as_str(self) -> &'static str {
        match self {
            Part::Document => "document",
            Part::View => "view",
        }
    }
}

fn associated_data(version: i64, part: Part, path: &str) -> Vec<u8> {
    format!("osdgate config secret v1\0{}\0{version}\0{path}", part.as_str()).into_bytes()
}

/// The refusal when stored secrets cannot be opened: the caller learns the relay is
/// misconfigured, the log gets `detail` (which key, which field, which version).
fn unopenable(detail: String) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::RelayMisconfigured,
        "the relay cannot open the secrets of its stored configuration; its administrator finds \
         the reason in the worker's log under this request ID",
    );
    error.detail = Some(detail);
    error
}

fn missing_key() -> ApiError {
    unopenable(
        "the relay has no CONFIG_SEALING_KEY, which seals the configuration's secrets in D1; set \
         it with `openssl rand -hex 32 | npx wrangler secret put CONFIG_SEALING_KEY`"
            .into(),
    )
}

/// Seal one clear value.
pub fn seal_value(
    key: &SealingKey,
    version: i64,
    part: Part,
    path: &str,
    clear: &str,
    nonce: &[u8; NONCE_LENGTH],
) -> Result<String, ApiError> {
    let cipher = XChaCha20Poly1305::new(&key.key.into());
    let aad = associated_data(version, part, path);
    let sealed = cipher
        .encrypt(XNonce::from_slice(nonce), Payload { msg: clear.as_bytes(), aad: &aad })
        .map_err(|_| ApiError::internal(format!("sealing the secret at {path} failed")))?;
    let mut bytes = Vec::with_capacity(NONCE_LENGTH + sealed.len());
    bytes.extend_from_slice(nonce);
    bytes.extend_from_slice(&sealed);
    Ok(format!("{SEALED_PREFIX}{}:{}", key.id, encode_base64url(&bytes)))
}

/// Open one sealed value; every failure names the field, the version and the fix.
pub fn open_value(
    key: &SealingKey,
    version: i64,
    part: Part,
    path: &str,
    sealed: &str,
) -> Result<String, ApiError> {
    let field =
        format!("the secret at {path} of configuration version {version} ({})", part.as_str());
    let Some(rest) = sealed.strip_prefix(SEALED_PREFIX) else {
        return Err(unopenable(format!(
            "{field} is stored in clear in a row marked sealed: the row was altered outside the \
             relay; publish the secret again"
        )));
    };
    let Some((key_id, encoded)) = rest.split_once(':') else {
        return Err(unopenable(format!("{field} is not a sealed value (no key id)")));
    };
    if key_id != key.id {
        return Err(unopenable(format!(
            "{field} was sealed with another CONFIG_SEALING_KEY (key id {key_id}; this relay's key \
             is {}): set the CONFIG_SEALING_KEY it was sealed with again \
             (`npx wrangler secret put CONFIG_SEALING_KEY`), or publish the configuration's \
             secrets anew",
            key.id
        )));
    }
    let bytes = decode_base64(encoded)
        .filter(|bytes| bytes.len() >= NONCE_LENGTH + TAG_LENGTH)
        .ok_or_else(|| unopenable(format!("{field} is not a sealed value (damaged encoding)")))?;
    let (nonce, ciphertext) = bytes.split_at(NONCE_LENGTH);
    let cipher = XChaCha20Poly1305::new(&key.key.into());
    let aad = associated_data(version, part, path);
    let clear = cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
        .map_err(|_| {
        unopenable(format!(
            "{field} does not open with CONFIG_SEALING_KEY {}: it was altered, or copied from \
                 another field or version; publish the secret again",
            key.id
        ))
    })?;
    String::from_utf8(clear)
        .map_err(|_| unopenable(format!("{field} opened to bytes that are not UTF-8")))
}

/// Seal every secret value of `json` (a document or a view) for `version`.
pub fn seal_all(
    state: &AppState,
    json: &mut Value,
    version: i64,
    part: Part,
) -> Result<(), ApiError> {
    let key = state.config.sealing_key.as_ref();
    let mut failure = None;
    super::secrets::visit(json, &mut |path, value| {
        if failure.is_some() {
            return;
        }
        let Some(clear) = value.as_str() else { return };
        let outcome = key.ok_or_else(missing_key).and_then(|key| {
            let mut nonce = [0u8; NONCE_LENGTH];
            state
                .entropy
                .fill(&mut nonce)
                .map_err(|e| ApiError::internal(format!("no randomness for a nonce: {e}")))?;
            seal_value(key, version, part, path, clear, &nonce)
        });
        match outcome {
            Ok(sealed) => *value = Value::String(sealed),
            Err(error) => failure = Some(error),
        }
    });
    failure.map_or(Ok(()), Err)
}

/// Open every secret value of `json` as stored for `version`. A row written before sealing
/// (`sealed` false) holds its secrets in clear and is left as it is.
pub fn open_all(
    state: &AppState,
    json: &mut Value,
    version: i64,
    part: Part,
    sealed: bool,
) -> Result<(), ApiError> {
    if !sealed {
        return Ok(());
    }
    let key = state.config.sealing_key.as_ref();
    let mut failure = None;
    super::secrets::visit(json, &mut |path, value| {
        if failure.is_some() {
            return;
        }
        let Some(stored) = value.as_str() else { return };
        match key
            .ok_or_else(missing_key)
            .and_then(|key| open_value(key, version, part, path, stored))
        {
            Ok(clear) => *value = Value::String(clear),
            Err(error) => failure = Some(error),
        }
    });
    failure.map_or(Ok(()), Err)
}

/// Whether a `config_versions` row holds sealed secrets (its `sealed` column).
pub fn row_sealed(row: &super::storage::Row) -> Result<bool, ApiError> {
    Ok(row.int("sealed")? != 0)
}

/// The digest a version is known by (`sha256`, part of its `ETag`): SHA-256 of the document with
/// its secrets masked, so neither the digest nor the tag is a test a guessed password could be
/// checked against, and sealing (random nonces) does not change it.
pub fn document_digest(document: &Value) -> Result<String, ApiError> {
    let mut masked = document.clone();
    super::secrets::mask(&mut masked);
    let text = serde_json::to_string(&masked).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(osdgate_model::hex::lower(&Sha256::digest(text.as_bytes())))
}

/// How many rows [`seal_stored_versions`] sealed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SealReport {
    pub config_versions: u64,
}

/// Seal the secrets of every row stored in clear (written before sealing), in place: document,
/// view and digest, and mark the row sealed. A row changed meanwhile is left for the next run.
pub async fn seal_stored_versions(state: &AppState) -> Result<SealReport, ApiError> {
    let mut report = SealReport::default();
    loop {
        let rows = state
            .db
            .query(
                "SELECT version, document, view FROM config_versions WHERE sealed = 0 \
                 ORDER BY version LIMIT ?1",
                &[SEAL_BATCH.into()],
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        let mut progressed = false;
        for row in &rows {
            let version = row.int("version")?;
            let parse = |column: &str| -> Result<Value, ApiError> {
                serde_json::from_str(&row.text(column)?).map_err(|e| {
                    ApiError::storage(format!(
                        "configuration version {version}'s stored {column} is unreadable: {e}"
                    ))
                })
            };
            let mut document = parse("document")?;
            let mut view = parse("view")?;
            let sha256 = document_digest(&document)?;
            seal_all(state, &mut document, version, Part::Document)?;
            seal_all(state, &mut view, version, Part::View)?;
            let changed = state
                .db
                .execute(
                    "UPDATE config_versions SET document = ?2, view = ?3, sha256 = ?4, sealed = 1 \
                     WHERE version = ?1 AND sealed = 0",
                    &[
                        version.into(),
                        document.to_string().into(),
                        view.to_string().into(),
                        sha256.into(),
                    ],
                )
                .await?;
            report.config_versions += changed;
            progressed |= changed > 0;
        }
        if !progressed {
            // Another isolate sealed this batch meanwhile; what is left is for the next run.
            break;
        }
    }
    if report.config_versions > 0 {
        // The digests changed: the latest-version pointer names the old one.
        state.cache.forget_latest();
    }
    Ok(report)
}
