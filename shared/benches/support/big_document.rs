// Included by `shared/benches/preflight.rs`, `web-ui/checker/examples/recheck.rs` and
// `web-ui/tests/browser_bench.rs`.

/// The benchmark document: `examples/boot-media-over-gateway.toml` (given as `example_toml`) grown
/// to 1,000 task-sequence steps and 500 packages, every 50th package only on the intranet DP so
/// the content rule has findings to report.
fn big_document(example_toml: &str) -> osdgate_model::model::Document {
    use osdgate_model::model::*;
    let mut doc = Document::from_toml(example_toml).unwrap();
    let template = doc.content[2].clone();
    for i in 0..496 {
        let mut package = template.clone();
        package.id = format!("ABC{:05X}", 0x100 + i);
        package.name = format!("Package {i}");
        // Every 50th package is only on the intranet DP, so the rule has findings to report.
        package.distributed_to = if i % 50 == 0 {
            vec!["dp-hq".into()]
        } else {
            vec!["gw-relay".into(), "dp-hq".into()]
        };
        doc.content.push(package);
    }
    assert_eq!(doc.content.len(), 500);
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
    doc
}
