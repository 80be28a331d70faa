//! Bootable media for a gateway (`OSDG-MEDIA-*`), seed 002 "Create boot media to use a CMG".

use super::Context;
use super::rules::{
    INTERNET_BASED_MEDIA, MEDIA_CERTIFICATE, MEDIA_EXPIRED, MEDIA_NOT_SITE_BASED,
    MEDIA_WITHOUT_BOOT_IMAGE, MEDIA_WITHOUT_GATEWAY, NO_GATEWAY_MEDIA, WEAK_MEDIA_PASSWORD,
};
use crate::model::{
    HashAlgorithm, KeyProvider, ManagementPoint, Media, MediaCertificate, MediaManagement, Scenario,
};

/// Whether the media talk to a gateway.
pub(super) fn uses_gateway(media: &Media) -> bool {
    media.management_points.iter().any(|p| matches!(p, ManagementPoint::Gateway(_)))
}

/// "Strong": at least 8 characters from at least three of upper case, lower case, digits and
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
        let Some(boot_image) = &sequence.boot_image_id else { continue };
        let matching: Vec<(usize, &Media)> = doc
            .media
            .iter()
            .enumerate()
            .filter(|(_, m)| m.boot_image_id.as_ref() == Some(boot_image))
            .collect();
        if matching.iter().any(|(_, m)| uses_gateway(m)) {
            continue;
        }
        match matching.first() {
            Some((index, media)) => findings.push((
                &MEDIA_WITHOUT_GATEWAY,
                format!("media[{index}].management_points"),
                format!(
                    "media `{}` carry boot image `{boot_image}` of deployment `{}` but do not use a gateway as management point",
                    media.id, deployment.id
                ),
            )),
            None => findings.push((
                &NO_GATEWAY_MEDIA,
                "media".to_owned(),
                format!("no media carry boot image `{boot_image}` and a gateway as management point for deployment `{}`", deployment.id),
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
        match media.password.as_deref() {
            None | Some("") => findings.push((
                &WEAK_MEDIA_PASSWORD,
                path("password"),
                format!("media `{id}` use a gateway but have no password: anyone holding them can start the deployment"),
            )),
            Some(password) if !is_strong_password(password) => findings.push((
                &WEAK_MEDIA_PASSWORD,
                path("password"),
                format!("the password of media `{id}` is not strong"),
            )),
            Some(_) => {}
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
