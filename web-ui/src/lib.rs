//! The osdgate console: configure deployments, validate live, build media, publish, monitor.
//!
//! Components live in [`components`], one per file, in a tree that mirrors the page. The domain
//! state lives in [`document`] (the working document, its history, preflight and persistence);
//! [`relay`] and [`browser`] are the only code that talks to the outside world.

pub mod browser;
pub mod components;
pub mod document;
pub mod field_focus;
pub mod on_demand;
pub mod page;
mod panic;
pub mod preferences;
pub mod relay;

#[allow(missing_debug_implementations, clippy::all)]
mod generated {
    // The `i18n` module leptos_i18n generates from `locales/*.json` (see build.rs).
    include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
}
pub use generated::i18n;

pub use components::app::App;

/// Mount the console on the page's `<body>`.
pub fn start() {
    panic::install_hook();
    leptos::mount::mount_to_body(App);
}
