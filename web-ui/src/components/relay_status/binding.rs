use leptos::prelude::*;
use osdgate_model::api::BindingStatus;

/// One storage binding and whether it answered the relay's probe.
#[component]
pub fn Binding(binding: BindingStatus) -> impl IntoView {
    let (state, label) =
        if binding.reachable { ("ok", "reachable") } else { ("down", "unreachable") };
    let test_id = format!("binding-{}", binding.name);
    view! {
        <li data-state=state data-testid=test_id>
            <strong>{binding.name}</strong>
            " "
            <span class="kind">{format!("{:?}", binding.kind).to_uppercase()}</span>
            " — "
            {label}
            {binding.error.map(|error| view! { <span class="muted">{format!(" ({error})")}</span> })}
        </li>
    }
}
