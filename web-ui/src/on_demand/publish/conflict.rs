use leptos::prelude::*;

use crate::document::diff::{Side, display};
use crate::document::publishing::use_publishing;
use crate::i18n::*;

/// Longest value shown in a cell; the full value is in the cell's title.
const CELL_LIMIT: usize = 160;

/// The field-level diff of the relay's version against the local document, a side to take per
/// change, and applying the choices to the working document.
#[component]
pub fn ConflictResolver() -> impl IntoView {
    let i18n = use_i18n();
    let publishing = use_publishing();
    let conflict = publishing.conflict();
    let relay_version =
        move || conflict.with(|c| c.as_ref().and_then(|c| c.relay_version)).unwrap_or_default();
    let rows = move || {
        let current = conflict.get()?;
        let absent = t_string!(i18n, publish.absent);
        let this_browser = t_string!(i18n, publish.this_browser);
        let the_relay = t_string!(i18n, publish.the_relay);
        let rows = current.changes.iter().enumerate().map(|(index, change)| {
            let path = change.path();
            let cell = |value: &Option<serde_json::Value>| {
                value.as_ref().map_or_else(|| absent.to_owned(), |v| display(v, CELL_LIMIT))
            };
            let chosen = current.choices.get(index).copied().unwrap_or(Side::Local);
            let name = format!("conflict-choice-{index}");
            let radio = move |side: Side, label: String, text: &'static str| {
                view! {
                    <label class="choice">
                        <input
                            type="radio"
                            name=name.clone()
                            aria-label=label
                            prop:checked=chosen == side
                            on:change=move |_| publishing.choose(index, side)
                        />
                        {text}
                    </label>
                }
            };
            view! {
                <tr data-path=path.clone()>
                    <th scope="row"><code>{path.clone()}</code></th>
                    <td>{cell(&change.local)}</td>
                    <td>{cell(&change.relay)}</td>
                    <td>
                        {radio(Side::Local, t_string!(i18n, publish.keep_local_of, field = path.clone()).to_string(), this_browser)}
                        {radio(Side::Relay, t_string!(i18n, publish.take_relay_of, field = path.clone()).to_string(), the_relay)}
                    </td>
                </tr>
            }
        });
        Some(rows.collect_view())
    };
    view! {
        <section class="card" aria-labelledby="conflict-heading">
            <h2 id="conflict-heading">{move || t_string!(i18n, publish.conflict_heading)}</h2>
            <p>
                {move || {
                    let changes = conflict.with(|c| c.as_ref().map_or(0, |c| c.changes.len()));
                    t_string!(i18n, publish.conflict_explained, version = relay_version(), changes = changes).to_string()
                }}
            </p>
            <button type="button" class="secondary" on:click=move |_| publishing.choose_all(Side::Local)>
                {move || t_string!(i18n, publish.take_all_local)}
            </button>
            " "
            <button type="button" class="secondary" on:click=move |_| publishing.choose_all(Side::Relay)>
                {move || t_string!(i18n, publish.take_all_relay)}
            </button>
            <table class="diff-table">
                <thead>
                    <tr>
                        <th scope="col">{move || t_string!(i18n, publish.field)}</th>
                        <th scope="col">{move || t_string!(i18n, publish.local_value)}</th>
                        <th scope="col">{move || t_string!(i18n, publish.relay_value, version = relay_version()).to_string()}</th>
                        <th scope="col">{move || t_string!(i18n, publish.take)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <button type="button" on:click=move |_| publishing.resolve()>{move || t_string!(i18n, publish.apply_choices)}</button>
        </section>
    }
}
