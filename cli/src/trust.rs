//! `osdgate trust ...`: certificate → WinPE registry patch (issue 4, item 6). The formats live in
//! `osdgate_model::trust`; this module only reads files, writes files atomically and prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::output::write_atomically;
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use osdgate_model::trust::blob::{PropertyCheck, property_name};
use osdgate_model::trust::chain::check_gateway;
use osdgate_model::trust::lint::{LintContext, lint, parse_date_unix};
use osdgate_model::trust::patch::{PatchInput, PatchOptions, assemble, blob_problems};
use osdgate_model::trust::reg::{self, FoundBlob};
use osdgate_model::trust::scripts::{
    self, APPLY_TRUST_CMD, APPLY_TRUST_PS1, ApplyScriptParams, PatchFile,
};
use osdgate_model::trust::{BlobProfile, Hive, Store, TrustCertificate, read_certificates};

/// Trusted roots for boot media: build, inspect and apply WinPE registry patches.
#[derive(Debug, Args)]
pub struct TrustArgs {
    #[command(subcommand)]
    command: TrustCommand,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StoreArg {
    #[value(name = "AuthRoot", alias = "authroot")]
    AuthRoot,
    #[value(name = "ROOT", alias = "root", alias = "Root")]
    Root,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum HiveArg {
    #[value(name = "winpe-offline")]
    WinpeOffline,
    #[value(name = "SOFTWARE", alias = "software")]
    Software,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProfileArg {
    Windows,
    Minimal,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum TrustCommand {
    /// Write the .reg patch that adds certificates (PEM, DER, .p7b/.p7c, or a .reg exported by
    /// Windows, which is re-targeted) to a trusted-root store.
    Reg {
        /// Certificate files, or .reg exports to re-target.
        #[arg(required = true)]
        certs: Vec<PathBuf>,
        /// The store: AuthRoot (default for certificates; a .reg input keeps its own store unless
        /// this is given) or ROOT.
        #[arg(long, value_enum)]
        store: Option<StoreArg>,
        /// Where the SOFTWARE hive is: winpe-offline (the boot image's hive loaded by the apply
        /// scripts) or SOFTWARE (a running system).
        #[arg(long, value_enum, default_value = "winpe-offline")]
        hive: HiveArg,
        /// Blob properties: windows (what Windows 10 writes) or minimal (SHA-1 + certificate).
        #[arg(long, value_enum, default_value = "windows")]
        profile: ProfileArg,
        /// Output file; standard output when absent.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Lint certificates for use as trusted roots; with --gateway, check that they make the
    /// gateway's certificate trusted. Exits 1 when a certificate is unusable as a root or the
    /// gateway is not trusted, 2 when an input cannot be read.
    Inspect {
        /// Certificate files (PEM, DER, .p7b/.p7c).
        #[arg(required = true)]
        certs: Vec<PathBuf>,
        /// The gateway's TLS certificate or chain (leaf first or in any order).
        #[arg(long)]
        gateway: Option<PathBuf>,
        /// The date until which the boot media will be used (YYYY-MM-DD or RFC 3339).
        #[arg(long)]
        media_expiry: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// List every certificate blob in a .reg file, its properties and whether they match the
    /// embedded certificate. Exits 1 when a blob is inconsistent.
    Decode {
        /// A .reg file (UTF-16 or 8-bit, REGEDIT4 or version 5).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Write apply-trust.ps1 and apply-trust.cmd, which apply .reg patches to a boot.wim.
    Script {
        /// Path of the boot image on the Windows machine that runs the scripts.
        #[arg(long)]
        wim: String,
        /// Image index in the WIM.
        #[arg(long)]
        index: u32,
        /// Mount directory on the Windows machine (default %TEMP%\osdgate-mount).
        #[arg(long)]
        mount_dir: Option<String>,
        /// Folder to write the scripts to (default: the current folder).
        #[arg(short = 'o', long = "output-dir", default_value = ".")]
        output_dir: PathBuf,
        /// The .reg patches (targeting winpe-offline); copy them next to the scripts.
        #[arg(required = true)]
        regs: Vec<PathBuf>,
    },
}

/// Runs `osdgate trust ...`.
pub fn run(args: TrustArgs) -> ExitCode {
    let result = match args.command {
        TrustCommand::Reg { certs, store, hive, profile, output } => {
            cmd_reg(&certs, store, hive, profile, output.as_deref())
        }
        TrustCommand::Inspect { certs, gateway, media_expiry, format } => {
            cmd_inspect(&certs, gateway.as_deref(), media_expiry.as_deref(), format)
        }
        TrustCommand::Decode { file, format } => cmd_decode(&file, format),
        TrustCommand::Script { wim, index, mount_dir, output_dir, regs } => {
            cmd_script(wim, index, mount_dir, &output_dir, &regs)
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // Every error that reaches here is about the input (unreadable, not a certificate,
            // invalid parameters): exit code 2, distinct from inspect's "unusable" (1).
            eprintln!("osdgate trust: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Certificates of one file, with a clear error naming the file.
fn load_certificates(path: &Path) -> Result<Vec<TrustCertificate>> {
    let bytes = read_file(path)?;
    let read = read_certificates(&bytes, &path.display().to_string())?;
    Ok(read.certificates)
}

fn cmd_reg(
    inputs: &[PathBuf],
    store: Option<StoreArg>,
    hive: HiveArg,
    profile: ProfileArg,
    output: Option<&Path>,
) -> Result<ExitCode> {
    let hive = match hive {
        HiveArg::WinpeOffline => Hive::WinpeOffline,
        HiveArg::Software => Hive::Software,
    };
    let store = store.map(|s| match s {
        StoreArg::AuthRoot => Store::AuthRoot,
        StoreArg::Root => Store::Root,
    });
    let profile = match profile {
        ProfileArg::Windows => BlobProfile::Windows,
        ProfileArg::Minimal => BlobProfile::Minimal,
    };
    let contents = inputs.iter().map(|path| read_file(path)).collect::<Result<Vec<_>>>()?;
    let names: Vec<String> = inputs.iter().map(|path| path.display().to_string()).collect();
    let patch_inputs: Vec<PatchInput<'_>> =
        names.iter().zip(&contents).map(|(name, bytes)| PatchInput { name, bytes }).collect();
    let options = PatchOptions { store, hive, profile, now_unix: now_unix() };
    let patch = assemble(&patch_inputs, options)?;
    for note in &patch.notes {
        eprintln!("{note}");
    }
    let bytes = patch.reg_bytes();
    match output {
        Some(path) => {
            write_atomically(path, &bytes)?;
            eprintln!("wrote {} ({} certificate(s))", path.display(), patch.entries.len());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes).context("cannot write to standard output")?;
            stdout.flush().context("cannot write to standard output")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses blobs that do not decode or do not match their certificate or key name.
pub(crate) fn check_found_blobs(path: &Path, found: &[FoundBlob]) -> Result<()> {
    let problems = blob_problems(found);
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("{}:\n  {}", path.display(), problems.join("\n  "))
    }
}

fn cmd_inspect(
    inputs: &[PathBuf],
    gateway: Option<&Path>,
    media_expiry: Option<&str>,
    format: Format,
) -> Result<ExitCode> {
    let media_expiry_unix = media_expiry
        .map(|text| parse_date_unix(text).map_err(|e| anyhow!("--media-expiry: {e}")))
        .transpose()?;
    let context = LintContext { now_unix: now_unix(), media_expiry_unix };
    let mut roots = Vec::new();
    let mut reports = Vec::new();
    for path in inputs {
        for cert in load_certificates(path)? {
            let report = lint(&cert, context);
            reports.push((path.display().to_string(), report));
            roots.push(cert);
        }
    }
    let gateway_trust = match gateway {
        Some(path) => Some(check_gateway(&roots, &load_certificates(path)?, context.now_unix)),
        None => None,
    };
    let failed = reports.iter().any(|(_, r)| !r.usable_as_root)
        || gateway_trust.as_ref().is_some_and(|g| !g.trusted);

    if format == Format::Json {
        let certificates: Vec<serde_json::Value> = reports
            .iter()
            .map(|(file, report)| {
                let mut value = serde_json::to_value(report).unwrap_or_default();
                if let Some(object) = value.as_object_mut() {
                    object.insert("file".to_string(), serde_json::Value::String(file.clone()));
                }
                value
            })
            .collect();
        let json = serde_json::json!({ "certificates": certificates, "gateway": gateway_trust });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        for (file, r) in &reports {
            println!("{file}: {}", r.display_name);
            println!("  subject:    {}", r.subject);
            println!("  issuer:     {}", r.issuer);
            println!("  role:       {:?}", r.role);
            println!("  valid:      {} .. {}", r.not_before, r.not_after);
            println!("  signature:  {}", r.signature_algorithm);
            println!("  public key: {}", r.public_key);
            println!("  serial:     {}", r.serial);
            println!("  SHA-1:      {}", r.sha1);
            println!("  SHA-256:    {}", r.sha256);
            for f in &r.findings {
                println!("  {} {} ({}): {}", f.severity, f.rule, f.path, f.message);
                println!("    fix: {}", f.fix);
            }
            println!(
                "  => {}",
                if r.usable_as_root {
                    "usable as a trusted root"
                } else {
                    "UNUSABLE as a trusted root"
                }
            );
        }
        if let Some(g) = &gateway_trust {
            println!(
                "gateway: {}",
                if g.trusted {
                    "TRUSTED by the chosen roots"
                } else {
                    "NOT trusted by the chosen roots"
                }
            );
            for step in &g.path {
                println!("  {:<12} {} ({})", step.role, step.subject, step.sha1);
            }
            for reason in &g.reasons {
                println!("  why: {reason}");
            }
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn cmd_decode(path: &Path, format: Format) -> Result<ExitCode> {
    let bytes = read_file(path)?;
    let doc = reg::read_reg(&bytes).with_context(|| format!("{}", path.display()))?;
    let found = doc.certificate_blobs();
    let mut failed = false;
    let mut json_blobs = Vec::new();
    if format == Format::Text {
        println!(
            "{}: {:?}{}, {} key(s), {} certificate blob(s)",
            path.display(),
            doc.encoding,
            if doc.regedit4 { ", REGEDIT4" } else { "" },
            doc.keys.len(),
            found.len()
        );
        for problem in &doc.problems {
            println!("  skipped {problem}");
        }
    }
    for blob in &found {
        let key_problems = blob.key_problems();
        match &blob.decoded {
            Err(e) => {
                failed = true;
                if format == Format::Text {
                    println!("[{}] (line {})\n  does not decode: {e}", blob.key_path, blob.line);
                }
                json_blobs.push(serde_json::json!({
                    "key": blob.key_path, "line": blob.line, "error": e.to_string()
                }));
            }
            Ok(decoded) => {
                let consistent = decoded.is_consistent() && key_problems.is_empty();
                failed |= !consistent;
                let subject = decoded.certificate.as_ref().map(|c| c.subject());
                if format == Format::Text {
                    println!("[{}] (line {})", blob.key_path, blob.line);
                    println!(
                        "  store {}, hive prefix {}, subject {}",
                        blob.location.store,
                        blob.location.prefix,
                        subject.as_deref().unwrap_or("(no certificate)")
                    );
                    print!("{decoded}");
                    for p in &key_problems {
                        println!("  problem: {p}");
                    }
                    println!("  => {}", if consistent { "consistent" } else { "INCONSISTENT" });
                }
                let properties: Vec<serde_json::Value> = decoded
                    .checks()
                    .into_iter()
                    .zip(&decoded.entries)
                    .map(|((id, check), entry)| {
                        serde_json::json!({
                            "id": id,
                            "name": property_name(id),
                            "length": entry.value.len(),
                            "check": check,
                            "matches": matches!(check, PropertyCheck::Matches),
                        })
                    })
                    .collect();
                json_blobs.push(serde_json::json!({
                    "key": blob.key_path,
                    "line": blob.line,
                    "store": blob.location.store,
                    "thumbprint": blob.location.thumbprint,
                    "subject": subject,
                    "properties": properties,
                    "problems": decoded.problems.iter().chain(&key_problems).collect::<Vec<_>>(),
                    "consistent": consistent,
                }));
            }
        }
    }
    if format == Format::Json {
        let problems: Vec<String> = doc.problems.iter().map(|p| p.to_string()).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "file": path.display().to_string(),
                "blobs": json_blobs,
                "skipped_lines": problems,
            }))?
        );
    }
    if found.is_empty() {
        eprintln!("{}: no certificate blob found", path.display());
        failed = true;
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// A `.reg` patch for the boot image's offline hive, for the DISM scripts of `osdgate trust script`
/// and `osdgate bootimage script`: its file name and the certificate keys it writes.
pub(crate) fn patch_file(path: &Path) -> Result<PatchFile> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let doc = reg::read_reg(&bytes).with_context(|| format!("{}", path.display()))?;
    let found = doc.certificate_blobs();
    if found.is_empty() {
        bail!("{}: holds no certificate; write one with `osdgate trust reg`", path.display());
    }
    check_found_blobs(path, &found)?;
    let file_name = path
        .file_name()
        .ok_or_else(|| anyhow!("{} is not a file", path.display()))?
        .to_string_lossy()
        .into_owned();
    Ok(PatchFile { file_name, keys: found.iter().map(|b| b.key_path.clone()).collect() })
}

fn cmd_script(
    wim: String,
    index: u32,
    mount_dir: Option<String>,
    output_dir: &Path,
    regs: &[PathBuf],
) -> Result<ExitCode> {
    let patches = regs.iter().map(|p| patch_file(p)).collect::<Result<Vec<_>>>()?;
    let params = ApplyScriptParams { wim_path: wim, index, mount_dir, patches, launcher: None };
    let generated = scripts::generate(&params)
        .map_err(|problems| anyhow!("invalid parameters:\n  {}", problems.join("\n  ")))?;
    std::fs::create_dir_all(output_dir)
        .with_context(|| format!("cannot create {}", output_dir.display()))?;
    for (name, bytes) in generated.files() {
        write_atomically(&output_dir.join(name), &bytes)?;
    }
    eprintln!(
        "wrote {APPLY_TRUST_PS1} and {APPLY_TRUST_CMD} to {}; copy them and the .reg file(s) into one folder on the Windows machine and run one of them elevated",
        output_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
