//! The console's components, one per file; the module tree mirrors the page. `fields` is public:
//! the on-demand pages module (`web-ui/pages`) builds its forms from the same fields.

pub mod app;
pub mod fields;
mod pages;
mod preflight_panel;
mod relay_status;
pub(crate) mod shell;
