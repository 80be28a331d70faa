//! The versioned document (`"schema": "osdgate/v1"`): everything preflight checks, as config as code
//! in JSON or TOML.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    BootImage, BoundaryGroup, ClientSettings, Collection, ContentPackage, Deployment, Device,
    DistributionPoint, Gateway, Media, Site, TaskSequence,
};

/// The schema identifier every document carries.
pub const SCHEMA_ID: &str = "osdgate/v1";

/// The raw configuration as the admin wrote it. It may be wrong in any way; [`Document::validate`]
/// turns it into a [`super::Plan`], the only form that can be published or turned into media.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "osdgate document", description = "osdgate configuration (schema osdgate/v1).")]
pub struct Document {
    /// Always `osdgate/v1`.
    pub schema: SchemaTag,
    /// The site.
    pub site: Site,
    /// Gateways (relays, CMGs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<Gateway>,
    /// On-premises distribution points.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distribution_points: Vec<DistributionPoint>,
    /// Content packages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content: Vec<ContentPackage>,
    /// Boundary groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boundary_groups: Vec<BoundaryGroup>,
    /// Collections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<Collection>,
    /// Client settings (default and custom).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_settings: Vec<ClientSettings>,
    /// Boot images.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boot_images: Vec<BootImage>,
    /// Task sequences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_sequences: Vec<TaskSequence>,
    /// Deployments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<Deployment>,
    /// Bootable media.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<Media>,
    /// Devices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Device>,
}

/// The `schema` field: only `osdgate/v1` is accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SchemaTag;

impl Serialize for SchemaTag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(SCHEMA_ID)
    }
}

impl<'de> Deserialize<'de> for SchemaTag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        if text == SCHEMA_ID {
            Ok(SchemaTag)
        } else {
            Err(serde::de::Error::custom(format!(
                "schema `{text}` is not supported: this osdgate reads `{SCHEMA_ID}` documents"
            )))
        }
    }
}

impl JsonSchema for SchemaTag {
    fn schema_name() -> Cow<'static, str> {
        "SchemaTag".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "const": SCHEMA_ID })
    }
}

/// The text formats a document can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentFormat {
    /// JSON.
    Json,
    /// TOML.
    Toml,
}

impl DocumentFormat {
    /// The format a file name implies (`.json` or `.toml`, case-insensitive); `None` otherwise.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(DocumentFormat::Json)
        } else if lower.ends_with(".toml") {
            Some(DocumentFormat::Toml)
        } else {
            None
        }
    }

    /// Guesses the format from the text: JSON starts with `{` (after white space).
    pub fn sniff(text: &str) -> Self {
        if text.trim_start_matches('\u{feff}').trim_start().starts_with('{') {
            DocumentFormat::Json
        } else {
            DocumentFormat::Toml
        }
    }
}

/// A document that could not be read, with the position of the problem (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{}{message}", position_prefix(*.line, *.column))]
pub struct DocumentError {
    /// The format it was read as.
    pub format: DocumentFormat,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the problem, when known.
    pub column: Option<usize>,
    /// What is wrong, in the parser's words.
    pub message: String,
}

fn position_prefix(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!("line {line}, column {column}: "),
        (Some(line), None) => format!("line {line}: "),
        _ => String::new(),
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

impl Document {
    /// Reads a JSON document.
    pub fn from_json(text: &str) -> Result<Self, DocumentError> {
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|error| DocumentError {
            format: DocumentFormat::Json,
            line: (error.line() > 0).then_some(error.line()),
            column: (error.column() > 0).then_some(error.column()),
            message: strip_serde_json_position(&error.to_string()),
        })
    }

    /// Reads a TOML document.
    pub fn from_toml(text: &str) -> Result<Self, DocumentError> {
        let text = text.trim_start_matches('\u{feff}');
        toml::from_str(text).map_err(|error: toml::de::Error| {
            let (line, column) = match error.span() {
                Some(span) => {
                    let (line, column) = line_column(text, span.start);
                    (Some(line), Some(column))
                }
                None => (None, None),
            };
            DocumentError {
                format: DocumentFormat::Toml,
                line,
                column,
                message: error.message().to_owned(),
            }
        })
    }

    /// Reads a document in `format`.
    pub fn parse(text: &str, format: DocumentFormat) -> Result<Self, DocumentError> {
        match format {
            DocumentFormat::Json => Self::from_json(text),
            DocumentFormat::Toml => Self::from_toml(text),
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        // Serializing these types to JSON cannot fail: every map key is a string.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// TOML; fails only if a value cannot be written in TOML (an integer above `i64::MAX`).
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }

    /// The JSON Schema of documents.
    pub fn json_schema() -> Schema {
        schemars::schema_for!(Document)
    }

    /// The gateway with `id`.
    pub fn gateway(&self, id: &str) -> Option<&Gateway> {
        self.gateways.iter().find(|g| g.id == id)
    }

    /// The content package with `id`.
    pub fn content_package(&self, id: &str) -> Option<&ContentPackage> {
        self.content.iter().find(|c| c.id == id)
    }

    /// The task sequence with `id`.
    pub fn task_sequence(&self, id: &str) -> Option<&TaskSequence> {
        self.task_sequences.iter().find(|t| t.id == id)
    }

    /// The boot image with `id`.
    pub fn boot_image(&self, id: &str) -> Option<&BootImage> {
        self.boot_images.iter().find(|b| b.id == id)
    }

    /// The deployment with `id`.
    pub fn deployment(&self, id: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.id == id)
    }

    /// The device with `id`.
    pub fn device(&self, id: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.id == id)
    }

    /// Boundary groups that contain `address`.
    pub fn boundary_groups_containing(
        &self,
        address: std::net::IpAddr,
    ) -> impl Iterator<Item = &BoundaryGroup> {
        self.boundary_groups.iter().filter(move |g| g.contains(address))
    }
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_serde_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}
