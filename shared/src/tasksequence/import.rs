//! Reading task sequences (spec section 4).

use std::io::{Cursor, Read};

use super::TaskSequenceError;
use super::dom::{self, Element};
use crate::model::{
    Attribute, Condition, ConditionExpression, ConditionItem, ConditionOperator, ExpressionType,
    GlobalVariable, Group, LogicalOperator, Node, Reference, RunIn, Step, StepType, StepVariable,
    TaskSequence, VerbatimXml,
};

/// Largest uncompressed `object.xml` read from an export (a sequence is kilobytes; this bounds a
/// hostile zip).
const MAX_OBJECT_XML: u64 = 64 * 1024 * 1024;

/// A task sequence read leniently, with every place it departs from the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The sequence; what the model does not understand is kept as [`Node::Verbatim`] and exported
    /// back unchanged.
    pub sequence: TaskSequence,
    /// One entry per oddity (a step without a `type`, an unreadable attribute or condition), each
    /// with its position; the element it names is kept verbatim.
    pub oddities: Vec<TaskSequenceError>,
}

impl Imported {
    /// The sequence when there was no oddity, else the first oddity as the error (strict reading).
    fn strict(self) -> Result<TaskSequence, TaskSequenceError> {
        match self.oddities.into_iter().next() {
            Some(first) => Err(first),
            None => Ok(self.sequence),
        }
    }
}

/// Reads either form strictly (the first departure from the schema is the error): a zip (console
/// export) when the bytes start with `PK`, else XML text (UTF-8, or UTF-16 with a byte order
/// mark): a bare `<sequence>` or the export's `object.xml` on its own.
pub fn import(bytes: &[u8]) -> Result<TaskSequence, TaskSequenceError> {
    import_lenient(bytes)?.strict()
}

/// Reads either form as real tools write it: elements the schema does not allow are kept verbatim
/// and listed in [`Imported::oddities`]; only unreadable XML or a file that holds no sequence is
/// an error.
pub fn import_lenient(bytes: &[u8]) -> Result<Imported, TaskSequenceError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        import_zip_lenient(bytes)
    } else {
        let text = decode_text(bytes)?;
        let root = dom::parse(&text)?;
        if root.name != "sequence" && find_instance(&root).is_some() {
            // The console export's object.xml, given without its zip.
            return import_object_xml(&root, "object.xml", "");
        }
        import_xml_lenient(&text)
    }
}

/// Reads a task sequence file as `osdgate ts import` and the console's import do: either form
/// leniently ([`import_lenient`]); a bare `<sequence>` carries no name, so it is named after the
/// file (`C:\exports\reimage.xml` → `reimage`).
pub fn import_file(file_name: &str, bytes: &[u8]) -> Result<Imported, TaskSequenceError> {
    let mut imported = import_lenient(bytes)?;
    if imported.sequence.name.is_empty() {
        imported.sequence.name = file_stem(file_name).to_owned();
    }
    Ok(imported)
}

/// The file name without its folder and its last extension, as `Path::file_stem` spells it, for
/// names from any system (a browser gives only the name; the CLI a path).
fn file_stem(file_name: &str) -> &str {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rfind('.') {
        Some(dot) if dot > 0 => &base[..dot],
        _ => base,
    }
}

/// Text from bytes: UTF-8 (with or without BOM) or UTF-16 LE/BE with BOM.
fn decode_text(bytes: &[u8]) -> Result<String, TaskSequenceError> {
    let utf16 = |little: bool, rest: &[u8]| -> Result<String, TaskSequenceError> {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| match p {
                [a, b] if little => u16::from_le_bytes([*a, *b]),
                [a, b] => u16::from_be_bytes([*a, *b]),
                _ => 0,
            })
            .collect();
        String::from_utf16(&units)
            .map_err(|_| TaskSequenceError::plain("the file is not valid UTF-16 text"))
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(true, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(false, rest),
        [0xEF, 0xBB, 0xBF, rest @ ..] => {
            std::str::from_utf8(rest).map(str::to_owned).map_err(|e| utf8_error(e, 3))
        }
        _ => std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| utf8_error(e, 0)),
    }
}

fn utf8_error(error: std::str::Utf8Error, base: usize) -> TaskSequenceError {
    TaskSequenceError {
        message: "the file is not UTF-8 text (nor UTF-16 with a byte order mark)".to_owned(),
        context: None,
        line: None,
        column: None,
        offset: Some(base + error.valid_up_to()),
    }
}

/// Reads a console export zip: `SMS_TaskSequencePackage/<PackageID>/object.xml`, whose
/// `SMS_TaskSequencePackage` instance holds the sequence in its `Sequence` property.
pub fn import_zip(bytes: &[u8]) -> Result<TaskSequence, TaskSequenceError> {
    import_zip_lenient(bytes)?.strict()
}

fn import_zip_lenient(bytes: &[u8]) -> Result<Imported, TaskSequenceError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| TaskSequenceError::plain(format!("not a readable zip: {e}")))?;
    let entry_name = archive
        .file_names()
        .filter_map(|name| name.ok().map(|n| n.into_owned()))
        .filter(|name| {
            let parts: Vec<&str> = name.split('/').collect();
            matches!(parts.as_slice(), [class, _, file] if class.eq_ignore_ascii_case("SMS_TaskSequencePackage") && file.eq_ignore_ascii_case("object.xml"))
        })
        .min()
        .ok_or_else(|| TaskSequenceError::plain("the zip has no SMS_TaskSequencePackage/<PackageID>/object.xml: is it a task sequence export?"))?;
    let folder_id = entry_name.split('/').nth(1).unwrap_or("").to_owned();
    let entry = archive
        .by_name(&entry_name)
        .map_err(|e| TaskSequenceError::plain(format!("cannot open {entry_name}: {e}")))?;
    let mut data = Vec::new();
    entry
        .take(MAX_OBJECT_XML + 1)
        .read_to_end(&mut data)
        .map_err(|e| TaskSequenceError::plain(format!("cannot decompress {entry_name}: {e}")))?;
    if data.len() as u64 > MAX_OBJECT_XML {
        return Err(TaskSequenceError::plain(format!("{entry_name} is larger than 64 MiB")));
    }
    let text = decode_text(&data).map_err(|e| e.in_context(entry_name.clone()))?;
    let root = dom::parse(&text).map_err(|e| e.in_context(entry_name.clone()))?;
    import_object_xml(&root, &entry_name, &folder_id)
}

/// The `SMS_TaskSequencePackage` instance of an export's `object.xml` (`entry_name` names it in
/// errors; `folder_id` is the package ID its folder gives, used when the instance has none).
fn import_object_xml(
    root: &Element,
    entry_name: &str,
    folder_id: &str,
) -> Result<Imported, TaskSequenceError> {
    let entry_name = entry_name.to_owned();
    let instance = find_instance(root).ok_or_else(|| {
        TaskSequenceError::plain("no <INSTANCE CLASSNAME=\"SMS_TaskSequencePackage\"> found")
            .in_context(entry_name.clone())
    })?;
    let property = |name: &str| -> Option<String> {
        instance
            .elements()
            .find(|p| {
                p.name.eq_ignore_ascii_case("PROPERTY")
                    && p.attribute("NAME").is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .and_then(|p| p.elements().find(|v| v.name.eq_ignore_ascii_case("VALUE")))
            .map(Element::text)
    };
    let sequence_text = property("Sequence").filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        TaskSequenceError::plain("the SMS_TaskSequencePackage instance has no Sequence property")
            .in_context(entry_name.clone())
    })?;
    let context = format!("{entry_name}, Sequence property");
    let mut imported =
        import_xml_lenient(&sequence_text).map_err(|e| e.in_context(context.clone()))?;
    imported.oddities =
        imported.oddities.into_iter().map(|e| e.in_context(context.clone())).collect();
    let sequence = &mut imported.sequence;
    sequence.id =
        property("PackageID").filter(|s| !s.is_empty()).unwrap_or_else(|| folder_id.to_owned());
    sequence.name = property("Name").unwrap_or_default();
    sequence.boot_image_id = property("BootImageID").filter(|s| !s.trim().is_empty());
    Ok(imported)
}

fn find_instance(element: &Element) -> Option<&Element> {
    if element.name.eq_ignore_ascii_case("INSTANCE")
        && element
            .attribute("CLASSNAME")
            .is_some_and(|c| c.eq_ignore_ascii_case("SMS_TaskSequencePackage"))
    {
        return Some(element);
    }
    element.elements().find_map(find_instance)
}

/// Reads a bare `<sequence>` document strictly. The package ID, name and boot image are not in it:
/// they are left empty for the caller to set.
pub fn import_xml(text: &str) -> Result<TaskSequence, TaskSequenceError> {
    import_xml_lenient(text)?.strict()
}

/// Reads a bare `<sequence>` document leniently (see [`import_lenient`]).
pub fn import_xml_lenient(text: &str) -> Result<Imported, TaskSequenceError> {
    let root = dom::parse(text)?;
    let at = |element: &Element, message: String| {
        let (line, column) = crate::model::line_column(text, element.span.start);
        TaskSequenceError {
            message,
            context: None,
            line: Some(line),
            column: Some(column),
            offset: Some(element.span.start),
        }
    };
    if root.name != "sequence" {
        return Err(at(&root, format!("the root element is <{}>, not <sequence>", root.name)));
    }
    let mut oddities = Vec::new();
    let mut sequence = TaskSequence {
        id: String::new(),
        name: String::new(),
        boot_image_id: None,
        sequence_version: root.attribute("version").unwrap_or("").to_owned(),
        sequence_attributes: extra_attributes(&root, &["version"]),
        references: Vec::new(),
        global_variables: Vec::new(),
        steps: Vec::new(),
    };
    for child in root.elements() {
        match child.name.as_str() {
            "referenceList" => {
                for reference in child.elements().filter(|e| e.name == "reference") {
                    let package = reference.attribute("package").unwrap_or("").to_owned();
                    sequence.references.push(Reference {
                        package,
                        attributes: extra_attributes(reference, &["package"]),
                    });
                }
            }
            "globalVarList" => {
                for variable in child.elements().filter(|e| e.name == "variable") {
                    sequence.global_variables.push(GlobalVariable {
                        name: variable.attribute("name").unwrap_or("").to_owned(),
                        value: variable.text(),
                    });
                }
            }
            _ => sequence.steps.push(node(text, child, &at, &mut oddities)),
        }
    }
    Ok(Imported { sequence, oddities })
}

type At<'a> = dyn Fn(&Element, String) -> TaskSequenceError + 'a;

fn verbatim(text: &str, element: &Element) -> Node {
    Node::Verbatim(VerbatimXml { xml: text.get(element.span.clone()).unwrap_or("").to_owned() })
}

fn flag(element: &Element, name: &str) -> bool {
    element.attribute(name).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

fn extra_attributes(element: &Element, known: &[&str]) -> Vec<Attribute> {
    element
        .attributes
        .iter()
        .filter(|(k, _)| !known.iter().any(|n| n.eq_ignore_ascii_case(k)))
        .map(|(k, v)| Attribute { name: k.clone(), value: v.clone() })
        .collect()
}

const GROUP_ATTRIBUTES: &[&str] = &["name", "description", "disable", "continueOnError"];
const STEP_ATTRIBUTES: &[&str] = &[
    "type",
    "name",
    "description",
    "disable",
    "continueOnError",
    "runIn",
    "successCodeList",
    "retryCount",
    "runFromNet",
    "timeout",
];

/// One element of the tree. An element the schema does not allow (a step without a type, an
/// unreadable attribute or condition) is kept verbatim, and why goes to `oddities`.
fn node(text: &str, element: &Element, at: &At<'_>, oddities: &mut Vec<TaskSequenceError>) -> Node {
    match strict_node(text, element, at, oddities) {
        Ok(node) => node,
        Err(oddity) => {
            oddities.push(oddity);
            verbatim(text, element)
        }
    }
}

fn strict_node(
    text: &str,
    element: &Element,
    at: &At<'_>,
    oddities: &mut Vec<TaskSequenceError>,
) -> Result<Node, TaskSequenceError> {
    match element.name.as_str() {
        "group" => {
            let mut group = Group {
                name: element.attribute("name").unwrap_or("").to_owned(),
                description: element.attribute("description").unwrap_or("").to_owned(),
                disabled: flag(element, "disable"),
                continue_on_error: flag(element, "continueOnError"),
                condition: None,
                extra_attributes: extra_attributes(element, GROUP_ATTRIBUTES),
                children: Vec::new(),
            };
            for child in element.elements() {
                if child.name == "condition" {
                    group.condition = Some(condition(child, at)?);
                } else {
                    group.children.push(node(text, child, at, oddities));
                }
            }
            Ok(Node::Group(group))
        }
        "step" => step(text, element, at).map(Node::Step),
        _ => Ok(verbatim(text, element)),
    }
}

fn number(element: &Element, name: &str, at: &At<'_>) -> Result<Option<u32>, TaskSequenceError> {
    match element.attribute(name) {
        None => Ok(None),
        Some(value) if value.trim().is_empty() => Ok(None),
        Some(value) => value.trim().parse().map(Some).map_err(|_| {
            at(
                element,
                format!("attribute {name}=\"{value}\" of <{}> is not a whole number", element.name),
            )
        }),
    }
}

fn step(text: &str, element: &Element, at: &At<'_>) -> Result<Step, TaskSequenceError> {
    let step_type = element.attribute("type").unwrap_or("");
    if step_type.is_empty() {
        return Err(at(element, "a <step> has no type attribute".to_owned()));
    }
    let mut step = Step::new(StepType::parse(step_type), element.attribute("name").unwrap_or(""));
    step.description = element.attribute("description").unwrap_or("").to_owned();
    step.disabled = flag(element, "disable");
    step.continue_on_error = flag(element, "continueOnError");
    step.run_in = match element.attribute("runIn") {
        None => None,
        Some(value) => Some(RunIn::parse(value.trim()).ok_or_else(|| {
            at(element, format!("runIn=\"{value}\" is not WinPE, FullOS or WinPEandFullOS"))
        })?),
    };
    step.success_codes = element.attribute("successCodeList").map(str::to_owned);
    step.retry_count = number(element, "retryCount", at)?;
    step.run_from_net =
        element.attribute("runFromNet").map(|v| v.trim().eq_ignore_ascii_case("true"));
    step.timeout = number(element, "timeout", at)?;
    step.extra_attributes = extra_attributes(element, STEP_ATTRIBUTES);
    for child in element.elements() {
        match child.name.as_str() {
            "condition" => step.condition = Some(condition(child, at)?),
            "action" => step.action = child.text(),
            "defaultVarList" => {
                for variable in child.elements() {
                    if variable.name != "variable" {
                        return Err(at(
                            variable,
                            format!(
                                "<{}> inside <defaultVarList>, expected <variable>",
                                variable.name
                            ),
                        ));
                    }
                    step.variables.push(StepVariable {
                        name: variable.attribute("name").unwrap_or("").to_owned(),
                        property: variable.attribute("property").unwrap_or("").to_owned(),
                        hidden: flag(variable, "hidden"),
                        value: variable.text(),
                    });
                }
            }
            _ => step.extra_elements.push(text.get(child.span.clone()).unwrap_or("").to_owned()),
        }
    }
    Ok(step)
}

fn condition(element: &Element, at: &At<'_>) -> Result<Condition, TaskSequenceError> {
    Ok(Condition { items: condition_items(element, at)? })
}

fn condition_items(
    element: &Element,
    at: &At<'_>,
) -> Result<Vec<ConditionItem>, TaskSequenceError> {
    let mut items = Vec::new();
    for child in element.elements() {
        match child.name.as_str() {
            "operator" => {
                let kind = child.attribute("type").unwrap_or("");
                let operator = match kind.to_ascii_lowercase().as_str() {
                    "and" => LogicalOperator::And,
                    "or" => LogicalOperator::Or,
                    "not" => LogicalOperator::Not,
                    _ => {
                        return Err(at(
                            child,
                            format!("operator type=\"{kind}\" is not and, or or not"),
                        ));
                    }
                };
                items.push(ConditionItem::Operator(ConditionOperator {
                    operator,
                    items: condition_items(child, at)?,
                }));
            }
            "expression" => {
                let kind = child.attribute("type").unwrap_or("");
                if kind.is_empty() {
                    return Err(at(child, "an <expression> has no type attribute".to_owned()));
                }
                let properties = child
                    .elements()
                    .filter(|e| e.name == "variable")
                    .map(|v| GlobalVariable {
                        name: v.attribute("name").unwrap_or("").to_owned(),
                        value: v.text(),
                    })
                    .collect();
                items.push(ConditionItem::Expression(ConditionExpression {
                    expression_type: ExpressionType::parse(kind),
                    properties,
                }));
            }
            other => {
                return Err(at(
                    child,
                    format!("<{other}> inside a condition, expected <operator> or <expression>"),
                ));
            }
        }
    }
    Ok(items)
}
