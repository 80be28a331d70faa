//! The native half of the console's recheck benchmark (`web-ui/bench/run.sh`): writes the
//! benchmark document (1,000 steps, 500 packages) as the console's JSON to the path given, then
//! times natively what one recheck does in the browser and prints it as one JSON line:
//! `check_ms` (the rules alone, `preflight::check_at`), `worker_ms` (what the checker worker does
//! per change: read the JSON, check with the scenarios' readiness, write the answer) and the
//! main thread's part of an edit: `clone_ms` (the undo step's copy), `equal_ms` (is it a change?)
//! and `to_json_ms` (the text the autosave and the worker get). Each figure is the median of 41 runs.

use std::time::Instant;

use osdgate_model::model::{Document, Timestamp};
use osdgate_model::preflight::check_at;
use osdgate_model::preflight::scenario::DocumentCheck;

include!("../../../shared/benches/support/big_document.rs");

const EXAMPLE: &str = include_str!("../../../examples/boot-media-over-gateway.toml");

fn median_ms(mut work: impl FnMut() -> usize) -> f64 {
    let mut sink = 0;
    let mut times: Vec<f64> = (0..41)
        .map(|_| {
            let started = Instant::now();
            sink += work();
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    std::hint::black_box(sink);
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: recheck OUT.json (writes the benchmark document there)");
        std::process::exit(2);
    };
    let document = big_document(EXAMPLE);
    let json = document.to_json();
    if let Err(error) = std::fs::write(&out, &json) {
        eprintln!("writing {out}: {error}");
        std::process::exit(1);
    }
    let now = Timestamp::from_unix_seconds(1_790_000_000);
    let check_ms = median_ms(|| check_at(&document, now).findings.len());
    let worker_ms = median_ms(|| {
        let document = Document::from_json(&json).expect("the document reads");
        let check = DocumentCheck::of(&document, now);
        serde_json::to_string(&check).expect("the check writes").len()
    });
    let copy = document.clone();
    let clone_ms = median_ms(|| document.clone().content.len());
    let equal_ms = median_ms(|| usize::from(copy == document));
    let to_json_ms = median_ms(|| document.to_json().len());
    println!(
        "{{\"check_ms\":{check_ms:.3},\"worker_ms\":{worker_ms:.3},\"clone_ms\":{clone_ms:.3},\"equal_ms\":{equal_ms:.3},\"to_json_ms\":{to_json_ms:.3},\"json_bytes\":{}}}",
        json.len()
    );
}
