//! The command table: every resource, its options and its relation subcommands, as data.
//!
//! The clap tree (`cli`) and the request builder (`request`) are both generated from
//! [`RESOURCES`], so a resource or option added here appears in parsing, help, completions
//! and requests at once. Names are the API's own snake_case parameter names; the CLI derives
//! the `--kebab-case` spelling from them and keeps the snake_case one as an alias, as Thor did.

/// One `--option` of a command, named exactly as the API parameter it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// API parameter name (snake_case); the option is `--name` with `_` → `-`, plus an alias.
    pub name: &'static str,
    /// Required on `add` (the original vnctl refused to send the request without it).
    pub required: bool,
    /// Accepted by `modify` too, not only by `add`.
    pub updatable: bool,
    /// A boolean: `--flag` alone means `true`, `--flag false` is accepted as well.
    pub boolean: bool,
    /// One line for `--help`: what the value is and its accepted forms (empty: none).
    pub help: &'static str,
}

/// An optional, add-only option.
pub const fn opt(name: &'static str) -> Field {
    Field {
        name,
        required: false,
        updatable: false,
        boolean: false,
        help: "",
    }
}

impl Field {
    /// The option must be given on `add`.
    pub const fn req(self) -> Self {
        Field {
            required: true,
            ..self
        }
    }
    /// The option is also accepted by `modify`.
    pub const fn upd(self) -> Self {
        Field {
            updatable: true,
            ..self
        }
    }
    /// The option's `--help` line.
    pub const fn help(self, help: &'static str) -> Self {
        Field { help, ..self }
    }
    /// The option is a boolean switch.
    pub const fn flag(self) -> Self {
        Field {
            boolean: true,
            ..self
        }
    }
}

/// Which of the standard verbs a resource has; some resources have no `modify` (no PUT route).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verbs {
    pub modify: bool,
}

/// All four verbs.
pub const CRUD: Verbs = Verbs { modify: true };
/// `add`, `show` and `del` only.
pub const NO_MODIFY: Verbs = Verbs { modify: false };

/// How a relation subcommand maps onto routes under `/<resource>/BASE/<path>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// An association with another object: `add BASE OTHER` → POST `.../OTHER`,
    /// `del BASE OTHER...` → DELETE `.../OTHER` each, `show BASE` → GET.
    Link,
    /// Child objects created under the base: `add BASE` → POST, `del BASE CHILD...` →
    /// DELETE `.../CHILD` each, `show BASE` → GET.
    Child,
    /// Rows identified by their fields, not by a uuid (`filters static`,
    /// `translations static_address`, `interfaces ports`): `add BASE` → POST,
    /// `del BASE [opts]` → DELETE with the same options, `show BASE` → GET.
    Fields,
    /// A flag on an existing association (`interfaces networks modify IF NW --static true`):
    /// `modify BASE OTHER` → PUT `.../OTHER`, `show BASE` → GET.
    Flag,
}

/// A relation (or mode) subcommand: `vnctl <resource> <name> <verb> BASE ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    /// Subcommand name, also the path segment after `BASE`.
    pub name: &'static str,
    pub kind: RelationKind,
    /// Options of the `add` (or `modify` for [`RelationKind::Flag`]) verb.
    pub fields: &'static [Field],
}

const fn link(name: &'static str, fields: &'static [Field]) -> Relation {
    Relation {
        name,
        kind: RelationKind::Link,
        fields,
    }
}
const fn child(name: &'static str, fields: &'static [Field]) -> Relation {
    Relation {
        name,
        kind: RelationKind::Child,
        fields,
    }
}
const fn by_fields(name: &'static str, fields: &'static [Field]) -> Relation {
    Relation {
        name,
        kind: RelationKind::Fields,
        fields,
    }
}
const fn flag_rel(name: &'static str, fields: &'static [Field]) -> Relation {
    Relation {
        name,
        kind: RelationKind::Flag,
        fields,
    }
}

/// HTTP methods vnctl uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// A one-object verb beyond the standard four: `vnctl <resource> <name> UUID [opts]` →
/// `<method> /<resource>/UUID/<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    pub name: &'static str,
    pub method: Method,
    pub fields: &'static [Field],
}

/// One top-level resource command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// Command name and path segment (`/api/1.0/<name>`); `-` spelling is an alias.
    pub name: &'static str,
    pub about: &'static str,
    pub verbs: Verbs,
    /// Options of `add` (all) and `modify` (those marked updatable). `uuid` is implied on add.
    pub fields: &'static [Field],
    pub relations: &'static [Relation],
    pub actions: &'static [Action],
    /// Columns of the list table, in order; empty means "the scalar fields of the rows".
    pub columns: &'static [&'static str],
}

const DP_LINK: &[Field] = &[
    opt("interface_uuid")
        .help("Host interface linking the datapath to it (if-...)")
        .req(),
    opt("mac_address").help("MAC of the datapath on it (generated from the MAC group if omitted)"),
];
const IF_STATIC: &[Field] = &[opt("static")
    .help("true: the association is fixed; false: vna may change it")
    .req()];

/// The whole command tree. Order is the order of `vnctl --help`.
pub const RESOURCES: &[Resource] = &[
    Resource {
        name: "datapaths",
        about: "Open vSwitch bridges managed by a vna",
        verbs: CRUD,
        fields: &[
            opt("display_name").help("Human-readable name").req().upd(),
            opt("dpid")
                .help("Datapath ID: hex, optional 0x, up to 16 digits")
                .req(),
            opt("node_id")
                .help("Node id of the vna managing the bridge")
                .req(),
            opt("enable_ovs_learn_action")
                .help("Let Open vSwitch learn MACs with the learn action")
                .upd()
                .flag(),
        ],
        relations: &[
            link("networks", DP_LINK),
            link("segments", DP_LINK),
            link("route_links", DP_LINK),
        ],
        actions: &[],
        columns: &["uuid", "display_name", "dpid", "node_id"],
    },
    Resource {
        name: "networks",
        about: "IPv4 networks",
        verbs: CRUD,
        fields: &[
            opt("ipv4_network")
                .help("Network address, dotted quad, e.g. 10.100.0.0")
                .req(),
            opt("ipv4_prefix").help("Prefix length, 1..32"),
            opt("mode").help("physical, virtual or internal"),
            opt("network_mode").help("Same as --mode (the original's other name)"),
            opt("segment_uuid").help("Segment (seg-...)"),
            opt("topology_uuid").help("Topology to add the object to (topo-...)"),
            opt("display_name").help("Human-readable name").upd(),
            opt("domain_name")
                .help("DNS domain handed out by DHCP")
                .upd(),
        ],
        relations: &[],
        actions: &[],
        columns: &[
            "uuid",
            "display_name",
            "ipv4_network",
            "ipv4_prefix",
            // The row's column (`network_mode` is only a request parameter).
            "mode",
        ],
    },
    Resource {
        name: "segments",
        about: "Layer-2 segments",
        verbs: NO_MODIFY,
        fields: &[
            opt("mode").help("virtual or physical").req(),
            opt("topology_uuid").help("Topology to add the object to (topo-...)"),
        ],
        relations: &[],
        actions: &[],
        columns: &["uuid", "mode"],
    },
    Resource {
        name: "interfaces",
        about: "Virtual, simulated and host interfaces",
        verbs: CRUD,
        fields: &[
            opt("mode").help("vif, host, simulated, internal, patch, promiscuous or remote"),
            opt("owner_datapath_uuid").help("Datapath the interface sits on (dp-...)"),
            opt("network_uuid").help("Network of the interface's IPv4 lease (nw-...)"),
            opt("segment_uuid").help("Segment (seg-...); must match the network's"),
            opt("mac_address").help("MAC address, e.g. 10:54:ff:00:00:01"),
            opt("mac_range_group_uuid").help("MAC range group to allocate the MAC from (mrg-...)"),
            opt("ipv4_address").help("IPv4 address in --network-uuid's subnet"),
            opt("port_name").help("Open vSwitch port name"),
            opt("display_name").help("Human-readable name").upd(),
            opt("enable_routing")
                .help("Route IPv4 traffic through this object (true/false)")
                .upd()
                .flag(),
            opt("enable_route_translation")
                .help("Translate addresses of routed packets (true/false)")
                .upd()
                .flag(),
            opt("enable_filtering")
                .help("Apply the interface's filters (true/false)")
                .upd()
                .flag(),
        ],
        relations: &[
            by_fields(
                "ports",
                &[
                    opt("datapath_uuid").help("Datapath (dp-...)"),
                    opt("port_name").help("Open vSwitch port name"),
                    opt("singular")
                        .help("Only one port per datapath (true/false)")
                        .flag(),
                ],
            ),
            flag_rel("networks", IF_STATIC),
            flag_rel("segments", IF_STATIC),
            flag_rel("route_links", IF_STATIC),
            link("security_groups", &[]),
        ],
        actions: &[],
        columns: &[
            "uuid",
            "mode",
            "mac_address",
            "ipv4_address",
            "network_uuid",
        ],
    },
    Resource {
        name: "mac_leases",
        about: "MAC addresses leased to interfaces",
        verbs: CRUD,
        fields: &[
            opt("interface_uuid")
                .help("Interface holding the lease (if-...)")
                .req()
                .upd(),
            opt("mac_address")
                .help("MAC address, e.g. 10:54:ff:00:00:01")
                .req(),
            opt("segment_uuid").help("Segment (seg-...)"),
        ],
        relations: &[],
        actions: &[],
        columns: &["uuid", "interface_uuid", "mac_address"],
    },
    Resource {
        name: "ip_leases",
        about: "IPv4 addresses leased in a network",
        verbs: CRUD,
        fields: &[
            opt("network_uuid")
                .help("Network of the address (nw-...)")
                .req(),
            opt("ipv4_address")
                .help("IPv4 address in the network's subnet")
                .req(),
            opt("interface_uuid").help("Interface to attach the lease to (if-...)"),
            opt("mac_lease_uuid").help("MAC lease to attach the lease to (ml-...)"),
            opt("enable_routing")
                .help("Route IPv4 traffic through this object (true/false)")
                .upd()
                .flag(),
        ],
        relations: &[],
        actions: &[
            Action {
                name: "attach",
                method: Method::Put,
                fields: &[
                    opt("interface_uuid").help("Interface to attach the lease to (if-...)"),
                    opt("mac_lease_uuid").help("MAC lease to attach the lease to (ml-...)"),
                ],
            },
            Action {
                name: "release",
                method: Method::Put,
                fields: &[],
            },
        ],
        columns: &["uuid", "network_uuid", "ipv4_address", "interface_uuid"],
    },
    Resource {
        name: "mac_range_groups",
        about: "Pools of MAC addresses",
        verbs: CRUD,
        fields: &[opt("allocation_type")
            .help("incremental, decremental or random")
            .upd()],
        relations: &[child(
            "mac_ranges",
            &[
                opt("uuid").help("UUID of the range (generated if omitted)"),
                opt("begin_mac_address").help("First MAC of the range"),
                opt("end_mac_address").help("Last MAC of the range"),
            ],
        )],
        actions: &[],
        columns: &["uuid", "allocation_type"],
    },
    Resource {
        name: "ip_range_groups",
        about: "Pools of IPv4 addresses",
        verbs: CRUD,
        fields: &[opt("allocation_type")
            .help("incremental (default), decremental or random")
            .upd()],
        relations: &[child(
            "ip_ranges",
            &[
                opt("begin_ipv4_address").help("First address of the range"),
                opt("end_ipv4_address").help("Last address of the range"),
            ],
        )],
        actions: &[],
        columns: &["uuid", "allocation_type"],
    },
    Resource {
        name: "route_links",
        about: "Links between routers",
        verbs: NO_MODIFY,
        fields: &[
            opt("mac_address").help("MAC of the route link (generated if omitted)"),
            opt("topology_uuid").help("Topology to add the object to (topo-...)"),
        ],
        relations: &[],
        actions: &[],
        columns: &["uuid", "mac_address"],
    },
    Resource {
        name: "routes",
        about: "Routes from a network to a route link",
        verbs: NO_MODIFY,
        fields: &[
            opt("interface_uuid")
                .help("Router interface of the route (if-...)")
                .req(),
            opt("network_uuid")
                .help("Network the route belongs to (nw-...)")
                .req(),
            opt("route_link_uuid")
                .help("Route link carrying the traffic (rl-...)")
                .req(),
            opt("ipv4_network")
                .help("Destination network address, dotted quad")
                .req(),
            opt("ipv4_prefix").help("Destination prefix length, 0..32"),
            opt("ingress")
                .help("Use the route for incoming traffic (true/false)")
                .flag(),
            opt("egress")
                .help("Use the route for outgoing traffic (true/false)")
                .flag(),
        ],
        relations: &[],
        actions: &[],
        columns: &[
            "uuid",
            "interface_uuid",
            "route_link_uuid",
            "ipv4_network",
            "ipv4_prefix",
        ],
    },
    Resource {
        name: "network_services",
        about: "DHCP, DNS and router services on an interface",
        verbs: CRUD,
        fields: &[
            opt("mode").help("dhcp, dns or router").req(),
            opt("type").help("Deprecated name of --mode"),
            opt("interface_uuid").help("Simulated interface providing the service (if-...)"),
            opt("incoming_port").help("Port the service listens on"),
            opt("outgoing_port").help("Port the service answers from"),
            opt("display_name").help("Human-readable name").upd(),
        ],
        relations: &[],
        actions: &[],
        columns: &["uuid", "mode", "interface_uuid", "display_name"],
    },
    Resource {
        name: "dns_services",
        about: "DNS answered by a network service",
        verbs: CRUD,
        fields: &[
            opt("network_service_uuid")
                .help("DNS network service (ns-...)")
                .req(),
            opt("public_dns")
                .help("Upstream DNS servers, comma-separated")
                .upd(),
        ],
        relations: &[child(
            "dns_records",
            &[
                opt("uuid").help("UUID of the record"),
                opt("name").help("Host name of the record"),
                opt("ipv4_address").help("Address the name resolves to"),
            ],
        )],
        actions: &[],
        columns: &["uuid", "network_service_uuid", "public_dns"],
    },
    Resource {
        name: "filters",
        about: "Per-interface packet filters",
        verbs: CRUD,
        fields: &[
            opt("interface_uuid")
                .help("Interface the filter applies to (if-...)")
                .req(),
            opt("mode").help("static").req(),
            opt("ingress_passthrough")
                .help("Pass incoming traffic no rule matches (true/false)")
                .upd()
                .flag(),
            opt("egress_passthrough")
                .help("Pass outgoing traffic no rule matches (true/false)")
                .upd()
                .flag(),
        ],
        relations: &[by_fields(
            "static",
            &[
                opt("protocol").help("tcp, udp, icmp, arp or ip"),
                opt("action").help("pass, drop or conn"),
                opt("src_address").help("Source CIDR, e.g. 10.0.0.0/24"),
                opt("dst_address").help("Destination CIDR"),
                opt("src_port").help("Source port (tcp and udp)"),
                opt("dst_port").help("Destination port (tcp and udp)"),
            ],
        )],
        actions: &[],
        columns: &["uuid", "interface_uuid", "mode"],
    },
    Resource {
        name: "translations",
        about: "Address translation (NAT) on an interface",
        verbs: NO_MODIFY,
        fields: &[
            opt("interface_uuid")
                .help("Interface doing the translation (if-...)")
                .req(),
            opt("mode").help("static_address").req(),
            opt("passthrough")
                .help("Pass traffic no rule matches (true/false)")
                .flag(),
        ],
        relations: &[by_fields(
            "static_address",
            &[
                opt("ingress_ipv4_address").help("Address as seen inside"),
                opt("egress_ipv4_address").help("Address as seen outside"),
                opt("ingress_port_number").help("Port inside"),
                opt("egress_port_number").help("Port outside"),
                opt("route_link_uuid").help("Route link of the rule (rl-...)"),
                opt("ingress_network_uuid").help("Inside network (only echoed back)"),
                opt("egress_network_uuid").help("Outside network (only echoed back)"),
            ],
        )],
        actions: &[],
        columns: &["uuid", "interface_uuid", "mode"],
    },
    Resource {
        name: "topologies",
        about: "Overlay and underlay topologies",
        verbs: CRUD,
        fields: &[opt("mode").help("simple_overlay or simple_underlay")],
        relations: &[
            link(
                "datapaths",
                &[
                    opt("interface_uuid")
                        .help("Host interface of the datapath in the topology (if-...)")
                        .req(),
                    opt("ip_lease_uuid").help("IPv4 lease of that interface (il-...)"),
                ],
            ),
            link("underlays", &[]),
            link("mac_range_groups", &[]),
            link("networks", &[]),
            link("segments", &[]),
            link("route_links", &[]),
        ],
        actions: &[],
        columns: &["uuid", "mode"],
    },
    Resource {
        name: "lease_policies",
        about: "How addresses are leased to interfaces",
        verbs: CRUD,
        fields: &[
            opt("mode").help("simple"),
            opt("timing").help("immediate or dhcp").upd(),
        ],
        relations: &[
            link(
                "networks",
                &[opt("ip_range_group_uuid")
                    .help("IP range group to lease from (iprg-...)")
                    .req()],
            ),
            link("ip_lease_containers", &[]),
            link("ip_retention_containers", &[]),
            link("interfaces", &[opt("label").help("Label of the lease")]),
        ],
        actions: &[],
        columns: &["uuid", "mode", "timing"],
    },
    Resource {
        name: "ip_lease_containers",
        about: "Named sets of IP leases",
        verbs: CRUD,
        fields: &[],
        relations: &[],
        actions: &[Action {
            name: "ip_leases",
            method: Method::Get,
            fields: &[],
        }],
        columns: &["uuid"],
    },
    Resource {
        name: "ip_retention_containers",
        about: "Sets of retained IP addresses",
        verbs: CRUD,
        fields: &[
            opt("lease_time").help("Lease time in seconds"),
            opt("grace_time").help("Grace time in seconds after a lease expires"),
        ],
        relations: &[],
        actions: &[Action {
            name: "ip_retentions",
            method: Method::Get,
            fields: &[],
        }],
        columns: &["uuid", "lease_time", "grace_time"],
    },
    Resource {
        name: "security_groups",
        about: "Security groups (rules applied to interfaces)",
        verbs: CRUD,
        fields: &[
            opt("display_name").help("Human-readable name").req().upd(),
            opt("rules")
                .help("Rules, one per line: protocol:port:source (e.g. tcp:22:0.0.0.0/0)")
                .upd(),
            opt("description").help("Free-text description").upd(),
        ],
        relations: &[link("interfaces", &[])],
        actions: &[],
        columns: &["uuid", "display_name", "description"],
    },
];

/// The resource named `name`, in either spelling (`network_services` or `network-services`).
pub fn resource(name: &str) -> Option<&'static Resource> {
    let name = name.replace('-', "_");
    RESOURCES.iter().find(|r| r.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_snake_case() {
        let mut seen = HashSet::new();
        for r in RESOURCES {
            assert!(seen.insert(r.name), "duplicate resource {}", r.name);
            let mut sub = HashSet::new();
            for name in r
                .relations
                .iter()
                .map(|x| x.name)
                .chain(r.actions.iter().map(|a| a.name))
            {
                assert!(sub.insert(name), "{} has two subcommands {name}", r.name);
                assert!(!["add", "show", "modify", "del"].contains(&name));
            }
            for f in r
                .fields
                .iter()
                .chain(r.relations.iter().flat_map(|x| x.fields))
            {
                assert!(
                    !f.name.contains('-'),
                    "{} option {} must be snake_case",
                    r.name,
                    f.name
                );
            }
        }
    }

    #[test]
    fn every_option_has_help() {
        for r in RESOURCES {
            let fields = r
                .fields
                .iter()
                .chain(r.relations.iter().flat_map(|x| x.fields))
                .chain(r.actions.iter().flat_map(|a| a.fields));
            for f in fields {
                assert!(!f.help.is_empty(), "{} --{} has no help", r.name, f.name);
                assert!(
                    !f.help.ends_with('.'),
                    "{} --{}: no final period",
                    r.name,
                    f.name
                );
            }
        }
    }

    #[test]
    fn lookup_accepts_both_spellings() {
        assert_eq!(
            resource("network-services").map(|r| r.name),
            Some("network_services")
        );
        assert_eq!(
            resource("network_services").map(|r| r.name),
            Some("network_services")
        );
        assert!(resource("nope").is_none());
    }
}
