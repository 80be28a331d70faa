use leptos::prelude::*;

use crate::i18n::*;

/// One object of the document, and the preflight path that findings about it use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRow {
    pub path: String,
    pub id: String,
    pub name: String,
}

/// A section's objects as a table; each row can take focus, so a finding can land on it.
#[component]
pub fn EntityTable(section: &'static str, rows: Vec<EntityRow>) -> impl IntoView {
    let i18n = use_i18n();
    let caption = move || match section {
        "boundary_groups" => t_string!(i18n, nav.boundary_groups).to_string(),
        "client_settings" => t_string!(i18n, nav.client_settings).to_string(),
        "content" => t_string!(i18n, nav.content).to_string(),
        "boot_images" => t_string!(i18n, nav.boot_images).to_string(),
        "task_sequences" => t_string!(i18n, nav.task_sequences).to_string(),
        "deployments" => t_string!(i18n, nav.deployments).to_string(),
        "collections" => t_string!(i18n, section.collections).to_string(),
        "media" => t_string!(i18n, nav.media).to_string(),
        "devices" => t_string!(i18n, section.devices).to_string(),
        _ => t_string!(i18n, section.trusted_roots).to_string(),
    };
    let empty = rows.is_empty();
    view! {
        <section class="card" data-field-path=section>
            <table class="entities">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, section.id)}</th>
                        <th scope="col">{t!(i18n, section.name)}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| {
                            view! {
                                <tr data-field-path=row.path tabindex="-1">
                                    <td><code>{row.id}</code></td>
                                    <td>{row.name}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            {empty.then(|| view! { <p class="muted">{t!(i18n, section.empty)}</p> })}
        </section>
    }
}
