//! Boundary groups (ConfigMgr: *Administration > Boundary Groups*): their boundaries, the site
//! systems (gateways and distribution points) associated with them, and "Prefer cloud based
//! sources over on-premises sources" (seeds 001/002, "Bootable media support for cloud-based
//! content").

mod boundary_editor;
mod group_editor;

use leptos::prelude::*;
use osdgate_console::document::use_document;
use osdgate_model::model::BoundaryGroup;

use crate::i18n::*;
use group_editor::BoundaryGroupEditor;

pub fn page() -> AnyView {
    view! { <BoundaryGroups /> }.into_any()
}

/// The first free ID of the form `{prefix}{n}`.
pub(crate) fn free_id(prefix: &str, taken: &[String]) -> String {
    (1..).map(|n| format!("{prefix}{n}")).find(|id| !taken.contains(id)).unwrap_or_default()
}

/// Every boundary group of the document, and a way to add one.
#[component]
fn BoundaryGroups() -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let count = Memo::new(move |_| store.with(|d| d.boundary_groups.len()));
    let add = move |_| {
        let taken = store
            .with_untracked(|d| d.boundary_groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>());
        let id = free_id("bg-", &taken);
        store.change(|d| {
            d.boundary_groups.push(BoundaryGroup {
                id,
                name: String::new(),
                boundaries: Vec::new(),
                gateways: Vec::new(),
                distribution_points: Vec::new(),
                prefer_cloud_sources: false,
            })
        });
    };
    view! {
        <section class="card" aria-labelledby="boundary-groups-heading" data-field-path="boundary_groups">
            <h2 id="boundary-groups-heading">{t!(i18n, boundary_groups.heading)}</h2>
            <p class="muted">{t!(i18n, boundary_groups.intro)}</p>
            <Show when=move || count.get() == 0>
                <p class="muted">{t!(i18n, boundary_groups.none)}</p>
            </Show>
            <For each=move || 0..count.get() key=|index| *index let:index>
                <BoundaryGroupEditor index />
            </For>
            <button type="button" on:click=add>{t!(i18n, boundary_groups.add)}</button>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn free_ids_skip_taken_ones() {
        assert_eq!(super::free_id("bg-", &[]), "bg-1");
        assert_eq!(super::free_id("bg-", &["bg-1".into(), "bg-3".into()]), "bg-2");
    }
}
