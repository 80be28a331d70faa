//! Network advice (`OSDG-NET-*`).

use super::Context;
use super::media::uses_gateway;
use super::rules::{INTRANET_MANAGEMENT_POINT, WIRED_NETWORK};
use crate::model::Scenario;

pub(super) fn check(cx: &mut Context<'_>) {
    let mut findings = Vec::new();
    for (i, deployment, _) in cx.deployments_of(Scenario::BootMediaOverGateway) {
        findings.push((
            &WIRED_NETWORK,
            format!("deployments[{i}]"),
            format!("devices that start deployment `{}` from boot media need a wired, constant internet connection: Windows PE has no wireless support", deployment.id),
        ));
    }
    let cloud_content = cx.deployments_of(Scenario::CloudContentFromBootMedia);
    if !cloud_content.is_empty() {
        let through_gateway = cx.document.media.iter().any(uses_gateway);
        if !through_gateway {
            for (i, deployment, _) in cloud_content {
                findings.push((
                    &INTRANET_MANAGEMENT_POINT,
                    format!("deployments[{i}]"),
                    format!("devices that start deployment `{}` get content from the cloud but still need an intranet connection to the management point", deployment.id),
                ));
            }
        }
    }
    for (rule, path, message) in findings {
        cx.report(rule, path, message);
    }
}
