use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The body of every refusal the relay sends: a stable, machine-readable `code` (clients switch on
/// it) and a plain-words `message` (people read it). Never a secret, never a stack trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// Stable snake_case code, e.g. `unauthorized`, `nonce_replayed`, `precondition_failed`.
    pub code: String,
    /// What went wrong and how to fix it.
    pub message: String,
    /// Preflight findings, present only when a publish was rejected (`code` = `preflight_failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<serde_json::Value>,
}
