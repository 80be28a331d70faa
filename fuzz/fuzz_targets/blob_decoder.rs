//! The registry blob decoder (spec windows-artifacts.md §1) on arbitrary bytes: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_model::trust::decode_blob;

fuzz_target!(|data: &[u8]| {
    if let Ok(decoded) = decode_blob(data) {
        let _ = decoded.checks();
        let _ = decoded.is_consistent();
        let _ = decoded.to_string();
    }
});
