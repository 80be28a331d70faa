use leptos::prelude::*;

use super::field_findings::{FieldFindings, has_error_at};
use super::field_id;

/// A labelled choice among `options` (value, translated label) for the document value at `path`.
#[component]
pub fn SelectField(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] path: String,
    #[prop(into)] value: Signal<String>,
    options: Vec<(&'static str, Signal<String>)>,
    on_change: Callback<String>,
) -> impl IntoView {
    let id = field_id(&path);
    let described = format!("{id}-findings");
    let invalid_path = path.clone();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select
                id=id
                data-field-path=path.clone()
                aria-describedby=described.clone()
                aria-invalid=move || has_error_at(&invalid_path).to_string()
                prop:value=value
                on:change=move |event| on_change.run(event_target_value(&event))
            >
                {options
                    .into_iter()
                    .map(|(option, text)| {
                        view! { <option value=option selected=move || value.get() == option>{text}</option> }
                    })
                    .collect_view()}
            </select>
            <FieldFindings path id=described />
        </div>
    }
}
