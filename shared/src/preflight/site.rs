//! The site and its version gates (`OSDG-SITE-*`, `OSDG-VERSION-*`, `OSDG-MP-*`, `OSDG-GATEWAY-*`).

use super::Context;
use super::Rule;
use super::rules::{
    CLOUD_CONTENT_VERSION, CLOUD_CONTENT_VERSION_2006, GATEWAY_URL, INTERNET_ONLY_MANAGEMENT_POINT,
    LEGACY_INTERNET_SEQUENCE, MEDIA_VERSION, MEDIA_VERSION_2006, NO_CONTENT_GATEWAY, S000_INTRO,
    S001_CLOUD_CONTENT_INTRO, S002_CLOUD_CONTENT_INTRO, S002_MEDIA_VERSIONS, SITE_CODE,
    SOFTWARE_CENTER_VERSION, SeedSection,
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
                version_gate(
                    cx,
                    version,
                    &deployment.id,
                    "uses boot media over a gateway",
                    (&MEDIA_VERSION, &MEDIA_VERSION_2006),
                    (S000_INTRO, S002_MEDIA_VERSIONS),
                );
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
                version_gate(
                    cx,
                    version,
                    &deployment.id,
                    "takes boot-media content from the cloud",
                    (&CLOUD_CONTENT_VERSION, &CLOUD_CONTENT_VERSION_2006),
                    (S001_CLOUD_CONTENT_INTRO, S002_CLOUD_CONTENT_INTRO),
                );
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

/// The two scenarios whose first version the seeds disagree on get the same treatment: the later
/// document (seed 002, 2021) stands and names 2010; the earlier one (seed 000 or 001, 2020) names
/// 2006. Before 2006 no seed supports the scenario (`error`, whose title, check and fix all say
/// 2006); at 2006 only the earlier seed does (`warning`, which names both seeds and whose title,
/// check and fix all say 2010).
fn version_gate(
    cx: &mut Context<'_>,
    version: SiteVersion,
    deployment_id: &str,
    what: &str,
    (before_2006, at_2006): (&Rule, &Rule),
    (earlier_seed, later_seed): (SeedSection, SeedSection),
) {
    let cite = |seed: SeedSection| format!("seed {} › {}", &seed.file[..3], seed.section);
    if version < SiteVersion::V2006 {
        cx.report(
            before_2006,
            "site.version",
            format!(
                "deployment `{deployment_id}` {what}, which needs version 2006 or later; the site is {}",
                version.as_str()
            ),
        );
    } else if version == SiteVersion::V2006 {
        cx.report(
            at_2006,
            "site.version",
            format!(
                "deployment `{deployment_id}` {what} at version 2006: {} says 2006, but the later {} says 2010, and the later document stands",
                cite(earlier_seed),
                cite(later_seed)
            ),
        );
    }
}
