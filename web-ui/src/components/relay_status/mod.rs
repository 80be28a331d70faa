mod binding;
mod health_view;

use leptos::prelude::*;

use crate::relay;
use health_view::HealthView;

/// The relay's identity and the state of its storage bindings, fetched once on load.
#[component]
pub fn RelayStatus() -> impl IntoView {
    let health = LocalResource::new(relay::health);
    view! {
        <section class="card" aria-labelledby="relay-heading">
            <h2 id="relay-heading">"Relay"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Contacting the relay…"</p> }>
                {move || Suspend::new(async move { health.await.map(|health| view! { <HealthView health /> }) })}
            </Suspense>
        </section>
    }
}
