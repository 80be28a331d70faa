//! Deployment settings per scenario (`OSDG-DEPLOY-*`).

use super::Context;
use super::rules::{
    BOOT_MEDIA_DEPLOYMENT_OPTION, DEADLINE_BEFORE_AVAILABLE, DIRECT_CONTENT_ACCESS,
    HIGH_RISK_NOT_ACKNOWLEDGED, INTERNET_NOT_ALLOWED, NOT_AVAILABLE_TO_CLIENTS,
    NOT_AVAILABLE_TO_MEDIA, REQUIRED_WITHOUT_DEADLINE, RUN_ANOTHER_PROGRAM_FIRST,
    UPGRADE_NOT_FROM_SOFTWARE_CENTER,
};
use crate::model::{DeploymentOption, GatewayRefusal, Purpose, Scenario};

pub(super) fn check(cx: &mut Context<'_>) {
    let mut findings = Vec::new();
    for (i, deployment, sequence) in cx.deployments() {
        let path = |field: &str| format!("deployments[{i}].{field}");
        let id = &deployment.id;
        let scenario = deployment.scenario;
        // One copy of the serving conditions: the relay refuses exactly what these rules report.
        for refusal in deployment.gateway_refusals() {
            match refusal {
                GatewayRefusal::InternetNotAllowed => findings.push((
                    &INTERNET_NOT_ALLOWED,
                    path("allow_internet"),
                    format!("deployment `{id}` ({}) does not allow the task sequence to run for clients on the internet", scenario.as_str()),
                )),
                GatewayRefusal::NotAvailableToMedia => findings.push((
                    &NOT_AVAILABLE_TO_MEDIA,
                    path("make_available_to"),
                    format!("deployment `{id}` is only available to ConfigMgr clients, so boot media cannot see it"),
                )),
            }
        }
        let option = deployment.deployment_option;
        if scenario == Scenario::BootMediaOverGateway
            && option != DeploymentOption::DownloadWhenNeeded
        {
            findings.push((
                &BOOT_MEDIA_DEPLOYMENT_OPTION,
                path("deployment_option"),
                format!("deployment `{id}` uses boot media over a gateway, which needs \"Download content locally when needed by the running task sequence\""),
            ));
        }
        let downloads_only =
            matches!(scenario, Scenario::InPlaceUpgradeOverGateway | Scenario::SoftwareCenter);
        if downloads_only && option == DeploymentOption::AccessContentDirectly {
            findings.push((
                &DIRECT_CONTENT_ACCESS,
                path("deployment_option"),
                format!("deployment `{id}` accesses content directly from a distribution point, which a gateway cannot serve"),
            ));
        }
        match scenario {
            Scenario::InPlaceUpgradeOverGateway
                if deployment.make_available_to.includes_media() =>
            {
                findings.push((
                    &UPGRADE_NOT_FROM_SOFTWARE_CENTER,
                    path("make_available_to"),
                    format!("in-place upgrade deployment `{id}` is available to media and PXE; over a gateway it starts from Software Center only"),
                ));
            }
            Scenario::SoftwareCenter if !deployment.make_available_to.includes_clients() => {
                findings.push((
                    &NOT_AVAILABLE_TO_CLIENTS,
                    path("make_available_to"),
                    format!("deployment `{id}` is only available to media and PXE, so Software Center does not show it"),
                ));
            }
            _ => {}
        }
        if scenario.over_gateway()
            && let Some(program) = &deployment.run_another_program_first
        {
            findings.push((
                    &RUN_ANOTHER_PROGRAM_FIRST,
                    path("run_another_program_first"),
                    format!(
                        "deployment `{id}` runs program `{}` of package `{}` first, but over a gateway that setting does not apply: the program needs the package's UNC path, which clients on a gateway cannot reach, so it does not run",
                        program.program, program.package_id
                    ),
                ));
        }
        if deployment.purpose == Purpose::Required {
            let deploys_os = sequence.is_some_and(|(_, ts)| ts.deploys_os());
            if deploys_os && !deployment.high_risk_acknowledged {
                findings.push((
                    &HIGH_RISK_NOT_ACKNOWLEDGED,
                    path("high_risk_acknowledged"),
                    format!("deployment `{id}` is Required and installs an OS, which is high-risk: it reimages every device in collection `{}` automatically", deployment.collection_id),
                ));
            }
            if deployment.deadline.is_none() {
                findings.push((
                    &REQUIRED_WITHOUT_DEADLINE,
                    path("deadline"),
                    format!("Required deployment `{id}` has no deadline"),
                ));
            }
        }
        if let (Some(available), Some(deadline)) = (deployment.available_at, deployment.deadline)
            && deadline < available
        {
            findings.push((
                    &DEADLINE_BEFORE_AVAILABLE,
                    path("deadline"),
                    format!("deployment `{id}` has its deadline {deadline} before it becomes available at {available}"),
                ));
        }
    }
    for (rule, path, message) in findings {
        cx.report(rule, path, message);
    }
}
