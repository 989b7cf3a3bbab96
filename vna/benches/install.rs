//! Installing 100,000 flows into a real Open vSwitch bridge: `SwitchHandle::apply` against
//! `ovs-ofctl --bundle add-flows` of the same flows into the same bridge, in one run. Prints
//! both rates and their ratio (vna / ovs-ofctl; the target is at least 1.0). Not a timed
//! assertion. Skips when Open vSwitch is not installed.
//!
//! `cargo bench -p vna --bench install` (set `VNA_BENCH_FLOWS` for another count).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_precision_loss
)]

#[path = "../../crates/openflow/tests/support/ovs.rs"]
#[allow(dead_code)]
mod ovs;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use openflow::{Action, Instruction, MacAddr, Match, Oxm};
use ovs::OvsInstance;
use pipeline::cookie::{self, Prefix};
use pipeline::{Flow, FlowSet, diff};
use vna::switch::{self, Config};

const DPID: u64 = 0x0b01;
const META_MASK: u64 = 0xff00_0000_7fff_ffff;

fn mac(i: u32) -> MacAddr {
    let b = i.to_be_bytes();
    MacAddr([0x52, 0x54, b[0], b[1], b[2], b[3]])
}

/// `n` flows shaped like the pipeline's (classifier, source check, delivery), as flows and as
/// `ovs-ofctl add-flows` lines.
fn flows(n: u32) -> (FlowSet, String) {
    let mut set = FlowSet::new();
    let mut text = String::new();
    for k in 0..n {
        let i = k / 3;
        let meta = 0x0700_0000_0000_0000 | u64::from(i);
        let c = cookie::cookie(Prefix::INTERFACE, i64::from(i));
        let flow = match k % 3 {
            0 => {
                writeln!(
                    text,
                    "table=0,priority=100,cookie={c:#x},in_port={},actions=write_metadata:{meta:#x}/{META_MASK:#x},goto_table:20",
                    i + 1
                )
                .unwrap();
                Flow::new(0, 100, c, Match::new().with(Oxm::InPort(i + 1)))
                    .instruction(Instruction::WriteMetadata {
                        metadata: meta,
                        mask: META_MASK,
                    })
                    .instruction(Instruction::GotoTable(20))
            }
            1 => {
                writeln!(
                    text,
                    "table=20,priority=30,cookie={c:#x},metadata={meta:#x}/{META_MASK:#x},dl_src={},actions=goto_table:30",
                    mac(i)
                )
                .unwrap();
                Flow::new(
                    20,
                    30,
                    c,
                    Match::new()
                        .with(Oxm::Metadata(meta, Some(META_MASK)))
                        .with(Oxm::EthSrc(mac(i), None)),
                )
                .instruction(Instruction::GotoTable(30))
            }
            _ => {
                let port = i % 4 + 1;
                writeln!(
                    text,
                    "table=30,priority=60,cookie={c:#x},metadata={meta:#x}/{META_MASK:#x},dl_dst={},actions=output:{port}",
                    mac(i)
                )
                .unwrap();
                Flow::new(
                    30,
                    60,
                    c,
                    Match::new()
                        .with(Oxm::Metadata(meta, Some(META_MASK)))
                        .with(Oxm::EthDst(mac(i), None)),
                )
                .instruction(Instruction::ApplyActions(vec![Action::Output {
                    port,
                    max_len: 0,
                }]))
            }
        };
        set.insert(flow);
    }
    (set, text)
}

fn count_flows(ovs: &OvsInstance) -> usize {
    ovs.ofctl(&["dump-aggregate", &ovs.mgmt_target("br0")])
        .split("flow_count=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn main() {
    let n: u32 = std::env::var("VNA_BENCH_FLOWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let Some(ovs) = OvsInstance::start() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (desired, text) = flows(n);
    let n = desired.len();
    let file = ovs.dir().join("flows.txt");
    std::fs::write(&file, &text).unwrap();
    let target = ovs.mgmt_target("br0");

    runtime.block_on(async {
        let config = Config {
            min_bundle_flows: std::env::var("VNA_BENCH_MIN_BUNDLE")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(Config::default().min_bundle_flows),
            ..Config::default()
        };
        let listener = switch::serve("127.0.0.1:0", config)
            .await
            .unwrap();
        let sw = listener.switch(DPID);
        ovs.add_bridge("br0", DPID, &format!("tcp:{}", listener.local_addr()));
        tokio::time::timeout(Duration::from_secs(30), sw.wait_connected())
            .await
            .expect("the switch did not connect");
        println!("installing {n} flows into an empty bridge, OVS {}", ovs_version());

        let mut ofctl_best = Duration::MAX;
        let mut vna_best = Duration::MAX;
        for round in 1..=2 {
            ovs.ofctl(&["del-flows", &target]);
            let started = Instant::now();
            ovs.ofctl(&["--bundle", "add-flows", &target, file.to_str().unwrap()]);
            let ofctl = started.elapsed();
            assert_eq!(count_flows(&ovs), n, "ovs-ofctl did not install them all");
            ofctl_best = ofctl_best.min(ofctl);

            ovs.ofctl(&["del-flows", &target]);
            let started = Instant::now();
            let installed = sw.read_flows().await.unwrap();
            let d = diff(&installed, &desired);
            let report = sw.apply(&d).await.unwrap();
            let vna = started.elapsed();
            assert_eq!(count_flows(&ovs), n, "apply did not install them all");
            vna_best = vna_best.min(vna);
            println!(
                "round {round}: ovs-ofctl --bundle add-flows {:>8.0} flows/s ({ofctl:.2?}); \
                 vna read+diff+apply {:>8.0} flows/s ({vna:.2?}; apply alone {:.2?}, {} bundle(s), {:.1} MB)",
                rate(n, ofctl),
                rate(n, vna),
                report.elapsed,
                report.bundles,
                report.bytes as f64 / 1e6,
            );
        }
        println!(
            "best: ovs-ofctl {:.0} flows/s, vna {:.0} flows/s, ratio vna/ovs-ofctl = {:.2}",
            rate(n, ofctl_best),
            rate(n, vna_best),
            ofctl_best.as_secs_f64() / vna_best.as_secs_f64()
        );

        let started = Instant::now();
        let installed = sw.read_flows().await.unwrap();
        let read = started.elapsed();
        let started = Instant::now();
        let d = diff(&installed, &desired);
        let diffed = started.elapsed();
        assert!(d.is_empty(), "read back differs from desired: {} changes", d.len());
        println!(
            "read back {} flows in {read:.2?} ({:.0} flows/s); diff against desired {diffed:.2?}, empty",
            installed.len(),
            rate(installed.len(), read)
        );

        // A small change to a loaded switch: the latency a model change costs.
        let mut changed = desired.clone();
        changed.insert(
            Flow::new(0, 100, cookie::cookie(Prefix::INTERFACE, 1), Match::new().with(Oxm::InPort(65_000)))
                .instruction(Instruction::GotoTable(20)),
        );
        for _ in 0..3 {
            let started = Instant::now();
            sw.barrier().await.unwrap();
            let barrier = started.elapsed();
            let (to_add, to_remove) = (diff(&desired, &changed), diff(&changed, &desired));
            let started = Instant::now();
            let report = sw.apply(&to_add).await.unwrap();
            let add = started.elapsed();
            let started = Instant::now();
            sw.apply(&to_remove).await.unwrap();
            let del = started.elapsed();
            println!(
                "loaded switch: barrier round trip {barrier:.2?}; one flow added {add:.2?}, \
                 removed {del:.2?} to acknowledged ({} bundle each)",
                report.bundles
            );
        }
    });
}

fn ovs_version() -> String {
    std::process::Command::new("ovs-vswitchd")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| {
            s.lines()
                .next()
                .map(|l| l.rsplit(' ').next().unwrap_or("").to_owned())
        })
        .unwrap_or_default()
}
