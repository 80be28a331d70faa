//! The certificate reader (PEM, DER, PKCS#7; keys and PFX refused) on arbitrary bytes: never panics,
//! and every accessor, the blob encoder and the lint cope with whatever parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_model::trust::lint::{LintContext, lint};
use osdgate_model::trust::{BlobProfile, decode_blob, encode_blob, read_certificates};

fuzz_target!(|data: &[u8]| {
    if let Ok(read) = read_certificates(data, "fuzz") {
        for cert in &read.certificates {
            let _ = lint(cert, LintContext { now_unix: 1_800_000_000, media_expiry_unix: None });
            let blob = encode_blob(cert, BlobProfile::Windows);
            let decoded = decode_blob(&blob.bytes).expect("an encoded blob decodes");
            assert!(decoded.is_consistent());
        }
    }
});
