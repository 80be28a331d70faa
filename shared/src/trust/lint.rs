//! Linting a certificate an admin wants to add as a trusted root (issue 4, item 2). Returns every
//! finding at once, as preflight [`Finding`]s of the `OSDG-ROOT-*` rules (and `OSDG-CERT-003`/`004`,
//! the document rules about a root's lifetime), so the CLI and the console show certificate findings
//! exactly like document findings. A finding's `path` names the certificate field (RFC 5280 names).
//!
//! A certificate is *unusable as a root* when any finding is an [`Severity::Error`]: not a CA, not
//! self-signed (an intermediate or a leaf), expired or not yet valid, a self-signature that does not
//! verify, an RSA key under 1024 bits (Windows blocks those). Weak hashes (MD5, SHA-1), RSA keys
//! under 2048 bits and a root that expires before the boot media are warnings.

use super::blob::{BlobProfile, encode_blob, prop};
use super::certificate::{KeyKind, SignatureHash, TrustCertificate};
use super::chain::{VerifyError, verify_signature};
use crate::preflight::rules;
pub use crate::preflight::{Finding, Severity};

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
    let is_ca = ca_findings(cert, &mut findings);
    let self_issued = cert.is_self_issued();
    let role = match (is_ca, self_issued) {
        (true, true) => CertificateRole::Root,
        (true, false) => CertificateRole::Intermediate,
        (false, _) => CertificateRole::Leaf,
    };
    issuer_findings(cert, is_ca, self_issued, &mut findings);
    validity_findings(cert, context, &mut findings);
    signature_algorithm_findings(cert, &mut findings);
    key_findings(cert, &mut findings);
    omitted_property_findings(cert, &mut findings);

    let usable_as_root = !findings.iter().any(|f| f.severity == Severity::Error);
    let algorithm = cert.signature_algorithm();
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
        public_key: cert.key_kind().display(),
        role,
        usable_as_root,
        findings,
    }
}

/// RFC 5280 field names used as finding paths.
mod field {
    pub const BASIC_CONSTRAINTS: &str = "tbsCertificate.extensions.basicConstraints";
    pub const KEY_USAGE: &str = "tbsCertificate.extensions.keyUsage";
    pub const VERSION: &str = "tbsCertificate.version";
    pub const ISSUER: &str = "tbsCertificate.issuer";
    pub const SIGNATURE: &str = "signatureValue";
    pub const SIGNATURE_ALGORITHM: &str = "signatureAlgorithm";
    pub const NOT_BEFORE: &str = "tbsCertificate.validity.notBefore";
    pub const NOT_AFTER: &str = "tbsCertificate.validity.notAfter";
    pub const PUBLIC_KEY: &str = "tbsCertificate.subjectPublicKeyInfo";
}

/// CA-ness from basicConstraints and keyUsage; returns whether the certificate is a CA.
fn ca_findings(cert: &TrustCertificate, findings: &mut Vec<Finding>) -> bool {
    let has_extensions = cert.certificate().tbs_certificate.extensions.is_some();
    let is_ca = match cert.basic_constraints() {
        Some((true, _)) => true,
        Some((false, _)) => {
            findings.push(rules::ROOT_NOT_CA.finding(
                field::BASIC_CONSTRAINTS,
                "basicConstraints says this is not a CA (CA:FALSE): it cannot issue the gateway's certificate",
            ));
            false
        }
        None if has_extensions => {
            findings.push(rules::ROOT_NOT_CA.finding(
                field::BASIC_CONSTRAINTS,
                "no basicConstraints extension: this version 3 certificate is not marked as a CA",
            ));
            false
        }
        None => {
            findings.push(rules::ROOT_VERSION_1.finding(
                field::VERSION,
                "version 1 certificate without extensions: Windows accepts it as a root, but it cannot be constrained",
            ));
            true
        }
    };
    if cert.key_usage_allows_cert_sign() == Some(false) {
        findings.push(rules::ROOT_NO_CERT_SIGN.finding(
            field::KEY_USAGE,
            "keyUsage does not include keyCertSign: this key may not sign certificates",
        ));
    }
    is_ca
}

/// A root is self-signed, and its self-signature verifies.
fn issuer_findings(
    cert: &TrustCertificate,
    is_ca: bool,
    self_issued: bool,
    findings: &mut Vec<Finding>,
) {
    if self_issued {
        match verify_signature(cert, cert) {
            Ok(()) => {}
            Err(VerifyError::Invalid) => findings.push(rules::ROOT_BAD_SELF_SIGNATURE.finding(
                field::SIGNATURE,
                "the certificate names itself as issuer but its signature does not verify with its own key: it is damaged or forged",
            )),
            Err(VerifyError::Unsupported(what)) => {
                findings.push(rules::ROOT_SELF_SIGNATURE_NOT_CHECKED.finding(
                    field::SIGNATURE_ALGORITHM,
                    format!("the self-signature was not checked ({what})"),
                ))
            }
        }
    } else if is_ca {
        findings.push(rules::ROOT_NOT_SELF_SIGNED.finding(
            field::ISSUER,
            format!(
                "this is an intermediate CA issued by `{}`: a trusted root must be self-signed",
                cert.issuer()
            ),
        ));
    }
}

/// Valid now, and for as long as the media are.
fn validity_findings(cert: &TrustCertificate, context: LintContext, findings: &mut Vec<Finding>) {
    let (not_before, not_after) = (cert.not_before_unix(), cert.not_after_unix());
    if context.now_unix < not_before {
        findings.push(
            rules::ROOT_NOT_YET_VALID
                .finding(field::NOT_BEFORE, format!("not valid before {}", cert.not_before_text())),
        );
    }
    if context.now_unix > not_after {
        findings.push(
            rules::ROOT_EXPIRED
                .finding(field::NOT_AFTER, format!("expired on {}", cert.not_after_text())),
        );
    } else if let Some(media_expiry) = context.media_expiry_unix
        && media_expiry > not_after
    {
        findings.push(rules::ROOT_EXPIRES_BEFORE_MEDIA.finding(
            field::NOT_AFTER,
            format!(
                "expires on {}, before the boot media does: media made with it stop reaching the gateway then",
                cert.not_after_text()
            ),
        ));
    }
}

/// Broken and deprecated signature hashes.
fn signature_algorithm_findings(cert: &TrustCertificate, findings: &mut Vec<Finding>) {
    let algorithm = cert.signature_algorithm();
    let name = algorithm.display_name();
    match algorithm.hash() {
        Some(SignatureHash::Md2) | Some(SignatureHash::Md5) => {
            findings.push(rules::ROOT_BROKEN_HASH.finding(
                field::SIGNATURE_ALGORITHM,
                format!("signed with {name} (broken); Windows ignores a root's own signature, but replace this root"),
            ))
        }
        Some(SignatureHash::Sha1) => findings.push(rules::ROOT_SHA1.finding(
            field::SIGNATURE_ALGORITHM,
            format!("signed with {name} (deprecated); Windows ignores a root's own signature, but certificates it issues with SHA-1 are rejected"),
        )),
        Some(_) => {}
        None => findings.push(
            rules::ROOT_UNUSUAL_SIGNATURE
                .finding(field::SIGNATURE_ALGORITHM, format!("signature algorithm {name}")),
        ),
    }
}

/// Key kinds and RSA sizes Windows accepts.
fn key_findings(cert: &TrustCertificate, findings: &mut Vec<Finding>) {
    match cert.key_kind() {
        KeyKind::Rsa { bits } if bits < 1024 => findings.push(rules::ROOT_RSA_TOO_SMALL.finding(
            field::PUBLIC_KEY,
            format!("RSA key of {bits} bits: Windows blocks RSA keys under 1024 bits"),
        )),
        KeyKind::Rsa { bits } if bits < 2048 => findings.push(rules::ROOT_RSA_SMALL.finding(
            field::PUBLIC_KEY,
            format!("RSA key of {bits} bits: under 2048 bits is deprecated"),
        )),
        KeyKind::EdDsa { .. } => findings.push(rules::ROOT_UNKNOWN_KEY.finding(
            field::PUBLIC_KEY,
            "EdDSA public key: Windows' certificate chain engine does not commonly accept EdDSA roots",
        )),
        KeyKind::Other(ref oid) => findings.push(rules::ROOT_UNKNOWN_KEY.finding(
            field::PUBLIC_KEY,
            format!("public key algorithm {oid} is not one Windows commonly accepts for roots"),
        )),
        _ => {}
    }
}

/// Blob properties we cannot compute (left out of the `windows` profile).
fn omitted_property_findings(cert: &TrustCertificate, findings: &mut Vec<Finding>) {
    for id in encode_blob(cert, BlobProfile::Windows).omitted {
        let why = if id == prop::SIGNATURE_HASH {
            "the signature algorithm has no hash this crate computes"
        } else {
            "the key size is unknown"
        };
        findings.push(rules::ROOT_PROPERTY_OMITTED.finding(
            field::SIGNATURE_ALGORITHM,
            format!("blob property {id} is left out of the `windows` profile: {why}"),
        ));
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
