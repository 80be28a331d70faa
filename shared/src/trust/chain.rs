//! Signature verification and chain building (issue 4, item 2): given the roots an admin chose and
//! the gateway's TLS certificate (or chain), say whether the roots make the gateway trusted, and if
//! not, why.
//!
//! Verification only (RustCrypto `rsa` PKCS#1 v1.5, `p256`/`p384` ECDSA); no key is ever generated,
//! so nothing here needs a random source. Supported: RSA with MD5/SHA-1/SHA-256/SHA-384/SHA-512 and
//! ECDSA on P-256/P-384 with SHA-1/SHA-256/SHA-384/SHA-512.

use md5::Md5;
use rsa::pkcs1::DecodeRsaPublicKey;
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};

use super::certificate::{KeyKind, SignatureAlgorithm, SignatureHash, TrustCertificate, oid};

/// Why a signature was not verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The signature is wrong for this key.
    #[error("the signature does not verify with the issuer's key")]
    Invalid,
    /// The algorithm or key type is one we cannot check.
    #[error("cannot verify: {0}")]
    Unsupported(String),
}

/// Verifies that `issuer`'s public key signed `subject` (the signature over the DER
/// tbsCertificate).
pub fn verify_signature(
    subject: &TrustCertificate,
    issuer: &TrustCertificate,
) -> Result<(), VerifyError> {
    let tbs = subject.tbs_der();
    let signature = subject.signature_bytes();
    let key = issuer.public_key_bytes();
    match (subject.signature_algorithm(), issuer.key_kind()) {
        (SignatureAlgorithm::Rsa(hash), KeyKind::Rsa { .. }) => {
            let public = rsa::RsaPublicKey::from_pkcs1_der(key)
                .map_err(|e| VerifyError::Unsupported(format!("issuer RSA key: {e}")))?;
            let digest = hash
                .digest(tbs)
                .ok_or_else(|| VerifyError::Unsupported(format!("{} signatures", hash.name())))?;
            let scheme = match hash {
                SignatureHash::Md5 => rsa::Pkcs1v15Sign::new::<Md5>(),
                SignatureHash::Sha1 => rsa::Pkcs1v15Sign::new::<Sha1>(),
                SignatureHash::Sha256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
                SignatureHash::Sha384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
                SignatureHash::Sha512 => rsa::Pkcs1v15Sign::new::<Sha512>(),
                SignatureHash::Md2 => {
                    return Err(VerifyError::Unsupported("MD2 signatures".to_string()));
                }
            };
            public.verify(scheme, &digest, signature).map_err(|_| VerifyError::Invalid)
        }
        (SignatureAlgorithm::Ecdsa(hash), KeyKind::Ec { curve, .. }) => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let digest = hash
                .digest(tbs)
                .ok_or_else(|| VerifyError::Unsupported(format!("{} signatures", hash.name())))?;
            if curve == oid::SECP256R1 {
                let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| {
                    VerifyError::Unsupported("issuer P-256 key is malformed".into())
                })?;
                let sig = p256::ecdsa::Signature::from_der(signature)
                    .map_err(|_| VerifyError::Invalid)?;
                vk.verify_prehash(&digest, &sig).map_err(|_| VerifyError::Invalid)
            } else if curve == oid::SECP384R1 {
                let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| {
                    VerifyError::Unsupported("issuer P-384 key is malformed".into())
                })?;
                let sig = p384::ecdsa::Signature::from_der(signature)
                    .map_err(|_| VerifyError::Invalid)?;
                vk.verify_prehash(&digest, &sig).map_err(|_| VerifyError::Invalid)
            } else {
                Err(VerifyError::Unsupported(format!("ECDSA on curve {curve}")))
            }
        }
        (SignatureAlgorithm::Rsa(_), other) | (SignatureAlgorithm::Ecdsa(_), other) => {
            Err(VerifyError::Unsupported(format!(
                "{} signature with a {} issuer key",
                subject.signature_algorithm().display_name(),
                other.display()
            )))
        }
        (other, _) => Err(VerifyError::Unsupported(format!("{} signatures", other.display_name()))),
    }
}

/// One certificate on the path from the gateway to a root.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathStep {
    /// Subject as Windows shows it.
    pub subject: String,
    /// SHA-1 thumbprint.
    pub sha1: String,
    /// `gateway`, `intermediate` or `root`.
    pub role: &'static str,
}

/// The answer to "do the chosen roots make the gateway trusted?".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GatewayTrust {
    /// True when a path from the gateway certificate to one of the roots exists, every signature on
    /// it verifies, every certificate is valid at `now` and the issuers are CAs.
    pub trusted: bool,
    /// The path found (gateway first), as far as it got.
    pub path: Vec<PathStep>,
    /// Why it is not trusted (empty when trusted); every problem found, not only the first.
    pub reasons: Vec<String>,
}

/// The gateway's own certificate among `gateway_chain`: the one that issued none of the others.
fn gateway_leaf(gateway_chain: &[TrustCertificate]) -> Option<&TrustCertificate> {
    gateway_chain
        .iter()
        .find(|c| {
            !gateway_chain.iter().any(|other| {
                other != *c && other.issuer_name() == c.subject_name() && !other.is_self_issued()
            })
        })
        .or_else(|| gateway_chain.first())
}

fn is_ca(cert: &TrustCertificate) -> bool {
    match cert.basic_constraints() {
        Some((ca, _)) => ca,
        // Version 1 certificates have no extensions; Windows treats a v1 issuer as a CA.
        None => cert.certificate().tbs_certificate.extensions.is_none(),
    }
}

fn validity_problem(cert: &TrustCertificate, now_unix: u64, role: &str) -> Option<String> {
    if now_unix < cert.not_before_unix() {
        Some(format!("{role} `{}` is not valid before {}", cert.subject(), cert.not_before_text()))
    } else if now_unix > cert.not_after_unix() {
        Some(format!("{role} `{}` expired on {}", cert.subject(), cert.not_after_text()))
    } else {
        None
    }
}

/// Builds a path from the gateway certificate (the leaf of `gateway_chain`, which may also hold
/// intermediates and roots) to one of `roots`, verifying every signature, and reports why it fails
/// when it does. `now_unix` is the time of the check (seconds since the epoch).
pub fn check_gateway(
    roots: &[TrustCertificate],
    gateway_chain: &[TrustCertificate],
    now_unix: u64,
) -> GatewayTrust {
    let mut reasons = Vec::new();
    let mut path = Vec::new();
    let Some(leaf) = gateway_leaf(gateway_chain) else {
        return GatewayTrust {
            trusted: false,
            path,
            reasons: vec!["no gateway certificate was given".to_string()],
        };
    };

    // Server authentication: the EKU, when present, must allow it.
    if let Some(ekus) = leaf.extended_key_usages()
        && !ekus.iter().any(|e| *e == oid::SERVER_AUTH || *e == oid::ANY_EXTENDED_KEY_USAGE)
    {
        reasons.push(format!(
            "gateway certificate `{}` has an extended key usage without Server Authentication (1.3.6.1.5.5.7.3.1)",
            leaf.subject()
        ));
    }

    let mut current = leaf;
    let mut role = "gateway";
    let mut trusted = false;
    for _depth in 0..10 {
        let in_roots = roots.iter().any(|r| r == current);
        path.push(PathStep {
            subject: current.subject(),
            sha1: current.sha1_thumbprint_hex(),
            role: if in_roots { "root" } else { role },
        });
        if let Some(problem) = validity_problem(current, now_unix, role) {
            reasons.push(problem);
        }
        if in_roots {
            trusted = true;
            break;
        }
        // Candidate issuers: chosen roots first, then certificates that came with the gateway.
        let candidates: Vec<&TrustCertificate> = roots
            .iter()
            .chain(gateway_chain.iter())
            .filter(|c| c.subject_name() == current.issuer_name())
            .filter(|c| *c != current || current.is_self_issued())
            .collect();
        if current.is_self_issued() && !in_roots {
            let verified = verify_signature(current, current).is_ok();
            reasons.push(format!(
                "the chain ends at the self-signed root `{}` (SHA-1 {}){}, which is not among the chosen roots: add it",
                current.subject(),
                current.sha1_thumbprint_hex(),
                if verified { "" } else { " whose self-signature does not verify" }
            ));
            break;
        }
        if candidates.is_empty() {
            reasons.push(format!(
                "no certificate named `{}` (the issuer of `{}`) is among the chosen roots or the gateway chain: add the root (and any intermediate) that issued it",
                current.issuer(),
                current.subject()
            ));
            break;
        }
        let mut next = None;
        let mut failures = Vec::new();
        for candidate in &candidates {
            match verify_signature(current, candidate) {
                Ok(()) => {
                    next = Some(*candidate);
                    break;
                }
                Err(e) => failures.push(format!(
                    "`{}` is signed in the name of `{}` (SHA-1 {}) but {e}",
                    current.subject(),
                    candidate.subject(),
                    candidate.sha1_thumbprint_hex()
                )),
            }
        }
        let Some(issuer) = next else {
            reasons.extend(failures);
            break;
        };
        if !is_ca(issuer) {
            reasons.push(format!(
                "issuer `{}` is not a CA (basicConstraints CA is false)",
                issuer.subject()
            ));
        }
        if issuer.key_usage_allows_cert_sign() == Some(false) {
            reasons
                .push(format!("issuer `{}` has a key usage without keyCertSign", issuer.subject()));
        }
        current = issuer;
        role = "intermediate";
    }
    if !trusted && reasons.is_empty() {
        reasons.push("the chain is longer than 10 certificates or loops".to_string());
    }
    GatewayTrust { trusted: trusted && reasons.is_empty(), path, reasons }
}
