use leptos::prelude::*;
use osdgate_model::model::{CertificateKind, Gateway};

use crate::components::fields::{CheckboxField, SelectField, TextField};
use crate::document::use_document;
use crate::i18n::*;

/// One gateway: ID, name, public URL, whether it serves content, and its certificate's kind.
#[component]
pub fn GatewayEditor(index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let base = format!("gateways[{index}]");
    let read = move |get: fn(&Gateway) -> String| {
        Signal::derive(move || store.with(|d| d.gateways.get(index).map(get).unwrap_or_default()))
    };
    let text = move |field: &'static str, set: fn(&mut Gateway, String)| {
        let path = format!("gateways[{index}].{field}");
        Callback::new(move |value: String| {
            store.edit(&path, |d| {
                if let Some(gateway) = d.gateways.get_mut(index) {
                    set(gateway, value);
                }
            })
        })
    };
    let content_enabled = Signal::derive(move || {
        store.with(|d| d.gateways.get(index).is_some_and(|g| g.content_enabled))
    });
    let kind = read(|g| match g.certificate.kind {
        CertificateKind::PublicCa => "public_ca".to_owned(),
        CertificateKind::Pki => "pki".to_owned(),
    });
    let kind_options = vec![
        (
            "public_ca",
            Signal::derive(move || t_string!(i18n, gateway.certificate_public_ca).to_string()),
        ),
        ("pki", Signal::derive(move || t_string!(i18n, gateway.certificate_pki).to_string())),
    ];
    let heading = Signal::derive(move || {
        store.with(|d| {
            d.gateways
                .get(index)
                .map(|g| if g.name.is_empty() { g.id.clone() } else { g.name.clone() })
                .unwrap_or_default()
        })
    });
    view! {
        <fieldset class="entity" data-field-path=base.clone()>
            <legend>{heading}</legend>
            <div class="field-grid">
                <TextField
                    label=Signal::derive(move || t_string!(i18n, gateway.id).to_string())
                    path=format!("{base}.id")
                    value=read(|g| g.id.clone())
                    on_input=text("id", |g, v| g.id = v)
                />
                <TextField
                    label=Signal::derive(move || t_string!(i18n, gateway.name).to_string())
                    path=format!("{base}.name")
                    value=read(|g| g.name.clone())
                    on_input=text("name", |g, v| g.name = v)
                />
                <TextField
                    label=Signal::derive(move || t_string!(i18n, gateway.public_url).to_string())
                    path=format!("{base}.public_url")
                    value=read(|g| g.public_url.clone())
                    input_type="url"
                    placeholder="https://relay.contoso.example"
                    on_input=text("public_url", |g, v| g.public_url = v)
                />
                <SelectField
                    label=Signal::derive(move || t_string!(i18n, gateway.certificate_kind).to_string())
                    path=format!("{base}.certificate.kind")
                    value=kind
                    options=kind_options
                    on_change=Callback::new(move |value: String| {
                        let kind = if value == "pki" { CertificateKind::Pki } else { CertificateKind::PublicCa };
                        store.change(|d| {
                            if let Some(gateway) = d.gateways.get_mut(index) {
                                gateway.certificate.kind = kind;
                            }
                        })
                    })
                />
                <CheckboxField
                    label=Signal::derive(move || t_string!(i18n, gateway.content_enabled).to_string())
                    path=format!("{base}.content_enabled")
                    checked=content_enabled
                    on_change=Callback::new(move |on: bool| {
                        store.change(|d| {
                            if let Some(gateway) = d.gateways.get_mut(index) {
                                gateway.content_enabled = on;
                            }
                        })
                    })
                />
            </div>
            <button
                type="button"
                class="secondary"
                on:click=move |_| {
                    store.change(|d| {
                        if index < d.gateways.len() {
                            d.gateways.remove(index);
                        }
                    })
                }
            >
                {t!(i18n, gateway.remove)}
            </button>
        </fieldset>
    }
}
