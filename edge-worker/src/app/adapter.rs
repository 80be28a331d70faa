//! The adapter from `osdgate-model`'s validated [`Plan`] to the relay's [`RelayView`]: the only
//! place the relay reads the configuration model. Publishing goes document → `validate_at`
//! (preflight, all findings) → plan → view.

use osdgate_model::api::{ContentFile, ErrorCode, PolicyVariable, SourceKind};
use osdgate_model::locate::{AddressRange, BoundaryGroupView, Source, Topology};
use osdgate_model::model::{Boundary, Document, Plan, Timestamp};

use super::ApiError;
use super::view::{ContentView, DeploymentView, DeviceVariables, RelayView};

/// A document that passed preflight, and what the relay serves from it.
#[derive(Debug)]
pub struct Checked {
    pub document: serde_json::Value,
    pub view: RelayView,
    /// Non-blocking findings (warnings, advice).
    pub findings: serde_json::Value,
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
    Ok(Checked { document: to_json(plan.document())?, view, findings: to_json(&plan.findings())? })
}

/// Which gateway of the plan this relay is: `GATEWAY_ID` when set, else the only gateway.
fn this_gateway(document: &Document, gateway_id: Option<&str>) -> Result<Option<String>, ApiError> {
    match gateway_id {
        Some(id) if document.gateway(id).is_some() => Ok(Some(id.to_owned())),
        Some(id) => Err(ApiError::unprocessable(
            ErrorCode::GatewayUnknown,
            format!(
                "this relay is gateway `{id}` (GATEWAY_ID), which the configuration does not define; add it or change GATEWAY_ID"
            ),
        )),
        None => match document.gateways.as_slice() {
            [] => Ok(None),
            [only] => Ok(Some(only.id.clone())),
            _ => Err(ApiError::unprocessable(
                ErrorCode::GatewayAmbiguous,
                "the configuration defines several gateways; set the relay's GATEWAY_ID variable to the one it is",
            )),
        },
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
            ranges.push(match boundary {
                Boundary::Subnet(cidr) => {
                    AddressRange::parse(&format!("{}/{}", cidr.network(), cidr.prefix_len()))
                        .map_err(|e| {
                            ApiError::internal(format!("boundary of group {}: {e}", group.id))
                        })?
                }
                Boundary::Range { start, end } => AddressRange { first: *start, last: *end },
            });
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
    let document = plan.document();
    let mut deployments = Vec::with_capacity(document.deployments.len());
    for deployment in &document.deployments {
        let sequence = document.task_sequence(&deployment.task_sequence_id).ok_or_else(|| {
            ApiError::internal(format!(
                "validated plan lacks task sequence {}",
                deployment.task_sequence_id
            ))
        })?;
        // Seed 000/002: the deployment must allow internet clients and be available to media.
        let not_served = if !deployment.allow_internet {
            Some("the deployment does not allow the task sequence to run for clients on the internet".to_owned())
        } else if !deployment.make_available_to.includes_media() {
            Some("the deployment is not made available to media (\"Make available to\" must include media)".to_owned())
        } else {
            None
        };
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
    })
}
