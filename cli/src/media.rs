//! `osdgate media ...`: build boot media (bundle, USB image, ISO) and verify them (issue 11). The
//! formats live in `osdgate_model::media`; this module reads files, draws random bytes from the OS,
//! writes outputs atomically and prints.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use osdgate_model::media::bundle::{
    Bundle, BundleInput, Manifest, ManifestEntry, VerifyProblem, build_bundle, plan_medium,
    read_manifest, resolve_roots, verify_boot_loader, verify_files, verify_medium, write_zip,
};
use osdgate_model::media::fat::{Content, MediumFile, Part};
use osdgate_model::media::identity::{DEFAULT_KDF, KdfParams, MediaRandom, Protection};
use osdgate_model::media::iso::{BOOT_LOADER, IsoImage, IsoOptions, PLATFORM_EFI};
use osdgate_model::media::iso_read::read_iso;
use osdgate_model::media::layout::{BUNDLE_DIR, MANIFEST};
use osdgate_model::media::medium::{Medium, boot_files, iso_boot_files, pending_boot_entries};
use osdgate_model::media::usb::{TABLE_BYTES, UsbImage, read_partition};
use osdgate_model::model::MediaProtection;
use osdgate_model::trust::{TrustCertificate, read_certificates};
use sha2::{Digest, Sha256};

use crate::bootimage_wim::FileSource;
use crate::check::{now_from, read_document};
use crate::output::{folder_of, write_atomically, write_file_atomically};

/// Boot media: build a bundle, a USB image or an ISO; verify one.
#[derive(Debug, Args)]
pub struct MediaArgs {
    #[command(subcommand)]
    command: MediaCommand,
}

/// What every build needs.
#[derive(Debug, Args)]
struct BuildArgs {
    /// The deployment document (JSON or TOML). It must pass preflight.
    #[arg(long)]
    document: PathBuf,
    /// The medium (`media[].id` or `name`); may be left out when the document has one.
    #[arg(long)]
    media: Option<String>,
    /// A file whose first line is the media password (the document never holds it). Without it,
    /// the password is asked for on the terminal.
    #[arg(long, conflicts_with = "unattended")]
    password_file: Option<PathBuf>,
    /// Build unattended media: no password, the key stored unsealed. Weaker: anyone holding the
    /// medium can start the deployment until it expires or is revoked. Only for a medium the
    /// document marks `protection = "unattended"` (which needs no flag).
    #[arg(long)]
    unattended: bool,
    /// The Windows x64 agent (osdgate-agent.exe).
    #[arg(long)]
    agent: PathBuf,
    /// Root certificates (PEM, DER, .p7b) the document lists by thumbprint without the certificate.
    #[arg(long = "root")]
    roots: Vec<PathBuf>,
    /// Compare expiry dates with this RFC 3339 time instead of the system clock.
    #[arg(long)]
    now: Option<String>,
    /// Take the key's 72 random bytes from this file instead of the OS (reproducible builds, tests).
    #[arg(long, hide = true)]
    random_file: Option<PathBuf>,
    /// Argon2id memory cost in KiB (tests).
    #[arg(long, hide = true)]
    kdf_memory_kib: Option<u32>,
    /// Argon2id passes (tests).
    #[arg(long, hide = true)]
    kdf_iterations: Option<u32>,
    /// Output file.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Register the built medium at this relay (`POST /api/v1/admin/media`), so it can
    /// authenticate; the document must be published there. Needs the admin token: from
    /// --admin-token-file, or the environment (`OSDGATE_ADMIN_TOKEN_FILE`, `OSDGATE_ADMIN_TOKEN`),
    /// never from the command line. Nothing is written when the relay refuses.
    #[arg(long, value_name = "URL")]
    relay: Option<String>,
    /// A file holding the relay's admin token.
    #[arg(long, value_name = "FILE", requires = "relay")]
    admin_token_file: Option<PathBuf>,
    /// Who built the medium, as the relay records it (default: the USER environment variable).
    #[arg(long, value_name = "NAME", requires = "relay")]
    created_by: Option<String>,
    /// Approve devices registered through this medium at once (they get identities of their own,
    /// outliving the medium); without it they wait for an admin's approval.
    #[arg(long, requires = "relay")]
    auto_approve: bool,
}

/// A bundle's inputs beyond the medium's.
#[derive(Debug, Args)]
struct BundleArgs {
    #[command(flatten)]
    build: BuildArgs,
    /// The Windows PE boot files the bundle will be copied beside (a folder, a WinPE or ConfigMgr
    /// boot ISO, or a zip): listed in the manifest, so `media verify` can check the whole medium.
    #[arg(long)]
    boot_files: Option<PathBuf>,
}

/// A USB image's inputs beyond the bundle's.
#[derive(Debug, Args)]
struct UsbArgs {
    #[command(flatten)]
    build: BuildArgs,
    /// The Windows PE boot files, prepared with `osdgate bootimage script`: a folder (the ADK's
    /// `media` folder after copype, or a copy of a WinPE ISO's files), a WinPE or ConfigMgr boot
    /// ISO, or a zip of the folder.
    #[arg(long)]
    boot_files: PathBuf,
    /// Free space to leave on the stick's volume, in MiB.
    #[arg(long, default_value_t = 64)]
    free_mib: u64,
}

/// An ISO's inputs beyond the bundle's.
#[derive(Debug, Args)]
struct IsoArgs {
    #[command(flatten)]
    build: BuildArgs,
    /// The Windows PE boot files, prepared with `osdgate bootimage script`: a folder, a WinPE or
    /// ConfigMgr boot ISO, or a zip of the folder.
    #[arg(long)]
    boot_files: PathBuf,
    /// The volume label (1–16 letters, digits or underscores).
    #[arg(long, default_value = "OSDGATE")]
    label: String,
}

#[derive(Debug, Subcommand)]
enum MediaCommand {
    /// Build the bundle (a zip of the folder `osdgate`) to copy onto prepared boot media.
    Bundle(BundleArgs),
    /// Build a raw USB disk image (GPT, one FAT32 partition UEFI boots) holding the boot files and
    /// the bundle; write it to a stick with any imager (dd, Rufus in DD mode, balenaEtcher).
    Usb(UsbArgs),
    /// Build an ISO (ISO 9660 with Joliet names, booted by UEFI through El Torito) holding the boot
    /// files and the bundle: the CD/DVD set, or a file for virtual machines and remote consoles.
    Iso(IsoArgs),
    /// Check a bundle zip, a USB image or an ISO against its manifest. Exit 1 when a file is
    /// missing, differs or is not listed.
    Verify {
        /// A bundle zip, a USB image or an ISO.
        file: PathBuf,
    },
}

/// Runs `osdgate media ...`.
pub fn run(args: MediaArgs) -> ExitCode {
    let result = match args.command {
        MediaCommand::Bundle(bundle) => cmd_bundle(&bundle),
        MediaCommand::Usb(usb) => cmd_usb(&usb),
        MediaCommand::Iso(iso) => cmd_iso(&iso),
        MediaCommand::Verify { file } => cmd_verify(&file),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("osdgate media: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// How the key is protected: the document's medium says whether a password is required (it never
/// holds the password); the password comes from `--password-file` or the terminal.
fn protection(args: &BuildArgs, media_id: &str, required: MediaProtection) -> Result<Protection> {
    match required {
        MediaProtection::Unattended => {
            if args.password_file.is_some() {
                bail!(
                    "medium `{media_id}` is unattended in the document (protection = \"unattended\"): drop --password-file, or set protection = \"password\" in the document"
                );
            }
            eprintln!(
                "osdgate media: WARNING: unattended media: no password protects the key; anyone holding the medium can start the deployment until it expires or is revoked"
            );
            Ok(Protection::Unattended)
        }
        MediaProtection::Password if args.unattended => bail!(
            "medium `{media_id}` requires a password (protection = \"password\" in the document): give --password-file FILE or type it at the prompt, or set protection = \"unattended\" in the document for weaker media without one"
        ),
        MediaProtection::Password => match &args.password_file {
            Some(path) => {
                let text = String::from_utf8(read(path)?)
                    .map_err(|_| anyhow!("--password-file {}: not UTF-8 text", path.display()))?;
                let password = text.lines().next().unwrap_or_default().to_string();
                if password.is_empty() {
                    bail!("--password-file {}: the first line is empty", path.display());
                }
                Ok(Protection::Password(password))
            }
            None => prompt_password(media_id).map(Protection::Password),
        },
    }
}

/// Ask for the password twice on the terminal, without echo.
fn prompt_password(media_id: &str) -> Result<String> {
    use std::io::IsTerminal as _;
    if !std::io::stdin().is_terminal() {
        bail!(
            "medium `{media_id}` requires a password and there is no terminal to ask on: give --password-file FILE (its first line is the password)"
        );
    }
    let first = rpassword::prompt_password(format!("Password for medium `{media_id}`: "))
        .context("reading the password from the terminal")?;
    if first.is_empty() {
        bail!("no password typed: medium `{media_id}` requires one");
    }
    let second = rpassword::prompt_password("Type it again: ")
        .context("reading the password from the terminal")?;
    if first != second {
        bail!("the two passwords differ; nothing was built");
    }
    Ok(first)
}

fn random(args: &BuildArgs) -> Result<MediaRandom> {
    let mut bytes = [0u8; MediaRandom::LEN];
    match &args.random_file {
        Some(path) => {
            let data = read(path)?;
            if data.len() != MediaRandom::LEN {
                bail!(
                    "--random-file {}: {} bytes, expected {}",
                    path.display(),
                    data.len(),
                    MediaRandom::LEN
                );
            }
            bytes.copy_from_slice(&data);
        }
        None => getrandom::getrandom(&mut bytes).map_err(|e| {
            anyhow!("cannot read the operating system's random number generator: {e}")
        })?,
    }
    Ok(MediaRandom::from_bytes(&bytes))
}

fn load_roots(paths: &[PathBuf]) -> Result<Vec<TrustCertificate>> {
    let mut roots = Vec::new();
    for path in paths {
        let read = read_certificates(&read(path)?, &path.display().to_string())
            .with_context(|| format!("--root {}", path.display()))?;
        roots.extend(read.certificates);
    }
    Ok(roots)
}

/// Preflight, the medium, its roots and the bundle: everything the three outputs share.
fn bundle(args: &BuildArgs, boot_files: &[ManifestEntry]) -> Result<Bundle> {
    let now = now_from(args.now.as_deref()).map_err(|e| anyhow!(e))?;
    let document = read_document(&args.document)
        .map_err(|e| anyhow!("--document {}: {e}", args.document.display()))?;
    let plan = document.validate_at(now).map_err(|report| {
        anyhow!(
            "--document {}: the deployment does not pass preflight; media are built only from a document without errors:\n\n{}",
            args.document.display(),
            report.to_human()
        )
    })?;
    for finding in plan.findings() {
        eprintln!("osdgate media: note: {}: {}", finding.rule, finding.message);
    }
    let spec = plan_medium(&plan, args.media.as_deref()).map_err(|e| anyhow!("{e}"))?;
    let given = load_roots(&args.roots)?;
    let roots = resolve_roots(&spec, &given).map_err(|problems| {
        anyhow!("{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    })?;
    let required = plan
        .document()
        .media
        .iter()
        .find(|m| m.id == spec.media_id)
        .map_or(MediaProtection::Password, |m| m.protection);
    let protection = protection(args, &spec.media_id, required)?;
    let agent = read(&args.agent).with_context(|| "--agent")?;
    let kdf = KdfParams {
        memory_kib: args.kdf_memory_kib.unwrap_or(DEFAULT_KDF.memory_kib),
        iterations: args.kdf_iterations.unwrap_or(DEFAULT_KDF.iterations),
        ..DEFAULT_KDF
    };
    build_bundle(&BundleInput {
        spec: &spec,
        roots: &roots,
        protection: &protection,
        random: &random(args)?,
        kdf,
        agent_exe: &agent,
        boot_files,
    })
    .map_err(|e| anyhow!("{e}"))
}

/// With `--relay`: registers the built medium (before its file is written, so a refusal leaves
/// nothing behind). Returns a note for a later write failure.
fn register(args: &BuildArgs, bundle: &Bundle) -> Result<Option<String>> {
    let Some(relay) = &args.relay else { return Ok(None) };
    let token =
        crate::relay::admin_token(args.admin_token_file.as_deref()).map_err(|e| anyhow!(e))?;
    let created_by = args
        .created_by
        .clone()
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.trim().is_empty()))
        .unwrap_or_else(|| "osdgate CLI".to_owned());
    let registration = crate::relay::registration(
        &bundle.config.media_id,
        &bundle.config,
        &created_by,
        args.auto_approve,
    )
    .map_err(|e| anyhow!(e))?;
    let record = crate::relay::register_medium(relay, &token, &registration)
        .map_err(|e| anyhow!("{e}\nnothing was written"))?;
    eprintln!(
        "registered medium `{}` at {relay}: deployments {}, expires {}, devices {}",
        record.media_id,
        record.deployments.join(", "),
        bundle.config.expires_at,
        if record.auto_approve { "approved at once" } else { "wait for approval" }
    );
    Ok(Some(format!(
        "medium `{}` is registered at {relay} but its file was not written: revoke it there (POST /api/v1/admin/media/{}/revoke)",
        record.media_id, record.media_id
    )))
}

/// Adds the registration note to a write failure.
fn noting<T>(result: Result<T>, note: Option<String>) -> Result<T> {
    match (result, note) {
        (Err(error), Some(note)) => Err(error.context(note)),
        (result, _) => result,
    }
}

/// The bundle built with the boot files' digests reserved, and the medium of both.
fn medium(args: &BuildArgs, boot: &BootFiles) -> Result<(Bundle, Medium)> {
    let bundle = bundle(args, &pending_boot_entries(&boot.files))?;
    let medium = Medium::new(&boot.files, &bundle.files).map_err(|e| anyhow!("{e}"))?;
    Ok((bundle, medium))
}

fn cmd_bundle(bundle_args: &BundleArgs) -> Result<ExitCode> {
    let args = &bundle_args.build;
    let (bundle, files, listed) = match &bundle_args.boot_files {
        Some(source) => {
            let boot = BootFiles::load(source, &args.output)?;
            let (bundle, mut medium) = medium(args, &boot)?;
            // The zip holds no boot file, so their digests need a pass of their own.
            for (index, offset, len) in medium.pending_ranges() {
                let digest =
                    copy_hashing(&boot.inputs[index], offset, len, &mut std::io::sink())
                        .with_context(|| format!("reading {}", boot.inputs[index].display()))?;
                medium.record(index, offset, len, &digest).map_err(|e| anyhow!("{e}"))?;
            }
            let files = medium.bundle_files().map_err(|e| anyhow!("{e}"))?;
            (bundle, files, boot.files.len())
        }
        None => {
            let bundle = bundle(args, &[])?;
            let files = bundle.files.clone();
            (bundle, files, 0)
        }
    };
    let zip = write_zip(&files).map_err(|e| anyhow!("cannot write the zip: {e}"))?;
    let note = register(args, &bundle)?;
    noting(write_atomically(&args.output, &zip), note)?;
    eprintln!(
        "wrote {} ({} bytes, {} boot files listed): medium `{}` for {}, expires {}, public key {}",
        args.output.display(),
        zip.len(),
        listed,
        bundle.config.media_id,
        bundle.config.relay_url,
        bundle.config.expires_at,
        bundle.config.public_key
    );
    Ok(ExitCode::SUCCESS)
}

fn sha256_hex(bytes: &[u8]) -> String {
    osdgate_model::hex::lower(&Sha256::digest(bytes))
}

/// Every file of a zip: (path, size, SHA-256), and the manifest's bytes.
fn zip_files(bytes: &[u8]) -> Result<(Vec<ManifestEntry>, Option<Vec<u8>>)> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).context("not a readable zip")?;
    let mut files = Vec::new();
    let mut manifest = None;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).context("reading a zip entry")?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().context("a zip entry name")?.into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).with_context(|| format!("reading {name}"))?;
        if name.eq_ignore_ascii_case("osdgate/manifest.json") {
            manifest = Some(data.clone());
        }
        files.push(ManifestEntry {
            path: name,
            size: data.len() as u64,
            sha256: sha256_hex(&data),
        });
    }
    Ok((files, manifest))
}

/// What `verify` found on a medium: every file (path, size, SHA-256), the manifest's bytes and,
/// on an ISO, the loader inside the El Torito FAT image.
struct Found {
    files: Vec<ManifestEntry>,
    manifest: Option<Vec<u8>>,
    loader: Option<Result<ManifestEntry, String>>,
}

impl Found {
    fn add(&mut self, path: String, size: u64, reader: &mut dyn Read) -> Result<()> {
        let is_manifest = path.eq_ignore_ascii_case(&format!("{BUNDLE_DIR}/{MANIFEST}"));
        let mut kept = Vec::new();
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 1 << 20];
        let mut total = 0u64;
        loop {
            let n = reader.read(&mut buffer).with_context(|| format!("reading {path}"))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            if is_manifest && kept.len() < 16 << 20 {
                kept.extend_from_slice(&buffer[..n]);
            }
            total += n as u64;
        }
        if total != size {
            bail!("{path}: {total} bytes could be read of the {size} its directory entry gives");
        }
        if is_manifest {
            self.manifest = Some(kept);
        }
        self.files.push(ManifestEntry {
            path,
            size,
            sha256: osdgate_model::hex::lower(&hasher.finalize()),
        });
        Ok(())
    }
}

/// Every file of an ISO, read through the model's strict ISO reader.
fn iso_files(path: &Path) -> Result<Found> {
    let source = FileSource::open(path)?;
    let listing = read_iso(&source).map_err(|e| anyhow!("{e}"))?;
    let mut found = Found { files: Vec::new(), manifest: None, loader: None };
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    for entry in listing.files {
        file.seek(SeekFrom::Start(entry.offset))?;
        found.add(entry.path, entry.size, &mut (&mut file).take(entry.size))?;
    }
    // The loader UEFI starts: `EFI/BOOT/BOOTX64.EFI` in the FAT image of the EFI boot entry.
    let loader = match listing.boot.iter().find(|e| e.platform == PLATFORM_EFI && e.bootable) {
        None => Err("the disc has no bootable UEFI El Torito entry".to_string()),
        Some(entry) => {
            let disk = Partition {
                file: File::open(path)?,
                start: u64::from(entry.lba) * 2048,
                len: u64::from(entry.sector_count) * 512,
                position: 0,
            };
            let mut inner = Found { files: Vec::new(), manifest: None, loader: None };
            fatfs::FileSystem::new(disk, fatfs::FsOptions::new())
                .map_err(|e| format!("its FAT volume cannot be read: {e}"))
                .and_then(|fs| {
                    walk_fat(fs.root_dir(), "", &mut inner).map_err(|e| format!("{e:#}"))
                })
                .and_then(|()| {
                    inner
                        .files
                        .into_iter()
                        .find(|f| f.path.eq_ignore_ascii_case(BOOT_LOADER))
                        .ok_or_else(|| format!("it holds no {BOOT_LOADER}"))
                })
        }
    };
    found.loader = Some(loader);
    Ok(found)
}

/// A byte range of a file, read-only, as a disk for `fatfs`.
struct Partition {
    file: File,
    start: u64,
    len: u64,
    position: u64,
}

impl Read for Partition {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.position);
        let want = (buf.len() as u64).min(left) as usize;
        self.file.seek(SeekFrom::Start(self.start + self.position))?;
        let n = self.file.read(&mut buf[..want])?;
        self.position += n as u64;
        Ok(n)
    }
}

impl Write for Partition {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("verify never writes to the image"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Seek for Partition {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
        };
        match target {
            Some(at) if at <= self.len => {
                self.position = at;
                Ok(at)
            }
            _ => Err(std::io::Error::other("seek outside the partition")),
        }
    }
}

fn walk_fat<T: fatfs::ReadWriteSeek>(
    dir: fatfs::Dir<'_, T>,
    prefix: &str,
    found: &mut Found,
) -> Result<()> {
    for entry in dir.iter() {
        let entry = entry.with_context(|| format!("reading the folder `{prefix}`"))?;
        let name = entry.file_name();
        if name == "." || name == ".." {
            continue;
        }
        let path = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        if entry.is_dir() {
            walk_fat(entry.to_dir(), &path, found)?;
        } else {
            let size = entry.len();
            found.add(path, size, &mut entry.to_file())?;
        }
    }
    Ok(())
}

/// Every file of a USB image: the GPT read by the model's table reader, the FAT32 volume by
/// `fatfs` (an implementation independent of the writer).
fn usb_files(path: &Path, head: &[u8]) -> Result<Found> {
    let size = std::fs::metadata(path)?.len();
    let range = read_partition(head, size).map_err(|e| anyhow!("{e}"))?;
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let disk = Partition { file, start: range.start, len: range.end - range.start, position: 0 };
    let fs = fatfs::FileSystem::new(disk, fatfs::FsOptions::new())
        .map_err(|e| anyhow!("the FAT volume at byte {} cannot be read: {e}", range.start))?;
    let mut found = Found { files: Vec::new(), manifest: None, loader: None };
    walk_fat(fs.root_dir(), "", &mut found)?;
    Ok(found)
}

/// What a file is, from its first bytes.
enum Kind {
    Zip,
    UsbImage(Vec<u8>),
    Iso,
}

fn kind_of(path: &Path) -> Result<Kind> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut head = Vec::new();
    (&mut file).take(0x8006.max(TABLE_BYTES) as u64).read_to_end(&mut head)?;
    if head.starts_with(b"PK\x03\x04") {
        Ok(Kind::Zip)
    } else if head.get(512..520) == Some(b"EFI PART") {
        Ok(Kind::UsbImage(head))
    } else if head.get(0x8001..0x8006) == Some(b"CD001") {
        Ok(Kind::Iso)
    } else {
        bail!(
            "{}: not a bundle zip, a USB image (GPT) or an ISO 9660 image; give a file `osdgate media` wrote",
            path.display()
        )
    }
}

fn cmd_verify(path: &Path) -> Result<ExitCode> {
    let (what, found) = match kind_of(path)? {
        Kind::Zip => {
            let (files, manifest) =
                zip_files(&read(path)?).with_context(|| path.display().to_string())?;
            ("bundle", Found { files, manifest, loader: None })
        }
        Kind::UsbImage(head) => {
            ("USB image", usb_files(path, &head).with_context(|| path.display().to_string())?)
        }
        Kind::Iso => ("ISO", iso_files(path).with_context(|| path.display().to_string())?),
    };
    let manifest = found
        .manifest
        .ok_or_else(|| anyhow!("{}: holds no osdgate/manifest.json", path.display()))?;
    let manifest: Manifest =
        read_manifest(&manifest).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let (mut problems, checked): (Vec<VerifyProblem>, usize) = if what == "bundle" {
        (verify_files(&manifest, &found.files), manifest.files.len())
    } else {
        (verify_medium(&manifest, &found.files), manifest.files.len() + manifest.boot_files.len())
    };
    if let Some(loader) = found.loader {
        problems.extend(verify_boot_loader(&manifest, &found.files, loader));
    }
    if problems.is_empty() {
        println!(
            "{}: {what} of medium `{}`: all {checked} files match the manifest ({} bundle files, {} boot files{})",
            path.display(),
            manifest.media_id,
            manifest.files.len(),
            manifest.boot_files.len(),
            if what == "bundle" && !manifest.boot_files.is_empty() {
                ", which are not in the zip and are checked on the USB image or ISO"
            } else {
                ""
            }
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for problem in &problems {
            println!("{}: {problem}", path.display());
        }
        Ok(ExitCode::from(1))
    }
}

/// The boot files: every file under a folder, in a zip (extracted next to the output first) or in
/// an ISO (read in place), with paths from the root. The medium files reference `inputs` by index.
struct BootFiles {
    files: Vec<MediumFile>,
    inputs: Vec<PathBuf>,
    /// A scratch folder (the extracted zip), removed on drop.
    scratch: Option<PathBuf>,
}

impl Drop for BootFiles {
    fn drop(&mut self) {
        if let Some(scratch) = &self.scratch {
            let _ = std::fs::remove_dir_all(scratch);
        }
    }
}

impl BootFiles {
    fn load(source: &Path, output: &Path) -> Result<BootFiles> {
        let mut boot = if source.is_dir() {
            BootFiles::folder(source.to_path_buf(), None)?
        } else {
            let mut file = File::open(source)
                .with_context(|| format!("--boot-files {}: cannot open", source.display()))?;
            let mut head = Vec::new();
            (&mut file).take(0x8006).read_to_end(&mut head)?;
            if head.starts_with(b"PK\x03\x04") {
                let scratch = tempdir_near(output)?;
                let dir = scratch.join("boot-files");
                let extracted = zip::ZipArchive::new(file)
                    .with_context(|| {
                        format!("--boot-files {}: not a readable zip", source.display())
                    })
                    .and_then(|mut archive| {
                        archive.extract(&dir).with_context(|| {
                            format!("--boot-files {}: cannot extract", source.display())
                        })
                    });
                if let Err(error) = extracted {
                    let _ = std::fs::remove_dir_all(&scratch);
                    return Err(error);
                }
                BootFiles::folder(dir, Some(scratch))?
            } else if head.get(0x8001..0x8006) == Some(b"CD001") {
                BootFiles::iso(source)?
            } else {
                bail!(
                    "--boot-files {}: not a folder, a zip or an ISO 9660 image (a UDF-only ISO has no ISO 9660 tree: mount it and give the folder)",
                    source.display()
                );
            }
        };
        boot.files = boot_files(std::mem::take(&mut boot.files))
            .map_err(|e| anyhow!("--boot-files {}: {e}", source.display()))?;
        Ok(boot)
    }

    fn iso(source: &Path) -> Result<BootFiles> {
        let iso = FileSource::open(source)?;
        let listing =
            read_iso(&iso).map_err(|e| anyhow!("--boot-files {}: {e}", source.display()))?;
        let files = iso_boot_files(&listing, 0);
        Ok(BootFiles { files, inputs: vec![source.to_path_buf()], scratch: None })
    }

    fn folder(root: PathBuf, scratch: Option<PathBuf>) -> Result<BootFiles> {
        let mut boot = BootFiles { files: Vec::new(), inputs: Vec::new(), scratch };
        let mut pending = vec![root.clone()];
        while let Some(dir) = pending.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&dir)
                .with_context(|| format!("cannot list {}", dir.display()))?
                .collect::<std::io::Result<_>>()
                .with_context(|| format!("cannot list {}", dir.display()))?;
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let path = entry.path();
                let kind =
                    entry.file_type().with_context(|| format!("cannot stat {}", path.display()))?;
                if kind.is_dir() {
                    pending.push(path);
                } else if kind.is_file() {
                    let relative = path
                        .strip_prefix(&root)
                        .map_err(|_| anyhow!("{} is outside {}", path.display(), root.display()))?;
                    let name = relative
                        .components()
                        .map(|c| c.as_os_str().to_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| anyhow!("{}: the name is not Unicode", path.display()))?
                        .join("/");
                    let size = entry
                        .metadata()
                        .with_context(|| format!("cannot stat {}", path.display()))?
                        .len();
                    boot.files.push(MediumFile {
                        path: name,
                        content: Content::Input { index: boot.inputs.len(), offset: 0, size },
                    });
                    boot.inputs.push(path);
                }
            }
        }
        Ok(boot)
    }
}

/// Copies `len` bytes of `input` from `offset` to `out`, hashing them on the way: the boot files
/// are read once, for the image and for the manifest's digest together.
fn copy_hashing(
    input: &Path,
    offset: u64,
    len: u64,
    out: &mut dyn Write,
) -> std::io::Result<[u8; 32]> {
    let mut file = File::open(input)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; COPY_CHUNK];
    let mut left = len;
    while left > 0 {
        let want = left.min(COPY_CHUNK as u64) as usize;
        let n = file.read(&mut buffer[..want])?;
        if n == 0 {
            return Err(std::io::Error::other(format!(
                "{} shrank while the medium was written ({} of {len} bytes from offset {offset} read)",
                input.display(),
                len - left
            )));
        }
        hasher.update(&buffer[..n]);
        out.write_all(&buffer[..n])?;
        left -= n as u64;
    }
    Ok(hasher.finalize().into())
}

/// How much of a boot file is read, hashed and written at once.
const COPY_CHUNK: usize = 4 << 20;

/// Streams an image into a temporary file next to `output`, then renames it: the output is never
/// half-written, and a failure leaves no temporary file behind.
fn write_streamed(
    output: &Path,
    inputs: &[PathBuf],
    medium: &mut Medium,
    emit: impl FnOnce(&mut dyn FnMut(Part) -> std::io::Result<()>) -> std::io::Result<()>,
) -> Result<()> {
    write_file_atomically(output, |file, temp| {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        // Zeros become holes (the file is new, so they read as zeros); boot files are copied and
        // hashed in one read, and the manifest, planned with their digests reserved and placed
        // after them, is completed when the writer reaches it.
        let mut sink = |part: Part| -> std::io::Result<()> {
            match part {
                Part::Bytes(bytes) => out.write_all(&bytes),
                Part::Zeros(len) => {
                    out.flush()?;
                    out.get_mut()
                        .seek(SeekFrom::Current(i64::try_from(len).map_err(std::io::Error::other)?))
                        .map(|_| ())
                }
                Part::Input { index, offset, len } => {
                    out.flush()?;
                    let digest = copy_hashing(&inputs[index], offset, len, out.get_mut())?;
                    medium.record(index, offset, len, &digest).map_err(std::io::Error::other)
                }
                Part::Deferred { slot, len } => {
                    let bytes = medium.deferred(slot).map_err(std::io::Error::other)?;
                    if bytes.len() as u64 != len {
                        return Err(std::io::Error::other(format!(
                            "deferred file {slot}: {} bytes where {len} were planned",
                            bytes.len()
                        )));
                    }
                    out.write_all(&bytes)
                }
            }
        };
        emit(&mut sink).with_context(|| format!("cannot write {}", temp.display()))?;
        out.flush().with_context(|| format!("cannot write {}", temp.display()))
    })
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

fn cmd_usb(args: &UsbArgs) -> Result<ExitCode> {
    let boot = BootFiles::load(&args.boot_files, &args.build.output)?;
    let (bundle, mut medium) = medium(&args.build, &boot)?;
    let image = UsbImage::plan(medium.files(), medium.usb_options(args.free_mib << 20))
        .map_err(|e| anyhow!("{e}"))?;
    let note = register(&args.build, &bundle)?;
    noting(
        write_streamed(&args.build.output, &boot.inputs, &mut medium, |sink| image.emit(sink)),
        note,
    )?;
    let summary = image.summary();
    eprintln!(
        "wrote {}: {} USB image (FAT32, {} clusters of {} bytes), files {}, free {}; medium `{}` for {}, expires {}",
        args.build.output.display(),
        mib(summary.image_bytes),
        summary.volume.clusters,
        summary.volume.cluster_bytes,
        mib(summary.volume.file_bytes),
        mib(summary.volume.free_bytes),
        bundle.config.media_id,
        bundle.config.relay_url,
        bundle.config.expires_at
    );
    Ok(ExitCode::SUCCESS)
}

fn cmd_iso(args: &IsoArgs) -> Result<ExitCode> {
    let boot = BootFiles::load(&args.boot_files, &args.build.output)?;
    // The label is checked before the bundle's key derivation (about a second).
    IsoImage::plan(boot.files.clone(), IsoOptions { label: args.label.clone(), serial: 0 })
        .map_err(|e| anyhow!("{e}"))?;
    let (bundle, mut medium) = medium(&args.build, &boot)?;
    let image = IsoImage::plan(medium.files(), medium.iso_options(&args.label))
        .map_err(|e| anyhow!("{e}"))?;
    let note = register(&args.build, &bundle)?;
    noting(
        write_streamed(&args.build.output, &boot.inputs, &mut medium, |sink| image.emit(sink)),
        note,
    )?;
    let summary = image.summary();
    eprintln!(
        "wrote {}: {} ISO (ISO 9660 + Joliet, UEFI El Torito image of {}), {} files, {} folders; medium `{}` for {}, expires {}",
        args.build.output.display(),
        mib(summary.image_bytes),
        mib(summary.boot_image.volume_bytes),
        summary.files,
        summary.directories,
        bundle.config.media_id,
        bundle.config.relay_url,
        bundle.config.expires_at
    );
    Ok(ExitCode::SUCCESS)
}

/// A scratch folder next to `output` (for extracting zipped boot files), removed afterwards.
fn tempdir_near(output: &Path) -> Result<PathBuf> {
    let scratch = folder_of(output).join(format!(".osdgate-media-{}.tmp", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    Ok(scratch)
}
