//! `osdgate media ...`: build boot media (bundle, USB image, ISO) and verify them (issue 11). The
//! formats live in `osdgate_model::media`; this module reads files, draws random bytes from the OS,
//! writes outputs atomically and prints.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use osdgate_model::media::bundle::{
    Bundle, BundleInput, ManifestEntry, build_bundle, plan_medium, read_manifest, resolve_roots,
    verify_files, write_zip,
};
use osdgate_model::media::identity::{DEFAULT_KDF, KdfParams, MediaRandom, Protection};
use osdgate_model::trust::{TrustCertificate, read_certificates};
use sha2::{Digest, Sha256};

use crate::check::{now_from, read_document};
use crate::output::write_atomically;

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

#[derive(Debug, Subcommand)]
enum MediaCommand {
    /// Build the bundle (a zip of the folder `osdgate`) to copy onto prepared boot media.
    Bundle(BuildArgs),
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
