mod plan_status;
mod scenario_card;

use leptos::prelude::*;

use super::super::relay_status::RelayStatus;
use crate::document::use_document;
use crate::i18n::*;
use plan_status::PlanStatus;
use scenario_card::ScenarioCard;

/// Where the deployment stands: per scenario of the seeds, ready or blocked (and by what), whether
/// the document is a publishable plan, and the relay's health.
#[component]
pub fn Overview() -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    // The checker worker answers with the scenarios' readiness beside the report.
    let report = store.report();
    let statuses = Memo::new(move |_| report.with(|r| r.scenarios.clone()));
    view! {
        <h1>{t!(i18n, nav.overview)}</h1>
        <PlanStatus />
        <section aria-labelledby="scenarios-heading">
            <h2 id="scenarios-heading">{t!(i18n, overview.scenarios)}</h2>
            <div class="scenario-grid">
                {move || statuses.get().into_iter().map(|status| view! { <ScenarioCard status /> }).collect_view()}
            </div>
        </section>
        <RelayStatus />
    }
}
