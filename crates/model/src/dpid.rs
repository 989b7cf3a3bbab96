//! OpenFlow datapath ids.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};

use crate::error::ParseError;

/// A 64-bit OpenFlow datapath id.
///
/// Parses as the original's API did (`^(0x)?[0-9a-f]{0,16}$`, any case): **hexadecimal**,
/// with or without `0x`, so `10` is 0x10. (The original's pattern also let an empty string
/// through as 0; here at least one digit is needed.) Displays as `0x%016x`, the form of the
/// original's responses and of `ovs-ofctl`. Serialises as that string; deserialises from such
/// a string or from a plain integer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dpid(pub u64);

impl Dpid {
    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

impl From<u64> for Dpid {
    fn from(v: u64) -> Self {
        Self(v)
    }
}

impl FromStr for Dpid {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        let digits = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .unwrap_or(s);
        if digits.is_empty() || digits.len() > 16 || !digits.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(ParseError::new(
                "dpid",
                s,
                "expected 1-16 hexadecimal digits, with or without 0x (e.g. 0x0000aabbccddeeff)",
            ));
        }
        u64::from_str_radix(digits, 16)
            .map(Self)
            .map_err(|e| ParseError::new("dpid", s, e.to_string()))
    }
}

impl fmt::Display for Dpid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#018x}", self.0)
    }
}

impl fmt::Debug for Dpid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dpid({self})")
    }
}

impl serde::Serialize for Dpid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

struct DpidVisitor;

impl Visitor<'_> for DpidVisitor {
    type Value = Dpid;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a dpid: a hexadecimal string such as 0x0000aabbccddeeff, or an integer")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Dpid, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dpid, E> {
        Ok(Dpid(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dpid, E> {
        u64::try_from(v)
            .map(Dpid)
            .map_err(|_| E::custom(format!("invalid dpid {v}: a dpid is not negative")))
    }
}

impl<'de> serde::Deserialize<'de> for Dpid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Formats that are not self-describing (binary RPC encodings) cannot answer
        // `deserialize_any`; they carry the string that `serialize` wrote.
        if d.is_human_readable() {
            d.deserialize_any(DpidVisitor)
        } else {
            d.deserialize_str(DpidVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hex_with_or_without_prefix_like_the_original() {
        assert_eq!(
            "0x0000aabbccddeeff".parse::<Dpid>().unwrap(),
            Dpid(0xaabb_ccdd_eeff)
        );
        assert_eq!("0XAB".parse::<Dpid>().unwrap(), Dpid(0xab));
        assert_eq!("10".parse::<Dpid>().unwrap(), Dpid(0x10));
        assert_eq!("ffffffffffffffff".parse::<Dpid>().unwrap(), Dpid(u64::MAX));
    }

    #[test]
    fn rejects_what_the_original_rejected_and_the_empty_string() {
        for bad in [
            "",
            "0x",
            "0x12345678901234567",
            "xyz",
            "-1",
            "0x-1",
            " 1",
            "1 ",
        ] {
            let e = bad.parse::<Dpid>().unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "invalid dpid \"{bad}\": expected 1-16 hexadecimal digits, with or without 0x (e.g. 0x0000aabbccddeeff)"
                )
            );
        }
    }

    #[test]
    fn prints_sixteen_hex_digits() {
        assert_eq!(Dpid(0x1).to_string(), "0x0000000000000001");
        assert_eq!(Dpid(u64::MAX).to_string(), "0xffffffffffffffff");
    }

    #[test]
    fn serde_writes_the_string_and_reads_strings_or_integers() {
        assert_eq!(
            serde_json::to_string(&Dpid(0xab)).unwrap(),
            "\"0x00000000000000ab\""
        );
        assert_eq!(
            serde_json::from_str::<Dpid>("\"0xab\"").unwrap(),
            Dpid(0xab)
        );
        assert_eq!(serde_json::from_str::<Dpid>("171").unwrap(), Dpid(171));
        let e = serde_json::from_str::<Dpid>("-5").unwrap_err();
        assert!(e.to_string().contains("a dpid is not negative"), "{e}");
        let e = serde_json::from_str::<Dpid>("\"zz\"").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid dpid \"zz\": expected 1-16"),
            "{e}"
        );
    }
}
