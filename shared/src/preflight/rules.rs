//! The rule catalog: every rule's stable ID, severity, fix and seed section.
//!
//! IDs never change meaning once published; retired rules keep their ID reserved.
//! `docs/preflight.md` lists the same table (a test keeps them in step).

use super::{Finding, SeedReference, Severity};

/// A seed file and heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedSection {
    /// Seed file name.
    pub file: &'static str,
    /// Heading.
    pub section: &'static str,
}

impl SeedSection {
    pub(crate) fn to_reference(self) -> SeedReference {
        SeedReference { file: self.file.to_owned(), section: self.section.to_owned() }
    }
}

/// A preflight rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable ID.
    pub id: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// One line: what the rule checks.
    pub title: &'static str,
    /// The usual fix.
    pub fix: &'static str,
    /// Where it comes from (`None` for document consistency rules).
    pub seed: Option<SeedSection>,
}

impl Rule {
    /// A finding of this rule at `path` (a JSON path in a document, or a field of the checked
    /// object such as a certificate's `tbsCertificate.validity.notAfter`), with the rule's fix.
    pub fn finding(&self, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            rule: self.id.to_owned(),
            severity: self.severity,
            path: path.into(),
            message: message.into(),
            fix: self.fix.to_owned(),
            seed: self.seed.map(|s| s.to_reference()),
        }
    }
}

const SEED_000: &str = "000_b74f06583ad595a0.txt";
const SEED_001: &str = "001_7f4907bf244f571d.txt";
const SEED_002: &str = "002_d27a6ceb6a6f25eb.txt";

const S000_PREREQUISITES: SeedSection = SeedSection {
    file: SEED_000,
    section: "Deploy an OS over CMG using boot media > Prerequisites for boot media via CMG",
};
pub(super) const S000_INTRO: SeedSection =
    SeedSection { file: SEED_000, section: "Deploy an OS over CMG using boot media" };
const S000_TRY_IT_OUT: SeedSection =
    SeedSection { file: SEED_000, section: "Deploy an OS over CMG using boot media > Try it out!" };
const S001_DEPLOYMENT_SETTINGS: SeedSection =
    SeedSection { file: SEED_001, section: "Configure deployment settings" };
pub(super) const S001_CLOUD_CONTENT_INTRO: SeedSection =
    SeedSection { file: SEED_001, section: "Support for cloud-based content" };
/// The warning about high-risk deployments stands under the article's title, before any section.
const S002_HIGH_RISK: SeedSection =
    SeedSection { file: SEED_002, section: "Deploy a task sequence over the internet" };
const S002_ALLOW_INTERNET: SeedSection =
    SeedSection { file: SEED_002, section: "Allow task sequence to run on internet" };
const S002_SOFTWARE_CENTER: SeedSection = SeedSection {
    file: SEED_002,
    section: "Allow task sequence to run on internet > Install a Windows imaging task sequence from Software Center",
};
pub(super) const S002_MEDIA_VERSIONS: SeedSection = SeedSection {
    file: SEED_002,
    section: "Allow task sequence to run on internet > Use bootable media to install a Windows imaging task sequence",
};
const S002_IN_PLACE_UPGRADE: SeedSection =
    SeedSection { file: SEED_002, section: "Deploy Windows in-place upgrade via CMG" };
pub(super) const S002_CLOUD_CONTENT_INTRO: SeedSection =
    SeedSection { file: SEED_002, section: "Bootable media support for cloud-based content" };
const S002_CLOUD_CONTENT: SeedSection = SeedSection {
    file: SEED_002,
    section: "Bootable media support for cloud-based content > Prerequisites for bootable media",
};
const S002_BOOT_MEDIA: SeedSection = SeedSection {
    file: SEED_002,
    section: "Deploy an OS over CMG using bootable media > Prerequisites for boot media via CMG",
};
const S002_CREATE_MEDIA: SeedSection = SeedSection {
    file: SEED_002,
    section: "Deploy an OS over CMG using bootable media > Create boot media to use a CMG",
};
const S002_TRUSTED_ROOT: SeedSection = SeedSection {
    file: SEED_002,
    section: "Deploy an OS over CMG using bootable media > Add a trusted root certificate to a boot image",
};

macro_rules! rules {
    ($( $(#[$meta:meta])* $name:ident = $id:literal, $severity:ident, $seed:expr, $title:literal, $fix:literal; )*) => {
        $(
            $(#[$meta])*
            pub const $name: Rule = Rule {
                id: $id,
                severity: Severity::$severity,
                title: $title,
                fix: $fix,
                seed: $seed,
            };
        )*
        /// Every rule, in ID order.
        pub static RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    DUPLICATE_ID = "OSDG-DOC-001", Error, None,
        "IDs are unique within their kind (gateways and distribution points share one namespace)",
        "Give each object its own ID.";
    UNKNOWN_REFERENCE = "OSDG-DOC-002", Error, None,
        "Every reference names an object that exists in the document",
        "Add the missing object or correct the ID.";
    SITE_CODE = "OSDG-SITE-001", Error, None,
        "The site code is three letters or digits",
        "Set site.code to the three-character site code, such as ABC.";
    /// Seed 002: "In version 2002 and earlier, operations that require a boot media aren't
    /// supported"; no seed names a version before 2006 for the scenario.
    MEDIA_VERSION = "OSDG-VERSION-001", Error, Some(S002_MEDIA_VERSIONS),
        "Bootable media over a gateway need version 2006 or later",
        "Update the site to version 2006 or later, or deploy from Software Center instead.";
    SOFTWARE_CENTER_VERSION = "OSDG-VERSION-002", Error, Some(S002_SOFTWARE_CENTER),
        "A task sequence with a boot image started from Software Center over a gateway needs version 2006 or later",
        "Set site.version to 2006 or later, or remove the boot image from the task sequence.";
    LEGACY_INTERNET_SEQUENCE = "OSDG-VERSION-003", Error, Some(S002_MEDIA_VERSIONS),
        "In version 2002 and earlier, internet task sequences only install software or run scripts in the full OS",
        "Update the site to 2006 or later, or limit the task sequence to software and script steps without a boot image.";
    /// Seed 001: "Starting in version 2006, bootable media can download cloud-based content."
    CLOUD_CONTENT_VERSION = "OSDG-VERSION-004", Error, Some(S001_CLOUD_CONTENT_INTRO),
        "Cloud content for bootable media and PXE needs version 2006 or later",
        "Update the site to version 2006 or later.";
    /// The later document stands: seed 002 (2021) says 2010 where seed 001 (2020) says 2006.
    CLOUD_CONTENT_VERSION_2006 = "OSDG-VERSION-005", Warning, Some(S002_CLOUD_CONTENT_INTRO),
        "Cloud content for bootable media at version 2006 rests on the earlier seed only (001 says 2006, the later 002 says 2010)",
        "Update the site to version 2010 or later.";
    /// The later document stands: seed 002 (2021) says 2010 where seed 000 (2020) says 2006.
    MEDIA_VERSION_2006 = "OSDG-VERSION-006", Warning, Some(S002_MEDIA_VERSIONS),
        "Bootable media over a gateway at version 2006 rest on the earlier seed only (000 says 2006, the later 002 says 2010)",
        "Update the site to version 2010 or later.";
    INTERNET_ONLY_MANAGEMENT_POINT = "OSDG-MP-001", Error, Some(S002_BOOT_MEDIA),
        "In versions 2010 and 2103, boot media over a gateway fail when the management point allows internet-only connections",
        "Set site.management_point_connection to intranet_and_internet (\"Allow intranet and internet connections\").";
    GATEWAY_URL = "OSDG-GATEWAY-001", Error, None,
        "A gateway's public URL is an https:// URL with a host name",
        "Set public_url to the gateway's https:// address, such as https://relay.example.com.";
    NO_CONTENT_GATEWAY = "OSDG-GATEWAY-002", Error, Some(S002_IN_PLACE_UPGRADE),
        "A scenario that takes content from a gateway needs a content-enabled gateway",
        "Set content_enabled = true on the gateway (\"Allow CMG to function as a cloud distribution point and serve content from Azure storage\").";
    CONTENT_NOT_ON_GATEWAY = "OSDG-CONTENT-001", Error, Some(S002_BOOT_MEDIA),
        "All content the task sequence references (boot image and OS image included) is distributed to a content-enabled gateway",
        "Add a content-enabled gateway's ID to the package's distributed_to.";
    CONTENT_ON_DISABLED_GATEWAY = "OSDG-CONTENT-002", Error, Some(S002_IN_PLACE_UPGRADE),
        "Content distributed to a gateway is only served when that gateway is content-enabled",
        "Set content_enabled = true on the gateway (\"Allow CMG to function as a cloud distribution point and serve content from Azure storage\"), or distribute the content to a content-enabled gateway.";
    CONTENT_MISSING = "OSDG-CONTENT-003", Error, Some(S002_BOOT_MEDIA),
        "Every package the task sequence references is in the document's content list",
        "Add the package to content (with its files and where it is distributed), or fix the reference in the task sequence.";
    PACKAGE_ID_FORMAT = "OSDG-CONTENT-004", Error, None,
        "A package ID is three letters or digits followed by five hex digits, such as ABC00012",
        "Use the ConfigMgr package ID.";
    FILE_HASH_FORMAT = "OSDG-CONTENT-005", Error, None,
        "A content file has a relative path and a SHA-256 of 64 hex digits",
        "Recompute the file list (path relative to the package, sha256 as 64 hex digits).";
    PACKAGE_WITHOUT_FILES = "OSDG-CONTENT-006", Warning, None,
        "A package the task sequence needs lists its files, so the gateway can serve and verify them",
        "Add the package's files (path, size, sha256).";
    /// Relay state, not the document: checked by the relay at publish and by `osdgate check
    /// --relay`, never by `check` alone (see `preflight::check_uploaded`).
    CONTENT_NOT_UPLOADED = "OSDG-CONTENT-007", Warning, Some(S002_BOOT_MEDIA),
        "Content distributed to the relay's gateway has been uploaded to the relay",
        "Upload each file the finding names to the relay (PUT /api/v1/admin/blobs/<sha256>).";
    CLOUD_DP_SETTING = "OSDG-CLIENT-001", Error, Some(S002_BOOT_MEDIA),
        "Client setting \"Allow access to cloud distribution point\" is in force for the target collection",
        "Enable cloud_services.allow_cloud_distribution_point in client settings deployed to the target collection.";
    CMG_SETTING = "OSDG-CLIENT-002", Error, Some(S002_BOOT_MEDIA),
        "Client setting \"Enable clients to use a cloud management gateway\" is in force for the target collection (boot media)",
        "Enable cloud_services.enable_cloud_management_gateway in client settings deployed to the target collection.";
    CMG_SETTING_CLIENTS = "OSDG-CLIENT-003", Warning, Some(S002_ALLOW_INTERNET),
        "Internet-based clients that run a task sequence over a gateway have \"Enable clients to use a cloud management gateway\"",
        "Enable cloud_services.enable_cloud_management_gateway in client settings deployed to the target collection.";
    NO_CLOUD_BOUNDARY_GROUP = "OSDG-BOUNDARY-001", Error, Some(S002_CLOUD_CONTENT),
        "For cloud content, a boundary group is associated with the content-enabled gateway",
        "Add the content-enabled gateway's ID to the gateways of the boundary group the clients are in.";
    NOT_PREFERRING_CLOUD = "OSDG-BOUNDARY-002", Error, Some(S002_CLOUD_CONTENT),
        "For cloud content, the boundary group with the content-enabled gateway prefers cloud sources",
        "Set prefer_cloud_sources = true (\"Prefer cloud based sources over on-premises sources\").";
    DEVICE_OUTSIDE_CLOUD_BOUNDARY = "OSDG-BOUNDARY-003", Warning, Some(S002_CLOUD_CONTENT),
        "Each target device with a known address is in a boundary group that has the content-enabled gateway and prefers cloud sources",
        "Add a boundary that contains the device's address to that boundary group.";
    BAD_RANGE = "OSDG-BOUNDARY-004", Error, None,
        "An address range starts before it ends and both ends are the same address family",
        "Swap or correct the start and end addresses.";
    DOMAIN_JOIN_NETWORK_SETTINGS = "OSDG-TS-001", Error, Some(S002_BOOT_MEDIA),
        "Over a gateway, Apply Network Settings joins a workgroup (no domain controller is reachable)",
        "Set OSDNetworkJoinType to 1 (workgroup) and OSDWorkgroupName in the Apply Network Settings step.";
    DOMAIN_JOIN_STEP = "OSDG-TS-002", Error, Some(S002_BOOT_MEDIA),
        "Over a gateway, no Join Domain or Workgroup step joins a domain",
        "Disable or remove the step, or make it join a workgroup (OSDJoinType 1).";
    MEDIA_SEQUENCE_WITHOUT_BOOT_IMAGE = "OSDG-TS-003", Error, Some(S002_BOOT_MEDIA),
        "A task sequence deployed to boot media has a boot image",
        "Set boot_image_id on the task sequence.";
    /// CCMHOSTNAME is for the ConfigMgr client in the new OS, which talks to the organisation's
    /// ConfigMgr CMG (`site.cloud_management_gateway`), never to osdgate's relay.
    MISSING_CCMHOSTNAME = "OSDG-TS-004", Error, Some(S002_SOFTWARE_CENTER),
        "Entra-joined or token-authenticated internet clients (and every boot-media client afterwards) need CCMHOSTNAME in Setup Windows and ConfigMgr",
        "Add CCMHOSTNAME=<the organisation's CMG host, site.cloud_management_gateway>/CCM_Proxy_MutualAuth/<id> to SMSClientInstallProperties of the Setup Windows and ConfigMgr step.";
    CCMHOSTNAME_NOT_A_GATEWAY = "OSDG-TS-005", Warning, Some(S002_SOFTWARE_CENTER),
        "CCMHOSTNAME names the organisation's ConfigMgr CMG (site.cloud_management_gateway), not an osdgate relay, which does not serve the ConfigMgr client",
        "Set CCMHOSTNAME to the host of the organisation's ConfigMgr CMG and record that host in site.cloud_management_gateway.";
    UPGRADE_WITHOUT_UPGRADE_STEP = "OSDG-TS-006", Warning, Some(S002_IN_PLACE_UPGRADE),
        "An in-place upgrade deployment's task sequence has an enabled Upgrade Operating System step",
        "Deploy the in-place upgrade task sequence, or choose the scenario that matches this task sequence.";
    UPGRADE_NEEDS_NO_WINDOWS_PE = "OSDG-TS-007", Error, Some(S002_IN_PLACE_UPGRADE),
        "An in-place upgrade over a gateway runs from Software Center, without Windows PE",
        "Remove the boot image and the Windows PE steps from the in-place upgrade task sequence.";
    /// Real exports do not always follow the schema; reading never drops what it does not understand.
    TASK_SEQUENCE_ODDITY = "OSDG-TS-008", Warning, None,
        "An imported task sequence follows the schema (what does not is kept verbatim and exported unchanged)",
        "Check the element in the ConfigMgr console editor; osdgate keeps it as it is and exports it unchanged, but does not run or check it.";
    INTERNET_NOT_ALLOWED = "OSDG-DEPLOY-001", Error, Some(S002_ALLOW_INTERNET),
        "\"Allow task sequence to run for client on the Internet\" is set",
        "Set allow_internet = true on the deployment.";
    NOT_AVAILABLE_TO_MEDIA = "OSDG-DEPLOY-002", Error, Some(S001_DEPLOYMENT_SETTINGS),
        "\"Make available to the following\" includes media",
        "Set make_available_to to clients_media_and_pxe, media_and_pxe or media_and_pxe_hidden.";
    BOOT_MEDIA_DEPLOYMENT_OPTION = "OSDG-DEPLOY-003", Error, Some(S002_BOOT_MEDIA),
        "Boot media over a gateway use \"Download content locally when needed by the running task sequence\"",
        "Set deployment_option = \"download_when_needed\".";
    DIRECT_CONTENT_ACCESS = "OSDG-DEPLOY-004", Error, Some(S002_IN_PLACE_UPGRADE),
        "Over a gateway, content is downloaded (when needed or all before starting), never accessed directly",
        "Set deployment_option to download_when_needed or download_all_before_starting.";
    UPGRADE_NOT_FROM_SOFTWARE_CENTER = "OSDG-DEPLOY-005", Error, Some(S002_IN_PLACE_UPGRADE),
        "An in-place upgrade over a gateway starts from Software Center (no PXE or media)",
        "Set make_available_to = \"clients_only\".";
    NOT_AVAILABLE_TO_CLIENTS = "OSDG-DEPLOY-006", Error, Some(S002_SOFTWARE_CENTER),
        "A task sequence started from Software Center is available to ConfigMgr clients",
        "Set make_available_to to clients_only or clients_media_and_pxe.";
    /// Seed 002: the setting "doesn't apply" over a gateway: it is ignored, so a warning that the
    /// program will not run, not an error.
    RUN_ANOTHER_PROGRAM_FIRST = "OSDG-DEPLOY-007", Warning, Some(S002_ALLOW_INTERNET),
        "\"Run another program first\" does not apply over a gateway: the program does not run (it needs the package's UNC path)",
        "Remove run_another_program_first; run the program as a step of the task sequence instead.";
    HIGH_RISK_NOT_ACKNOWLEDGED = "OSDG-DEPLOY-008", Error, Some(S002_HIGH_RISK),
        "A Required deployment of an OS is high-risk and is explicitly acknowledged",
        "Set high_risk_acknowledged = true after checking the target collection, or make the deployment Available.";
    REQUIRED_WITHOUT_DEADLINE = "OSDG-DEPLOY-009", Error, None,
        "A Required deployment has a deadline",
        "Set deadline on the deployment.";
    DEADLINE_BEFORE_AVAILABLE = "OSDG-DEPLOY-010", Error, None,
        "The deadline is not before the deployment becomes available",
        "Move the deadline after available_at.";
    NO_GATEWAY_MEDIA = "OSDG-MEDIA-001", Warning, Some(S002_CREATE_MEDIA),
        "A boot-media deployment has media that name it and use the gateway as management point",
        "Add bootable media that name the deployment in deployments, carry the task sequence's boot image and list the gateway in management_points.";
    MEDIA_NOT_SITE_BASED = "OSDG-MEDIA-002", Error, Some(S002_CREATE_MEDIA),
        "Media for a gateway are site-based (\"Internet-based media\", seed 000's name, is the same option)",
        "Set management = \"site_based\".";
    /// Seed 002: "On the Security page, set a strong password to protect this media." The
    /// password is given when the medium is built and checked for strength there (the document
    /// never holds it); what the document can say wrong is that the medium has none.
    WEAK_MEDIA_PASSWORD = "OSDG-MEDIA-003", Warning, Some(S002_CREATE_MEDIA),
        "Media for a gateway are protected by a strong password (unattended media are weaker)",
        "Set protection = \"password\" on the media and give a strong password when building them (at least 8 characters with three of: upper case, lower case, digits, symbols).";
    MEDIA_WITHOUT_BOOT_IMAGE = "OSDG-MEDIA-004", Error, Some(S002_CREATE_MEDIA),
        "Media for a gateway have a boot image",
        "Set boot_image_id on the media.";
    MEDIA_WITHOUT_GATEWAY = "OSDG-MEDIA-005", Error, Some(S002_CREATE_MEDIA),
        "Media for a boot-media deployment list the gateway as a management point",
        "Add { gateway = \"<gateway id>\" } to the media's management_points.";
    MEDIA_CERTIFICATE = "OSDG-MEDIA-006", Advice, Some(S002_BOOT_MEDIA),
        "A PKI media certificate uses SHA-256 with the Microsoft Enhanced RSA and AES provider (a v3 CNG certificate is also fine)",
        "Issue the media certificate with SHA-256 and the Microsoft Enhanced RSA and AES Cryptographic Provider.";
    MEDIA_EXPIRED = "OSDG-MEDIA-007", Error, None,
        "The media have not expired",
        "Move expires_at into the future and rebuild the media.";
    /// Seed 000 (technical preview 2003) names the option "Internet-based media"; seed 002 and the
    /// product call the same option "Site-based media".
    INTERNET_BASED_MEDIA = "OSDG-MEDIA-008", Advice, Some(S000_TRY_IT_OUT),
        "\"Internet-based media\" (seed 000 and its translations) is the option seed 002 calls \"Site-based media\"",
        "Nothing to fix; write management = \"site_based\" to use the option's current name.";
    /// The password once sat in the document in clear; it is now given only when the medium is
    /// built (issue 11), so a document that still holds one is refused rather than published.
    PASSWORD_IN_DOCUMENT = "OSDG-MEDIA-009", Error, None,
        "The media password is not kept in the document",
        "Remove `password` from the media and keep protection = \"password\"; give the password when building the medium (`osdgate media ... --password-file FILE`, or the console asks), and change it if the document was shared.";
    MEDIA_WITHOUT_DEPLOYMENT = "OSDG-MEDIA-010", Error, Some(S002_CREATE_MEDIA),
        "Media name the deployments they run",
        "Set deployments = [\"<deployment id>\"] on the media: the boot-media deployments whose task sequence uses the media's boot image.";
    /// Only the boot-media scenarios start from media; in-place upgrade and Software Center run on
    /// installed ConfigMgr clients (seed 002), so a medium for them could never start them.
    MEDIA_DEPLOYMENT_MISMATCH = "OSDG-MEDIA-011", Error, Some(S002_CREATE_MEDIA),
        "A medium's deployments start from media: a boot-media scenario whose task sequence uses the medium's boot image",
        "Name only boot-media deployments (boot-media-over-gateway, cloud-content-from-boot-media) whose task sequence uses the medium's boot image; in-place upgrade and Software Center run on installed clients.";
    PKI_ROOT_MISSING = "OSDG-CERT-001", Error, Some(S002_TRUSTED_ROOT),
        "A gateway with a PKI certificate lists its trusted root",
        "Add the PKI's root certificate to the gateway's certificate.trusted_roots.";
    PKI_ROOT_NOT_IN_BOOT_IMAGE = "OSDG-CERT-002", Error, Some(S002_TRUSTED_ROOT),
        "The trusted root of a PKI gateway certificate is embedded in the boot image",
        "Add the root's thumbprint to the boot image's trusted_roots (roots listed on media do not count until media import them at boot).";
    ROOT_EXPIRES_BEFORE_MEDIA = "OSDG-CERT-003", Warning, Some(S002_TRUSTED_ROOT),
        "The embedded root is valid for as long as the media are",
        "Shorten the media's expires_at, or embed a root that outlives it.";
    ROOT_EXPIRED = "OSDG-CERT-004", Error, Some(S002_TRUSTED_ROOT),
        "The gateway's trusted root has not expired",
        "Renew the gateway certificate chain and embed the new root.";
    THUMBPRINT_FORMAT = "OSDG-CERT-005", Error, None,
        "A certificate thumbprint is the SHA-1 of the certificate, 40 hex digits",
        "Copy the thumbprint from the certificate's Details tab (40 hex digits, no spaces).";
    ROOT_NOT_CA = "OSDG-ROOT-001", Error, Some(S002_TRUSTED_ROOT),
        "A trusted root is a CA certificate (basicConstraints CA:TRUE)",
        "Use the root CA certificate that issued the gateway's chain, not a server or intermediate certificate.";
    ROOT_NO_CERT_SIGN = "OSDG-ROOT-002", Error, Some(S002_TRUSTED_ROOT),
        "A trusted root's keyUsage allows signing certificates (keyCertSign)",
        "Use the root CA certificate; this key may not sign certificates.";
    ROOT_VERSION_1 = "OSDG-ROOT-003", Advice, Some(S002_TRUSTED_ROOT),
        "A version 1 root without extensions works but cannot be constrained",
        "Prefer a version 3 root CA certificate with basicConstraints.";
    ROOT_BAD_SELF_SIGNATURE = "OSDG-ROOT-004", Error, Some(S002_TRUSTED_ROOT),
        "A self-issued root's signature verifies with its own key",
        "The file is damaged or forged: export the root again from the issuing CA.";
    ROOT_SELF_SIGNATURE_NOT_CHECKED = "OSDG-ROOT-005", Warning, Some(S002_TRUSTED_ROOT),
        "A root's self-signature uses an algorithm this product can verify",
        "Compare the root's thumbprint with the CA's by another channel before trusting it.";
    ROOT_NOT_SELF_SIGNED = "OSDG-ROOT-006", Error, Some(S002_TRUSTED_ROOT),
        "A trusted root is self-signed, not an intermediate CA",
        "Add the root CA that issued this intermediate instead.";
    ROOT_NOT_YET_VALID = "OSDG-ROOT-007", Error, Some(S002_TRUSTED_ROOT),
        "A trusted root is already valid",
        "Check the clock and the certificate's notBefore; embed a root that is valid now.";
    ROOT_BROKEN_HASH = "OSDG-ROOT-008", Warning, Some(S002_TRUSTED_ROOT),
        "A root is not signed with MD2 or MD5",
        "Replace the root with one signed with SHA-256 or stronger.";
    ROOT_SHA1 = "OSDG-ROOT-009", Warning, Some(S002_TRUSTED_ROOT),
        "A root is not signed with SHA-1",
        "Replace the root with one signed with SHA-256 or stronger; certificates it issues with SHA-1 are rejected.";
    ROOT_UNUSUAL_SIGNATURE = "OSDG-ROOT-010", Advice, Some(S002_TRUSTED_ROOT),
        "A root's signature algorithm is one Windows commonly uses",
        "Nothing to fix if Windows PE accepts the gateway's chain; otherwise use an RSA or ECDSA root with SHA-256.";
    ROOT_RSA_TOO_SMALL = "OSDG-ROOT-011", Error, Some(S002_TRUSTED_ROOT),
        "A root's RSA key has at least 1024 bits (Windows blocks smaller keys)",
        "Use a root with an RSA key of 2048 bits or more.";
    ROOT_RSA_SMALL = "OSDG-ROOT-012", Warning, Some(S002_TRUSTED_ROOT),
        "A root's RSA key has at least 2048 bits",
        "Use a root with an RSA key of 2048 bits or more.";
    ROOT_UNKNOWN_KEY = "OSDG-ROOT-013", Warning, Some(S002_TRUSTED_ROOT),
        "A root's public key is RSA or ECC, the kinds Windows accepts for roots",
        "Use an RSA or ECC root CA certificate.";
    ROOT_PROPERTY_OMITTED = "OSDG-ROOT-014", Advice, Some(S002_TRUSTED_ROOT),
        "Every certificate-blob property of the `windows` profile can be computed",
        "Nothing to fix: Windows computes the property on first use.";
    WIRED_NETWORK = "OSDG-NET-001", Advice, Some(S000_PREREQUISITES),
        "Windows PE has no wireless support: devices need a wired, constant internet connection",
        "Tell users to connect the device by cable before starting from the media.";
    INTRANET_MANAGEMENT_POINT = "OSDG-NET-002", Advice, Some(S001_CLOUD_CONTENT_INTRO),
        "Bootable media that fetch cloud content still need an intranet path to the management point, unless they reach it through the gateway",
        "Make sure devices are on the intranet when they start, or add the gateway to the media's management points.";
    DEVICE_WITHOUT_IDENTITY = "OSDG-DEVICE-001", Error, None,
        "A device has an SMBIOS GUID or a MAC address",
        "Add smbios_guid or mac_addresses to the device.";
    DEVICE_IDENTITY_FORMAT = "OSDG-DEVICE-002", Error, None,
        "SMBIOS GUIDs are 8-4-4-4-12 hex digits, not the all-0 or all-F placeholder, and MAC addresses six hex octets",
        "Correct the value (for example 4C4C4544-0042-3510-8052-B4C04F4B4E32, 00:1A:2B:3C:4D:5E).";
    DUPLICATE_DEVICE_IDENTITY = "OSDG-DEVICE-003", Error, None,
        "No two devices share an SMBIOS GUID or a MAC address",
        "Remove the duplicate device or correct its identity.";
    ENTRA_NOT_REJOINED = "OSDG-DEVICE-004", Advice, Some(S002_SOFTWARE_CENTER),
        "An Entra-joined device that gets a new OS does not rejoin Entra ID automatically (it stays managed)",
        "Plan Entra join of the new OS (Autopilot or a provisioning package).";
}

/// The rule with `id`, if it exists.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
