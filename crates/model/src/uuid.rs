//! Resource uuids: `<prefix>-<suffix>`, e.g. `nw-4ab2c9x0`.
//!
//! The prefix names the kind of resource (reference §2.2). The suffix is what the database
//! stores: 1 to 16 characters from `[a-z0-9]`, the pattern the original's REST API enforced
//! (`^<prefix>-[a-z0-9]{1,16}$`); generated suffixes have 8 characters, as in the original.
//! A client may choose its own uuid.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::error::ParseError;
use crate::record::Table;
use crate::serde_str::serde_as_str;

/// Every kind of resource that has a uuid, with its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    Datapath,
    Network,
    Interface,
    Segment,
    RouteLink,
    Route,
    NetworkService,
    DnsService,
    DnsRecord,
    Filter,
    IpLease,
    IpLeaseContainer,
    IpRange,
    IpRangeGroup,
    IpRetentionContainer,
    LeasePolicy,
    MacAddress,
    MacLease,
    MacRange,
    MacRangeGroup,
    Topology,
    Translation,
    /// Also names the OVS GRE port: `t-<suffix>`.
    Tunnel,
    /// The original had security groups until v0.9 (dropped by migration 0016); revived here.
    SecurityGroup,
}

impl ResourceKind {
    /// Every kind, in the order of reference §2.2.
    pub const ALL: &'static [Self] = &[
        Self::Datapath,
        Self::Network,
        Self::Interface,
        Self::Segment,
        Self::RouteLink,
        Self::Route,
        Self::NetworkService,
        Self::DnsService,
        Self::DnsRecord,
        Self::Filter,
        Self::IpLease,
        Self::IpLeaseContainer,
        Self::IpRange,
        Self::IpRangeGroup,
        Self::IpRetentionContainer,
        Self::LeasePolicy,
        Self::MacAddress,
        Self::MacLease,
        Self::MacRange,
        Self::MacRangeGroup,
        Self::Topology,
        Self::Translation,
        Self::Tunnel,
        Self::SecurityGroup,
    ];

    /// The uuid prefix, without the `-`.
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Datapath => "dp",
            Self::Network => "nw",
            Self::Interface => "if",
            Self::Segment => "seg",
            Self::RouteLink => "rl",
            Self::Route => "r",
            Self::NetworkService => "ns",
            Self::DnsService => "dnss",
            Self::DnsRecord => "dnsr",
            Self::Filter => "fil",
            Self::IpLease => "il",
            Self::IpLeaseContainer => "ilc",
            Self::IpRange => "ipr",
            Self::IpRangeGroup => "iprg",
            Self::IpRetentionContainer => "irc",
            Self::LeasePolicy => "lp",
            Self::MacAddress => "mac",
            Self::MacLease => "ml",
            Self::MacRange => "mr",
            Self::MacRangeGroup => "mrg",
            Self::Topology => "topo",
            Self::Translation => "tr",
            Self::Tunnel => "t",
            Self::SecurityGroup => "sg",
        }
    }

    /// The kind's name in messages ("network", "MAC range group").
    pub const fn name(self) -> &'static str {
        match self {
            Self::Datapath => "datapath",
            Self::Network => "network",
            Self::Interface => "interface",
            Self::Segment => "segment",
            Self::RouteLink => "route link",
            Self::Route => "route",
            Self::NetworkService => "network service",
            Self::DnsService => "DNS service",
            Self::DnsRecord => "DNS record",
            Self::Filter => "filter",
            Self::IpLease => "IP lease",
            Self::IpLeaseContainer => "IP lease container",
            Self::IpRange => "IP range",
            Self::IpRangeGroup => "IP range group",
            Self::IpRetentionContainer => "IP retention container",
            Self::LeasePolicy => "lease policy",
            Self::MacAddress => "MAC address",
            Self::MacLease => "MAC lease",
            Self::MacRange => "MAC range",
            Self::MacRangeGroup => "MAC range group",
            Self::Topology => "topology",
            Self::Translation => "translation",
            Self::Tunnel => "tunnel",
            Self::SecurityGroup => "security group",
        }
    }

    /// The table holding resources of this kind.
    pub const fn table(self) -> Table {
        match self {
            Self::Datapath => Table::Datapaths,
            Self::Network => Table::Networks,
            Self::Interface => Table::Interfaces,
            Self::Segment => Table::Segments,
            Self::RouteLink => Table::RouteLinks,
            Self::Route => Table::Routes,
            Self::NetworkService => Table::NetworkServices,
            Self::DnsService => Table::DnsServices,
            Self::DnsRecord => Table::DnsRecords,
            Self::Filter => Table::Filters,
            Self::IpLease => Table::IpLeases,
            Self::IpLeaseContainer => Table::IpLeaseContainers,
            Self::IpRange => Table::IpRanges,
            Self::IpRangeGroup => Table::IpRangeGroups,
            Self::IpRetentionContainer => Table::IpRetentionContainers,
            Self::LeasePolicy => Table::LeasePolicies,
            Self::MacAddress => Table::MacAddresses,
            Self::MacLease => Table::MacLeases,
            Self::MacRange => Table::MacRanges,
            Self::MacRangeGroup => Table::MacRangeGroups,
            Self::Topology => Table::Topologies,
            Self::Translation => Table::Translations,
            Self::Tunnel => Table::Tunnels,
            Self::SecurityGroup => Table::SecurityGroups,
        }
    }

    /// The kind whose prefix is `prefix` (exact, lowercase).
    pub fn from_prefix(prefix: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.prefix() == prefix)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The longest suffix accepted, as the original's API pattern `[a-z0-9]{1,16}`.
pub const MAX_SUFFIX_LEN: usize = 16;

/// The length of generated suffixes (the original's `generate_uuid`).
pub const GENERATED_SUFFIX_LEN: usize = 8;

/// The characters a suffix is made of.
pub const SUFFIX_ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Random `u32`s below this are used as `value % 36`; the rest are drawn again, so every
/// character is equally likely.
const UNBIASED_LIMIT: u32 = u32::MAX - u32::MAX % 36;

/// Draws per character before accepting a biased value, so a broken source cannot spin forever.
const MAX_DRAWS: usize = 64;

/// A resource uuid: a kind (hence a prefix) and a suffix of up to 16 bytes, stored inline
/// (`Copy`, no allocation).
///
/// Displays and serialises in the canonical form `nw-abcd1234`; the database stores only
/// [`suffix`](Self::suffix). Orders by its text.
#[derive(Clone, Copy)]
pub struct Uuid {
    kind: ResourceKind,
    len: u8,
    suffix: [u8; MAX_SUFFIX_LEN],
}

impl Uuid {
    /// The uuid of `kind` with `suffix` (the part after `<prefix>-`, as the database stores it).
    pub fn from_suffix(kind: ResourceKind, suffix: &str) -> Result<Self, ParseError> {
        let bytes = suffix.as_bytes();
        let well_formed = !bytes.is_empty()
            && bytes.len() <= MAX_SUFFIX_LEN
            && bytes.iter().all(|b| SUFFIX_ALPHABET.contains(b));
        if !well_formed {
            return Err(ParseError::uuid(
                format!("{}-{suffix}", kind.prefix()),
                format!(
                    "the part after \"{}-\" must be 1-{MAX_SUFFIX_LEN} characters of [a-z0-9]",
                    kind.prefix()
                ),
            ));
        }
        let mut buf = [0u8; MAX_SUFFIX_LEN];
        for (slot, b) in buf.iter_mut().zip(bytes) {
            *slot = *b;
        }
        Ok(Self {
            kind,
            // `well_formed` bounds the length by MAX_SUFFIX_LEN (16).
            len: u8::try_from(bytes.len()).unwrap_or(0),
            suffix: buf,
        })
    }

    /// Parses `s` as a uuid of `kind`; a uuid of another kind is refused with both named.
    pub fn parse_for(kind: ResourceKind, s: &str) -> Result<Self, ParseError> {
        let uuid = Self::from_str(s).map_err(|e| match s.split_once('-') {
            // A bad suffix or an unknown prefix: say what this field wanted.
            Some((prefix, _)) if prefix == kind.prefix() => e,
            _ => ParseError::uuid(
                s,
                format!("expected {} uuid ({}-…)", kind.name(), kind.prefix()),
            ),
        })?;
        if uuid.kind != kind {
            return Err(ParseError::uuid(
                s,
                format!(
                    "wrong kind: {} uuid, expected {} uuid ({}-…)",
                    uuid.kind.name(),
                    kind.name(),
                    kind.prefix()
                ),
            ));
        }
        Ok(uuid)
    }

    /// A new uuid of `kind` with a random 8-character suffix.
    ///
    /// `next_u32` supplies the randomness (a closure over the caller's RNG), which keeps this
    /// crate free of any RNG and makes generation testable. Collisions are the caller's to
    /// check, as in the original.
    pub fn generate(kind: ResourceKind, mut next_u32: impl FnMut() -> u32) -> Self {
        let mut buf = [0u8; MAX_SUFFIX_LEN];
        for slot in buf.iter_mut().take(GENERATED_SUFFIX_LEN) {
            let mut draw = next_u32();
            for _ in 1..MAX_DRAWS {
                if draw < UNBIASED_LIMIT {
                    break;
                }
                draw = next_u32();
            }
            let alphabet_index = draw % 36;
            *slot = SUFFIX_ALPHABET
                .iter()
                .copied()
                .nth(usize::try_from(alphabet_index).unwrap_or(0))
                .unwrap_or(b'a');
        }
        Self {
            kind,
            len: 8,
            suffix: buf,
        }
    }

    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    pub fn prefix(&self) -> &'static str {
        self.kind.prefix()
    }

    /// The part after `<prefix>-`: what the original stored in its `uuid` column.
    pub fn suffix(&self) -> &str {
        self.suffix
            .get(..usize::from(self.len))
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

impl FromStr for Uuid {
    type Err = ParseError;

    /// Parses a canonical uuid of any kind.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let Some((prefix, suffix)) = s.split_once('-') else {
            return Err(ParseError::uuid(
                s,
                "expected <prefix>-<suffix>, e.g. nw-abcd1234",
            ));
        };
        let Some(kind) = ResourceKind::from_prefix(prefix) else {
            let known: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.prefix()).collect();
            return Err(ParseError::uuid(
                s,
                format!(
                    "unknown prefix \"{prefix}\"; known prefixes: {}",
                    known.join(", ")
                ),
            ));
        };
        Self::from_suffix(kind, suffix)
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.prefix(), self.suffix())
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({self})")
    }
}

impl PartialEq for Uuid {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.suffix() == other.suffix()
    }
}

impl Eq for Uuid {}

impl Hash for Uuid {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.suffix().hash(state);
    }
}

impl Ord for Uuid {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.prefix(), self.suffix()).cmp(&(other.prefix(), other.suffix()))
    }
}

impl PartialOrd for Uuid {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

serde_as_str!(Uuid, "a uuid such as nw-abcd1234");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_the_originals_and_unique() {
        let expected = [
            (ResourceKind::Datapath, "dp"),
            (ResourceKind::Network, "nw"),
            (ResourceKind::Interface, "if"),
            (ResourceKind::Segment, "seg"),
            (ResourceKind::RouteLink, "rl"),
            (ResourceKind::Route, "r"),
            (ResourceKind::NetworkService, "ns"),
            (ResourceKind::DnsService, "dnss"),
            (ResourceKind::DnsRecord, "dnsr"),
            (ResourceKind::Filter, "fil"),
            (ResourceKind::IpLease, "il"),
            (ResourceKind::IpLeaseContainer, "ilc"),
            (ResourceKind::IpRange, "ipr"),
            (ResourceKind::IpRangeGroup, "iprg"),
            (ResourceKind::IpRetentionContainer, "irc"),
            (ResourceKind::LeasePolicy, "lp"),
            (ResourceKind::MacAddress, "mac"),
            (ResourceKind::MacLease, "ml"),
            (ResourceKind::MacRange, "mr"),
            (ResourceKind::MacRangeGroup, "mrg"),
            (ResourceKind::Topology, "topo"),
            (ResourceKind::Translation, "tr"),
            (ResourceKind::Tunnel, "t"),
            (ResourceKind::SecurityGroup, "sg"),
        ];
        assert_eq!(ResourceKind::ALL.len(), expected.len());
        for (kind, prefix) in expected {
            assert_eq!(kind.prefix(), prefix);
            assert_eq!(ResourceKind::from_prefix(prefix), Some(kind));
            assert_eq!(kind.table().resource_kind(), Some(kind));
        }
    }

    #[test]
    fn parses_and_prints_the_canonical_form() {
        let u: Uuid = "nw-abcd1234".parse().unwrap();
        assert_eq!(u.kind(), ResourceKind::Network);
        assert_eq!(u.suffix(), "abcd1234");
        assert_eq!(u.to_string(), "nw-abcd1234");
        let t: Uuid = "t-x".parse().unwrap();
        assert_eq!(t.kind(), ResourceKind::Tunnel);
        let long: Uuid = "topo-0123456789abcdef".parse().unwrap();
        assert_eq!(long.suffix().len(), 16);
    }

    #[test]
    fn rejects_malformed_suffixes() {
        for bad in [
            "nw-",
            "nw-ABC",
            "nw-a_b",
            "nw-a-b",
            "nw-0123456789abcdefg",
            "nw- abc",
        ] {
            let e = bad.parse::<Uuid>().unwrap_err();
            assert_eq!(
                e.reason(),
                "the part after \"nw-\" must be 1-16 characters of [a-z0-9]",
                "{bad}"
            );
            assert_eq!(e.value(), bad);
        }
    }

    #[test]
    fn rejects_unknown_prefixes_listing_the_known_ones() {
        let e = "xx-abc".parse::<Uuid>().unwrap_err();
        assert!(
            e.to_string().starts_with(
                "invalid uuid \"xx-abc\": unknown prefix \"xx\"; known prefixes: dp, nw, if,"
            ),
            "{e}"
        );
        let e = "NW-abc".parse::<Uuid>().unwrap_err();
        assert!(e.reason().starts_with("unknown prefix \"NW\""), "{e}");
        let e = "abc".parse::<Uuid>().unwrap_err();
        assert_eq!(e.reason(), "expected <prefix>-<suffix>, e.g. nw-abcd1234");
    }

    #[test]
    fn parse_for_names_both_kinds_on_a_wrong_prefix() {
        let e = Uuid::parse_for(ResourceKind::Network, "if-abc").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid uuid \"if-abc\": wrong kind: interface uuid, expected network uuid (nw-…)"
        );
        let e = Uuid::parse_for(ResourceKind::Network, "garbage").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid uuid \"garbage\": expected network uuid (nw-…)"
        );
        let e = Uuid::parse_for(ResourceKind::Network, "nw-BAD").unwrap_err();
        assert_eq!(
            e.reason(),
            "the part after \"nw-\" must be 1-16 characters of [a-z0-9]"
        );
        let ok = Uuid::parse_for(ResourceKind::SecurityGroup, "sg-web").unwrap();
        assert_eq!(ok.to_string(), "sg-web");
    }

    #[test]
    fn generate_uses_the_supplied_randomness() {
        let mut n = 0u32;
        let u = Uuid::generate(ResourceKind::Datapath, || {
            n += 1;
            n - 1
        });
        assert_eq!(u.to_string(), "dp-abcdefgh");
        let mut draws = [35u32, 26, 0, 1, 2, 3, 4, 5].into_iter();
        let u = Uuid::generate(ResourceKind::Interface, || draws.next().unwrap_or(0));
        assert_eq!(u.to_string(), "if-90abcdef");
    }

    #[test]
    fn generate_redraws_values_that_would_bias_the_alphabet() {
        // u32::MAX lies in the biased tail: it is drawn again, and the next draw (1) is used.
        let mut draws = [u32::MAX, 1, 1, 1, 1, 1, 1, 1, 1].into_iter();
        let u = Uuid::generate(ResourceKind::Network, || draws.next().unwrap_or(1));
        assert_eq!(u.suffix(), "bbbbbbbb");
        // A source stuck in the tail still terminates.
        let u = Uuid::generate(ResourceKind::Network, || u32::MAX);
        assert_eq!(u.suffix().len(), GENERATED_SUFFIX_LEN);
    }

    #[test]
    fn generated_uuids_parse_back() {
        let mut x = 0x1234_5678u32;
        for kind in ResourceKind::ALL {
            let u = Uuid::generate(*kind, || {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x
            });
            assert_eq!(Uuid::parse_for(*kind, &u.to_string()).unwrap(), u);
        }
    }

    #[test]
    fn serde_uses_the_canonical_string() {
        let u: Uuid = "dnsr-q1".parse().unwrap();
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"dnsr-q1\"");
        let back: Uuid = serde_json::from_str("\"dnsr-q1\"").unwrap();
        assert_eq!(back, u);
        let e = serde_json::from_str::<Uuid>("\"dnsr-Q1\"").unwrap_err();
        assert!(e.to_string().contains("must be 1-16 characters"), "{e}");
        let e = serde_json::from_str::<Uuid>("7").unwrap_err();
        assert!(e.to_string().contains("a uuid such as nw-abcd1234"), "{e}");
    }

    #[test]
    fn orders_by_text() {
        let mut v: Vec<Uuid> = ["nw-b", "dp-z", "nw-a", "dnss-a"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort();
        let s: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(s, ["dnss-a", "dp-z", "nw-a", "nw-b"]);
    }
}
