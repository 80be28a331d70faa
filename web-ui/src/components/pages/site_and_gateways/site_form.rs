use leptos::prelude::*;
use osdgate_model::model::{ManagementPointConnection, SiteVersion};

use crate::components::fields::{SelectField, TextField};
use crate::document::use_document;
use crate::i18n::*;

const VERSIONS: [SiteVersion; 5] = [
    SiteVersion::UpTo2002,
    SiteVersion::V2006,
    SiteVersion::V2010,
    SiteVersion::V2103,
    SiteVersion::From2107,
];

const CONNECTIONS: [(ManagementPointConnection, &str); 3] = [
    (ManagementPointConnection::IntranetOnly, "intranet_only"),
    (ManagementPointConnection::InternetOnly, "internet_only"),
    (ManagementPointConnection::IntranetAndInternet, "intranet_and_internet"),
];

/// The site: its code, the ConfigMgr version it behaves like, and how its management point
/// accepts connections.
#[component]
pub fn SiteForm() -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let code = Signal::derive(move || store.with(|d| d.site.code.clone()));
    let cmg = Signal::derive(move || {
        store.with(|d| d.site.cloud_management_gateway.clone().unwrap_or_default())
    });
    let version = Signal::derive(move || store.with(|d| d.site.version.as_str().to_owned()));
    let connection = Signal::derive(move || {
        store.with(|d| {
            CONNECTIONS
                .iter()
                .find(|(c, _)| *c == d.site.management_point_connection)
                .map(|(_, name)| *name)
                .unwrap_or_default()
                .to_owned()
        })
    });
    let version_options = VERSIONS
        .iter()
        .map(|&v| {
            let label = Signal::derive(move || match v {
                SiteVersion::UpTo2002 => t_string!(i18n, site.version_2002).to_string(),
                SiteVersion::V2006 => t_string!(i18n, site.version_2006).to_string(),
                SiteVersion::V2010 => t_string!(i18n, site.version_2010).to_string(),
                SiteVersion::V2103 => t_string!(i18n, site.version_2103).to_string(),
                SiteVersion::From2107 => t_string!(i18n, site.version_2107).to_string(),
            });
            (v.as_str(), label)
        })
        .collect();
    let connection_options = CONNECTIONS
        .iter()
        .map(|&(c, name)| {
            let label = Signal::derive(move || match c {
                ManagementPointConnection::IntranetOnly => {
                    t_string!(i18n, site.mp_intranet_only).to_string()
                }
                ManagementPointConnection::InternetOnly => {
                    t_string!(i18n, site.mp_internet_only).to_string()
                }
                ManagementPointConnection::IntranetAndInternet => {
                    t_string!(i18n, site.mp_intranet_and_internet).to_string()
                }
            });
            (name, label)
        })
        .collect();
    view! {
        <section class="card" aria-labelledby="site-heading" data-field-path="site">
            <h2 id="site-heading">{t!(i18n, site.heading)}</h2>
            <div class="field-grid">
                <TextField
                    label=Signal::derive(move || t_string!(i18n, site.code).to_string())
                    path="site.code"
                    value=code
                    placeholder="ABC"
                    on_input=Callback::new(move |text: String| store.edit("site.code", |d| d.site.code = text))
                />
                <SelectField
                    label=Signal::derive(move || t_string!(i18n, site.version).to_string())
                    path="site.version"
                    value=version
                    options=version_options
                    on_change=Callback::new(move |text: String| {
                        if let Some(v) = VERSIONS.iter().find(|v| v.as_str() == text) {
                            let v = *v;
                            store.change(|d| d.site.version = v);
                        }
                    })
                />
                <SelectField
                    label=Signal::derive(move || t_string!(i18n, site.management_point_connection).to_string())
                    path="site.management_point_connection"
                    value=connection
                    options=connection_options
                    on_change=Callback::new(move |text: String| {
                        if let Some((c, _)) = CONNECTIONS.iter().find(|(_, name)| *name == text) {
                            let c = *c;
                            store.change(|d| d.site.management_point_connection = c);
                        }
                    })
                />
                <TextField
                    label=Signal::derive(move || t_string!(i18n, site.cloud_management_gateway).to_string())
                    path="site.cloud_management_gateway"
                    value=cmg
                    placeholder="contoso-cmg.cloudapp.net"
                    on_input=Callback::new(move |text: String| {
                        store.edit("site.cloud_management_gateway", |d| {
                            d.site.cloud_management_gateway = (!text.is_empty()).then_some(text)
                        })
                    })
                />
            </div>
        </section>
    }
}
