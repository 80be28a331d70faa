//! Content: the packages a task sequence needs and where they are distributed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A content package (ConfigMgr: package, boot image, OS image, upgrade package, driver package or
/// application content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContentPackage {
    /// ConfigMgr package ID: the site code and five hex digits, such as `ABC00012`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Content version (ConfigMgr's source version), incremented on every update.
    #[serde(default = "first_version")]
    pub version: u32,
    /// What the package holds.
    pub kind: ContentKind,
    /// The files in the package.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<ContentFile>,
    /// Gateways and distribution points (their `id`) that hold this content.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distributed_to: Vec<String>,
}

fn first_version() -> u32 {
    1
}

impl ContentPackage {
    /// Total size of the files in bytes (saturating).
    pub fn total_size(&self) -> u64 {
        self.files.iter().fold(0u64, |total, file| total.saturating_add(file.size))
    }
}

/// The kinds of content ConfigMgr distributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    /// A Windows PE boot image.
    BootImage,
    /// A captured or stock Windows image (`install.wim`).
    OsImage,
    /// Full Windows setup media for in-place upgrade.
    OsUpgradePackage,
    /// A driver package.
    DriverPackage,
    /// A classic package (programs, scripts).
    Package,
    /// Application content.
    Application,
}

/// One file of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContentFile {
    /// Path inside the package, `/`-separated, relative.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the file, 64 hex digits.
    pub sha256: String,
}
