//! The site: its code, the ConfigMgr version whose behaviour it matches, and how its management
//! point accepts connections.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

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
    /// The host name of the organisation's own ConfigMgr cloud management gateway, such as
    /// `contoso-cmg.cloudapp.net`, when it has one. After the task sequence, the ConfigMgr client
    /// that "Setup Windows and ConfigMgr" installs reaches the site through `CCMHOSTNAME` (seed
    /// 002, "Install a Windows imaging task sequence from Software Center"), and that is this
    /// gateway: osdgate's relay serves boot media, policy and content, not the ConfigMgr client
    /// protocol (`CCM_Proxy_MutualAuth`), so `CCMHOSTNAME` never names a relay (`OSDG-TS-005`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_management_gateway: Option<String>,
}

/// A ConfigMgr current-branch version, ordered by release.
///
/// Only the versions at which the seeds change behaviour are distinguished (seed 002, "Allow task
/// sequence to run on internet"): `"2002"` stands for 2002 and earlier, `"2107"` for 2107 and later.
/// Reading also accepts any release number, as text or as a number (`2111` reads as 2107 and later,
/// `1910` as 2002 and earlier): a release behaves as the latest of these versions at or before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
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
    /// The version a ConfigMgr release number (`YYMM`, such as 2010 or 2111) behaves as; `None` for
    /// numbers that are not a release (before 1511, the first current-branch release, or a month
    /// that does not exist).
    pub fn from_release(release: u32) -> Option<Self> {
        let month = release % 100;
        if !(1511..=9912).contains(&release) || !(1..=12).contains(&month) {
            return None;
        }
        Some(match release {
            ..=2005 => SiteVersion::UpTo2002,
            2006..=2009 => SiteVersion::V2006,
            2010..=2102 => SiteVersion::V2010,
            2103..=2106 => SiteVersion::V2103,
            _ => SiteVersion::From2107,
        })
    }

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

impl<'de> Deserialize<'de> for SiteVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SiteVersion;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a ConfigMgr release such as \"2010\" or 2107")
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<SiteVersion, E> {
                u32::try_from(value).ok().and_then(SiteVersion::from_release).ok_or_else(|| {
                    E::custom(format!("{value} is not a ConfigMgr release (YYMM, 1511 or later)"))
                })
            }
            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<SiteVersion, E> {
                match u64::try_from(value) {
                    Ok(value) => self.visit_u64(value),
                    Err(_) => Err(E::custom(format!("{value} is not a ConfigMgr release"))),
                }
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<SiteVersion, E> {
                match value.trim().parse::<u64>() {
                    Ok(number) => self.visit_u64(number),
                    Err(_) => Err(E::custom(format!(
                        "`{value}` is not a ConfigMgr release such as 2002, 2006, 2010, 2103 or 2107"
                    ))),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::SiteVersion;

    #[test]
    fn releases_map_to_the_version_they_behave_as() {
        assert_eq!(SiteVersion::from_release(1910), Some(SiteVersion::UpTo2002));
        assert_eq!(SiteVersion::from_release(2002), Some(SiteVersion::UpTo2002));
        assert_eq!(SiteVersion::from_release(2006), Some(SiteVersion::V2006));
        assert_eq!(SiteVersion::from_release(2010), Some(SiteVersion::V2010));
        assert_eq!(SiteVersion::from_release(2103), Some(SiteVersion::V2103));
        assert_eq!(SiteVersion::from_release(2111), Some(SiteVersion::From2107));
        assert_eq!(SiteVersion::from_release(1999), None);
        assert_eq!(SiteVersion::from_release(2013), None);
        assert!(
            SiteVersion::UpTo2002 < SiteVersion::V2006
                && SiteVersion::V2103 < SiteVersion::From2107
        );
        let parsed: SiteVersion = serde_json::from_str("2010").unwrap();
        assert_eq!(parsed, SiteVersion::V2010);
        let parsed: SiteVersion = serde_json::from_str("\"2303\"").unwrap();
        assert_eq!(parsed, SiteVersion::From2107);
        assert!(serde_json::from_str::<SiteVersion>("\"latest\"").is_err());
        assert_eq!(serde_json::to_string(&SiteVersion::From2107).unwrap(), "\"2107\"");
    }
}
