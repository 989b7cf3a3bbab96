//! Open vSwitch as referee, both directions:
//! - our encodings are printed by `ovs-ofctl ofp-print`, and what it says is checked;
//! - messages made by `ovs-ofctl` itself (captured by playing a switch on a Unix socket that
//!   `ovs-ofctl` connects to) are decoded by us and checked.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use openflow::message::{
    BundleControl, BundleCtrlType, ErrorMsg, Header, Hello, MessageBody, PacketOut, SwitchConfig,
    SwitchFeatures, hex,
};
use openflow::multipart::{MultipartReply, MultipartReplyBody, MultipartRequestBody};
use openflow::nicira::NxAction;
use openflow::port::{OFPP_CONTROLLER, OFPP_LOCAL};
use openflow::{Action, FlowMod, Instruction, MacAddr, Match, Message, Oxm, Port};

/// Whether `ovs-ofctl` is here; in CI (or with VNET_REQUIRE_OVS) its absence is a failure.
fn ofctl_available() -> bool {
    let ok = Command::new("ovs-ofctl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let required = std::env::var("CI").is_ok_and(|v| v == "true")
            || std::env::var_os("VNET_REQUIRE_OVS").is_some();
        assert!(
            !required,
            "ovs-ofctl is required (CI or VNET_REQUIRE_OVS) but missing: install openvswitch-switch"
        );
        eprintln!("skipping: ovs-ofctl not installed (apt-get install openvswitch-switch)");
    }
    ok
}

fn ofp_print(msg: &Message) -> String {
    let bytes = msg.encode_to_vec().unwrap();
    let out = Command::new("ovs-ofctl")
        .args(["ofp-print", &hex(&bytes)])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "ovs-ofctl ofp-print failed on {msg}:\n{text}"
    );
    assert!(
        !text.contains("decode error") && !text.contains("***"),
        "ovs-ofctl could not decode our {msg}:\n{text}"
    );
    text
}

fn assert_prints(msg: Message, expected: &[&str]) {
    let text = ofp_print(&msg);
    for e in expected {
        assert!(text.contains(e), "ovs-ofctl printed\n{text}\nwithout {e:?}");
    }
}

fn vna_like_flows() -> Vec<(FlowMod, Vec<&'static str>)> {
    let mac = MacAddr([0x52, 0x54, 0, 0x12, 0x34, 0x56]);
    vec![
        (
            FlowMod::add(3)
                .priority(30)
                .cookie(0x0700_0000_0000_0001)
                .match_(
                    Match::new()
                        .with(Oxm::InPort(5))
                        .with(Oxm::EthSrc(mac, None))
                        .with(Oxm::Metadata(
                            0x0400_0000_0000_0002,
                            Some(0xff00_0000_7fff_ffff),
                        )),
                )
                .instruction(Instruction::WriteMetadata {
                    metadata: 0x0700_0000_0000_0001,
                    mask: 0xff00_0000_7fff_ffff,
                })
                .instruction(Instruction::GotoTable(4)),
            vec![
                "OFPT_FLOW_MOD (OF1.3)",
                "table:3",
                "priority=30",
                "cookie:0x700000000000001",
                "in_port=5",
                "dl_src=52:54:00:12:34:56",
                "metadata=0x400000000000002/0xff0000007fffffff",
                "write_metadata:0x700000000000001/0xff0000007fffffff",
                "goto_table:4",
            ],
        ),
        (
            FlowMod::add(20)
                .priority(1)
                .match_(
                    Match::new()
                        .with(Oxm::TunnelId(0x80_0001, Some(0xff_ffff)))
                        .with(Oxm::EthDst(MacAddr::BROADCAST, None)),
                )
                .instruction(Instruction::ApplyActions(vec![
                    Action::set_field(Oxm::Reg(1, 7, None)),
                    Action::Output {
                        port: 2,
                        max_len: 0,
                    },
                ]))
                .instruction(Instruction::WriteActions(vec![Action::Group(3)]))
                .instruction(Instruction::ClearActions)
                .instruction(Instruction::Meter(1)),
            vec![
                "table:20",
                "tun_id=0x800001/0xffffff",
                "dl_dst=ff:ff:ff:ff:ff:ff",
                "set_field:0x7->reg1",
                "output:2",
                "write_actions(group:3)",
                "clear_actions",
                "meter:1",
            ],
        ),
        (
            FlowMod::add(40)
                .priority(5)
                .match_(Match::new().with(Oxm::EthType(0x0800)))
                .instruction(Instruction::ApplyActions(vec![
                    Action::resubmit(41),
                    Action::Output {
                        port: OFPP_CONTROLLER,
                        max_len: 0xffff,
                    },
                ])),
            vec!["ip", "resubmit(,41)", "CONTROLLER:65535"],
        ),
    ]
}

#[test]
fn ovs_ofctl_reads_our_encodings() {
    if !ofctl_available() {
        return;
    }
    for (flow, expected) in vna_like_flows() {
        assert_prints(Message::new(7, flow.into()), &expected);
    }
    assert_prints(
        Message::new(1, MessageBody::Hello(Hello::of13())),
        &["OFPT_HELLO", "version bitmap: 0x04"],
    );
    assert_prints(
        Message::new(2, MessageBody::FeaturesRequest),
        &["OFPT_FEATURES_REQUEST (OF1.3)"],
    );
    assert_prints(
        Message::new(
            3,
            MessageBody::SetConfig(SwitchConfig {
                flags: 0,
                miss_send_len: 0xffff,
            }),
        ),
        &["OFPT_SET_CONFIG (OF1.3)", "miss_send_len=65535"],
    );
    assert_prints(
        Message::new(4, MessageBody::BarrierRequest),
        &["OFPT_BARRIER_REQUEST (OF1.3)"],
    );
    assert_prints(
        Message::new(
            5,
            MessageBody::PacketOut(PacketOut::new(
                OFPP_CONTROLLER,
                vec![Action::Output {
                    port: 1,
                    max_len: 0,
                }],
                vec![0xff; 60],
            )),
        ),
        &[
            "OFPT_PACKET_OUT (OF1.3)",
            "in_port=CONTROLLER",
            "actions=output:1",
        ],
    );
    assert_prints(
        Message::new(
            6,
            MessageBody::BundleControl(BundleControl::new(9, BundleCtrlType::OpenRequest, 1)),
        ),
        &["bundle_id=0x9", "OPEN_REQUEST", "atomic"],
    );
    assert_prints(
        Message::new(
            8,
            MessageBody::Error(ErrorMsg::about(
                1,
                1,
                &Message::new(3, MessageBody::BarrierRequest)
                    .encode_to_vec()
                    .unwrap(),
            )),
        ),
        &[
            "OFPT_ERROR (OF1.3)",
            "OFPBRC_BAD_TYPE",
            "OFPT_BARRIER_REQUEST",
        ],
    );
}

/// Plays a switch for one `ovs-ofctl` command and returns every message it sent us.
fn capture(args: &[&str]) -> Vec<Message> {
    eprintln!("capturing ovs-ofctl {args:?}");
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("switch.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    let target = format!("unix:{}", sock.display());
    // options first, then the command, the switch, and the command's arguments
    let n_opts = args.iter().take_while(|a| a.starts_with("--")).count();
    let (opts, rest) = args.split_at(n_opts);
    let mut full: Vec<String> = vec!["-O".into(), "OpenFlow13".into(), "--no-names".into()];
    full.extend(opts.iter().map(|s| s.to_string()));
    full.push(rest[0].into());
    full.push(target);
    full.extend(rest[1..].iter().map(|s| s.to_string()));
    let mut child = Command::new("ovs-ofctl")
        .args(&full)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut stream = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("ovs-ofctl {args:?} never connected: {e}");
            }
        }
    };
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut got = Vec::new();
    send(
        &mut stream,
        &Message::new(0, MessageBody::Hello(Hello::of13())),
    );
    while let Some(msg) = recv(&mut stream) {
        eprintln!("  got {msg}");
        if let Some(reply) = switch_reply(&msg) {
            send(&mut stream, &reply);
        }
        got.push(msg);
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "ovs-ofctl {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    got
}

fn send(s: &mut UnixStream, m: &Message) {
    s.write_all(&m.encode_to_vec().unwrap()).unwrap();
}

fn recv(s: &mut UnixStream) -> Option<Message> {
    let mut head = [0u8; 8];
    if s.read_exact(&mut head).is_err() {
        return None;
    }
    let h = Header::peek(&head).unwrap();
    let mut bytes = head.to_vec();
    bytes.resize(usize::from(h.length), 0);
    s.read_exact(&mut bytes[8..]).unwrap();
    Some(Message::decode(&bytes).unwrap_or_else(|e| panic!("cannot decode {}: {e}", hex(&bytes))))
}

/// What a switch answers to the requests `ovs-ofctl` makes.
fn switch_reply(m: &Message) -> Option<Message> {
    let port = Port {
        port_no: 1,
        hw_addr: MacAddr([2, 0, 0, 0, 0, 1]),
        name: "p1".into(),
        ..Port::default()
    };
    let body = match &m.body {
        MessageBody::EchoRequest(d) => MessageBody::EchoReply(d.clone()),
        MessageBody::BarrierRequest => MessageBody::BarrierReply,
        MessageBody::FeaturesRequest => MessageBody::FeaturesReply(SwitchFeatures {
            datapath_id: 1,
            n_tables: 254,
            ..SwitchFeatures::default()
        }),
        MessageBody::GetConfigRequest => MessageBody::GetConfigReply(SwitchConfig::default()),
        MessageBody::MultipartRequest(req) => {
            let body = match &req.body {
                MultipartRequestBody::PortDesc => MultipartReplyBody::PortDesc(vec![port]),
                MultipartRequestBody::Flow(_) => MultipartReplyBody::Flow(vec![]),
                MultipartRequestBody::PortStats { .. } => MultipartReplyBody::PortStats(vec![]),
                MultipartRequestBody::Table => MultipartReplyBody::Table(vec![]),
                MultipartRequestBody::Aggregate(_) => MultipartReplyBody::Aggregate {
                    packet_count: 0,
                    byte_count: 0,
                    flow_count: 0,
                },
                MultipartRequestBody::GroupDesc => MultipartReplyBody::GroupDesc(vec![]),
                MultipartRequestBody::MeterConfig { .. } => MultipartReplyBody::MeterConfig(vec![]),
                _ => {
                    return Some(Message::new(
                        m.xid,
                        MessageBody::Error(ErrorMsg::about(1, 2, &m.encode_to_vec().unwrap())),
                    ));
                }
            };
            MessageBody::MultipartReply(MultipartReply { flags: 0, body })
        }
        MessageBody::BundleControl(c) => {
            let t = match c.ctrl_type {
                BundleCtrlType::OpenRequest => BundleCtrlType::OpenReply,
                BundleCtrlType::CloseRequest => BundleCtrlType::CloseReply,
                BundleCtrlType::CommitRequest => BundleCtrlType::CommitReply,
                BundleCtrlType::DiscardRequest => BundleCtrlType::DiscardReply,
                _ => return None,
            };
            MessageBody::BundleControl(BundleControl::new(c.bundle_id, t, c.flags))
        }
        _ => return None,
    };
    Some(Message::new(m.xid, body))
}

fn flow_mods(msgs: &[Message]) -> Vec<FlowMod> {
    msgs.iter()
        .filter_map(|m| match &m.body {
            MessageBody::FlowMod(f) => Some(f.clone()),
            MessageBody::BundleAdd(a) => match &a.message.body {
                MessageBody::FlowMod(f) => Some(f.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn one_flow(args: &[&str]) -> FlowMod {
    let msgs = capture(args);
    let flows = flow_mods(&msgs);
    assert_eq!(flows.len(), 1, "{args:?} sent {msgs:?}");
    flows.into_iter().next().unwrap()
}

#[test]
fn we_read_what_ovs_ofctl_writes() {
    if !ofctl_available() {
        return;
    }
    // A vna-style classifier flow.
    let f = one_flow(&[
        "add-flow",
        "table=2,priority=100,cookie=0x700000000000001,in_port=1,dl_src=52:54:00:00:00:01,metadata=0x7/0xff,actions=write_metadata:0x1/0xff,goto_table:3",
    ]);
    assert_eq!(
        (f.table_id, f.priority, f.cookie),
        (2, 100, 0x0700_0000_0000_0001)
    );
    let m = f.match_.canonical();
    assert!(m.fields.contains(&Oxm::InPort(1)), "{m}");
    assert!(m.fields.contains(&Oxm::Metadata(7, Some(0xff))), "{m}");
    assert!(
        m.fields
            .contains(&Oxm::EthSrc(MacAddr([0x52, 0x54, 0, 0, 0, 1]), None)),
        "{m}"
    );
    assert_eq!(
        f.instructions,
        vec![
            Instruction::WriteMetadata {
                metadata: 1,
                mask: 0xff
            },
            Instruction::GotoTable(3)
        ]
    );

    // learn, resubmit, note
    let f = one_flow(&[
        "add-flow",
        "table=4,priority=10,actions=learn(table=5,hard_timeout=300,priority=20,cookie=0x1d00000000000000,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15],output:NXM_OF_IN_PORT[]),resubmit(,5),note:01.02.03",
    ]);
    let [Instruction::ApplyActions(actions)] = f.instructions.as_slice() else {
        panic!("{f}")
    };
    let Action::Nx(NxAction::Learn(learn)) = &actions[0] else {
        panic!("not a learn: {}", actions[0])
    };
    assert_eq!(
        (learn.table_id, learn.hard_timeout, learn.priority),
        (5, 300, 20)
    );
    assert_eq!(learn.cookie, 0x1d00_0000_0000_0000);
    assert_eq!(learn.specs.len(), 3);
    assert!(
        matches!(
            &actions[1],
            Action::Nx(NxAction::ResubmitTable { table: 5, .. })
        ),
        "{}",
        actions[1]
    );
    assert!(
        actions[2].to_string().contains("note:01.02.03"),
        "{}",
        actions[2]
    );

    // conntrack with NAT
    let f = one_flow(&[
        "add-flow",
        "table=6,ip,actions=ct(commit,zone=5,table=7,nat(src=10.0.0.1))",
    ]);
    let text = f.to_string();
    for e in ["ct(", "commit", "zone=5", "table=7", "nat(src=10.0.0.1)"] {
        assert!(text.contains(e), "{text} lacks {e}");
    }

    // conjunction
    let f = one_flow(&[
        "add-flow",
        "table=8,ip,nw_src=10.0.0.1,actions=conjunction(9,1/2)",
    ]);
    assert!(f.to_string().contains("conjunction(9,1/2)"), "{f}");

    // deletion by cookie mask over all tables
    let f = one_flow(&["del-flows", "cookie=0x500000000000000/0xff00000000000000"]);
    assert_eq!(f.command, openflow::message::FlowModCommand::Delete);
    assert_eq!(
        (f.table_id, f.cookie, f.cookie_mask),
        (0xff, 0x0500_0000_0000_0000, 0xff00_0000_0000_0000)
    );

    // a bundle of two flows, applied atomically
    let msgs = capture(&["--bundle", "add-flow", "table=1,priority=1,actions=drop"]);
    assert!(msgs.iter().any(|m| matches!(&m.body, MessageBody::BundleControl(c) if c.ctrl_type == BundleCtrlType::OpenRequest)));
    assert!(msgs.iter().any(|m| matches!(&m.body, MessageBody::BundleControl(c) if c.ctrl_type == BundleCtrlType::CommitRequest)));
    assert_eq!(flow_mods(&msgs).len(), 1);

    // packet-out
    let msgs = capture(&[
        "packet-out",
        "in_port=LOCAL packet=ffffffffffff525400000001080600010800060400015254000000010a0000010000000000000a000002 actions=output:1",
    ]);
    let po = msgs
        .iter()
        .find_map(|m| match &m.body {
            MessageBody::PacketOut(p) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(po.in_port, OFPP_LOCAL);
    assert_eq!(po.data.len(), 42);
    assert_eq!(
        po.actions,
        vec![Action::Output {
            port: 1,
            max_len: 0
        }]
    );

    // group and meter mods
    let msgs = capture(&[
        "add-group",
        "group_id=1,type=all,bucket=output:1,bucket=output:2",
    ]);
    let gm = msgs
        .iter()
        .find_map(|m| match &m.body {
            MessageBody::GroupMod(g) => Some(g.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!((gm.group_id, gm.buckets.len()), (1, 2));
    let msgs = capture(&["add-meter", "meter=1,kbps,band=type=drop,rate=1000"]);
    let mm = msgs
        .iter()
        .find_map(|m| match &m.body {
            MessageBody::MeterMod(m) => Some(m.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(mm.meter_id, 1);
    assert_eq!(
        mm.bands,
        vec![openflow::message::MeterBand::Drop {
            rate: 1000,
            burst_size: 0
        }]
    );

    // stats requests
    let msgs = capture(&["dump-flows", "table=3"]);
    assert!(msgs.iter().any(|m| matches!(&m.body, MessageBody::MultipartRequest(r) if matches!(&r.body, MultipartRequestBody::Flow(f) if f.table_id == 3))), "{msgs:?}");
    let msgs = capture(&["dump-ports"]);
    assert!(msgs.iter().any(|m| matches!(&m.body, MessageBody::MultipartRequest(r) if matches!(r.body, MultipartRequestBody::PortStats { .. }))), "{msgs:?}");
}
