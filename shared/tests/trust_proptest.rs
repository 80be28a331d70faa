//! Arbitrary bytes into every trust parser never panic (issue 4 "Done when"; DEVELOPERS.md: never
//! panic on user data). The fuzz targets in `fuzz/` cover the same parsers with coverage guidance.

use osdgate_model::trust::{decode_blob, read_certificates, read_reg};
use proptest::prelude::*;

fn corpus_der() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/trust/ec256-sha256.der");
    std::fs::read(path).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn certificate_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_certificates(&bytes, "fuzz");
    }

    #[test]
    fn certificate_reader_survives_mutated_der(position in 0usize..600, value in any::<u8>(), cut in 0usize..700) {
        let mut der = corpus_der();
        let position = position % der.len();
        der[position] = value;
        der.truncate(cut.min(der.len()));
        if let Ok(read) = read_certificates(&der, "mutated") {
            for cert in read.certificates {
                // Every accessor must cope with whatever parsed.
                let _ = (cert.subject(), cert.issuer(), cert.key_identifier(), cert.signature_hash());
                let _ = osdgate_model::trust::lint::lint(&cert, osdgate_model::trust::lint::LintContext { now_unix: 0, media_expiry_unix: None });
            }
        }
    }

    #[test]
    fn blob_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        if let Ok(decoded) = decode_blob(&bytes) {
            let _ = decoded.checks();
            let _ = decoded.to_string();
        }
    }

    #[test]
    fn blob_decoder_survives_structured_entries(entries in proptest::collection::vec((any::<u32>(), any::<u32>(), proptest::collection::vec(any::<u8>(), 0..64), any::<bool>()), 0..8)) {
        let mut bytes = Vec::new();
        for (id, encoding, value, lie) in entries {
            bytes.extend_from_slice(&(id % 120).to_le_bytes());
            bytes.extend_from_slice(&(encoding % 3).to_le_bytes());
            let length = if lie { value.len() as u32 + 7 } else { value.len() as u32 };
            bytes.extend_from_slice(&length.to_le_bytes());
            bytes.extend_from_slice(&value);
        }
        if let Ok(decoded) = decode_blob(&bytes) {
            let _ = decoded.checks();
        }
    }

    #[test]
    fn reg_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(doc) = read_reg(&bytes) {
            let _ = doc.certificate_blobs();
        }
    }

    #[test]
    fn reg_reader_survives_reg_like_text(lines in proptest::collection::vec("(\\[[A-Za-z\\\\-]{0,12}\\]?|\"[a-z\\\\\"]{0,6}\"?=?(hex(\\([0-9a-z]{0,3}\\))?:)?[0-9a-f,\\\\ ]{0,20}|@=.{0,5}|dword:[0-9a-z]{0,9}|\\\\)", 0..20), utf16 in any::<bool>()) {
        let text = format!("Windows Registry Editor Version 5.00\r\n\r\n{}", lines.join("\r\n"));
        let bytes = if utf16 {
            let mut out = vec![0xFF, 0xFE];
            for unit in text.encode_utf16() { out.extend_from_slice(&unit.to_le_bytes()); }
            out
        } else {
            text.into_bytes()
        };
        if let Ok(doc) = read_reg(&bytes) {
            let _ = doc.certificate_blobs();
        }
    }
}
