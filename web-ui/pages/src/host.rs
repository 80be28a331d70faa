//! This module's side of the bridge: a page mounted into the main module's host element, with a
//! mirror of the main module's document, its report and its language.

use std::cell::RefCell;
use std::rc::Rc;
use std::str::FromStr;

use leptos::mount::mount_to;
use leptos::prelude::*;
use osdgate_console::document::{DocumentStore, HostRequest};
use osdgate_console::on_demand::bridge::decode_report;
use osdgate_model::model::Document;
use wasm_bindgen::JsValue;

use crate::i18n::I18nContextProvider as PagesI18n;
use crate::registry::PageEntry;
use osdgate_console::i18n::I18nContextProvider as ConsoleI18n;

/// A mounted page: dropping it unmounts the page and disposes everything it created.
pub struct Mounted {
    store: DocumentStore,
    locale: RwSignal<String>,
    /// The document text last received or sent: its echo from the main module is not parsed again.
    seen: Rc<RefCell<String>>,
    _view: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

impl std::fmt::Debug for Mounted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mounted").field("locale", &self.locale).finish_non_exhaustive()
    }
}

/// The page's mirror store and its language signal, set once the page has rendered.
type MirrorParts = (DocumentStore, RwSignal<String>);

impl Mounted {
    pub fn mount(
        host: web_sys::HtmlElement,
        page: &PageEntry,
        document_json: &str,
        report_json: &str,
        locale: &str,
        send: js_sys::Function,
    ) -> Result<Self, String> {
        let document = Document::from_json(document_json)
            .map_err(|error| format!("the document from the console did not read: {error}"))?;
        let seen = Rc::new(RefCell::new(document_json.to_owned()));
        let report = decode_report(report_json);
        let parts: Rc<RefCell<Option<MirrorParts>>> = Rc::default();
        let view = page.view;
        let out = parts.clone();
        let sent = seen.clone();
        let locale = locale.to_owned();
        let handle = mount_to(host, move || {
            let store = DocumentStore::mirror(document, move |request: HostRequest| {
                if let HostRequest::Commit { json, .. } = &request {
                    sent.borrow_mut().clone_from(json);
                }
                let (kind, json, field) = request.into_message();
                let text = |value: Option<String>| value.map_or(JsValue::NULL, JsValue::from);
                if let Err(error) =
                    send.call3(&JsValue::NULL, &JsValue::from_str(kind), &text(json), &text(field))
                {
                    web_sys::console::error_2(&"the console refused an edit:".into(), &error);
                }
            });
            store.receive_report(report);
            let locale = RwSignal::new(locale);
            *out.borrow_mut() = Some((store, locale));
            provide_context(store);
            view! {
                // The main module's translations (its field components use them) and this
                // module's own; the page sets <html lang>, not this module.
                <ConsoleI18n set_lang_attr_on_html=false>
                    <PagesI18n set_lang_attr_on_html=false>
                        <FollowLanguage locale />
                        {view()}
                    </PagesI18n>
                </ConsoleI18n>
            }
            .into_any()
        });
        let (store, locale) =
            parts.borrow_mut().take().ok_or("the page did not render its document")?;
        Ok(Mounted { store, locale, seen, _view: handle })
    }

    pub fn set_document(&self, json: &str) -> Result<(), String> {
        if *self.seen.borrow() == json {
            return Ok(());
        }
        let document = Document::from_json(json)
            .map_err(|error| format!("the document from the console did not read: {error}"))?;
        *self.seen.borrow_mut() = json.to_owned();
        self.store.receive(document);
        Ok(())
    }

    pub fn set_report(&self, json: &str) {
        self.store.receive_report(decode_report(json));
    }

    pub fn set_locale(&self, tag: &str) {
        self.locale.set(tag.to_owned());
    }
}

/// Shows the page in the main module's language: this module's own translations and the main
/// module's (its field components use them) follow every switch.
#[component]
fn FollowLanguage(locale: RwSignal<String>) -> impl IntoView {
    let shared = osdgate_console::i18n::use_i18n();
    let own = crate::i18n::use_i18n();
    // An effect, not a plain call: each i18n context sets its initial locale (the browser's) in
    // an effect of its own, which runs first and would undo a choice made here and now.
    Effect::new(move |_| {
        let tag = locale.get();
        if let Ok(language) = osdgate_console::i18n::Locale::from_str(&tag) {
            shared.set_locale(language);
        }
        if let Ok(language) = crate::i18n::Locale::from_str(&tag) {
            own.set_locale(language);
        }
    });
}
