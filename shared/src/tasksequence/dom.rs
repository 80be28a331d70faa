//! A small element tree read with quick-xml, keeping each element's source span so that elements
//! osdgate does not interpret can be written back exactly as they were.

use std::borrow::Cow;
use std::ops::Range;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::TaskSequenceError;

/// An XML element.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Child>,
    /// Byte range of the whole element in the source.
    pub span: Range<usize>,
}

#[derive(Debug, Clone)]
pub(crate) enum Child {
    Element(Element),
    Text(String),
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|c| match c {
            Child::Element(e) => Some(e),
            Child::Text(_) => None,
        })
    }

    /// The concatenated text (and CDATA) directly inside the element.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|c| match c {
                Child::Text(t) => Some(t.as_str()),
                Child::Element(_) => None,
            })
            .collect()
    }
}

fn position_error(source: &str, offset: usize, message: impl Into<String>) -> TaskSequenceError {
    let (line, column) = crate::model::line_column(source, offset);
    TaskSequenceError {
        message: message.into(),
        context: None,
        line: Some(line),
        column: Some(column),
        offset: Some(offset),
    }
}

fn read_start(
    source: &str,
    start: &BytesStart<'_>,
    offset: usize,
) -> Result<(String, Vec<(String, String)>), TaskSequenceError> {
    let name = start.name().as_ref().to_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| {
            position_error(source, offset, format!("malformed attribute in <{name}>: {e}"))
        })?;
        let key = attribute.key.as_ref().to_owned();
        let value =
            attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| {
                position_error(source, offset, format!("attribute `{key}` of <{name}>: {e}"))
            })?;
        attributes.push((key, value.into_owned()));
    }
    Ok((name, attributes))
}

fn to_usize(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

/// Parses `source` into its root element.
pub(crate) fn parse(source: &str) -> Result<Element, TaskSequenceError> {
    let mut reader = Reader::from_str(source);
    reader.config_mut().trim_text(false);
    // Open elements: (name, attributes, children, start offset).
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let before = to_usize(reader.buffer_position());
        let event = reader.read_event().map_err(|e| {
            position_error(source, to_usize(reader.error_position()), e.to_string())
        })?;
        let after = to_usize(reader.buffer_position());
        let push_child =
            |stack: &mut Vec<Element>, root: &mut Option<Element>, child: Child| match stack
                .last_mut()
            {
                Some(parent) => {
                    parent.children.push(child);
                    Ok(())
                }
                None => match child {
                    Child::Element(element) if root.is_none() => {
                        *root = Some(element);
                        Ok(())
                    }
                    Child::Element(_) => {
                        Err(position_error(source, before, "a second root element"))
                    }
                    Child::Text(text) if text.trim().is_empty() => Ok(()),
                    Child::Text(_) => {
                        Err(position_error(source, before, "text outside the root element"))
                    }
                },
            };
        match event {
            Event::Start(start) => {
                let (name, attributes) = read_start(source, &start, before)?;
                stack.push(Element {
                    name,
                    attributes,
                    children: Vec::new(),
                    span: before..before,
                });
            }
            Event::Empty(start) => {
                let (name, attributes) = read_start(source, &start, before)?;
                let element =
                    Element { name, attributes, children: Vec::new(), span: before..after };
                push_child(&mut stack, &mut root, Child::Element(element))?;
            }
            Event::End(end) => {
                let Some(mut element) = stack.pop() else {
                    return Err(position_error(
                        source,
                        before,
                        "a closing tag without an opening tag",
                    ));
                };
                if end.name().as_ref() != element.name.as_str() {
                    return Err(position_error(
                        source,
                        before,
                        format!("</{}> closes <{}>", end.name().as_ref(), element.name),
                    ));
                }
                element.span.end = after;
                push_child(&mut stack, &mut root, Child::Element(element))?;
            }
            Event::Text(text) => {
                let content: Cow<'_, str> = text.xml10_content();
                push_child(&mut stack, &mut root, Child::Text(content.into_owned()))?;
            }
            Event::CData(data) => {
                push_child(&mut stack, &mut root, Child::Text(data.into_inner().into_owned()))?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = reference.into_inner();
                        match name.as_ref() {
                            "amp" => "&".to_owned(),
                            "lt" => "<".to_owned(),
                            "gt" => ">".to_owned(),
                            "quot" => "\"".to_owned(),
                            "apos" => "'".to_owned(),
                            other => {
                                return Err(position_error(
                                    source,
                                    before,
                                    format!("unknown entity `&{other};`"),
                                ));
                            }
                        }
                    }
                    Err(e) => return Err(position_error(source, before, e.to_string())),
                };
                push_child(&mut stack, &mut root, Child::Text(resolved))?;
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(position_error(
            source,
            open.span.start,
            format!("<{}> is never closed", open.name),
        ));
    }
    root.ok_or_else(|| position_error(source, 0, "the document has no root element"))
}
