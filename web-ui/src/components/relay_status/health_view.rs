use leptos::prelude::*;
use osdgate_model::api::Health;

use super::binding::Binding;

/// The relay's name, version and build, and one line per storage binding.
#[component]
pub fn HealthView(health: Health) -> impl IntoView {
    let overall = if health.all_bindings_reachable() { "ok" } else { "degraded" };
    view! {
        <dl class="facts" data-state=overall>
            <dt>"Name"</dt>
            <dd data-testid="relay-name">{health.name}</dd>
            <dt>"Version"</dt>
            <dd data-testid="relay-version">{health.version}</dd>
            <dt>"Build"</dt>
            <dd data-testid="relay-build">{health.build}</dd>
        </dl>
        <h3>"Storage"</h3>
        <ul class="bindings">
            {health.bindings.into_iter().map(|binding| view! { <Binding binding /> }).collect_view()}
        </ul>
    }
}
