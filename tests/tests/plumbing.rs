//! The harness's plumbing, proven without vna: with a plain split-horizon learning switch on
//! every br0 (what vna's pipeline replaces), VMs on host1 reach VMs on host2 over the shared
//! underlay L2 (the MAC2MAC path: patch port, brphys, underlay bridge) and VMs on host3 over a
//! GRE port pair through the router. Teardown leaves no namespace and no process behind.

// A test fails by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use integration::layout::{BRIDGE, HOST_OFPORT};
use integration::{Datacenter, Host, Layout, Options, netns};

/// Each VM gets 10.9.0.N/24 (N from its name), one flat test network without vna.
fn flat_layout() -> Layout {
    let mut layout = Layout::standard();
    for (index, vm) in (1u8..).zip(layout.vms.iter_mut()) {
        vm.ip = Some((vm_ip(index), 24));
    }
    layout
}

fn vm_ip(index: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 9, 0, index)
}

/// A learning switch that never sends what came from the underlay or a tunnel back out to
/// the underlay or a tunnel: broadcasts from VMs go everywhere (NORMAL), frames from the uplink
/// patch or a GRE port go to the host's VMs only. Plain NORMAL everywhere would loop: a
/// broadcast from brphys would come back in through the patch and leave through the GRE port.
fn install_split_horizon_switch(dc: &Datacenter, host: &Host) {
    let vifs: Vec<String> = dc
        .layout()
        .vms_of(&host.spec().name)
        .map(|vm| format!("output:{}", vm.ofport))
        .collect();
    let to_vms = vifs.join(",");
    let mut flows = vec![
        "priority=0,actions=NORMAL".to_owned(),
        format!("priority=10,in_port={HOST_OFPORT},actions={to_vms}"),
    ];
    for port in host.vsctl().list_ports(BRIDGE).unwrap() {
        if port.port_type == "gre" {
            let ofport = port.ofport.expect("a GRE port without an OpenFlow number");
            flows.push(format!("priority=10,in_port={ofport},actions={to_vms}"));
        }
    }
    for flow in flows {
        host.ofctl("add-flow", &[&flow]).unwrap();
    }
}

fn add_gre_pair(dc: &Datacenter, a: &str, b: &str) {
    let host_a = dc.host(a).unwrap();
    let host_b = dc.host(b).unwrap();
    let (ip_a, ip_b) = (host_a.spec().underlay_ip, host_b.spec().underlay_ip);
    let name = |host: &Host| format!("t-h{}", host.spec().index);
    host_a
        .vsctl()
        .ensure_gre_port(BRIDGE, &name(host_b), ip_b, None)
        .unwrap();
    host_b
        .vsctl()
        .ensure_gre_port(BRIDGE, &name(host_a), ip_a, None)
        .unwrap();
}

/// Sends `bytes` bytes over TCP from VM `from` to a listener in VM `to` at `to_ip` and returns
/// how many arrived. Both ends are sockets of this test process, opened inside the VMs'
/// namespaces: no helper program, full-size segments (so checksums and MTU both matter).
fn tcp_transfer(dc: &Datacenter, from: &str, to: &str, to_ip: Ipv4Addr, bytes: usize) -> usize {
    let listener = netns::run_in(&dc.vm_netns(to).unwrap(), move || {
        TcpListener::bind((to_ip, 0))
    })
    .unwrap()
    .unwrap();
    let address = SocketAddr::from((to_ip, listener.local_addr().unwrap().port()));
    listener.set_nonblocking(true).unwrap();
    let receiver = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut stream = loop {
            match listener.accept() {
                Ok((stream, _)) => break stream,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(error) => panic!("no connection: {error}"),
            }
        };
        stream.set_nonblocking(false).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut received = Vec::new();
        let _ = stream.read_to_end(&mut received);
        received.len()
    });
    netns::run_in(&dc.vm_netns(from).unwrap(), move || {
        let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(10))?;
        stream.set_write_timeout(Some(Duration::from_secs(20)))?;
        stream.write_all(&vec![0x5a; bytes])?;
        stream.shutdown(std::net::Shutdown::Write)
    })
    .unwrap()
    .unwrap();
    receiver.join().unwrap()
}

/// Bytes the router forwarded out of its leg on `interface`.
fn router_tx_packets(dc: &Datacenter, interface: &str) -> u64 {
    let path = format!("/sys/class/net/{interface}/statistics/tx_packets");
    let out = integration::exec::run(&integration::exec::in_netns(
        &dc.router_netns(),
        &["cat", &path],
    ))
    .unwrap();
    out.trim().parse().unwrap()
}

#[test]
fn vms_reach_each_other_over_the_shared_underlay_and_over_gre_through_the_router() {
    let Some(tools) = integration::require().unwrap() else {
        return;
    };
    let dc = Datacenter::build(
        &tools,
        Options {
            layout: flat_layout(),
            ..Options::default()
        },
    )
    .unwrap();
    let prefix = format!("{}-", dc.prefix());
    let pids = dc.pids();
    assert_eq!(pids.len(), 6, "two daemons per host");

    // br0 is fail-mode=secure with no controller running: it forwards nothing.
    assert!(!dc.reaches("vm1", vm_ip(3), Duration::from_secs(1)).unwrap());

    add_gre_pair(&dc, "host1", "host3");
    // br0 as vna finds it (ovs-vsctl run inside the host's namespace, as vna would be).
    let host1 = dc.host("host1").unwrap();
    let ports = host1
        .vsctl()
        .netns(host1.netns())
        .list_ports(BRIDGE)
        .unwrap();
    let described: Vec<(&str, &str, Option<u32>)> = ports
        .iter()
        .map(|port| (port.name.as_str(), port.port_type.as_str(), port.ofport))
        .collect();
    assert_eq!(described.len(), 4, "{described:?}");
    assert!(described.contains(&("eth0", "patch", Some(HOST_OFPORT))));
    assert!(described.contains(&("vif-vm1", "", Some(2))));
    assert!(described.contains(&("vif-vm2", "", Some(3))));
    let gre = ports.iter().find(|port| port.name == "t-h3").unwrap();
    assert_eq!(gre.options["remote_ip"], "198.51.100.3");
    for host in dc.hosts() {
        install_split_horizon_switch(&dc, host);
    }

    // MAC2MAC-like: host1 and host2 share underlay A; no encapsulation, no router.
    assert!(
        dc.reaches("vm1", vm_ip(3), Duration::from_secs(10))
            .unwrap()
    );
    assert!(
        dc.reaches("vm4", vm_ip(2), Duration::from_secs(10))
            .unwrap()
    );
    assert_eq!(
        dc.ping("vm1", vm_ip(4), 3, Duration::from_secs(10))
            .unwrap(),
        3
    );

    // GRE: host3 is on underlay B; the tunnel packets cross the router.
    let routed_before = router_tx_packets(&dc, "eth-b");
    assert!(
        dc.reaches("vm1", vm_ip(5), Duration::from_secs(10))
            .unwrap()
    );
    assert_eq!(
        dc.ping("vm2", vm_ip(6), 3, Duration::from_secs(10))
            .unwrap(),
        3
    );
    assert!(
        router_tx_packets(&dc, "eth-b") >= routed_before + 4,
        "the GRE traffic did not go through the router"
    );
    // Full-size TCP segments arrive intact both ways: checksums are complete (VM NICs have
    // transmit offload off) and GRE fits in the underlay's MTU.
    assert_eq!(tcp_transfer(&dc, "vm1", "vm4", vm_ip(4), 1 << 20), 1 << 20);
    assert_eq!(tcp_transfer(&dc, "vm6", "vm2", vm_ip(2), 1 << 20), 1 << 20);

    // host2 has no tunnel to host3: nothing connects them.
    assert!(!dc.reaches("vm3", vm_ip(5), Duration::from_secs(1)).unwrap());

    dc.teardown().unwrap();
    assert_eq!(netns::list(&prefix), Vec::<String>::new());
    for pid in pids {
        assert!(
            !ovs::pid::is_running(pid),
            "pid {pid} survived the teardown"
        );
    }
}

#[test]
fn a_continuous_ping_counts_no_loss_on_a_quiet_path() {
    let Some(tools) = integration::require().unwrap() else {
        return;
    };
    let dc = Datacenter::build(
        &tools,
        Options {
            layout: flat_layout(),
            ..Options::default()
        },
    )
    .unwrap();
    for host in dc.hosts() {
        install_split_horizon_switch(&dc, host);
    }
    assert!(
        dc.reaches("vm1", vm_ip(3), Duration::from_secs(10))
            .unwrap()
    );
    let stream = dc
        .ping_stream("vm1", vm_ip(3), Duration::from_millis(10))
        .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let stats = stream.stop().unwrap();
    assert!(stats.transmitted >= 50, "{stats:?}");
    assert_eq!(stats.lost, 0, "{stats:?}");
}

#[test]
fn processes_run_in_namespaces_and_a_kept_datacenter_is_torn_down_from_its_directory() {
    let Some(tools) = integration::require().unwrap() else {
        return;
    };
    let mut dc = Datacenter::build(
        &tools,
        Options {
            keepable: true,
            // Not .200, which a sandbox on the same machine may use.
            root_mgmt_ip: Some((Ipv4Addr::new(203, 0, 113, 201), 24)),
            ..Options::default()
        },
    )
    .unwrap();
    let prefix = format!("{}-", dc.prefix());
    let host1 = dc.host("host1").unwrap();
    let netns = host1.netns().to_owned();
    let env = host1.vna_env();
    assert!(env.contains(&("VNA_NODE_ID".to_owned(), "vna1".to_owned())));
    assert!(
        host1
            .vna_config_toml()
            .contains("rpc_endpoint = \"tcp://203.0.113.254:9102\"")
    );

    // A process sees the host's namespace and the environment it was given.
    let shell = dc
        .spawn(
            "probe",
            Some(&netns),
            &[
                "sh",
                "-c",
                "ip -br addr show brphys; echo \"db=$VNA_OVSDB\"; exec sleep 600",
            ],
            &env,
        )
        .unwrap();
    let pid = shell.pid();
    let log = shell.log_path().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("db=")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the probe wrote nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("192.0.2.1/24"), "{text}");
    assert!(text.contains("db=unix:"), "{text}");

    // The management network reaches every host, plain Linux, no OVS in the way.
    for host in ["host1", "host2", "host3"] {
        let ip = dc.host(host).unwrap().spec().mgmt_ip.to_string();
        let out = integration::exec::run(&integration::exec::in_netns(
            &dc.mgmt_netns(),
            &["ping", "-c", "1", "-w", "5", &ip],
        ))
        .unwrap();
        assert!(out.contains("1 received"), "{out}");
    }

    // The root namespace has a leg on the management network too (the sandbox's vnctl).
    // Bound to this datacenter's leg, in case another one (a sandbox) has the same subnet.
    let root_leg = format!("{prefix}mg");
    let out =
        integration::exec::run(&["ping", "-I", &root_leg, "-c", "1", "-w", "5", "203.0.113.3"])
            .unwrap();
    assert!(out.contains("1 received"), "{out}");

    // A thread can open sockets inside a namespace.
    let bound = netns::run_in(&dc.mgmt_netns(), || {
        std::net::TcpListener::bind((layout_mgmt_ip(), 0)).is_ok()
    })
    .unwrap();
    assert!(bound);
    assert!(std::net::TcpListener::bind((layout_mgmt_ip(), 0)).is_err());

    // A crash and a restart under the same name, as the restart scenario does with vna.
    let first = dc
        .spawn("sleeper", Some(&netns), &["sleep", "600"], &[])
        .unwrap()
        .pid();
    assert!(!dc.kill_process("sleeper").unwrap().success());
    assert!(!ovs::pid::is_running(first));
    let second = dc
        .spawn("sleeper", Some(&netns), &["sleep", "600"], &[])
        .unwrap()
        .pid();
    assert_ne!(first, second);
    dc.stop_process("sleeper", Duration::from_secs(5)).unwrap();
    assert!(!ovs::pid::is_running(second));

    let mut pids = dc.pids();
    pids.push(pid);
    let dir = dc.keep().unwrap();
    assert!(pids.iter().all(|&pid| ovs::pid::is_running(pid)));
    assert!(!netns::list(&prefix).is_empty());

    integration::teardown_kept(&tools, &dir).unwrap();
    assert_eq!(netns::list(&prefix), Vec::<String>::new());
    for pid in pids {
        assert!(
            !ovs::pid::is_running(pid),
            "pid {pid} survived the teardown"
        );
    }
    assert!(!dir.exists());
    let root_end = format!("/sys/class/net/{prefix}mg");
    assert!(
        !std::path::Path::new(&root_end).exists(),
        "{root_end} survived"
    );
}

fn layout_mgmt_ip() -> Ipv4Addr {
    integration::layout::MGMT_SERVER_IP
}

#[test]
fn a_panicking_test_still_tears_its_datacenter_down_and_keeps_its_logs() {
    let Some(tools) = integration::require().unwrap() else {
        return;
    };
    let built = std::sync::Mutex::new(None);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let dc = Datacenter::build(&tools, Options::default()).unwrap();
        *built.lock().unwrap() = Some((dc.prefix().to_owned(), dc.dir().to_owned(), dc.pids()));
        panic!("a failing scenario");
    }));
    assert!(outcome.is_err());
    let (prefix, dir, pids) = built.lock().unwrap().take().unwrap();
    assert_eq!(netns::list(&format!("{prefix}-")), Vec::<String>::new());
    for pid in pids {
        assert!(
            !ovs::pid::is_running(pid),
            "pid {pid} survived the teardown"
        );
    }
    assert!(
        dir.join("host1").join("ovs-vswitchd.log").is_file(),
        "the logs of a failed test are kept"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
