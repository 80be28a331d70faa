//! Every root in Debian's `ca-certificates` (issue 4 "Done when"): the blob decodes, every property
//! checks, the `.reg` round-trips through the reader, and the self-signature verifies.
//!
//! Needs the Debian package `ca-certificates` (`/etc/ssl/certs/ca-certificates.crt`); fails, never
//! skips, when it is absent.

use osdgate_model::trust::blob::PropertyCheck;
use osdgate_model::trust::chain::verify_signature;
use osdgate_model::trust::reg::{Hive, RegCertificateEntry, Store, read_reg, write_reg};
use osdgate_model::trust::{BlobProfile, decode_blob, encode_blob, read_certificates};

const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

#[test]
fn every_debian_root_round_trips() {
    let bytes = std::fs::read(BUNDLE).unwrap_or_else(|e| {
        panic!("{BUNDLE}: {e}. Install the Debian package `ca-certificates` (apt-get install ca-certificates)")
    });
    let certificates = read_certificates(&bytes, BUNDLE).unwrap().certificates;
    let pem_blocks = String::from_utf8_lossy(&bytes).matches("-----BEGIN CERTIFICATE-----").count();
    assert_eq!(certificates.len(), pem_blocks, "every PEM block must parse");
    assert!(certificates.len() > 100, "only {} roots in {BUNDLE}", certificates.len());

    for profile in [BlobProfile::Windows, BlobProfile::Minimal] {
        let mut entries = Vec::new();
        for cert in &certificates {
            let blob = encode_blob(cert, profile);
            let decoded = decode_blob(&blob.bytes).unwrap();
            assert!(decoded.problems.is_empty(), "{}: {:?}", cert.subject(), decoded.problems);
            for (id, check) in decoded.checks() {
                assert_eq!(check, PropertyCheck::Matches, "{}: property {id}", cert.subject());
            }
            // Windows order with nothing left out, for every root Debian ships.
            assert_eq!(decoded.property_ids(), profile.property_ids(), "{}", cert.subject());
            entries.push(RegCertificateEntry::new(
                cert,
                Store::AuthRoot,
                Hive::WinpeOffline,
                profile,
            ));
        }
        let reg = write_reg(&entries);
        let doc = read_reg(&reg).unwrap();
        assert!(doc.problems.is_empty());
        let found = doc.certificate_blobs();
        assert_eq!(found.len(), certificates.len());
        for (blob, (entry, cert)) in found.iter().zip(entries.iter().zip(&certificates)) {
            assert_eq!(blob.bytes, entry.blob);
            assert_eq!(blob.location.thumbprint, cert.sha1_thumbprint_hex());
            assert!(blob.decoded.as_ref().unwrap().is_consistent());
        }
    }

    for cert in &certificates {
        assert_eq!(verify_signature(cert, cert), Ok(()), "{}", cert.subject());
        assert!(!cert.subject().is_empty());
    }
}
