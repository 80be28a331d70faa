mod finding_item;

use leptos::prelude::*;
use osdgate_model::preflight::Severity;

use crate::document::{CheckState, CheckedReport, use_document};
use crate::i18n::*;
use crate::page::Page;
use finding_item::FindingItem;

/// `osdgate check`'s findings for what the current page shows, live as the document changes.
#[component]
pub fn PreflightPanel(current: Memo<Option<Page>>) -> impl IntoView {
    let i18n = use_i18n();
    let report = use_document().report();
    let shown = Memo::new(move |_| {
        let page = current.get().unwrap_or(Page::Overview);
        report.with(|checked| {
            checked
                .report
                .findings
                .iter()
                .filter(|f| page.shows(&f.path))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let count = move |severity: Severity| {
        shown.with(|f| f.iter().filter(|f| f.severity == severity).count())
    };
    view! {
        <aside
            class="preflight-panel"
            aria-labelledby="preflight-heading"
            data-check-microseconds=move || (report.with(|r| r.milliseconds) * 1000.0) as u64
            data-state=move || report.with(CheckedReport::state_name)
            aria-busy=move || report.with(|r| r.state == CheckState::Checking).to_string()
        >
            <h2 id="preflight-heading">{t!(i18n, preflight.title)}</h2>
            {move || report.with(|r| match &r.state {
                CheckState::Failed(reason) => Some(view! {
                    <p class="check-failed" role="alert">
                        {t_string!(i18n, preflight.check_failed, reason = reason.clone()).to_string()}
                    </p>
                }),
                _ => None,
            })}
            <p class="preflight-summary" data-testid="preflight-summary" data-errors=move || count(Severity::Error)>
                {move || {
                    if !report.with(|r| r.received) {
                        return t_string!(i18n, overview.checking).to_string();
                    }
                    let errors = count(Severity::Error);
                    let warnings = count(Severity::Warning);
                    let advice = count(Severity::Advice);
                    if errors + warnings + advice == 0 {
                        t_string!(i18n, preflight.clean).to_string()
                    } else {
                        t_string!(i18n, preflight.counts, errors = errors, warnings = warnings, advice = advice).to_string()
                    }
                }}
            </p>
            <ul class="findings">
                <For
                    each=move || shown.get().into_iter().enumerate()
                    key=|(index, finding)| (*index, finding.rule.clone(), finding.path.clone(), finding.message.clone())
                    children=move |(_, finding)| view! { <FindingItem finding /> }
                />
            </ul>
        </aside>
    }
}
