use leptos::prelude::*;
use osdgate_console::components::fields::{FieldFindings, field_id};
use osdgate_console::document::use_document;
use osdgate_model::model::Document;

/// The objects of one kind a list in the document may name (`boundary_groups[0].gateways`), as
/// checkboxes: one per object the document has, checked when the list names it, and one per name
/// the list holds that the document lacks (preflight reports it; unchecking removes it).
#[component]
pub fn ReferenceChoice(
    #[prop(into)] legend: Signal<String>,
    /// The list's preflight path.
    #[prop(into)]
    path: String,
    /// The IDs and names of the objects the list may name.
    candidates: fn(&Document) -> Vec<(String, String)>,
    /// The list.
    read: fn(&Document, usize) -> Option<&Vec<String>>,
    write: fn(&mut Document, usize) -> Option<&mut Vec<String>>,
    index: usize,
    /// Shown after a name the document lacks.
    #[prop(into)]
    missing: Signal<String>,
    /// Shown when the document has no such objects.
    #[prop(into)]
    none: Signal<String>,
) -> impl IntoView {
    let store = use_document();
    let rows = Memo::new(move |_| {
        store.with(|d| {
            let chosen = read(d, index).cloned().unwrap_or_default();
            let mut rows: Vec<(String, String, Option<usize>, bool)> = candidates(d)
                .into_iter()
                .map(|(id, name)| {
                    let at = chosen.iter().position(|c| *c == id);
                    (id, name, at, true)
                })
                .collect();
            for (at, id) in chosen.iter().enumerate() {
                if !rows.iter().any(|(known, ..)| known == id) {
                    rows.push((id.clone(), String::new(), Some(at), false));
                }
            }
            rows
        })
    });
    let toggle = move |id: String, on: bool| {
        store.change(|d| {
            if let Some(list) = write(d, index) {
                list.retain(|c| *c != id);
                if on {
                    list.push(id);
                }
            }
        })
    };
    let described = format!("{}-findings", field_id(&path));
    let list_path = path.clone();
    let (findings_path, findings_id) = (path.clone(), described.clone());
    view! {
        <fieldset class="reference-choice" data-field-path=path.clone() aria-describedby=described.clone()>
            <legend>{legend}</legend>
            {move || rows.with(Vec::is_empty).then(|| view! { <p class="muted">{none}</p> })}
            <For
                each=move || rows.get()
                key=|row| row.clone()
                children=move |(id, name, at, known)| {
                    let item_path = at.map(|at| format!("{list_path}[{at}]"));
                    let input_id = field_id(&format!("{list_path}.{id}"));
                    let label = if known {
                        if name.is_empty() { id.clone() } else { format!("{name} ({id})") }
                    } else {
                        id.clone()
                    };
                    let toggled = id.clone();
                    view! {
                        <div class="field checkbox">
                            <input
                                id=input_id.clone()
                                type="checkbox"
                                data-field-path=item_path
                                prop:checked=at.is_some()
                                on:change=move |event| toggle(toggled.clone(), event_target_checked(&event))
                            />
                            <label for=input_id>
                                {label}
                                {(!known).then(|| view! { " " <span class="badge error">{missing}</span> })}
                            </label>
                        </div>
                    }
                }
            />
            <FieldFindings path=findings_path id=findings_id />
        </fieldset>
    }
}
