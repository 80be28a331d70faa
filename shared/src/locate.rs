//! Content location: for a content package and a client address, the ordered list of sources
//! (seed 001 "Support for cloud-based content" and seed 002 "Bootable media support for
//! cloud-based content": the client's boundary group decides which sources it may use; "Prefer
//! cloud based sources over on-premises sources" puts the content-enabled gateway first; a client
//! in no boundary group can only use the gateway, and only when the content is distributed to it).
//!
//! Pure: the relay builds a [`Topology`] from the published plan and calls [`locate`].

use std::net::IpAddr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::{ContentSource, SourceKind};

/// An inclusive range of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AddressRange {
    pub first: IpAddr,
    pub last: IpAddr,
}

/// Why a boundary could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoundaryError {
    #[error("`{0}` is not an address, a CIDR prefix (10.0.0.0/8, 2001:db8::/32) or a range (a-b)")]
    Syntax(String),
    #[error("`{0}` mixes IPv4 and IPv6 or runs backwards")]
    Range(String),
}

impl AddressRange {
    /// Reads `10.1.0.0/16`, `2001:db8::/32`, `10.0.0.1-10.0.0.9` or a single address.
    pub fn parse(text: &str) -> Result<AddressRange, BoundaryError> {
        let text = text.trim();
        let syntax = || BoundaryError::Syntax(text.to_owned());
        if let Some((address, prefix)) = text.split_once('/') {
            let address: IpAddr = address.trim().parse().map_err(|_| syntax())?;
            let prefix: u32 = prefix.trim().parse().map_err(|_| syntax())?;
            return match address {
                IpAddr::V4(v4) if prefix <= 32 => {
                    let bits = u32::from(v4);
                    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
                    Ok(AddressRange {
                        first: IpAddr::V4((bits & mask).into()),
                        last: IpAddr::V4((bits | !mask).into()),
                    })
                }
                IpAddr::V6(v6) if prefix <= 128 => {
                    let bits = u128::from(v6);
                    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
                    Ok(AddressRange {
                        first: IpAddr::V6((bits & mask).into()),
                        last: IpAddr::V6((bits | !mask).into()),
                    })
                }
                _ => Err(syntax()),
            };
        }
        if let Some((first, last)) = text.split_once('-') {
            let first: IpAddr = first.trim().parse().map_err(|_| syntax())?;
            let last: IpAddr = last.trim().parse().map_err(|_| syntax())?;
            let range = AddressRange { first, last };
            return if first.is_ipv4() == last.is_ipv4() && first <= last {
                Ok(range)
            } else {
                Err(BoundaryError::Range(text.to_owned()))
            };
        }
        let address: IpAddr = text.parse().map_err(|_| syntax())?;
        Ok(AddressRange { first: address, last: address })
    }

    /// True when `address` lies in the range. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) count
    /// as their IPv4 address.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        address.is_ipv4() == self.first.is_ipv4() && self.first <= address && address <= self.last
    }
}

/// A content source the relay knows of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Source {
    pub id: String,
    pub kind: SourceKind,
    /// Base URL of a package on this source; the content ID and a `/` are appended.
    pub base_url: String,
    /// Gateways: "serve content" is enabled. Distribution points always serve content.
    pub content_enabled: bool,
}

/// A boundary group as location needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BoundaryGroupView {
    pub id: String,
    pub ranges: Vec<AddressRange>,
    /// IDs of the gateways and distribution points associated with the group.
    pub sources: Vec<String>,
    /// "Prefer cloud based sources over on-premises sources".
    pub prefer_cloud: bool,
}

/// Every source and boundary group of the published plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Topology {
    pub sources: Vec<Source>,
    pub boundary_groups: Vec<BoundaryGroupView>,
}

/// The decision: the client's boundary groups and the ordered sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub boundary_groups: Vec<String>,
    pub sources: Vec<ContentSource>,
}

/// Order the sources of a content package (distributed to `distributed_to`) for a client.
pub fn locate(
    topology: &Topology,
    content_id: &str,
    distributed_to: &[String],
    client: Option<IpAddr>,
) -> Location {
    let groups: Vec<&BoundaryGroupView> = match client {
        Some(address) => topology
            .boundary_groups
            .iter()
            .filter(|group| group.ranges.iter().any(|range| range.contains(address)))
            .collect(),
        None => Vec::new(),
    };
    let serves = |source: &Source| source.content_enabled && distributed_to.contains(&source.id);
    let to_source = |source: &Source| ContentSource {
        kind: source.kind,
        id: source.id.clone(),
        url: format!("{}{content_id}/", source.base_url),
    };
    let sources: Vec<ContentSource> = if groups.is_empty() {
        topology
            .sources
            .iter()
            .filter(|source| source.kind == SourceKind::Gateway && serves(source))
            .map(to_source)
            .collect()
    } else {
        let mut associated: Vec<&Source> = Vec::new();
        for group in &groups {
            for id in &group.sources {
                if let Some(source) = topology.sources.iter().find(|s| &s.id == id)
                    && serves(source)
                    && !associated.iter().any(|s| s.id == source.id)
                {
                    associated.push(source);
                }
            }
        }
        let cloud_first = groups.iter().any(|group| group.prefer_cloud);
        let (first, second) = if cloud_first {
            (SourceKind::Gateway, SourceKind::DistributionPoint)
        } else {
            (SourceKind::DistributionPoint, SourceKind::Gateway)
        };
        associated
            .iter()
            .filter(|s| s.kind == first)
            .chain(associated.iter().filter(|s| s.kind == second))
            .map(|s| to_source(s))
            .collect()
    };
    Location { boundary_groups: groups.iter().map(|g| g.id.clone()).collect(), sources }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topology(prefer_cloud: bool) -> Topology {
        Topology {
            sources: vec![
                Source {
                    id: "gw".into(),
                    kind: SourceKind::Gateway,
                    base_url: "https://gw.example/api/v1/content/".into(),
                    content_enabled: true,
                },
                Source {
                    id: "dp1".into(),
                    kind: SourceKind::DistributionPoint,
                    base_url: "http://dp1.corp/SMS_DP_SMSPKG$/".into(),
                    content_enabled: true,
                },
            ],
            boundary_groups: vec![BoundaryGroupView {
                id: "office".into(),
                ranges: vec![AddressRange::parse("10.1.0.0/16").unwrap()],
                sources: vec!["dp1".into(), "gw".into()],
                prefer_cloud,
            }],
        }
    }

    fn ids(location: &Location) -> Vec<&str> {
        location.sources.iter().map(|s| s.id.as_str()).collect()
    }

    fn all() -> Vec<String> {
        vec!["gw".into(), "dp1".into()]
    }

    #[test]
    fn boundary_parsing_covers_cidr_ranges_and_single_addresses() {
        let v4 = AddressRange::parse("10.1.0.0/16").unwrap();
        assert!(v4.contains("10.1.255.255".parse().unwrap()));
        assert!(!v4.contains("10.2.0.0".parse().unwrap()));
        assert!(v4.contains("::ffff:10.1.2.3".parse().unwrap()));
        let v6 = AddressRange::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(!v6.contains("10.1.0.1".parse().unwrap()));
        let range = AddressRange::parse("192.168.1.10-192.168.1.20").unwrap();
        assert!(range.contains("192.168.1.15".parse().unwrap()));
        assert!(!range.contains("192.168.1.21".parse().unwrap()));
        assert!(AddressRange::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!(matches!(AddressRange::parse("10.0.0.9-10.0.0.1"), Err(BoundaryError::Range(_))));
        assert!(matches!(AddressRange::parse("10.0.0.0/33"), Err(BoundaryError::Syntax(_))));
        assert!(matches!(AddressRange::parse("nope"), Err(BoundaryError::Syntax(_))));
    }

    #[test]
    fn prefer_cloud_puts_the_gateway_first_otherwise_on_premises_first() {
        let client = Some("10.1.2.3".parse().unwrap());
        let cloud = locate(&topology(true), "PKG1", &all(), client);
        assert_eq!(ids(&cloud), ["gw", "dp1"]);
        assert_eq!(cloud.boundary_groups, ["office"]);
        assert_eq!(cloud.sources[0].url, "https://gw.example/api/v1/content/PKG1/");
        let on_prem = locate(&topology(false), "PKG1", &all(), client);
        assert_eq!(ids(&on_prem), ["dp1", "gw"]);
    }

    #[test]
    fn only_sources_the_content_is_distributed_to_are_offered() {
        let client = Some("10.1.2.3".parse().unwrap());
        let location = locate(&topology(true), "PKG1", &["dp1".into()], client);
        assert_eq!(ids(&location), ["dp1"]);
    }

    #[test]
    fn a_gateway_that_does_not_serve_content_is_never_offered() {
        let mut topology = topology(true);
        topology.sources[0].content_enabled = false;
        let location = locate(&topology, "PKG1", &all(), Some("10.1.2.3".parse().unwrap()));
        assert_eq!(ids(&location), ["dp1"]);
        let outside = locate(&topology, "PKG1", &all(), Some("8.8.8.8".parse().unwrap()));
        assert!(outside.sources.is_empty());
    }

    #[test]
    fn a_client_in_no_boundary_group_gets_the_gateway_only_when_distributed_there() {
        let outside = Some("8.8.8.8".parse().unwrap());
        let location = locate(&topology(false), "PKG1", &all(), outside);
        assert!(location.boundary_groups.is_empty());
        assert_eq!(ids(&location), ["gw"]);
        let not_on_gateway = locate(&topology(false), "PKG1", &["dp1".into()], outside);
        assert!(not_on_gateway.sources.is_empty());
        let unknown_address = locate(&topology(true), "PKG1", &all(), None);
        assert_eq!(ids(&unknown_address), ["gw"]);
    }

    #[test]
    fn sources_not_associated_with_the_clients_group_are_not_offered() {
        let mut topology = topology(true);
        topology.boundary_groups[0].sources = vec!["dp1".into()];
        let location = locate(&topology, "PKG1", &all(), Some("10.1.2.3".parse().unwrap()));
        assert_eq!(ids(&location), ["dp1"]);
    }
}
