//! The 64-bit cookie layout (reference §5.3): prefix in bits 56–63, a 24-bit tag in 32–55,
//! the "dynamic" flag in bit 31 and the object id in bits 0–30.
//!
//! Every flow vna installs carries the cookie of the object it exists for, so the flows of one
//! object can be found (and deleted) with a masked cookie match, and a dump reads like the
//! original's (`cookie=0x900000000000000` is a SWITCH flow). Flows the switch creates at run
//! time (OVS `learn` results) carry [`DYNAMIC`]; the reconciler never touches those.

use std::fmt;

pub const PREFIX_SHIFT: u32 = 56;
pub const PREFIX_MASK: u64 = 0xff << PREFIX_SHIFT;
pub const TAG_SHIFT: u32 = 32;
pub const TAG_MASK: u64 = 0x00ff_ffff << TAG_SHIFT;
/// Set on flows created at run time (learned MACs and the like): not the reconciler's.
pub const DYNAMIC: u64 = 1 << 31;
pub const ID_MASK: u64 = 0x7fff_ffff;

macro_rules! prefixes {
    ($( $name:ident = $num:literal, )+) => {
        /// The object kind a cookie belongs to, named like the original's constants.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(non_camel_case_types)]
        pub enum Prefix { $( $name = $num, )+ }

        impl Prefix {
            pub const ALL: &[Prefix] = &[ $( Prefix::$name, )+ ];

            pub fn from_u8(v: u8) -> Option<Prefix> {
                match v { $( $num => Some(Prefix::$name), )+ _ => None }
            }

            /// The original's constant name (`SWITCH`, `DP_NETWORK`, …).
            pub fn name(self) -> &'static str {
                match self { $( Prefix::$name => stringify!($name), )+ }
            }
        }
    };
}

prefixes! {
    DATAPATH = 0x01,
    DP_NETWORK = 0x02,
    DP_ROUTE_LINK = 0x03,
    NETWORK = 0x04,
    PORT = 0x05,
    ROUTE = 0x06,
    ROUTE_LINK = 0x07,
    SERVICE = 0x08,
    SWITCH = 0x09,
    TUNNEL = 0x0a,
    VIF = 0x0b,
    INTERFACE = 0x0c,
    TRANSLATION = 0x0d,
    FILTER = 0x0e,
    CONNECTION = 0x0f,
    ACTIVE_INTERFACE = 0x10,
    ACTIVE_PORT = 0x11,
    FILTER2 = 0x12,
    DP_SEGMENT = 0x13,
    SEGMENT = 0x14,
    INTERFACE_SEGMENT = 0x15,
}

/// A cookie for object `id` of kind `prefix`, tag 0.
pub fn cookie(prefix: Prefix, id: i64) -> u64 {
    with_tag(prefix, id, 0)
}

/// A cookie with a 24-bit tag.
pub fn with_tag(prefix: Prefix, id: i64, tag: u32) -> u64 {
    ((prefix as u64) << PREFIX_SHIFT) | ((u64::from(tag) << TAG_SHIFT) & TAG_MASK) | (id_bits(id))
}

/// An object id as the 31 bits cookies and metadata carry.
pub fn id_bits(id: i64) -> u64 {
    u64::try_from(id).unwrap_or(0) & ID_MASK
}

/// The cookie and mask that select every flow of one object (any tag, not dynamic).
pub fn object_mask(prefix: Prefix, id: i64) -> (u64, u64) {
    (cookie(prefix, id), PREFIX_MASK | DYNAMIC | ID_MASK)
}

/// Interface cookie tags (bits 32–35 "optional type", 36–55 value; reference §5.3).
pub mod interface_tag {
    pub const ARP_REQUEST_INTERFACE: u32 = 1;
    pub const ARP_LOOKUP: u32 = 4;
    pub const ARP_REPLY: u32 = 5;
    pub const ICMP_REQUEST: u32 = 6;
    pub const DISABLED_FILTERING: u32 = 7;
    /// Optional type 1: a tag value.
    pub fn tag(value: u32) -> u32 {
        1 | (value << 4)
    }
    /// Optional type 2: the flows of one IP lease (its per-interface ordinal).
    pub fn ip_lease(ordinal: u32) -> u32 {
        2 | (ordinal << 4)
    }
    /// Optional type 3: the flows of one MAC lease.
    pub fn mac_lease(ordinal: u32) -> u32 {
        3 | (ordinal << 4)
    }
}

/// A cookie taken apart, for dumps: `SWITCH`, `INTERFACE:3 tag=0x21`, `DP_NETWORK:7 dynamic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded(pub u64);

impl fmt::Display for Decoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        let prefix = u8::try_from(c >> PREFIX_SHIFT).unwrap_or(0);
        match Prefix::from_u8(prefix) {
            Some(p) => f.write_str(p.name())?,
            None => write!(f, "prefix{prefix:#04x}")?,
        }
        let id = c & ID_MASK;
        if id != 0 {
            write!(f, ":{id}")?;
        }
        let tag = (c & TAG_MASK) >> TAG_SHIFT;
        if tag != 0 {
            write!(f, " tag={tag:#x}")?;
        }
        if c & DYNAMIC != 0 {
            f.write_str(" dynamic")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_original() {
        assert_eq!(cookie(Prefix::SWITCH, 0), 0x0900_0000_0000_0000);
        assert_eq!(cookie(Prefix::INTERFACE, 5), 0x0c00_0000_0000_0005);
        assert_eq!(
            with_tag(
                Prefix::INTERFACE,
                5,
                interface_tag::tag(interface_tag::ARP_LOOKUP)
            ),
            0x0c00_0041_0000_0005
        );
        assert_eq!(
            Decoded(0x0c00_0041_8000_0005).to_string(),
            "INTERFACE:5 tag=0x41 dynamic"
        );
        assert_eq!(Decoded(0x0900_0000_0000_0000).to_string(), "SWITCH");
        assert_eq!(Decoded(0xff00_0000_0000_0001).to_string(), "prefix0xff:1");
    }
}
