//! Facts about the schema that the model's columns do not say: the unique keys (all of
//! them include `is_deleted`, so they hold among live rows only) and the index names the
//! migrations give them, which the store needs to turn a unique violation into an error that
//! names the columns.
//!
//! The migrations (`migrations/{sqlite,mysql}/*.sql`) create these keys; a test compares this
//! list with the indexes SQLite reports, so the two cannot drift.

use model::Table;

/// A unique key: `columns` (the last is always `is_deleted`), and the index's name in both
/// dialects: `<table>_u<n>`, `n` counting from 0 in this list's order for the table. Tables
/// with uuids have `(uuid, is_deleted)` as key 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueKey {
    pub table: Table,
    pub columns: &'static [&'static str],
}

const fn key(table: Table, columns: &'static [&'static str]) -> UniqueKey {
    UniqueKey { table, columns }
}

/// The unique keys besides `(uuid, is_deleted)`, from the original's migrations.
pub const UNIQUE_KEYS: &[UniqueKey] = &[
    key(Table::Datapaths, &["dpid", "node_id", "is_deleted"]),
    key(
        Table::DatapathNetworks,
        &["datapath_id", "network_id", "is_deleted"],
    ),
    key(
        Table::DatapathSegments,
        &["datapath_id", "segment_id", "is_deleted"],
    ),
    key(
        Table::DatapathRouteLinks,
        &["datapath_id", "route_link_id", "is_deleted"],
    ),
    key(
        Table::InterfacePorts,
        &["interface_id", "datapath_id", "is_deleted"],
    ),
    key(
        Table::InterfacePorts,
        &["port_name", "datapath_id", "singular", "is_deleted"],
    ),
    key(
        Table::InterfaceNetworks,
        &["interface_id", "network_id", "is_deleted"],
    ),
    key(
        Table::InterfaceSegments,
        &["interface_id", "segment_id", "is_deleted"],
    ),
    key(
        Table::InterfaceRouteLinks,
        &["interface_id", "route_link_id", "is_deleted"],
    ),
    key(Table::MacAddresses, &["mac_address", "is_deleted"]),
    key(
        Table::IpAddresses,
        &["network_id", "ipv4_address", "is_deleted"],
    ),
    key(Table::IpLeases, &["ip_address_id", "is_deleted"]),
    key(
        Table::IpLeaseContainerIpLeases,
        &["ip_lease_container_id", "ip_lease_id", "is_deleted"],
    ),
    key(
        Table::LeasePolicyIpLeaseContainers,
        &["lease_policy_id", "ip_lease_container_id", "is_deleted"],
    ),
    key(
        Table::LeasePolicyIpRetentionContainers,
        &["lease_policy_id", "ip_retention_container_id", "is_deleted"],
    ),
    key(
        Table::FilterStatics,
        &[
            "filter_id",
            "src_address",
            "dst_address",
            "src_prefix",
            "dst_prefix",
            "port_src",
            "port_dst",
            "protocol",
            "is_deleted",
        ],
    ),
    key(
        Table::TranslationStaticAddresses,
        &[
            "translation_id",
            "ingress_ipv4_address",
            "egress_ipv4_address",
            "ingress_port_number",
            "egress_port_number",
            "is_deleted",
        ],
    ),
    key(
        Table::Tunnels,
        &[
            "src_datapath_id",
            "dst_datapath_id",
            "src_interface_id",
            "dst_interface_id",
            "is_deleted",
        ],
    ),
    key(
        Table::TopologyDatapaths,
        &["topology_id", "datapath_id", "is_deleted"],
    ),
    key(
        Table::TopologyNetworks,
        &["topology_id", "network_id", "is_deleted"],
    ),
    key(
        Table::TopologySegments,
        &["topology_id", "segment_id", "is_deleted"],
    ),
    key(
        Table::TopologyRouteLinks,
        &["topology_id", "route_link_id", "is_deleted"],
    ),
    key(
        Table::TopologyMacRangeGroups,
        &["topology_id", "mac_range_group_id", "is_deleted"],
    ),
    key(
        Table::TopologyLayers,
        &["overlay_id", "underlay_id", "is_deleted"],
    ),
    key(
        Table::ActiveInterfaces,
        &["interface_id", "datapath_id", "is_deleted"],
    ),
    key(
        Table::ActiveInterfaces,
        &["interface_id", "label", "is_deleted"],
    ),
    key(
        Table::ActiveInterfaces,
        &["interface_id", "singular", "is_deleted"],
    ),
    key(
        Table::ActiveNetworks,
        &["network_id", "datapath_id", "is_deleted"],
    ),
    key(
        Table::ActiveSegments,
        &["segment_id", "datapath_id", "is_deleted"],
    ),
    key(
        Table::ActiveRouteLinks,
        &["route_link_id", "datapath_id", "is_deleted"],
    ),
    key(
        Table::ActivePorts,
        &["datapath_id", "port_name", "is_deleted"],
    ),
    key(
        Table::ActivePorts,
        &["datapath_id", "port_number", "is_deleted"],
    ),
    key(
        Table::SecurityGroupInterfaces,
        &["interface_id", "security_group_id", "is_deleted"],
    ),
];

const UUID_KEY: &[&str] = &["uuid", "is_deleted"];

/// The unique keys of `table` in index-name order (`<table>_u0`, `<table>_u1`, …).
pub fn unique_keys(table: Table) -> Vec<&'static [&'static str]> {
    let uuid = table.resource_kind().map(|_| UUID_KEY);
    uuid.into_iter()
        .chain(
            UNIQUE_KEYS
                .iter()
                .filter(|k| k.table == table)
                .map(|k| k.columns),
        )
        .collect()
}

/// The name of unique key `n` of `table`.
pub fn unique_key_name(table: Table, n: usize) -> String {
    format!("{table}_u{n}")
}

/// The columns of the unique key an index name stands for, if it is one of ours. Accepts
/// MySQL 8's `table.index` form too.
pub fn unique_key_by_name(table: Table, index: &str) -> Option<&'static [&'static str]> {
    let index = index.rsplit('.').next().unwrap_or(index);
    let n: usize = index
        .strip_prefix(table.as_str())?
        .strip_prefix("_u")?
        .parse()
        .ok()?;
    unique_keys(table).get(n).copied()
}

/// The columns that refer to another row by id (`*_id`), which the migrations index.
pub fn reference_columns(table: Table) -> impl Iterator<Item = &'static str> {
    table
        .columns()
        .iter()
        .map(|c| c.name)
        .filter(|n| n.ends_with("_id") && *n != "node_id")
}
