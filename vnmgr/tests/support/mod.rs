//! Test helpers: the `vnmgr` binary as a child process, RPC clients and replicas on it, and
//! a private MariaDB server ([`mariadb`], from `testkit`).
#![allow(dead_code)]

// Only the outage tests use it.
#[allow(unused_imports)]
pub use testkit::mariadb;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use model::{AnyRecord, Id, Table};
use proto::{EventSubscriber, Replica, ReplicaConfig, RpcClient, RpcError, Snapshot, TableReplica};
use serde_json::{Map, Value};

/// Upper bound for one step of a test.
pub const STEP: Duration = Duration::from_secs(20);
/// Heartbeat period the tests run vnmgr with.
pub const HEARTBEAT_MS: u64 = 100;

/// A running `vnmgr` process, killed (and waited for) when dropped.
pub struct Vnmgr {
    child: Option<Child>,
    pub rpc: String,
    pub events: String,
    pub database_url: String,
    log: PathBuf,
}

impl Vnmgr {
    /// Starts vnmgr on `database_url` with ephemeral ports.
    pub fn start(database_url: &str, log_dir: &Path) -> Self {
        Self::start_on(
            database_url,
            "tcp://127.0.0.1:0",
            "tcp://127.0.0.1:0",
            log_dir,
        )
    }

    /// Starts vnmgr on the given endpoints; waits until it says it is ready.
    pub fn start_on(database_url: &str, rpc: &str, events: &str, log_dir: &Path) -> Self {
        let log = log_dir.join(format!("vnmgr-{}.log", unique()));
        let stderr = std::fs::File::create(&log).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_vnmgr"))
            .args(["--database-url", database_url])
            .args(["--rpc-endpoint", rpc])
            .args(["--event-endpoint", events])
            .args(["--heartbeat-ms", &HEARTBEAT_MS.to_string()])
            .args(["--config", "/dev/null"])
            .env("RUST_LOG", "info,vnmgr=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let line = match rx.recv_timeout(STEP) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "vnmgr did not get ready; log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .unwrap_or_else(|| panic!("no {name} in {line:?}"))
                .to_owned()
        };
        Self {
            rpc: field("rpc="),
            events: field("events="),
            child: Some(child),
            database_url: database_url.to_owned(),
            log,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    pub fn client(&self) -> RpcClient {
        RpcClient::new(&self.rpc, STEP)
    }

    /// SIGKILL, like a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM; the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + STEP;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("vnmgr did not exit within {STEP:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Vnmgr {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A number unique within the test process.
pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A JSON object from `json!({...})`.
pub fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// The API error code of a failed call.
pub fn code(result: Result<impl std::fmt::Debug, RpcError>) -> u16 {
    match result {
        Err(RpcError::Api(e)) => e.code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Rows by (table, id).
pub type Rows = BTreeMap<(Table, Id), AnyRecord>;

/// A fresh snapshot, typed.
pub async fn snapshot(client: &RpcClient) -> Snapshot<AnyRecord> {
    client.snapshot::<AnyRecord>().await.unwrap()
}

pub fn by_key(rows: Vec<AnyRecord>) -> Rows {
    let n = rows.len();
    let map: Rows = rows.into_iter().map(|r| ((r.table(), r.id()), r)).collect();
    assert_eq!(map.len(), n, "a snapshot holds a row twice");
    map
}

/// A replica client of `vnmgr`'s event stream.
pub async fn replica(rpc: &str, events: &str) -> Replica<TableReplica<AnyRecord>> {
    let subscriber = EventSubscriber::<AnyRecord>::connect(events).await.unwrap();
    let client = RpcClient::new(rpc, Duration::from_secs(5));
    Replica::start(
        subscriber,
        move || {
            let client = client.clone();
            async move { client.snapshot::<AnyRecord>().await }
        },
        TableReplica::default(),
        ReplicaConfig {
            heartbeat_timeout: Duration::from_millis(HEARTBEAT_MS * 10),
            retry_delay: Duration::from_millis(100),
            ..ReplicaConfig::default()
        },
    )
}

/// Waits until `replica` is in sync at exactly `snapshot`'s position, then checks that it
/// holds exactly the snapshot's rows.
pub async fn assert_replica_equals(
    name: &str,
    replica: &Replica<TableReplica<AnyRecord>>,
    snapshot: &Snapshot<AnyRecord>,
) {
    let mut status = replica.status();
    let reached = tokio::time::timeout(
        STEP,
        status.wait_for(|s| s.synced && s.epoch == snapshot.epoch && s.seq >= snapshot.seq),
    )
    .await;
    let current = replica.status().borrow().clone();
    assert!(
        reached.is_ok(),
        "{name} did not reach epoch {} seq {}: {current:?}",
        snapshot.epoch,
        snapshot.seq
    );
    assert_eq!(current.seq, snapshot.seq, "{name} is ahead of the snapshot");
    let expected = by_key(snapshot.rows.clone());
    let state = replica.state();
    let actual: Rows = state.iter().map(|(k, r)| (*k, r.clone())).collect();
    if actual != expected {
        let missing: Vec<_> = expected
            .keys()
            .filter(|k| !actual.contains_key(k))
            .collect();
        let extra: Vec<_> = actual
            .keys()
            .filter(|k| !expected.contains_key(k))
            .collect();
        let differing: Vec<_> = expected
            .iter()
            .filter(|(k, r)| actual.get(k).is_some_and(|a| a != *r))
            .map(|(k, _)| k)
            .collect();
        panic!(
            "{name} differs from the snapshot: missing {missing:?}, extra {extra:?}, differing {differing:?}"
        );
    }
}
