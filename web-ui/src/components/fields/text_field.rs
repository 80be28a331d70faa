use leptos::prelude::*;

use super::field_findings::{FieldFindings, has_error_at};
use super::field_id;
use crate::document::use_document;

/// A labelled text input for the document value at `path`. `problem` is what is wrong with the
/// text as typed, before it can become a document value at all (an address that does not read):
/// shown at the field, which is then invalid, while the document keeps its last good value.
#[component]
pub fn TextField(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] path: String,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional, into)] input_type: Option<&'static str>,
    #[prop(optional, into)] problem: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let store = use_document();
    let id = field_id(&path);
    let described = format!("{id}-findings");
    let problem_id = format!("{id}-problem");
    let invalid_path = path.clone();
    let problem = problem.unwrap_or_else(|| Signal::stored(None));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=input_type.unwrap_or("text")
                data-field-path=path.clone()
                aria-describedby=format!("{described} {problem_id}")
                aria-invalid=move || (problem.with(Option::is_some) || has_error_at(&invalid_path)).to_string()
                placeholder=placeholder
                autocomplete="off"
                spellcheck="false"
                prop:value=value
                on:input=move |event| on_input.run(event_target_value(&event))
                on:blur=move |_| store.seal()
            />
            <p class="field-problem" id=problem_id hidden=move || problem.with(Option::is_none)>
                {move || problem.get()}
            </p>
            <FieldFindings path id=described />
        </div>
    }
}
