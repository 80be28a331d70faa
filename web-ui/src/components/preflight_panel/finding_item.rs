use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use osdgate_model::preflight::{Finding, Severity};

use crate::field_focus::use_field_focus;
use crate::i18n::*;
use crate::page::Page;

/// One finding: severity, rule ID, what is wrong, the fix, the seed section, and a way to the field.
#[component]
pub fn FindingItem(finding: Finding) -> impl IntoView {
    let i18n = use_i18n();
    let focus = use_field_focus();
    let navigate = use_navigate();
    let path = finding.path.clone();
    let go_to_field = move |_| {
        focus.request(&path);
        navigate(Page::owning(&path).path(), Default::default());
    };
    let severity = finding.severity;
    let severity_label = move || match severity {
        Severity::Error => t_string!(i18n, preflight.error).to_string(),
        Severity::Warning => t_string!(i18n, preflight.warning).to_string(),
        Severity::Advice => t_string!(i18n, preflight.advice).to_string(),
    };
    view! {
        <li class="finding" data-severity=severity.as_str() data-rule=finding.rule.clone()>
            <p class="finding-head">
                <span class=format!("badge {}", severity.as_str())>{severity_label}</span>
                " "
                <code>{finding.rule.clone()}</code>
            </p>
            <p class="finding-message">{finding.message.clone()}</p>
            <p class="finding-fix">
                <strong>{t!(i18n, preflight.fix)}</strong>
                " "
                {finding.fix.clone()}
            </p>
            {finding.seed.clone().map(|seed| {
                view! {
                    <p class="finding-seed muted">
                        {t!(i18n, preflight.seed)}
                        " "
                        {format!("{} › {}", seed.file, seed.section)}
                    </p>
                }
            })}
            <button type="button" class="link-button" on:click=go_to_field>
                {t!(i18n, preflight.go_to_field)}
                " "
                <code>{finding.path.clone()}</code>
            </button>
        </li>
    }
}
