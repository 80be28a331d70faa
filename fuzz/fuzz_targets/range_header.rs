//! The relay's `Range` header parser (RFC 9110 §14.1.2) on arbitrary header text and object sizes:
//! never panics, and a partial range always lies inside the object and is non-empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_relay::app::blobs::{RangeRequest, parse_range};

fuzz_target!(|input: (&str, u64)| {
    let (value, size) = input;
    if let RangeRequest::Partial(range) = parse_range(value, size) {
        assert!(range.length > 0);
        assert!(range.offset.checked_add(range.length).is_some_and(|end| end <= size));
    }
});
