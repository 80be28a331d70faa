//! Writing ConfigMgr task sequence XML (spec section 4).

use std::fmt::Write;

use crate::model::{Attribute, Condition, ConditionItem, Group, Node, Step, TaskSequence};

fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

fn attr(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, " {name}=\"{}\"", escape(value, true));
}

fn extra(out: &mut String, attributes: &[Attribute]) {
    for a in attributes {
        attr(out, &a.name, &a.value);
    }
}

/// The task sequence as a `<sequence>` document, as ConfigMgr imports it (no XML declaration, like
/// the `Sequence` property of a console export).
pub fn to_xml(sequence: &TaskSequence) -> String {
    let mut out = String::new();
    out.push_str("<sequence");
    if !sequence.sequence_version.is_empty() {
        attr(&mut out, "version", &sequence.sequence_version);
    }
    extra(&mut out, &sequence.sequence_attributes);
    out.push_str(">\n");
    if !sequence.references.is_empty() {
        out.push_str("  <referenceList>\n");
        for reference in &sequence.references {
            out.push_str("    <reference");
            attr(&mut out, "package", &reference.package);
            extra(&mut out, &reference.attributes);
            out.push_str(" />\n");
        }
        out.push_str("  </referenceList>\n");
    }
    if !sequence.global_variables.is_empty() {
        out.push_str("  <globalVarList>\n");
        for variable in &sequence.global_variables {
            out.push_str("    <variable");
            attr(&mut out, "name", &variable.name);
            let _ = writeln!(out, ">{}</variable>", escape(&variable.value, false));
        }
        out.push_str("  </globalVarList>\n");
    }
    for node in &sequence.steps {
        write_node(&mut out, node, 1);
    }
    out.push_str("</sequence>\n");
    out
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_node(out: &mut String, node: &Node, depth: usize) {
    match node {
        Node::Group(group) => write_group(out, group, depth),
        Node::Step(step) => write_step(out, step, depth),
        Node::Verbatim(verbatim) => {
            indent(out, depth);
            out.push_str(&verbatim.xml);
            out.push('\n');
        }
    }
}

fn flags(out: &mut String, disabled: bool, continue_on_error: bool) {
    if disabled {
        attr(out, "disable", "true");
    }
    if continue_on_error {
        attr(out, "continueOnError", "true");
    }
}

fn write_group(out: &mut String, group: &Group, depth: usize) {
    indent(out, depth);
    out.push_str("<group");
    attr(out, "name", &group.name);
    attr(out, "description", &group.description);
    flags(out, group.disabled, group.continue_on_error);
    extra(out, &group.extra_attributes);
    out.push_str(">\n");
    if let Some(condition) = &group.condition {
        write_condition(out, condition, depth + 1);
    }
    for child in &group.children {
        write_node(out, child, depth + 1);
    }
    indent(out, depth);
    out.push_str("</group>\n");
}

fn write_step(out: &mut String, step: &Step, depth: usize) {
    indent(out, depth);
    out.push_str("<step");
    attr(out, "type", step.step_type.class_name());
    attr(out, "name", &step.name);
    attr(out, "description", &step.description);
    flags(out, step.disabled, step.continue_on_error);
    if let Some(run_in) = step.run_in {
        attr(out, "runIn", run_in.as_str());
    }
    if let Some(codes) = &step.success_codes {
        attr(out, "successCodeList", codes);
    }
    if let Some(retry) = step.retry_count {
        attr(out, "retryCount", &retry.to_string());
    }
    if let Some(run_from_net) = step.run_from_net {
        attr(out, "runFromNet", if run_from_net { "true" } else { "false" });
    }
    if let Some(timeout) = step.timeout {
        attr(out, "timeout", &timeout.to_string());
    }
    extra(out, &step.extra_attributes);
    out.push_str(">\n");
    if let Some(condition) = &step.condition {
        write_condition(out, condition, depth + 1);
    }
    indent(out, depth + 1);
    let _ = writeln!(out, "<action>{}</action>", escape(&step.action, false));
    if !step.variables.is_empty() {
        indent(out, depth + 1);
        out.push_str("<defaultVarList>\n");
        for variable in &step.variables {
            indent(out, depth + 2);
            out.push_str("<variable");
            attr(out, "name", &variable.name);
            attr(out, "property", &variable.property);
            if variable.hidden {
                attr(out, "hidden", "true");
            }
            let _ = writeln!(out, ">{}</variable>", escape(&variable.value, false));
        }
        indent(out, depth + 1);
        out.push_str("</defaultVarList>\n");
    }
    for element in &step.extra_elements {
        indent(out, depth + 1);
        out.push_str(element);
        out.push('\n');
    }
    indent(out, depth);
    out.push_str("</step>\n");
}

fn write_condition(out: &mut String, condition: &Condition, depth: usize) {
    indent(out, depth);
    out.push_str("<condition>\n");
    for item in &condition.items {
        write_item(out, item, depth + 1);
    }
    indent(out, depth);
    out.push_str("</condition>\n");
}

fn write_item(out: &mut String, item: &ConditionItem, depth: usize) {
    indent(out, depth);
    match item {
        ConditionItem::Operator(operator) => {
            let _ = writeln!(out, "<operator type=\"{}\">", operator.operator.as_str());
            for child in &operator.items {
                write_item(out, child, depth + 1);
            }
            indent(out, depth);
            out.push_str("</operator>\n");
        }
        ConditionItem::Expression(expression) => {
            out.push_str("<expression");
            attr(out, "type", expression.expression_type.class_name());
            out.push_str(">\n");
            for property in &expression.properties {
                indent(out, depth + 1);
                out.push_str("<variable");
                attr(out, "name", &property.name);
                let _ = writeln!(out, ">{}</variable>", escape(&property.value, false));
            }
            indent(out, depth);
            out.push_str("</expression>\n");
        }
    }
}
