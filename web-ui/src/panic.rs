//! The panic hook: a bug must not leave a blank page. The panic goes to the browser console with
//! its stack, and a banner built with plain DOM calls (the reactive system may be the thing that
//! failed) tells the admin that the work is saved and offers a reload.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::i18n::Locale;

const BANNER_ID: &str = "console-failure";

pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_banner();
    }));
}

/// The language the page is shown in (`<html lang>`, kept by the i18n context).
fn page_locale(document: &web_sys::Document) -> Locale {
    document
        .document_element()
        .and_then(|root| root.get_attribute("lang"))
        .and_then(|lang| lang.parse().ok())
        .unwrap_or_default()
}

fn show_banner() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if document.get_element_by_id(BANNER_ID).is_some() {
        return;
    }
    let locale = page_locale(&document);
    let (Ok(banner), Ok(text), Ok(button), Some(body)) = (
        document.create_element("div"),
        document.create_element("p"),
        document.create_element("button"),
        document.body(),
    ) else {
        return;
    };
    banner.set_id(BANNER_ID);
    let _ = banner.set_attribute("role", "alert");
    let _ = banner.set_attribute("class", "failure-banner");
    text.set_text_content(Some(crate::i18n::td_string!(locale, failure.message)));
    button.set_text_content(Some(crate::i18n::td_string!(locale, failure.reload)));
    let _ = button.set_attribute("type", "button");
    let reload = Closure::<dyn Fn()>::new(|| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    let _ = button.add_event_listener_with_callback("click", reload.as_ref().unchecked_ref());
    // The banner lives as long as the page: so does its listener.
    reload.forget();
    let _ = banner.append_child(&text);
    let _ = banner.append_child(&button);
    let _ = body.prepend_with_node_1(&banner);
}
