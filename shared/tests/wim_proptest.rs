//! The WIM reader and writer never panic, whatever the bytes (issue 15, item 4): arbitrary input,
//! real WIMs with bytes changed or cut off, and the two decompressors on arbitrary chunks. The
//! XPRESS compressor round-trips any data. (Allocation is bounded by the reader's checks — every
//! length is compared with the file size or a limit before anything is reserved — so these runs
//! also finish quickly.)

use std::path::Path;

use osdgate_model::wim::{Preparation, PrepareOptions, inspect, lzx, prepare, xpress};
use proptest::prelude::*;

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/wim").join(name))
        .unwrap()
}

fn exercise(bytes: &[u8]) {
    let _ = inspect(bytes);
    if let Ok(preparation) = Preparation::open(bytes, None) {
        let mut text = preparation.current.clone();
        text.extend_from_slice(b"@rem property test\r\n");
        let _ = prepare(bytes, &preparation, &text, PrepareOptions::default());
        let _ = prepare(
            bytes,
            &preparation,
            &text,
            PrepareOptions { modified: Some(1), drop_integrity: true },
        );
    }
}

const NAMES: [&str; 3] = ["boot-xpress.wim", "boot-lzx.wim", "boot-none.wim"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        exercise(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_header_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..4096), which in 0usize..3) {
        let mut bytes = corpus(NAMES[which])[..208].to_vec();
        bytes.extend_from_slice(&tail);
        exercise(&bytes);
    }

    #[test]
    fn mutated_wims_never_panic(which in 0usize..3, changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
        let mut bytes = corpus(NAMES[which]);
        for (position, value) in changes {
            let position = position % bytes.len();
            bytes[position] = value;
        }
        exercise(&bytes);
        let cut = cut % bytes.len();
        exercise(&bytes[..cut]);
    }

    #[test]
    fn decompressors_never_panic(chunk in proptest::collection::vec(any::<u8>(), 0..3000), out_len in 0usize..40_000) {
        let _ = lzx::decompress_chunk(&chunk, out_len, 32_768);
        let _ = lzx::decompress_chunk(&chunk, out_len, 1 << 21);
        let _ = xpress::decompress_chunk(&chunk, out_len);
    }

}

proptest! {
    // The compressor is slow in a debug build; fewer, smaller cases still reach every match form.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn xpress_round_trips(data in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), any::<u8>()], 1..6_000)) {
        let compressed = xpress::compress_chunk(&data);
        prop_assert_eq!(xpress::decompress_chunk(&compressed, data.len()).unwrap(), data);
    }
}

#[test]
fn every_truncation_of_a_real_wim_is_an_error_not_a_panic() {
    for name in NAMES {
        let bytes = corpus(name);
        for cut in 0..bytes.len() {
            exercise(&bytes[..cut]);
        }
    }
}
