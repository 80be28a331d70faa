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
    /// A nonce from `POST /api/v1/devices/nonce` (same medium), single use.
    #[serde(default)]
    pub nonce: Option<String>,
    /// Proof of possession: the ed25519 signature (64 bytes, base64) by `public_key`'s private key
    /// of [`registration_message`] over the medium, the nonce and the key. Without it the relay
    /// registers nothing and issues nothing.
    #[serde(default)]
    pub signature: Option<String>,
}

/// `POST /api/v1/devices/nonce` (media token): a single-use nonce for one registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RegistrationNonce {
    /// Random, URL-safe base64; usable once, until `expires_at`.
    pub nonce: String,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
}

/// The domain separator of [`registration_message`]; a signature over anything else (a challenge
/// answer, another protocol's message) never verifies as a registration.
pub const REGISTRATION_DOMAIN: &[u8] = b"osdgate-device-registration-v1\0";

/// The exact bytes a device signs with the key it registers: the domain separator, then the media
/// ID and the nonce, each as a 2-byte big-endian length and its UTF-8 bytes, then the raw 32-byte
/// public key. Lengths make the encoding unambiguous (no field can run into the next); the medium
/// and the nonce bind the proof to one registration through one medium.
pub fn registration_message(media_id: &str, nonce: &str, public_key: &[u8; 32]) -> Vec<u8> {
    let mut message = Vec::with_capacity(
        REGISTRATION_DOMAIN.len() + 4 + media_id.len() + nonce.len() + public_key.len(),
    );
    message.extend_from_slice(REGISTRATION_DOMAIN);
    for field in [media_id, nonce] {
        // IDs and nonces are short (the relay bounds them); saturate rather than wrap, so an
        // oversized field can never alias a shorter one.
        let length = u16::try_from(field.len()).unwrap_or(u16::MAX);
        message.extend_from_slice(&length.to_be_bytes());
        message.extend_from_slice(field.as_bytes());
    }
    message.extend_from_slice(public_key);
    message
}

/// Where a device stands (ConfigMgr's client approval): registered through a medium it is
/// `pending` and lives only while that medium is valid; an admin `approved` it and it has an
/// identity of its own; `revoked` ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    Pending,
    Approved,
    Revoked,
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
    pub state: DeviceState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<i64>,
    /// The admin who approved it, or `auto:<media ID>` for a medium that approves automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_message_is_domain_separated_and_unambiguous() {
        let key = [7u8; 32];
        let message = registration_message("M1", "n1", &key);
        assert!(message.starts_with(REGISTRATION_DOMAIN));
        assert_eq!(&message[REGISTRATION_DOMAIN.len()..][..4], &[0, 2, b'M', b'1']);
        assert!(message.ends_with(&key));
        // Moving a character from one field to the next changes the bytes.
        assert_ne!(registration_message("M1n", "1", &key), message);
        assert_ne!(registration_message("M2", "n1", &key), message);
        assert_ne!(registration_message("M1", "n1", &[8u8; 32]), message);
        assert!(!message.starts_with(b"osdgate-auth-v1"), "never a challenge answer");
    }
}
