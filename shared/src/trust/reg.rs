//! The `.reg` file `reg export` writes, and a reader for any `.reg` export (spec
//! `windows-artifacts.md` §2 and §3; issue 4, item 4).
//!
//! Writer: BOM `FF FE`, UTF-16LE, CRLF, `Windows Registry Editor Version 5.00`, an empty line, then
//! per key `[path]`, `"Blob"=hex:...` wrapped the way `reg export` wraps, and an empty line. The file
//! ends CRLF CRLF.
//!
//! Reader: UTF-16LE (with or without BOM), UTF-16BE with BOM, UTF-8 (with or without BOM) and other
//! 8-bit files (bytes that are not UTF-8 are read as Windows-1252/Latin-1), `REGEDIT4` or version
//! 5.00 headers, continuation lines; keys and values that are not certificate blobs are kept in the
//! document but ignored by [`RegDocument::certificate_blobs`].

use std::fmt;

use super::blob::{BlobProfile, DecodedBlob, EncodedBlob, decode_blob, encode_blob};
use super::certificate::TrustCertificate;

/// The header line of a version 5 `.reg` file.
pub const REG5_HEADER: &str = "Windows Registry Editor Version 5.00";
/// The header line of a version 4 (8-bit) `.reg` file.
pub const REG4_HEADER: &str = "REGEDIT4";

/// A physical certificate store that makes a root trusted machine-wide (spec §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Store {
    /// `AuthRoot`: what the CMG boot-media procedure uses (the default).
    #[default]
    AuthRoot,
    /// `ROOT`.
    Root,
}

impl Store {
    /// The key name, spelled as Windows spells it.
    pub fn key_name(self) -> &'static str {
        match self {
            Store::AuthRoot => "AuthRoot",
            Store::Root => "ROOT",
        }
    }
}

impl std::str::FromStr for Store {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "authroot" => Ok(Store::AuthRoot),
            "root" => Ok(Store::Root),
            other => Err(format!("unknown store `{other}`: use `AuthRoot` or `ROOT`")),
        }
    }
}

/// Where under `HKEY_LOCAL_MACHINE` the SOFTWARE hive is (spec §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Hive {
    /// `HKEY_LOCAL_MACHINE\winpe-offline`: the boot image's SOFTWARE hive loaded with `reg load`
    /// (the default).
    #[default]
    WinpeOffline,
    /// `HKEY_LOCAL_MACHINE\SOFTWARE`: a running system.
    Software,
}

impl Hive {
    /// The key segment under `HKEY_LOCAL_MACHINE`.
    pub fn segment(self) -> &'static str {
        match self {
            Hive::WinpeOffline => "winpe-offline",
            Hive::Software => "SOFTWARE",
        }
    }
}

impl std::str::FromStr for Hive {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "winpe-offline" => Ok(Hive::WinpeOffline),
            "software" => Ok(Hive::Software),
            other => Err(format!("unknown hive `{other}`: use `winpe-offline` or `SOFTWARE`")),
        }
    }
}

/// The registry key of a certificate: `HKEY_LOCAL_MACHINE\<hive>\Microsoft\SystemCertificates\
/// <store>\Certificates\<THUMBPRINT>` (spec §1, §3).
pub fn certificate_key_path(hive: Hive, store: Store, thumbprint_upper_hex: &str) -> String {
    format!(
        "HKEY_LOCAL_MACHINE\\{}\\Microsoft\\SystemCertificates\\{}\\Certificates\\{}",
        hive.segment(),
        store.key_name(),
        thumbprint_upper_hex
    )
}

/// One certificate entry to write: its key path and blob bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegCertificateEntry {
    /// Full key path (without brackets).
    pub key_path: String,
    /// The `Blob` value.
    pub blob: Vec<u8>,
}

impl RegCertificateEntry {
    /// The entry for `cert` in `store` under `hive`, with a blob of `profile`.
    pub fn new(cert: &TrustCertificate, store: Store, hive: Hive, profile: BlobProfile) -> Self {
        let EncodedBlob { bytes, .. } = encode_blob(cert, profile);
        Self {
            key_path: certificate_key_path(hive, store, &cert.sha1_thumbprint_hex()),
            blob: bytes,
        }
    }
}

/// Width at which `reg export` breaks a hex line (spec §2): after appending `xx,`, break as soon as
/// the line is this long or longer.
const WRAP_AT: usize = 77;

/// Appends `"name"=hex:..` with `reg export`'s wrapping to `out` (text, CRLF line ends).
pub fn push_hex_value(out: &mut String, name: &str, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let prefix_start = out.len();
    out.push('"');
    out.push_str(&escape_value_name(name));
    out.push_str("\"=hex:");
    let mut line_len = out.len() - prefix_start;
    let last = bytes.len().saturating_sub(1);
    for (index, byte) in bytes.iter().enumerate() {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
        if index == last {
            break;
        }
        out.push(',');
        line_len += 3;
        if line_len >= WRAP_AT {
            out.push_str("\\\r\n  ");
            line_len = 2;
        }
    }
    out.push_str("\r\n");
}

fn escape_value_name(name: &str) -> String {
    name.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The text (before UTF-16 encoding) of a `.reg` file holding `entries`.
pub fn reg_text(entries: &[RegCertificateEntry]) -> String {
    let capacity = 40
        + entries
            .iter()
            .map(|e| e.key_path.len() + 8 + e.blob.len() * 3 + e.blob.len() / 8 + 20)
            .sum::<usize>();
    let mut out = String::with_capacity(capacity);
    out.push_str(REG5_HEADER);
    out.push_str("\r\n\r\n");
    for entry in entries {
        out.push('[');
        out.push_str(&entry.key_path);
        out.push_str("]\r\n");
        push_hex_value(&mut out, "Blob", &entry.blob);
        out.push_str("\r\n");
    }
    out
}

/// Encodes `.reg` text as `reg export` does: BOM `FF FE` then UTF-16LE.
pub fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + text.len() * 2);
    out.extend_from_slice(&[0xFF, 0xFE]);
    push_utf16(&mut out, text);
    out
}

fn push_utf16(out: &mut Vec<u8>, text: &str) {
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
}

/// `xx,` in UTF-16LE for every byte value: the hot loop of the writer copies 6 bytes per input
/// byte instead of formatting.
const HEX_COMMA_UTF16: [[u8; 6]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut table = [[0u8; 6]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = [DIGITS[i >> 4], 0, DIGITS[i & 15], 0, b',', 0];
        i += 1;
    }
    table
};

/// UTF-16LE of `\`, CRLF and the two-space indent of a continuation line.
const LINE_BREAK_UTF16: [u8; 10] = [b'\\', 0, b'\r', 0, b'\n', 0, b' ', 0, b' ', 0];

/// [`push_hex_value`] straight into UTF-16LE bytes (same output, see the tests).
fn push_hex_value_utf16(out: &mut Vec<u8>, name: &str, bytes: &[u8]) {
    let mut prefix = String::with_capacity(name.len() + 8);
    prefix.push('"');
    prefix.push_str(&escape_value_name(name));
    prefix.push_str("\"=hex:");
    push_utf16(out, &prefix);
    let mut line_len = prefix.encode_utf16().count();
    if let Some((last, rest)) = bytes.split_last() {
        for byte in rest {
            out.extend_from_slice(&HEX_COMMA_UTF16[usize::from(*byte)]);
            line_len += 3;
            if line_len >= WRAP_AT {
                out.extend_from_slice(&LINE_BREAK_UTF16);
                line_len = 2;
            }
        }
        out.extend_from_slice(&HEX_COMMA_UTF16[usize::from(*last)][..4]);
    }
    out.extend_from_slice(&[b'\r', 0, b'\n', 0]);
}

/// The bytes of a `.reg` file holding `entries`, exactly as `reg export` writes them (spec §2):
/// `utf16le_with_bom(&reg_text(entries))`, written directly as UTF-16LE.
pub fn write_reg(entries: &[RegCertificateEntry]) -> Vec<u8> {
    let capacity = 2 + 2
        * (40
            + entries
                .iter()
                .map(|e| e.key_path.len() + 20 + e.blob.len() * 3 + e.blob.len() / 8 + 8)
                .sum::<usize>());
    let mut out = Vec::with_capacity(capacity);
    out.extend_from_slice(&[0xFF, 0xFE]);
    push_utf16(&mut out, REG5_HEADER);
    push_utf16(&mut out, "\r\n\r\n");
    for entry in entries {
        push_utf16(&mut out, "[");
        push_utf16(&mut out, &entry.key_path);
        push_utf16(&mut out, "]\r\n");
        push_hex_value_utf16(&mut out, "Blob", &entry.blob);
        push_utf16(&mut out, "\r\n");
    }
    out
}

/// Convenience: the `.reg` bytes for `certificates` (duplicates by thumbprint written once).
pub fn write_certificates(
    certificates: &[TrustCertificate],
    store: Store,
    hive: Hive,
    profile: BlobProfile,
) -> Vec<u8> {
    let mut seen = std::collections::HashSet::new();
    let entries: Vec<RegCertificateEntry> = certificates
        .iter()
        .filter(|c| seen.insert(c.sha1()))
        .map(|c| RegCertificateEntry::new(c, store, hive, profile))
        .collect();
    write_reg(&entries)
}

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

/// How the file was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum RegEncoding {
    /// UTF-16LE with BOM (what `reg export` writes).
    Utf16LeBom,
    /// UTF-16LE without BOM.
    Utf16Le,
    /// UTF-16BE with BOM.
    Utf16BeBom,
    /// UTF-8 (with or without BOM) or ASCII.
    Utf8,
    /// 8-bit, not UTF-8: read as Windows-1252/Latin-1.
    Latin1,
}

/// A value in a `.reg` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegData {
    /// `"text"`.
    String(String),
    /// `hex:..` (REG_BINARY).
    Binary(Vec<u8>),
    /// `dword:xxxxxxxx`.
    Dword(u32),
    /// `hex(N):..` with another type N.
    Typed { kind: u32, bytes: Vec<u8> },
    /// `-`: delete the value.
    Delete,
}

/// A named value with the line it started on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegValue {
    /// Value name; empty for the default value `@`.
    pub name: String,
    /// The data.
    pub data: RegData,
    /// 1-based line of the value.
    pub line: usize,
}

/// A key section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegKey {
    /// Full path without brackets.
    pub path: String,
    /// `[-path]`: the key is deleted.
    pub delete: bool,
    /// Values in order.
    pub values: Vec<RegValue>,
    /// 1-based line of the `[...]` line.
    pub line: usize,
}

/// A problem in a `.reg` file that did not stop the reader (the line is skipped).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegProblem {
    /// 1-based line.
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for RegProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A parsed `.reg` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegDocument {
    /// The text encoding found.
    pub encoding: RegEncoding,
    /// `true` for `REGEDIT4`, `false` for version 5.00.
    pub regedit4: bool,
    /// Keys in order.
    pub keys: Vec<RegKey>,
    /// Lines that were skipped, with why.
    pub problems: Vec<RegProblem>,
}

/// Why a file is not a `.reg` file at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegReadError {
    /// Empty input.
    #[error("the .reg file is empty")]
    Empty,
    /// Odd length UTF-16.
    #[error("the .reg file is UTF-16 but has an odd number of bytes ({0}); it is truncated")]
    OddUtf16Length(usize),
    /// The header line is missing.
    #[error(
        "the first line is `{found}`, not `Windows Registry Editor Version 5.00` or `REGEDIT4`; this is not a .reg export"
    )]
    MissingHeader { found: String },
}

/// Where a certificate blob sits in the registry, parsed from a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateKeyPath {
    /// Everything before `\Microsoft\SystemCertificates` (e.g. `HKEY_LOCAL_MACHINE\SOFTWARE`).
    pub prefix: String,
    /// Store name as written (`AuthRoot`, `ROOT`, `CA`, ...).
    pub store: String,
    /// The key name after `Certificates\` (should be the SHA-1 thumbprint).
    pub thumbprint: String,
}

impl CertificateKeyPath {
    /// Parses `...\Microsoft\SystemCertificates\<store>\Certificates\<thumbprint>` (also the
    /// `Policies` variant); `None` for any other key.
    pub fn parse(path: &str) -> Option<Self> {
        let lower = path.to_ascii_lowercase();
        let marker = "\\microsoft\\systemcertificates\\";
        let at = lower.find(marker)?;
        let prefix = path.get(..at)?.to_string();
        let rest = path.get(at + marker.len()..)?;
        let mut parts = rest.split('\\');
        let store = parts.next()?.to_string();
        let certificates = parts.next()?;
        let thumbprint = parts.next()?.to_string();
        if !certificates.eq_ignore_ascii_case("Certificates") || parts.next().is_some() {
            return None;
        }
        Some(Self { prefix, store, thumbprint })
    }

    /// The store as one of the two trusted-root stores, if it is one.
    pub fn known_store(&self) -> Option<Store> {
        self.store.parse().ok()
    }

    /// The hive, if the prefix is `HKEY_LOCAL_MACHINE\SOFTWARE` or `...\winpe-offline`
    /// (`HKLM` accepted).
    pub fn known_hive(&self) -> Option<Hive> {
        let lower = self.prefix.to_ascii_lowercase();
        let rest =
            lower.strip_prefix("hkey_local_machine\\").or_else(|| lower.strip_prefix("hklm\\"))?;
        match rest {
            "software" => Some(Hive::Software),
            "winpe-offline" => Some(Hive::WinpeOffline),
            _ => None,
        }
    }
}

/// A certificate blob found in a `.reg` file.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundBlob {
    /// The key path as written.
    pub key_path: String,
    /// The key path parsed.
    pub location: CertificateKeyPath,
    /// 1-based line of the `Blob` value.
    pub line: usize,
    /// The raw blob bytes.
    pub bytes: Vec<u8>,
    /// The decoded blob, or why it does not decode.
    pub decoded: Result<DecodedBlob, super::blob::BlobDecodeError>,
}

impl FoundBlob {
    /// Problems of this entry beyond the blob's own: the key name is not the certificate's SHA-1
    /// (readers ignore such keys, spec §1), or is not uppercase.
    pub fn key_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Ok(decoded) = &self.decoded
            && let Some(cert) = &decoded.certificate
        {
            let expected = cert.sha1_thumbprint_hex();
            if !self.location.thumbprint.eq_ignore_ascii_case(&expected) {
                out.push(format!(
                    "key name {} is not the certificate's SHA-1 thumbprint {expected}; Windows ignores this key",
                    self.location.thumbprint
                ));
            } else if self.location.thumbprint != expected {
                out.push(format!(
                    "key name {} is not uppercase; Windows writes {expected}",
                    self.location.thumbprint
                ));
            }
        }
        out
    }
}

impl RegDocument {
    /// Every `Blob` value of a key under `...\SystemCertificates\<store>\Certificates\<thumb>`.
    pub fn certificate_blobs(&self) -> Vec<FoundBlob> {
        let mut out = Vec::new();
        for key in self.keys.iter().filter(|k| !k.delete) {
            let Some(location) = CertificateKeyPath::parse(&key.path) else {
                continue;
            };
            for value in &key.values {
                let bytes = match &value.data {
                    RegData::Binary(bytes) => bytes,
                    RegData::Typed { kind: 3, bytes } => bytes,
                    _ => continue,
                };
                if !value.name.eq_ignore_ascii_case("Blob") {
                    continue;
                }
                out.push(FoundBlob {
                    key_path: key.path.clone(),
                    location: location.clone(),
                    line: value.line,
                    bytes: bytes.clone(),
                    decoded: decode_blob(bytes),
                });
            }
        }
        out
    }
}

/// Re-targets the certificate blobs of a `.reg` file to `hive` (keeping each blob and store
/// byte for byte), e.g. a `SOFTWARE` export from a Windows machine to `winpe-offline` (spec §3
/// step 2). Stores other than `AuthRoot`/`ROOT` are kept by name.
pub fn retarget(found: &[FoundBlob], hive: Hive) -> Vec<RegCertificateEntry> {
    found
        .iter()
        .map(|blob| RegCertificateEntry {
            key_path: format!(
                "HKEY_LOCAL_MACHINE\\{}\\Microsoft\\SystemCertificates\\{}\\Certificates\\{}",
                hive.segment(),
                match blob.location.known_store() {
                    Some(store) => store.key_name(),
                    None => blob.location.store.as_str(),
                },
                blob.location.thumbprint.to_ascii_uppercase()
            ),
            blob: blob.bytes.clone(),
        })
        .collect()
}

/// Decodes the bytes of a `.reg` file to text.
pub fn decode_text(bytes: &[u8]) -> Result<(String, RegEncoding), RegReadError> {
    if bytes.is_empty() {
        return Err(RegReadError::Empty);
    }
    let utf16 = |body: &[u8], little: bool| -> Result<String, RegReadError> {
        if !body.len().is_multiple_of(2) {
            return Err(RegReadError::OddUtf16Length(bytes.len()));
        }
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| {
                if little {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        Ok(String::from_utf16_lossy(&units))
    };
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return Ok((utf16(body, true)?, RegEncoding::Utf16LeBom));
    }
    if let Some(body) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return Ok((utf16(body, false)?, RegEncoding::Utf16BeBom));
    }
    // UTF-16LE without BOM: ASCII text has a zero in every odd byte.
    if bytes.len() >= 4 && bytes[1] == 0 && bytes[3] == 0 && bytes[0] != 0 {
        return Ok((utf16(bytes, true)?, RegEncoding::Utf16Le));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok((text.to_string(), RegEncoding::Utf8)),
        Err(_) => Ok((body.iter().map(|b| windows_1252(*b)).collect(), RegEncoding::Latin1)),
    }
}

/// Windows-1252 to char (the 0x80..0x9F range differs from Latin-1).
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        other => char::from(other),
    }
}

/// Parses a `.reg` file (any encoding, see the module doc). Malformed lines are reported in
/// [`RegDocument::problems`] and skipped; only a missing header or undecodable text is an error.
pub fn read_reg(bytes: &[u8]) -> Result<RegDocument, RegReadError> {
    let (text, encoding) = decode_text(bytes)?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).enumerate();

    // Header: the first non-empty line.
    let regedit4 = loop {
        match lines.next() {
            None => return Err(RegReadError::MissingHeader { found: String::new() }),
            Some((_, line)) if line.trim().is_empty() => continue,
            Some((_, line)) => {
                let line = line.trim();
                if line == REG5_HEADER {
                    break false;
                } else if line == REG4_HEADER {
                    break true;
                } else {
                    return Err(RegReadError::MissingHeader {
                        found: line.chars().take(60).collect(),
                    });
                }
            }
        }
    };

    let mut keys: Vec<RegKey> = Vec::new();
    let mut problems = Vec::new();
    while let Some((index, first)) = lines.next() {
        let line_number = index + 1;
        // Join continuation lines: a line ending in `\` continues on the next (leading blanks of
        // the continuation dropped).
        let mut logical = first.trim_start().to_string();
        while logical.ends_with('\\') && !logical.starts_with('[') {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let logical = logical.trim_end();
        if logical.is_empty() || logical.starts_with(';') {
            continue;
        }
        if let Some(inner) = logical.strip_prefix('[') {
            let Some(path) = inner.strip_suffix(']') else {
                problems.push(RegProblem {
                    line: line_number,
                    message: "key line has no closing `]`".to_string(),
                });
                continue;
            };
            let (delete, path) = match path.strip_prefix('-') {
                Some(p) => (true, p),
                None => (false, path),
            };
            keys.push(RegKey {
                path: path.to_string(),
                delete,
                values: Vec::new(),
                line: line_number,
            });
            continue;
        }
        let Some(key) = keys.last_mut() else {
            problems.push(RegProblem {
                line: line_number,
                message: "value before any `[key]` line; ignored".to_string(),
            });
            continue;
        };
        match parse_value_line(logical) {
            Ok((name, data)) => key.values.push(RegValue { name, data, line: line_number }),
            Err(message) => problems.push(RegProblem { line: line_number, message }),
        }
    }
    Ok(RegDocument { encoding, regedit4, keys, problems })
}

/// Parses `"name"=data` or `@=data`.
fn parse_value_line(line: &str) -> Result<(String, RegData), String> {
    let (name, rest) = if let Some(rest) = line.strip_prefix('@') {
        (String::new(), rest)
    } else if let Some(quoted) = line.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        name.push(escaped);
                    }
                }
                '"' => {
                    end = Some(i + 1);
                    break;
                }
                other => name.push(other),
            }
        }
        let end = end.ok_or("value name has no closing quote")?;
        (name, quoted.get(end..).unwrap_or_default())
    } else {
        return Err(format!(
            "expected `\"name\"=...`, `@=...` or `[key]`, found `{}`",
            line.chars().take(40).collect::<String>()
        ));
    };
    let data = rest
        .trim_start()
        .strip_prefix('=')
        .ok_or_else(|| format!("value `{name}` has no `=`"))?
        .trim();
    let parsed = if data == "-" {
        RegData::Delete
    } else if let Some(string) = data.strip_prefix('"') {
        let body = string
            .strip_suffix('"')
            .ok_or_else(|| format!("value `{name}`: string has no closing quote"))?;
        RegData::String(body.replace("\\\"", "\"").replace("\\\\", "\\"))
    } else if let Some(hex) = data.strip_prefix("dword:") {
        RegData::Dword(
            u32::from_str_radix(hex.trim(), 16)
                .map_err(|_| format!("value `{name}`: `dword:{hex}` is not 8 hex digits"))?,
        )
    } else if let Some(hex) = data.strip_prefix("hex:") {
        RegData::Binary(parse_hex_list(hex).map_err(|e| format!("value `{name}`: {e}"))?)
    } else if let Some(typed) = data.strip_prefix("hex(") {
        let (kind, hex) =
            typed.split_once("):").ok_or_else(|| format!("value `{name}`: `hex(` without `):`"))?;
        let kind = u32::from_str_radix(kind.trim(), 16)
            .map_err(|_| format!("value `{name}`: type `hex({kind})` is not hexadecimal"))?;
        RegData::Typed {
            kind,
            bytes: parse_hex_list(hex).map_err(|e| format!("value `{name}`: {e}"))?,
        }
    } else {
        return Err(format!(
            "value `{name}`: unknown data `{}`",
            data.chars().take(20).collect::<String>()
        ));
    };
    Ok((name, parsed))
}

/// Parses `aa,bb,cc` (blanks allowed around items, an empty list allowed).
fn parse_hex_list(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(text.len() / 3 + 1);
    for (index, item) in text.split(',').enumerate() {
        let item = item.trim();
        if item.is_empty() && index > 0 && text.ends_with(',') {
            continue;
        }
        let byte =
            (item.len() <= 2).then(|| u8::from_str_radix(item, 16).ok()).flatten().ok_or_else(
                || format!("byte {} (`{item}`) is not a two-digit hex number", index + 1),
            )?;
        out.push(byte);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_rule_puts_22_then_25_bytes_per_line() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        let mut text = String::new();
        push_hex_value(&mut text, "Blob", &bytes);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0].len(), 78);
        assert_eq!(lines[0].matches(',').count(), 22);
        assert!(lines[0].ends_with(",\\"));
        for line in &lines[1..lines.len() - 2] {
            assert_eq!(line.len(), 78, "{line}");
            assert!(line.starts_with("  "));
        }
        let last = lines[lines.len() - 2];
        assert!(!last.ends_with(',') && !last.ends_with('\\'));
        assert!(last.ends_with("ff"));
        assert_eq!(lines[lines.len() - 1], "");
        // 22 + 25 * 9 = 247, 9 bytes on the last line.
        assert_eq!(last.trim().split(',').count(), 9);
    }

    #[test]
    fn exact_fill_does_not_leave_empty_continuation() {
        // 22 bytes fill the first line exactly; the 22nd byte is the last, so no `\`.
        let mut text = String::new();
        push_hex_value(&mut text, "Blob", &[0xab; 22]);
        assert_eq!(text.len(), 11 + 22 * 3 - 1 + 2);
        assert!(!text.contains('\\'));
        // 23 bytes: the break comes after the 22nd.
        let mut text = String::new();
        push_hex_value(&mut text, "Blob", &[0xab; 23]);
        assert!(text.ends_with(",\\\r\n  ab\r\n"));
    }

    #[test]
    fn direct_utf16_writer_equals_text_writer() {
        for len in [0usize, 1, 2, 21, 22, 23, 24, 46, 47, 48, 72, 73, 300] {
            let entries = vec![
                RegCertificateEntry {
                    key_path: "HKEY_LOCAL_MACHINE\\SOFTWARE\\K\u{e9}y".to_string(),
                    blob: (0..len).map(|i| (i * 37 % 256) as u8).collect(),
                },
                RegCertificateEntry {
                    key_path: "HKEY_LOCAL_MACHINE\\X".to_string(),
                    blob: vec![1],
                },
            ];
            assert_eq!(write_reg(&entries), utf16le_with_bom(&reg_text(&entries)), "{len}");
        }
    }

    #[test]
    fn reader_rejects_non_reg() {
        assert_eq!(read_reg(b""), Err(RegReadError::Empty));
        assert!(matches!(read_reg(b"hello\r\n"), Err(RegReadError::MissingHeader { .. })));
    }

    #[test]
    fn reader_accepts_regedit4_8bit_with_continuations() {
        let text = "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\ROOT\\Certificates\\AB]\r\n\"Blob\"=hex:01,02,\\\r\n  03\r\n\"Other\"=dword:00000010\r\n@=\"x\"\r\nbogus\r\n";
        let doc = read_reg(text.as_bytes()).unwrap();
        assert!(doc.regedit4);
        assert_eq!(doc.keys.len(), 1);
        assert_eq!(doc.keys[0].values[0].data, RegData::Binary(vec![1, 2, 3]));
        assert_eq!(doc.keys[0].values[1].data, RegData::Dword(16));
        assert_eq!(doc.problems.len(), 1);
        assert_eq!(doc.problems[0].line, 8);
        let found = doc.certificate_blobs();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location.known_store(), Some(Store::Root));
        assert_eq!(found[0].location.known_hive(), Some(Hive::Software));
        assert!(found[0].decoded.is_err());
    }

    #[test]
    fn reader_accepts_utf16_without_bom_and_big_endian() {
        let text = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"Blob\"=hex:0a\r\n\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let doc = read_reg(&le).unwrap();
        assert_eq!(doc.encoding, RegEncoding::Utf16Le);
        assert_eq!(doc.keys[0].values[0].data, RegData::Binary(vec![10]));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let doc = read_reg(&be).unwrap();
        assert_eq!(doc.encoding, RegEncoding::Utf16BeBom);
        assert_eq!(doc.keys[0].path, "HKEY_LOCAL_MACHINE\\SOFTWARE\\X");
        // Latin-1 bytes that are not UTF-8 (a value name with an umlaut).
        let latin = b"REGEDIT4\r\n[HKEY_LOCAL_MACHINE\\A]\r\n\"K\xe4se\"=\"x\"\r\n";
        let doc = read_reg(latin).unwrap();
        assert_eq!(doc.encoding, RegEncoding::Latin1);
        assert_eq!(doc.keys[0].values[0].name, "K\u{e4}se");
        // A truncated UTF-16 file is an error, not a panic.
        assert_eq!(read_reg(&le[..le.len() - 1]), Err(RegReadError::OddUtf16Length(le.len() - 1)));
    }

    #[test]
    fn key_path_parsing() {
        let p = CertificateKeyPath::parse(
            "HKEY_LOCAL_MACHINE\\winpe-offline\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\00FF",
        )
        .unwrap();
        assert_eq!(p.known_hive(), Some(Hive::WinpeOffline));
        assert_eq!(p.known_store(), Some(Store::AuthRoot));
        assert_eq!(p.thumbprint, "00FF");
        assert!(
            CertificateKeyPath::parse(
                "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\ROOT"
            )
            .is_none()
        );
    }
}
