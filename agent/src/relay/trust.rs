//! What the agent trusts when it talks to the relay: only what the medium carries.
//!
//! - A medium with `gateway_pins` (its gateway has a PKI certificate): the TLS chain must end in one
//!   of those roots. The certificates come from the medium's own `roots\running\roots.reg` (the
//!   patch the launcher imports), each kept only if its SHA-256 is pinned in `media.json`.
//! - A medium without pins (its gateway has a certificate from a public CA): the Mozilla roots
//!   compiled into the agent (`webpki-roots`).
//! - Never the operating system's store: Windows PE's is whatever the boot image holds.
//! - Plain `http` only for a relay on this machine (`127.0.0.1`, `::1`, `localhost`): tests
//!   against `wrangler dev`. Any other `http` URL is refused before anything is sent.

use std::path::Path;
use std::sync::Arc;

use osdgate_model::media::bundle::{MediaConfig, ROOTS_REG, sha256_hex};
use osdgate_model::media::layout::ROOTS_RUNNING_DIR;
use osdgate_model::trust::read_reg;
use ureq::tls::{Certificate, RootCerts};

/// The relay's origin (`scheme://host[:port]`), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayOrigin {
    origin: String,
    loopback_http: bool,
}

impl RelayOrigin {
    /// Parses `media.json`'s `relay_url`: `https://host[:port][/]`, or `http://` on loopback only.
    pub fn parse(relay_url: &str) -> Result<Self, String> {
        let field = "media.json relay_url";
        let url = relay_url.trim().trim_end_matches('/');
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            format!("{field} `{relay_url}` is not a URL; build the medium again from a document whose gateway has a public_url")
        })?;
        if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
            return Err(format!(
                "{field} `{relay_url}`: give the gateway's origin only (https://host or https://host:port)"
            ));
        }
        let host = match rest.strip_prefix('[') {
            Some(v6) => v6.split_once(']').map(|(h, _)| h).unwrap_or(v6),
            None => rest.rsplit_once(':').map_or(rest, |(h, _)| h),
        };
        match scheme.to_ascii_lowercase().as_str() {
            "https" => Ok(RelayOrigin { origin: format!("https://{rest}"), loopback_http: false }),
            "http"
                if matches!(
                    host.to_ascii_lowercase().as_str(),
                    "127.0.0.1" | "::1" | "localhost"
                ) =>
            {
                Ok(RelayOrigin { origin: format!("http://{rest}"), loopback_http: true })
            }
            "http" => Err(format!(
                "{field} `{relay_url}`: plain http is allowed only for a relay on this machine (127.0.0.1, ::1, localhost), for tests; the gateway must be reached over https"
            )),
            other => Err(format!("{field} `{relay_url}`: scheme `{other}`; use https")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.origin
    }

    /// Plain http to this machine (tests against `wrangler dev`): no TLS at all.
    pub fn is_loopback_http(&self) -> bool {
        self.loopback_http
    }
}

/// The roots the TLS handshake accepts.
#[derive(Debug, Clone)]
pub enum RelayTrust {
    /// The medium's pinned roots (DER), with their subjects for messages.
    Pinned(Vec<(String, Vec<u8>)>),
    /// The Mozilla roots compiled into the agent (a medium without pins).
    PublicRoots,
    /// Plain http on loopback: nothing to trust.
    LoopbackHttp,
}

impl RelayTrust {
    /// What the medium trusts, for messages.
    pub fn describe(&self) -> String {
        match self {
            RelayTrust::Pinned(roots) => format!(
                "the root{} {} carried on the medium",
                if roots.len() == 1 { "" } else { "s" },
                roots.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            RelayTrust::PublicRoots => {
                "the public roots compiled into the agent (the medium pins none)".to_owned()
            }
            RelayTrust::LoopbackHttp => "plain http on this machine (tests only)".to_owned(),
        }
    }

    pub(super) fn root_certs(&self) -> RootCerts {
        match self {
            RelayTrust::Pinned(roots) => RootCerts::Specific(Arc::new(
                roots.iter().map(|(_, der)| Certificate::from_der(der).to_owned()).collect(),
            )),
            // No root at all for http: a redirect to https could not be trusted either.
            RelayTrust::LoopbackHttp => RootCerts::Specific(Arc::new(Vec::new())),
            RelayTrust::PublicRoots => RootCerts::WebPki,
        }
    }
}

/// Decides the trust for the medium in `bundle`.
pub fn relay_trust(
    bundle: &Path,
    media: &MediaConfig,
    origin: &RelayOrigin,
) -> Result<RelayTrust, String> {
    if origin.is_loopback_http() {
        return Ok(RelayTrust::LoopbackHttp);
    }
    if media.gateway_pins.is_empty() {
        return Ok(RelayTrust::PublicRoots);
    }
    let mut path = bundle.to_owned();
    for part in ROOTS_RUNNING_DIR.split('\\') {
        path.push(part);
    }
    path.push(ROOTS_REG);
    let bytes = std::fs::read(&path).map_err(|e| {
        format!(
            "media.json pins the gateway's roots but {} cannot be read ({e}); copy the whole osdgate folder to the medium, or build it again",
            path.display()
        )
    })?;
    let document =
        read_reg(&bytes).map_err(|e| format!("{}: {e}; build the medium again", path.display()))?;
    let carried: Vec<Vec<u8>> = document
        .certificate_blobs()
        .into_iter()
        .filter_map(|blob| blob.decoded.ok()?.certificate.map(|c| c.der().to_vec()))
        .collect();
    let mut roots = Vec::new();
    for pin in &media.gateway_pins {
        let Some(der) =
            carried.iter().find(|der| sha256_hex(der).eq_ignore_ascii_case(&pin.sha256))
        else {
            return Err(format!(
                "media.json gateway_pins: the root {} ({}) is not in {}; build the medium again",
                pin.subject,
                pin.sha1,
                path.display()
            ));
        };
        roots.push((pin.subject.clone(), der.clone()));
    }
    Ok(RelayTrust::Pinned(roots))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_only_on_loopback() {
        assert!(RelayOrigin::parse("http://127.0.0.1:8787").unwrap().is_loopback_http());
        assert!(RelayOrigin::parse("http://localhost:1/").unwrap().is_loopback_http());
        assert!(RelayOrigin::parse("http://[::1]:9").unwrap().is_loopback_http());
        let refused = RelayOrigin::parse("http://relay.example.com").unwrap_err();
        assert!(refused.contains("plain http is allowed only"), "{refused}");
        assert!(RelayOrigin::parse("http://127.0.0.1.evil.example").is_err());
        let https = RelayOrigin::parse("https://relay.example.com/").unwrap();
        assert_eq!(https.as_str(), "https://relay.example.com");
        assert!(!https.is_loopback_http());
        assert!(RelayOrigin::parse("https://relay.example.com/api").is_err());
        assert!(RelayOrigin::parse("ftp://relay.example.com").is_err());
        assert!(RelayOrigin::parse("relay.example.com").is_err());
    }
}
