//! The deployment policy a boot medium or device downloads (seed 000: "The boot media downloads the
//! policy for the task sequence deployment via the CMG. As the task sequence runs, it downloads any
//! additional content and policies over the internet.").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::{DeploymentOption, Scenario};

/// One file of a content package, with what the client verifies after download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContentFile {
    /// Relative path inside the package (`/`-separated).
    pub path: String,
    pub size: u64,
    /// Lower-case hex SHA-256.
    pub sha256: String,
}

/// A content package the task sequence references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContentReference {
    pub content_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub files: Vec<ContentFile>,
    /// Where to ask for sources: `/api/v1/content/{content_id}/locations`.
    pub locations_url: String,
}

/// A task sequence variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyVariable {
    pub name: String,
    pub value: String,
    /// True when the value was selected for this device (SMBIOS GUID or MAC).
    #[serde(default)]
    pub device_specific: bool,
    /// A secret value (e.g. a password): clients must keep it out of logs.
    #[serde(default)]
    pub secret: bool,
}

/// The policy of one deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeploymentPolicy {
    pub deployment_id: String,
    pub name: String,
    /// The configuration version this policy comes from.
    pub config_version: i64,
    /// The task sequence, as in the published configuration.
    pub task_sequence: serde_json::Value,
    pub variables: Vec<PolicyVariable>,
    pub content: Vec<ContentReference>,
    /// The deployment's scenario (what the device is doing: boot media over the gateway, cloud
    /// content for intranet boot media, an in-place upgrade, a Software Center task sequence).
    pub scenario: Scenario,
    /// Distribution Points page, deployment options (seed 002): `download_when_needed` fetches
    /// each package when the step that needs it runs; `download_all_before_starting` fetches every
    /// package in `content` before the first step.
    pub deployment_option: DeploymentOption,
    /// "Pre-download content for this task sequence" (seed 002, General tab): fetch the content
    /// ahead of the deployment's start.
    pub pre_download: bool,
}

/// `GET /api/v1/policy`: the policies of the deployments the caller may run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyResponse {
    pub deployments: Vec<DeploymentPolicy>,
}
