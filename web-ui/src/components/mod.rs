//! The console's components, one per file; the module tree mirrors the page.

pub mod app;
pub mod relay_status;
