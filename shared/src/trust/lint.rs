//! Linting a certificate an admin wants to add as a trusted root (issue 4, item 2). Returns every
//! finding at once.
//!
//! A certificate is *unusable as a root* when any finding is an [`Severity::Error`]: not a CA, not
//! self-signed (an intermediate or a leaf), expired or not yet valid, a self-signature that does not
//! verify, an RSA key under 1024 bits (Windows blocks those). Weak hashes (MD5, SHA-1), RSA keys
//! under 2048 bits and a root that expires before the boot media are warnings.

use super::blob::{BlobProfile, encode_blob, prop};
use super::certificate::{KeyKind, SignatureHash, TrustCertificate};
use super::chain::{VerifyError, verify_signature};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information.
    Info,
    /// Works, but should be fixed.
    Warning,
    /// The certificate is unusable as a root.
    Error,
}

/// One finding, with a stable code for scripts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Stable identifier (`expired`, `not-ca`, `sha1-signature`, ...).
    pub code: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

/// The time context of a lint, passed in (no clocks in this crate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LintContext {
    /// Now, in seconds since the Unix epoch.
    pub now_unix: u64,
    /// When the boot media stops being used (seconds since the epoch), if known.
    pub media_expiry_unix: Option<u64>,
}

/// What a certificate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CertificateRole {
    /// Self-signed CA.
    Root,
    /// CA issued by another CA.
    Intermediate,
    /// Not a CA.
    Leaf,
}

/// Everything `inspect` shows about one certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertificateReport {
    /// Subject as Windows shows it (`CN=..., O=..., C=...`).
    pub subject: String,
    /// Issuer as Windows shows it.
    pub issuer: String,
    /// "Issued To" in the certificate manager.
    pub display_name: String,
    /// SHA-1 thumbprint (uppercase hex): the registry key name.
    pub sha1: String,
    /// SHA-256 thumbprint (uppercase hex).
    pub sha256: String,
    /// Serial number (uppercase hex).
    pub serial: String,
    /// notBefore (RFC 3339).
    pub not_before: String,
    /// notAfter (RFC 3339).
    pub not_after: String,
    /// Signature algorithm as Windows names it (`sha256RSA`).
    pub signature_algorithm: String,
    /// Public key (`RSA 2048`, `ECC P-256`).
    pub public_key: String,
    /// Root, intermediate or leaf.
    pub role: CertificateRole,
    /// No error finding.
    pub usable_as_root: bool,
    /// Every finding.
    pub findings: Vec<Finding>,
}

/// Lints `cert` for use as a trusted root.
pub fn lint(cert: &TrustCertificate, context: LintContext) -> CertificateReport {
    let mut findings = Vec::new();
    let mut add =
        |severity, code, message: String| findings.push(Finding { severity, code, message });

    // CA-ness: basicConstraints, keyUsage.
    let has_extensions = cert.certificate().tbs_certificate.extensions.is_some();
    let is_ca = match cert.basic_constraints() {
        Some((true, _)) => true,
        Some((false, _)) => {
            add(
                Severity::Error,
                "not-ca",
                "basicConstraints says this is not a CA (CA:FALSE): it cannot issue the gateway's certificate; use the root CA that issued the gateway's chain".to_string(),
            );
            false
        }
        None if has_extensions => {
            add(
                Severity::Error,
                "not-ca",
                "no basicConstraints extension: this version 3 certificate is not marked as a CA; use the root CA certificate".to_string(),
            );
            false
        }
        None => {
            add(
                Severity::Info,
                "v1-certificate",
                "version 1 certificate without extensions: Windows accepts it as a root, but it cannot be constrained".to_string(),
            );
            true
        }
    };
    if cert.key_usage_allows_cert_sign() == Some(false) {
        add(
            Severity::Error,
            "no-key-cert-sign",
            "keyUsage does not include keyCertSign: this key may not sign certificates".to_string(),
        );
    }

    // Self-signed root or issued by someone else.
    let self_issued = cert.is_self_issued();
    let role = match (is_ca, self_issued) {
        (true, true) => CertificateRole::Root,
        (true, false) => CertificateRole::Intermediate,
        (false, _) => CertificateRole::Leaf,
    };
    if self_issued {
        match verify_signature(cert, cert) {
            Ok(()) => {}
            Err(VerifyError::Invalid) => add(
                Severity::Error,
                "bad-self-signature",
                "the certificate names itself as issuer but its signature does not verify with its own key: it is damaged or forged".to_string(),
            ),
            Err(VerifyError::Unsupported(what)) => add(
                Severity::Warning,
                "self-signature-not-checked",
                format!("the self-signature was not checked ({what})"),
            ),
        }
    } else if is_ca {
        add(
            Severity::Error,
            "not-self-signed",
            format!(
                "this is an intermediate CA issued by `{}`: a trusted root must be self-signed; add the root that issued it instead",
                cert.issuer()
            ),
        );
    }

    // Validity.
    let (not_before, not_after) = (cert.not_before_unix(), cert.not_after_unix());
    if context.now_unix < not_before {
        add(
            Severity::Error,
            "not-yet-valid",
            format!("not valid before {}", cert.not_before_text()),
        );
    }
    if context.now_unix > not_after {
        add(Severity::Error, "expired", format!("expired on {}", cert.not_after_text()));
    } else if let Some(media_expiry) = context.media_expiry_unix
        && media_expiry > not_after
    {
        add(
            Severity::Warning,
            "expires-before-media",
            format!(
                "expires on {}, before the boot media does: media made with it stop reaching the gateway then; renew the root or shorten the media's lifetime",
                cert.not_after_text()
            ),
        );
    }

    // Signature algorithm.
    let algorithm = cert.signature_algorithm();
    match algorithm.hash() {
        Some(SignatureHash::Md2) | Some(SignatureHash::Md5) => add(
            Severity::Warning,
            "md5-signature",
            format!(
                "signed with {} (broken); Windows ignores a root's own signature, but replace this root",
                algorithm.display_name()
            ),
        ),
        Some(SignatureHash::Sha1) => add(
            Severity::Warning,
            "sha1-signature",
            format!(
                "signed with {} (deprecated); Windows ignores a root's own signature, but certificates it issues with SHA-1 are rejected",
                algorithm.display_name()
            ),
        ),
        Some(_) => {}
        None => add(
            Severity::Info,
            "unusual-signature-algorithm",
            format!("signature algorithm {}", algorithm.display_name()),
        ),
    }

    // Key.
    let key = cert.key_kind();
    match key {
        KeyKind::Rsa { bits } if bits < 1024 => add(
            Severity::Error,
            "rsa-key-too-small",
            format!("RSA key of {bits} bits: Windows blocks RSA keys under 1024 bits"),
        ),
        KeyKind::Rsa { bits } if bits < 2048 => add(
            Severity::Warning,
            "rsa-key-small",
            format!(
                "RSA key of {bits} bits: under 2048 bits is deprecated; use a 2048-bit or larger root"
            ),
        ),
        KeyKind::Other(ref oid) => add(
            Severity::Warning,
            "unknown-key-type",
            format!("public key algorithm {oid} is not one Windows commonly accepts for roots"),
        ),
        _ => {}
    }

    // Blob properties we cannot compute (left out of the `windows` profile).
    let omitted = encode_blob(cert, BlobProfile::Windows).omitted;
    for id in omitted {
        let why = if id == prop::SIGNATURE_HASH {
            "the signature algorithm has no hash this crate computes"
        } else {
            "the key size is unknown"
        };
        add(
            Severity::Info,
            "property-omitted",
            format!(
                "blob property {id} is left out of the `windows` profile: {why}; Windows computes it on first use"
            ),
        );
    }

    let usable_as_root = !findings.iter().any(|f| f.severity == Severity::Error);
    CertificateReport {
        subject: cert.subject(),
        issuer: cert.issuer(),
        display_name: cert.display_name(),
        sha1: cert.sha1_thumbprint_hex(),
        sha256: cert.sha256_thumbprint_hex(),
        serial: cert.serial_hex(),
        not_before: cert.not_before_text(),
        not_after: cert.not_after_text(),
        signature_algorithm: algorithm.display_name(),
        public_key: key.display(),
        role,
        usable_as_root,
        findings,
    }
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC) to seconds since the Unix epoch, for the
/// media expiry the admin gives.
pub fn parse_date_unix(text: &str) -> Result<u64, String> {
    // The model's one date parser (documents, `--now`, the relay) decides what a date is.
    let bad = |reason: &dyn std::fmt::Display| {
        format!("`{text}` is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ ({reason})")
    };
    let timestamp = crate::model::Timestamp::parse(text.trim()).map_err(|e| bad(&e))?;
    u64::try_from(timestamp.unix_seconds()).map_err(|_| bad(&"before 1970"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_or_explain() {
        assert_eq!(parse_date_unix("1970-01-02"), Ok(86_400));
        assert_eq!(parse_date_unix("2000-01-01T00:00:01Z"), Ok(946_684_801));
        assert!(parse_date_unix("2026-13-01").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date_unix("tomorrow").is_err());
    }
}
