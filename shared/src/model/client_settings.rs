//! Client settings, Cloud services group (seed 000/002, "Prerequisites for boot media via CMG";
//! seed 001/002, "Prerequisites for bootable media").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A client settings object: the default client settings or a custom one deployed to collections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientSettings {
    /// Stable identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The default client settings apply to every device, at the lowest priority.
    #[serde(default)]
    pub default: bool,
    /// Custom settings: 1 is the highest priority. Ignored for the default settings.
    #[serde(default = "lowest_priority")]
    pub priority: u32,
    /// Collections (`collections[].id`) this custom settings object is deployed to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployed_to: Vec<String>,
    /// The Cloud services group; absent when this object does not configure it (then a lower
    /// priority object, finally the default settings, decides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_services: Option<CloudServices>,
}

fn lowest_priority() -> u32 {
    u32::MAX
}

impl ClientSettings {
    /// Whether this object applies to devices in `collection_id`.
    pub fn applies_to(&self, collection_id: &str) -> bool {
        self.default || self.deployed_to.iter().any(|id| id == collection_id)
    }
}

/// The Cloud services group of client settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudServices {
    /// "Allow access to cloud distribution point".
    #[serde(default)]
    pub allow_cloud_distribution_point: bool,
    /// "Enable clients to use a cloud management gateway".
    #[serde(default)]
    pub enable_cloud_management_gateway: bool,
}

/// The Cloud services values in force for one collection, and the settings object each came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveCloudServices<'a> {
    /// The winning settings object, `None` when no object configures Cloud services.
    pub source: Option<&'a ClientSettings>,
    /// The values in force (both off when nothing configures them).
    pub values: CloudServices,
}

/// The Cloud services settings a device in `collection_id` receives: the custom settings with the
/// highest priority (lowest number) that configure the group win over the default settings.
pub fn effective_cloud_services<'a>(
    settings: &'a [ClientSettings],
    collection_id: &str,
) -> EffectiveCloudServices<'a> {
    let winner = settings
        .iter()
        .filter(|s| s.cloud_services.is_some() && s.applies_to(collection_id))
        .min_by_key(|s| (s.default, s.priority));
    EffectiveCloudServices {
        source: winner,
        values: winner.and_then(|s| s.cloud_services).unwrap_or(CloudServices {
            allow_cloud_distribution_point: false,
            enable_cloud_management_gateway: false,
        }),
    }
}
