//! Errors of the store, and how database errors map onto them.

use model::{ModelError, Table};

/// A failure of a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A request the model refuses: a duplicate, an unknown id, a restricted delete, an invalid
    /// row. Carries the original's error code; the transaction can go on or be dropped.
    #[error(transparent)]
    Model(#[from] ModelError),

    /// The database cannot be reached: the server is down, the connection was lost, or (SQLite)
    /// the file is locked or unreadable. Nothing of the transaction was committed, unless the
    /// connection was lost during the commit itself.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),

    /// A row read from the database does not decode: the database was changed behind vnet's
    /// back or by an incompatible version.
    #[error("corrupt row in table {table}")]
    Corrupt {
        table: Table,
        #[source]
        source: ModelError,
    },

    /// The database's schema is not the one the model expects (see `Store::check_schema`).
    #[error("the database schema does not match the model: {0}")]
    SchemaMismatch(String),

    /// A migration failed to apply.
    #[error("migration {version} ({name}) failed")]
    Migration {
        version: i64,
        name: &'static str,
        #[source]
        source: sqlx::Error,
    },

    /// The database URL names no supported database.
    #[error("unsupported database url {0:?}: expected sqlite://PATH, sqlite::memory: or mysql://…")]
    UnsupportedUrl(String),

    /// An SQLite URL's `synchronous` parameter is neither `normal` nor `full`.
    #[error("database url {url:?}: synchronous={value:?} is not supported; use normal or full")]
    BadSynchronous { url: String, value: String },

    /// Any other database error (a bug in a query, a constraint the model does not know).
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

/// MySQL/MariaDB client and server error numbers that mean "the server is not there".
const MYSQL_UNAVAILABLE: &[u16] = &[
    1040, // too many connections
    1053, // server shutdown in progress
    1927, // connection was killed (MariaDB)
    2002, // can't connect through socket
    2003, // can't connect to server
    2006, // server has gone away
    2013, // lost connection during query
    4031, // disconnected by the server because of inactivity
];

/// SQLite primary result codes that mean the database cannot be used right now.
const SQLITE_UNAVAILABLE: &[i64] = &[
    5,  // SQLITE_BUSY
    6,  // SQLITE_LOCKED
    10, // SQLITE_IOERR
    14, // SQLITE_CANTOPEN
];

/// Whether `err` means the database cannot be reached (rather than refusing a statement).
pub(crate) fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        sqlx::Error::Database(db) => {
            if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                return MYSQL_UNAVAILABLE.contains(&my.number());
            }
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                let code = db.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0);
                return SQLITE_UNAVAILABLE.contains(&(code & 0xff));
            }
            false
        }
        _ => false,
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            Self::Unavailable(err)
        } else {
            Self::Database(err)
        }
    }
}

impl StoreError {
    /// The original's error code for a model error; `None` for database trouble (the API
    /// answers those with a 5xx).
    pub fn code(&self) -> Option<u16> {
        match self {
            Self::Model(e) => Some(e.code()),
            _ => None,
        }
    }

    /// Whether the database could not be reached.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}
