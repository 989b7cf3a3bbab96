//! The few statement shapes the store runs, over either database: bind [`SqlValue`]s, read
//! rows back as [`SqlValue`]s. Everything above this module is dialect-free.
//!
//! SQL text passed here is built by the store from the model's column names and the static
//! tables of this crate, never from user input (values are always bound), hence the
//! `AssertSqlSafe`s.

use model::SqlValue;
use sqlx::mysql::MySqlConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{AssertSqlSafe, Row};

/// A connection of either kind, borrowed from a pool or a transaction.
pub(crate) enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    MySql(&'a mut MySqlConnection),
}

/// Expands `$body` once per database, with `$c` the connection and `$q` the query of `$sql`
/// with `$binds` bound.
macro_rules! with_query {
    ($conn:expr, $sql:expr, $binds:expr, |$c:ident, $q:ident| $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => {
                let mut $q = sqlx::query::<sqlx::Sqlite>(AssertSqlSafe($sql));
                for value in $binds {
                    $q = match value {
                        SqlValue::Null => $q.bind(None::<i64>),
                        SqlValue::Int(i) => $q.bind(*i),
                        SqlValue::Text(t) => $q.bind(t.clone()),
                    };
                }
                $body
            }
            Conn::MySql($c) => {
                let mut $q = sqlx::query::<sqlx::MySql>(AssertSqlSafe($sql));
                for value in $binds {
                    $q = match value {
                        SqlValue::Null => $q.bind(None::<i64>),
                        SqlValue::Int(i) => $q.bind(*i),
                        SqlValue::Text(t) => $q.bind(t.clone()),
                    };
                }
                $body
            }
        }
    };
}

/// Reads column `i` of `row` as an integer or as text.
macro_rules! read_value {
    ($row:expr, $i:expr, $integer:expr) => {
        if $integer {
            $row.try_get::<Option<i64>, usize>($i)
                .map(|v| v.map_or(SqlValue::Null, SqlValue::Int))
        } else {
            $row.try_get::<Option<String>, usize>($i)
                .map(|v| v.map_or(SqlValue::Null, SqlValue::Text))
        }
    };
}

/// Runs a query and reads every row; `integer[i]` says whether column `i` is read as an
/// integer (else as text).
pub(crate) async fn fetch(
    conn: Conn<'_>,
    sql: String,
    binds: &[SqlValue],
    integer: &[bool],
) -> Result<Vec<Vec<SqlValue>>, sqlx::Error> {
    with_query!(conn, sql, binds, |c, q| {
        let rows = q.fetch_all(&mut *c).await?;
        rows.iter()
            .map(|row| {
                integer
                    .iter()
                    .enumerate()
                    .map(|(i, int)| read_value!(row, i, *int))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect()
    })
}

/// What a statement did: rows affected and the id it inserted (0 if none).
trait Done {
    fn summary(&self) -> (u64, i64);
}

impl Done for sqlx::sqlite::SqliteQueryResult {
    fn summary(&self) -> (u64, i64) {
        (self.rows_affected(), self.last_insert_rowid())
    }
}

impl Done for sqlx::mysql::MySqlQueryResult {
    fn summary(&self) -> (u64, i64) {
        (
            self.rows_affected(),
            i64::try_from(self.last_insert_id()).unwrap_or(0),
        )
    }
}

/// Runs a statement; returns the rows it affected and the id it inserted (0 if none).
pub(crate) async fn execute(
    conn: Conn<'_>,
    sql: String,
    binds: &[SqlValue],
) -> Result<(u64, i64), sqlx::Error> {
    with_query!(conn, sql, binds, |c, q| {
        let done = q.execute(&mut *c).await?;
        Ok(done.summary())
    })
}
