use leptos::prelude::*;

use super::relay_status::RelayStatus;

/// The console's root: the page frame, with every failure shown in place by an `ErrorBoundary`.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="topbar">
            <h1>"osdgate"</h1>
            <p class="tagline">"Reimage remote Windows devices from boot media, over the internet."</p>
        </header>
        <main>
            <ErrorBoundary fallback=|errors| {
                view! {
                    <section class="card error" role="alert">
                        <h2>"Something went wrong"</h2>
                        <ul>
                            {move || {
                                errors
                                    .get()
                                    .into_iter()
                                    .map(|(_, e)| view! { <li>{e.to_string()}</li> })
                                    .collect_view()
                            }}
                        </ul>
                    </section>
                }
            }>
                <RelayStatus />
            </ErrorBoundary>
        </main>
    }
}
