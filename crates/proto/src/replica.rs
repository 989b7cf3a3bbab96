//! The replica client: a local copy of vnmgr's model kept current from the event stream
//! (ARCHITECTURE.md §2, rule 2).
//!
//! 1. Subscribe to events first, and wait until the subscription is sent.
//! 2. Fetch a snapshot over RPC; it says which `(epoch, seq)` it reflects. Events arriving
//!    meanwhile are buffered. [`Replica::start_paged`] fetches it a page at a time
//!    (`RpcClient::snapshot_page`), every page at the first one's `(epoch, seq)`, and loads
//!    each page as it comes into a new state under construction (see [`ReplicaState`]), so
//!    only one page's JSON and decoded rows are alive at once; [`Replica::start`] fetches it
//!    whole.
//! 3. Put the loaded state in place of the old one (one swap under the lock: readers see the
//!    old model or the new one, never part of one), then apply the buffered events with a
//!    higher `seq`, in order.
//! 4. Apply each further event whose `seq` is exactly one more than the last.
//!
//! It starts over at 2 (a *resnapshot*) on a gap in `seq`, on an event or heartbeat of another
//! epoch (vnmgr restarted), on a heartbeat ahead of the replica (an event was lost, perhaps
//! published before the publisher saw the subscription), on an undecodable notice, and when
//! nothing at all arrives for [`ReplicaConfig::heartbeat_timeout`] (3 s: vnmgr sends a
//! heartbeat every second). Duplicates and events older than the replica are ignored. A
//! failed snapshot is retried after [`ReplicaConfig::retry_delay`].
//!
//! What is kept is up to the user: anything implementing [`ReplicaState`]. [`TableReplica`]
//! keeps every row by `(table, id)`. Users learn of changes through a `watch` of
//! [`ReplicaStatus`] (epoch, seq, whether in sync), and read the state under its lock.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use model::{Id, Table};
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::events::EventSubscriber;
use crate::wire::{ChangeOp, Event, Notice, Snapshot, SnapshotCursor, SnapshotPage};

/// What a replica keeps, rebuilt from snapshots and advanced by events.
///
/// A snapshot is loaded apart from the state in use: [`ReplicaState::start_snapshot`] makes
/// a builder, each page's rows go to [`SnapshotBuilder::add_page`] as the page arrives, and
/// only a complete snapshot is [`SnapshotBuilder::finish`]ed into a state and put in place
/// with [`ReplicaState::replace`]. A reader of the state (vna computing flows from it)
/// therefore never sees half a model; a snapshot that fails half way is dropped with its
/// builder, and the state in use stays as it was.
pub trait ReplicaState<R>: Sized + Send + 'static {
    /// A state under construction from a snapshot's pages.
    type Builder: SnapshotBuilder<R, State = Self>;

    /// Starts loading a snapshot that reflects `(epoch, seq)`.
    fn start_snapshot(epoch: u64, seq: u64) -> Self::Builder;

    /// Takes a completely loaded snapshot in place of this state. Runs under the state's
    /// lock, so it should only move things (the building was done by `finish`); the default
    /// replaces everything. A state that carries something across snapshots (a generation
    /// counter) overrides it.
    fn replace(&mut self, loaded: Self) {
        *self = loaded;
    }

    /// Applies one event, the next in sequence.
    fn apply(&mut self, event: &Event<R>);

    /// Replaces everything with the rows of a whole snapshot that reflects `(epoch, seq)`:
    /// a one-page load.
    fn reset(&mut self, epoch: u64, seq: u64, rows: Vec<R>) {
        let mut builder = Self::start_snapshot(epoch, seq);
        builder.add_page(rows);
        self.replace(builder.finish());
    }
}

/// A [`ReplicaState`] under construction from the pages of one snapshot.
pub trait SnapshotBuilder<R>: Send + 'static {
    /// What it builds.
    type State;
    /// Adds the rows of the next page (pages never repeat a row; rows arrive in no
    /// particular order across tables).
    fn add_page(&mut self, rows: Vec<R>);
    /// The state holding every row added; called once the last page is in.
    fn finish(self) -> Self::State;
}

/// A row that knows where it belongs, for [`TableReplica`].
pub trait RowKey {
    /// The row's table and id, or `None` if the row does not say (it is then not kept).
    fn row_key(&self) -> Option<(Table, Id)>;
}

/// Rows as JSON in the tagged shape `{"table": "networks", "row": {"id": 1, …}}`, which is
/// how `model::AnyRecord` serialises.
impl RowKey for serde_json::Value {
    fn row_key(&self) -> Option<(Table, Id)> {
        let table = self.get("table")?.as_str()?.parse().ok()?;
        let id = self.get("row")?.get("id")?.as_i64()?;
        Some((table, id))
    }
}

/// Typed rows know their table and id.
impl RowKey for model::AnyRecord {
    fn row_key(&self) -> Option<(Table, Id)> {
        Some((self.table(), self.id()))
    }
}

/// Every row by `(table, id)`: the simplest [`ReplicaState`], used by tests and as a
/// reference.
#[derive(Debug, Clone, PartialEq)]
pub struct TableReplica<R> {
    pub epoch: u64,
    pub seq: u64,
    rows: BTreeMap<(Table, Id), R>,
}

impl<R> Default for TableReplica<R> {
    fn default() -> Self {
        Self {
            epoch: 0,
            seq: 0,
            rows: BTreeMap::new(),
        }
    }
}

impl<R> TableReplica<R> {
    pub fn get(&self, table: Table, id: Id) -> Option<&R> {
        self.rows.get(&(table, id))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every row, ordered by table then id.
    pub fn iter(&self) -> impl Iterator<Item = (&(Table, Id), &R)> {
        self.rows.iter()
    }

    /// The rows of one table, ordered by id.
    pub fn table(&self, table: Table) -> impl Iterator<Item = &R> {
        self.rows
            .range((table, Id::MIN)..=(table, Id::MAX))
            .map(|(_, row)| row)
    }
}

/// A [`TableReplica`] being loaded from a snapshot.
#[derive(Debug)]
pub struct TableReplicaBuilder<R>(TableReplica<R>);

impl<R: RowKey + Send + 'static> SnapshotBuilder<R> for TableReplicaBuilder<R> {
    type State = TableReplica<R>;

    fn add_page(&mut self, rows: Vec<R>) {
        for row in rows {
            match row.row_key() {
                Some(key) => {
                    self.0.rows.insert(key, row);
                }
                None => warn!("replica: snapshot row without table and id, not kept"),
            }
        }
    }

    fn finish(self) -> TableReplica<R> {
        self.0
    }
}

impl<R: RowKey + Clone + Send + 'static> ReplicaState<R> for TableReplica<R> {
    type Builder = TableReplicaBuilder<R>;

    fn start_snapshot(epoch: u64, seq: u64) -> TableReplicaBuilder<R> {
        TableReplicaBuilder(TableReplica {
            epoch,
            seq,
            rows: BTreeMap::new(),
        })
    }

    fn apply(&mut self, event: &Event<R>) {
        self.epoch = event.epoch;
        self.seq = event.seq;
        for change in &event.changes {
            let Some(key) = change.row.row_key() else {
                warn!(
                    "replica: event {} changes a row without table and id",
                    event.seq
                );
                continue;
            };
            match change.op {
                ChangeOp::Created | ChangeOp::Updated => {
                    self.rows.insert(key, change.row.clone());
                }
                ChangeOp::Deleted => {
                    self.rows.remove(&key);
                }
            }
        }
    }
}

/// Why the replica took (or is taking) a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResyncReason {
    /// The first snapshot.
    Start,
    /// A `seq` other than the next one (an event lost), or a heartbeat ahead of the replica.
    Gap { expected: u64, got: u64 },
    /// A notice from another epoch: vnmgr restarted.
    NewEpoch { old: u64, new: u64 },
    /// Nothing from vnmgr for the heartbeat timeout.
    HeartbeatLost,
    /// A notice that could not be decoded, so something may have been missed.
    Undecodable,
}

impl fmt::Display for ResyncReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Start => f.write_str("start"),
            Self::Gap { expected, got } => write!(f, "gap: expected seq {expected}, got {got}"),
            Self::NewEpoch { old, new } => write!(f, "new epoch {new} (was {old})"),
            Self::HeartbeatLost => f.write_str("no heartbeat from vnmgr"),
            Self::Undecodable => f.write_str("an undecodable notice"),
        }
    }
}

/// Where the replica is; sent on the watch after every change of state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaStatus {
    pub epoch: u64,
    pub seq: u64,
    /// `false` while (re)snapshotting: the state may be stale.
    pub synced: bool,
    /// How many snapshots have been loaded.
    pub snapshots: u64,
    /// Why the last resnapshot started.
    pub last_resync: Option<ResyncReason>,
}

/// Timing of the replica client.
#[derive(Debug, Clone)]
pub struct ReplicaConfig {
    /// Resnapshot when nothing arrives for this long.
    pub heartbeat_timeout: Duration,
    /// Wait between failed snapshot attempts.
    pub retry_delay: Duration,
    /// At most this many notices are buffered during a snapshot; older ones are dropped
    /// (which shows as a gap, hence another snapshot).
    pub max_buffered: usize,
}

impl Default for ReplicaConfig {
    fn default() -> Self {
        Self {
            heartbeat_timeout: Duration::from_secs(3),
            retry_delay: Duration::from_millis(500),
            max_buffered: 100_000,
        }
    }
}

/// A running replica client. Dropping it stops the client.
#[derive(Debug)]
pub struct Replica<S> {
    state: Arc<Mutex<S>>,
    status: watch::Receiver<ReplicaStatus>,
    task: JoinHandle<()>,
}

impl<S> Drop for Replica<S> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl<S> Replica<S> {
    /// Starts keeping `state` current from `subscriber`'s events and the whole snapshots
    /// `fetch` returns (typically `RpcClient::snapshot`; a plain function in tests).
    pub fn start<R, F, Fut, E>(
        subscriber: EventSubscriber<R>,
        fetch: F,
        state: S,
        config: ReplicaConfig,
    ) -> Self
    where
        R: DeserializeOwned + Send + 'static,
        S: ReplicaState<R>,
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Snapshot<R>, E>> + Send + 'static,
        E: fmt::Display + 'static,
    {
        // A whole snapshot is a snapshot of one page.
        let fetch_page = move |_: Option<SnapshotCursor>| {
            let fetching = fetch();
            async move { fetching.await.map(SnapshotPage::from) }
        };
        Self::start_paged(subscriber, fetch_page, state, config)
    }

    /// Starts keeping `state` current from `subscriber`'s events and snapshots fetched a
    /// page at a time: `fetch_page(None)` opens a snapshot and returns its first page,
    /// `fetch_page(Some(cursor))` the page at a previous page's `next` (typically
    /// `RpcClient::snapshot_page`). A page at another `(epoch, seq)` than the first, or a
    /// failed page, abandons the snapshot; the next attempt starts over.
    pub fn start_paged<R, F, Fut, E>(
        subscriber: EventSubscriber<R>,
        fetch_page: F,
        state: S,
        config: ReplicaConfig,
    ) -> Self
    where
        R: DeserializeOwned + Send + 'static,
        S: ReplicaState<R>,
        F: Fn(Option<SnapshotCursor>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<SnapshotPage<R>, E>> + Send + 'static,
        E: fmt::Display + 'static,
    {
        let state = Arc::new(Mutex::new(state));
        let (status_tx, status) = watch::channel(ReplicaStatus {
            epoch: 0,
            seq: 0,
            synced: false,
            snapshots: 0,
            last_resync: None,
        });
        let task = tokio::spawn(run(
            subscriber,
            fetch_page,
            Arc::clone(&state),
            status_tx,
            config,
        ));
        Self {
            state,
            status,
            task,
        }
    }

    /// A watch on the replica's position: changes after every snapshot and every event.
    pub fn status(&self) -> watch::Receiver<ReplicaStatus> {
        self.status.clone()
    }

    /// The state, locked; hold the guard briefly, the client waits for it.
    pub fn state(&self) -> MutexGuard<'_, S> {
        lock(&self.state)
    }
}

fn lock<S>(state: &Mutex<S>) -> MutexGuard<'_, S> {
    // A panic in a user's `apply` leaves a state the next snapshot replaces anyway.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What to do with one notice, given the replica's position.
enum Verdict {
    Apply,
    Ignore,
    Resync(ResyncReason),
}

fn judge<R>(epoch: u64, seq: u64, notice: &Notice<R>) -> Verdict {
    let (n_epoch, n_seq) = notice.position();
    if n_epoch != epoch {
        return Verdict::Resync(ResyncReason::NewEpoch {
            old: epoch,
            new: n_epoch,
        });
    }
    match notice {
        Notice::Event(_) if n_seq == seq.saturating_add(1) => Verdict::Apply,
        Notice::Event(_) | Notice::Heartbeat(_) if n_seq <= seq => Verdict::Ignore,
        _ => Verdict::Resync(ResyncReason::Gap {
            expected: seq.saturating_add(1),
            got: n_seq,
        }),
    }
}

/// Fetches every page of one snapshot and loads them into a new state, page by page; the
/// state in use is not touched. Errors are returned as their message (only that crosses the
/// caller's retry wait).
async fn load_snapshot<R, S, F, Fut, E>(fetch_page: &F) -> Result<(u64, u64, S), String>
where
    R: Send + 'static,
    S: ReplicaState<R>,
    F: Fn(Option<SnapshotCursor>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<SnapshotPage<R>, E>> + Send + 'static,
    E: fmt::Display + 'static,
{
    let first = fetch_page(None).await.map_err(|e| e.to_string())?;
    let (epoch, seq, mut next) = (first.epoch, first.seq, first.next);
    let mut builder = S::start_snapshot(epoch, seq);
    builder.add_page(first.rows);
    let mut pages = 1_u64;
    while let Some(cursor) = next {
        let page = fetch_page(Some(cursor)).await.map_err(|e| e.to_string())?;
        if (page.epoch, page.seq) != (epoch, seq) {
            return Err(format!(
                "page {} of the snapshot is at epoch {} seq {}, its first page at epoch {epoch} seq {seq}",
                pages + 1,
                page.epoch,
                page.seq
            ));
        }
        next = page.next;
        builder.add_page(page.rows);
        pages += 1;
    }
    debug!("snapshot at epoch {epoch} seq {seq}: {pages} page(s) loaded");
    Ok((epoch, seq, builder.finish()))
}

async fn run<R, S, F, Fut, E>(
    mut subscriber: EventSubscriber<R>,
    fetch_page: F,
    state: Arc<Mutex<S>>,
    status: watch::Sender<ReplicaStatus>,
    config: ReplicaConfig,
) where
    R: DeserializeOwned + Send + 'static,
    S: ReplicaState<R>,
    F: Fn(Option<SnapshotCursor>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<SnapshotPage<R>, E>> + Send + 'static,
    E: fmt::Display + 'static,
{
    if !subscriber.subscribed().await {
        return;
    }
    let endpoint = subscriber.endpoint().to_owned();
    let mut reason = ResyncReason::Start;
    loop {
        info!("replica of {endpoint}: taking a snapshot ({reason})");
        status.send_modify(|s| {
            s.synced = false;
            s.last_resync = Some(reason.clone());
        });

        // Fetch and load, buffering whatever arrives meanwhile; retry until a snapshot is
        // loaded whole.
        let mut buffer: VecDeque<Notice<R>> = VecDeque::new();
        let (epoch, mut seq, loaded) = loop {
            let fetched = {
                let fetching = load_snapshot::<R, S, F, Fut, E>(&fetch_page);
                tokio::pin!(fetching);
                loop {
                    tokio::select! {
                        result = &mut fetching => break result,
                        notice = subscriber.recv() => match notice {
                            None => return,
                            Some(Ok(notice)) => {
                                if buffer.len() >= config.max_buffered {
                                    buffer.pop_front();
                                }
                                buffer.push_back(notice);
                            }
                            Some(Err(e)) => warn!("replica of {endpoint}: {e}"),
                        },
                    }
                }
            };
            match fetched {
                Ok(loaded) => break loaded,
                Err(e) => {
                    warn!("replica of {endpoint}: snapshot failed: {e}; retrying");
                    tokio::time::sleep(config.retry_delay).await;
                }
            }
        };

        lock(&state).replace(loaded);
        let mut next_reason = None;
        for notice in buffer {
            // Buffered notices of another epoch are from before a restart the snapshot
            // already reflects, or from after one that the next heartbeat will reveal.
            if notice.position().0 != epoch {
                continue;
            }
            match judge(epoch, seq, &notice) {
                Verdict::Ignore => {}
                Verdict::Apply => {
                    if let Notice::Event(event) = &notice {
                        lock(&state).apply(event);
                        seq = event.seq;
                    }
                }
                Verdict::Resync(r) => {
                    next_reason = Some(r);
                    break;
                }
            }
        }
        status.send_modify(|s| {
            s.epoch = epoch;
            s.seq = seq;
            s.snapshots += 1;
            s.synced = next_reason.is_none();
        });
        if let Some(r) = next_reason {
            reason = r;
            continue;
        }
        info!("replica of {endpoint}: in sync at epoch {epoch} seq {seq}");

        // Follow the stream until something is wrong.
        reason = loop {
            let notice =
                match tokio::time::timeout(config.heartbeat_timeout, subscriber.recv()).await {
                    Err(_) => break ResyncReason::HeartbeatLost,
                    Ok(None) => return,
                    Ok(Some(Err(e))) => {
                        warn!("replica of {endpoint}: {e}");
                        break ResyncReason::Undecodable;
                    }
                    Ok(Some(Ok(notice))) => notice,
                };
            match judge(epoch, seq, &notice) {
                Verdict::Ignore => {}
                Verdict::Apply => {
                    if let Notice::Event(event) = &notice {
                        lock(&state).apply(event);
                        seq = event.seq;
                        status.send_modify(|s| s.seq = seq);
                    }
                }
                Verdict::Resync(r) => break r,
            }
        };
        warn!("replica of {endpoint}: resynchronising: {reason}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Change, Heartbeat};
    use serde_json::json;

    fn ev(epoch: u64, seq: u64) -> Notice<serde_json::Value> {
        Notice::Event(Event {
            epoch,
            seq,
            kind: "k".into(),
            changes: vec![],
        })
    }

    #[test]
    fn judging_follows_the_sequence_rules() {
        assert!(matches!(judge(1, 5, &ev(1, 6)), Verdict::Apply));
        assert!(matches!(judge(1, 5, &ev(1, 5)), Verdict::Ignore));
        assert!(matches!(judge(1, 5, &ev(1, 2)), Verdict::Ignore));
        assert!(matches!(
            judge(1, 5, &ev(1, 8)),
            Verdict::Resync(ResyncReason::Gap {
                expected: 6,
                got: 8
            })
        ));
        assert!(matches!(
            judge(1, 5, &ev(2, 6)),
            Verdict::Resync(ResyncReason::NewEpoch { old: 1, new: 2 })
        ));
        let hb = |seq| Notice::<serde_json::Value>::Heartbeat(Heartbeat { epoch: 1, seq });
        assert!(matches!(judge(1, 5, &hb(5)), Verdict::Ignore));
        assert!(matches!(judge(1, 5, &hb(4)), Verdict::Ignore));
        assert!(matches!(
            judge(1, 5, &hb(6)),
            Verdict::Resync(ResyncReason::Gap { .. })
        ));
    }

    #[test]
    fn table_replica_keeps_rows_by_table_and_id() {
        let nw = |id: i64, name: &str| json!({"table": "networks", "row": {"id": id, "display_name": name}});
        let mut r = TableReplica::default();
        r.reset(
            7,
            10,
            vec![nw(1, "a"), nw(2, "b"), json!({"garbage": true})],
        );
        assert_eq!(r.len(), 2);
        r.apply(&Event {
            epoch: 7,
            seq: 11,
            kind: "network_deleted_item".into(),
            changes: vec![
                Change {
                    op: ChangeOp::Deleted,
                    row: nw(1, "a"),
                },
                Change {
                    op: ChangeOp::Updated,
                    row: nw(2, "b2"),
                },
                Change {
                    op: ChangeOp::Created,
                    row: json!({"table": "segments", "row": {"id": 1}}),
                },
            ],
        });
        assert_eq!(r.seq, 11);
        assert!(r.get(Table::Networks, 1).is_none());
        assert_eq!(r.get(Table::Networks, 2), Some(&nw(2, "b2")));
        assert_eq!(r.table(Table::Segments).count(), 1);
        assert_eq!(r.table(Table::Networks).count(), 1);
    }
}
