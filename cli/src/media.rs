//! `osdgate media ...`: build boot media (bundle, USB image, ISO) and verify them (issue 11). The
//! formats live in `osdgate_model::media`; this module reads files, draws random bytes from the OS,
//! writes outputs atomically and prints.

use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use osdgate_model::media::bundle::{
    Bundle, BundleInput, ManifestEntry, build_bundle, plan_medium, read_manifest, resolve_roots,
    verify_files, write_zip,
};
use osdgate_model::media::fat::{Content, MediumFile, Part};
use osdgate_model::media::identity::{DEFAULT_KDF, KdfParams, MediaRandom, Protection};
use osdgate_model::media::usb::{UsbImage, UsbOptions, bundle_files};
use osdgate_model::trust::{TrustCertificate, read_certificates};
use sha2::{Digest, Sha256};

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
    /// A file whose first line is the media password.
    #[arg(long, conflicts_with = "unattended")]
    password_file: Option<PathBuf>,
    /// Build unattended media: no password, the key stored unsealed. Weaker: anyone holding the
    /// medium can start the deployment until it expires or is revoked.
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
}

/// A USB image's inputs beyond the bundle's.
#[derive(Debug, Args)]
struct UsbArgs {
    #[command(flatten)]
    build: BuildArgs,
    /// The Windows PE boot files, prepared with `osdgate bootimage script`: a folder (the ADK's
    /// `media` folder after copype, or a copy of a WinPE ISO's files) or a zip of one.
    #[arg(long)]
    boot_files: PathBuf,
    /// Free space to leave on the stick's volume, in MiB.
    #[arg(long, default_value_t = 64)]
    free_mib: u64,
}

#[derive(Debug, Subcommand)]
enum MediaCommand {
    /// Build the bundle (a zip of the folder `osdgate`) to copy onto prepared boot media.
    Bundle(BuildArgs),
    /// Build a raw USB disk image (GPT, one FAT32 partition UEFI boots) holding the boot files and
    /// the bundle; write it to a stick with any imager (dd, Rufus in DD mode, balenaEtcher).
    Usb(UsbArgs),
    /// Check a bundle against its manifest. Exit 1 when a file is missing or differs.
    Verify {
        /// A bundle zip.
        file: PathBuf,
    },
}

/// Runs `osdgate media ...`.
pub fn run(args: MediaArgs) -> ExitCode {
    let result = match args.command {
        MediaCommand::Bundle(build) => cmd_bundle(&build),
        MediaCommand::Usb(usb) => cmd_usb(&usb),
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

fn protection(args: &BuildArgs, document_password: Option<&str>) -> Result<Protection> {
    if args.unattended {
        eprintln!(
            "osdgate media: WARNING: unattended media: no password protects the key; anyone holding the medium can start the deployment until it expires or is revoked"
        );
        return Ok(Protection::Unattended);
    }
    if let Some(path) = &args.password_file {
        let text = String::from_utf8(read(path)?)
            .map_err(|_| anyhow!("--password-file {}: not UTF-8 text", path.display()))?;
        let password = text.lines().next().unwrap_or_default().to_string();
        if password.is_empty() {
            bail!("--password-file {}: the first line is empty", path.display());
        }
        return Ok(Protection::Password(password));
    }
    if let Some(password) = document_password {
        eprintln!(
            "osdgate media: WARNING: using the password stored in the document; keep it out of the document and give it with --password-file"
        );
        return Ok(Protection::Password(password.to_string()));
    }
    bail!(
        "no media password: give --password-file FILE (or --unattended for weaker media without one)"
    )
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
fn bundle(args: &BuildArgs) -> Result<Bundle> {
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
    let document_password = plan
        .document()
        .media
        .iter()
        .find(|m| m.id == spec.media_id)
        .and_then(|m| m.password.as_deref());
    let protection = protection(args, document_password)?;
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
    })
    .map_err(|e| anyhow!("{e}"))
}

fn cmd_bundle(args: &BuildArgs) -> Result<ExitCode> {
    let bundle = bundle(args)?;
    let zip = write_zip(&bundle.files).map_err(|e| anyhow!("cannot write the zip: {e}"))?;
    write_atomically(&args.output, &zip)?;
    eprintln!(
        "wrote {} ({} bytes): medium `{}` for {}, expires {}, public key {}",
        args.output.display(),
        zip.len(),
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

fn cmd_verify(path: &Path) -> Result<ExitCode> {
    let bytes = read(path)?;
    if !bytes.starts_with(b"PK\x03\x04") {
        bail!("{}: not a bundle zip", path.display());
    }
    let (files, manifest) = zip_files(&bytes).with_context(|| path.display().to_string())?;
    let manifest =
        manifest.ok_or_else(|| anyhow!("{}: holds no osdgate/manifest.json", path.display()))?;
    let manifest = read_manifest(&manifest).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let problems = verify_files(&manifest, &files);
    if problems.is_empty() {
        println!(
            "{}: medium `{}`: all {} files match the manifest",
            path.display(),
            manifest.media_id,
            manifest.files.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for problem in &problems {
            println!("{}: {problem}", path.display());
        }
        Ok(ExitCode::from(1))
    }
}

/// The boot files: every file under a folder (or in a zip, extracted next to the output first),
/// with paths from the folder's root. Returns the medium files and the input paths they reference.
fn boot_files(source: &Path, scratch: &Path) -> Result<(Vec<MediumFile>, Vec<PathBuf>)> {
    let root = if source.is_dir() {
        source.to_path_buf()
    } else {
        let bytes = read(source).with_context(|| "--boot-files")?;
        if bytes.starts_with(b"PK\x03\x04") {
            let dir = scratch.join("boot-files");
            let mut archive =
                zip::ZipArchive::new(std::io::Cursor::new(bytes)).with_context(|| {
                    format!("--boot-files {}: not a readable zip", source.display())
                })?;
            archive
                .extract(&dir)
                .with_context(|| format!("--boot-files {}: cannot extract", source.display()))?;
            dir
        } else if bytes.len() > 0x8006 && &bytes[0x8001..0x8006] == b"CD001" {
            bail!(
                "--boot-files {}: reading boot files from an ISO is not supported yet; mount the ISO (or extract it with `xorriso -osirrox on -indev FILE -extract / DIR`) and give the folder",
                source.display()
            );
        } else {
            bail!("--boot-files {}: not a folder, a zip or an ISO", source.display());
        }
    };
    let mut files = Vec::new();
    let mut inputs = Vec::new();
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
                if name.to_ascii_lowercase().starts_with("osdgate/") {
                    bail!(
                        "--boot-files: {} is in the folder `osdgate`, where the bundle goes; remove it",
                        path.display()
                    );
                }
                files.push(MediumFile {
                    path: name,
                    content: Content::Input { index: inputs.len(), offset: 0, size },
                });
                inputs.push(path);
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, inputs))
}

/// Streams an image into a temporary file next to `output`, then renames it: the output is never
/// half-written, and a failure leaves no temporary file behind.
fn write_streamed(
    output: &Path,
    inputs: &[PathBuf],
    emit: impl FnOnce(&mut dyn FnMut(Part) -> std::io::Result<()>) -> std::io::Result<()>,
) -> Result<()> {
    write_file_atomically(output, |file, temp| {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        let mut position = 0u64;
        // Zeros become holes (the file is new, so they read as zeros) and input ranges are copied
        // file to file, which lets the kernel copy them (copy_file_range) without passing through
        // this process.
        let mut sink = |part: Part| -> std::io::Result<()> {
            position += part.len();
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
                    let mut file = std::fs::File::open(&inputs[index])?;
                    file.seek(SeekFrom::Start(offset))?;
                    let copied = std::io::copy(&mut file.take(len), out.get_mut())?;
                    if copied == len {
                        Ok(())
                    } else {
                        Err(std::io::Error::other(format!(
                            "{} shrank while the image was written",
                            inputs[index].display()
                        )))
                    }
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
    let bundle = bundle(&args.build)?;
    let scratch_dir = tempdir_near(&args.build.output)?;
    let result = (|| -> Result<ExitCode> {
        let (mut files, inputs) = boot_files(&args.boot_files, &scratch_dir)?;
        files.extend(bundle_files(&bundle.files));
        let manifest = &bundle.files.last().map(|f| f.bytes.clone()).unwrap_or_default();
        let digest = Sha256::digest(manifest);
        let mut identity = [0u8; 16];
        identity.copy_from_slice(&digest[..16]);
        let image = UsbImage::plan(files, UsbOptions { free_bytes: args.free_mib << 20, identity })
            .map_err(|e| anyhow!("{e}"))?;
        write_streamed(&args.build.output, &inputs, |sink| image.emit(sink))?;
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
    })();
    let _ = std::fs::remove_dir_all(&scratch_dir);
    result
}

/// A scratch folder next to `output` (for extracting zipped boot files), removed afterwards.
fn tempdir_near(output: &Path) -> Result<PathBuf> {
    let scratch = folder_of(output).join(format!(".osdgate-media-{}.tmp", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    Ok(scratch)
}
