use std::net::Ipv4Addr;

use leptos::prelude::*;
use osdgate_console::components::fields::{CheckboxField, TextField};
use osdgate_console::document::use_document;
use osdgate_model::model::{Boundary, BoundaryGroup, Document, IpCidr};

use super::boundary_editor::BoundaryEditor;
use crate::i18n::*;
use crate::widgets::ReferenceChoice;

fn group(d: &Document, index: usize) -> Option<&BoundaryGroup> {
    d.boundary_groups.get(index)
}

fn group_mut(d: &mut Document, index: usize) -> Option<&mut BoundaryGroup> {
    d.boundary_groups.get_mut(index)
}

/// One boundary group: ID, name, its boundaries, its site systems and whether it prefers cloud
/// sources.
#[component]
pub fn BoundaryGroupEditor(index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let base = format!("boundary_groups[{index}]");
    let read = move |get: fn(&BoundaryGroup) -> String| {
        Signal::derive(move || store.with(|d| group(d, index).map(get).unwrap_or_default()))
    };
    let text = move |field: &'static str, set: fn(&mut BoundaryGroup, String)| {
        let path = format!("boundary_groups[{index}].{field}");
        Callback::new(move |value: String| {
            store.edit(&path, |d| {
                if let Some(group) = group_mut(d, index) {
                    set(group, value);
                }
            })
        })
    };
    let prefer_cloud = Signal::derive(move || {
        store.with(|d| group(d, index).is_some_and(|g| g.prefer_cloud_sources))
    });
    let boundary_count =
        Memo::new(move |_| store.with(|d| group(d, index).map_or(0, |g| g.boundaries.len())));
    let add_boundary = move |_| {
        store.change(|d| {
            if let Some(group) = group_mut(d, index) {
                // A subnet to start from; the admin types the real one.
                if let Some(subnet) = IpCidr::new(Ipv4Addr::new(10, 0, 0, 0).into(), 24) {
                    group.boundaries.push(Boundary::Subnet(subnet));
                }
            }
        })
    };
    let label = move |key: fn(leptos_i18n::I18nContext<Locale>) -> String| {
        Signal::derive(move || key(i18n))
    };
    view! {
        <fieldset class="entity" data-field-path=base.clone()>
            <legend>{read(|g| if g.name.is_empty() { g.id.clone() } else { g.name.clone() })}</legend>
            <div class="field-grid">
                <TextField
                    label=label(|i18n| t_string!(i18n, boundary_groups.id).to_string())
                    path=format!("{base}.id")
                    value=read(|g| g.id.clone())
                    on_input=text("id", |g, v| g.id = v)
                />
                <TextField
                    label=label(|i18n| t_string!(i18n, boundary_groups.name).to_string())
                    path=format!("{base}.name")
                    value=read(|g| g.name.clone())
                    on_input=text("name", |g, v| g.name = v)
                />
                <CheckboxField
                    label=label(|i18n| t_string!(i18n, boundary_groups.prefer_cloud_sources).to_string())
                    path=format!("{base}.prefer_cloud_sources")
                    checked=prefer_cloud
                    on_change=Callback::new(move |on: bool| {
                        store.change(|d| {
                            if let Some(group) = group_mut(d, index) {
                                group.prefer_cloud_sources = on;
                            }
                        })
                    })
                />
            </div>
            <fieldset class="boundaries" data-field-path=format!("{base}.boundaries")>
                <legend>{t!(i18n, boundary_groups.boundaries)}</legend>
                <For each=move || 0..boundary_count.get() key=|b| *b let:boundary>
                    <BoundaryEditor group=index index=boundary />
                </For>
                <button type="button" class="secondary" on:click=add_boundary>
                    {t!(i18n, boundary_groups.add_boundary)}
                </button>
            </fieldset>
            <ReferenceChoice
                legend=label(|i18n| t_string!(i18n, boundary_groups.gateways).to_string())
                path=format!("{base}.gateways")
                candidates=|d| d.gateways.iter().map(|g| (g.id.clone(), g.name.clone())).collect()
                read=|d, i| group(d, i).map(|g| &g.gateways)
                write=|d, i| group_mut(d, i).map(|g| &mut g.gateways)
                index
                missing=label(|i18n| t_string!(i18n, boundary_groups.not_in_document).to_string())
                none=label(|i18n| t_string!(i18n, boundary_groups.no_gateways).to_string())
            />
            <ReferenceChoice
                legend=label(|i18n| t_string!(i18n, boundary_groups.distribution_points).to_string())
                path=format!("{base}.distribution_points")
                candidates=|d| d.distribution_points.iter().map(|p| (p.id.clone(), p.name.clone())).collect()
                read=|d, i| group(d, i).map(|g| &g.distribution_points)
                write=|d, i| group_mut(d, i).map(|g| &mut g.distribution_points)
                index
                missing=label(|i18n| t_string!(i18n, boundary_groups.not_in_document).to_string())
                none=label(|i18n| t_string!(i18n, boundary_groups.no_distribution_points).to_string())
            />
            <button
                type="button"
                class="secondary"
                on:click=move |_| {
                    store.change(|d| {
                        if index < d.boundary_groups.len() {
                            d.boundary_groups.remove(index);
                        }
                    })
                }
            >
                {t!(i18n, boundary_groups.remove)}
            </button>
        </fieldset>
    }
}
