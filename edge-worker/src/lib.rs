//! `osdgate-relay`: the gateway that remote devices and the console talk to.
//!
//! [`app`] holds every route and all business logic, over the storage traits in [`app::storage`],
//! and is tested natively with `tower::ServiceExt::oneshot`. The `glue` module (wasm32 only) is the
//! Cloudflare Worker entry point: it binds D1, R2 and KV to those traits and hands each request to
//! the same router. The glue holds no business logic.

pub mod app;

#[cfg(target_arch = "wasm32")]
mod glue;
