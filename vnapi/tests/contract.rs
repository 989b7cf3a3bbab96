//! The contract of every route, over real HTTP against a real vnmgr (SQLite, in this process),
//! driven by vnapi's own route table so that a route cannot be added without being checked.
//!
//! 1. **Happy paths.** A scenario builds a small world through the API, using every `POST`
//!    and `PUT` route; then every `GET` route is called on it; at the end every `DELETE`
//!    route tears it down. Each answer is checked for the shape its route promises (a row
//!    with an id and the uuid of its kind and the values given, a page, `[uuid]`).
//! 2. **Documented errors, for every route** (reference §3.1), from the requests the happy
//!    paths made: an unknown parameter (110), a missing required parameter (111), a bad value
//!    of each parameter (110, or 101 for uuids), a malformed path uuid (101), an unknown path
//!    uuid (100), a method the path does not serve (405), no token when one is set (401),
//!    vnmgr down (503); and where the route's operation has one: a duplicate uuid (102), an
//!    existing relation (112), a restricted delete (113), a delete of what is already gone
//!    (100 for rows named by uuid, 114 for rows named by value).
//!
//! The test fails if any route of the table has no happy path or misses an error check.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::oneshot;
use vnapi::routes::{Action, Method, ParamType, PathRole, Route, route_table};

/// A vnmgr server running in this process.
struct Vnmgr {
    rpc: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _dir: TempDir,
}

impl Vnmgr {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = vnmgr::Config {
            database_url: format!("sqlite://{}/vnmgr.db?mode=rwc", dir.path().display()),
            rpc_endpoint: "tcp://127.0.0.1:0".to_owned(),
            event_endpoint: "tcp://127.0.0.1:0".to_owned(),
            datapath_mac_group: Some("mrg-dpg".parse().unwrap()),
            ..vnmgr::Config::default()
        };
        let server = vnmgr::Server::bind(&config).await.unwrap();
        let rpc = server.rpc_endpoint().to_owned();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        Self {
            rpc,
            stop: Some(stop),
            task,
            _dir: dir,
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), &mut self.task).await;
    }
}

/// vnapi on an ephemeral port, and a client of it.
#[derive(Clone)]
struct Api {
    base: String,
    token: Option<String>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Api {
    async fn start(rpc: &str, token: Option<&str>, timeout: Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = vnapi::AppState {
            vnmgr: proto::RpcClient::new(rpc, timeout),
            token: token.map(Into::into),
        };
        tokio::spawn(vnapi::serve(listener, state, std::future::pending()));
        Self {
            base: format!("http://{addr}"),
            token: token.map(str::to_owned),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Sends `method path?params` (parameters in the query string, as vnctl sends them).
    async fn send(&self, method: &str, path: &str, params: &[(String, String)]) -> (u16, Value) {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        // A huge value goes as a form body (a URI is at most 64 KiB); vnapi reads both.
        let (uri, body) = if query.is_empty() {
            (format!("{}/api/1.0{path}", self.base), String::new())
        } else if query.len() > 8 << 10 {
            (format!("{}/api/1.0{path}", self.base), query)
        } else {
            (
                format!("{}/api/1.0{path}?{query}", self.base),
                String::new(),
            )
        };
        let mut request = hyper::Request::builder().method(method).uri(uri);
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if !body.is_empty() {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        let response = self
            .client
            .request(request.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }
}

/// Whether concrete `path` fits route pattern `pattern` (`/networks/{uuid}`).
fn fits(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let q: Vec<&str> = path.split('/').collect();
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(p, q)| (p.starts_with('{') && p.ends_with('}')) || p == q)
}

fn route_of(method: &str, path: &str) -> &'static Route {
    route_table()
        .iter()
        .find(|r| r.method.openapi_name().eq_ignore_ascii_case(method) && fits(&r.path, path))
        .unwrap_or_else(|| panic!("no route for {method} {path}"))
}

fn http_method(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
    }
}

/// The key of a route in the coverage sets.
fn key(route: &Route) -> String {
    format!("{} {}", http_method(route.method), route.path)
}

/// One successful request the scenario made: what the error checks start from.
#[derive(Clone, Debug)]
struct Happy {
    method: &'static str,
    path: String,
    params: Vec<(String, String)>,
}

/// The scenario's state: the API, what was called, what was checked.
struct Contract {
    api: Api,
    /// The first happy request of each route, by [`key`].
    happy: BTreeMap<String, Happy>,
    /// `(route key, error check)` pairs done.
    errors: BTreeSet<(String, &'static str)>,
}

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Whether a response field holds the value a parameter gave (compared as text: query
/// values are text, responses typed; a CIDR parameter's address part is the field).
fn same_value(field: &Value, given: &str) -> bool {
    if field.as_str() == Some(given) {
        return true;
    }
    let given = given.split('/').next().unwrap_or(given);
    match field {
        Value::String(s) => s.eq_ignore_ascii_case(given),
        Value::Bool(b) => {
            given == if *b { "true" } else { "false" } || given == if *b { "1" } else { "0" }
        }
        Value::Number(n) => n.to_string() == given,
        _ => false,
    }
}

/// Checks `body` is the shape `route` promises for a request with `params` to `path`.
fn check_shape(route: &Route, path: &str, params: &[(String, String)], body: &Value) {
    let at = format!("{} {path}: {body}", http_method(route.method));
    if route.action.answers_a_page() {
        let total = body["total_count"].as_u64().expect(&at);
        let limit = body["limit"].as_u64().expect(&at);
        let offset = body["offset"].as_u64().expect(&at);
        let items = body["items"].as_array().expect(&at);
        assert!(items.len() as u64 <= limit, "{at}");
        assert!(items.len() as u64 <= total.saturating_sub(offset), "{at}");
        for item in items {
            assert!(item["id"].is_i64(), "{at}");
            if let Some(kind) = route.table.resource_kind() {
                let uuid = item["uuid"].as_str().expect(&at);
                assert!(uuid.starts_with(&format!("{}-", kind.prefix())), "{at}");
            }
        }
        return;
    }
    match route.action {
        Action::Delete => {
            let last = path.rsplit('/').next().unwrap();
            assert_eq!(body, &Value::from(vec![last]), "{at}");
        }
        Action::Unrelate => {
            let keys = body.as_array().expect(&at);
            assert!(!keys.is_empty(), "{at}");
            assert!(keys.iter().all(Value::is_string), "{at}");
        }
        _ => {
            assert!(body["id"].is_i64(), "{at}");
            for name in ["created_at", "updated_at"] {
                assert!(body.get(name).is_some(), "{name} in {at}");
            }
            if let Some(kind) = route.table.resource_kind() {
                let uuid = body["uuid"].as_str().expect(&at);
                assert!(uuid.starts_with(&format!("{}-", kind.prefix())), "{at}");
            }
            for (name, value) in params {
                if let Some(field) = body.get(name) {
                    assert!(same_value(field, value), "{name}={value} in {at}");
                }
            }
            // The association's sides, as uuids.
            for p in &route.path_params {
                if let PathRole::Parent { fk } | PathRole::Other { fk } = p.role
                    && let Some(stem) = fk.strip_suffix("_id")
                    && let Some(uuid) = body.get(format!("{stem}_uuid"))
                {
                    let segment = path_value(route, path, p.name);
                    assert_eq!(uuid.as_str(), Some(segment.as_str()), "{at}");
                }
            }
        }
    }
}

/// The value of path parameter `name` in concrete `path`.
fn path_value(route: &Route, path: &str, name: &str) -> String {
    route
        .path
        .split('/')
        .zip(path.split('/'))
        .find(|(p, _)| *p == format!("{{{name}}}"))
        .map(|(_, v)| v.to_owned())
        .unwrap()
}

/// `path` with path parameter `name` replaced by `value`.
fn with_path_value(route: &Route, path: &str, name: &str, value: &str) -> String {
    route
        .path
        .split('/')
        .zip(path.split('/'))
        .map(|(p, v)| {
            if p == format!("{{{name}}}") {
                value.to_owned()
            } else {
                v.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn assert_error(got: &(u16, Value), status: u16, code: &str, what: &str) {
    assert_eq!(got.0, status, "{what}: {}", got.1);
    assert_eq!(got.1["code"], code, "{what}: {}", got.1);
    assert!(
        got.1["error"].is_string() && got.1["message"].is_string(),
        "{what}: {}",
        got.1
    );
}

impl Contract {
    /// A request that must succeed: its shape is checked and it becomes the route's happy
    /// path if it is the first.
    async fn ok(&mut self, method: &'static str, path: &str, params: &[(&str, &str)]) -> Value {
        let params = owned(params);
        let route = route_of(method, path);
        let (status, body) = self.api.send(method, path, &params).await;
        assert_eq!(status, 200, "{method} {path} {params:?}: {body}");
        check_shape(route, path, &params, &body);
        self.happy.entry(key(route)).or_insert(Happy {
            method,
            path: path.to_owned(),
            params,
        });
        body
    }

    /// A request that must fail with `status` and `code`.
    async fn fails(
        &mut self,
        check: &'static str,
        method: &'static str,
        path: &str,
        params: &[(String, String)],
        (status, code): (u16, &str),
    ) {
        let got = self.api.send(method, path, params).await;
        let what = format!("{check}: {method} {path} {params:?}");
        assert_error(&got, status, code, &what);
        self.errors.insert((key(route_of(method, path)), check));
    }

    /// The error checks every route gets, from its happy request.
    async fn generic_errors(&mut self, happy: &Happy) {
        let route = route_of(happy.method, &happy.path);
        let (m, path) = (happy.method, happy.path.as_str());

        // An unknown parameter.
        let mut params = happy.params.clone();
        params.push(("no_such_parameter".into(), "1".into()));
        self.fails("unknown parameter", m, path, &params, (400, "110"))
            .await;

        // Each required parameter left out.
        for p in route.accepted().filter(|p| p.required) {
            let params: Vec<(String, String)> = happy
                .params
                .iter()
                .filter(|(k, _)| k != p.name)
                .cloned()
                .collect();
            self.fails("missing parameter", m, path, &params, (400, "111"))
                .await;
        }

        // A bad value of each parameter.
        for p in route.accepted() {
            let (bad, code) = match p.ty {
                ParamType::Uuid(_) => ("not a uuid".to_owned(), "101"),
                ParamType::Text => ("x".repeat(vnapi::params::MAX_TEXT_LEN + 1), "110"),
                ParamType::Int { .. } => ("twelve".to_owned(), "110"),
                ParamType::Bool => ("maybe".to_owned(), "110"),
                ParamType::Ipv4 => ("10.0.0.256".to_owned(), "110"),
                ParamType::Mac => ("52:54:00:zz:00:01".to_owned(), "110"),
                ParamType::Dpid => ("0xnothex".to_owned(), "110"),
                ParamType::Enum(_) => ("no_such_value".to_owned(), "110"),
                ParamType::Cidr { .. } => ("10.0.0.0/33".to_owned(), "110"),
            };
            let mut params: Vec<(String, String)> = happy
                .params
                .iter()
                .filter(|(k, _)| k != p.name)
                .cloned()
                .collect();
            params.push((p.name.to_owned(), bad));
            self.fails("bad value", m, path, &params, (400, code)).await;
        }

        // Each path uuid malformed, then well-formed but unknown.
        for p in &route.path_params {
            let bad = with_path_value(route, path, p.name, "zz-1");
            self.fails("malformed path uuid", m, &bad, &happy.params, (400, "101"))
                .await;
            let unknown = format!("{}-nosuch", p.kind.prefix());
            let unknown = with_path_value(route, path, p.name, &unknown);
            self.fails(
                "unknown path uuid",
                m,
                &unknown,
                &happy.params,
                (404, "100"),
            )
            .await;
        }

        // Methods the path is not served with.
        for other in [Method::Get, Method::Post, Method::Put, Method::Delete] {
            let served = route_table()
                .iter()
                .any(|r| r.method == other && r.path == route.path);
            if !served {
                let got = self.api.send(http_method(other), path, &[]).await;
                assert_error(&got, 405, "405", &format!("{other:?} {path}"));
                self.errors.insert((key(route), "wrong method"));
            }
        }
        if [Method::Get, Method::Post, Method::Put, Method::Delete]
            .iter()
            .all(|m| {
                route_table()
                    .iter()
                    .any(|r| r.method == *m && r.path == route.path)
            })
        {
            self.errors.insert((key(route), "wrong method"));
        }
    }
}

/// Every uuid-named row the scenario creates is named after its kind: the fixture for
/// lists and shows.
fn fixture(kind: model::ResourceKind) -> &'static str {
    use model::ResourceKind as K;
    match kind {
        K::Datapath => "dp-1",
        K::Network => "nw-1",
        K::Segment => "seg-1",
        K::Interface => "if-1",
        K::RouteLink => "rl-1",
        K::Route => "r-1",
        K::NetworkService => "ns-1",
        K::DnsService => "dnss-1",
        K::DnsRecord => "dnsr-1",
        K::Filter => "fil-1",
        K::IpLease => "il-2",
        K::IpLeaseContainer => "ilc-1",
        K::IpRange => "ipr-1",
        K::IpRangeGroup => "iprg-1",
        K::IpRetentionContainer => "irc-1",
        K::LeasePolicy => "lp-1",
        K::MacLease => "ml-2",
        K::MacRange => "mr-1",
        K::MacRangeGroup => "mrg-dpg",
        K::Topology => "topo-o",
        K::Translation => "tr-1",
        K::SecurityGroup => "sg-1",
        other => panic!("no fixture of kind {other:?}"),
    }
}

/// Builds the world with every `POST` and `PUT` route.
async fn build_world(c: &mut Contract) {
    c.ok(
        "POST",
        "/mac_range_groups",
        &[("uuid", "mrg-dpg"), ("allocation_type", "random")],
    )
    .await;
    c.ok(
        "POST",
        "/mac_range_groups/mrg-dpg/mac_ranges",
        &[
            ("uuid", "mr-1"),
            ("begin_mac_address", "52:56:01:00:00:00"),
            ("end_mac_address", "52:56:01:ff:ff:ff"),
        ],
    )
    .await;
    for (uuid, dpid, node) in [
        ("dp-1", "0x0000000000000001", "vna1"),
        ("dp-2", "0x0000000000000002", "vna2"),
    ] {
        c.ok(
            "POST",
            "/datapaths",
            &[
                ("uuid", uuid),
                ("display_name", uuid),
                ("dpid", dpid),
                ("node_id", node),
                ("enable_ovs_learn_action", "true"),
            ],
        )
        .await;
    }
    c.ok(
        "POST",
        "/segments",
        &[("uuid", "seg-1"), ("mode", "virtual")],
    )
    .await;
    for (uuid, mode) in [
        ("topo-o", "simple_overlay"),
        ("topo-u", "simple_underlay"),
        ("topo-2", "simple_overlay"),
    ] {
        c.ok("POST", "/topologies", &[("uuid", uuid), ("mode", mode)])
            .await;
    }
    c.ok(
        "POST",
        "/segments",
        &[
            ("uuid", "seg-2"),
            ("mode", "virtual"),
            ("topology_uuid", "topo-2"),
        ],
    )
    .await;
    c.ok(
        "POST",
        "/networks",
        &[
            ("uuid", "nw-1"),
            ("ipv4_network", "10.1.0.0"),
            ("ipv4_prefix", "24"),
            ("display_name", "one"),
            ("domain_name", "one.test"),
            ("mode", "virtual"),
            ("segment_uuid", "seg-1"),
        ],
    )
    .await;
    c.ok(
        "POST",
        "/networks",
        &[
            ("uuid", "nw-2"),
            ("ipv4_network", "10.2.0.0"),
            ("network_mode", "virtual"),
            ("topology_uuid", "topo-2"),
        ],
    )
    .await;
    let members = c.ok("GET", "/topologies/topo-2/networks", &[]).await;
    assert_eq!(members["total_count"], 1, "{members}");

    for (uuid, mode, dp, mac, ip, port) in [
        (
            "if-1",
            "vif",
            "dp-1",
            "10:54:ff:00:00:01",
            "10.1.0.10",
            Some("inst1"),
        ),
        (
            "if-host",
            "host",
            "dp-1",
            "02:00:00:00:0a:01",
            "10.1.0.2",
            Some("eth0"),
        ),
        (
            "if-host2",
            "host",
            "dp-2",
            "02:00:00:00:0a:02",
            "10.1.0.3",
            Some("eth0"),
        ),
        (
            "if-sim",
            "simulated",
            "dp-1",
            "02:00:00:00:0b:01",
            "10.1.0.5",
            None,
        ),
    ] {
        let mut params = vec![
            ("uuid", uuid),
            ("mode", mode),
            ("owner_datapath_uuid", dp),
            ("network_uuid", "nw-1"),
            ("mac_address", mac),
            ("ipv4_address", ip),
            ("display_name", uuid),
            ("enable_routing", "false"),
            ("enable_route_translation", "false"),
            ("enable_filtering", "false"),
            ("enable_legacy_filtering", "false"),
            ("segment_uuid", "seg-1"),
        ];
        if let Some(port) = port {
            params.push(("port_name", port));
        }
        let interface = c.ok("POST", "/interfaces", &params).await;
        assert_eq!(interface["mac_address"], mac, "{interface}");
        assert_eq!(interface["ipv4_address"], ip, "{interface}");
        assert_eq!(interface["network_uuid"], "nw-1", "{interface}");
    }
    // A MAC drawn from a group.
    let drawn = c
        .ok(
            "POST",
            "/interfaces",
            &[
                ("uuid", "if-drawn"),
                ("mode", "vif"),
                ("mac_range_group_uuid", "mrg-dpg"),
            ],
        )
        .await;
    assert!(
        drawn["mac_address"]
            .as_str()
            .unwrap()
            .starts_with("52:56:01:"),
        "{drawn}"
    );

    c.ok(
        "POST",
        "/route_links",
        &[("uuid", "rl-1"), ("mac_address", "02:00:10:ff:00:01")],
    )
    .await;
    c.ok(
        "POST",
        "/route_links",
        &[("uuid", "rl-2"), ("topology_uuid", "topo-2")],
    )
    .await;
    c.ok(
        "POST",
        "/datapaths/dp-1/networks/nw-1",
        &[
            ("interface_uuid", "if-host"),
            ("mac_address", "02:00:00:aa:00:01"),
        ],
    )
    .await;
    c.ok(
        "POST",
        "/datapaths/dp-1/segments/seg-1",
        &[("interface_uuid", "if-host")],
    )
    .await;
    c.ok(
        "POST",
        "/datapaths/dp-1/route_links/rl-1",
        &[
            ("interface_uuid", "if-host"),
            ("mac_address", "02:00:00:aa:00:03"),
        ],
    )
    .await;

    c.ok(
        "POST",
        "/mac_leases",
        &[
            ("uuid", "ml-2"),
            ("interface_uuid", "if-1"),
            ("mac_address", "02:00:00:00:00:99"),
            ("segment_uuid", "seg-1"),
        ],
    )
    .await;
    c.ok("PUT", "/mac_leases/ml-2", &[("interface_uuid", "if-1")])
        .await;
    let lease = c
        .ok(
            "POST",
            "/ip_leases",
            &[
                ("uuid", "il-2"),
                ("network_uuid", "nw-1"),
                ("ipv4_address", "10.1.0.99"),
                ("mac_lease_uuid", "ml-2"),
                ("interface_uuid", "if-1"),
                ("enable_routing", "true"),
            ],
        )
        .await;
    assert_eq!(lease["network_uuid"], "nw-1", "{lease}");
    // A lease on a MAC lease is on its interface; another interface is refused.
    c.fails(
        "mac lease of another interface",
        "POST",
        "/ip_leases",
        &owned(&[
            ("network_uuid", "nw-1"),
            ("ipv4_address", "10.1.0.98"),
            ("mac_lease_uuid", "ml-2"),
            ("interface_uuid", "if-sim"),
        ]),
        (400, "110"),
    )
    .await;
    let on_mac = c
        .ok(
            "POST",
            "/ip_leases",
            &[
                ("network_uuid", "nw-1"),
                ("ipv4_address", "10.1.0.98"),
                ("mac_lease_uuid", "ml-2"),
            ],
        )
        .await;
    assert_eq!(on_mac["interface_uuid"], "if-1", "{on_mac}");
    c.ok("PUT", "/ip_leases/il-2/release", &[]).await;
    c.ok(
        "PUT",
        "/ip_leases/il-2/attach",
        &[("interface_uuid", "if-1"), ("mac_lease_uuid", "ml-2")],
    )
    .await;
    c.ok(
        "PUT",
        "/ip_leases/il-2",
        &[("enable_routing", "false"), ("interface_uuid", "if-1")],
    )
    .await;

    c.ok(
        "POST",
        "/routes",
        &[
            ("uuid", "r-1"),
            ("interface_uuid", "if-1"),
            ("network_uuid", "nw-1"),
            ("route_link_uuid", "rl-1"),
            ("ipv4_network", "10.1.0.0"),
            ("ipv4_prefix", "24"),
            ("mode", "gateway"),
            ("ingress", "true"),
            ("egress", "true"),
        ],
    )
    .await;
    c.ok(
        "POST",
        "/network_services",
        &[
            ("uuid", "ns-1"),
            ("mode", "dns"),
            ("interface_uuid", "if-sim"),
            ("incoming_port", "53"),
            ("outgoing_port", "53"),
            ("display_name", "dns"),
        ],
    )
    .await;
    c.ok(
        "POST",
        "/network_services",
        &[
            ("uuid", "ns-2"),
            ("type", "dhcp"),
            ("interface_uuid", "if-sim"),
        ],
    )
    .await;
    c.ok("PUT", "/network_services/ns-2", &[("display_name", "dhcp")])
        .await;
    c.ok(
        "POST",
        "/dns_services",
        &[
            ("uuid", "dnss-1"),
            ("network_service_uuid", "ns-1"),
            ("public_dns", "192.0.2.53"),
        ],
    )
    .await;
    c.ok(
        "PUT",
        "/dns_services/dnss-1",
        &[("public_dns", "192.0.2.54")],
    )
    .await;
    c.ok(
        "POST",
        "/dns_services/dnss-1/dns_records",
        &[
            ("uuid", "dnsr-1"),
            ("name", "host1"),
            ("ipv4_address", "10.1.0.10"),
            ("ttl", "60"),
        ],
    )
    .await;
    c.ok(
        "POST",
        "/filters",
        &[
            ("uuid", "fil-1"),
            ("interface_uuid", "if-1"),
            ("mode", "static"),
            ("ingress_passthrough", "true"),
            ("egress_passthrough", "false"),
        ],
    )
    .await;
    c.ok(
        "PUT",
        "/filters/fil-1",
        &[
            ("ingress_passthrough", "false"),
            ("egress_passthrough", "true"),
        ],
    )
    .await;
    let rule = c
        .ok(
            "POST",
            "/filters/fil-1/static",
            &[
                ("protocol", "tcp"),
                ("action", "pass"),
                ("src_address", "10.0.0.0/24"),
                ("dst_address", "10.1.0.10"),
                ("src_port", "0"),
                ("dst_port", "22"),
            ],
        )
        .await;
    assert_eq!(
        (&rule["src_prefix"], &rule["dst_prefix"], &rule["dst_port"]),
        (&Value::from(24), &Value::from(32), &Value::from(22)),
        "{rule}"
    );
    c.ok(
        "POST",
        "/translations",
        &[
            ("uuid", "tr-1"),
            ("interface_uuid", "if-1"),
            ("mode", "static_address"),
            ("passthrough", "false"),
        ],
    )
    .await;
    let address = c
        .ok(
            "POST",
            "/translations/tr-1/static_address",
            &[
                ("ingress_ipv4_address", "10.1.0.10"),
                ("egress_ipv4_address", "192.0.2.10"),
                ("ingress_port_number", "80"),
                ("egress_port_number", "8080"),
                ("route_link_uuid", "rl-1"),
                ("ingress_network_uuid", "nw-1"),
                ("egress_network_uuid", "nw-2"),
            ],
        )
        .await;
    assert_eq!(address["ingress_network_uuid"], "nw-1", "{address}");
    c.ok(
        "POST",
        "/interfaces/if-drawn/ports",
        &[
            ("datapath_uuid", "dp-2"),
            ("port_name", "drawn"),
            ("singular", "true"),
        ],
    )
    .await;
    c.ok(
        "PUT",
        "/interfaces/if-1/networks/nw-2",
        &[("static", "true")],
    )
    .await;
    c.ok(
        "PUT",
        "/interfaces/if-1/networks/nw-2",
        &[("static", "false")],
    )
    .await;
    c.ok(
        "PUT",
        "/interfaces/if-1/segments/seg-1",
        &[("static", "true")],
    )
    .await;
    c.ok(
        "PUT",
        "/interfaces/if-1/route_links/rl-1",
        &[("static", "true")],
    )
    .await;
    c.ok(
        "PUT",
        "/interfaces/if-1",
        &[
            ("display_name", "renamed"),
            ("enable_routing", "true"),
            ("enable_route_translation", "true"),
            ("enable_filtering", "true"),
            ("enable_legacy_filtering", "false"),
        ],
    )
    .await;
    for (uuid, name) in [("sg-1", "web"), ("sg-2", "db")] {
        c.ok(
            "POST",
            "/security_groups",
            &[
                ("uuid", uuid),
                ("display_name", name),
                ("rules", "tcp:22:0.0.0.0/0"),
                ("description", "contract"),
            ],
        )
        .await;
    }
    c.ok(
        "PUT",
        "/security_groups/sg-1",
        &[
            ("display_name", "web2"),
            ("rules", "tcp:80:0.0.0.0/0"),
            ("description", "changed"),
        ],
    )
    .await;
    c.ok("POST", "/interfaces/if-1/security_groups/sg-1", &[])
        .await;
    c.ok("POST", "/security_groups/sg-2/interfaces/if-sim", &[])
        .await;

    c.ok(
        "POST",
        "/ip_range_groups",
        &[("uuid", "iprg-1"), ("allocation_type", "incremental")],
    )
    .await;
    c.ok(
        "PUT",
        "/ip_range_groups/iprg-1",
        &[("allocation_type", "decremental")],
    )
    .await;
    c.ok(
        "POST",
        "/ip_range_groups/iprg-1/ip_ranges",
        &[
            ("uuid", "ipr-1"),
            ("begin_ipv4_address", "10.1.0.100"),
            ("end_ipv4_address", "10.1.0.200"),
        ],
    )
    .await;
    c.ok(
        "PUT",
        "/mac_range_groups/mrg-dpg",
        &[("allocation_type", "random")],
    )
    .await;
    c.ok(
        "POST",
        "/lease_policies",
        &[
            ("uuid", "lp-1"),
            ("mode", "simple"),
            ("timing", "immediate"),
        ],
    )
    .await;
    c.ok("PUT", "/lease_policies/lp-1", &[("timing", "immediate")])
        .await;
    c.ok(
        "POST",
        "/lease_policies/lp-1/networks/nw-1",
        &[("ip_range_group_uuid", "iprg-1")],
    )
    .await;
    c.ok("POST", "/ip_lease_containers", &[("uuid", "ilc-1")])
        .await;
    c.ok("PUT", "/ip_lease_containers/ilc-1", &[]).await;
    c.ok(
        "POST",
        "/ip_retention_containers",
        &[
            ("uuid", "irc-1"),
            ("lease_time", "3600"),
            ("grace_time", "600"),
        ],
    )
    .await;
    c.ok("PUT", "/ip_retention_containers/irc-1", &[]).await;
    c.ok(
        "POST",
        "/lease_policies/lp-1/ip_lease_containers/ilc-1",
        &[("label", "a")],
    )
    .await;
    c.ok(
        "POST",
        "/lease_policies/lp-1/ip_retention_containers/irc-1",
        &[],
    )
    .await;
    // Relating an interface to the policy allocates it a lease at once; so does the
    // ip_leases route.
    c.ok(
        "POST",
        "/lease_policies/lp-1/interfaces/if-1",
        &[("label", "x")],
    )
    .await;
    let allocated = c
        .ok(
            "POST",
            "/lease_policies/lp-1/ip_leases",
            &[("interface_uuid", "if-1")],
        )
        .await;
    assert_eq!(allocated["interface_uuid"], "if-1", "{allocated}");
    let contained = c
        .ok("GET", "/ip_lease_containers/ilc-1/ip_leases", &[])
        .await;
    assert_eq!(contained["total_count"], 2, "{contained}");
    let retained = c
        .ok("GET", "/ip_retention_containers/irc-1/ip_retentions", &[])
        .await;
    assert_eq!(retained["total_count"], 2, "{retained}");

    // Topologies.
    c.ok("PUT", "/topologies/topo-o", &[]).await;
    c.ok(
        "POST",
        "/topologies/topo-u/datapaths/dp-2",
        &[("interface_uuid", "if-host2")],
    )
    .await;
    c.ok("POST", "/topologies/topo-u/mac_range_groups/mrg-dpg", &[])
        .await;
    c.ok("POST", "/topologies/topo-o/networks/nw-1", &[]).await;
    c.ok("POST", "/topologies/topo-o/segments/seg-1", &[]).await;
    c.ok("POST", "/topologies/topo-o/route_links/rl-1", &[])
        .await;
    c.ok("POST", "/topologies/topo-o/underlays/topo-u", &[])
        .await;
    c.ok(
        "PUT",
        "/datapaths/dp-2",
        &[
            ("display_name", "two"),
            ("enable_ovs_learn_action", "false"),
        ],
    )
    .await;
    c.ok(
        "PUT",
        "/networks/nw-2",
        &[("display_name", "two"), ("domain_name", "two.test")],
    )
    .await;
}

/// Every `GET` route on the world: lists of each table and each owner, shows of each kind.
async fn read_world(c: &mut Contract) {
    let gets: Vec<&Route> = route_table()
        .iter()
        .filter(|r| r.method == Method::Get)
        .collect();
    for route in gets {
        let path = route
            .path_params
            .iter()
            .fold(route.path.clone(), |path, p| {
                path.replace(&format!("{{{}}}", p.name), fixture(p.kind))
            });
        let body = c.ok("GET", &path, &[]).await;
        if route.action.answers_a_page() && route.path_params.is_empty() {
            // Every table has rows by now; paging works on each.
            let total = body["total_count"].as_u64().unwrap();
            assert!(total > 0, "GET {path}: {body}");
            let page = c.ok("GET", &path, &[("limit", "1"), ("offset", "1")]).await;
            assert_eq!(page["limit"], 1, "{page}");
            assert_eq!(page["offset"], 1, "{page}");
            assert_eq!(
                page["items"].as_array().unwrap().len() as u64,
                total.min(2) - 1,
                "{page}"
            );
        }
    }
    // List items carry the extras of reference §3.3 as shows do.
    for (path, field, value) in [
        ("/routes", "interface_uuid", "if-1"),
        ("/mac_leases?limit=100", "mac_address", "02:00:00:00:00:99"),
        ("/ip_leases?limit=100", "ipv4_address", "10.1.0.99"),
        ("/route_links", "mac_address", "02:00:10:ff:00:01"),
        ("/filters/fil-1/static", "dst_port", "22"),
    ] {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let params: Vec<(&str, &str)> = query.split_once('=').into_iter().collect();
        let page = c.ok("GET", path, &params).await;
        let items = page["items"].as_array().unwrap();
        assert!(
            items.iter().any(|i| same_value(&i[field], value)),
            "{field}={value} in GET {path}: {page}"
        );
    }
    // The interface, as the original showed it (reference §3.3).
    let interface = c.ok("GET", "/interfaces/if-1", &[]).await;
    let mac_leases = interface["mac_leases"].as_array().unwrap();
    assert_eq!(mac_leases.len(), 2, "{interface}");
    assert_eq!(interface["mac_address"], "10:54:ff:00:00:01", "{interface}");
    assert_eq!(interface["ipv4_address"], "10.1.0.10", "{interface}");
    assert_eq!(mac_leases[1]["ip_leases"][0]["uuid"], "il-2", "{interface}");
    assert_eq!(
        mac_leases[1]["ip_leases"][0]["mac_lease_uuid"], "ml-2",
        "{interface}"
    );
}

/// A delete: the path, its parameters, the code of repeating it.
type DeleteCase = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

/// Every `DELETE` route, in an order the relations allow, each then repeated (gone: 100, or
/// 114 for rows named by value).
async fn tear_down(c: &mut Contract) {
    // A restricted delete first: the range group is the lease policy's.
    c.fails(
        "restricted delete",
        "DELETE",
        "/ip_range_groups/iprg-1",
        &[],
        (400, "113"),
    )
    .await;
    let deletes: &[DeleteCase] = &[
        ("/topologies/topo-o/underlays/topo-u", &[], "114"),
        ("/topologies/topo-o/route_links/rl-1", &[], "114"),
        ("/topologies/topo-o/segments/seg-1", &[], "114"),
        ("/topologies/topo-o/networks/nw-1", &[], "114"),
        ("/topologies/topo-u/mac_range_groups/mrg-dpg", &[], "114"),
        ("/topologies/topo-u/datapaths/dp-2", &[], "114"),
        ("/lease_policies/lp-1/interfaces/if-1", &[], "114"),
        (
            "/lease_policies/lp-1/ip_retention_containers/irc-1",
            &[],
            "114",
        ),
        ("/lease_policies/lp-1/ip_lease_containers/ilc-1", &[], "114"),
        ("/lease_policies/lp-1/networks/nw-1", &[], "114"),
        ("/lease_policies/lp-1", &[], "100"),
        ("/ip_range_groups/iprg-1/ip_ranges/ipr-1", &[], "100"),
        ("/ip_range_groups/iprg-1", &[], "100"),
        ("/ip_retention_containers/irc-1", &[], "100"),
        ("/ip_lease_containers/ilc-1", &[], "100"),
        ("/security_groups/sg-2/interfaces/if-sim", &[], "114"),
        ("/interfaces/if-1/security_groups/sg-1", &[], "114"),
        ("/security_groups/sg-1", &[], "100"),
        (
            "/translations/tr-1/static_address",
            &[("ingress_ipv4_address", "10.1.0.10")],
            "114",
        ),
        ("/translations/tr-1", &[], "100"),
        (
            "/filters/fil-1/static",
            &[("protocol", "tcp"), ("dst_port", "22")],
            "114",
        ),
        ("/filters/fil-1", &[], "100"),
        ("/dns_services/dnss-1/dns_records/dnsr-1", &[], "100"),
        ("/dns_services/dnss-1", &[], "100"),
        ("/network_services/ns-2", &[], "100"),
        ("/routes/r-1", &[], "100"),
        ("/datapaths/dp-1/route_links/rl-1", &[], "114"),
        ("/datapaths/dp-1/segments/seg-1", &[], "114"),
        ("/datapaths/dp-1/networks/nw-1", &[], "114"),
        (
            "/interfaces/if-drawn/ports",
            &[("port_name", "drawn")],
            "114",
        ),
        ("/ip_leases/il-2", &[], "100"),
        ("/mac_leases/ml-2", &[], "100"),
        ("/route_links/rl-2", &[], "100"),
        ("/interfaces/if-drawn", &[], "100"),
        ("/networks/nw-2", &[], "100"),
        ("/segments/seg-2", &[], "100"),
        ("/topologies/topo-2", &[], "100"),
        ("/mac_range_groups/mrg-dpg/mac_ranges/mr-1", &[], "100"),
    ];
    for (path, params, gone) in deletes {
        c.ok("DELETE", path, params).await;
        c.fails(
            "already deleted",
            "DELETE",
            path,
            &owned(params),
            (404, gone),
        )
        .await;
    }
    // The rest of the world, each owner with what cascades from it; then nothing is left.
    for path in [
        "/network_services/ns-1",
        "/interfaces/if-1",
        "/topologies/topo-o",
        "/datapaths/dp-1",
        "/route_links/rl-1",
        "/networks/nw-1",
        "/segments/seg-1",
        "/mac_range_groups/mrg-dpg",
        "/interfaces/if-host",
        "/interfaces/if-host2",
        "/interfaces/if-sim",
        "/datapaths/dp-2",
        "/security_groups/sg-2",
        "/topologies/topo-u",
    ] {
        c.ok("DELETE", path, &[]).await;
        c.fails("already deleted", "DELETE", path, &[], (404, "100"))
            .await;
    }
    for route in route_table()
        .iter()
        .filter(|r| r.action == Action::List && r.path_params.is_empty())
    {
        let left = c.api.send("GET", &route.path, &[]).await;
        assert_eq!(left.1["total_count"], 0, "{}: {}", route.path, left.1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_keeps_its_contract() {
    let vnmgr = Vnmgr::start().await;
    let api = Api::start(&vnmgr.rpc, None, Duration::from_secs(10)).await;
    let mut c = Contract {
        api,
        happy: BTreeMap::new(),
        errors: BTreeSet::new(),
    };
    build_world(&mut c).await;
    read_world(&mut c).await;

    // Duplicates and existing relations, from the happy requests.
    let happy: Vec<Happy> = c.happy.values().cloned().collect();
    for h in &happy {
        let route = route_of(h.method, &h.path);
        match route.action {
            Action::Create | Action::CreateInterface
                if h.params.iter().any(|(k, _)| k == "uuid") =>
            {
                c.fails("duplicate", h.method, &h.path, &h.params, (400, "102"))
                    .await;
            }
            Action::Relate => {
                c.fails("duplicate", h.method, &h.path, &h.params, (400, "112"))
                    .await;
            }
            _ => {}
        }
    }
    for h in &happy {
        c.generic_errors(h).await;
    }

    // Token and vnmgr-down checks on the happy requests, before the world goes away.
    let guarded = Api::start(&vnmgr.rpc, Some("s3cret"), Duration::from_secs(10)).await;
    let anonymous = Api {
        token: None,
        ..guarded.clone()
    };
    let dead = Api::start("tcp://127.0.0.1:1", None, Duration::from_millis(300)).await;
    for h in &happy {
        let got = anonymous.send(h.method, &h.path, &h.params).await;
        assert_error(&got, 401, "401", &format!("{} {}", h.method, h.path));
        c.errors
            .insert((key(route_of(h.method, &h.path)), "no token"));
    }
    let down = futures_join(
        happy
            .iter()
            .map(|h| {
                let dead = dead.clone();
                let h = h.clone();
                async move { (h.clone(), dead.send(h.method, &h.path, &h.params).await) }
            })
            .collect(),
    )
    .await;
    for (h, got) in down {
        assert_error(&got, 503, "503", &format!("{} {}", h.method, h.path));
        c.errors
            .insert((key(route_of(h.method, &h.path)), "vnmgr down"));
    }

    tear_down(&mut c).await;
    let deletes: Vec<Happy> = c
        .happy
        .values()
        .filter(|h| h.method == "DELETE")
        .cloned()
        .collect();
    for h in &deletes {
        c.generic_errors(h).await;
        let got = anonymous.send(h.method, &h.path, &h.params).await;
        assert_error(&got, 401, "401", &format!("{} {}", h.method, h.path));
        c.errors
            .insert((key(route_of(h.method, &h.path)), "no token"));
    }
    let down = futures_join(
        deletes
            .iter()
            .map(|h| {
                let dead = dead.clone();
                let h = h.clone();
                async move { (h.clone(), dead.send(h.method, &h.path, &h.params).await) }
            })
            .collect(),
    )
    .await;
    for (h, got) in down {
        assert_error(&got, 503, "503", &format!("{} {}", h.method, h.path));
        c.errors
            .insert((key(route_of(h.method, &h.path)), "vnmgr down"));
    }

    // Coverage: every route had a happy path and every check that applies to it.
    let mut missing = Vec::new();
    for route in route_table() {
        let k = key(route);
        if !c.happy.contains_key(&k) {
            missing.push(format!("{k}: no happy path"));
            continue;
        }
        let mut checks = vec![
            "unknown parameter",
            "wrong method",
            "no token",
            "vnmgr down",
        ];
        if route.accepted().any(|p| p.required) {
            checks.push("missing parameter");
        }
        if route.accepted().next().is_some() {
            checks.push("bad value");
        }
        if !route.path_params.is_empty() {
            checks.extend(["malformed path uuid", "unknown path uuid"]);
        }
        if matches!(route.action, Action::Relate) {
            checks.push("duplicate");
        }
        if matches!(route.action, Action::Create | Action::CreateInterface)
            && route.accepted().any(|p| p.name == "uuid")
        {
            checks.push("duplicate");
        }
        if matches!(route.action, Action::Delete | Action::Unrelate) {
            checks.push("already deleted");
        }
        for check in checks {
            if !c.errors.contains(&(k.clone(), check)) {
                missing.push(format!("{k}: no {check} check"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    vnmgr.stop().await;
}

/// Runs the futures concurrently and collects their outputs in order.
async fn futures_join<F: std::future::Future + Send + 'static>(futures: Vec<F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

/// `.json` and `.yml` path suffixes choose the response format; YAML bodies are parameters
/// as JSON bodies are (reference §3.1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suffixes_choose_the_format_and_yaml_bodies_are_read() {
    let vnmgr = Vnmgr::start().await;
    let api = Api::start(&vnmgr.rpc, None, Duration::from_secs(10)).await;
    let raw = |method: &str, path: &str, content_type: Option<&str>, body: &str| {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", api.base));
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let request = request
            .body(Full::new(Bytes::from(body.to_owned())))
            .unwrap();
        let client = api.client.clone();
        async move {
            let response = client.request(request).await.unwrap();
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                content_type,
                String::from_utf8(bytes.to_vec()).unwrap(),
            )
        }
    };

    let (status, _, body) = raw(
        "POST",
        "/api/1.0/networks.yml",
        Some("application/yaml"),
        "uuid: nw-y\nipv4_network: 10.9.0.0\nipv4_prefix: 16\ndisplay_name: from yaml\n",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("uuid: nw-y\n"), "{body}");
    assert!(body.contains("ipv4_prefix: 16\n"), "{body}");

    let (status, content_type, body) = raw("GET", "/api/1.0/networks/nw-y.yml", None, "").await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/yaml"), "{content_type}");
    assert!(body.contains("display_name: from yaml\n"), "{body}");
    let (status, content_type, body) = raw("GET", "/api/networks.json?limit=1", None, "").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["items"][0]["uuid"], "nw-y", "{page}");

    // Errors come in the asked format too; a YAML body that is not a mapping is 110.
    let (status, _, body) = raw("GET", "/api/1.0/networks/nw-nosuch.yml", None, "").await;
    assert_eq!(status, 404);
    assert!(
        body.contains("code: '100'") || body.contains("code: \"100\""),
        "{body}"
    );
    let (status, _, body) = raw("POST", "/api/1.0/networks", Some("text/yaml"), "- a\n- b\n").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"code\":\"110\""), "{body}");
    let (status, _, body) = raw("POST", "/api/1.0/networks", Some("text/yaml"), "a: [").await;
    assert_eq!(status, 400, "{body}");

    // The OpenAPI document, both ways.
    let (status, _, body) = raw("GET", "/api/1.0/openapi.json", None, "").await;
    assert_eq!(status, 200);
    assert!(body.starts_with('{'), "{}", &body[..40]);
    let (status, _, body) = raw("GET", "/api/1.0/openapi.yml", None, "").await;
    assert_eq!(status, 200);
    assert!(body.contains("openapi: 3.0.3"), "{}", &body[..200]);
    vnmgr.stop().await;
}
