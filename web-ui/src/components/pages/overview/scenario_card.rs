use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use osdgate_model::model::Scenario;

use crate::field_focus::use_field_focus;
use crate::i18n::*;
use crate::page::Page;
use osdgate_model::preflight::scenario::{Readiness, ScenarioStatus};

/// One scenario: ready, blocked (with the blocking findings, each a way to its field) or not
/// configured (no deployment is meant for it).
#[component]
pub fn ScenarioCard(status: ScenarioStatus) -> impl IntoView {
    let i18n = use_i18n();
    let focus = use_field_focus();
    let navigate = use_navigate();
    let scenario = status.scenario;
    let title = move || match scenario {
        Scenario::BootMediaOverGateway => t_string!(i18n, scenario.boot_media).to_string(),
        Scenario::CloudContentFromBootMedia => t_string!(i18n, scenario.cloud_content).to_string(),
        Scenario::InPlaceUpgradeOverGateway => {
            t_string!(i18n, scenario.in_place_upgrade).to_string()
        }
        Scenario::SoftwareCenter => t_string!(i18n, scenario.software_center).to_string(),
    };
    let state = match status.readiness {
        Readiness::NotConfigured => "not-configured",
        Readiness::Blocked => "blocked",
        Readiness::Ready => "ready",
    };
    let readiness = status.readiness;
    let verdict = move || match readiness {
        Readiness::NotConfigured => t_string!(i18n, scenario.not_configured).to_string(),
        Readiness::Blocked => t_string!(i18n, scenario.blocked).to_string(),
        Readiness::Ready => t_string!(i18n, scenario.ready).to_string(),
    };
    let deployments = status.deployments.join(", ");
    let has_deployments = !status.deployments.is_empty();
    view! {
        <article class="card scenario" data-scenario=scenario.as_str() data-state=state>
            <h3>{title}</h3>
            <p class="verdict">{verdict}</p>
            {has_deployments.then(|| view! { <p class="muted">{t!(i18n, scenario.deployments)} " " {deployments}</p> })}
            <ul class="blocking">
                {status
                    .blocking
                    .into_iter()
                    .map(|finding| {
                        let path = finding.path.clone();
                        let navigate = navigate.clone();
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="link-button"
                                    on:click=move |_| {
                                        focus.request(&path);
                                        navigate(Page::owning(&path).path(), Default::default());
                                    }
                                >
                                    <code>{finding.rule}</code>
                                    " "
                                    {finding.message}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </article>
    }
}
