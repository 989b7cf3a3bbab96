//! The simulator on the flows vna really computes (the original's simple_nw topology): every
//! flow passes `sim::check_flow`, and an ARP exchange and a ping between dp-1 and dp-2 (MAC2MAC,
//! frames carried between their `eth0` ports by a simulated wire) meet nothing the simulator
//! cannot model, no flow Open vSwitch would reject and no tie between flows. What reaches
//! which VM across all three hosts is `walks.rs`'s subject.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::Ipv4Addr;

use openflow::MacAddr;
use pipeline::fixture::{DPIDS, SimpleNw};
use pipeline::sim::{self, Event, Packet, Simulator, Trace};
use pipeline::{SwitchPorts, describe, desired_flows};

const ETH0: u32 = 1;
/// On dp-1 the first VM is vm1 (nw-vnet1), the second vm2 (nw-vnet2); on dp-2 vm3 and vm4.
const VM_A: u32 = 2;
const VM_B: u32 = 3;

fn vm_mac(n: u8) -> MacAddr {
    MacAddr([0x52, 0x54, 0xff, 0, 0, n])
}

const IP_VM1: Ipv4Addr = Ipv4Addr::new(10, 101, 0, 10); // vm1 (vnet1), vm2 (vnet2) too
const IP_VM3: Ipv4Addr = Ipv4Addr::new(10, 101, 0, 11); // vm3 (vnet1), vm4 (vnet2) too

struct Hosts {
    dp1: Simulator,
    dp2: Simulator,
}

fn hosts() -> Hosts {
    let nw = SimpleNw::build();
    let switch = |i: usize, a: &str, b: &str| {
        let ports: SwitchPorts = [("eth0", ETH0), (a, VM_A), (b, VM_B)].into_iter().collect();
        Simulator::new(&desired_flows(&nw.fixture.model, DPIDS[i], &ports))
            .with_ports([ETH0, VM_A, VM_B])
    };
    Hosts {
        dp1: switch(0, "vif-vm1", "vif-vm2"),
        dp2: switch(1, "vif-vm3", "vif-vm4"),
    }
}

/// The frame as the other end of the wire receives it: only what is on the wire survives.
fn across_wire(t: &Trace) -> Packet {
    let out = &t
        .output_to(ETH0)
        .unwrap_or_else(|| panic!("nothing left by eth0:\n{t}"))
        .packet;
    Packet {
        in_port: ETH0,
        metadata: 0,
        regs: [0; 8],
        tun_id: 0,
        pkt_mark: 0,
        ..out.clone()
    }
}

/// Nothing the simulator could not model, nothing Open vSwitch would reject, no ties.
fn assert_clean(t: &Trace) {
    for e in t.events() {
        assert!(
            !matches!(
                e,
                Event::Unsupported(_)
                    | Event::SkippedFlow { .. }
                    | Event::MissingPrerequisite { .. }
                    | Event::Error(_)
                    | Event::Ambiguous { .. }
                    | Event::Stopped(_)
            ),
            "{e}\n{t}"
        );
    }
}

#[test]
fn arp_and_ping_across_two_datapaths_over_mac2mac() {
    let Hosts { mut dp1, mut dp2 } = hosts();

    // vm1 asks for vm3: dp-1 sends it to dp-2 only (vm2 is on the other network).
    let t = dp1.trace(&Packet::arp_request(VM_A, vm_mac(1), IP_VM1, IP_VM3));
    assert_clean(&t);
    assert_eq!(t.output_ports(), vec![ETH0], "{t}");
    let on_wire = across_wire(&t);
    assert_ne!(
        on_wire.eth_dst,
        MacAddr::BROADCAST,
        "MAC2MAC sends broadcasts as unicast"
    );

    // dp-2 turns it back into a broadcast for vm3 only, and learns where vm1 is.
    let t = dp2.trace(&on_wire);
    assert_clean(&t);
    assert_eq!(t.output_ports(), vec![VM_A], "{t}");
    assert_eq!(t.outputs[0].packet.eth_dst, MacAddr::BROADCAST);
    assert_eq!(t.learned.len(), 1, "{t}");

    // vm3's reply leaves dp-2 by the learned flow, and dp-1 delivers it to vm1.
    let t = dp2.trace(&Packet::arp_reply(
        VM_A,
        vm_mac(3),
        IP_VM3,
        vm_mac(1),
        IP_VM1,
    ));
    assert_clean(&t);
    assert_eq!(t.output_ports(), vec![ETH0], "{t}");
    assert!(
        t.all_steps()
            .iter()
            .any(|(_, s)| s.flow.as_ref().is_some_and(|f| f.learned))
    );
    let t = dp1.trace(&across_wire(&t));
    assert_clean(&t);
    assert_eq!(t.output_ports(), vec![VM_A], "{t}");
    assert_eq!(t.outputs[0].packet.eth_dst, vm_mac(1));

    // Now dp-1 knows vm3: the ping goes out by a learned flow, and dp-2 delivers it.
    let t = dp1.trace(&Packet::icmp_echo(
        VM_A,
        vm_mac(1),
        vm_mac(3),
        IP_VM1,
        IP_VM3,
    ));
    assert_clean(&t);
    assert_eq!(t.output_ports(), vec![ETH0], "{t}");
    assert!(
        t.all_steps()
            .iter()
            .any(|(_, s)| s.flow.as_ref().is_some_and(|f| f.learned))
    );
    let t = dp2.trace(&across_wire(&t));
    assert_clean(&t);
    assert_eq!(t.output_ports(), vec![VM_A], "{t}");
    let t = dp2.trace(&Packet::icmp_echo_reply(
        VM_A,
        vm_mac(3),
        vm_mac(1),
        IP_VM3,
        IP_VM1,
    ));
    assert_eq!(t.output_ports(), vec![ETH0], "{t}");
    assert_eq!(dp1.trace(&across_wire(&t)).output_ports(), vec![VM_A]);
}

#[test]
fn every_computed_flow_is_one_open_vswitch_accepts_and_the_simulator_models() {
    let nw = SimpleNw::build();
    for (i, vms) in [
        ("vif-vm1", "vif-vm2"),
        ("vif-vm3", "vif-vm4"),
        ("vif-vm5", "vif-vm6"),
    ]
    .into_iter()
    .enumerate()
    {
        let ports: SwitchPorts = [("eth0", ETH0), (vms.0, VM_A), (vms.1, VM_B)]
            .into_iter()
            .collect();
        let flows = desired_flows(&nw.fixture.model, DPIDS[i], &ports);
        assert!(!flows.is_empty());
        let problems: Vec<String> = flows
            .sorted()
            .into_iter()
            .flat_map(|f| {
                sim::check_flow(f)
                    .into_iter()
                    .map(move |p| format!("{p}\n    in {}", describe::flow(f)))
            })
            .collect();
        assert!(
            problems.is_empty(),
            "dp-{}:\n{}",
            i + 1,
            problems.join("\n")
        );
    }
}
