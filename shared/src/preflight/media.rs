//! Bootable media for a gateway (`OSDG-MEDIA-*`), seed 002 "Create boot media to use a CMG".

use super::Context;
use super::rules::{
    INTERNET_BASED_MEDIA, MEDIA_CERTIFICATE, MEDIA_DEPLOYMENT_MISMATCH, MEDIA_EXPIRED,
    MEDIA_NOT_SITE_BASED, MEDIA_WITHOUT_BOOT_IMAGE, MEDIA_WITHOUT_DEPLOYMENT,
    MEDIA_WITHOUT_GATEWAY, NO_GATEWAY_MEDIA, PASSWORD_IN_DOCUMENT, WEAK_MEDIA_PASSWORD,
};
use crate::model::{
    HashAlgorithm, KeyProvider, ManagementPoint, Media, MediaCertificate, MediaManagement,
    MediaProtection, Scenario,
};

/// Whether the media talk to a gateway.
pub(super) fn uses_gateway(media: &Media) -> bool {
    media.management_points.iter().any(|p| matches!(p, ManagementPoint::Gateway(_)))
}

/// "Strong": the rule a media password is held to when the medium is built (the document never
/// holds the password, `OSDG-MEDIA-003`): at least 8 characters from at least three of upper case, lower case, digits and
/// symbols (the Windows password complexity rule).
pub(crate) fn is_strong_password(password: &str) -> bool {
    let classes = [
        password.chars().any(char::is_uppercase),
        password.chars().any(char::is_lowercase),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    password.chars().count() >= 8 && classes.iter().filter(|c| **c).count() >= 3
}

pub(super) fn check(cx: &mut Context<'_>) {
    let doc = cx.document;
    let mut findings = Vec::new();
    for (_, deployment, sequence) in cx.deployments_of(Scenario::BootMediaOverGateway) {
        let Some((_, sequence)) = sequence else { continue };
        if sequence.boot_image_id.is_none() {
            continue;
        }
        let matching: Vec<(usize, &Media)> = doc
            .media
            .iter()
            .enumerate()
            .filter(|(_, m)| m.deployments.contains(&deployment.id))
            .collect();
        if matching.iter().any(|(_, m)| uses_gateway(m)) {
            continue;
        }
        match matching.first() {
            Some((index, media)) => findings.push((
                &MEDIA_WITHOUT_GATEWAY,
                format!("media[{index}].management_points"),
                format!(
                    "media `{}` run deployment `{}` but do not use a gateway as management point",
                    media.id, deployment.id
                ),
            )),
            None => findings.push((
                &NO_GATEWAY_MEDIA,
                "media".to_owned(),
                format!(
                    "no media that use a gateway as management point name deployment `{}`",
                    deployment.id
                ),
            )),
        }
    }
    for (i, media) in doc.media.iter().enumerate() {
        let path = |field: &str| format!("media[{i}].{field}");
        let id = &media.id;
        if media.management == MediaManagement::InternetBased {
            // The same option under the name seed 000 used: a note, never an error.
            findings.push((
                &INTERNET_BASED_MEDIA,
                path("management"),
                format!("media `{id}` say \"Internet-based media\", seed 000's name for what seed 002 calls \"Site-based media\"; osdgate treats them as site-based"),
            ));
        }
        if media.legacy_password.is_some() {
            // The value was dropped unread when the document was parsed; it is never shown.
            findings.push((
                &PASSWORD_IN_DOCUMENT,
                path("password"),
                format!("media `{id}` keep a password in the document; osdgate never reads or publishes it there"),
            ));
        }
        if media.deployments.is_empty() {
            findings.push((
                &MEDIA_WITHOUT_DEPLOYMENT,
                path("deployments"),
                format!("media `{id}` name no deployment to run"),
            ));
        }
        for (j, deployment_id) in media.deployments.iter().enumerate() {
            // An unknown ID is OSDG-DOC-002's.
            let Some(deployment) = doc.deployment(deployment_id) else { continue };
            let refusals = media.deployment_refusals(doc, deployment);
            if !refusals.is_empty() {
                let reasons: Vec<String> = refusals.iter().map(ToString::to_string).collect();
                findings.push((
                    &MEDIA_DEPLOYMENT_MISMATCH,
                    path(&format!("deployments[{j}]")),
                    format!(
                        "media `{id}` cannot run deployment `{deployment_id}`: {}",
                        reasons.join("; ")
                    ),
                ));
            }
        }
        if !uses_gateway(media) {
            continue;
        }
        if !media.management.is_site_based() {
            findings.push((
                &MEDIA_NOT_SITE_BASED,
                path("management"),
                format!("media `{id}` use a gateway but are dynamic media, not site-based media"),
            ));
        }
        if media.protection == MediaProtection::Unattended {
            findings.push((
                &WEAK_MEDIA_PASSWORD,
                path("protection"),
                format!("media `{id}` use a gateway and are unattended (no password): anyone holding them can start their deployments until they expire or are revoked"),
            ));
        }
        if media.boot_image_id.is_none() {
            findings.push((
                &MEDIA_WITHOUT_BOOT_IMAGE,
                path("boot_image_id"),
                format!("media `{id}` use a gateway but have no boot image"),
            ));
        }
        if let MediaCertificate::Pki { hash_algorithm, key_provider, .. } = &media.certificate {
            let good_provider =
                matches!(key_provider, KeyProvider::MicrosoftEnhancedRsaAndAes | KeyProvider::Cng);
            if *hash_algorithm != HashAlgorithm::Sha256 || !good_provider {
                findings.push((
                    &MEDIA_CERTIFICATE,
                    path("certificate"),
                    format!("the PKI certificate of media `{id}` uses {} with the {}; SHA-256 with the Microsoft Enhanced RSA and AES provider is recommended", hash_algorithm.display_name(), key_provider.display_name()),
                ));
            }
        }
        if let (Some(now), Some(expires)) = (cx.now, media.expires_at)
            && expires <= now
        {
            findings.push((
                &MEDIA_EXPIRED,
                path("expires_at"),
                format!("media `{id}` expired at {expires} (checked at {now})"),
            ));
        }
    }
    for (rule, path, message) in findings {
        cx.report(rule, path, message);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn strong_passwords() {
        assert!(super::is_strong_password("Remote-2026"));
        assert!(super::is_strong_password("ab12CD34"));
        assert!(!super::is_strong_password("password"));
        assert!(!super::is_strong_password("Ab1!"));
        assert!(!super::is_strong_password("abcdefgh12"));
    }
}
