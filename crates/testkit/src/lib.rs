//! Test support shared by vnet's crates, used only as a dev-dependency.
//!
//! * [`mariadb`]: a private MariaDB server per test, for the store's suite on MariaDB and
//!   vnmgr's outage tests and benchmark.
//! * [`datasets`]: the benchmarks' large topology as `vnctl batch` lines.
//! * [`proc`]: a process's peak and current memory, from `/proc`.
//! * [`stats`]: p50/p95 summaries of latency samples.
//!
//! Helpers here panic on failure (they are test fixtures: a failed setup is a failed test),
//! which is why the workspace's `unwrap`/`expect`/`panic` lints are allowed in this crate.

#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod datasets;
pub mod mariadb;
pub mod proc;
pub mod stats;
