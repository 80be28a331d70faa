use leptos::prelude::*;

use super::field_findings::FieldFindings;
use super::field_id;

/// A labelled checkbox for the document value at `path`.
#[component]
pub fn CheckboxField(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] path: String,
    #[prop(into)] checked: Signal<bool>,
    on_change: Callback<bool>,
) -> impl IntoView {
    let id = field_id(&path);
    let described = format!("{id}-findings");
    view! {
        <div class="field checkbox">
            <input
                id=id.clone()
                type="checkbox"
                data-field-path=path.clone()
                aria-describedby=described.clone()
                prop:checked=checked
                on:change=move |event| on_change.run(event_target_checked(&event))
            />
            <label for=id>{label}</label>
            <FieldFindings path id=described />
        </div>
    }
}
