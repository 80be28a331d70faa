//! The adapter from `osdgate-model`'s validated plan to the relay's [`RelayView`].

use super::ApiError;
use super::view::RelayView;

/// A document that passed preflight, and what the relay serves from it.
#[derive(Debug)]
pub struct Checked {
    pub document: serde_json::Value,
    pub view: RelayView,
    /// Non-blocking findings (warnings, advice).
    pub findings: serde_json::Value,
}

pub fn check_document(_bytes: &[u8], _gateway_id: Option<&str>) -> Result<Checked, ApiError> {
    Err(ApiError::internal("the configuration model is not merged yet"))
}
