//! The console's client for the relay API. The console is served by the relay itself, so every call
//! goes to the same origin. [`admin`] holds the calls that need the admin credential, which
//! [`credential`] keeps for the browser tab only.

pub mod admin;
pub mod credential;

use gloo_net::http::{Request, Response};
use osdgate_model::api::{API_PREFIX, ErrorBody, ErrorCode, Health};
use osdgate_model::preflight::Finding;

/// Why a call to the relay failed, in words an admin can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RelayError {
    /// No answer: the relay or the network is down.
    #[error("the relay could not be reached ({0}); check the connection and that the relay runs")]
    Unreachable(String),
    /// The relay refused the request and said why (its `ErrorBody`); a refused publish carries
    /// the preflight findings that stood in the way.
    #[error("{message} ({}, HTTP {status}{})", code.as_str(), request_id.as_ref().map(|id| format!(", request {id}")).unwrap_or_default())]
    Refused {
        status: u16,
        code: ErrorCode,
        message: String,
        request_id: Option<String>,
        /// As the relay sent them; [`findings_of`] reads them (only the pages that show them do,
        /// so the first load does not carry the findings' reader).
        findings: Option<serde_json::Value>,
    },
    /// A failure status without the relay's error body (a proxy in between, an old relay).
    #[error("the relay answered HTTP {status} to {path}")]
    Status { status: u16, path: String },
    /// An answer that is not what this console expects (a relay of another version).
    #[error(
        "the relay's answer to {path} was not understood ({reason}); the relay and the console may be of different versions"
    )]
    Malformed { path: String, reason: String },
}

impl RelayError {
    /// The relay's code, when it refused with its error body.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            RelayError::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// A failure status as a [`RelayError`]: the relay's own words when it sent its error body.
async fn refusal(response: Response, path: String) -> RelayError {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => RelayError::Refused {
            status,
            code: body.code,
            message: body.message,
            request_id: body.request_id,
            findings: body.findings,
        },
        Err(_) => RelayError::Status { status, path },
    }
}

/// The findings the relay sent: a preflight `Report` (a refused publish) or a bare list of findings
/// (a successful one). Anything else — a relay of another version — reads as none.
pub fn findings_of(value: &serde_json::Value) -> Vec<Finding> {
    let list = value.get("findings").unwrap_or(value);
    serde_json::from_value(list.clone()).unwrap_or_default()
}

/// `GET /api/v1/health`.
pub async fn health() -> Result<Health, RelayError> {
    let path = format!("{API_PREFIX}/health");
    let response =
        Request::get(&path).send().await.map_err(|e| RelayError::Unreachable(e.to_string()))?;
    if !response.ok() {
        return Err(refusal(response, path).await);
    }
    response
        .json::<Health>()
        .await
        .map_err(|e| RelayError::Malformed { path, reason: e.to_string() })
}
