//! Figures, not a timed test: RPC round trips per second (create and show network) from 4
//! clients, and event fan-out to 10 subscribers, against an in-process vnmgr on SQLite (the
//! default `synchronous=normal`, then `synchronous=full`) and, when MariaDB is installed, on a
//! private MariaDB server. Fan-out is printed twice: end to end (events of creates, so capped
//! by the commit rate), and the capacity of the publish path after commit (a burst of
//! one-row events through vnmgr's `EventPublisher`, each subscriber decoding every row).
//!
//! `cargo bench -p vnmgr --bench rpc` (release build). `VNMGR_BENCH_SCALE=0.1` shortens it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    missing_debug_implementations
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use model::{AnyRecord, Table};
use proto::{
    Change, ChangeOp, EventPublisher, EventSequencer, EventSubscriber, Key, Notice, RpcClient,
};
use serde_json::json;
use testkit::mariadb;
use tokio::sync::oneshot;
use vnmgr::{Config, Server};

const CLIENTS: usize = 4;
const SUBSCRIBERS: usize = 10;

fn scale(n: usize) -> usize {
    let factor: f64 = std::env::var("VNMGR_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    ((n as f64 * factor) as usize).max(CLIENTS)
}

struct Running {
    rpc: String,
    events: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(database_url: &str) -> Running {
    let config = Config {
        database_url: database_url.to_owned(),
        rpc_endpoint: "tcp://127.0.0.1:0".into(),
        event_endpoint: "tcp://127.0.0.1:0".into(),
        retention_interval: Duration::from_secs(3600),
        ..Config::default()
    };
    let server = Server::bind(&config).await.unwrap();
    let (rpc, events) = (
        server.rpc_endpoint().to_owned(),
        server.event_endpoint().to_owned(),
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    Running {
        rpc,
        events,
        stop: Some(stop),
        task,
    }
}

impl Running {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}

fn rate(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64()
}

/// `total` calls spread over CLIENTS clients, each with `in_flight` calls outstanding.
async fn run_calls<F, Fut>(rpc: &str, total: usize, in_flight: usize, call: F) -> Duration
where
    F: Fn(RpcClient, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let client = RpcClient::new(rpc, Duration::from_secs(30));
        client.ping().await.unwrap();
        for _ in 0..in_flight {
            let (client, next, call) = (client.clone(), Arc::clone(&next), call.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    if i >= total {
                        return;
                    }
                    call(client.clone(), i).await;
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}

async fn create_networks(rpc: &str, prefix: &str, total: usize, in_flight: usize) -> Duration {
    let prefix = prefix.to_owned();
    run_calls(rpc, total, in_flight, move |client, i| {
        let prefix = prefix.clone();
        async move {
            let row = json!({"uuid": format!("nw-{prefix}{i}"), "ipv4_network": format!("10.{}.{}.0", i / 250 % 250, i % 250)});
            client.create(Table::Networks, row).await.unwrap();
        }
    })
    .await
}

async fn bench(label: &str, database_url: &str) {
    let vnmgr = start(database_url).await;
    let creates = scale(2_000);
    let shows = scale(20_000);

    let t = create_networks(&vnmgr.rpc, "a", creates, 1).await;
    println!(
        "{label}: create network, {CLIENTS} clients x 1 in flight: {creates} in {:.2} s = {:.0}/s",
        t.as_secs_f64(),
        rate(creates, t)
    );
    let t = create_networks(&vnmgr.rpc, "b", creates, 8).await;
    println!(
        "{label}: create network, {CLIENTS} clients x 8 in flight: {creates} in {:.2} s = {:.0}/s",
        t.as_secs_f64(),
        rate(creates, t)
    );
    for in_flight in [1, 8] {
        let existing = creates as i64;
        let t = run_calls(&vnmgr.rpc, shows, in_flight, move |client, i| async move {
            let id = (i as i64 % existing) + 1;
            client.show(Table::Networks, Key::Id(id)).await.unwrap();
        })
        .await;
        println!(
            "{label}: show network, {CLIENTS} clients x {in_flight} in flight: {shows} in {:.2} s = {:.0}/s",
            t.as_secs_f64(),
            rate(shows, t)
        );
    }

    // Fan-out: 10 subscribers each receive every event of `events` creates.
    let events = scale(2_000);
    let received: Vec<Arc<AtomicU64>> = (0..SUBSCRIBERS).map(|_| Arc::default()).collect();
    let mut subscribers = Vec::new();
    for count in &received {
        let mut sub = EventSubscriber::<AnyRecord>::connect(&vnmgr.events)
            .await
            .unwrap();
        assert!(sub.subscribed().await);
        let count = Arc::clone(count);
        subscribers.push(tokio::spawn(async move {
            let mut first = None;
            while let Some(Ok(notice)) = sub.recv().await {
                if let Notice::Event(_) = notice {
                    first.get_or_insert_with(Instant::now);
                    if count.fetch_add(1, Ordering::Relaxed) + 1 == events as u64 {
                        return first.map(|f| f.elapsed());
                    }
                }
            }
            None
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let writes = create_networks(&vnmgr.rpc, "c", events, 8).await;
    let mut slowest = Duration::ZERO;
    for s in subscribers {
        match tokio::time::timeout(Duration::from_secs(60), s).await {
            Ok(Ok(Some(_))) => {}
            other => println!("{label}: a subscriber did not get every event: {other:?}"),
        }
        slowest = slowest.max(started.elapsed());
    }
    let delivered: u64 = received.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    println!(
        "{label}: fan-out end to end (commit included): {events} events (committed at {:.0}/s) to {SUBSCRIBERS} subscribers: {delivered} deliveries, all done {:.0} ms after the first commit, lag after the last commit {:.1} ms = {:.0} events/s per subscriber",
        rate(events, writes),
        slowest.as_secs_f64() * 1000.0,
        slowest.saturating_sub(writes).as_secs_f64() * 1000.0,
        rate(events, slowest)
    );
    fan_out_capacity(label, &vnmgr.rpc).await;
    vnmgr.stop().await;
}

/// The capacity of the path every committed change set takes after its commit: encode once,
/// PUB to 10 subscribers over loopback, each decoding the event's rows as `AnyRecord` (as a
/// vna does). The events are a burst of `Created` changes of real network rows (read back
/// from this vnmgr's snapshot), published with the same `EventPublisher` vnmgr uses, so the
/// figure is not capped by the database's commit rate; the line above measures the whole
/// path, commit included.
async fn fan_out_capacity(label: &str, rpc: &str) {
    let events = scale(50_000) as u64;
    let client = RpcClient::new(rpc, Duration::from_secs(30));
    let rows: Vec<AnyRecord> = client
        .snapshot::<AnyRecord>()
        .await
        .unwrap()
        .rows
        .into_iter()
        .filter(|r| r.table() == Table::Networks)
        .collect();
    assert!(!rows.is_empty());
    let publisher = EventPublisher::bind("tcp://127.0.0.1:0").await.unwrap();
    let mut sequencer = EventSequencer::new(1);
    let mut subscribers = Vec::new();
    for _ in 0..SUBSCRIBERS {
        let mut s = EventSubscriber::<AnyRecord>::connect(publisher.endpoint())
            .await
            .unwrap();
        assert!(s.subscribed().await);
        // Heartbeat until this subscriber hears one, so none misses the start.
        loop {
            publisher.heartbeat(sequencer.heartbeat()).await.unwrap();
            if let Ok(Some(Ok(Notice::Heartbeat(_)))) =
                tokio::time::timeout(Duration::from_millis(50), s.recv()).await
            {
                break;
            }
        }
        subscribers.push(s);
    }
    let started = Instant::now();
    let receivers: Vec<_> = subscribers
        .into_iter()
        .map(|mut s| {
            tokio::spawn(async move {
                let mut received = 0u64;
                let mut last_seq = 0;
                while last_seq < events {
                    match tokio::time::timeout(Duration::from_secs(2), s.recv()).await {
                        Ok(Some(Ok(Notice::Event(e)))) => {
                            received += 1;
                            last_seq = e.seq;
                        }
                        Ok(Some(_)) => {}
                        Ok(None) | Err(_) => break,
                    }
                }
                (received, started.elapsed())
            })
        })
        .collect();
    for i in 0..events {
        let row = rows[i as usize % rows.len()].clone();
        let event = sequencer.next_event(
            "network_created_item",
            vec![Change {
                op: ChangeOp::Created,
                row,
            }],
        );
        publisher.publish(&event).await.unwrap();
    }
    let published = started.elapsed();
    let mut least = u64::MAX;
    let mut slowest = Duration::ZERO;
    for r in receivers {
        let (received, elapsed) = r.await.unwrap();
        least = least.min(received);
        slowest = slowest.max(elapsed);
    }
    println!(
        "{label}: event fan-out capacity (publish path after commit, no database): {events} one-row network events published in {:.2} s; each of {SUBSCRIBERS} subscribers received (and decoded) at least {least}, the last done after {:.2} s = {:.0} events/s delivered to each subscriber",
        published.as_secs_f64(),
        slowest.as_secs_f64(),
        rate(least as usize, slowest)
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
        bench("sqlite", &url).await;
        // The same with the WAL synced at every commit (durable across a power loss).
        let url = format!(
            "sqlite://{}/bench-full.db?mode=rwc&synchronous=full",
            dir.path().display()
        );
        bench("sqlite synchronous=full", &url).await;
        match mariadb::MariaDb::start().await {
            Some(db) => {
                let url = db.create_database("vnmgr_bench").await;
                bench("mariadb", &url).await;
            }
            None => println!("mariadb: skipped (not installed)"),
        }
    });
}
