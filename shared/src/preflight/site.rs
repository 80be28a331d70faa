//! The site and its version gates (`OSDG-SITE-*`, `OSDG-VERSION-*`, `OSDG-MP-*`, `OSDG-GATEWAY-*`).

use super::Context;
use super::rules::{
    CLOUD_CONTENT_VERSION, CLOUD_CONTENT_VERSION_2006, GATEWAY_URL, INTERNET_ONLY_MANAGEMENT_POINT,
    LEGACY_INTERNET_SEQUENCE, MEDIA_VERSION, NO_CONTENT_GATEWAY, SITE_CODE,
    SOFTWARE_CENTER_VERSION,
};
use crate::model::{ManagementPointConnection, Scenario, SiteVersion};

pub(super) fn check(cx: &mut Context<'_>) {
    let site = &cx.document.site;
    if !(site.code.len() == 3 && site.code.bytes().all(|b| b.is_ascii_alphanumeric())) {
        cx.report(
            &SITE_CODE,
            "site.code",
            format!("site code `{}` is not three letters or digits", site.code),
        );
    }
    let version = site.version;
    let connection = site.management_point_connection;
    for (i, gateway) in cx.document.gateways.iter().enumerate() {
        let https = gateway.public_url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        if !https || gateway.host().is_none() {
            cx.report(
                &GATEWAY_URL,
                format!("gateways[{i}].public_url"),
                format!("`{}` is not an https:// URL with a host name", gateway.public_url),
            );
        }
    }
    let has_content_gateway = cx.has_content_gateway();
    for (i, deployment, sequence) in cx.deployments() {
        let path = format!("deployments[{i}]");
        let needs_windows_pe = sequence.is_some_and(|(_, ts)| ts.needs_windows_pe());
        match deployment.scenario {
            Scenario::BootMediaOverGateway => {
                if version < SiteVersion::V2010 {
                    cx.report(
                        &MEDIA_VERSION,
                        "site.version",
                        format!(
                            "deployment `{}` uses boot media over a gateway, which needs version 2010; the site is {}",
                            deployment.id,
                            version.as_str()
                        ),
                    );
                }
                if matches!(version, SiteVersion::V2010 | SiteVersion::V2103)
                    && connection == ManagementPointConnection::InternetOnly
                {
                    cx.report(
                        &INTERNET_ONLY_MANAGEMENT_POINT,
                        "site.management_point_connection",
                        format!(
                            "at version {} a management point that allows internet-only connections cannot serve boot media over a gateway (deployment `{}`)",
                            version.as_str(),
                            deployment.id
                        ),
                    );
                }
            }
            Scenario::CloudContentFromBootMedia => {
                if version < SiteVersion::V2006 {
                    cx.report(
                        &CLOUD_CONTENT_VERSION,
                        "site.version",
                        format!(
                            "deployment `{}` takes boot-media content from the cloud, which needs version 2006 or later; the site is {}",
                            deployment.id,
                            version.as_str()
                        ),
                    );
                } else if version == SiteVersion::V2006 {
                    cx.report(
                        &CLOUD_CONTENT_VERSION_2006,
                        "site.version",
                        format!(
                            "deployment `{}` takes boot-media content from the cloud at version 2006; the current documentation lists 2010",
                            deployment.id
                        ),
                    );
                }
            }
            Scenario::SoftwareCenter => {
                let has_boot_image = sequence.is_some_and(|(_, ts)| ts.boot_image_id.is_some());
                if has_boot_image && version < SiteVersion::V2006 {
                    cx.report(
                        &SOFTWARE_CENTER_VERSION,
                        "site.version",
                        format!(
                            "deployment `{}` runs a task sequence with a boot image from Software Center over a gateway, which needs version 2006; the site is {}",
                            deployment.id,
                            version.as_str()
                        ),
                    );
                }
            }
            Scenario::InPlaceUpgradeOverGateway => {}
        }
        let legacy_scope = matches!(
            deployment.scenario,
            Scenario::SoftwareCenter | Scenario::InPlaceUpgradeOverGateway
        );
        if legacy_scope
            && version == SiteVersion::UpTo2002
            && deployment.allow_internet
            && (needs_windows_pe || deployment.make_available_to.includes_media())
        {
            let field = if needs_windows_pe { "task_sequence_id" } else { "make_available_to" };
            cx.report(
                    &LEGACY_INTERNET_SEQUENCE,
                    format!("{path}.{field}"),
                    format!(
                        "at version 2002 and earlier, deployment `{}` may run on the internet only as software or scripts in the full OS started from Software Center, but it {}",
                        deployment.id,
                        if needs_windows_pe { "needs Windows PE" } else { "is available to media and PXE" }
                    ),
                );
        }
        if !has_content_gateway && !cx.document.gateways.is_empty() {
            cx.report(
                &NO_CONTENT_GATEWAY,
                "gateways",
                format!("deployment `{}` takes content from a gateway, but no gateway is content-enabled", deployment.id),
            );
        } else if cx.document.gateways.is_empty() {
            cx.report_with_fix(
                &NO_CONTENT_GATEWAY,
                "gateways",
                format!(
                    "deployment `{}` takes content from a gateway, but the document has no gateway",
                    deployment.id
                ),
                "Add a gateway with content_enabled = true.",
            );
        }
    }
}
