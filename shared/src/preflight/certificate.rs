//! Trusted roots for a PKI gateway certificate (`OSDG-CERT-*`), seed 002 "Add a trusted root
//! certificate to a boot image".

use std::collections::BTreeSet;

use super::Context;
use super::context::is_hex;
use super::rules::{
    PKI_ROOT_MISSING, PKI_ROOT_NOT_IN_BOOT_IMAGE, ROOT_EXPIRED, ROOT_EXPIRES_BEFORE_MEDIA,
    THUMBPRINT_FORMAT,
};
use crate::model::{
    CertificateKind, MEDIA_IMPORT_TRUSTED_ROOTS_AT_BOOT, ManagementPoint, MediaCertificate,
    Scenario,
};

fn normalize(thumbprint: &str) -> String {
    thumbprint
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect::<String>()
        .to_ascii_uppercase()
}

pub(super) fn check(cx: &mut Context<'_>) {
    let doc = cx.document;
    let mut findings = Vec::new();
    // Thumbprint formats, wherever they appear.
    let mut thumbprint = |path: String, value: &str| {
        if !is_hex(&normalize(value), 40) {
            findings.push((
                &THUMBPRINT_FORMAT,
                path,
                format!("`{value}` is not a SHA-1 thumbprint (40 hex digits)"),
            ));
        }
    };
    for (i, gateway) in doc.gateways.iter().enumerate() {
        for (j, root) in gateway.certificate.trusted_roots.iter().enumerate() {
            thumbprint(
                format!("gateways[{i}].certificate.trusted_roots[{j}].thumbprint"),
                &root.thumbprint,
            );
        }
    }
    for (i, image) in doc.boot_images.iter().enumerate() {
        for (j, root) in image.trusted_roots.iter().enumerate() {
            thumbprint(format!("boot_images[{i}].trusted_roots[{j}]"), root);
        }
    }
    for (i, media) in doc.media.iter().enumerate() {
        for (j, root) in media.trusted_roots.iter().enumerate() {
            thumbprint(format!("media[{i}].trusted_roots[{j}]"), root);
        }
        if let MediaCertificate::Pki { thumbprint: Some(value), .. } = &media.certificate {
            thumbprint(format!("media[{i}].certificate.thumbprint"), value);
        }
    }

    // Which gateways do boot media use, and through which boot images and media?
    for (i, gateway) in doc.gateways.iter().enumerate() {
        if gateway.certificate.kind != CertificateKind::Pki {
            continue;
        }
        let media_using: Vec<(usize, &crate::model::Media)> = doc
            .media
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                m.management_points
                    .iter()
                    .any(|p| matches!(p, ManagementPoint::Gateway(id) if *id == gateway.id))
            })
            .collect();
        let boot_media_deployments = cx.deployments_of(Scenario::BootMediaOverGateway);
        let used_by_boot_media = !media_using.is_empty() || !boot_media_deployments.is_empty();
        if !used_by_boot_media {
            continue;
        }
        let roots = &gateway.certificate.trusted_roots;
        if roots.is_empty() {
            findings.push((
                &PKI_ROOT_MISSING,
                format!("gateways[{i}].certificate.trusted_roots"),
                format!("gateway `{}` has a PKI certificate but lists no trusted root, so Windows PE cannot be made to trust it", gateway.id),
            ));
            continue;
        }
        // Boot images that reach this gateway: those of the media that use it and those of the
        // boot-media deployments' task sequences.
        let mut images: BTreeSet<&str> =
            media_using.iter().filter_map(|(_, m)| m.boot_image_id.as_deref()).collect();
        for (_, _, sequence) in &boot_media_deployments {
            if let Some((_, ts)) = sequence {
                images.extend(ts.boot_image_id.as_deref());
            }
        }
        for image_id in images {
            let Some((image_index, image)) = cx.boot_image(image_id) else { continue };
            // Roots listed on media count only once media import them at boot; until then only
            // the boot image's own roots reach Windows PE.
            let media_roots = media_using
                .iter()
                .filter(|(_, m)| m.boot_image_id.as_deref() == Some(image_id))
                .flat_map(|(_, m)| m.trusted_roots.iter().map(move |root| (m.id.as_str(), root)));
            let mut embedded: BTreeSet<String> =
                image.trusted_roots.iter().map(|t| normalize(t)).collect();
            let mut listed_on_media: Vec<&str> = Vec::new();
            for (media_id, root) in media_roots {
                if MEDIA_IMPORT_TRUSTED_ROOTS_AT_BOOT {
                    embedded.insert(normalize(root));
                } else if roots.iter().any(|r| normalize(&r.thumbprint) == normalize(root)) {
                    listed_on_media.push(media_id);
                }
            }
            if !roots.iter().any(|root| embedded.contains(&normalize(&root.thumbprint))) {
                let wanted: Vec<&str> = roots.iter().map(|r| r.thumbprint.as_str()).collect();
                let on_media = if listed_on_media.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; media `{}` list it, but media do not import roots at boot yet",
                        listed_on_media.join("`, `")
                    )
                };
                findings.push((
                    &PKI_ROOT_NOT_IN_BOOT_IMAGE,
                    format!("boot_images[{image_index}].trusted_roots"),
                    format!(
                        "boot image `{}` does not embed the trusted root of gateway `{}` ({}), so Windows PE will not trust the gateway's certificate{on_media}",
                        image.id,
                        gateway.id,
                        wanted.join(", ")
                    ),
                ));
            }
        }
        for (j, root) in roots.iter().enumerate() {
            let Some(not_after) = root.not_after else { continue };
            let path = format!("gateways[{i}].certificate.trusted_roots[{j}].not_after");
            if let Some(now) = cx.now
                && not_after <= now
            {
                findings.push((
                    &ROOT_EXPIRED,
                    path.clone(),
                    format!(
                        "root `{}` of gateway `{}` expired at {not_after}",
                        root.thumbprint, gateway.id
                    ),
                ));
                continue;
            }
            for (m, media) in &media_using {
                if let Some(expires) = media.expires_at
                    && not_after < expires
                {
                    findings.push((
                            &ROOT_EXPIRES_BEFORE_MEDIA,
                            path.clone(),
                            format!(
                                "root `{}` of gateway `{}` expires at {not_after}, before media `{}` (media[{m}]) do at {expires}: the media stop reaching the gateway early",
                                root.thumbprint, gateway.id, media.id
                            ),
                        ));
                }
            }
        }
    }
    for (rule, path, message) in findings {
        cx.report(rule, path, message);
    }
}
