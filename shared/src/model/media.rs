//! Task sequence media (bootable media: USB or ISO).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Deployment, Document, Scenario, Timestamp};

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
    /// Deployment Selection: the deployments (`deployments[].id`) this medium runs. A medium
    /// registered at the relay is limited to them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<String>,
    /// Security page: whether the medium asks for a password at boot. The password itself is
    /// never part of the document: it is given when the medium is built (the console asks for it,
    /// `osdgate media` reads `--password-file` or prompts) and only seals the medium's key.
    #[serde(default)]
    pub protection: MediaProtection,
    /// A `password` the document still carries from before osdgate kept passwords out of
    /// documents. Never read, never written back: its presence alone is reported
    /// (`OSDG-MEDIA-009`) so the document is refused until the field is removed.
    #[serde(default, rename = "password", skip_serializing)]
    #[schemars(skip)]
    pub legacy_password: Option<LegacyPassword>,
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

impl Media {
    /// Why this medium cannot run `deployment`: the one copy of the rule that preflight reports
    /// (`OSDG-MEDIA-011`) and the relay obeys when it serves a medium. Empty when it can. (A
    /// deployment not made available to media is the deployment's own refusal,
    /// [`Deployment::gateway_refusals`].)
    pub fn deployment_refusals(
        &self,
        document: &Document,
        deployment: &Deployment,
    ) -> Vec<MediaDeploymentRefusal> {
        let mut refusals = Vec::new();
        if !deployment.scenario.from_media() {
            refusals.push(MediaDeploymentRefusal::NotFromMedia(deployment.scenario));
        }
        let sequence_image = document
            .task_sequence(&deployment.task_sequence_id)
            .and_then(|sequence| sequence.boot_image_id.as_deref());
        if let Some(sequence_image) = sequence_image
            && self.boot_image_id.as_deref() != Some(sequence_image)
        {
            refusals.push(MediaDeploymentRefusal::OtherBootImage {
                task_sequence: sequence_image.to_owned(),
            });
        }
        refusals
    }
}

/// Why a medium cannot run a deployment (see [`Media::deployment_refusals`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MediaDeploymentRefusal {
    /// A scenario of installed ConfigMgr clients (in-place upgrade, Software Center): nothing
    /// starts it from media.
    NotFromMedia(Scenario),
    /// The task sequence needs another boot image than the one on the medium.
    OtherBootImage {
        /// The task sequence's boot image.
        task_sequence: String,
    },
}

impl std::fmt::Display for MediaDeploymentRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaDeploymentRefusal::NotFromMedia(scenario) => write!(
                f,
                "scenario {} runs on installed ConfigMgr clients, not from boot media",
                scenario.as_str()
            ),
            MediaDeploymentRefusal::OtherBootImage { task_sequence } => write!(
                f,
                "its task sequence uses boot image {task_sequence}, which the medium does not carry"
            ),
        }
    }
}

/// Security page: how the medium protects its key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaProtection {
    /// "Protect media with a password": the medium asks for a password at boot. The password is
    /// set when the medium is built and must be strong (the `OSDG-MEDIA-003` rule's strength).
    #[default]
    Password,
    /// No password: the medium starts unattended (the seeds' wizard offers this too). WEAKER:
    /// anyone holding the medium can start its deployments until it expires or is revoked.
    Unattended,
}

/// The value of a `password` field in an old document: dropped unread when the document is
/// parsed, so it reaches no plan, no relay, no log and no history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegacyPassword;

impl<'de> Deserialize<'de> for LegacyPassword {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer)?;
        Ok(LegacyPassword)
    }
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
