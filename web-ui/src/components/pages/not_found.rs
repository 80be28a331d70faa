use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::*;

/// An address that is no page of the console.
#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card">
            <h1>{t!(i18n, not_found.title)}</h1>
            <p>
                <A href="/">{t!(i18n, not_found.back)}</A>
            </p>
        </section>
    }
}
