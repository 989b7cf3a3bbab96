//! [`AnyRecord`]: a row of any table, for whatever carries rows of many tables (events,
//! snapshots, the vna replica, the store's change lists).
//!
//! Serialises as `{"table": "networks", "row": {…}}`, the row with the original's column
//! names (see [`crate::resources`]).

use serde::{Deserialize, Serialize};

use crate::column::{Column, SqlValue};
use crate::error::ModelError;
use crate::record::{Id, Record, Table, Timestamp};
use crate::resources::*;
use crate::uuid::Uuid;

/// `true` when two strings are equal; usable in constants.
const fn same_text(a: &str, b: &str) -> bool {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.split_first(), b.split_first()) {
            (None, None) => return true,
            (Some((x, rest_a)), Some((y, rest_b))) if *x == *y => {
                a = rest_a;
                b = rest_b;
            }
            _ => return false,
        }
    }
}

/// Defines [`AnyRecord`] from `Struct = TableVariant = "table_name"` entries, and the
/// mappings between tables and variants. A `match` over [`Table`] below makes a table
/// missing here a compile error, and a constant assertion checks each serde name against the
/// table's name.
macro_rules! any_record {
    ($( $name:ident = $table:ident = $text:literal, )+) => {
        /// A row of any table; one variant per record struct, named like the struct.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "table", content = "row")]
        pub enum AnyRecord {
            $(
                #[serde(rename = $text)]
                $name($name),
            )+
        }

        $(
            const _: () = assert!(
                same_text(Table::$table.as_str(), $text),
                concat!("serde name of AnyRecord::", stringify!($name), " is not its table's name")
            );
        )+

        impl AnyRecord {
            /// The table the row belongs to.
            pub fn table(&self) -> Table {
                match self {
                    $( Self::$name(_) => Table::$table, )+
                }
            }

            pub fn id(&self) -> Id {
                match self {
                    $( Self::$name(r) => r.id(), )+
                }
            }

            /// The row's uuid, for tables that have one.
            pub fn uuid(&self) -> Option<Uuid> {
                match self {
                    $( Self::$name(r) => r.record_uuid().copied(), )+
                }
            }

            pub fn created_at(&self) -> Timestamp {
                match self {
                    $( Self::$name(r) => r.created_at(), )+
                }
            }

            pub fn updated_at(&self) -> Timestamp {
                match self {
                    $( Self::$name(r) => r.updated_at(), )+
                }
            }

            pub fn deleted_at(&self) -> Option<Timestamp> {
                match self {
                    $( Self::$name(r) => r.deleted_at(), )+
                }
            }

            /// The original's `is_deleted`: 0 while live, the id once soft-deleted.
            pub fn is_deleted(&self) -> Id {
                match self {
                    $( Self::$name(r) => r.is_deleted(), )+
                }
            }

            /// [`Record::validate`] of the row.
            pub fn validate(&self) -> Result<(), ModelError> {
                match self {
                    $( Self::$name(r) => r.validate(), )+
                }
            }

            /// [`Record::to_values`] of the row.
            pub fn to_values(&self) -> Vec<SqlValue> {
                match self {
                    $( Self::$name(r) => r.to_values(), )+
                }
            }

            /// A row of `table` from values in that table's [`Table::columns`] order.
            pub fn from_values(table: Table, values: &[SqlValue]) -> Result<Self, ModelError> {
                match table {
                    $( Table::$table => $name::from_values(values).map(Self::$name), )+
                }
            }
        }

        impl Table {
            /// The table's columns (the [`Record::COLUMNS`] of its struct).
            pub fn columns(self) -> &'static [Column] {
                match self {
                    $( Table::$table => $name::COLUMNS, )+
                }
            }
        }

        $(
            impl From<$name> for AnyRecord {
                fn from(row: $name) -> Self {
                    Self::$name(row)
                }
            }
        )+
    };
}

any_record! {
    Datapath = Datapaths = "datapaths",
    DatapathNetwork = DatapathNetworks = "datapath_networks",
    DatapathSegment = DatapathSegments = "datapath_segments",
    DatapathRouteLink = DatapathRouteLinks = "datapath_route_links",
    Network = Networks = "networks",
    Segment = Segments = "segments",
    Interface = Interfaces = "interfaces",
    InterfacePort = InterfacePorts = "interface_ports",
    InterfaceNetwork = InterfaceNetworks = "interface_networks",
    InterfaceSegment = InterfaceSegments = "interface_segments",
    InterfaceRouteLink = InterfaceRouteLinks = "interface_route_links",
    MacAddress = MacAddresses = "mac_addresses",
    MacLease = MacLeases = "mac_leases",
    IpAddress = IpAddresses = "ip_addresses",
    IpLease = IpLeases = "ip_leases",
    IpLeaseContainer = IpLeaseContainers = "ip_lease_containers",
    IpLeaseContainerIpLease = IpLeaseContainerIpLeases = "ip_lease_container_ip_leases",
    IpRangeGroup = IpRangeGroups = "ip_range_groups",
    IpRange = IpRanges = "ip_ranges",
    IpRetentionContainer = IpRetentionContainers = "ip_retention_containers",
    IpRetention = IpRetentions = "ip_retentions",
    LeasePolicy = LeasePolicies = "lease_policies",
    LeasePolicyBaseNetwork = LeasePolicyBaseNetworks = "lease_policy_base_networks",
    LeasePolicyBaseInterface = LeasePolicyBaseInterfaces = "lease_policy_base_interfaces",
    LeasePolicyIpLeaseContainer = LeasePolicyIpLeaseContainers = "lease_policy_ip_lease_containers",
    LeasePolicyIpRetentionContainer = LeasePolicyIpRetentionContainers = "lease_policy_ip_retention_containers",
    MacRangeGroup = MacRangeGroups = "mac_range_groups",
    MacRange = MacRanges = "mac_ranges",
    RouteLink = RouteLinks = "route_links",
    Route = Routes = "routes",
    NetworkService = NetworkServices = "network_services",
    DnsService = DnsServices = "dns_services",
    DnsRecord = DnsRecords = "dns_records",
    Filter = Filters = "filters",
    FilterStatic = FilterStatics = "filter_statics",
    Translation = Translations = "translations",
    TranslationStaticAddress = TranslationStaticAddresses = "translation_static_addresses",
    Topology = Topologies = "topologies",
    TopologyDatapath = TopologyDatapaths = "topology_datapaths",
    TopologyNetwork = TopologyNetworks = "topology_networks",
    TopologySegment = TopologySegments = "topology_segments",
    TopologyRouteLink = TopologyRouteLinks = "topology_route_links",
    TopologyMacRangeGroup = TopologyMacRangeGroups = "topology_mac_range_groups",
    TopologyLayer = TopologyLayers = "topology_layers",
    Tunnel = Tunnels = "tunnels",
    ActiveInterface = ActiveInterfaces = "active_interfaces",
    ActiveNetwork = ActiveNetworks = "active_networks",
    ActiveSegment = ActiveSegments = "active_segments",
    ActiveRouteLink = ActiveRouteLinks = "active_route_links",
    ActivePort = ActivePorts = "active_ports",
    SecurityGroup = SecurityGroups = "security_groups",
    SecurityGroupInterface = SecurityGroupInterfaces = "security_group_interfaces",
}
