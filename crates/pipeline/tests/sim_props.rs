//! The simulator on random, often nonsensical flows and packets: it never panics, always
//! stops, and its answer does not depend on the order the flows were added in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::{Ipv4Addr, Ipv6Addr};

use openflow::nicira::{
    self, FieldRef, Learn, LearnDst, LearnSpec, LearnSrc, Note, NxAction, OFPP_IN_PORT16,
};
use openflow::oxm;
use openflow::port::{
    OFPP_ALL, OFPP_ANY, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_LOCAL, OFPP_NORMAL,
    OFPP_TABLE,
};
use openflow::{Action, Instruction, MacAddr, Match, Oxm};
use pipeline::sim::{self, MAX_STEPS, Packet, Simulator};
use pipeline::{Flow, FlowSet, describe};
use proptest::prelude::*;

const MACS: [MacAddr; 4] = [
    MacAddr([2, 0, 0, 0, 0, 1]),
    MacAddr([2, 0, 0, 0, 0, 2]),
    MacAddr::BROADCAST,
    MacAddr::ZERO,
];

fn mac() -> impl Strategy<Value = MacAddr> {
    prop::sample::select(MACS.to_vec())
}

fn ip() -> impl Strategy<Value = Ipv4Addr> {
    (0u8..4).prop_map(|n| Ipv4Addr::new(10, 0, 0, n))
}

fn port() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => 0u32..6,
        1 => prop::sample::select(vec![
            OFPP_IN_PORT,
            OFPP_CONTROLLER,
            OFPP_LOCAL,
            OFPP_ALL,
            OFPP_FLOOD,
            OFPP_NORMAL,
            OFPP_TABLE,
            OFPP_ANY,
            0xffff_ff80,
        ]),
    ]
}

fn field_ref() -> impl Strategy<Value = FieldRef> {
    prop_oneof![
        prop::sample::select(vec![
            nicira::IN_PORT,
            nicira::ETH_DST,
            nicira::ETH_SRC,
            nicira::ETH_TYPE,
            nicira::VLAN_TCI,
            nicira::IP_SRC,
            nicira::IP_DST,
            nicira::ARP_SPA,
            nicira::REG0,
            nicira::REG1,
            nicira::reg(12),
            nicira::TUN_ID,
            nicira::METADATA,
            nicira::VLAN_VID,
            nicira::OXM_IN_PORT,
            nicira::CT_LABEL,
        ]),
        any::<u32>().prop_map(FieldRef),
    ]
}

fn oxm() -> impl Strategy<Value = Oxm> {
    prop_oneof![
        port().prop_map(Oxm::InPort),
        (any::<u64>(), prop::option::of(any::<u64>())).prop_map(|(v, m)| Oxm::Metadata(v, m)),
        (mac(), prop::option::of(mac())).prop_map(|(v, m)| Oxm::EthDst(v, m)),
        (mac(), prop::option::of(mac())).prop_map(|(v, m)| Oxm::EthSrc(v, m)),
        prop::sample::select(vec![0x0800u16, 0x0806, 0x88b5, 0x86dd]).prop_map(Oxm::EthType),
        (0u16..0x2000, prop::option::of(0u16..0x2000)).prop_map(|(v, m)| Oxm::VlanVid(v, m)),
        (0u8..8).prop_map(Oxm::VlanPcp),
        prop::sample::select(vec![1u8, 6, 17, 132]).prop_map(Oxm::IpProto),
        (ip(), prop::option::of(ip())).prop_map(|(v, m)| Oxm::Ipv4Dst(v, m)),
        (0u16..3).prop_map(Oxm::TcpDst),
        (0u16..3).prop_map(Oxm::UdpSrc),
        (0u8..9).prop_map(Oxm::Icmpv4Type),
        (0u16..3).prop_map(Oxm::ArpOp),
        (ip(), prop::option::of(ip())).prop_map(|(v, m)| Oxm::ArpTpa(v, m)),
        (mac(), prop::option::of(mac())).prop_map(|(v, m)| Oxm::ArpSha(v, m)),
        (any::<u64>(), prop::option::of(any::<u64>())).prop_map(|(v, m)| Oxm::TunnelId(v, m)),
        (0u8..10, 0u32..4, prop::option::of(any::<u32>())).prop_map(|(n, v, m)| Oxm::Reg(n, v, m)),
        (0u32..3).prop_map(|v| Oxm::PktMark(v, None)),
        // Not simulated:
        Just(Oxm::CtState(0x21, Some(0x21))),
        Just(Oxm::Ipv6Src(Ipv6Addr::LOCALHOST, None)),
        Just(Oxm::ConjId(1)),
        prop::collection::vec(any::<u8>(), 0..9).prop_map(|payload| Oxm::Unknown {
            header: oxm::header(0x0001, 120, false, 2),
            payload,
        }),
    ]
}

fn learn_spec() -> impl Strategy<Value = LearnSpec> {
    let src = prop_oneof![
        (field_ref(), 0u16..70).prop_map(|(field, ofs)| LearnSrc::Field { field, ofs }),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(LearnSrc::Immediate),
    ];
    let dst = prop_oneof![
        (field_ref(), 0u16..70).prop_map(|(field, ofs)| LearnDst::Match { field, ofs }),
        (field_ref(), 0u16..70).prop_map(|(field, ofs)| LearnDst::Load { field, ofs }),
        Just(LearnDst::Output),
    ];
    prop_oneof![
        Just(LearnSpec::match_field(nicira::ETH_DST, nicira::ETH_SRC)),
        Just(LearnSpec::output(nicira::IN_PORT)),
        Just(LearnSpec::load_field(nicira::TUN_ID, nicira::TUN_ID)),
        (src, dst, 0u16..130).prop_map(|(src, dst, n_bits)| LearnSpec { src, dst, n_bits }),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let leaf = prop_oneof![
        4 => port().prop_map(Action::output),
        2 => oxm().prop_map(Action::SetField),
        1 => prop::sample::select(vec![0x8100u16, 0x88a8, 0x0800]).prop_map(Action::PushVlan),
        1 => Just(Action::PopVlan),
        1 => Just(Action::DecNwTtl),
        1 => (0u8..3).prop_map(Action::SetNwTtl),
        1 => Just(Action::Group(1)),
        1 => Just(Action::PushMpls(0x8847)),
        1 => Just(Action::SetQueue(1)),
        3 => (0u8..8).prop_map(Action::resubmit),
        1 => (prop::sample::select(vec![OFPP_IN_PORT16, 1, 2, 0xfffe]), prop::sample::select(vec![0u8, 3, 5, 255]))
            .prop_map(|(in_port, table)| Action::Nx(NxAction::ResubmitTable { in_port, table })),
        1 => (any::<u16>(), field_ref(), any::<u64>())
            .prop_map(|(ofs_nbits, dst, value)| Action::Nx(NxAction::RegLoad { ofs_nbits, dst, value })),
        1 => (0u16..80, 0u16..70, 0u16..70, field_ref(), field_ref()).prop_map(
            |(n_bits, src_ofs, dst_ofs, src, dst)| Action::Nx(NxAction::RegMove {
                n_bits,
                src_ofs,
                dst_ofs,
                src,
                dst,
            })
        ),
        1 => Just(Action::Nx(NxAction::Note(Note::new(vec![1, 2, 3])))),
        1 => Just(Action::Nx(NxAction::DecTtl)),
        1 => Just(Action::Nx(NxAction::CtClear)),
        1 => Just(Action::Nx(NxAction::OutputTrunc { port: 2, max_len: 64 })),
        1 => Just(Action::Unknown { ty: 99, data: vec![0; 4] }),
        2 => (0u8..8, 0u16..40, prop::collection::vec(learn_spec(), 0..4)).prop_map(
            |(table, priority, specs)| {
                let mut l = Learn::new(table).priority(priority);
                l.specs = specs;
                Action::Nx(NxAction::Learn(l))
            }
        ),
    ];
    leaf
}

fn instruction() -> impl Strategy<Value = Instruction> {
    prop_oneof![
        4 => prop::collection::vec(action(), 0..5).prop_map(Instruction::ApplyActions),
        1 => prop::collection::vec(action(), 0..3).prop_map(Instruction::WriteActions),
        1 => Just(Instruction::ClearActions),
        2 => (any::<u64>(), any::<u64>()).prop_map(|(v, m)| Instruction::write_metadata(v, m)),
        3 => (0u8..8).prop_map(Instruction::GotoTable),
        1 => Just(Instruction::Meter(1)),
        1 => Just(Instruction::Unknown { ty: 77, data: vec![0; 4] }),
    ]
}

fn flow() -> impl Strategy<Value = Flow> {
    (
        0u8..8,
        0u16..4,
        any::<u64>(),
        prop::collection::vec(oxm(), 0..4),
        prop::collection::vec(instruction(), 0..4),
    )
        .prop_map(|(table, priority, cookie, fields, instructions)| {
            let mut f = Flow::new(table, priority, cookie, Match { fields });
            f.instructions = instructions;
            f
        })
}

fn packet() -> impl Strategy<Value = Packet> {
    let base =
        prop_oneof![
            (0u32..6, mac()).prop_map(|(p, m)| Packet::broadcast(p, m)),
            (0u32..6, mac(), ip(), ip()).prop_map(|(p, m, a, b)| Packet::arp_request(p, m, a, b)),
            (0u32..6, mac(), ip(), mac(), ip())
                .prop_map(|(p, m, a, n, b)| Packet::arp_reply(p, m, a, n, b)),
            (0u32..6, mac(), mac(), ip(), ip())
                .prop_map(|(p, m, n, a, b)| Packet::icmp_echo(p, m, n, a, b)),
            (0u32..6, mac(), mac(), ip(), ip(), 0u16..3)
                .prop_map(|(p, m, n, a, b, t)| Packet::udp(p, m, n, (a, t), (b, t))),
            (0u32..6, mac(), mac(), ip(), ip(), 0u16..3)
                .prop_map(|(p, m, n, a, b, t)| Packet::tcp(p, m, n, (a, t), (b, t))),
        ];
    (
        base,
        prop::option::of((0u16..0x1000, 0u8..8)),
        any::<u64>(),
        0u8..3,
    )
        .prop_map(|(p, vlan, md, ttl)| {
            let mut p = match vlan {
                Some((vid, pcp)) => p.with_vlan(vid, pcp),
                None => p,
            };
            p.metadata = md;
            if ttl == 0 && p.eth_type == 0x0800 {
                p.ip_ttl = 1;
            }
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_pipelines_never_panic_and_always_stop(
        flows in prop::collection::vec(flow(), 0..14),
        packets in prop::collection::vec(packet(), 1..4),
        ports in prop::option::of(prop::collection::vec(0u32..6, 0..5)),
    ) {
        let set: FlowSet = flows.iter().cloned().collect();
        let _ = describe::flow_set(&set);
        let mut sw = Simulator::new(&set);
        if let Some(ports) = ports {
            sw = sw.with_ports(ports);
        }
        for p in &packets {
            let t = sw.trace(p);
            let held: Vec<Flow> = sw.flows().cloned().collect();
            prop_assert!(t.all_steps().len() <= MAX_STEPS + 1);
            prop_assert_eq!(t.dropped_reason.is_some(), t.outputs.is_empty());
            prop_assert!(!t.to_string().is_empty());
            for out in &t.outputs {
                // Never back out of the port the packet (as it was then) came in on, except
                // by IN_PORT, which only reflects when the flow said so.
                prop_assert!(out.port != p.in_port || has_in_port_output(&held) || has_port_rewrite(&held));
            }
        }
        for f in sw.learned() {
            let _ = describe::flow(f);
        }
    }

    #[test]
    fn packets_read_back_what_they_print(p in packet()) {
        let text = p.to_string();
        prop_assert_eq!(text.parse::<Packet>().unwrap(), p, "{}", text);
    }

    #[test]
    fn packet_parsing_never_panics(text in "[a-z_0-9=:., ()x]{0,60}") {
        let _ = text.parse::<Packet>();
    }

    #[test]
    fn the_answer_does_not_depend_on_insertion_order(
        flows in prop::collection::vec(flow(), 0..14),
        p in packet(),
    ) {
        let forward: FlowSet = flows.iter().cloned().collect();
        let backward: FlowSet = flows.iter().rev().cloned().collect();
        // Later duplicates replace earlier ones, so only compare when keys are unique.
        prop_assume!(forward == backward);
        let a = sim::trace(&forward, &p);
        let b = sim::trace(&backward, &p);
        prop_assert_eq!(a, b);
    }
}

fn has_in_port_output(flows: &[Flow]) -> bool {
    flows.iter().any(|f| {
        f.instructions.iter().any(|i| match i {
            Instruction::ApplyActions(l) | Instruction::WriteActions(l) => l.iter().any(|a| {
                matches!(
                    a,
                    Action::Output {
                        port: OFPP_IN_PORT,
                        ..
                    }
                )
            }),
            _ => false,
        })
    })
}

/// Whether some action can change the packet's in_port (set_field, load, move, resubmit with a
/// port), after which "the port it came in on" is another one.
fn has_port_rewrite(flows: &[Flow]) -> bool {
    flows.iter().any(|f| {
        f.instructions.iter().any(|i| match i {
            Instruction::ApplyActions(l) | Instruction::WriteActions(l) => l.iter().any(|a| {
                matches!(
                    a,
                    Action::SetField(Oxm::InPort(_))
                        | Action::Nx(NxAction::RegLoad { .. })
                        | Action::Nx(NxAction::RegMove { .. })
                        | Action::Nx(NxAction::ResubmitTable { .. })
                        | Action::Nx(NxAction::Resubmit { .. })
                )
            }),
            _ => false,
        })
    })
}
