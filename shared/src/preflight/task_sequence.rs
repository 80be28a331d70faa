//! Task sequence rules (`OSDG-TS-*`): workgroup join, CCMHOSTNAME, in-place upgrade shape.

use std::collections::BTreeSet;

use super::Context;
use super::rules::{
    CCMHOSTNAME_NOT_A_GATEWAY, DOMAIN_JOIN_NETWORK_SETTINGS, DOMAIN_JOIN_STEP,
    MEDIA_SEQUENCE_WITHOUT_BOOT_IMAGE, MISSING_CCMHOSTNAME, UPGRADE_NEEDS_NO_WINDOWS_PE,
    UPGRADE_WITHOUT_UPGRADE_STEP,
};
use crate::model::{NetworkJoin, RunIn, Scenario, StepType, TaskSequence, install_property};

type Finding = (&'static super::Rule, String, String);

pub(super) fn check(cx: &mut Context<'_>) {
    let mut findings: Vec<Finding> = Vec::new();
    // Each rule looks at a task sequence once, however many deployments use it.
    let mut workgroup_checked = BTreeSet::new();
    let mut ccmhostname_checked = BTreeSet::new();
    let mut upgrade_checked = BTreeSet::new();
    for (_, deployment, sequence) in cx.deployments() {
        let Some((ts_index, sequence)) = sequence else { continue };
        let base = format!("task_sequences[{ts_index}]");
        let imaging = sequence.deploys_os();
        match deployment.scenario {
            Scenario::BootMediaOverGateway => {
                if sequence.boot_image_id.is_none() {
                    findings.push((
                        &MEDIA_SEQUENCE_WITHOUT_BOOT_IMAGE,
                        format!("{base}.boot_image_id"),
                        format!(
                            "task sequence `{}` is deployed to boot media but has no boot image",
                            sequence.id
                        ),
                    ));
                }
                if workgroup_checked.insert(ts_index) {
                    workgroup(sequence, &base, &mut findings);
                }
                if ccmhostname_checked.insert(ts_index) {
                    ccmhostname(
                        cx,
                        sequence,
                        &base,
                        "boot-media clients use token-based authentication after the task sequence",
                        &mut findings,
                    );
                }
            }
            Scenario::SoftwareCenter if imaging => {
                if workgroup_checked.insert(ts_index) {
                    workgroup(sequence, &base, &mut findings);
                }
                let token_devices: Vec<&str> = cx
                    .devices_in(&deployment.collection_id)
                    .filter(|(_, d)| d.entra_joined || d.token_auth)
                    .map(|(_, d)| d.id.as_str())
                    .collect();
                if !token_devices.is_empty() && ccmhostname_checked.insert(ts_index) {
                    let why = format!(
                        "devices `{}` in collection `{}` are Entra-joined or use token-based authentication",
                        token_devices.join("`, `"),
                        deployment.collection_id
                    );
                    ccmhostname(cx, sequence, &base, &why, &mut findings);
                }
            }
            Scenario::InPlaceUpgradeOverGateway => {
                if !upgrade_checked.insert(ts_index) {
                    continue;
                }
                if !sequence
                    .enabled_steps()
                    .any(|s| s.step_type == StepType::UpgradeOperatingSystem)
                {
                    findings.push((
                        &UPGRADE_WITHOUT_UPGRADE_STEP,
                        format!("{base}.steps"),
                        format!("task sequence `{}` is deployed as an in-place upgrade (deployment `{}`) but has no enabled Upgrade Operating System step", sequence.id, deployment.id),
                    ));
                }
                if sequence.boot_image_id.is_some() {
                    findings.push((
                        &UPGRADE_NEEDS_NO_WINDOWS_PE,
                        format!("{base}.boot_image_id"),
                        format!("in-place upgrade task sequence `{}` has a boot image, but over a gateway it runs from Software Center without Windows PE", sequence.id),
                    ));
                }
                sequence.for_each_step(|found, indices| {
                    let step = found.step;
                    let windows_pe = step.run_in == Some(RunIn::WinPe)
                        || matches!(step.step_type, StepType::ApplyOperatingSystem | StepType::PartitionDisk);
                    if windows_pe && !found.disabled {
                        findings.push((
                            &UPGRADE_NEEDS_NO_WINDOWS_PE,
                            join(&base, &TaskSequence::step_path(indices)),
                            format!("step `{}` of in-place upgrade task sequence `{}` runs in Windows PE, which is not available over a gateway", step.name, sequence.id),
                        ));
                    }
                });
            }
            _ => {}
        }
    }
    findings.sort_by(|a, b| (a.0.id, &a.1, &a.2).cmp(&(b.0.id, &b.1, &b.2)));
    findings.dedup();
    for (rule, path, message) in findings {
        cx.report(rule, path, message);
    }
}

fn workgroup(sequence: &TaskSequence, base: &str, findings: &mut Vec<Finding>) {
    sequence.for_each_step(|found, indices| {
        if found.disabled {
            return;
        }
        let step = found.step;
        let Some(NetworkJoin::Domain { name }) = step.network_join() else { return };
        let (rule, variable) = match step.step_type {
            StepType::ApplyNetworkSettings => (&DOMAIN_JOIN_NETWORK_SETTINGS, "OSDNetworkJoinType"),
            _ => (&DOMAIN_JOIN_STEP, "OSDJoinType"),
        };
        let step_path = join(base, &TaskSequence::step_path(indices));
        let path = match step.variable_index(variable) {
            Some(k) => format!("{step_path}.variables[{k}]"),
            None => step_path,
        };
        findings.push((
            rule,
            path,
            format!(
                "step `{}` of task sequence `{}` joins domain `{}`, but over a gateway the device cannot reach a domain controller",
                step.name,
                sequence.id,
                name.as_deref().unwrap_or("(unnamed)")
            ),
        ));
    });
}

fn ccmhostname(
    cx: &Context<'_>,
    sequence: &TaskSequence,
    base: &str,
    why: &str,
    findings: &mut Vec<Finding>,
) {
    let relays: Vec<(&str, String)> = cx
        .document
        .gateways
        .iter()
        .filter_map(|g| g.host().map(|host| (g.id.as_str(), host)))
        .collect();
    let known = KnownGateways {
        relays: &relays,
        configmgr_cmg: cx.document.site.cloud_management_gateway.as_deref(),
    };
    ccmhostname_with(Some(&known), sequence, base, why, findings);
}

/// What a `CCMHOSTNAME` value is compared with: the document's osdgate relays, which cannot serve
/// the ConfigMgr client, and the organisation's ConfigMgr CMG, which it should name.
struct KnownGateways<'a> {
    /// Gateway ID and host of each osdgate relay in the document.
    relays: &'a [(&'a str, String)],
    /// `site.cloud_management_gateway`.
    configmgr_cmg: Option<&'a str>,
}

impl KnownGateways<'_> {
    /// Why `host` (from `CCMHOSTNAME`) cannot work, if it cannot.
    fn problem(&self, host: &str) -> Option<String> {
        if let Some((id, _)) = self.relays.iter().find(|(_, relay)| relay == host) {
            return Some(format!(
                "it names osdgate relay `{id}`, which does not serve the ConfigMgr client protocol (CCM_Proxy_MutualAuth): the client in the new OS cannot reach its site there"
            ));
        }
        match self.configmgr_cmg.map(|cmg| cmg.trim().to_ascii_lowercase()) {
            Some(cmg) if cmg == host => None,
            Some(cmg) => Some(format!(
                "the organisation's ConfigMgr CMG is `{cmg}` (site.cloud_management_gateway)"
            )),
            None => Some(
                "the document does not record the organisation's ConfigMgr CMG (site.cloud_management_gateway) to check it against".to_owned(),
            ),
        }
    }
}

/// `known`: `None` when the gateways are unknown (lint of a task sequence alone).
fn ccmhostname_with(
    known: Option<&KnownGateways<'_>>,
    sequence: &TaskSequence,
    base: &str,
    why: &str,
    findings: &mut Vec<Finding>,
) {
    let mut setup_steps = 0;
    sequence.for_each_step(|found, indices| {
        let step = found.step;
        if found.disabled || step.step_type != StepType::SetupWindowsAndConfigMgr {
            return;
        }
        setup_steps += 1;
        let step_path = join(base, &TaskSequence::step_path(indices));
        let properties = step.client_install_properties().unwrap_or("");
        let path = match step.variable_index("SMSClientInstallProperties") {
            Some(k) => format!("{step_path}.variables[{k}]"),
            None => format!("{step_path}.variables"),
        };
        match install_property(properties, "CCMHOSTNAME").map(str::trim).filter(|v| !v.is_empty()) {
            None => findings.push((
                &MISSING_CCMHOSTNAME,
                path,
                format!("step `{}` of task sequence `{}` installs the client without CCMHOSTNAME, but {why}", step.name, sequence.id),
            )),
            Some(value) => {
                let host = value.split('/').next().unwrap_or("").to_ascii_lowercase();
                let Some(known) = known else { return };
                if let Some(problem) = known.problem(&host) {
                    findings.push((
                        &CCMHOSTNAME_NOT_A_GATEWAY,
                        path,
                        format!("CCMHOSTNAME `{value}` in step `{}` of task sequence `{}` may not reach the organisation's CMG: {problem}", step.name, sequence.id),
                    ));
                }
            }
        }
    });
    if setup_steps == 0 {
        findings.push((
            &MISSING_CCMHOSTNAME,
            join(base, "steps"),
            format!("task sequence `{}` has no enabled Setup Windows and ConfigMgr step to carry CCMHOSTNAME, but {why}", sequence.id),
        ));
    }
}

fn join(base: &str, rest: &str) -> String {
    if base.is_empty() { rest.to_owned() } else { format!("{base}.{rest}") }
}

/// The task-sequence rules of the boot-media-over-gateway scenario, on a task sequence alone
/// (`osdgate ts lint`): workgroup join (`OSDG-TS-001`, `OSDG-TS-002`) and CCMHOSTNAME
/// (`OSDG-TS-004`). Paths are relative to the task sequence (`steps[0].children[3]...`). The boot
/// image and the gateways are not part of a sequence's XML, so the rules that need them do not run.
pub fn lint_task_sequence(sequence: &TaskSequence) -> super::Report {
    let mut findings: Vec<Finding> = Vec::new();
    workgroup(sequence, "", &mut findings);
    ccmhostname_with(
        None,
        sequence,
        "",
        "boot-media clients use token-based authentication after the task sequence",
        &mut findings,
    );
    let findings = findings
        .into_iter()
        .map(|(rule, path, message)| super::Finding {
            rule: rule.id.to_owned(),
            severity: rule.severity,
            path,
            message,
            fix: rule.fix.to_owned(),
            seed: rule.seed.map(|s| s.to_reference()),
        })
        .collect();
    super::Report::from_findings(findings, None)
}

/// `OSDG-TS-008`: one warning per place an imported task sequence departs from the schema
/// ([`crate::tasksequence::Imported::oddities`]), at its position in the XML.
pub fn import_oddity_findings(
    oddities: &[crate::tasksequence::TaskSequenceError],
) -> Vec<super::Finding> {
    let rule = &super::rules::TASK_SEQUENCE_ODDITY;
    oddities
        .iter()
        .map(|oddity| {
            let place = match (oddity.line, oddity.column) {
                (Some(line), Some(column)) => format!("line {line}, column {column}"),
                _ => "the task sequence".to_owned(),
            };
            super::Finding {
                rule: rule.id.to_owned(),
                severity: rule.severity,
                path: match &oddity.context {
                    Some(context) => format!("{context}: {place}"),
                    None => place,
                },
                message: format!(
                    "{}; the element is kept verbatim and exported unchanged",
                    oddity.message
                ),
                fix: rule.fix.to_owned(),
                seed: None,
            }
        })
        .collect()
}
