//! The osdgate console: configure deployments, validate live, build media, publish, monitor.
//!
//! Components live in [`components`], one per file, in a tree that mirrors the page. [`relay`] is the
//! only place that talks to the outside world (the relay's HTTP API).

mod components;
pub mod relay;

pub use components::app::App;

/// Mount the console on the page's `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
