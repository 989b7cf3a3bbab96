//! Figures, not a timed test: the real `vna` binary's memory (VmHWM, the peak RSS, and VmRSS
//! from `/proc/<pid>/status`), idle and with 1,000 virtual networks / 10,000 VM interfaces /
//! 100 datapaths (about 82,000 rows) in its replica.
//!
//! An in-process vnmgr on SQLite in a temporary directory serves both vnas. The first starts
//! against the empty model (the idle figures), then receives the dataset as events while it
//! is loaded over RPC; the second starts once it is loaded and gets it as one snapshot (the
//! start-up peak). Neither has a switch: `manage_bridge = false` and nothing connects to its
//! OpenFlow port, so the figures are the replica's and the runtime's, not a plan's.
//!
//! `cargo bench -p vna --bench memory`. `VNA_BENCH_SCALE=0.1` loads a tenth of the dataset.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use model::Table;
use proto::RpcClient;
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;
use vnmgr::{Config, Server};

const CLIENTS: usize = 4;

fn scale(n: usize) -> usize {
    let factor: f64 = std::env::var("VNA_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    ((n as f64 * factor) as usize).max(10)
}

fn report(what: &str, pid: u32) {
    let (hwm, rss) = testkit::proc::rss_kib(pid);
    println!(
        "  {what:<44} VmHWM {:>6.1} MiB  VmRSS {:>6.1} MiB",
        hwm as f64 / 1024.0,
        rss as f64 / 1024.0
    );
}

/// A vna process with its log in a file.
struct Vna {
    child: Child,
    log: std::path::PathBuf,
}

impl Vna {
    fn start(dir: &Path, name: &str, rpc: &str, events: &str) -> Vna {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "node_id = \"vnab5\"\nrpc_endpoint = \"{rpc}\"\nevent_endpoint = \"{events}\"\n\
                 openflow_listen = \"tcp:127.0.0.1:{port}\"\nmanage_bridge = false\n"
            ),
        )
        .unwrap();
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_vna"))
            .env("VNA_CONFIG", &config)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Vna { child, log }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the log has had `needle` `count` times.
    fn wait_for(&self, needle: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(600);
        while Instant::now() < deadline {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            if log.matches(needle).count() >= count {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "vna never logged {needle:?}: {:?}",
            std::fs::read_to_string(&self.log)
        );
    }

    /// Waits until the RSS has not changed for `quiet`.
    fn settle(&self, quiet: Duration) {
        let mut last = testkit::proc::rss_kib(self.pid()).1;
        let mut since = Instant::now();
        while since.elapsed() < quiet {
            std::thread::sleep(Duration::from_millis(100));
            let now = testkit::proc::rss_kib(self.pid()).1;
            if now != last {
                last = now;
                since = Instant::now();
            }
        }
    }
}

impl Drop for Vna {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

/// The dataset of `tests/benches/agent.rs`'s `large_dataset`, as RPC calls: `datapaths`
/// datapaths each with a host interface on one of two underlay networks, `networks` virtual
/// networks, `interfaces` VM interfaces (MAC, IP lease and port each) spread over the
/// datapaths, and `interfaces` datapath_networks (each network on `interfaces / networks`
/// datapaths).
async fn load(client: &RpcClient, networks: usize, interfaces: usize, datapaths: usize) {
    for (uuid, net) in [("nw-public1", "192.0.2.0"), ("nw-public2", "198.51.100.0")] {
        let row = json!({"uuid": uuid, "ipv4_network": net, "ipv4_prefix": 24, "mode": "physical"});
        client.create(Table::Networks, row).await.unwrap();
    }
    let started = Instant::now();
    // Each phase's calls from CLIENTS clients at once.
    async fn phase<F, Fut>(client: &RpcClient, n: usize, call: F)
    where
        F: Fn(RpcClient, usize) -> Fut + Clone + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let next = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (client, next, call) = (client.clone(), Arc::clone(&next), call.clone());
                tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        call(client.clone(), i).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    }
    phase(client, datapaths, |c, i| async move {
        let row = json!({"uuid": format!("dp-b{i}"), "display_name": format!("dp-b{i}"),
            "dpid": format!("0x{:016x}", 0x1_0000 + i), "node_id": format!("vnab{i}")});
        c.create(Table::Datapaths, row).await.unwrap();
        let (nw, ip) = if i % 2 == 0 {
            ("nw-public1", format!("192.0.2.{}", 10 + i / 2))
        } else {
            ("nw-public2", format!("198.51.100.{}", 10 + i / 2))
        };
        let row = json!({"uuid": format!("if-b{i}eth0"), "mode": "host",
            "owner_datapath_uuid": format!("dp-b{i}"),
            "mac_address": format!("02:fd:00:00:{:02x}:{:02x}", i / 256, i % 256),
            "network_uuid": nw, "ipv4_address": ip, "port_name": "eth0"});
        c.call(proto::Op::Call(proto::ServiceCall::CreateInterface {
            row: obj(row),
        }))
        .await
        .unwrap();
    })
    .await;
    phase(client, networks, |c, n| async move {
        let row = json!({"uuid": format!("nw-b{n}"),
            "ipv4_network": format!("10.{}.{}.0", 200 + n / 250, n % 250),
            "ipv4_prefix": 24, "mode": "virtual"});
        c.create(Table::Networks, row).await.unwrap();
    })
    .await;
    phase(client, interfaces, move |c, k| async move {
        let (n, j) = (k % networks, k / networks);
        let d = (n + j * 11) % datapaths;
        let row = json!({"uuid": format!("if-b{k}"), "mode": "vif",
            "owner_datapath_uuid": format!("dp-b{d}"),
            "mac_address": format!("06:00:00:{:02x}:{:02x}:{:02x}", k >> 16, (k >> 8) & 0xff, k & 0xff),
            "network_uuid": format!("nw-b{n}"),
            "ipv4_address": format!("10.{}.{}.{}", 200 + n / 250, n % 250, 10 + j),
            "port_name": format!("p{k}")});
        c.call(proto::Op::Call(proto::ServiceCall::CreateInterface { row: obj(row) }))
            .await
            .unwrap();
    })
    .await;
    let per_network = (interfaces / networks).max(1);
    phase(client, networks * per_network, move |c, m| async move {
        let (n, j) = (m / per_network, m % per_network);
        let d = (n + j * 11) % datapaths;
        let fields = json!({"datapath_uuid": format!("dp-b{d}"), "network_uuid": format!("nw-b{n}"),
            "interface_uuid": format!("if-b{d}eth0"),
            "mac_address": format!("0a:00:00:{:02x}:{:02x}:{:02x}", m >> 16, (m >> 8) & 0xff, m & 0xff)});
        c.relate(Table::DatapathNetworks, obj(fields)).await.unwrap();
    })
    .await;
    println!(
        "  loaded {networks} networks, {interfaces} interfaces, {datapaths} datapaths in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        database_url: format!("sqlite://{}/vnmgr.db?mode=rwc", dir.path().display()),
        rpc_endpoint: "tcp://127.0.0.1:0".into(),
        event_endpoint: "tcp://127.0.0.1:0".into(),
        retention_interval: Duration::from_secs(3600),
        ..Config::default()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let (rpc, events, server) = runtime.block_on(async {
        let server = Server::bind(&config).await.unwrap();
        let (rpc, events) = (
            server.rpc_endpoint().to_owned(),
            server.event_endpoint().to_owned(),
        );
        let task = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        (rpc, events, task)
    });
    let client = RpcClient::new(&rpc, Duration::from_secs(120));

    println!("vna memory (VNA_BENCH_SCALE scales the dataset)");
    let first = Vna::start(dir.path(), "vna-events", &rpc, &events);
    first.wait_for("in sync at epoch", 1);
    first.settle(Duration::from_secs(1));
    report("idle (empty model)", first.pid());

    let (networks, interfaces, datapaths) = (scale(1_000), scale(10_000), scale(100));
    runtime.block_on(load(&client, networks, interfaces, datapaths));
    first.settle(Duration::from_secs(3));
    report("loaded through events", first.pid());
    drop(first);

    let started = Instant::now();
    let second = Vna::start(dir.path(), "vna-snapshot", &rpc, &events);
    second.wait_for("in sync at epoch", 1);
    let synced = started.elapsed();
    second.settle(Duration::from_secs(2));
    report(
        &format!("loaded from a snapshot ({:.1} s)", synced.as_secs_f64()),
        second.pid(),
    );
    let snapshot = runtime.block_on(async {
        match client.call(proto::Op::Snapshot).await.unwrap() {
            proto::Reply::Snapshot(s) => (
                s.rows.len(),
                s.rows.iter().map(|r| r.0.get().len()).sum::<usize>(),
            ),
            _ => panic!("not a snapshot"),
        }
    });
    println!(
        "  the snapshot: {} rows, {:.1} MiB of JSON rows",
        snapshot.0,
        snapshot.1 as f64 / (1024.0 * 1024.0)
    );
    drop(second);

    let _ = stop.send(());
    runtime.block_on(async {
        let _ = server.await;
    });
}
