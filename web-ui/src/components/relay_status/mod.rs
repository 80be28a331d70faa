mod binding;
mod health_view;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::*;
use crate::relay::{self, RelayError};
use health_view::HealthView;
use osdgate_model::api::Health;

/// The relay's identity and the state of its storage bindings, fetched once on load. A relay that
/// cannot be reached or answers wrongly is said in words, in place.
#[component]
pub fn RelayStatus() -> impl IntoView {
    let i18n = use_i18n();
    // A signal filled by one task rather than a resource under `Suspense`: the async resource
    // machinery is a sizeable part of the first load, and this is its only use.
    let health = RwSignal::new(None::<Result<Health, RelayError>>);
    // `try_set`: the page may be gone by the time the relay answers.
    spawn_local(async move {
        let _ = health.try_set(Some(relay::health().await));
    });
    view! {
        <section class="card" aria-labelledby="relay-heading">
            <h2 id="relay-heading">{t!(i18n, relay.heading)}</h2>
            {move || match health.get() {
                None => view! { <p class="muted">{t!(i18n, relay.contacting)}</p> }.into_any(),
                Some(Ok(health)) => view! { <HealthView health /> }.into_any(),
                Some(Err(error)) => {
                    view! { <p class="error-text" role="alert">{error.to_string()}</p> }.into_any()
                }
            }}
        </section>
    }
}
