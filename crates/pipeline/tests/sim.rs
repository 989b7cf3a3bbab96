//! The flow-table simulator on small hand-made pipelines: what comes out where, and why.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::Ipv4Addr;

use openflow::nicira::{ETH_DST, ETH_SRC, IN_PORT, Learn, LearnSpec, NxAction, REG0, REG1, TUN_ID};
use openflow::port::{OFPP_ALL, OFPP_CONTROLLER, OFPP_IN_PORT, OFPP_LOCAL};
use openflow::{Action, Instruction, MacAddr, Match, Oxm};
use pipeline::cookie::{self, Prefix};
use pipeline::metadata::{self, flag, kind};
use pipeline::sim::{self, Event, MAX_DEPTH, Packet, Simulator};
use pipeline::{Flow, FlowSet, tables};

const A: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x0a]);
const B: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x0b]);
const C: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x0c]);
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 10);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 11);

const SWITCH: u64 = 0x0900_0000_0000_0000;

fn flow(table: u8, priority: u16, m: Match) -> Flow {
    Flow::new(table, priority, SWITCH, m)
}

fn apply(actions: Vec<Action>) -> Instruction {
    Instruction::apply(actions)
}

fn wm((v, m): (u64, u64)) -> Instruction {
    Instruction::write_metadata(v, m)
}

/// Ports 1–3 are VMs on network 7; table 0 classifies, table 1 delivers by eth_dst and floods
/// broadcasts to every port of the network.
fn l2() -> FlowSet {
    let net = metadata::typed(kind::NETWORK, 7);
    let mut flows = vec![flow(0, 0, Match::new())]; // explicit drop
    for port in 1..=3 {
        flows.push(
            flow(0, 10, Match::new().with(Oxm::InPort(port)))
                .instruction(wm(net))
                .instruction(Instruction::GotoTable(1)),
        );
    }
    for (mac, port) in [(A, 1), (B, 2), (C, 3)] {
        flows.push(
            flow(
                1,
                20,
                Match::new()
                    .with(Oxm::Metadata(net.0, Some(net.1)))
                    .with(Oxm::EthDst(mac, None)),
            )
            .instruction(apply(vec![Action::output(port)])),
        );
    }
    flows.push(
        flow(
            1,
            30,
            Match::new()
                .with(Oxm::Metadata(net.0, Some(net.1)))
                .with(Oxm::EthDst(MacAddr::BROADCAST, None)),
        )
        .instruction(apply(vec![
            Action::output(1),
            Action::output(2),
            Action::output(3),
        ])),
    );
    flows.into_iter().collect()
}

#[test]
fn unicast_goes_to_the_destination_port_only() {
    let t = sim::trace(&l2(), &Packet::icmp_echo(1, A, B, IP_A, IP_B));
    assert_eq!(t.output_ports(), vec![2], "{t}");
    assert_eq!(t.tables(), vec![0, 1]);
    assert_eq!(t.dropped_reason, None);
    let out = t.output_to(2).unwrap();
    assert_eq!(out.packet.eth_dst, B);
    assert_eq!(out.packet.metadata, metadata::typed(kind::NETWORK, 7).0);
}

#[test]
fn broadcast_fans_out_to_every_port_but_the_one_it_came_from() {
    let t = sim::trace(&l2(), &Packet::arp_request(2, B, IP_B, IP_A));
    assert_eq!(t.output_ports(), vec![1, 3], "{t}");
    let skipped: Vec<u32> = t
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::OutputSkipped { port, .. } => Some(*port),
            _ => None,
        })
        .collect();
    assert_eq!(skipped, vec![2]);
}

#[test]
fn output_to_in_port_is_dropped_unless_it_says_in_port() {
    let set: FlowSet = [
        flow(0, 1, Match::new().with(Oxm::InPort(1))).instruction(apply(vec![Action::output(1)])),
        flow(0, 1, Match::new().with(Oxm::InPort(2)))
            .instruction(apply(vec![Action::output(OFPP_IN_PORT)])),
    ]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::broadcast(1, A));
    assert!(t.is_dropped());
    assert!(
        t.dropped_reason.as_deref().unwrap().contains("IN_PORT"),
        "{t}"
    );
    let t = sim::trace(&set, &Packet::broadcast(2, A));
    assert_eq!(t.output_ports(), vec![2]);
}

#[test]
fn table_miss_drops_and_says_so() {
    // Port 9 is not classified; the priority-0 flow drops it explicitly.
    let t = sim::trace(&l2(), &Packet::broadcast(9, A));
    assert!(t.is_dropped());
    assert!(
        t.dropped_reason
            .as_deref()
            .unwrap()
            .contains("without actions"),
        "{t}"
    );
    // An unknown destination misses table 1.
    let t = sim::trace(
        &l2(),
        &Packet::icmp_echo(1, A, MacAddr([2, 0, 0, 0, 0, 0xee]), IP_A, IP_B),
    );
    assert!(t.is_dropped());
    let reason = t.dropped_reason.as_deref().unwrap();
    assert!(
        reason.contains("table 1") && reason.contains("table-miss"),
        "{reason}"
    );
    assert_eq!(t.steps.last().unwrap().flow, None);
    assert!(
        t.to_string().contains("OpenFlow 1.3 table-miss default"),
        "{t}"
    );
    // An empty switch drops everything.
    assert!(sim::trace(&FlowSet::new(), &Packet::broadcast(1, A)).is_dropped());
}

#[test]
fn masked_metadata_matches_ignore_bits_outside_the_mask() {
    let iface = metadata::typed(kind::INTERFACE, 3);
    let remote = metadata::typed_flags(kind::INTERFACE, 3, flag::REMOTE, 0);
    let set: FlowSet = [
        flow(
            0,
            5,
            Match::new().with(Oxm::Metadata(iface.0, Some(iface.1))),
        )
        .instruction(apply(vec![Action::output(10)])),
        flow(
            0,
            6,
            Match::new().with(Oxm::Metadata(remote.0, Some(remote.1))),
        )
        .instruction(apply(vec![Action::output(11)])),
    ]
    .into_iter()
    .collect();
    // Interface 3 with the LOCAL flag: the REMOTE flow does not match, the plain one does.
    let local = metadata::typed_flags(kind::INTERFACE, 3, flag::LOCAL, 0).0;
    let t = sim::trace(&set, &Packet::broadcast(1, A).with_metadata(local));
    assert_eq!(t.output_ports(), vec![10], "{t}");
    // With REMOTE, both match and the higher priority wins.
    let t = sim::trace(&set, &Packet::broadcast(1, A).with_metadata(remote.0));
    assert_eq!(t.output_ports(), vec![11], "{t}");
    // Interface 4 matches neither.
    let other = metadata::typed(kind::INTERFACE, 4).0;
    assert!(sim::trace(&set, &Packet::broadcast(1, A).with_metadata(other)).is_dropped());
}

#[test]
fn highest_priority_wins_and_ties_are_reported() {
    let set: FlowSet = [
        flow(0, 1, Match::new()).instruction(apply(vec![Action::output(1)])),
        flow(0, 9, Match::new().with(Oxm::EthSrc(A, None)))
            .instruction(apply(vec![Action::output(2)])),
        flow(0, 5, Match::new().with(Oxm::InPort(4))).instruction(apply(vec![Action::output(3)])),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        sim::trace(&set, &Packet::broadcast(4, A)).output_ports(),
        vec![2]
    );
    assert_eq!(
        sim::trace(&set, &Packet::broadcast(4, B)).output_ports(),
        vec![3]
    );
    assert_eq!(
        sim::trace(&set, &Packet::broadcast(5, B)).output_ports(),
        vec![1]
    );

    let tie: FlowSet = [
        flow(0, 9, Match::new().with(Oxm::EthSrc(A, None)))
            .instruction(apply(vec![Action::output(2)])),
        flow(0, 9, Match::new().with(Oxm::InPort(4))).instruction(apply(vec![Action::output(3)])),
    ]
    .into_iter()
    .collect();
    let t = sim::trace(&tie, &Packet::broadcast(4, A));
    assert_eq!(t.outputs.len(), 1);
    assert!(
        t.steps[0]
            .events
            .iter()
            .any(|e| matches!(e, Event::Ambiguous { others } if others.len() == 1)),
        "{t}"
    );
    // Deterministic: the same pick every time, from either insertion order.
    let again: FlowSet = tie.sorted().into_iter().rev().cloned().collect();
    assert_eq!(
        sim::trace(&again, &Packet::broadcast(4, A)).output_ports(),
        t.output_ports()
    );
}

#[test]
fn learning_from_an_arp_request_directs_the_reply() {
    // Table 0: learn "eth_dst = this eth_src → output to this in_port" into table 2, then
    // look there; table 2 floods unknown destinations to ports 1–3.
    let learn = Learn::new(2)
        .priority(35)
        .idle_timeout(36000)
        .cookie(cookie::cookie(Prefix::DP_NETWORK, 1) | cookie::DYNAMIC)
        .spec(LearnSpec::match_field(ETH_DST, ETH_SRC))
        .spec(LearnSpec::output(IN_PORT));
    let set: FlowSet = [
        flow(0, 1, Match::new()).instruction(apply(vec![
            Action::Nx(NxAction::Learn(learn)),
            Action::resubmit(2),
        ])),
        flow(2, 1, Match::new()).instruction(apply(vec![
            Action::output(1),
            Action::output(2),
            Action::output(3),
        ])),
    ]
    .into_iter()
    .collect();
    let mut sw = Simulator::new(&set);

    let request = sw.trace(&Packet::arp_request(1, A, IP_A, IP_B));
    assert_eq!(request.output_ports(), vec![2, 3], "{request}");
    assert_eq!(request.learned.len(), 1);
    let learned = &request.learned[0];
    assert_eq!(learned.table, 2);
    assert_eq!(learned.priority, 35);
    assert_eq!(learned.idle_timeout, 36000);
    assert!(learned.is_dynamic());
    assert_eq!(learned.match_, Match::new().with(Oxm::EthDst(A, None)));
    assert_eq!(sw.learned().len(), 1);

    let reply = sw.trace(&Packet::arp_reply(2, B, IP_B, A, IP_A));
    assert_eq!(reply.output_ports(), vec![1], "{reply}");
    let hit = reply
        .all_steps()
        .into_iter()
        .find(|(_, s)| s.table == 2)
        .unwrap()
        .1;
    assert!(hit.flow.as_ref().unwrap().learned, "{reply}");
    assert!(reply.to_string().contains("(learned)"), "{reply}");

    // Learning the same MAC again replaces the flow rather than adding one.
    let again = sw.trace(&Packet::arp_request(1, A, IP_A, IP_B));
    assert!(
        again
            .events()
            .iter()
            .any(|e| matches!(e, Event::Learned { replaced: true, .. }))
    );
    assert_eq!(sw.learned().len(), 2); // A, and B from the reply

    // Expiry: the reply floods again.
    sw.forget_learned();
    assert_eq!(
        sw.trace(&Packet::arp_reply(2, B, IP_B, A, IP_A))
            .output_ports(),
        vec![1, 3]
    );
}

#[test]
fn learn_with_tunnel_key_and_registers() {
    let learn = Learn::new(5)
        .spec(LearnSpec::match_field(ETH_DST, ETH_SRC))
        .spec(LearnSpec::match_value(REG1, 3))
        .spec(LearnSpec::load_field(TUN_ID, TUN_ID))
        .spec(LearnSpec::output(IN_PORT));
    let set: FlowSet =
        [flow(0, 1, Match::new()).instruction(apply(vec![Action::Nx(NxAction::Learn(learn))]))]
            .into_iter()
            .collect();
    let mut sw = Simulator::new(&set);
    sw.trace(&Packet::broadcast(7, A).with_tun_id(0x42));
    // A packet for A with reg1=3 in table 5 leaves by port 7 with tun_id 0x42.
    sw.install(
        flow(4, 1, Match::new())
            .instruction(apply(vec![Action::Nx(NxAction::load_whole(REG1, 3))]))
            .instruction(Instruction::GotoTable(5)),
    );
    sw.install(
        flow(0, 2, Match::new().with(Oxm::InPort(8))).instruction(Instruction::GotoTable(4)),
    );
    let t = sw.trace(&Packet::icmp_echo(8, B, A, IP_B, IP_A));
    assert_eq!(t.output_ports(), vec![7], "{t}");
    assert_eq!(t.outputs[0].packet.tun_id, 0x42);
    assert_eq!(t.outputs[0].packet.regs[1], 3);
}

#[test]
fn set_field_changes_what_comes_out_after_it() {
    let set: FlowSet = [flow(0, 1, Match::new()).instruction(apply(vec![
        Action::output(2),
        Action::set_field(Oxm::EthDst(C, None)),
        Action::set_field(Oxm::Ipv4Dst(Ipv4Addr::new(192, 0, 2, 1), None)),
        Action::set_field(Oxm::TunnelId(99, None)),
        Action::output(3),
    ]))]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::icmp_echo(1, A, B, IP_A, IP_B));
    assert_eq!(t.output_ports(), vec![2, 3]);
    let before = &t.outputs[0].packet;
    let after = &t.outputs[1].packet;
    assert_eq!(
        (before.eth_dst, before.ipv4_dst, before.tun_id),
        (B, IP_B, 0)
    );
    assert_eq!(after.eth_dst, C);
    assert_eq!(after.ipv4_dst, Ipv4Addr::new(192, 0, 2, 1));
    assert_eq!(after.tun_id, 99);
    // The packet that entered is unchanged in the trace.
    assert_eq!(t.packet.eth_dst, B);
}

#[test]
fn set_field_without_its_prerequisite_is_skipped() {
    let set: FlowSet = [flow(0, 1, Match::new()).instruction(apply(vec![
        Action::set_field(Oxm::Ipv4Dst(Ipv4Addr::new(192, 0, 2, 1), None)),
        Action::output(2),
    ]))]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::arp_request(1, A, IP_A, IP_B));
    assert_eq!(t.outputs[0].packet.arp_tpa, IP_B);
    assert!(t.to_string().contains("skipped"), "{t}");
}

#[test]
fn match_without_its_prerequisite_is_flagged() {
    let set: FlowSet = [flow(0, 1, Match::new().with(Oxm::Ipv4Dst(IP_B, None)))
        .instruction(apply(vec![Action::output(2)]))]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::icmp_echo(1, A, B, IP_A, IP_B));
    assert_eq!(t.output_ports(), vec![2]);
    assert!(
        t.events()
            .iter()
            .any(|e| matches!(e, Event::MissingPrerequisite { field, .. } if field == "ipv4_dst")),
        "{t}"
    );
    // And an ARP packet never matches an IPv4 field.
    assert!(sim::trace(&set, &Packet::arp_request(1, A, IP_A, IP_B)).is_dropped());
}

#[test]
fn resubmit_depth_is_bounded() {
    let set: FlowSet = [
        flow(5, 1, Match::new()).instruction(apply(vec![Action::output(2), Action::resubmit(5)]))
    ]
    .into_iter()
    .chain([flow(0, 1, Match::new()).instruction(Instruction::GotoTable(5))])
    .collect();
    let t = sim::trace(&set, &Packet::broadcast(1, A));
    assert!(t.is_dropped(), "outputs before the error are discarded");
    let reason = t.dropped_reason.as_deref().unwrap();
    assert!(reason.contains(&MAX_DEPTH.to_string()), "{reason}");
    let depth = t.all_steps().iter().map(|(d, _)| *d).max().unwrap();
    assert_eq!(depth, MAX_DEPTH);
    // Display of a deep trace works.
    assert!(t.to_string().contains("stopped"));
}

#[test]
fn resubmit_fan_out_is_bounded_too() {
    // Each lookup resubmits twice to the same table: exponential without the step limit.
    let set: FlowSet =
        [flow(0, 1, Match::new())
            .instruction(apply(vec![Action::resubmit(0), Action::resubmit(0)]))]
        .into_iter()
        .collect();
    let t = sim::trace(&set, &Packet::broadcast(1, A));
    assert!(t.is_dropped());
    assert!(t.all_steps().len() <= sim::MAX_STEPS + 1);
}

#[test]
fn resubmit_with_an_in_port_restores_the_packets_own() {
    let set: FlowSet = [
        flow(0, 1, Match::new().with(Oxm::InPort(1))).instruction(apply(vec![
            Action::Nx(NxAction::ResubmitTable {
                in_port: 9,
                table: 3,
            }),
            Action::Nx(NxAction::reg_move(IN_PORT, 0, REG0, 0, 16)),
            Action::output(4),
        ])),
        flow(3, 1, Match::new().with(Oxm::InPort(9))).instruction(apply(vec![Action::output(5)])),
    ]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::broadcast(1, A));
    assert_eq!(t.output_ports(), vec![5, 4], "{t}");
    assert_eq!(t.outputs[0].packet.in_port, 9);
    assert_eq!(t.outputs[1].packet.in_port, 1);
    assert_eq!(t.outputs[1].packet.regs[0], 1);
}

#[test]
fn resubmit_miss_does_nothing_but_a_goto_miss_drops() {
    let set: FlowSet = [
        flow(0, 1, Match::new()).instruction(apply(vec![Action::resubmit(7), Action::output(2)]))
    ]
    .into_iter()
    .collect();
    assert_eq!(
        sim::trace(&set, &Packet::broadcast(1, A)).output_ports(),
        vec![2]
    );

    let set: FlowSet = [flow(0, 1, Match::new())
        .instruction(Instruction::WriteActions(vec![Action::output(2)]))
        .instruction(Instruction::GotoTable(7))]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::broadcast(1, A));
    assert!(t.is_dropped(), "{t}");
    assert!(
        t.action_set.is_empty(),
        "the action set is discarded on a miss"
    );
}

#[test]
fn action_set_runs_at_the_end_in_openflow_order() {
    let set: FlowSet = [
        flow(0, 1, Match::new())
            .instruction(Instruction::WriteActions(vec![
                Action::output(3),
                Action::set_field(Oxm::EthDst(C, None)),
            ]))
            .instruction(Instruction::GotoTable(1)),
        flow(1, 1, Match::new())
            .instruction(apply(vec![Action::output(2)]))
            // Replaces the output written by table 0; keeps the set_field.
            .instruction(Instruction::WriteActions(vec![Action::output(4)])),
    ]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::broadcast(1, A));
    assert_eq!(t.output_ports(), vec![2, 4], "{t}");
    assert_eq!(t.outputs[0].packet.eth_dst, MacAddr::BROADCAST);
    assert_eq!(
        t.outputs[1].packet.eth_dst, C,
        "set_field runs before output"
    );

    let cleared: FlowSet = [
        flow(0, 1, Match::new())
            .instruction(Instruction::WriteActions(vec![Action::output(3)]))
            .instruction(Instruction::GotoTable(1)),
        flow(1, 1, Match::new()).instruction(Instruction::ClearActions),
    ]
    .into_iter()
    .collect();
    let t = sim::trace(&cleared, &Packet::broadcast(1, A));
    assert!(t.is_dropped(), "{t}");
}

#[test]
fn instructions_run_in_openflow_order_whatever_their_order_in_the_flow() {
    // goto_table listed first, write_metadata after: the metadata is still written before
    // table 1 looks.
    let net = metadata::typed(kind::NETWORK, 2);
    let set: FlowSet = [
        flow(0, 1, Match::new())
            .instruction(Instruction::GotoTable(1))
            .instruction(wm(net)),
        flow(1, 1, Match::new().with(Oxm::Metadata(net.0, Some(net.1))))
            .instruction(apply(vec![Action::output(2)])),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        sim::trace(&set, &Packet::broadcast(1, A)).output_ports(),
        vec![2]
    );
}

#[test]
fn goto_must_go_forward() {
    let set: FlowSet = [
        flow(3, 1, Match::new()).instruction(Instruction::GotoTable(3)),
        flow(0, 1, Match::new()).instruction(Instruction::GotoTable(3)),
    ]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::broadcast(1, A));
    assert!(t.is_dropped());
    assert!(
        t.events().iter().any(|e| matches!(e, Event::Error(_))),
        "{t}"
    );
}

#[test]
fn reserved_ports() {
    let set: FlowSet = [flow(0, 1, Match::new()).instruction(apply(vec![
        Action::output(OFPP_CONTROLLER),
        Action::output(OFPP_LOCAL),
        Action::output(OFPP_ALL),
    ]))]
    .into_iter()
    .collect();
    // Without the port list, ALL is one output.
    let t = sim::trace(&set, &Packet::broadcast(2, A));
    assert_eq!(
        t.output_ports(),
        vec![OFPP_CONTROLLER, OFPP_LOCAL, OFPP_ALL]
    );
    // With it, ALL is every port but the ingress one.
    let t = Simulator::new(&set)
        .with_ports([1, 2, 3])
        .trace(&Packet::broadcast(2, A));
    assert_eq!(t.output_ports(), vec![OFPP_CONTROLLER, OFPP_LOCAL, 1, 3]);
    // From LOCAL, output:LOCAL is the ingress port.
    let t = sim::trace(&set, &Packet::broadcast(OFPP_LOCAL, A));
    assert_eq!(t.output_ports(), vec![OFPP_CONTROLLER, OFPP_ALL]);
}

#[test]
fn output_to_a_port_the_switch_does_not_have() {
    let set: FlowSet = [flow(0, 1, Match::new()).instruction(apply(vec![Action::output(9)]))]
        .into_iter()
        .collect();
    let t = Simulator::new(&set)
        .with_ports([1, 2])
        .trace(&Packet::broadcast(1, A));
    assert!(t.is_dropped());
    assert!(t.dropped_reason.unwrap().contains("no such port"));
}

#[test]
fn vlan_push_set_pop() {
    let set: FlowSet = [
        flow(0, 1, Match::new().with(Oxm::VlanVid(0, None))).instruction(apply(vec![
            Action::PushVlan(0x8100),
            Action::set_field(Oxm::VlanVid(0x1000 | 42, None)),
            Action::output(2),
            Action::PopVlan,
            Action::output(3),
        ])),
        flow(0, 1, Match::new().with(Oxm::VlanVid(0x1000 | 42, None)))
            .instruction(apply(vec![Action::output(4)])),
    ]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::broadcast(1, A));
    assert_eq!(t.output_ports(), vec![2, 3], "{t}");
    assert_eq!(t.outputs[0].packet.vlan.map(|v| v.vid), Some(42));
    assert_eq!(t.outputs[1].packet.vlan, None);
    let t = sim::trace(&set, &Packet::broadcast(1, A).with_vlan(42, 0));
    assert_eq!(t.output_ports(), vec![4]);
}

#[test]
fn dec_ttl_expiry_stops_the_flow() {
    let set: FlowSet =
        [flow(0, 1, Match::new()).instruction(apply(vec![Action::DecNwTtl, Action::output(2)]))]
            .into_iter()
            .collect();
    let mut p = Packet::icmp_echo(1, A, B, IP_A, IP_B);
    let t = sim::trace(&set, &p);
    assert_eq!(t.outputs[0].packet.ip_ttl, 63);
    p.ip_ttl = 1;
    let t = sim::trace(&set, &p);
    assert!(t.is_dropped());
    assert!(t.dropped_reason.unwrap().contains("TTL"));
    // Not IP: nothing to decrement, the packet goes on.
    assert_eq!(
        sim::trace(&set, &Packet::broadcast(1, A)).output_ports(),
        vec![2]
    );
}

#[test]
fn reg_load_and_move_feed_later_matches() {
    let set: FlowSet = [
        flow(0, 1, Match::new())
            .instruction(apply(vec![
                Action::Nx(NxAction::load(REG0, 4, 8, 0xab)),
                Action::Nx(NxAction::reg_move(REG0, 4, REG1, 0, 8)),
            ]))
            .instruction(Instruction::GotoTable(1)),
        flow(
            1,
            1,
            Match::new()
                .with(Oxm::Reg(1, 0xab, None))
                .with(Oxm::Reg(0, 0xab0, Some(0xff0))),
        )
        .instruction(apply(vec![Action::output(2)])),
    ]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::broadcast(1, A));
    assert_eq!(t.output_ports(), vec![2], "{t}");
}

#[test]
fn unsupported_fields_and_actions_are_named_not_fatal() {
    let set: FlowSet = [
        flow(0, 9, Match::new().with(Oxm::CtState(0x21, Some(0x21))))
            .instruction(apply(vec![Action::output(3)])),
        flow(0, 1, Match::new()).instruction(apply(vec![
            Action::Group(1),
            Action::PushMpls(0x8847),
            Action::Nx(NxAction::CtClear),
            Action::output(2),
        ])),
    ]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::broadcast(1, A));
    assert_eq!(t.output_ports(), vec![2]);
    let text = t.to_string();
    assert!(
        text.contains("passed over") && text.contains("ct_state"),
        "{text}"
    );
    assert!(text.contains("not simulated: group:1"), "{text}");
    assert_eq!(
        t.events()
            .iter()
            .filter(|e| matches!(e, Event::Unsupported(_)))
            .count(),
        3
    );
}

#[test]
fn trace_display_names_tables_and_decodes_cookies_and_metadata() {
    let iface = metadata::typed(kind::INTERFACE, 3);
    let set: FlowSet = [
        Flow::new(
            tables::CLASSIFIER,
            2,
            cookie::cookie(Prefix::INTERFACE, 3),
            Match::new().with(Oxm::InPort(1)),
        )
        .instruction(wm(iface))
        .instruction(Instruction::GotoTable(tables::INTERFACE_EGRESS_CLASSIFIER)),
        Flow::new(
            tables::INTERFACE_EGRESS_CLASSIFIER,
            10,
            cookie::cookie(Prefix::INTERFACE, 3),
            Match::new().with(Oxm::Metadata(iface.0, Some(iface.1))),
        )
        .instruction(apply(vec![Action::resubmit(tables::FLOOD_LOCAL)])),
        Flow::new(tables::FLOOD_LOCAL, 1, SWITCH, Match::new())
            .instruction(apply(vec![Action::output(2)])),
    ]
    .into_iter()
    .collect();
    let t = sim::trace(&set, &Packet::arp_request(1, A, IP_A, IP_B));
    let text = t.to_string();
    for want in [
        "table=0(CLASSIFIER) priority=2 cookie=0xc00000000000003(INTERFACE:3) in_port=1",
        "=> metadata=0x700000000000003(INTERFACE:3)",
        "goto_table:17(INTERFACE_EGRESS_CLASSIFIER)",
        "metadata=0x700000000000003/0xff0000007fffffff(INTERFACE:3)",
        "resubmit(,51(FLOOD_LOCAL))",
        "        table=51(FLOOD_LOCAL) priority=1 cookie=0x900000000000000(SWITCH)",
        "result: output to 2",
        "arp arp_op=1",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

#[test]
fn check_flow_names_what_open_vswitch_would_reject() {
    let net = metadata::typed(kind::NETWORK, 7);
    let clean = flow(
        1,
        20,
        Match::new()
            .with(Oxm::EthType(0x0800))
            .with(Oxm::Ipv4Dst(IP_B, None)),
    )
    .instruction(apply(vec![
        Action::set_field(Oxm::Ipv4Src(IP_A, None)),
        Action::Nx(NxAction::load(REG0, 0, 16, 0xffff)),
        Action::resubmit(3),
        Action::output(2),
    ]))
    .instruction(wm(net))
    .instruction(Instruction::GotoTable(4));
    assert_eq!(sim::check_flow(&clean), Vec::<String>::new());

    let bad = flow(
        5,
        1,
        Match::new()
            .with(Oxm::ArpTpa(IP_B, None))
            .with(Oxm::CtZone(1)),
    )
    .instruction(apply(vec![
        Action::set_field(Oxm::Ipv4Dst(IP_A, None)),
        Action::Nx(NxAction::load(REG0, 20, 16, 1)),
        Action::Nx(NxAction::load(REG0, 0, 4, 0x1f)),
        Action::output(0),
        Action::Group(3),
    ]))
    .instruction(Instruction::WriteActions(vec![Action::resubmit(6)]))
    .instruction(Instruction::GotoTable(2));
    let problems = sim::check_flow(&bad);
    for want in [
        "ct_zone is not simulated",
        "arp_tpa without eth_type=0x0806",
        "ipv4_dst needs eth_type=0x0800",
        "outside reg0",
        "does not fit in 4 bits",
        "output:0",
        "group:3 is not simulated",
        "cannot be in an action set",
        "goto_table:2 does not go forward",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(want)),
            "{want:?} not in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 9, "{problems:#?}");
}

#[test]
fn a_packet_never_hits_the_flow_it_learns() {
    let learn = Learn::new(2)
        .spec(LearnSpec::match_field(ETH_DST, ETH_SRC))
        .spec(LearnSpec::output(IN_PORT));
    let set: FlowSet = [
        flow(0, 1, Match::new()).instruction(apply(vec![
            Action::Nx(NxAction::Learn(learn)),
            Action::resubmit(2),
        ])),
        flow(2, 1, Match::new()).instruction(apply(vec![Action::output(9)])),
    ]
    .into_iter()
    .collect();
    let mut sw = Simulator::new(&set);
    // A frame from A to A: what it learns ("to A, out of port 3") would match it.
    let to_self = Packet::ethernet(3, A, A, 0x88b5);
    assert_eq!(sw.trace(&to_self).output_ports(), vec![9]);
    let t = sw.trace(&Packet::ethernet(4, B, A, 0x88b5));
    assert_eq!(t.output_ports(), vec![3], "the next packet does: {t}");
}

#[test]
fn packets_parse_from_text() {
    let p: Packet = "in_port=2,dl_src=02:00:00:00:00:0a,dl_dst=ff:ff:ff:ff:ff:ff,arp,arp_op=1,\
                     arp_spa=10.0.0.10,arp_tpa=10.0.0.11,arp_sha=02:00:00:00:00:0a"
        .parse()
        .unwrap();
    assert_eq!(p, Packet::arp_request(2, A, IP_A, IP_B));
    let p: Packet = "in_port=LOCAL tcp nw_src=10.0.0.10 nw_dst=10.0.0.11 tcp_dst=80 dl_vlan=5 \
                     metadata=0x700000000000003(INTERFACE:3 LOCAL) reg3=0x10 tun_id=7"
        .parse()
        .unwrap();
    assert_eq!(p.in_port, OFPP_LOCAL);
    assert_eq!(
        (p.eth_type, p.ip_proto, p.ip_ttl, p.tp_dst),
        (0x0800, 6, 64, 80)
    );
    assert_eq!(p.vlan.map(|v| v.vid), Some(5));
    assert_eq!(
        (p.metadata, p.regs[3], p.tun_id),
        (0x0700_0000_0000_0003, 0x10, 7)
    );

    // What Display writes parses back to the same packet.
    for p in [
        Packet::icmp_echo(1, A, B, IP_A, IP_B).with_metadata(metadata::typed(kind::INTERFACE, 3).0),
        Packet::udp(3, A, B, (IP_A, 68), (IP_B, 67))
            .with_vlan(7, 3)
            .with_reg(2, 9),
        Packet::arp_reply(2, B, IP_B, A, IP_A).with_tun_id(0x8000_0001),
        Packet::broadcast(OFPP_LOCAL, C),
    ] {
        assert_eq!(p.to_string().parse::<Packet>().unwrap(), p, "{p}");
    }

    for (bad, says) in [
        ("in_port=x", "number"),
        ("eth_src=02:00", "MAC address"),
        ("nw_dst=10.0.0", "IPv4 address"),
        ("vlan_vid=4096", "larger than"),
        ("reg9=1", "reg0 to reg7"),
        ("colour=blue", "unknown field; known: in_port"),
        ("ipx", "one of arp"),
    ] {
        let e = bad.parse::<Packet>().unwrap_err();
        assert!(e.to_string().contains(says), "{bad}: {e}");
        assert_eq!(e.item, bad);
    }
}

#[test]
fn flows_read_back_from_a_switch_can_be_traced() {
    let stats: Vec<openflow::multipart::FlowStats> = l2()
        .sorted()
        .into_iter()
        .chain([&Flow::new(
            1,
            35,
            cookie::DYNAMIC,
            Match::new().with(Oxm::EthDst(MacAddr([2, 0, 0, 0, 0, 0xd]), None)),
        )
        .instruction(apply(vec![Action::output(3)]))])
        .map(|f| openflow::multipart::FlowStats {
            table_id: f.table,
            duration_sec: 1,
            duration_nsec: 0,
            priority: f.priority,
            idle_timeout: f.idle_timeout,
            hard_timeout: f.hard_timeout,
            flags: 0,
            cookie: f.cookie,
            packet_count: 0,
            byte_count: 0,
            match_: f.match_.clone(),
            instructions: f.instructions.clone(),
        })
        .collect();
    let mut sw = Simulator::from_stats(&stats);
    assert_eq!(sw.learned().len(), 1);
    assert_eq!(
        sw.trace(&Packet::icmp_echo(1, A, B, IP_A, IP_B))
            .output_ports(),
        vec![2]
    );
    let t = sw.trace(&Packet::broadcast(1, A).with_metadata(0));
    assert_eq!(t.output_ports(), vec![2, 3]);
    let d = MacAddr([2, 0, 0, 0, 0, 0xd]);
    let t = sw.trace(&Packet::icmp_echo(1, A, d, IP_A, IP_B));
    assert_eq!(t.output_ports(), vec![3], "{t}");
    assert!(t.steps[1].flow.as_ref().unwrap().learned);
}
