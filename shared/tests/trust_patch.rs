//! `trust::patch::assemble`: what `osdgate trust reg` and the console's certificates page both
//! write — mixed certificate and `.reg` inputs, re-targeting, store/hive/profile, duplicates.

use std::path::PathBuf;

use osdgate_model::trust::patch::{PatchError, PatchInput, PatchNote, PatchOptions, assemble};
use osdgate_model::trust::reg::{self, Hive, Store};
use osdgate_model::trust::{BlobProfile, TrustCertificate, write_certificates};

fn bytes(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/trust").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn certificate(name: &str) -> TrustCertificate {
    TrustCertificate::from_der(&bytes(name)).unwrap()
}

/// 2026-01-01T00:00:00Z.
const NOW: u64 = 1_767_225_600;

fn options(store: Option<Store>, hive: Hive, profile: BlobProfile) -> PatchOptions {
    PatchOptions { store, hive, profile, now_unix: NOW }
}

#[test]
fn certificates_are_encoded_like_write_certificates_and_duplicates_written_once() {
    let pem = bytes("ec256-sha256.pem");
    let der = bytes("ec256-sha256.der");
    let other = bytes("other-root.pem");
    let inputs = [
        PatchInput { name: "a.pem", bytes: &pem },
        PatchInput { name: "b.pem", bytes: &other },
        PatchInput { name: "a.der", bytes: &der },
    ];
    for (store, hive, profile) in [
        (None, Hive::WinpeOffline, BlobProfile::Windows),
        (Some(Store::Root), Hive::Software, BlobProfile::Minimal),
    ] {
        let patch = assemble(&inputs, options(store, hive, profile)).unwrap();
        let expected = write_certificates(
            &[certificate("ec256-sha256.der"), certificate("other-root.der")],
            store.unwrap_or_default(),
            hive,
            profile,
        );
        assert_eq!(patch.reg_bytes(), expected);
        assert_eq!(patch.entries.len(), 2);
        let written: Vec<_> =
            patch.certificates.iter().map(|c| (c.input.as_str(), c.written)).collect();
        assert_eq!(written, [("a.pem", true), ("b.pem", true), ("a.der", false)]);
        assert!(patch.certificates.iter().all(|c| !c.from_reg));
        let roots = patch.roots();
        assert_eq!(roots, [certificate("ec256-sha256.der"), certificate("other-root.der")]);
    }
}

#[test]
fn a_reg_export_is_retargeted_and_keeps_its_blobs_byte_for_byte() {
    let export = bytes("all.minimal.root.software.reg");
    let document = reg::read_reg(&export).unwrap();
    let found = document.certificate_blobs();
    assert!(found.len() > 1);

    // No store chosen: each blob keeps its store (ROOT), the hive moves to winpe-offline.
    let patch = assemble(
        &[PatchInput { name: "export.reg", bytes: &export }],
        options(None, Hive::WinpeOffline, BlobProfile::Windows),
    )
    .unwrap();
    assert_eq!(patch.entries.len(), found.len());
    for (entry, blob) in patch.entries.iter().zip(&found) {
        assert_eq!(entry.blob, blob.bytes, "the blob is kept as exported");
        assert!(entry.key_path.starts_with(
            "HKEY_LOCAL_MACHINE\\winpe-offline\\Microsoft\\SystemCertificates\\ROOT\\Certificates\\"
        ));
    }
    assert!(patch.certificates.iter().all(|c| c.from_reg && c.written));

    // A chosen store moves them; a certificate file of one of them is then a duplicate.
    let first = found[0].decoded.as_ref().unwrap().certificate.clone().unwrap();
    let first_der = first.der().to_vec();
    let patch = assemble(
        &[
            PatchInput { name: "export.reg", bytes: &export },
            PatchInput { name: "again.der", bytes: &first_der },
        ],
        options(Some(Store::AuthRoot), Hive::WinpeOffline, BlobProfile::Windows),
    )
    .unwrap();
    assert_eq!(patch.entries.len(), found.len());
    assert!(patch.entries.iter().all(|e| e.key_path.contains("\\AuthRoot\\Certificates\\")));
    let last = patch.certificates.last().unwrap();
    assert_eq!((last.input.as_str(), last.written), ("again.der", false));
}

#[test]
fn lint_findings_become_notes_in_the_cli_words() {
    let expired = bytes("expired.pem");
    let patch = assemble(
        &[PatchInput { name: "expired.pem", bytes: &expired }],
        options(None, Hive::WinpeOffline, BlobProfile::Windows),
    )
    .unwrap();
    // An expired root is still written (the admin decides) but says so.
    assert_eq!(patch.entries.len(), 1);
    let note = patch
        .notes
        .iter()
        .find(|n| matches!(n, PatchNote::Lint { .. }))
        .expect("an expired root has a lint note");
    assert!(note.to_string().starts_with("warning: unusable as a root: expired.pem ("), "{note}");
    assert!(!patch.certificates[0].report.usable_as_root);
}

#[test]
fn unusable_inputs_are_refused_naming_the_input() {
    let key = bytes("private-rsa.key");
    let error = assemble(
        &[PatchInput { name: "private-rsa.key", bytes: &key }],
        options(None, Hive::WinpeOffline, BlobProfile::Windows),
    )
    .unwrap_err();
    assert!(matches!(error, PatchError::Certificate(_)));
    assert!(error.to_string().starts_with("private-rsa.key: this is a private key"), "{error}");

    // A .reg with no certificate blob.
    let empty = reg::utf16le_with_bom(
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Other]\r\n\"Value\"=dword:00000001\r\n",
    );
    let error = assemble(
        &[PatchInput { name: "other.reg", bytes: &empty }],
        options(None, Hive::WinpeOffline, BlobProfile::Windows),
    )
    .unwrap_err();
    assert_eq!(error.to_string(), "other.reg: no certificate blob in this .reg file");

    // A blob under a key that is not its certificate's thumbprint.
    let export = String::from_utf16(
        &bytes("all.minimal.root.software.reg")[2..]
            .chunks(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let thumbprint =
        reg::read_reg(&bytes("all.minimal.root.software.reg")).unwrap().certificate_blobs()[0]
            .location
            .thumbprint
            .clone();
    let moved = reg::utf16le_with_bom(&export.replacen(&thumbprint, &"0".repeat(40), 1));
    let error = assemble(
        &[PatchInput { name: "moved.reg", bytes: &moved }],
        options(None, Hive::WinpeOffline, BlobProfile::Windows),
    )
    .unwrap_err();
    assert!(
        matches!(&error, PatchError::Inconsistent { input, .. } if input == "moved.reg"),
        "{error}"
    );
    assert!(error.to_string().contains("is not the certificate's SHA-1 thumbprint"), "{error}");

    assert!(matches!(
        assemble(&[], options(None, Hive::WinpeOffline, BlobProfile::Windows)),
        Err(PatchError::NoInput)
    ));
}
