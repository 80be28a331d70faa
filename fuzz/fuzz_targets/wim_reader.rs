//! The WIM reader and writer (issue 15) on arbitrary bytes: inspecting and preparing never panic,
//! and whatever is prepared opens again with the new startnet.cmd in it. The LZX and XPRESS
//! decompressors get the same bytes as one chunk. Seeds: `shared/tests/corpus/wim`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_model::wim::{PrepareOptions, Preparation, inspect, lzx, prepare, xpress};

fuzz_target!(|data: &[u8]| {
    let _ = lzx::decompress_chunk(data, 32_768, 32_768);
    let _ = xpress::decompress_chunk(data, 65_536);
    let _ = inspect(data);
    if let Ok(preparation) = Preparation::open(data, None) {
        let mut text = preparation.current.clone();
        text.extend_from_slice(b"@rem fuzz\r\n");
        if let Ok(prepared) = prepare(data, &preparation, &text, PrepareOptions::default()) {
            let mut out = prepared.header.to_vec();
            out.extend_from_slice(&data[prepared.kept.start as usize..prepared.kept.end as usize]);
            out.extend_from_slice(&prepared.appended);
            let again = Preparation::open(out.as_slice(), Some(prepared.index)).expect("a prepared WIM opens");
            assert_eq!(again.current, text);
        }
    }
});
