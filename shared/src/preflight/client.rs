//! Client settings, Cloud services group (`OSDG-CLIENT-*`).

use super::Context;
use super::rules::{CLOUD_DP_SETTING, CMG_SETTING, CMG_SETTING_CLIENTS};
use crate::model::{Scenario, effective_cloud_services};

pub(super) fn check(cx: &mut Context<'_>) {
    let doc = cx.document;
    for (_, deployment, _) in cx.deployments() {
        let collection = deployment.collection_id.as_str();
        let effective = effective_cloud_services(&doc.client_settings, collection);
        let (path, source) = match effective.source {
            Some(settings) => {
                let index =
                    doc.client_settings.iter().position(|s| std::ptr::eq(s, settings)).unwrap_or(0);
                (
                    format!("client_settings[{index}].cloud_services"),
                    format!("client settings `{}`", settings.id),
                )
            }
            None => ("client_settings".to_owned(), "no client settings".to_owned()),
        };
        let values = effective.values;
        if !values.allow_cloud_distribution_point {
            cx.report(
                &CLOUD_DP_SETTING,
                format!("{path}.allow_cloud_distribution_point"),
                format!(
                    "\"Allow access to cloud distribution point\" is off for collection `{collection}` ({source} decide), so deployment `{}` cannot download content from the gateway",
                    deployment.id
                ),
            );
        }
        if !values.enable_cloud_management_gateway {
            let rule = match deployment.scenario {
                Scenario::BootMediaOverGateway => Some(&CMG_SETTING),
                Scenario::InPlaceUpgradeOverGateway | Scenario::SoftwareCenter => {
                    Some(&CMG_SETTING_CLIENTS)
                }
                Scenario::CloudContentFromBootMedia => None,
            };
            if let Some(rule) = rule {
                cx.report(
                    rule,
                    format!("{path}.enable_cloud_management_gateway"),
                    format!(
                        "\"Enable clients to use a cloud management gateway\" is off for collection `{collection}` ({source} decide), which deployment `{}` targets",
                        deployment.id
                    ),
                );
            }
        }
    }
}
