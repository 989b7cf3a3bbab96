//! `vna::switch` against a real Open vSwitch (userspace datapath, private daemons): handshake,
//! ports, flow install and read-back, convergence, rejection and rollback, keepalive and
//! reconnects. Tests skip when Open vSwitch is not installed (unless `VNET_REQUIRE_OVS` or `CI`
//! says it must be).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../crates/openflow/tests/support/ovs.rs"]
#[allow(dead_code)]
mod ovs;

use std::future::Future;
use std::process::Command;
use std::time::Duration;

use openflow::nicira::{self, Learn, LearnDst, LearnSpec, LearnSrc, NxAction};
use openflow::{Action, Instruction, MacAddr, Match, Oxm};
use ovs::OvsInstance;
use pipeline::cookie::{self, Prefix};
use pipeline::{Flow, FlowDiff, FlowSet, diff};
use vna::switch::{
    self, Config, FlowOp, Listener, PortChange, SwitchError, SwitchEvent, SwitchHandle,
};

const DPID: u64 = 0x0000_0000_0000_0a01;
const WAIT: Duration = Duration::from_secs(30);

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

struct Setup {
    ovs: OvsInstance,
    listener: Listener,
    sw: SwitchHandle,
}

/// A private OVS with bridge br0 (dpid [`DPID`]) connected to a fresh listener.
async fn connect(config: Config) -> Option<Setup> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "vna=debug".into()))
        .with_test_writer()
        .try_init();
    let ovs = OvsInstance::start()?;
    let listener = switch::serve("tcp:127.0.0.1:0", config).await.unwrap();
    let sw = listener.switch(DPID);
    ovs.add_bridge("br0", DPID, &format!("tcp:{}", listener.local_addr()));
    within("the switch to connect", sw.wait_connected()).await;
    Some(Setup { ovs, listener, sw })
}

fn mac(i: u32) -> MacAddr {
    let b = i.to_be_bytes();
    MacAddr([0x52, 0x54, b[0], b[1], b[2], b[3]])
}

/// `n` flows shaped like the pipeline's: classifier (write_metadata + goto), a learning table
/// with an NX learn action, and delivery by metadata and destination MAC.
fn pipeline_flows(n: u32, variant: u8) -> FlowSet {
    let meta_mask = 0xff00_0000_7fff_ffff;
    let mut set = FlowSet::new();
    for i in 0..n {
        let meta = 0x0700_0000_0000_0000 | u64::from(i);
        set.insert(
            Flow::new(
                0,
                100,
                cookie::cookie(Prefix::INTERFACE, i64::from(i)),
                Match::new().with(Oxm::InPort(i + 1)),
            )
            .instruction(Instruction::WriteMetadata {
                metadata: meta,
                mask: meta_mask,
            })
            .instruction(Instruction::GotoTable(20)),
        );
        set.insert(
            Flow::new(
                20,
                30,
                cookie::cookie(Prefix::INTERFACE, i64::from(i)),
                Match::new()
                    .with(Oxm::Metadata(meta, Some(meta_mask)))
                    .with(Oxm::EthSrc(mac(i), None)),
            )
            .instruction(Instruction::ApplyActions(vec![Action::Nx(
                NxAction::Learn(learn()),
            )]))
            .instruction(Instruction::GotoTable(30)),
        );
        set.insert(
            Flow::new(
                30,
                60,
                cookie::cookie(Prefix::NETWORK, i64::from(i % 16)),
                Match::new()
                    .with(Oxm::Metadata(meta, Some(meta_mask)))
                    .with(Oxm::EthDst(mac(i), None)),
            )
            .instruction(Instruction::ApplyActions(vec![Action::Output {
                port: (i % 4) + 1 + u32::from(variant),
                max_len: 0,
            }])),
        );
    }
    set.insert(Flow::new(
        0,
        0,
        cookie::cookie(Prefix::SWITCH, 0),
        Match::new(),
    ));
    set
}

fn learn() -> Learn {
    Learn {
        idle_timeout: 0,
        hard_timeout: 300,
        priority: 35,
        cookie: cookie::cookie(Prefix::DP_NETWORK, 1) | cookie::DYNAMIC,
        flags: 0,
        table_id: 43,
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
        ],
    }
}

fn dump_lines(ovs: &OvsInstance) -> Vec<String> {
    ovs.ofctl(&["dump-flows", &ovs.mgmt_target("br0")])
        .lines()
        .filter(|l| l.contains("priority="))
        .map(str::to_owned)
        .collect()
}

async fn next_event(
    events: &mut switch::Events,
    what: &str,
    pick: impl Fn(&SwitchEvent) -> bool,
) -> SwitchEvent {
    within(what, async {
        loop {
            let e = events.next().await.expect("event stream ended");
            if pick(&e) {
                return e;
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_gives_the_dpid_and_ports_and_port_status_updates_them() {
    let Some(Setup { ovs, listener, sw }) = connect(Config::default()).await else {
        return;
    };
    assert_eq!(sw.dpid(), DPID);
    assert_eq!(listener.dpids(), vec![DPID]);
    assert_eq!(sw.uses_bundles(), Some(true));
    let mut events = sw.events();
    let ports = sw.ports();
    assert_eq!(
        ports.borrow().by_name("br0").map(|p| p.port_no),
        Some(openflow::port::OFPP_LOCAL)
    );

    ovs.add_internal_port("br0", "p1", 1);
    let e = next_event(
        &mut events,
        "PORT_STATUS for p1",
        |e| matches!(e, SwitchEvent::PortStatus { port, .. } if port.name == "p1"),
    )
    .await;
    let SwitchEvent::PortStatus { change, port } = e else {
        unreachable!()
    };
    assert_eq!(change, PortChange::Added);
    assert_eq!(port.port_no, 1);
    let table = sw.ports().borrow().clone();
    assert_eq!(table.switch_ports().number("p1"), Some(1));
    let want_mac = ovs.vsctl(&["get", "interface", "p1", "mac_in_use"]);
    assert_eq!(
        table.by_name("p1").unwrap().hw_addr.to_string(),
        want_mac.trim().trim_matches('"')
    );

    // Administratively down: a PORT_STATUS MODIFY with the new config (the port may also
    // have sent one of its own as its link came up; that one is not it).
    ovs.ofctl(&["mod-port", &ovs.mgmt_target("br0"), "p1", "down"]);
    next_event(&mut events, "PORT_STATUS taking p1 down", |e| {
        matches!(e, SwitchEvent::PortStatus { change: PortChange::Modified, port }
            if port.name == "p1" && port.config & openflow::port::config::PORT_DOWN != 0)
    })
    .await;
    let p1 = sw.ports().borrow().by_name("p1").cloned().unwrap();
    assert_ne!(p1.config & openflow::port::config::PORT_DOWN, 0);
    assert!(!p1.is_live());

    ovs.vsctl(&["del-port", "br0", "p1"]);
    next_event(&mut events, "PORT_STATUS deleting p1", |e| {
        matches!(e, SwitchEvent::PortStatus { change: PortChange::Deleted, port } if port.name == "p1")
    })
    .await;
    assert_eq!(sw.ports().borrow().switch_ports().number("p1"), None);
}

async fn converge(sw: &SwitchHandle, desired: &FlowSet) -> vna::switch::ApplyReport {
    let report = sw.reconcile(desired).await.unwrap();
    let after = sw.read_flows().await.unwrap();
    let left = diff(&after, desired);
    assert!(
        left.is_empty(),
        "after apply the switch still differs: {} to add, {} to modify, {} to delete; e.g. {:?}",
        left.add.len(),
        left.modify.len(),
        left.delete.len(),
        left.add
            .first()
            .or(left.modify.first())
            .or(left.delete.first())
    );
    report
}

async fn apply_converges_with(config: Config) {
    let bundles = config.use_bundles;
    let config_max = config.max_bundle_flows;
    let Some(Setup {
        ovs,
        sw,
        listener: _listener,
    }) = connect(config).await
    else {
        return;
    };
    assert_eq!(sw.uses_bundles(), Some(bundles));
    // A learned flow, as OVS's learn action would make it: the reconciler leaves it alone.
    let learned = "table=43,priority=35,cookie=0x0200000080000001,metadata=0x7,dl_dst=52:54:00:00:00:07,hard_timeout=300,actions=drop";
    ovs.ofctl(&["add-flow", &ovs.mgmt_target("br0"), learned]);

    let n = 700;
    let desired = pipeline_flows(n, 0);
    let report = converge(&sw, &desired).await;
    assert_eq!(report.added, desired.len());
    let per_bundle = if bundles { config_max } else { usize::MAX };
    assert_eq!(
        report.bundles,
        if bundles {
            desired.len().div_ceil(per_bundle)
        } else {
            0
        }
    );
    let lines = dump_lines(&ovs);
    assert_eq!(lines.len(), desired.len() + 1, "{}", lines.join("\n"));
    for expected in [
        [
            "table=0",
            "priority=100,in_port=5 ",
            "write_metadata:0x700000000000004/0xff0000007fffffff,goto_table:20",
        ],
        ["table=20", "learn(table=43", "goto_table:30"],
        ["table=30", "dl_dst=52:54:00:00:00:04", "actions=output:1"],
        ["table=43", "cookie=0x200000080000001", "actions=drop"],
    ] {
        assert!(
            lines.iter().any(|l| expected.iter().all(|e| l.contains(e))),
            "no flow shows {expected:?}:\n{}",
            lines.join("\n")
        );
    }

    // A packet from interface 0 runs through the learn action: OVS learns a flow into table 43
    // with the dynamic cookie flag.
    ovs.add_internal_port("br0", "p1", 1);
    let mut frame = "ffffffffffff52540000000088b5".to_owned();
    frame.push_str(&"00".repeat(46));
    ovs.appctl(&["netdev-dummy/receive", "p1", &frame]);
    let learned_by_ovs = within("OVS to learn a flow", async {
        loop {
            let flows = sw.read_flows().await.unwrap();
            if let Some(f) = flows
                .flows()
                .find(|f| f.table == 43 && f.is_dynamic() && f.priority == 35)
            {
                return f.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(diff(&sw.read_flows().await.unwrap(), &desired).is_empty());

    // Change the outputs, drop a third of the interfaces, add new ones.
    let mut second: FlowSet = pipeline_flows(n, 1)
        .flows()
        .filter(|f| {
            f.cookie & cookie::ID_MASK >= u64::from(n / 3) || f.table == 30 || f.priority == 0
        })
        .cloned()
        .collect();
    for i in n..n + 50 {
        second.insert(
            Flow::new(
                0,
                100,
                cookie::cookie(Prefix::INTERFACE, i64::from(i)),
                Match::new().with(Oxm::InPort(i + 1)),
            )
            .instruction(Instruction::GotoTable(20)),
        );
    }
    let report = converge(&sw, &second).await;
    assert!(
        report.modified > 0 && report.deleted > 0 && report.added == 50,
        "{report:?}"
    );
    let installed = sw.read_flows().await.unwrap();
    assert_eq!(installed.len(), second.len() + 2);
    assert!(
        installed
            .flows()
            .any(|f| f.is_dynamic() && f.match_.canonical() == learned_by_ovs.match_.canonical()),
        "the learned flow was touched"
    );
    assert_eq!(
        installed.flows().filter(|f| f.is_dynamic()).count(),
        2,
        "a learned flow was touched"
    );
    assert_eq!(dump_lines(&ovs).len(), second.len() + 2);
    // Nothing left to do.
    assert_eq!(sw.apply(&diff(&installed, &second)).await.unwrap().added, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_converges_in_bundles_and_leaves_learned_flows_alone() {
    apply_converges_with(Config::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_converges_with_a_large_diff_split_into_several_bundles() {
    apply_converges_with(Config {
        max_bundle_flows: 500,
        ..Config::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_converges_with_flow_mods_and_a_barrier_without_bundles() {
    apply_converges_with(Config {
        use_bundles: false,
        ..Config::default()
    })
    .await;
}

fn bad_batch() -> (FlowDiff, Flow) {
    let good = pipeline_flows(20, 0);
    // A goto to an earlier table is invalid.
    let bad = Flow::new(20, 7, 0x42, Match::new().with(Oxm::InPort(9999)))
        .instruction(Instruction::GotoTable(5));
    let mut add: Vec<Flow> = good.sorted().into_iter().cloned().collect();
    add.insert(add.len() / 2, bad.clone());
    (
        FlowDiff {
            add,
            ..FlowDiff::default()
        },
        bad,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_flow_is_named_and_its_bundle_installs_nothing() {
    let Some(Setup {
        ovs,
        sw,
        listener: _listener,
    }) = connect(Config::default()).await
    else {
        return;
    };
    let (d, bad) = bad_batch();
    let err = sw.apply(&d).await.unwrap_err();
    let SwitchError::Rejected {
        rejected,
        rolled_back,
        more,
        ..
    } = &err
    else {
        panic!("expected a rejection, got {err}")
    };
    assert!(*rolled_back, "{err}");
    assert_eq!(*more, 0, "{err}");
    assert_eq!(rejected.len(), 1, "{err}");
    assert_eq!(rejected[0].flow, bad);
    assert_eq!(rejected[0].op, FlowOp::Add);
    let msg = err.to_string();
    assert!(
        msg.contains("goto_table:5") || msg.contains("goto"),
        "{msg}"
    );
    assert!(sw.read_flows().await.unwrap().is_empty());
    assert!(dump_lines(&ovs).is_empty());
    // The connection is still good for the next apply.
    let good = pipeline_flows(5, 0);
    converge(&sw, &good).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_bundles_an_invalid_flow_is_named_and_the_rest_is_installed() {
    let Some(Setup {
        sw,
        listener: _listener,
        ovs: _ovs,
    }) = connect(Config {
        use_bundles: false,
        ..Config::default()
    })
    .await
    else {
        return;
    };
    let (d, bad) = bad_batch();
    let err = sw.apply(&d).await.unwrap_err();
    let SwitchError::Rejected {
        rejected,
        rolled_back,
        ..
    } = &err
    else {
        panic!("expected a rejection, got {err}")
    };
    assert!(!rolled_back);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].flow, bad);
    assert_eq!(sw.read_flows().await.unwrap().len(), d.add.len() - 1);
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_switch_is_dropped_after_the_echo_timeout_and_comes_back() {
    let Some(Setup {
        ovs,
        sw,
        listener: _listener,
    }) = connect(Config {
        echo_interval: Duration::from_millis(200),
        echo_timeout: Duration::from_millis(400),
        ..Config::default()
    })
    .await
    else {
        return;
    };
    let mut events = sw.events();
    // Idle but answering: stays up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(sw.is_connected());
    let big = diff(&FlowSet::new(), &pipeline_flows(20_000, 0));
    let vswitchd = ovs.pids()[1];
    signal(vswitchd, "-STOP");
    let started = std::time::Instant::now();
    // An apply of megabytes into a switch that stopped reading fails once the switch is
    // declared dead, instead of hanging.
    let applied = within("the apply to a stopped switch to fail", sw.apply(&big)).await;
    let e = next_event(&mut events, "Disconnected", |e| {
        matches!(e, SwitchEvent::Disconnected(_))
    })
    .await;
    let took = started.elapsed();
    signal(vswitchd, "-CONT");
    assert!(
        matches!(applied, Err(SwitchError::Disconnected { .. })),
        "{applied:?}"
    );
    assert!(matches!(e, SwitchEvent::Disconnected(DPID)));
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(!sw.is_connected());
    assert!(matches!(
        sw.read_flows().await,
        Err(SwitchError::NotConnected { .. })
    ));
    next_event(&mut events, "Connected again", |e| {
        matches!(e, SwitchEvent::Connected(DPID))
    })
    .await;
    sw.barrier().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_vna_restart_the_switch_reconnects_with_its_flows_still_installed() {
    let Some(Setup { ovs, listener, sw }) = connect(Config::default()).await else {
        return;
    };
    let desired = pipeline_flows(100, 0);
    converge(&sw, &desired).await;
    let addr = listener.local_addr();
    let mut events = sw.events();
    // vna goes away: every connection closes with the listener.
    drop(listener);
    next_event(&mut events, "Disconnected", |e| {
        matches!(e, SwitchEvent::Disconnected(DPID))
    })
    .await;
    assert!(matches!(
        sw.apply(&diff(&FlowSet::new(), &desired)).await,
        Err(SwitchError::NotConnected { .. })
    ));
    // fail-mode=secure: the switch keeps its flows while vna is away.
    assert_eq!(dump_lines(&ovs).len(), desired.len());

    // vna comes back on the same address; OVS reconnects by itself.
    let listener = switch::serve(&addr.to_string(), Config::default())
        .await
        .unwrap();
    let sw = listener.switch(DPID);
    within("the switch to reconnect", sw.wait_connected()).await;
    let installed = sw.read_flows().await.unwrap();
    assert!(diff(&installed, &desired).is_empty());
    // Reconciling sends nothing: no flow that is still right is touched.
    let report = sw.reconcile(&desired).await.unwrap();
    assert_eq!(
        (report.added, report.modified, report.deleted, report.bytes),
        (0, 0, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_to_a_listening_switch_and_again_after_it_drops_the_connection() {
    let Some(ovs) = OvsInstance::start() else {
        return;
    };
    // The switch listens on a Unix socket (punix:); vna connects, and keeps trying until the
    // socket exists.
    let socket = ovs.dir().join("br0.vna");
    let listener =
        Listener::connect(&format!("unix:{}", socket.display()), Config::default()).unwrap();
    let sw = listener.switch(DPID);
    ovs.add_bridge("br0", DPID, &format!("punix:{}", socket.display()));
    within("vna to connect to the switch", sw.wait_connected()).await;
    let flows = pipeline_flows(10, 0);
    sw.apply(&diff(&FlowSet::new(), &flows)).await.unwrap();

    // The switch closes the connection (its controller is reconfigured): vna is back within
    // a few reconnect intervals, and the flows stayed.
    let mut events = sw.events();
    ovs.vsctl(&["del-controller", "br0"]);
    next_event(&mut events, "Disconnected", |e| {
        matches!(e, SwitchEvent::Disconnected(_))
    })
    .await;
    let dropped = std::time::Instant::now();
    ovs.vsctl(&[
        "set-controller",
        "br0",
        &format!("punix:{}", socket.display()),
    ]);
    within("vna to connect again", sw.wait_connected()).await;
    assert!(
        dropped.elapsed() < Duration::from_secs(5),
        "reconnected after {:?}",
        dropped.elapsed()
    );
    let read = sw.read_flows().await.unwrap();
    assert_eq!(read.len(), flows.len());
    assert!(
        diff(&read, &flows).is_empty(),
        "the flows changed across the reconnect"
    );
}
