use leptos::prelude::*;

use super::document_menu::DocumentMenu;
use super::language_switch::LanguageSwitch;
use super::save_status::SaveStatus;
use super::theme_switch::ThemeSwitch;
use crate::i18n::*;

/// The console's name, the document's commands and the display preferences.
#[component]
pub fn TopBar() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="topbar">
            <div class="brand">
                <span class="brand-name">"osdgate"</span>
                <span class="tagline">{t!(i18n, app.tagline)}</span>
            </div>
            <DocumentMenu />
            <SaveStatus />
            <div class="preferences">
                <LanguageSwitch />
                <ThemeSwitch />
            </div>
        </header>
    }
}
