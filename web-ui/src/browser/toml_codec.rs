//! TOML through the console's lazily loaded codec module (`web-ui/toml`): `osdgate_model`'s own
//! `Document::from_toml`/`to_toml`, fetched only when an admin imports or exports TOML, so the
//! first load does not carry it. Off wasm32 (native tests) the same functions run directly.

use osdgate_model::model::DocumentError;

/// Why a TOML conversion did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TomlCodecError {
    /// The text is not a valid document; where and why.
    #[error(transparent)]
    Refused(DocumentError),
    /// The document cannot be written as TOML.
    #[error("{0}")]
    NotWritable(String),
    /// The codec module could not be fetched or started (offline, an old cached console).
    #[error("the TOML reader could not be loaded ({0}); check the connection and try again")]
    Unavailable(String),
}

#[cfg(target_arch = "wasm32")]
mod codec {
    use wasm_bindgen::prelude::*;

    use osdgate_model::model::DocumentFormat;

    use super::TomlCodecError;
    use crate::browser::{BrowserError, document_error};

    #[wasm_bindgen(module = "/src/browser/toml_codec.js")]
    extern "C" {
        #[wasm_bindgen(catch)]
        async fn load_toml_codec() -> Result<JsValue, JsValue>;
    }

    /// Calls `name` of the codec module with `text`: `Ok` with its text, `Err` with what it threw.
    async fn call(name: &str, text: &str) -> Result<Result<String, String>, TomlCodecError> {
        const OPERATION: &str = "loading the TOML reader";
        let unavailable =
            |e: JsValue| TomlCodecError::Unavailable(BrowserError::js(OPERATION, e).reason);
        let module = load_toml_codec().await.map_err(unavailable)?;
        let function: js_sys::Function = js_sys::Reflect::get(&module, &JsValue::from_str(name))
            .map_err(unavailable)?
            .dyn_into()
            .map_err(|_| TomlCodecError::Unavailable(format!("the module has no `{name}`")))?;
        Ok(match function.call1(&JsValue::NULL, &JsValue::from_str(text)) {
            Ok(result) => Ok(result.as_string().unwrap_or_default()),
            Err(thrown) => Err(thrown.as_string().unwrap_or_else(|| format!("{thrown:?}"))),
        })
    }

    pub async fn toml_to_json(text: &str) -> Result<String, TomlCodecError> {
        call("toml_to_json", text)
            .await?
            .map_err(|json| TomlCodecError::Refused(document_error(&json, DocumentFormat::Toml)))
    }

    pub async fn json_to_toml(text: &str) -> Result<String, TomlCodecError> {
        call("json_to_toml", text).await?.map_err(TomlCodecError::NotWritable)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod codec {
    use osdgate_model::model::Document;

    use super::TomlCodecError;

    pub async fn toml_to_json(text: &str) -> Result<String, TomlCodecError> {
        Document::from_toml(text).map(|d| d.to_json()).map_err(TomlCodecError::Refused)
    }

    pub async fn json_to_toml(text: &str) -> Result<String, TomlCodecError> {
        let document =
            Document::from_json(text).map_err(|e| TomlCodecError::NotWritable(e.to_string()))?;
        document.to_toml().map_err(|e| TomlCodecError::NotWritable(e.to_string()))
    }
}

pub use codec::{json_to_toml, toml_to_json};
