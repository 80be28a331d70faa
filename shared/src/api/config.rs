//! Publishing the configuration: versioned, with `ETag`/`If-Match` so two admins cannot overwrite
//! each other's changes silently; every version is kept and any can be rolled back to.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One published version (without its document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConfigVersion {
    /// 1, 2, 3, ... in publishing order.
    pub version: i64,
    /// The entity tag of this version, as sent in `ETag` (quoted).
    pub etag: String,
    /// Lower-case hex SHA-256 of the document with its secret values masked (as `GET` returns it):
    /// it names the version without being a test a guessed secret could be checked against.
    pub sha256: String,
    pub published_at: i64,
    pub published_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Set when this version was created by rolling back to an older one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back_from: Option<i64>,
}

/// The answer to a successful publish or rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Published {
    pub version: ConfigVersion,
    /// Preflight findings that did not block publishing (warnings and advice).
    pub findings: serde_json::Value,
}

/// `GET /api/v1/admin/config/history`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConfigHistory {
    pub versions: Vec<ConfigVersion>,
}

/// `POST /api/v1/admin/config/rollback` (with `If-Match` of the current version): publishes a copy
/// of an older version as the new current version; history is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Rollback {
    pub to_version: i64,
    #[serde(default)]
    pub comment: Option<String>,
}

/// The etag of a configuration version.
pub fn config_etag(version: i64, sha256: &str) -> String {
    let short = sha256.get(..16).unwrap_or(sha256);
    format!("\"v{version}-{short}\"")
}

/// What `GET /api/v1/admin/config` shows instead of a secret value (a device variable marked
/// secret, a hidden task sequence variable, a media password). Publishing a document that still
/// holds it keeps the secret the relay stored for that same field, so an admin can edit and
/// publish what `GET` returned without ever seeing or re-typing the secrets.
pub const KEPT_SECRET: &str = "<secret kept by the relay>";
