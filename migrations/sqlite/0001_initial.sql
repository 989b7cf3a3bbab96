-- vnet schema, version 1 (SQLite). migrations/mysql/0001_initial.sql creates the same
-- tables, columns, nullability and indexes in the other dialect.
--
-- Conventions kept from OpenVNet: every table has `id`, `created_at`, `updated_at`,
-- `deleted_at` (unix seconds) and `is_deleted` (0 while live, the row's own id once
-- soft-deleted); unique keys include `is_deleted`, so they hold among live rows and a uuid
-- can be reused after a delete. IPv4 and MAC addresses are integers, dpids the signed
-- bit pattern of their 64 bits, uuids only their suffix. Columns follow the model's
-- `Record::COLUMNS` order, then `is_deleted`; crates/store checks that they match.
-- Unique keys are named `<table>_u<n>`, indexes on reference columns `<table>_i<n>`.

CREATE TABLE datapaths (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    display_name TEXT NOT NULL,
    dpid INTEGER NOT NULL,
    node_id TEXT NOT NULL,
    enable_ovs_learn_action INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX datapaths_u0 ON datapaths (uuid, is_deleted);
CREATE UNIQUE INDEX datapaths_u1 ON datapaths (dpid, node_id, is_deleted);

CREATE TABLE datapath_networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    datapath_id INTEGER NOT NULL,
    network_id INTEGER NOT NULL,
    interface_id INTEGER NULL,
    mac_address_id INTEGER NOT NULL,
    ip_lease_id INTEGER NULL,
    topology_id INTEGER NULL,
    topology_layer_id INTEGER NULL,
    topology_mac_range_group_id INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX datapath_networks_u0 ON datapath_networks (datapath_id, network_id, is_deleted);
CREATE INDEX datapath_networks_i2 ON datapath_networks (network_id);
CREATE INDEX datapath_networks_i3 ON datapath_networks (interface_id);
CREATE INDEX datapath_networks_i4 ON datapath_networks (mac_address_id);
CREATE INDEX datapath_networks_i5 ON datapath_networks (ip_lease_id);
CREATE INDEX datapath_networks_i6 ON datapath_networks (topology_id);
CREATE INDEX datapath_networks_i7 ON datapath_networks (topology_layer_id);
CREATE INDEX datapath_networks_i8 ON datapath_networks (topology_mac_range_group_id);

CREATE TABLE datapath_segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    datapath_id INTEGER NOT NULL,
    segment_id INTEGER NOT NULL,
    interface_id INTEGER NULL,
    mac_address_id INTEGER NOT NULL,
    ip_lease_id INTEGER NULL,
    topology_id INTEGER NULL,
    topology_layer_id INTEGER NULL,
    topology_mac_range_group_id INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX datapath_segments_u0 ON datapath_segments (datapath_id, segment_id, is_deleted);
CREATE INDEX datapath_segments_i2 ON datapath_segments (segment_id);
CREATE INDEX datapath_segments_i3 ON datapath_segments (interface_id);
CREATE INDEX datapath_segments_i4 ON datapath_segments (mac_address_id);
CREATE INDEX datapath_segments_i5 ON datapath_segments (ip_lease_id);
CREATE INDEX datapath_segments_i6 ON datapath_segments (topology_id);
CREATE INDEX datapath_segments_i7 ON datapath_segments (topology_layer_id);
CREATE INDEX datapath_segments_i8 ON datapath_segments (topology_mac_range_group_id);

CREATE TABLE datapath_route_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    datapath_id INTEGER NOT NULL,
    route_link_id INTEGER NOT NULL,
    interface_id INTEGER NULL,
    mac_address_id INTEGER NOT NULL,
    ip_lease_id INTEGER NULL,
    topology_id INTEGER NULL,
    topology_layer_id INTEGER NULL,
    topology_mac_range_group_id INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX datapath_route_links_u0 ON datapath_route_links (datapath_id, route_link_id, is_deleted);
CREATE INDEX datapath_route_links_i2 ON datapath_route_links (route_link_id);
CREATE INDEX datapath_route_links_i3 ON datapath_route_links (interface_id);
CREATE INDEX datapath_route_links_i4 ON datapath_route_links (mac_address_id);
CREATE INDEX datapath_route_links_i5 ON datapath_route_links (ip_lease_id);
CREATE INDEX datapath_route_links_i6 ON datapath_route_links (topology_id);
CREATE INDEX datapath_route_links_i7 ON datapath_route_links (topology_layer_id);
CREATE INDEX datapath_route_links_i8 ON datapath_route_links (topology_mac_range_group_id);

CREATE TABLE networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    display_name TEXT NOT NULL,
    ipv4_network INTEGER NOT NULL,
    ipv4_prefix INTEGER NOT NULL,
    mode TEXT NOT NULL,
    domain_name TEXT NOT NULL,
    segment_id INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX networks_u0 ON networks (uuid, is_deleted);
CREATE INDEX networks_i7 ON networks (segment_id);

CREATE TABLE segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    mode TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX segments_u0 ON segments (uuid, is_deleted);

CREATE TABLE interfaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    mode TEXT NOT NULL,
    display_name TEXT NULL,
    enable_routing INTEGER NOT NULL,
    enable_route_translation INTEGER NOT NULL,
    enable_filtering INTEGER NOT NULL,
    enable_legacy_filtering INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX interfaces_u0 ON interfaces (uuid, is_deleted);

CREATE TABLE interface_ports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    interface_id INTEGER NOT NULL,
    datapath_id INTEGER NULL,
    port_name TEXT NULL,
    singular INTEGER NULL,
    interface_mode TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX interface_ports_u0 ON interface_ports (interface_id, datapath_id, is_deleted);
CREATE UNIQUE INDEX interface_ports_u1 ON interface_ports (port_name, datapath_id, singular, is_deleted);
CREATE INDEX interface_ports_i2 ON interface_ports (datapath_id);

CREATE TABLE interface_networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    interface_id INTEGER NOT NULL,
    network_id INTEGER NOT NULL,
    `static` INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX interface_networks_u0 ON interface_networks (interface_id, network_id, is_deleted);
CREATE INDEX interface_networks_i2 ON interface_networks (network_id);

CREATE TABLE interface_segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    interface_id INTEGER NOT NULL,
    segment_id INTEGER NOT NULL,
    `static` INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX interface_segments_u0 ON interface_segments (interface_id, segment_id, is_deleted);
CREATE INDEX interface_segments_i2 ON interface_segments (segment_id);

CREATE TABLE interface_route_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    interface_id INTEGER NOT NULL,
    route_link_id INTEGER NOT NULL,
    `static` INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX interface_route_links_u0 ON interface_route_links (interface_id, route_link_id, is_deleted);
CREATE INDEX interface_route_links_i2 ON interface_route_links (route_link_id);

CREATE TABLE mac_addresses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    mac_address INTEGER NOT NULL,
    segment_id INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mac_addresses_u0 ON mac_addresses (uuid, is_deleted);
CREATE UNIQUE INDEX mac_addresses_u1 ON mac_addresses (mac_address, is_deleted);
CREATE INDEX mac_addresses_i3 ON mac_addresses (segment_id);

CREATE TABLE mac_leases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    interface_id INTEGER NULL,
    mac_address_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mac_leases_u0 ON mac_leases (uuid, is_deleted);
CREATE INDEX mac_leases_i2 ON mac_leases (interface_id);
CREATE INDEX mac_leases_i3 ON mac_leases (mac_address_id);

CREATE TABLE ip_addresses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    network_id INTEGER NOT NULL,
    ipv4_address INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ip_addresses_u0 ON ip_addresses (network_id, ipv4_address, is_deleted);

CREATE TABLE ip_leases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    interface_id INTEGER NULL,
    mac_lease_id INTEGER NULL,
    ip_address_id INTEGER NOT NULL,
    enable_routing INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ip_leases_u0 ON ip_leases (uuid, is_deleted);
CREATE UNIQUE INDEX ip_leases_u1 ON ip_leases (ip_address_id, is_deleted);
CREATE INDEX ip_leases_i2 ON ip_leases (interface_id);
CREATE INDEX ip_leases_i3 ON ip_leases (mac_lease_id);

CREATE TABLE ip_lease_containers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ip_lease_containers_u0 ON ip_lease_containers (uuid, is_deleted);

CREATE TABLE ip_lease_container_ip_leases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ip_lease_container_id INTEGER NOT NULL,
    ip_lease_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ip_lease_container_ip_leases_u0 ON ip_lease_container_ip_leases (ip_lease_container_id, ip_lease_id, is_deleted);
CREATE INDEX ip_lease_container_ip_leases_i2 ON ip_lease_container_ip_leases (ip_lease_id);

CREATE TABLE ip_range_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    allocation_type TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ip_range_groups_u0 ON ip_range_groups (uuid, is_deleted);

CREATE TABLE ip_ranges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    ip_range_group_id INTEGER NOT NULL,
    begin_ipv4_address INTEGER NOT NULL,
    end_ipv4_address INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ip_ranges_u0 ON ip_ranges (uuid, is_deleted);
CREATE INDEX ip_ranges_i2 ON ip_ranges (ip_range_group_id);

CREATE TABLE ip_retention_containers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    lease_time INTEGER NULL,
    grace_time INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ip_retention_containers_u0 ON ip_retention_containers (uuid, is_deleted);

CREATE TABLE ip_retentions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ip_lease_id INTEGER NOT NULL,
    ip_retention_container_id INTEGER NOT NULL,
    leased_at INTEGER NULL,
    released_at INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ip_retentions_i1 ON ip_retentions (ip_lease_id);
CREATE INDEX ip_retentions_i2 ON ip_retentions (ip_retention_container_id);

CREATE TABLE lease_policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    mode TEXT NOT NULL,
    timing TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX lease_policies_u0 ON lease_policies (uuid, is_deleted);

CREATE TABLE lease_policy_base_networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lease_policy_id INTEGER NOT NULL,
    network_id INTEGER NOT NULL,
    ip_range_group_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX lease_policy_base_networks_i1 ON lease_policy_base_networks (lease_policy_id);
CREATE INDEX lease_policy_base_networks_i2 ON lease_policy_base_networks (network_id);
CREATE INDEX lease_policy_base_networks_i3 ON lease_policy_base_networks (ip_range_group_id);

CREATE TABLE lease_policy_base_interfaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lease_policy_id INTEGER NOT NULL,
    interface_id INTEGER NOT NULL,
    label TEXT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX lease_policy_base_interfaces_i1 ON lease_policy_base_interfaces (lease_policy_id);
CREATE INDEX lease_policy_base_interfaces_i2 ON lease_policy_base_interfaces (interface_id);

CREATE TABLE lease_policy_ip_lease_containers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lease_policy_id INTEGER NOT NULL,
    ip_lease_container_id INTEGER NOT NULL,
    label TEXT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX lease_policy_ip_lease_containers_u0 ON lease_policy_ip_lease_containers (lease_policy_id, ip_lease_container_id, is_deleted);
CREATE INDEX lease_policy_ip_lease_containers_i2 ON lease_policy_ip_lease_containers (ip_lease_container_id);

CREATE TABLE lease_policy_ip_retention_containers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lease_policy_id INTEGER NOT NULL,
    ip_retention_container_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX lease_policy_ip_retention_containers_u0 ON lease_policy_ip_retention_containers (lease_policy_id, ip_retention_container_id, is_deleted);
CREATE INDEX lease_policy_ip_retention_containers_i2 ON lease_policy_ip_retention_containers (ip_retention_container_id);

CREATE TABLE mac_range_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    allocation_type TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mac_range_groups_u0 ON mac_range_groups (uuid, is_deleted);

CREATE TABLE mac_ranges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    mac_range_group_id INTEGER NOT NULL,
    begin_mac_address INTEGER NOT NULL,
    end_mac_address INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mac_ranges_u0 ON mac_ranges (uuid, is_deleted);
CREATE INDEX mac_ranges_i2 ON mac_ranges (mac_range_group_id);

CREATE TABLE route_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    mac_address_id INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX route_links_u0 ON route_links (uuid, is_deleted);
CREATE INDEX route_links_i2 ON route_links (mac_address_id);

CREATE TABLE routes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    mode TEXT NOT NULL,
    interface_id INTEGER NULL,
    route_link_id INTEGER NOT NULL,
    network_id INTEGER NOT NULL,
    ipv4_network INTEGER NOT NULL,
    ipv4_prefix INTEGER NOT NULL,
    ingress INTEGER NOT NULL,
    egress INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX routes_u0 ON routes (uuid, is_deleted);
CREATE INDEX routes_i3 ON routes (interface_id);
CREATE INDEX routes_i4 ON routes (route_link_id);
CREATE INDEX routes_i5 ON routes (network_id);

CREATE TABLE network_services (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    display_name TEXT NULL,
    mode TEXT NOT NULL,
    interface_id INTEGER NULL,
    incoming_port INTEGER NULL,
    outgoing_port INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX network_services_u0 ON network_services (uuid, is_deleted);
CREATE INDEX network_services_i4 ON network_services (interface_id);

CREATE TABLE dns_services (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    network_service_id INTEGER NOT NULL,
    public_dns TEXT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX dns_services_u0 ON dns_services (uuid, is_deleted);
CREATE INDEX dns_services_i2 ON dns_services (network_service_id);

CREATE TABLE dns_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    dns_service_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    ipv4_address INTEGER NOT NULL,
    ttl INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX dns_records_u0 ON dns_records (uuid, is_deleted);
CREATE INDEX dns_records_i2 ON dns_records (dns_service_id);

CREATE TABLE filters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    mode TEXT NOT NULL,
    interface_id INTEGER NULL,
    ingress_passthrough INTEGER NOT NULL,
    egress_passthrough INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX filters_u0 ON filters (uuid, is_deleted);
CREATE INDEX filters_i3 ON filters (interface_id);

CREATE TABLE filter_statics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    filter_id INTEGER NOT NULL,
    src_address INTEGER NOT NULL,
    dst_address INTEGER NOT NULL,
    src_prefix INTEGER NOT NULL,
    dst_prefix INTEGER NOT NULL,
    port_src INTEGER NULL,
    port_dst INTEGER NULL,
    protocol TEXT NOT NULL,
    action TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX filter_statics_u0 ON filter_statics (filter_id, src_address, dst_address, src_prefix, dst_prefix, port_src, port_dst, protocol, is_deleted);

CREATE TABLE translations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    mode TEXT NOT NULL,
    interface_id INTEGER NULL,
    passthrough INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX translations_u0 ON translations (uuid, is_deleted);
CREATE INDEX translations_i3 ON translations (interface_id);

CREATE TABLE translation_static_addresses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    translation_id INTEGER NOT NULL,
    route_link_id INTEGER NULL,
    ingress_ipv4_address INTEGER NOT NULL,
    egress_ipv4_address INTEGER NOT NULL,
    ingress_port_number INTEGER NULL,
    egress_port_number INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX translation_static_addresses_u0 ON translation_static_addresses (translation_id, ingress_ipv4_address, egress_ipv4_address, ingress_port_number, egress_port_number, is_deleted);
CREATE INDEX translation_static_addresses_i2 ON translation_static_addresses (route_link_id);

CREATE TABLE topologies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    mode TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX topologies_u0 ON topologies (uuid, is_deleted);

CREATE TABLE topology_datapaths (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topology_id INTEGER NOT NULL,
    datapath_id INTEGER NOT NULL,
    interface_id INTEGER NOT NULL,
    ip_lease_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX topology_datapaths_u0 ON topology_datapaths (topology_id, datapath_id, is_deleted);
CREATE INDEX topology_datapaths_i2 ON topology_datapaths (datapath_id);
CREATE INDEX topology_datapaths_i3 ON topology_datapaths (interface_id);
CREATE INDEX topology_datapaths_i4 ON topology_datapaths (ip_lease_id);

CREATE TABLE topology_networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topology_id INTEGER NOT NULL,
    network_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX topology_networks_u0 ON topology_networks (topology_id, network_id, is_deleted);
CREATE INDEX topology_networks_i2 ON topology_networks (network_id);

CREATE TABLE topology_segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topology_id INTEGER NOT NULL,
    segment_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX topology_segments_u0 ON topology_segments (topology_id, segment_id, is_deleted);
CREATE INDEX topology_segments_i2 ON topology_segments (segment_id);

CREATE TABLE topology_route_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topology_id INTEGER NOT NULL,
    route_link_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX topology_route_links_u0 ON topology_route_links (topology_id, route_link_id, is_deleted);
CREATE INDEX topology_route_links_i2 ON topology_route_links (route_link_id);

CREATE TABLE topology_mac_range_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topology_id INTEGER NOT NULL,
    mac_range_group_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX topology_mac_range_groups_u0 ON topology_mac_range_groups (topology_id, mac_range_group_id, is_deleted);
CREATE INDEX topology_mac_range_groups_i2 ON topology_mac_range_groups (mac_range_group_id);

CREATE TABLE topology_layers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    overlay_id INTEGER NOT NULL,
    underlay_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX topology_layers_u0 ON topology_layers (overlay_id, underlay_id, is_deleted);
CREATE INDEX topology_layers_i2 ON topology_layers (underlay_id);

CREATE TABLE tunnels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    mode TEXT NOT NULL,
    src_datapath_id INTEGER NOT NULL,
    dst_datapath_id INTEGER NOT NULL,
    src_interface_id INTEGER NOT NULL,
    dst_interface_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX tunnels_u0 ON tunnels (uuid, is_deleted);
CREATE UNIQUE INDEX tunnels_u1 ON tunnels (src_datapath_id, dst_datapath_id, src_interface_id, dst_interface_id, is_deleted);
CREATE INDEX tunnels_i4 ON tunnels (dst_datapath_id);
CREATE INDEX tunnels_i5 ON tunnels (src_interface_id);
CREATE INDEX tunnels_i6 ON tunnels (dst_interface_id);

CREATE TABLE active_interfaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    interface_id INTEGER NOT NULL,
    datapath_id INTEGER NOT NULL,
    label TEXT NULL,
    singular INTEGER NULL,
    port_name TEXT NULL,
    port_number INTEGER NULL,
    enable_routing INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX active_interfaces_u0 ON active_interfaces (interface_id, datapath_id, is_deleted);
CREATE UNIQUE INDEX active_interfaces_u1 ON active_interfaces (interface_id, label, is_deleted);
CREATE UNIQUE INDEX active_interfaces_u2 ON active_interfaces (interface_id, singular, is_deleted);
CREATE INDEX active_interfaces_i2 ON active_interfaces (datapath_id);

CREATE TABLE active_networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    network_id INTEGER NOT NULL,
    datapath_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX active_networks_u0 ON active_networks (network_id, datapath_id, is_deleted);
CREATE INDEX active_networks_i2 ON active_networks (datapath_id);

CREATE TABLE active_segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    segment_id INTEGER NOT NULL,
    datapath_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX active_segments_u0 ON active_segments (segment_id, datapath_id, is_deleted);
CREATE INDEX active_segments_i2 ON active_segments (datapath_id);

CREATE TABLE active_route_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    route_link_id INTEGER NOT NULL,
    datapath_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX active_route_links_u0 ON active_route_links (route_link_id, datapath_id, is_deleted);
CREATE INDEX active_route_links_i2 ON active_route_links (datapath_id);

CREATE TABLE active_ports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    datapath_id INTEGER NOT NULL,
    port_name TEXT NOT NULL,
    port_number INTEGER NOT NULL,
    mode TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX active_ports_u0 ON active_ports (datapath_id, port_name, is_deleted);
CREATE UNIQUE INDEX active_ports_u1 ON active_ports (datapath_id, port_number, is_deleted);

CREATE TABLE security_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    display_name TEXT NOT NULL,
    description TEXT NULL,
    rules TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX security_groups_u0 ON security_groups (uuid, is_deleted);

CREATE TABLE security_group_interfaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    security_group_id INTEGER NOT NULL,
    interface_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX security_group_interfaces_u0 ON security_group_interfaces (interface_id, security_group_id, is_deleted);
CREATE INDEX security_group_interfaces_i1 ON security_group_interfaces (security_group_id);
