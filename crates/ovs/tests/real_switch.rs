//! `Vsctl` and `OvsInstance` against a real private ovsdb-server + ovs-vswitchd.
//!
//! The instances run with dummy ports (no root, no namespace, parallel-safe): what is tested
//! here is the database side. Real devices and traffic are the integration harness's business
//! (`tests/` at the repository root).

// A test's helpers fail the test by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::Ipv4Addr;

use ovs::{Change, Error, InstanceConfig, OvsInstance, Tools, instance, pid};

/// A dummy-port instance in a temporary directory, or `None` when the test should skip.
fn start() -> Option<(tempfile::TempDir, OvsInstance)> {
    let tools = Tools::for_tests().expect("Open vSwitch is required")?;
    let dir = tempfile::Builder::new()
        .prefix("vnet-ovs-")
        .tempdir()
        .unwrap();
    let mut config = InstanceConfig::new(dir.path());
    config.dummy_ports = true;
    let ovs = OvsInstance::start(&tools, config).unwrap_or_else(|error| panic!("{error}"));
    Some((dir, ovs))
}

#[test]
fn ensure_bridge_creates_once_and_then_only_fixes_differences() {
    let Some((_dir, ovs)) = start() else { return };
    let vsctl = ovs.vsctl().controller_max_backoff_ms(1000);

    let change = vsctl
        .ensure_bridge("br0", Some(0xaaaa_aaaa_aaaa), "tcp:127.0.0.1:6633")
        .unwrap();
    assert_eq!(change, Change::Created);
    let get = |column: &str| {
        vsctl
            .run(&["get", "bridge", "br0", column])
            .unwrap()
            .trim()
            .to_owned()
    };
    assert_eq!(get("datapath_type"), "netdev");
    assert_eq!(get("protocols"), "[OpenFlow13]");
    assert_eq!(get("fail_mode"), "secure");
    assert_eq!(get("other_config:disable-in-band"), "\"true\"");
    assert_eq!(get("other_config:datapath-id"), "\"0000aaaaaaaaaaaa\"");
    assert_eq!(
        vsctl.run(&["get-controller", "br0"]).unwrap().trim(),
        "tcp:127.0.0.1:6633"
    );
    assert_eq!(
        vsctl
            .run(&["get", "controller", "br0", "max_backoff"])
            .unwrap()
            .trim(),
        "1000"
    );
    // The switch reports the datapath id we asked for.
    let show = ovs.ofctl(&["show", &ovs.mgmt_target("br0")]).unwrap();
    assert!(show.contains("dpid:0000aaaaaaaaaaaa"), "{show}");

    // Same call again: nothing is written.
    let controller_uuid = get("controller");
    assert_eq!(
        vsctl
            .ensure_bridge("br0", Some(0xaaaa_aaaa_aaaa), "tcp:127.0.0.1:6633")
            .unwrap(),
        Change::Unchanged
    );
    assert_eq!(
        get("controller"),
        controller_uuid,
        "the controller record was replaced"
    );

    // Someone loosened the bridge: ensure_bridge puts it back, keeping unrelated settings.
    vsctl
        .run(&[
            "set",
            "bridge",
            "br0",
            "fail_mode=standalone",
            "protocols=OpenFlow10,OpenFlow13",
            "other-config:hwaddr=02:00:00:00:00:aa",
        ])
        .unwrap();
    assert_eq!(
        vsctl
            .ensure_bridge("br0", Some(0xaaaa_aaaa_aaaa), "tcp:127.0.0.1:6633")
            .unwrap(),
        Change::Updated
    );
    assert_eq!(get("fail_mode"), "secure");
    assert_eq!(get("protocols"), "[OpenFlow13]");
    assert_eq!(get("other_config:hwaddr"), "\"02:00:00:00:00:aa\"");
    assert_eq!(get("controller"), controller_uuid);

    // A new controller target replaces the old one; an empty one removes it.
    assert_eq!(
        vsctl
            .ensure_bridge("br0", None, "tcp:127.0.0.1:6653")
            .unwrap(),
        Change::Updated
    );
    assert_eq!(
        vsctl.run(&["get-controller", "br0"]).unwrap().trim(),
        "tcp:127.0.0.1:6653"
    );
    assert_eq!(
        vsctl.ensure_bridge("br0", None, "").unwrap(),
        Change::Updated
    );
    assert_eq!(vsctl.run(&["get-controller", "br0"]).unwrap().trim(), "");
    assert_eq!(
        vsctl.ensure_bridge("br0", None, "").unwrap(),
        Change::Unchanged
    );
}

#[test]
fn gre_ports_are_created_updated_listed_and_deleted() {
    let Some((_dir, ovs)) = start() else { return };
    let vsctl = ovs.vsctl();
    vsctl.ensure_bridge("br0", Some(1), "").unwrap();
    vsctl.ensure_bridge("br1", Some(2), "").unwrap();
    vsctl
        .run(&[
            "add-port",
            "br0",
            "vif1",
            "--",
            "set",
            "interface",
            "vif1",
            "ofport_request=7",
        ])
        .unwrap();
    assert!(vsctl.list_ports("br1").unwrap().is_empty());

    let remote = Ipv4Addr::new(198, 51, 100, 3);
    let local = Ipv4Addr::new(192, 0, 2, 1);
    assert_eq!(
        vsctl.ensure_gre_port("br0", "t-h3", remote, None).unwrap(),
        Change::Created
    );
    assert_eq!(
        vsctl.ensure_gre_port("br0", "t-h3", remote, None).unwrap(),
        Change::Unchanged
    );
    assert_eq!(
        vsctl
            .ensure_gre_port("br0", "t-h3", remote, Some(local))
            .unwrap(),
        Change::Updated
    );

    let ports = vsctl.list_ports("br0").unwrap();
    let names: Vec<&str> = ports.iter().map(|port| port.name.as_str()).collect();
    assert_eq!(
        names,
        ["t-h3", "vif1"],
        "the bridge's own port is not listed"
    );
    let gre = &ports[0];
    assert_eq!(gre.port_type, "gre");
    assert_eq!(gre.options["key"], "flow");
    assert_eq!(gre.options["remote_ip"], "198.51.100.3");
    assert_eq!(gre.options["local_ip"], "192.0.2.1");
    assert!(gre.ofport.is_some(), "{gre:?}");
    assert_eq!(gre.ofport, vsctl.ofport("t-h3").unwrap());
    assert_eq!(vsctl.ofport("vif1").unwrap(), Some(7));
    assert_eq!(vsctl.ofport("nothing").unwrap(), None);

    // Dropping local_ip again removes it, not just leaves it behind.
    assert_eq!(
        vsctl.ensure_gre_port("br0", "t-h3", remote, None).unwrap(),
        Change::Updated
    );
    assert!(
        !vsctl
            .port("t-h3")
            .unwrap()
            .unwrap()
            .options
            .contains_key("local_ip")
    );

    // The same name on another bridge is refused with both bridges named.
    let error = vsctl
        .ensure_gre_port("br1", "t-h3", remote, None)
        .unwrap_err();
    assert!(
        matches!(&error, Error::PortOnOtherBridge { actual, .. } if actual == "br0"),
        "{error}"
    );

    vsctl.delete_port("br0", "t-h3").unwrap();
    vsctl.delete_port("br0", "t-h3").unwrap();
    assert_eq!(vsctl.port("t-h3").unwrap(), None);
    assert_eq!(vsctl.list_ports("br0").unwrap().len(), 1);
}

#[test]
fn failures_name_the_command_and_what_ovs_said() {
    let Some((_dir, ovs)) = start() else { return };
    let error = ovs.vsctl().list_ports("nobr").unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::CommandFailed { .. }), "{message}");
    assert!(message.contains("list-ifaces nobr"), "{message}");
    assert!(message.contains("no bridge named nobr"), "{message}");

    let error = ovs.vsctl().ensure_bridge("br;0", None, "").unwrap_err();
    assert!(matches!(error, Error::InvalidName { .. }), "{error}");
}

#[test]
fn a_detached_instance_outlives_its_handle_and_is_stopped_from_its_directory() {
    let Some(tools) = Tools::for_tests().unwrap() else {
        return;
    };
    let dir = tempfile::Builder::new()
        .prefix("vnet-ovs-")
        .tempdir()
        .unwrap();
    let mut config = InstanceConfig::new(dir.path());
    config.dummy_ports = true;
    config.parent_death_signal = false;
    let ovs = OvsInstance::start(&tools, config).unwrap();
    let pids = ovs.pids();
    assert_eq!(pids.len(), 2);
    let dir_path = ovs.detach();
    assert!(pids.iter().all(|&pid| pid::is_running(pid)));

    instance::stop_detached(&tools, &dir_path).unwrap();
    // `is_running` counts the unreaped zombies of our own children as gone.
    assert!(pids.iter().all(|&pid| !pid::is_running(pid)), "{pids:?}");
    // Twice is fine.
    instance::stop_detached(&tools, &dir_path).unwrap();
}

#[test]
fn dropping_an_instance_stops_its_daemons() {
    let Some((_dir, ovs)) = start() else { return };
    let pids = ovs.pids();
    drop(ovs);
    assert!(pids.iter().all(|&pid| !pid::is_running(pid)), "{pids:?}");
}
