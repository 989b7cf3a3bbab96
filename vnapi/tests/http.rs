//! vnapi over real HTTP against a real vnmgr (in-process, on a temporary SQLite file):
//! CRUD on networks and datapaths, the documented error codes, authentication, vnmgr down,
//! and the OpenAPI document.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// A vnmgr server running in this process.
struct Vnmgr {
    rpc: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _dir: TempDir,
}

impl Vnmgr {
    async fn start_on(rpc: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = vnmgr::Config {
            database_url: format!("sqlite://{}/vnmgr.db?mode=rwc", dir.path().display()),
            rpc_endpoint: rpc.to_owned(),
            event_endpoint: "tcp://127.0.0.1:0".to_owned(),
            // The tutorial's MAC range group for datapath networks.
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

/// vnapi serving on an ephemeral port.
struct Api {
    base: String,
    token: Option<String>,
}

async fn start_api(rpc: &str, token: Option<&str>, timeout: Duration) -> Api {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = vnapi::AppState {
        vnmgr: proto::RpcClient::new(rpc, timeout),
        token: token.map(Into::into),
    };
    tokio::spawn(vnapi::serve(listener, state, std::future::pending()));
    Api {
        base: format!("http://{addr}"),
        token: token.map(str::to_owned),
    }
}

enum Body<'a> {
    None,
    Json(Value),
    Form(&'a str),
}

impl Api {
    async fn send(&self, method: &str, path: &str, body: Body<'_>) -> (u16, Value) {
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Body::None => request.body(Full::new(Bytes::new())),
            Body::Json(v) => request
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(v.to_string()))),
            Body::Form(f) => request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Full::new(Bytes::from(f.to_owned()))),
        }
        .unwrap();
        let response = client.request(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send("GET", path, Body::None).await
    }
}

fn assert_error(got: &(u16, Value), status: u16, code: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["code"], code, "{}", got.1);
    assert!(
        got.1["error"].is_string() && got.1["message"].is_string(),
        "{}",
        got.1
    );
}

const STEP: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn networks_crud_over_query_form_and_json() {
    let vnmgr = Vnmgr::start_on("tcp://127.0.0.1:0").await;
    let api = start_api(&vnmgr.rpc, None, STEP).await;

    // Create with query parameters (as vnctl sends them).
    let (status, nw) = api
        .send(
            "POST",
            "/api/1.0/networks?uuid=nw-test1&ipv4_network=10.100.0.0&ipv4_prefix=24&display_name=one&network_mode=virtual",
            Body::None,
        )
        .await;
    assert_eq!(status, 200, "{nw}");
    assert_eq!(nw["uuid"], "nw-test1");
    assert_eq!(nw["ipv4_network"], "10.100.0.0");
    assert_eq!(nw["ipv4_prefix"], 24);
    assert_eq!(nw["mode"], "virtual");

    // Form body and JSON body.
    let (status, form) = api
        .send(
            "POST",
            "/api/networks",
            Body::Form("uuid=nw-test2&ipv4_network=10.101.0.0"),
        )
        .await;
    assert_eq!(status, 200, "{form}");
    let (status, js) = api
        .send(
            "POST",
            "/api/1.0/networks",
            Body::Json(
                json!({"uuid": "nw-test3", "ipv4_network": "10.102.0.0", "ipv4_prefix": 16}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{js}");
    assert_eq!(js["ipv4_prefix"], 16);

    // Show, list (paged), update, delete.
    let (status, shown) = api.get("/api/1.0/networks/nw-test1").await;
    assert_eq!((status, &shown), (200, &nw));
    let (status, page) = api.get("/api/1.0/networks?limit=2&offset=1").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total_count"], 3);
    assert_eq!(page["offset"], 1);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let (status, updated) = api
        .send(
            "PUT",
            "/api/1.0/networks/nw-test1?display_name=renamed",
            Body::None,
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["display_name"], "renamed");
    let (status, deleted) = api
        .send("DELETE", "/api/1.0/networks/nw-test1", Body::None)
        .await;
    assert_eq!((status, deleted), (200, json!(["nw-test1"])));
    assert_error(&api.get("/api/1.0/networks/nw-test1").await, 404, "100");

    // Documented errors.
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/networks?uuid=nw-test2&ipv4_network=10.9.0.0",
            Body::None,
        )
        .await,
        400,
        "102",
    );
    assert_error(
        &api.send("POST", "/api/1.0/networks", Body::None).await,
        400,
        "111",
    );
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/networks?ipv4_network=10.9.0.1",
            Body::None,
        )
        .await,
        400,
        "110",
    );
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/networks?ipv4_network=10.9.0.0&ipv4_prefix=33",
            Body::None,
        )
        .await,
        400,
        "110",
    );
    assert_error(&api.get("/api/1.0/networks/dp-wrongkind").await, 400, "101");
    assert_error(&api.get("/api/1.0/networks/nw-BAD!").await, 400, "101");
    let unknown = api
        .send(
            "POST",
            "/api/1.0/networks?ipv4_network=10.9.0.0&colour=red",
            Body::None,
        )
        .await;
    assert_error(&unknown, 400, "110");
    assert!(
        unknown.1["message"].as_str().unwrap().contains("colour"),
        "{}",
        unknown.1
    );
    assert_error(
        &api.send(
            "PUT",
            "/api/1.0/networks/nw-test2?ipv4_network=10.1.0.0",
            Body::None,
        )
        .await,
        400,
        "110",
    );
    assert_error(
        &api.send("POST", "/api/1.0/networks", Body::Json(json!(["x"])))
            .await,
        400,
        "110",
    );
    let broken = api.send("POST", "/api/1.0/networks", Body::Form("{")).await;
    assert_error(&broken, 400, "110");
    assert_error(
        &api.send("DELETE", "/api/1.0/networks/nw-none", Body::None)
            .await,
        404,
        "100",
    );
    assert_error(&api.get("/api/1.0/nothing").await, 404, "114");
    assert_error(
        &api.send("PATCH", "/api/1.0/networks", Body::None).await,
        405,
        "405",
    );
    let huge = "a".repeat(1 << 20);
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/networks",
            Body::Json(json!({"ipv4_network": huge})),
        )
        .await,
        400,
        "110",
    );

    // Nothing above changed the database.
    let (_, page) = api.get("/api/1.0/networks").await;
    assert_eq!(page["total_count"], 2, "{page}");
    vnmgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datapaths_crud_and_errors() {
    let vnmgr = Vnmgr::start_on("tcp://127.0.0.1:0").await;
    let api = start_api(&vnmgr.rpc, None, STEP).await;

    let (status, dp) = api
        .send(
            "POST",
            "/api/1.0/datapaths?uuid=dp-test1&display_name=test1&dpid=0x0000aaaaaaaaaaaa&node_id=vna1",
            Body::None,
        )
        .await;
    assert_eq!(status, 200, "{dp}");
    assert_eq!(dp["dpid"], "0x0000aaaaaaaaaaaa");
    assert_eq!(dp["enable_ovs_learn_action"], true);
    let (status, dp2) = api
        .send(
            "POST",
            "/api/datapaths",
            Body::Json(json!({"display_name": "two", "dpid": "bb", "node_id": "vna2"})),
        )
        .await;
    assert_eq!(status, 200, "{dp2}");
    assert_eq!(dp2["dpid"], "0x00000000000000bb");
    assert!(dp2["uuid"].as_str().unwrap().starts_with("dp-"));

    let (status, shown) = api.get("/api/1.0/datapaths/dp-test1").await;
    assert_eq!((status, &shown), (200, &dp));
    let (_, page) = api.get("/api/1.0/datapaths").await;
    assert_eq!(page["total_count"], 2);
    let (status, updated) = api
        .send(
            "PUT",
            "/api/1.0/datapaths/dp-test1",
            Body::Form("display_name=renamed&enable_ovs_learn_action=false"),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["display_name"], "renamed");
    assert_eq!(updated["enable_ovs_learn_action"], false);

    assert_error(
        &api.send(
            "POST",
            "/api/1.0/datapaths?display_name=x&dpid=zz&node_id=n",
            Body::None,
        )
        .await,
        400,
        "110",
    );
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/datapaths?display_name=x&node_id=n",
            Body::None,
        )
        .await,
        400,
        "111",
    );
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/datapaths?uuid=nw-x&display_name=x&dpid=1&node_id=n",
            Body::None,
        )
        .await,
        400,
        "101",
    );
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/datapaths?uuid=dp-test1&display_name=x&dpid=1&node_id=n",
            Body::None,
        )
        .await,
        400,
        "102",
    );
    // Same dpid on the same node: a unique key.
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/datapaths?display_name=x&dpid=0xaaaaaaaaaaaa&node_id=vna1",
            Body::None,
        )
        .await,
        400,
        "110",
    );
    assert_error(
        &api.send("PUT", "/api/1.0/datapaths/dp-test1?dpid=0x1", Body::None)
            .await,
        400,
        "110",
    );
    assert_error(
        &api.send(
            "PUT",
            "/api/1.0/datapaths/dp-none?display_name=x",
            Body::None,
        )
        .await,
        404,
        "100",
    );

    let (status, deleted) = api
        .send("DELETE", "/api/datapaths/dp-test1", Body::None)
        .await;
    assert_eq!((status, deleted), (200, json!(["dp-test1"])));
    assert_error(
        &api.send("DELETE", "/api/datapaths/dp-test1", Body::None)
            .await,
        404,
        "100",
    );
    vnmgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sub_resources_belong_to_their_parent() {
    let vnmgr = Vnmgr::start_on("tcp://127.0.0.1:0").await;
    let api = start_api(&vnmgr.rpc, None, STEP).await;
    for uuid in ["mrg-a", "mrg-b"] {
        let (status, row) = api
            .send(
                "POST",
                &format!("/api/mac_range_groups?uuid={uuid}"),
                Body::None,
            )
            .await;
        assert_eq!(status, 200, "{row}");
    }
    let (status, range) = api
        .send(
            "POST",
            "/api/1.0/mac_range_groups/mrg-a/mac_ranges?uuid=mr-1&begin_mac_address=52:54:00:00:00:00&end_mac_address=52:54:00:00:00:ff",
            Body::None,
        )
        .await;
    assert_eq!(status, 200, "{range}");
    let (_, page) = api.get("/api/1.0/mac_range_groups/mrg-a/mac_ranges").await;
    assert_eq!(page["total_count"], 1, "{page}");
    let (_, page) = api.get("/api/1.0/mac_range_groups/mrg-b/mac_ranges").await;
    assert_eq!(page["total_count"], 0, "{page}");
    assert_error(
        &api.get("/api/1.0/mac_range_groups/mrg-none/mac_ranges")
            .await,
        404,
        "100",
    );
    assert_error(
        &api.send(
            "DELETE",
            "/api/1.0/mac_range_groups/mrg-b/mac_ranges/mr-1",
            Body::None,
        )
        .await,
        404,
        "100",
    );
    let (status, deleted) = api
        .send(
            "DELETE",
            "/api/1.0/mac_range_groups/mrg-a/mac_ranges/mr-1",
            Body::None,
        )
        .await;
    assert_eq!((status, deleted), (200, json!(["mr-1"])));
    vnmgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_required_when_configured() {
    let vnmgr = Vnmgr::start_on("tcp://127.0.0.1:0").await;
    let api = start_api(&vnmgr.rpc, Some("s3cret"), STEP).await;
    let anonymous = Api {
        base: api.base.clone(),
        token: None,
    };
    let wrong = Api {
        base: api.base.clone(),
        token: Some("s3crez".to_owned()),
    };
    let path = "/api/1.0/networks?uuid=nw-auth&ipv4_network=10.1.0.0";
    assert_error(&anonymous.send("POST", path, Body::None).await, 401, "401");
    assert_error(&wrong.send("POST", path, Body::None).await, 401, "401");
    assert_error(&anonymous.get("/api/1.0/openapi.json").await, 401, "401");
    // Nothing was created.
    let (status, page) = api.get("/api/1.0/networks").await;
    assert_eq!((status, page["total_count"].clone()), (200, json!(0)));
    assert_eq!(api.send("POST", path, Body::None).await.0, 200);
    vnmgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vnmgr_down_is_503_and_recovers_by_itself() {
    // A port nobody listens on (yet).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    let api = start_api(&endpoint, None, Duration::from_millis(500)).await;
    let down = api.get("/api/1.0/networks").await;
    assert_error(&down, 503, "503");
    assert!(
        down.1["message"]
            .as_str()
            .unwrap()
            .contains("vnmgr unreachable"),
        "{}",
        down.1
    );

    let vnmgr = Vnmgr::start_on(&endpoint).await;
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        let (status, body) = api.get("/api/1.0/networks").await;
        if status == 200 {
            assert_eq!(body["total_count"], 0);
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "vnapi did not recover"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    vnmgr.stop().await;
    let (status, _) = api.get("/api/1.0/networks").await;
    assert_eq!(status, 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route() {
    let api = start_api("tcp://127.0.0.1:1", None, Duration::from_millis(100)).await;
    for root in ["/api/1.0", "/api"] {
        let (status, doc) = api.get(&format!("{root}/openapi.json")).await;
        assert_eq!(status, 200);
        assert_eq!(doc["openapi"], "3.0.3");
        for route in vnapi::routes::route_table() {
            let op = &doc["paths"][&route.path][route.method.openapi_name()];
            assert_eq!(
                op["operationId"],
                route.operation_id(),
                "{} {}",
                route.path,
                route.method.openapi_name()
            );
            for p in route.accepted() {
                let listed = op["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|q| q["name"] == p.name);
                assert!(listed, "{} missing from {}", p.name, route.path);
            }
        }
        let documented: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|m| m.as_object().unwrap().len())
            .sum();
        assert_eq!(documented, vnapi::routes::route_table().len());
    }
}

impl Api {
    /// Sends `method path` (parameters in the query, as vnctl does) and expects 200.
    async fn ok(&self, method: &str, path: &str) -> Value {
        let (status, body) = self.send(method, path, Body::None).await;
        assert_eq!(status, 200, "{method} {path}: {body}");
        body
    }

    async fn count(&self, path: &str) -> u64 {
        self.ok("GET", path).await["total_count"].as_u64().unwrap()
    }
}

/// The original's single-network tutorial (reference §4) as HTTP requests, plus its DHCP
/// step: a datapath, the datapath MAC group, networks, the host interface, the datapath
/// network and two instance interfaces with addresses.
async fn tutorial(api: &Api) {
    for path in [
        "/api/1.0/datapaths?uuid=dp-test1&display_name=test1&dpid=0x0000aaaaaaaaaaaa&node_id=vna",
        "/api/1.0/mac_range_groups?uuid=mrg-dpg",
        "/api/1.0/mac_range_groups/mrg-dpg/mac_ranges?begin_mac_address=52:56:01:00:00:00&end_mac_address=52:56:01:ff:ff:ff",
        "/api/1.0/networks?uuid=nw-public&ipv4_network=10.50.0.0&ipv4_prefix=24&network_mode=physical",
        "/api/1.0/networks?uuid=nw-test1&ipv4_network=10.100.0.0&ipv4_prefix=24&network_mode=virtual",
        "/api/1.0/interfaces?uuid=if-dp1eth0&mode=host&port_name=eth0&owner_datapath_uuid=dp-test1&network_uuid=nw-public&ipv4_address=10.50.0.2&mac_address=02:01:00:00:00:01",
        "/api/1.0/datapaths/dp-test1/networks/nw-test1?interface_uuid=if-dp1eth0",
        "/api/1.0/interfaces?uuid=if-inst1&mode=vif&owner_datapath_uuid=dp-test1&mac_address=10:54:ff:00:00:01&network_uuid=nw-test1&ipv4_address=10.100.0.10&port_name=inst1",
        "/api/1.0/interfaces?uuid=if-inst2&mode=vif&owner_datapath_uuid=dp-test1&mac_address=10:54:ff:00:00:02&network_uuid=nw-test1&ipv4_address=10.100.0.11&port_name=inst2",
        "/api/1.0/interfaces?uuid=if-dhcp&mode=simulated&owner_datapath_uuid=dp-test1&mac_address=02:00:00:00:01:11&network_uuid=nw-test1&ipv4_address=10.100.0.100",
        "/api/1.0/network_services?uuid=ns-dhcp&interface_uuid=if-dhcp&mode=dhcp",
    ] {
        api.ok("POST", path).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_single_network_tutorial_produces_the_expected_objects() {
    let vnmgr = Vnmgr::start_on("tcp://127.0.0.1:0").await;
    let api = start_api(&vnmgr.rpc, None, STEP).await;
    tutorial(&api).await;

    // The datapath network, with a MAC from the datapath MAC group and the host interface.
    let page = api.ok("GET", "/api/1.0/datapaths/dp-test1/networks").await;
    assert_eq!(page["total_count"], 1, "{page}");
    let dpn = &page["items"][0];
    let host = api.ok("GET", "/api/1.0/interfaces/if-dp1eth0").await;
    let network = api.ok("GET", "/api/1.0/networks/nw-test1").await;
    assert_eq!(dpn["interface_id"], host["id"], "{dpn}");
    assert_eq!(dpn["network_id"], network["id"], "{dpn}");
    assert_ne!(dpn["mac_address_id"], 0, "{dpn}");

    // Each instance: a singular port, a MAC lease, an IP lease on it, the network association.
    let inst1 = api.ok("GET", "/api/1.0/interfaces/if-inst1").await;
    let ports = api.ok("GET", "/api/1.0/interfaces/if-inst1/ports").await;
    assert_eq!(ports["total_count"], 1, "{ports}");
    assert_eq!(ports["items"][0]["port_name"], "inst1");
    assert_eq!(ports["items"][0]["singular"], true);
    let networks = api.ok("GET", "/api/1.0/interfaces/if-inst1/networks").await;
    assert_eq!(networks["total_count"], 1, "{networks}");
    assert_eq!(networks["items"][0]["network_id"], network["id"]);
    assert_eq!(api.count("/api/1.0/interfaces/if-inst1/segments").await, 0);
    assert_eq!(
        api.count("/api/1.0/interfaces/if-inst1/route_links").await,
        0
    );
    assert_eq!(api.count("/api/1.0/mac_leases").await, 4);
    assert_eq!(api.count("/api/1.0/ip_leases").await, 4);
    let leases = api.ok("GET", "/api/1.0/ip_leases").await;
    let lease = leases["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["interface_id"] == inst1["id"])
        .unwrap();
    assert!(lease["mac_lease_id"].is_number(), "{lease}");
    // The DHCP step.
    let service = api.ok("GET", "/api/1.0/network_services/ns-dhcp").await;
    assert_eq!(service["mode"], "dhcp");
    let dhcp_ports = api.ok("GET", "/api/1.0/interfaces/if-dhcp/ports").await;
    assert_eq!(dhcp_ports["items"][0]["singular"], true, "{dhcp_ports}");
    vnmgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_interface_create_leaves_nothing_behind() {
    let vnmgr = Vnmgr::start_on("tcp://127.0.0.1:0").await;
    let api = start_api(&vnmgr.rpc, None, STEP).await;
    tutorial(&api).await;
    let tables = [
        "interfaces",
        "mac_leases",
        "ip_leases",
        "interface_ports",
        "interface_networks",
    ];
    let before = api.count("/api/1.0/mac_leases").await + api.count("/api/1.0/ip_leases").await;
    // An address outside the network, an address taken, a MAC taken: each refused whole.
    for (query, code) in [
        (
            "mac_address=10:54:ff:00:00:09&network_uuid=nw-test1&ipv4_address=10.200.0.1",
            "110",
        ),
        (
            "mac_address=10:54:ff:00:00:09&network_uuid=nw-test1&ipv4_address=10.100.0.10",
            "400",
        ),
        (
            "mac_address=10:54:ff:00:00:01&network_uuid=nw-test1&ipv4_address=10.100.0.20",
            "400",
        ),
        ("network_uuid=nw-none&ipv4_address=10.100.0.20", "100"),
        ("ipv4_address=10.100.0.20", "111"),
    ] {
        let got = api
            .send(
                "POST",
                &format!("/api/1.0/interfaces?uuid=if-bad&mode=vif&port_name=bad&{query}"),
                Body::None,
            )
            .await;
        assert!((400..500).contains(&got.0), "{query}: {}", got.1);
        if code != "400" {
            assert_eq!(got.1["code"], code, "{query}: {}", got.1);
        }
        assert_error(&api.get("/api/1.0/interfaces/if-bad").await, 404, "100");
    }
    let after = api.count("/api/1.0/mac_leases").await + api.count("/api/1.0/ip_leases").await;
    assert_eq!(before, after, "{tables:?}");
    assert_eq!(api.count("/api/1.0/interfaces").await, 4);

    // A MAC from a MAC range group.
    let made = api
        .ok(
            "POST",
            "/api/1.0/interfaces?uuid=if-mrg&mode=vif&mac_range_group_uuid=mrg-dpg",
        )
        .await;
    assert_eq!(made["uuid"], "if-mrg", "{made}");
    assert_eq!(api.count("/api/1.0/mac_leases").await, 5);
    let unknown_group = api
        .send(
            "POST",
            "/api/1.0/interfaces?uuid=if-mrg2&mode=vif&mac_range_group_uuid=mrg-none",
            Body::None,
        )
        .await;
    assert_error(&unknown_group, 404, "100");
    vnmgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relation_routes() {
    let vnmgr = Vnmgr::start_on("tcp://127.0.0.1:0").await;
    let api = start_api(&vnmgr.rpc, None, STEP).await;
    tutorial(&api).await;

    // Datapath relations: a second relate is 112, unknown sides 100, delete answers the other
    // side's uuid, and a second delete finds nothing (114).
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/datapaths/dp-test1/networks/nw-test1?interface_uuid=if-dp1eth0",
            Body::None,
        )
        .await,
        400,
        "112",
    );
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/datapaths/dp-test1/networks/nw-none?interface_uuid=if-dp1eth0",
            Body::None,
        )
        .await,
        404,
        "100",
    );
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/datapaths/dp-test1/networks/nw-test1",
            Body::None,
        )
        .await,
        400,
        "111",
    );
    api.ok("POST", "/api/1.0/segments?uuid=seg-1&mode=virtual")
        .await;
    api.ok("POST", "/api/1.0/route_links?uuid=rl-1").await;
    api.ok(
        "POST",
        "/api/1.0/datapaths/dp-test1/segments/seg-1?interface_uuid=if-dp1eth0",
    )
    .await;
    api.ok(
        "POST",
        "/api/1.0/datapaths/dp-test1/route_links/rl-1?interface_uuid=if-dp1eth0",
    )
    .await;
    assert_eq!(api.count("/api/1.0/datapaths/dp-test1/segments").await, 1);
    assert_eq!(
        api.count("/api/1.0/datapaths/dp-test1/route_links").await,
        1
    );
    let deleted = api
        .ok("DELETE", "/api/1.0/datapaths/dp-test1/networks/nw-test1")
        .await;
    assert_eq!(deleted, json!(["nw-test1"]));
    assert_error(
        &api.send(
            "DELETE",
            "/api/1.0/datapaths/dp-test1/networks/nw-test1",
            Body::None,
        )
        .await,
        404,
        "114",
    );

    // Interface associations: PUT sets `static`, creating the row when missing.
    let row = api
        .ok(
            "PUT",
            "/api/1.0/interfaces/if-inst1/networks/nw-test1?static=true",
        )
        .await;
    assert_eq!(row["static"], true, "{row}");
    assert_eq!(api.count("/api/1.0/interfaces/if-inst1/networks").await, 1);
    let row = api
        .ok(
            "PUT",
            "/api/1.0/interfaces/if-inst1/segments/seg-1?static=true",
        )
        .await;
    assert_eq!(row["static"], true, "{row}");
    assert_eq!(api.count("/api/1.0/interfaces/if-inst1/segments").await, 1);
    assert_eq!(
        api.count("/api/1.0/interfaces/if-inst1/route_links").await,
        0
    );
    assert_error(
        &api.send(
            "PUT",
            "/api/1.0/interfaces/if-inst1/route_links/rl-1",
            Body::None,
        )
        .await,
        400,
        "111",
    );

    // Interface ports: add, delete by value, and an unknown datapath.
    api.ok("POST", "/api/1.0/interfaces/if-inst1/ports?port_name=extra")
        .await;
    assert_eq!(api.count("/api/1.0/interfaces/if-inst1/ports").await, 2);
    let gone = api
        .ok(
            "DELETE",
            "/api/1.0/interfaces/if-inst1/ports?port_name=extra",
        )
        .await;
    assert_eq!(gone.as_array().map(Vec::len), Some(1), "{gone}");
    assert_eq!(api.count("/api/1.0/interfaces/if-inst1/ports").await, 1);
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/interfaces/if-inst1/ports?datapath_uuid=dp-none",
            Body::None,
        )
        .await,
        404,
        "100",
    );
    vnmgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_service_routes() {
    let vnmgr = Vnmgr::start_on("tcp://127.0.0.1:0").await;
    let api = start_api(&vnmgr.rpc, None, STEP).await;
    tutorial(&api).await;
    for path in [
        "/api/1.0/ip_range_groups?uuid=iprg-1",
        "/api/1.0/ip_range_groups/iprg-1/ip_ranges?begin_ipv4_address=10.100.0.50&end_ipv4_address=10.100.0.60",
        "/api/1.0/lease_policies?uuid=lp-1",
        "/api/1.0/lease_policies/lp-1/networks/nw-test1?ip_range_group_uuid=iprg-1",
        "/api/1.0/interfaces?uuid=if-inst3&mode=vif&mac_address=10:54:ff:00:00:03",
    ] {
        api.ok("POST", path).await;
    }
    assert_eq!(api.count("/api/1.0/lease_policies/lp-1/networks").await, 1);
    let lease = api
        .ok(
            "POST",
            "/api/1.0/lease_policies/lp-1/ip_leases?interface_uuid=if-inst3",
        )
        .await;
    let inst3 = api.ok("GET", "/api/1.0/interfaces/if-inst3").await;
    assert_eq!(lease["interface_id"], inst3["id"], "{lease}");
    let uuid = lease["uuid"].as_str().unwrap().to_owned();
    assert_error(
        &api.send("POST", "/api/1.0/lease_policies/lp-1/ip_leases", Body::None)
            .await,
        400,
        "111",
    );
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/lease_policies/lp-none/ip_leases?interface_uuid=if-inst3",
            Body::None,
        )
        .await,
        404,
        "100",
    );

    let released = api
        .ok("PUT", &format!("/api/1.0/ip_leases/{uuid}/release"))
        .await;
    assert_eq!(released["interface_id"], Value::Null, "{released}");
    let attached = api
        .ok(
            "PUT",
            &format!("/api/1.0/ip_leases/{uuid}/attach?interface_uuid=if-inst3"),
        )
        .await;
    assert_eq!(attached["interface_id"], inst3["id"], "{attached}");
    assert_error(
        &api.send(
            "PUT",
            &format!("/api/1.0/ip_leases/{uuid}/attach"),
            Body::None,
        )
        .await,
        400,
        "111",
    );
    assert_error(
        &api.send("PUT", "/api/1.0/ip_leases/il-none/release", Body::None)
            .await,
        404,
        "100",
    );
    vnmgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_filters_translations_and_containers() {
    let vnmgr = Vnmgr::start_on("tcp://127.0.0.1:0").await;
    let api = start_api(&vnmgr.rpc, None, STEP).await;
    tutorial(&api).await;

    // DNS service and records.
    api.ok(
        "POST",
        "/api/1.0/network_services?uuid=ns-dns&interface_uuid=if-dhcp&mode=dns",
    )
    .await;
    api.ok(
        "POST",
        "/api/1.0/dns_services?uuid=dnss-1&network_service_uuid=ns-dns&public_dns=8.8.8.8",
    )
    .await;
    api.ok(
        "POST",
        "/api/1.0/dns_services/dnss-1/dns_records?uuid=dnsr-1&name=www&ipv4_address=10.100.0.10",
    )
    .await;
    assert_eq!(
        api.count("/api/1.0/dns_services/dnss-1/dns_records").await,
        1
    );
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/dns_services/dnss-1/dns_records?name=www",
            Body::None,
        )
        .await,
        400,
        "111",
    );
    let updated = api
        .ok("PUT", "/api/1.0/dns_services/dnss-1?public_dns=1.1.1.1")
        .await;
    assert_eq!(updated["public_dns"], "1.1.1.1");

    // Filters and their static rules (CIDR addresses).
    api.ok(
        "POST",
        "/api/1.0/filters?uuid=fil-1&interface_uuid=if-inst1&mode=static",
    )
    .await;
    let rule = api
        .ok(
            "POST",
            "/api/1.0/filters/fil-1/static?protocol=tcp&action=pass&src_address=10.0.0.0/8&dst_address=0.0.0.0/0&src_port=0&dst_port=22",
        )
        .await;
    assert_eq!(rule["src_prefix"], 8, "{rule}");
    assert_eq!(rule["port_dst"], 22, "{rule}");
    assert_eq!(api.count("/api/1.0/filters/fil-1/static").await, 1);
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/filters/fil-1/static?protocol=tcp&action=pass&src_address=10.0.0.0/40",
            Body::None,
        )
        .await,
        400,
        "110",
    );
    api.ok(
        "DELETE",
        "/api/1.0/filters/fil-1/static?protocol=tcp&action=pass&src_address=10.0.0.0/8&dst_address=0.0.0.0/0&src_port=0&dst_port=22",
    )
    .await;
    assert_eq!(api.count("/api/1.0/filters/fil-1/static").await, 0);

    // Translations and static addresses.
    api.ok(
        "POST",
        "/api/1.0/translations?uuid=tr-1&interface_uuid=if-inst1&mode=static_address",
    )
    .await;
    api.ok(
        "POST",
        "/api/1.0/translations/tr-1/static_address?ingress_ipv4_address=10.50.0.100&egress_ipv4_address=10.100.0.10",
    )
    .await;
    assert_eq!(
        api.count("/api/1.0/translations/tr-1/static_address").await,
        1
    );
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/translations/tr-1/static_address?ingress_ipv4_address=10.50.0.100",
            Body::None,
        )
        .await,
        400,
        "111",
    );
    assert_error(
        &api.send(
            "DELETE",
            "/api/1.0/translations/tr-1/static_address?ingress_ipv4_address=10.50.0.200",
            Body::None,
        )
        .await,
        404,
        "114",
    );

    // IP lease containers, and leases' own CRUD.
    api.ok("POST", "/api/1.0/ip_lease_containers?uuid=ilc-1")
        .await;
    assert_eq!(api.count("/api/1.0/ip_lease_containers").await, 1);
    let leases = api.ok("GET", "/api/1.0/ip_leases").await;
    let uuid = leases["items"][0]["uuid"].as_str().unwrap().to_owned();
    let lease = api
        .ok(
            "PUT",
            &format!("/api/1.0/ip_leases/{uuid}?enable_routing=true"),
        )
        .await;
    assert_eq!(lease["enable_routing"], true);
    // Leases are created with their address rows.
    assert_error(
        &api.send("POST", "/api/1.0/mac_leases", Body::None).await,
        400,
        "111",
    );
    vnmgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_groups_and_their_interfaces() {
    let vnmgr = Vnmgr::start_on("tcp://127.0.0.1:0").await;
    let api = start_api(&vnmgr.rpc, None, STEP).await;
    tutorial(&api).await;

    // CRUD with display_name, rules (several lines, a comment) and description.
    let (status, sg) = api
        .send(
            "POST",
            "/api/1.0/security_groups",
            Body::Json(json!({
                "uuid": "sg-web",
                "display_name": "web",
                "rules": "tcp:80:0.0.0.0/0 # http\ntcp:22:10.0.0.0/24, icmp:-1:0.0.0.0",
                "description": "web servers",
            })),
        )
        .await;
    assert_eq!(status, 200, "{sg}");
    assert_eq!(sg["uuid"], "sg-web");
    assert_eq!(sg["description"], "web servers");
    api.ok(
        "POST",
        "/api/1.0/security_groups?uuid=sg-db&display_name=db&rules=tcp:5432:sg-web",
    )
    .await;
    assert_error(
        &api.send("POST", "/api/1.0/security_groups?rules=", Body::None)
            .await,
        400,
        "111",
    );
    let updated = api
        .ok(
            "PUT",
            "/api/1.0/security_groups/sg-web?description=front&rules=tcp:443:0.0.0.0/0",
        )
        .await;
    assert_eq!(updated["description"], "front", "{updated}");
    assert_eq!(updated["rules"], "tcp:443:0.0.0.0/0", "{updated}");
    assert_eq!(api.count("/api/1.0/security_groups").await, 2);

    // Rule parse errors: 400, code 110, every bad rule with its line and reason; nothing
    // written.
    let bad = api
        .send(
            "POST",
            "/api/1.0/security_groups",
            Body::Json(json!({
                "uuid": "sg-bad",
                "display_name": "bad",
                "rules": "tcp:22:10.0.0.0/24\ntcp:99999:10.0.0.0/24\nsctp:1:0.0.0.0",
            })),
        )
        .await;
    assert_error(&bad, 400, "110");
    let message = bad.1["message"].as_str().unwrap();
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("port 99999 is out of range"), "{message}");
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("sctp"), "{message}");
    assert_error(
        &api.get("/api/1.0/security_groups/sg-bad").await,
        404,
        "100",
    );
    let bad = api
        .send(
            "PUT",
            "/api/1.0/security_groups/sg-web",
            Body::Form("rules=tcp%3A0%3A0.0.0.0"),
        )
        .await;
    assert_error(&bad, 400, "110");
    assert!(
        bad.1["message"].as_str().unwrap().contains("line 1"),
        "{}",
        bad.1
    );
    assert_eq!(
        api.ok("GET", "/api/1.0/security_groups/sg-web").await["rules"],
        "tcp:443:0.0.0.0/0"
    );

    // Membership from the interface's side: add, a second add is 112, list, unknown sides.
    let row = api
        .ok(
            "POST",
            "/api/1.0/interfaces/if-inst1/security_groups/sg-web",
        )
        .await;
    let inst1 = api.ok("GET", "/api/1.0/interfaces/if-inst1").await;
    assert_eq!(row["interface_id"], inst1["id"], "{row}");
    assert_eq!(row["security_group_id"], sg["id"], "{row}");
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/interfaces/if-inst1/security_groups/sg-web",
            Body::None,
        )
        .await,
        400,
        "112",
    );
    for path in [
        "/api/1.0/interfaces/if-none/security_groups/sg-web",
        "/api/1.0/interfaces/if-inst1/security_groups/sg-none",
    ] {
        assert_error(&api.send("POST", path, Body::None).await, 404, "100");
    }
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/interfaces/if-inst1/security_groups/nw-test1",
            Body::None,
        )
        .await,
        400,
        "101",
    );
    assert_eq!(
        api.count("/api/1.0/interfaces/if-inst1/security_groups")
            .await,
        1
    );

    // And from the group's side.
    api.ok(
        "POST",
        "/api/1.0/security_groups/sg-web/interfaces/if-inst2",
    )
    .await;
    assert_eq!(
        api.count("/api/1.0/security_groups/sg-web/interfaces")
            .await,
        2
    );
    assert_eq!(
        api.count("/api/1.0/security_groups/sg-db/interfaces").await,
        0
    );
    assert_error(
        &api.send(
            "POST",
            "/api/1.0/security_groups/sg-web/interfaces/if-inst2",
            Body::None,
        )
        .await,
        400,
        "112",
    );

    // Remove, both ways; each answers the other side's uuid.
    let gone = api
        .ok(
            "DELETE",
            "/api/1.0/security_groups/sg-web/interfaces/if-inst2",
        )
        .await;
    assert_eq!(gone, json!(["if-inst2"]));
    let gone = api
        .ok(
            "DELETE",
            "/api/1.0/interfaces/if-inst1/security_groups/sg-web",
        )
        .await;
    assert_eq!(gone, json!(["sg-web"]));
    assert_error(
        &api.send(
            "DELETE",
            "/api/1.0/interfaces/if-inst1/security_groups/sg-web",
            Body::None,
        )
        .await,
        404,
        "114",
    );
    assert_eq!(
        api.count("/api/1.0/security_groups/sg-web/interfaces")
            .await,
        0
    );

    // Deleting a group.
    assert_eq!(
        api.ok("DELETE", "/api/1.0/security_groups/sg-db").await,
        json!(["sg-db"])
    );
    assert_eq!(api.count("/api/1.0/security_groups").await, 1);
    vnmgr.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_responses_carry_related_uuids_and_addresses() {
    let vnmgr = Vnmgr::start_on("tcp://127.0.0.1:0").await;
    let api = start_api(&vnmgr.rpc, None, STEP).await;
    tutorial(&api).await;

    // Association rows: both sides' uuids, the host interface's, the MAC as text.
    api.ok("POST", "/api/1.0/segments?uuid=seg-1&mode=virtual")
        .await;
    let dps = api
        .ok(
            "POST",
            "/api/1.0/datapaths/dp-test1/segments/seg-1?interface_uuid=if-dp1eth0",
        )
        .await;
    assert_eq!(dps["datapath_uuid"], "dp-test1", "{dps}");
    assert_eq!(dps["segment_uuid"], "seg-1", "{dps}");
    assert_eq!(dps["interface_uuid"], "if-dp1eth0", "{dps}");
    assert!(
        dps["mac_address"]
            .as_str()
            .is_some_and(|m| m.starts_with("52:56:01:")),
        "{dps}"
    );
    let ifn = api
        .ok(
            "PUT",
            "/api/1.0/interfaces/if-inst1/networks/nw-test1?static=true",
        )
        .await;
    assert_eq!(ifn["interface_uuid"], "if-inst1", "{ifn}");
    assert_eq!(ifn["network_uuid"], "nw-test1", "{ifn}");

    // IP and MAC leases: the address as a dotted quad and the related uuids.
    let leases = api.ok("GET", "/api/1.0/ip_leases").await;
    let lease = leases["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["interface_id"] != Value::Null && l["ip_address_id"] != Value::Null)
        .cloned()
        .unwrap();
    let lease = api
        .ok(
            "GET",
            &format!("/api/1.0/ip_leases/{}", lease["uuid"].as_str().unwrap()),
        )
        .await;
    assert!(
        lease["ipv4_address"]
            .as_str()
            .is_some_and(|a| a.parse::<std::net::Ipv4Addr>().is_ok()),
        "{lease}"
    );
    assert!(
        ["nw-public", "nw-test1"].contains(&lease["network_uuid"].as_str().unwrap_or_default()),
        "{lease}"
    );
    assert!(
        lease["interface_uuid"]
            .as_str()
            .is_some_and(|u| u.starts_with("if-")),
        "{lease}"
    );
    let macs = api.ok("GET", "/api/1.0/mac_leases").await;
    let mac = &macs["items"][0];
    let mac = api
        .ok(
            "GET",
            &format!("/api/1.0/mac_leases/{}", mac["uuid"].as_str().unwrap()),
        )
        .await;
    assert!(
        mac["mac_address"].as_str().is_some_and(|m| m.len() == 17),
        "{mac}"
    );
    assert!(
        mac["interface_uuid"]
            .as_str()
            .is_some_and(|u| u.starts_with("if-")),
        "{mac}"
    );

    // Services, and a security group membership.
    let ns = api.ok("GET", "/api/1.0/network_services/ns-dhcp").await;
    assert_eq!(ns["interface_uuid"], "if-dhcp", "{ns}");
    api.ok(
        "POST",
        "/api/1.0/security_groups?uuid=sg-1&display_name=one",
    )
    .await;
    let member = api
        .ok("POST", "/api/1.0/security_groups/sg-1/interfaces/if-inst2")
        .await;
    assert_eq!(member["security_group_uuid"], "sg-1", "{member}");
    assert_eq!(member["interface_uuid"], "if-inst2", "{member}");

    // List items carry the same extras (vnmgr adds them from its read model).
    let page = api.ok("GET", "/api/1.0/interfaces/if-inst1/networks").await;
    assert_eq!(page["items"][0]["network_uuid"], "nw-test1", "{page}");
    let page = api.ok("GET", "/api/1.0/interfaces").await;
    let inst1 = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["uuid"] == "if-inst1")
        .unwrap();
    assert_eq!(inst1["network_uuid"], "nw-test1", "{inst1}");
    assert!(inst1["mac_leases"].is_array(), "{inst1}");
    vnmgr.stop().await;
}
