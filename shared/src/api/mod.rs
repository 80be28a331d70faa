//! Request and response types of the relay's HTTP API (`/api/v1/...`), shared by the relay, the
//! console, the agent and the CLI so that both sides of every call agree on the wire format.

mod auth;
mod config;
mod content;
mod devices;
mod error;
mod health;
mod media;
mod policy;
mod status;

pub use auth::{
    Challenge, ChallengeRequest, IssuedToken, SubjectKind, TokenRequest, challenge_message,
};
pub use config::{ConfigHistory, ConfigVersion, KEPT_SECRET, Published, Rollback, config_etag};
pub use content::{
    BlobRecord, ContentLocations, ContentSource, GATEWAY_FILES, PartReceived, SourceKind,
    StartUpload, UploadSession,
};
pub use devices::{
    DeviceRecord, DeviceRegistered, DeviceState, DeviceTokenRecord, REGISTRATION_DOMAIN,
    RegisterDevice, RegistrationNonce, registration_message,
};
pub use error::{ErrorBody, ErrorCode, UnknownErrorCode};
pub use health::{BindingKind, BindingStatus, Health};
pub use media::{
    ApprovedDevices, AuthEvent, AuthEventPage, MediaRecord, RegisterMedia, Revoke, RevokeMedia,
};
pub use policy::{ContentFile, ContentReference, DeploymentPolicy, PolicyResponse, PolicyVariable};
pub use status::{
    StatusAccepted, StatusMessage, StatusPage, StatusPost, StepState, download_of, download_step,
};

/// The path prefix of every relay API route.
pub const API_PREFIX: &str = "/api/v1";

/// The header that carries the relay's SHA-256 of a content file, so the client verifies what it
/// downloaded.
pub const CONTENT_SHA256_HEADER: &str = "x-osdgate-sha256";

/// The response header that carries the relay's ID of the request. Storage and internal errors
/// also name it in their body (`request_id`); the relay logged the detail under it.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
