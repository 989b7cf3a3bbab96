//! The route table: every route vnapi serves, as data.
//!
//! Each [`Route`] says which HTTP method and path it answers, which table and which vnmgr
//! operation ([`Action`]) it maps to, what its path parameters mean ([`PathParam`]) and which
//! parameters it accepts ([`Param`], with the original's names, types and required-ness).
//! Both the axum router ([`crate::server::router`]) and the OpenAPI document
//! ([`crate::openapi::document`]) are generated from [`route_table`], so the two cannot drift.
//!
//! Most routes come from the resource declarations in [`crate::resources`]: a [`Resource`]
//! expands into the standard CRUD routes it has, a [`Child`] into the `POST`/`GET`/`DELETE`
//! routes of a sub-resource owned by its parent (e.g. `/mac_range_groups/{uuid}/mac_ranges`).
//! Routes that fit neither shape can be pushed onto the table as they are.

use std::sync::LazyLock;

use model::{ResourceKind, Table};

use crate::resources::{CHILDREN, LISTINGS, OWNED, RELATIONS, RESOURCES, SERVICES};

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    /// The method's name in lower case, as OpenAPI writes it.
    pub fn openapi_name(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
            Self::Put => "put",
            Self::Delete => "delete",
        }
    }

    /// Whether the original read the parameters of this method from a body too (it always
    /// read the query string as well).
    pub fn has_body(self) -> bool {
        matches!(self, Self::Post | Self::Put)
    }
}

/// The vnmgr operation a route maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `Op::Create` with the parameters as the row.
    Create,
    /// `Op::List`, paged by `limit`/`offset`, filtered by the parent in the path if any.
    List,
    /// `Op::Show` of the row the path names.
    Show,
    /// `Op::Update` of the row the path names with the parameters given.
    Update,
    /// `Op::Delete` of the row the path names; answers `[uuid]`.
    Delete,
    /// `Op::Relate` of the two rows the path names (plus the parameters); answers the new
    /// association row.
    Relate,
    /// `Op::Unrelate` of the rows matching the path (and the parameters given, if any);
    /// answers `[uuid]` of the other side, or the keys of the deleted rows when the path
    /// names only the owner.
    Unrelate,
    /// Sets `static` on the association of the two rows the path names: updates it when it
    /// exists, relates them otherwise (the original's `PUT /interfaces/:uuid/networks/:nw`).
    SetRelation,
    /// `Op::Call` of a vnmgr service; answers the row the call is about.
    Call(Service),
    /// The composite interface create (reference §2.3): the interface with its port, MAC and
    /// IP leases and network association, in one vnmgr transaction.
    CreateInterface,
    /// Lists the rows of the route's table that an association table names: the page is of
    /// `through` rows matching the parent in the path, each replaced by the row its
    /// `target_fk` names (e.g. an IP lease container's IP leases).
    ListVia {
        through: Table,
        target_fk: &'static str,
    },
}

/// The vnmgr service a [`Action::Call`] route runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// `ServiceCall::AllocateLease` of the lease policy the path names.
    AllocateLease,
    /// `ServiceCall::AttachLease` of the IP lease the path names.
    AttachLease,
    /// `ServiceCall::ReleaseLease` of the IP lease the path names.
    ReleaseLease,
}

impl Action {
    /// Whether the route answers a page `{total_count, offset, limit, items}`.
    pub fn answers_a_page(self) -> bool {
        matches!(self, Self::List | Self::ListVia { .. })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::List | Self::ListVia { .. } => "list",
            Self::Show => "show",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Relate => "relate",
            Self::Unrelate => "unrelate",
            Self::SetRelation => "set",
            Self::Call(Service::AllocateLease) => "allocate",
            Self::Call(Service::AttachLease) => "attach",
            Self::Call(Service::ReleaseLease) => "release",
            Self::CreateInterface => "create",
        }
    }
}

/// What a parameter's value must look like. Values from a query string or a form are text
/// and are converted to the JSON vnmgr expects; JSON bodies may also give them typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// Any text.
    Text,
    /// An integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// `true`/`false` (also `1`/`0`).
    Bool,
    /// The uuid of a resource of this kind, `<prefix>-<suffix>`.
    Uuid(ResourceKind),
    /// A dotted-quad IPv4 address.
    Ipv4,
    /// A MAC address `aa:bb:cc:dd:ee:ff`.
    Mac,
    /// A datapath id: 1-16 hex digits, `0x` optional.
    Dpid,
    /// One of these strings (the model's own list, so the two agree).
    Enum(&'static [&'static str]),
    /// An IPv4 network `a.b.c.d/n` (or a bare address, `/32`): the address goes to the
    /// parameter's field, the prefix length to the field named here.
    Cidr { prefix_field: &'static str },
}

/// One parameter a route accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The original's name, as clients send it.
    pub name: &'static str,
    pub ty: ParamType,
    pub required: bool,
    /// The field vnmgr knows it as, when that differs from `name` (e.g. `network_mode` →
    /// `mode`). `<x>_uuid` references need none: vnmgr accepts them as they are.
    pub field: Option<&'static str>,
    /// Not sent to vnmgr: checked, then copied into the response as given (the original's
    /// `ingress_network_uuid` of a static address translation, "only echoed back").
    pub echo: bool,
}

impl Param {
    /// An optional parameter.
    pub const fn opt(name: &'static str, ty: ParamType) -> Self {
        Self {
            name,
            ty,
            required: false,
            field: None,
            echo: false,
        }
    }

    /// A required parameter.
    pub const fn req(name: &'static str, ty: ParamType) -> Self {
        Self {
            name,
            ty,
            required: true,
            field: None,
            echo: false,
        }
    }

    /// The same parameter sent to vnmgr as `field`.
    pub const fn to_field(self, field: &'static str) -> Self {
        Self {
            field: Some(field),
            ..self
        }
    }

    /// The same parameter, only echoed back (see [`Param::echo`]).
    pub const fn echoed(self) -> Self {
        Self { echo: true, ..self }
    }

    /// The name vnmgr knows the value by.
    pub fn field_name(&self) -> &'static str {
        self.field.unwrap_or(self.name)
    }
}

/// The parameters every list route accepts.
pub const PAGINATION: &[Param] = &[
    Param::opt(
        "limit",
        ParamType::Int {
            min: 0,
            max: MAX_PAGE_SIZE,
        },
    ),
    Param::opt(
        "offset",
        ParamType::Int {
            min: 0,
            max: i64::MAX,
        },
    ),
];

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: i64 = 10_000;

/// What a `{name}` segment of a route's path stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRole {
    /// The uuid of the row the route acts on.
    Target,
    /// The uuid of the owning row: its id is the row's `fk` (set on create, filtered on list,
    /// checked on delete).
    Parent { fk: &'static str },
    /// The uuid of the other side of an association: its id is the association row's `fk`.
    Other { fk: &'static str },
}

/// A `{name}` segment of a route's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathParam {
    pub name: &'static str,
    pub kind: ResourceKind,
    pub role: PathRole,
}

/// One route: the unit both the router and the OpenAPI document are built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    /// Below the API root (`/api/1.0` or `/api`), axum syntax: `/networks/{uuid}`.
    pub path: String,
    pub table: Table,
    pub action: Action,
    pub path_params: Vec<PathParam>,
    /// Query, form or JSON body parameters (lists also take [`PAGINATION`]).
    pub params: Vec<Param>,
    pub summary: String,
}

impl Route {
    /// Every parameter the route accepts besides its path parameters.
    pub fn accepted(&self) -> impl Iterator<Item = &Param> {
        let paging = if self.action.answers_a_page() {
            PAGINATION
        } else {
            &[]
        };
        self.params.iter().chain(paging)
    }

    /// A stable, unique OpenAPI `operationId`, e.g. `networks_show`.
    pub fn operation_id(&self) -> String {
        let stem: Vec<&str> = self
            .path
            .split('/')
            .filter(|s| !s.is_empty() && !s.starts_with('{'))
            .collect();
        format!("{}_{}", stem.join("_"), self.action.name())
    }
}

/// A top-level resource with (some of) the standard CRUD routes.
#[derive(Debug)]
pub struct Resource {
    /// The path segment and the table name (they are the same in the original).
    pub table: Table,
    pub kind: ResourceKind,
    /// Which of the CRUD routes exist (reference §3.2 "CRUD").
    pub actions: &'static [Action],
    /// `POST` parameters.
    pub create: &'static [Param],
    /// `PUT` parameters (what vnmgr lets change).
    pub update: &'static [Param],
}

/// A sub-resource owned by a parent row, e.g. the MAC ranges of a MAC range group:
/// `POST` and `GET /<parent>/{uuid}/<child>` (the original named the `POST` segment
/// `:<parent>_uuid`; one name per position is what the router allows, and it does not show),
/// `DELETE /<parent>/{uuid}/<child>/{<child_param>}`.
#[derive(Debug)]
pub struct Child {
    pub parent: ResourceKind,
    pub child: ResourceKind,
    /// The child's column holding the parent's id.
    pub fk: &'static str,
    /// The path parameter naming the child on `DELETE`.
    pub child_param: &'static str,
    pub create: &'static [Param],
}

/// An association between two resources, the original's
/// `POST /<base>/{uuid}/<segment>/{<other_param>}` (relate), `GET /<base>/{uuid}/<segment>`
/// (list the association rows) and `DELETE /<base>/{uuid}/<segment>/{<other_param>}`
/// (unrelate; answers `[<other uuid>]`); or, for `set_static`, `PUT …/{<other_param>}`
/// with `static` instead of `POST`/`DELETE`.
#[derive(Debug)]
pub struct Relation {
    pub base: ResourceKind,
    /// The association table, e.g. `datapath_networks`.
    pub table: Table,
    pub base_fk: &'static str,
    pub other: ResourceKind,
    pub other_fk: &'static str,
    /// The path segment after the base uuid, e.g. `networks`.
    pub segment: &'static str,
    /// The path parameter naming the other side, e.g. `network_uuid`.
    pub other_param: &'static str,
    /// `POST` parameters besides the two sides.
    pub create: &'static [Param],
    /// `PUT …{other} static=true|false` (interfaces' networks, segments and route links)
    /// rather than `POST` and `DELETE`.
    pub set_static: bool,
}

/// Rows without uuids owned by a parent and deleted by their values, e.g. an interface's
/// ports: `POST /<parent>/{uuid}/<segment>`, `GET` the same path, and `DELETE` the same path
/// removing every row that matches the parameters given (answers the deleted rows' keys). A
/// `DELETE` takes the same parameters as the `POST`, all optional: each one given narrows the
/// match.
#[derive(Debug)]
pub struct Owned {
    pub parent: ResourceKind,
    pub table: Table,
    pub fk: &'static str,
    pub segment: &'static str,
    pub create: &'static [Param],
}

/// A read-only list of the rows belonging to one row, `GET /<parent>/{uuid}/<segment>`:
/// rows of `table` whose `fk` is the parent's id, or, with `via`, the rows of `table` an
/// association table names.
#[derive(Debug)]
pub struct Listing {
    pub parent: ResourceKind,
    pub segment: &'static str,
    pub table: Table,
    /// The column holding the parent's id (of `via`'s table when there is one).
    pub fk: &'static str,
    pub via: Option<Via>,
}

/// The association table a [`Listing`] goes through.
#[derive(Debug)]
pub struct Via {
    pub table: Table,
    /// Its column naming the listed row.
    pub target_fk: &'static str,
}

/// A route running a vnmgr service on the row its path names.
#[derive(Debug)]
pub struct ServiceRoute {
    pub method: Method,
    /// The resource the `{uuid}` names.
    pub target: ResourceKind,
    /// The table of the row the call answers with (the allocated lease, for a lease
    /// policy's allocation).
    pub answers: Table,
    /// The path segment after `{uuid}`.
    pub segment: &'static str,
    pub service: Service,
    pub params: &'static [Param],
    pub summary: &'static str,
}

/// The uuid parameter every create accepts (a client may choose its uuid).
fn uuid_param(kind: ResourceKind) -> Param {
    Param::opt("uuid", ParamType::Uuid(kind))
}

fn crud_routes(r: &Resource, out: &mut Vec<Route>) {
    let name = r.table.as_str();
    let target = vec![PathParam {
        name: "uuid",
        kind: r.kind,
        role: PathRole::Target,
    }];
    for &action in r.actions {
        let (method, path, path_params, params, summary) = match action {
            Action::Create => {
                let mut params = vec![uuid_param(r.kind)];
                params.extend_from_slice(r.create);
                (
                    Method::Post,
                    format!("/{name}"),
                    vec![],
                    params,
                    format!("Create one of {name}"),
                )
            }
            Action::List => (
                Method::Get,
                format!("/{name}"),
                vec![],
                vec![],
                format!("List {name}"),
            ),
            Action::Show => (
                Method::Get,
                format!("/{name}/{{uuid}}"),
                target.clone(),
                vec![],
                format!("Show one of {name}"),
            ),
            Action::Update => (
                Method::Put,
                format!("/{name}/{{uuid}}"),
                target.clone(),
                r.update.to_vec(),
                format!("Update one of {name}"),
            ),
            Action::Delete => (
                Method::Delete,
                format!("/{name}/{{uuid}}"),
                target.clone(),
                vec![],
                format!("Delete one of {name}"),
            ),
            // Not CRUD: declared by the other shapes.
            Action::Relate
            | Action::Unrelate
            | Action::SetRelation
            | Action::Call(_)
            | Action::CreateInterface
            | Action::ListVia { .. } => continue,
        };
        // The original's interface create writes the interface's port, leases and
        // associations too (reference §2.3): one vnmgr service call.
        let action = if action == Action::Create && r.table == Table::Interfaces {
            Action::CreateInterface
        } else {
            action
        };
        out.push(Route {
            method,
            path,
            table: r.table,
            action,
            path_params,
            params,
            summary,
        });
    }
}

fn child_routes(c: &Child, out: &mut Vec<Route>) {
    let parent = c.parent.table().as_str();
    let child = c.child.table().as_str();
    let owner = |name| PathParam {
        name,
        kind: c.parent,
        role: PathRole::Parent { fk: c.fk },
    };
    let mut create = vec![uuid_param(c.child)];
    create.extend_from_slice(c.create);
    out.push(Route {
        method: Method::Post,
        path: format!("/{parent}/{{uuid}}/{child}"),
        table: c.child.table(),
        action: Action::Create,
        path_params: vec![owner("uuid")],
        params: create,
        summary: format!("Add one of {child} to one of {parent}"),
    });
    out.push(Route {
        method: Method::Get,
        path: format!("/{parent}/{{uuid}}/{child}"),
        table: c.child.table(),
        action: Action::List,
        path_params: vec![owner("uuid")],
        params: vec![],
        summary: format!("List the {child} of one of {parent}"),
    });
    out.push(Route {
        method: Method::Delete,
        path: format!("/{parent}/{{uuid}}/{child}/{{{}}}", c.child_param),
        table: c.child.table(),
        action: Action::Delete,
        path_params: vec![
            owner("uuid"),
            PathParam {
                name: c.child_param,
                kind: c.child,
                role: PathRole::Target,
            },
        ],
        params: vec![],
        summary: format!("Delete one of {child} of one of {parent}"),
    });
}

fn relation_routes(r: &Relation, out: &mut Vec<Route>) {
    let base = r.base.table().as_str();
    let seg = r.segment;
    let owner = PathParam {
        name: "uuid",
        kind: r.base,
        role: PathRole::Parent { fk: r.base_fk },
    };
    let other = PathParam {
        name: r.other_param,
        kind: r.other,
        role: PathRole::Other { fk: r.other_fk },
    };
    let one = format!("/{base}/{{uuid}}/{seg}/{{{}}}", r.other_param);
    let table = r.table.as_str();
    if r.set_static {
        out.push(Route {
            method: Method::Put,
            path: one,
            table: r.table,
            action: Action::SetRelation,
            path_params: vec![owner, other],
            params: vec![Param::req("static", ParamType::Bool)],
            summary: format!("Set whether the {table} row is static, creating it if missing"),
        });
    } else {
        out.push(Route {
            method: Method::Post,
            path: one.clone(),
            table: r.table,
            action: Action::Relate,
            path_params: vec![owner, other],
            params: r.create.to_vec(),
            summary: format!("Relate one of {seg} to one of {base} ({table})"),
        });
        out.push(Route {
            method: Method::Delete,
            path: one,
            table: r.table,
            action: Action::Unrelate,
            path_params: vec![owner, other],
            params: vec![],
            summary: format!("Unrelate one of {seg} from one of {base} ({table})"),
        });
    }
    out.push(Route {
        method: Method::Get,
        path: format!("/{base}/{{uuid}}/{seg}"),
        table: r.table,
        action: Action::List,
        path_params: vec![owner],
        params: vec![],
        summary: format!("List the {table} rows of one of {base}"),
    });
}

fn owned_routes(o: &Owned, out: &mut Vec<Route>) {
    let parent = o.parent.table().as_str();
    let path = format!("/{parent}/{{uuid}}/{}", o.segment);
    let owner = vec![PathParam {
        name: "uuid",
        kind: o.parent,
        role: PathRole::Parent { fk: o.fk },
    }];
    let table = o.table.as_str();
    let narrowing: Vec<Param> = o
        .create
        .iter()
        .map(|p| Param {
            required: false,
            ..*p
        })
        .collect();
    for (method, action, params, summary) in [
        (
            Method::Post,
            Action::Create,
            o.create,
            format!("Add a {table} row to one of {parent}"),
        ),
        (
            Method::Get,
            Action::List,
            &[][..],
            format!("List the {table} rows of one of {parent}"),
        ),
        (
            Method::Delete,
            Action::Unrelate,
            &narrowing[..],
            format!("Delete the {table} rows of one of {parent} matching the parameters"),
        ),
    ] {
        out.push(Route {
            method,
            path: path.clone(),
            table: o.table,
            action,
            path_params: owner.clone(),
            params: params.to_vec(),
            summary,
        });
    }
}

fn listing_route(l: &Listing, out: &mut Vec<Route>) {
    let parent = l.parent.table().as_str();
    let action = match &l.via {
        Some(via) => Action::ListVia {
            through: via.table,
            target_fk: via.target_fk,
        },
        None => Action::List,
    };
    out.push(Route {
        method: Method::Get,
        path: format!("/{parent}/{{uuid}}/{}", l.segment),
        table: l.table,
        action,
        path_params: vec![PathParam {
            name: "uuid",
            kind: l.parent,
            role: PathRole::Parent { fk: l.fk },
        }],
        params: vec![],
        summary: format!("List the {} of one of {parent}", l.table.as_str()),
    });
}

fn service_route(s: &ServiceRoute, out: &mut Vec<Route>) {
    out.push(Route {
        method: s.method,
        path: format!("/{}/{{uuid}}/{}", s.target.table().as_str(), s.segment),
        table: s.answers,
        action: Action::Call(s.service),
        path_params: vec![PathParam {
            name: "uuid",
            kind: s.target,
            role: PathRole::Target,
        }],
        params: s.params.to_vec(),
        summary: s.summary.to_owned(),
    });
}

/// Every route vnapi serves below the API root, in declaration order.
pub fn route_table() -> &'static [Route] {
    static TABLE: LazyLock<Vec<Route>> = LazyLock::new(|| {
        let mut routes = Vec::new();
        for resource in RESOURCES {
            crud_routes(resource, &mut routes);
        }
        for child in CHILDREN {
            child_routes(child, &mut routes);
        }
        for relation in RELATIONS {
            relation_routes(relation, &mut routes);
        }
        for owned in OWNED {
            owned_routes(owned, &mut routes);
        }
        for service in SERVICES {
            service_route(service, &mut routes);
        }
        for listing in LISTINGS {
            listing_route(listing, &mut routes);
        }
        routes
    });
    &TABLE
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn owned_rows_are_deleted_by_any_of_their_create_parameters() {
        for o in OWNED {
            let path = format!("/{}/{{uuid}}/{}", o.parent.table().as_str(), o.segment);
            let route = |m: Method| {
                route_table()
                    .iter()
                    .find(|r| r.method == m && r.path == path)
                    .unwrap_or_else(|| panic!("no {m:?} {path}"))
            };
            let (post, delete) = (route(Method::Post), route(Method::Delete));
            let names = |r: &Route| r.params.iter().map(|p| p.name).collect::<Vec<_>>();
            assert_eq!(names(post), names(delete), "{path}");
            assert!(delete.params.iter().all(|p| !p.required), "{path}");
        }
    }

    #[test]
    fn routes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        let mut ids = HashSet::new();
        for route in route_table() {
            assert!(
                seen.insert((route.method, route.path.clone())),
                "duplicate route {:?} {}",
                route.method,
                route.path
            );
            assert!(ids.insert(route.operation_id()), "{}", route.operation_id());
            for p in &route.path_params {
                assert!(route.path.contains(&format!("{{{}}}", p.name)), "{route:?}");
            }
            // A path segment and a query parameter may share a name (`uuid` of the parent
            // and of the new child): OpenAPI tells them apart by location.
            let mut names = HashSet::new();
            for p in route.accepted() {
                assert!(names.insert(p.name), "{} twice in {}", p.name, route.path);
            }
        }
    }

    #[test]
    fn the_generic_crud_resources_are_there() {
        let has = |m: Method, p: &str| route_table().iter().any(|r| r.method == m && r.path == p);
        assert!(has(Method::Post, "/networks"));
        assert!(has(Method::Put, "/datapaths/{uuid}"));
        assert!(!has(Method::Put, "/segments/{uuid}"));
        assert!(has(Method::Post, "/mac_range_groups/{uuid}/mac_ranges"));
        assert!(has(
            Method::Delete,
            "/ip_range_groups/{uuid}/ip_ranges/{ip_range_uuid}"
        ));
    }

    #[test]
    fn relation_owned_and_service_routes_are_there() {
        let action = |m: Method, p: &str| {
            route_table()
                .iter()
                .find(|r| r.method == m && r.path == p)
                .map(|r| r.action)
        };
        let dpn = "/datapaths/{uuid}/networks/{network_uuid}";
        assert_eq!(action(Method::Post, dpn), Some(Action::Relate));
        assert_eq!(action(Method::Delete, dpn), Some(Action::Unrelate));
        assert_eq!(
            action(Method::Get, "/datapaths/{uuid}/route_links"),
            Some(Action::List)
        );
        assert_eq!(
            action(Method::Put, "/interfaces/{uuid}/segments/{segment_uuid}"),
            Some(Action::SetRelation)
        );
        for seg in ["networks", "segments", "route_links"] {
            let list = route_table().iter().find(|r| {
                r.method == Method::Get && r.path == format!("/interfaces/{{uuid}}/{seg}")
            });
            // Each answers its own association table (the original answered one for all).
            assert_eq!(
                list.map(|r| r.table.as_str()),
                Some(format!("interface_{seg}").as_str())
            );
        }
        // Security group membership, both ways.
        for (base, one) in [
            (
                "/interfaces/{uuid}/security_groups",
                "/interfaces/{uuid}/security_groups/{security_group_uuid}",
            ),
            (
                "/security_groups/{uuid}/interfaces",
                "/security_groups/{uuid}/interfaces/{interface_uuid}",
            ),
        ] {
            assert_eq!(action(Method::Post, one), Some(Action::Relate));
            assert_eq!(action(Method::Delete, one), Some(Action::Unrelate));
            assert_eq!(action(Method::Get, base), Some(Action::List));
        }
        assert_eq!(
            action(Method::Delete, "/interfaces/{uuid}/ports"),
            Some(Action::Unrelate)
        );
        assert_eq!(
            action(Method::Post, "/interfaces"),
            Some(Action::CreateInterface)
        );
        assert_eq!(
            action(Method::Put, "/ip_leases/{uuid}/release"),
            Some(Action::Call(Service::ReleaseLease))
        );
        assert_eq!(
            action(Method::Post, "/lease_policies/{uuid}/ip_leases"),
            Some(Action::Call(Service::AllocateLease))
        );
    }
}
