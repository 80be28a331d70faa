//! The on-demand pages module (`web-ui/pages`): fetched the first time one of its pages is
//! opened, so the first load does not carry it. This is the main module's side of the calls; the
//! words that cross are in [`crate::on_demand::bridge`].

use wasm_bindgen::prelude::*;

use crate::browser::BrowserError;

/// Why a page of the pages module is not on screen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagesModuleError {
    /// The module could not be fetched or started (offline, an old cached console).
    #[error("this page could not be loaded ({0}); check the connection and reload the page")]
    Unavailable(String),
    /// The module is there but refused or failed to show the page.
    #[error("this page could not be shown: {0}")]
    Failed(String),
}

#[wasm_bindgen(module = "/src/browser/pages_module.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn load_pages_module() -> Result<JsValue, JsValue>;
}

/// The loaded module.
#[derive(Debug, Clone)]
pub struct PagesModule(JsValue);

/// What the main module hands a page when it mounts it.
#[derive(Debug)]
pub struct MountRequest<'a> {
    /// The page's name in the module's registry (`boundary-groups`).
    pub name: &'a str,
    pub document_json: &'a str,
    pub report_json: &'a str,
    pub locale: &'a str,
    /// Called by the page with (kind, document JSON, field path) for every request.
    pub send: &'a js_sys::Function,
}

/// A page of the module on screen; [`MountedPage::unmount`] takes it off.
#[derive(Debug)]
pub struct MountedPage(JsValue);

fn function(of: &JsValue, name: &str) -> Result<js_sys::Function, String> {
    js_sys::Reflect::get(of, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| format!("the pages module has no `{name}`"))
}

fn thrown(error: JsValue) -> String {
    BrowserError::js("the pages module", error).reason
}

/// Fetches the module (once; a failed fetch is tried again next time).
pub async fn load() -> Result<PagesModule, PagesModuleError> {
    load_pages_module()
        .await
        .map(PagesModule)
        .map_err(|error| PagesModuleError::Unavailable(thrown(error)))
}

impl PagesModule {
    /// Renders the page `request.name` into `host`.
    pub fn mount(
        &self,
        host: &web_sys::HtmlElement,
        request: MountRequest<'_>,
    ) -> Result<MountedPage, PagesModuleError> {
        let mount = function(&self.0, "mount").map_err(PagesModuleError::Unavailable)?;
        let arguments = js_sys::Array::new();
        for argument in [
            host.as_ref(),
            &JsValue::from_str(request.name),
            &JsValue::from_str(request.document_json),
            &JsValue::from_str(request.report_json),
            &JsValue::from_str(request.locale),
            request.send.as_ref(),
        ] {
            arguments.push(argument);
        }
        mount
            .apply(&JsValue::NULL, &arguments)
            .map(MountedPage)
            .map_err(|error| PagesModuleError::Failed(thrown(error)))
    }
}

impl MountedPage {
    fn call(&self, name: &str, text: &str) -> Result<(), PagesModuleError> {
        let method = function(&self.0, name).map_err(PagesModuleError::Failed)?;
        method
            .call1(&self.0, &JsValue::from_str(text))
            .map(|_| ())
            .map_err(|error| PagesModuleError::Failed(thrown(error)))
    }

    /// The owner's document changed (an edit, an undo, an import).
    pub fn set_document(&self, json: &str) -> Result<(), PagesModuleError> {
        self.call("set_document", json)
    }

    /// A new preflight report ([`crate::on_demand::bridge::encode_report`]).
    pub fn set_report(&self, json: &str) -> Result<(), PagesModuleError> {
        self.call("set_report", json)
    }

    /// The admin switched the language (`en`, `de`, `nl`).
    pub fn set_locale(&self, tag: &str) -> Result<(), PagesModuleError> {
        self.call("set_locale", tag)
    }

    /// Takes the page off the screen and frees what it held.
    pub fn unmount(self) -> Result<(), PagesModuleError> {
        let method = function(&self.0, "unmount").map_err(PagesModuleError::Failed)?;
        method.call0(&self.0).map(|_| ()).map_err(|error| PagesModuleError::Failed(thrown(error)))
    }
}
