//! On-demand benchmark, not part of `cargo xtask test`: preflight over the benchmark document in
//! headless Chromium, to compare with the native `cargo bench -p osdgate-model --bench preflight`.
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=.tools/wasm-bindgen-<version>/bin/wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test --release -p osdgate-console --target wasm32-unknown-unknown --test browser_bench -- --nocapture
//! ```
#![cfg(target_arch = "wasm32")]

use osdgate_console::browser::now_ms;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const EXAMPLE: &str = include_str!("../../examples/boot-media-over-gateway.toml");

// `big_document(example_toml)`: the one copy the native benchmarks use too.
include!("../../shared/benches/support/big_document.rs");

/// Preflight over the benchmark's document (1,000 steps, 500
/// packages, the same `big_document` as `shared/benches/preflight.rs`) in this browser; prints the time
/// per check. Compare with `cargo bench -p osdgate-model --bench preflight`.
#[wasm_bindgen_test]
fn preflight_time_in_the_browser() {
    let doc = big_document(EXAMPLE);
    let runs = 50;
    let time = |work: &dyn Fn() -> usize| {
        let started = now_ms();
        let mut sink = 0;
        for _ in 0..runs {
            sink += work();
        }
        ((now_ms() - started) / f64::from(runs), sink)
    };
    // What every edit costs besides the check: the undo step clones the document, the autosave
    // writes it as JSON.
    let (check, findings) = time(&|| osdgate_model::preflight::check(&doc).findings.len());
    let (clone, _) = time(&|| doc.clone().content.len());
    let (json, _) = time(&|| doc.to_json().len());
    leptos::logging::log!(
        "preflight in the browser (1,000 steps, 500 packages): {check:.2} ms per check \
         ({} findings); clone {clone:.2} ms (check/clone {:.1}); to_json {json:.2} ms \
         (check/to_json {:.1}); one frame is 16.7 ms",
        findings / runs as usize,
        check / clone,
        check / json
    );
}
