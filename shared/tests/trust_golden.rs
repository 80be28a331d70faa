//! Golden tests for the trust formats (issue 4 "Done when"; spec `windows-artifacts.md` §1–2).
//!
//! Fixtures come from `corpus/trust/make-fixtures.sh` (openssl). Every property value is compared
//! with the value openssl/python computed (`NAME.expected`), so these tests check the computation,
//! not only that it did not change; the `.blob` and `.reg` goldens then pin the bytes.
//! Regenerate the goldens after re-running the script with
//! `OSDGATE_UPDATE_GOLDEN=1 cargo test -p osdgate-model --test trust_golden`.

mod golden;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use osdgate_model::trust::blob::{PropertyCheck, prop};
use osdgate_model::trust::reg::{Hive, RegCertificateEntry, Store, read_reg, write_reg};
use osdgate_model::trust::{
    BlobProfile, TrustCertificate, decode_blob, encode_blob, read_certificates,
};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/trust")
}

/// The certificates the issue asks for: RSA 1024/2048/4096 with SHA-1 and SHA-256, ECDSA P-256/P-384,
/// with and without SKI (plus SHA-384 and the chain/other fixtures).
const ROOTS: &[&str] = &[
    "rsa1024-sha1",
    "rsa2048-sha1",
    "rsa2048-sha256",
    "rsa2048-sha256-noski",
    "rsa4096-sha1",
    "rsa4096-sha256",
    "rsa3072-sha384",
    "ec256-sha256",
    "ec256-sha256-noski",
    "ec384-sha384",
    "ec384-sha384-noski",
    "chain-root",
    "chain-intermediate",
    "chain-leaf",
    "other-root",
    "nonca",
    "expired",
];

fn expected(name: &str) -> BTreeMap<String, String> {
    let path = corpus().join(format!("{name}.expected"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run make-fixtures.sh", path.display()));
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load(name: &str) -> TrustCertificate {
    let der = std::fs::read(corpus().join(format!("{name}.der"))).unwrap();
    let read = read_certificates(&der, name).unwrap();
    assert_eq!(read.certificates.len(), 1);
    let pem = std::fs::read(corpus().join(format!("{name}.pem"))).unwrap();
    let from_pem = read_certificates(&pem, name).unwrap();
    assert_eq!(from_pem.certificates, read.certificates, "{name}: PEM and DER differ");
    read.certificates.into_iter().next().unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn golden(file: &str, actual: &[u8]) {
    golden::assert_golden(&corpus().join(file), actual);
}

#[test]
fn every_property_matches_openssl() {
    for name in ROOTS {
        let cert = load(name);
        let want = expected(name);
        assert_eq!(cert.sha1_thumbprint_hex(), want["sha1"], "{name}: sha1");
        assert_eq!(cert.sha256_thumbprint_hex(), want["sha256"], "{name}: sha256");
        assert_eq!(hex(&cert.md5()), want["md5"], "{name}: md5");
        assert_eq!(hex(&cert.signature_hash().unwrap()), want["signature_hash"], "{name}: prop 15");
        assert_eq!(hex(&cert.key_identifier()), want["key_identifier"], "{name}: prop 20");
        assert_eq!(
            cert.subject_key_identifier().is_some(),
            want["has_ski"] == "yes",
            "{name}: SKI presence"
        );
        assert_eq!(hex(&cert.public_key_md5()), want["public_key_md5"], "{name}: prop 25");
        assert_eq!(cert.key_kind().bits().unwrap().to_string(), want["bits"], "{name}: prop 92");
    }
}

#[test]
fn windows_profile_blob_layout_is_exact() {
    for name in ROOTS {
        let cert = load(name);
        let want = expected(name);
        let blob = encode_blob(&cert, BlobProfile::Windows);
        assert!(blob.omitted.is_empty(), "{name}: omitted {:?}", blob.omitted);
        // Walk the bytes by hand (independently of the decoder).
        let mut at = 0;
        let mut seen = Vec::new();
        while at < blob.bytes.len() {
            let field = |i: usize| {
                u32::from_le_bytes(blob.bytes[at + 4 * i..at + 4 * i + 4].try_into().unwrap())
            };
            let (id, encoding, len) = (field(0), field(1), field(2) as usize);
            assert_eq!(encoding, 1, "{name}: encoding of {id}");
            let value = &blob.bytes[at + 12..at + 12 + len];
            let expected_value = match id {
                107 => want["sha256"].clone(),
                15 => want["signature_hash"].clone(),
                20 => want["key_identifier"].clone(),
                25 => want["public_key_md5"].clone(),
                3 => want["sha1"].clone(),
                92 => hex(&want["bits"].parse::<u32>().unwrap().to_le_bytes()),
                32 => hex(&std::fs::read(corpus().join(format!("{name}.der"))).unwrap()),
                other => panic!("unexpected property {other}"),
            };
            assert_eq!(hex(value), expected_value, "{name}: property {id}");
            seen.push(id);
            at += 12 + len;
        }
        assert_eq!(seen, vec![107, 15, 20, 25, 3, 92, 32], "{name}");
        golden(&format!("{name}.windows.blob"), &blob.bytes);

        let minimal = encode_blob(&cert, BlobProfile::Minimal);
        assert_eq!(minimal.properties, vec![3, 32]);
        assert_eq!(minimal.bytes.len(), 12 + 20 + 12 + cert.der().len());
        golden(&format!("{name}.minimal.blob"), &minimal.bytes);

        // The decoder reads both back and every property checks.
        for bytes in [&blob.bytes, &minimal.bytes] {
            let decoded = decode_blob(bytes).unwrap();
            assert!(decoded.problems.is_empty(), "{name}: {:?}", decoded.problems);
            assert!(decoded.checks().iter().all(|(_, c)| *c == PropertyCheck::Matches), "{name}");
            assert_eq!(decoded.certificate.as_ref(), Some(&cert));
        }
    }
}

#[test]
fn decoder_detects_a_tampered_property() {
    let cert = load("rsa2048-sha256");
    let mut bytes = encode_blob(&cert, BlobProfile::Windows).bytes;
    // Property 107 is first: flip a byte of its value.
    bytes[12] ^= 0xff;
    let decoded = decode_blob(&bytes).unwrap();
    let checks = decoded.checks();
    assert!(matches!(checks[0], (prop::SHA256_HASH, PropertyCheck::Mismatch { .. })));
    assert!(!decoded.is_consistent());
}

#[test]
fn reg_files_are_golden_and_round_trip() {
    let certs: Vec<TrustCertificate> = ROOTS.iter().map(|n| load(n)).collect();
    for (profile, store, hive, file) in [
        (
            BlobProfile::Windows,
            Store::AuthRoot,
            Hive::WinpeOffline,
            "all.windows.authroot.winpe-offline.reg",
        ),
        (BlobProfile::Minimal, Store::Root, Hive::Software, "all.minimal.root.software.reg"),
    ] {
        let entries: Vec<RegCertificateEntry> =
            certs.iter().map(|c| RegCertificateEntry::new(c, store, hive, profile)).collect();
        let bytes = write_reg(&entries);
        golden(file, &bytes);

        // Spec §2, checked on the bytes: BOM, header, CRLF CRLF at the end, line widths.
        assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
        let units: Vec<u16> =
            bytes[2..].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        let text = String::from_utf16(&units).unwrap();
        assert!(text.starts_with("Windows Registry Editor Version 5.00\r\n\r\n["));
        assert!(text.ends_with("\r\n\r\n") && !text.ends_with("\r\n\r\n\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        for line in text.split("\r\n") {
            if line.ends_with('\\') {
                assert_eq!(line.len(), 78, "full hex line: {line}");
            }
            assert!(!line.ends_with(','), "{line}");
        }
        for (entry, cert) in entries.iter().zip(&certs) {
            let key = format!(
                "[HKEY_LOCAL_MACHINE\\{}\\Microsoft\\SystemCertificates\\{}\\Certificates\\{}]\r\n\"Blob\"=hex:",
                hive.segment(),
                store.key_name(),
                cert.sha1_thumbprint_hex()
            );
            assert!(text.contains(&key), "{key}");
            assert_eq!(entry.blob, encode_blob(cert, profile).bytes);
        }

        // Round trip through the reader.
        let doc = read_reg(&bytes).unwrap();
        assert!(doc.problems.is_empty(), "{:?}", doc.problems);
        let found = doc.certificate_blobs();
        assert_eq!(found.len(), certs.len());
        for (blob, cert) in found.iter().zip(&certs) {
            assert_eq!(blob.location.known_hive(), Some(hive));
            assert_eq!(blob.location.known_store(), Some(store));
            assert_eq!(blob.location.thumbprint, cert.sha1_thumbprint_hex());
            let decoded = blob.decoded.as_ref().unwrap();
            assert!(decoded.is_consistent());
            assert_eq!(decoded.property_ids(), profile.property_ids());
            assert!(blob.key_problems().is_empty());
        }
    }
}

#[test]
fn reg_reader_retargets_an_8bit_software_export() {
    use osdgate_model::trust::reg::{reg_text, retarget};
    let cert = load("ec256-sha256");
    let entries = vec![RegCertificateEntry::new(
        &cert,
        Store::AuthRoot,
        Hive::Software,
        BlobProfile::Windows,
    )];
    // An 8-bit copy (as an admin might save it), with an unrelated key and value around it.
    let text = reg_text(&entries).replace(
        "Windows Registry Editor Version 5.00\r\n\r\n",
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Other]\r\n\"x\"=dword:00000001\r\n\r\n",
    );
    let doc = read_reg(text.as_bytes()).unwrap();
    let found = doc.certificate_blobs();
    assert_eq!(found.len(), 1);
    let retargeted = retarget(&found, Hive::WinpeOffline);
    let direct = vec![RegCertificateEntry::new(
        &cert,
        Store::AuthRoot,
        Hive::WinpeOffline,
        BlobProfile::Windows,
    )];
    assert_eq!(write_reg(&retargeted), write_reg(&direct));
}

#[test]
fn subjects_as_windows_shows_them() {
    assert_eq!(
        load("rsa2048-sha256").subject(),
        "CN=Osdgate RSA2048 SHA256 Root, OU=PKI, O=Osdgate Test, L=Berlin, S=Berlin, C=DE"
    );
    assert_eq!(
        load("rsa2048-sha256-noski").subject(),
        "CN=Osdgate RSA2048 no SKI Root, O=\"Contoso, Ltd\", C=US"
    );
    assert_eq!(load("chain-leaf").issuer(), "CN=Contoso Issuing CA, O=Contoso, C=US");
    assert_eq!(load("chain-leaf").display_name(), "gateway.contoso.test");
}

#[test]
fn apply_scripts_are_golden() {
    use osdgate_model::trust::scripts::{ApplyScriptParams, PatchFile, generate};
    let keys = ["chain-root", "ec256-sha256"]
        .iter()
        .map(|n| {
            format!(
                "HKEY_LOCAL_MACHINE\\winpe-offline\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\{}",
                load(n).sha1_thumbprint_hex()
            )
        })
        .collect();
    let params = ApplyScriptParams {
        wim_path: "D:\\Media\\boot.wim".to_string(),
        index: 1,
        mount_dir: None,
        patches: vec![PatchFile { file_name: "roots.reg".to_string(), keys }],
        launcher: None,
    };
    let scripts = generate(&params).unwrap();
    golden("apply-trust.golden.ps1", scripts.powershell.as_bytes());
    golden("apply-trust.golden.cmd", scripts.cmd.as_bytes());
}
