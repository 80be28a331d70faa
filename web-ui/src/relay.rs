//! The console's client for the relay API. The console is served by the relay itself, so every call
//! goes to the same origin.

use gloo_net::http::Request;
use osdgate_model::api::{API_PREFIX, Health};

/// Why a call to the relay failed, in words an admin can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RelayError {
    #[error("the relay could not be reached: {0}")]
    Unreachable(String),
    #[error("the relay answered {status} to {path}")]
    Status { status: u16, path: String },
    #[error("the relay's answer to {path} was not understood: {reason}")]
    Malformed { path: String, reason: String },
}

/// `GET /api/v1/health`.
pub async fn health() -> Result<Health, RelayError> {
    let path = format!("{API_PREFIX}/health");
    let response =
        Request::get(&path).send().await.map_err(|e| RelayError::Unreachable(e.to_string()))?;
    if !response.ok() {
        return Err(RelayError::Status { status: response.status(), path });
    }
    response
        .json::<Health>()
        .await
        .map_err(|e| RelayError::Malformed { path, reason: e.to_string() })
}
