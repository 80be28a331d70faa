use leptos::prelude::*;

use crate::document::{CheckState, CheckedReport, use_document};
use crate::i18n::*;

/// Whether the working document validates into a plan (`Document::validate`), the only form that
/// can be published.
#[component]
pub fn PlanStatus() -> impl IntoView {
    let i18n = use_i18n();
    let report = use_document().report();
    let errors = Memo::new(move |_| report.with(|r| r.report.errors));
    let checked = Memo::new(move |_| report.with(|r| r.state != CheckState::Checking));
    view! {
        <p class="plan-status" data-testid="plan-status" data-ready=move || report.with(CheckedReport::is_plan).to_string()>
            {move || {
                let errors = errors.get();
                if !checked.get() {
                    t_string!(i18n, overview.checking).to_string()
                } else if errors == 0 {
                    t_string!(i18n, overview.plan_ready).to_string()
                } else {
                    t_string!(i18n, overview.plan_blocked, count = errors).to_string()
                }
            }}
        </p>
    }
}
