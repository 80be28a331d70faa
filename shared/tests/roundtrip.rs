//! Property tests: documents and task sequences survive JSON and TOML round trips, and task
//! sequences survive the ConfigMgr XML round trip.

use osdgate_model::model::*;
use osdgate_model::tasksequence::{import_xml, to_xml};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    // Printable text with XML-special characters, quotes, spaces and non-ASCII.
    proptest::string::string_regex("[a-zA-Z0-9 <>&\"'%_.:/\\\\é-]{0,12}").unwrap()
}

fn name() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[A-Za-z][A-Za-z0-9]{0,8}").unwrap()
}

fn step_type() -> impl Strategy<Value = StepType> {
    prop_oneof![
        Just(StepType::ApplyNetworkSettings),
        Just(StepType::SetupWindowsAndConfigMgr),
        Just(StepType::RunCommandLine),
        Just(StepType::UpgradeOperatingSystem),
        name().prop_map(|n| StepType::parse(&format!("SMS_TaskSequence_{n}Custom"))),
    ]
}

fn expression() -> impl Strategy<Value = ConditionItem> {
    (
        prop_oneof![
            Just(ExpressionType::Variable),
            Just(ExpressionType::Wmi),
            Just(ExpressionType::File)
        ],
        prop::collection::vec((name(), text()), 0..3),
    )
        .prop_map(|(expression_type, properties)| {
            ConditionItem::Expression(ConditionExpression {
                expression_type,
                properties: properties
                    .into_iter()
                    .map(|(name, value)| GlobalVariable { name, value })
                    .collect(),
            })
        })
}

fn condition() -> impl Strategy<Value = Condition> {
    let item = expression().prop_recursive(3, 12, 3, |inner| {
        (
            prop_oneof![
                Just(LogicalOperator::And),
                Just(LogicalOperator::Or),
                Just(LogicalOperator::Not)
            ],
            prop::collection::vec(inner, 0..3),
        )
            .prop_map(|(operator, items)| {
                ConditionItem::Operator(ConditionOperator { operator, items })
            })
    });
    prop::collection::vec(item, 1..3).prop_map(|items| Condition { items })
}

fn step() -> impl Strategy<Value = Step> {
    (
        step_type(),
        text(),
        text(),
        any::<(bool, bool)>(),
        prop::option::of(prop_oneof![
            Just(RunIn::WinPe),
            Just(RunIn::FullOs),
            Just(RunIn::WinPeAndFullOs)
        ]),
        prop::option::of(0u32..100),
        prop::option::of(condition()),
        text(),
        prop::collection::vec((name(), name(), any::<bool>(), text()), 0..4),
    )
        .prop_map(
            |(
                step_type,
                name,
                description,
                (disabled, continue_on_error),
                run_in,
                timeout,
                condition,
                action,
                variables,
            )| {
                let mut step = Step::new(step_type, name);
                step.description = description;
                step.disabled = disabled;
                step.continue_on_error = continue_on_error;
                step.run_in = run_in;
                step.timeout = timeout;
                step.condition = condition;
                step.action = action;
                step.variables = variables
                    .into_iter()
                    .map(|(name, property, hidden, value)| StepVariable {
                        name,
                        property,
                        hidden,
                        value,
                    })
                    .collect();
                step
            },
        )
}

fn nodes() -> impl Strategy<Value = Vec<Node>> {
    let leaf = step().prop_map(Node::Step);
    let node = leaf.prop_recursive(3, 24, 4, |inner| {
        (
            text(),
            any::<(bool, bool)>(),
            prop::option::of(condition()),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(name, (disabled, continue_on_error), condition, children)| {
                Node::Group(Group {
                    name,
                    description: String::new(),
                    disabled,
                    continue_on_error,
                    condition,
                    extra_attributes: vec![],
                    children,
                })
            })
    });
    prop::collection::vec(node, 0..5)
}

fn task_sequence() -> impl Strategy<Value = TaskSequence> {
    (
        nodes(),
        prop::collection::vec("[A-Z]{3}[0-9A-F]{5}", 0..4),
        prop::collection::vec((name(), text()), 0..3),
    )
        .prop_map(|(steps, references, globals)| TaskSequence {
            id: "ABC00020".into(),
            name: "Generated".into(),
            boot_image_id: None,
            sequence_version: "3.10".into(),
            sequence_attributes: vec![],
            references: references
                .into_iter()
                .map(|package| Reference { package, attributes: vec![] })
                .collect(),
            global_variables: globals
                .into_iter()
                .map(|(name, value)| GlobalVariable { name, value })
                .collect(),
            steps,
        })
}

fn base_document() -> Document {
    let path = format!("{}/../examples/boot-media-over-gateway.toml", env!("CARGO_MANIFEST_DIR"));
    Document::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn documents_round_trip_through_json_and_toml(
        sequence in task_sequence(),
        size in 0u64..(i64::MAX as u64),
        version in prop_oneof![Just(SiteVersion::UpTo2002), Just(SiteVersion::V2006), Just(SiteVersion::V2010), Just(SiteVersion::V2103), Just(SiteVersion::From2107)],
        seconds in -2_000_000_000i64..4_000_000_000i64,
        prefix in 0u8..=32,
        address in any::<[u8; 4]>(),
        device_name in text(),
    ) {
        let mut doc = base_document();
        doc.task_sequences.push(sequence);
        doc.content[0].files[0].size = size;
        doc.site.version = version;
        doc.media[0].expires_at = Some(Timestamp::from_unix_seconds(seconds));
        let cidr = IpCidr::new(std::net::IpAddr::from(address), prefix).unwrap();
        doc.boundary_groups[0].boundaries.push(Boundary::Subnet(cidr));
        doc.devices[0].name = device_name;
        let json = doc.to_json();
        prop_assert_eq!(&Document::from_json(&json).unwrap(), &doc);
        let toml = doc.to_toml().unwrap();
        prop_assert_eq!(&Document::from_toml(&toml).unwrap(), &doc);
        // Preflight never panics on whatever it is given, and is deterministic.
        prop_assert_eq!(osdgate_model::preflight::check(&doc), osdgate_model::preflight::check(&doc));
    }

    #[test]
    fn task_sequences_round_trip_through_configmgr_xml(sequence in task_sequence()) {
        let xml = to_xml(&sequence);
        let mut back = import_xml(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
        // The XML carries no package ID or name (they are package properties).
        back.id = sequence.id.clone();
        back.name = sequence.name.clone();
        prop_assert_eq!(back, sequence);
    }

    #[test]
    fn timestamps_print_and_parse_back(seconds in -62_135_596_800i64..253_402_300_799i64) {
        let time = Timestamp::from_unix_seconds(seconds);
        prop_assert_eq!(Timestamp::parse(&time.to_string()).unwrap(), time);
    }

    #[test]
    fn xml_import_never_panics(text in "\\PC{0,200}") {
        let _ = import_xml(&text);
        let _ = osdgate_model::tasksequence::import(text.as_bytes());
    }
}
