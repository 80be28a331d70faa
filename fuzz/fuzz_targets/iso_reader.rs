//! The ISO 9660 reader (`media::iso_read::read_iso`, issue 11) on arbitrary bytes: never panics,
//! and every file it lists lies inside the image. Seeds: any small ISO, e.g. one written by
//! `xorriso -as mkisofs -J -o seed.iso DIR`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_model::media::iso_read::read_iso;

fuzz_target!(|data: &[u8]| {
    if let Ok(listing) = read_iso(data) {
        assert!(listing.volume_bytes <= data.len() as u64);
        for file in &listing.files {
            assert!(file.size == 0 || file.offset + file.size <= listing.volume_bytes);
        }
    }
});
