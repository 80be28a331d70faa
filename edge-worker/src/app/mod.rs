//! The relay's router and handlers, free of any Cloudflare runtime type.
//!
//! Every route lives under `/api/v1`. Admin routes sit behind [`auth::require_admin`]; client routes
//! take a [`auth::ClientAuth`] extractor. Both run before any body is read.

pub mod adapter;
mod answer;
pub mod auth;
pub mod blobs;
pub mod cache;
pub mod conditional;
pub mod config;
mod cors;
pub mod credentials;
pub mod devices;
pub mod drain;
mod error;
pub mod extract;
mod health;
pub mod media;
pub mod openapi;
pub mod policy;
pub mod retention;
pub mod sealing;
pub mod secrets;
pub mod settings;
pub mod status;
pub mod storage;
pub mod tokens;
pub mod view;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, delete, get, post, put};
use osdgate_model::api::API_PREFIX;

pub use answer::RequestId;
pub use error::ApiError;
pub use storage::{BlobStore, Clock, Database, Entropy, Log, Storage};

/// Authentication rate limits (attempts per minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub auth_per_subject: u32,
    pub auth_per_address: u32,
    /// `ADMIN_FAILURES_PER_ADDRESS`: failed admin authentications per minute from one address
    /// before the admin API refuses that address (even the right token) for the rest of the minute.
    pub admin_failures_per_address: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { auth_per_subject: 10, auth_per_address: 60, admin_failures_per_address: 10 }
    }
}

/// Secrets and settings (Worker secrets and `[vars]`).
#[derive(Clone, Default)]
pub struct RelayConfig {
    /// `ADMIN_TOKEN`: the admin API's bearer credential.
    pub admin_token: Option<String>,
    /// `TOKEN_SIGNING_KEY`: the HMAC key of media and device tokens.
    pub token_key: Option<Vec<u8>>,
    /// `CONFIG_SEALING_KEY`: seals the configuration's secret values in D1 (see [`sealing`]).
    pub sealing_key: Option<sealing::SealingKey>,
    /// `CONSOLE_ORIGIN`: the only origin CORS answers (the console, normally the relay itself).
    pub console_origin: Option<String>,
    /// `GATEWAY_ID`: which gateway of the configuration this relay is (needed only when the
    /// configuration has several gateways).
    pub gateway_id: Option<String>,
    pub limits: Limits,
    /// `CLIENT_CACHE_SECONDS` (as ms): how long an isolate trusts the latest-version pointer and a
    /// medium's revocation state without asking D1 (see [`cache`]). 0 turns that off.
    pub client_cache_ms: i64,
    /// `RETAIN_*_DAYS`: how long recorded events, status messages and revoked devices are kept.
    pub retention: retention::Retention,
}

/// The default of `CLIENT_CACHE_SECONDS`.
pub const DEFAULT_CLIENT_CACHE_MS: i64 = 5_000;
/// The most `CLIENT_CACHE_SECONDS` may be: a revocation reaches every isolate within this.
pub const MAX_CLIENT_CACHE_MS: i64 = 60_000;

impl std::fmt::Debug for RelayConfig {
    // Never print a secret, not even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayConfig")
            .field("admin_token", &self.admin_token.as_ref().map(|_| "<set>"))
            .field("token_key", &self.token_key.as_ref().map(|_| "<set>"))
            .field("sealing_key", &self.sealing_key)
            .field("console_origin", &self.console_origin)
            .field("gateway_id", &self.gateway_id)
            .field("client_cache_ms", &self.client_cache_ms)
            .field("limits", &self.limits)
            .field("retention", &self.retention)
            .finish()
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The build identifier reported by the health endpoint (a git commit, or `dev`).
    pub build: Arc<str>,
    pub storage: Arc<dyn Storage>,
    pub db: Arc<dyn Database>,
    pub blobs: Arc<dyn BlobStore>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
    /// Where storage and internal errors are logged under their request ID.
    pub log: Arc<dyn Log>,
    pub config: Arc<RelayConfig>,
    /// What client requests read on every call, shared by the requests of one isolate (or one
    /// test relay).
    pub cache: Arc<cache::ClientCache>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("build", &self.build)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The build identifier baked in at compile time by `cargo xtask` (`OSDGATE_BUILD`), or `dev`.
pub fn build_id() -> &'static str {
    option_env!("OSDGATE_BUILD").unwrap_or("dev")
}

/// `GET /api/v1/noop`: answers at once without touching storage (the benchmark's baseline).
async fn noop() -> axum::http::StatusCode {
    axum::http::StatusCode::NO_CONTENT
}

type Routes = Vec<(&'static str, MethodRouter<AppState>)>;

/// The admin API, under `/api/v1/admin`, every route behind [`auth::require_admin`].
fn admin_routes() -> Routes {
    vec![
        ("/config", get(config::get).put(config::publish)),
        ("/config/history", get(config::history)),
        ("/config/versions/{version}", get(config::get_version)),
        ("/config/rollback", post(config::rollback)),
        ("/media", get(media::list).post(media::register)),
        ("/media/{media_id}", get(media::get)),
        ("/media/{media_id}/revoke", post(media::revoke)),
        ("/auth-events", get(media::events)),
        ("/devices", get(devices::list)),
        ("/devices/{device_id}/tokens", get(devices::tokens)),
        ("/devices/{device_id}/approve", post(devices::approve)),
        ("/devices/{device_id}/revoke", post(devices::revoke)),
        ("/device-tokens/{token_id}/revoke", post(devices::revoke_token)),
        ("/status", get(status::list)),
        ("/blobs/{sha256}", get(blobs::get).put(blobs::put)),
        ("/blobs/{sha256}/data", get(blobs::data)),
        ("/blobs/{sha256}/uploads", post(blobs::start_upload)),
        ("/blobs/{sha256}/uploads/{upload_id}", delete(blobs::abort)),
        ("/blobs/{sha256}/uploads/{upload_id}/parts/{part_number}", put(blobs::put_part)),
        ("/blobs/{sha256}/uploads/{upload_id}/complete", post(blobs::complete)),
    ]
}

/// The public and client API, under `/api/v1`.
fn api_routes() -> Routes {
    vec![
        ("/health", get(health::get_health)),
        ("/noop", get(noop)),
        ("/openapi.json", get(openapi::serve)),
        ("/auth/challenge", post(auth::challenge::challenge)),
        ("/auth/token", post(auth::challenge::token)),
        ("/policy", get(policy::policy)),
        ("/content/{content_id}/locations", get(policy::locations)),
        ("/content/{content_id}/files/{*path}", get(policy::file)),
        ("/status", post(status::post)),
        ("/devices", post(devices::register)),
        ("/devices/nonce", post(devices::nonce)),
        ("/devices/self/token", post(devices::renew)),
    ]
}

/// Every path the router serves, as axum templates (`/api/v1/content/{content_id}/files/{*path}`).
/// The route sweep test holds `openapi.json` to it: a route served but not described fails.
pub fn served_paths() -> Vec<String> {
    let api = api_routes().into_iter().map(|(path, _)| format!("{API_PREFIX}{path}"));
    let admin = admin_routes().into_iter().map(|(path, _)| format!("{API_PREFIX}/admin{path}"));
    api.chain(admin).collect()
}

fn routed(routes: Routes) -> Router<AppState> {
    routes.into_iter().fold(Router::new(), |router, (path, handler)| router.route(path, handler))
}

/// The relay's whole HTTP surface. Paths outside `/api/v1` are not routed here: the worker serves the
/// console's static files for them.
pub fn router(state: AppState) -> Router {
    let admin =
        routed(admin_routes()).route_layer(from_fn_with_state(state.clone(), auth::require_admin));
    let api = routed(api_routes()).nest("/admin", admin);
    Router::new()
        .nest(API_PREFIX, api)
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        // Each endpoint reads its body with its own limit (see `extract::read_body`).
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(state.clone(), cors::cors))
        .layer(from_fn_with_state(state.clone(), answer::answer))
        // Outermost: no answer leaves with its request body unread (see `drain`).
        .layer(axum::middleware::from_fn(drain::drain_request_body))
        .with_state(state)
}
