//! Gateways (osdgate's relay, ConfigMgr's cloud management gateway) and on-premises distribution
//! points.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Timestamp;

/// A gateway that internet-based devices reach: the relay, in ConfigMgr terms the CMG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    /// Stable identifier, unique among gateways and distribution points.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The public `https://` URL that devices connect to.
    pub public_url: String,
    /// "Allow CMG to function as a cloud distribution point and serve content" (seed 002, "Deploy
    /// Windows in-place upgrade via CMG").
    #[serde(default)]
    pub content_enabled: bool,
    /// The gateway's server certificate.
    pub certificate: GatewayCertificate,
}

impl Gateway {
    /// The host name of [`Gateway::public_url`] (`relay.example.com` for
    /// `https://relay.example.com/path`), lower-cased; `None` when the URL has no host.
    pub fn host(&self) -> Option<String> {
        url_host(&self.public_url)
    }
}

/// The host part of an absolute `scheme://host[:port]/...` URL, lower-cased.
pub(crate) fn url_host(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The gateway's server certificate: who issued it decides what devices must trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GatewayCertificate {
    /// Public CA or the organisation's PKI.
    pub kind: CertificateKind,
    /// For a PKI certificate: the root(s) that Windows PE must trust (seed 002, "Add a trusted root
    /// certificate to a boot image").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_roots: Vec<TrustedRoot>,
}

/// Who issued a server certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// A public certification authority that Windows PE already trusts.
    PublicCa,
    /// The organisation's own PKI: its root must be added to the boot image.
    Pki,
}

/// A root certificate that devices must trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustedRoot {
    /// SHA-1 thumbprint of the DER certificate, 40 hex digits (the registry key name Windows uses,
    /// spec section 1).
    pub thumbprint: String,
    /// Subject, for people.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// The end of the certificate's validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<Timestamp>,
    /// The certificate itself, PEM or base64 DER, when the document carries it (the media builder
    /// turns it into the registry blob of spec section 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

/// An on-premises distribution point (for boundary-group source ordering).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DistributionPoint {
    /// Stable identifier, unique among gateways and distribution points.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Server FQDN, such as `dp01.corp.example.com`.
    pub server: String,
}

#[cfg(test)]
mod tests {
    use super::url_host;

    #[test]
    fn host_of_urls() {
        assert_eq!(url_host("https://Relay.Example.com/x").as_deref(), Some("relay.example.com"));
        assert_eq!(
            url_host("https://relay.example.com:8443").as_deref(),
            Some("relay.example.com")
        );
        assert_eq!(url_host("https://[2001:db8::1]:443/").as_deref(), Some("2001:db8::1"));
        assert_eq!(url_host("relay.example.com"), None);
        assert_eq!(url_host("https:///x"), None);
    }
}
