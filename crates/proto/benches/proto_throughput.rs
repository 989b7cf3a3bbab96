//! Throughput figures for the protocol over ZeroMQ on loopback (prints, never fails):
//! RPC round trips per second from 4 concurrent clients against an in-process echo server,
//! and events per second delivered to each of 10 subscribers.
//!
//! `cargo bench -p proto --bench proto_throughput`

use std::time::{Duration, Instant};

use model::Table;
use proto::{
    Change, ChangeOp, EventPublisher, EventSequencer, EventSubscriber, Key, Notice, Op, Reply,
    RpcClient, RpcServer,
};
use serde_json::{Value, json};

const CLIENTS: usize = 4;
const CALLS_PER_CLIENT: usize = 20_000;
/// Calls each client keeps in flight.
const IN_FLIGHT: usize = 32;
const SUBSCRIBERS: usize = 10;
const EVENTS: u64 = 50_000;

fn main() {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return;
        }
    };
    runtime.block_on(async {
        if let Err(e) = rpc_round_trips().await {
            eprintln!("rpc benchmark failed: {e}");
        }
        if let Err(e) = event_fan_out().await {
            eprintln!("event benchmark failed: {e}");
        }
    });
}

async fn rpc_round_trips() -> Result<(), Box<dyn std::error::Error>> {
    let server = RpcServer::bind("tcp://127.0.0.1:0").await?;
    let endpoint = server.endpoint().to_owned();
    tokio::spawn(server.serve(|op| async move {
        match op {
            Op::Show { table, key } => Ok(Reply::Row(json!({
                "table": table.as_str(),
                "row": {"id": 1, "uuid": "nw-bench", "key": key.to_string(),
                        "display_name": "bench", "ipv4_network": "10.0.0.0", "ipv4_prefix": 24}
            }))),
            _ => Ok(Reply::Pong),
        }
    }));
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let client = RpcClient::new(&endpoint, Duration::from_secs(10));
        client.ping().await?;
        clients.push(client);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in clients {
        for _ in 0..IN_FLIGHT {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..CALLS_PER_CLIENT / IN_FLIGHT {
                    let key = Key::Id(i64::try_from(i).unwrap_or_default());
                    client.show(Table::Networks, key).await?;
                }
                Ok::<_, proto::RpcError>(())
            }));
        }
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed();
    let calls = CLIENTS * (CALLS_PER_CLIENT / IN_FLIGHT) * IN_FLIGHT;
    println!(
        "rpc: {calls} show round trips from {CLIENTS} clients ({IN_FLIGHT} in flight each) in {elapsed:.2?}: {:.0}/s",
        per_second(calls as f64, elapsed)
    );
    Ok(())
}

async fn event_fan_out() -> Result<(), Box<dyn std::error::Error>> {
    let publisher = EventPublisher::bind("tcp://127.0.0.1:0").await?;
    let mut sequencer = EventSequencer::new(1);
    let mut subscribers = Vec::new();
    for _ in 0..SUBSCRIBERS {
        let mut s = EventSubscriber::<Value>::connect(publisher.endpoint()).await?;
        s.subscribed().await;
        subscribers.push(s);
    }
    // Heartbeat until every subscriber hears one, so none misses the start.
    for s in &mut subscribers {
        loop {
            publisher.heartbeat(sequencer.heartbeat()).await?;
            if let Ok(Some(Ok(Notice::Heartbeat(_)))) =
                tokio::time::timeout(Duration::from_millis(50), s.recv()).await
            {
                break;
            }
        }
    }
    let started = Instant::now();
    let receivers: Vec<_> = subscribers
        .into_iter()
        .map(|mut s| {
            tokio::spawn(async move {
                let mut events = 0u64;
                let mut last_seq = 0;
                while last_seq < EVENTS {
                    match tokio::time::timeout(Duration::from_secs(2), s.recv()).await {
                        Ok(Some(Ok(Notice::Event(e)))) => {
                            events += 1;
                            last_seq = e.seq;
                        }
                        Ok(Some(_)) => {}
                        Ok(None) | Err(_) => break,
                    }
                }
                (events, started.elapsed())
            })
        })
        .collect();
    for i in 0..EVENTS {
        let event = sequencer.next_event(
            "interface_updated",
            vec![Change {
                op: ChangeOp::Updated,
                row: json!({"table": "interfaces", "row": {"id": i, "uuid": "if-bench",
                            "mode": "vif", "display_name": "bench"}}),
            }],
        );
        publisher.publish(&event).await?;
    }
    let published = started.elapsed();
    let mut slowest = Duration::ZERO;
    let mut delivered = Vec::new();
    for r in receivers {
        let (events, elapsed) = r.await?;
        slowest = slowest.max(elapsed);
        delivered.push(events);
    }
    let least = delivered.iter().copied().min().unwrap_or_default();
    println!(
        "events: {EVENTS} published in {published:.2?} ({:.0}/s); {SUBSCRIBERS} subscribers received {}..{} each (PUB drops for slow subscribers), the last done after {slowest:.2?}: {:.0}/s per subscriber",
        per_second(EVENTS as f64, published),
        least,
        delivered.iter().copied().max().unwrap_or_default(),
        per_second(least as f64, slowest),
    );
    Ok(())
}

fn per_second(n: f64, elapsed: Duration) -> f64 {
    n / elapsed.as_secs_f64().max(1e-9)
}
