//! Building, driving and tearing down a datacenter in network namespaces.

use std::fmt::Write as _;
use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ovs::{InstanceConfig, OvsInstance, Tools, Vsctl};
use serde::{Deserialize, Serialize};

use crate::exec::{self, Output, in_netns};
use crate::layout::{
    BRIDGE, CONTROLLER, CONTROLLER_MAX_BACKOFF_MS, HOST_OFPORT, HOST_PORT, HostSpec, Layout,
    MGMT_IF, MGMT_PREFIX_LEN, MGMT_SERVER_IP, UNDERLAY_BRIDGE, UNDERLAY_MTU, UNDERLAY_PATCH_PORT,
    UPLINK, Underlay, VM_IF, VmSpec,
};
use crate::netns;
use crate::ping::{self, PingStream};
use crate::process::{Process, STOP_GRACE};
use crate::{Error, Result};

/// The state file of a kept datacenter, in its directory.
pub const STATE_FILE: &str = "state.json";
/// vnmgr's RPC endpoint as the hosts reach it (vnmgr listens in the management namespace).
pub const VNMGR_RPC_PORT: u16 = 9102;
/// vnmgr's event endpoint port.
pub const VNMGR_EVENT_PORT: u16 = 9103;
/// The management network's Linux bridge, in the management namespace.
const MGMT_BRIDGE: &str = "mgmt";

/// How to build a datacenter.
#[derive(Debug, Clone)]
pub struct Options {
    /// Its shape; [`Layout::standard`] by default.
    pub layout: Layout,
    /// Its directory (OVS instances, logs, state); `/tmp/vnet-<prefix>` by default.
    pub dir: Option<PathBuf>,
    /// Its name prefix; `vn` and 4 random hex digits by default. At most 8 characters.
    pub prefix: Option<String>,
    /// Start daemons so they can outlive this process (no parent-death signal), for
    /// [`Datacenter::keep`].
    pub keepable: bool,
    /// Give the root namespace this address on the management network (a veth
    /// `<prefix>-mg` in the root namespace, its peer on the `mgmt` bridge), so programs outside
    /// the datacenter (a user's `vnctl`, a test's HTTP client) reach vnapi and vnmgr at
    /// 203.0.113.254. For one datacenter at a time (a sandbox): two would claim the same
    /// subnet in the root namespace. E.g. `(203.0.113.200, 24)`.
    pub root_mgmt_ip: Option<(Ipv4Addr, u8)>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            layout: Layout::standard(),
            dir: None,
            prefix: None,
            keepable: false,
            root_mgmt_ip: None,
        }
    }
}

/// One simulated hypervisor: its namespace and its own Open vSwitch.
#[derive(Debug)]
pub struct Host {
    spec: HostSpec,
    netns: String,
    ovs: OvsInstance,
}

impl Host {
    /// Its layout entry.
    pub fn spec(&self) -> &HostSpec {
        &self.spec
    }

    /// Its network namespace.
    pub fn netns(&self) -> &str {
        &self.netns
    }

    /// Its Open vSwitch.
    pub fn ovs(&self) -> &OvsInstance {
        &self.ovs
    }

    /// `ovs-vsctl` on its database.
    pub fn vsctl(&self) -> Vsctl {
        self.ovs
            .vsctl()
            .controller_max_backoff_ms(CONTROLLER_MAX_BACKOFF_MS)
    }

    /// `ovs-ofctl -O OpenFlow13 COMMAND <br0> ARGS…`, e.g. `ofctl("dump-flows", &[])` or
    /// `ofctl("add-flow", &["priority=0,actions=NORMAL"])`.
    pub fn ofctl(&self, command: &str, args: &[&str]) -> Result<String> {
        let target = self.ovs.mgmt_target(BRIDGE);
        let mut argv = vec![command, target.as_str()];
        argv.extend_from_slice(args);
        Ok(self.ovs.ofctl(&argv)?)
    }

    /// `ovs-appctl` on its `ovs-vswitchd` (e.g. `["ofproto/trace", "br0", FLOW]`).
    pub fn appctl(&self, args: &[&str]) -> Result<String> {
        Ok(self.ovs.appctl(args)?)
    }

    /// Runs `argv` inside the host's namespace.
    pub fn exec(&self, argv: &[&str]) -> Result<Output> {
        exec::output(&in_netns(&self.netns, argv))
    }

    /// The Unix socket the host's switch listens on for vna when vna connects to it.
    pub fn openflow_socket(&self) -> PathBuf {
        self.ovs.dir().join("br0.vna")
    }

    /// The environment for a vna on this host: `VNA_NODE_ID`, `VNA_RPC_ENDPOINT`,
    /// `VNA_EVENT_ENDPOINT`, `VNA_OPENFLOW_LISTEN`, `VNA_OPENFLOW_CONNECT` (the switch's
    /// socket: vna connects; drop it to have the switch connect to vna), `VNA_OVSDB`,
    /// `VNA_BRIDGE`, and the
    /// `OVS_*` directories of the host's Open vSwitch. Start it with [`Datacenter::spawn`] in
    /// [`Host::netns`].
    pub fn vna_env(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = [
            ("VNA_NODE_ID", self.spec.node_id.clone()),
            (
                "VNA_RPC_ENDPOINT",
                format!("tcp://{MGMT_SERVER_IP}:{VNMGR_RPC_PORT}"),
            ),
            (
                "VNA_EVENT_ENDPOINT",
                format!("tcp://{MGMT_SERVER_IP}:{VNMGR_EVENT_PORT}"),
            ),
            ("VNA_OPENFLOW_LISTEN", CONTROLLER.to_owned()),
            (
                "VNA_OPENFLOW_CONNECT",
                format!("unix:{}", self.openflow_socket().display()),
            ),
            ("VNA_OVSDB", self.ovs.db_target()),
            ("VNA_BRIDGE", BRIDGE.to_owned()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
        env.extend(
            self.ovs
                .env()
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value.display().to_string())),
        );
        env
    }

    /// The same settings as a vna TOML file (for `vna --config`).
    pub fn vna_config_toml(&self) -> String {
        let mut text = String::new();
        for (key, value) in self.vna_env() {
            if let Some(key) = key.strip_prefix("VNA_") {
                let _ = writeln!(text, "{} = {value:?}", key.to_ascii_lowercase());
            }
        }
        text
    }
}

/// A datacenter in network namespaces: an underlay with two L2 networks and a router, a
/// management network, hypervisors with their own Open vSwitch, and VMs. See `tests/README.md`.
///
/// Dropping it (also while a test panics) stops every process it started, stops the switches,
/// deletes its namespaces (and with them every veth and bridge) and removes its directory;
/// the directory (logs, OVS databases) is kept when the thread is panicking.
#[derive(Debug)]
pub struct Datacenter {
    prefix: String,
    dir: PathBuf,
    layout: Layout,
    tools: Tools,
    keepable: bool,
    root_mgmt_ip: Option<(Ipv4Addr, u8)>,
    /// Every namespace created so far, in creation order.
    namespaces: Vec<String>,
    hosts: Vec<Host>,
    processes: Vec<Process>,
    /// Set once [`Datacenter::keep`] has handed everything over to a state file.
    kept: bool,
}

impl Datacenter {
    /// Builds the datacenter. On failure everything built so far is torn down again.
    pub fn build(tools: &Tools, options: Options) -> Result<Datacenter> {
        let prefix = options
            .prefix
            .unwrap_or_else(|| format!("vn{:04x}", fastrand::u16(..)));
        if prefix.is_empty()
            || prefix.len() > 8
            || !prefix.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(Error::Unavailable(format!(
                "prefix {prefix:?} must be 1 to 8 letters or digits"
            )));
        }
        if !netns::list(&format!("{prefix}-")).is_empty() {
            return Err(Error::Unavailable(format!(
                "namespaces named {prefix}-* exist already: another datacenter uses this prefix"
            )));
        }
        let dir = options
            .dir
            .unwrap_or_else(|| std::env::temp_dir().join(format!("vnet-{prefix}")));
        fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        let mut dc = Datacenter {
            prefix,
            dir,
            layout: options.layout,
            tools: tools.clone(),
            keepable: options.keepable,
            root_mgmt_ip: options.root_mgmt_ip,
            namespaces: Vec::new(),
            hosts: Vec::new(),
            processes: Vec::new(),
            kept: false,
        };
        // An error from here on drops `dc`, which tears down what exists.
        dc.build_underlay()?;
        for spec in dc.layout.hosts.clone() {
            dc.build_host(spec)?;
        }
        for spec in dc.layout.vms.clone() {
            dc.build_vm(&spec)?;
        }
        // Recorded so `sweep` can clean up after a test process that died without unwinding
        // (its daemons die with it, through the parent-death signal; namespaces do not).
        dc.state(Some(std::process::id())).save()?;
        Ok(dc)
    }

    /// The name prefix shared by its namespaces.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Its layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The namespace of the underlay (Linux bridges `ula` and `ulb`).
    pub fn underlay_netns(&self) -> String {
        self.ns("ul")
    }

    /// The router's namespace.
    pub fn router_netns(&self) -> String {
        self.ns("rt")
    }

    /// The management namespace: where vnmgr and vnapi run, at [`MGMT_SERVER_IP`].
    pub fn mgmt_netns(&self) -> String {
        self.ns("mg")
    }

    /// The namespace of VM `name`.
    pub fn vm_netns(&self, name: &str) -> Result<String> {
        self.vm(name).map(|vm| self.ns(&vm.name))
    }

    /// Every namespace this datacenter created.
    pub fn namespaces(&self) -> &[String] {
        &self.namespaces
    }

    /// The hosts.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// Host `name` (`host1`…).
    pub fn host(&self, name: &str) -> Result<&Host> {
        self.hosts
            .iter()
            .find(|host| host.spec.name == name)
            .ok_or_else(|| Error::Unknown {
                what: "host",
                name: name.to_owned(),
                known: self
                    .layout
                    .hosts
                    .iter()
                    .map(|h| h.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// VM `name`'s layout entry.
    pub fn vm(&self, name: &str) -> Result<&VmSpec> {
        self.layout.vm(name).ok_or_else(|| Error::Unknown {
            what: "vm",
            name: name.to_owned(),
            known: self
                .layout
                .vms
                .iter()
                .map(|vm| vm.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// VM `name`'s IP (without prefix length), if it has one in the layout.
    pub fn vm_ip(&self, name: &str) -> Result<Ipv4Addr> {
        self.vm(name)?
            .ip
            .map(|(ip, _)| ip)
            .ok_or_else(|| Error::Unavailable(format!("{name} has no IP in the layout")))
    }

    /// Runs `argv` inside VM `name`.
    pub fn exec_vm(&self, name: &str, argv: &[&str]) -> Result<Output> {
        exec::output(&in_netns(&self.vm_netns(name)?, argv))
    }

    /// Pings `ip` from VM `from` up to `count` times within `timeout`; returns the replies.
    pub fn ping(&self, from: &str, ip: Ipv4Addr, count: u32, timeout: Duration) -> Result<u32> {
        ping::ping(&self.vm_netns(from)?, ip, count, timeout)
    }

    /// Whether VM `from` gets a reply from `ip` within `timeout` (returns at the first one).
    /// One `ping` can give up early for good (the guest's ARP fails after three tries while
    /// flows are still on their way), so it pings again until the deadline.
    pub fn reaches(&self, from: &str, ip: Ipv4Addr, timeout: Duration) -> Result<bool> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if self.ping(from, ip, 1, left.min(Duration::from_secs(2)))? >= 1 {
                return Ok(true);
            }
            if std::time::Instant::now() >= deadline {
                return Ok(false);
            }
        }
    }

    /// Starts pinging `ip` from VM `from` every `interval` (10 ms: 100 pps), logging to
    /// `logs/ping-<from>-<ip>.log`.
    pub fn ping_stream(&self, from: &str, ip: Ipv4Addr, interval: Duration) -> Result<PingStream> {
        let log = self.logs_dir().join(format!("ping-{from}-{ip}.log"));
        PingStream::start(&self.vm_netns(from)?, ip, interval, &log)
    }

    /// Sets (replaces) VM `name`'s IP on `eth0`, e.g. after a scenario changes its lease.
    pub fn set_vm_ip(&mut self, name: &str, ip: Option<(Ipv4Addr, u8)>) -> Result<()> {
        let netns = self.vm_netns(name)?;
        if let Some(vm) = self.layout.vm_mut(name) {
            vm.ip = ip;
        }
        exec::run(&in_netns(&netns, &["ip", "addr", "flush", "dev", VM_IF]))?;
        if let Some((ip, len)) = ip {
            let address = format!("{ip}/{len}");
            exec::run(&in_netns(
                &netns,
                &["ip", "addr", "add", &address, "dev", VM_IF],
            ))?;
        }
        Ok(())
    }

    /// Adds (or replaces) a static neighbour entry in VM `name`.
    pub fn add_vm_neighbour(&self, name: &str, ip: Ipv4Addr, mac: &str) -> Result<()> {
        let netns = self.vm_netns(name)?;
        let ip = ip.to_string();
        exec::run(&in_netns(
            &netns,
            &[
                "ip",
                "neigh",
                "replace",
                &ip,
                "lladdr",
                mac,
                "dev",
                VM_IF,
                "nud",
                "permanent",
            ],
        ))
        .map(|_| ())
    }

    /// Starts a process (`name` must be unique) inside `netns` (`None`: the root namespace)
    /// with `env` added, logging to `logs/<name>.log`. It is stopped on teardown.
    pub fn spawn(
        &mut self,
        name: &str,
        netns: Option<&str>,
        argv: &[&str],
        env: &[(String, String)],
    ) -> Result<&mut Process> {
        if self.processes.iter().any(|process| process.name() == name) {
            return Err(Error::Unavailable(format!(
                "a process named {name} runs already"
            )));
        }
        let log = self.logs_dir().join(format!("{name}.log"));
        let process = Process::spawn(name, netns, argv, env, &log, !self.keepable)?;
        self.processes.push(process);
        let last = self.processes.len() - 1;
        self.processes
            .get_mut(last)
            .ok_or_else(|| Error::Unavailable(format!("{name} vanished")))
    }

    /// The process started as `name`.
    pub fn process(&mut self, name: &str) -> Result<&mut Process> {
        let known = self.process_names();
        self.processes
            .iter_mut()
            .find(|process| process.name() == name)
            .ok_or_else(|| Error::Unknown {
                what: "process",
                name: name.to_owned(),
                known,
            })
    }

    /// Stops process `name` (SIGTERM, SIGKILL after `grace`) and forgets it, so the name can
    /// be started again.
    pub fn stop_process(&mut self, name: &str, grace: Duration) -> Result<()> {
        let known = self.process_names();
        let index = self
            .processes
            .iter()
            .position(|process| process.name() == name)
            .ok_or_else(|| Error::Unknown {
                what: "process",
                name: name.to_owned(),
                known,
            })?;
        let mut process = self.processes.remove(index);
        process.stop(grace).map(|_| ())
    }

    /// Kills process `name` with SIGKILL (the way a crash looks), waits for it and forgets it,
    /// so the name can be started again.
    pub fn kill_process(&mut self, name: &str) -> Result<std::process::ExitStatus> {
        let known = self.process_names();
        let index = self
            .processes
            .iter()
            .position(|process| process.name() == name)
            .ok_or_else(|| Error::Unknown {
                what: "process",
                name: name.to_owned(),
                known,
            })?;
        self.processes.remove(index).kill()
    }

    /// The directory of process logs.
    pub fn logs_dir(&self) -> PathBuf {
        self.dir.join("logs")
    }

    /// Every pid this datacenter started and still tracks: processes and switches.
    pub fn pids(&self) -> Vec<u32> {
        self.processes
            .iter()
            .map(Process::pid)
            .chain(self.hosts.iter().flat_map(|host| host.ovs.pids()))
            .collect()
    }

    /// Tears everything down now (what dropping does), returning the first error.
    pub fn teardown(mut self) -> Result<()> {
        self.teardown_all()
    }

    /// Leaves everything running and hands it over to `<dir>/state.json`, from which
    /// [`teardown_kept`] (e.g. `vnet-dc down DIR`) removes it later. Needs
    /// [`Options::keepable`], or the daemons would die with this process's threads.
    pub fn keep(mut self) -> Result<PathBuf> {
        if !self.keepable {
            return Err(Error::Unavailable(
                "this datacenter was not built keepable (Options::keepable)".to_owned(),
            ));
        }
        let mut state = self.state(None);
        for process in std::mem::take(&mut self.processes) {
            let name = process.name().to_owned();
            let (pid, comm) = process.detach();
            state.processes.push(KeptProcess { name, pid, comm });
        }
        for host in std::mem::take(&mut self.hosts) {
            host.ovs.detach();
        }
        self.kept = true;
        state.save()?;
        Ok(self.dir.clone())
    }

    /// What [`teardown_kept`] needs to remove this datacenter (processes not included).
    fn state(&self, owner_pid: Option<u32>) -> KeptState {
        KeptState {
            owner_pid,
            prefix: self.prefix.clone(),
            dir: self.dir.clone(),
            namespaces: self.namespaces.clone(),
            ovs_dirs: self
                .hosts
                .iter()
                .map(|host| host.ovs.dir().to_owned())
                .collect(),
            root_links: self.root_links(),
            processes: Vec::new(),
            layout: self.layout.clone(),
        }
    }

    /// Interfaces this datacenter put into the root namespace.
    fn root_links(&self) -> Vec<String> {
        match self.root_mgmt_ip {
            Some(_) => vec![self.ns("mg")],
            None => Vec::new(),
        }
    }

    fn process_names(&self) -> String {
        self.processes
            .iter()
            .map(Process::name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn ns(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.prefix)
    }

    fn host_ns(&self, spec: &HostSpec) -> String {
        self.ns(&format!("h{}", spec.index))
    }

    fn create_netns(&mut self, name: &str) -> Result<()> {
        // Recorded first, so a half-made namespace is still deleted.
        self.namespaces.push(name.to_owned());
        netns::create(name)
    }

    /// The underlay namespace with its two L2 bridges, the router and the management network.
    fn build_underlay(&mut self) -> Result<()> {
        let underlay = self.underlay_netns();
        let router = self.router_netns();
        let mgmt = self.mgmt_netns();
        for name in [&underlay, &router, &mgmt] {
            self.create_netns(name)?;
        }
        let ip = |args: &[&str]| exec::run(&[&["ip"][..], args].concat()).map(|_| ());
        let mtu = UNDERLAY_MTU.to_string();
        for segment in Underlay::ALL {
            let bridge = segment.bridge();
            ip(&["-n", &underlay, "link", "add", bridge, "type", "bridge"])?;
            ip(&["-n", &underlay, "link", "set", bridge, "up"])?;
            // The router's leg: `rta`/`rtb` on the bridge, `eth-a`/`eth-b` in the router.
            let leg = segment.router_leg();
            let router_if = segment.router_if();
            ip(&[
                "-n", &underlay, "link", "add", leg, "type", "veth", "peer", "name", router_if,
                "netns", &router,
            ])?;
            ip(&[
                "-n", &underlay, "link", "set", leg, "mtu", &mtu, "master", bridge, "up",
            ])?;
            ip(&["-n", &router, "link", "set", router_if, "mtu", &mtu])?;
            let address = format!("{}/{}", segment.router_ip(), segment.prefix_len());
            ip(&["-n", &router, "addr", "add", &address, "dev", router_if])?;
            ip(&["-n", &router, "link", "set", router_if, "up"])?;
        }
        netns::sysctl(&router, &["net.ipv4.ip_forward=1"])?;

        ip(&["-n", &mgmt, "link", "add", MGMT_BRIDGE, "type", "bridge"])?;
        let address = format!("{MGMT_SERVER_IP}/{MGMT_PREFIX_LEN}");
        ip(&["-n", &mgmt, "addr", "add", &address, "dev", MGMT_BRIDGE])?;
        ip(&["-n", &mgmt, "link", "set", MGMT_BRIDGE, "up"])?;

        if let Some((address, len)) = self.root_mgmt_ip {
            // Created inside the namespace and moved out, so a failure leaves nothing in the
            // root namespace; deleting the namespace deletes the pair.
            let root_end = self.ns("mg");
            ip(&[
                "-n", &mgmt, "link", "add", "root0", "type", "veth", "peer", "name", &root_end,
            ])?;
            ip(&[
                "-n",
                &mgmt,
                "link",
                "set",
                "root0",
                "master",
                MGMT_BRIDGE,
                "up",
            ])?;
            ip(&["-n", &mgmt, "link", "set", &root_end, "netns", "1"])?;
            let address = format!("{address}/{len}");
            ip(&["addr", "add", &address, "dev", &root_end])?;
            ip(&["link", "set", &root_end, "up"])?;
        }
        Ok(())
    }

    /// A hypervisor: namespace, uplink and management NICs, Open vSwitch with `brphys` and
    /// `br0` joined by a patch pair, the host IP and a route to the other underlay.
    fn build_host(&mut self, spec: HostSpec) -> Result<()> {
        let host = self.host_ns(&spec);
        self.create_netns(&host)?;
        let underlay = self.underlay_netns();
        let mgmt = self.mgmt_netns();
        let ip = |args: &[&str]| exec::run(&[&["ip"][..], args].concat()).map(|_| ());
        let leg = format!("h{}", spec.index);
        let mtu = UNDERLAY_MTU.to_string();

        ip(&[
            "-n", &underlay, "link", "add", &leg, "type", "veth", "peer", "name", UPLINK, "netns",
            &host,
        ])?;
        ip(&[
            "-n",
            &underlay,
            "link",
            "set",
            &leg,
            "mtu",
            &mtu,
            "master",
            spec.underlay.bridge(),
            "up",
        ])?;
        ip(&["-n", &host, "link", "set", UPLINK, "mtu", &mtu, "up"])?;
        // The uplink is OVS's port, but the kernel still sees its frames: without this it
        // answers ARP for the host IP with the veth's own MAC, and the router sends the
        // host's traffic (GRE included) to a MAC brphys does not own.
        netns::sysctl(
            &host,
            &[
                "net.ipv4.conf.all.arp_ignore=1",
                "net.ipv4.conf.default.arp_ignore=1",
            ],
        )?;

        ip(&[
            "-n", &mgmt, "link", "add", &leg, "type", "veth", "peer", "name", MGMT_IF, "netns",
            &host,
        ])?;
        ip(&[
            "-n",
            &mgmt,
            "link",
            "set",
            &leg,
            "master",
            MGMT_BRIDGE,
            "up",
        ])?;
        let address = format!("{}/{MGMT_PREFIX_LEN}", spec.mgmt_ip);
        ip(&["-n", &host, "addr", "add", &address, "dev", MGMT_IF])?;
        ip(&["-n", &host, "link", "set", MGMT_IF, "up"])?;

        let mut config = InstanceConfig::new(self.dir.join(&spec.name));
        config.netns = Some(host.clone());
        config.parent_death_signal = !self.keepable;
        let ovs = OvsInstance::start(&self.tools, config)?;
        let vsctl = ovs
            .vsctl()
            .controller_max_backoff_ms(CONTROLLER_MAX_BACKOFF_MS);
        let hwaddr = format!("other-config:hwaddr={}", spec.host_mac);
        let peer_of_patch = format!("options:peer={HOST_PORT}");
        let mtu_request = format!("mtu_request={UNDERLAY_MTU}");
        vsctl.run(&[
            "add-br",
            UNDERLAY_BRIDGE,
            "--",
            "set",
            "bridge",
            UNDERLAY_BRIDGE,
            "datapath_type=netdev",
            "fail_mode=standalone",
            &hwaddr,
            "--",
            "add-port",
            UNDERLAY_BRIDGE,
            UPLINK,
            "--",
            "add-port",
            UNDERLAY_BRIDGE,
            UNDERLAY_PATCH_PORT,
            "--",
            "set",
            "interface",
            UNDERLAY_PATCH_PORT,
            "type=patch",
            &peer_of_patch,
            "--",
            "set",
            "interface",
            UNDERLAY_BRIDGE,
            &mtu_request,
        ])?;
        vsctl.ensure_bridge(BRIDGE, Some(spec.dpid), CONTROLLER)?;
        let peer_of_host = format!("options:peer={UNDERLAY_PATCH_PORT}");
        let ofport = format!("ofport_request={HOST_OFPORT}");
        vsctl.run(&[
            "add-port",
            BRIDGE,
            HOST_PORT,
            "--",
            "set",
            "interface",
            HOST_PORT,
            "type=patch",
            &peer_of_host,
            &ofport,
        ])?;
        self.hosts.push(Host {
            spec: spec.clone(),
            netns: host.clone(),
            ovs,
        });

        let address = format!("{}/{}", spec.underlay_ip, spec.underlay.prefix_len());
        ip(&["-n", &host, "addr", "add", &address, "dev", UNDERLAY_BRIDGE])?;
        ip(&["-n", &host, "link", "set", UNDERLAY_BRIDGE, "up"])?;
        let other = spec.underlay.other();
        let route = format!("{}/{}", other.network(), other.prefix_len());
        let gateway = spec.underlay.router_ip().to_string();
        ip(&["-n", &host, "route", "add", &route, "via", &gateway])
    }

    /// A VM: namespace, a veth whose host end is a port of its host's br0, MAC, IP, gateway
    /// and static neighbours.
    fn build_vm(&mut self, spec: &VmSpec) -> Result<()> {
        let vm = self.ns(&spec.name);
        self.create_netns(&vm)?;
        let (host_ns, vsctl) = {
            let host = self.host(&spec.host)?;
            (host.netns.clone(), host.vsctl())
        };
        let ip = |args: &[&str]| exec::run(&[&["ip"][..], args].concat()).map(|_| ());
        ip(&[
            "-n", &host_ns, "link", "add", &spec.port, "type", "veth", "peer", "name", VM_IF,
            "netns", &vm,
        ])?;
        ip(&["-n", &host_ns, "link", "set", &spec.port, "up"])?;
        ip(&["-n", &vm, "link", "set", VM_IF, "address", &spec.mac])?;
        ip(&["-n", &vm, "link", "set", VM_IF, "up"])?;
        // A veth hands TCP and UDP packets over with the checksum left to the hardware; OVS's
        // userspace datapath reads them with AF_PACKET and forwards them unfinished, and the
        // receiver drops them (TcpInCsumErrors). Ping works either way; TCP and UDP need this.
        exec::run(&in_netns(&vm, &["ethtool", "-K", VM_IF, "tx", "off"]))?;
        if let Some((address, len)) = spec.ip {
            let address = format!("{address}/{len}");
            ip(&["-n", &vm, "addr", "add", &address, "dev", VM_IF])?;
        }
        if let Some(gateway) = spec.gateway {
            ip(&[
                "-n",
                &vm,
                "route",
                "add",
                "default",
                "via",
                &gateway.to_string(),
            ])?;
        }
        for (neighbour, mac) in &spec.neighbours {
            self.add_vm_neighbour(&spec.name, *neighbour, mac)?;
        }
        let ofport = format!("ofport_request={}", spec.ofport);
        vsctl.run(&[
            "add-port",
            BRIDGE,
            &spec.port,
            "--",
            "set",
            "interface",
            &spec.port,
            &ofport,
        ])?;
        match vsctl.ofport(&spec.port)? {
            Some(got) if got == spec.ofport => Ok(()),
            got => Err(Error::Unavailable(format!(
                "{} on {} got OpenFlow port {got:?} instead of {}: {:?}",
                spec.port,
                spec.host,
                spec.ofport,
                vsctl.port(&spec.port)?.and_then(|port| port.error)
            ))),
        }
    }

    fn teardown_all(&mut self) -> Result<()> {
        let mut first_error: Option<Error> = None;
        let mut note = |result: Result<()>| {
            if let Err(error) = result
                && first_error.is_none()
            {
                first_error = Some(error);
            }
        };
        // Processes first (they may use the switches), newest first.
        while let Some(mut process) = self.processes.pop() {
            note(process.stop(STOP_GRACE).map(|_| ()));
        }
        while let Some(host) = self.hosts.pop() {
            note(host.ovs.stop().map_err(Error::from));
        }
        for link in self.root_links() {
            note(delete_root_link(&link));
        }
        while let Some(name) = self.namespaces.pop() {
            note(netns::delete(&name));
        }
        if std::thread::panicking() {
            eprintln!(
                "datacenter {}: logs and OVS databases kept in {}",
                self.prefix,
                self.dir.display()
            );
        } else {
            note(fs::remove_dir_all(&self.dir).map_err(|source| Error::Io {
                path: self.dir.clone(),
                source,
            }));
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl Drop for Datacenter {
    fn drop(&mut self) {
        if !self.kept
            && let Err(error) = self.teardown_all()
        {
            eprintln!("datacenter {}: teardown: {error}", self.prefix);
        }
    }
}

/// A process of a kept datacenter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptProcess {
    /// The name it was started under.
    pub name: String,
    /// Its pid.
    pub pid: u32,
    /// Its `/proc/PID/comm`, checked before it is signalled (pids get reused).
    pub comm: String,
}

/// What a kept datacenter consists of, saved as `<dir>/state.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptState {
    /// The process that owns the datacenter while a test runs; `None` once it is kept.
    #[serde(default)]
    pub owner_pid: Option<u32>,
    /// The namespaces' prefix.
    pub prefix: String,
    /// The datacenter's directory.
    pub dir: PathBuf,
    /// Namespaces, in creation order.
    pub namespaces: Vec<String>,
    /// Interfaces in the root namespace (deleted explicitly: a namespace's veths vanish only
    /// some time after the namespace).
    #[serde(default)]
    pub root_links: Vec<String>,
    /// Directories of the hosts' Open vSwitch instances.
    pub ovs_dirs: Vec<PathBuf>,
    /// Processes to stop on teardown. A tool that starts more may add them and [`save`].
    ///
    /// [`save`]: KeptState::save
    pub processes: Vec<KeptProcess>,
    /// The layout it was built with.
    pub layout: Layout,
}

impl KeptState {
    /// Reads `<dir>/state.json`.
    pub fn load(dir: &Path) -> Result<KeptState> {
        let path = dir.join(STATE_FILE);
        let text = fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| Error::State { path, source })
    }

    /// Writes `<dir>/state.json`.
    pub fn save(&self) -> Result<()> {
        let path = self.dir.join(STATE_FILE);
        let text = serde_json::to_string_pretty(self).map_err(|source| Error::State {
            path: path.clone(),
            source,
        })?;
        fs::write(&path, text).map_err(|source| Error::Io { path, source })
    }
}

/// Tears down a datacenter that [`Datacenter::keep`] left running, from its directory: stops
/// its processes and switches by pid, deletes its namespaces, removes the directory. Whatever
/// is already gone is skipped, so it can be run again after a partial failure.
pub fn teardown_kept(tools: &Tools, dir: &Path) -> Result<()> {
    let state = KeptState::load(dir)?;
    let mut first_error: Option<Error> = None;
    let mut note = |result: Result<()>| {
        if let Err(error) = result
            && first_error.is_none()
        {
            first_error = Some(error);
        }
    };
    for process in state.processes.iter().rev() {
        note(
            ovs::pid::terminate(&process.name, process.pid, Some(&process.comm), STOP_GRACE)
                .map_err(Error::from),
        );
    }
    for ovs_dir in state.ovs_dirs.iter().rev() {
        note(ovs::instance::stop_detached(tools, ovs_dir).map_err(Error::from));
    }
    for link in &state.root_links {
        note(delete_root_link(link));
    }
    for name in state.namespaces.iter().rev() {
        note(netns::delete(name));
    }
    if let Some(error) = first_error {
        // Keep the state file so `down` can be run again.
        return Err(error);
    }
    fs::remove_dir_all(&state.dir).map_err(|source| Error::Io {
        path: state.dir.clone(),
        source,
    })
}

/// Deletes interface `name` from the root namespace, if it is there.
fn delete_root_link(name: &str) -> Result<()> {
    if Path::new("/sys/class/net").join(name).exists() {
        exec::run(&["ip", "link", "delete", name])?;
    }
    Ok(())
}

/// Tears down every datacenter under the temporary directory (`vnet-*/state.json`) whose
/// owning process is gone without having torn it down (a test killed by a timeout, say).
/// Kept datacenters are left alone. Returns the directories it removed.
pub fn sweep(tools: &Tools) -> Result<Vec<PathBuf>> {
    let temp = std::env::temp_dir();
    let entries = fs::read_dir(&temp).map_err(|source| Error::Io {
        path: temp.clone(),
        source,
    })?;
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let dir = entry.path();
        let is_ours = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with("vnet-"));
        if !is_ours || !dir.join(STATE_FILE).is_file() {
            continue;
        }
        let Ok(state) = KeptState::load(&dir) else {
            continue;
        };
        if let Some(owner) = state.owner_pid
            && !ovs::pid::is_running(owner)
        {
            teardown_kept(tools, &dir)?;
            removed.push(dir);
        }
    }
    Ok(removed)
}
