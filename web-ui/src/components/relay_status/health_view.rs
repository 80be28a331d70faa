use leptos::prelude::*;
use osdgate_model::api::Health;

use super::binding::Binding;
use crate::i18n::*;

/// The relay's name, version and build, and one line per storage binding.
#[component]
pub fn HealthView(health: Health) -> impl IntoView {
    let i18n = use_i18n();
    let overall = if health.all_bindings_reachable() { "ok" } else { "degraded" };
    view! {
        <dl class="facts" data-state=overall>
            <dt>{t!(i18n, relay.name)}</dt>
            <dd data-testid="relay-name">{health.name}</dd>
            <dt>{t!(i18n, relay.version)}</dt>
            <dd data-testid="relay-version">{health.version}</dd>
            <dt>{t!(i18n, relay.build)}</dt>
            <dd data-testid="relay-build">{health.build}</dd>
        </dl>
        <h3>{t!(i18n, relay.storage)}</h3>
        <ul class="bindings">
            {health.bindings.into_iter().map(|binding| view! { <Binding binding /> }).collect_view()}
        </ul>
    }
}
