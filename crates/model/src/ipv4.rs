//! IPv4 value types: prefixes (subnets), address ranges, and the subnet-membership check.
//!
//! Addresses themselves are `std::net::Ipv4Addr`; the original stored them as unsigned
//! integers, and `u32::from` / `Ipv4Addr::from` convert both ways.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use crate::error::{Field, ModelError, ParseError};
use crate::serde_str::serde_as_str;
use crate::uuid::Uuid;

/// The longest IPv4 prefix.
pub const MAX_PREFIX_LEN: u8 = 32;

/// Parses a dotted-quad IPv4 address (`10.0.0.1`; no leading zeros, no prefix).
pub fn parse_ipv4(s: &str) -> Result<Ipv4Addr, ParseError> {
    Ipv4Addr::from_str(s)
        .map_err(|_| ParseError::new("IPv4 address", s, "expected a dotted quad such as 10.0.0.1"))
}

/// The netmask of a prefix length, as an integer (`24` → `0xffffff00`). `len` is at most 32.
fn mask(len: u8) -> u32 {
    u32::MAX
        .checked_shl(u32::from(MAX_PREFIX_LEN.saturating_sub(len)))
        .unwrap_or(0)
}

/// An IPv4 network: an address with no bits set past its prefix length, e.g. `10.0.0.0/24`.
///
/// Parses from `a.b.c.d/len` or a bare address (a `/32`); displays and serialises as
/// `a.b.c.d/len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ipv4Prefix {
    addr: Ipv4Addr,
    len: u8,
}

impl Ipv4Prefix {
    /// `0.0.0.0/0`: every address.
    pub const ANY: Self = Self {
        addr: Ipv4Addr::UNSPECIFIED,
        len: 0,
    };

    /// The network `addr/len`; refuses a length over 32 and an address with host bits set.
    pub fn new(addr: Ipv4Addr, len: u8) -> Result<Self, ParseError> {
        let prefix = Self::new_truncating(addr, len)?;
        if prefix.addr != addr {
            return Err(ParseError::new(
                "IPv4 network",
                format!("{addr}/{len}"),
                format!("host bits are set; the network is {prefix}"),
            ));
        }
        Ok(prefix)
    }

    /// The network `len` bits long that contains `addr` (`10.0.0.7/24` → `10.0.0.0/24`).
    pub fn new_truncating(addr: Ipv4Addr, len: u8) -> Result<Self, ParseError> {
        if len > MAX_PREFIX_LEN {
            return Err(ParseError::new(
                "IPv4 network",
                format!("{addr}/{len}"),
                format!("prefix length {len} is out of range 0-{MAX_PREFIX_LEN}"),
            ));
        }
        Ok(Self {
            addr: Ipv4Addr::from(u32::from(addr) & mask(len)),
            len,
        })
    }

    /// The single-address network `addr/32`.
    pub fn host(addr: Ipv4Addr) -> Self {
        Self {
            addr,
            len: MAX_PREFIX_LEN,
        }
    }

    /// The network address (all host bits zero).
    pub fn network(&self) -> Ipv4Addr {
        self.addr
    }

    /// The prefix length, 0..=32.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// True for `0.0.0.0/0`.
    pub fn is_any(&self) -> bool {
        self.len == 0
    }

    /// The netmask as an address (`/24` → `255.255.255.0`).
    pub fn netmask(&self) -> Ipv4Addr {
        Ipv4Addr::from(mask(self.len))
    }

    /// The last address of the network (all host bits one).
    pub fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !mask(self.len))
    }

    /// How many addresses the network spans, 1 to 2^32.
    pub fn size(&self) -> u64 {
        1u64 << (MAX_PREFIX_LEN.saturating_sub(self.len))
    }

    /// Whether `addr` lies inside the network.
    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        u32::from(addr) & mask(self.len) == u32::from(self.addr)
    }

    /// Whether `other` lies wholly inside this network.
    pub fn contains_prefix(&self, other: &Self) -> bool {
        other.len >= self.len && self.contains(other.addr)
    }

    /// The addresses a host may use: all but the network and broadcast addresses, except in
    /// `/31` and `/32` networks, where every address is a host (RFC 3021).
    pub fn hosts(&self) -> Ipv4Range {
        let (first, last) = (u32::from(self.addr), u32::from(self.broadcast()));
        if self.len >= 31 {
            Ipv4Range::from_u32(first, last)
        } else {
            Ipv4Range::from_u32(first.saturating_add(1), last.saturating_sub(1))
        }
    }

    /// Whether `addr` is in [`hosts`](Self::hosts).
    pub fn is_host(&self, addr: Ipv4Addr) -> bool {
        self.hosts().contains(addr)
    }
}

impl FromStr for Ipv4Prefix {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        let bad = |reason: String| ParseError::new("IPv4 network", s, reason);
        let (addr_text, len_text) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr = Ipv4Addr::from_str(addr_text).map_err(|_| {
            bad(format!(
                "\"{addr_text}\" is not a dotted-quad address; expected a network such as 10.0.0.0/24"
            ))
        })?;
        let len = match len_text {
            None => MAX_PREFIX_LEN,
            Some(l) => {
                if l.is_empty() || !l.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad(format!(
                        "prefix length \"{l}\" is not a number 0-{MAX_PREFIX_LEN}"
                    )));
                }
                l.parse::<u8>()
                    .ok()
                    .filter(|n| *n <= MAX_PREFIX_LEN)
                    .ok_or_else(|| {
                        bad(format!(
                            "prefix length {l} is out of range 0-{MAX_PREFIX_LEN}"
                        ))
                    })?
            }
        };
        Self::new(addr, len).map_err(|e| bad(e.reason().to_owned()))
    }
}

impl fmt::Display for Ipv4Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

serde_as_str!(Ipv4Prefix, "an IPv4 network such as 10.0.0.0/24");

/// An inclusive range of IPv4 addresses, `begin <= end`. Displays as `10.0.0.10-10.0.0.20`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Range {
    begin: Ipv4Addr,
    end: Ipv4Addr,
}

impl Ipv4Range {
    /// The addresses from `begin` to `end` inclusive; refuses `begin > end`.
    pub fn new(begin: Ipv4Addr, end: Ipv4Addr) -> Result<Self, ParseError> {
        if begin > end {
            return Err(ParseError::new(
                "IPv4 range",
                format!("{begin}-{end}"),
                "the first address is after the last",
            ));
        }
        Ok(Self { begin, end })
    }

    /// Callers guarantee `begin <= end`.
    fn from_u32(begin: u32, end: u32) -> Self {
        Self {
            begin: Ipv4Addr::from(begin),
            end: Ipv4Addr::from(end.max(begin)),
        }
    }

    pub fn begin(&self) -> Ipv4Addr {
        self.begin
    }

    pub fn end(&self) -> Ipv4Addr {
        self.end
    }

    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        self.begin <= addr && addr <= self.end
    }

    /// The number of addresses, 1 to 2^32.
    pub fn len(&self) -> u64 {
        u64::from(u32::from(self.end)) - u64::from(u32::from(self.begin)) + 1
    }

    /// Never true: a range holds at least one address. (Present for the `len` convention.)
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The addresses both ranges hold, if any.
    pub fn intersection(&self, other: &Self) -> Option<Self> {
        let begin = self.begin.max(other.begin);
        let end = self.end.min(other.end);
        (begin <= end).then_some(Self { begin, end })
    }

    /// The addresses in order; reversible for decremental allocation.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Ipv4Addr> + use<> {
        (u32::from(self.begin)..=u32::from(self.end)).map(Ipv4Addr::from)
    }
}

impl FromStr for Ipv4Range {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        let bad = |reason: &'static str| ParseError::new("IPv4 range", s, reason);
        let (b, e) = s
            .split_once('-')
            .ok_or_else(|| bad("expected <first>-<last>, e.g. 10.0.0.10-10.0.0.20"))?;
        let begin = Ipv4Addr::from_str(b.trim())
            .map_err(|_| bad("the first address is not a dotted quad"))?;
        let end = Ipv4Addr::from_str(e.trim())
            .map_err(|_| bad("the last address is not a dotted quad"))?;
        Self::new(begin, end)
    }
}

impl fmt::Display for Ipv4Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.begin, self.end)
    }
}

serde_as_str!(Ipv4Range, "an IPv4 range such as 10.0.0.10-10.0.0.20");

/// Checks that `addr`, given in `field`, lies inside `subnet`, the subnet of `network`.
///
/// The error (code 110) names the address, the network's uuid and its subnet, e.g.
/// `ipv4_address: invalid value "10.0.1.5": not inside subnet 10.0.0.0/24 of network nw-a`.
pub fn check_in_subnet(
    field: impl Into<Field>,
    addr: Ipv4Addr,
    network: &Uuid,
    subnet: &Ipv4Prefix,
) -> Result<(), ModelError> {
    if subnet.contains(addr) {
        return Ok(());
    }
    Err(ModelError::invalid(
        field,
        addr,
        format!("not inside subnet {subnet} of network {network}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn net(s: &str) -> Ipv4Prefix {
        s.parse().unwrap()
    }

    #[test]
    fn parses_networks_and_bare_addresses() {
        let p = net("10.0.0.0/24");
        assert_eq!((p.network(), p.prefix_len()), (ip("10.0.0.0"), 24));
        assert_eq!(p.to_string(), "10.0.0.0/24");
        assert_eq!(net("192.168.2.100"), Ipv4Prefix::host(ip("192.168.2.100")));
        assert_eq!(net("0.0.0.0/0"), Ipv4Prefix::ANY);
        assert!(net("0.0.0.0/0").is_any());
        assert_eq!(net("10.1.2.3/32").prefix_len(), 32);
    }

    #[test]
    fn rejects_host_bits_naming_the_network() {
        let e = "10.0.0.1/24".parse::<Ipv4Prefix>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid IPv4 network \"10.0.0.1/24\": host bits are set; the network is 10.0.0.0/24"
        );
        let e = Ipv4Prefix::new(ip("1.0.1.0"), 16).unwrap_err();
        assert_eq!(e.reason(), "host bits are set; the network is 1.0.0.0/16");
        assert_eq!(
            Ipv4Prefix::new_truncating(ip("1.0.1.0"), 16).unwrap(),
            net("1.0.0.0/16")
        );
    }

    #[test]
    fn rejects_bad_lengths_and_addresses() {
        let cases = [
            ("10.0.0.0/33", "prefix length 33 is out of range 0-32"),
            ("10.0.0.0/256", "prefix length 256 is out of range 0-32"),
            ("10.0.0.0/", "prefix length \"\" is not a number 0-32"),
            ("10.0.0.0/-1", "prefix length \"-1\" is not a number 0-32"),
            ("10.0.0.0/+8", "prefix length \"+8\" is not a number 0-32"),
            ("10.0.0.0/x", "prefix length \"x\" is not a number 0-32"),
            (
                "456.462.890.1/33",
                "\"456.462.890.1\" is not a dotted-quad address; expected a network such as 10.0.0.0/24",
            ),
            (
                "",
                "\"\" is not a dotted-quad address; expected a network such as 10.0.0.0/24",
            ),
        ];
        for (text, reason) in cases {
            let e = text.parse::<Ipv4Prefix>().unwrap_err();
            assert_eq!(e.reason(), reason, "{text}");
            assert_eq!(e.value(), text);
        }
        assert_eq!(
            Ipv4Prefix::new(ip("10.0.0.0"), 40).unwrap_err().reason(),
            "prefix length 40 is out of range 0-32"
        );
    }

    #[test]
    fn membership_broadcast_and_hosts() {
        let p = net("10.0.0.0/24");
        assert!(p.contains(ip("10.0.0.0")));
        assert!(p.contains(ip("10.0.0.255")));
        assert!(!p.contains(ip("10.0.1.0")));
        assert_eq!(p.broadcast(), ip("10.0.0.255"));
        assert_eq!(p.netmask(), ip("255.255.255.0"));
        assert_eq!(p.size(), 256);
        assert_eq!(p.hosts().to_string(), "10.0.0.1-10.0.0.254");
        assert_eq!(p.hosts().len(), 254);
        assert!(!p.is_host(ip("10.0.0.0")));
        assert!(p.is_host(ip("10.0.0.1")));
        assert!(!p.is_host(ip("10.0.0.255")));

        assert_eq!(net("10.0.0.4/31").hosts().to_string(), "10.0.0.4-10.0.0.5");
        assert_eq!(net("10.0.0.4/32").hosts().to_string(), "10.0.0.4-10.0.0.4");
        assert_eq!(Ipv4Prefix::ANY.size(), 1 << 32);
        assert!(Ipv4Prefix::ANY.contains(ip("203.0.113.9")));
        assert_eq!(Ipv4Prefix::ANY.broadcast(), ip("255.255.255.255"));
        assert!(net("10.0.0.0/8").contains_prefix(&net("10.1.0.0/16")));
        assert!(!net("10.1.0.0/16").contains_prefix(&net("10.0.0.0/8")));
    }

    #[test]
    fn ranges() {
        let r: Ipv4Range = "10.0.0.10-10.0.0.20".parse().unwrap();
        assert_eq!(r.len(), 11);
        assert!(r.contains(ip("10.0.0.10")) && r.contains(ip("10.0.0.20")));
        assert!(!r.contains(ip("10.0.0.21")));
        assert_eq!(r.iter().next_back(), Some(ip("10.0.0.20")));
        assert_eq!(r.iter().count(), 11);
        let s = Ipv4Range::new(ip("10.0.0.15"), ip("10.0.0.30")).unwrap();
        assert_eq!(
            r.intersection(&s).unwrap().to_string(),
            "10.0.0.15-10.0.0.20"
        );
        let t = Ipv4Range::new(ip("10.0.1.0"), ip("10.0.1.9")).unwrap();
        assert_eq!(r.intersection(&t), None);
        let all = Ipv4Range::new(ip("0.0.0.0"), ip("255.255.255.255")).unwrap();
        assert_eq!(all.len(), 1 << 32);
        let e = Ipv4Range::new(ip("10.0.0.20"), ip("10.0.0.10")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid IPv4 range \"10.0.0.20-10.0.0.10\": the first address is after the last"
        );
        let e = "10.0.0.1".parse::<Ipv4Range>().unwrap_err();
        assert_eq!(
            e.reason(),
            "expected <first>-<last>, e.g. 10.0.0.10-10.0.0.20"
        );
    }

    #[test]
    fn subnet_check_names_address_network_and_subnet() {
        let nw: Uuid = "nw-a".parse().unwrap();
        let subnet = net("10.0.0.0/24");
        assert!(check_in_subnet("ipv4_address", ip("10.0.0.5"), &nw, &subnet).is_ok());
        let e = check_in_subnet("ipv4_address", ip("10.0.1.5"), &nw, &subnet).unwrap_err();
        assert_eq!(e.code(), 110);
        assert_eq!(
            e.to_string(),
            "ipv4_address: invalid value \"10.0.1.5\": not inside subnet 10.0.0.0/24 of network nw-a"
        );
    }

    #[test]
    fn plain_addresses_need_a_dotted_quad() {
        assert_eq!(parse_ipv4("10.0.0.1").unwrap(), ip("10.0.0.1"));
        for bad in [
            "10.0.0",
            "10.0.0.256",
            "010.0.0.1",
            "10.0.0.1/32",
            " 10.0.0.1",
        ] {
            let e = parse_ipv4(bad).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("invalid IPv4 address \"{bad}\": expected a dotted quad such as 10.0.0.1")
            );
        }
    }

    #[test]
    fn serde_as_strings() {
        let p = net("10.0.0.0/24");
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"10.0.0.0/24\"");
        assert_eq!(
            serde_json::from_str::<Ipv4Prefix>("\"10.0.0.0/24\"").unwrap(),
            p
        );
        let e = serde_json::from_str::<Ipv4Prefix>("\"10.0.0.9/24\"").unwrap_err();
        assert!(e.to_string().contains("host bits are set"), "{e}");
        let r: Ipv4Range = serde_json::from_str("\"10.0.0.1-10.0.0.2\"").unwrap();
        assert_eq!(r.len(), 2);
    }
}
