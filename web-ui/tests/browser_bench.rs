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
use osdgate_model::model::Document;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const EXAMPLE: &str = include_str!("../../examples/boot-media-over-gateway.toml");

/// Preflight over the benchmark's document (1,000 steps, 500
/// packages, built as `shared/benches/preflight.rs` builds it) in this browser; prints the time
/// per check. Compare with `cargo bench -p osdgate-model --bench preflight`.
#[wasm_bindgen_test]
fn preflight_time_in_the_browser() {
    use osdgate_model::model::{Group, Node, Step, StepType, StepVariable};
    let mut doc = Document::from_toml(EXAMPLE).unwrap();
    let template = doc.content[2].clone();
    for i in 0..496 {
        let mut package = template.clone();
        package.id = format!("ABC{:05X}", 0x100 + i);
        package.name = format!("Package {i}");
        package.distributed_to = if i % 50 == 0 {
            vec!["dp-hq".into()]
        } else {
            vec!["gw-relay".into(), "dp-hq".into()]
        };
        doc.content.push(package);
    }
    let sequence = &mut doc.task_sequences[0];
    let mut group = Group {
        name: "Applications".into(),
        description: String::new(),
        disabled: false,
        continue_on_error: false,
        condition: None,
        extra_attributes: vec![],
        children: vec![],
    };
    let existing = sequence.steps().len();
    for i in 0..(1000 - existing) {
        let mut step = Step::new(StepType::InstallPackage, format!("Install package {i}"));
        step.variables.push(StepVariable {
            name: "PackageID".into(),
            property: "PackageID".into(),
            hidden: false,
            value: format!("ABC{:05X}", 0x100 + (i % 496)),
        });
        group.children.push(Node::Step(step));
    }
    sequence.steps.push(Node::Group(group));
    assert_eq!(doc.task_sequences[0].steps().len(), 1000);
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
