//! Content upload (admin) and content location (clients). Content is stored by SHA-256 (seed 001,
//! "Distribute the content referenced by the task sequence to the content-enabled CMG").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The state of one stored blob (`GET /api/v1/admin/blobs/{sha256}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BlobRecord {
    /// Lower-case hex SHA-256 of the whole file.
    pub sha256: String,
    pub size: u64,
    pub uploaded_at: i64,
}

/// `POST /api/v1/admin/blobs/{sha256}/uploads`: start a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StartUpload {
    /// The file's total size in bytes.
    pub size: u64,
}

/// A multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UploadSession {
    pub upload_id: String,
    pub sha256: String,
    pub size: u64,
    /// Every part but the last must have exactly this many bytes.
    pub part_size: u64,
    pub part_count: u32,
}

/// One part received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PartReceived {
    pub part_number: u32,
    pub size: u64,
    /// Lower-case hex SHA-256 of this part, so the uploader can check what arrived.
    pub sha256: String,
}

/// Where a content source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A content-enabled gateway (cloud-based source).
    Gateway,
    /// An on-premises distribution point.
    DistributionPoint,
}

/// One place a client can download a content package from, in the order to try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContentSource {
    pub kind: SourceKind,
    /// The gateway's or distribution point's ID in the configuration.
    pub id: String,
    /// The package's URL on that source, ending in `/` (for a gateway:
    /// `<public url>/api/v1/content/<content id>/`, whose files are at `<url>files/<path>`; for a
    /// distribution point: `http://<server>/SMS_DP_SMSPKG$/<content id>/`).
    pub url: String,
}

/// Below a gateway source's URL, where a package's files are: `<url>files/<path>`
/// (`GET /api/v1/content/{content_id}/files/{path}`).
pub const GATEWAY_FILES: &str = "files/";

/// `GET /api/v1/content/{content_id}/locations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContentLocations {
    pub content_id: String,
    /// The client address the decision used (`CF-Connecting-IP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_address: Option<String>,
    /// The boundary groups the client address falls in.
    pub boundary_groups: Vec<String>,
    /// Ordered: try the first, fall back to the next.
    pub sources: Vec<ContentSource>,
}
