//! vnet's database: the schema migrations and one generic, soft-deleting implementation of
//! create/read/update/delete over every [`model::Record`], on SQLite and on MySQL/MariaDB.
//! Only vnmgr uses it.
//!
//! **Opening.** [`Store::open`] takes `sqlite://PATH` (created if missing), `sqlite::memory:`
//! or `mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (a unix socket with `?socket=PATH`). It
//! applies the migrations that are not applied yet (see [`migrate`]) and then checks that
//! every table's columns and unique keys are what the model expects, so a binary never runs
//! against a schema it does not understand.
//!
//! **Transactions.** All reads and writes go through a [`Tx`]: `store.begin(now)` starts one,
//! its methods do the work, [`Tx::commit`] makes it durable and returns the [`Change`]s it
//! made, in order (what vnmgr publishes as one event). Dropping a `Tx` without committing — for
//! example after an error, with `?` — rolls everything back. An error returned by a `Tx`
//! method leaves the transaction as it was before the call (a refused delete has written
//! nothing), so a caller may also go on. `now` (unix seconds) stamps every row the
//! transaction writes; the store reads no clock for rows, so tests control time.
//!
//! **Soft delete.** Rows are never removed: a delete sets `deleted_at` and `is_deleted` (to the
//! row's id). Unique keys include `is_deleted`, so they hold among live rows and a uuid can be
//! reused once its row is deleted. Reads see live rows only. Deleting a row applies
//! [`relations::RELATIONS`]: children are deleted too (cascade), refuse the delete (error 113,
//! restrict) or lose their reference (nullify); every row deleted or changed that way is a
//! [`Change`] of its own.
//!
//! **Errors.** Model errors carry the original's codes: duplicate uuid 102, another unique key
//! 110 naming the columns and values, unknown id 100, restrict 113, an invalid row its
//! validation code. A database that cannot be reached is [`StoreError::Unavailable`]
//! ("database unavailable"); the transaction is then lost as a whole, never half-written.
//!
//! **The two databases.** SQLite runs write transactions with `BEGIN IMMEDIATE` so concurrent
//! writers queue instead of failing; a file database uses the WAL journal with
//! `synchronous=NORMAL` unless its URL says `synchronous=full` (a commit then survives a crash
//! of the process but not necessarily a power loss; see `sqlite_synchronous`), its WAL
//! checkpointed every second in the background rather than inside a commit
//! ([`CHECKPOINT_INTERVAL`]); an in-memory database uses a single connection (each
//! connection would otherwise see its own empty database). MySQL/MariaDB runs at its default
//! isolation level (REPEATABLE READ) with InnoDB tables in `utf8mb4_bin`, so text compares
//! the same as in SQLite.
//!
//! What it does not do: no business rules beyond the model's own `validate` (vnmgr checks
//! cross-row rules such as an address inside its subnet), no uuid generation, no events.

#![forbid(unsafe_code)]

mod db;
mod error;
pub mod migrate;
pub mod relations;
pub mod schema;
mod tx;

use std::str::FromStr;
use std::time::Duration;

use model::{AnyRecord, Table, Timestamp};
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::db::Conn;
pub use crate::error::StoreError;
pub use crate::tx::{Filter, Tx};

/// What a transaction did to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeOp {
    Created,
    Updated,
    Deleted,
}

/// One row a transaction created, updated or deleted, as it is after the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub op: ChangeOp,
    pub row: AnyRecord,
}

/// Settings of [`Store::open_with`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long an operation waits for a database connection before the database counts as
    /// unavailable.
    pub acquire_timeout: Duration,
    /// Connections kept to a MySQL server or an SQLite file.
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            acquire_timeout: Duration::from_secs(5),
            max_connections: 8,
        }
    }
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    MySql(MySqlPool),
}

/// The database: a connection pool with the schema migrated and checked.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    /// SQLite files: the task that checkpoints the WAL, stopped with the last clone.
    _checkpointer: Option<std::sync::Arc<Checkpointer>>,
}

/// How often a file SQLite database's WAL is checkpointed, off the write path.
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// Checkpoints an SQLite database's WAL in the background (`PASSIVE`: it never waits for,
/// nor holds up, a writer). SQLite would otherwise checkpoint inside whichever commit crosses
/// 1,000 WAL pages, copying pages back and syncing the database file on the write path: a
/// write that happened to be that one took many milliseconds longer than the others.
#[derive(Debug)]
struct Checkpointer(tokio::task::JoinHandle<()>);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Checkpointer {
    fn start(pool: SqlitePool) -> Checkpointer {
        Checkpointer(tokio::spawn(async move {
            let mut tick = tokio::time::interval(CHECKPOINT_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tick.tick().await;
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&pool)
                    .await
                {
                    tracing::debug!("WAL checkpoint failed (tried again in a second): {e}");
                }
            }
        }))
    }
}

impl Store {
    /// Opens the database at `url` with default [`StoreOptions`], migrates and checks it.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, StoreOptions::default()).await
    }

    /// Opens the database at `url`, migrates and checks it.
    pub async fn open_with(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let mut checkpointer = None;
        let pool = if url.starts_with("sqlite:") {
            let (url, synchronous) = sqlite_synchronous(url)?;
            let url = url.as_str();
            let connect = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::UnsupportedUrl(url.to_owned()))?
                .create_if_missing(true)
                .busy_timeout(options.acquire_timeout);
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let pool = if in_memory {
                // One connection that never closes: the database lives as long as it does.
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await?
            } else {
                SqlitePoolOptions::new()
                    .max_connections(options.max_connections.max(1))
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(
                        connect
                            .journal_mode(SqliteJournalMode::Wal)
                            .synchronous(synchronous)
                            // Checkpoints are the Checkpointer's, not the commits'.
                            .pragma("wal_autocheckpoint", "0"),
                    )
                    .await?
            };
            if !in_memory {
                checkpointer = Some(std::sync::Arc::new(Checkpointer::start(pool.clone())));
            }
            Pool::Sqlite(pool)
        } else if url.starts_with("mysql:") || url.starts_with("mariadb:") {
            let url = url.replacen("mariadb:", "mysql:", 1);
            let connect = MySqlConnectOptions::from_str(&url)
                .map_err(|_| StoreError::UnsupportedUrl(url.clone()))?;
            let pool = MySqlPoolOptions::new()
                .max_connections(options.max_connections.max(1))
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await?;
            Pool::MySql(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let store = Self {
            pool,
            _checkpointer: checkpointer,
        };
        migrate::run(&store).await?;
        store.check_schema().await?;
        Ok(store)
    }

    /// Which database this is: `"sqlite"` or `"mysql"`.
    pub fn dialect(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::MySql(_) => "mysql",
        }
    }

    /// Starts a transaction whose writes are stamped with `now` (unix seconds).
    pub async fn begin(&self, now: Timestamp) -> Result<Tx, StoreError> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => tx::Inner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::MySql(p) => tx::Inner::MySql(p.begin().await?),
        };
        Ok(Tx::new(inner, now))
    }

    /// Closes every connection; later operations fail as unavailable.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::MySql(p) => p.close().await,
        }
    }

    /// Runs a query on a pooled connection, outside any transaction.
    pub(crate) async fn fetch_pooled(
        &self,
        sql: String,
        binds: &[model::SqlValue],
        integer: &[bool],
    ) -> Result<Vec<Vec<model::SqlValue>>, sqlx::Error> {
        match &self.pool {
            Pool::Sqlite(p) => {
                db::fetch(Conn::Sqlite(&mut *p.acquire().await?), sql, binds, integer).await
            }
            Pool::MySql(p) => {
                db::fetch(Conn::MySql(&mut *p.acquire().await?), sql, binds, integer).await
            }
        }
    }

    /// Checks that every table has exactly the model's columns (names, order, nullability)
    /// plus `is_deleted`, and exactly the unique keys of [`schema::unique_keys`].
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        let mysql = matches!(self.pool, Pool::MySql(_));
        let mut problems = Vec::new();
        for &table in Table::ALL {
            let (columns_sql, keys_sql) = if mysql {
                (
                    "SELECT column_name, CASE WHEN is_nullable = 'YES' THEN 0 ELSE 1 END \
                     FROM information_schema.columns \
                     WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
                    "SELECT index_name, column_name FROM information_schema.statistics \
                     WHERE table_schema = DATABASE() AND table_name = ? AND non_unique = 0 \
                     AND index_name <> 'PRIMARY' ORDER BY index_name, seq_in_index",
                )
            } else {
                (
                    "SELECT name, CASE WHEN \"notnull\" = 1 OR pk > 0 THEN 1 ELSE 0 END \
                     FROM pragma_table_info(?) ORDER BY cid",
                    "SELECT il.name, ii.name FROM pragma_index_list(?1) AS il \
                     JOIN pragma_index_info(il.name) AS ii \
                     WHERE il.\"unique\" = 1 AND il.origin = 'c' ORDER BY il.name, ii.seqno",
                )
            };
            let name = [model::SqlValue::Text(table.as_str().to_owned())];
            let columns = self
                .fetch_pooled(columns_sql.to_owned(), &name, &[false, true])
                .await?;
            let actual: Vec<(String, bool)> = columns
                .into_iter()
                .map(|row| match row.as_slice() {
                    [model::SqlValue::Text(n), model::SqlValue::Int(not_null)] => {
                        (n.clone(), *not_null == 0)
                    }
                    _ => (String::new(), false),
                })
                .collect();
            let expected: Vec<(String, bool)> = table
                .columns()
                .iter()
                .map(|c| (c.name.to_owned(), c.nullable))
                .chain(std::iter::once(("is_deleted".to_owned(), false)))
                .collect();
            if actual.is_empty() {
                problems.push(format!("table {table} is missing"));
                continue;
            }
            if actual != expected {
                problems.push(format!(
                    "table {table} has columns {} but the model expects {}",
                    describe_columns(&actual),
                    describe_columns(&expected)
                ));
            }
            let keys = self
                .fetch_pooled(keys_sql.to_owned(), &name, &[false, false])
                .await?;
            let mut actual_keys: Vec<(String, Vec<String>)> = Vec::new();
            for row in keys {
                if let [model::SqlValue::Text(index), model::SqlValue::Text(column)] =
                    row.as_slice()
                {
                    match actual_keys.last_mut() {
                        Some((i, cols)) if i == index => cols.push(column.clone()),
                        _ => actual_keys.push((index.clone(), vec![column.clone()])),
                    }
                }
            }
            actual_keys.sort();
            let mut expected_keys: Vec<(String, Vec<String>)> = schema::unique_keys(table)
                .iter()
                .enumerate()
                .map(|(n, cols)| {
                    (
                        schema::unique_key_name(table, n),
                        cols.iter().map(|c| (*c).to_owned()).collect(),
                    )
                })
                .collect();
            expected_keys.sort();
            if actual_keys != expected_keys {
                problems.push(format!(
                    "table {table} has unique keys {actual_keys:?} but the model expects {expected_keys:?}"
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StoreError::SchemaMismatch(problems.join("; ")))
        }
    }
}

/// Takes the store's own `synchronous=normal|full` parameter out of an SQLite URL (sqlx
/// refuses parameters it does not know): how hard a commit waits for the disk. `normal`
/// (the default) with the WAL journal: a committed transaction survives a crash of vnmgr but
/// the last ones before a power loss or an OS crash may be lost (the database stays
/// consistent); `full` syncs the WAL at every commit, 1.3–3× slower in vnmgr's bench.
fn sqlite_synchronous(url: &str) -> Result<(String, SqliteSynchronous), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), SqliteSynchronous::Normal));
    };
    let mut synchronous = SqliteSynchronous::Normal;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("synchronous", "normal")) => synchronous = SqliteSynchronous::Normal,
            Some(("synchronous", "full")) => synchronous = SqliteSynchronous::Full,
            Some(("synchronous", value)) => {
                return Err(StoreError::BadSynchronous {
                    url: url.to_owned(),
                    value: value.to_owned(),
                });
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, synchronous))
}

fn describe_columns(columns: &[(String, bool)]) -> String {
    let list: Vec<String> = columns
        .iter()
        .map(|(n, nullable)| {
            if *nullable {
                format!("{n} (null)")
            } else {
                n.clone()
            }
        })
        .collect();
    format!("({})", list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synchronous_parameter_is_taken_out_of_an_sqlite_url() {
        let cases = [
            ("sqlite://db?mode=rwc", "sqlite://db?mode=rwc", "normal"),
            ("sqlite://db", "sqlite://db", "normal"),
            ("sqlite://db?synchronous=full", "sqlite://db", "full"),
            (
                "sqlite://db?mode=rwc&synchronous=full",
                "sqlite://db?mode=rwc",
                "full",
            ),
            (
                "sqlite://db?synchronous=normal&mode=rwc",
                "sqlite://db?mode=rwc",
                "normal",
            ),
        ];
        for (url, rest, level) in cases {
            let (kept, synchronous) = sqlite_synchronous(url).unwrap();
            assert_eq!(kept, rest, "{url}");
            let expected = if level == "full" {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            };
            assert_eq!(format!("{synchronous:?}"), format!("{expected:?}"), "{url}");
        }
        let refused = sqlite_synchronous("sqlite://db?synchronous=off").unwrap_err();
        assert_eq!(
            refused.to_string(),
            "database url \"sqlite://db?synchronous=off\": synchronous=\"off\" is not supported; use normal or full"
        );
    }
}
