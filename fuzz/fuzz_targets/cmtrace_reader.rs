//! The `smsts.log` reader (spec section 5) on arbitrary bytes: never panics, every skipped part lies
//! inside the input, and every record it accepts can be written again and reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_model::cmtrace::{format_record, read_log};

fuzz_target!(|bytes: &[u8]| {
    let parsed = read_log(bytes);
    for error in &parsed.skipped {
        assert!(error.offset <= bytes.len());
    }
    for read in parsed.records {
        let line = format_record(&read.record).expect("a record the reader accepts is writable");
        let again = read_log(line.as_bytes());
        assert!(again.skipped.is_empty());
        assert_eq!(again.records.len(), 1);
        assert_eq!(again.records[0].record, read.record);
    }
});
