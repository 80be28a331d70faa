//! Assembling a registry patch from what an admin hands over — certificate files (PEM, DER,
//! PKCS#7) and `.reg` exports from Windows, in any mix — exactly as `osdgate trust reg` does, so
//! the CLI and the console write the same bytes for the same inputs: `.reg` blobs are checked and
//! re-targeted to the chosen hive (and store, when one is chosen), certificates are linted and
//! encoded with the chosen profile, and a certificate given twice is written once (the first
//! occurrence wins, by registry key).

use std::collections::HashSet;
use std::fmt;

use super::blob::BlobProfile;
use super::certificate::{CertificateReadError, TrustCertificate, read_certificates};
use super::lint::{CertificateReport, LintContext, Severity, lint};
use super::reg::{
    self, CertificateKeyPath, FoundBlob, Hive, RegCertificateEntry, RegProblem, RegReadError, Store,
};

/// One input: its name (a file name, for messages) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct PatchInput<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// The choices of `osdgate trust reg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatchOptions {
    /// The store; `None`: certificates go to `AuthRoot`, `.reg` blobs keep their own store.
    pub store: Option<Store>,
    pub hive: Hive,
    pub profile: BlobProfile,
    /// Now, in seconds since the Unix epoch (for the lint).
    pub now_unix: u64,
}

/// Something the admin should know that does not stop the patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchNote {
    /// A line of a `.reg` input that was skipped.
    RegLineSkipped { input: String, problem: RegProblem },
    /// A lint finding (warning or error) of a certificate input.
    Lint { input: String, display_name: String, severity: Severity, message: String },
}

impl fmt::Display for PatchNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatchNote::RegLineSkipped { input, problem } => {
                write!(f, "warning: {input}: {problem}")
            }
            PatchNote::Lint { input, display_name, severity, message } => write!(
                f,
                "{}: {input} ({display_name}): {message}",
                if *severity == Severity::Error {
                    "warning: unusable as a root"
                } else {
                    "warning"
                }
            ),
        }
    }
}

/// A certificate that went into the patch (or was a duplicate of one that did), with its lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchCertificate {
    /// The input it came from.
    pub input: String,
    /// Whether it came from a `.reg` blob (kept byte for byte) rather than a certificate file.
    pub from_reg: bool,
    /// The registry key it is written under.
    pub key_path: String,
    /// `false` when an earlier input already had this key (written once).
    pub written: bool,
    pub report: CertificateReport,
    /// The certificate, e.g. to check a gateway's chain against the patch's roots.
    pub certificate: TrustCertificate,
}

/// The assembled patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssembledPatch {
    /// The registry entries, in input order, without duplicates.
    pub entries: Vec<RegCertificateEntry>,
    pub notes: Vec<PatchNote>,
    /// Every certificate met, in input order (duplicates included, marked).
    pub certificates: Vec<PatchCertificate>,
}

impl AssembledPatch {
    /// The certificates written (each once), e.g. the roots to check a gateway's chain against.
    pub fn roots(&self) -> Vec<TrustCertificate> {
        self.certificates.iter().filter(|c| c.written).map(|c| c.certificate.clone()).collect()
    }

    /// The `.reg` file (UTF-16LE with BOM, CRLF), as `osdgate trust reg` writes it.
    pub fn reg_bytes(&self) -> Vec<u8> {
        reg::write_reg(&self.entries)
    }
}

/// Why no patch can be assembled from the inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// A `.reg` input is not a `.reg` file after all.
    #[error("{input}: {source}")]
    Reg { input: String, source: RegReadError },
    /// A `.reg` input holds no certificate blob.
    #[error("{input}: no certificate blob in this .reg file")]
    NoBlob { input: String },
    /// A `.reg` input has blobs that do not decode or do not match their certificate or key.
    #[error("{input}:\n  {}", problems.join("\n  "))]
    Inconsistent { input: String, problems: Vec<String> },
    /// A certificate input cannot be read (the error names the input).
    #[error(transparent)]
    Certificate(#[from] CertificateReadError),
    /// Nothing was given.
    #[error("no input: give certificate files (PEM, DER, .p7b) or .reg exports")]
    NoInput,
}

/// Whether `bytes` is a `.reg` export (version 5 or `REGEDIT4`, any of its encodings) rather than
/// a certificate file.
pub fn looks_like_reg(bytes: &[u8]) -> bool {
    reg::decode_text(bytes)
        .map(|(text, _)| {
            let first = text.trim_start_matches('\u{feff}').trim_start();
            first.starts_with(reg::REG5_HEADER) || first.starts_with(reg::REG4_HEADER)
        })
        .unwrap_or(false)
}

/// Every problem of `found` blobs: blobs that do not decode, are inconsistent with their
/// certificate, or sit under a key that is not the certificate's thumbprint. Empty when all are
/// usable.
pub fn blob_problems(found: &[FoundBlob]) -> Vec<String> {
    let mut problems = Vec::new();
    for blob in found {
        match &blob.decoded {
            Err(e) => problems.push(format!("line {}: {e}", blob.line)),
            Ok(decoded) => {
                if !decoded.is_consistent() {
                    problems.push(format!(
                        "line {}: blob of {} is inconsistent:\n{decoded}",
                        blob.line, blob.location.thumbprint
                    ));
                }
                for p in blob.key_problems() {
                    problems.push(format!("line {}: {p}", blob.line));
                }
            }
        }
    }
    problems
}

/// `key_path` moved to `store`, the rest kept.
pub fn retarget_store(key_path: &str, store: Store) -> String {
    match CertificateKeyPath::parse(key_path) {
        Some(p) => format!(
            "{}\\Microsoft\\SystemCertificates\\{}\\Certificates\\{}",
            p.prefix,
            store.key_name(),
            p.thumbprint
        ),
        None => key_path.to_string(),
    }
}

/// The patch for `inputs` with `options`: every input read, checked and linted.
pub fn assemble(
    inputs: &[PatchInput<'_>],
    options: PatchOptions,
) -> Result<AssembledPatch, PatchError> {
    if inputs.is_empty() {
        return Err(PatchError::NoInput);
    }
    let context = LintContext { now_unix: options.now_unix, media_expiry_unix: None };
    let mut patch =
        AssembledPatch { entries: Vec::new(), notes: Vec::new(), certificates: Vec::new() };
    let mut seen = HashSet::new();
    for input in inputs {
        let name = input.name.to_owned();
        if looks_like_reg(input.bytes) {
            let document = reg::read_reg(input.bytes)
                .map_err(|source| PatchError::Reg { input: name.clone(), source })?;
            for problem in &document.problems {
                patch.notes.push(PatchNote::RegLineSkipped {
                    input: name.clone(),
                    problem: problem.clone(),
                });
            }
            let found = document.certificate_blobs();
            if found.is_empty() {
                return Err(PatchError::NoBlob { input: name });
            }
            let problems = blob_problems(&found);
            if !problems.is_empty() {
                return Err(PatchError::Inconsistent { input: name, problems });
            }
            for (blob, mut entry) in found.iter().zip(reg::retarget(&found, options.hive)) {
                if let Some(store) = options.store {
                    entry.key_path = retarget_store(&entry.key_path, store);
                }
                let written = seen.insert(entry.key_path.clone());
                // `blob_problems` is empty, so every blob decoded with its certificate.
                if let Some(certificate) =
                    blob.decoded.as_ref().ok().and_then(|d| d.certificate.as_ref())
                {
                    patch.certificates.push(PatchCertificate {
                        input: name.clone(),
                        from_reg: true,
                        key_path: entry.key_path.clone(),
                        written,
                        report: lint(certificate, context),
                        certificate: certificate.clone(),
                    });
                }
                if written {
                    patch.entries.push(entry);
                }
            }
            continue;
        }
        let read = read_certificates(input.bytes, &name)?;
        for certificate in read.certificates {
            let report = lint(&certificate, context);
            // Errors and warnings; advice is not worth a line. (`Severity` orders by importance,
            // `Error` first: the CLI used to compare with `>=`, which kept advice and dropped errors.)
            for finding in report.findings.iter().filter(|f| f.severity <= Severity::Warning) {
                patch.notes.push(PatchNote::Lint {
                    input: name.clone(),
                    display_name: report.display_name.clone(),
                    severity: finding.severity,
                    message: finding.message.clone(),
                });
            }
            let entry = RegCertificateEntry::new(
                &certificate,
                options.store.unwrap_or_default(),
                options.hive,
                options.profile,
            );
            let written = seen.insert(entry.key_path.clone());
            patch.certificates.push(PatchCertificate {
                input: name.clone(),
                from_reg: false,
                key_path: entry.key_path.clone(),
                written,
                report,
                certificate,
            });
            if written {
                patch.entries.push(entry);
            }
        }
    }
    Ok(patch)
}
