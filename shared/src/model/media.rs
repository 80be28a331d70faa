//! Task sequence media (bootable media: USB or ISO).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Timestamp;

/// Bootable media, as the Create Task Sequence Media wizard makes them (osdgate builds bootable
/// media only: boot image plus a pointer to the deployment, seed 001).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Media {
    /// Stable identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// USB flash drive or ISO (CD/DVD set).
    pub format: MediaFormat,
    /// Media Management page: site-based (seed 000: internet-based) or dynamic.
    pub management: MediaManagement,
    /// Security page: the media password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("writeOnly" = true))]
    pub password: Option<String>,
    /// Security page: the media stop working after this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// Boot Image page: the boot image (`boot_images[].id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_image_id: Option<String>,
    /// Boot Image page, "Management point": where the media fetch policy, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub management_points: Vec<ManagementPoint>,
    /// Security page: the certificate the media use to talk to the site.
    pub certificate: MediaCertificate,
    /// SHA-1 thumbprints of additional roots for the media to import at boot (they count for
    /// Windows PE only once [`MEDIA_IMPORT_TRUSTED_ROOTS_AT_BOOT`] is on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_roots: Vec<String>,
    /// Customization page: a prestart command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prestart_command: Option<PrestartCommand>,
}

/// Where the media are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaFormat {
    /// A USB flash drive image.
    Usb,
    /// An ISO image (CD/DVD set).
    Iso,
}

/// Media Management page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaManagement {
    /// "Site-based media": the media talk to the management points listed on them.
    SiteBased,
    /// "Dynamic media": the media ask any management point for the one to use.
    Dynamic,
    /// "Internet-based media": the name technical preview 2003 used (seed 000 and its German and
    /// Dutch translations) for the option seed 002 calls "Site-based media". Accepted as the same
    /// option (`OSDG-MEDIA-008` notes the name).
    InternetBased,
}

impl MediaManagement {
    /// Whether the media are site-based, under either of the option's names.
    pub fn is_site_based(self) -> bool {
        matches!(self, MediaManagement::SiteBased | MediaManagement::InternetBased)
    }
}

/// Whether osdgate media import the roots they list ([`Media::trusted_roots`]) into Windows PE's
/// certificate store when they boot. Not yet: no media launcher imports them, so a root counts as
/// "in the boot image" (`OSDG-CERT-002`, seed 002 "Add a trusted root certificate to a boot
/// image") only when the boot image itself embeds it. The media launcher switches this on when it
/// imports the listed roots at boot.
pub const MEDIA_IMPORT_TRUSTED_ROOTS_AT_BOOT: bool = false;

/// A management point the media contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ManagementPoint {
    /// A gateway (`gateways[].id`).
    Gateway(String),
    /// An on-premises management point by FQDN.
    Intranet(String),
}

/// The media certificate (Security page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum MediaCertificate {
    /// A self-signed media certificate that the site creates.
    SelfSigned,
    /// A PKI certificate imported from a PFX.
    Pki {
        /// The certificate's signature hash algorithm.
        hash_algorithm: HashAlgorithm,
        /// The key storage provider.
        key_provider: KeyProvider,
        /// The certificate's SHA-1 thumbprint, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thumbprint: Option<String>,
    },
}

/// Signature hash algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HashAlgorithm {
    /// SHA-1.
    Sha1,
    /// SHA-256 (recommended, seed 002).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The name people know.
    pub fn display_name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "SHA-1",
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Sha384 => "SHA-384",
            HashAlgorithm::Sha512 => "SHA-512",
        }
    }
}

/// Key storage providers of a PKI media certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyProvider {
    /// "Microsoft Enhanced RSA and AES Cryptographic Provider" (recommended, seed 002).
    MicrosoftEnhancedRsaAndAes,
    /// A v3 (CNG) key storage provider (accepted, seed 002).
    Cng,
    /// "Microsoft Strong Cryptographic Provider".
    MicrosoftStrongCryptographic,
    /// "Microsoft Enhanced Cryptographic Provider v1.0".
    MicrosoftEnhancedCryptographic,
    /// "Microsoft Base Cryptographic Provider v1.0".
    MicrosoftBaseCryptographic,
}

impl KeyProvider {
    /// The provider's name as Windows shows it.
    pub fn display_name(self) -> &'static str {
        match self {
            KeyProvider::MicrosoftEnhancedRsaAndAes => {
                "Microsoft Enhanced RSA and AES Cryptographic Provider"
            }
            KeyProvider::Cng => "a v3 (CNG) key storage provider",
            KeyProvider::MicrosoftStrongCryptographic => "Microsoft Strong Cryptographic Provider",
            KeyProvider::MicrosoftEnhancedCryptographic => {
                "Microsoft Enhanced Cryptographic Provider v1.0"
            }
            KeyProvider::MicrosoftBaseCryptographic => "Microsoft Base Cryptographic Provider v1.0",
        }
    }
}

/// A command that runs before the task sequence wizard (Customization page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrestartCommand {
    /// The command line.
    pub command_line: String,
    /// A package whose files the command needs (`content[].id`), included on the media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_id: Option<String>,
}
