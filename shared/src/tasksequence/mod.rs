//! ConfigMgr task sequence XML (spec section 4): import of the bare `<sequence>` document and of the
//! console's export zip, and export back to XML.
//!
//! The round trip keeps every group and step in order with its type, name, description, flags,
//! condition, action and variables; elements and attributes osdgate does not interpret are kept
//! verbatim. Everything works on bytes and strings: reading a zip from a byte slice through
//! `std::io::Cursor` is not I/O.

pub(crate) mod dom;
mod export;
mod import;

pub use export::to_xml;
pub use import::{
    Imported, import, import_file, import_lenient, import_xml, import_xml_lenient, import_zip,
};

/// Why a task sequence could not be read, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{message}", .context.as_deref().map(|c| format!("{c}: ")).unwrap_or_default(), position(*.line, *.column, *.offset))]
pub struct TaskSequenceError {
    /// What is wrong.
    pub message: String,
    /// Which part of the input (such as the zip entry), when it is not the whole input.
    pub context: Option<String>,
    /// 1-based line, when the problem is in XML text.
    pub line: Option<usize>,
    /// 1-based column (characters).
    pub column: Option<usize>,
    /// Byte offset in the XML text or the zip file.
    pub offset: Option<usize>,
}

fn position(line: Option<usize>, column: Option<usize>, offset: Option<usize>) -> String {
    match (line, column, offset) {
        (Some(l), Some(c), _) => format!("line {l}, column {c}: "),
        (_, _, Some(o)) => format!("byte {o}: "),
        _ => String::new(),
    }
}

impl TaskSequenceError {
    pub(crate) fn plain(message: impl Into<String>) -> Self {
        TaskSequenceError {
            message: message.into(),
            context: None,
            line: None,
            column: None,
            offset: None,
        }
    }

    pub(crate) fn in_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }
}
