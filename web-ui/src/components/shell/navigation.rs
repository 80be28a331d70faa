use leptos::prelude::*;
use leptos_router::components::A;

use super::page_title;
use crate::document::use_document;
use crate::i18n::*;
use crate::page::Page;

/// The pages, in the admin's terms; each shows how many preflight errors concern it.
#[component]
pub fn Navigation() -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let report = store.report();
    view! {
        <nav class="navigation" aria-label=move || t_string!(i18n, nav.label).to_string()>
            <ul>
                {Page::ALL
                    .into_iter()
                    .map(|page| {
                        let errors = Memo::new(move |_| {
                            if page == Page::Overview {
                                return 0;
                            }
                            report.with(|r| {
                                r.report
                                    .findings
                                    .iter()
                                    .filter(|f| f.severity == osdgate_model::preflight::Severity::Error && page.shows(&f.path))
                                    .count()
                            })
                        });
                        view! {
                            <li>
                                <A href=page.path() exact=true>
                                    <span>{move || page_title(i18n, page)}</span>
                                    <Show when=move || { errors.get() > 0 }>
                                        <span class="badge error" title=move || t_string!(i18n, preflight.errors_here).to_string()>
                                            {move || errors.get()}
                                        </span>
                                    </Show>
                                </A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}
