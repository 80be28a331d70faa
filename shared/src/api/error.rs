use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The body of every refusal the relay sends: a stable, machine-readable `code` (clients switch on
/// it) and a plain-words `message` (people read it). Never a secret, never a stack trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// Stable snake_case code, e.g. `unauthorized`, `nonce_replayed`, `precondition_failed`.
    pub code: ErrorCode,
    /// What went wrong and how to fix it.
    pub message: String,
    /// Preflight findings, present only when a publish was rejected (`code` = `preflight_failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<serde_json::Value>,
    /// The relay's ID of this request, present on storage and internal errors: the relay logged the
    /// detail under it, so an admin can find it in the worker's logs (`wrangler tail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Declares [`ErrorCode`] once: each variant with its wire string and its meaning, and the list of
/// all of them, so the enum, [`ErrorCode::ALL`] and [`ErrorCode::as_str`] cannot drift apart.
macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $wire:literal, )+) => {
        /// The stable, machine-readable code of every refusal the relay sends (the `code` of
        /// [`ErrorBody`]). The wire strings never change once released: clients (the console, the
        /// CLI, the agent) switch on them. A new refusal gets a new code here, never a string
        /// literal in the relay.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])+ #[serde(rename = $wire)] $variant, )+
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The code as it travels on the wire (`"unauthorized"`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $wire,)+
                }
            }
        }
    };
}

error_codes! {
    // Routing.
    /// No route for this path.
    NotFound = "not_found",
    /// The path exists but does not accept this method.
    MethodNotAllowed = "method_not_allowed",
    /// A cross-origin request from an origin other than the console's (`CONSOLE_ORIGIN`).
    CorsOriginDenied = "cors_origin_denied",

    // Request bodies and parameters.
    /// The request body could not be read.
    BodyUnreadable = "body_unreadable",
    /// `Content-Length` is not a number.
    InvalidContentLength = "invalid_content_length",
    /// The request body is larger than this endpoint's limit.
    PayloadTooLarge = "payload_too_large",
    /// An upload without `Content-Length` (uploads stream to the object store, which needs it).
    LengthRequired = "length_required",
    /// The request body is not the JSON this endpoint expects.
    InvalidJson = "invalid_json",
    /// A body sent without `Content-Type: application/json` to a JSON endpoint (no cross-site
    /// "simple" requests).
    UnsupportedMediaType = "unsupported_media_type",
    /// An identifier (media, device, deployment, upload ID) has characters or a length outside its rule.
    InvalidId = "invalid_id",
    /// A SHA-256 is not 64 hexadecimal digits.
    InvalidSha256 = "invalid_sha256",
    /// A page size outside 1–500.
    InvalidLimit = "invalid_limit",
    /// A page cursor the relay did not hand out.
    InvalidCursor = "invalid_cursor",

    // Credentials.
    /// No or a malformed `Authorization: Bearer` header, or a wrong admin token.
    Unauthorized = "unauthorized",
    /// The relay has no `ADMIN_TOKEN` secret.
    AdminNotConfigured = "admin_not_configured",
    /// The relay has no `TOKEN_SIGNING_KEY` secret.
    TokensNotConfigured = "tokens_not_configured",
    /// Too many authentication attempts; `Retry-After` says when to try again.
    RateLimited = "rate_limited",
    /// A bearer token that is not one the relay signed, or is unknown to it.
    TokenInvalid = "token_invalid",
    /// A bearer token past its expiry.
    TokenExpired = "token_expired",
    /// A device token an admin revoked.
    TokenRevoked = "token_revoked",
    /// A challenge answer for a nonce the relay did not issue (or has purged).
    NonceUnknown = "nonce_unknown",
    /// A challenge answer for a nonce already used.
    NonceReplayed = "nonce_replayed",
    /// A challenge answer for a nonce issued to another subject.
    NonceMismatch = "nonce_mismatch",
    /// A challenge answered after the nonce expired.
    NonceExpired = "nonce_expired",
    /// A signature that does not verify with the subject's public key.
    SignatureInvalid = "signature_invalid",
    /// A public key that is not a base64 Ed25519 key.
    InvalidPublicKey = "invalid_public_key",
    /// A boot medium the relay does not know.
    MediaUnknown = "media_unknown",
    /// A boot medium an admin revoked.
    MediaRevoked = "media_revoked",
    /// A boot medium past its expiry.
    MediaExpired = "media_expired",
    /// A device the relay does not know.
    DeviceUnknown = "device_unknown",
    /// A device an admin revoked.
    DeviceRevoked = "device_revoked",
    /// This call needs a media token (device registration).
    MediaTokenRequired = "media_token_required",
    /// This call needs a device token (renewal).
    DeviceTokenRequired = "device_token_required",

    // Configuration.
    /// Nothing has been published yet.
    NoConfiguration = "no_configuration",
    /// The configuration document is not UTF-8 JSON of the model's shape.
    InvalidDocument = "invalid_document",
    /// The configuration has preflight errors (see `findings`).
    PreflightFailed = "preflight_failed",
    /// The configuration defines several gateways and the relay's `GATEWAY_ID` is not set.
    GatewayAmbiguous = "gateway_ambiguous",
    /// The relay's `GATEWAY_ID` names a gateway the configuration does not define.
    GatewayUnknown = "gateway_unknown",
    /// `If-Match` does not name the current version.
    PreconditionFailed = "precondition_failed",
    /// A version is published and the change sent no `If-Match`.
    PreconditionRequired = "precondition_required",
    /// No configuration version with this number.
    VersionNotFound = "version_not_found",
    /// A rollback to the version that is already current.
    AlreadyCurrent = "already_current",
    /// The published configuration was stored by an older relay in a form this relay cannot
    /// rebuild; an admin publishes it again.
    ConfigurationOutdated = "configuration_outdated",
    /// A published document holds the kept-secret placeholder for a field the relay has no secret
    /// for (a new field, or one renamed): give the value itself.
    SecretNotKept = "secret_not_kept",

    // Policy and content.
    /// The medium may not run this deployment.
    DeploymentNotAllowed = "deployment_not_allowed",
    /// No deployment is served to this medium.
    DeploymentNotServed = "deployment_not_served",
    /// The content is not referenced by any deployment this token may run.
    ContentNotAllowed = "content_not_allowed",
    /// The content is not distributed to this gateway.
    ContentNotDistributed = "content_not_distributed",
    /// The content's file has not been uploaded to the relay yet.
    ContentNotUploaded = "content_not_uploaded",
    /// The content has no file at this path.
    FileNotFound = "file_not_found",
    /// A `Range` outside the object.
    RangeNotSatisfiable = "range_not_satisfiable",

    // Blobs (content uploads).
    /// No complete blob with this SHA-256.
    BlobNotFound = "blob_not_found",
    /// The blob is already stored and complete.
    BlobExists = "blob_exists",
    /// The uploaded bytes do not hash to the declared SHA-256; nothing was stored.
    Sha256Mismatch = "sha256_mismatch",
    /// A declared size outside the relay's limits.
    InvalidSize = "invalid_size",
    /// A part number outside the upload's parts.
    InvalidPartNumber = "invalid_part_number",
    /// A part that is not exactly the size the upload expects.
    InvalidPartSize = "invalid_part_size",
    /// No upload with this ID in progress.
    UploadNotFound = "upload_not_found",
    /// Completing an upload that still misses parts.
    UploadIncomplete = "upload_incomplete",

    // Media.
    /// No boot medium with this ID.
    MediaNotFound = "media_not_found",
    /// A boot medium with this ID is already registered.
    MediaExists = "media_exists",
    /// A medium registered without any deployment (no longer sent: a registration takes its
    /// deployments from the document's medium, whose rules require one).
    NoDeployments = "no_deployments",
    /// A medium naming a deployment the published configuration does not have (no longer sent:
    /// a registration takes its deployments from the document's medium).
    UnknownDeployment = "unknown_deployment",
    /// A registration naming a medium the published document does not have.
    UnknownMedium = "unknown_medium",
    /// An expiry that is not in the future, or later than the document medium's.
    InvalidExpiry = "invalid_expiry",
    /// `created_by` is empty or too long.
    InvalidCreatedBy = "invalid_created_by",

    // Devices.
    /// No device with this ID.
    DeviceNotFound = "device_not_found",
    /// No device token with this ID.
    TokenNotFound = "token_not_found",
    /// A device registered without SMBIOS GUID or MAC.
    DeviceIdentityMissing = "device_identity_missing",
    /// A MAC address that is not six hexadecimal pairs.
    InvalidMac = "invalid_mac",
    /// An SMBIOS GUID that is not a GUID.
    InvalidSmbiosGuid = "invalid_smbios_guid",
    /// A public key already registered to another device.
    DeviceKeyInUse = "device_key_in_use",
    /// A claimed SMBIOS GUID or MAC already bound to another device's key (recorded for the admin).
    DeviceIdentityInUse = "device_identity_in_use",
    /// A registration without the signature that proves possession of the device key.
    PossessionProofRequired = "possession_proof_required",
    /// Approving a device that an admin revoked.
    DeviceNotApprovable = "device_not_approvable",

    // Status messages.
    /// A step name that is empty or too long.
    InvalidStep = "invalid_step",
    /// A progress outside 0–100.
    InvalidProgress = "invalid_progress",
    /// An error code that is too long.
    InvalidErrorCode = "invalid_error_code",
    /// A log excerpt larger than the limit.
    LogExcerptTooLong = "log_excerpt_too_long",
    /// Another message with this `message_id` exists with different content.
    MessageIdConflict = "message_id_conflict",

    // The relay itself.
    /// The relay's storage (D1, R2 or KV) failed; `request_id` names the logged detail.
    StorageUnavailable = "storage_unavailable",
    /// An error inside the relay; `request_id` names the logged detail.
    Internal = "internal",
    /// The relay's own settings (`wrangler.toml` vars, Worker secrets) are invalid; the worker's
    /// log names each problem.
    RelayMisconfigured = "relay_misconfigured",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the [`ErrorCode`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an error code of the relay")]
pub struct UnknownErrorCode(pub String);

impl std::str::FromStr for ErrorCode {
    type Err = UnknownErrorCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| UnknownErrorCode(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_are_unique_snake_case_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for &code in ErrorCode::ALL {
            let wire = code.as_str();
            assert!(seen.insert(wire), "{wire} is declared twice");
            assert!(
                wire.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{wire} is not snake_case"
            );
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(wire));
            assert_eq!(serde_json::from_value::<ErrorCode>(serde_json::json!(wire)).unwrap(), code);
            assert_eq!(wire.parse::<ErrorCode>().unwrap(), code);
        }
        assert!("no_such_code".parse::<ErrorCode>().is_err());
    }

    #[test]
    fn error_body_keeps_the_wire_format() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"code":"nonce_replayed","message":"m"}"#).unwrap();
        assert_eq!(body.code, ErrorCode::NonceReplayed);
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"code":"nonce_replayed","message":"m"}"#
        );
    }
}
