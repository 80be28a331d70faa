//! The console's on-demand pages module: the pages beyond the shell, the overview and the site
//! editors, rendered by Leptos in a WebAssembly module of their own that the console fetches the
//! first time one of them is opened (`/pkg/pages/`), so none of it weighs on the first load.
//!
//! The main module renders a host element for such a page and calls [`mount`] with the page's
//! name, the document as JSON, the preflight report and the language; the page here works on a
//! mirror of the document ([`osdgate_console::document::DocumentStore::mirror`]) and hands every
//! edit back as a whole new document, which the main module's store commits (undo, autosave and
//! the checker stay there). The words on the wire are `osdgate_console::on_demand::bridge`.
//!
//! A page is one folder `src/<page>/` and one line in [`registry::PAGES`].

mod boundary_groups;
mod host;
pub mod registry;
mod widgets;

#[allow(missing_debug_implementations, clippy::all)]
mod generated {
    // The `i18n` module leptos_i18n generates from `locales/*.json` (see build.rs).
    include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
}
pub use generated::i18n;

use wasm_bindgen::prelude::*;

/// A page of this module on screen, as the main module holds it.
#[wasm_bindgen]
#[derive(Debug)]
pub struct MountedPage {
    page: Option<host::Mounted>,
}

/// Renders the page `name` into `host` with the document (`document` JSON), the preflight report
/// (`report`, the bridge's JSON) and the language (`locale`: `en`, `de` or `nl`). `send` is
/// called with (kind, document JSON, field path) for every edit, seal, undo and redo.
#[wasm_bindgen]
pub fn mount(
    host: web_sys::HtmlElement,
    name: &str,
    document: &str,
    report: &str,
    locale: &str,
    send: js_sys::Function,
) -> Result<MountedPage, JsError> {
    console_error_panic_hook::set_once();
    let page = registry::find(name).ok_or_else(|| {
        JsError::new(&format!(
            "the pages module has no page `{name}` (it has: {})",
            registry::names().join(", ")
        ))
    })?;
    let mounted = host::Mounted::mount(host, page, document, report, locale, send)
        .map_err(|reason| JsError::new(&reason))?;
    Ok(MountedPage { page: Some(mounted) })
}

#[wasm_bindgen]
impl MountedPage {
    /// The main module's document changed (an edit, an undo, an import).
    pub fn set_document(&self, json: &str) -> Result<(), JsError> {
        match &self.page {
            Some(page) => page.set_document(json).map_err(|reason| JsError::new(&reason)),
            None => Ok(()),
        }
    }

    /// A new preflight report.
    pub fn set_report(&self, json: &str) {
        if let Some(page) = &self.page {
            page.set_report(json);
        }
    }

    /// The admin chose another language.
    pub fn set_locale(&self, tag: &str) {
        if let Some(page) = &self.page {
            page.set_locale(tag);
        }
    }

    /// Takes the page off the screen; later calls do nothing.
    pub fn unmount(&mut self) {
        self.page = None;
    }
}
