//! Task sequence deployments (Deploy Software Wizard) and the scenario each one is meant for.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Timestamp;

/// A deployment of a task sequence to a collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Stable identifier (ConfigMgr's deployment ID, such as `ABC20001`).
    pub id: String,
    /// The task sequence deployed (`task_sequences[].id`).
    pub task_sequence_id: String,
    /// The target collection (`collections[].id`).
    pub collection_id: String,
    /// What the deployment is for: preflight checks the prerequisites of that scenario.
    pub scenario: Scenario,
    /// Available or Required (General page).
    pub purpose: Purpose,
    /// "Make available to the following" (Deployment Settings page, seed 001).
    pub make_available_to: MakeAvailableTo,
    /// "Allow task sequence to run for client on the Internet" (User Experience page).
    #[serde(default)]
    pub allow_internet: bool,
    /// Deployment options (Distribution Points page).
    pub deployment_option: DeploymentOption,
    /// "Pre-download content for this task sequence" (General page, optional for in-place upgrade).
    #[serde(default)]
    pub pre_download: bool,
    /// The task sequence's advanced setting "Run another program first", if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_another_program_first: Option<ProgramReference>,
    /// When the deployment becomes available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_at: Option<Timestamp>,
    /// The installation deadline of a Required deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Timestamp>,
    /// The admin's explicit acknowledgement that a high-risk deployment (Required and deploying an
    /// OS, seed 002 warning) is intended.
    #[serde(default)]
    pub high_risk_acknowledged: bool,
}

/// The scenarios of the seeds; each has its own prerequisites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Reimage an internet-based device from bootable media that talks to the gateway (seed 000;
    /// seed 002, "Deploy an OS over CMG using bootable media").
    BootMediaOverGateway,
    /// Bootable media or PXE on the intranet that download content from the content-enabled gateway
    /// (seed 001, "Support for cloud-based content"; seed 002, "Bootable media support for
    /// cloud-based content").
    CloudContentFromBootMedia,
    /// Windows in-place upgrade of internet-based clients (seed 002, "Deploy Windows in-place upgrade
    /// via CMG").
    InPlaceUpgradeOverGateway,
    /// A task sequence that the user starts from Software Center over the gateway (seed 002, "Install
    /// a Windows imaging task sequence from Software Center").
    SoftwareCenter,
}

impl Scenario {
    /// The name used in documents and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::BootMediaOverGateway => "boot-media-over-gateway",
            Scenario::CloudContentFromBootMedia => "cloud-content-from-boot-media",
            Scenario::InPlaceUpgradeOverGateway => "in-place-upgrade-over-gateway",
            Scenario::SoftwareCenter => "software-center",
        }
    }

    /// Whether the devices reach the site through a gateway (all but cloud content, where the device
    /// is on the intranet and only its content comes from the gateway).
    pub fn over_gateway(self) -> bool {
        !matches!(self, Scenario::CloudContentFromBootMedia)
    }

    /// Whether the task sequence starts from boot media (or PXE), rather than from Software Center
    /// on a ConfigMgr client.
    pub fn from_media(self) -> bool {
        matches!(self, Scenario::BootMediaOverGateway | Scenario::CloudContentFromBootMedia)
    }
}

impl Deployment {
    /// Why a gateway must not serve this deployment's policy and content: the one copy of the
    /// per-scenario conditions that preflight reports (`OSDG-DEPLOY-001`, `OSDG-DEPLOY-002`) and
    /// the relay obeys. Empty when the deployment is served.
    ///
    /// "Allow task sequence to run for client on the Internet" is required for the scenarios whose
    /// clients are on the internet (seed 002, "Allow task sequence to run on internet": "This
    /// setting is required for all internet-based client scenarios"), not for cloud content, whose
    /// devices are on the intranet and only take their content from the gateway (seed 001 and
    /// 002, "Support for cloud-based content"). The boot-media scenarios need "Make available to
    /// the following" to include media (seed 001, "Configure deployment settings").
    pub fn gateway_refusals(&self) -> Vec<GatewayRefusal> {
        let mut refusals = Vec::new();
        if self.scenario.over_gateway() && !self.allow_internet {
            refusals.push(GatewayRefusal::InternetNotAllowed);
        }
        if self.scenario.from_media() && !self.make_available_to.includes_media() {
            refusals.push(GatewayRefusal::NotAvailableToMedia);
        }
        refusals
    }
}

/// Why a gateway does not serve a deployment (see [`Deployment::gateway_refusals`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatewayRefusal {
    /// An internet scenario without "Allow task sequence to run for client on the Internet".
    InternetNotAllowed,
    /// A boot-media scenario whose "Make available to the following" excludes media.
    NotAvailableToMedia,
}

impl GatewayRefusal {
    /// The reason in plain words.
    pub fn reason(self) -> &'static str {
        match self {
            GatewayRefusal::InternetNotAllowed => {
                "the deployment does not allow the task sequence to run for clients on the internet"
            }
            GatewayRefusal::NotAvailableToMedia => {
                "the deployment is not made available to media (\"Make available to\" must include media)"
            }
        }
    }
}

/// Deployment purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The user starts it (Software Center, or the media's wizard).
    Available,
    /// Installs automatically at the deadline.
    Required,
}

/// "Make available to the following" (seed 001, "Configure deployment settings").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MakeAvailableTo {
    /// "Only Configuration Manager clients".
    ClientsOnly,
    /// "Configuration Manager clients, media, and PXE".
    ClientsMediaAndPxe,
    /// "Only media and PXE".
    MediaAndPxe,
    /// "Only media and PXE (hidden)".
    MediaAndPxeHidden,
}

impl MakeAvailableTo {
    /// Whether the option includes media.
    pub fn includes_media(self) -> bool {
        !matches!(self, MakeAvailableTo::ClientsOnly)
    }

    /// Whether ConfigMgr clients (Software Center) see the deployment.
    pub fn includes_clients(self) -> bool {
        matches!(self, MakeAvailableTo::ClientsOnly | MakeAvailableTo::ClientsMediaAndPxe)
    }
}

/// Deployment options, Distribution Points page (seed 002, "Deployment options").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentOption {
    /// "Download content locally when needed by the running task sequence".
    DownloadWhenNeeded,
    /// "Download all content locally before starting task sequence".
    DownloadAllBeforeStarting,
    /// "Access content directly from a distribution point when needed by the running task sequence".
    AccessContentDirectly,
}

/// A package program, for "Run another program first".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramReference {
    /// The package ID.
    pub package_id: String,
    /// The program name.
    pub program: String,
}
