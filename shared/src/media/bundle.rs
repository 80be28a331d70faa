//! The bundle (issue 11, item 2): the files osdgate adds to a medium, in the folder `osdgate\`, and
//! the zip that carries them. The same inputs (including the key's random bytes) give the same bytes.
//!
//! | file | what it is |
//! |---|---|
//! | `media.json` | [`MediaConfig`]: relay URL, media ID, deployments, expiry, public key, the sealed key, gateway certificate pins |
//! | `osdgate-agent.exe` | the Windows x64 agent (an input) |
//! | `roots\running\roots.reg` | the roots for the running registry (`HKEY_LOCAL_MACHINE\SOFTWARE`), imported by the launcher |
//! | `roots\offline\roots.reg` | the same roots for the boot image's offline hive, imported by the preparation scripts |
//! | `bootimage\…` | the preparation scripts and the launcher block ([`super::prepare`]) |
//! | `README.txt` | for whoever handles the stick |
//! | `manifest.json` | [`Manifest`]: every other file with its size and SHA-256, and the boot files the medium was built with |
//!
//! [`plan_medium`] turns a validated [`Plan`] into a [`MediumSpec`]: only a document without
//! preflight errors can build media.

use std::collections::BTreeSet;
use std::fmt;
use std::io::{Cursor, Write as _};

use base64::Engine as _;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::identity::{KdfParams, MediaKey, MediaRandom, Protection, StoredKey, store_key};
use super::layout::{
    AGENT_EXE, BUNDLE_DIR, MANIFEST, MEDIA_CONFIG, README, ROOTS_OFFLINE_DIR, ROOTS_RUNNING_DIR,
    SCRIPTS_DIR,
};
use super::prepare::{self, PrepareParams};
use crate::model::{ManagementPoint, Plan, Timestamp};
use crate::trust::scripts::PatchFile;
use crate::trust::{
    BlobProfile, Hive, Store, TrustCertificate, read_certificates, write_certificates,
};

/// The `schema` of `media.json`.
pub const MEDIA_CONFIG_SCHEMA: &str = "osdgate-media/v1";
/// The `schema` of `manifest.json`.
pub const MANIFEST_SCHEMA: &str = "osdgate-manifest/v1";
/// Name of both roots patches.
pub const ROOTS_REG: &str = "roots.reg";

/// What a medium is, taken from a validated plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediumSpec {
    /// `media[].id`, which is also the ID registered at the relay.
    pub media_id: String,
    /// `media[].name`.
    pub name: String,
    /// The gateway's public URL.
    pub relay_url: String,
    /// The deployments this medium may run (their task sequence uses its boot image and they are
    /// made available to media).
    pub deployments: Vec<String>,
    /// When the medium stops working.
    pub expires_at: Timestamp,
    /// Roots Windows PE must trust, by SHA-1 thumbprint (upper-case hex), with the certificate when
    /// the document carries it.
    pub roots: Vec<RequiredRoot>,
}

/// A root the medium must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredRoot {
    /// SHA-1 thumbprint, 40 upper-case hex digits.
    pub thumbprint: String,
    /// Subject, for messages.
    pub subject: String,
    /// The document's `certificate` (PEM or base64 DER), if any.
    pub certificate: Option<String>,
}

/// Why a medium cannot be built. Each names the field and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleError {
    /// No medium of that ID or name; the document's media are listed.
    UnknownMedia { wanted: Option<String>, available: Vec<String> },
    /// The medium names no gateway as its management point.
    NoGateway { media_id: String },
    /// The medium has no expiry (the relay registers no medium without one).
    NoExpiry { media_id: String },
    /// No deployment runs from this medium.
    NoDeployment { media_id: String },
    /// A required root is neither in the document nor among the given certificates.
    MissingRoot { thumbprint: String, subject: String },
    /// A root in the document cannot be read.
    BadRoot { thumbprint: String, problem: String },
    /// The key could not be stored.
    Identity(super::identity::IdentityError),
    /// The agent is not a Windows executable.
    BadAgent { problem: String },
    /// A script parameter problem (internal paths; should not happen).
    Scripts(Vec<String>),
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleError::UnknownMedia { wanted: Some(w), available } => write!(
                f,
                "--media `{w}`: the document has no medium with that id or name; it has: {}",
                if available.is_empty() { "none".to_string() } else { available.join(", ") }
            ),
            BundleError::UnknownMedia { wanted: None, available } if available.is_empty() => {
                f.write_str("the document has no [[media]]; add one (see examples/boot-media-over-gateway.toml)")
            }
            BundleError::UnknownMedia { wanted: None, available } => write!(
                f,
                "the document has several media; choose one with --media: {}",
                available.join(", ")
            ),
            BundleError::NoGateway { media_id } => write!(
                f,
                "media `{media_id}`: management_points names no gateway; add {{ gateway = \"<gateways[].id>\" }}"
            ),
            BundleError::NoExpiry { media_id } => write!(
                f,
                "media `{media_id}`: expires_at is not set; set it (the relay registers no medium without an expiry)"
            ),
            BundleError::NoDeployment { media_id } => write!(
                f,
                "media `{media_id}`: no deployment runs from it; deploy a task sequence that uses its boot_image_id with make_available_to = \"clients_media_and_pxe\" or \"media_and_pxe\""
            ),
            BundleError::MissingRoot { thumbprint, subject } => write!(
                f,
                "trusted root {thumbprint} ({subject}): the certificate is needed for the medium's registry patches; give it with --root FILE or put it in the document's `certificate` field"
            ),
            BundleError::BadRoot { thumbprint, problem } => {
                write!(f, "trusted root {thumbprint}: its `certificate` cannot be read: {problem}")
            }
            BundleError::Identity(e) => e.fmt(f),
            BundleError::BadAgent { problem } => write!(
                f,
                "the agent {problem}; give the Windows x64 build of osdgate-agent (osdgate-agent.exe)"
            ),
            BundleError::Scripts(problems) => write!(f, "preparation scripts: {}", problems.join("; ")),
        }
    }
}

impl std::error::Error for BundleError {}

/// Picks the medium (by `media[].id` or `name`; the only one when `wanted` is `None`) and gathers
/// what it needs from the plan.
pub fn plan_medium(plan: &Plan, wanted: Option<&str>) -> Result<MediumSpec, BundleError> {
    let doc = plan.document();
    let available = || doc.media.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
    let media = match wanted {
        Some(w) => doc.media.iter().find(|m| m.id == w || m.name == w),
        None if doc.media.len() == 1 => doc.media.first(),
        None => None,
    }
    .ok_or_else(|| BundleError::UnknownMedia {
        wanted: wanted.map(str::to_string),
        available: available(),
    })?;
    let gateway = media
        .management_points
        .iter()
        .find_map(|p| match p {
            ManagementPoint::Gateway(id) => doc.gateway(id),
            ManagementPoint::Intranet(_) => None,
        })
        .ok_or_else(|| BundleError::NoGateway { media_id: media.id.clone() })?;
    let expires_at =
        media.expires_at.ok_or_else(|| BundleError::NoExpiry { media_id: media.id.clone() })?;
    // The deployments the document's medium names (preflight checked that it can run them).
    let deployments = media.deployments.clone();
    if deployments.is_empty() {
        return Err(BundleError::NoDeployment { media_id: media.id.clone() });
    }
    let mut roots: Vec<RequiredRoot> = Vec::new();
    let mut add = |thumbprint: &str, subject: &str, certificate: Option<&String>| {
        let thumbprint = thumbprint.to_ascii_uppercase();
        if let Some(existing) = roots.iter_mut().find(|r| r.thumbprint == thumbprint) {
            if existing.certificate.is_none() {
                existing.certificate = certificate.cloned();
            }
            if existing.subject.is_empty() {
                existing.subject = subject.to_string();
            }
        } else {
            roots.push(RequiredRoot {
                thumbprint,
                subject: subject.to_string(),
                certificate: certificate.cloned(),
            });
        }
    };
    for root in &gateway.certificate.trusted_roots {
        add(&root.thumbprint, &root.subject, root.certificate.as_ref());
    }
    if let Some(boot_image) = media.boot_image_id.as_deref().and_then(|id| doc.boot_image(id)) {
        for thumbprint in &boot_image.trusted_roots {
            add(thumbprint, "", None);
        }
    }
    for thumbprint in &media.trusted_roots {
        add(thumbprint, "", None);
    }
    Ok(MediumSpec {
        media_id: media.id.clone(),
        name: media.name.clone(),
        relay_url: gateway.public_url.clone(),
        deployments,
        expires_at,
        roots,
    })
}

/// The certificates for `spec.roots`: from the document, or from `given` (matched by thumbprint).
/// Every missing one is an error.
pub fn resolve_roots(
    spec: &MediumSpec,
    given: &[TrustCertificate],
) -> Result<Vec<TrustCertificate>, Vec<BundleError>> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for root in &spec.roots {
        if let Some(cert) =
            given.iter().find(|c| c.sha1_thumbprint_hex().eq_ignore_ascii_case(&root.thumbprint))
        {
            found.push(cert.clone());
            continue;
        }
        let Some(text) = &root.certificate else {
            problems.push(BundleError::MissingRoot {
                thumbprint: root.thumbprint.clone(),
                subject: root.subject.clone(),
            });
            continue;
        };
        let bytes = if text.contains("-----BEGIN") {
            text.as_bytes().to_vec()
        } else {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            match base64::engine::general_purpose::STANDARD.decode(compact) {
                Ok(der) => der,
                Err(e) => {
                    problems.push(BundleError::BadRoot {
                        thumbprint: root.thumbprint.clone(),
                        problem: format!("neither PEM nor base64 DER: {e}"),
                    });
                    continue;
                }
            }
        };
        match read_certificates(&bytes, &root.thumbprint) {
            Ok(read) => match read
                .certificates
                .into_iter()
                .find(|c| c.sha1_thumbprint_hex().eq_ignore_ascii_case(&root.thumbprint))
            {
                Some(cert) => found.push(cert),
                None => problems.push(BundleError::BadRoot {
                    thumbprint: root.thumbprint.clone(),
                    problem: "it holds a certificate with a different thumbprint".into(),
                }),
            },
            Err(e) => problems.push(BundleError::BadRoot {
                thumbprint: root.thumbprint.clone(),
                problem: e.to_string(),
            }),
        }
    }
    if problems.is_empty() { Ok(found) } else { Err(problems) }
}

/// A certificate the gateway's TLS chain must end in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GatewayPin {
    /// Subject as Windows shows it.
    pub subject: String,
    /// SHA-1 thumbprint (upper-case hex), the registry key name.
    pub sha1: String,
    /// SHA-256 of the DER certificate (lower-case hex).
    pub sha256: String,
}

/// `media.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    /// Always [`MEDIA_CONFIG_SCHEMA`].
    pub schema: String,
    /// The medium's ID at the relay.
    pub media_id: String,
    /// Display name.
    pub name: String,
    /// The relay (gateway) URL.
    pub relay_url: String,
    /// Deployment IDs this medium may run.
    pub deployments: Vec<String>,
    /// RFC 3339.
    pub expires_at: String,
    /// Raw Ed25519 public key, URL-safe base64 without padding.
    pub public_key: String,
    /// The private key, sealed or (unattended) not.
    pub key: StoredKey,
    /// Roots the gateway's certificate must chain to (empty: a public CA Windows PE trusts).
    pub gateway_pins: Vec<GatewayPin>,
    /// The osdgate version that built the medium.
    pub built_by: String,
}

/// One file in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ManifestEntry {
    /// Path from the medium's root, `/`-separated (`osdgate/media.json`).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

/// `manifest.json`: every bundle file but itself, and the Windows PE boot files the medium was
/// built with (so `osdgate media verify` checks a whole USB image or ISO).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`MANIFEST_SCHEMA`].
    pub schema: String,
    /// The medium.
    pub media_id: String,
    /// The files, in bundle order.
    pub files: Vec<ManifestEntry>,
    /// The boot files, in path order (absent when the bundle was built without them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boot_files: Vec<ManifestEntry>,
}

/// A file of the bundle.
#[derive(Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// Path from the medium's root, `/`-separated.
    pub path: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for BundleFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BundleFile {{ path: {:?}, {} bytes }}", self.path, self.bytes.len())
    }
}

/// Everything a bundle is built from.
#[derive(Debug)]
pub struct BundleInput<'a> {
    /// The medium.
    pub spec: &'a MediumSpec,
    /// The certificates of `spec.roots` ([`resolve_roots`]).
    pub roots: &'a [TrustCertificate],
    /// Password or unattended.
    pub protection: &'a Protection,
    /// Random bytes for the key.
    pub random: &'a MediaRandom,
    /// Argon2id cost.
    pub kdf: KdfParams,
    /// The Windows x64 agent.
    pub agent_exe: &'a [u8],
    /// The boot files the medium carries beside the bundle (paths from the medium's root, size,
    /// SHA-256), listed in the manifest; empty for a bundle built without them.
    pub boot_files: &'a [ManifestEntry],
}

/// The result of [`build_bundle`].
#[derive(Debug, Clone)]
pub struct Bundle {
    /// `media.json` as written.
    pub config: MediaConfig,
    /// Every file, the manifest last.
    pub files: Vec<BundleFile>,
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::hex::lower(&Sha256::digest(bytes))
}

fn path(parts: &[&str]) -> String {
    parts.iter().map(|p| p.replace('\\', "/")).collect::<Vec<_>>().join("/")
}

/// A Windows x64 PE image: `MZ`, a PE header, machine AMD64 (0x8664).
fn check_agent(bytes: &[u8]) -> Result<(), BundleError> {
    let bad = |problem: &str| Err(BundleError::BadAgent { problem: problem.into() });
    if bytes.len() < 0x40 || &bytes[..2] != b"MZ" {
        return bad("is not a Windows executable (no MZ header)");
    }
    let pe = u32::from_le_bytes([bytes[0x3c], bytes[0x3d], bytes[0x3e], bytes[0x3f]]) as usize;
    match bytes.get(pe..pe + 6) {
        Some([b'P', b'E', 0, 0, lo, hi]) if u16::from_le_bytes([*lo, *hi]) == 0x8664 => Ok(()),
        Some([b'P', b'E', 0, 0, _, _]) => bad("is not built for x64 (its PE machine is not AMD64)"),
        _ => bad("is not a Windows executable (no PE header)"),
    }
}

fn readme(config: &MediaConfig, protection: &Protection) -> String {
    let protection_text = match protection {
        Protection::Password(_) => {
            "The medium asks for its password when the PC starts from it. Ask IT for the password; it is not on the stick."
        }
        Protection::Unattended => {
            "This medium is UNATTENDED: it starts without a password, so anyone who holds it can reinstall a PC with it until it expires. Keep it safe and give it back when you are done."
        }
    };
    let text = format!(
        "osdgate boot medium \"{name}\" ({id})\n\
         ================================================\n\
         \n\
         What this is\n\
         This stick reinstalls Windows on a PC that no longer starts. It works until {expires}.\n\
         {protection_text}\n\
         \n\
         How to use it\n\
         1. Plug the stick into the PC and connect the PC to the internet with a network cable\n\
         \x20  (Wi-Fi is not available while reinstalling).\n\
         2. Start the PC from the stick: switch it on and press the boot menu key (often F12, F9,\n\
         \x20  F11 or Esc), then choose the USB drive (UEFI).\n\
         3. The PC starts Windows PE, connects to {relay}, and shows the progress.\n\
         \x20  Everything on the PC's disk is replaced. Do not switch the PC off until it restarts\n\
         \x20  into Windows.\n\
         \n\
         If it does not work\n\
         Tell IT the medium ID {id} and what the screen shows. If the stick is lost, tell IT at once:\n\
         they revoke the medium and it stops working.\n\
         \n\
         For IT\n\
         The folder osdgate holds media.json (the medium's configuration and its sealed key),\n\
         osdgate-agent.exe, the trusted roots in roots\\running (imported by the launcher) and\n\
         roots\\offline (for the boot image), the boot image preparation scripts in bootimage, and\n\
         manifest.json (size and SHA-256 of every file; check with `osdgate media verify`).\n\
         The boot image must be prepared once with bootimage\\prepare-bootimage.ps1 (or .cmd) or\n\
         `osdgate bootimage prepare`, so that Windows PE starts the osdgate launcher.\n",
        name = config.name,
        id = config.media_id,
        expires = config.expires_at,
        relay = config.relay_url,
    );
    text.replace('\n', "\r\n")
}

/// Builds every bundle file (the paths start with `osdgate/`).
pub fn build_bundle(input: &BundleInput<'_>) -> Result<Bundle, BundleError> {
    check_agent(input.agent_exe)?;
    let spec = input.spec;
    let key = store_key(&spec.media_id, input.random, input.protection, input.kdf)
        .map_err(BundleError::Identity)?;
    let public_key = MediaKey::from_seed(&input.random.key_seed).public_key_base64();
    let mut pins: Vec<GatewayPin> = input
        .roots
        .iter()
        .map(|c| GatewayPin {
            subject: c.subject(),
            sha1: c.sha1_thumbprint_hex().to_ascii_uppercase(),
            sha256: sha256_hex(c.der()),
        })
        .collect();
    let mut seen = BTreeSet::new();
    pins.retain(|p| seen.insert(p.sha1.clone()));
    let config = MediaConfig {
        schema: MEDIA_CONFIG_SCHEMA.into(),
        media_id: spec.media_id.clone(),
        name: spec.name.clone(),
        relay_url: spec.relay_url.clone(),
        deployments: spec.deployments.clone(),
        expires_at: spec.expires_at.to_string(),
        public_key,
        key,
        gateway_pins: pins,
        built_by: format!("osdgate {}", crate::VERSION),
    };
    let mut config_json = serde_json::to_string_pretty(&config)
        .map_err(|e| BundleError::Scripts(vec![e.to_string()]))?;
    config_json.push('\n');

    let mut files = vec![BundleFile {
        path: path(&[BUNDLE_DIR, MEDIA_CONFIG]),
        bytes: config_json.into_bytes(),
    }];
    files
        .push(BundleFile { path: path(&[BUNDLE_DIR, AGENT_EXE]), bytes: input.agent_exe.to_vec() });
    let mut offline_patches = Vec::new();
    if !input.roots.is_empty() {
        let running =
            write_certificates(input.roots, Store::AuthRoot, Hive::Software, BlobProfile::Windows);
        let offline = write_certificates(
            input.roots,
            Store::AuthRoot,
            Hive::WinpeOffline,
            BlobProfile::Windows,
        );
        files.push(BundleFile {
            path: path(&[BUNDLE_DIR, ROOTS_RUNNING_DIR, ROOTS_REG]),
            bytes: running,
        });
        files.push(BundleFile {
            path: path(&[BUNDLE_DIR, ROOTS_OFFLINE_DIR, ROOTS_REG]),
            bytes: offline,
        });
        offline_patches.push(PatchFile {
            file_name: format!("..\\{ROOTS_OFFLINE_DIR}\\{ROOTS_REG}"),
            keys: input
                .roots
                .iter()
                .map(|c| {
                    format!(
                        "HKEY_LOCAL_MACHINE\\winpe-offline\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\{}",
                        c.sha1_thumbprint_hex().to_ascii_uppercase()
                    )
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        });
    }
    let scripts = prepare::generate(&PrepareParams {
        wim_path: "boot.wim".into(),
        index: 1,
        mount_dir: None,
        offline_patches,
    })
    .map_err(BundleError::Scripts)?;
    for (name, bytes) in scripts.files {
        files.push(BundleFile { path: path(&[BUNDLE_DIR, SCRIPTS_DIR, &name]), bytes });
    }
    files.push(BundleFile {
        path: path(&[BUNDLE_DIR, README]),
        bytes: readme(&config, input.protection).into_bytes(),
    });
    let manifest = Manifest {
        schema: MANIFEST_SCHEMA.into(),
        media_id: spec.media_id.clone(),
        files: files
            .iter()
            .map(|f| ManifestEntry {
                path: f.path.clone(),
                size: f.bytes.len() as u64,
                sha256: sha256_hex(&f.bytes),
            })
            .collect(),
        boot_files: {
            let mut boot = input.boot_files.to_vec();
            boot.sort_by(|a, b| a.path.cmp(&b.path));
            boot
        },
    };
    files
        .push(BundleFile { path: path(&[BUNDLE_DIR, MANIFEST]), bytes: manifest_bytes(&manifest) });
    Ok(Bundle { config, files })
}

/// The bundle as a zip: deflate, every timestamp 1980-01-01 00:00 (the zip epoch), no extra
/// fields, entries in bundle order, so the same files give the same bytes.
pub fn write_zip(files: &[BundleFile]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for file in files {
        zip.start_file(file.path.as_str(), options).map_err(|e| e.to_string())?;
        zip.write_all(&file.bytes).map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}

/// `manifest.json`'s bytes: pretty JSON and a newline. The one serialization, so a manifest
/// completed with the boot files' digests ([`super::medium`]) has the bytes a bundle built with
/// them has.
pub fn manifest_bytes(manifest: &Manifest) -> Vec<u8> {
    // Serializing plain strings and numbers cannot fail.
    let mut json = serde_json::to_string_pretty(manifest).unwrap_or_default();
    json.push('\n');
    json.into_bytes()
}

/// A problem [`verify_files`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyProblem {
    /// The manifest is missing or unreadable.
    NoManifest(String),
    /// A listed file is missing.
    Missing { path: String },
    /// A listed file differs.
    Differs { path: String, expected_size: u64, actual_size: u64 },
    /// A file on a medium whose manifest lists its boot files, but not this one.
    Unlisted { path: String },
    /// The ISO's El Torito boot image is missing, unreadable or holds another loader.
    BootImage { problem: String },
}

impl fmt::Display for VerifyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyProblem::NoManifest(why) => write!(f, "osdgate/manifest.json: {why}"),
            VerifyProblem::Missing { path } => {
                write!(f, "{path}: listed in the manifest but missing")
            }
            VerifyProblem::Differs { path, expected_size, actual_size } => write!(
                f,
                "{path}: differs from the manifest (size {actual_size}, expected {expected_size}, or a different SHA-256)"
            ),
            VerifyProblem::Unlisted { path } => {
                write!(f, "{path}: on the medium but not in the manifest")
            }
            VerifyProblem::BootImage { problem } => {
                write!(f, "the El Torito boot image (what UEFI starts from the disc): {problem}")
            }
        }
    }
}

/// Parses `manifest.json`.
pub fn read_manifest(bytes: &[u8]) -> Result<Manifest, VerifyProblem> {
    let manifest: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| VerifyProblem::NoManifest(format!("not a manifest: {e}")))?;
    if manifest.schema != MANIFEST_SCHEMA {
        return Err(VerifyProblem::NoManifest(format!(
            "schema `{}`, expected `{MANIFEST_SCHEMA}`",
            manifest.schema
        )));
    }
    Ok(manifest)
}

/// Checks the files of a bundle zip against the manifest's bundle files (paths compare
/// case-insensitively, as FAT and Joliet do); every problem at once.
pub fn verify_files(manifest: &Manifest, actual: &[ManifestEntry]) -> Vec<VerifyProblem> {
    compare(&manifest.files, actual)
}

/// Checks every file of a whole medium (USB image or ISO) against the manifest: the bundle files,
/// the boot files, and — when the manifest lists boot files — that nothing else is on it.
pub fn verify_medium(manifest: &Manifest, actual: &[ManifestEntry]) -> Vec<VerifyProblem> {
    let mut problems = compare(&manifest.files, actual);
    problems.extend(compare(&manifest.boot_files, actual));
    let manifest_path = format!("{BUNDLE_DIR}/{MANIFEST}");
    if !manifest.boot_files.is_empty() {
        for found in actual {
            let listed = manifest
                .files
                .iter()
                .chain(&manifest.boot_files)
                .any(|e| e.path.eq_ignore_ascii_case(&found.path));
            if !listed && !found.path.eq_ignore_ascii_case(&manifest_path) {
                problems.push(VerifyProblem::Unlisted { path: found.path.clone() });
            }
        }
    }
    problems
}

/// Checks the loader inside an ISO's El Torito FAT image (`loader`, as found there) against the
/// manifest's `EFI/BOOT/BOOTX64.EFI` (or, for a manifest without boot files, against the disc's).
pub fn verify_boot_loader(
    manifest: &Manifest,
    on_disc: &[ManifestEntry],
    loader: Result<ManifestEntry, String>,
) -> Option<VerifyProblem> {
    let wanted = manifest
        .boot_files
        .iter()
        .chain(on_disc)
        .find(|e| e.path.eq_ignore_ascii_case(super::iso::BOOT_LOADER));
    match (loader, wanted) {
        (Err(problem), _) => Some(VerifyProblem::BootImage { problem }),
        (Ok(found), Some(wanted)) if found.size != wanted.size || found.sha256 != wanted.sha256 => {
            Some(VerifyProblem::BootImage {
                problem: format!(
                    "its {} differs from the manifest's (size {}, expected {}, or a different SHA-256)",
                    super::iso::BOOT_LOADER,
                    found.size,
                    wanted.size
                ),
            })
        }
        (Ok(_), Some(_)) => None,
        (Ok(_), None) => Some(VerifyProblem::BootImage {
            problem: format!("the disc has no {} to compare it with", super::iso::BOOT_LOADER),
        }),
    }
}

fn compare(listed: &[ManifestEntry], actual: &[ManifestEntry]) -> Vec<VerifyProblem> {
    let mut problems = Vec::new();
    for entry in listed {
        match actual.iter().find(|found| found.path.eq_ignore_ascii_case(&entry.path)) {
            None => problems.push(VerifyProblem::Missing { path: entry.path.clone() }),
            Some(found) if found.size != entry.size || found.sha256 != entry.sha256 => problems
                .push(VerifyProblem::Differs {
                    path: entry.path.clone(),
                    expected_size: entry.size,
                    actual_size: found.size,
                }),
            Some(_) => {}
        }
    }
    problems
}
