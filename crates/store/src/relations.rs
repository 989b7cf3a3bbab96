//! What a soft delete does to the rows that refer to the deleted row.
//!
//! Copied from the original's Sequel `association_dependencies` (every one of them is
//! `:destroy`, i.e. [`OnDelete::Cascade`]) and its `before_destroy` hooks (a network destroys
//! its IP leases, a segment its MAC leases). Where the original declared nothing and so left
//! rows dangling, vnet decides:
//!
//! * **Cascade** for rows that only mean something with their parent: ranges of a range group
//!   (the original cascaded `mac_ranges` but forgot `ip_ranges`), `active_*` runtime rows,
//!   `datapath_segments` like `datapath_networks` (the original's 0010 migration forgot them),
//!   leases of a deleted IP or MAC address row, `dns_records`, and so on.
//! * **Restrict** (error 113) where deleting would silently break something a user configured:
//!   an IP range group still used by a lease policy's base network.
//! * **Nullify** for optional references whose row stays meaningful: a route link whose MAC
//!   address row is deleted keeps existing without one.
//!
//! [`OWNED`] lists the reverse direction, the original's `many_to_one ... :destroy`: deleting
//! a `mac_leases` row deletes the `mac_addresses` row it points to, an `ip_leases` row its
//! `ip_addresses` row, and so on.
//!
//! A test checks that every reference column (`*_id`) of every table is listed in
//! [`RELATIONS`] exactly once.

use model::Table;

/// What happens to a live child row when its parent is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// The child is soft-deleted too (and its own children in turn).
    Cascade,
    /// The delete is refused with error 113 while a live child exists.
    Restrict,
    /// The child's reference is set to NULL (the column is nullable).
    Nullify,
}

/// `child.fk` holds the id of a `parent` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    pub child: Table,
    pub fk: &'static str,
    pub parent: Table,
    pub on_delete: OnDelete,
}

/// Deleting an `owner` row deletes the `owned` row its `fk` column points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owned {
    pub owner: Table,
    pub fk: &'static str,
    pub owned: Table,
}

use OnDelete::{Cascade, Nullify, Restrict};
use Table as T;

const fn rel(child: Table, fk: &'static str, parent: Table, on_delete: OnDelete) -> Relation {
    Relation {
        child,
        fk,
        parent,
        on_delete,
    }
}

/// Every reference between tables and what deleting the parent does to the child.
pub const RELATIONS: &[Relation] = &[
    // datapath_networks / datapath_segments / datapath_route_links
    rel(T::DatapathNetworks, "datapath_id", T::Datapaths, Cascade),
    rel(T::DatapathNetworks, "network_id", T::Networks, Cascade),
    rel(T::DatapathNetworks, "interface_id", T::Interfaces, Cascade),
    rel(
        T::DatapathNetworks,
        "mac_address_id",
        T::MacAddresses,
        Cascade,
    ),
    rel(T::DatapathNetworks, "ip_lease_id", T::IpLeases, Cascade),
    rel(T::DatapathNetworks, "topology_id", T::Topologies, Cascade),
    rel(
        T::DatapathNetworks,
        "topology_layer_id",
        T::TopologyLayers,
        Cascade,
    ),
    rel(
        T::DatapathNetworks,
        "topology_mac_range_group_id",
        T::TopologyMacRangeGroups,
        Cascade,
    ),
    rel(T::DatapathSegments, "datapath_id", T::Datapaths, Cascade),
    rel(T::DatapathSegments, "segment_id", T::Segments, Cascade),
    rel(T::DatapathSegments, "interface_id", T::Interfaces, Cascade),
    rel(
        T::DatapathSegments,
        "mac_address_id",
        T::MacAddresses,
        Cascade,
    ),
    rel(T::DatapathSegments, "ip_lease_id", T::IpLeases, Cascade),
    rel(T::DatapathSegments, "topology_id", T::Topologies, Cascade),
    rel(
        T::DatapathSegments,
        "topology_layer_id",
        T::TopologyLayers,
        Cascade,
    ),
    rel(
        T::DatapathSegments,
        "topology_mac_range_group_id",
        T::TopologyMacRangeGroups,
        Cascade,
    ),
    rel(T::DatapathRouteLinks, "datapath_id", T::Datapaths, Cascade),
    rel(
        T::DatapathRouteLinks,
        "route_link_id",
        T::RouteLinks,
        Cascade,
    ),
    rel(
        T::DatapathRouteLinks,
        "interface_id",
        T::Interfaces,
        Cascade,
    ),
    rel(
        T::DatapathRouteLinks,
        "mac_address_id",
        T::MacAddresses,
        Cascade,
    ),
    rel(T::DatapathRouteLinks, "ip_lease_id", T::IpLeases, Cascade),
    rel(T::DatapathRouteLinks, "topology_id", T::Topologies, Cascade),
    rel(
        T::DatapathRouteLinks,
        "topology_layer_id",
        T::TopologyLayers,
        Cascade,
    ),
    rel(
        T::DatapathRouteLinks,
        "topology_mac_range_group_id",
        T::TopologyMacRangeGroups,
        Cascade,
    ),
    // networks and segments
    rel(T::Networks, "segment_id", T::Segments, Cascade),
    rel(T::MacAddresses, "segment_id", T::Segments, Cascade),
    // interfaces and their associations
    rel(T::InterfacePorts, "interface_id", T::Interfaces, Cascade),
    rel(T::InterfacePorts, "datapath_id", T::Datapaths, Cascade),
    rel(T::InterfaceNetworks, "interface_id", T::Interfaces, Cascade),
    rel(T::InterfaceNetworks, "network_id", T::Networks, Cascade),
    rel(T::InterfaceSegments, "interface_id", T::Interfaces, Cascade),
    rel(T::InterfaceSegments, "segment_id", T::Segments, Cascade),
    rel(
        T::InterfaceRouteLinks,
        "interface_id",
        T::Interfaces,
        Cascade,
    ),
    rel(
        T::InterfaceRouteLinks,
        "route_link_id",
        T::RouteLinks,
        Cascade,
    ),
    // addresses and leases
    rel(T::MacLeases, "interface_id", T::Interfaces, Cascade),
    rel(T::MacLeases, "mac_address_id", T::MacAddresses, Cascade),
    rel(T::IpAddresses, "network_id", T::Networks, Cascade),
    rel(T::IpLeases, "interface_id", T::Interfaces, Cascade),
    rel(T::IpLeases, "mac_lease_id", T::MacLeases, Cascade),
    rel(T::IpLeases, "ip_address_id", T::IpAddresses, Cascade),
    rel(
        T::IpLeaseContainerIpLeases,
        "ip_lease_container_id",
        T::IpLeaseContainers,
        Cascade,
    ),
    rel(
        T::IpLeaseContainerIpLeases,
        "ip_lease_id",
        T::IpLeases,
        Cascade,
    ),
    rel(T::IpRanges, "ip_range_group_id", T::IpRangeGroups, Cascade),
    rel(
        T::MacRanges,
        "mac_range_group_id",
        T::MacRangeGroups,
        Cascade,
    ),
    rel(T::IpRetentions, "ip_lease_id", T::IpLeases, Cascade),
    rel(
        T::IpRetentions,
        "ip_retention_container_id",
        T::IpRetentionContainers,
        Cascade,
    ),
    // lease policies
    rel(
        T::LeasePolicyBaseNetworks,
        "lease_policy_id",
        T::LeasePolicies,
        Cascade,
    ),
    rel(
        T::LeasePolicyBaseNetworks,
        "network_id",
        T::Networks,
        Cascade,
    ),
    rel(
        T::LeasePolicyBaseNetworks,
        "ip_range_group_id",
        T::IpRangeGroups,
        Restrict,
    ),
    rel(
        T::LeasePolicyBaseInterfaces,
        "lease_policy_id",
        T::LeasePolicies,
        Cascade,
    ),
    rel(
        T::LeasePolicyBaseInterfaces,
        "interface_id",
        T::Interfaces,
        Cascade,
    ),
    rel(
        T::LeasePolicyIpLeaseContainers,
        "lease_policy_id",
        T::LeasePolicies,
        Cascade,
    ),
    rel(
        T::LeasePolicyIpLeaseContainers,
        "ip_lease_container_id",
        T::IpLeaseContainers,
        Cascade,
    ),
    rel(
        T::LeasePolicyIpRetentionContainers,
        "lease_policy_id",
        T::LeasePolicies,
        Cascade,
    ),
    rel(
        T::LeasePolicyIpRetentionContainers,
        "ip_retention_container_id",
        T::IpRetentionContainers,
        Cascade,
    ),
    // route links and routes
    rel(T::RouteLinks, "mac_address_id", T::MacAddresses, Nullify),
    rel(T::Routes, "interface_id", T::Interfaces, Cascade),
    rel(T::Routes, "route_link_id", T::RouteLinks, Cascade),
    rel(T::Routes, "network_id", T::Networks, Cascade),
    // services
    rel(T::NetworkServices, "interface_id", T::Interfaces, Cascade),
    rel(
        T::DnsServices,
        "network_service_id",
        T::NetworkServices,
        Cascade,
    ),
    rel(T::DnsRecords, "dns_service_id", T::DnsServices, Cascade),
    // filters and translations
    rel(T::Filters, "interface_id", T::Interfaces, Cascade),
    rel(T::FilterStatics, "filter_id", T::Filters, Cascade),
    rel(T::Translations, "interface_id", T::Interfaces, Cascade),
    rel(
        T::TranslationStaticAddresses,
        "translation_id",
        T::Translations,
        Cascade,
    ),
    rel(
        T::TranslationStaticAddresses,
        "route_link_id",
        T::RouteLinks,
        Cascade,
    ),
    // topologies
    rel(T::TopologyDatapaths, "topology_id", T::Topologies, Cascade),
    rel(T::TopologyDatapaths, "datapath_id", T::Datapaths, Cascade),
    rel(T::TopologyDatapaths, "interface_id", T::Interfaces, Cascade),
    rel(T::TopologyDatapaths, "ip_lease_id", T::IpLeases, Cascade),
    rel(T::TopologyNetworks, "topology_id", T::Topologies, Cascade),
    rel(T::TopologyNetworks, "network_id", T::Networks, Cascade),
    rel(T::TopologySegments, "topology_id", T::Topologies, Cascade),
    rel(T::TopologySegments, "segment_id", T::Segments, Cascade),
    rel(T::TopologyRouteLinks, "topology_id", T::Topologies, Cascade),
    rel(
        T::TopologyRouteLinks,
        "route_link_id",
        T::RouteLinks,
        Cascade,
    ),
    rel(
        T::TopologyMacRangeGroups,
        "topology_id",
        T::Topologies,
        Cascade,
    ),
    rel(
        T::TopologyMacRangeGroups,
        "mac_range_group_id",
        T::MacRangeGroups,
        Cascade,
    ),
    rel(T::TopologyLayers, "overlay_id", T::Topologies, Cascade),
    rel(T::TopologyLayers, "underlay_id", T::Topologies, Cascade),
    // tunnels
    rel(T::Tunnels, "src_datapath_id", T::Datapaths, Cascade),
    rel(T::Tunnels, "dst_datapath_id", T::Datapaths, Cascade),
    rel(T::Tunnels, "src_interface_id", T::Interfaces, Cascade),
    rel(T::Tunnels, "dst_interface_id", T::Interfaces, Cascade),
    // runtime state
    rel(T::ActiveInterfaces, "interface_id", T::Interfaces, Cascade),
    rel(T::ActiveInterfaces, "datapath_id", T::Datapaths, Cascade),
    rel(T::ActiveNetworks, "network_id", T::Networks, Cascade),
    rel(T::ActiveNetworks, "datapath_id", T::Datapaths, Cascade),
    rel(T::ActiveSegments, "segment_id", T::Segments, Cascade),
    rel(T::ActiveSegments, "datapath_id", T::Datapaths, Cascade),
    rel(T::ActiveRouteLinks, "route_link_id", T::RouteLinks, Cascade),
    rel(T::ActiveRouteLinks, "datapath_id", T::Datapaths, Cascade),
    rel(T::ActivePorts, "datapath_id", T::Datapaths, Cascade),
    // security groups
    rel(
        T::SecurityGroupInterfaces,
        "security_group_id",
        T::SecurityGroups,
        Cascade,
    ),
    rel(
        T::SecurityGroupInterfaces,
        "interface_id",
        T::Interfaces,
        Cascade,
    ),
];

const fn owned(owner: Table, fk: &'static str, owned: Table) -> Owned {
    Owned { owner, fk, owned }
}

/// Rows deleted together with the row that points at them (the original's `many_to_one`
/// `:destroy` dependencies).
pub const OWNED: &[Owned] = &[
    owned(T::MacLeases, "mac_address_id", T::MacAddresses),
    owned(T::IpLeases, "ip_address_id", T::IpAddresses),
    owned(T::DatapathNetworks, "mac_address_id", T::MacAddresses),
    owned(T::DatapathSegments, "mac_address_id", T::MacAddresses),
    owned(T::DatapathRouteLinks, "mac_address_id", T::MacAddresses),
    owned(T::RouteLinks, "mac_address_id", T::MacAddresses),
];

/// The relations in which `parent` is the parent.
pub fn children_of(parent: Table) -> impl Iterator<Item = &'static Relation> {
    RELATIONS.iter().filter(move |r| r.parent == parent)
}

/// The rows `owner` owns through its columns.
pub fn owned_by(owner: Table) -> impl Iterator<Item = &'static Owned> {
    OWNED.iter().filter(move |o| o.owner == owner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::reference_columns;

    #[test]
    fn every_reference_column_is_listed_exactly_once() {
        for &table in Table::ALL {
            for fk in reference_columns(table) {
                let n = RELATIONS
                    .iter()
                    .filter(|r| r.child == table && r.fk == fk)
                    .count();
                assert_eq!(n, 1, "{table}.{fk} is listed {n} times in RELATIONS");
            }
        }
        for r in RELATIONS {
            let column = r.child.columns().iter().find(|c| c.name == r.fk);
            let column = column.unwrap_or_else(|| panic!("{}.{} is not a column", r.child, r.fk));
            if r.on_delete == OnDelete::Nullify {
                assert!(column.nullable, "{}.{} cannot be nullified", r.child, r.fk);
            }
        }
        for o in OWNED {
            assert!(
                RELATIONS
                    .iter()
                    .any(|r| r.child == o.owner && r.fk == o.fk && r.parent == o.owned),
                "{}.{}",
                o.owner,
                o.fk
            );
        }
    }

    #[test]
    fn the_originals_key_behaviours_hold() {
        let on_delete = |child, fk| {
            RELATIONS
                .iter()
                .find(|r| r.child == child && r.fk == fk)
                .map(|r| r.on_delete)
        };
        // Deleting a network deletes its addresses, whose leases go with them.
        assert_eq!(on_delete(T::IpAddresses, "network_id"), Some(Cascade));
        assert_eq!(on_delete(T::IpLeases, "ip_address_id"), Some(Cascade));
        assert_eq!(on_delete(T::DatapathNetworks, "datapath_id"), Some(Cascade));
        assert_eq!(
            on_delete(T::LeasePolicyBaseNetworks, "ip_range_group_id"),
            Some(Restrict)
        );
    }
}
