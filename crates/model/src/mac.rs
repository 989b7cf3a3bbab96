//! MAC addresses and ranges of them.
//!
//! The original stored MACs as 48-bit integers; [`MacAddr::to_u64`] and
//! [`MacAddr::from_u64`] convert for the store.

use std::fmt;
use std::str::FromStr;

use crate::error::ParseError;
use crate::serde_str::serde_as_str;

/// The largest value a 48-bit MAC address can hold.
pub const MAX_MAC_U64: u64 = 0xffff_ffff_ffff;

/// A 48-bit Ethernet address. Parses `52:54:00:12:34:56` or `52-54-00-12-34-56` (either case);
/// displays and serialises in lowercase colon form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr([u8; 6]);

impl MacAddr {
    pub const ZERO: Self = Self([0; 6]);
    pub const BROADCAST: Self = Self([0xff; 6]);

    pub const fn new(octets: [u8; 6]) -> Self {
        Self(octets)
    }

    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// The address as the integer the database stores.
    pub fn to_u64(&self) -> u64 {
        self.0
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
    }

    /// The address stored as `value`; refuses values wider than 48 bits.
    pub fn from_u64(value: u64) -> Result<Self, ParseError> {
        if value > MAX_MAC_U64 {
            return Err(ParseError::new(
                "MAC address",
                format!("{value:#x}"),
                "wider than 48 bits",
            ));
        }
        let bytes = value.to_be_bytes();
        let mut octets = [0u8; 6];
        for (o, b) in octets.iter_mut().zip(bytes.iter().skip(2)) {
            *o = *b;
        }
        Ok(Self(octets))
    }

    /// Group (multicast or broadcast) addresses have the low bit of the first octet set.
    pub fn is_multicast(&self) -> bool {
        self.0.first().is_some_and(|b| b & 0x01 != 0)
    }

    pub fn is_broadcast(&self) -> bool {
        *self == Self::BROADCAST
    }

    pub fn is_zero(&self) -> bool {
        *self == Self::ZERO
    }

    /// Whether the address is usable as a station's own address: neither zero nor a group address.
    pub fn is_unicast(&self) -> bool {
        !self.is_zero() && !self.is_multicast()
    }
}

const MAC_FORMAT: &str =
    "expected six pairs of hex digits separated by ':' or '-', e.g. 52:54:00:12:34:56";

impl FromStr for MacAddr {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        let bad = || ParseError::new("MAC address", s, MAC_FORMAT);
        let separator = if s.contains(':') { ':' } else { '-' };
        let mut octets = [0u8; 6];
        let mut groups = s.split(separator);
        for octet in octets.iter_mut() {
            let group = groups.next().ok_or_else(bad)?;
            if group.len() != 2 || !group.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            *octet = u8::from_str_radix(group, 16).map_err(|_| bad())?;
        }
        if groups.next().is_some() {
            return Err(bad());
        }
        Ok(Self(octets))
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MacAddr({self})")
    }
}

serde_as_str!(MacAddr, "a MAC address such as 52:54:00:12:34:56");

/// An inclusive range of MAC addresses, `begin <= end`. Displays as `begin-end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MacAddrRange {
    begin: MacAddr,
    end: MacAddr,
}

impl MacAddrRange {
    /// The addresses from `begin` to `end` inclusive; refuses `begin > end`.
    pub fn new(begin: MacAddr, end: MacAddr) -> Result<Self, ParseError> {
        if begin > end {
            return Err(ParseError::new(
                "MAC range",
                format!("{begin}-{end}"),
                "the first address is after the last",
            ));
        }
        Ok(Self { begin, end })
    }

    pub fn begin(&self) -> MacAddr {
        self.begin
    }

    pub fn end(&self) -> MacAddr {
        self.end
    }

    pub fn contains(&self, mac: MacAddr) -> bool {
        self.begin <= mac && mac <= self.end
    }

    /// The number of addresses, at least 1.
    pub fn len(&self) -> u64 {
        self.end.to_u64() - self.begin.to_u64() + 1
    }

    /// Never true: a range holds at least one address. (Present for the `len` convention.)
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The `index`-th address (0 is `begin`), or `None` past the end. Random allocation picks
    /// an index with the caller's RNG and asks for it here.
    pub fn nth(&self, index: u64) -> Option<MacAddr> {
        if index >= self.len() {
            return None;
        }
        MacAddr::from_u64(self.begin.to_u64() + index).ok()
    }
}

impl fmt::Display for MacAddrRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.begin, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(s: &str) -> MacAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_colon_and_dash_forms_in_any_case() {
        let m = mac("52:54:00:12:34:56");
        assert_eq!(m.octets(), [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
        assert_eq!(mac("52-54-00-12-34-56"), m);
        assert_eq!(mac("52:54:00:AB:cd:Ef").to_string(), "52:54:00:ab:cd:ef");
    }

    #[test]
    fn rejects_everything_else_saying_what_is_expected() {
        for bad in [
            "",
            "52:54:00:12:34",
            "52:54:00:12:34:56:78",
            "52:54:00:12:34:5",
            "52:54:00:12:34:567",
            "5:54:00:12:34:56",
            "52:54:00:12:34:zz",
            "52:54-00:12:34:56",
            "525400123456",
            "52.54.00.12.34.56",
            "+2:54:00:12:34:56",
            " 52:54:00:12:34:56",
        ] {
            let e = bad.parse::<MacAddr>().unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("invalid MAC address \"{bad}\": {MAC_FORMAT}"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn converts_to_and_from_the_stored_integer() {
        let m = mac("52:54:00:12:34:56");
        assert_eq!(m.to_u64(), 0x5254_0012_3456);
        assert_eq!(MacAddr::from_u64(0x5254_0012_3456).unwrap(), m);
        assert_eq!(MacAddr::from_u64(MAX_MAC_U64).unwrap(), MacAddr::BROADCAST);
        let e = MacAddr::from_u64(1 << 48).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid MAC address \"0x1000000000000\": wider than 48 bits"
        );
    }

    #[test]
    fn classifies_group_and_zero_addresses() {
        assert!(mac("01:00:5e:00:00:01").is_multicast());
        assert!(MacAddr::BROADCAST.is_multicast() && MacAddr::BROADCAST.is_broadcast());
        assert!(!MacAddr::ZERO.is_unicast());
        assert!(mac("02:00:00:00:00:01").is_unicast());
        assert!(!mac("03:00:00:00:00:01").is_unicast());
    }

    #[test]
    fn ranges_count_and_index() {
        let r = MacAddrRange::new(mac("00:99:96:00:00:fe"), mac("00:99:96:00:01:01")).unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(r.nth(0), Some(mac("00:99:96:00:00:fe")));
        assert_eq!(r.nth(2), Some(mac("00:99:96:00:01:00")));
        assert_eq!(r.nth(4), None);
        assert!(r.contains(mac("00:99:96:00:00:ff")));
        assert!(!r.contains(mac("00:99:96:00:01:02")));
        assert_eq!(r.to_string(), "00:99:96:00:00:fe-00:99:96:00:01:01");
        let e = MacAddrRange::new(mac("00:00:00:00:00:02"), mac("00:00:00:00:00:01")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid MAC range \"00:00:00:00:00:02-00:00:00:00:00:01\": the first address is after the last"
        );
    }

    #[test]
    fn serde_as_lowercase_string() {
        let m = mac("52-54-00-AB-CD-EF");
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"52:54:00:ab:cd:ef\"");
        assert_eq!(
            serde_json::from_str::<MacAddr>("\"52:54:00:ab:cd:ef\"").unwrap(),
            m
        );
        assert!(serde_json::from_str::<MacAddr>("\"52:54\"").is_err());
    }
}
