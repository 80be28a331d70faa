//! Boundary groups for cloud content (`OSDG-BOUNDARY-*`).

use std::net::IpAddr;

use super::Context;
use super::rules::{
    BAD_RANGE, DEVICE_OUTSIDE_CLOUD_BOUNDARY, NO_CLOUD_BOUNDARY_GROUP, NOT_PREFERRING_CLOUD,
};
use crate::model::{Boundary, BoundaryGroup, Scenario};

pub(super) fn check(cx: &mut Context<'_>) {
    ranges(cx);
    let doc = cx.document;
    let deployments = cx.deployments_of(Scenario::CloudContentFromBootMedia);
    if deployments.is_empty() {
        return;
    }
    let has_cloud_gateway = |group: &BoundaryGroup| {
        group.gateways.iter().any(|id| cx.gateway(id).is_some_and(|(_, g)| g.content_enabled))
    };
    let with_gateway: Vec<(usize, &BoundaryGroup)> =
        doc.boundary_groups.iter().enumerate().filter(|(_, g)| has_cloud_gateway(g)).collect();
    let good = |group: &BoundaryGroup| has_cloud_gateway(group) && group.prefer_cloud_sources;
    let ids: Vec<&str> = deployments.iter().map(|(_, d, _)| d.id.as_str()).collect();
    let ids = ids.join("`, `");
    let mut reports = Vec::new();
    if with_gateway.is_empty() {
        reports.push((
            &NO_CLOUD_BOUNDARY_GROUP,
            "boundary_groups".to_owned(),
            format!("no boundary group is associated with a content-enabled gateway, so the clients of deployment `{ids}` never get cloud content"),
        ));
    }
    for (index, group) in &with_gateway {
        if !group.prefer_cloud_sources {
            reports.push((
                &NOT_PREFERRING_CLOUD,
                format!("boundary_groups[{index}].prefer_cloud_sources"),
                format!(
                    "boundary group `{}` has the content-enabled gateway but does not prefer cloud sources, so its clients download from on-premises sources first",
                    group.id
                ),
            ));
        }
    }
    for (_, deployment, _) in &deployments {
        for (device_index, device) in cx.devices_in(&deployment.collection_id) {
            let outside: Vec<&IpAddr> = device
                .ip_addresses
                .iter()
                .filter(|address| {
                    !doc.boundary_groups.iter().any(|g| good(g) && g.contains(**address))
                })
                .collect();
            if !device.ip_addresses.is_empty() && outside.len() == device.ip_addresses.len() {
                let list: Vec<String> = outside.iter().map(|a| a.to_string()).collect();
                reports.push((
                    &DEVICE_OUTSIDE_CLOUD_BOUNDARY,
                    format!("devices[{device_index}].ip_addresses"),
                    format!(
                        "device `{}` ({}) is in no boundary group that has the content-enabled gateway and prefers cloud sources",
                        device.id,
                        list.join(", ")
                    ),
                ));
            }
        }
    }
    for (rule, path, message) in reports {
        cx.report(rule, path, message);
    }
}

fn ranges(cx: &mut Context<'_>) {
    let mut reports = Vec::new();
    for (i, group) in cx.document.boundary_groups.iter().enumerate() {
        for (j, boundary) in group.boundaries.iter().enumerate() {
            if let Boundary::Range { start, end } = boundary {
                let problem = match (start, end) {
                    (IpAddr::V4(_), IpAddr::V6(_)) | (IpAddr::V6(_), IpAddr::V4(_)) => {
                        Some("mixes IPv4 and IPv6")
                    }
                    _ if start > end => Some("starts after it ends"),
                    _ => None,
                };
                if let Some(problem) = problem {
                    reports.push((
                        format!("boundary_groups[{i}].boundaries[{j}]"),
                        format!("range {start} – {end} of boundary group `{}` {problem}, so it contains no address", group.id),
                    ));
                }
            }
        }
    }
    for (path, message) in reports {
        cx.report(&BAD_RANGE, path, message);
    }
}
