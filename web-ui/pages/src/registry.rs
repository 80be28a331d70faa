//! The pages this module renders, by the name the main module mounts them with. Adding a page:
//! a folder `src/<page>/` whose `mod.rs` has `pub fn page() -> AnyView`, a `mod` line in
//! `lib.rs`, and one line here; the main module's route renders
//! `<OnDemandPage page=... name="<name>" />`.

use leptos::prelude::AnyView;

use crate::boundary_groups;

/// One page: its name and what renders it.
#[derive(Debug, Clone, Copy)]
pub struct PageEntry {
    pub name: &'static str,
    pub view: fn() -> AnyView,
}

/// Every page of the module.
pub const PAGES: &[PageEntry] =
    &[PageEntry { name: "boundary-groups", view: boundary_groups::page }];

/// The page called `name`.
pub fn find(name: &str) -> Option<&'static PageEntry> {
    PAGES.iter().find(|page| page.name == name)
}

/// The names of every page.
pub fn names() -> Vec<&'static str> {
    PAGES.iter().map(|page| page.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct() {
        let mut names = names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PAGES.len());
    }

    /// Every `<OnDemandPage ... name="...">` of the main module's routes names a page here, and
    /// every page here is routed: a page nobody can open, or a route to nothing, fails here rather
    /// than in the browser.
    #[test]
    fn the_main_modules_routes_and_this_registry_agree() {
        let shell = include_str!("../../src/components/shell/mod.rs");
        let routed: Vec<&str> = shell
            .split("<OnDemandPage")
            .skip(1)
            .filter_map(|tail| tail.split("/>").next()?.split("name=\"").nth(1)?.split('"').next())
            .collect();
        assert!(!routed.is_empty());
        for name in &routed {
            assert!(find(name).is_some(), "the route to `{name}` has no page in the registry");
        }
        for page in PAGES {
            assert!(routed.contains(&page.name), "page `{}` has no route", page.name);
        }
    }
}
