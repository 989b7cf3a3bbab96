//! vnet's integration harness: a datacenter in network namespaces on one machine, built and
//! torn down by the code itself.
//!
//! [`Datacenter::build`] makes, per [`Layout`] (the original's vnspec environment by default):
//! an underlay namespace with two L2 networks (Linux bridges), a router namespace between them,
//! a management network for vnmgr/vnapi, three hypervisor namespaces each running its own
//! `ovsdb-server` + `ovs-vswitchd` (userspace datapath, real devices) with an underlay bridge
//! `brphys` and the vna-managed `br0`, and VM namespaces attached to `br0` by veths. Names,
//! addresses, MACs and ports are drawn in `tests/README.md`.
//!
//! Helpers run commands inside namespaces ([`exec`]), ping ([`ping`]), run background
//! processes such as vna with their logs ([`Datacenter::spawn`]) and give each host's vna its
//! settings ([`Host::vna_env`]). Dropping the datacenter, also during a panic, stops what it
//! started and deletes its namespaces; [`Datacenter::keep`] leaves it running for the sandbox
//! and [`teardown_kept`] (`vnet-dc down DIR`) removes it later.
//!
//! Needs root, Open vSwitch, iproute2, ping and ethtool. [`require`] applies the project's rule: when
//! something is missing, fail if `VNET_REQUIRE_OVS` or `CI` is set, else skip with a note.
//! Traffic stays inside the namespaces it creates.

#![forbid(unsafe_code)]

mod datacenter;
mod error;
pub mod exec;
pub mod layout;
pub mod netns;
pub mod ping;
pub mod process;
pub mod stack;

use std::io::Write as _;

pub use datacenter::{
    Datacenter, Host, KeptProcess, KeptState, Options, STATE_FILE, VNMGR_EVENT_PORT,
    VNMGR_RPC_PORT, sweep, teardown_kept,
};
pub use error::{Error, Result};
pub use layout::{HostSpec, Layout, Underlay, VmSpec};
pub use ovs::Tools;
pub use ping::{PingStats, PingStream, Prober};
pub use process::Process;

/// Programs the harness runs besides Open vSwitch.
const PROGRAMS: &[&str] = &["ip", "ping", "sysctl", "ethtool"];

/// What the harness needs, checked: the Open vSwitch tools when everything is there; `Ok(None)`
/// after a note on stderr when something is missing and the test should skip; an error when
/// something is missing and `VNET_REQUIRE_OVS` or `CI` says the tests must run.
pub fn require() -> Result<Option<Tools>> {
    let mut missing: Vec<String> = Vec::new();
    if !rustix::process::geteuid().is_root() {
        missing.push("root (network namespaces)".to_owned());
    }
    for program in PROGRAMS {
        if ovs::find_program(program).is_none() {
            missing.push(format!(
                "{program} (Debian: iproute2, iputils-ping, procps)"
            ));
        }
    }
    let tools = match Tools::locate() {
        Ok(tools) => Some(tools),
        Err(error) => {
            missing.push(error.to_string());
            None
        }
    };
    match tools {
        Some(tools) if missing.is_empty() => Ok(Some(tools)),
        _ if ovs::ovs_required() => Err(Error::Unavailable(format!(
            "missing {}, and VNET_REQUIRE_OVS or CI says the integration tests must run",
            missing.join("; ")
        ))),
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "skipping an integration test: missing {}",
                missing.join("; ")
            );
            Ok(None)
        }
    }
}
