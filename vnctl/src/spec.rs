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
}

/// An optional, add-only option.
pub const fn opt(name: &'static str) -> Field {
    Field {
        name,
        required: false,
        updatable: false,
        boolean: false,
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

const DP_LINK: &[Field] = &[opt("interface_uuid").req(), opt("mac_address")];
const IF_STATIC: &[Field] = &[opt("static").req()];

/// The whole command tree. Order is the order of `vnctl --help`.
pub const RESOURCES: &[Resource] = &[
    Resource {
        name: "datapaths",
        about: "Open vSwitch bridges managed by a vna",
        verbs: CRUD,
        fields: &[
            opt("display_name").req().upd(),
            opt("dpid").req(),
            opt("node_id").req(),
            opt("enable_ovs_learn_action").upd().flag(),
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
            opt("ipv4_network").req(),
            opt("ipv4_prefix"),
            opt("mode"),
            opt("network_mode"),
            opt("segment_uuid"),
            opt("topology_uuid"),
            opt("display_name").upd(),
            opt("domain_name").upd(),
        ],
        relations: &[],
        actions: &[],
        columns: &[
            "uuid",
            "display_name",
            "ipv4_network",
            "ipv4_prefix",
            "network_mode",
        ],
    },
    Resource {
        name: "segments",
        about: "Layer-2 segments",
        verbs: NO_MODIFY,
        fields: &[opt("mode").req(), opt("topology_uuid")],
        relations: &[],
        actions: &[],
        columns: &["uuid", "mode"],
    },
    Resource {
        name: "interfaces",
        about: "Virtual, simulated and host interfaces",
        verbs: CRUD,
        fields: &[
            opt("mode"),
            opt("owner_datapath_uuid"),
            opt("network_uuid"),
            opt("segment_uuid"),
            opt("mac_address"),
            opt("mac_range_group_uuid"),
            opt("ipv4_address"),
            opt("port_name"),
            opt("display_name").upd(),
            opt("enable_routing").upd().flag(),
            opt("enable_route_translation").upd().flag(),
            opt("enable_filtering").upd().flag(),
        ],
        relations: &[
            by_fields(
                "ports",
                &[
                    opt("datapath_uuid"),
                    opt("port_name"),
                    opt("singular").flag(),
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
            opt("interface_uuid").req().upd(),
            opt("mac_address").req(),
            opt("segment_uuid"),
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
            opt("network_uuid").req(),
            opt("ipv4_address").req(),
            opt("interface_uuid"),
            opt("mac_lease_uuid"),
            opt("enable_routing").upd().flag(),
        ],
        relations: &[],
        actions: &[
            Action {
                name: "attach",
                method: Method::Put,
                fields: &[opt("interface_uuid"), opt("mac_lease_uuid")],
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
        fields: &[opt("allocation_type").upd()],
        relations: &[child(
            "mac_ranges",
            &[
                opt("uuid"),
                opt("begin_mac_address"),
                opt("end_mac_address"),
            ],
        )],
        actions: &[],
        columns: &["uuid", "allocation_type"],
    },
    Resource {
        name: "ip_range_groups",
        about: "Pools of IPv4 addresses",
        verbs: CRUD,
        fields: &[opt("allocation_type").upd()],
        relations: &[child(
            "ip_ranges",
            &[opt("begin_ipv4_address"), opt("end_ipv4_address")],
        )],
        actions: &[],
        columns: &["uuid", "allocation_type"],
    },
    Resource {
        name: "route_links",
        about: "Links between routers",
        verbs: NO_MODIFY,
        fields: &[opt("mac_address"), opt("topology_uuid")],
        relations: &[],
        actions: &[],
        columns: &["uuid", "mac_address"],
    },
    Resource {
        name: "routes",
        about: "Routes from a network to a route link",
        verbs: NO_MODIFY,
        fields: &[
            opt("interface_uuid").req(),
            opt("network_uuid").req(),
            opt("route_link_uuid").req(),
            opt("ipv4_network").req(),
            opt("ipv4_prefix"),
            opt("ingress").flag(),
            opt("egress").flag(),
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
            opt("mode").req(),
            opt("type"),
            opt("interface_uuid"),
            opt("incoming_port"),
            opt("outgoing_port"),
            opt("display_name").upd(),
        ],
        relations: &[],
        actions: &[],
        columns: &["uuid", "mode", "interface_uuid", "display_name"],
    },
    Resource {
        name: "dns_services",
        about: "DNS answered by a network service",
        verbs: CRUD,
        fields: &[opt("network_service_uuid").req(), opt("public_dns").upd()],
        relations: &[child(
            "dns_records",
            &[opt("uuid"), opt("name"), opt("ipv4_address")],
        )],
        actions: &[],
        columns: &["uuid", "network_service_uuid", "public_dns"],
    },
    Resource {
        name: "filters",
        about: "Per-interface packet filters",
        verbs: CRUD,
        fields: &[
            opt("interface_uuid").req(),
            opt("mode").req(),
            opt("ingress_passthrough").upd().flag(),
            opt("egress_passthrough").upd().flag(),
        ],
        relations: &[by_fields(
            "static",
            &[
                opt("protocol"),
                opt("action"),
                opt("src_address"),
                opt("dst_address"),
                opt("src_port"),
                opt("dst_port"),
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
            opt("interface_uuid").req(),
            opt("mode").req(),
            opt("passthrough").flag(),
        ],
        relations: &[by_fields(
            "static_address",
            &[
                opt("ingress_ipv4_address"),
                opt("egress_ipv4_address"),
                opt("ingress_port_number"),
                opt("egress_port_number"),
                opt("route_link_uuid"),
                opt("ingress_network_uuid"),
                opt("egress_network_uuid"),
            ],
        )],
        actions: &[],
        columns: &["uuid", "interface_uuid", "mode"],
    },
    Resource {
        name: "topologies",
        about: "Overlay and underlay topologies",
        verbs: CRUD,
        fields: &[opt("mode")],
        relations: &[
            link(
                "datapaths",
                &[opt("interface_uuid").req(), opt("ip_lease_uuid")],
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
        fields: &[opt("mode"), opt("timing").upd()],
        relations: &[
            link("networks", &[opt("ip_range_group_uuid").req()]),
            link("ip_lease_containers", &[]),
            link("ip_retention_containers", &[]),
            link("interfaces", &[opt("label")]),
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
        fields: &[opt("lease_time"), opt("grace_time")],
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
            opt("display_name").req().upd(),
            opt("rules").upd(),
            opt("description").upd(),
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
