use leptos::prelude::*;

use super::field_findings::{FieldFindings, has_error_at};
use super::field_id;
use crate::document::use_document;

/// A labelled text input for the document value at `path`.
#[component]
pub fn TextField(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] path: String,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional, into)] input_type: Option<&'static str>,
) -> impl IntoView {
    let store = use_document();
    let id = field_id(&path);
    let described = format!("{id}-findings");
    let invalid_path = path.clone();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=input_type.unwrap_or("text")
                data-field-path=path.clone()
                aria-describedby=described.clone()
                aria-invalid=move || has_error_at(&invalid_path).to_string()
                placeholder=placeholder
                autocomplete="off"
                spellcheck="false"
                prop:value=value
                on:input=move |event| on_input.run(event_target_value(&event))
                on:blur=move |_| store.seal()
            />
            <FieldFindings path id=described />
        </div>
    }
}
