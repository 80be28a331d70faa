use leptos::prelude::*;
use osdgate_model::model::DistributionPoint;

use crate::components::fields::TextField;
use crate::document::use_document;
use crate::i18n::*;

/// One on-premises distribution point: ID, name and server.
#[component]
pub fn DistributionPointEditor(index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let base = format!("distribution_points[{index}]");
    let read = move |get: fn(&DistributionPoint) -> String| {
        Signal::derive(move || {
            store.with(|d| d.distribution_points.get(index).map(get).unwrap_or_default())
        })
    };
    let text = move |field: &'static str, set: fn(&mut DistributionPoint, String)| {
        let path = format!("distribution_points[{index}].{field}");
        Callback::new(move |value: String| {
            store.edit(&path, |d| {
                if let Some(point) = d.distribution_points.get_mut(index) {
                    set(point, value);
                }
            })
        })
    };
    view! {
        <fieldset class="entity" data-field-path=base.clone()>
            <legend>{read(|p| if p.name.is_empty() { p.id.clone() } else { p.name.clone() })}</legend>
            <div class="field-grid">
                <TextField
                    label=Signal::derive(move || t_string!(i18n, distribution_point.id).to_string())
                    path=format!("{base}.id")
                    value=read(|p| p.id.clone())
                    on_input=text("id", |p, v| p.id = v)
                />
                <TextField
                    label=Signal::derive(move || t_string!(i18n, distribution_point.name).to_string())
                    path=format!("{base}.name")
                    value=read(|p| p.name.clone())
                    on_input=text("name", |p, v| p.name = v)
                />
                <TextField
                    label=Signal::derive(move || t_string!(i18n, distribution_point.server).to_string())
                    path=format!("{base}.server")
                    value=read(|p| p.server.clone())
                    placeholder="dp01.corp.contoso.example"
                    on_input=text("server", |p, v| p.server = v)
                />
            </div>
            <button
                type="button"
                class="secondary"
                on:click=move |_| {
                    store.change(|d| {
                        if index < d.distribution_points.len() {
                            d.distribution_points.remove(index);
                        }
                    })
                }
            >
                {t!(i18n, distribution_point.remove)}
            </button>
        </fieldset>
    }
}
