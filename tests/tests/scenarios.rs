//! The original's integration scenarios (reference §6.2) on the namespace datacenter, with
//! every process real: vnmgr and vnapi in the management namespace, vna and Open vSwitch on
//! three hypervisors, VMs as namespaces, datasets loaded with `vnctl batch`. Each scenario
//! runs twice, with vna started before and after the dataset is loaded.
//!
//! One datacenter at a time (they are heavy for a 2-core machine and timing-sensitive).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::Ipv4Addr;
use std::sync::Mutex;
use std::time::Duration;

use integration::stack::{Bins, Database, Stack};
use integration::{Datacenter, Options};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// How long a path may take to start working (flows pushed, ARP resolved).
const CONVERGE: Duration = Duration::from_secs(20);

fn ip(vm: &str, dc: &Datacenter) -> Ipv4Addr {
    dc.vm(vm).unwrap().ip.unwrap().0
}

#[derive(Clone, Copy, Debug)]
enum VnaStart {
    BeforeDataset,
    AfterDataset,
}

/// A datacenter with vnet running and `datasets` loaded.
fn setup(datasets: &[&str], order: VnaStart, database: Database) -> Option<(Datacenter, Stack)> {
    let tools = integration::require().unwrap()?;
    let bins = Bins::build().unwrap();
    let mut dc = Datacenter::build(&tools, Options::default()).unwrap();
    let stack = Stack::start(&mut dc, bins, database).unwrap();
    if let VnaStart::BeforeDataset = order {
        stack.start_all_vnas(&mut dc).unwrap();
    }
    for d in datasets {
        stack.load(&dc, d).unwrap();
    }
    if let VnaStart::AfterDataset = order {
        stack.start_all_vnas(&mut dc).unwrap();
    }
    Some((dc, stack))
}

/// Within a network: reachable over MAC2MAC (same underlay) and GRE (across the router).
/// Across networks: never, although the addresses are the same.
fn assert_simple_matrix(dc: &Datacenter) {
    for (from, to) in [
        ("vm1", "vm3"),
        ("vm2", "vm4"),
        ("vm1", "vm5"),
        ("vm2", "vm6"),
        ("vm5", "vm3"),
        ("vm6", "vm4"),
    ] {
        assert!(
            dc.reaches(from, ip(to, dc), CONVERGE).unwrap(),
            "{from} should reach {to} ({})",
            ip(to, dc)
        );
    }
    // vm1's 10.101.0.11 is vm3, never vm4: vm4 receives nothing while vm1 resolves and pings
    // that address (ARP broadcast included), and vm1 learns vm3's MAC for it.
    for (from, to, right) in [
        ("vm1", "vm4", "vm3"),
        ("vm1", "vm6", "vm5"),
        ("vm2", "vm3", "vm4"),
        ("vm2", "vm5", "vm6"),
    ] {
        let target = ip(to, dc).to_string();
        dc.exec_vm(from, &["ip", "neigh", "flush", "dev", "eth0"])
            .unwrap();
        let before = rx_packets(dc, to);
        let replies = dc
            .ping(from, ip(to, dc), 3, Duration::from_secs(3))
            .unwrap();
        let after = rx_packets(dc, to);
        assert_eq!(
            before, after,
            "{to} received frames while {from} pinged {target} of its own network"
        );
        assert_eq!(
            replies, 3,
            "{from} → {target} is {right} in {from}'s network"
        );
        let neigh = dc
            .exec_vm(from, &["ip", "neigh", "show", &target])
            .unwrap()
            .stdout;
        let right_mac = dc.vm(right).unwrap().mac.clone();
        assert!(
            neigh.contains(&right_mac),
            "{from} resolved {target} to {neigh:?}, not {right}'s {right_mac}"
        );
    }
}

/// Frames the VM's NIC has received.
fn rx_packets(dc: &Datacenter, vm: &str) -> u64 {
    let out = dc
        .exec_vm(vm, &["cat", "/sys/class/net/eth0/statistics/rx_packets"])
        .unwrap();
    out.stdout.trim().parse().unwrap()
}

fn simple_nw(order: VnaStart, database: Database) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let Some((dc, stack)) = setup(&["base", "simple_nw"], order, database) else {
        return;
    };
    assert_simple_matrix(&dc);
    // The operator's view of what made that work: `vna flows` on host1 names the tables,
    // decodes cookies and metadata, and shows the MACs learned from the other hosts.
    let flows = vna_flows(&dc, &stack, "host1");
    for needle in [
        "INTERFACE_EGRESS_VALIDATE",
        "NETWORK_DST_MAC_LOOKUP",
        "FLOOD_TUNNELS",
        "dynamic",
    ] {
        assert!(flows.contains(needle), "vna flows lacks {needle}:\n{flows}");
    }
}

/// `vna flows` run on a host, as an operator would.
fn vna_flows(dc: &Datacenter, stack: &Stack, host: &str) -> String {
    let h = dc.host(host).unwrap();
    let mut env: Vec<String> = h
        .vna_env()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    env.insert(0, "env".into());
    let mut argv: Vec<&str> = env.iter().map(String::as_str).collect();
    argv.push(stack.bins.vna.to_str().unwrap());
    argv.push("flows");
    integration::exec::run(&integration::exec::in_netns(h.netns(), &argv)).unwrap()
}

#[test]
fn simple_nw_vna_first() {
    simple_nw(VnaStart::BeforeDataset, Database::Sqlite);
}

#[test]
fn simple_nw_vna_after() {
    simple_nw(VnaStart::AfterDataset, Database::Sqlite);
}
