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

use integration::stack::{Bins, Database, Openflow, Stack};
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
    setup_with(datasets, order, database, Openflow::Connect)
}

/// [`setup`], with vna and its switch meeting as `openflow` says.
fn setup_with(
    datasets: &[&str],
    order: VnaStart,
    database: Database,
    openflow: Openflow,
) -> Option<(Datacenter, Stack)> {
    let tools = integration::require().unwrap()?;
    let bins = Bins::build().unwrap();
    let mut dc = Datacenter::build(&tools, Options::default()).unwrap();
    let mut stack = Stack::start(&mut dc, bins, database).unwrap();
    stack.openflow = openflow;
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
            reachable(dc, from, to),
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

fn simple_nw(order: VnaStart, database: Database, openflow: Openflow) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let Some((dc, stack)) = setup_with(&["base", "simple_nw"], order, database, openflow) else {
        return;
    };
    assert_simple_matrix(&dc);
    assert_active_state(&dc);
    // Anti-spoofing on the real switch: a VM that takes an address it does not lease is cut
    // off (its ARP and IP are dropped where they enter), and gets back once it stops.
    let mut dc = dc;
    dc.set_vm_ip("vm1", Some((Ipv4Addr::new(10, 101, 0, 99), 24)))
        .unwrap();
    assert_eq!(
        dc.ping("vm1", ip("vm3", &dc), 3, Duration::from_secs(3))
            .unwrap(),
        0,
        "vm1 reached vm3 from an address it does not lease"
    );
    dc.set_vm_ip("vm1", Some((Ipv4Addr::new(10, 101, 0, 10), 24)))
        .unwrap();
    assert!(
        reachable(&dc, "vm1", "vm3"),
        "vm1 back on its leased address"
    );
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

/// Every vna reported its live interfaces and ports back to vnmgr (the original's
/// active_interfaces and active_ports): each VM's interface on its datapath with its port.
fn assert_active_state(dc: &Datacenter) {
    let rpc = format!(
        "tcp://{}:{}",
        integration::layout::MGMT_SERVER_IP,
        integration::VNMGR_RPC_PORT
    );
    let deadline = std::time::Instant::now() + CONVERGE;
    loop {
        let rpc = rpc.clone();
        let (interfaces, ports) = integration::netns::run_in(&dc.mgmt_netns(), move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let client = proto::RpcClient::new(&rpc, Duration::from_secs(5));
                let list = |t| client.list(t, Vec::new(), Some(1000), 0);
                let i = list(model::Table::ActiveInterfaces).await.unwrap().items;
                let p = list(model::Table::ActivePorts).await.unwrap().items;
                (i, p)
            })
        })
        .unwrap();
        let named: Vec<(String, u64)> = interfaces
            .iter()
            .map(|r| {
                (
                    r["port_name"].as_str().unwrap_or_default().to_owned(),
                    r["port_number"].as_u64().unwrap_or_default(),
                )
            })
            .collect();
        let vifs = named
            .iter()
            .filter(|(n, _)| n.starts_with("vif-vm"))
            .count();
        let uplinks = named.iter().filter(|(n, p)| n == "eth0" && *p == 1).count();
        let gre_ports = ports.iter().filter(|r| r["mode"] == "tunnel").count();
        if vifs == 6 && uplinks == 3 && gre_ports == 4 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "active state not reported: interfaces {named:?}, ports {ports:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
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
    simple_nw(VnaStart::BeforeDataset, Database::Sqlite, Openflow::Connect);
}

#[test]
fn simple_nw_vna_after() {
    // vna's default: it listens and the switch connects.
    simple_nw(VnaStart::AfterDataset, Database::Sqlite, Openflow::Listen);
}

/// simple_nw with vnmgr on MariaDB (a private server; its unix socket crosses namespaces).
#[test]
fn simple_nw_on_mariadb() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(mariadb) = runtime.block_on(testkit::mariadb::MariaDb::start()) else {
        return;
    };
    let url = runtime.block_on(mariadb.create_database("vnet"));
    simple_nw(
        VnaStart::BeforeDataset,
        Database::Url(url),
        Openflow::Connect,
    );
    drop(mariadb);
}

fn simple_seg(order: VnaStart) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    // The guests' addresses are set by hand (the harness's defaults are simple_nw's); the
    // model knows only their MACs.
    let Some((dc, _stack)) = setup(&["base", "simple_seg"], order, Database::Sqlite) else {
        return;
    };
    assert_simple_matrix(&dc);
}

#[test]
fn simple_seg_vna_first() {
    simple_seg(VnaStart::BeforeDataset);
}

#[test]
fn simple_seg_vna_after() {
    simple_seg(VnaStart::AfterDataset);
}

/// `vnctl … -o json`, parsed.
fn json(stack: &Stack, dc: &Datacenter, args: &[&str]) -> serde_json::Value {
    let mut argv = args.to_vec();
    argv.extend(["-o", "json"]);
    let out = stack.vnctl(dc, &argv).unwrap();
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("vnctl {args:?}: {e}: {out}"))
}

/// Whether `from` gets a reply from `to` within [`CONVERGE`].
fn reachable(dc: &Datacenter, from: &str, to: &str) -> bool {
    dc.reaches(from, ip(to, dc), CONVERGE).unwrap()
}

/// Nothing gets through for a few seconds (after the change had time to land).
fn cut_off(dc: &Datacenter, from: &str, to: &str) -> bool {
    std::thread::sleep(Duration::from_millis(500));
    dc.ping(from, ip(to, dc), 3, Duration::from_secs(3))
        .unwrap()
        == 0
}

fn event(order: VnaStart) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let Some((dc, stack)) = setup(&["base", "simple_nw"], order, Database::Sqlite) else {
        return;
    };
    // vm1 (dp-1) → vm3 (dp-2) over MAC2MAC and vm1 → vm5 (dp-3) over GRE.
    assert!(reachable(&dc, "vm1", "vm3"));
    assert!(reachable(&dc, "vm1", "vm5"));

    // Removing vm3's IP lease cuts it off; leasing the address again restores it.
    let v3 = json(&stack, &dc, &["interfaces", "show", "if-v3"]);
    let lease = v3["ip_leases"][0]["uuid"].as_str().unwrap().to_owned();
    let mac_lease = v3["mac_leases"][0]["uuid"].as_str().unwrap().to_owned();
    stack.vnctl(&dc, &["ip_leases", "del", &lease]).unwrap();
    assert!(
        cut_off(&dc, "vm1", "vm3"),
        "vm3 still reachable without its IP lease"
    );
    assert!(reachable(&dc, "vm1", "vm5"), "vm5 must not be affected");
    stack
        .vnctl(
            &dc,
            &[
                "ip_leases",
                "add",
                "--interface-uuid",
                "if-v3",
                "--mac-lease-uuid",
                &mac_lease,
                "--network-uuid",
                "nw-vnet1",
                "--ipv4-address",
                "10.101.0.11",
            ],
        )
        .unwrap();
    assert!(
        reachable(&dc, "vm1", "vm3"),
        "vm3 not reachable after its IP was leased again"
    );

    // Releasing vm5's MAC lease (its IP lease goes with it) cuts it off; leasing the MAC and
    // the address again restores it. Over GRE this time.
    let v5 = json(&stack, &dc, &["interfaces", "show", "if-v5"]);
    let mac_lease = v5["mac_leases"][0]["uuid"].as_str().unwrap().to_owned();
    stack
        .vnctl(&dc, &["mac_leases", "del", &mac_lease])
        .unwrap();
    assert!(
        cut_off(&dc, "vm1", "vm5"),
        "vm5 still reachable without its MAC lease"
    );
    let added = json(
        &stack,
        &dc,
        &[
            "mac_leases",
            "add",
            "--interface-uuid",
            "if-v5",
            "--mac-address",
            "02:00:00:00:00:05",
        ],
    );
    let mac_lease = added["uuid"].as_str().unwrap().to_owned();
    stack
        .vnctl(
            &dc,
            &[
                "ip_leases",
                "add",
                "--interface-uuid",
                "if-v5",
                "--mac-lease-uuid",
                &mac_lease,
                "--network-uuid",
                "nw-vnet1",
                "--ipv4-address",
                "10.101.0.12",
            ],
        )
        .unwrap();
    assert!(
        reachable(&dc, "vm1", "vm5"),
        "vm5 not reachable after its MAC and IP were leased again"
    );

    // Deleting datapath dp-2 cuts its VMs off (its datapath_networks and ports go with it);
    // recreating it with the same dpid, its datapath_networks and its ports restores them.
    stack.vnctl(&dc, &["datapaths", "del", "dp-2"]).unwrap();
    assert!(
        cut_off(&dc, "vm1", "vm3"),
        "vm3 still reachable with its datapath deleted"
    );
    // host3 no longer needs its GRE port to dp-2: vna deleted it.
    let host3_ports: Vec<String> = dc
        .host("host3")
        .unwrap()
        .vsctl()
        .list_ports("br0")
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert!(
        !host3_ports.iter().any(|p| p == "t-2") && host3_ports.iter().any(|p| p == "t-1"),
        "host3's GRE ports after dp-2 was deleted: {host3_ports:?}"
    );
    assert!(reachable(&dc, "vm1", "vm5"));
    for line in [
        "datapaths add --uuid dp-2 --display-name dp-new --dpid 0x0000bbbbbbbbbbbb --node-id vna2",
        "datapaths networks add dp-2 nw-vnet1 --interface-uuid if-dp2eth0 --mac-address 02:00:00:01:02:01",
        "datapaths networks add dp-2 nw-vnet2 --interface-uuid if-dp2eth0 --mac-address 02:00:00:01:02:02",
        "interfaces ports add if-dp2eth0 --port-name eth0 --datapath-uuid dp-2",
        "interfaces ports add if-v3 --port-name vif-vm3 --datapath-uuid dp-2",
        "interfaces ports add if-v4 --port-name vif-vm4 --datapath-uuid dp-2",
    ] {
        let args: Vec<&str> = line.split(' ').collect();
        stack
            .vnctl(&dc, &args)
            .unwrap_or_else(|e| panic!("vnctl {line}: {e}"));
    }
    assert!(
        reachable(&dc, "vm1", "vm3"),
        "vm3 not reachable after dp-2 was recreated"
    );
    assert!(
        reachable(&dc, "vm2", "vm4"),
        "vm4 not reachable after dp-2 was recreated"
    );
    assert!(
        reachable(&dc, "vm3", "vm5"),
        "vm3 → vm5 (GRE) after dp-2 was recreated"
    );
}

#[test]
fn event_vna_first() {
    event(VnaStart::BeforeDataset);
}

#[test]
fn event_vna_after() {
    event(VnaStart::AfterDataset);
}

/// Waits until a (re)started vna has reconciled: its log says it read the switch back and is
/// in sync, or it applied flows.
fn wait_vna_synced(dc: &mut Datacenter, name: &str) {
    integration::stack::wait_for_line(dc, name, "switch in sync").unwrap();
}

fn restart(order: VnaStart) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let Some((mut dc, stack)) = setup(&["base", "simple_nw"], order, Database::Sqlite) else {
        return;
    };
    assert!(reachable(&dc, "vm1", "vm3"));
    assert!(reachable(&dc, "vm1", "vm5"));
    wait_vna_synced(&mut dc, "vna-host1");
    wait_vna_synced(&mut dc, "vna-host2");
    // 100 pings a second from vm1 to vm3 (MAC2MAC, host1 → host2) and vm2 to vm6 (GRE,
    // host1 → host3) while both ends' agents crash and come back, then vnmgr does.
    let mac2mac = dc
        .ping_stream("vm1", ip("vm3", &dc), Duration::from_millis(10))
        .unwrap();
    let gre = dc
        .ping_stream("vm2", ip("vm6", &dc), Duration::from_millis(10))
        .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    for host in ["host1", "host2", "host3"] {
        dc.kill_process(&format!("vna-{host}")).unwrap();
    }
    std::thread::sleep(Duration::from_secs(1));
    let mut restarted = Vec::new();
    for host in ["host1", "host2", "host3"] {
        restarted.push(stack.start_vna(&mut dc, host).unwrap());
    }
    for name in &restarted {
        wait_vna_synced(&mut dc, name);
    }
    dc.kill_process("vnmgr").unwrap();
    std::thread::sleep(Duration::from_secs(1));
    stack.start_vnmgr(&mut dc).unwrap();
    // The agents notice the new vnmgr (new epoch) and resnapshot; nothing changes.
    std::thread::sleep(Duration::from_secs(4));
    let mac2mac = mac2mac.stop().unwrap();
    let gre = gre.stop().unwrap();
    // ping -i 0.01 on a busy 2-core machine sends somewhat fewer than 100 a second.
    assert!(
        mac2mac.transmitted >= 300 && gre.transmitted >= 300,
        "{mac2mac:?} {gre:?}"
    );
    assert_eq!(
        mac2mac.lost, 0,
        "MAC2MAC pings lost across the restarts: {mac2mac:?}"
    );
    assert_eq!(gre.lost, 0, "GRE pings lost across the restarts: {gre:?}");
    // The restarted agents found every flow right: they changed none.
    for name in &restarted {
        let log = dc.process(name).unwrap().log();
        assert!(
            !log.contains("flows applied"),
            "{name} changed flows after its restart:\n{log}"
        );
    }
}

#[test]
fn restart_vna_first() {
    restart(VnaStart::BeforeDataset);
}

#[test]
fn restart_vna_after() {
    restart(VnaStart::AfterDataset);
}
