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

use crate::resources::{CHILDREN, RESOURCES};

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
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::List => "list",
            Self::Show => "show",
            Self::Update => "update",
            Self::Delete => "delete",
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
}

impl Param {
    /// An optional parameter.
    pub const fn opt(name: &'static str, ty: ParamType) -> Self {
        Self {
            name,
            ty,
            required: false,
            field: None,
        }
    }

    /// A required parameter.
    pub const fn req(name: &'static str, ty: ParamType) -> Self {
        Self {
            name,
            ty,
            required: true,
            field: None,
        }
    }

    /// The same parameter sent to vnmgr as `field`.
    pub const fn to_field(self, field: &'static str) -> Self {
        Self {
            field: Some(field),
            ..self
        }
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
        let paging = if self.action == Action::List {
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
        routes
    });
    &TABLE
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

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
}
