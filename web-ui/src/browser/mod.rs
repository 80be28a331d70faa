//! The browser APIs the console uses besides the DOM Leptos renders: local storage for small
//! preferences, IndexedDB for the working document, file reading and downloads. Every failure is a
//! typed error with the operation that failed; nothing here panics.

pub mod checker;
pub mod idb;
pub mod jobs;
pub mod pages_module;
pub mod toml_codec;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A failed browser operation, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: {reason}")]
pub struct BrowserError {
    pub operation: &'static str,
    pub reason: String,
}

impl BrowserError {
    pub fn new(operation: &'static str, reason: impl Into<String>) -> Self {
        BrowserError { operation, reason: reason.into() }
    }

    /// Wraps a JavaScript exception, keeping its message.
    pub fn js(operation: &'static str, error: JsValue) -> Self {
        let reason = error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| error.as_string())
            .unwrap_or_else(|| format!("{error:?}"));
        BrowserError { operation, reason }
    }
}

/// A `DocumentError` an on-demand module sent as JSON (format, line, column, message); text that
/// is not such JSON becomes the message.
#[cfg(any(target_arch = "wasm32", test))]
pub(crate) fn document_error(
    json: &str,
    format: osdgate_model::model::DocumentFormat,
) -> osdgate_model::model::DocumentError {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let position =
        |key: &str| value.get(key).and_then(serde_json::Value::as_u64).map(|n| n as usize);
    osdgate_model::model::DocumentError {
        format,
        line: position("line"),
        column: position("column"),
        message: value
            .get("message")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| json.to_owned(), str::to_owned),
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A preference from local storage (`None` when absent or when storage is unavailable).
pub fn preference(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

/// Remembers a preference; a browser without storage simply forgets it on reload.
pub fn remember(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// A value kept for this tab only (`sessionStorage`); `None` when absent or unavailable.
pub fn session_value(key: &str) -> Option<String> {
    session_storage()?.get_item(key).ok().flatten()
}

/// Keeps a value for this tab only; without `sessionStorage` it lives in memory alone and a reload
/// forgets it.
pub fn keep_in_session(key: &str, value: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(key, value);
    }
}

pub fn forget_in_session(key: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(key);
    }
}

/// Milliseconds since the page started (for measurements), 0 when unavailable.
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Seconds since the Unix epoch, from the browser's clock.
pub fn unix_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// The bytes of a file the admin picked or dropped.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, BrowserError> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| BrowserError::js("reading the file", e))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Offers `text` as a download named `name`.
pub fn download(name: &str, mime_type: &str, text: &str) -> Result<(), BrowserError> {
    const OPERATION: &str = "preparing the download";
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime_type);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| BrowserError::js(OPERATION, e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|e| BrowserError::js(OPERATION, e))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| BrowserError::new(OPERATION, "no document"))?;
    let anchor: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(|e| BrowserError::js(OPERATION, e))?.unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // The click has started the download; the URL is no longer needed.
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

#[cfg(test)]
mod tests {
    use osdgate_model::model::DocumentFormat;

    #[test]
    fn a_refusal_keeps_its_position() {
        let error = super::document_error(
            r#"{"format":"toml","line":3,"column":8,"message":"invalid type"}"#,
            DocumentFormat::Toml,
        );
        assert_eq!((error.line, error.column), (Some(3), Some(8)));
        assert_eq!(error.to_string(), "line 3, column 8: invalid type");
        assert_eq!(super::document_error("garbage", DocumentFormat::Json).message, "garbage");
    }
}
