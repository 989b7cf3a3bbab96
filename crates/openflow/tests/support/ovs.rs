//! A private Open vSwitch for a test: [`ovs::OvsInstance`] with dummy ports, in a temporary
//! directory that is gone when the [`OvsInstance`] is dropped, and with the calls a test makes
//! panicking (with the switch's logs) instead of returning errors.
//!
//! The daemons are started, watched and stopped by the `ovs` crate; this file only adds what a
//! test wants on top. Dummy ports (`--enable-dummy=override`, the mode Open vSwitch's own test
//! suite uses) keep the userspace datapath (`datapath_type=netdev`: same classifier, conntrack
//! and actions as a real deployment without the kernel module) but make every port, including a
//! bridge's LOCAL port and the datapath's own `ovs-netdev` device, an in-process dummy instead of
//! a tap device. Why: with real tap devices two instances cannot run at once in one network
//! namespace, and a killed instance leaves tap devices behind. With dummies, instances are
//! independent, tests may run in parallel threads, and a test feeds a frame into a port with
//! `ovs.appctl(&["netdev-dummy/receive", "p1", "<frame as hex>"])`.
//!
//! The daemons get a parent-death signal (when `setpriv` is installed), which follows the
//! *thread* that called [`OvsInstance::start`]: start an instance on the thread that will drop
//! it (a test's own thread, not a `spawn_blocking` pool thread, which may exit while idle).
//!
//! If Open vSwitch is not installed, [`OvsInstance::start`] returns `None` and the test skips,
//! unless `VNET_REQUIRE_OVS` or `CI` says it must not ([`ovs::Tools::for_tests`]): then it
//! panics. `scripts/test.sh` sets `VNET_REQUIRE_OVS=1`.

#![allow(clippy::panic)]

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use ovs::{InstanceConfig, Tools, Vsctl};
use tempfile::TempDir;

/// The controller's reconnect back-off (OVS's default is eight seconds), so a test that
/// restarts its controller does not wait long for the switch to come back.
const CONTROLLER_MAX_BACKOFF_MS: u32 = 1000;

/// A running private Open vSwitch for one test.
///
/// Dropping it stops both daemons and removes the directory. When the test is panicking, the
/// tail of both logs is printed (captured with the test's output) and the directory is kept, so
/// a failed test shows what the switch said and leaves its database and full logs to look at.
///
/// It dereferences to the [`ovs::OvsInstance`] for what needs no wrapping (`dir`, `pids`,
/// `mgmt_target`, `log_tail`).
#[derive(Debug)]
pub struct OvsInstance {
    /// Declared before `dir`, so the daemons stop before their directory is removed.
    instance: ovs::OvsInstance,
    dir: TempDir,
    /// Set once a failure message has quoted the logs, so dropping does not repeat them. Atomic
    /// so an instance can be shared between threads (`Arc<OvsInstance>`).
    logs_shown: AtomicBool,
}

impl Deref for OvsInstance {
    type Target = ovs::OvsInstance;

    fn deref(&self) -> &ovs::OvsInstance {
        &self.instance
    }
}

impl OvsInstance {
    /// Starts a private Open vSwitch with dummy ports and returns once both daemons answer, or
    /// `None` (after a note on stderr) if Open vSwitch is not installed and not required.
    /// Panics if it is required but missing, or if a daemon fails to start.
    pub fn start() -> Option<OvsInstance> {
        let tools = Tools::for_tests().unwrap_or_else(|error| {
            panic!("{error}, and VNET_REQUIRE_OVS or CI says the tests need it")
        })?;
        let dir = tempfile::Builder::new()
            .prefix("vnet-ovs-")
            .tempdir()
            .unwrap_or_else(|error| panic!("cannot create a directory for Open vSwitch: {error}"));
        let mut config = InstanceConfig::new(dir.path());
        config.dummy_ports = true;
        let instance = ovs::OvsInstance::start(&tools, config).unwrap_or_else(|error| {
            panic!(
                "cannot start a private Open vSwitch in {}: {error}",
                dir.path().display()
            )
        });
        Some(OvsInstance {
            instance,
            dir,
            logs_shown: AtomicBool::new(false),
        })
    }

    /// Runs `ovs-vsctl` against this instance's database and returns its stdout.
    pub fn vsctl(&self, args: &[&str]) -> String {
        self.vsctl_for_bridges()
            .run(args)
            .unwrap_or_else(|error| self.fail(&error))
    }

    /// Runs `ovs-ofctl -O OpenFlow13` and returns its stdout; the caller names the target,
    /// usually [`ovs::OvsInstance::mgmt_target`]. Meant for commands that finish (`show`,
    /// `dump-flows`, `add-flow`…), not `monitor` or `snoop`.
    pub fn ofctl(&self, args: &[&str]) -> String {
        self.instance
            .ofctl(args)
            .unwrap_or_else(|error| self.fail(&error))
    }

    /// Runs an `ovs-appctl` command on this instance's `ovs-vswitchd`, e.g.
    /// `["netdev-dummy/receive", "p1", HEX]` or `["ofproto/trace", "br0", FLOW]`.
    pub fn appctl(&self, args: &[&str]) -> String {
        self.instance
            .appctl(args)
            .unwrap_or_else(|error| self.fail(&error))
    }

    /// Adds a bridge the way vna sets one up ([`Vsctl::ensure_bridge`]: userspace datapath,
    /// OpenFlow 1.3 only, `fail-mode=secure`, no in-band control) with datapath id `dpid`.
    /// `controller` is an OVS target such as `tcp:127.0.0.1:6633`; an empty string leaves the
    /// bridge without one.
    pub fn add_bridge(&self, name: &str, dpid: u64, controller: &str) {
        self.vsctl_for_bridges()
            .ensure_bridge(name, Some(dpid), controller)
            .unwrap_or_else(|error| self.fail(&error));
    }

    /// Adds an internal port (a dummy device) with OpenFlow port number `ofport`. Panics if the
    /// switch gives it another number, which OVS does silently when the requested one is taken.
    pub fn add_internal_port(&self, bridge: &str, port: &str, ofport: u16) {
        let request = format!("ofport_request={ofport}");
        self.vsctl(&[
            "add-port",
            bridge,
            port,
            "--",
            "set",
            "interface",
            port,
            "type=internal",
            request.as_str(),
        ]);
        let got = self.vsctl(&["get", "interface", port, "ofport"]);
        if got.trim() != ofport.to_string() {
            let error = self.vsctl(&["get", "interface", port, "error"]);
            self.fail(&format!(
                "port {port} on {bridge} got OpenFlow port {} instead of {ofport} \
                 (interface error: {})",
                got.trim(),
                error.trim()
            ));
        }
    }

    fn vsctl_for_bridges(&self) -> Vsctl {
        self.instance
            .vsctl()
            .controller_max_backoff_ms(CONTROLLER_MAX_BACKOFF_MS)
    }

    /// Panics with `failure`, the instance's directory, and the logs.
    fn fail(&self, failure: &dyn std::fmt::Display) -> ! {
        self.logs_shown.store(true, Ordering::Relaxed);
        panic!(
            "{failure}\nOpen vSwitch directory (kept after a failure): {}\n{}",
            self.dir.path().display(),
            self.instance.log_tail()
        )
    }
}

impl Drop for OvsInstance {
    fn drop(&mut self) {
        if thread::panicking() {
            if !self.logs_shown.load(Ordering::Relaxed) {
                eprintln!(
                    "Open vSwitch logs of the failed test:\n{}",
                    self.instance.log_tail()
                );
            }
            // Keep the database and the full logs of a failed test for a look afterwards.
            self.dir.disable_cleanup(true);
            eprintln!(
                "Open vSwitch directory kept for inspection: {}",
                self.dir.path().display()
            );
        }
        // Then the fields drop in order: the daemons stop, and the directory goes unless kept.
    }
}
