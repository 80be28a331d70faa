//! `check` over a document with 1,000 task-sequence steps and 500 packages (target: under 5 ms),
//! against the obvious alternative for the content rule: for every step, rescan the package list,
//! and for every package, rescan the gateway list.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use osdgate_model::model::*;
use osdgate_model::preflight;

// `big_document(example_toml)`: one copy, also used by the console's recheck benchmark.
include!("support/big_document.rs");

/// The obvious implementation of OSDG-CONTENT-001: walk every step, look each referenced package up
/// by scanning the package list, and look each target up by scanning the gateway list.
fn naive_content_rule(doc: &Document) -> Vec<String> {
    let mut findings = Vec::new();
    for deployment in &doc.deployments {
        let Some(sequence) =
            doc.task_sequences.iter().find(|t| t.id == deployment.task_sequence_id)
        else {
            continue;
        };
        for (step, _) in sequence.steps() {
            for id in step.referenced_content() {
                let Some(package) = doc.content.iter().find(|c| c.id == id) else { continue };
                let on_gateway = package.distributed_to.iter().any(|target| {
                    doc.gateways.iter().any(|g| g.id == *target && g.content_enabled)
                });
                if !on_gateway {
                    findings.push(format!("{id} not on a content-enabled gateway"));
                }
            }
        }
    }
    findings
}

fn bench(c: &mut Criterion) {
    let doc = big_document(
        &std::fs::read_to_string(format!(
            "{}/../examples/boot-media-over-gateway.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    );
    let report = preflight::check(&doc);
    // Same verdict from both implementations: ten packages are not on the gateway.
    let packages_missing = report.findings.iter().filter(|f| f.rule == "OSDG-CONTENT-001").count();
    assert_eq!(packages_missing, 10);
    let mut naive = naive_content_rule(&doc);
    naive.sort();
    naive.dedup();
    assert_eq!(naive.len(), packages_missing);

    let mut group = c.benchmark_group("preflight 1000 steps 500 packages");
    group.bench_function("check (all rules, indexed)", |b| {
        b.iter(|| preflight::check(black_box(&doc)))
    });
    group.bench_function("naive content rule alone (rescans per step)", |b| {
        b.iter(|| naive_content_rule(black_box(&doc)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
