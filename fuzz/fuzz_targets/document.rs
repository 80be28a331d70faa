//! Documents (JSON and TOML) on arbitrary text: parsing never panics, and whatever parses goes
//! through every preflight rule and the plan split without panicking. Errors carry positions
//! inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_model::model::{Document, DocumentFormat};
use osdgate_model::preflight::check;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for format in [DocumentFormat::Json, DocumentFormat::Toml] {
        match Document::parse(text, format) {
            Ok(document) => {
                let _ = check(&document);
                let _ = document.to_json();
                let _ = document.to_toml();
                let _ = document.validate();
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
});
