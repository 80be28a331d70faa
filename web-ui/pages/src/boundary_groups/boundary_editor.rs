use std::net::IpAddr;

use leptos::prelude::*;
use osdgate_console::components::fields::{FieldFindings, SelectField, field_id};
use osdgate_console::document::use_document;
use osdgate_model::model::{Boundary, Document, IpCidr};

use crate::i18n::*;
use crate::widgets::ParsedTextField;

fn boundary(d: &Document, group: usize, index: usize) -> Option<&Boundary> {
    d.boundary_groups.get(group)?.boundaries.get(index)
}

/// The same place as a subnet or as a range: a subnet becomes the range of its addresses, a range
/// the host subnet of its first address.
fn converted(boundary: &Boundary, to_subnet: bool) -> Boundary {
    match (boundary, to_subnet) {
        (Boundary::Subnet(cidr), false) => {
            let range = cidr.address_range();
            Boundary::Range { start: range.first, end: range.last }
        }
        (Boundary::Range { start, .. }, true) => {
            let bits = if start.is_ipv4() { 32 } else { 128 };
            IpCidr::new(*start, bits).map_or_else(|| boundary.clone(), Boundary::Subnet)
        }
        _ => boundary.clone(),
    }
}

fn parse_subnet(text: &str) -> Result<IpCidr, ()> {
    text.trim().parse().map_err(|_| ())
}

fn parse_address(text: &str) -> Result<IpAddr, ()> {
    text.trim().parse().map_err(|_| ())
}

/// One boundary: an IP subnet or an IP address range, each text read by the model's own parsers
/// (`IpCidr`, `IpAddr`) as it is typed.
#[component]
pub fn BoundaryEditor(group: usize, index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let base = format!("boundary_groups[{group}].boundaries[{index}]");
    let is_subnet = Memo::new(move |_| {
        store.with(|d| matches!(boundary(d, group, index), Some(Boundary::Subnet(_)) | None))
    });
    let set = move |path: String, change: Box<dyn Fn(&mut Boundary) + Send + Sync>| {
        store.edit(&path, |d| {
            if let Some(b) =
                d.boundary_groups.get_mut(group).and_then(|g| g.boundaries.get_mut(index))
            {
                change(b);
            }
        })
    };
    let kind_options = vec![
        (
            "subnet",
            Signal::derive(move || t_string!(i18n, boundary_groups.kind_subnet).to_string()),
        ),
        ("range", Signal::derive(move || t_string!(i18n, boundary_groups.kind_range).to_string())),
    ];
    let subnet = Signal::derive(move || {
        store.with(|d| match boundary(d, group, index) {
            Some(Boundary::Subnet(cidr)) => Some(*cidr),
            _ => None,
        })
    });
    let end_point = move |first: bool| {
        Signal::derive(move || {
            store.with(|d| match boundary(d, group, index) {
                Some(Boundary::Range { start, end }) => Some(if first { *start } else { *end }),
                _ => None,
            })
        })
    };
    let described = format!("{}-findings", field_id(&base));
    let (findings_path, findings_id) = (base.clone(), described.clone());
    let subnet_path = format!("{base}.subnet");
    let start_path = format!("{base}.range.start");
    let end_path = format!("{base}.range.end");
    let refusal_address =
        Signal::derive(move || t_string!(i18n, boundary_groups.address_invalid).to_string());
    view! {
        <fieldset class="boundary" data-field-path=base.clone() aria-describedby=described.clone()>
            <legend>{move || t_string!(i18n, boundary_groups.boundary, number = index + 1).to_string()}</legend>
            <div class="field-grid">
                <SelectField
                    label=Signal::derive(move || t_string!(i18n, boundary_groups.kind).to_string())
                    path=format!("{base}.kind")
                    value=Signal::derive(move || if is_subnet.get() { "subnet".to_owned() } else { "range".to_owned() })
                    options=kind_options
                    on_change=Callback::new(move |kind: String| {
                        let to_subnet = kind == "subnet";
                        store.change(|d| {
                            if let Some(b) = d.boundary_groups.get_mut(group).and_then(|g| g.boundaries.get_mut(index)) {
                                *b = converted(b, to_subnet);
                            }
                        })
                    })
                />
                {move || if is_subnet.get() {
                    let path = subnet_path.clone();
                    view! {
                        <ParsedTextField
                            label=Signal::derive(move || t_string!(i18n, boundary_groups.subnet).to_string())
                            path=path.clone()
                            value=subnet
                            parse=parse_subnet
                            refusal=Signal::derive(move || t_string!(i18n, boundary_groups.subnet_invalid).to_string())
                            on_valid=Callback::new(move |cidr: IpCidr| {
                                set(path.clone(), Box::new(move |b| *b = Boundary::Subnet(cidr)))
                            })
                            placeholder="10.20.0.0/16"
                        />
                    }.into_any()
                } else {
                    let (start, end) = (start_path.clone(), end_path.clone());
                    view! {
                        <ParsedTextField
                            label=Signal::derive(move || t_string!(i18n, boundary_groups.range_start).to_string())
                            path=start.clone()
                            value=end_point(true)
                            parse=parse_address
                            refusal=refusal_address
                            on_valid=Callback::new(move |address: IpAddr| {
                                set(start.clone(), Box::new(move |b| {
                                    if let Boundary::Range { start: first, .. } = b { *first = address }
                                }))
                            })
                            placeholder="192.168.50.10"
                        />
                        <ParsedTextField
                            label=Signal::derive(move || t_string!(i18n, boundary_groups.range_end).to_string())
                            path=end.clone()
                            value=end_point(false)
                            parse=parse_address
                            refusal=refusal_address
                            on_valid=Callback::new(move |address: IpAddr| {
                                set(end.clone(), Box::new(move |b| {
                                    if let Boundary::Range { end: last, .. } = b { *last = address }
                                }))
                            })
                            placeholder="192.168.50.200"
                        />
                    }.into_any()
                }}
            </div>
            <FieldFindings path=findings_path id=findings_id />
            <button
                type="button"
                class="secondary"
                on:click=move |_| {
                    store.change(|d| {
                        if let Some(g) = d.boundary_groups.get_mut(group)
                            && index < g.boundaries.len()
                        {
                            g.boundaries.remove(index);
                        }
                    })
                }
            >
                {t!(i18n, boundary_groups.remove_boundary)}
            </button>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subnet_becomes_its_range_and_a_range_the_host_subnet_of_its_start() {
        let subnet = Boundary::Subnet("10.30.0.0/16".parse().unwrap());
        let range = converted(&subnet, false);
        assert_eq!(
            range,
            Boundary::Range {
                start: "10.30.0.0".parse().unwrap(),
                end: "10.30.255.255".parse().unwrap()
            }
        );
        assert_eq!(converted(&range, true), Boundary::Subnet("10.30.0.0/32".parse().unwrap()));
        assert_eq!(converted(&subnet, true), subnet);
    }

    #[test]
    fn texts_are_read_by_the_models_parsers() {
        assert!(parse_subnet(" 10.20.0.0/16 ").is_ok());
        assert!(parse_subnet("10.20.0.0").is_err());
        assert!(parse_subnet("10.20.0.0/33").is_err());
        assert!(parse_address("2001:db8::1").is_ok());
        assert!(parse_address("10.0.0.256").is_err());
    }
}
