//! What every resource struct shares: its table, its id, its timestamps, validation.
//!
//! **Relations refer by id**, like the original's schema (every foreign key there is an
//! integer id): a `Network` has `segment_id: Option<Id>`, not the segment's uuid. Ids are what
//! the store joins on and what events and the vna replica index by; uuids are how users name
//! things, and vnapi translates between the two (the original's `uuid_to_id`).
//!
//! **Timestamps** are [`Timestamp`]s, unix seconds (UTC), supplied by whoever writes the row;
//! this crate never reads a clock. `created_at` and `updated_at` are always set (the columns are
//! `NOT NULL`); `deleted_at` is set on soft-deleted rows. The original's `is_deleted` column
//! (0 while live, the row's own id once deleted, so unique indexes can include it) is not a
//! field: it follows from `deleted_at` and is given by [`Record::is_deleted`].

use crate::any::AnyRecord;
use crate::column::{Column, SqlValue};
use crate::error::ModelError;
use crate::modes::string_enum;
use crate::uuid::{ResourceKind, Uuid};

/// A database id (integer primary key); foreign keys hold these.
pub type Id = i64;

/// A point in time as unix seconds, UTC.
pub type Timestamp = i64;

string_enum! {
    /// Every table of the model, named as in the database.
    pub enum Table as "table" {
        Datapaths = "datapaths",
        DatapathNetworks = "datapath_networks",
        DatapathSegments = "datapath_segments",
        DatapathRouteLinks = "datapath_route_links",
        Networks = "networks",
        Segments = "segments",
        Interfaces = "interfaces",
        InterfacePorts = "interface_ports",
        InterfaceNetworks = "interface_networks",
        InterfaceSegments = "interface_segments",
        InterfaceRouteLinks = "interface_route_links",
        MacAddresses = "mac_addresses",
        MacLeases = "mac_leases",
        IpAddresses = "ip_addresses",
        IpLeases = "ip_leases",
        IpLeaseContainers = "ip_lease_containers",
        IpLeaseContainerIpLeases = "ip_lease_container_ip_leases",
        IpRangeGroups = "ip_range_groups",
        IpRanges = "ip_ranges",
        IpRetentionContainers = "ip_retention_containers",
        IpRetentions = "ip_retentions",
        LeasePolicies = "lease_policies",
        LeasePolicyBaseNetworks = "lease_policy_base_networks",
        LeasePolicyBaseInterfaces = "lease_policy_base_interfaces",
        LeasePolicyIpLeaseContainers = "lease_policy_ip_lease_containers",
        LeasePolicyIpRetentionContainers = "lease_policy_ip_retention_containers",
        MacRangeGroups = "mac_range_groups",
        MacRanges = "mac_ranges",
        RouteLinks = "route_links",
        Routes = "routes",
        NetworkServices = "network_services",
        DnsServices = "dns_services",
        DnsRecords = "dns_records",
        Filters = "filters",
        FilterStatics = "filter_statics",
        Translations = "translations",
        TranslationStaticAddresses = "translation_static_addresses",
        Topologies = "topologies",
        TopologyDatapaths = "topology_datapaths",
        TopologyNetworks = "topology_networks",
        TopologySegments = "topology_segments",
        TopologyRouteLinks = "topology_route_links",
        TopologyMacRangeGroups = "topology_mac_range_groups",
        TopologyLayers = "topology_layers",
        Tunnels = "tunnels",
        ActiveInterfaces = "active_interfaces",
        ActiveNetworks = "active_networks",
        ActiveSegments = "active_segments",
        ActiveRouteLinks = "active_route_links",
        ActivePorts = "active_ports",
        SecurityGroups = "security_groups",
        SecurityGroupInterfaces = "security_group_interfaces",
    }
}

impl Table {
    /// The kind of uuid the table's rows carry, if they have one.
    pub fn resource_kind(self) -> Option<ResourceKind> {
        ResourceKind::ALL
            .iter()
            .copied()
            .find(|k| k.table() == self)
    }
}

/// A row of one of the model's tables.
pub trait Record: Sized + Clone {
    /// The table the row lives in.
    const TABLE: Table;

    /// The table's columns in row order: `id`, `uuid` (if the table has one), the struct's
    /// fields, `created_at`, `updated_at`, `deleted_at` (see [`crate::column`]).
    const COLUMNS: &'static [Column];

    fn id(&self) -> Id;
    fn created_at(&self) -> Timestamp;
    fn updated_at(&self) -> Timestamp;
    fn deleted_at(&self) -> Option<Timestamp>;

    /// The row's uuid, for tables that have one.
    fn record_uuid(&self) -> Option<&Uuid>;

    fn set_id(&mut self, id: Id);
    fn set_created_at(&mut self, at: Timestamp);
    fn set_updated_at(&mut self, at: Timestamp);
    fn set_deleted_at(&mut self, at: Option<Timestamp>);

    /// The original's `is_deleted` column: 0 while live, the row's id once soft-deleted.
    fn is_deleted(&self) -> Id {
        if self.deleted_at().is_some() {
            self.id()
        } else {
            0
        }
    }

    /// Checks the rules that need no other row: value ranges, formats, combinations of fields,
    /// and that the uuid is of the right kind. Rules that involve other rows (an address inside
    /// its network's subnet, a DNS service on a `dns` network service, …) are methods taking
    /// those rows, named `check_*`.
    fn validate(&self) -> Result<(), ModelError>;

    /// The row as SQL values, one per column of [`Record::COLUMNS`], in that order.
    fn to_values(&self) -> Vec<SqlValue>;

    /// The row from SQL values in [`Record::COLUMNS`] order. A wrong number of values or a
    /// value a column cannot hold is an error (code 110) naming the table, the column and the
    /// value; it never panics.
    fn from_values(values: &[SqlValue]) -> Result<Self, ModelError>;

    /// The row wrapped in [`AnyRecord`].
    fn into_any(self) -> AnyRecord;

    /// The row inside `row`, if `row` is of this table.
    fn from_any(row: AnyRecord) -> Option<Self>;
}

/// A row that has a uuid (the original's "taggable" models).
pub trait HasUuid: Record {
    /// The kind, hence the prefix, of the row's uuid.
    const KIND: ResourceKind;

    fn uuid(&self) -> &Uuid;
}

/// The per-struct rules behind [`Record::validate`]; every record implements it, most with
/// the empty default.
pub(crate) trait Rules {
    fn check_rules(&self) -> Result<(), ModelError> {
        Ok(())
    }
}

/// Checks that `uuid` is of `kind`: a record deserialised from an untrusted message could
/// carry a uuid of another kind in its `uuid` field.
pub(crate) fn check_uuid_kind(uuid: &Uuid, kind: ResourceKind) -> Result<(), ModelError> {
    if uuid.kind() == kind {
        return Ok(());
    }
    Err(ModelError::InvalidUuid {
        field: "uuid".into(),
        value: uuid.to_string(),
        reason: format!(
            "wrong kind: {} uuid, expected {} uuid ({}-…)",
            uuid.kind().name(),
            kind.name(),
            kind.prefix()
        ),
    })
}

/// Defines a resource struct: `id`, then `uuid` when the table has one, then the listed
/// columns, then the timestamps; its `Record` (and `HasUuid`) implementation, with the
/// column metadata and the row codec.
///
/// A field declared `pub singular: bool as true_or_null,` is stored with that codec (see
/// [`crate::column::TrueOrNull`]); other fields use their type's
/// [`ColumnValue`](crate::column::ColumnValue).
///
/// `validate` checks the uuid's kind and then calls the struct's `Rules` implementation,
/// which every struct must provide (usually empty), so no struct forgets its rules silently.
macro_rules! record {
    (@uuid $self:tt $kind:ident) => {
        Some(&$self.uuid)
    };
    (@uuid $self:tt) => {
        None
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident in $table:ident $(with uuid $kind:ident)? {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty $(as $codec:ident)?, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct $name {
            /// Database id (primary key).
            pub id: $crate::record::Id,
            $(
                #[doc = concat!(
                    "Canonical uuid (`", stringify!($kind), "` kind); the database stores its suffix."
                )]
                pub uuid: $crate::uuid::Uuid,
            )?
            $( $(#[$fmeta])* pub $field: $ty, )*
            /// When the row was created (unix seconds).
            pub created_at: $crate::record::Timestamp,
            /// When the row was last changed (unix seconds).
            pub updated_at: $crate::record::Timestamp,
            /// When the row was soft-deleted (unix seconds); `None` while live.
            pub deleted_at: Option<$crate::record::Timestamp>,
        }

        impl $crate::record::Record for $name {
            const TABLE: $crate::record::Table = $crate::record::Table::$table;

            const COLUMNS: &'static [$crate::column::Column] = &[
                $crate::column::Column {
                    name: "id",
                    ty: $crate::column::ColumnType::Int,
                    nullable: false,
                },
                $(
                    $crate::column::Column {
                        name: "uuid",
                        ty: {
                            let _ = $crate::uuid::ResourceKind::$kind;
                            $crate::column::ColumnType::UuidSuffix
                        },
                        nullable: false,
                    },
                )?
                $(
                    $crate::column::Column {
                        name: $crate::column::column_name(stringify!($field)),
                        ty: <$crate::column::column_codec!($($codec)?)
                            as $crate::column::ColumnCodec<$ty>>::TYPE,
                        nullable: <$crate::column::column_codec!($($codec)?)
                            as $crate::column::ColumnCodec<$ty>>::NULLABLE,
                    },
                )*
                $crate::column::Column {
                    name: "created_at",
                    ty: $crate::column::ColumnType::Int,
                    nullable: false,
                },
                $crate::column::Column {
                    name: "updated_at",
                    ty: $crate::column::ColumnType::Int,
                    nullable: false,
                },
                $crate::column::Column {
                    name: "deleted_at",
                    ty: $crate::column::ColumnType::Int,
                    nullable: true,
                },
            ];

            fn id(&self) -> $crate::record::Id {
                self.id
            }

            fn created_at(&self) -> $crate::record::Timestamp {
                self.created_at
            }

            fn updated_at(&self) -> $crate::record::Timestamp {
                self.updated_at
            }

            fn deleted_at(&self) -> Option<$crate::record::Timestamp> {
                self.deleted_at
            }

            fn record_uuid(&self) -> Option<&$crate::uuid::Uuid> {
                $crate::record::record!(@uuid self $($kind)?)
            }

            fn set_id(&mut self, id: $crate::record::Id) {
                self.id = id;
            }

            fn set_created_at(&mut self, at: $crate::record::Timestamp) {
                self.created_at = at;
            }

            fn set_updated_at(&mut self, at: $crate::record::Timestamp) {
                self.updated_at = at;
            }

            fn set_deleted_at(&mut self, at: Option<$crate::record::Timestamp>) {
                self.deleted_at = at;
            }

            fn validate(&self) -> Result<(), $crate::error::ModelError> {
                $(
                    $crate::record::check_uuid_kind(
                        &self.uuid,
                        $crate::uuid::ResourceKind::$kind,
                    )?;
                )?
                $crate::record::Rules::check_rules(self)
            }

            fn to_values(&self) -> Vec<$crate::column::SqlValue> {
                use $crate::column::ColumnValue as _;
                vec![
                    self.id.to_sql(),
                    $( {
                        let _ = $crate::uuid::ResourceKind::$kind;
                        $crate::column::encode_uuid(&self.uuid)
                    }, )?
                    $(
                        <$crate::column::column_codec!($($codec)?)
                            as $crate::column::ColumnCodec<$ty>>::encode(&self.$field),
                    )*
                    self.created_at.to_sql(),
                    self.updated_at.to_sql(),
                    self.deleted_at.to_sql(),
                ]
            }

            fn from_values(
                values: &[$crate::column::SqlValue],
            ) -> Result<Self, $crate::error::ModelError> {
                use $crate::column::Native;
                let mut row = $crate::column::RowReader::new(
                    <Self as $crate::record::Record>::TABLE,
                    <Self as $crate::record::Record>::COLUMNS,
                    values,
                )?;
                // Struct expressions evaluate their fields in the order written: COLUMNS order.
                Ok(Self {
                    id: row.next::<Native, $crate::record::Id>()?,
                    $( uuid: row.uuid($crate::uuid::ResourceKind::$kind)?, )?
                    $( $field: row.next::<$crate::column::column_codec!($($codec)?), $ty>()?, )*
                    created_at: row.next::<Native, $crate::record::Timestamp>()?,
                    updated_at: row.next::<Native, $crate::record::Timestamp>()?,
                    deleted_at: row.next::<Native, Option<$crate::record::Timestamp>>()?,
                })
            }

            fn into_any(self) -> $crate::any::AnyRecord {
                $crate::any::AnyRecord::$name(self)
            }

            fn from_any(row: $crate::any::AnyRecord) -> Option<Self> {
                match row {
                    $crate::any::AnyRecord::$name(r) => Some(r),
                    _ => None,
                }
            }
        }

        $(
            impl $crate::record::HasUuid for $name {
                const KIND: $crate::uuid::ResourceKind = $crate::uuid::ResourceKind::$kind;

                fn uuid(&self) -> &$crate::uuid::Uuid {
                    &self.uuid
                }
            }
        )?
    };
}

pub(crate) use record;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_fifty_two_tables_with_unique_names() {
        // The original's 50 tables at HEAD plus the two security-group tables it dropped.
        assert_eq!(Table::ALL.len(), 52);
        let mut names: Vec<&str> = Table::ALL.iter().map(|t| t.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 52);
    }

    #[test]
    fn tables_know_their_uuid_kind() {
        assert_eq!(Table::Networks.resource_kind(), Some(ResourceKind::Network));
        assert_eq!(Table::IpAddresses.resource_kind(), None);
        assert_eq!(Table::ActivePorts.resource_kind(), None);
        let with_uuid = Table::ALL
            .iter()
            .filter(|t| t.resource_kind().is_some())
            .count();
        assert_eq!(with_uuid, ResourceKind::ALL.len());
    }

    #[test]
    fn table_names_parse() {
        assert_eq!(
            "topology_mac_range_groups".parse::<Table>().unwrap(),
            Table::TopologyMacRangeGroups
        );
        let e = "vlan_translations".parse::<Table>().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid table \"vlan_translations\"")
        );
    }
}
