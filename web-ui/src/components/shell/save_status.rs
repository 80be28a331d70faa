use leptos::prelude::*;

use crate::document::{SaveState, use_document};
use crate::i18n::*;

/// Whether the working document is safe in the browser.
#[component]
pub fn SaveStatus() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_document().save_state();
    view! {
        <p class="save-status" data-testid="save-status" data-state=move || match state.get() {
            SaveState::Loading => "loading",
            SaveState::Saved => "saved",
            SaveState::Saving => "saving",
            SaveState::Failed(_) => "failed",
        }>
            {move || match state.get() {
                SaveState::Loading => t_string!(i18n, document.loading).to_string(),
                SaveState::Saved => t_string!(i18n, document.saved).to_string(),
                SaveState::Saving => t_string!(i18n, document.saving).to_string(),
                SaveState::Failed(reason) => format!("{} {reason}", t_string!(i18n, document.save_failed)),
            }}
        </p>
    }
}
