//! The relay's router and handlers, free of any Cloudflare runtime type.

mod error;
mod health;
pub mod storage;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use osdgate_model::api::API_PREFIX;

pub use error::ApiError;
pub use storage::Storage;

/// What every handler can reach: the build identity and the storage bindings.
#[derive(Clone)]
pub struct AppState {
    /// The build identifier reported by the health endpoint (a git commit, or `dev`).
    pub build: Arc<str>,
    pub storage: Arc<dyn Storage>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("build", &self.build).finish_non_exhaustive()
    }
}

/// The build identifier baked in at compile time by `cargo xtask` (`OSDGATE_BUILD`), or `dev`.
pub fn build_id() -> &'static str {
    option_env!("OSDGATE_BUILD").unwrap_or("dev")
}

/// The relay's whole HTTP surface. Paths outside `/api/v1` are not routed here: the worker serves the
/// console's static files for them.
pub fn router(state: AppState) -> Router {
    let api = Router::new().route("/health", get(health::get_health));
    Router::new().nest(API_PREFIX, api).fallback(error::not_found).with_state(state)
}
