//! Content: what the task sequences reference is on a content-enabled gateway (`OSDG-CONTENT-*`).

use std::collections::BTreeMap;

use super::Context;
use super::context::is_hex;
use super::rules::{
    CONTENT_MISSING, CONTENT_NOT_ON_GATEWAY, CONTENT_ON_DISABLED_GATEWAY, FILE_HASH_FORMAT,
    PACKAGE_ID_FORMAT, PACKAGE_WITHOUT_FILES,
};

/// `ABC00012`: three letters or digits (the site code), then five hex digits.
pub(crate) fn is_package_id(id: &str) -> bool {
    id.len() == 8
        && id.get(..3).is_some_and(|s| s.bytes().all(|b| b.is_ascii_alphanumeric()))
        && id.get(3..).is_some_and(|s| is_hex(s, 5))
}

pub(super) fn check(cx: &mut Context<'_>) {
    formats(cx);
    // Every task sequence that a deployment uses: which deployments need which package.
    let mut needed: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    for (_, deployment, sequence) in cx.deployments() {
        let Some((ts_index, _)) = sequence else { continue };
        if let Some(ids) = cx.referenced_content(ts_index) {
            for id in ids {
                needed.entry(id).or_default().push((ts_index, deployment.id.as_str()));
            }
        }
    }
    for (id, users) in needed {
        let deployments: Vec<&str> = users.iter().map(|(_, d)| *d).collect();
        let deployments = deployments.join("`, `");
        let Some((index, package)) = cx.content(id) else {
            let ts_index = users.first().map_or(0, |(t, _)| *t);
            cx.report(
                &CONTENT_MISSING,
                format!("task_sequences[{ts_index}]"),
                format!("the task sequence references package `{id}` (deployment `{deployments}`), which is not in content"),
            );
            continue;
        };
        if package.files.is_empty() {
            cx.report(
                &PACKAGE_WITHOUT_FILES,
                format!("content[{index}].files"),
                format!(
                    "package `{id}` ({}) lists no files, so the gateway cannot serve or verify it",
                    package.name
                ),
            );
        }
        let gateways: Vec<(usize, &crate::model::Gateway)> =
            package.distributed_to.iter().filter_map(|target| cx.gateway(target)).collect();
        if gateways.iter().any(|(_, g)| g.content_enabled) {
            continue;
        }
        if let Some((gateway_index, gateway)) = gateways.first() {
            cx.report(
                &CONTENT_ON_DISABLED_GATEWAY,
                format!("gateways[{gateway_index}].content_enabled"),
                format!(
                    "package `{id}` ({}) is distributed to gateway `{}`, which is not content-enabled, so deployment `{deployments}` cannot download it",
                    package.name, gateway.id
                ),
            );
        } else {
            cx.report(
                &CONTENT_NOT_ON_GATEWAY,
                format!("content[{index}].distributed_to"),
                format!(
                    "package `{id}` ({}) is referenced by the task sequence of deployment `{deployments}` but is not distributed to a content-enabled gateway",
                    package.name
                ),
            );
        }
    }
}

fn formats(cx: &mut Context<'_>) {
    let doc = cx.document;
    let mut bad = Vec::new();
    for (i, package) in doc.content.iter().enumerate() {
        if !is_package_id(&package.id) {
            bad.push((
                &PACKAGE_ID_FORMAT,
                format!("content[{i}].id"),
                format!("`{}` is not a package ID such as ABC00012", package.id),
            ));
        }
        for (j, file) in package.files.iter().enumerate() {
            if !is_hex(&file.sha256, 64) {
                bad.push((
                    &FILE_HASH_FORMAT,
                    format!("content[{i}].files[{j}].sha256"),
                    format!("`{}` is not a SHA-256 (64 hex digits)", file.sha256),
                ));
            }
            let path = file.path.as_str();
            let escapes = path.split(['/', '\\']).any(|part| part == "..");
            if path.is_empty() || path.starts_with(['/', '\\']) || path.contains(':') || escapes {
                bad.push((
                    &FILE_HASH_FORMAT,
                    format!("content[{i}].files[{j}].path"),
                    format!("`{path}` is not a path relative to the package"),
                ));
            }
        }
    }
    for (i, sequence) in doc.task_sequences.iter().enumerate() {
        if !is_package_id(&sequence.id) {
            bad.push((
                &PACKAGE_ID_FORMAT,
                format!("task_sequences[{i}].id"),
                format!("`{}` is not a package ID such as ABC00020", sequence.id),
            ));
        }
    }
    for (i, image) in doc.boot_images.iter().enumerate() {
        if !is_package_id(&image.id) {
            bad.push((
                &PACKAGE_ID_FORMAT,
                format!("boot_images[{i}].id"),
                format!("`{}` is not a package ID such as ABC00005", image.id),
            ));
        }
    }
    for (rule, path, message) in bad {
        cx.report(rule, path, message);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn package_ids() {
        assert!(super::is_package_id("ABC00012"));
        assert!(super::is_package_id("P0100A3F"));
        assert!(!super::is_package_id("ABC0001"));
        assert!(!super::is_package_id("ABC0001G"));
        assert!(!super::is_package_id("AB-00012"));
    }
}
