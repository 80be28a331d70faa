//! The adapter from `osdgate-model`'s validated [`Plan`] to the relay's [`RelayView`]: the only
//! place the relay reads the configuration model. Publishing goes document → `validate_at`
//! (preflight, all findings) → plan → view.

use osdgate_model::api::{ContentFile, ErrorCode, PolicyVariable, SourceKind};
use osdgate_model::locate::{BoundaryGroupView, Source, Topology};
use osdgate_model::model::{Document, Plan, Timestamp};
use osdgate_model::preflight::{self, RelayGatewayError, Report};

use super::ApiError;
use super::view::{ContentView, DeploymentView, DeviceVariables, MediumView, RelayView};

/// A document that passed preflight, and what the relay serves from it.
#[derive(Debug)]
pub struct Checked {
    pub document: serde_json::Value,
    pub view: RelayView,
    plan: Plan,
    /// Lower-case SHA-256 of every file this relay must hold to serve the plan.
    pub files_to_upload: Vec<String>,
}

impl Checked {
    /// The non-blocking findings (warnings, advice) plus `OSDG-CONTENT-007` for each file this
    /// relay must serve and does not hold; `uploaded` answers for a lower-case SHA-256.
    pub fn findings(&self, uploaded: impl Fn(&str) -> bool) -> Result<serde_json::Value, ApiError> {
        let document = self.plan.document();
        let missing = match self.view.gateway_id.as_deref().and_then(|id| document.gateway(id)) {
            Some(gateway) => preflight::check_uploaded(document, gateway, uploaded),
            None => Vec::new(),
        };
        let report = Report::default().with_findings(self.plan.findings().to_vec());
        to_json(&report.with_findings(missing).findings)
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::internal(e.to_string()))
}

/// Parse and preflight a document (JSON). Errors: `invalid_document` (400, with line and column)
/// or `preflight_failed` (422, with every finding).
pub fn check_document(
    bytes: &[u8],
    gateway_id: Option<&str>,
    now_ms: i64,
) -> Result<Checked, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        ApiError::bad_request(
            ErrorCode::InvalidDocument,
            "the configuration document is not UTF-8 JSON",
        )
    })?;
    let document = Document::from_json(text).map_err(|error| {
        ApiError::bad_request(
            ErrorCode::InvalidDocument,
            format!("the configuration document is not valid: {error}"),
        )
    })?;
    let plan = document.validate_at(Timestamp::from_unix_seconds(now_ms.div_euclid(1000))).map_err(|report| {
        let errors = report.findings.iter().filter(|f| f.severity == osdgate_model::preflight::Severity::Error).count();
        let findings = serde_json::to_value(&report).unwrap_or(serde_json::Value::Null);
        ApiError::unprocessable(
            ErrorCode::PreflightFailed,
            format!("the configuration has {errors} preflight error(s); fix them (see findings) and publish again"),
        )
        .with_findings(findings)
    })?;
    let view = build_view(&plan, gateway_id)?;
    let files_to_upload =
        match view.gateway_id.as_deref().and_then(|id| plan.document().gateway(id)) {
            Some(gateway) => preflight::files_to_upload(plan.document(), gateway),
            None => Vec::new(),
        };
    Ok(Checked { document: to_json(plan.document())?, view, plan, files_to_upload })
}

/// Which gateway of the plan this relay is: `GATEWAY_ID` when set, else the only gateway (the
/// model's rule, shared with `osdgate check --relay`).
fn this_gateway(document: &Document, gateway_id: Option<&str>) -> Result<Option<String>, ApiError> {
    match preflight::relay_gateway(document, gateway_id) {
        Ok(gateway) => Ok(gateway.map(|g| g.id.clone())),
        Err(error @ RelayGatewayError::Unknown(_)) => {
            Err(ApiError::unprocessable(ErrorCode::GatewayUnknown, error.to_string()))
        }
        Err(error @ RelayGatewayError::Ambiguous) => {
            Err(ApiError::unprocessable(ErrorCode::GatewayAmbiguous, error.to_string()))
        }
    }
}

fn topology(document: &Document) -> Result<Topology, ApiError> {
    let mut sources: Vec<Source> = document
        .gateways
        .iter()
        .map(|gateway| Source {
            id: gateway.id.clone(),
            kind: SourceKind::Gateway,
            base_url: format!(
                "{}{}/content/",
                gateway.public_url.trim_end_matches('/'),
                osdgate_model::api::API_PREFIX
            ),
            content_enabled: gateway.content_enabled,
        })
        .collect();
    sources.extend(document.distribution_points.iter().map(|dp| Source {
        id: dp.id.clone(),
        kind: SourceKind::DistributionPoint,
        // ConfigMgr's package share on a distribution point (seed 001: on-premises sources).
        base_url: format!("http://{}/SMS_DP_SMSPKG$/", dp.server),
        content_enabled: true,
    }));
    let mut boundary_groups = Vec::with_capacity(document.boundary_groups.len());
    for group in &document.boundary_groups {
        let mut ranges = Vec::with_capacity(group.boundaries.len());
        for boundary in &group.boundaries {
            // The model's own range: the relay locates with the type preflight checks with.
            ranges.push(boundary.address_range().ok_or_else(|| {
                ApiError::internal(format!(
                    "validated plan has a malformed boundary in group {}",
                    group.id
                ))
            })?);
        }
        boundary_groups.push(BoundaryGroupView {
            id: group.id.clone(),
            ranges,
            sources: group.gateways.iter().chain(&group.distribution_points).cloned().collect(),
            prefer_cloud: group.prefer_cloud_sources,
        });
    }
    Ok(Topology { sources, boundary_groups })
}

/// Build what the relay serves from a validated plan.
pub fn build_view(plan: &Plan, gateway_id: Option<&str>) -> Result<RelayView, ApiError> {
    view_of(plan.document(), gateway_id)
}

/// Rebuild the view of a published version from its stored document, for a view an older relay
/// stored in another format ([`super::view::StoredView::Outdated`]). The document is the one that
/// passed preflight when it was published (a version row is only written by publish and rollback,
/// after `check_document`), so it is not checked again: the version serves what it served, in
/// today's form. `Err` says why it cannot be rebuilt (the admin must publish again).
pub fn rebuild_view(stored_document: &str, gateway_id: Option<&str>) -> Result<RelayView, String> {
    let document = Document::from_json(stored_document)
        .map_err(|error| format!("its stored document no longer reads: {error}"))?;
    view_of(&document, gateway_id).map_err(|error| error.message)
}

fn view_of(document: &Document, gateway_id: Option<&str>) -> Result<RelayView, ApiError> {
    let mut deployments = Vec::with_capacity(document.deployments.len());
    for deployment in &document.deployments {
        let sequence = document.task_sequence(&deployment.task_sequence_id).ok_or_else(|| {
            ApiError::internal(format!(
                "validated plan lacks task sequence {}",
                deployment.task_sequence_id
            ))
        })?;
        // The model's per-scenario conditions, the same that preflight reports: a validated plan
        // meets them, so this refuses only what preflight would refuse too.
        let refusals: Vec<&str> =
            deployment.gateway_refusals().into_iter().map(|r| r.reason()).collect();
        let not_served = (!refusals.is_empty()).then(|| refusals.join("; "));
        let devices = document
            .devices
            .iter()
            .filter(|device| {
                device.is_member_of(&deployment.collection_id) && !device.variables.is_empty()
            })
            .map(|device| DeviceVariables {
                smbios_guid: device.normalized_smbios_guid(),
                macs: device.normalized_macs(),
                variables: device
                    .variables
                    .iter()
                    .map(|v| PolicyVariable {
                        name: v.name.clone(),
                        value: v.value.clone(),
                        device_specific: true,
                        secret: v.secret,
                    })
                    .collect(),
            })
            .collect();
        deployments.push(DeploymentView {
            id: deployment.id.clone(),
            name: sequence.name.clone(),
            not_served,
            scenario: deployment.scenario,
            deployment_option: deployment.deployment_option,
            pre_download: deployment.pre_download,
            task_sequence: to_json(sequence)?,
            variables: sequence
                .global_variables
                .iter()
                .map(|v| PolicyVariable {
                    name: v.name.clone(),
                    value: v.value.clone(),
                    device_specific: false,
                    secret: false,
                })
                .collect(),
            content_ids: sequence
                .referenced_content()
                .into_iter()
                .filter(|id| document.content_package(id).is_some())
                .map(str::to_owned)
                .collect(),
            devices,
        });
    }
    let content = document
        .content
        .iter()
        .map(|package| ContentView {
            id: package.id.clone(),
            name: package.name.clone(),
            version: Some(package.version.to_string()),
            files: package
                .files
                .iter()
                .map(|f| ContentFile {
                    path: f.path.clone(),
                    size: f.size,
                    sha256: f.sha256.to_ascii_lowercase(),
                })
                .collect(),
            distributed_to: package.distributed_to.clone(),
        })
        .collect();
    Ok(RelayView {
        gateway_id: this_gateway(document, gateway_id)?,
        deployments,
        content,
        topology: topology(document)?,
        media: document
            .media
            .iter()
            .map(|medium| MediumView {
                id: medium.id.clone(),
                deployments: medium.deployments.clone(),
            })
            .collect(),
    })
}
