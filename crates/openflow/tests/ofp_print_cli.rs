//! The `ofp-print` binary as a user runs it: a file or hex in, readable text out; malformed
//! input names the byte offset and the problem and exits non-zero.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::{Command, Output};

use openflow::message::{MessageBody, hex};
use openflow::{FlowMod, Instruction, Match, Message, Oxm};

fn ofp_print(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofp-print"))
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn corpus_file(name: &str) -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .join("../../../shared/testdata/openflow13/ryu")
        .join(name)
}

fn flow() -> Message {
    Message::new(
        0x2a,
        FlowMod::add(3)
            .priority(30)
            .match_(
                Match::new()
                    .with(Oxm::InPort(5))
                    .with(Oxm::Metadata(7, Some(0xff))),
            )
            .instruction(Instruction::GotoTable(4))
            .into(),
    )
}

#[test]
fn prints_a_message_given_as_hex() {
    let bytes = flow().encode_to_vec().unwrap();
    let out = ofp_print(&["--hex", &hex(&bytes)]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout.trim(),
        "OFPT_FLOW_MOD (OF1.3) (xid=0x2a): ADD table=3 priority=30 in_port=5,metadata=0x7/0xff actions=goto_table:4"
    );
}

#[test]
fn prints_every_message_of_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stream.bin");
    let mut bytes = Message::new(1, MessageBody::BarrierRequest)
        .encode_to_vec()
        .unwrap();
    bytes.extend(flow().encode_to_vec().unwrap());
    std::fs::write(&path, &bytes).unwrap();
    let out = ofp_print(&[path.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("OFPT_BARRIER_REQUEST (OF1.3) (xid=0x1)"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("OFPT_FLOW_MOD (OF1.3) (xid=0x2a)"),
        "{stdout}"
    );

    // a third-party capture with Nicira learn
    let out = ofp_print(&[corpus_file("ovs-ofctl-of13-action_learn.packet")
        .to_str()
        .unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("learn(table=99"), "{stdout}");
}

#[test]
fn malformed_input_names_the_offset_and_fails() {
    // a FLOW_MOD cut at 64 of its 256 bytes
    let bytes = std::fs::read(corpus_file("libofproto-OFP13-flow_mod.packet")).unwrap();
    let out = ofp_print(&["--hex", &hex(&bytes[..64])]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error at byte 64"), "{stderr}");
    assert!(stderr.contains("truncated message"), "{stderr}");

    // a match whose length runs past its message
    let mut bytes = flow().encode_to_vec().unwrap();
    bytes[48 + 3] = 200;
    let out = ofp_print(&["--hex", &hex(&bytes)]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error at byte 48"), "{stderr}");
    assert!(stderr.contains("match has invalid length 200"), "{stderr}");

    // not hex at all
    let out = ofp_print(&["--hex", "04zz"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("position 2"));
}

#[test]
fn bad_usage_exits_2() {
    let out = ofp_print(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("usage"));
    let out = ofp_print(&["/nonexistent/file"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("cannot read /nonexistent/file"));
}
