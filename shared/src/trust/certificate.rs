//! Reading certificates in every form an admin has (issue 4, item 1): PEM (one or many blocks),
//! DER, PKCS#7 / CMS `.p7b` / `.p7c` bundles in PEM or DER. Private keys and PFX/PKCS#12 files are
//! refused: a private key never belongs in boot media.
//!
//! Parsing is RustCrypto's (`x509-cert`, `cms`, `der`); this module only classifies the input and
//! computes the values the registry blob needs (spec `windows-artifacts.md` §1).

use std::fmt;

use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Encode, Reader, SliceReader, Tag, Tagged};
use md5::Md5;
use sha1::{Digest, Sha1};
use sha2::{Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::name::Name;

use super::names;

/// Well-known OIDs this module needs. Written out rather than pulled from a database so the list of
/// what we understand is visible in one place.
pub(crate) mod oid {
    use der::asn1::ObjectIdentifier as Oid;

    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    pub const MD2_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.2");
    pub const MD5_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
    pub const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    pub const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub const ECDSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
    pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
    pub const SECP521R1: Oid = Oid::new_unwrap("1.3.132.0.35");
    pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
    pub const ED448: Oid = Oid::new_unwrap("1.3.101.113");
    pub const SUBJECT_KEY_IDENTIFIER: Oid = Oid::new_unwrap("2.5.29.14");
    pub const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
    pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    pub const EXTENDED_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
    pub const SERVER_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.1");
    pub const ANY_EXTENDED_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37.0");
    pub const PKCS7_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    pub const PKCS7_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
}

/// The hash algorithm a certificate's signature uses, which is also the algorithm of blob property
/// 15 (spec §1, `SIGNATURE_HASH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureHash {
    Md2,
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl SignatureHash {
    /// The name Windows and openssl use.
    pub fn name(self) -> &'static str {
        match self {
            SignatureHash::Md2 => "MD2",
            SignatureHash::Md5 => "MD5",
            SignatureHash::Sha1 => "SHA-1",
            SignatureHash::Sha256 => "SHA-256",
            SignatureHash::Sha384 => "SHA-384",
            SignatureHash::Sha512 => "SHA-512",
        }
    }

    /// Hashes `data`; `None` for MD2, which nothing in this crate computes (no RustCrypto crate in
    /// our tree, and no root still in use is signed with it).
    pub fn digest(self, data: &[u8]) -> Option<Vec<u8>> {
        match self {
            SignatureHash::Md2 => None,
            SignatureHash::Md5 => Some(Md5::digest(data).to_vec()),
            SignatureHash::Sha1 => Some(Sha1::digest(data).to_vec()),
            SignatureHash::Sha256 => Some(Sha256::digest(data).to_vec()),
            SignatureHash::Sha384 => Some(Sha384::digest(data).to_vec()),
            SignatureHash::Sha512 => Some(Sha512::digest(data).to_vec()),
        }
    }
}

/// The signature algorithm of a certificate, as far as this crate understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with the given hash.
    Rsa(SignatureHash),
    /// ECDSA with the given hash.
    Ecdsa(SignatureHash),
    /// RSASSA-PSS (hash in the parameters; not used for property 15 nor verified here).
    RsaPss,
    /// Anything else, by OID.
    Other(ObjectIdentifier),
}

impl SignatureAlgorithm {
    fn from_oid(oid: ObjectIdentifier) -> Self {
        use SignatureHash::*;
        match oid {
            o if o == oid::MD2_WITH_RSA => Self::Rsa(Md2),
            o if o == oid::MD5_WITH_RSA => Self::Rsa(Md5),
            o if o == oid::SHA1_WITH_RSA => Self::Rsa(Sha1),
            o if o == oid::SHA256_WITH_RSA => Self::Rsa(Sha256),
            o if o == oid::SHA384_WITH_RSA => Self::Rsa(Sha384),
            o if o == oid::SHA512_WITH_RSA => Self::Rsa(Sha512),
            o if o == oid::ECDSA_WITH_SHA1 => Self::Ecdsa(Sha1),
            o if o == oid::ECDSA_WITH_SHA256 => Self::Ecdsa(Sha256),
            o if o == oid::ECDSA_WITH_SHA384 => Self::Ecdsa(Sha384),
            o if o == oid::ECDSA_WITH_SHA512 => Self::Ecdsa(Sha512),
            o if o == oid::RSASSA_PSS => Self::RsaPss,
            other => Self::Other(other),
        }
    }

    /// The hash algorithm, when the OID names one.
    pub fn hash(&self) -> Option<SignatureHash> {
        match self {
            Self::Rsa(h) | Self::Ecdsa(h) => Some(*h),
            Self::RsaPss | Self::Other(_) => None,
        }
    }

    /// Name as Windows shows it in the certificate dialog (`sha256RSA`, `sha384ECDSA`, ...).
    pub fn display_name(&self) -> String {
        let hash = |h: SignatureHash| match h {
            SignatureHash::Md2 => "md2",
            SignatureHash::Md5 => "md5",
            SignatureHash::Sha1 => "sha1",
            SignatureHash::Sha256 => "sha256",
            SignatureHash::Sha384 => "sha384",
            SignatureHash::Sha512 => "sha512",
        };
        match self {
            Self::Rsa(h) => format!("{}RSA", hash(*h)),
            Self::Ecdsa(h) => format!("{}ECDSA", hash(*h)),
            Self::RsaPss => "RSASSA-PSS".to_string(),
            Self::Other(oid) => format!("OID {oid}"),
        }
    }
}

/// The kind of public key in the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA with the modulus size in bits.
    Rsa { bits: u32 },
    /// Elliptic curve key on a named curve; `bits` is the curve size (256, 384, 521), `None` for a
    /// curve this crate does not know.
    Ec { curve: ObjectIdentifier, bits: Option<u32> },
    /// Ed25519 (256 bits) or Ed448 (456 bits).
    EdDsa { bits: u32 },
    /// Anything else (DSA, unknown OIDs).
    Other(ObjectIdentifier),
}

impl KeyKind {
    /// Key size in bits as Windows reports it in property 92 (spec §1): RSA modulus bits, EC curve
    /// size. `None` when unknown.
    pub fn bits(&self) -> Option<u32> {
        match self {
            KeyKind::Rsa { bits } | KeyKind::EdDsa { bits } => Some(*bits),
            KeyKind::Ec { bits, .. } => *bits,
            KeyKind::Other(_) => None,
        }
    }

    /// Short display, e.g. `RSA 2048`, `ECC P-256`.
    pub fn display(&self) -> String {
        match self {
            KeyKind::Rsa { bits } => format!("RSA {bits}"),
            KeyKind::Ec { curve, bits } => match bits {
                Some(256) => "ECC P-256".to_string(),
                Some(384) => "ECC P-384".to_string(),
                Some(521) => "ECC P-521".to_string(),
                _ => format!("ECC {curve}"),
            },
            KeyKind::EdDsa { bits } => format!("EdDSA {bits}"),
            KeyKind::Other(oid) => format!("key OID {oid}"),
        }
    }
}

/// One parsed X.509 certificate with its original DER bytes.
///
/// Every value the registry blob holds is computed from `der` (the exact bytes the admin gave us),
/// never from a re-encoding.
#[derive(Clone)]
pub struct TrustCertificate {
    der: Vec<u8>,
    cert: Certificate,
    tbs_range: (usize, usize),
    /// SHA-1 of `der`, computed once: it is the key name, property 3 and the identity used to
    /// deduplicate, so it is needed several times per certificate.
    sha1: [u8; 20],
}

impl fmt::Debug for TrustCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustCertificate")
            .field("subject", &self.subject())
            .field("sha1", &self.sha1_thumbprint_hex())
            .finish()
    }
}

impl PartialEq for TrustCertificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}
impl Eq for TrustCertificate {}

/// Why bytes are not a certificate we can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateReadError {
    /// A private key was given. Refused on purpose.
    #[error(
        "{source_name}: this is a private key ({what}); a private key never belongs in boot media. Give the certificate only (export it without the private key, e.g. `openssl x509 -in cert.pem -out cert.cer`)"
    )]
    PrivateKey { source_name: String, what: String },
    /// A PFX / PKCS#12 file was given. Refused on purpose.
    #[error(
        "{source_name}: this is a PFX/PKCS#12 file, which carries a private key; a private key never belongs in boot media. Export the root certificate alone (.cer/.crt/.pem or .p7b without keys)"
    )]
    Pfx { source_name: String },
    /// The input had no certificate in it.
    #[error("{source_name}: no certificate found: {detail}")]
    NoCertificate { source_name: String, detail: String },
    /// A structure was recognised but could not be decoded.
    #[error("{source_name}: {what} could not be decoded: {detail}")]
    Malformed { source_name: String, what: String, detail: String },
}

impl TrustCertificate {
    /// Parses exactly one DER certificate (no trailing bytes).
    pub fn from_der(der: &[u8]) -> Result<Self, der::Error> {
        let cert = Certificate::from_der(der)?;
        let tbs_range = tbs_range(der)?;
        Ok(Self { der: der.to_vec(), cert, tbs_range, sha1: Sha1::digest(der).into() })
    }

    /// The DER encoding exactly as given.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The parsed certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The DER bytes of `tbsCertificate`, sliced from the original encoding (property 15 hashes
    /// exactly these bytes, spec §1).
    pub fn tbs_der(&self) -> &[u8] {
        self.der.get(self.tbs_range.0..self.tbs_range.1).unwrap_or_default()
    }

    /// SHA-1 of the DER: the thumbprint and property 3.
    pub fn sha1(&self) -> [u8; 20] {
        self.sha1
    }

    /// SHA-256 of the DER: property 107.
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.der).into()
    }

    /// MD5 of the DER: property 4.
    pub fn md5(&self) -> [u8; 16] {
        Md5::digest(&self.der).into()
    }

    /// The registry key name: the SHA-1 thumbprint, 40 uppercase hex digits (spec §1).
    pub fn sha1_thumbprint_hex(&self) -> String {
        hex_upper(&self.sha1())
    }

    /// SHA-256 thumbprint, uppercase hex.
    pub fn sha256_thumbprint_hex(&self) -> String {
        hex_upper(&self.sha256())
    }

    /// The signature algorithm.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::from_oid(self.cert.signature_algorithm.oid)
    }

    /// Property 15: the hash of the DER `tbsCertificate` with the signature's hash algorithm.
    ///
    /// Spec §1 lists MD5, SHA-1 and SHA-256. For SHA-384/SHA-512 signatures (RSA or ECDSA) we apply
    /// the same rule ("the hash algorithm of the certificate's signature") and return 48/64 bytes;
    /// that is an inference, not an observation. For RSASSA-PSS, MD2 and unknown algorithms we
    /// return `None` and the encoder leaves the property out (Windows caches it lazily, readers only
    /// need property 32).
    pub fn signature_hash(&self) -> Option<Vec<u8>> {
        self.signature_algorithm().hash()?.digest(self.tbs_der())
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> Vec<u8> {
        self.cert.tbs_certificate.subject_public_key_info.to_der().unwrap_or_default()
    }

    /// The subjectPublicKey BIT STRING contents without the unused-bits byte.
    pub fn public_key_bytes(&self) -> &[u8] {
        self.cert.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes()
    }

    /// The Subject Key Identifier extension's value (the octets inside its OCTET STRING).
    pub fn subject_key_identifier(&self) -> Option<Vec<u8>> {
        let ext = self.extension(oid::SUBJECT_KEY_IDENTIFIER)?;
        let octets = der::asn1::OctetStringRef::from_der(ext.extn_value.as_bytes()).ok()?;
        Some(octets.as_bytes().to_vec())
    }

    /// Property 20: the SKI if present, else SHA-1 of the DER SubjectPublicKeyInfo (spec §1).
    pub fn key_identifier(&self) -> Vec<u8> {
        match self.subject_key_identifier() {
            Some(ski) => ski,
            None => Sha1::digest(self.spki_der()).to_vec(),
        }
    }

    /// Property 25: MD5 of the subjectPublicKey BIT STRING contents (spec §1).
    pub fn public_key_md5(&self) -> [u8; 16] {
        Md5::digest(self.public_key_bytes()).into()
    }

    /// The public key's kind and size.
    pub fn key_kind(&self) -> KeyKind {
        let spki = &self.cert.tbs_certificate.subject_public_key_info;
        let alg = spki.algorithm.oid;
        if alg == oid::RSA_ENCRYPTION {
            match rsa::pkcs1::RsaPublicKey::from_der(self.public_key_bytes()) {
                Ok(key) => KeyKind::Rsa { bits: uint_bits(key.modulus.as_bytes()) },
                Err(_) => KeyKind::Other(alg),
            }
        } else if alg == oid::EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            match curve {
                Some(c) => {
                    let bits = if c == oid::SECP256R1 {
                        Some(256)
                    } else if c == oid::SECP384R1 {
                        Some(384)
                    } else if c == oid::SECP521R1 {
                        Some(521)
                    } else {
                        None
                    };
                    KeyKind::Ec { curve: c, bits }
                }
                None => KeyKind::Other(alg),
            }
        } else if alg == oid::ED25519 {
            KeyKind::EdDsa { bits: 256 }
        } else if alg == oid::ED448 {
            KeyKind::EdDsa { bits: 456 }
        } else {
            KeyKind::Other(alg)
        }
    }

    /// Subject as Windows shows it: `CertNameToStr(CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG)`,
    /// e.g. `CN=Contoso Root, O=Contoso, C=US` (see [`names`]).
    pub fn subject(&self) -> String {
        names::x500_reversed(&self.cert.tbs_certificate.subject)
    }

    /// Issuer as Windows shows it (same format as [`Self::subject`]).
    pub fn issuer(&self) -> String {
        names::x500_reversed(&self.cert.tbs_certificate.issuer)
    }

    /// The short name the certificate manager lists ("Issued To"): `CertGetNameString` with
    /// `CERT_NAME_SIMPLE_DISPLAY_TYPE`.
    pub fn display_name(&self) -> String {
        names::simple_display(&self.cert.tbs_certificate.subject)
    }

    /// The subject name as parsed.
    pub fn subject_name(&self) -> &Name {
        &self.cert.tbs_certificate.subject
    }

    /// The issuer name as parsed.
    pub fn issuer_name(&self) -> &Name {
        &self.cert.tbs_certificate.issuer
    }

    /// The serial number, uppercase hex as Windows shows it.
    pub fn serial_hex(&self) -> String {
        hex_upper(self.cert.tbs_certificate.serial_number.as_bytes())
    }

    /// `notBefore` in seconds since the Unix epoch.
    pub fn not_before_unix(&self) -> u64 {
        self.cert.tbs_certificate.validity.not_before.to_unix_duration().as_secs()
    }

    /// `notAfter` in seconds since the Unix epoch.
    pub fn not_after_unix(&self) -> u64 {
        self.cert.tbs_certificate.validity.not_after.to_unix_duration().as_secs()
    }

    /// `notBefore` as RFC 3339.
    pub fn not_before_text(&self) -> String {
        self.cert.tbs_certificate.validity.not_before.to_date_time().to_string()
    }

    /// `notAfter` as RFC 3339.
    pub fn not_after_text(&self) -> String {
        self.cert.tbs_certificate.validity.not_after.to_date_time().to_string()
    }

    /// The extension with `oid`, if present.
    pub fn extension(&self, id: ObjectIdentifier) -> Option<&x509_cert::ext::Extension> {
        self.cert.tbs_certificate.extensions.as_ref()?.iter().find(|e| e.extn_id == id)
    }

    /// Raw `basicConstraints`: `Some((ca, path_len))` when the extension is present and decodes.
    pub fn basic_constraints(&self) -> Option<(bool, Option<u8>)> {
        let ext = self.extension(oid::BASIC_CONSTRAINTS)?;
        let bc =
            x509_cert::ext::pkix::BasicConstraints::from_der(ext.extn_value.as_bytes()).ok()?;
        Some((bc.ca, bc.path_len_constraint))
    }

    /// `keyUsage` flags: `Some(key_cert_sign)` when present.
    pub fn key_usage_allows_cert_sign(&self) -> Option<bool> {
        let ext = self.extension(oid::KEY_USAGE)?;
        let ku = x509_cert::ext::pkix::KeyUsage::from_der(ext.extn_value.as_bytes()).ok()?;
        Some(ku.key_cert_sign())
    }

    /// Extended key usages, when the extension is present.
    pub fn extended_key_usages(&self) -> Option<Vec<ObjectIdentifier>> {
        let ext = self.extension(oid::EXTENDED_KEY_USAGE)?;
        let eku =
            x509_cert::ext::pkix::ExtendedKeyUsage::from_der(ext.extn_value.as_bytes()).ok()?;
        Some(eku.0)
    }

    /// Whether subject and issuer are the same name (byte-equal DER, then a case-insensitive
    /// comparison of the display strings, as CryptoAPI's name comparison does).
    pub fn is_self_issued(&self) -> bool {
        let tbs = &self.cert.tbs_certificate;
        tbs.subject == tbs.issuer || self.subject().eq_ignore_ascii_case(&self.issuer())
    }

    /// The signature bytes.
    pub fn signature_bytes(&self) -> &[u8] {
        self.cert.signature.raw_bytes()
    }
}

/// Number of significant bits in a big-endian unsigned integer.
fn uint_bits(bytes: &[u8]) -> u32 {
    let mut iter = bytes.iter().skip_while(|b| **b == 0);
    match iter.next() {
        None => 0,
        Some(first) => {
            let rest = iter.count() as u32;
            rest * 8 + (8 - first.leading_zeros())
        }
    }
}

/// The position of `tbsCertificate` in the certificate DER (header included).
fn tbs_range(der: &[u8]) -> Result<(usize, usize), der::Error> {
    let mut reader = SliceReader::new(der)?;
    let header = der::Header::decode(&mut reader)?;
    header.tag.assert_eq(Tag::Sequence)?;
    let start: usize = reader.position().try_into()?;
    let tbs = reader.tlv_bytes()?;
    Ok((start, start + tbs.len()))
}

/// Upper-case hex, as Windows writes thumbprints and registry values.
pub use crate::hex::upper as hex_upper;

/// The result of reading one input file: certificates in the order they appear.
#[derive(Debug, Clone)]
pub struct ReadCertificates {
    /// The certificates found.
    pub certificates: Vec<TrustCertificate>,
    /// The container they came in (`PEM`, `DER`, `PKCS#7 (DER)`, ...), for messages.
    pub container: &'static str,
}

/// Reads every certificate in `bytes`: PEM (any number of `CERTIFICATE`, `X509 CERTIFICATE`,
/// `TRUSTED CERTIFICATE`, `PKCS7` or `CMS` blocks), a DER certificate, or a DER PKCS#7 bundle.
/// `source_name` (a file name) is only used in messages.
///
/// Private keys (PEM or DER PKCS#1, PKCS#8, SEC1) and PFX files are refused with an error that says
/// why.
pub fn read_certificates(
    bytes: &[u8],
    source_name: &str,
) -> Result<ReadCertificates, CertificateReadError> {
    let text_start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(text) = pem_text(text_start) {
        return read_pem(text, source_name);
    }
    read_der(text_start, source_name)
}

/// Returns the input as text when it looks like PEM (ASCII with a `-----BEGIN ` line).
fn pem_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.contains("-----BEGIN ").then_some(text)
}

fn read_pem(text: &str, source_name: &str) -> Result<ReadCertificates, CertificateReadError> {
    let mut certificates = Vec::new();
    let mut container = "PEM";
    let mut rest = text;
    let mut block_number = 0usize;
    while let Some(begin) = rest.find("-----BEGIN ") {
        block_number += 1;
        let after_begin = &rest[begin + "-----BEGIN ".len()..];
        let Some(label_end) = after_begin.find("-----") else {
            return Err(malformed(source_name, "PEM", "a BEGIN line is not terminated by `-----`"));
        };
        let label = after_begin[..label_end].trim();
        let end_marker = format!("-----END {label}-----");
        let Some(end) = rest[begin..].find(&end_marker) else {
            return Err(malformed(
                source_name,
                "PEM",
                &format!("block {block_number} (`{label}`) has no `{end_marker}` line"),
            ));
        };
        let block_end = begin + end + end_marker.len();
        let block = &rest[begin..block_end];
        rest = &rest[block_end..];

        if label.contains("PRIVATE KEY") {
            return Err(CertificateReadError::PrivateKey {
                source_name: source_name.to_string(),
                what: format!("PEM block `{label}`"),
            });
        }
        let (_, der) = decode_pem_block(block).map_err(|e| {
            malformed(source_name, &format!("PEM block {block_number} (`{label}`)"), &e)
        })?;
        match label {
            "CERTIFICATE" | "X509 CERTIFICATE" => {
                let cert = TrustCertificate::from_der(&der).map_err(|e| {
                    malformed(
                        source_name,
                        &format!("PEM block {block_number} (certificate)"),
                        &e.to_string(),
                    )
                })?;
                certificates.push(cert);
            }
            "TRUSTED CERTIFICATE" => {
                // OpenSSL's "trusted certificate": the DER certificate followed by trust settings.
                let cert = leading_certificate(&der).map_err(|e| {
                    malformed(
                        source_name,
                        &format!("PEM block {block_number} (trusted certificate)"),
                        &e.to_string(),
                    )
                })?;
                certificates.push(cert);
            }
            "PKCS7" | "CMS" | "PKCS #7 SIGNED DATA" => {
                container = "PKCS#7 (PEM)";
                certificates.extend(read_pkcs7(&der, source_name)?);
            }
            "PKCS12" => {
                return Err(CertificateReadError::Pfx { source_name: source_name.to_string() });
            }
            other => {
                return Err(malformed(
                    source_name,
                    &format!("PEM block {block_number}"),
                    &format!(
                        "label `{other}` is not a certificate; expected CERTIFICATE or PKCS7 blocks"
                    ),
                ));
            }
        }
    }
    if certificates.is_empty() {
        return Err(CertificateReadError::NoCertificate {
            source_name: source_name.to_string(),
            detail: "the PEM file has no CERTIFICATE block".to_string(),
        });
    }
    Ok(ReadCertificates { certificates, container })
}

/// Decodes one PEM block with `der`'s strict RFC 7468 decoder, tolerating CRLF and surrounding
/// whitespace.
fn decode_pem_block(block: &str) -> Result<(String, Vec<u8>), String> {
    let normalised: String = block.replace('\r', "");
    let mut lines: Vec<&str> =
        normalised.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    // RFC 1421 headers (Proc-Type, ...) are not allowed by RFC 7468; certificates never have them.
    lines.retain(|l| !l.contains(": "));
    let mut clean = lines.join("\n");
    clean.push('\n');
    let (label, der) = pem_rfc7468_decode(clean.as_bytes()).map_err(|e| e.to_string())?;
    Ok((label, der))
}

fn pem_rfc7468_decode(bytes: &[u8]) -> Result<(String, Vec<u8>), der::pem::Error> {
    let (label, der) = der::pem::decode_vec(bytes)?;
    Ok((label.to_string(), der))
}

/// Decodes the first TLV of `der` as a certificate, ignoring trailing data.
fn leading_certificate(der: &[u8]) -> Result<TrustCertificate, der::Error> {
    let mut reader = SliceReader::new(der)?;
    let tlv = reader.tlv_bytes()?;
    TrustCertificate::from_der(tlv)
}

fn malformed(source_name: &str, what: &str, detail: &str) -> CertificateReadError {
    CertificateReadError::Malformed {
        source_name: source_name.to_string(),
        what: what.to_string(),
        detail: detail.to_string(),
    }
}

fn read_der(bytes: &[u8], source_name: &str) -> Result<ReadCertificates, CertificateReadError> {
    if bytes.is_empty() {
        return Err(CertificateReadError::NoCertificate {
            source_name: source_name.to_string(),
            detail: "the file is empty".to_string(),
        });
    }
    let cert_error = match TrustCertificate::from_der(bytes) {
        Ok(cert) => return Ok(ReadCertificates { certificates: vec![cert], container: "DER" }),
        Err(e) => e,
    };
    match classify_der(bytes) {
        DerShape::Pkcs7 => {
            let certificates = read_pkcs7(bytes, source_name)?;
            Ok(ReadCertificates { certificates, container: "PKCS#7 (DER)" })
        }
        DerShape::Pfx => Err(CertificateReadError::Pfx { source_name: source_name.to_string() }),
        DerShape::PrivateKey(what) => Err(CertificateReadError::PrivateKey {
            source_name: source_name.to_string(),
            what: what.to_string(),
        }),
        DerShape::Unknown => {
            let looks_like_text =
                bytes.iter().take(512).all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
            let detail = if looks_like_text {
                "the file is text without a `-----BEGIN CERTIFICATE-----` block; expected PEM, DER or PKCS#7".to_string()
            } else {
                format!("not a DER certificate ({cert_error}) nor a PKCS#7 bundle")
            };
            Err(CertificateReadError::NoCertificate {
                source_name: source_name.to_string(),
                detail,
            })
        }
    }
}

enum DerShape {
    Pkcs7,
    Pfx,
    PrivateKey(&'static str),
    Unknown,
}

/// Looks at the first elements of a DER SEQUENCE to tell PKCS#7, PFX and private keys apart.
fn classify_der(bytes: &[u8]) -> DerShape {
    let Ok(outer) = AnyRef::from_der(bytes).or_else(|_| {
        // Trailing bytes are common in files written by some tools; classify the first TLV.
        SliceReader::new(bytes).and_then(|mut r| r.tlv_bytes()).and_then(AnyRef::from_der)
    }) else {
        return DerShape::Unknown;
    };
    if outer.tag() != Tag::Sequence {
        return DerShape::Unknown;
    }
    let Ok(mut reader) = SliceReader::new(outer.value()) else {
        return DerShape::Unknown;
    };
    let first = reader.decode::<AnyRef<'_>>();
    let second = reader.decode::<AnyRef<'_>>();
    let (Ok(first), Ok(second)) = (first, second) else {
        return DerShape::Unknown;
    };
    if first.tag() == Tag::ObjectIdentifier {
        if first.decode_as::<ObjectIdentifier>().ok() == Some(oid::PKCS7_SIGNED_DATA) {
            return DerShape::Pkcs7;
        }
        return DerShape::Unknown;
    }
    // Encrypted PKCS#8: an AlgorithmIdentifier then the encrypted key (no version).
    if first.tag() == Tag::Sequence && second.tag() == Tag::OctetString {
        return DerShape::PrivateKey("encrypted PKCS#8 private key");
    }
    if first.tag() != Tag::Integer {
        return DerShape::Unknown;
    }
    let version = first.value();
    match (version, second.tag()) {
        // PFX: version 3, then a ContentInfo (SEQUENCE starting with the pkcs7-data OID).
        ([3], Tag::Sequence) => {
            let inner_oid = SliceReader::new(second.value())
                .and_then(|mut r| r.decode::<ObjectIdentifier>())
                .ok();
            if inner_oid == Some(oid::PKCS7_DATA) || inner_oid == Some(oid::PKCS7_SIGNED_DATA) {
                DerShape::Pfx
            } else {
                DerShape::Unknown
            }
        }
        // PKCS#8 PrivateKeyInfo / OneAsymmetricKey: version 0 or 1, then an AlgorithmIdentifier.
        ([0] | [1], Tag::Sequence) => DerShape::PrivateKey("PKCS#8 private key"),
        // PKCS#1 RSAPrivateKey: version 0, then the modulus.
        ([0], Tag::Integer) => DerShape::PrivateKey("PKCS#1 RSA private key"),
        // SEC1 ECPrivateKey: version 1, then the key octets.
        ([1], Tag::OctetString) => DerShape::PrivateKey("SEC1 EC private key"),
        _ => DerShape::Unknown,
    }
}

/// Certificates in a PKCS#7 / CMS SignedData (`.p7b`, `.p7c`), in the bundle's order.
fn read_pkcs7(
    der: &[u8],
    source_name: &str,
) -> Result<Vec<TrustCertificate>, CertificateReadError> {
    let content_info = cms::content_info::ContentInfo::from_der(der)
        .map_err(|e| malformed(source_name, "PKCS#7 ContentInfo", &e.to_string()))?;
    if content_info.content_type != oid::PKCS7_SIGNED_DATA {
        return Err(malformed(
            source_name,
            "PKCS#7 bundle",
            &format!("content type {} is not signedData", content_info.content_type),
        ));
    }
    let signed_data = content_info
        .content
        .decode_as::<cms::signed_data::SignedData>()
        .map_err(|e| malformed(source_name, "PKCS#7 SignedData", &e.to_string()))?;
    let mut out = Vec::new();
    for (position, choice) in
        signed_data.certificates.iter().flat_map(|set| set.0.iter()).enumerate()
    {
        match choice {
            cms::cert::CertificateChoices::Certificate(cert) => {
                let der = cert.to_der().map_err(|e| {
                    malformed(
                        source_name,
                        &format!("PKCS#7 certificate {}", position + 1),
                        &e.to_string(),
                    )
                })?;
                let parsed = TrustCertificate::from_der(&der).map_err(|e| {
                    malformed(
                        source_name,
                        &format!("PKCS#7 certificate {}", position + 1),
                        &e.to_string(),
                    )
                })?;
                out.push(parsed);
            }
            cms::cert::CertificateChoices::Other(_) => {}
        }
    }
    if out.is_empty() {
        return Err(CertificateReadError::NoCertificate {
            source_name: source_name.to_string(),
            detail: "the PKCS#7 bundle holds no certificate".to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uint_bits_counts_significant_bits() {
        assert_eq!(uint_bits(&[]), 0);
        assert_eq!(uint_bits(&[0, 0]), 0);
        assert_eq!(uint_bits(&[0, 0x80, 0]), 16);
        assert_eq!(uint_bits(&[0x01, 0xff]), 9);
    }

    #[test]
    fn hex_upper_is_uppercase() {
        assert_eq!(hex_upper(&[0xab, 0x01]), "AB01");
    }

    #[test]
    fn empty_and_garbage_inputs_are_clear_errors() {
        assert!(matches!(
            read_certificates(b"", "x"),
            Err(CertificateReadError::NoCertificate { .. })
        ));
        let err = read_certificates(b"hello world", "x.txt").unwrap_err().to_string();
        assert!(err.contains("x.txt") && err.contains("BEGIN CERTIFICATE"), "{err}");
        let err = read_certificates(
            b"-----BEGIN RSA PRIVATE KEY-----\nAA==\n-----END RSA PRIVATE KEY-----\n",
            "k.pem",
        )
        .unwrap_err();
        assert!(matches!(err, CertificateReadError::PrivateKey { .. }));
    }
}
