//! The console's TOML codec. Reading and writing TOML is a third of what the console would
//! otherwise download on first load, and most admins never touch a TOML file in the browser, so it
//! is its own WebAssembly module that the console fetches the first time it is needed
//! (`web-ui/src/browser/toml_codec.js`). Both directions are `osdgate_model`'s own
//! `Document::from_toml` and `Document::to_toml`, so the console reads and writes exactly what the
//! CLI does; the console's side of the exchange is JSON, which it already reads and writes.

use osdgate_model::model::Document;
use wasm_bindgen::prelude::wasm_bindgen;

/// A TOML document → the same document as JSON. A refusal is the `DocumentError` (format, line,
/// column, message) as JSON.
#[wasm_bindgen]
pub fn toml_to_json(text: &str) -> Result<String, String> {
    Document::from_toml(text).map(|document| document.to_json()).map_err(|error| {
        serde_json::to_string(&error)
            .unwrap_or_else(|_| format!("{{\"message\":{:?}}}", error.message))
    })
}

/// A JSON document (as the console holds it) → TOML. A refusal is a plain message.
#[wasm_bindgen]
pub fn json_to_toml(text: &str) -> Result<String, String> {
    let document = Document::from_json(text).map_err(|error| error.to_string())?;
    document.to_toml().map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../examples/boot-media-over-gateway.toml");

    #[test]
    fn both_directions_are_the_models_own() {
        let json = toml_to_json(EXAMPLE).unwrap();
        let document = Document::from_json(&json).unwrap();
        assert_eq!(document, Document::from_toml(EXAMPLE).unwrap());
        let toml = json_to_toml(&json).unwrap();
        assert_eq!(Document::from_toml(&toml).unwrap(), document);
    }

    #[test]
    fn a_refusal_carries_the_position() {
        let error = toml_to_json("schema = \"osdgate/v1\"\n[site]\ncode = 5\n").unwrap_err();
        let error: serde_json::Value = serde_json::from_str(&error).unwrap();
        assert_eq!(error["format"], "toml");
        assert_eq!(error["line"], 3);
        assert!(error["message"].as_str().unwrap().contains("string"), "{error}");
        assert!(json_to_toml("{").unwrap_err().contains("line 1"));
    }
}
