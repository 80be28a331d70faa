//! The site: its code, the ConfigMgr version whose behaviour it matches, and how its management
//! point accepts connections.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The ConfigMgr site this document configures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Three-character site code, such as `ABC` (letters and digits).
    pub code: String,
    /// The ConfigMgr current-branch version whose behaviour the site has.
    pub version: SiteVersion,
    /// How the management point accepts client connections (management point properties).
    pub management_point_connection: ManagementPointConnection,
}

/// A ConfigMgr current-branch version, ordered by release.
///
/// Only the versions at which the seeds change behaviour are distinguished (seed 002, "Allow task
/// sequence to run on internet"): `"2002"` stands for 2002 and earlier, `"2107"` for 2107 and later.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum SiteVersion {
    /// 2002 and earlier: internet task sequences only for software and scripts in the full OS.
    #[serde(rename = "2002")]
    UpTo2002,
    /// 2006: task sequences with a boot image from Software Center over a gateway.
    #[serde(rename = "2006")]
    V2006,
    /// 2010: bootable media over a gateway, and cloud content for bootable media.
    #[serde(rename = "2010")]
    V2010,
    /// 2103: still affected by the internet-only management point issue (9760052).
    #[serde(rename = "2103")]
    V2103,
    /// 2107 and later.
    #[serde(rename = "2107")]
    From2107,
}

impl SiteVersion {
    /// The version as the seeds write it (`"2002"` means 2002 and earlier, `"2107"` 2107 and later).
    pub fn as_str(self) -> &'static str {
        match self {
            SiteVersion::UpTo2002 => "2002",
            SiteVersion::V2006 => "2006",
            SiteVersion::V2010 => "2010",
            SiteVersion::V2103 => "2103",
            SiteVersion::From2107 => "2107",
        }
    }
}

/// The management point's client connection setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ManagementPointConnection {
    /// "Allow intranet-only connections".
    IntranetOnly,
    /// "Allow internet-only connections".
    InternetOnly,
    /// "Allow intranet and internet connections".
    IntranetAndInternet,
}
