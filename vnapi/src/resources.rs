//! The resources of reference §3.2 as declarations: their CRUD routes and parameters, with
//! the original's names. [`crate::routes`] expands them into the route table.
//!
//! Parameters the original accepted that need more than one row written (an interface's
//! `network_uuid`/`ipv4_address`/`port_name`, a route link's `mac_address`, a network's or
//! segment's `topology_uuid`) are not declared yet: a request that gives them gets 400 naming
//! the parameter rather than a silently half-done create.

use model::{
    AllocationType, InterfaceMode, LeasePolicyMode, LeasePolicyTiming, NetworkMode,
    NetworkServiceMode, ResourceKind as K, RouteMode, SegmentMode, Table, TopologyMode,
};

use crate::routes::{Action, Child, Param, ParamType as T, Resource};

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
        create: &[Param::req("mode", T::Enum(SegmentMode::NAMES))],
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
        create: &[],
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
];

/// Sub-resources owned by a parent row.
pub const CHILDREN: &[Child] = &[
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
