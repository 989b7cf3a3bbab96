//! vnmgr, the vnet manager: the only process that opens the database. It serves RPC over
//! ZeroMQ (create, show, list, update, delete, relate, unrelate, snapshot, ping for every
//! table, and service calls: allocate, attach and release an IP lease) and publishes one sequenced event per committed change.
//!
//! **One operation, one transaction, one event.** Each RPC runs in one store transaction.
//! Writes are serialised by one lock that covers "begin … commit … publish", so events leave
//! in `seq` order and a snapshot (taken under the same lock) reflects exactly the `seq` it
//! reports. A committed transaction with changes becomes exactly one
//! `Event { epoch, seq + 1, kind, changes }`; a failed one changes nothing and publishes
//! nothing. If a commit fails in a way that leaves its outcome unknown (the database went away
//! during the commit), vnmgr starts a new epoch, so every replica resnapshots rather than
//! trusting a stream that may have missed a change. Reads (show, list, snapshot) are answered
//! from an in-memory read model of every live row, loaded at start and updated from each
//! committed change set under the same lock, before its event is published: they never touch
//! the database and never wait for a write (a snapshot holds the lock only to copy the
//! tables' `Arc`s and read `(epoch, seq)`). After a commit whose outcome is unknown the model
//! is reloaded from the database before it answers again (503 while that is impossible).
//!
//! **Input.** Creates and updates take the row's fields as JSON ([`rows`] describes the
//! rules: defaults, `<x>_uuid` for references, error codes). Rows are validated by the model,
//! checked against the rows they refer to, handed to the services (MAC allocation, topology,
//! lease policy, retention) and stored. Every failure is an `ApiError` with the original's
//! code; a database that cannot be reached is 503 "database unavailable" (nothing was
//! written), or 503 [`IN_DOUBT`] when it went away during the commit itself, whose outcome
//! vnmgr cannot know (it then starts a new epoch, so every replica resnapshots).
//!
//! **Timers.** A heartbeat `(epoch, seq)` every `heartbeat_ms`, and the IP retention service
//! every `retention_interval_ms` (skipped without a container that expires leases), whose
//! changes are published like any RPC's.
//!
//! What it does not do: no REST (vnapi), no flows (vna), no retries of a failed operation.

#![forbid(unsafe_code)]

mod calls;
pub mod config;
mod error;
mod generic;
mod read_model;
mod rows;
mod server;
pub mod services;
pub mod snapshots;

pub use config::{Config, ConfigError, Flags};
pub use error::{IN_DOUBT, OpError};
pub use server::{Server, StartError};
pub use services::ServiceContext;
