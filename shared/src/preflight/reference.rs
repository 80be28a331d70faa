//! Document consistency: unique IDs and references that resolve (`OSDG-DOC-*`).

use std::collections::HashMap;

use super::Context;
use super::rules::{DUPLICATE_ID, UNKNOWN_REFERENCE};
use crate::model::ManagementPoint;

pub(super) fn check(cx: &mut Context<'_>) {
    duplicates(cx);
    references(cx);
}

fn duplicates(cx: &mut Context<'_>) {
    let doc = cx.document;
    let mut reports = Vec::new();
    let mut scan = |kind: &str, ids: Vec<(String, &str)>| {
        let mut seen: HashMap<&str, &str> = HashMap::new();
        for (path, id) in &ids {
            match seen.get(id) {
                Some(first) => reports.push((
                    format!("{path}.id"),
                    format!("{kind} ID `{id}` is already used by {first}"),
                )),
                None => {
                    seen.insert(id, path);
                }
            }
        }
    };
    let locations = doc
        .gateways
        .iter()
        .enumerate()
        .map(|(i, g)| (format!("gateways[{i}]"), g.id.as_str()))
        .chain(
            doc.distribution_points
                .iter()
                .enumerate()
                .map(|(i, d)| (format!("distribution_points[{i}]"), d.id.as_str())),
        )
        .collect();
    scan("gateway/distribution point", locations);
    macro_rules! kind {
        ($field:ident, $name:literal) => {
            scan(
                $name,
                doc.$field
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (format!(concat!(stringify!($field), "[{}]"), i), x.id.as_str()))
                    .collect(),
            )
        };
    }
    kind!(content, "content package");
    kind!(boundary_groups, "boundary group");
    kind!(collections, "collection");
    kind!(client_settings, "client settings");
    kind!(boot_images, "boot image");
    kind!(task_sequences, "task sequence");
    kind!(deployments, "deployment");
    kind!(media, "media");
    kind!(devices, "device");
    for (path, message) in reports {
        cx.report(&DUPLICATE_ID, path, message);
    }
}

fn references(cx: &mut Context<'_>) {
    let doc = cx.document;
    let mut missing: Vec<(String, String)> = Vec::new();
    let mut need = |ok: bool, path: String, what: &str, id: &str| {
        if !ok {
            missing.push((path, format!("{what} `{id}` does not exist in the document")));
        }
    };
    for (i, package) in doc.content.iter().enumerate() {
        for (j, target) in package.distributed_to.iter().enumerate() {
            need(
                cx.is_content_location(target),
                format!("content[{i}].distributed_to[{j}]"),
                "gateway or distribution point",
                target,
            );
        }
    }
    for (i, group) in doc.boundary_groups.iter().enumerate() {
        for (j, id) in group.gateways.iter().enumerate() {
            need(
                cx.gateway(id).is_some(),
                format!("boundary_groups[{i}].gateways[{j}]"),
                "gateway",
                id,
            );
        }
        for (j, id) in group.distribution_points.iter().enumerate() {
            need(
                cx.is_distribution_point(id),
                format!("boundary_groups[{i}].distribution_points[{j}]"),
                "distribution point",
                id,
            );
        }
    }
    for (i, settings) in doc.client_settings.iter().enumerate() {
        for (j, id) in settings.deployed_to.iter().enumerate() {
            need(
                cx.has_collection(id),
                format!("client_settings[{i}].deployed_to[{j}]"),
                "collection",
                id,
            );
        }
    }
    for (i, image) in doc.boot_images.iter().enumerate() {
        // A boot image's files are the content package with its ID.
        match cx.content(&image.id) {
            Some(_) => {}
            None => need(
                false,
                format!("boot_images[{i}].id"),
                "content package for boot image",
                &image.id,
            ),
        }
    }
    for (i, sequence) in doc.task_sequences.iter().enumerate() {
        if let Some(id) = &sequence.boot_image_id {
            need(
                cx.boot_image(id).is_some(),
                format!("task_sequences[{i}].boot_image_id"),
                "boot image",
                id,
            );
        }
    }
    for (i, deployment) in doc.deployments.iter().enumerate() {
        let id = &deployment.task_sequence_id;
        need(
            cx.task_sequence(id).is_some(),
            format!("deployments[{i}].task_sequence_id"),
            "task sequence",
            id,
        );
        let id = &deployment.collection_id;
        need(cx.has_collection(id), format!("deployments[{i}].collection_id"), "collection", id);
        if let Some(program) = &deployment.run_another_program_first {
            let id = &program.package_id;
            need(
                cx.content(id).is_some(),
                format!("deployments[{i}].run_another_program_first.package_id"),
                "package",
                id,
            );
        }
    }
    for (i, media) in doc.media.iter().enumerate() {
        for (j, id) in media.deployments.iter().enumerate() {
            need(
                doc.deployment(id).is_some(),
                format!("media[{i}].deployments[{j}]"),
                "deployment",
                id,
            );
        }
        if let Some(id) = &media.boot_image_id {
            need(
                cx.boot_image(id).is_some(),
                format!("media[{i}].boot_image_id"),
                "boot image",
                id,
            );
        }
        for (j, point) in media.management_points.iter().enumerate() {
            if let ManagementPoint::Gateway(id) = point {
                need(
                    cx.gateway(id).is_some(),
                    format!("media[{i}].management_points[{j}].gateway"),
                    "gateway",
                    id,
                );
            }
        }
        if let Some(id) = media.prestart_command.as_ref().and_then(|p| p.package_id.as_ref()) {
            need(
                cx.content(id).is_some(),
                format!("media[{i}].prestart_command.package_id"),
                "package",
                id,
            );
        }
    }
    for (i, device) in doc.devices.iter().enumerate() {
        for (j, id) in device.collections.iter().enumerate() {
            need(cx.has_collection(id), format!("devices[{i}].collections[{j}]"), "collection", id);
        }
    }
    for (path, message) in missing {
        cx.report(&UNKNOWN_REFERENCE, path, message);
    }
}
