//! vnet itself on a [`Datacenter`]: vnmgr and vnapi in the management namespace, one vna per
//! hypervisor namespace, and vnctl to load datasets — the original's vnspec run protocol
//! (reference §6.1) with real processes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::datacenter::{Datacenter, VNMGR_EVENT_PORT, VNMGR_RPC_PORT};
use crate::error::{Error, Result};
use crate::exec;
use crate::layout::MGMT_SERVER_IP;

/// vnapi's port on the management address.
pub const VNAPI_PORT: u16 = 9090;
/// How long a daemon may take to say it is ready.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The four programs.
#[derive(Debug, Clone)]
pub struct Bins {
    pub vnmgr: PathBuf,
    pub vnapi: PathBuf,
    pub vnctl: PathBuf,
    pub vna: PathBuf,
}

impl Bins {
    /// The programs in `dir`.
    pub fn in_dir(dir: &Path) -> Bins {
        Bins {
            vnmgr: dir.join("vnmgr"),
            vnapi: dir.join("vnapi"),
            vnctl: dir.join("vnctl"),
            vna: dir.join("vna"),
        }
    }

    /// Builds the programs (debug profile, a no-op when they are current) and returns them:
    /// tests of this crate cannot name other packages' binaries, and a stale one would test
    /// old code. `VNET_BIN_DIR` names a directory of prebuilt programs instead.
    pub fn build() -> Result<Bins> {
        Bins::build_profile(false)
    }

    /// As [`Bins::build`], optimised (benchmarks).
    pub fn build_release() -> Result<Bins> {
        Bins::build_profile(true)
    }

    fn build_profile(release: bool) -> Result<Bins> {
        if let Some(dir) = std::env::var_os("VNET_BIN_DIR") {
            return Ok(Bins::in_dir(Path::new(&dir)));
        }
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or_else(|| Error::Unavailable("no workspace above tests/".into()))?;
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut command = Command::new(&cargo);
        command
            .current_dir(workspace)
            .args(["build", "--quiet", "--bins"]);
        if release {
            command.arg("--release");
        }
        let status = command
            .args(["-p", "vnmgr", "-p", "vnapi", "-p", "vnctl", "-p", "vna"])
            .status()
            .map_err(|e| Error::Unavailable(format!("cannot run {cargo}: {e}")))?;
        if !status.success() {
            return Err(Error::Unavailable(format!(
                "cargo build of the vnet programs failed: {status}"
            )));
        }
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace.join("target"));
        Ok(Bins::in_dir(&target.join(if release {
            "release"
        } else {
            "debug"
        })))
    }
}

/// Where vnmgr keeps its data.
#[derive(Debug, Clone, Default)]
pub enum Database {
    /// SQLite in the datacenter's directory (the embedded default).
    #[default]
    Sqlite,
    /// This URL (e.g. a private MariaDB reached by its unix socket, which crosses namespaces).
    Url(String),
}

/// vnet on a datacenter.
#[derive(Debug)]
pub struct Stack {
    pub bins: Bins,
    database_url: String,
    /// How the vnas started from now on meet their switch.
    pub openflow: Openflow,
}

/// How vna and its switch find each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Openflow {
    /// The switch listens on a Unix socket in its run directory (`punix:`) and vna connects:
    /// a restarted vna reaches its switch at once.
    #[default]
    Connect,
    /// vna listens (`tcp:127.0.0.1:6633`, vna's default) and the switch connects, within its
    /// reconnect backoff.
    Listen,
}

impl Stack {
    /// Starts vnmgr and vnapi in the management namespace and waits until both are ready.
    pub fn start(dc: &mut Datacenter, bins: Bins, database: Database) -> Result<Stack> {
        let database_url = match database {
            Database::Sqlite => format!("sqlite://{}/vnmgr.db?mode=rwc", dc.dir().display()),
            Database::Url(url) => url,
        };
        let stack = Stack {
            bins,
            database_url,
            openflow: Openflow::default(),
        };
        stack.start_vnmgr(dc)?;
        let mgmt = dc.mgmt_netns();
        let vnapi = path_str(&stack.bins.vnapi)?;
        let bind = format!("{MGMT_SERVER_IP}:{VNAPI_PORT}");
        let rpc = format!("tcp://{MGMT_SERVER_IP}:{VNMGR_RPC_PORT}");
        dc.spawn(
            "vnapi",
            Some(&mgmt),
            &[vnapi, "--bind", &bind, "--rpc-endpoint", &rpc],
            &[("RUST_LOG".into(), "warn".into())],
        )?;
        wait_for_line(dc, "vnapi", "vnapi ready")?;
        Ok(stack)
    }

    /// Starts vnmgr (again, after [`Stack::kill`]) and waits until it is ready.
    pub fn start_vnmgr(&self, dc: &mut Datacenter) -> Result<()> {
        let mgmt = dc.mgmt_netns();
        let vnmgr = path_str(&self.bins.vnmgr)?;
        let rpc = format!("tcp://{MGMT_SERVER_IP}:{VNMGR_RPC_PORT}");
        let events = format!("tcp://{MGMT_SERVER_IP}:{VNMGR_EVENT_PORT}");
        // A restarted vnmgr gets a fresh log name so "ready" is looked for in its own output.
        let name = fresh_name(dc, "vnmgr");
        dc.spawn(
            &name,
            Some(&mgmt),
            &[
                vnmgr,
                "--database-url",
                &self.database_url,
                "--rpc-endpoint",
                &rpc,
                "--event-endpoint",
                &events,
            ],
            &[("RUST_LOG".into(), "info".into())],
        )?;
        wait_for_line(dc, &name, "vnmgr ready")
    }

    /// Starts vna on `host` ("host1"…), as `vna-<host>` (or a fresh name after a restart).
    pub fn start_vna(&self, dc: &mut Datacenter, host: &str) -> Result<String> {
        let (netns, env) = {
            let h = dc.host(host)?;
            (h.netns().to_owned(), h.vna_env())
        };
        let mut env = env;
        if self.openflow == Openflow::Listen {
            env.retain(|(key, _)| key != "VNA_OPENFLOW_CONNECT");
        }
        env.push(("RUST_LOG".into(), "info".into()));
        let vna = path_str(&self.bins.vna)?;
        let name = fresh_name(dc, &format!("vna-{host}"));
        dc.spawn(&name, Some(&netns), &[vna, "run"], &env)?;
        Ok(name)
    }

    /// Starts vna on every host.
    pub fn start_all_vnas(&self, dc: &mut Datacenter) -> Result<Vec<String>> {
        let hosts: Vec<String> = dc.hosts().iter().map(|h| h.spec().name.clone()).collect();
        hosts.iter().map(|h| self.start_vna(dc, h)).collect()
    }

    /// Runs vnctl in the management namespace against vnapi; its stdout, or an error with
    /// its output when it fails.
    pub fn vnctl(&self, dc: &Datacenter, args: &[&str]) -> Result<String> {
        let mgmt = dc.mgmt_netns();
        let api = format!("http://{MGMT_SERVER_IP}:{VNAPI_PORT}");
        let vnctl = path_str(&self.bins.vnctl)?;
        let mut argv = vec![vnctl, "--api", &api];
        argv.extend_from_slice(args);
        exec::run(&exec::in_netns(&mgmt, &argv))
    }

    /// Loads a dataset file (`tests/datasets/NAME.vnctl`) with `vnctl batch`.
    pub fn load(&self, dc: &Datacenter, dataset: &str) -> Result<()> {
        let file = dataset_path(dataset);
        let file = path_str(&file)?;
        self.vnctl(dc, &["batch", file]).map(|_| ())
    }
}

/// `tests/datasets/NAME.vnctl`.
pub fn dataset_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets")
        .join(format!("{name}.vnctl"))
}

fn path_str(p: &Path) -> Result<&str> {
    p.to_str()
        .ok_or_else(|| Error::Unavailable(format!("{} is not UTF-8", p.display())))
}

/// `base`, or `base-2`, `base-3`… when a process of that name runs or ran (its log exists), so
/// every run of a program has a log of its own.
fn fresh_name(dc: &mut Datacenter, base: &str) -> String {
    let logs = dc.logs_dir();
    let mut taken = |n: &str| dc.process(n).is_ok() || logs.join(format!("{n}.log")).exists();
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_owned())
}

/// Waits until process `name`'s log contains `needle`; fails early if it exits.
pub fn wait_for_line(dc: &mut Datacenter, name: &str, needle: &str) -> Result<()> {
    let started = Instant::now();
    loop {
        let p = dc.process(name)?;
        let log = p.log();
        if log.contains(needle) {
            return Ok(());
        }
        if !p.is_running() {
            return Err(Error::Unavailable(format!(
                "{name} exited before saying {needle:?}:\n{log}"
            )));
        }
        if started.elapsed() > READY_TIMEOUT {
            return Err(Error::Unavailable(format!(
                "{name} did not say {needle:?} within {READY_TIMEOUT:?}:\n{log}"
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
