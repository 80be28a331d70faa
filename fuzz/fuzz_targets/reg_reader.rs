//! The `.reg` reader (spec windows-artifacts.md §2) on arbitrary bytes: never panics, and what it
//! finds can be written back and read again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_model::trust::reg::{Hive, read_reg, retarget, write_reg};

fuzz_target!(|data: &[u8]| {
    if let Ok(document) = read_reg(data) {
        let found = document.certificate_blobs();
        for blob in &found {
            let _ = blob.key_problems();
        }
        let rewritten = write_reg(&retarget(&found, Hive::WinpeOffline));
        let again = read_reg(&rewritten).expect("a written .reg reads back");
        assert_eq!(again.certificate_blobs().len(), found.len());
    }
});
