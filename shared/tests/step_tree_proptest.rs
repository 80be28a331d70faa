//! Any sequence of the editor's tree operations keeps a valid task sequence (issue 10, "Editors"):
//! a refused operation changes nothing; the tree still exports to XML that imports back equal; no
//! step or verbatim element is lost or duplicated by moves, indents, outdents, grouping and
//! disabling; a moved node is where the operation says; and a step osdgate does not know, or an
//! element kept verbatim, exports byte-identical wherever it ends up.

use std::collections::BTreeMap;

use osdgate_model::model::{
    Attribute, Group, Node, Placement, Step, StepType, StepVariable, TaskSequence, VerbatimXml,
};
use osdgate_model::tasksequence::{import_xml, to_xml};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Leaf {
    Known,
    Unknown,
    Verbatim,
}

#[derive(Debug, Clone)]
enum Shape {
    Leaf(Leaf),
    Group(Vec<Shape>, bool),
}

fn shape() -> impl Strategy<Value = Shape> {
    let leaf = prop_oneof![
        3 => Just(Shape::Leaf(Leaf::Known)),
        2 => Just(Shape::Leaf(Leaf::Unknown)),
        1 => Just(Shape::Leaf(Leaf::Verbatim)),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        (prop::collection::vec(inner, 0..4), any::<bool>())
            .prop_map(|(children, disabled)| Shape::Group(children, disabled))
    })
}

#[derive(Default)]
struct Namer {
    next: usize,
}

impl Namer {
    fn next(&mut self) -> usize {
        self.next += 1;
        self.next
    }
}

fn unknown_step(n: usize) -> Step {
    let mut step = Step::new(
        StepType::Other("SMS_TaskSequence_EnableBitLockerAction".into()),
        format!("unknown-{n}"),
    );
    step.description = "Unknown to osdgate & kept \"as is\"".into();
    step.continue_on_error = true;
    step.timeout = Some(30);
    step.action = "osdenablebitlocker.exe /enable <tpm>".into();
    step.variables.push(StepVariable {
        name: "OSDBitLockerMode".into(),
        property: "Mode".into(),
        hidden: n.is_multiple_of(2),
        value: "TPMOnly".into(),
    });
    step.extra_attributes
        .push(Attribute { name: "customAttribute".into(), value: format!("kept-{n}") });
    step.extra_elements.push(format!(
        "<futureElement flavour=\"new\" n=\"{n}\">kept &lt;as is&gt;</futureElement>"
    ));
    step
}

fn build(shapes: &[Shape], namer: &mut Namer) -> Vec<Node> {
    shapes
        .iter()
        .map(|shape| match shape {
            Shape::Leaf(Leaf::Known) => {
                let n = namer.next();
                Node::Step(StepType::RunCommandLine.new_step(format!("known-{n}")))
            }
            Shape::Leaf(Leaf::Unknown) => Node::Step(unknown_step(namer.next())),
            Shape::Leaf(Leaf::Verbatim) => Node::Verbatim(VerbatimXml {
                xml: format!(
                    "<subtasksequence name=\"verbatim-{}\" package=\"ABC00099\" />",
                    namer.next()
                ),
            }),
            Shape::Group(children, disabled) => {
                let n = namer.next();
                Node::Group(Group {
                    name: format!("group-{n}"),
                    description: String::new(),
                    disabled: *disabled,
                    continue_on_error: false,
                    condition: None,
                    extra_attributes: Vec::new(),
                    children: build(children, namer),
                })
            }
        })
        .collect()
}

fn sequence(steps: Vec<Node>) -> TaskSequence {
    TaskSequence {
        id: String::new(),
        name: String::new(),
        boot_image_id: None,
        sequence_version: "3.10".into(),
        sequence_attributes: Vec::new(),
        references: Vec::new(),
        global_variables: Vec::new(),
        steps,
    }
}

#[derive(Debug, Clone)]
enum Op {
    Insert {
        at: usize,
        inside: bool,
        group: bool,
    },
    Remove(usize),
    MoveUp(usize),
    MoveDown(usize),
    Indent(usize),
    Outdent(usize),
    Move {
        from: usize,
        to: usize,
        how: u8,
    },
    Disable(usize, bool),
    Group {
        first: usize,
        count: usize,
    },
    /// An operation on a path that does not exist.
    Bogus(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let n = 0usize..64;
    prop_oneof![
        (n.clone(), any::<bool>(), any::<bool>()).prop_map(|(at, inside, group)| Op::Insert {
            at,
            inside,
            group
        }),
        n.clone().prop_map(Op::Remove),
        (0u8..4, n.clone()).prop_map(|(kind, at)| match kind {
            0 => Op::MoveUp(at),
            1 => Op::MoveDown(at),
            2 => Op::Indent(at),
            _ => Op::Outdent(at),
        }),
        (n.clone(), n.clone(), 0u8..3).prop_map(|(from, to, how)| Op::Move { from, to, how }),
        (n.clone(), any::<bool>()).prop_map(|(at, disabled)| Op::Disable(at, disabled)),
        (n, 0usize..4).prop_map(|(first, count)| Op::Group { first, count }),
        (0u8..6).prop_map(Op::Bogus),
    ]
}

/// What names a node uniquely in the generated trees.
fn identity(node: &Node) -> String {
    match node {
        Node::Step(step) => step.name.clone(),
        Node::Group(group) => group.name.clone(),
        Node::Verbatim(verbatim) => verbatim.xml.clone(),
    }
}

/// The identity of every leaf (step name, or verbatim XML), sorted.
fn leaves(nodes: &[Node], out: &mut Vec<String>) {
    for node in nodes {
        match node {
            Node::Step(step) => out.push(step.name.clone()),
            Node::Verbatim(verbatim) => out.push(verbatim.xml.clone()),
            Node::Group(group) => leaves(&group.children, out),
        }
    }
}

fn leaf_list(nodes: &[Node]) -> Vec<String> {
    let mut out = Vec::new();
    leaves(nodes, &mut out);
    out.sort();
    out
}

/// The lines of the `<step>` named `name` in `xml`, without their common indentation.
fn step_block(xml: &str, name: &str) -> String {
    let lines: Vec<&str> = xml.lines().collect();
    let marker = format!("name=\"{name}\"");
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with("<step ") && l.contains(&marker))
        .unwrap_or_else(|| panic!("{name} not exported:\n{xml}"));
    let indent = lines[start].len() - lines[start].trim_start().len();
    let close = format!("{}</step>", " ".repeat(indent));
    let end = start + lines[start..].iter().position(|l| *l == close).expect("closing tag");
    lines[start..=end].iter().map(|l| &l[indent..]).collect::<Vec<_>>().join("\n")
}

fn unknown_steps(nodes: &[Node], out: &mut Vec<Step>) {
    for node in nodes {
        match node {
            Node::Step(step) if matches!(step.step_type, StepType::Other(_)) => {
                out.push(step.clone())
            }
            Node::Group(group) => unknown_steps(&group.children, out),
            _ => {}
        }
    }
}

fn pick(ts: &TaskSequence, n: usize) -> Vec<usize> {
    let paths = ts.node_paths();
    if paths.is_empty() { vec![n] } else { paths[n % paths.len()].clone() }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_sequence_of_edits_keeps_a_valid_tree(shapes in prop::collection::vec(shape(), 0..6), ops in prop::collection::vec(op(), 1..24)) {
        let mut namer = Namer::default();
        let mut ts = sequence(build(&shapes, &mut namer));
        // The original of every unknown step, by name, to compare exports with.
        let mut originals = Vec::new();
        unknown_steps(&ts.steps, &mut originals);
        let originals: BTreeMap<String, Step> = originals.into_iter().map(|s| (s.name.clone(), s)).collect();
        let mut expected_leaves = leaf_list(&ts.steps);

        for op in ops {
            let before = ts.clone();
            let result: Result<Option<(Vec<usize>, Node)>, String> = match &op {
                Op::Insert { at, inside, group } => {
                    let n = namer.next();
                    let node = if *group {
                        Node::Group(Group { name: format!("group-{n}"), description: String::new(), disabled: false, continue_on_error: false, condition: None, extra_attributes: Vec::new(), children: Vec::new() })
                    } else {
                        Node::Step(StepType::SetVariable.new_step(format!("known-{n}")))
                    };
                    let mut path = pick(&ts, *at);
                    if *inside { path.push(0) }
                    let result = ts.insert_node(&path, node.clone()).map_err(|e| e.to_string());
                    if result.is_ok() {
                        expected_leaves.extend(leaf_list(std::slice::from_ref(&node)));
                        expected_leaves.sort();
                    }
                    result.map(|()| Some((path, node)))
                }
                Op::Remove(at) => {
                    let path = pick(&ts, *at);
                    ts.remove_node(&path).map(|removed| {
                        for gone in leaf_list(std::slice::from_ref(&removed)) {
                            let index = expected_leaves.iter().position(|l| *l == gone).expect("a removed leaf was there");
                            expected_leaves.remove(index);
                        }
                        None
                    }).map_err(|e| e.to_string())
                }
                Op::MoveUp(at) | Op::MoveDown(at) | Op::Indent(at) | Op::Outdent(at) => {
                    let path = pick(&ts, *at);
                    let node = ts.node(&path).cloned();
                    let moved = match op {
                        Op::MoveUp(_) => ts.move_up(&path),
                        Op::MoveDown(_) => ts.move_down(&path),
                        Op::Indent(_) => ts.indent(&path),
                        _ => ts.outdent(&path),
                    };
                    moved.map(|to| node.map(|n| (to, n))).map_err(|e| e.to_string())
                }
                Op::Move { from, to, how } => {
                    let from = pick(&ts, *from);
                    let target = pick(&ts, *to);
                    let node = ts.node(&from).cloned();
                    let target_identity = ts.node(&target).map(identity);
                    let placement = match how {
                        0 => Placement::Before(target.clone()),
                        1 => Placement::After(target.clone()),
                        _ => Placement::IntoGroup(target.clone()),
                    };
                    let moved = ts.move_node(&from, placement);
                    if let (Ok(to), Some(wanted)) = (&moved, &target_identity)
                        && target != from
                    {
                        // The node lands right before or after the target, or last in it.
                        let now = ts
                            .node_paths()
                            .into_iter()
                            .find(|p| ts.node(p).map(identity).as_ref() == Some(wanted))
                            .expect("the target is still there");
                        let (to_last, to_parent) = to.split_last().expect("a path");
                        let (now_last, now_parent) = now.split_last().expect("a path");
                        match how {
                            0 => prop_assert!(to_parent == now_parent && to_last + 1 == *now_last, "{:?} not before {:?}", to, now),
                            1 => prop_assert!(to_parent == now_parent && *to_last == now_last + 1, "{:?} not after {:?}", to, now),
                            _ => {
                                let children = ts.children(&now).map_or(0, Vec::len);
                                prop_assert!(to_parent == now.as_slice() && to_last + 1 == children, "{:?} not last in {:?}", to, now);
                            }
                        }
                    }
                    moved.map(|to| node.map(|n| (to, n))).map_err(|e| e.to_string())
                }
                Op::Disable(at, disabled) => {
                    let path = pick(&ts, *at);
                    let result = ts.set_disabled(&path, *disabled).map_err(|e| e.to_string());
                    if result.is_ok() {
                        match ts.node(&path) {
                            Some(Node::Step(s)) => prop_assert_eq!(s.disabled, *disabled),
                            Some(Node::Group(g)) => prop_assert_eq!(g.disabled, *disabled),
                            other => prop_assert!(false, "disabled a {:?}", other),
                        }
                    }
                    result.map(|()| None)
                }
                Op::Group { first, count } => {
                    let path = pick(&ts, *first);
                    let n = namer.next();
                    let members: Vec<Node> = ts.children(&path[..path.len() - 1]).map(|c| c.iter().skip(path[path.len() - 1]).take(*count).cloned().collect()).unwrap_or_default();
                    let result = ts.group_nodes(&path, *count, format!("group-{n}")).map_err(|e| e.to_string());
                    if result.is_ok() {
                        let Some(Node::Group(group)) = ts.node(&path) else { panic!("no group at {path:?}") };
                        prop_assert_eq!(&group.children, &members);
                    }
                    result.map(|_| None)
                }
                Op::Bogus(kind) => {
                    let path = vec![ts.steps.len() + 1, 0];
                    let result = match kind {
                        0 => ts.remove_node(&path).map(|_| ()),
                        1 => ts.move_up(&path).map(|_| ()),
                        2 => ts.indent(&path).map(|_| ()),
                        3 => ts.set_disabled(&path, true),
                        4 => ts.group_nodes(&path, 1, "x").map(|_| ()),
                        _ => ts.move_node(&path, Placement::Before(vec![0])).map(|_| ()),
                    };
                    prop_assert!(result.is_err(), "{:?} on a missing path succeeded", op);
                    result.map(|()| None).map_err(|e| e.to_string())
                }
            };

            match result {
                Err(_) => prop_assert_eq!(&ts, &before, "a refused {:?} changed the tree", op),
                Ok(Some((path, node))) => {
                    prop_assert_eq!(ts.node(&path), Some(&node), "{:?}: the node is not at the path it returned", op);
                }
                Ok(None) => {}
            }

            // Still a valid tree: it exports, and the export imports back equal.
            let xml = to_xml(&ts);
            let reread = import_xml(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
            prop_assert_eq!(&reread, &ts, "{:?} left a tree that does not round-trip", op);
            // Nothing lost or duplicated but what was removed or inserted.
            prop_assert_eq!(leaf_list(&ts.steps), expected_leaves.clone(), "after {:?}", op);
            // Unknown steps and verbatim elements are byte-identical wherever they are.
            let mut now = Vec::new();
            unknown_steps(&ts.steps, &mut now);
            for step in now {
                let Some(original) = originals.get(&step.name) else { continue };
                let mut expected = original.clone();
                expected.disabled = step.disabled;
                let alone = to_xml(&sequence(vec![Node::Step(expected)]));
                prop_assert_eq!(step_block(&xml, &step.name), step_block(&alone, &step.name));
            }
            let mut all = Vec::new();
            leaves(&ts.steps, &mut all);
            for leaf in all.iter().filter(|l| l.starts_with("<subtasksequence")) {
                prop_assert!(xml.contains(leaf.as_str()), "{} not exported verbatim", leaf);
            }
        }
    }
}

#[test]
fn unknown_steps_from_the_corpus_survive_a_reorder_byte_identical() {
    let path = format!("{}/tests/corpus/tasksequence/reimage-3.10.xml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut ts = import_xml(&text).unwrap();
    let original = to_xml(&ts);
    let bitlocker = "Enable BitLocker &amp; escrow";
    // Move the BitLocker step (steps[0].children[3]) to the top, out of its group, and back.
    let top = ts.move_node(&[0, 3], Placement::Before(vec![0])).unwrap();
    assert_eq!(top, vec![0]);
    let moved = to_xml(&ts);
    assert_eq!(step_block(&moved, bitlocker), step_block(&original, bitlocker));
    assert!(moved.contains("<subtasksequence name=\"Run Task Sequence\" package=\"ABC00099\" />"));
    // Back after Apply Network Settings (now steps[1].children[2]), which is steps[0] again.
    let back = ts.move_node(&[0], Placement::After(vec![1, 2])).unwrap();
    assert_eq!(back, vec![0, 3]);
    assert_eq!(to_xml(&ts), original);
}
