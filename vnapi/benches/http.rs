//! The vnapi benchmark of issue 4: `GET /api/1.0/networks?limit=100` (100 items) and
//! `POST /api/1.0/networks`, vnapi → vnmgr → SQLite, both in this process, with the load
//! driven from a separate process (Debian's `wrk`) on 127.0.0.1. Prints requests per second
//! and p99 latency; asserts nothing about them.
//!
//! Run: `cargo bench -p vnapi --bench http` (release build). `VNAPI_BENCH_SECS` sets the
//! duration of each run (default 5), `VNAPI_BENCH_CONNECTIONS` the connections (default 8),
//! `VNAPI_BENCH_THREADS` wrk's threads (default 2; on the 2-core machine `-t1` and `-t2`
//! measured the same within noise).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

/// wrk's POST script: each request a new network with its own uuid and /24. wrk runs
/// LuaJIT (Lua 5.1): no `//` operator, or wrk drops the script and GETs the URL instead.
const POST_SCRIPT: &str = r#"
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local n = 0
function request()
  n = n + 1
  local i = n * 16 + tid
  local body = string.format(
    "uuid=nw-b%d&ipv4_network=10.%d.%d.0&ipv4_prefix=24&network_mode=virtual&display_name=bench",
    i, math.floor(i / 256) % 256, i % 256)
  return wrk.format("POST", "/api/1.0/networks",
    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
"#;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `Requests/sec` figure and the `99%` latency line of wrk's output.
fn figures(output: &str) -> (String, String) {
    let find = |prefix: &str| {
        output
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_owned()
    };
    (find("Requests/sec:"), find("99%"))
}

fn run_wrk(label: &str, args: &[String]) {
    println!("\n== {label}: wrk {}", args.join(" "));
    match Command::new("wrk").args(args).output() {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            println!("{text}");
            let errors = String::from_utf8_lossy(&out.stderr);
            if !errors.trim().is_empty() {
                println!("wrk stderr: {errors}");
            }
            let (rps, p99) = figures(&text);
            println!(">> {label}: {rps} requests/s, p99 {p99}");
        }
        Err(e) => println!("wrk failed to run: {e}"),
    }
}

fn main() {
    let secs = env_or("VNAPI_BENCH_SECS", 5);
    let connections = env_or("VNAPI_BENCH_CONNECTIONS", 8);
    let threads = env_or("VNAPI_BENCH_THREADS", 2);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = runtime.block_on(async {
        let config = vnmgr::Config {
            database_url: format!("sqlite://{}/vnmgr.db?mode=rwc", dir.path().display()),
            rpc_endpoint: "tcp://127.0.0.1:0".to_owned(),
            event_endpoint: "tcp://127.0.0.1:0".to_owned(),
            ..vnmgr::Config::default()
        };
        let server = vnmgr::Server::bind(&config).await.unwrap();
        let rpc = server.rpc_endpoint().to_owned();
        tokio::spawn(server.run(std::future::pending()));
        let vnmgr = proto::RpcClient::new(&rpc, Duration::from_secs(10));
        for i in 0..100 {
            vnmgr
                .create(
                    model::Table::Networks,
                    json!({
                        "uuid": format!("nw-seed{i}"),
                        "ipv4_network": format!("172.16.{i}.0"),
                        "ipv4_prefix": 24,
                        "mode": "virtual",
                        "display_name": format!("seed {i}"),
                    }),
                )
                .await
                .unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = vnapi::AppState {
            vnmgr: proto::RpcClient::new(&rpc, Duration::from_secs(10)),
            token: None,
        };
        tokio::spawn(vnapi::serve(listener, state, std::future::pending()));
        format!("http://{addr}")
    });

    let wrk_present = Command::new("wrk").arg("--version").output().is_ok();
    let common = [
        format!("-t{threads}"),
        format!("-c{connections}"),
        format!("-d{secs}s"),
        "--latency".to_owned(),
    ];
    if wrk_present {
        let mut get = common.to_vec();
        get.push(format!("{base}/api/1.0/networks?limit=100"));
        run_wrk("GET /api/1.0/networks?limit=100 (100 items)", &get);

        let mut script = tempfile::NamedTempFile::new().unwrap();
        script.write_all(POST_SCRIPT.as_bytes()).unwrap();
        let mut post = common.to_vec();
        post.extend([
            "-s".to_owned(),
            script.path().display().to_string(),
            format!("{base}/api/1.0/networks"),
        ]);
        run_wrk("POST /api/1.0/networks", &post);
    } else {
        println!(
            "wrk is not installed (Debian: `apt-get install wrk`); \
             FALLBACK: an in-process client, which shares the CPU with the server"
        );
        runtime.block_on(in_process(&base, Duration::from_secs(secs), connections));
    }
}

/// The fallback when wrk is missing: sequential GETs on `connections` tasks in this process.
async fn in_process(base: &str, duration: Duration, connections: u64) {
    use http_body_util::{BodyExt, Empty};
    use hyper::body::Bytes;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let uri: hyper::Uri = format!("{base}/api/1.0/networks?limit=100")
        .parse()
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (client, uri) = (client.clone(), uri.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let end = Instant::now() + duration;
            while Instant::now() < end {
                let start = Instant::now();
                let response = client.get(uri.clone()).await.unwrap();
                let _ = response.into_body().collect().await.unwrap();
                latencies.push(start.elapsed());
            }
            latencies
        });
    }
    let mut all = Vec::new();
    while let Some(done) = tasks.join_next().await {
        all.extend(done.unwrap());
    }
    all.sort();
    let p99 = all
        .get(all.len().saturating_mul(99) / 100)
        .copied()
        .unwrap_or_default();
    println!(
        ">> IN-PROCESS FALLBACK GET /api/1.0/networks?limit=100: {:.0} requests/s, p99 {p99:?}",
        all.len() as f64 / duration.as_secs_f64()
    );
}
