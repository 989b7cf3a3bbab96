//! `vnet-sandbox`: a whole vnet on one machine, left running for a person to try.
//!
//! ```text
//! vnet-sandbox up [--dir DIR] [--bin-dir DIR]   build it, load the demo, show it works
//! vnet-sandbox status [--dir DIR]               what is running
//! vnet-sandbox down [--dir DIR]                 stop and delete everything
//! ```
//!
//! `up` builds the integration harness's datacenter (three hypervisors with their own Open
//! vSwitch, two VMs each, two underlay networks and a router, all network namespaces), starts
//! vnmgr (SQLite) and vnapi on its management network and one vna per hypervisor, loads the
//! demo networks with `vnctl batch`, and pings: across hosts within a network (works, over
//! MAC2MAC and over GRE) and across networks (does not). The root namespace gets
//! 203.0.113.253 on the management network, so `vnctl --api http://203.0.113.254:9090` works
//! from the shell.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use integration::stack::{Bins, Database, Stack, VNAPI_PORT, dataset_path};
use integration::{Datacenter, KeptState, Options, Tools, layout};

const USAGE: &str =
    "usage: vnet-sandbox up [--dir DIR] [--bin-dir DIR] | status [--dir DIR] | down [--dir DIR]";
const DEFAULT_DIR: &str = "/tmp/vnet-sandbox";
const ROOT_MGMT_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 253);

/// The demo's addresses (tests/datasets/sandbox.vnctl): vnet1 .10/.11/.12, vnet2 .20/.21/.22.
const VMS: [(&str, &str, [u8; 4]); 6] = [
    ("vm1", "vnet1", [10, 101, 0, 10]),
    ("vm2", "vnet2", [10, 101, 0, 20]),
    ("vm3", "vnet1", [10, 101, 0, 11]),
    ("vm4", "vnet2", [10, 101, 0, 21]),
    ("vm5", "vnet1", [10, 101, 0, 12]),
    ("vm6", "vnet2", [10, 101, 0, 22]),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("vnet-sandbox: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Args {
    dir: PathBuf,
    bin_dir: Option<PathBuf>,
}

fn parse(rest: &[String]) -> Result<Args, String> {
    let mut args = Args {
        dir: PathBuf::from(DEFAULT_DIR),
        bin_dir: None,
    };
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--dir" => args.dir = PathBuf::from(value),
            "--bin-dir" => args.bin_dir = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    Ok(args)
}

fn run(args: &[String]) -> Result<(), String> {
    let tools = || Tools::locate().map_err(|e| e.to_string());
    match args.split_first() {
        Some((cmd, rest)) if cmd == "up" => up(&tools()?, &parse(rest)?),
        Some((cmd, rest)) if cmd == "status" => {
            let a = parse(rest)?;
            let state = KeptState::load(&a.dir)
                .map_err(|e| format!("no sandbox in {}: {e}", a.dir.display()))?;
            print!("{}", status(&state));
            Ok(())
        }
        Some((cmd, rest)) if cmd == "down" => {
            let a = parse(rest)?;
            if !a.dir.join(integration::STATE_FILE).exists() {
                println!("no sandbox in {}", a.dir.display());
                return Ok(());
            }
            integration::teardown_kept(&tools()?, &a.dir).map_err(|e| e.to_string())?;
            println!("sandbox in {} torn down", a.dir.display());
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    }
}

fn up(tools: &Tools, args: &Args) -> Result<(), String> {
    if args.dir.join(integration::STATE_FILE).exists() {
        return Err(format!(
            "a sandbox is already up in {} (scripts/sandbox.sh down removes it)",
            args.dir.display()
        ));
    }
    let bins = match &args.bin_dir {
        Some(d) => Bins::in_dir(d),
        None => Bins::build().map_err(|e| e.to_string())?,
    };
    for b in [&bins.vnmgr, &bins.vnapi, &bins.vnctl, &bins.vna] {
        if !b.exists() {
            return Err(format!(
                "{} is missing; build it first (cargo build --release)",
                b.display()
            ));
        }
    }
    let mut options = Options {
        dir: Some(args.dir.clone()),
        keepable: true,
        root_mgmt_ip: Some((ROOT_MGMT_IP, layout::MGMT_PREFIX_LEN)),
        ..Options::default()
    };
    for (name, _, ip) in VMS {
        if let Some(vm) = options.layout.vm_mut(name) {
            vm.ip = Some((Ipv4Addr::from(ip), 24));
        }
    }
    step(
        "building the datacenter: 3 hypervisors (own Open vSwitch each), 6 VMs, 2 underlays, a router",
    );
    let mut dc = Datacenter::build(tools, options).map_err(|e| e.to_string())?;
    match start(&mut dc, bins) {
        Ok(stack) => {
            let report = demo(&dc, &stack);
            let dir = dc.keep().map_err(|e| e.to_string())?;
            print!("{}", guide(&dir, &stack, &report));
            Ok(())
        }
        // Dropping the datacenter tears it down.
        Err(e) => Err(e),
    }
}

fn start(dc: &mut Datacenter, bins: Bins) -> Result<Stack, String> {
    step("starting vnmgr (SQLite) and vnapi on the management network");
    let stack = Stack::start(dc, bins, Database::Sqlite).map_err(|e| e.to_string())?;
    step("starting vna on host1, host2, host3");
    stack.start_all_vnas(dc).map_err(|e| e.to_string())?;
    for dataset in ["base", "sandbox"] {
        step(&format!(
            "loading {} with vnctl batch",
            dataset_path(dataset).display()
        ));
        stack.load(dc, dataset).map_err(|e| e.to_string())?;
    }
    Ok(stack)
}

fn step(what: &str) {
    println!("==> {what}");
}

fn ip_of(vm: &str) -> Ipv4Addr {
    VMS.iter()
        .find(|(n, _, _)| *n == vm)
        .map_or(Ipv4Addr::UNSPECIFIED, |(_, _, ip)| Ipv4Addr::from(*ip))
}

fn demo(dc: &Datacenter, _stack: &Stack) -> String {
    let mut report = String::new();
    step("pinging");
    for (from, to, how, expect) in [
        ("vm1", "vm3", "vnet1, host1 → host2, MAC2MAC", true),
        (
            "vm1",
            "vm5",
            "vnet1, host1 → host3, GRE through the router",
            true,
        ),
        ("vm4", "vm6", "vnet2, host2 → host3, GRE", true),
        (
            "vm1",
            "vm4",
            "vnet1 → vnet2, same subnet, other network",
            false,
        ),
    ] {
        let ok = if expect {
            dc.reaches(from, ip_of(to), Duration::from_secs(20))
                .unwrap_or(false)
        } else {
            dc.ping(from, ip_of(to), 3, Duration::from_secs(3))
                .unwrap_or(0)
                > 0
        };
        let verdict = match (expect, ok) {
            (true, true) => "replies, as it should",
            (false, false) => "no reply, as it should (isolated networks)",
            (true, false) => "NO REPLY: something is wrong, see the logs",
            (false, true) => "REPLIES: isolation is broken, see the logs",
        };
        let line = format!(
            "    {from} ({}) → {to} ({}): {how}: {verdict}\n",
            ip_of(from),
            ip_of(to)
        );
        print!("{line}");
        report.push_str(&line);
    }
    report
}

fn guide(dir: &Path, stack: &Stack, report: &str) -> String {
    let vnctl = stack.bins.vnctl.display();
    let state = KeptState::load(dir).ok();
    let prefix = state.as_ref().map(|s| s.prefix.clone()).unwrap_or_default();
    let mut vms = String::new();
    for (name, net, ip) in VMS {
        let host = state
            .as_ref()
            .and_then(|s| s.layout.vms.iter().find(|v| v.name == name))
            .map(|v| v.host.clone())
            .unwrap_or_default();
        vms.push_str(&format!(
            "    {name}  {host}  {net}  {}  netns {prefix}-{name}\n",
            Ipv4Addr::from(ip)
        ));
    }
    format!(
        r#"
The sandbox is up ({dir}).

  VMs (network namespaces):
{vms}
  What the pings showed:
{report}
Drive it (vnctl talks to vnapi at {api_host}:{VNAPI_PORT}; `scripts/sandbox.sh vnctl` is
{vnctl} with that address, or export VNET_WEBAPI={api_host}:{VNAPI_PORT}):
  scripts/sandbox.sh vnctl networks show          # the model, through vnapi
  sudo ip netns exec {prefix}-vm1 ping 10.101.0.12   # vm1 → vm5 (GRE)
  sudo ip netns exec {prefix}-vm1 ping 10.101.0.21   # vm1 → vm4: other network, no reply

  Put vm2 into vnet1 (leave vnet2, take 10.101.0.13 in vnet1):
  scripts/sandbox.sh vnctl interfaces del if-v2
  scripts/sandbox.sh vnctl interfaces add --uuid if-v2b --mode vif --owner-datapath-uuid dp-1 \
      --mac-address 02:00:00:00:00:02 --network-uuid nw-vnet1 --ipv4-address 10.101.0.13 --port-name vif-vm2
  sudo ip netns exec {prefix}-vm2 sh -c "ip addr flush dev eth0; ip addr add 10.101.0.13/24 dev eth0"
  sudo ip netns exec {prefix}-vm2 ping 10.101.0.11             # vm2 → vm3 now works

  A new network: scripts/sandbox.sh vnctl networks add --uuid nw-demo --ipv4-network 10.200.0.0 --ipv4-prefix 24 --network-mode virtual
  Flows of a hypervisor, with table names and decoded cookies/metadata:
  sudo ip netns exec {prefix}-h1 {vna} flows --socket {dir}/host1/br0.mgmt
  Logs: {dir}/logs/   Status: scripts/sandbox.sh status   Tear down: sudo scripts/sandbox.sh down
"#,
        dir = dir.display(),
        api_host = layout::MGMT_SERVER_IP,
        vna = stack.bins.vna.display(),
    )
}

fn status(state: &KeptState) -> String {
    let mut out = format!("sandbox {} in {}\n", state.prefix, state.dir.display());
    for p in &state.processes {
        let alive = Path::new(&format!("/proc/{}", p.pid)).exists();
        out.push_str(&format!(
            "  {:<12} pid {:<8} {}\n",
            p.name,
            p.pid,
            if alive { "running" } else { "not running" }
        ));
    }
    for vm in &state.layout.vms {
        let ip = vm
            .ip
            .map(|(ip, len)| format!("{ip}/{len}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {:<4} on {:<6} {ip:<16} netns {}-{}\n",
            vm.name, vm.host, state.prefix, vm.name
        ));
    }
    out
}
