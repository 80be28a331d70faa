//! Boundary groups: which network locations use which gateways and distribution points.
//!
//! Seed 001 and 002, "Bootable media support for cloud-based content" > "Prerequisites": the boundary
//! group that the client is in must be associated with the content-enabled gateway and must enable
//! **Prefer cloud based sources over on-premises sources**.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use crate::locate::AddressRange;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A boundary group (ConfigMgr: *Administration > Boundary Groups*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BoundaryGroup {
    /// Stable identifier, unique among boundary groups.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The network locations that belong to this group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boundaries: Vec<Boundary>,
    /// Gateways (`gateways[].id`) associated with this group as site systems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// On-premises distribution points (`distribution_points[].id`) associated with this group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distribution_points: Vec<String>,
    /// "Prefer cloud based sources over on-premises sources" (boundary group options).
    #[serde(default)]
    pub prefer_cloud_sources: bool,
}

impl BoundaryGroup {
    /// Whether any boundary of this group contains `address`.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.boundaries.iter().any(|boundary| boundary.contains(address))
    }
}

/// One network location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Boundary {
    /// An IPv4 or IPv6 subnet in CIDR notation, such as `10.20.0.0/16` or `2001:db8::/48`.
    Subnet(IpCidr),
    /// An inclusive address range; both ends are in the same address family.
    Range {
        /// First address in the range.
        start: IpAddr,
        /// Last address in the range (inclusive).
        end: IpAddr,
    },
}

impl Boundary {
    /// The boundary as an inclusive address range, the one type that decides membership for
    /// preflight and for the relay's content location; `None` for a range whose ends are of
    /// different families or whose start is after its end (preflight reports it as
    /// `OSDG-BOUNDARY-004`).
    pub fn address_range(&self) -> Option<AddressRange> {
        match self {
            Boundary::Subnet(cidr) => Some(cidr.address_range()),
            Boundary::Range { start, end } => (start.is_ipv4() == end.is_ipv4() && start <= end)
                .then_some(AddressRange { first: *start, last: *end }),
        }
    }

    /// Whether `address` lies in this boundary ([`AddressRange::contains`]: an IPv4-mapped IPv6
    /// address counts as its IPv4 address). A malformed range contains nothing.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.address_range().is_some_and(|range| range.contains(address))
    }
}

/// An IP network: an address and a prefix length, written `address/prefix`.
///
/// Host bits below the prefix are kept as written (ConfigMgr accepts `10.1.2.3/16` and means
/// `10.1.0.0/16`); [`IpCidr::network`] gives the masked address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpCidr {
    address: IpAddr,
    prefix_len: u8,
}

/// Why a text is not a CIDR network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a subnet in CIDR notation such as 10.20.0.0/16 or 2001:db8::/48: {reason}"
)]
pub struct IpCidrError {
    text: String,
    reason: &'static str,
}

impl IpCidr {
    /// A network from an address and a prefix length; `None` when the prefix is longer than the
    /// address (32 bits for IPv4, 128 for IPv6).
    pub fn new(address: IpAddr, prefix_len: u8) -> Option<Self> {
        let max = if address.is_ipv4() { 32 } else { 128 };
        (prefix_len <= max).then_some(Self { address, prefix_len })
    }

    /// The address as written.
    pub fn address(&self) -> IpAddr {
        self.address
    }

    /// The prefix length in bits.
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// The network address (host bits cleared).
    pub fn network(&self) -> IpAddr {
        match self.address {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) & mask_v4(self.prefix_len)).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) & mask_v6(self.prefix_len)).into()),
        }
    }

    /// The network's first and last address.
    pub fn address_range(&self) -> AddressRange {
        match self.address {
            IpAddr::V4(a) => {
                let mask = mask_v4(self.prefix_len);
                let first = u32::from(a) & mask;
                AddressRange {
                    first: IpAddr::V4(first.into()),
                    last: IpAddr::V4((first | !mask).into()),
                }
            }
            IpAddr::V6(a) => {
                let mask = mask_v6(self.prefix_len);
                let first = u128::from(a) & mask;
                AddressRange {
                    first: IpAddr::V6(first.into()),
                    last: IpAddr::V6((first | !mask).into()),
                }
            }
        }
    }

    /// Whether `address` is in this network ([`AddressRange::contains`]: an IPv4-mapped IPv6
    /// address counts as its IPv4 address; otherwise never across address families).
    pub fn contains(&self, address: IpAddr) -> bool {
        self.address_range().contains(address)
    }
}

fn mask_v4(prefix_len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix_len.min(32))).unwrap_or(0)
}

fn mask_v6(prefix_len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix_len.min(128))).unwrap_or(0)
}

impl std::str::FromStr for IpCidr {
    type Err = IpCidrError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| IpCidrError { text: text.to_owned(), reason };
        let (address, prefix) =
            text.split_once('/').ok_or_else(|| fail("the `/prefix` is missing"))?;
        let address: IpAddr =
            address.parse().map_err(|_| fail("the address is not an IP address"))?;
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) || prefix.len() > 3 {
            return Err(fail("the prefix length must be a number"));
        }
        let prefix_len: u8 =
            prefix.parse().map_err(|_| fail("the prefix length must be a number"))?;
        Self::new(address, prefix_len).ok_or_else(|| {
            fail("the prefix length is longer than the address (32 for IPv4, 128 for IPv6)")
        })
    }
}

impl fmt::Display for IpCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix_len)
    }
}

impl Serialize for IpCidr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpCidr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for IpCidr {
    fn schema_name() -> Cow<'static, str> {
        "IpCidr".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "An IPv4 or IPv6 subnet in CIDR notation, such as 10.20.0.0/16 or 2001:db8::/48.",
            "pattern": "^[0-9A-Fa-f:.]+/[0-9]{1,3}$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn subnets_contain_their_addresses() {
        let net: IpCidr = "10.20.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.20.255.1")));
        assert!(!net.contains(ip("10.21.0.1")));
        assert!(!net.contains(ip("::1")));
        let all: IpCidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("192.0.2.1")));
        let v6: IpCidr = "2001:db8::/48".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:0:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        let host: IpCidr = "192.0.2.7/32".parse().unwrap();
        assert!(host.contains(ip("192.0.2.7")) && !host.contains(ip("192.0.2.8")));
        assert_eq!("10.1.2.3/16".parse::<IpCidr>().unwrap().network(), ip("10.1.0.0"));
    }

    #[test]
    fn rejects_bad_subnets() {
        for bad in ["10.0.0.0", "10.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.0/x", "10.0.0.0/-1"] {
            assert!(bad.parse::<IpCidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges_are_inclusive_and_family_bound() {
        let range = Boundary::Range { start: ip("10.0.0.10"), end: ip("10.0.0.20") };
        assert!(range.contains(ip("10.0.0.10")) && range.contains(ip("10.0.0.20")));
        assert!(!range.contains(ip("10.0.0.21")) && !range.contains(ip("::a")));
        let mixed = Boundary::Range { start: ip("10.0.0.1"), end: ip("::1") };
        assert!(!mixed.contains(ip("10.0.0.1")));
    }
}
