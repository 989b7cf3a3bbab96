//! vnmgr, the vnet manager: the only process that opens the database. It serves RPC over
//! ZeroMQ (create, show, list, update, delete, relate, unrelate, snapshot, ping for every
//! table) and publishes one sequenced event per committed change.
//!
//! **One operation, one transaction, one event.** Each RPC runs in one store transaction.
//! Writes are serialised by one lock that covers "begin … commit … publish", so events leave
//! in `seq` order and a snapshot (taken under the same lock) reflects exactly the `seq` it
//! reports. A committed transaction with changes becomes exactly one
//! `Event { epoch, seq + 1, kind, changes }`; a failed one changes nothing and publishes
//! nothing. If a commit fails in a way that leaves its outcome unknown (the database went away
//! during the commit), vnmgr starts a new epoch, so every replica resnapshots rather than
//! trusting a stream that may have missed a change. Reads run concurrently on MySQL; on
//! SQLite, which has one writer at a time and whose transactions all take the write lock,
//! they queue on the same lock (fair, and faster than SQLite's busy-wait).
//!
//! **Input.** Creates and updates take the row's fields as JSON ([`rows`] describes the
//! rules: defaults, `<x>_uuid` for references, error codes). Rows are validated by the model,
//! checked against the rows they refer to, handed to the services (MAC allocation, topology,
//! lease policy, retention) and stored. Every failure is an `ApiError` with the original's
//! code; a database that cannot be reached is 503 "database unavailable".
//!
//! **Timers.** A heartbeat `(epoch, seq)` every `heartbeat_ms`, and the IP retention service
//! every `retention_interval_ms`, whose changes are published like any RPC's.
//!
//! What it does not do: no REST (vnapi), no flows (vna), no retries of a failed operation.

#![forbid(unsafe_code)]

pub mod config;
mod error;
mod generic;
mod rows;
mod server;
pub mod services;

pub use config::{Config, ConfigError, Flags};
pub use error::OpError;
pub use server::{Server, StartError};
pub use services::ServiceContext;
