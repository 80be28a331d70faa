//! Boot images (Windows PE).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Windows PE boot image. Its content is the [`super::ContentPackage`] with the same `id` and
/// kind `boot_image`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BootImage {
    /// Package ID, such as `ABC00005` (the same as its content package).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Processor architecture.
    pub architecture: Architecture,
    /// Windows PE version, such as `10.0.22621.1`.
    pub windows_pe_version: String,
    /// Optional components added to the image, such as `WinPE-PowerShell`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optional_components: Vec<String>,
    /// SHA-1 thumbprints of root certificates embedded in the image's `AuthRoot` store (seed 002,
    /// "Add a trusted root certificate to a boot image").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_roots: Vec<String>,
}

/// Processor architecture of a boot image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    /// 64-bit x86.
    X64,
    /// 32-bit x86.
    X86,
    /// 64-bit ARM.
    Arm64,
}
