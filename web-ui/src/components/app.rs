use leptos::prelude::*;
use leptos_router::components::Router;

use super::shell::Shell;
use crate::document::DocumentStore;
use crate::field_focus::FieldFocus;
use crate::i18n::{I18nContextProvider, use_i18n};
use crate::preferences;

/// The console's root: translations, the working document and the router around the page frame.
#[component]
pub fn App() -> impl IntoView {
    provide_context(DocumentStore::persisted());
    provide_context(FieldFocus::new());
    view! {
        <I18nContextProvider set_lang_attr_on_html=true>
            <RememberedLanguage />
            <Router>
                <Shell />
            </Router>
        </I18nContextProvider>
    }
}

/// Restores the language chosen before and remembers each new choice.
#[component]
fn RememberedLanguage() -> impl IntoView {
    let i18n = use_i18n();
    let saved = preferences::saved_language();
    // An effect, not a plain call: the i18n context sets its initial locale (the browser's) in an
    // effect of its own, which runs first and would undo a choice restored here and now.
    Effect::new(move |previous: Option<()>| {
        if previous.is_none()
            && let Some(locale) = saved
        {
            i18n.set_locale(locale);
        }
        preferences::remember_language(i18n.get_locale());
    });
}
