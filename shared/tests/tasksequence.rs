//! ConfigMgr task sequence import/export (spec section 4) on the fixtures in
//! `tests/corpus/tasksequence/`, written from the spec.

use std::io::{Cursor, Write};

use osdgate_model::model::*;
use osdgate_model::preflight;
use osdgate_model::tasksequence::{import, import_xml, import_zip, to_xml};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/corpus/tasksequence/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn group(node: &Node) -> &Group {
    match node {
        Node::Group(g) => g,
        other => panic!("expected a group, got {other:?}"),
    }
}

fn step(node: &Node) -> &Step {
    match node {
        Node::Step(s) => s,
        other => panic!("expected a step, got {other:?}"),
    }
}

#[test]
fn imports_a_console_sequence_with_everything_in_order() {
    let ts = import_xml(&fixture("reimage-3.10.xml")).unwrap();
    assert_eq!(ts.sequence_version, "3.10");
    assert_eq!(
        ts.sequence_attributes,
        vec![Attribute { name: "dependentPolicy".into(), value: "false".into() }]
    );
    let packages: Vec<&str> = ts.references.iter().map(|r| r.package.as_str()).collect();
    assert_eq!(packages, ["ABC00010", "ABC00011", "ABC00012"]);
    assert_eq!(ts.references[1].attributes[0].name, "type");
    assert_eq!(ts.global_variables[0].value, "REMOTE-%SerialNumber%");
    assert_eq!(ts.steps.len(), 2);

    let install = group(&ts.steps[0]);
    assert_eq!(
        (install.name.as_str(), install.description.as_str()),
        ("Install Operating System", "Runs in Windows PE")
    );
    let group_condition = install.condition.as_ref().unwrap();
    let ConditionItem::Expression(expression) = &group_condition.items[0] else { panic!() };
    assert_eq!(expression.expression_type, ExpressionType::Variable);
    assert_eq!(expression.property("Variable"), Some("_SMSTSInWinPE"));

    let partition = step(&install.children[0]);
    assert_eq!(partition.step_type, StepType::PartitionDisk);
    assert_eq!(partition.run_in, Some(RunIn::WinPe));
    assert_eq!(partition.success_codes.as_deref(), Some("0 3010"));
    assert_eq!((partition.retry_count, partition.run_from_net), (Some(0), Some(false)));
    assert_eq!(partition.action, "osddiskpart.exe");
    // or(variable, and(wmi, not(file)))
    let ConditionItem::Operator(or) = &partition.condition.as_ref().unwrap().items[0] else {
        panic!()
    };
    assert_eq!(or.operator, LogicalOperator::Or);
    let ConditionItem::Operator(and) = &or.items[1] else { panic!() };
    assert_eq!(and.operator, LogicalOperator::And);
    let ConditionItem::Expression(wmi) = &and.items[0] else { panic!() };
    assert_eq!(wmi.expression_type, ExpressionType::Wmi);
    assert_eq!(
        wmi.property("Query"),
        Some("SELECT * FROM Win32_ComputerSystem WHERE Model LIKE \"%Latitude%\"")
    );
    let ConditionItem::Operator(not) = &and.items[1] else { panic!() };
    assert_eq!(not.operator, LogicalOperator::Not);
    let ConditionItem::Expression(file) = &not.items[0] else { panic!() };
    assert_eq!(file.expression_type, ExpressionType::File);
    assert_eq!(file.property("path"), Some("X:\\Windows\\System32\\legacy.flag"));

    let network = step(&install.children[2]);
    assert_eq!(
        network.network_join(),
        Some(NetworkJoin::Workgroup { name: Some("REMOTE".into()) })
    );
    assert!(network.variables[2].hidden);

    // An unknown step type: kept with its flags, extra attribute and extra element.
    let bitlocker = step(&install.children[3]);
    assert_eq!(
        bitlocker.step_type,
        StepType::Other("SMS_TaskSequence_EnableBitLockerAction".into())
    );
    assert_eq!(bitlocker.name, "Enable BitLocker & escrow");
    assert!(bitlocker.disabled && bitlocker.continue_on_error);
    assert_eq!(bitlocker.timeout, Some(30));
    assert_eq!(
        bitlocker.extra_attributes,
        vec![Attribute { name: "customAttribute".into(), value: "kept".into() }]
    );
    assert_eq!(
        bitlocker.extra_elements,
        vec!["<futureElement flavour=\"new\">kept &lt;as is&gt;</futureElement>".to_owned()]
    );

    let setup = group(&ts.steps[1]);
    let drivers = group(&setup.children[1]);
    assert_eq!(step(&drivers.children[0]).referenced_content(), ["ABC00012"]);
    let Node::Verbatim(sub) = &setup.children[2] else { panic!("subtasksequence kept verbatim") };
    assert_eq!(sub.xml, "<subtasksequence name=\"Run Task Sequence\" package=\"ABC00099\" />");

    let content: Vec<&str> = ts.referenced_content().into_iter().collect();
    assert_eq!(content, ["ABC00010", "ABC00011", "ABC00012"]);
    assert!(preflight::lint_task_sequence(&ts).findings.is_empty());
}

#[test]
fn round_trips_keep_every_group_step_and_condition() {
    for name in ["reimage-3.10.xml", "mdt-3.00.xml", "domain-join.xml"] {
        let first = import_xml(&fixture(name)).unwrap();
        let xml = to_xml(&first);
        let second = import_xml(&xml).unwrap_or_else(|e| panic!("{name}: {e}\n{xml}"));
        assert_eq!(second, first, "{name}");
        assert_eq!(to_xml(&second), xml, "{name}: export is stable");
        // And through model JSON, as `osdgate ts import` prints it.
        let json = serde_json::to_string(&first).unwrap();
        let back: TaskSequence = serde_json::from_str(&json).unwrap();
        assert_eq!(back, first, "{name} via JSON");
    }
}

#[test]
fn imports_mdt_templates() {
    let ts = import_xml(&fixture("mdt-3.00.xml")).unwrap();
    assert_eq!(ts.sequence_version, "3.00");
    let names: Vec<&str> = ts.sequence_attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["name", "description"]);
    let init = group(&ts.steps[0]);
    assert!(!init.disabled);
    assert_eq!(init.extra_attributes[0].name, "expand");
    let gather = step(&init.children[0]);
    assert_eq!(gather.step_type.class_name(), "BDD_Gather");
    assert_eq!(gather.action, "cscript.exe \"%SCRIPTROOT%\\ZTIGather.wsf\" /localonly");
    let set = step(&group(&ts.steps[1]).children[0]);
    assert_eq!(set.step_type, StepType::SetVariable);
}

fn export_zip(object_xml: &str, method: zip::CompressionMethod) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    writer.start_file("Manifest.xml", options).unwrap();
    writer.write_all(b"<?xml version=\"1.0\"?><Manifest/>").unwrap();
    writer.start_file("SMS_TaskSequencePackage/ABC00020/object.xml", options).unwrap();
    writer.write_all(object_xml.as_bytes()).unwrap();
    writer.finish().unwrap().into_inner()
}

fn object_xml(sequence_value: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<INSTANCE CLASSNAME=\"SMS_TaskSequencePackage\">\n\
         <PROPERTY NAME=\"BootImageID\" TYPE=\"string\"><VALUE>ABC00005</VALUE></PROPERTY>\n\
         <PROPERTY NAME=\"Name\" TYPE=\"string\"><VALUE>Reimage remote worker</VALUE></PROPERTY>\n\
         <PROPERTY NAME=\"PackageID\" TYPE=\"string\"><VALUE>ABC00020</VALUE></PROPERTY>\n\
         <PROPERTY NAME=\"Sequence\" TYPE=\"string\"><VALUE>{sequence_value}</VALUE></PROPERTY>\n\
         </INSTANCE>\n"
    )
}

#[test]
fn imports_console_export_zips() {
    let sequence = fixture("reimage-3.10.xml");
    let expected = import_xml(&sequence).unwrap();
    let escaped = sequence.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    for (value, method) in [
        (format!("<![CDATA[{sequence}]]>"), zip::CompressionMethod::Deflated),
        (escaped, zip::CompressionMethod::Stored),
    ] {
        let bytes = export_zip(&object_xml(&value), method);
        let ts = import(&bytes).unwrap();
        assert_eq!(ts.id, "ABC00020");
        assert_eq!(ts.name, "Reimage remote worker");
        assert_eq!(ts.boot_image_id.as_deref(), Some("ABC00005"));
        assert_eq!(ts.steps, expected.steps);
        assert_eq!(ts.references, expected.references);
    }
}

#[test]
fn bad_input_gets_positioned_errors_not_panics() {
    let error =
        import_xml("<sequence version=\"3.10\">\n  <group name=\"x\">\n  </step>\n</sequence>")
            .unwrap_err();
    assert_eq!(error.line, Some(3), "{error}");
    assert!(error.column.is_some());
    let error = import_xml("<sequence>\n<step name=\"no type\"/>\n</sequence>").unwrap_err();
    assert_eq!(error.line, Some(2), "{error}");
    assert!(error.to_string().contains("type"), "{error}");
    let error = import_xml("<sequence>\n\n  <step type=\"x\" retryCount=\"many\"/></sequence>")
        .unwrap_err();
    assert_eq!((error.line, error.column), (Some(3), Some(3)), "{error}");
    assert!(import_xml("<task/>").unwrap_err().to_string().contains("<sequence>"));
    assert!(import(b"PK\x03\x04 definitely not a zip").is_err());
    let no_sequence = export_zip(
        "<INSTANCE CLASSNAME=\"SMS_TaskSequencePackage\"></INSTANCE>",
        zip::CompressionMethod::Stored,
    );
    assert!(import_zip(&no_sequence).unwrap_err().to_string().contains("Sequence"));
    let mut manifest_only = zip::ZipWriter::new(Cursor::new(Vec::new()));
    manifest_only.start_file("Manifest.xml", zip::write::SimpleFileOptions::default()).unwrap();
    let bytes = manifest_only.finish().unwrap().into_inner();
    assert!(import_zip(&bytes).unwrap_err().to_string().contains("object.xml"));
    let broken_inner = export_zip(
        &object_xml("<![CDATA[<sequence>\n<group>\n</sequence>]]>"),
        zip::CompressionMethod::Deflated,
    );
    let error = import(&broken_inner).unwrap_err();
    assert!(error.to_string().contains("Sequence property") && error.line == Some(3), "{error}");
}

#[test]
fn utf16_exports_are_read() {
    let text = fixture("mdt-3.00.xml");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(import(&bytes).unwrap(), import_xml(&text).unwrap());
}

#[test]
fn lint_finds_domain_joins_and_missing_ccmhostname() {
    let ts = import_xml(&fixture("domain-join.xml")).unwrap();
    let report = preflight::lint_task_sequence(&ts);
    assert_eq!(report.rule_ids(), ["OSDG-TS-001", "OSDG-TS-002", "OSDG-TS-004"]);
    let paths: Vec<&str> = report.findings.iter().map(|f| f.path.as_str()).collect();
    assert!(paths.contains(&"steps[0].variables[0]"), "{paths:?}");
}

/// Issue 14, item 11: what real tools write is imported; each departure from the schema is a
/// warning with its position, the element is kept verbatim and exported back unchanged.
#[test]
fn schema_oddities_are_kept_verbatim_with_a_warning_each() {
    use osdgate_model::tasksequence::{import_lenient, import_xml_lenient};
    let text = fixture("oddities.xml");
    let imported = import_xml_lenient(&text).unwrap();
    let lines: Vec<Option<usize>> = imported.oddities.iter().map(|o| o.line).collect();
    assert_eq!(lines, [Some(6), Some(15), Some(19)], "{:?}", imported.oddities);
    assert!(imported.oddities[0].message.contains("no type"));
    // The three odd steps are verbatim, the understood one is a step.
    let children = &group(&imported.sequence.steps[0]).children;
    let verbatim: Vec<&str> = children
        .iter()
        .filter_map(|n| match n {
            Node::Verbatim(v) => Some(v.xml.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(verbatim.len(), 3);
    assert_eq!(step(&children[1]).name, "Apply Operating System");
    // Exported back, each odd element is byte for byte what came in.
    let exported = to_xml(&imported.sequence);
    for xml in &verbatim {
        assert!(text.contains(xml) && exported.contains(xml), "{xml}");
    }
    let again = import_xml_lenient(&exported).unwrap();
    assert_eq!(again.sequence, imported.sequence);
    assert_eq!(again.oddities.len(), 3);
    // Strict reading still refuses, at the first oddity.
    assert_eq!(import_xml(&text).unwrap_err().line, Some(6));
    // Each oddity is a warning finding with its position.
    let findings = preflight::import_oddity_findings(&imported.oddities);
    assert!(findings.iter().all(|f| f.rule == "OSDG-TS-008"
        && f.severity == preflight::Severity::Warning
        && f.path.starts_with("line ")));
    // The same leniency inside an export zip and its object.xml on its own.
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let object = object_xml(&escaped);
    let from_zip = import_lenient(&export_zip(&object, zip::CompressionMethod::Deflated)).unwrap();
    assert_eq!(from_zip.sequence.steps, imported.sequence.steps);
    assert_eq!(from_zip.oddities.len(), 3);
    assert!(from_zip.oddities[0].context.as_deref().unwrap().contains("Sequence property"));
    let alone = import_lenient(object.as_bytes()).unwrap();
    assert_eq!(alone.sequence, from_zip.sequence);
}

/// Issue 14, item 11: a console export's `object.xml` given on its own (without the zip) is read
/// like the zip.
#[test]
fn object_xml_alone_is_a_task_sequence() {
    let sequence = fixture("reimage-3.10.xml");
    let object = object_xml(&format!("<![CDATA[{sequence}]]>"));
    let alone = import(object.as_bytes()).unwrap();
    let zipped = import(&export_zip(&object, zip::CompressionMethod::Stored)).unwrap();
    assert_eq!(alone, zipped);
    assert_eq!(alone.id, "ABC00020");
    assert_eq!(alone.boot_image_id.as_deref(), Some("ABC00005"));
    // UTF-16, as the console writes it.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(object.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(import(&utf16).unwrap(), zipped);
}

#[test]
fn a_bare_sequence_file_is_named_after_the_file() {
    let bytes = fixture("mdt-3.00.xml").into_bytes();
    let windows =
        osdgate_model::tasksequence::import_file("C:\\exports\\mdt.v3.xml", &bytes).unwrap();
    assert_eq!(windows.sequence.name, "mdt.v3");
    let browser = osdgate_model::tasksequence::import_file("mdt.xml", &bytes).unwrap();
    assert_eq!(browser.sequence.name, "mdt");
    assert_eq!(browser.sequence.steps, windows.sequence.steps);
    assert!(osdgate_model::tasksequence::import_file("x.xml", b"<sequence><step>").is_err());
}
