use leptos::prelude::*;
use osdgate_model::api::BindingStatus;

use crate::i18n::*;

/// One storage binding and whether it answered the relay's probe.
#[component]
pub fn Binding(binding: BindingStatus) -> impl IntoView {
    let i18n = use_i18n();
    let reachable = binding.reachable;
    let state = if reachable { "ok" } else { "down" };
    let test_id = format!("binding-{}", binding.name);
    view! {
        <li data-state=state data-testid=test_id>
            <strong>{binding.name}</strong>
            " "
            <span class="kind">{format!("{:?}", binding.kind).to_uppercase()}</span>
            " — "
            {move || {
                if reachable {
                    t_string!(i18n, relay.reachable).to_string()
                } else {
                    t_string!(i18n, relay.unreachable).to_string()
                }
            }}
            {binding.error.map(|error| view! { <span class="muted">{format!(" ({error})")}</span> })}
        </li>
    }
}
