//! Taking the admin to a field: a preflight finding names a JSON path (`gateways[0].public_url`);
//! the console opens the page that edits it and focuses and highlights the most specific element
//! on that page carrying the path (or one of its ancestors) in `data-field-path`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::page::path_and_ancestors;

pub const HIGHLIGHT_CLASS: &str = "field-highlight";

/// A pending request to focus a field; `Copy`, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct FieldFocus {
    request: RwSignal<Option<String>>,
}

impl FieldFocus {
    pub fn new() -> Self {
        FieldFocus { request: RwSignal::new(None) }
    }

    /// Asks for the field at `path` to be focused once its page is on screen.
    pub fn request(&self, path: &str) {
        self.request.set(Some(path.to_owned()));
    }

    pub fn pending(&self) -> RwSignal<Option<String>> {
        self.request
    }
}

impl Default for FieldFocus {
    fn default() -> Self {
        Self::new()
    }
}

pub fn use_field_focus() -> FieldFocus {
    expect_context::<FieldFocus>()
}

thread_local! {
    /// A field that was asked for but not on screen when the frames ran out: its page may come
    /// from the on-demand pages module, which renders once it is fetched.
    static UNRESOLVED: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Tries for a few frames (the page may still be rendering) to focus the element for `path`.
/// When it is not there by then, the request waits for [`focus_unresolved`].
pub fn focus_when_rendered(path: String, frames_left: u32) {
    UNRESOLVED.with(|unresolved| unresolved.borrow_mut().take());
    if focus_now(&path) {
        return;
    }
    if frames_left == 0 {
        UNRESOLVED.with(|unresolved| *unresolved.borrow_mut() = Some(path));
        return;
    }
    let retry = Closure::once_into_js(move || focus_when_rendered(path, frames_left - 1));
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(retry.unchecked_ref());
    }
}

/// Focuses the field a request is still waiting for, if it is now on screen (called when a page
/// of the pages module has rendered). A request whose field is not there stays waiting.
pub fn focus_unresolved() {
    if let Some(path) = UNRESOLVED.with(|unresolved| unresolved.borrow_mut().take()) {
        focus_when_rendered(path, 2);
    }
}

/// Forgets a request still waiting (the admin went to another page meanwhile).
pub fn forget_unresolved() {
    UNRESOLVED.with(|unresolved| unresolved.borrow_mut().take());
}

fn focus_now(path: &str) -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return true };
    let Some(element) = path_and_ancestors(path).into_iter().find_map(|candidate| {
        let selector = format!("[data-field-path=\"{}\"]", candidate.replace('"', "\\\""));
        document.query_selector(&selector).ok().flatten()
    }) else {
        return false;
    };
    if let Ok(previous) = document.query_selector_all(&format!(".{HIGHLIGHT_CLASS}")) {
        for index in 0..previous.length() {
            if let Some(node) =
                previous.item(index).and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            {
                let _ = node.class_list().remove_1(HIGHLIGHT_CLASS);
            }
        }
    }
    let _ = element.class_list().add_1(HIGHLIGHT_CLASS);
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Center);
    element.scroll_into_view_with_scroll_into_view_options(&options);
    if let Ok(html) = element.dyn_into::<web_sys::HtmlElement>() {
        if html.tab_index() < 0 && !html.has_attribute("tabindex") {
            let _ = html.set_attribute("tabindex", "-1");
        }
        let _ = html.focus();
    }
    true
}
