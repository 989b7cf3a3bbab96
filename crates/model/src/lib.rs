//! The vnet data model: every resource of OpenVNet as a plain struct, the value types its
//! columns hold, and the rules that make a value or a row acceptable.
//!
//! What it contains:
//!
//! * **Value types** with parsing, validation, `Display` and serde as strings: [`Uuid`]
//!   (`<prefix>-<suffix>`, with the original's prefixes in [`ResourceKind`]), [`Ipv4Prefix`],
//!   [`Ipv4Range`], [`MacAddr`], [`MacAddrRange`], [`Dpid`], and the enumerated columns in
//!   [`modes`] (network modes, interface modes, filter protocols, …) whose text is exactly
//!   the original's.
//! * **Resources** ([`resources`]): one struct per table (52: the original's 50 plus the
//!   security-group tables it dropped), field names as the original's columns. Each implements
//!   [`Record`] (table, id, timestamps, `validate`); those with a uuid also [`HasUuid`].
//!   Relations are by database id, timestamps are unix seconds (see [`record`]).
//! * **Security group rules** ([`sg_rules`]): the `tcp:22:10.0.0.0/24` syntax parsed into
//!   typed rules, with errors that give the line, the rule and the reason.
//! * **Errors**: [`ModelError`], whose variants are the original REST API's error codes
//!   (100–114) with their HTTP statuses; [`ParseError`] for values that do not parse.
//!
//! What it does not do: no I/O, no clock, no randomness of its own (uuid generation takes the
//! random numbers as an argument), no database access, no REST shapes. The store (`store`)
//! persists these structs, the protocol (`proto`) carries them between vnmgr, vna and vnapi,
//! vnapi produces the original's JSON responses from them, and vna's pipeline computes flows
//! from them. Checks that need other rows — an address inside its network's subnet, a DNS
//! service on a `dns` network service, a topology member allowed by the topology's mode — are
//! methods here (`check_*`) that take those rows; finding the rows is the caller's job.

#![forbid(unsafe_code)]

pub mod any;
mod check;
pub mod column;
pub mod dpid;
pub mod error;
pub mod ipv4;
pub mod mac;
pub mod modes;
pub mod record;
pub mod resources;
mod serde_str;
pub mod sg_rules;
pub mod uuid;

pub use any::AnyRecord;
pub use check::check_dns_name;
pub use column::{Column, ColumnType, SqlValue};
pub use dpid::Dpid;
pub use error::{Field, ModelError, ParseError};
pub use ipv4::{Ipv4Prefix, Ipv4Range, check_in_subnet, parse_ipv4};
pub use mac::{MacAddr, MacAddrRange};
pub use modes::{
    ActivePortMode, AllocationType, FilterAction, FilterMode, FilterProtocol, InterfaceMode,
    LeasePolicyMode, LeasePolicyTiming, NetworkMode, NetworkServiceMode, RouteMode, SegmentMode,
    TopologyMode, TranslationMode, TunnelMode,
};
pub use record::{HasUuid, Id, Record, Table, Timestamp};
pub use resources::*;
pub use sg_rules::{RuleError, RuleErrors, SgProtocol, SgRule, SgSource, parse_rules};
pub use uuid::{ResourceKind, Uuid};
