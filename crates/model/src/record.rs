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
pub trait Record {
    /// The table the row lives in.
    const TABLE: Table;

    fn id(&self) -> Id;
    fn created_at(&self) -> Timestamp;
    fn updated_at(&self) -> Timestamp;
    fn deleted_at(&self) -> Option<Timestamp>;

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
/// columns, then the timestamps; and its `Record` (and `HasUuid`) implementation.
///
/// `validate` checks the uuid's kind and then calls the struct's `Rules` implementation,
/// which every struct must provide (usually empty), so no struct forgets its rules silently.
macro_rules! record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident in $table:ident $(with uuid $kind:ident)? {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )*
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

            fn validate(&self) -> Result<(), $crate::error::ModelError> {
                $(
                    $crate::record::check_uuid_kind(
                        &self.uuid,
                        $crate::uuid::ResourceKind::$kind,
                    )?;
                )?
                $crate::record::Rules::check_rules(self)
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
