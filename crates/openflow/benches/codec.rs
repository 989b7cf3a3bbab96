//! Encode and decode throughput of the messages vna sends and receives most: a typical FLOW_MOD
//! (a few match fields, write_metadata + goto_table) and a PACKET_IN carrying an ARP request.
//! Prints figures; it is not a timed test and never fails on a slow machine.
//!
//! Run with `cargo bench -p openflow --bench codec`.

#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use openflow::message::{MessageBody, OFP_NO_BUFFER, PacketIn};
use openflow::{FlowMod, Instruction, MacAddr, Match, Message, Oxm};

fn typical_flow_mod() -> Message {
    let flow = FlowMod::add(3)
        .priority(30)
        .cookie(0x0700_0000_0000_0001)
        .match_(
            Match::new()
                .with(Oxm::InPort(5))
                .with(Oxm::EthSrc(
                    MacAddr([0x52, 0x54, 0, 0x12, 0x34, 0x56]),
                    None,
                ))
                .with(Oxm::Metadata(
                    0x0400_0000_0000_0002,
                    Some(0xff00_0000_7fff_ffff),
                )),
        )
        .instruction(Instruction::WriteMetadata {
            metadata: 0x0700_0000_0000_0001,
            mask: 0xff00_0000_7fff_ffff,
        })
        .instruction(Instruction::GotoTable(4));
    Message::new(0x1234, flow.into())
}

fn arp_packet_in() -> Message {
    let mut frame = vec![0xff; 6];
    frame.extend([0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x08, 0x06]);
    frame.extend([
        0, 1, 8, 0, 6, 4, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 10, 0, 0, 1,
    ]);
    frame.extend([0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
    frame.resize(60, 0);
    Message::new(
        0,
        MessageBody::PacketIn(PacketIn {
            buffer_id: OFP_NO_BUFFER,
            total_len: 60,
            reason: 1,
            table_id: 10,
            cookie: 0x0d00_0000_0000_0003,
            match_: Match::new()
                .with(Oxm::InPort(5))
                .with(Oxm::Metadata(0x0700_0000_0000_0001, None))
                .with(Oxm::Reg(0, 7, None)),
            data: frame,
        }),
    )
}

/// Runs `f` in batches until `budget` has passed; returns operations per second.
fn measure(budget: Duration, mut f: impl FnMut()) -> f64 {
    const BATCH: u32 = 10_000;
    for _ in 0..BATCH {
        f();
    }
    let start = Instant::now();
    let mut ops: u64 = 0;
    while start.elapsed() < budget {
        for _ in 0..BATCH {
            f();
        }
        ops += u64::from(BATCH);
    }
    ops as f64 / start.elapsed().as_secs_f64()
}

fn report(name: &str, bytes: usize, ops: f64) {
    println!(
        "{name:<32} {:>7.2} M msg/s  {:>8.1} ns/msg  {:>7.1} MiB/s  ({bytes} bytes/msg)",
        ops / 1e6,
        1e9 / ops,
        ops * bytes as f64 / (1024.0 * 1024.0)
    );
}

fn main() {
    let budget = Duration::from_millis(
        std::env::var("BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1500),
    );
    println!("openflow codec throughput, one core, {budget:?} per case");
    for (name, msg) in [
        ("FLOW_MOD (vna typical)", typical_flow_mod()),
        ("PACKET_IN (ARP, 60 B)", arp_packet_in()),
    ] {
        let bytes = msg.encode_to_vec().expect("encodes");
        let mut buf = Vec::with_capacity(256);
        let enc = measure(budget, || {
            buf.clear();
            black_box(&msg).encode(&mut buf).expect("encodes");
            black_box(&buf);
        });
        report(&format!("encode {name}"), bytes.len(), enc);
        let dec = measure(budget, || {
            let m = Message::decode(black_box(&bytes)).expect("decodes");
            black_box(m);
        });
        report(&format!("decode {name}"), bytes.len(), dec);
    }
}
