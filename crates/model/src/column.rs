//! Column metadata and the row codec: how a record's fields become SQL values and back.
//!
//! Every record struct lists its columns in [`Record::COLUMNS`](crate::Record::COLUMNS), in
//! this order: `id`, `uuid` (only for tables with a uuid), the struct's own fields in
//! declaration order, `created_at`, `updated_at`, `deleted_at`. The database has one more
//! column per table, `is_deleted` (0 while live, the row's id once soft-deleted); it follows
//! from `deleted_at` and `id` ([`Record::is_deleted`](crate::Record::is_deleted)), so it is not
//! part of `COLUMNS` and the store writes it itself.
//!
//! [`Record::to_values`](crate::Record::to_values) and
//! [`Record::from_values`](crate::Record::from_values) convert a row to and from a
//! [`SqlValue`] per column, in `COLUMNS` order. A database only ever needs to bind and read two
//! kinds of values: 64-bit integers and text (plus NULL). How each [`ColumnType`] is stored:
//!
//! | type | SQL value | notes |
//! |---|---|---|
//! | `Int` | integer | ids, counts, ports, prefixes, seconds; range-checked on decode |
//! | `Bool` | integer 0/1 | `interface_ports.singular` and `active_interfaces.singular` store `true` or NULL, as the original (so unique indexes ignore non-singular rows) |
//! | `Text` | text | |
//! | `Ipv4` | integer | the address as an unsigned 32-bit number, as the original |
//! | `Mac` | integer | the 48-bit address as a number, as the original |
//! | `Dpid` | integer | the 64-bit datapath id's bit pattern as a signed BIGINT |
//! | `UuidSuffix` | text | the part after `<prefix>-` |
//! | `Enum` | text | the mode's string; `values` lists the accepted ones |
//!
//! Decoding never panics: a value of the wrong kind or out of range is a [`ModelError`] (code
//! 110) naming `table.column`, the value and what was expected — for the store, a corrupt row.

use std::fmt;
use std::net::Ipv4Addr;

use crate::dpid::Dpid;
use crate::error::ModelError;
use crate::mac::MacAddr;
use crate::modes::{
    ActivePortMode, AllocationType, FilterAction, FilterMode, FilterProtocol, InterfaceMode,
    LeasePolicyMode, LeasePolicyTiming, NetworkMode, NetworkServiceMode, RouteMode, SegmentMode,
    TopologyMode, TranslationMode, TunnelMode,
};
use crate::record::Table;
use crate::uuid::{ResourceKind, Uuid};

/// One column of a table: its name, what it holds and whether it may be NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
}

/// What a column holds (see the [module docs](self) for how each is stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// An integer: ids, foreign keys, timestamps, ports, prefixes, seconds.
    Int,
    /// A boolean stored as 0/1 (or `true`/NULL for the `singular` columns).
    Bool,
    /// Free text.
    Text,
    /// An IPv4 address stored as an unsigned 32-bit integer.
    Ipv4,
    /// A MAC address stored as a 48-bit integer.
    Mac,
    /// A datapath id stored as the signed bit pattern of its 64 bits.
    Dpid,
    /// The suffix of a uuid (text).
    UuidSuffix,
    /// One of a fixed set of strings (a mode, a protocol, …).
    Enum { values: &'static [&'static str] },
}

impl ColumnType {
    /// Whether the database stores the column as an integer (else as text).
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            Self::Int | Self::Bool | Self::Ipv4 | Self::Mac | Self::Dpid
        )
    }
}

/// A value as bound to or read from a database column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SqlValue {
    Null,
    Int(i64),
    Text(String),
}

impl fmt::Display for SqlValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("NULL"),
            Self::Int(i) => write!(f, "{i}"),
            Self::Text(t) => f.write_str(t),
        }
    }
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

/// A field type that maps onto one column.
pub trait ColumnValue: Sized {
    const TYPE: ColumnType;
    const NULLABLE: bool = false;

    fn to_sql(&self) -> SqlValue;

    /// The value, or why `value` is not one (e.g. `expected an integer in 0-255`).
    fn from_sql(value: &SqlValue) -> Result<Self, String>;
}

fn expect_int(value: &SqlValue) -> Result<i64, String> {
    match value {
        SqlValue::Int(i) => Ok(*i),
        SqlValue::Null => Err("expected an integer, found NULL".into()),
        SqlValue::Text(_) => Err("expected an integer, found text".into()),
    }
}

fn expect_text(value: &SqlValue) -> Result<&str, String> {
    match value {
        SqlValue::Text(t) => Ok(t),
        SqlValue::Null => Err("expected text, found NULL".into()),
        SqlValue::Int(_) => Err("expected text, found an integer".into()),
    }
}

impl ColumnValue for i64 {
    const TYPE: ColumnType = ColumnType::Int;

    fn to_sql(&self) -> SqlValue {
        SqlValue::Int(*self)
    }

    fn from_sql(value: &SqlValue) -> Result<Self, String> {
        expect_int(value)
    }
}

/// Unsigned integer fields: stored as integers, range-checked when read.
macro_rules! unsigned_column {
    ($($ty:ty),+) => {$(
        impl ColumnValue for $ty {
            const TYPE: ColumnType = ColumnType::Int;

            fn to_sql(&self) -> SqlValue {
                SqlValue::Int(i64::from(*self))
            }

            fn from_sql(value: &SqlValue) -> Result<Self, String> {
                let i = expect_int(value)?;
                <$ty>::try_from(i)
                    .map_err(|_| format!("expected an integer in 0-{}", <$ty>::MAX))
            }
        }
    )+};
}

unsigned_column!(u8, u16, u32);

impl ColumnValue for bool {
    const TYPE: ColumnType = ColumnType::Bool;

    fn to_sql(&self) -> SqlValue {
        SqlValue::Int(i64::from(*self))
    }

    fn from_sql(value: &SqlValue) -> Result<Self, String> {
        match expect_int(value)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err("expected a boolean (0 or 1)".into()),
        }
    }
}

impl ColumnValue for String {
    const TYPE: ColumnType = ColumnType::Text;

    fn to_sql(&self) -> SqlValue {
        SqlValue::Text(self.clone())
    }

    fn from_sql(value: &SqlValue) -> Result<Self, String> {
        expect_text(value).map(str::to_owned)
    }
}

impl ColumnValue for Ipv4Addr {
    const TYPE: ColumnType = ColumnType::Ipv4;

    fn to_sql(&self) -> SqlValue {
        SqlValue::Int(i64::from(u32::from(*self)))
    }

    fn from_sql(value: &SqlValue) -> Result<Self, String> {
        let i = expect_int(value)?;
        u32::try_from(i)
            .map(Ipv4Addr::from)
            .map_err(|_| "expected an IPv4 address as an integer in 0-4294967295".into())
    }
}

impl ColumnValue for MacAddr {
    const TYPE: ColumnType = ColumnType::Mac;

    fn to_sql(&self) -> SqlValue {
        // 48 bits always fit.
        SqlValue::Int(i64::try_from(self.to_u64()).unwrap_or(i64::MAX))
    }

    fn from_sql(value: &SqlValue) -> Result<Self, String> {
        let i = expect_int(value)?;
        u64::try_from(i)
            .ok()
            .and_then(|u| MacAddr::from_u64(u).ok())
            .ok_or_else(|| "expected a MAC address as an integer in 0-0xffffffffffff".into())
    }
}

impl ColumnValue for Dpid {
    const TYPE: ColumnType = ColumnType::Dpid;

    fn to_sql(&self) -> SqlValue {
        SqlValue::Int(i64::from_ne_bytes(self.as_u64().to_ne_bytes()))
    }

    fn from_sql(value: &SqlValue) -> Result<Self, String> {
        let i = expect_int(value)?;
        Ok(Self(u64::from_ne_bytes(i.to_ne_bytes())))
    }
}

impl<T: ColumnValue> ColumnValue for Option<T> {
    const TYPE: ColumnType = T::TYPE;
    const NULLABLE: bool = true;

    fn to_sql(&self) -> SqlValue {
        self.as_ref().map_or(SqlValue::Null, T::to_sql)
    }

    fn from_sql(value: &SqlValue) -> Result<Self, String> {
        match value {
            SqlValue::Null => Ok(None),
            v => T::from_sql(v).map(Some),
        }
    }
}

/// The enumerated columns: stored as their text.
macro_rules! enum_column {
    ($($ty:ty),+ $(,)?) => {$(
        impl ColumnValue for $ty {
            const TYPE: ColumnType = ColumnType::Enum { values: <$ty>::NAMES };

            fn to_sql(&self) -> SqlValue {
                SqlValue::Text(self.as_str().to_owned())
            }

            fn from_sql(value: &SqlValue) -> Result<Self, String> {
                expect_text(value)?.parse().map_err(|e: crate::error::ParseError| {
                    format!("not a valid {}: {}", e.what(), e.reason())
                })
            }
        }
    )+};
}

enum_column!(
    ActivePortMode,
    AllocationType,
    FilterAction,
    FilterMode,
    FilterProtocol,
    InterfaceMode,
    LeasePolicyMode,
    LeasePolicyTiming,
    NetworkMode,
    NetworkServiceMode,
    RouteMode,
    SegmentMode,
    TopologyMode,
    TranslationMode,
    TunnelMode,
);

/// How a field of type `T` is stored; [`Native`] unless the `record!` declaration says
/// otherwise (`as true_or_null`).
pub trait ColumnCodec<T> {
    const TYPE: ColumnType;
    const NULLABLE: bool;

    fn encode(value: &T) -> SqlValue;
    fn decode(value: &SqlValue) -> Result<T, String>;
}

/// The field's own [`ColumnValue`] mapping.
#[derive(Debug)]
pub enum Native {}

impl<T: ColumnValue> ColumnCodec<T> for Native {
    const TYPE: ColumnType = T::TYPE;
    const NULLABLE: bool = T::NULLABLE;

    fn encode(value: &T) -> SqlValue {
        value.to_sql()
    }

    fn decode(value: &SqlValue) -> Result<T, String> {
        T::from_sql(value)
    }
}

/// A boolean stored as `true` (1) or NULL, never false: the original's `singular` columns,
/// whose unique indexes must ignore rows that are not singular.
#[derive(Debug)]
pub enum TrueOrNull {}

impl ColumnCodec<bool> for TrueOrNull {
    const TYPE: ColumnType = ColumnType::Bool;
    const NULLABLE: bool = true;

    fn encode(value: &bool) -> SqlValue {
        if *value {
            SqlValue::Int(1)
        } else {
            SqlValue::Null
        }
    }

    fn decode(value: &SqlValue) -> Result<bool, String> {
        match value {
            SqlValue::Null => Ok(false),
            v => bool::from_sql(v),
        }
    }
}

/// The codec named in a `record!` field declaration (`as true_or_null`), [`Native`] without.
macro_rules! column_codec {
    () => {
        $crate::column::Native
    };
    (true_or_null) => {
        $crate::column::TrueOrNull
    };
}

pub(crate) use column_codec;

/// The column name of a field: its identifier without a raw-identifier `r#` (`static`).
pub(crate) const fn column_name(ident: &'static str) -> &'static str {
    match ident.as_bytes().split_first_chunk::<2>() {
        Some((b"r#", rest)) => match std::str::from_utf8(rest) {
            Ok(name) => name,
            Err(_) => ident,
        },
        _ => ident,
    }
}

/// Encodes a uuid column (the kind is the table's; only the suffix is stored).
pub(crate) fn encode_uuid(uuid: &Uuid) -> SqlValue {
    SqlValue::Text(uuid.suffix().to_owned())
}

/// Reads a row's values in `COLUMNS` order, naming the table and column in every error.
pub(crate) struct RowReader<'a> {
    table: Table,
    columns: &'static [Column],
    values: std::slice::Iter<'a, SqlValue>,
    index: usize,
}

impl<'a> RowReader<'a> {
    /// Checks that there is one value per column.
    pub(crate) fn new(
        table: Table,
        columns: &'static [Column],
        values: &'a [SqlValue],
    ) -> Result<Self, ModelError> {
        if values.len() != columns.len() {
            return Err(ModelError::invalid(
                table.as_str(),
                format!("a row of {} values", values.len()),
                format!("the table has {} columns", columns.len()),
            ));
        }
        Ok(Self {
            table,
            columns,
            values: values.iter(),
            index: 0,
        })
    }

    fn take(&mut self) -> Result<(&'static str, &'a SqlValue), ModelError> {
        let name = self.columns.get(self.index).map_or("?", |c| c.name);
        self.index += 1;
        let value = self
            .values
            .next()
            .ok_or_else(|| ModelError::invalid(self.table.as_str(), name, "the row ended early"))?;
        Ok((name, value))
    }

    fn error(&self, column: &str, value: &SqlValue, reason: String) -> ModelError {
        ModelError::invalid(
            format!("{}.{column}", self.table),
            value,
            format!("corrupt row: {reason}"),
        )
    }

    pub(crate) fn next<C: ColumnCodec<T>, T>(&mut self) -> Result<T, ModelError> {
        let (name, value) = self.take()?;
        C::decode(value).map_err(|reason| self.error(name, value, reason))
    }

    pub(crate) fn uuid(&mut self, kind: ResourceKind) -> Result<Uuid, ModelError> {
        let (name, value) = self.take()?;
        let suffix = expect_text(value).map_err(|reason| self.error(name, value, reason))?;
        Uuid::from_suffix(kind, suffix).map_err(|e| self.error(name, value, e.reason().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_identifiers_lose_their_prefix() {
        assert_eq!(column_name("r#static"), "static");
        assert_eq!(column_name("network_id"), "network_id");
        assert_eq!(column_name("r"), "r");
    }

    #[test]
    fn integers_are_range_checked() {
        assert_eq!(u8::from_sql(&SqlValue::Int(32)), Ok(32));
        assert!(u8::from_sql(&SqlValue::Int(256)).is_err());
        assert!(u16::from_sql(&SqlValue::Int(-1)).is_err());
        assert!(Ipv4Addr::from_sql(&SqlValue::Int(1 << 32)).is_err());
        assert_eq!(
            Ipv4Addr::from_sql(&SqlValue::Int(0xc000_0201)),
            Ok(Ipv4Addr::new(192, 0, 2, 1))
        );
        assert!(MacAddr::from_sql(&SqlValue::Int(1 << 48)).is_err());
        assert!(bool::from_sql(&SqlValue::Int(2)).is_err());
    }

    #[test]
    fn dpids_keep_all_64_bits() {
        let dpid = Dpid(0xffff_0000_0000_0001);
        let v = dpid.to_sql();
        assert!(matches!(v, SqlValue::Int(i) if i < 0));
        assert_eq!(Dpid::from_sql(&v), Ok(dpid));
    }

    #[test]
    fn singular_is_true_or_null() {
        assert_eq!(TrueOrNull::encode(&false), SqlValue::Null);
        assert_eq!(TrueOrNull::encode(&true), SqlValue::Int(1));
        assert_eq!(TrueOrNull::decode(&SqlValue::Null), Ok(false));
        assert_eq!(TrueOrNull::decode(&SqlValue::Int(1)), Ok(true));
    }
}
