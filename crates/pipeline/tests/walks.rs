//! Packets walked through the flows `plan` computes for the original's three-datapath
//! topology (reference §6.1, dataset simple_nw, and the same with segments): three simulated
//! switches wired together the way the integration harness wires real ones — dp-1 and dp-2
//! share an underlay L2 (MAC2MAC), dp-3 is reached over GRE.
//!
//! What is asserted is what a VM would see: which VMs a frame reaches.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::needless_range_loop
)]

use std::collections::{BTreeSet, VecDeque};
use std::net::Ipv4Addr;

use model::modes::NetworkMode;
use openflow::MacAddr;
use pipeline::SwitchPorts;
use pipeline::compute::{Plan, gre_port_name, plan};
use pipeline::fixture::{DPIDS, Fixture, SimpleNw};
use pipeline::sim::{Packet, Simulator};
use pipeline::tables;

const UPLINK: u32 = 1;

/// Port numbers on every switch: the uplink 1, VMs from 2, GRE ports from 20.
fn switch_ports(host: usize) -> SwitchPorts {
    let mut ports = SwitchPorts::new();
    ports.insert("eth0", UPLINK);
    for (i, vm) in vms_of(host).iter().enumerate() {
        ports.insert(format!("vif-vm{vm}"), 2 + i as u32);
    }
    for peer in 0..3 {
        if peer != host {
            ports.insert(gre_port_name(&(peer + 1).to_string()), 20 + peer as u32);
        }
    }
    ports
}

/// VMs (1-based) on host (0-based): two each.
fn vms_of(host: usize) -> [usize; 2] {
    [2 * host + 1, 2 * host + 2]
}

fn vm_mac(vm: usize) -> MacAddr {
    MacAddr([0x52, 0x54, 0xff, 0, 0, vm as u8])
}

/// 10.101.0.10/11/12 by host, in both networks (they overlap on purpose).
fn vm_ip(vm: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 101, 0, 10 + ((vm - 1) / 2) as u8)
}

fn vm_host_port(vm: usize) -> (usize, u32) {
    let host = (vm - 1) / 2;
    (host, 2 + ((vm - 1) % 2) as u32)
}

/// Three switches and the wires between them.
struct Fabric {
    sims: Vec<Simulator>,
    plans: Vec<Plan>,
}

impl Fabric {
    fn new(model: &pipeline::Model) -> Fabric {
        let mut sims = Vec::new();
        let mut plans = Vec::new();
        for host in 0..3 {
            let ports = switch_ports(host);
            let p = plan(model, DPIDS[host], &ports);
            sims.push(Simulator::new(&p.flows).with_ports(ports.by_name.values().copied()));
            plans.push(p);
        }
        Fabric { sims, plans }
    }

    /// Sends `packet` from `vm` and returns the VMs that receive a copy, with the copies.
    fn send(&mut self, vm: usize, mut packet: Packet) -> Vec<(usize, Packet)> {
        let (host, port) = vm_host_port(vm);
        packet.in_port = port;
        let mut queue = VecDeque::from([(host, packet)]);
        let mut delivered = Vec::new();
        let mut hops = 0;
        while let Some((host, packet)) = queue.pop_front() {
            hops += 1;
            assert!(hops < 100, "frames loop between the switches");
            let trace = self.sims[host].trace(&packet);
            for out in trace.outputs {
                let wire = Packet {
                    metadata: 0,
                    regs: [0; 8],
                    ..out.packet.clone()
                };
                match out.port {
                    UPLINK => {
                        // The shared underlay L2 of dp-1 and dp-2; dp-3 is not on it.
                        for peer in [0usize, 1].into_iter().filter(|p| *p != host && host < 2) {
                            queue.push_back((
                                peer,
                                Packet {
                                    in_port: UPLINK,
                                    tun_id: 0,
                                    ..wire.clone()
                                },
                            ));
                        }
                    }
                    p @ 20..=22 => {
                        let peer = (p - 20) as usize;
                        queue.push_back((
                            peer,
                            Packet {
                                in_port: 20 + host as u32,
                                ..wire.clone()
                            },
                        ));
                    }
                    p @ 2..=3 => delivered.push((vms_of(host)[(p - 2) as usize], wire.clone())),
                    other => panic!("output to unexpected port {other} on dp-{}", host + 1),
                }
            }
        }
        delivered
    }

    fn reached(&mut self, vm: usize, packet: Packet) -> BTreeSet<usize> {
        self.send(vm, packet).into_iter().map(|(v, _)| v).collect()
    }
}

fn arp_request(from: usize, to_ip: Ipv4Addr) -> Packet {
    Packet::arp_request(0, vm_mac(from), vm_ip(from), to_ip)
}

fn ping(from: usize, to: usize) -> Packet {
    Packet::icmp_echo(0, vm_mac(from), vm_mac(to), vm_ip(from), vm_ip(to))
}

#[test]
fn plans_choose_mac2mac_and_gre_per_host_pair() {
    let nw = SimpleNw::build();
    let fabric = Fabric::new(&nw.fixture.model);
    // dp-1 and dp-2 share nw-public1: no GRE between them; dp-3 needs GRE to both.
    let names = |h: usize| -> Vec<(String, Ipv4Addr, Ipv4Addr)> {
        fabric.plans[h]
            .gre_ports
            .iter()
            .map(|g| (g.name.clone(), g.local_ip, g.remote_ip))
            .collect()
    };
    let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
    assert_eq!(
        names(0),
        vec![("t-3".into(), ip("192.0.2.1"), ip("198.51.100.3"))]
    );
    assert_eq!(
        names(1),
        vec![("t-3".into(), ip("192.0.2.2"), ip("198.51.100.3"))]
    );
    assert_eq!(
        names(2),
        vec![
            ("t-1".into(), ip("198.51.100.3"), ip("192.0.2.1")),
            ("t-2".into(), ip("198.51.100.3"), ip("192.0.2.2")),
        ]
    );
    for p in &fabric.plans {
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }
}

#[test]
fn a_broadcast_reaches_its_network_on_every_host_and_nothing_else() {
    let nw = SimpleNw::build();
    let mut fabric = Fabric::new(&nw.fixture.model);
    // vm1 (nw-vnet1, dp-1) asks for 10.101.0.11: vm3 (MAC2MAC) and vm5 (GRE) hear it, and no
    // VM of nw-vnet2 does, although vm4 holds that very address there.
    assert_eq!(
        fabric.reached(1, arp_request(1, vm_ip(3))),
        BTreeSet::from([3, 5])
    );
    // The same from vnet2's side.
    assert_eq!(
        fabric.reached(4, arp_request(4, vm_ip(2))),
        BTreeSet::from([2, 6])
    );
    // From dp-3 over GRE to both others.
    assert_eq!(
        fabric.reached(5, arp_request(5, vm_ip(1))),
        BTreeSet::from([1, 3])
    );
}

#[test]
fn broadcasts_arrive_as_broadcasts_once_each() {
    let nw = SimpleNw::build();
    let mut fabric = Fabric::new(&nw.fixture.model);
    let got = fabric.send(1, arp_request(1, vm_ip(3)));
    assert_eq!(got.len(), 2, "one copy per VM (split horizon): {got:?}");
    for (_, p) in &got {
        assert_eq!(
            p.eth_dst,
            MacAddr::BROADCAST,
            "MAC2MAC restores the broadcast address"
        );
        assert_eq!(p.eth_src, vm_mac(1));
    }
}

#[test]
fn unicast_is_learned_and_delivered_within_a_network_only() {
    let nw = SimpleNw::build();
    let mut fabric = Fabric::new(&nw.fixture.model);
    // Each VM announces itself (ARP), so the other hosts learn where its MAC lives.
    for vm in 1..=6 {
        fabric.send(vm, arp_request(vm, Ipv4Addr::new(10, 101, 0, 99)));
    }
    assert!(
        fabric.sims.iter().all(|s| !s.learned().is_empty()),
        "every switch learned remote MACs"
    );
    // MAC2MAC: dp-1 → dp-2, and back.
    assert_eq!(fabric.reached(1, ping(1, 3)), BTreeSet::from([3]));
    assert_eq!(fabric.reached(3, ping(3, 1)), BTreeSet::from([1]));
    // GRE: dp-1 → dp-3, dp-3 → dp-2.
    assert_eq!(fabric.reached(1, ping(1, 5)), BTreeSet::from([5]));
    assert_eq!(fabric.reached(5, ping(5, 3)), BTreeSet::from([3]));
    // The same host.
    assert_eq!(
        fabric.reached(3, ping(3, 4)),
        BTreeSet::new(),
        "vm3 and vm4 are in different networks"
    );
    // Across networks, even with the address the other network uses: nothing.
    assert_eq!(fabric.reached(1, ping(1, 4)), BTreeSet::new());
    assert_eq!(fabric.reached(1, ping(1, 6)), BTreeSet::new());
    assert_eq!(fabric.reached(2, ping(2, 3)), BTreeSet::new());
    assert_eq!(fabric.reached(2, ping(2, 5)), BTreeSet::new());
}

#[test]
fn unicast_before_learning_follows_the_model_and_never_crosses_networks() {
    let nw = SimpleNw::build();
    let mut fabric = Fabric::new(&nw.fixture.model);
    // No ARP first (static neighbour entries, or a switch that lost its learned flows): the
    // model says where vm3 and vm5 live, so the first frame already arrives.
    assert!(fabric.sims.iter().all(|s| s.learned().is_empty()));
    assert_eq!(fabric.reached(1, ping(1, 3)), BTreeSet::from([3]));
    assert_eq!(fabric.reached(1, ping(1, 5)), BTreeSet::from([5]));
    assert_eq!(fabric.reached(5, ping(5, 4)), BTreeSet::new());
    // A VM naming another network's VM by MAC (vm4, vnet2, on the MAC2MAC peer; vm6 over GRE)
    // reaches nothing, before learning and after.
    assert_eq!(fabric.reached(1, ping(1, 4)), BTreeSet::new());
    assert_eq!(fabric.reached(1, ping(1, 6)), BTreeSet::new());
    for vm in 1..=6 {
        fabric.send(vm, arp_request(vm, Ipv4Addr::new(10, 101, 0, 99)));
    }
    assert_eq!(fabric.reached(1, ping(1, 4)), BTreeSet::new());
    assert_eq!(fabric.reached(1, ping(1, 6)), BTreeSet::new());
    assert_eq!(fabric.reached(1, ping(1, 3)), BTreeSet::from([3]));
}

/// A VM the model does not place anywhere (no port row with a datapath) is reached once its
/// frames have been seen: learning covers what the model does not say.
#[test]
fn unplaced_vms_are_reached_by_learning() {
    let mut nw = SimpleNw::build();
    // vm3's port row no longer names dp-2: only dp-2 itself binds it (by port name).
    let vm3 = nw.vms[2];
    let port = nw
        .fixture
        .model
        .interface_ports
        .values()
        .find(|p| p.interface_id == vm3)
        .unwrap()
        .id;
    let Some(model::AnyRecord::InterfacePort(port)) =
        nw.fixture.model.row(model::Table::InterfacePorts, port)
    else {
        panic!("vm3's port row is gone");
    };
    nw.fixture.model.upsert(model::AnyRecord::InterfacePort(
        model::resources::InterfacePort {
            datapath_id: None,
            singular: false,
            ..port
        },
    ));
    let mut fabric = Fabric::new(&nw.fixture.model);
    assert_eq!(
        fabric.reached(1, ping(1, 3)),
        BTreeSet::new(),
        "unknown, not sent over MAC2MAC"
    );
    fabric.send(3, arp_request(3, vm_ip(1)));
    assert_eq!(fabric.reached(1, ping(1, 3)), BTreeSet::from([3]));
}

#[test]
fn spoofed_frames_are_dropped_at_the_source() {
    let nw = SimpleNw::build();
    let mut fabric = Fabric::new(&nw.fixture.model);
    // Another IP.
    let mut p = ping(1, 3);
    p.ipv4_src = Ipv4Addr::new(10, 101, 0, 77);
    assert_eq!(fabric.reached(1, p.clone()), BTreeSet::new());
    let (host, port) = vm_host_port(1);
    p.in_port = port;
    let trace = fabric.sims[host].trace(&p);
    assert!(trace.is_dropped());
    assert_eq!(
        trace.tables().last(),
        Some(&tables::INTERFACE_EGRESS_VALIDATE)
    );
    // Another MAC (vm3's, from vm1's port).
    let mut p = ping(1, 3);
    p.eth_src = vm_mac(3);
    assert_eq!(fabric.reached(1, p), BTreeSet::new());
    // ARP claiming another address.
    let mut p = arp_request(1, vm_ip(3));
    p.arp_spa = Ipv4Addr::new(10, 101, 0, 11);
    assert_eq!(fabric.reached(1, p), BTreeSet::new());
    let mut p = arp_request(1, vm_ip(3));
    p.arp_sha = vm_mac(2);
    assert_eq!(fabric.reached(1, p), BTreeSet::new());
    // A frame from the underlay claiming a local VM's MAC is not taken in.
    let mut p = ping(3, 1);
    p.eth_src = vm_mac(1);
    p.in_port = UPLINK;
    assert!(fabric.sims[0].trace(&p).is_dropped());
}

#[test]
fn a_remote_broadcast_is_never_sent_back_out() {
    let nw = SimpleNw::build();
    let mut fabric = Fabric::new(&nw.fixture.model);
    // A broadcast arriving at dp-3 over GRE goes to dp-3's VM only.
    let mut p = arp_request(1, vm_ip(5));
    p.in_port = 20; // t-1
    p.tun_id = u64::try_from(nw.vnet1).unwrap();
    let trace = fabric.sims[2].trace(&p);
    assert_eq!(trace.output_ports(), vec![2], "{trace}");
}

#[test]
fn removing_an_ip_lease_cuts_the_vm_off() {
    let mut nw = SimpleNw::build();
    let vm3 = nw.vms[2];
    let lease = nw
        .fixture
        .model
        .ip_leases
        .values()
        .find(|l| l.interface_id == Some(vm3))
        .unwrap()
        .id;
    assert!(nw.fixture.model.remove(model::Table::IpLeases, lease));
    let mut fabric = Fabric::new(&nw.fixture.model);
    assert_eq!(fabric.reached(1, ping(1, 3)), BTreeSet::new());
    assert_eq!(fabric.reached(3, ping(3, 1)), BTreeSet::new());
    assert_eq!(fabric.reached(1, ping(1, 5)), BTreeSet::from([5]));
}

/// simple_seg: the same topology with two segments, VMs attached by MAC only.
#[test]
fn segments_carry_any_frame_of_their_macs_and_stay_isolated() {
    let mut f = Fixture::new();
    let public1 = f.network("nw-public1", "192.0.2.0", 24, NetworkMode::Physical);
    let public2 = f.network("nw-public2", "198.51.100.0", 24, NetworkMode::Physical);
    let seg1 = f.segment("seg-vseg1");
    let seg2 = f.segment("seg-vseg2");
    for host in 0..3 {
        let n = host + 1;
        let dp = f.datapath(&format!("dp-{n}"), DPIDS[host], &format!("vna{n}"));
        let (ip, underlay) = if n < 3 {
            (format!("192.0.2.{n}"), public1)
        } else {
            (format!("198.51.100.{n}"), public2)
        };
        let h = f.host_interface(
            &format!("if-dp{n}eth0"),
            dp,
            "eth0",
            &format!("02:00:00:00:0{n}:00"),
            &ip,
            underlay,
        );
        for vm in vms_of(host) {
            let i = f.vif(
                &format!("if-v{vm}"),
                dp,
                &format!("vif-vm{vm}"),
                &format!("52:54:ff:00:00:0{vm}"),
                None,
            );
            f.interface_segment(i, if vm % 2 == 1 { seg1 } else { seg2 });
        }
        f.datapath_segment(dp, seg1, h, &format!("02:00:00:02:0{n}:01"));
        f.datapath_segment(dp, seg2, h, &format!("02:00:00:02:0{n}:02"));
    }
    let mut fabric = Fabric::new(&f.model);
    assert_eq!(
        fabric.reached(1, arp_request(1, vm_ip(3))),
        BTreeSet::from([3, 5])
    );
    assert_eq!(
        fabric.reached(2, arp_request(2, vm_ip(3))),
        BTreeSet::from([4, 6])
    );
    for vm in 1..=6 {
        fabric.send(vm, arp_request(vm, Ipv4Addr::new(10, 101, 0, 99)));
    }
    assert_eq!(fabric.reached(1, ping(1, 3)), BTreeSet::from([3]));
    assert_eq!(fabric.reached(1, ping(1, 5)), BTreeSet::from([5]));
    assert_eq!(fabric.reached(6, ping(6, 2)), BTreeSet::from([2]));
    assert_eq!(fabric.reached(1, ping(1, 4)), BTreeSet::new());
    // Any IP is fine on a segment (guests set their own), but not another MAC.
    let mut p = ping(1, 3);
    p.ipv4_src = Ipv4Addr::new(172, 16, 0, 1);
    assert_eq!(fabric.reached(1, p), BTreeSet::from([3]));
    let mut p = ping(1, 3);
    p.eth_src = vm_mac(2);
    assert_eq!(fabric.reached(1, p), BTreeSet::new());
}
