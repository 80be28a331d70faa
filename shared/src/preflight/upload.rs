//! Content that a gateway serves has been uploaded to it (`OSDG-CONTENT-007`).
//!
//! A document only declares where content is distributed; whether a relay holds the files is the
//! relay's state. The relay (at publish) and `osdgate check --relay URL` both ask their side which
//! files the relay holds and pass the answer here, so they report the same findings.

use std::collections::BTreeMap;

use super::rules::CONTENT_NOT_UPLOADED;
use super::{Finding, Report};
use crate::model::{Document, Gateway};

/// Why the gateway a relay plays cannot be told from the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayGatewayError {
    /// The relay says it is a gateway the document does not define.
    #[error(
        "the relay is gateway `{0}` (GATEWAY_ID), which the configuration does not define; add it or change GATEWAY_ID"
    )]
    Unknown(String),
    /// The document defines several gateways and the relay does not say which one it is.
    #[error(
        "the configuration defines several gateways; set the relay's GATEWAY_ID variable to the one it is"
    )]
    Ambiguous,
}

/// The gateway a relay is: `gateway_id` (the relay's `GATEWAY_ID`) when given, else the document's
/// only gateway; `None` when the document has no gateway.
pub fn relay_gateway<'d>(
    document: &'d Document,
    gateway_id: Option<&str>,
) -> Result<Option<&'d Gateway>, RelayGatewayError> {
    match gateway_id {
        Some(id) => {
            document.gateway(id).map(Some).ok_or_else(|| RelayGatewayError::Unknown(id.to_owned()))
        }
        None => match document.gateways.as_slice() {
            [] => Ok(None),
            [only] => Ok(Some(only)),
            _ => Err(RelayGatewayError::Ambiguous),
        },
    }
}

/// The files (lower-case SHA-256) the relay must hold for `gateway` to serve every package that a
/// served deployment references and that is distributed to it.
pub fn files_to_upload(document: &Document, gateway: &Gateway) -> Vec<String> {
    let mut hashes: Vec<String> = needed(document, gateway)
        .into_keys()
        .flat_map(|index| document.content[index].files.iter())
        .map(|file| file.sha256.to_ascii_lowercase())
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// Packages (by index in `content`) that `gateway` must serve, with the deployments that need them.
fn needed<'d>(document: &'d Document, gateway: &Gateway) -> BTreeMap<usize, Vec<&'d str>> {
    let mut needed: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    if !gateway.content_enabled {
        return needed;
    }
    for deployment in &document.deployments {
        if !deployment.gateway_refusals().is_empty() {
            continue;
        }
        let Some(sequence) = document.task_sequence(&deployment.task_sequence_id) else { continue };
        for id in sequence.referenced_content() {
            let Some(index) = document.content.iter().position(|c| c.id == id) else { continue };
            if document.content[index].distributed_to.contains(&gateway.id) {
                needed.entry(index).or_default().push(deployment.id.as_str());
            }
        }
    }
    needed
}

/// `OSDG-CONTENT-007`: every file of every package that `gateway` must serve (see
/// [`files_to_upload`]) is one the relay holds; `uploaded` answers for a lower-case SHA-256.
pub fn check_uploaded(
    document: &Document,
    gateway: &Gateway,
    uploaded: impl Fn(&str) -> bool,
) -> Vec<Finding> {
    let rule = &CONTENT_NOT_UPLOADED;
    let mut findings = Vec::new();
    for (index, deployments) in needed(document, gateway) {
        let package = &document.content[index];
        for (j, file) in package.files.iter().enumerate() {
            let sha256 = file.sha256.to_ascii_lowercase();
            if uploaded(&sha256) {
                continue;
            }
            findings.push(Finding {
                rule: rule.id.to_owned(),
                severity: rule.severity,
                path: format!("content[{index}].files[{j}]"),
                message: format!(
                    "`{}` of package `{}` ({}), which deployment `{}` needs, is distributed to gateway `{}` but has not been uploaded to it: devices cannot download it",
                    file.path,
                    package.id,
                    package.name,
                    deployments.join("`, `"),
                    gateway.id
                ),
                fix: format!(
                    "Upload the file to the relay: PUT /api/v1/admin/blobs/{sha256} with its bytes (a multipart upload through POST /api/v1/admin/blobs/{sha256}/uploads above 16 MiB)."
                ),
                seed: rule.seed.map(|s| s.to_reference()),
            });
        }
    }
    findings
}

impl Report {
    /// The report with `findings` added (sorted and counted like the rest).
    pub fn with_findings(self, findings: Vec<Finding>) -> Report {
        let checked_at = self.checked_at;
        let mut all = self.findings;
        all.extend(findings);
        Report::from_findings(all, checked_at)
    }
}
