//! The registry `Blob` value: a serialized certificate property list (spec `windows-artifacts.md`
//! §1). Encoder with two profiles and a decoder that checks every property it knows against the
//! embedded certificate.
//!
//! Layout: a flat list of entries `prop_id: u32 LE, encoding: u32 LE (= 1), length: u32 LE, value`,
//! no header, no padding, no terminator; property 32 (the DER certificate) is always last.

use std::fmt;

use super::certificate::{TrustCertificate, hex_upper};

/// Property ids Windows writes (spec §1 table).
pub mod prop {
    /// SHA-1 of the DER.
    pub const SHA1_HASH: u32 = 3;
    /// MD5 of the DER.
    pub const MD5_HASH: u32 = 4;
    /// Hash of the DER tbsCertificate with the signature's hash algorithm.
    pub const SIGNATURE_HASH: u32 = 15;
    /// Subject Key Identifier, else SHA-1 of the SubjectPublicKeyInfo.
    pub const KEY_IDENTIFIER: u32 = 20;
    /// MD5 of the subjectPublicKey bits.
    pub const SUBJECT_PUBLIC_KEY_MD5_HASH: u32 = 25;
    /// The DER certificate.
    pub const CERT: u32 = 32;
    /// u32 LE key size in bits.
    pub const SUBJECT_PUB_KEY_BIT_LENGTH: u32 = 92;
    /// SHA-256 of the DER.
    pub const SHA256_HASH: u32 = 107;
}

/// `X509_ASN_ENCODING`, the only encoding value Windows writes.
pub const X509_ASN_ENCODING: u32 = 1;

/// Name of a property id, for listings.
pub fn property_name(id: u32) -> &'static str {
    match id {
        prop::SHA1_HASH => "SHA1_HASH",
        prop::MD5_HASH => "MD5_HASH",
        prop::SIGNATURE_HASH => "SIGNATURE_HASH",
        prop::KEY_IDENTIFIER => "KEY_IDENTIFIER",
        prop::SUBJECT_PUBLIC_KEY_MD5_HASH => "SUBJECT_PUBLIC_KEY_MD5_HASH",
        prop::CERT => "CERT",
        prop::SUBJECT_PUB_KEY_BIT_LENGTH => "SUBJECT_PUB_KEY_BIT_LENGTH",
        prop::SHA256_HASH => "SHA256_HASH",
        2 => "KEY_PROV_INFO",
        9 => "ENHKEY_USAGE",
        11 => "FRIENDLY_NAME",
        19 => "PUBKEY_ALG_PARA",
        28 => "ISSUER_PUBLIC_KEY_MD5_HASH",
        29 => "SUBJECT_NAME_MD5_HASH",
        83 => "ROOT_PROGRAM_CERT_POLICIES",
        98 => "AUTH_ROOT_SHA256_HASH",
        104 => "DISALLOWED_FILETIME",
        105 => "ROOT_PROGRAM_CHAIN_POLICIES",
        _ => "unknown",
    }
}

/// Which properties the encoder writes, in which order (issue 4, item 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobProfile {
    /// What Windows 10 writes for a root: `107,15,20,25,3,92,32` (spec §1, observed order).
    #[default]
    Windows,
    /// `3,32`: accepted by every reader seen, including Wine's crypt32.
    Minimal,
}

impl BlobProfile {
    /// The property ids in write order.
    pub fn property_ids(self) -> &'static [u32] {
        match self {
            BlobProfile::Windows => &[
                prop::SHA256_HASH,
                prop::SIGNATURE_HASH,
                prop::KEY_IDENTIFIER,
                prop::SUBJECT_PUBLIC_KEY_MD5_HASH,
                prop::SHA1_HASH,
                prop::SUBJECT_PUB_KEY_BIT_LENGTH,
                prop::CERT,
            ],
            BlobProfile::Minimal => &[prop::SHA1_HASH, prop::CERT],
        }
    }

    /// The CLI spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BlobProfile::Windows => "windows",
            BlobProfile::Minimal => "minimal",
        }
    }
}

impl std::str::FromStr for BlobProfile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "windows" => Ok(Self::Windows),
            "minimal" => Ok(Self::Minimal),
            other => Err(format!("unknown blob profile `{other}`: use `windows` or `minimal`")),
        }
    }
}

/// The value property `id` has for `cert`, computed as spec §1 says; `None` when this crate cannot
/// compute it for this certificate (property 15 for RSASSA-PSS/MD2/unknown signatures, property 92
/// for unknown key types) or does not know the property.
pub fn expected_property(cert: &TrustCertificate, id: u32) -> Option<Vec<u8>> {
    match id {
        prop::SHA1_HASH => Some(cert.sha1().to_vec()),
        prop::MD5_HASH => Some(cert.md5().to_vec()),
        prop::SIGNATURE_HASH => cert.signature_hash(),
        prop::KEY_IDENTIFIER => Some(cert.key_identifier()),
        prop::SUBJECT_PUBLIC_KEY_MD5_HASH => Some(cert.public_key_md5().to_vec()),
        prop::CERT => Some(cert.der().to_vec()),
        prop::SUBJECT_PUB_KEY_BIT_LENGTH => {
            cert.key_kind().bits().map(|b| b.to_le_bytes().to_vec())
        }
        prop::SHA256_HASH => Some(cert.sha256().to_vec()),
        _ => None,
    }
}

/// An encoded blob and the properties that went into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBlob {
    /// The bytes of the registry value.
    pub bytes: Vec<u8>,
    /// Property ids written, in order.
    pub properties: Vec<u32>,
    /// Properties of the profile that were left out because they cannot be computed for this
    /// certificate (see [`expected_property`]).
    pub omitted: Vec<u32>,
}

/// Encodes the blob for `cert` with `profile` (spec §1).
pub fn encode_blob(cert: &TrustCertificate, profile: BlobProfile) -> EncodedBlob {
    let ids = profile.property_ids();
    let mut bytes = Vec::with_capacity(cert.der().len() + 12 * ids.len() + 160);
    let mut properties = Vec::with_capacity(ids.len());
    let mut omitted = Vec::new();
    for &id in ids {
        match expected_property(cert, id) {
            Some(value) => {
                push_entry(&mut bytes, id, &value);
                properties.push(id);
            }
            None => omitted.push(id),
        }
    }
    EncodedBlob { bytes, properties, omitted }
}

fn push_entry(out: &mut Vec<u8>, id: u32, value: &[u8]) {
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&X509_ASN_ENCODING.to_le_bytes());
    // A certificate never reaches 4 GiB; saturate rather than wrap if it ever did.
    out.extend_from_slice(&u32::try_from(value.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(value);
}

/// One entry of a decoded blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobEntry {
    /// Byte offset of the entry header in the blob.
    pub offset: usize,
    /// Property id.
    pub id: u32,
    /// Encoding field (Windows writes 1).
    pub encoding: u32,
    /// The value bytes.
    pub value: Vec<u8>,
}

/// Why bytes are not a property list at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobDecodeError {
    /// Fewer than 12 bytes remain where an entry header starts.
    #[error(
        "blob truncated at byte {offset}: an entry header needs 12 bytes, {remaining} remain (is this raw DER without the property list? use `osdgate trust reg` to build a blob)"
    )]
    TruncatedHeader { offset: usize, remaining: usize },
    /// The length field points past the end.
    #[error(
        "blob entry at byte {offset} (property {id}) says its value is {length} bytes, but only {remaining} remain"
    )]
    TruncatedValue { offset: usize, id: u32, length: u32, remaining: usize },
    /// Empty input.
    #[error("the blob is empty; it must hold at least property 32 (the certificate)")]
    Empty,
}

/// How one property compares with the value computed from the embedded certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum PropertyCheck {
    /// Equal to the value computed from the certificate.
    Matches,
    /// Different; both values in uppercase hex.
    Mismatch { expected: String, found: String },
    /// The property is not one this crate can recompute (it is kept as is).
    NotChecked,
}

/// Findings about a blob as a whole (all of them, never only the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedBlob {
    /// Entries in order.
    pub entries: Vec<BlobEntry>,
    /// The certificate of property 32, when present and parseable.
    pub certificate: Option<TrustCertificate>,
    /// Structural problems (property 32 missing, not last, duplicated ids, encoding not 1, the
    /// certificate does not parse).
    pub problems: Vec<String>,
}

impl DecodedBlob {
    /// Each entry with its check against the embedded certificate.
    pub fn checks(&self) -> Vec<(u32, PropertyCheck)> {
        self.entries
            .iter()
            .map(|entry| {
                let check = match &self.certificate {
                    None => PropertyCheck::NotChecked,
                    Some(cert) => match expected_property(cert, entry.id) {
                        None => PropertyCheck::NotChecked,
                        Some(expected) if expected == entry.value => PropertyCheck::Matches,
                        Some(expected) => PropertyCheck::Mismatch {
                            expected: hex_upper(&expected),
                            found: hex_upper(&entry.value),
                        },
                    },
                };
                (entry.id, check)
            })
            .collect()
    }

    /// True when the structure is sound, the certificate parses and no property mismatches.
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
            && self.certificate.is_some()
            && self.checks().iter().all(|(_, c)| !matches!(c, PropertyCheck::Mismatch { .. }))
    }

    /// Property ids in order.
    pub fn property_ids(&self) -> Vec<u32> {
        self.entries.iter().map(|e| e.id).collect()
    }
}

impl fmt::Display for DecodedBlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (entry, (_, check)) in self.entries.iter().zip(self.checks()) {
            let status = match check {
                PropertyCheck::Matches => "ok".to_string(),
                PropertyCheck::NotChecked => "not checked".to_string(),
                PropertyCheck::Mismatch { expected, .. } => {
                    format!("MISMATCH, expected {expected}")
                }
            };
            let shown = if entry.id == prop::CERT {
                format!("{} bytes of DER", entry.value.len())
            } else if entry.id == prop::SUBJECT_PUB_KEY_BIT_LENGTH && entry.value.len() == 4 {
                let mut le = [0u8; 4];
                le.copy_from_slice(&entry.value);
                format!("{} bits", u32::from_le_bytes(le))
            } else {
                hex_upper(&entry.value)
            };
            writeln!(
                f,
                "  {:>3} {:<28} {} [{}]",
                entry.id,
                property_name(entry.id),
                shown,
                status
            )?;
        }
        for problem in &self.problems {
            writeln!(f, "  problem: {problem}")?;
        }
        Ok(())
    }
}

/// Decodes any blob: splits it into entries, then reports structural problems and parses property
/// 32. Never panics, whatever the bytes.
pub fn decode_blob(bytes: &[u8]) -> Result<DecodedBlob, BlobDecodeError> {
    if bytes.is_empty() {
        return Err(BlobDecodeError::Empty);
    }
    let mut entries = Vec::new();
    let mut offset = 0usize;
    while offset < bytes.len() {
        let remaining = bytes.len() - offset;
        let header = bytes
            .get(offset..offset + 12)
            .ok_or(BlobDecodeError::TruncatedHeader { offset, remaining })?;
        let field = |i: usize| {
            let mut le = [0u8; 4];
            le.copy_from_slice(&header[i * 4..i * 4 + 4]);
            u32::from_le_bytes(le)
        };
        let (id, encoding, length) = (field(0), field(1), field(2));
        let start = offset + 12;
        let value = usize::try_from(length)
            .ok()
            .and_then(|len| bytes.get(start..start.checked_add(len)?))
            .ok_or(BlobDecodeError::TruncatedValue {
                offset,
                id,
                length,
                remaining: remaining - 12,
            })?;
        entries.push(BlobEntry { offset, id, encoding, value: value.to_vec() });
        offset = start + value.len();
    }

    let mut problems = Vec::new();
    for entry in &entries {
        if entry.encoding != X509_ASN_ENCODING {
            problems.push(format!(
                "property {} at byte {} has encoding {} (Windows writes 1, X509_ASN_ENCODING)",
                entry.id, entry.offset, entry.encoding
            ));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for entry in &entries {
        if !seen.insert(entry.id) {
            problems.push(format!("property {} appears more than once", entry.id));
        }
    }
    let cert_entry = entries.iter().find(|e| e.id == prop::CERT);
    let certificate = match cert_entry {
        None => {
            problems.push("property 32 (the certificate) is missing".to_string());
            None
        }
        Some(entry) => match TrustCertificate::from_der(&entry.value) {
            Ok(cert) => Some(cert),
            Err(e) => {
                problems.push(format!(
                    "property 32 at byte {} is not a DER certificate: {e}",
                    entry.offset
                ));
                None
            }
        },
    };
    if cert_entry.is_some() && entries.last().map(|e| e.id) != Some(prop::CERT) {
        problems.push("property 32 (the certificate) is not the last entry".to_string());
    }
    Ok(DecodedBlob { entries, certificate, problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_inputs_are_errors_not_panics() {
        assert_eq!(decode_blob(&[]), Err(BlobDecodeError::Empty));
        assert!(matches!(
            decode_blob(&[3, 0, 0, 0, 1]),
            Err(BlobDecodeError::TruncatedHeader { offset: 0, remaining: 5 })
        ));
        let mut bytes = vec![3, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
        bytes.extend_from_slice(&[0; 4]);
        assert!(matches!(decode_blob(&bytes), Err(BlobDecodeError::TruncatedValue { .. })));
    }

    #[test]
    fn missing_certificate_is_reported() {
        let mut bytes = Vec::new();
        push_entry(&mut bytes, 3, &[0; 20]);
        let decoded = decode_blob(&bytes).unwrap();
        assert_eq!(decoded.property_ids(), vec![3]);
        assert!(decoded.problems.iter().any(|p| p.contains("missing")));
        assert!(!decoded.is_consistent());
    }

    #[test]
    fn profile_orders_match_spec() {
        assert_eq!(BlobProfile::Windows.property_ids(), &[107, 15, 20, 25, 3, 92, 32]);
        assert_eq!(BlobProfile::Minimal.property_ids(), &[3, 32]);
    }
}
