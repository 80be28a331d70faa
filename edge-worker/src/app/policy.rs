//! Clients: the deployment policy (task sequence, variables incl. device-specific ones, every
//! content reference with size and SHA-256, the deployment option), content location and content
//! download. A deployment is served exactly when the model's per-scenario conditions hold
//! (`Deployment::gateway_refusals`, the same that preflight reports): cloud content for intranet
//! boot media, for one, needs no "Allow task sequence to run for client on the internet".

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use osdgate_model::api::{
    ContentLocations, ContentReference, DeploymentPolicy, ErrorCode, PolicyResponse, PolicyVariable,
};
use serde::Deserialize;

use super::auth::ClientAuth;
use super::blobs::{blob_record, serve};
use super::devices::normalize_mac;
use super::extract::ClientAddress;
use super::view::{DeploymentView, RelayView};
use super::{ApiError, AppState};

#[derive(Debug, Deserialize)]
pub struct PolicyQuery {
    /// One deployment; all the caller may run when absent. Any other parameter (a hardware
    /// identity, say) is ignored: the token alone decides whose variables are served.
    pub deployment: Option<String>,
}

async fn view(state: &AppState) -> Result<(i64, std::sync::Arc<RelayView>), ApiError> {
    super::config::current_view_versioned(state).await?.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::NoConfiguration,
            "the relay has no published configuration yet",
        )
    })
}

/// Whose variables a caller gets: a device token its own device's (by the identity registered with
/// its key, never one named in the request); a media token none that are device-specific.
/// Secret variables reach only an approved device: a hardware identity is self-asserted by
/// whoever holds a medium, so a claim alone never yields a secret.
#[derive(Debug, Clone, Copy, Default)]
pub struct VariableAudience<'a> {
    pub smbios_guid: Option<&'a str>,
    pub mac: Option<&'a str>,
    pub secrets: bool,
}

impl<'a> VariableAudience<'a> {
    pub fn of(auth: &'a ClientAuth) -> Self {
        match &auth.device {
            Some(device) => VariableAudience {
                smbios_guid: device.smbios_guid.as_deref(),
                mac: device.mac.as_deref(),
                secrets: device.approved,
            },
            None => VariableAudience::default(),
        }
    }
}

/// The device-specific variables override the deployment's variables of the same name; secret
/// ones are left out unless the audience may have them.
pub fn merge_variables(
    deployment: &DeploymentView,
    audience: VariableAudience,
) -> Vec<PolicyVariable> {
    let VariableAudience { smbios_guid, mac, secrets } = audience;
    let mut variables = deployment.variables.clone();
    let selected = deployment.devices.iter().filter(|device| {
        let guid = device
            .smbios_guid
            .as_deref()
            .is_some_and(|g| Some(g.to_ascii_uppercase().as_str()) == smbios_guid);
        let by_mac = mac.is_some_and(|mac| {
            device.macs.iter().any(|m| normalize_mac(m).ok().as_deref() == Some(mac))
        });
        guid || by_mac
    });
    for device in selected {
        for variable in &device.variables {
            let variable = PolicyVariable { device_specific: true, ..variable.clone() };
            match variables.iter_mut().find(|v| v.name.eq_ignore_ascii_case(&variable.name)) {
                Some(existing) => *existing = variable,
                None => variables.push(variable),
            }
        }
    }
    if !secrets {
        variables.retain(|variable| !variable.secret);
    }
    variables
}

/// The deployment's task sequence; its hidden variables (secrets, such as a domain join or local
/// administrator password) are served empty unless the audience may have secrets.
fn task_sequence_for(deployment: &DeploymentView, audience: VariableAudience) -> serde_json::Value {
    let mut sequence = deployment.task_sequence.clone();
    if !audience.secrets {
        super::secrets::withhold(&mut sequence);
    }
    sequence
}

fn content_reference(view: &RelayView, id: &str) -> Result<ContentReference, ApiError> {
    let content = view
        .content(id)
        .ok_or_else(|| ApiError::storage(format!("published view lacks content {id}")))?;
    Ok(ContentReference {
        content_id: content.id.clone(),
        name: content.name.clone(),
        version: content.version.clone(),
        files: content.files.clone(),
        locations_url: format!(
            "{}/content/{}/locations",
            osdgate_model::api::API_PREFIX,
            content.id
        ),
    })
}

/// `GET /api/v1/policy`.
pub async fn policy(
    State(state): State<AppState>,
    auth: ClientAuth,
    Query(query): Query<PolicyQuery>,
) -> Result<Json<PolicyResponse>, ApiError> {
    let (version, view) = view(&state).await?;
    let audience = VariableAudience::of(&auth);
    let wanted: Vec<&String> = match &query.deployment {
        Some(id) => {
            if !auth.may_read(id) {
                return Err(ApiError::forbidden(
                    ErrorCode::DeploymentNotAllowed,
                    format!("this medium may not run deployment {id}"),
                ));
            }
            if let Some(reason) = view.medium_refusal(auth.medium.as_deref(), id) {
                return Err(ApiError::forbidden(
                    ErrorCode::DeploymentNotAllowed,
                    format!("this medium may not run deployment {id}: {reason}"),
                ));
            }
            vec![id]
        }
        None => auth.claims.deployments.iter().collect(),
    };
    let mut deployments = Vec::new();
    let mut refusals = Vec::new();
    for id in wanted {
        if let Some(reason) = view.medium_refusal(auth.medium.as_deref(), id) {
            refusals.push(format!("{id}: {reason}"));
            continue;
        }
        let Some(deployment) = view.deployment(id) else {
            refusals.push(format!("{id}: not in the published configuration"));
            continue;
        };
        if let Some(reason) = deployment.refusal() {
            refusals.push(format!("{id}: {reason}"));
            continue;
        }
        deployments.push(DeploymentPolicy {
            deployment_id: deployment.id.clone(),
            name: deployment.name.clone(),
            config_version: version,
            task_sequence: task_sequence_for(deployment, audience),
            variables: merge_variables(deployment, audience),
            content: deployment
                .content_ids
                .iter()
                .map(|c| content_reference(&view, c))
                .collect::<Result<_, _>>()?,
            scenario: deployment.scenario,
            deployment_option: deployment.deployment_option,
            pre_download: deployment.pre_download,
        });
    }
    if deployments.is_empty() {
        return Err(ApiError::forbidden(
            ErrorCode::DeploymentNotServed,
            format!("no deployment is served to this medium: {}", refusals.join("; ")),
        ));
    }
    Ok(Json(PolicyResponse { deployments }))
}

/// The caller may fetch a content package when one of its served deployments references it (a
/// deployment its token names and its medium still runs in the current version).
fn check_content_allowed<'v>(
    view: &'v RelayView,
    auth: &ClientAuth,
    content_id: &str,
) -> Result<&'v super::view::ContentView, ApiError> {
    let referenced = view.deployments.iter().any(|d| {
        d.refusal().is_none()
            && auth.may_read(&d.id)
            && view.medium_refusal(auth.medium.as_deref(), &d.id).is_none()
            && d.content_ids.iter().any(|c| c == content_id)
    });
    if !referenced {
        return Err(ApiError::forbidden(
            ErrorCode::ContentNotAllowed,
            format!("content {content_id} is not referenced by any deployment this token may run"),
        ));
    }
    view.content(content_id)
        .ok_or_else(|| ApiError::storage(format!("published view lacks content {content_id}")))
}

/// `GET /api/v1/content/{content_id}/locations`: the ordered sources for the caller's address
/// (`CF-Connecting-IP`).
pub async fn locations(
    State(state): State<AppState>,
    auth: ClientAuth,
    address: ClientAddress,
    Path(content_id): Path<String>,
) -> Result<Json<ContentLocations>, ApiError> {
    let (_, view) = view(&state).await?;
    let content = check_content_allowed(&view, &auth, &content_id)?;
    let location = osdgate_model::locate::locate(
        &view.topology,
        &content.id,
        &content.distributed_to,
        address.0,
    );
    Ok(Json(ContentLocations {
        content_id,
        client_address: address.label(),
        boundary_groups: location.boundary_groups,
        sources: location.sources,
    }))
}

/// `GET`/`HEAD /api/v1/content/{content_id}/files/{*path}`: one file of a package, only while the
/// package is distributed to this (content-enabled) gateway. The path is matched exactly against
/// the package's file list and never used as a storage key, so there is no traversal and no listing.
pub async fn file(
    State(state): State<AppState>,
    auth: ClientAuth,
    method: Method,
    headers: HeaderMap,
    Path((content_id, path)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (_, view) = view(&state).await?;
    let content = check_content_allowed(&view, &auth, &content_id)?;
    if !view.distributed_here(content) {
        return Err(ApiError::forbidden(
            ErrorCode::ContentNotDistributed,
            format!(
                "content {content_id} is not distributed to this content-enabled gateway; distribute it and publish again"
            ),
        ));
    }
    let file = content.files.iter().find(|f| f.path == path).ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::FileNotFound,
            format!("content {content_id} has no file {path}"),
        )
    })?;
    let (record, key) = blob_record(&state, &file.sha256).await?.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::ContentNotUploaded,
            format!("{path} of content {content_id} has not been uploaded to the relay yet"),
        )
    })?;
    serve(&state, &headers, method == Method::HEAD, &record, &key).await
}
