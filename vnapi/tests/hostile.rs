//! Hostile input on every route of the route table (issue 4, "How it is proven"): malformed
//! path uuids, bad parameter values of every declared type (bad uuids, out-of-range numbers
//! and prefixes, non-hex dpids, 1 MB values, wrong JSON types), unknown parameters, methods a
//! path does not serve, broken JSON, wrong content types, oversized query strings and bodies.
//! Every answer must be a 4xx with the documented body `{error, message, code}`, and the
//! database (a vnmgr snapshot, compared whole) must be unchanged.
//!
//! The routes come from `vnapi::routes::route_table`, so new routes are covered as they are
//! declared.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use vnapi::routes::{Method, ParamType, Route, route_table};

/// A request body and its content type.
#[derive(Clone)]
enum Body {
    None,
    Json(Vec<u8>),
    Form(Vec<u8>),
    Typed(&'static str, Vec<u8>),
}

struct Api {
    base: String,
    client: Client<HttpConnector, Full<Bytes>>,
    sent: AtomicUsize,
}

impl Api {
    /// Sends one request and checks the answer is a 4xx with the documented error body.
    async fn hostile(&self, what: &str, method: &str, path_and_query: &str, body: Body) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path_and_query}", self.base));
        let (request, body) = match body {
            Body::None => (request, Vec::new()),
            Body::Json(b) => (request.header("content-type", "application/json"), b),
            Body::Form(b) => (
                request.header("content-type", "application/x-www-form-urlencoded"),
                b,
            ),
            Body::Typed(t, b) => (request.header("content-type", t), b),
        };
        let request = request.body(Full::new(Bytes::from(body))).unwrap();
        let shown: String = path_and_query.chars().take(160).collect();
        let response = self
            .client
            .request(request)
            .await
            .unwrap_or_else(|e| panic!("{what}: {method} {shown}: no answer: {e}"));
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes);
        let text: String = text.chars().take(400).collect();
        assert!(
            (400..500).contains(&status),
            "{what}: {method} {shown}: expected a 4xx, got {status}: {text}"
        );
        let value: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!("{what}: {method} {shown}: {status} without a JSON body: {text}")
        });
        let documented = value.as_object().is_some_and(|o| {
            o.len() == 3
                && o.get("error").is_some_and(Value::is_string)
                && o.get("message").is_some_and(Value::is_string)
                && o.get("code")
                    .and_then(Value::as_str)
                    .is_some_and(|c| c.parse::<u16>().is_ok())
        });
        assert!(
            documented,
            "{what}: {method} {shown}: {status} without {{error, message, code}}: {text}"
        );
        assert!(
            bytes.len() < 4096,
            "{what}: {method} {shown}: a {} byte error body echoes the input",
            bytes.len()
        );
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
    }
}

/// The route's path with every `{name}` replaced: `bad` for `name == target`, a well-formed
/// uuid of the right kind naming no row for the others.
fn fill_path(route: &Route, target: Option<&str>, bad: &str) -> String {
    let mut path = format!("/api/1.0{}", route.path);
    for p in &route.path_params {
        let value = if Some(p.name) == target {
            bad.to_owned()
        } else {
            format!("{}-hostile0", p.kind.prefix())
        };
        path = path.replace(&format!("{{{}}}", p.name), &value);
    }
    path
}

/// Values `ty` must refuse, as query/form text.
fn bad_texts(ty: ParamType) -> Vec<String> {
    let long = "x".repeat(100);
    let mut bad = match ty {
        ParamType::Text => vec![],
        ParamType::Int { min, max } => {
            let mut v = vec!["abc".to_owned(), "1.5".to_owned(), "".to_owned()];
            if min > i64::MIN {
                v.push((i128::from(min) - 1).to_string());
            }
            v.push((i128::from(max) + 1).to_string());
            v.push("99999999999999999999999".to_owned());
            v
        }
        ParamType::Bool => vec!["maybe".to_owned(), "2".to_owned()],
        ParamType::Uuid(kind) => vec![
            "not a uuid".to_owned(),
            format!("{}-", kind.prefix()),
            format!("{}-ab/cd", kind.prefix()),
            format!("{}-{long}", kind.prefix()),
            if kind.prefix() == "nw" {
                "dp-wrongkind".to_owned()
            } else {
                "nw-wrongkind".to_owned()
            },
            "".to_owned(),
        ],
        ParamType::Ipv4 => vec![
            "300.1.1.1".to_owned(),
            "10.0.0".to_owned(),
            "10.0.0.0/24".to_owned(),
            "-1.0.0.0".to_owned(),
            "".to_owned(),
        ],
        ParamType::Mac => vec![
            "zz:zz:zz:zz:zz:zz".to_owned(),
            "52:54:00:12:34".to_owned(),
            "52:54:00:12:34:56:78".to_owned(),
        ],
        ParamType::Dpid => vec![
            "0xZZZZ".to_owned(),
            "xyz".to_owned(),
            "0x1234567890abcdef0".to_owned(),
            "-1".to_owned(),
            "".to_owned(),
        ],
        ParamType::Enum(_) => vec!["bogus".to_owned(), "".to_owned()],
        ParamType::Cidr { .. } => vec![
            "10.0.0.0/33".to_owned(),
            "10.0.0.0/-1".to_owned(),
            "10.0.0.0/x".to_owned(),
            "10.0.0.0/999".to_owned(),
            "300.0.0.0/8".to_owned(),
        ],
    };
    if ty != ParamType::Text {
        bad.push(long);
    }
    bad
}

/// JSON values `ty` must refuse (wrong JSON types).
fn bad_json(ty: ParamType) -> Vec<Value> {
    let mut bad = vec![json!({"nested": [1, 2]}), json!([1]), Value::Null];
    match ty {
        ParamType::Int { .. } => bad.extend([json!(1.5), json!(u64::MAX), json!(true)]),
        ParamType::Bool => bad.push(json!(2)),
        ParamType::Dpid => bad.extend([json!(-1), json!(1.5)]),
        _ => bad.push(json!(12345)),
    }
    if ty == ParamType::Text {
        bad.retain(|v| !v.is_string());
    }
    bad
}

fn encode(name: &str, value: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish()
}

/// Every kind of hostile request on one route.
async fn attack(api: &Api, route: &'static Route, huge: &str) {
    let routes = route_table();
    let method = method_name(route.method);
    let what = format!("{method} {}", route.path);
    let path = fill_path(route, None, "");

    // Bad uuids in each path segment (percent-escaped junk and invalid UTF-8 included).
    for p in &route.path_params {
        let prefix = p.kind.prefix();
        let wrong = if prefix == "nw" { "dp-x" } else { "nw-x" };
        for bad in [
            "not-a-uuid".to_owned(),
            format!("{prefix}-"),
            format!("{prefix}-a%20b"),
            format!("{prefix}-{}", "y".repeat(300)),
            wrong.to_owned(),
            "%FF%FE".to_owned(),
            "%00".to_owned(),
            "..".to_owned(),
        ] {
            let bad_path = fill_path(route, Some(p.name), &bad);
            api.hostile(&what, method, &bad_path, Body::None).await;
        }
    }

    // Unknown parameters, in the query, a form and a JSON body.
    api.hostile(
        &what,
        method,
        &format!("{path}?no_such_param=1"),
        Body::None,
    )
    .await;
    api.hostile(
        &what,
        method,
        &path,
        Body::Json(br#"{"no_such_param": 1}"#.to_vec()),
    )
    .await;
    api.hostile(
        &what,
        method,
        &path,
        Body::Form(b"no_such_param=1".to_vec()),
    )
    .await;
    // Broken and non-object JSON, wrong content types, an oversized body.
    for broken in [
        &br#"{"display_name": "#[..],
        b"{,}",
        b"[1, 2]",
        b"\"text\"",
        b"nul",
        b"\xff\xfe{}",
    ] {
        api.hostile(&what, method, &path, Body::Json(broken.to_vec()))
            .await;
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    api.hostile(&what, method, &path, Body::Json(deep.into_bytes()))
        .await;
    // Broken, non-mapping, alias-bomb and deeply nested YAML.
    let laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n\
                  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
                  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
                  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
                  h: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n";
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for yaml in [
        "display_name: [",
        "- a\n- b\n",
        "just text",
        "no_such_param: 1\n",
        laughs,
        nested.as_str(),
    ] {
        api.hostile(
            &what,
            method,
            &path,
            Body::Typed("application/yaml", yaml.as_bytes().to_vec()),
        )
        .await;
    }
    for ct in ["text/plain", "application/xml", "multipart/form-data"] {
        api.hostile(&what, method, &path, Body::Typed(ct, b"x=1".to_vec()))
            .await;
    }
    api.hostile(
        &what,
        method,
        &path,
        Body::Form(vec![b'a'; vnapi::server::MAX_BODY_BYTES + 1]),
    )
    .await;
    // A huge query string (60 KiB: just under the longest URI the http crate builds).
    api.hostile(
        &what,
        method,
        &format!("{path}?{}", encode("q", &"q".repeat(60 << 10))),
        Body::None,
    )
    .await;

    // Every declared parameter with values its type must refuse.
    let mut huge_typed_done = false;
    for param in route.accepted() {
        for bad in bad_texts(param.ty) {
            let query = format!("{path}?{}", encode(param.name, &bad));
            api.hostile(&what, method, &query, Body::None).await;
            if route.method.has_body() {
                let form = encode(param.name, &bad).into_bytes();
                api.hostile(&what, method, &path, Body::Form(form)).await;
            }
        }
        for bad in bad_json(param.ty) {
            let body = serde_json::to_vec(&json!({ param.name: bad })).unwrap();
            api.hostile(&what, method, &path, Body::Json(body)).await;
        }
        // A 1 MB value, in a JSON body: for every free-text parameter (the ones that may be
        // long at all) and for the first typed one (the others get a 100-byte value above).
        if param.ty == ParamType::Text || !huge_typed_done {
            huge_typed_done |= param.ty != ParamType::Text;
            let body = format!("{{\"{}\": \"{huge}\"}}", param.name);
            api.hostile(&what, method, &path, Body::Json(body.into_bytes()))
                .await;
        }
    }

    // Methods the path does not serve: 405 with the documented body (once per path).
    if routes.iter().find(|r| r.path == route.path) == Some(route) {
        let served: Vec<&str> = routes
            .iter()
            .filter(|r| r.path == route.path)
            .map(|r| method_name(r.method))
            .collect();
        let all_methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
        for other in all_methods.iter().filter(|m| !served.contains(m)) {
            api.hostile(&what, other, &path, Body::None).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_refuses_hostile_input_and_changes_nothing() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let config = vnmgr::Config {
        database_url: format!("sqlite://{}/vnmgr.db?mode=rwc", dir.path().display()),
        rpc_endpoint: "tcp://127.0.0.1:0".to_owned(),
        event_endpoint: "tcp://127.0.0.1:0".to_owned(),
        ..vnmgr::Config::default()
    };
    let server = vnmgr::Server::bind(&config).await.unwrap();
    let rpc = server.rpc_endpoint().to_owned();
    let (stop, stopped) = oneshot::channel::<()>();
    let vnmgr_task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    let vnmgr = proto::RpcClient::new(&rpc, Duration::from_secs(10));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = vnapi::AppState {
        vnmgr: proto::RpcClient::new(&rpc, Duration::from_secs(10)),
        token: None,
    };
    tokio::spawn(vnapi::serve(listener, state, std::future::pending()));
    let api = Arc::new(Api {
        base: format!("http://{addr}"),
        client: Client::builder(TokioExecutor::new()).build_http(),
        sent: AtomicUsize::new(0),
    });

    // Some rows, so "unchanged" compares something.
    vnmgr
        .create(
            model::Table::Networks,
            json!({"uuid": "nw-seed", "ipv4_network": "10.1.0.0", "ipv4_prefix": 24, "mode": "virtual"}),
        )
        .await
        .unwrap();
    vnmgr
        .create(
            model::Table::Datapaths,
            json!({"uuid": "dp-seed", "dpid": "0x0000000000000001", "node_id": "vna1", "display_name": "seed"}),
        )
        .await
        .unwrap();
    let before = vnmgr.snapshot::<Value>().await.unwrap();

    let routes = route_table();
    assert!(!routes.is_empty());

    // A few routes at a time, to stay well within the time bound.
    let huge: Arc<str> = "h".repeat(1 << 20).into();
    let gate = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = tokio::task::JoinSet::new();
    for route in routes {
        let (api, huge, gate) = (api.clone(), huge.clone(), gate.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            attack(&api, route, &huge).await;
        });
    }
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = done {
            std::panic::resume_unwind(e.into_panic());
        }
    }
    // Paths no route serves.
    for path in [
        "/api/1.0/no_such_resource",
        "/api/2.0/networks",
        "/api/1.0/networks/nw-x/no_such_child",
        "/%FF",
    ] {
        api.hostile("unknown path", "GET", path, Body::None).await;
    }

    let after = vnmgr.snapshot::<Value>().await.unwrap();
    assert_eq!(
        (before.epoch, before.seq),
        (after.epoch, after.seq),
        "the database changed"
    );
    assert_eq!(before.rows, after.rows, "the database changed");
    eprintln!(
        "{} hostile requests on {} routes in {:?}",
        api.sent.load(Ordering::Relaxed),
        routes.len(),
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(60), "too slow");

    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), vnmgr_task).await;
}
