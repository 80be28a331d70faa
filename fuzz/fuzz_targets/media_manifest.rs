//! The media readers on arbitrary bytes: `manifest.json` (`media::bundle::read_manifest`) and a
//! stored key (`media::identity::open_key`, with a tiny KDF so runs stay fast): never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_model::media::bundle::read_manifest;
use osdgate_model::media::identity::{StoredKey, open_key};

fuzz_target!(|data: &[u8]| {
    let _ = read_manifest(data);
    if let Ok(stored) = serde_json::from_slice::<StoredKey>(data) {
        // Parameters outside the accepted range are refused before any derivation, so fuzzing
        // cannot make a run slow except with valid minimum-cost parameters.
        let _ = open_key("fuzz", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &stored, "Fuzz-Password-1");
    }
});
