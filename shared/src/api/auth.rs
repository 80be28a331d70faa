//! Challenge–response authentication of boot media and devices (seed 000, "the boot media downloads
//! the policy for the task sequence deployment via the CMG"; "after the task sequence runs, the client
//! uses token-based authentication").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Who is authenticating: boot media (media key, short-lived media token) or a registered device
/// (device key, long-lived device token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    Media,
    Device,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Media => "media",
            SubjectKind::Device => "device",
        }
    }
}

/// `POST /api/v1/auth/challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChallengeRequest {
    pub kind: SubjectKind,
    /// The media ID or the device ID.
    pub id: String,
}

/// The answer to a challenge request: a single-use nonce to sign with the subject's ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Challenge {
    /// Random, URL-safe base64; usable once, until `expires_at`.
    pub nonce: String,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
    /// The exact bytes (UTF-8) to sign: [`challenge_message`] of kind, id and nonce.
    pub message: String,
}

/// `POST /api/v1/auth/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TokenRequest {
    pub kind: SubjectKind,
    pub id: String,
    pub nonce: String,
    /// The ed25519 signature (64 bytes, standard or URL-safe base64) of [`Challenge::message`].
    pub signature: String,
}

/// A bearer token for the client API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IssuedToken {
    pub token: String,
    pub kind: SubjectKind,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
    /// The deployments this token may read policy and content for.
    pub deployments: Vec<String>,
}

/// The message a subject signs to answer a challenge. Domain-separated so that a signature made for
/// anything else (another kind, another subject, another nonce) is never accepted.
pub fn challenge_message(kind: SubjectKind, id: &str, nonce: &str) -> String {
    format!("osdgate-auth-v1\n{}\n{id}\n{nonce}", kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_message_separates_kind_id_and_nonce() {
        let media = challenge_message(SubjectKind::Media, "m1", "n");
        let device = challenge_message(SubjectKind::Device, "m1", "n");
        assert_ne!(media, device);
        assert_eq!(media, "osdgate-auth-v1\nmedia\nm1\nn");
    }
}
