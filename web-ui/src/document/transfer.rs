//! Documents in and out of the console as files, in the CLI's formats (JSON or TOML, as in
//! `examples/`). Reading is strict: a file that is not a valid document is refused with the
//! position of the problem, and the working document stays as it was. TOML goes through the
//! lazily loaded codec ([`crate::browser::toml_codec`]), JSON is read here.

use osdgate_model::model::{Document, DocumentError, DocumentFormat};

use crate::browser::toml_codec::{self, TomlCodecError};

/// Why a file could not be imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// The file is not text.
    #[error("{file} is not a text file (UTF-8): choose an osdgate document in JSON or TOML")]
    NotText { file: String },
    /// The text is not a valid document.
    #[error("{file} is not a valid osdgate document ({format}): {source}")]
    Invalid {
        file: String,
        format: &'static str,
        #[source]
        source: DocumentError,
    },
    /// TOML could not be read because the codec is unavailable.
    #[error("{file} could not be read: {reason}")]
    Unreadable { file: String, reason: String },
}

/// Why the document could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    /// TOML cannot hold a value of the document, or the codec is unavailable.
    #[error("the document cannot be written as TOML ({reason}); export it as JSON instead")]
    Toml { reason: String },
}

/// A file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub name: String,
    pub mime_type: &'static str,
    pub text: String,
}

pub fn format_name(format: DocumentFormat) -> &'static str {
    match format {
        DocumentFormat::Json => "JSON",
        DocumentFormat::Toml => "TOML",
    }
}

/// Reads an imported file: the format from the name (`.json`, `.toml`), else from the content.
pub async fn import(file_name: &str, bytes: &[u8]) -> Result<Document, ImportError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ImportError::NotText { file: file_name.to_owned() })?;
    let format =
        DocumentFormat::from_file_name(file_name).unwrap_or_else(|| DocumentFormat::sniff(text));
    let invalid = |source| ImportError::Invalid {
        file: file_name.to_owned(),
        format: format_name(format),
        source,
    };
    match format {
        DocumentFormat::Json => Document::from_json(text).map_err(invalid),
        DocumentFormat::Toml => match toml_codec::toml_to_json(text).await {
            // The codec wrote this JSON from a document it read; reading it back cannot fail
            // unless the two modules disagree, which is reported like any other refusal.
            Ok(json) => Document::from_json(&json).map_err(invalid),
            Err(TomlCodecError::Refused(source)) => Err(invalid(source)),
            Err(other) => Err(ImportError::Unreadable {
                file: file_name.to_owned(),
                reason: other.to_string(),
            }),
        },
    }
}

/// Writes the document for download, named after its site code.
pub async fn export(
    document: &Document,
    format: DocumentFormat,
) -> Result<ExportFile, ExportError> {
    let stem = match document.site.code.trim() {
        "" => "osdgate".to_owned(),
        code => format!("osdgate-{}", code.to_ascii_lowercase()),
    };
    Ok(match format {
        DocumentFormat::Json => ExportFile {
            name: format!("{stem}.json"),
            mime_type: "application/json",
            text: document.to_json(),
        },
        DocumentFormat::Toml => ExportFile {
            name: format!("{stem}.toml"),
            mime_type: "application/toml",
            text: toml_codec::json_to_toml(&document.to_json())
                .await
                .map_err(|error| ExportError::Toml { reason: error.to_string() })?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../examples/boot-media-over-gateway.toml");

    /// Runs an import or export: off wasm32 the codec is plain function calls, so the future is
    /// ready at its first poll.
    fn run<T>(future: impl std::future::Future<Output = T>) -> T {
        use std::task::{Context, Poll, Waker};
        let mut future = std::pin::pin!(future);
        match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("a native import or export waited"),
        }
    }

    #[test]
    fn an_example_imports_and_survives_both_formats() {
        let document = run(import("boot-media-over-gateway.toml", EXAMPLE.as_bytes())).unwrap();
        for format in [DocumentFormat::Json, DocumentFormat::Toml] {
            let file = run(export(&document, format)).unwrap();
            assert_eq!(file.name, format!("osdgate-abc.{}", format_name(format).to_lowercase()));
            assert_eq!(run(import(&file.name, file.text.as_bytes())).unwrap(), document);
        }
    }

    #[test]
    fn the_format_comes_from_the_content_when_the_name_has_none() {
        let document = run(import("boot-media-over-gateway.toml", EXAMPLE.as_bytes())).unwrap();
        let json = document.to_json();
        assert_eq!(run(import("document", json.as_bytes())).unwrap(), document);
        assert_eq!(run(import("document", EXAMPLE.as_bytes())).unwrap(), document);
    }

    #[test]
    fn bad_files_are_refused_with_name_and_position() {
        let error =
            run(import("x.json", b"{\"schema\": \"osdgate/v1\",\n \"site\": 5}")).unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("x.json is not a valid osdgate document (JSON): line 2"),
            "{text}"
        );
        assert!(matches!(
            run(import("x.toml", &[0xff, 0xfe, 0x00])),
            Err(ImportError::NotText { .. })
        ));
        let wrong_schema =
            run(import("x.toml", b"schema = \"osdgate/v2\"")).unwrap_err().to_string();
        assert!(wrong_schema.contains("osdgate/v2"), "{wrong_schema}");
        assert!(
            wrong_schema.starts_with("x.toml is not a valid osdgate document (TOML): line 1"),
            "{wrong_schema}"
        );
    }
}
