//! A private Open vSwitch: its own `ovsdb-server` and `ovs-vswitchd` (userspace datapath) with
//! every `OVS_*` directory pointing at one directory, optionally inside a network namespace.
//!
//! Two modes of ports:
//!
//! * **real** (default): ports are real devices. Bridges' internal ports are tap devices and
//!   system ports (veths) are opened with AF_PACKET, so traffic from other namespaces flows
//!   through the switch. The datapath's own `ovs-netdev` tap exists once per network namespace,
//!   so run at most one real instance per namespace (the integration harness gives each
//!   simulated hypervisor its own).
//! * **dummy** ([`InstanceConfig::dummy_ports`]): `--enable-dummy=override`, the mode Open
//!   vSwitch's own test suite uses. Every port is an in-process dummy; instances are
//!   independent, need no root and can share a namespace; frames are fed in with
//!   `ovs-appctl netdev-dummy/receive`.
//!
//! Both daemons are children of the calling process, in the foreground (no `--detach`), so
//! their pids are known and they can be waited for. With [`InstanceConfig::parent_death_signal`]
//! (and `setpriv` installed) they also get SIGTERM if the thread that started them exits, so a
//! killed test leaves nothing behind. [`OvsInstance::detach`] leaves them running for a kept
//! sandbox; [`stop_detached`] stops such an instance later from its directory alone (pidfiles).

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::pid;
use crate::tools::Tools;
use crate::vsctl::{Vsctl, display_command, run_command};
use crate::{Error, tools::find_program};

/// How long a daemon may take to exit after being asked to, before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// `--timeout` for `ovs-ofctl` and `ovs-appctl`.
const CLI_TIMEOUT: &str = "--timeout=30";
/// How many log lines an error quotes from each daemon.
const LOG_TAIL_LINES: usize = 20;
/// The environment variables that point Open vSwitch programs at a directory.
pub const OVS_DIR_VARIABLES: [&str; 4] =
    ["OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR"];

/// The two daemons, in the order they are started.
const OVSDB_SERVER: &str = "ovsdb-server";
const OVS_VSWITCHD: &str = "ovs-vswitchd";

/// How to start an instance.
#[derive(Debug, Clone)]
pub struct InstanceConfig {
    /// The instance's directory (created if missing): `conf.db`, `db.sock`, `<bridge>.mgmt`,
    /// `<daemon>.ctl`, `<daemon>.pid`, `<daemon>.log`. An existing `conf.db` is reused, so an
    /// instance can be restarted with its configuration. Keep the path short: unix socket
    /// paths are limited to 107 bytes.
    pub dir: PathBuf,
    /// Run both daemons inside this network namespace (`ip netns exec`).
    pub netns: Option<String>,
    /// Dummy ports instead of real devices (see the module docs).
    pub dummy_ports: bool,
    /// Give the daemons SIGTERM when the starting thread exits (needs `setpriv`). Turn off for
    /// an instance that must outlive this process.
    pub parent_death_signal: bool,
    /// How long each daemon may take to become ready.
    pub start_timeout: Duration,
}

impl InstanceConfig {
    /// Real ports, no namespace, a parent-death signal, 20 s to start.
    pub fn new(dir: impl Into<PathBuf>) -> InstanceConfig {
        InstanceConfig {
            dir: dir.into(),
            netns: None,
            dummy_ports: false,
            parent_death_signal: true,
            start_timeout: Duration::from_secs(20),
        }
    }
}

/// A running private Open vSwitch; stopped when dropped (unless detached).
#[derive(Debug)]
pub struct OvsInstance {
    config: InstanceConfig,
    tools: Tools,
    ovsdb_server: Option<Child>,
    ovs_vswitchd: Option<Child>,
}

impl OvsInstance {
    /// Starts both daemons and returns once each answers on its socket. On failure, whatever
    /// was started is stopped and the error quotes the logs.
    pub fn start(tools: &Tools, config: InstanceConfig) -> Result<OvsInstance, Error> {
        fs::create_dir_all(&config.dir).map_err(|source| Error::Io {
            path: config.dir.clone(),
            source,
        })?;
        // From here on an error drops `ovs`, which stops whatever has been started.
        let mut ovs = OvsInstance {
            config,
            tools: tools.clone(),
            ovsdb_server: None,
            ovs_vswitchd: None,
        };
        let db = ovs.path("conf.db");
        if !db.exists() {
            run_command(&[
                ovs.tools.ovsdb_tool.as_os_str(),
                OsStr::new("create"),
                db.as_os_str(),
                ovs.tools.schema.as_os_str(),
            ])?;
        }
        let remote = format!("--remote=punix:{}", ovs.db_socket().display());
        let child = ovs.spawn_daemon(OVSDB_SERVER, &[db.into_os_string(), remote.into()])?;
        ovs.ovsdb_server = Some(child);
        let socket = ovs.db_socket();
        ovs.wait_until(OVSDB_SERVER, "its database socket", || socket.exists())?;
        ovs.vsctl().no_wait().run(&["init"])?;

        let mut args: Vec<OsString> = vec![ovs.db_target().into()];
        if ovs.config.dummy_ports {
            args.push("--enable-dummy=override".into());
        }
        let child = ovs.spawn_daemon(OVS_VSWITCHD, &args)?;
        ovs.ovs_vswitchd = Some(child);
        let control = ovs.control_socket(OVS_VSWITCHD);
        ovs.wait_until(OVS_VSWITCHD, "its control socket", || control.exists())?;
        Ok(ovs)
    }

    /// The instance's directory.
    pub fn dir(&self) -> &Path {
        &self.config.dir
    }

    /// The network namespace the daemons run in, if any.
    pub fn netns(&self) -> Option<&str> {
        self.config.netns.as_deref()
    }

    /// The database's unix socket.
    pub fn db_socket(&self) -> PathBuf {
        self.path("db.sock")
    }

    /// The database as an OVSDB target: `unix:<dir>/db.sock`.
    pub fn db_target(&self) -> String {
        format!("unix:{}", self.db_socket().display())
    }

    /// An [`Vsctl`] for this instance's database.
    pub fn vsctl(&self) -> Vsctl {
        Vsctl::from_tools(&self.tools, self.db_target())
    }

    /// The OpenFlow management socket of `bridge`: the target for `ovs-ofctl`.
    pub fn mgmt_target(&self, bridge: &str) -> String {
        format!("unix:{}", self.path(&format!("{bridge}.mgmt")).display())
    }

    /// The variables that point Open vSwitch programs (and vna) at this instance:
    /// `OVS_RUNDIR`, `OVS_DBDIR`, `OVS_LOGDIR`, `OVS_SYSCONFDIR`, all the instance's directory.
    pub fn env(&self) -> Vec<(&'static str, PathBuf)> {
        OVS_DIR_VARIABLES
            .iter()
            .map(|name| (*name, self.config.dir.clone()))
            .collect()
    }

    /// The pids of `ovsdb-server` and `ovs-vswitchd`, for as long as they run.
    pub fn pids(&self) -> Vec<u32> {
        [&self.ovsdb_server, &self.ovs_vswitchd]
            .into_iter()
            .flatten()
            .map(Child::id)
            .collect()
    }

    /// Runs `ovs-ofctl -O OpenFlow13 --timeout=30 ARGS` and returns stdout; the caller names
    /// the target, usually [`OvsInstance::mgmt_target`].
    pub fn ofctl(&self, args: &[&str]) -> Result<String, Error> {
        let mut argv: Vec<&OsStr> = vec![
            self.tools.ovs_ofctl.as_os_str(),
            OsStr::new("-O"),
            OsStr::new("OpenFlow13"),
            OsStr::new(CLI_TIMEOUT),
        ];
        argv.extend(args.iter().map(OsStr::new));
        run_command(&argv)
    }

    /// Runs an `ovs-appctl` command on this instance's `ovs-vswitchd`, e.g.
    /// `["ofproto/trace", "br0", FLOW]` or `["tnl/neigh/show"]`.
    pub fn appctl(&self, args: &[&str]) -> Result<String, Error> {
        let control = self.control_socket(OVS_VSWITCHD);
        let mut argv: Vec<&OsStr> = vec![
            self.tools.ovs_appctl.as_os_str(),
            OsStr::new(CLI_TIMEOUT),
            OsStr::new("-t"),
            control.as_os_str(),
        ];
        argv.extend(args.iter().map(OsStr::new));
        run_command(&argv)
    }

    /// The last lines of both daemons' logs and of anything they wrote to stderr.
    pub fn log_tail(&self) -> String {
        log_tail(&self.config.dir)
    }

    /// Stops both daemons (switch first) and waits for them. Returns the first failure.
    pub fn stop(mut self) -> Result<(), Error> {
        self.stop_daemons()
    }

    /// Leaves both daemons running after this value is gone and returns the directory, from
    /// which [`stop_detached`] stops them later. Without a parent-death signal in the config
    /// they also outlive this process.
    pub fn detach(mut self) -> PathBuf {
        // Dropping a `Child` neither kills nor waits for it.
        self.ovs_vswitchd = None;
        self.ovsdb_server = None;
        self.config.dir.clone()
    }

    fn stop_daemons(&mut self) -> Result<(), Error> {
        let switch = self
            .ovs_vswitchd
            .take()
            .map(|child| self.stop_child(OVS_VSWITCHD, child, &["exit", "--cleanup"]));
        let database = self
            .ovsdb_server
            .take()
            .map(|child| self.stop_child(OVSDB_SERVER, child, &["exit"]));
        switch.unwrap_or(Ok(())).and(database.unwrap_or(Ok(())))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.config.dir.join(name)
    }

    fn control_socket(&self, daemon: &str) -> PathBuf {
        self.path(&format!("{daemon}.ctl"))
    }

    /// Starts `daemon` in the foreground (so the `Child` is the daemon), with its pidfile,
    /// control socket and log in the instance's directory.
    fn spawn_daemon(&self, daemon: &'static str, args: &[OsString]) -> Result<Child, Error> {
        let program = match daemon {
            OVSDB_SERVER => &self.tools.ovsdb_server,
            _ => &self.tools.ovs_vswitchd,
        };
        let mut argv: Vec<OsString> = Vec::new();
        if self.config.parent_death_signal
            && let Some(setpriv) = &self.tools.setpriv
        {
            argv.extend([
                setpriv.into(),
                "--pdeathsig".into(),
                "TERM".into(),
                "--".into(),
            ]);
        }
        if let Some(namespace) = &self.config.netns {
            let ip = self
                .tools
                .ip
                .clone()
                .or_else(|| find_program("ip"))
                .ok_or_else(|| Error::NotInstalled {
                    missing: vec!["ip (iproute2)".to_owned()],
                })?;
            argv.extend([ip.into(), "netns".into(), "exec".into(), namespace.into()]);
        }
        argv.push(program.into());
        argv.extend(args.iter().cloned());
        for (option, file) in [
            ("--pidfile", format!("{daemon}.pid")),
            ("--unixctl", format!("{daemon}.ctl")),
            ("--log-file", format!("{daemon}.log")),
        ] {
            argv.push(format!("{option}={}", self.path(&file).display()).into());
        }
        argv.push("-vconsole:off".into());

        let stderr_path = self.path(&format!("{daemon}.stderr"));
        let stderr = fs::File::create(&stderr_path).map_err(|source| Error::Io {
            path: stderr_path,
            source,
        })?;
        let words: Vec<&OsStr> = argv.iter().map(OsString::as_os_str).collect();
        let Some((first, rest)) = words.split_first() else {
            return Err(Error::Spawn {
                command: String::new(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"),
            });
        };
        let mut command = Command::new(first);
        command
            .args(rest)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        for (name, value) in self.env() {
            command.env(name, value);
        }
        command.spawn().map_err(|source| Error::Spawn {
            command: display_command(&words),
            source,
        })
    }

    /// Polls `ready` until it holds; fails with the logs if a daemon exits or time runs out.
    fn wait_until(
        &mut self,
        daemon: &'static str,
        what: &str,
        ready: impl Fn() -> bool,
    ) -> Result<(), Error> {
        let deadline = Instant::now() + self.config.start_timeout;
        loop {
            if ready() {
                return Ok(());
            }
            let exited = [&mut self.ovsdb_server, &mut self.ovs_vswitchd]
                .into_iter()
                .flatten()
                .find_map(|child| match child.try_wait() {
                    Ok(Some(status)) => Some(format!("it exited ({status})")),
                    _ => None,
                });
            let reason = match exited {
                Some(reason) => Some(reason),
                None if Instant::now() > deadline => {
                    Some(format!("no {what} after {:?}", self.config.start_timeout))
                }
                None => None,
            };
            if let Some(reason) = reason {
                return Err(Error::DaemonStart {
                    daemon,
                    reason,
                    log_tail: self.log_tail(),
                });
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Asks a daemon to exit through its control socket, waits, and kills it by pid if it
    /// does not go in time.
    fn stop_child(
        &self,
        daemon: &str,
        mut child: Child,
        exit_command: &[&str],
    ) -> Result<(), Error> {
        let pid = child.id();
        if let Ok(None) = child.try_wait() {
            let _ = self.ask_to_exit(daemon, exit_command);
            let deadline = Instant::now() + STOP_TIMEOUT;
            while let Ok(None) = child.try_wait() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                    break;
                }
                thread::sleep(Duration::from_millis(10));
            }
        }
        child.wait().map(|_| ()).map_err(|error| Error::Stop {
            name: daemon.to_owned(),
            pid,
            reason: error.to_string(),
        })
    }

    fn ask_to_exit(&self, daemon: &str, exit_command: &[&str]) -> Result<String, Error> {
        ask_to_exit(&self.tools, &self.config.dir, daemon, exit_command)
    }
}

impl Drop for OvsInstance {
    fn drop(&mut self) {
        let _ = self.stop_daemons();
    }
}

/// Stops the daemons of an instance that was [detached](OvsInstance::detach), possibly by
/// another process, using the pidfiles in `dir`. Pids whose process is not the expected daemon
/// (reused pids) are left alone. Nothing to do is not an error.
pub fn stop_detached(tools: &Tools, dir: &Path) -> Result<(), Error> {
    let mut result = Ok(());
    for (daemon, exit_command) in [
        (OVS_VSWITCHD, &["exit", "--cleanup"][..]),
        (OVSDB_SERVER, &["exit"][..]),
    ] {
        let Some(pid) = pid::read_pidfile(&dir.join(format!("{daemon}.pid")))? else {
            continue;
        };
        if !pid::is_running(pid) || pid::comm(pid).as_deref() != Some(daemon) {
            continue;
        }
        let _ = ask_to_exit(tools, dir, daemon, exit_command);
        if !pid::wait_gone(pid, STOP_TIMEOUT) {
            let stopped = pid::terminate(daemon, pid, Some(daemon), STOP_TIMEOUT);
            if result.is_ok() {
                result = stopped;
            }
        }
    }
    result
}

fn ask_to_exit(
    tools: &Tools,
    dir: &Path,
    daemon: &str,
    exit_command: &[&str],
) -> Result<String, Error> {
    let control = dir.join(format!("{daemon}.ctl"));
    let mut argv: Vec<&OsStr> = vec![
        tools.ovs_appctl.as_os_str(),
        OsStr::new("--timeout=5"),
        OsStr::new("-t"),
        control.as_os_str(),
    ];
    argv.extend(exit_command.iter().map(OsStr::new));
    run_command(&argv)
}

/// The last lines of the daemons' logs and stderr files in `dir`.
pub fn log_tail(dir: &Path) -> String {
    let mut out = String::new();
    for daemon in [OVSDB_SERVER, OVS_VSWITCHD] {
        for suffix in ["stderr", "log"] {
            let name = format!("{daemon}.{suffix}");
            let Ok(text) = fs::read(dir.join(&name)) else {
                continue;
            };
            let text = String::from_utf8_lossy(&text);
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines
                .get(lines.len().saturating_sub(LOG_TAIL_LINES)..)
                .unwrap_or_default();
            if !tail.is_empty() {
                let _ = writeln!(
                    out,
                    "--- {} (last {} lines)",
                    dir.join(&name).display(),
                    tail.len()
                );
                for line in tail {
                    let _ = writeln!(out, "{line}");
                }
            }
        }
    }
    out
}
