//! Devices and collections.

use std::net::IpAddr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A collection of devices (deployment and client-settings target).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    /// Collection ID, such as `ABC00017`.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A device osdgate knows (imported from ConfigMgr or added by hand).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// Stable identifier.
    pub id: String,
    /// Computer name.
    pub name: String,
    /// SMBIOS GUID (`8-4-4-4-12` hex digits), as the firmware reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smbios_guid: Option<String>,
    /// MAC addresses (`00:11:22:33:44:55` or `00-11-22-33-44-55`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mac_addresses: Vec<String>,
    /// Joined to Microsoft Entra ID.
    #[serde(default)]
    pub entra_joined: bool,
    /// Uses token-based authentication (seed 002, "Install a Windows imaging task sequence from
    /// Software Center").
    #[serde(default)]
    pub token_auth: bool,
    /// Collections (`collections[].id`) the device is a member of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<String>,
    /// The device's last known IP addresses (boundary group membership).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_addresses: Vec<IpAddr>,
    /// Device-specific task sequence variables (ConfigMgr: device variables), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<DeviceVariable>,
}

/// A device-specific task sequence variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceVariable {
    /// Variable name.
    pub name: String,
    /// Value.
    pub value: String,
    /// "Do not display this value": the relay never shows it back.
    #[serde(default)]
    pub secret: bool,
}

impl Device {
    /// Whether the device is a member of `collection_id`.
    pub fn is_member_of(&self, collection_id: &str) -> bool {
        self.collections.iter().any(|c| c == collection_id)
    }

    /// The SMBIOS GUID normalized to upper-case `8-4-4-4-12` form, `None` when absent or malformed.
    pub fn normalized_smbios_guid(&self) -> Option<String> {
        self.smbios_guid.as_deref().and_then(normalize_guid)
    }

    /// The MAC addresses normalized to upper-case `AA:BB:CC:DD:EE:FF`; malformed ones are skipped.
    pub fn normalized_macs(&self) -> Vec<String> {
        self.mac_addresses.iter().filter_map(|mac| normalize_mac(mac)).collect()
    }
}

/// `8-4-4-4-12` hex digits, optionally in braces, to upper case; `None` if malformed.
pub fn normalize_guid(text: &str) -> Option<String> {
    let inner = text.trim().trim_start_matches('{').trim_end_matches('}');
    let groups: Vec<&str> = inner.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    (groups.len() == 5
        && groups
            .iter()
            .zip(lengths)
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit())))
    .then(|| inner.to_ascii_uppercase())
}

/// Whether a normalized SMBIOS UUID is the placeholder of firmware that has none: all zeros or all
/// `F`s (SMBIOS 3.x, 7.2.1: "If the value is all FFh, the ID is not currently present in the system,
/// but it can be set. If the value is all 00h, the ID is not present in the system."). Such a value
/// is shared by every such machine and identifies none of them.
pub fn is_placeholder_guid(normalized: &str) -> bool {
    let digits = || normalized.bytes().filter(|b| *b != b'-');
    digits().all(|b| b == b'0') || digits().all(|b| b == b'F' || b == b'f')
}

/// Six hex octets separated by `:` or `-` (or 12 hex digits), to `AA:BB:CC:DD:EE:FF`.
pub fn normalize_mac(text: &str) -> Option<String> {
    let text = text.trim();
    let digits: String = if text.len() == 12 {
        text.to_owned()
    } else {
        let octets: Vec<&str> = text.split([':', '-']).collect();
        if octets.len() != 6 || octets.iter().any(|o| o.len() != 2) {
            return None;
        }
        octets.concat()
    };
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let upper = digits.to_ascii_uppercase();
    let pairs: Vec<&str> = (0..6).filter_map(|i| upper.get(i * 2..i * 2 + 2)).collect();
    Some(pairs.join(":"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_identities() {
        assert_eq!(
            normalize_guid("{4c4c4544-0042-3510-8052-b4c04f4b4e32}").as_deref(),
            Some("4C4C4544-0042-3510-8052-B4C04F4B4E32")
        );
        assert_eq!(normalize_guid("4c4c4544-0042-3510-8052"), None);
        assert!(is_placeholder_guid("00000000-0000-0000-0000-000000000000"));
        assert!(is_placeholder_guid("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"));
        assert!(!is_placeholder_guid("4C4C4544-0042-3510-8052-B4C04F4B4E32"));
        assert_eq!(normalize_mac("00-1a-2B-3c-4d-5e").as_deref(), Some("00:1A:2B:3C:4D:5E"));
        assert_eq!(normalize_mac("001a2b3c4d5e").as_deref(), Some("00:1A:2B:3C:4D:5E"));
        assert_eq!(normalize_mac("00:1a:2b:3c:4d"), None);
        assert_eq!(normalize_mac("zz:1a:2b:3c:4d:5e"), None);
    }
}
