//! Devices and device tokens (seed 000: "After the task sequence runs, the client uses token-based
//! authentication").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `POST /api/v1/devices`, sent with a media token at the end of the task sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RegisterDevice {
    /// SMBIOS UUID, e.g. `4C4C4544-0042-3510-8052-B4C04F4B4E31`.
    #[serde(default)]
    pub smbios_guid: Option<String>,
    /// MAC address, `AA:BB:CC:DD:EE:FF` (`-` also accepted).
    #[serde(default)]
    pub mac: Option<String>,
    /// The device's own ed25519 public key (32 bytes, base64), used later to renew by
    /// challenge–response.
    pub public_key: String,
}

/// The answer to a device registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceRegistered {
    pub device_id: String,
    pub token: super::IssuedToken,
}

/// A device as the admin API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceRecord {
    pub device_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smbios_guid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    pub public_key: String,
    /// The medium that registered it.
    pub media_id: String,
    pub deployments: Vec<String>,
    pub registered_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
}

/// A device token's record (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceTokenRecord {
    pub token_id: String,
    pub device_id: String,
    pub issued_at: i64,
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
}
