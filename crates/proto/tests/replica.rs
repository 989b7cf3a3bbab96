//! The replica client against a fake vnmgr whose event stream the test controls: a ROUTER
//! answering snapshots from an in-memory event log, and a PUB publishing (or losing) events.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use model::Table;
use proto::{
    ApiError, Change, ChangeOp, Event, EventPublisher, EventSequencer, EventSubscriber, Op,
    Replica, ReplicaConfig, ReplicaStatus, Reply, ResyncReason, RowKey, RpcClient, RpcServer,
    Snapshot, SnapshotCursor, SnapshotPage, TableReplica,
};
use serde_json::{Value, json};
use tokio::sync::{Mutex, watch};
use tokio::time::timeout;

const ANY_PORT: &str = "tcp://127.0.0.1:0";
const STEP: Duration = Duration::from_secs(5);
const HEARTBEAT_EVERY: Duration = Duration::from_millis(100);
const HEARTBEAT_TIMEOUT: Duration = Duration::from_millis(600);

fn network(id: i64, name: &str) -> Value {
    json!({"table": "networks", "row": {"id": id, "display_name": name}})
}

/// What a snapshot request does besides answering.
#[derive(Debug, Clone, Copy)]
enum SnapshotScript {
    /// Commit and publish `before` events, take the snapshot, commit and publish `after`
    /// more, then answer: the replica buffers events on both sides of the snapshot's seq.
    PublishAround { before: usize, after: usize },
}

#[derive(Debug)]
struct Log {
    sequencer: EventSequencer,
    /// Rows at the start of the epoch (what the database held when this vnmgr started).
    base: BTreeMap<(Table, i64), Value>,
    events: Vec<Event<Value>>,
    scripts: VecDeque<SnapshotScript>,
    names: u64,
    /// Paged snapshots opened: token → (epoch, seq, rows), as vnmgr keeps them.
    paged: BTreeMap<u64, (u64, u64, Vec<Value>)>,
    /// Rows per page of a paged snapshot.
    page_rows: usize,
    /// Events committed and published before each page after the first.
    between_pages: usize,
    /// Rows served in pages, in all.
    rows_served: usize,
}

impl Log {
    fn rows_at(&self, seq: u64) -> Vec<Value> {
        let mut state = TableReplica::default();
        proto::ReplicaState::reset(&mut state, 0, 0, self.base.values().cloned().collect());
        for e in self.events.iter().take(usize::try_from(seq).unwrap()) {
            proto::ReplicaState::apply(&mut state, e);
        }
        state.iter().map(|(_, row)| row.clone()).collect()
    }

    fn current_rows(&self) -> Vec<Value> {
        self.rows_at(self.sequencer.seq())
    }

    /// A change of mixed kind: create a network, rename one, or delete one.
    fn next_event(&mut self) -> Event<Value> {
        self.names += 1;
        let n = self.names;
        let id = i64::try_from(n).unwrap();
        let change = match n % 3 {
            0 => Change {
                op: ChangeOp::Deleted,
                row: network(id - 2, "gone"),
            },
            1 => Change {
                op: ChangeOp::Created,
                row: network(id, &format!("nw{n}")),
            },
            _ => Change {
                op: ChangeOp::Updated,
                row: network(id - 1, &format!("renamed{n}")),
            },
        };
        let event = self.sequencer.next_event("network_changed", vec![change]);
        self.events.push(event.clone());
        event
    }
}

struct FakeVnmgr {
    log: Arc<Mutex<Log>>,
    publisher: EventPublisher,
    rpc_endpoint: String,
    heartbeats_on: Arc<AtomicBool>,
    /// While `false`, pages after the first wait: a snapshot stays half loaded.
    pages_flow: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for FakeVnmgr {
    fn drop(&mut self) {
        self.tasks.iter().for_each(|t| t.abort());
    }
}

impl FakeVnmgr {
    async fn start(scripts: Vec<SnapshotScript>) -> Self {
        let base = (1..=3)
            .map(|id| ((Table::Networks, id), network(id, "initial")))
            .collect();
        let log = Arc::new(Mutex::new(Log {
            sequencer: EventSequencer::new(1000),
            base,
            events: Vec::new(),
            scripts: scripts.into(),
            names: 100,
            paged: BTreeMap::new(),
            page_rows: 2,
            between_pages: 0,
            rows_served: 0,
        }));
        let (pages_flow, pages_gate) = watch::channel(true);
        let publisher = EventPublisher::bind(ANY_PORT).await.unwrap();
        let server = RpcServer::bind(ANY_PORT).await.unwrap();
        let rpc_endpoint = server.endpoint().to_owned();
        let heartbeats_on = Arc::new(AtomicBool::new(true));

        let (l, p) = (Arc::clone(&log), publisher.clone());
        let serve = tokio::spawn(server.serve(move |op| {
            let (log, publisher, gate) = (Arc::clone(&l), p.clone(), pages_gate.clone());
            async move {
                if let Op::SnapshotPage { cursor } = op {
                    return serve_page(&log, &publisher, gate, cursor).await;
                }
                if !matches!(op, Op::Snapshot) {
                    return Err(ApiError::internal("only snapshots here"));
                }
                let script = log.lock().await.scripts.pop_front();
                let snapshot = match script {
                    None => {
                        let log = log.lock().await;
                        Snapshot {
                            epoch: log.sequencer.epoch(),
                            seq: log.sequencer.seq(),
                            rows: log.current_rows(),
                        }
                    }
                    Some(SnapshotScript::PublishAround { before, after }) => {
                        // Let the publisher see the new subscription first.
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        let mut log = log.lock().await;
                        for _ in 0..before {
                            let e = log.next_event();
                            publisher.publish(&e).await.unwrap();
                        }
                        let snapshot = Snapshot {
                            epoch: log.sequencer.epoch(),
                            seq: log.sequencer.seq(),
                            rows: log.current_rows(),
                        };
                        for _ in 0..after {
                            let e = log.next_event();
                            publisher.publish(&e).await.unwrap();
                        }
                        drop(log);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        snapshot
                    }
                };
                Ok(Reply::Snapshot(proto::Snapshot {
                    epoch: snapshot.epoch,
                    seq: snapshot.seq,
                    rows: snapshot
                        .rows
                        .iter()
                        .map(|r| proto::RawRow::from_value(r).unwrap())
                        .collect(),
                }))
            }
        }));

        let (l, p, on) = (
            Arc::clone(&log),
            publisher.clone(),
            Arc::clone(&heartbeats_on),
        );
        let beat = tokio::spawn(async move {
            loop {
                tokio::time::sleep(HEARTBEAT_EVERY).await;
                if on.load(Ordering::Relaxed) {
                    // Under the lock, so a heartbeat never overtakes the event it counts.
                    let log = l.lock().await;
                    p.heartbeat(log.sequencer.heartbeat()).await.unwrap();
                }
            }
        });
        Self {
            log,
            publisher,
            rpc_endpoint,
            heartbeats_on,
            pages_flow,
            tasks: vec![serve, beat],
        }
    }

    /// A replica fetching snapshots a page at a time.
    async fn paged_replica(&self) -> Replica<TableReplica<Value>> {
        let subscriber = EventSubscriber::<Value>::connect(self.publisher.endpoint())
            .await
            .unwrap();
        let client = RpcClient::new(&self.rpc_endpoint, Duration::from_secs(2));
        let config = ReplicaConfig {
            heartbeat_timeout: HEARTBEAT_TIMEOUT,
            retry_delay: Duration::from_millis(100),
            ..ReplicaConfig::default()
        };
        Replica::start_paged(
            subscriber,
            move |cursor| {
                let client = client.clone();
                async move { client.snapshot_page::<Value>(cursor).await }
            },
            TableReplica::default(),
            config,
        )
    }

    /// Commits one change and publishes it, or loses it (as a PUB would for a slow peer).
    async fn commit(&self, publish: bool) -> u64 {
        let mut log = self.log.lock().await;
        let event = log.next_event();
        if publish {
            self.publisher.publish(&event).await.unwrap();
        }
        event.seq
    }

    /// A vnmgr restart: a new epoch starting from the rows the database holds.
    async fn restart(&self) -> u64 {
        let mut log = self.log.lock().await;
        let base = log
            .current_rows()
            .into_iter()
            .map(|row| (row.row_key().unwrap(), row))
            .collect();
        log.base = base;
        log.events.clear();
        log.sequencer = EventSequencer::new(log.sequencer.epoch() + 1);
        log.sequencer.epoch()
    }

    async fn replica(&self) -> Replica<TableReplica<Value>> {
        let subscriber = EventSubscriber::<Value>::connect(self.publisher.endpoint())
            .await
            .unwrap();
        let client = RpcClient::new(&self.rpc_endpoint, Duration::from_secs(2));
        let config = ReplicaConfig {
            heartbeat_timeout: HEARTBEAT_TIMEOUT,
            retry_delay: Duration::from_millis(100),
            ..ReplicaConfig::default()
        };
        Replica::start(
            subscriber,
            move || {
                let client = client.clone();
                async move { client.snapshot::<Value>().await }
            },
            TableReplica::default(),
            config,
        )
    }

    /// Waits until the replica is in sync at the fake's (current) position and holds its rows.
    async fn assert_converges(&self, replica: &Replica<TableReplica<Value>>) -> ReplicaStatus {
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            let (epoch, seq, rows) = {
                let log = self.log.lock().await;
                (
                    log.sequencer.epoch(),
                    log.sequencer.seq(),
                    log.current_rows(),
                )
            };
            let status = replica.status().borrow().clone();
            if status.synced && (status.epoch, status.seq) == (epoch, seq) {
                let state = replica.state();
                let held: Vec<Value> = state.iter().map(|(_, row)| row.clone()).collect();
                assert_eq!(held, rows);
                assert_eq!((state.epoch, state.seq), (epoch, seq));
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "replica stuck at {status:?}; vnmgr at epoch {epoch} seq {seq}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// One page of a paged snapshot, as vnmgr serves it: the first opens a snapshot of the rows
/// as they are now; the others cut the kept rows after the cursor's id (all rows are
/// networks), after committing and publishing `between_pages` events.
async fn serve_page(
    log: &Mutex<Log>,
    publisher: &EventPublisher,
    mut gate: watch::Receiver<bool>,
    cursor: Option<SnapshotCursor>,
) -> Result<Reply, ApiError> {
    let (token, after) = match cursor {
        None => {
            let mut log = log.lock().await;
            let token = u64::try_from(log.paged.len()).unwrap() + 1;
            let kept = (
                log.sequencer.epoch(),
                log.sequencer.seq(),
                log.current_rows(),
            );
            log.paged.insert(token, kept);
            (token, None)
        }
        Some(c) => {
            gate.wait_for(|open| *open).await.unwrap();
            let mut log = log.lock().await;
            for _ in 0..log.between_pages {
                let e = log.next_event();
                publisher.publish(&e).await.unwrap();
            }
            (c.token, Some(c.after))
        }
    };
    let mut log = log.lock().await;
    let page_rows = log.page_rows;
    let Some((epoch, seq, rows)) = log.paged.get(&token) else {
        return Err(ApiError::snapshot_expired(token, "never opened"));
    };
    let id_of = |r: &Value| r["row"]["id"].as_i64().unwrap();
    let rest: Vec<&Value> = rows
        .iter()
        .filter(|r| after.is_none_or(|a| id_of(r) > a))
        .collect();
    let page: Vec<&Value> = rest.iter().take(page_rows).copied().collect();
    let next = (rest.len() > page_rows).then(|| SnapshotCursor {
        token,
        table: Table::Networks,
        after: id_of(page[page.len() - 1]),
    });
    let page = SnapshotPage {
        epoch: *epoch,
        seq: *seq,
        rows: page
            .into_iter()
            .map(|r| proto::RawRow::from_value(r).unwrap())
            .collect(),
        next,
    };
    log.rows_served += page.rows.len();
    Ok(Reply::SnapshotPage(page))
}

async fn wait_for(
    mut status: watch::Receiver<ReplicaStatus>,
    done: impl FnMut(&ReplicaStatus) -> bool,
) -> ReplicaStatus {
    if let Ok(s) = timeout(STEP, status.wait_for(done)).await {
        return s.unwrap().clone();
    }
    panic!("replica stuck; last status {:?}", *status.borrow());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_and_buffered_events_overlap_without_loss_or_duplicates() {
    let vnmgr = FakeVnmgr::start(vec![SnapshotScript::PublishAround {
        before: 4,
        after: 5,
    }])
    .await;
    vnmgr.commit(true).await; // before the replica exists: only the snapshot carries it
    let replica = vnmgr.replica().await;
    let status = vnmgr.assert_converges(&replica).await;
    assert_eq!(status.seq, 10);
    assert_eq!(status.snapshots, 1, "{status:?}");
    assert_eq!(status.last_resync, Some(ResyncReason::Start));

    for _ in 0..20 {
        vnmgr.commit(true).await;
    }
    let status = vnmgr.assert_converges(&replica).await;
    assert_eq!((status.seq, status.snapshots), (30, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_event_is_noticed_and_repaired_by_a_resnapshot() {
    let vnmgr = FakeVnmgr::start(vec![]).await;
    let replica = vnmgr.replica().await;
    vnmgr.assert_converges(&replica).await;
    for _ in 0..3 {
        vnmgr.commit(true).await;
    }
    let status = vnmgr.assert_converges(&replica).await;
    assert_eq!(status.snapshots, 1);

    // Lost, then the next one arrives: a gap in seq.
    vnmgr.commit(false).await;
    vnmgr.commit(true).await;
    let status = vnmgr.assert_converges(&replica).await;
    assert_eq!(status.snapshots, 2);
    assert_eq!(
        status.last_resync,
        Some(ResyncReason::Gap {
            expected: 4,
            got: 5
        })
    );

    // Lost with nothing after it: the next heartbeat is ahead of the replica.
    vnmgr.commit(false).await;
    let status = vnmgr.assert_converges(&replica).await;
    assert_eq!(status.snapshots, 3);
    assert_eq!(
        status.last_resync,
        Some(ResyncReason::Gap {
            expected: 6,
            got: 6
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vnmgr_restart_is_noticed_by_its_new_epoch() {
    let vnmgr = FakeVnmgr::start(vec![]).await;
    let replica = vnmgr.replica().await;
    for _ in 0..5 {
        vnmgr.commit(true).await;
    }
    vnmgr.assert_converges(&replica).await;
    let new_epoch = vnmgr.restart().await;
    vnmgr.commit(true).await;
    vnmgr.commit(true).await;
    let status = vnmgr.assert_converges(&replica).await;
    assert_eq!(status.epoch, new_epoch);
    assert_eq!(status.snapshots, 2);
    assert_eq!(
        status.last_resync,
        Some(ResyncReason::NewEpoch {
            old: new_epoch - 1,
            new: new_epoch
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_heartbeats_cause_a_resnapshot() {
    let vnmgr = FakeVnmgr::start(vec![]).await;
    let replica = vnmgr.replica().await;
    vnmgr.commit(true).await;
    vnmgr.assert_converges(&replica).await;

    vnmgr.heartbeats_on.store(false, Ordering::Relaxed);
    let status = wait_for(replica.status(), |s| {
        s.last_resync == Some(ResyncReason::HeartbeatLost) && s.synced
    })
    .await;
    assert!(status.snapshots >= 2, "{status:?}");

    // Heartbeats back: the replica stays in sync and follows new events.
    vnmgr.heartbeats_on.store(true, Ordering::Relaxed);
    vnmgr.commit(true).await;
    let before = vnmgr.assert_converges(&replica).await.snapshots;
    tokio::time::sleep(HEARTBEAT_TIMEOUT * 2).await;
    let after = vnmgr.assert_converges(&replica).await.snapshots;
    assert_eq!(before, after, "no resnapshot while heartbeats flow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paged_snapshot_taken_while_events_flow_ends_consistent() {
    let vnmgr = FakeVnmgr::start(vec![]).await;
    for _ in 0..12 {
        vnmgr.commit(true).await;
    }
    // In sync first, so the subscription is surely in place at the publisher: an event
    // published before it is lost (and repaired by a resnapshot), which is not what this test
    // is about.
    let replica = vnmgr.paged_replica().await;
    vnmgr.commit(true).await;
    assert_eq!(vnmgr.assert_converges(&replica).await.snapshots, 1);

    // A lost event makes the replica resnapshot, one row a page, with two events committed
    // and published between every two pages.
    {
        let mut log = vnmgr.log.lock().await;
        log.page_rows = 1;
        log.between_pages = 2;
        log.rows_served = 0;
    }
    vnmgr.commit(false).await;
    // The next event reveals the gap; the rows are counted under the same lock, before any
    // page can be served.
    let (seq_at_snapshot, rows_at_snapshot) = {
        let mut log = vnmgr.log.lock().await;
        let event = log.next_event();
        vnmgr.publisher.publish(&event).await.unwrap();
        (event.seq, log.current_rows().len())
    };
    assert!(rows_at_snapshot >= 3, "several pages");
    let status = vnmgr.assert_converges(&replica).await;
    assert_eq!(status.snapshots, 2, "{status:?}");
    assert!(
        matches!(status.last_resync, Some(ResyncReason::Gap { .. })),
        "{status:?}"
    );
    // Events were committed between every two pages, and applied after the snapshot.
    let pages = rows_at_snapshot as u64;
    assert_eq!(status.seq, seq_at_snapshot + 2 * (pages - 1));
    // Each row was fetched once: no page asked twice.
    assert_eq!(vnmgr.log.lock().await.rows_served, rows_at_snapshot);

    vnmgr.log.lock().await.between_pages = 0;
    for _ in 0..5 {
        vnmgr.commit(true).await;
    }
    let status = vnmgr.assert_converges(&replica).await;
    assert_eq!(status.snapshots, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_loaded_snapshot_is_never_visible() {
    let vnmgr = FakeVnmgr::start(vec![]).await;
    for _ in 0..6 {
        vnmgr.commit(true).await;
    }

    // The first snapshot, stuck after its first page: nothing is visible yet.
    vnmgr.pages_flow.send_replace(false);
    let replica = vnmgr.paged_replica().await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        vnmgr.log.lock().await.rows_served > 0,
        "the first page was served"
    );
    assert_eq!(replica.status().borrow().snapshots, 0);
    assert!(replica.state().is_empty(), "half a snapshot is visible");
    vnmgr.pages_flow.send_replace(true);
    vnmgr.assert_converges(&replica).await;
    let before: Vec<Value> = replica.state().iter().map(|(_, r)| r.clone()).collect();
    let seq_before = replica.state().seq;

    // A resnapshot (after a lost event), stuck half way: the old model stays whole.
    vnmgr.pages_flow.send_replace(false);
    let served = vnmgr.log.lock().await.rows_served;
    vnmgr.commit(false).await;
    vnmgr.commit(true).await;
    wait_for(replica.status(), |s| !s.synced).await;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(400);
    while tokio::time::Instant::now() < deadline {
        {
            let state = replica.state();
            let held: Vec<Value> = state.iter().map(|(_, r)| r.clone()).collect();
            assert_eq!(held, before, "the state changed while the snapshot loads");
            assert_eq!(state.seq, seq_before);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        vnmgr.log.lock().await.rows_served > served,
        "a page was served"
    );
    vnmgr.pages_flow.send_replace(true);
    let status = vnmgr.assert_converges(&replica).await;
    assert_eq!(status.snapshots, 2);
}
