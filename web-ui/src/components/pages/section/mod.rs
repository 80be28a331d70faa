mod entity_table;

use leptos::prelude::*;
use osdgate_model::model::Document;

use crate::components::shell::page_title;
use crate::document::use_document;
use crate::i18n::*;
use crate::page::Page;
use entity_table::{EntityRow, EntityTable};

/// A page whose editor is not built yet: what the document holds in its sections, one row per
/// object (each row is where a finding about that object leads), and the findings in the panel.
#[component]
pub fn SectionPage(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let tables = Memo::new(move |_| store.with(|document| tables_of(document, page)));
    view! {
        <h1>{move || page_title(i18n, page)}</h1>
        <p class="notice">{t!(i18n, section.read_only)}</p>
        {move || {
            tables
                .get()
                .into_iter()
                .map(|(section, rows)| view! { <EntityTable section rows /> })
                .collect_view()
        }}
    }
}

/// The rows of every section `page` shows.
fn tables_of(document: &Document, page: Page) -> Vec<(&'static str, Vec<EntityRow>)> {
    if page == Page::Certificates {
        let rows = document
            .gateways
            .iter()
            .enumerate()
            .flat_map(|(g, gateway)| {
                gateway.certificate.trusted_roots.iter().enumerate().map(move |(r, root)| {
                    EntityRow {
                        path: format!("gateways[{g}].certificate.trusted_roots[{r}]"),
                        id: root.thumbprint.clone(),
                        name: if root.subject.is_empty() {
                            gateway.id.clone()
                        } else {
                            root.subject.clone()
                        },
                    }
                })
            })
            .collect();
        return vec![("trusted_roots", rows)];
    }
    let sections: &[&'static str] = match page {
        Page::BoundaryGroups => &["boundary_groups"],
        Page::ClientSettings => &["client_settings"],
        Page::Content => &["content"],
        Page::BootImages => &["boot_images"],
        Page::TaskSequences => &["task_sequences"],
        Page::Deployments => &["deployments", "collections"],
        Page::Media => &["media"],
        Page::Devices => &["devices"],
        _ => &[],
    };
    sections.iter().map(|&section| (section, rows_of(document, section))).collect()
}

/// The objects of one section with their ID and name.
fn rows_of(document: &Document, section: &str) -> Vec<EntityRow> {
    fn rows<T>(
        section: &str,
        items: &[T],
        id: fn(&T) -> &str,
        name: fn(&T) -> String,
    ) -> Vec<EntityRow> {
        items
            .iter()
            .enumerate()
            .map(|(index, item)| EntityRow {
                path: format!("{section}[{index}]"),
                id: id(item).to_owned(),
                name: name(item),
            })
            .collect()
    }
    let d = document;
    match section {
        "boundary_groups" => rows(section, &d.boundary_groups, |x| &x.id, |x| x.name.clone()),
        "client_settings" => rows(section, &d.client_settings, |x| &x.id, |x| x.name.clone()),
        "content" => rows(section, &d.content, |x| &x.id, |x| x.name.clone()),
        "boot_images" => rows(section, &d.boot_images, |x| &x.id, |x| x.name.clone()),
        "task_sequences" => rows(section, &d.task_sequences, |x| &x.id, |x| x.name.clone()),
        // A deployment has no name: what it deploys to whom.
        "deployments" => rows(
            section,
            &d.deployments,
            |x| &x.id,
            |x| format!("{} → {}", x.task_sequence_id, x.collection_id),
        ),
        "collections" => rows(section, &d.collections, |x| &x.id, |x| x.name.clone()),
        "media" => rows(section, &d.media, |x| &x.id, |x| x.name.clone()),
        "devices" => rows(section, &d.devices, |x| &x.id, |x| x.name.clone()),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_page_lists_the_objects_of_an_example() {
        let text = include_str!("../../../../../examples/boot-media-over-gateway.toml");
        let document = Document::from_toml(text).unwrap();
        let tables = tables_of(&document, Page::Deployments);
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[0].1.len(), document.deployments.len());
        assert_eq!(tables[0].1[0].path, "deployments[0]");
        assert_eq!(tables[0].1[0].id, document.deployments[0].id);
        let roots = tables_of(&document, Page::Certificates);
        assert_eq!(roots[0].1[0].path, "gateways[0].certificate.trusted_roots[0]");
        for page in Page::ALL {
            if page != Page::Overview && page != Page::SiteAndGateways {
                assert!(!tables_of(&document, page).is_empty(), "{page:?}");
            }
        }
    }
}
