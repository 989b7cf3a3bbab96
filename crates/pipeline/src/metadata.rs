//! The 64-bit OpenFlow metadata layout (reference §5.4).
//!
//! *Typed mode*: type in bits 56–63, flags in 40–55, a 31-bit value in 0–30.
//! *Pair mode*: bit 63 set, a first 31-bit value in 32–62, bit 31 free (reflection), a second
//! 31-bit value in 0–30.
//!
//! Every function returns `(value, mask)` for a match (`Oxm::Metadata(v, Some(m))`) or for a
//! `write_metadata` instruction.

use std::fmt;

use crate::cookie::ID_MASK;

pub const TYPE_SHIFT: u32 = 56;
pub const TYPE_MASK: u64 = 0xff << TYPE_SHIFT;
pub const FLAGS_SHIFT: u32 = 40;
pub const FLAGS_MASK: u64 = 0xffff << FLAGS_SHIFT;
pub const VALUE_MASK: u64 = ID_MASK;
pub const PAIR_FLAG: u64 = 1 << 63;
pub const PAIR_FIRST_SHIFT: u32 = 32;
pub const PAIR_FIRST_MASK: u64 = ID_MASK << PAIR_FIRST_SHIFT;
pub const PAIR_SECOND_MASK: u64 = ID_MASK;
pub const PAIR_FREE_FLAG: u64 = 1 << 31;

/// Metadata types (bits 56–63).
pub mod kind {
    pub const DATAPATH: u64 = 0x1;
    pub const DP_ROUTE_LINK: u64 = 0x2;
    pub const NETWORK: u64 = 0x3;
    pub const PORT: u64 = 0x4;
    pub const ROUTE: u64 = 0x5;
    pub const ROUTE_LINK: u64 = 0x6;
    pub const INTERFACE: u64 = 0x7;
    pub const TUNNEL: u64 = 0xa;
    pub const DP_NETWORK: u64 = 0xb;
    pub const DP_SEGMENT: u64 = 0xc;
    pub const SEGMENT: u64 = 0xd;

    /// The original's name for a type value.
    pub fn name(v: u64) -> Option<&'static str> {
        Some(match v {
            DATAPATH => "DATAPATH",
            DP_ROUTE_LINK => "DP_ROUTE_LINK",
            NETWORK => "NETWORK",
            PORT => "PORT",
            ROUTE => "ROUTE",
            ROUTE_LINK => "ROUTE_LINK",
            INTERFACE => "INTERFACE",
            TUNNEL => "TUNNEL",
            DP_NETWORK => "DP_NETWORK",
            DP_SEGMENT => "DP_SEGMENT",
            SEGMENT => "SEGMENT",
            _ => return None,
        })
    }
}

/// Flags (bits 40–55), already shifted into place.
pub mod flag {
    use super::FLAGS_SHIFT;
    pub const VIRTUAL: u64 = 0x001 << FLAGS_SHIFT;
    pub const PHYSICAL: u64 = 0x002 << FLAGS_SHIFT;
    pub const LOCAL: u64 = 0x004 << FLAGS_SHIFT;
    pub const REMOTE: u64 = 0x008 << FLAGS_SHIFT;
    pub const FLOOD: u64 = 0x010 << FLAGS_SHIFT;
    pub const VIF: u64 = 0x020 << FLAGS_SHIFT;
    pub const MAC2MAC: u64 = 0x040 << FLAGS_SHIFT;
    pub const IGNORE_MAC2MAC: u64 = 0x100 << FLAGS_SHIFT;
    pub const REFLECTION: u64 = 0x200 << FLAGS_SHIFT;
    pub const NO_CONTROLLER: u64 = 0x400 << FLAGS_SHIFT;

    pub const NAMES: &[(u64, &str)] = &[
        (VIRTUAL, "VIRTUAL"),
        (PHYSICAL, "PHYSICAL"),
        (LOCAL, "LOCAL"),
        (REMOTE, "REMOTE"),
        (FLOOD, "FLOOD"),
        (VIF, "VIF"),
        (MAC2MAC, "MAC2MAC"),
        (IGNORE_MAC2MAC, "IGNORE_MAC2MAC"),
        (REFLECTION, "REFLECTION"),
        (NO_CONTROLLER, "NO_CONTROLLER"),
    ];
}

fn bits(id: i64) -> u64 {
    crate::cookie::id_bits(id)
}

/// Typed metadata `type | value` with the type and value masked (flags untouched).
pub fn typed(kind: u64, id: i64) -> (u64, u64) {
    ((kind << TYPE_SHIFT) | bits(id), TYPE_MASK | VALUE_MASK)
}

/// Typed metadata with flags: the flags in `flags` are matched/written as set, and those in
/// `clear` as cleared. Matching LOCAL or REMOTE always masks both (reference §5.4).
pub fn typed_flags(kind: u64, id: i64, flags: u64, clear: u64) -> (u64, u64) {
    let (v, m) = typed(kind, id);
    (v | flags, m | side_mask(flags | clear))
}

/// Just flags: `flags` set, `clear` cleared, everything else untouched.
pub fn flags(flags: u64, clear: u64) -> (u64, u64) {
    (flags, side_mask(flags | clear))
}

fn side_mask(m: u64) -> u64 {
    if m & (flag::LOCAL | flag::REMOTE) != 0 {
        m | flag::LOCAL | flag::REMOTE
    } else {
        m
    }
}

/// Pair mode with both values (bit 63 set; bit 31 left alone).
pub fn pair(first: i64, second: i64) -> (u64, u64) {
    (
        PAIR_FLAG | (bits(first) << PAIR_FIRST_SHIFT) | bits(second),
        PAIR_FLAG | PAIR_FIRST_MASK | PAIR_SECOND_MASK,
    )
}

/// Pair mode, first value only.
pub fn pair_first(first: i64) -> (u64, u64) {
    (
        PAIR_FLAG | (bits(first) << PAIR_FIRST_SHIFT),
        PAIR_FLAG | PAIR_FIRST_MASK,
    )
}

/// Pair mode, second value only.
pub fn pair_second(second: i64) -> (u64, u64) {
    (PAIR_FLAG | bits(second), PAIR_FLAG | PAIR_SECOND_MASK)
}

/// Clears everything: the value for `write_metadata` that switches modes (`clear_all`).
pub const CLEAR_ALL_MASK: u64 = u64::MAX;

/// Combines two `(value, mask)` pairs (the second wins where they overlap).
pub fn and(a: (u64, u64), b: (u64, u64)) -> (u64, u64) {
    ((a.0 & !b.1) | b.0, a.1 | b.1)
}

/// Full-mask variant: everything outside `vm`'s mask is cleared (the original's `clear_all`).
pub fn clear_all(vm: (u64, u64)) -> (u64, u64) {
    (vm.0 & vm.1, u64::MAX)
}

/// Metadata (optionally masked) taken apart, for dumps: `INTERFACE:3 LOCAL`,
/// `pair(1,7)`, `pair(_,4)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded(pub u64, pub u64);

impl fmt::Display for Decoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (v, m) = (self.0, self.1);
        if m & PAIR_FLAG != 0 && v & PAIR_FLAG != 0 {
            let first = (v & PAIR_FIRST_MASK) >> PAIR_FIRST_SHIFT;
            let second = v & PAIR_SECOND_MASK;
            let show = |x: u64, mask: u64| {
                if m & mask == 0 {
                    "_".to_string()
                } else {
                    x.to_string()
                }
            };
            write!(
                f,
                "pair({},{})",
                show(first, PAIR_FIRST_MASK),
                show(second, PAIR_SECOND_MASK)
            )?;
            if m & PAIR_FREE_FLAG != 0 && v & PAIR_FREE_FLAG != 0 {
                f.write_str(" REFLECTION")?;
            }
            return Ok(());
        }
        let mut parts = Vec::new();
        if m & TYPE_MASK != 0 {
            let t = (v & TYPE_MASK) >> TYPE_SHIFT;
            let name = kind::name(t).map_or_else(|| format!("type{t:#x}"), str::to_string);
            if m & VALUE_MASK != 0 {
                parts.push(format!("{name}:{}", v & VALUE_MASK));
            } else {
                parts.push(name);
            }
        } else if m & VALUE_MASK != 0 {
            parts.push(format!("value:{}", v & VALUE_MASK));
        }
        for (bit, name) in flag::NAMES {
            if m & bit != 0 {
                if v & bit != 0 {
                    parts.push((*name).to_string());
                } else if !matches!(*bit, flag::LOCAL | flag::REMOTE)
                    || v & (flag::LOCAL | flag::REMOTE) == 0
                {
                    parts.push(format!("!{name}"));
                }
            }
        }
        if parts.is_empty() {
            parts.push(if m == 0 { "any".into() } else { "none".into() });
        }
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_one_reads_like_the_original() {
        // ARCHITECTURE.md §4: `metadata=0x700000000000001/0xff0000007fffffff` is "interface 1".
        assert_eq!(
            typed(kind::INTERFACE, 1),
            (0x0700_0000_0000_0001, 0xff00_0000_7fff_ffff)
        );
        assert_eq!(
            Decoded(0x0700_0000_0000_0001, 0xff00_0000_7fff_ffff).to_string(),
            "INTERFACE:1"
        );
    }

    #[test]
    fn local_and_remote_mask_both() {
        let (v, m) = typed_flags(kind::NETWORK, 2, flag::REMOTE, 0);
        assert_eq!(v, 0x0300_0800_0000_0002);
        assert_eq!(m & (flag::LOCAL | flag::REMOTE), flag::LOCAL | flag::REMOTE);
        assert_eq!(Decoded(v, m).to_string(), "NETWORK:2 REMOTE");
    }

    #[test]
    fn pairs() {
        let (v, m) = pair(3, 9);
        assert_eq!(v, 0x8000_0003_0000_0009);
        assert_eq!(Decoded(v, m).to_string(), "pair(3,9)");
        let (v, m) = pair_second(4);
        assert_eq!(Decoded(v, m).to_string(), "pair(_,4)");
        assert_eq!(and(pair_first(3), pair_second(9)), pair(3, 9));
    }
}
