//! Open vSwitch at the edge of vnet: the `ovs-vsctl` calls `vna` makes, and private
//! `ovsdb-server` + `ovs-vswitchd` instances for tests and the sandbox.
//!
//! * [`Vsctl`] runs `ovs-vsctl --db=TARGET --timeout=N` (optionally inside a network namespace)
//!   and offers the idempotent operations vna needs: [`Vsctl::ensure_bridge`],
//!   [`Vsctl::ensure_gre_port`], [`Vsctl::delete_port`], [`Vsctl::list_ports`],
//!   [`Vsctl::ofport`]. They read the database first and write only what differs, so calling
//!   them on every start changes nothing that is already right (no controller reconnects).
//! * [`instance::OvsInstance`] starts a private database server and switch (userspace
//!   datapath) with every `OVS_*` directory pointing at its own directory, optionally inside a
//!   network namespace, and stops them by pid.
//! * [`Tools`] finds the programs; [`Tools::for_tests`] applies the project's rule for a missing
//!   Open vSwitch: fail when `VNET_REQUIRE_OVS` or `CI` is set, otherwise skip with a note.
//!
//! The crate holds no policy: which bridges and tunnels should exist is vna's business. It talks
//! to OVSDB through the `ovs-vsctl` program rather than the OVSDB protocol, which keeps it small
//! and makes every action reproducible by hand from the command quoted in an error.

#![forbid(unsafe_code)]

mod error;
pub mod instance;
mod ovsdb_json;
pub mod pid;
mod tools;
mod vsctl;

pub use error::Error;
pub use instance::{InstanceConfig, OvsInstance};
pub use tools::{Tools, find_program, ovs_required};
pub use vsctl::{Change, PortInfo, Vsctl, validate_name};
