//! The server: the store, the RPC socket, the event publisher, the timers, and what each
//! operation does.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use model::{AnyRecord, Id, ModelError, Table, Uuid};
use proto::{
    ApiError, Change, ChangeOp, EventPublisher, EventSequencer, Key, Op, RawRow, Reply, RpcServer,
    ServiceCall, Snapshot, SnapshotCursor, SnapshotPage, TransportError,
};
use serde_json::{Map, Value};
use store::{Filter, Store, StoreError, StoreOptions, Tx};
use tokio::sync::{Mutex, MutexGuard};
use tracing::{debug, error, info, warn};

use crate::calls;
use crate::config::{Config, sqlite_path};
use crate::error::OpError;
use crate::generic::{insert_any, update_any};
use crate::read_model::ReadModel;
use crate::rows;
use crate::services::{self, ServiceContext};
use crate::snapshots::{self, OpenSnapshots, PageLimits};

/// The page size of a list that gives none (the original's `pagination_limit`).
pub const DEFAULT_PAGE_SIZE: u64 = 30;

/// How long an operation waits for a database connection before answering 503.
const DB_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// Why vnmgr could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the database directory {path}")]
    CreateDir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the database {url}")]
    Store {
        url: String,
        #[source]
        source: StoreError,
    },
    #[error(transparent)]
    Bind(#[from] TransportError),
}

/// A bound, not yet running vnmgr.
#[derive(Debug)]
pub struct Server {
    shared: Arc<Shared>,
    rpc: RpcServer,
    heartbeat: Duration,
    retention_interval: Duration,
}

#[derive(Debug)]
struct Shared {
    store: Store,
    publisher: EventPublisher,
    /// The write lock: held from `begin` to the publication of the event (and to the
    /// update of `read_model` before it).
    sequencer: Mutex<EventSequencer>,
    /// Every live row as of the last committed change set; shows, lists and snapshots are
    /// answered from it. Written only under `sequencer`.
    read_model: RwLock<ReadModel>,
    /// Set when a commit failed (it may or may not have happened), so `read_model` may
    /// differ from the database: it is reloaded, under `sequencer`, before it is used again.
    read_model_stale: AtomicBool,
    /// The snapshots being read page by page ([`Op::SnapshotPage`]), bounded in number and
    /// idle time. Taken after `sequencer` when both are, never held across an await.
    snapshots: std::sync::Mutex<OpenSnapshots>,
    datapath_mac_group: Option<Uuid>,
    node_id: String,
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The wire form of the store's change list.
fn wire_changes(changes: Vec<store::Change>) -> Vec<Change<AnyRecord>> {
    changes
        .into_iter()
        .map(|c| Change {
            op: match c.op {
                store::ChangeOp::Created => ChangeOp::Created,
                store::ChangeOp::Updated => ChangeOp::Updated,
                store::ChangeOp::Deleted => ChangeOp::Deleted,
            },
            row: c.row,
        })
        .collect()
}

/// How a reply names a row: by uuid when it has one.
fn key_of(row: &AnyRecord) -> Key {
    row.uuid().map_or(Key::Id(row.id()), Key::Uuid)
}

/// Refuses a uuid for a table without uuids, or of another kind (101).
fn check_uuid_kind(table: Table, uuid: &Uuid) -> Result<(), OpError> {
    let Some(kind) = table.resource_kind() else {
        return Err(ModelError::invalid(
            "uuid",
            uuid,
            format!("{table} rows have no uuid; name the row by id"),
        )
        .into());
    };
    if uuid.kind() != kind {
        return Err(ModelError::InvalidUuid {
            field: "uuid".into(),
            value: uuid.to_string(),
            reason: format!(
                "wrong kind: {} uuid, expected {} uuid ({}-…)",
                uuid.kind().name(),
                kind.name(),
                kind.prefix()
            ),
        }
        .into());
    }
    Ok(())
}

/// The live row `key` names in `table`: 100 when there is none, 101 for a uuid of another
/// kind.
async fn find_row(tx: &mut Tx, table: Table, key: &Key) -> Result<AnyRecord, OpError> {
    match key {
        Key::Id(id) => tx.get_any(table, *id).await?.ok_or_else(|| {
            ModelError::UnknownId {
                table: table.as_str().into(),
                id: *id,
            }
            .into()
        }),
        Key::Uuid(uuid) => {
            check_uuid_kind(table, uuid)?;
            rows::find_by_uuid(tx, table, "uuid", *uuid).await
        }
    }
}

/// Every live row, read in one transaction.
async fn load_read_model(store: &Store) -> Result<ReadModel, StoreError> {
    let mut tx = store.begin(unix_now()).await?;
    let model = ReadModel::load(&mut tx).await;
    let _ = tx.rollback().await;
    model
}

/// `(column, value)` pairs as a store filter.
fn build_filter<'a>(
    table: Table,
    pairs: impl IntoIterator<Item = (&'a String, &'a Value)>,
) -> Result<Filter, OpError> {
    let mut filter = Filter::new();
    for (name, value) in pairs {
        filter = filter.eq(name.clone(), rows::filter_value(table, name, value)?);
    }
    Ok(filter)
}

impl Server {
    /// Opens (and migrates) the database and binds both sockets.
    pub async fn bind(config: &Config) -> Result<Self, StartError> {
        if let Some(path) = sqlite_path(&config.database_url)
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|source| StartError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let options = StoreOptions {
            acquire_timeout: DB_ACQUIRE_TIMEOUT,
            ..StoreOptions::default()
        };
        let store = Store::open_with(&config.database_url, options)
            .await
            .map_err(|source| StartError::Store {
                url: config.database_url.clone(),
                source,
            })?;
        let read_model = load_read_model(&store)
            .await
            .map_err(|source| StartError::Store {
                url: config.database_url.clone(),
                source,
            })?;
        let rpc = RpcServer::bind(&config.rpc_endpoint).await?;
        let publisher = EventPublisher::bind(&config.event_endpoint).await?;
        let sequencer = EventSequencer::with_random_epoch();
        info!(
            node_id = %config.node_id,
            database = store.dialect(),
            rpc = rpc.endpoint(),
            events = publisher.endpoint(),
            epoch = sequencer.epoch(),
            "vnmgr bound"
        );
        Ok(Self {
            shared: Arc::new(Shared {
                store,
                read_model: RwLock::new(read_model),
                read_model_stale: AtomicBool::new(false),
                snapshots: std::sync::Mutex::new(OpenSnapshots::new(proto::random_epoch())),
                publisher,
                sequencer: Mutex::new(sequencer),
                datapath_mac_group: config.datapath_mac_group,
                node_id: config.node_id.clone(),
            }),
            rpc,
            heartbeat: config.heartbeat,
            retention_interval: config.retention_interval,
        })
    }

    /// The RPC endpoint actually bound (port 0 resolved).
    pub fn rpc_endpoint(&self) -> &str {
        self.rpc.endpoint()
    }

    /// The event endpoint actually bound.
    pub fn event_endpoint(&self) -> &str {
        self.shared.publisher.endpoint()
    }

    /// Serves until `shutdown` completes, then lets the write in progress finish and closes
    /// the database.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let Self {
            shared,
            rpc,
            heartbeat,
            retention_interval,
        } = self;
        let heartbeats = tokio::spawn(send_heartbeats(Arc::clone(&shared), heartbeat));
        let retention = tokio::spawn(run_retention(Arc::clone(&shared), retention_interval));
        let handler_shared = Arc::clone(&shared);
        let serving = rpc.serve(move |op| {
            let shared = Arc::clone(&handler_shared);
            async move { shared.handle(op).await }
        });
        tokio::select! {
            () = serving => warn!("RPC socket closed"),
            () = shutdown => info!("shutting down"),
        }
        heartbeats.abort();
        retention.abort();
        // Wait for the write in progress, if any, to commit and publish.
        let _last = shared.sequencer.lock().await;
        shared.store.close().await;
        info!(node_id = %shared.node_id, "vnmgr stopped");
    }
}

async fn send_heartbeats(shared: Arc<Shared>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // Under the lock, so a heartbeat never overtakes an event it counts.
        let sequencer = shared.sequencer.lock().await;
        if let Err(e) = shared.publisher.heartbeat(sequencer.heartbeat()).await {
            error!("heartbeat: {e}");
        }
        drop(sequencer);
        // Idle snapshots go even when no page is asked for.
        shared.open_snapshots().expire(Instant::now());
    }
}

async fn run_retention(shared: Arc<Shared>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if let Err(e) = shared.retention_tick().await {
            if e.is_unavailable() {
                debug!("IP retention: database unavailable");
            } else {
                warn!("IP retention: {e}");
            }
        }
    }
}

impl Shared {
    fn context(&self, now: i64) -> ServiceContext {
        ServiceContext {
            datapath_mac_group: self.datapath_mac_group,
            now,
        }
    }

    async fn handle(&self, op: Op) -> Result<Reply, ApiError> {
        let name = op.name();
        let result = match op {
            Op::Ping => Ok(Reply::Pong),
            Op::Snapshot => self.snapshot().await.map(Reply::Snapshot),
            Op::SnapshotPage { cursor } => {
                self.snapshot_page(cursor).await.map(Reply::SnapshotPage)
            }
            Op::Show { table, key } => self.show(table, key).await.map(Reply::Row),
            Op::List {
                table,
                filter,
                limit,
                offset,
            } => self.list(table, filter, limit, offset).await,
            Op::Create { table, row } => self.create(table, row, false).await.map(Reply::Row),
            Op::Relate { table, fields } => self
                .create(table, Value::Object(fields), true)
                .await
                .map(Reply::Row),
            Op::Update { table, key, fields } => {
                self.update(table, key, fields).await.map(Reply::Row)
            }
            Op::Delete { table, key } => self.delete(table, key).await.map(Reply::Deleted),
            Op::Unrelate { table, fields } => {
                self.unrelate(table, fields).await.map(Reply::Deleted)
            }
            Op::Call(call) => self.call(call).await,
        };
        result.map_err(|e| {
            debug!("{name}: {e}");
            ApiError::from(e)
        })
    }

    /// The write lock and a transaction (after reloading the read model if a failed commit
    /// left it in doubt, so the changes of this one apply to the right rows).
    async fn begin_write(&self) -> Result<(MutexGuard<'_, EventSequencer>, Tx), OpError> {
        let guard = self.sequencer.lock().await;
        self.refresh_read_model().await?;
        let tx = self.store.begin(unix_now()).await?;
        Ok((guard, tx))
    }

    /// Reloads the read model from the database if it is stale; call with the write lock.
    async fn refresh_read_model(&self) -> Result<(), OpError> {
        if !self.read_model_stale.load(Ordering::Acquire) {
            return Ok(());
        }
        let fresh = load_read_model(&self.store).await?;
        *self
            .read_model
            .write()
            .unwrap_or_else(PoisonError::into_inner) = fresh;
        self.read_model_stale.store(false, Ordering::Release);
        info!("read model reloaded from the database");
        Ok(())
    }

    /// Runs `read` on the read model; if a failed commit left it in doubt, first reloads it
    /// (which needs the database: unavailable is 503, as for a write).
    async fn read<T>(&self, read: impl FnOnce(&ReadModel) -> T) -> Result<T, OpError> {
        if self.read_model_stale.load(Ordering::Acquire) {
            let _guard = self.sequencer.lock().await;
            self.refresh_read_model().await?;
        }
        let model = self
            .read_model
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(read(&model))
    }

    /// Finishes a write: on success commits, applies the changes to the read model and
    /// publishes them as one event; on failure rolls back and returns the error.
    async fn finish_write<T>(
        &self,
        sequencer: &mut EventSequencer,
        tx: Tx,
        kind: String,
        outcome: Result<T, OpError>,
    ) -> Result<T, OpError> {
        let value = match outcome {
            Ok(value) => value,
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(e);
            }
        };
        match tx.commit().await {
            Ok(changes) => {
                if !changes.is_empty() {
                    self.read_model
                        .write()
                        .unwrap_or_else(PoisonError::into_inner)
                        .apply(&changes);
                    let event = sequencer.next_event(kind, wire_changes(changes));
                    if let Err(e) = self.publisher.publish(&event).await {
                        error!("event {}: {e}", event.seq);
                    }
                }
                Ok(value)
            }
            Err(e) => {
                // The commit may or may not have happened: make every replica resnapshot, and
                // reload the read model before it answers again.
                self.read_model_stale.store(true, Ordering::Release);
                *sequencer = EventSequencer::with_random_epoch();
                warn!(
                    epoch = sequencer.epoch(),
                    "commit failed ({e}); starting a new epoch"
                );
                Err(OpError::CommitInDoubt(e))
            }
        }
    }

    /// Every live row and the `(epoch, seq)` it reflects. The write lock is held only to
    /// copy the tables' `Arc`s; rows are serialised after it is released.
    async fn snapshot(&self) -> Result<Snapshot<RawRow>, OpError> {
        let (epoch, seq, tables) = {
            let sequencer = self.sequencer.lock().await;
            self.refresh_read_model().await?;
            let tables = self
                .read_model
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .tables();
            (sequencer.epoch(), sequencer.seq(), tables)
        };
        let rows = tables
            .iter()
            .flat_map(|(_, t)| t.rows())
            .map(|row| {
                RawRow::from_value(row).map_err(|e| OpError::Internal(format!("snapshot row: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Snapshot { epoch, seq, rows })
    }

    fn open_snapshots(&self) -> std::sync::MutexGuard<'_, OpenSnapshots> {
        // The open snapshots stay consistent even if a holder panicked.
        self.snapshots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// One page of a paged snapshot: without a cursor, opens one of the model as it is now
    /// (the write lock is held only to read `(epoch, seq)` and keep the tables' `Arc`s, as
    /// for a whole snapshot) and answers its first page; with one, the page after it, of
    /// the snapshot its token names. Rows are serialised after every lock is released.
    async fn snapshot_page(
        &self,
        cursor: Option<SnapshotCursor>,
    ) -> Result<SnapshotPage<RawRow>, OpError> {
        let (token, model, after) = match cursor {
            None => {
                let sequencer = self.sequencer.lock().await;
                self.refresh_read_model().await?;
                let (token, model) = self.open_snapshots().open(
                    sequencer.epoch(),
                    sequencer.seq(),
                    || {
                        self.read_model
                            .read()
                            .unwrap_or_else(PoisonError::into_inner)
                            .tables()
                    },
                    Instant::now(),
                );
                (token, model, None)
            }
            Some(cursor) => {
                let model = self
                    .open_snapshots()
                    .get(cursor.token, Instant::now())
                    .ok_or(OpError::SnapshotExpired {
                        token: cursor.token,
                    })?;
                (cursor.token, model, Some((cursor.table, cursor.after)))
            }
        };
        snapshots::page(&model, token, after, PageLimits::default())
    }

    async fn show(&self, table: Table, key: Key) -> Result<Value, OpError> {
        let found = match &key {
            Key::Id(id) => self.read(|m| m.get(table, *id)).await?.ok_or_else(|| {
                OpError::from(ModelError::UnknownId {
                    table: table.as_str().into(),
                    id: *id,
                })
            })?,
            Key::Uuid(uuid) => {
                check_uuid_kind(table, uuid)?;
                self.read(|m| m.get_by_uuid(table, uuid))
                    .await?
                    .ok_or_else(|| {
                        OpError::from(ModelError::UnknownUuid {
                            field: "uuid".into(),
                            uuid: *uuid,
                        })
                    })?
            }
        };
        self.read(|m| m.reply(&found)).await?
    }

    async fn list(
        &self,
        table: Table,
        filter: Vec<(String, Value)>,
        limit: Option<u64>,
        offset: u64,
    ) -> Result<Reply, OpError> {
        let filter = build_filter(table, filter.iter().map(|(k, v)| (k, v)))?;
        let columns: Vec<(usize, model::SqlValue)> = filter
            .conditions()
            .iter()
            .filter_map(|(name, value)| {
                let i = table.columns().iter().position(|c| c.name == name)?;
                Some((i, value.clone()))
            })
            .collect();
        let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let (total, items) = self
            .read(|m| m.list_json(table, &columns, limit, offset))
            .await??;
        Ok(Reply::Rows {
            total,
            offset,
            limit,
            items,
        })
    }

    async fn create(&self, table: Table, input: Value, relate: bool) -> Result<Value, OpError> {
        if relate && table.resource_kind().is_some() {
            return Err(ModelError::invalid(
                "table",
                table,
                "not an association table; use create",
            )
            .into());
        }
        let (mut sequencer, mut tx) = self.begin_write().await?;
        let ctx = self.context(tx.now());
        let outcome = calls::create_composite(&mut tx, &ctx, table, input, relate).await;
        let kind = rows::event_kind(table, "created");
        let mut row = self.finish_write(&mut sequencer, tx, kind, outcome).await?;
        drop(sequencer);
        self.with_extras(table, &mut row).await;
        Ok(row)
    }

    /// Adds the extras of reference §3.3 to a row a write answers with, from the read model
    /// the write has just updated. A model in doubt leaves them out: the write itself is
    /// done.
    async fn with_extras(&self, table: Table, row: &mut Value) {
        let _ = self.read(|m| m.add_reply_extras(table, row)).await;
    }

    async fn update(
        &self,
        table: Table,
        key: Key,
        fields: Map<String, Value>,
    ) -> Result<Value, OpError> {
        let (mut sequencer, mut tx) = self.begin_write().await?;
        let outcome = update_in(&mut tx, table, &key, fields).await;
        let kind = rows::event_kind(table, "updated");
        let mut row = self.finish_write(&mut sequencer, tx, kind, outcome).await?;
        drop(sequencer);
        self.with_extras(table, &mut row).await;
        Ok(row)
    }

    async fn delete(&self, table: Table, key: Key) -> Result<Vec<Key>, OpError> {
        let (mut sequencer, mut tx) = self.begin_write().await?;
        let ctx = self.context(tx.now());
        let outcome = async {
            let row = find_row(&mut tx, table, &key).await?;
            delete_rows(&mut tx, &ctx, vec![row]).await
        }
        .await;
        let kind = rows::event_kind(table, "deleted");
        self.finish_write(&mut sequencer, tx, kind, outcome).await
    }

    async fn unrelate(
        &self,
        table: Table,
        fields: Map<String, Value>,
    ) -> Result<Vec<Key>, OpError> {
        if fields.is_empty() {
            return Err(ModelError::missing("fields").into());
        }
        let (mut sequencer, mut tx) = self.begin_write().await?;
        let ctx = self.context(tx.now());
        let outcome = async {
            let mut fields = fields;
            rows::resolve_uuid_references(&mut tx, table, &mut fields).await?;
            let filter = build_filter(table, fields.iter())?;
            let found = tx.find_any(table, &filter).await?;
            if found.is_empty() {
                let described: Vec<String> =
                    fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                return Err(ModelError::UnknownResource {
                    what: format!("no {table} row with {}", described.join(", ")),
                }
                .into());
            }
            delete_rows(&mut tx, &ctx, found).await
        }
        .await;
        let kind = rows::event_kind(table, "deleted");
        self.finish_write(&mut sequencer, tx, kind, outcome).await
    }

    async fn call(&self, call: ServiceCall) -> Result<Reply, OpError> {
        let (mut sequencer, mut tx) = self.begin_write().await?;
        let ctx = self.context(tx.now());
        let outcome = calls::call_in(&mut tx, &ctx, &call).await;
        let kind = calls::event_kind(&call);
        let (mut row, changes) = self.finish_write(&mut sequencer, tx, kind, outcome).await?;
        drop(sequencer);
        let table = match call {
            ServiceCall::CreateInterface { .. } => Table::Interfaces,
            ServiceCall::AllocateLease { .. }
            | ServiceCall::AttachLease { .. }
            | ServiceCall::ReleaseLease { .. } => Table::IpLeases,
        };
        self.with_extras(table, &mut row).await;
        Ok(Reply::Called { row, changes })
    }

    async fn retention_tick(&self) -> Result<(), OpError> {
        // Nothing can be due without a container that expires leases. This runs every second:
        // without one, it takes neither the write lock nor a write transaction, which would
        // hold up a request arriving at that moment.
        let expiring = self
            .read(|m| {
                m.table_rows(Table::IpRetentionContainers).any(|row| {
                    matches!(row, AnyRecord::IpRetentionContainer(c)
                        if c.lease_time.is_some() || c.grace_time.is_some())
                })
            })
            .await?;
        if !expiring {
            return Ok(());
        }
        let (mut sequencer, mut tx) = self.begin_write().await?;
        let ctx = self.context(tx.now());
        let outcome = services::retention_tick(&mut tx, &ctx)
            .await
            .map_err(OpError::from);
        self.finish_write(
            &mut sequencer,
            tx,
            "ip_retention_expired".to_owned(),
            outcome,
        )
        .await
    }
}

/// Refuses an association that already exists (code 112), judged by the table's unique keys.
pub(crate) async fn check_relation_absent(tx: &mut Tx, row: &AnyRecord) -> Result<(), OpError> {
    let table = row.table();
    let values = row.to_values();
    for key in store::schema::unique_keys(table) {
        let columns: Vec<&str> = key.iter().copied().filter(|c| *c != "is_deleted").collect();
        let mut filter = Filter::new();
        let mut described = Vec::new();
        for name in &columns {
            let value = table
                .columns()
                .iter()
                .zip(values.iter())
                .find(|(c, _)| c.name == *name)
                .map(|(_, v)| v.clone());
            let Some(value) = value else { continue };
            described.push(format!("{name} {value}"));
            filter = filter.eq(*name, value);
        }
        if !tx.find_any(table, &filter).await?.is_empty() {
            let right = described.split_off(described.len().min(1));
            return Err(ModelError::RelationExists {
                relation: table.as_str().into(),
                left: described.join(", "),
                right: right.join(", "),
            }
            .into());
        }
    }
    Ok(())
}

/// Error 102 when a live row of `table` has `uuid`.
pub(crate) async fn check_uuid_free(tx: &mut Tx, table: Table, uuid: Uuid) -> Result<(), OpError> {
    let found = tx
        .find_any(table, &Filter::new().eq("uuid", uuid.suffix()))
        .await?;
    if found.is_empty() {
        Ok(())
    } else {
        Err(ModelError::DuplicateUuid {
            field: "uuid".into(),
            uuid,
        }
        .into())
    }
}

pub(crate) async fn create_in(
    tx: &mut Tx,
    ctx: &ServiceContext,
    table: Table,
    input: Value,
    relate: bool,
) -> Result<Value, OpError> {
    let uuid_given = input.get("uuid").is_some();
    let mut row = rows::row_for_create(tx, table, input).await?;
    // A uuid in use is 102 whatever else the row repeats (the original's API checked it
    // first). A uuid vnmgr drew itself is left to the unique index, which answers the same
    // 102 in the unlikely case it is taken: one query less for each implied row.
    if uuid_given && let Some(uuid) = row.uuid() {
        check_uuid_free(tx, table, uuid).await?;
    }
    row.validate()?;
    rows::check_references(tx, &row, false).await?;
    rows::check_cross_row(tx, &row).await?;
    if relate {
        check_relation_absent(tx, &row).await?;
    }
    services::before_create(tx, &mut row, ctx).await?;
    row.validate()?;
    rows::check_references(tx, &row, true).await?;
    let stored = insert_any(tx, row).await?;
    services::after_create(tx, &stored, ctx).await?;
    rows::row_json(&stored)
}

async fn update_in(
    tx: &mut Tx,
    table: Table,
    key: &Key,
    fields: Map<String, Value>,
) -> Result<Value, OpError> {
    let current = find_row(tx, table, key).await?;
    let row = rows::row_for_update(tx, &current, fields).await?;
    row.validate()?;
    rows::check_references(tx, &row, true).await?;
    rows::check_cross_row(tx, &row).await?;
    let stored = update_any(tx, row).await?;
    rows::row_json(&stored)
}

/// Deletes `targets` (each with what cascades from it); the keys of every deleted row, the
/// targets first.
async fn delete_rows(
    tx: &mut Tx,
    ctx: &ServiceContext,
    targets: Vec<AnyRecord>,
) -> Result<Vec<Key>, OpError> {
    let mut target_ids: Vec<(Table, Id)> = Vec::new();
    for row in targets {
        // An earlier target's cascade may have taken this one already.
        if tx.get_any(row.table(), row.id()).await?.is_none() {
            continue;
        }
        services::before_delete(tx, &row, ctx).await?;
        tx.delete_any(row.table(), row.id()).await?;
        target_ids.push((row.table(), row.id()));
    }
    let deleted: Vec<&AnyRecord> = tx
        .changes()
        .iter()
        .filter(|c| c.op == store::ChangeOp::Deleted)
        .map(|c| &c.row)
        .collect();
    let is_target = |r: &AnyRecord| target_ids.contains(&(r.table(), r.id()));
    let mut keys: Vec<Key> = deleted
        .iter()
        .filter(|r| is_target(r))
        .map(|r| key_of(r))
        .collect();
    keys.extend(deleted.iter().filter(|r| !is_target(r)).map(|r| key_of(r)));
    Ok(keys)
}
