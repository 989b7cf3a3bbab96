//! The resources of reference §3.2 as declarations: their CRUD routes and parameters, with
//! the original's names. [`crate::routes`] expands them into the route table.
//!
//! Parameters the original accepted that need more than one row written (a route link's or a
//! datapath relation's `mac_address`, a network's, segment's or route link's
//! `topology_uuid`, the addresses of a new MAC or IP lease) go to vnmgr as they are: its
//! create writes the implied rows in the same transaction. The interface's are served by the
//! composite create (`ServiceCall::CreateInterface`).

use model::{
    AllocationType, FilterAction, FilterMode, FilterProtocol, InterfaceMode, LeasePolicyMode,
    LeasePolicyTiming, NetworkMode, NetworkServiceMode, ResourceKind as K, RouteMode, SegmentMode,
    Table, TopologyMode, TranslationMode,
};

use crate::routes::{
    Action, Child, Listing, Method, Owned, Param, ParamType as T, Relation, Resource, Service,
    ServiceRoute, Via,
};

const ALL: &[Action] = &[
    Action::Create,
    Action::List,
    Action::Show,
    Action::Update,
    Action::Delete,
];
const NO_UPDATE: &[Action] = &[Action::Create, Action::List, Action::Show, Action::Delete];

const PREFIX: T = T::Int { min: 0, max: 32 };
const PORT: T = T::Int {
    min: 0,
    max: 65_535,
};
const SECONDS: T = T::Int {
    min: 0,
    max: i64::MAX,
};

/// The top-level resources with the generic CRUD shape.
pub const RESOURCES: &[Resource] = &[
    Resource {
        table: Table::Datapaths,
        kind: K::Datapath,
        actions: ALL,
        create: &[
            Param::req("display_name", T::Text),
            Param::req("dpid", T::Dpid),
            Param::req("node_id", T::Text),
            Param::opt("enable_ovs_learn_action", T::Bool),
        ],
        update: &[
            Param::opt("display_name", T::Text),
            Param::opt("enable_ovs_learn_action", T::Bool),
        ],
    },
    Resource {
        table: Table::Networks,
        kind: K::Network,
        actions: ALL,
        create: &[
            Param::req("ipv4_network", T::Ipv4),
            Param::opt("ipv4_prefix", T::Int { min: 1, max: 32 }),
            Param::opt("display_name", T::Text),
            Param::opt("domain_name", T::Text),
            Param::opt("mode", T::Enum(NetworkMode::NAMES)),
            Param::opt("network_mode", T::Enum(NetworkMode::NAMES)).to_field("mode"),
            Param::opt("segment_uuid", T::Uuid(K::Segment)),
            Param::opt("topology_uuid", T::Uuid(K::Topology)),
        ],
        update: &[
            Param::opt("display_name", T::Text),
            Param::opt("domain_name", T::Text),
        ],
    },
    Resource {
        table: Table::Segments,
        kind: K::Segment,
        actions: NO_UPDATE,
        create: &[
            Param::req("mode", T::Enum(SegmentMode::NAMES)),
            Param::opt("topology_uuid", T::Uuid(K::Topology)),
        ],
        update: &[],
    },
    Resource {
        table: Table::Interfaces,
        kind: K::Interface,
        actions: ALL,
        create: &[
            Param::req("mode", T::Enum(InterfaceMode::NAMES)),
            Param::opt("display_name", T::Text),
            Param::opt("enable_routing", T::Bool),
            Param::opt("enable_route_translation", T::Bool),
            Param::opt("enable_filtering", T::Bool),
            Param::opt("enable_legacy_filtering", T::Bool),
            // Written by the composite create (reference §2.3).
            Param::opt("owner_datapath_uuid", T::Uuid(K::Datapath)),
            Param::opt("network_uuid", T::Uuid(K::Network)),
            Param::opt("segment_uuid", T::Uuid(K::Segment)),
            Param::opt("ipv4_address", T::Ipv4),
            Param::opt("mac_address", T::Mac),
            Param::opt("mac_range_group_uuid", T::Uuid(K::MacRangeGroup)),
            Param::opt("port_name", T::Text),
        ],
        update: &[
            Param::opt("display_name", T::Text),
            Param::opt("enable_routing", T::Bool),
            Param::opt("enable_route_translation", T::Bool),
            Param::opt("enable_filtering", T::Bool),
            Param::opt("enable_legacy_filtering", T::Bool),
        ],
    },
    Resource {
        table: Table::MacRangeGroups,
        kind: K::MacRangeGroup,
        actions: ALL,
        create: &[Param::opt(
            "allocation_type",
            T::Enum(AllocationType::NAMES),
        )],
        update: &[Param::opt(
            "allocation_type",
            T::Enum(AllocationType::NAMES),
        )],
    },
    Resource {
        table: Table::IpRangeGroups,
        kind: K::IpRangeGroup,
        actions: ALL,
        create: &[Param::opt(
            "allocation_type",
            T::Enum(AllocationType::NAMES),
        )],
        update: &[Param::opt(
            "allocation_type",
            T::Enum(AllocationType::NAMES),
        )],
    },
    Resource {
        table: Table::RouteLinks,
        kind: K::RouteLink,
        actions: NO_UPDATE,
        create: &[
            Param::opt("mac_address", T::Mac),
            Param::opt("topology_uuid", T::Uuid(K::Topology)),
        ],
        update: &[],
    },
    Resource {
        table: Table::Routes,
        kind: K::Route,
        actions: NO_UPDATE,
        create: &[
            Param::req("interface_uuid", T::Uuid(K::Interface)),
            Param::req("network_uuid", T::Uuid(K::Network)),
            Param::req("route_link_uuid", T::Uuid(K::RouteLink)),
            Param::req("ipv4_network", T::Ipv4),
            Param::opt("ipv4_prefix", PREFIX),
            Param::opt("mode", T::Enum(RouteMode::NAMES)),
            Param::opt("ingress", T::Bool),
            Param::opt("egress", T::Bool),
        ],
        update: &[],
    },
    Resource {
        table: Table::NetworkServices,
        kind: K::NetworkService,
        actions: ALL,
        create: &[
            Param::req("mode", T::Enum(NetworkServiceMode::NAMES)),
            // The original's deprecated name for `mode`.
            Param::opt("type", T::Enum(NetworkServiceMode::NAMES)).to_field("mode"),
            Param::opt("interface_uuid", T::Uuid(K::Interface)),
            Param::opt("incoming_port", PORT),
            Param::opt("outgoing_port", PORT),
            Param::opt("display_name", T::Text),
        ],
        update: &[Param::opt("display_name", T::Text)],
    },
    Resource {
        table: Table::LeasePolicies,
        kind: K::LeasePolicy,
        actions: ALL,
        create: &[
            Param::opt("mode", T::Enum(LeasePolicyMode::NAMES)),
            Param::opt("timing", T::Enum(LeasePolicyTiming::NAMES)),
        ],
        update: &[Param::opt("timing", T::Enum(LeasePolicyTiming::NAMES))],
    },
    Resource {
        table: Table::Topologies,
        kind: K::Topology,
        actions: ALL,
        create: &[Param::req("mode", T::Enum(TopologyMode::NAMES))],
        update: &[],
    },
    Resource {
        table: Table::IpRetentionContainers,
        kind: K::IpRetentionContainer,
        actions: ALL,
        create: &[
            Param::opt("lease_time", SECONDS),
            Param::opt("grace_time", SECONDS),
        ],
        update: &[],
    },
    Resource {
        table: Table::SecurityGroups,
        kind: K::SecurityGroup,
        actions: ALL,
        create: &[
            Param::req("display_name", T::Text),
            Param::opt("rules", T::Text),
            Param::opt("description", T::Text),
        ],
        update: &[
            Param::opt("display_name", T::Text),
            Param::opt("rules", T::Text),
            Param::opt("description", T::Text),
        ],
    },
    Resource {
        table: Table::MacLeases,
        kind: K::MacLease,
        actions: ALL,
        create: &[
            Param::req("interface_uuid", T::Uuid(K::Interface)),
            Param::req("mac_address", T::Mac),
            Param::opt("segment_uuid", T::Uuid(K::Segment)),
        ],
        update: &[Param::opt("interface_uuid", T::Uuid(K::Interface))],
    },
    Resource {
        table: Table::IpLeases,
        kind: K::IpLease,
        actions: ALL,
        create: &[
            Param::req("network_uuid", T::Uuid(K::Network)),
            Param::req("ipv4_address", T::Ipv4),
            Param::opt("mac_lease_uuid", T::Uuid(K::MacLease)),
            Param::opt("interface_uuid", T::Uuid(K::Interface)),
            Param::opt("enable_routing", T::Bool),
        ],
        update: &[
            Param::opt("enable_routing", T::Bool),
            Param::opt("interface_uuid", T::Uuid(K::Interface)),
        ],
    },
    Resource {
        table: Table::DnsServices,
        kind: K::DnsService,
        actions: ALL,
        create: &[
            Param::req("network_service_uuid", T::Uuid(K::NetworkService)),
            Param::opt("public_dns", T::Text),
        ],
        update: &[Param::opt("public_dns", T::Text)],
    },
    Resource {
        table: Table::Filters,
        kind: K::Filter,
        actions: ALL,
        create: &[
            Param::req("interface_uuid", T::Uuid(K::Interface)),
            Param::req("mode", T::Enum(FilterMode::NAMES)),
            Param::opt("ingress_passthrough", T::Bool),
            Param::opt("egress_passthrough", T::Bool),
        ],
        update: &[
            Param::opt("ingress_passthrough", T::Bool),
            Param::opt("egress_passthrough", T::Bool),
        ],
    },
    Resource {
        table: Table::Translations,
        kind: K::Translation,
        actions: NO_UPDATE,
        create: &[
            Param::req("interface_uuid", T::Uuid(K::Interface)),
            Param::req("mode", T::Enum(TranslationMode::NAMES)),
            Param::opt("passthrough", T::Bool),
        ],
        update: &[],
    },
    Resource {
        table: Table::IpLeaseContainers,
        kind: K::IpLeaseContainer,
        actions: ALL,
        create: &[],
        update: &[],
    },
];

/// Sub-resources owned by a parent row.
pub const CHILDREN: &[Child] = &[
    Child {
        parent: K::DnsService,
        child: K::DnsRecord,
        fk: "dns_service_id",
        child_param: "dns_record_uuid",
        create: &[
            Param::req("name", T::Text),
            Param::req("ipv4_address", T::Ipv4),
            Param::opt("ttl", SECONDS),
        ],
    },
    Child {
        parent: K::MacRangeGroup,
        child: K::MacRange,
        fk: "mac_range_group_id",
        child_param: "mac_range_uuid",
        create: &[
            Param::req("begin_mac_address", T::Mac),
            Param::req("end_mac_address", T::Mac),
        ],
    },
    Child {
        parent: K::IpRangeGroup,
        child: K::IpRange,
        fk: "ip_range_group_id",
        child_param: "ip_range_uuid",
        create: &[
            Param::req("begin_ipv4_address", T::Ipv4),
            Param::req("end_ipv4_address", T::Ipv4),
        ],
    },
];

/// Associations between two resources (reference §3.2 "Sub-resource routes").
pub const RELATIONS: &[Relation] = &[
    datapath_relation(
        Table::DatapathNetworks,
        K::Network,
        "network_id",
        "networks",
        "network_uuid",
    ),
    datapath_relation(
        Table::DatapathSegments,
        K::Segment,
        "segment_id",
        "segments",
        "segment_uuid",
    ),
    datapath_relation(
        Table::DatapathRouteLinks,
        K::RouteLink,
        "route_link_id",
        "route_links",
        "route_link_uuid",
    ),
    interface_relation(
        Table::InterfaceNetworks,
        K::Network,
        "network_id",
        "networks",
        "network_uuid",
    ),
    interface_relation(
        Table::InterfaceSegments,
        K::Segment,
        "segment_id",
        "segments",
        "segment_uuid",
    ),
    interface_relation(
        Table::InterfaceRouteLinks,
        K::RouteLink,
        "route_link_id",
        "route_links",
        "route_link_uuid",
    ),
    relation(
        K::LeasePolicy,
        Table::LeasePolicyBaseNetworks,
        (K::Network, "network_id", "networks", "network_uuid"),
        &[Param::req("ip_range_group_uuid", T::Uuid(K::IpRangeGroup))],
    ),
    // Relating allocates the interface a lease from the policy at once (vnmgr does it in the
    // same transaction), as the original did.
    relation(
        K::LeasePolicy,
        Table::LeasePolicyBaseInterfaces,
        (K::Interface, "interface_id", "interfaces", "interface_uuid"),
        &[Param::opt("label", T::Text)],
    ),
    relation(
        K::LeasePolicy,
        Table::LeasePolicyIpLeaseContainers,
        (
            K::IpLeaseContainer,
            "ip_lease_container_id",
            "ip_lease_containers",
            "ip_lease_container_uuid",
        ),
        &[Param::opt("label", T::Text)],
    ),
    relation(
        K::LeasePolicy,
        Table::LeasePolicyIpRetentionContainers,
        (
            K::IpRetentionContainer,
            "ip_retention_container_id",
            "ip_retention_containers",
            "ip_retention_container_uuid",
        ),
        &[],
    ),
    relation(
        K::Topology,
        Table::TopologyDatapaths,
        (K::Datapath, "datapath_id", "datapaths", "datapath_uuid"),
        &[
            Param::req("interface_uuid", T::Uuid(K::Interface)),
            Param::opt("ip_lease_uuid", T::Uuid(K::IpLease)),
        ],
    ),
    relation(
        K::Topology,
        Table::TopologyNetworks,
        (K::Network, "network_id", "networks", "network_uuid"),
        &[],
    ),
    relation(
        K::Topology,
        Table::TopologySegments,
        (K::Segment, "segment_id", "segments", "segment_uuid"),
        &[],
    ),
    relation(
        K::Topology,
        Table::TopologyRouteLinks,
        (
            K::RouteLink,
            "route_link_id",
            "route_links",
            "route_link_uuid",
        ),
        &[],
    ),
    relation(
        K::Topology,
        Table::TopologyMacRangeGroups,
        (
            K::MacRangeGroup,
            "mac_range_group_id",
            "mac_range_groups",
            "mac_range_group_uuid",
        ),
        &[],
    ),
    // An overlay topology over an underlay (`topology_layers`).
    Relation {
        base: K::Topology,
        table: Table::TopologyLayers,
        base_fk: "overlay_id",
        other: K::Topology,
        other_fk: "underlay_id",
        segment: "underlays",
        other_param: "underlay_uuid",
        create: &[],
        set_static: false,
    },
    // Security group membership, both ways (the original v0.9 API).
    Relation {
        base: K::Interface,
        table: Table::SecurityGroupInterfaces,
        base_fk: "interface_id",
        other: K::SecurityGroup,
        other_fk: "security_group_id",
        segment: "security_groups",
        other_param: "security_group_uuid",
        create: &[],
        set_static: false,
    },
    Relation {
        base: K::SecurityGroup,
        table: Table::SecurityGroupInterfaces,
        base_fk: "security_group_id",
        other: K::Interface,
        other_fk: "interface_id",
        segment: "interfaces",
        other_param: "interface_uuid",
        create: &[],
        set_static: false,
    },
];

/// A plain association of `base` with `(other kind, other fk, path segment, path param)`.
const fn relation(
    base: K,
    table: Table,
    (other, other_fk, segment, other_param): (K, &'static str, &'static str, &'static str),
    create: &'static [Param],
) -> Relation {
    let base_fk = match base {
        K::LeasePolicy => "lease_policy_id",
        _ => "topology_id",
    };
    Relation {
        base,
        table,
        base_fk,
        other,
        other_fk,
        segment,
        other_param,
        create,
        set_static: false,
    }
}

const DATAPATH_RELATION: &[Param] = &[
    Param::req("interface_uuid", T::Uuid(K::Interface)),
    Param::opt("ip_lease_uuid", T::Uuid(K::IpLease)),
    Param::opt("mac_address", T::Mac),
];

/// `POST /datapaths/{uuid}/<segment>/{<param>}` with the host interface. The MAC is the one
/// given (vnmgr writes its `mac_addresses` row), else one from the datapath MAC group.
const fn datapath_relation(
    table: Table,
    other: K,
    other_fk: &'static str,
    segment: &'static str,
    other_param: &'static str,
) -> Relation {
    Relation {
        base: K::Datapath,
        table,
        base_fk: "datapath_id",
        other,
        other_fk,
        segment,
        other_param,
        create: DATAPATH_RELATION,
        set_static: false,
    }
}

/// `PUT /interfaces/{uuid}/<segment>/{<param>}` with `static`, and `GET` of the interface's
/// own association rows (the original answered interface_networks for all three).
const fn interface_relation(
    table: Table,
    other: K,
    other_fk: &'static str,
    segment: &'static str,
    other_param: &'static str,
) -> Relation {
    Relation {
        base: K::Interface,
        table,
        base_fk: "interface_id",
        other,
        other_fk,
        segment,
        other_param,
        create: &[],
        set_static: true,
    }
}

const FILTER_RULE: &[Param] = &[
    Param::req("protocol", T::Enum(FilterProtocol::NAMES)),
    Param::req("action", T::Enum(FilterAction::NAMES)),
    Param::opt(
        "src_address",
        T::Cidr {
            prefix_field: "src_prefix",
        },
    ),
    Param::opt(
        "dst_address",
        T::Cidr {
            prefix_field: "dst_prefix",
        },
    ),
    Param::opt("src_port", PORT).to_field("port_src"),
    Param::opt("dst_port", PORT).to_field("port_dst"),
];

const STATIC_ADDRESS: &[Param] = &[
    Param::req("ingress_ipv4_address", T::Ipv4),
    Param::req("egress_ipv4_address", T::Ipv4),
    Param::opt("ingress_port_number", PORT),
    Param::opt("egress_port_number", PORT),
    Param::opt("route_link_uuid", T::Uuid(K::RouteLink)),
    Param::opt("ingress_network_uuid", T::Uuid(K::Network)).echoed(),
    Param::opt("egress_network_uuid", T::Uuid(K::Network)).echoed(),
];

/// Rows without uuids owned by a parent.
pub const OWNED: &[Owned] = &[
    Owned {
        parent: K::Interface,
        table: Table::InterfacePorts,
        fk: "interface_id",
        segment: "ports",
        create: &[
            Param::opt("datapath_uuid", T::Uuid(K::Datapath)),
            Param::opt("port_name", T::Text),
            Param::opt("singular", T::Bool),
        ],
    },
    Owned {
        parent: K::Filter,
        table: Table::FilterStatics,
        fk: "filter_id",
        segment: "static",
        create: FILTER_RULE,
    },
    Owned {
        parent: K::Translation,
        table: Table::TranslationStaticAddresses,
        fk: "translation_id",
        segment: "static_address",
        create: STATIC_ADDRESS,
    },
];

/// Read-only lists of the rows belonging to one row.
pub const LISTINGS: &[Listing] = &[
    Listing {
        parent: K::IpLeaseContainer,
        segment: "ip_leases",
        table: Table::IpLeases,
        fk: "ip_lease_container_id",
        via: Some(Via {
            table: Table::IpLeaseContainerIpLeases,
            target_fk: "ip_lease_id",
        }),
    },
    Listing {
        parent: K::IpRetentionContainer,
        segment: "ip_retentions",
        table: Table::IpRetentions,
        fk: "ip_retention_container_id",
        via: None,
    },
];

/// The service routes (vnmgr's `ServiceCall`s).
pub const SERVICES: &[ServiceRoute] = &[
    ServiceRoute {
        method: Method::Post,
        target: K::LeasePolicy,
        answers: Table::IpLeases,
        segment: "ip_leases",
        service: Service::AllocateLease,
        params: &[Param::req("interface_uuid", T::Uuid(K::Interface))],
        summary: "Allocate an IP lease for an interface from the lease policy",
    },
    ServiceRoute {
        method: Method::Put,
        target: K::IpLease,
        answers: Table::IpLeases,
        segment: "attach",
        service: Service::AttachLease,
        params: &[
            Param::opt("interface_uuid", T::Uuid(K::Interface)),
            Param::opt("mac_lease_uuid", T::Uuid(K::MacLease)),
        ],
        summary: "Attach the IP lease to an interface or a MAC lease",
    },
    ServiceRoute {
        method: Method::Put,
        target: K::IpLease,
        answers: Table::IpLeases,
        segment: "release",
        service: Service::ReleaseLease,
        params: &[],
        summary: "Release the IP lease from its interface",
    },
];
