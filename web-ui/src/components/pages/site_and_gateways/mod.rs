mod distribution_point_editor;
mod gateway_editor;
mod site_form;

use leptos::prelude::*;
use osdgate_model::model::{CertificateKind, DistributionPoint, Gateway, GatewayCertificate};

use crate::document::use_document;
use crate::i18n::*;
use distribution_point_editor::DistributionPointEditor;
use gateway_editor::GatewayEditor;
use site_form::SiteForm;

/// The first free ID of the form `{prefix}{n}` among gateways and distribution points (one
/// namespace, rule OSDG-DOC-001).
fn free_id(prefix: &str, taken: &[&str]) -> String {
    (1..)
        .map(|n| format!("{prefix}{n}"))
        .find(|id| !taken.contains(&id.as_str()))
        .unwrap_or_default()
}

/// The site, its gateways and its on-premises distribution points.
#[component]
pub fn SiteAndGateways() -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let gateway_count = Memo::new(move |_| store.with(|d| d.gateways.len()));
    let point_count = Memo::new(move |_| store.with(|d| d.distribution_points.len()));
    let taken_ids = move || {
        store.with_untracked(|d| {
            d.gateways
                .iter()
                .map(|g| g.id.clone())
                .chain(d.distribution_points.iter().map(|p| p.id.clone()))
                .collect::<Vec<_>>()
        })
    };
    let add_gateway = move |_| {
        let taken = taken_ids();
        let id = free_id("gateway-", &taken.iter().map(String::as_str).collect::<Vec<_>>());
        store.change(|d| {
            d.gateways.push(Gateway {
                id,
                name: String::new(),
                public_url: String::new(),
                content_enabled: false,
                certificate: GatewayCertificate {
                    kind: CertificateKind::PublicCa,
                    trusted_roots: Vec::new(),
                },
            })
        });
    };
    let add_point = move |_| {
        let taken = taken_ids();
        let id = free_id("dp-", &taken.iter().map(String::as_str).collect::<Vec<_>>());
        store.change(|d| {
            d.distribution_points.push(DistributionPoint {
                id,
                name: String::new(),
                server: String::new(),
            })
        });
    };
    view! {
        <h1>{t!(i18n, nav.site_and_gateways)}</h1>
        <SiteForm />
        <section class="card" aria-labelledby="gateways-heading" data-field-path="gateways">
            <h2 id="gateways-heading">{t!(i18n, gateway.heading)}</h2>
            <p class="muted">{t!(i18n, gateway.intro)}</p>
            <For each=move || 0..gateway_count.get() key=|index| *index let:index>
                <GatewayEditor index />
            </For>
            <button type="button" on:click=add_gateway>{t!(i18n, gateway.add)}</button>
        </section>
        <section class="card" aria-labelledby="points-heading" data-field-path="distribution_points">
            <h2 id="points-heading">{t!(i18n, distribution_point.heading)}</h2>
            <For each=move || 0..point_count.get() key=|index| *index let:index>
                <DistributionPointEditor index />
            </For>
            <button type="button" on:click=add_point>{t!(i18n, distribution_point.add)}</button>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn free_ids_skip_taken_ones() {
        assert_eq!(super::free_id("gateway-", &[]), "gateway-1");
        assert_eq!(super::free_id("gateway-", &["gateway-1", "gateway-3"]), "gateway-2");
    }
}
