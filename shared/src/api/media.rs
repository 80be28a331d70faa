//! Registered boot media (seed 000, "Deploy an OS over CMG using boot media"): each medium holds a key
//! pair created in the browser; the relay keeps only the public key.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `POST /api/v1/admin/media`: register one built medium (one stick, one key) of a medium of the
/// published document. The relay takes the deployments from the document's medium and refuses
/// the registration with the media rules' findings when they have errors (issue 14, item 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterMedia {
    /// The published document's medium (`media[].id`, or its `name` when unique) this one was
    /// built from; its `deployments` are what the registered medium may run.
    pub medium: String,
    /// This medium's own ID (the bundle's `media.json` `media_id`): 1–64 characters of
    /// `A-Z a-z 0-9 - _ .`.
    pub media_id: String,
    /// The raw 32-byte ed25519 public key, standard or URL-safe base64.
    pub public_key: String,
    /// Milliseconds since the Unix epoch; in the future and not after the document medium's
    /// `expires_at`.
    pub expires_at: i64,
    /// Who created the medium (the admin's name or e-mail).
    pub created_by: String,
    /// Approve devices registered through this medium at once (they get an identity of their
    /// own, outliving the medium). Off by default: devices stay pending until an admin approves.
    #[serde(default)]
    pub auto_approve: bool,
}

/// A registered medium as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MediaRecord {
    pub media_id: String,
    /// The document's medium it was registered from; absent for media registered before
    /// registrations named one (their deployments were given directly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    /// URL-safe base64 without padding.
    pub public_key: String,
    pub expires_at: i64,
    /// The deployments it may run (the document medium's, at registration).
    pub deployments: Vec<String>,
    pub created_by: String,
    pub created_at: i64,
    pub auto_approve: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_reason: Option<String>,
}

/// `POST /api/v1/admin/devices/{device_id}/revoke`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Revoke {
    /// Why, for the record.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /api/v1/admin/media/{media_id}/revoke`. The medium's pending devices are always revoked
/// with it; what happens to its approved devices the admin must say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RevokeMedia {
    /// Why, for the record.
    #[serde(default)]
    pub reason: Option<String>,
    /// Required: `keep` the approved devices (they have identities of their own) or `revoke` them too.
    pub approved_devices: ApprovedDevices,
}

/// What revoking a medium does to the devices an admin approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovedDevices {
    Keep,
    Revoke,
}

/// One authentication attempt, as recorded (successes and refusals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AuthEvent {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub subject: String,
    /// The client's address (`CF-Connecting-IP`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// `ok` or the refusal's error code.
    pub outcome: String,
}

/// A page of authentication events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AuthEventPage {
    pub events: Vec<AuthEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
