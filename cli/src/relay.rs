//! The relay's admin API as the CLI uses it: the admin credential (from a file or the environment,
//! never from the command line, where other users of the machine can read it) and registering a
//! built medium (`POST /api/v1/admin/media`, docs/relay-media.md).

use osdgate_model::api::{API_PREFIX, MediaRecord, RegisterMedia};
use osdgate_model::media::bundle::MediaConfig;
use osdgate_model::model::Timestamp;

/// The relay's admin credential: `--admin-token-file`, else `OSDGATE_ADMIN_TOKEN_FILE`, else
/// `OSDGATE_ADMIN_TOKEN`.
pub fn admin_token(file: Option<&std::path::Path>) -> Result<String, String> {
    let from_file = |path: &std::path::Path| {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the admin token file {}: {e}", path.display()))?;
        let token = text.trim().to_owned();
        if token.is_empty() {
            return Err(format!("the admin token file {} is empty", path.display()));
        }
        Ok(token)
    };
    if let Some(path) = file {
        return from_file(path);
    }
    if let Some(path) = std::env::var_os("OSDGATE_ADMIN_TOKEN_FILE") {
        return from_file(std::path::Path::new(&path));
    }
    match std::env::var("OSDGATE_ADMIN_TOKEN") {
        Ok(token) if !token.trim().is_empty() => Ok(token.trim().to_owned()),
        _ => Err("--relay needs the admin token: pass --admin-token-file FILE, or set OSDGATE_ADMIN_TOKEN_FILE or OSDGATE_ADMIN_TOKEN".to_owned()),
    }
}

/// The registration of a built medium: the document's medium it was built from, and the bundle's
/// own ID, public key and expiry.
pub fn registration(
    medium: &str,
    config: &MediaConfig,
    created_by: &str,
    auto_approve: bool,
) -> Result<RegisterMedia, String> {
    let expires = Timestamp::parse(&config.expires_at)
        .map_err(|e| format!("the bundle's expires_at: {e}"))?;
    Ok(RegisterMedia {
        medium: medium.to_owned(),
        media_id: config.media_id.clone(),
        public_key: config.public_key.clone(),
        expires_at: expires.unix_seconds().saturating_mul(1000),
        created_by: created_by.to_owned(),
        auto_approve,
    })
}

/// Registers a built medium at the relay. A refusal comes back as the relay's message, with the
/// media rules' findings when it ran them.
pub fn register_medium(
    relay: &str,
    token: &str,
    registration: &RegisterMedia,
) -> Result<MediaRecord, String> {
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let base = relay.trim_end_matches('/');
    let url = format!("{base}{API_PREFIX}/admin/media");
    let json = serde_json::to_string(registration).map_err(|e| e.to_string())?;
    let mut response = agent
        .post(&url)
        .header("authorization", &format!("Bearer {token}"))
        .header("content-type", "application/json")
        .send(json.as_str())
        .map_err(|e| format!("cannot reach the relay at {base}: {e}"))?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    if status == 201 {
        return serde_json::from_str(&body).map_err(|e| {
            format!("the relay at {base} registered the medium but answered what this CLI cannot read ({e}); check `osdgate` and the relay are the same version")
        });
    }
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let mut message = format!(
        "the relay at {base} refused to register medium `{}` ({status} {}): {}",
        registration.media_id,
        answer["code"].as_str().unwrap_or("?"),
        answer["message"].as_str().unwrap_or(&body)
    );
    for finding in answer["findings"]["findings"].as_array().into_iter().flatten() {
        message.push_str(&format!(
            "\n  {} {}: {} Fix: {}",
            finding["rule"].as_str().unwrap_or_default(),
            finding["path"].as_str().unwrap_or_default(),
            finding["message"].as_str().unwrap_or_default(),
            finding["fix"].as_str().unwrap_or_default()
        ));
    }
    Err(message)
}
