//! The private Open vSwitch that the codec's real-switch tests run against: it starts, builds the
//! bridge vna expects, dials the controller with OpenFlow 1.3, forwards frames fed into its
//! ports, and leaves nothing behind. Independent of the codec on purpose, so a broken switch
//! set-up is told apart from a broken codec.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::io::{ErrorKind, Read};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use support::ovs::OvsInstance;

/// An Ethernet frame (broadcast, from a locally administered MAC, an experimental ethertype,
/// padded to the 60-byte minimum) in the hex form `netdev-dummy/receive` takes.
const FRAME_HEX: &str = concat!(
    "ffffffffffff",
    "02000000000a",
    "88b5",
    "000102030405060708090a0b0c0d0e0f1011121314151617",
    "18191a1b1c1d1e1f202122232425262728292a2b2c2d",
);

fn accept_within(listener: &TcpListener, timeout: Duration) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + timeout;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                return stream;
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(10));
            }
            Err(error) => panic!("the bridge did not connect to the controller: {error}"),
        }
    }
}

#[test]
fn bridge_lists_its_ports_and_dials_the_controller_with_openflow13() {
    let Some(ovs) = OvsInstance::start() else {
        return;
    };
    let controller = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("tcp:{}", controller.local_addr().unwrap());

    ovs.add_bridge("br0", 0x1, &target);
    ovs.add_internal_port("br0", "p1", 1);
    ovs.add_internal_port("br0", "p7", 7);

    let show = ovs.ofctl(&["show", &ovs.mgmt_target("br0")]);
    assert!(show.contains("dpid:0000000000000001"), "{show}");
    assert!(show.contains(" 1(p1): addr:"), "{show}");
    assert!(show.contains(" 7(p7): addr:"), "{show}");
    assert!(show.contains(" LOCAL(br0): addr:"), "{show}");

    let mut connection = accept_within(&controller, Duration::from_secs(10));
    connection
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut header = [0u8; 8];
    connection.read_exact(&mut header).unwrap();
    assert_eq!(
        header[0], 0x04,
        "OpenFlow version of the switch's first message"
    );
    assert_eq!(
        header[1], 0,
        "type of the switch's first message (OFPT_HELLO)"
    );
}

#[test]
fn secure_bridge_forwards_only_what_a_flow_allows() {
    let Some(ovs) = OvsInstance::start() else {
        return;
    };
    ovs.add_bridge("br0", 0x2, "");
    ovs.add_internal_port("br0", "p1", 1);
    ovs.add_internal_port("br0", "p2", 2);
    let bridge = ovs.mgmt_target("br0");

    // fail-mode=secure and no flow: the frame is dropped.
    ovs.appctl(&["netdev-dummy/receive", "p1", FRAME_HEX]);
    ovs.ofctl(&["add-flow", &bridge, "in_port=1,actions=output:2"]);
    // The first frame left a "drop" entry in the datapath's flow cache, which the revalidators
    // replace only on their next round; purge it, or the next frame may still be dropped.
    ovs.appctl(&["revalidator/purge"]);
    ovs.appctl(&["netdev-dummy/receive", "p1", FRAME_HEX]);

    let ports = wait_for_ofctl(&ovs, &["dump-ports", &bridge, "2"], "tx pkts=1,");
    assert!(!ports.contains("tx pkts=2,"), "{ports}");
    // Flow counters are pushed from the datapath by the revalidators, every 500 ms.
    ovs.appctl(&["revalidator/wait"]);
    let flows = ovs.ofctl(&["dump-flows", &bridge]);
    assert!(flows.contains("n_packets=1,"), "{flows}");
}

/// Runs an `ovs-ofctl` command until its output contains `expected` (the datapath handles frames
/// on its own thread), and returns that output.
fn wait_for_ofctl(ovs: &OvsInstance, args: &[&str], expected: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let output = ovs.ofctl(args);
        if output.contains(expected) {
            return output;
        }
        assert!(
            Instant::now() < deadline,
            "`ovs-ofctl {}` never showed {expected:?}; last output:\n{output}",
            args.join(" ")
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn instances_with_the_same_bridge_name_run_side_by_side() {
    let (Some(first), Some(second)) = (OvsInstance::start(), OvsInstance::start()) else {
        return;
    };
    first.add_bridge("br0", 0xa, "");
    second.add_bridge("br0", 0xb, "");
    first.add_internal_port("br0", "p1", 1);
    second.add_internal_port("br0", "p1", 1);

    assert_ne!(first.dir(), second.dir());
    let first_show = first.ofctl(&["show", &first.mgmt_target("br0")]);
    let second_show = second.ofctl(&["show", &second.mgmt_target("br0")]);
    assert!(first_show.contains("dpid:000000000000000a"), "{first_show}");
    assert!(
        second_show.contains("dpid:000000000000000b"),
        "{second_show}"
    );
}

#[test]
fn a_taken_ofport_is_reported_not_silently_renumbered() {
    let Some(ovs) = OvsInstance::start() else {
        return;
    };
    ovs.add_bridge("br0", 0x3, "");
    ovs.add_internal_port("br0", "p1", 5);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ovs.add_internal_port("br0", "p2", 5);
    }));
    assert!(
        result.is_err(),
        "a second port asking for OpenFlow port 5 must fail"
    );
}

#[test]
fn dropping_the_instance_stops_its_daemons_and_removes_its_directory() {
    let Some(ovs) = OvsInstance::start() else {
        return;
    };
    ovs.add_bridge("br0", 0x4, "");
    let pids = ovs.pids();
    let dir = ovs.dir().to_path_buf();
    assert_eq!(pids.len(), 2, "ovsdb-server and ovs-vswitchd");
    for pid in &pids {
        assert!(
            Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} runs"
        );
    }

    drop(ovs);

    for pid in &pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} is still there after drop"
        );
    }
    assert!(!dir.exists(), "{} is still there after drop", dir.display());
}
