//! The codec against a real Open vSwitch: a private `ovsdb-server` + `ovs-vswitchd` (userspace
//! datapath) connects to a controller built on the codec, which does the handshake, installs
//! flows over several tables using every instruction kind and the Nicira extensions vna needs,
//! reads them back, sends a PACKET_OUT and receives the PACKET_IN, and applies bundles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use openflow::codec::OfCodec;
use openflow::message::{
    BUNDLE_ATOMIC, Bucket, BundleAdd, BundleControl, BundleCtrlType, ErrorMsg, GroupMod, Hello,
    MessageBody, MeterBand, MeterMod, OFPCML_NO_BUFFER, OFPTT_ALL, PacketOut, SwitchConfig,
    flow_flags, group_command, group_type, meter_command, meter_flags, packet_in_reason,
};
use openflow::multipart::{
    FlowStats, FlowStatsRequest, MultipartReplyBody, MultipartRequest, MultipartRequestBody,
};
use openflow::nicira::{self, Ct, CtZone, Learn, LearnDst, LearnSpec, LearnSrc, NxAction};
use openflow::port::{OFPP_CONTROLLER, OFPP_LOCAL, OFPP_TABLE};
use openflow::{Action, FlowMod, Instruction, MacAddr, Match, Message, Oxm, Port};
use support::ovs::OvsInstance;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

const DPID: u64 = 0x0000_0000_0000_0a01;
const STEP: Duration = Duration::from_secs(15);

/// A controller connection driven step by step by the test.
struct Controller {
    framed: Framed<TcpStream, OfCodec>,
    next_xid: u32,
}

impl Controller {
    async fn send(&mut self, body: MessageBody) -> u32 {
        self.next_xid += 1;
        let xid = self.next_xid;
        self.framed.send(Message::new(xid, body)).await.unwrap();
        xid
    }

    /// The next message from the switch; echo requests are answered on the way. Everything OVS
    /// sends must decode.
    async fn recv(&mut self) -> Message {
        loop {
            let next = tokio::time::timeout(STEP, self.framed.next())
                .await
                .expect("the switch said nothing for 15 s");
            let msg = next
                .expect("the switch closed the connection")
                .expect("framing error")
                .unwrap_or_else(|bad| panic!("we could not decode what OVS sent: {bad}"));
            if let MessageBody::EchoRequest(d) = &msg.body {
                let reply = Message::new(msg.xid, MessageBody::EchoReply(d.clone()));
                self.framed.send(reply).await.unwrap();
                continue;
            }
            return msg;
        }
    }

    /// Sends a barrier and returns everything the switch said before answering it.
    async fn barrier(&mut self) -> Vec<Message> {
        let xid = self.send(MessageBody::BarrierRequest).await;
        let mut before = Vec::new();
        loop {
            let m = self.recv().await;
            if m.xid == xid && m.body == MessageBody::BarrierReply {
                return before;
            }
            before.push(m);
        }
    }

    /// Sends messages, then a barrier; fails if the switch answered any of them with an error.
    async fn apply(&mut self, bodies: Vec<MessageBody>) {
        for b in bodies {
            self.send(b).await;
        }
        let said = self.barrier().await;
        let errors: Vec<String> = said.iter().map(|m| m.to_string()).collect();
        assert!(
            errors.is_empty(),
            "the switch objected:\n{}",
            errors.join("\n")
        );
    }

    /// A multipart request and all the parts of its reply.
    async fn multipart(&mut self, body: MultipartRequestBody) -> Vec<MultipartReplyBody> {
        let xid = self
            .send(MessageBody::MultipartRequest(MultipartRequest {
                flags: 0,
                body,
            }))
            .await;
        let mut parts = Vec::new();
        loop {
            let m = self.recv().await;
            match m.body {
                MessageBody::MultipartReply(r) if m.xid == xid => {
                    parts.push(r.body);
                    if r.flags & 1 == 0 {
                        return parts;
                    }
                }
                MessageBody::Error(e) if m.xid == xid => panic!("multipart request refused: {e}"),
                other => panic!("unexpected while waiting for a multipart reply: {other:?}"),
            }
        }
    }

    async fn flows(&mut self) -> Vec<FlowStats> {
        self.multipart(MultipartRequestBody::Flow(FlowStatsRequest::all()))
            .await
            .into_iter()
            .flat_map(|p| match p {
                MultipartReplyBody::Flow(f) => f,
                other => panic!("not a flow stats reply: {other:?}"),
            })
            .collect()
    }
}

struct Setup {
    ovs: OvsInstance,
    ctl: Controller,
    ports: Vec<Port>,
}

/// Starts a switch with two ports and performs the handshake vna performs.
async fn connect() -> Option<Setup> {
    let ovs = OvsInstance::start()?;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    ovs.add_bridge("br0", DPID, &format!("tcp:{addr}"));
    ovs.add_internal_port("br0", "p1", 1);
    ovs.add_internal_port("br0", "p2", 2);
    let (stream, _) = tokio::time::timeout(Duration::from_secs(30), listener.accept())
        .await
        .unwrap_or_else(|_| panic!("the switch never connected\n{}", ovs.log_tail()))
        .unwrap();
    stream.set_nodelay(true).unwrap();
    let mut ctl = Controller {
        framed: Framed::new(stream, OfCodec::new()),
        next_xid: 0,
    };

    // HELLO both ways, with version negotiation by bitmap.
    ctl.send(MessageBody::Hello(Hello::of13())).await;
    let hello = ctl.recv().await;
    let MessageBody::Hello(h) = hello.body else {
        panic!("expected HELLO, got {hello}")
    };
    assert_ne!(
        h.supports(4),
        Some(false),
        "the switch does not offer OpenFlow 1.3"
    );

    // FEATURES: the datapath id is the one configured.
    let xid = ctl.send(MessageBody::FeaturesRequest).await;
    let reply = ctl.recv().await;
    assert_eq!(reply.xid, xid);
    let MessageBody::FeaturesReply(f) = reply.body else {
        panic!("expected FEATURES_REPLY, got {reply}")
    };
    assert_eq!(f.datapath_id, DPID);
    assert!(f.n_tables >= 64, "{f:?}");

    ctl.apply(vec![MessageBody::SetConfig(SwitchConfig {
        flags: 0,
        miss_send_len: OFPCML_NO_BUFFER,
    })])
    .await;
    let xid = ctl.send(MessageBody::GetConfigRequest).await;
    let reply = ctl.recv().await;
    assert_eq!(reply.xid, xid);
    assert_eq!(
        reply.body,
        MessageBody::GetConfigReply(SwitchConfig {
            flags: 0,
            miss_send_len: OFPCML_NO_BUFFER
        })
    );

    // PORT_DESC: both ports and the bridge's local port, as OVSDB knows them.
    let ports: Vec<Port> = ctl
        .multipart(MultipartRequestBody::PortDesc)
        .await
        .into_iter()
        .flat_map(|p| match p {
            MultipartReplyBody::PortDesc(ports) => ports,
            other => panic!("not a port description: {other:?}"),
        })
        .collect();
    let by_no: BTreeMap<u32, &str> = ports.iter().map(|p| (p.port_no, p.name.as_str())).collect();
    assert_eq!(by_no.get(&1), Some(&"p1"), "{ports:?}");
    assert_eq!(by_no.get(&2), Some(&"p2"), "{ports:?}");
    assert_eq!(by_no.get(&OFPP_LOCAL), Some(&"br0"), "{ports:?}");
    for p in &ports {
        let mac = ovs.vsctl(&["get", "interface", &p.name, "mac_in_use"]);
        assert_eq!(
            mac.trim().trim_matches('"'),
            p.hw_addr.to_string(),
            "port {}",
            p.name
        );
    }
    Some(Setup { ovs, ctl, ports })
}

const META: u64 = 0x0700_0000_0000_0001;
const META_MASK: u64 = 0xff00_0000_7fff_ffff;

/// Flows in the shape vna installs: several tables, every instruction kind, masked metadata
/// and tunnel id, set_field, learn, ct, conjunction, resubmit, note, group and meter.
fn pipeline_flows() -> Vec<FlowMod> {
    let vm_mac = MacAddr([0x52, 0x54, 0, 0x12, 0x34, 0x56]);
    let learn = Learn {
        idle_timeout: 0,
        hard_timeout: 300,
        priority: 20,
        cookie: 0x1d00_0000_0000_0000,
        flags: 0,
        table_id: 35,
        fin_idle_timeout: 0,
        fin_hard_timeout: 0,
        specs: vec![
            LearnSpec {
                src: LearnSrc::Field {
                    field: nicira::METADATA,
                    ofs: 0,
                },
                dst: LearnDst::Match {
                    field: nicira::METADATA,
                    ofs: 0,
                },
                n_bits: 64,
            },
            LearnSpec {
                src: LearnSrc::Field {
                    field: nicira::ETH_SRC,
                    ofs: 0,
                },
                dst: LearnDst::Match {
                    field: nicira::ETH_DST,
                    ofs: 0,
                },
                n_bits: 48,
            },
            LearnSpec {
                src: LearnSrc::Field {
                    field: nicira::IN_PORT,
                    ofs: 0,
                },
                dst: LearnDst::Load {
                    field: nicira::reg(0),
                    ofs: 0,
                },
                n_bits: 16,
            },
            LearnSpec {
                src: LearnSrc::Immediate(vec![0, 0, 0, 7]),
                dst: LearnDst::Load {
                    field: nicira::reg(1),
                    ofs: 0,
                },
                n_bits: 32,
            },
        ],
    };
    let ct = Ct {
        flags: nicira::CT_COMMIT,
        zone: CtZone::Imm(5),
        recirc_table: None,
        alg: 0,
        actions: vec![],
    };
    vec![
        FlowMod::add(0)
            .priority(100)
            .cookie(0x0100_0000_0000_0001)
            .match_(Match::new().with(Oxm::InPort(1)))
            .instruction(Instruction::WriteMetadata {
                metadata: META,
                mask: META_MASK,
            })
            .instruction(Instruction::GotoTable(10)),
        FlowMod::add(10)
            .priority(50)
            .cookie(0x0700_0000_0000_0001)
            .match_(
                Match::new()
                    .with(Oxm::Metadata(META, Some(META_MASK)))
                    .with(Oxm::EthType(0x0800))
                    .with(Oxm::EthSrc(vm_mac, None)),
            )
            .instruction(Instruction::ApplyActions(vec![
                Action::set_field(Oxm::TunnelId(0x80_0005, None)),
                Action::set_field(Oxm::Reg(2, 9, None)),
                Action::Nx(NxAction::Learn(learn)),
            ]))
            .instruction(Instruction::WriteActions(vec![Action::Output {
                port: 2,
                max_len: 0,
            }]))
            .instruction(Instruction::GotoTable(20)),
        FlowMod::add(20)
            .priority(40)
            .match_(
                Match::new()
                    .with(Oxm::EthType(0x0800))
                    .with(Oxm::TunnelId(0x5, Some(0xff))),
            )
            .instruction(Instruction::Meter(1))
            .instruction(Instruction::ApplyActions(vec![
                Action::Nx(NxAction::Ct(ct)),
                Action::set_field(Oxm::EthDst(MacAddr([2, 0, 0, 0, 0, 2]), None)),
            ]))
            .instruction(Instruction::ClearActions)
            .instruction(Instruction::GotoTable(30)),
        FlowMod::add(30)
            .priority(30)
            .match_(Match::new().with(Oxm::EthType(0x0800)).with(Oxm::Ipv4Src(
                "10.101.0.0".parse().unwrap(),
                Some("255.255.255.0".parse().unwrap()),
            )))
            .instruction(Instruction::ApplyActions(vec![Action::Nx(
                NxAction::Conjunction {
                    id: 7,
                    clause: 0,
                    n_clauses: 2,
                },
            )])),
        FlowMod::add(30)
            .priority(20)
            .match_(Match::new().with(Oxm::ConjId(7)).with(Oxm::EthType(0x0800)))
            .instruction(Instruction::ApplyActions(vec![
                Action::Nx(NxAction::Note(nicira::Note::new(*b"vnet"))),
                Action::resubmit(31),
                Action::Group(1),
            ])),
        FlowMod::add(31)
            .priority(0)
            .match_(Match::new().with(Oxm::Reg(0, 1, Some(0xff))))
            .instruction(Instruction::ApplyActions(vec![Action::Output {
                port: OFPP_CONTROLLER,
                max_len: 0xffff,
            }])),
    ]
}

fn support_messages() -> Vec<MessageBody> {
    vec![
        MessageBody::MeterMod(MeterMod {
            command: meter_command::ADD,
            flags: meter_flags::KBPS,
            meter_id: 1,
            bands: vec![MeterBand::Drop {
                rate: 10_000,
                burst_size: 0,
            }],
        }),
        MessageBody::GroupMod(GroupMod {
            command: group_command::ADD,
            group_type: group_type::ALL,
            group_id: 1,
            buckets: vec![Bucket::new(vec![Action::Output {
                port: 2,
                max_len: 0,
            }])],
        }),
    ]
}

/// The installed flow that corresponds to `sent`, if any.
fn find<'a>(installed: &'a [FlowStats], sent: &FlowMod) -> Option<&'a FlowStats> {
    installed.iter().find(|f| {
        f.table_id == sent.table_id
            && f.priority == sent.priority
            && f.match_.canonical() == sent.match_.canonical()
    })
}

#[tokio::test(flavor = "current_thread")]
async fn a_real_switch_accepts_what_we_send_and_we_read_what_it_says() {
    let Some(Setup {
        ovs,
        mut ctl,
        ports,
    }) = connect().await
    else {
        return;
    };
    assert!(ports.len() >= 3);

    // Start from nothing, then install the pipeline.
    let mut setup = vec![MessageBody::FlowMod(FlowMod::delete(OFPTT_ALL))];
    setup.extend(support_messages());
    ctl.apply(setup).await;
    let flows = pipeline_flows();
    ctl.apply(flows.iter().cloned().map(MessageBody::FlowMod).collect())
        .await;

    // Read them back with a flow-stats request: the same flows, byte for byte in content.
    let installed = ctl.flows().await;
    assert_eq!(installed.len(), flows.len(), "installed: {installed:#?}");
    for sent in &flows {
        let got = find(&installed, sent)
            .unwrap_or_else(|| panic!("{sent} is missing; installed: {installed:#?}"));
        assert_eq!(got.cookie, sent.cookie, "{sent}");
        assert_eq!(got.hard_timeout, sent.hard_timeout, "{sent}");
        assert_eq!(
            got.instructions, sent.instructions,
            "instructions of {sent}"
        );
    }

    // ... and what ovs-ofctl shows agrees.
    let dump = ovs.ofctl(&["dump-flows", &ovs.mgmt_target("br0")]);
    let lines: Vec<&str> = dump.lines().filter(|l| l.contains("priority=")).collect();
    assert_eq!(lines.len(), flows.len(), "{dump}");
    for (sent, expected) in flows.iter().zip([
        vec![
            "table=0",
            "priority=100,in_port=1",
            "cookie=0x100000000000001",
            "write_metadata:0x700000000000001/0xff0000007fffffff",
            "goto_table:10",
        ],
        vec![
            "table=10",
            "metadata=0x700000000000001/0xff0000007fffffff",
            "set_field:0x800005->tun_id",
            "set_field:0x9->reg2",
            "learn(table=35",
            "hard_timeout=300",
            "write_actions(output:2)",
            "goto_table:20",
        ],
        vec![
            "table=20",
            "tun_id=0x5/0xff",
            "meter:1",
            "ct(commit,zone=5)",
            "clear_actions",
            "goto_table:30",
        ],
        vec!["table=30", "nw_src=10.101.0.0/24", "conjunction(7,1/2)"],
        vec![
            "table=30",
            "conj_id=7",
            "note:76.6e.65.74",
            "resubmit(,31)",
            "group:1",
        ],
        vec!["table=31", "reg0=0x1/0xff", "CONTROLLER:65535"],
    ]) {
        let line = lines
            .iter()
            .find(|l| expected.iter().all(|e| l.contains(e)))
            .unwrap_or_else(|| {
                panic!("no line of ovs-ofctl dump-flows shows {sent} with {expected:?}:\n{dump}")
            });
        assert!(
            line.contains(&format!("priority={}", sent.priority)),
            "{line}"
        );
    }

    // Deleting by cookie removes exactly the flows with that cookie prefix.
    ctl.apply(vec![MessageBody::FlowMod(
        FlowMod::delete(OFPTT_ALL).cookie_masked(0x0700_0000_0000_0000, 0xff00_0000_0000_0000),
    )])
    .await;
    let left = ctl.flows().await;
    assert_eq!(left.len(), flows.len() - 1);
    assert!(left.iter().all(|f| f.cookie >> 56 != 0x07));
}

#[tokio::test(flavor = "current_thread")]
async fn packet_out_comes_back_as_packet_in() {
    let Some(Setup {
        ovs: _ovs, mut ctl, ..
    }) = connect().await
    else {
        return;
    };
    let to_controller = FlowMod::add(0)
        .priority(200)
        .cookie(0xabc)
        .match_(Match::new().with(Oxm::EthType(0x88b5)))
        .instruction(Instruction::ApplyActions(vec![Action::Output {
            port: OFPP_CONTROLLER,
            max_len: 0xffff,
        }]));
    ctl.apply(vec![MessageBody::FlowMod(to_controller)]).await;

    let mut frame = vec![0xff; 6];
    frame.extend([0x52, 0x54, 0, 0, 0, 1, 0x88, 0xb5]);
    frame.extend(b"vnet packet-out test payload".iter());
    frame.resize(64, 0xee);
    ctl.send(MessageBody::PacketOut(PacketOut::new(
        OFPP_CONTROLLER,
        vec![Action::Output {
            port: OFPP_TABLE,
            max_len: 0,
        }],
        frame.clone(),
    )))
    .await;
    let m = ctl.recv().await;
    let MessageBody::PacketIn(pi) = m.body else {
        panic!("expected PACKET_IN, got {m}")
    };
    assert_eq!(pi.data, frame);
    assert_eq!(usize::from(pi.total_len), frame.len());
    assert_eq!(pi.cookie, 0xabc);
    assert_eq!(pi.table_id, 0);
    assert_eq!(pi.reason, packet_in_reason::ACTION);
    assert_eq!(pi.in_port(), Some(OFPP_CONTROLLER));
}

#[tokio::test(flavor = "current_thread")]
async fn bundles_apply_atomically() {
    let Some(Setup {
        ovs: _ovs, mut ctl, ..
    }) = connect().await
    else {
        return;
    };
    let base = FlowMod::add(0)
        .priority(100)
        .match_(Match::new().with(Oxm::InPort(1)))
        .instruction(Instruction::GotoTable(1));
    ctl.apply(vec![MessageBody::FlowMod(base)]).await;

    // A bundle that applies: two flows appear together.
    let a = FlowMod::add(50)
        .priority(1)
        .match_(Match::new().with(Oxm::InPort(1)));
    let b = FlowMod::add(50)
        .priority(2)
        .match_(Match::new().with(Oxm::InPort(2)));
    let (replies, errors) = run_bundle(&mut ctl, 1, vec![a.clone(), b.clone()]).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        replies,
        vec![BundleCtrlType::OpenReply, BundleCtrlType::CommitReply],
        "the bundle should commit"
    );
    let installed = ctl.flows().await;
    assert!(find(&installed, &a).is_some() && find(&installed, &b).is_some());

    // A bundle whose second flow cannot apply (it overlaps the base flow and asks the switch to
    // check): the commit fails and the first flow of the bundle does not appear either.
    let c = FlowMod::add(51)
        .priority(1)
        .match_(Match::new().with(Oxm::InPort(1)));
    let overlapping = FlowMod::add(0)
        .priority(100)
        .flags(flow_flags::CHECK_OVERLAP)
        .match_(Match::new().with(Oxm::InPort(1)).with(Oxm::EthType(0x0800)));
    let (replies, errors) = run_bundle(&mut ctl, 2, vec![c.clone(), overlapping.clone()]).await;
    assert!(
        !replies.contains(&BundleCtrlType::CommitReply),
        "the bundle must not commit: {replies:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.code_name() == Some("OFPFMFC_OVERLAP")),
        "the switch should name the overlap: {errors:?}"
    );
    let installed = ctl.flows().await;
    assert!(
        find(&installed, &c).is_none(),
        "half a bundle was applied: {installed:#?}"
    );
    assert!(find(&installed, &overlapping).is_none());
    assert_eq!(installed.len(), 3);
}

/// Opens bundle `id`, adds the flows, commits; returns the control replies and the errors
/// received.
async fn run_bundle(
    ctl: &mut Controller,
    id: u32,
    flows: Vec<FlowMod>,
) -> (Vec<BundleCtrlType>, Vec<ErrorMsg>) {
    ctl.send(MessageBody::BundleControl(BundleControl::new(
        id,
        BundleCtrlType::OpenRequest,
        BUNDLE_ATOMIC,
    )))
    .await;
    for f in flows {
        let xid = ctl.next_xid + 1;
        ctl.send(MessageBody::BundleAdd(BundleAdd::new(
            id,
            BUNDLE_ATOMIC,
            Message::new(xid, f.into()),
        )))
        .await;
    }
    ctl.send(MessageBody::BundleControl(BundleControl::new(
        id,
        BundleCtrlType::CommitRequest,
        BUNDLE_ATOMIC,
    )))
    .await;
    let mut replies = Vec::new();
    let mut errors = Vec::new();
    for m in ctl.barrier().await {
        match m.body {
            MessageBody::BundleControl(c) => {
                assert_eq!(c.bundle_id, id);
                replies.push(c.ctrl_type);
            }
            MessageBody::Error(e) => errors.push(e),
            other => panic!("unexpected during a bundle: {other:?}"),
        }
    }
    (replies, errors)
}
