//! A private Open vSwitch for a test: its own `ovsdb-server` and `ovs-vswitchd`, living in a
//! temporary directory and gone when the [`OvsInstance`] is dropped.
//!
//! Every daemon and every CLI call runs with `OVS_RUNDIR`, `OVS_DBDIR`, `OVS_LOGDIR` and
//! `OVS_SYSCONFDIR` set to the instance's directory, so nothing touches `/var/run/openvswitch`
//! or a system Open vSwitch that may be running.
//!
//! `ovs-vswitchd` runs with `--enable-dummy=override`, the mode Open vSwitch's own test suite
//! uses. Bridges are still `datapath_type=netdev` (the userspace datapath: same classifier,
//! conntrack and actions as a real deployment without the kernel module), but every port,
//! including a bridge's LOCAL port and the datapath's own `ovs-netdev` device, is an in-process
//! dummy instead of a tap device in the host's network namespace. Why: with real tap devices
//! two instances cannot run at once (the second one's `ovs-netdev` tap is busy and none of its
//! bridges come up), and a killed instance leaves tap devices behind. With dummies, instances are
//! independent, tests may run in parallel threads, need no root and no `/dev/net/tun`, and a
//! test can feed a frame into a port with
//! `ovs.appctl(&["netdev-dummy/receive", "p1", "<frame as hex>"])`.
//!
//! The daemons are children of the test process and are stopped by their pid on drop. When
//! `setpriv` (util-linux) is available they are also started with a parent-death signal, so they
//! do not outlive a test process that is killed without unwinding. That signal follows the
//! *thread* that called [`OvsInstance::start`]: start an instance on the thread that will drop
//! it (a test's own thread, not a `spawn_blocking` pool thread, which may exit while idle).
//!
//! If the Open vSwitch programs are not installed, [`OvsInstance::start`] returns `None` and the
//! test skips, unless `VNET_REQUIRE_OVS` is set (not `0`) or `CI` is `true`: then it panics.
//! `scripts/test.sh` sets `VNET_REQUIRE_OVS=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::ffi::OsStr;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ovs::{Tools, ovs_required};
use tempfile::TempDir;

/// How long a daemon may take to open its socket before the test fails.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a daemon may take to exit after being asked to, before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// `--timeout` for `ovs-vsctl`, `ovs-ofctl` and `ovs-appctl`, so a wedged daemon fails a test
/// instead of hanging it.
const CLI_TIMEOUT_SECS: &str = "30";
/// How many log lines a failure message quotes from each daemon.
const LOG_TAIL_LINES: usize = 25;
// The programs and the schema are found by the `ovs` crate (`ovs::Tools`), as vna finds them.

/// One `ovsdb-server` + `ovs-vswitchd` pair in its own temporary directory.
///
/// Dropping it stops both daemons (`exit --cleanup`, then `SIGKILL` by pid after
/// [`STOP_TIMEOUT`]), reaps them and removes the directory. When the test is panicking, the tail
/// of both logs is printed (captured with the test's output) and the directory is kept, so a
/// failed test shows what the switch said and leaves its database and full logs to look at.
#[derive(Debug)]
pub struct OvsInstance {
    dir: TempDir,
    tools: Tools,
    ovsdb_server: Option<Child>,
    ovs_vswitchd: Option<Child>,
    /// Set once a failure message has quoted the logs, so dropping does not repeat them. Atomic
    /// so an instance can be shared between threads (`Arc<OvsInstance>`).
    logs_shown: AtomicBool,
}

impl OvsInstance {
    /// Starts a private Open vSwitch and returns once both daemons answer.
    ///
    /// Returns `None` (after printing why to stderr) if Open vSwitch is not installed and neither
    /// `VNET_REQUIRE_OVS` nor `CI` asks for it; panics if it is required but missing, or if a
    /// daemon fails to start.
    pub fn start() -> Option<OvsInstance> {
        let tools = match Tools::locate() {
            Ok(tools) => tools,
            Err(why) if ovs_required() => panic!(
                "{why}, and VNET_REQUIRE_OVS or CI says the tests need it. \
                 `sudo scripts/test.sh` installs it (Debian: apt-get install openvswitch-switch)."
            ),
            Err(why) => {
                // Straight to stderr, not through eprintln!, so the note is not swallowed by the
                // test harness's output capture of a passing test.
                let _ = writeln!(
                    std::io::stderr(),
                    "skipping an Open vSwitch test: {why}; `sudo scripts/test.sh` installs it"
                );
                return None;
            }
        };
        Some(Self::start_with(tools))
    }

    fn start_with(tools: Tools) -> OvsInstance {
        let dir = tempfile::Builder::new()
            .prefix("vnet-ovs-")
            .tempdir()
            .unwrap_or_else(|error| panic!("cannot create a directory for Open vSwitch: {error}"));
        // From here on a panic drops `ovs`, which stops whatever has been started so far.
        let mut ovs = OvsInstance {
            dir,
            tools,
            ovsdb_server: None,
            ovs_vswitchd: None,
            logs_shown: AtomicBool::new(false),
        };

        let db = ovs.path("conf.db");
        ovs.run(
            &ovs.tools.ovsdb_tool,
            &[],
            &[
                OsStr::new("create"),
                db.as_os_str(),
                ovs.tools.schema.as_os_str(),
            ],
        )
        .unwrap_or_else(|error| ovs.fail(&error));

        let ovsdb_server = ovs.spawn_daemon(
            "ovsdb-server",
            &ovs.tools.ovsdb_server,
            &[
                db.display().to_string(),
                format!("--remote=punix:{}", ovs.path("db.sock").display()),
            ],
        );
        ovs.ovsdb_server = Some(ovsdb_server);
        let db_sock = ovs.path("db.sock");
        ovs.wait_until("ovsdb-server to listen on db.sock", || db_sock.exists());
        ovs.vsctl(&["--no-wait", "init"]);

        let ovs_vswitchd = ovs.spawn_daemon(
            "ovs-vswitchd",
            &ovs.tools.ovs_vswitchd,
            &[
                format!("unix:{}", ovs.path("db.sock").display()),
                "--enable-dummy=override".to_owned(),
            ],
        );
        let control_socket = ovs.path(&format!("ovs-vswitchd.{}.ctl", ovs_vswitchd.id()));
        ovs.ovs_vswitchd = Some(ovs_vswitchd);
        ovs.wait_until("ovs-vswitchd to open its control socket", || {
            control_socket.exists()
        });
        ovs
    }

    /// The instance's directory: database, sockets (`db.sock`, `<bridge>.mgmt`) and logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The pids of `ovsdb-server` and `ovs-vswitchd`, in that order, for as long as they run.
    pub fn pids(&self) -> Vec<u32> {
        [&self.ovsdb_server, &self.ovs_vswitchd]
            .into_iter()
            .flatten()
            .map(Child::id)
            .collect()
    }

    /// The OpenFlow management socket of `bridge`, the target for `ovs-ofctl`.
    pub fn mgmt_target(&self, bridge: &str) -> String {
        format!("unix:{}", self.path(&format!("{bridge}.mgmt")).display())
    }

    /// Runs `ovs-vsctl` against this instance's database and returns its stdout; panics with
    /// its stderr and the daemons' logs if it fails.
    pub fn vsctl(&self, args: &[&str]) -> String {
        self.try_vsctl(args)
            .unwrap_or_else(|error| self.fail(&error))
    }

    /// Like [`OvsInstance::vsctl`], but returns the failure (command, status, stderr) instead.
    pub fn try_vsctl(&self, args: &[&str]) -> Result<String, String> {
        let db = format!("--db=unix:{}", self.path("db.sock").display());
        let timeout = format!("--timeout={CLI_TIMEOUT_SECS}");
        self.run(
            &self.tools.ovs_vsctl,
            &[db.as_str(), timeout.as_str()],
            args,
        )
    }

    /// Runs `ovs-ofctl -O OpenFlow13` and returns its stdout; the caller names the target,
    /// usually [`OvsInstance::mgmt_target`]. Panics with stderr and the logs if it fails. Meant
    /// for commands that finish (`show`, `dump-flows`, `add-flow`…), not `monitor` or `snoop`.
    pub fn ofctl(&self, args: &[&str]) -> String {
        self.try_ofctl(args)
            .unwrap_or_else(|error| self.fail(&error))
    }

    /// Like [`OvsInstance::ofctl`], but returns the failure instead, for asserting that the
    /// switch rejects something.
    pub fn try_ofctl(&self, args: &[&str]) -> Result<String, String> {
        let timeout = format!("--timeout={CLI_TIMEOUT_SECS}");
        self.run(
            &self.tools.ovs_ofctl,
            &["-O", "OpenFlow13", timeout.as_str()],
            args,
        )
    }

    /// Runs an `ovs-appctl` command on this instance's `ovs-vswitchd`, e.g.
    /// `["netdev-dummy/receive", "p1", HEX]` or `["ofproto/trace", "br0", FLOW]`.
    pub fn appctl(&self, args: &[&str]) -> String {
        let Some(pid) = self.ovs_vswitchd.as_ref().map(Child::id) else {
            self.fail("ovs-appctl: ovs-vswitchd is not running")
        };
        let target = self.path(&format!("ovs-vswitchd.{pid}.ctl"));
        let target = target.display().to_string();
        let timeout = format!("--timeout={CLI_TIMEOUT_SECS}");
        self.run(
            &self.tools.ovs_appctl,
            &[timeout.as_str(), "-t", target.as_str()],
            args,
        )
        .unwrap_or_else(|error| self.fail(&error))
    }

    /// Adds a bridge the way vna expects one: userspace datapath, OpenFlow 1.3 only,
    /// `fail-mode=secure` (no flows, no forwarding, until a controller adds some), no in-band
    /// control, the given datapath id. `controller` is an OVS target such as
    /// `tcp:127.0.0.1:6633`; an empty string leaves the bridge without one. The controller's
    /// reconnect back-off is capped at one second (OVS's default is eight), so a test that
    /// restarts its controller does not wait long for the switch to come back.
    pub fn add_bridge(&self, name: &str, dpid: u64, controller: &str) {
        let datapath_id = format!("other-config:datapath-id={dpid:016x}");
        let mut args = vec![
            "add-br",
            name,
            "--",
            "set",
            "bridge",
            name,
            "datapath_type=netdev",
            "protocols=OpenFlow13",
            "fail-mode=secure",
            "other-config:disable-in-band=true",
            datapath_id.as_str(),
        ];
        if !controller.is_empty() {
            args.extend([
                "--",
                "set-controller",
                name,
                controller,
                "--",
                "set",
                "controller",
                name,
                "max_backoff=1000",
            ]);
        }
        self.vsctl(&args);
    }

    /// Adds an internal port with OpenFlow port number `ofport` (a dummy device, see the module
    /// docs). Panics if the switch gives it another number, which OVS does silently when the
    /// requested one is taken.
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

    /// The last lines of both daemons' logs and anything they wrote to stderr.
    pub fn log_tail(&self) -> String {
        let mut out = String::new();
        for name in [
            "ovsdb-server.stderr",
            "ovsdb-server.log",
            "ovs-vswitchd.stderr",
            "ovs-vswitchd.log",
        ] {
            let Ok(text) = fs::read(self.path(name)) else {
                continue;
            };
            let text = String::from_utf8_lossy(&text);
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
            if !tail.is_empty() {
                out.push_str(&format!("--- {name} (last {} lines)\n", tail.len()));
                for line in tail {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        out
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A command whose Open vSwitch directories all point at this instance.
    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        for variable in ["OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR"] {
            command.env(variable, self.dir.path());
        }
        command.stdin(Stdio::null());
        command
    }

    fn run<S: AsRef<OsStr>>(
        &self,
        program: &Path,
        options: &[&str],
        args: &[S],
    ) -> Result<String, String> {
        let output = self
            .command(program)
            .args(options)
            .args(args)
            .output()
            .map_err(|error| format!("cannot run {}: {error}", program.display()))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(format!(
                "`{} {}` failed ({}): {}",
                program.display(),
                shell_words(args),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }

    /// Starts `name` as a child in the foreground (no `--detach`, so the `Child` is the daemon
    /// and can be waited for), logging to `<dir>/<name>.log`.
    fn spawn_daemon(&self, name: &str, program: &Path, args: &[String]) -> Child {
        let stderr = fs::File::create(self.path(&format!("{name}.stderr")))
            .unwrap_or_else(|error| panic!("cannot create {name}.stderr: {error}"));
        let mut command = match &self.tools.setpriv {
            Some(setpriv) => {
                let mut command = self.command(setpriv);
                command.args(["--pdeathsig", "TERM", "--"]).arg(program);
                command
            }
            None => self.command(program),
        };
        command
            .args(args)
            .arg(format!(
                "--pidfile={}",
                self.path(&format!("{name}.pid")).display()
            ))
            .arg(format!(
                "--log-file={}",
                self.path(&format!("{name}.log")).display()
            ))
            .arg("-vconsole:off")
            .stdout(Stdio::null())
            .stderr(stderr);
        command
            .spawn()
            .unwrap_or_else(|error| self.fail(&format!("cannot start {name}: {error}")))
    }

    /// Polls `ready` until it holds; panics with the logs if a daemon exits or time runs out.
    fn wait_until(&mut self, what: &str, ready: impl Fn() -> bool) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if ready() {
                return;
            }
            if let Some(exit) = self.exited_daemon() {
                self.fail(&format!("{exit} while waiting for {what}"));
            }
            if Instant::now() > deadline {
                self.fail(&format!(
                    "timed out after {START_TIMEOUT:?} waiting for {what}"
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Describes a daemon that has already exited, if any.
    fn exited_daemon(&mut self) -> Option<String> {
        for (name, child) in [
            ("ovsdb-server", &mut self.ovsdb_server),
            ("ovs-vswitchd", &mut self.ovs_vswitchd),
        ] {
            if let Some(child) = child
                && let Ok(Some(status)) = child.try_wait()
            {
                return Some(format!("{name} (pid {}) exited: {status}", child.id()));
            }
        }
        None
    }

    /// Panics with `message`, the instance's directory, and the logs.
    fn fail(&self, message: &str) -> ! {
        self.logs_shown.store(true, Ordering::Relaxed);
        panic!(
            "{message}\nOpen vSwitch directory (kept after a failure): {}\n{}",
            self.dir.path().display(),
            self.log_tail()
        )
    }

    /// Asks a daemon to exit through its control socket, waits for it, and kills it by pid if
    /// it does not go in time.
    fn stop(&self, name: &str, mut child: Child, exit_command: &[&str]) {
        if let Ok(None) = child.try_wait() {
            let control = self.path(&format!("{name}.{}.ctl", child.id()));
            let control = control.display().to_string();
            let _ = self
                .command(&self.tools.ovs_appctl)
                .args(["--timeout=5", "-t", control.as_str()])
                .args(exit_command)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + STOP_TIMEOUT;
            while let Ok(None) = child.try_wait() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                    break;
                }
                thread::sleep(Duration::from_millis(10));
            }
        }
        let _: std::io::Result<ExitStatus> = child.wait();
    }
}

impl Drop for OvsInstance {
    fn drop(&mut self) {
        let failed = thread::panicking();
        if failed && !self.logs_shown.load(Ordering::Relaxed) {
            eprintln!("Open vSwitch logs of the failed test:\n{}", self.log_tail());
        }
        // The switch first, so it does not log the database going away.
        if let Some(child) = self.ovs_vswitchd.take() {
            self.stop("ovs-vswitchd", child, &["exit", "--cleanup"]);
        }
        if let Some(child) = self.ovsdb_server.take() {
            self.stop("ovsdb-server", child, &["exit"]);
        }
        if failed {
            // Keep the database and the full logs of a failed test for a look afterwards.
            self.dir.disable_cleanup(true);
            eprintln!(
                "Open vSwitch directory kept for inspection: {}",
                self.dir.path().display()
            );
        }
        // Otherwise `self.dir` is removed when the field is dropped, after this.
    }
}

/// Arguments joined for an error message.
fn shell_words<S: AsRef<OsStr>>(args: &[S]) -> String {
    args.iter()
        .map(|arg| arg.as_ref().to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}
