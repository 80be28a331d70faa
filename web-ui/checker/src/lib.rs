//! The console's preflight checker, a WebAssembly module of its own that runs in a dedicated Web
//! Worker (`worker.js` beside this crate, started by `web-ui/src/browser/checker.js`).
//!
//! The console's main thread sends the working document as the JSON it already writes to
//! IndexedDB; the worker answers with [`DocumentCheck`] as JSON: `osdgate check`'s report (the
//! same rules, IDs, messages and fixes, from `osdgate_model::preflight`) and the readiness of
//! each scenario. Two reasons for the split: rechecking a large document (1,000 steps, 500
//! packages) never runs on the input path, and the rules — a quarter of the console's code — are
//! not part of its first load.

use osdgate_model::model::{Document, Timestamp};
use osdgate_model::preflight::scenario::DocumentCheck;
use wasm_bindgen::prelude::wasm_bindgen;

/// Checks the document `document_json` at `now_unix_seconds` → [`DocumentCheck`] as JSON. A
/// document that does not read is refused with its `DocumentError` as JSON (format, line,
/// column, message).
#[wasm_bindgen]
pub fn check_document(document_json: &str, now_unix_seconds: f64) -> Result<String, String> {
    let document = Document::from_json(document_json).map_err(|error| {
        serde_json::to_string(&error)
            .unwrap_or_else(|_| format!("{{\"message\":{:?}}}", error.message))
    })?;
    let now = Timestamp::from_unix_seconds(now_unix_seconds as i64);
    let check = DocumentCheck::of(&document, now);
    serde_json::to_string(&check)
        .map_err(|error| format!("{{\"message\":{:?}}}", error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../examples/boot-media-over-gateway.broken.toml");

    #[test]
    fn the_answer_is_the_models_own_check() {
        // The console holds the document as the model writes it: a `password` the file still
        // carries (OSDG-MEDIA-009) is dropped unread on the way, so the checker never sees one.
        let text = Document::from_toml(EXAMPLE).unwrap().to_json();
        assert!(!text.contains("\"password\":"), "the working copy never holds a password");
        let document = Document::from_json(&text).unwrap();
        let now = Timestamp::from_unix_seconds(1_790_000_000);
        let answer = check_document(&text, 1_790_000_000.0).unwrap();
        let answer: DocumentCheck = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer, DocumentCheck::of(&document, now));
        assert!(answer.report.errors > 0);
    }

    #[test]
    fn a_document_that_does_not_read_is_refused_with_its_position() {
        let error = check_document("{\"schema\": 5}", 0.0).unwrap_err();
        let error: serde_json::Value = serde_json::from_str(&error).unwrap();
        assert_eq!(error["format"], "json");
        assert_eq!(error["line"], 1);
    }
}
