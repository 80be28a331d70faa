//! The console's components, one per file; the module tree mirrors the page.

pub mod app;
mod fields;
mod pages;
mod preflight_panel;
mod relay_status;
pub(crate) mod shell;
