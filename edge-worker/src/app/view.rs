//! What the relay serves from a published configuration: computed once at publish time from the
//! validated plan (see `adapter`), stored next to the document, and read by the policy, content and
//! location endpoints.
//!
//! The stored form carries [`VIEW_FORMAT`]. A view stored in another format (by an older relay:
//! views before f755f60 lack the scenario and deployment option the policy now carries) is never
//! read with defaults filled in, which could change what a device gets: the caller rebuilds it
//! from the version's stored document with the adapter (`config::current_view_versioned`).

use osdgate_model::api::{ContentFile, PolicyVariable};
use osdgate_model::locate::Topology;
use osdgate_model::model::{DeploymentOption, MediaDeploymentRefusal, Scenario};
use serde::{Deserialize, Serialize};

/// The shape of [`RelayView`] as stored in `config_versions.view`. Raise it whenever the view's
/// fields change: views stored in another format are rebuilt from their documents on read.
/// 1: scenario, deployment option and pre-download per deployment (f755f60; views stored before
/// this number existed have none and count as format 0).
/// 2: the document's media and their deployments (what a registered medium may run now).
pub const VIEW_FORMAT: u64 = 2;

/// The key of the format number in the stored JSON.
const FORMAT_KEY: &str = "format";

/// A stored view as read back.
#[derive(Debug)]
pub enum StoredView {
    /// Stored in [`VIEW_FORMAT`]: served as it is.
    Current(RelayView),
    /// Stored by an older relay in format `format`: rebuild it from the version's document.
    Outdated {
        format: u64,
        /// The gateway the old view was computed for (`GATEWAY_ID` may have changed since).
        gateway_id: Option<String>,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelayView {
    /// The gateway (in the configuration) that this relay is.
    pub gateway_id: Option<String>,
    pub deployments: Vec<DeploymentView>,
    pub content: Vec<ContentView>,
    pub topology: Topology,
    /// The document's media: a medium registered from one of them is served only the deployments
    /// it names in the current version (see [`RelayView::medium_refusal`]).
    pub media: Vec<MediumView>,
}

/// A medium of the published document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediumView {
    pub id: String,
    /// The deployments (`deployments[].id`) the medium runs.
    pub deployments: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentView {
    pub id: String,
    pub name: String,
    /// Why the relay does not serve this deployment (`Deployment::gateway_refusals`, the
    /// conditions preflight reports); `None` when it is served.
    pub not_served: Option<String>,
    /// The deployment's scenario.
    pub scenario: Scenario,
    /// Distribution Points page: when the client downloads the content.
    pub deployment_option: DeploymentOption,
    /// "Pre-download content for this task sequence".
    #[serde(default)]
    pub pre_download: bool,
    pub task_sequence: serde_json::Value,
    pub variables: Vec<PolicyVariable>,
    /// Content IDs the task sequence (and its boot image) reference, in order.
    pub content_ids: Vec<String>,
    pub devices: Vec<DeviceVariables>,
}

/// Variables for one device, selected by SMBIOS GUID or MAC address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceVariables {
    /// Upper-case canonical SMBIOS UUID.
    pub smbios_guid: Option<String>,
    /// `AA:BB:CC:DD:EE:FF` form.
    pub macs: Vec<String>,
    pub variables: Vec<PolicyVariable>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentView {
    pub id: String,
    pub name: String,
    pub version: Option<String>,
    pub files: Vec<ContentFile>,
    /// IDs of the gateways and distribution points the content is distributed to.
    pub distributed_to: Vec<String>,
}

impl DeploymentView {
    /// Why this deployment is not served to the relay's clients, `None` when it is. Every client
    /// of the relay starts from boot media (media tokens, and devices registered through a
    /// medium), so besides the model's gateway conditions (`not_served`) a deployment must be of a
    /// scenario that starts from media: in-place upgrade and Software Center run on installed
    /// ConfigMgr clients (`OSDG-MEDIA-011`, the same rule, stops a document's medium from naming
    /// them; this also holds for media registered before registrations named a document medium).
    pub fn refusal(&self) -> Option<String> {
        if let Some(reason) = &self.not_served {
            return Some(reason.clone());
        }
        (!self.scenario.from_media())
            .then(|| MediaDeploymentRefusal::NotFromMedia(self.scenario).to_string())
    }
}

impl RelayView {
    /// The JSON stored in `config_versions.view`: the view and its [`VIEW_FORMAT`].
    pub fn to_stored_json(&self) -> Result<String, serde_json::Error> {
        let mut value = serde_json::to_value(self)?;
        if let serde_json::Value::Object(fields) = &mut value {
            fields.insert(FORMAT_KEY.to_owned(), VIEW_FORMAT.into());
        }
        serde_json::to_string(&value)
    }

    /// Read a stored view. An error means the text is not a view at all (not JSON, or a view of
    /// the current format that does not parse).
    pub fn from_stored_json(text: &str) -> Result<StoredView, serde_json::Error> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        let format = value.get(FORMAT_KEY).and_then(serde_json::Value::as_u64).unwrap_or(0);
        if format != VIEW_FORMAT {
            let gateway_id =
                value.get("gateway_id").and_then(serde_json::Value::as_str).map(str::to_owned);
            return Ok(StoredView::Outdated { format, gateway_id });
        }
        serde_json::from_value(value).map(StoredView::Current)
    }

    pub fn deployment(&self, id: &str) -> Option<&DeploymentView> {
        self.deployments.iter().find(|d| d.id == id)
    }
    /// Why a client whose medium was registered from the document's medium `medium` may not run
    /// `deployment` under this version, `None` when it may. A registration keeps the deployments
    /// its medium named then (its token carries them); a later publish that takes a deployment off
    /// the medium, or the medium out of the document, ends that deployment for it, and putting it
    /// back restores it: the client is served the intersection. `medium` is `None` for media
    /// registered before registrations named a document medium: they keep their own list.
    pub fn medium_refusal(&self, medium: Option<&str>, deployment: &str) -> Option<String> {
        let medium = medium?;
        match self.media.iter().find(|m| m.id == medium) {
            None => Some(format!(
                "the boot medium was built from medium {medium}, which the published configuration no longer has; add the medium back to the document and publish, or build a new medium"
            )),
            Some(view) if !view.deployments.iter().any(|d| d == deployment) => Some(format!(
                "medium {medium} in the published configuration no longer runs deployment {deployment}; add it to the medium's deployments and publish again"
            )),
            Some(_) => None,
        }
    }

    pub fn content(&self, id: &str) -> Option<&ContentView> {
        self.content.iter().find(|c| c.id == id)
    }
    /// True when this relay's gateway serves content and the content is distributed to it (seed
    /// 000: "distribute it to a content-enabled CMG").
    pub fn distributed_here(&self, content: &ContentView) -> bool {
        let Some(gateway) = &self.gateway_id else { return false };
        content.distributed_to.iter().any(|id| id == gateway)
            && self.topology.sources.iter().any(|s| &s.id == gateway && s.content_enabled)
    }
}
