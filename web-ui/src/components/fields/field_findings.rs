use leptos::prelude::*;
use osdgate_model::preflight::Finding;

use crate::document::use_document;

/// The findings about exactly `path`, beside its field (the field refers to them with
/// `aria-describedby`).
#[component]
pub fn FieldFindings(#[prop(into)] path: String, #[prop(into)] id: String) -> impl IntoView {
    let report = use_document().report();
    let findings = Memo::new(move |_| {
        report.with(|r| {
            r.report.findings.iter().filter(|f| f.path == path).cloned().collect::<Vec<Finding>>()
        })
    });
    view! {
        <ul class="field-findings" id=id>
            {move || {
                findings
                    .get()
                    .into_iter()
                    .map(|f| {
                        view! {
                            <li data-severity=f.severity.as_str()>
                                <code>{f.rule}</code>
                                " "
                                {f.message}
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}

/// Whether any error is reported at exactly `path` (for `aria-invalid`).
pub fn has_error_at(path: &str) -> bool {
    use_document().report().with(|r| {
        r.report
            .findings
            .iter()
            .any(|f| f.path == path && f.severity == osdgate_model::preflight::Severity::Error)
    })
}
