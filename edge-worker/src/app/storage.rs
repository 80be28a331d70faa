//! The storage the relay needs, as traits. The worker glue implements them over D1, R2 and KV; tests
//! implement them in memory.

use async_trait::async_trait;
use osdgate_model::api::BindingStatus;

/// Everything the relay stores. Futures are `Send` so the router stays an ordinary axum router; the
/// wasm32 implementation satisfies that with `worker::send` wrappers (the runtime is single-threaded).
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Probe every binding with a cheap call and say which answered.
    async fn probe(&self) -> Vec<BindingStatus>;
}
