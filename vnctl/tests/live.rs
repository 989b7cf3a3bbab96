//! The built `vnctl` binary against a real vnapi answered by a real vnmgr (both in this test
//! process; vnmgr on a temporary SQLite file, vnapi on 127.0.0.1:0).
//!
//! The original's tutorial (`fixtures/tutorial.vnctl`, with its DHCP and router steps) runs
//! here unchanged as `vnctl batch FILE`, and the objects it makes are checked through
//! `show`; `tutorial.rs` checks the requests it becomes and `routes.rs` that every request
//! vnctl can make is a route vnapi serves.
// Helpers outside #[test] functions may panic: a failed expectation is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

#[path = "support/services.rs"]
mod services;

/// vnmgr and vnapi running on a runtime of their own while the test thread runs `vnctl`.
struct Stack {
    url: String,
    token: Option<String>,
    _services: services::Services,
}

impl Stack {
    fn start(token: Option<&str>) -> Stack {
        let services = services::start(token, None);
        Stack {
            url: services.url.clone(),
            token: token.map(str::to_owned),
            _services: services,
        }
    }

    /// Runs `vnctl ARGS --api URL` with an empty environment (plus the token, if any).
    fn vnctl(&self, args: &[&str]) -> Output {
        self.vnctl_with(args, "", true)
    }

    fn vnctl_with(&self, args: &[&str], stdin: &str, with_token: bool) -> Output {
        let home = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_vnctl"));
        command
            .args(args)
            .args(["--api", &self.url])
            .env_clear()
            .env("HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let (Some(token), true) = (&self.token, with_token) {
            command.env("VNET_API_TOKEN", token);
        }
        let mut child = command.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs a command that must succeed and returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.vnctl(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "vnctl {}: {}{}",
            args.join(" "),
            text(&out.stderr),
            text(&out.stdout)
        );
        text(&out.stdout)
    }

    /// Runs a command with `-o json` that must succeed and returns the parsed body.
    fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.extend(["-o", "json"]);
        let out = self.ok(&args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn network_crud_in_every_output_format() {
    let stack = Stack::start(None);
    let nw = stack.json(&[
        "networks",
        "add",
        "--uuid",
        "nw-live1",
        "--ipv4-network",
        "10.100.0.0",
        "--ipv4_prefix",
        "24",
        "--network-mode",
        "virtual",
        "--display-name",
        "first",
    ]);
    assert_eq!(nw["uuid"], "nw-live1");
    assert_eq!(nw["ipv4_network"], "10.100.0.0");
    assert_eq!(nw["ipv4_prefix"], 24);

    // One object as YAML, the list as a table, the list as JSON.
    let yaml = stack.ok(&["networks", "show", "nw-live1", "-o", "yaml"]);
    assert!(yaml.contains("uuid: nw-live1\n"), "{yaml}");
    assert!(yaml.contains("ipv4_network: \"10.100.0.0\"\n"), "{yaml}");
    assert!(yaml.contains("display_name: first\n"), "{yaml}");
    let table = stack.ok(&["networks", "show"]);
    let mut lines = table.lines();
    assert!(
        lines.next().unwrap().starts_with("UUID"),
        "header in {table}"
    );
    assert!(
        lines.next().unwrap().starts_with("nw-live1  first"),
        "{table}"
    );
    let list = stack.json(&["networks", "show", "--limit", "10", "--offset", "0"]);
    assert_eq!(list["total_count"], 1);
    assert_eq!(list["items"][0]["uuid"], "nw-live1");

    let modified = stack.json(&[
        "networks",
        "modify",
        "nw-live1",
        "--display_name",
        "renamed",
        "--domain-name",
        "example.org",
    ]);
    assert_eq!(modified["display_name"], "renamed");
    assert_eq!(modified["domain_name"], "example.org");

    assert_eq!(stack.ok(&["networks", "del", "nw-live1"]), "nw-live1\n");
    let gone = stack.vnctl(&["networks", "show", "nw-live1"]);
    assert_eq!(gone.status.code(), Some(1));
    let err = text(&gone.stderr);
    assert!(err.starts_with("error 100: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(gone.stdout.is_empty());
}

#[test]
fn datapath_crud_and_documented_errors() {
    let stack = Stack::start(None);
    let dp = stack.json(&[
        "datapaths",
        "add",
        "--uuid",
        "dp-live1",
        "--display-name",
        "test1",
        "--dpid",
        "0x0000aaaaaaaaaaaa",
        "--node-id",
        "vna",
    ]);
    assert_eq!(dp["uuid"], "dp-live1");
    assert_eq!(dp["dpid"], "0x0000aaaaaaaaaaaa");
    let yaml = stack.ok(&["datapaths", "show", "dp-live1", "-o", "yaml"]);
    assert!(yaml.contains("dpid: \"0x0000aaaaaaaaaaaa\"\n"), "{yaml}");
    let table = stack.ok(&["datapaths", "show"]);
    assert_eq!(
        table,
        "UUID      DISPLAY_NAME  DPID                NODE_ID\n\
         dp-live1  test1         0x0000aaaaaaaaaaaa  vna\n"
    );
    let modified = stack.json(&[
        "datapaths",
        "modify",
        "dp-live1",
        "--display-name",
        "renamed",
        "--enable-ovs-learn-action",
    ]);
    assert_eq!(modified["display_name"], "renamed");
    assert_eq!(modified["enable_ovs_learn_action"], true);

    // Errors: one line `error CODE: message`, exit status 1.
    let expect_error = |args: &[&str], code: &str| {
        let out = stack.vnctl(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", args.join(" "));
        assert!(err.starts_with(&format!("error {code}: ")), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    };
    expect_error(&["datapaths", "show", "dp-nosuch"], "100");
    expect_error(&["datapaths", "show", "nw-live1"], "101");
    expect_error(
        &[
            "datapaths",
            "add",
            "--uuid",
            "dp-live1",
            "--display-name",
            "x",
            "--dpid",
            "0x2",
            "--node-id",
            "vna",
        ],
        "102",
    );
    expect_error(
        &[
            "datapaths",
            "add",
            "--display-name",
            "x",
            "--dpid",
            "not-hex",
            "--node-id",
            "vna",
        ],
        "110",
    );

    assert_eq!(
        stack.ok(&["datapaths", "del", "dp-live1", "-o", "json"]),
        "[\n  \"dp-live1\"\n]\n"
    );
    expect_error(&["datapaths", "del", "dp-live1"], "100");
}

#[test]
fn token_from_the_environment_is_sent() {
    let stack = Stack::start(Some("s3cret"));
    let out = stack.vnctl_with(&["networks", "show"], "", false);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("error 401: "),
        "{}",
        text(&out.stderr)
    );
    let list = stack.json(&["networks", "show"]);
    assert_eq!(list["total_count"], 0);
}

/// The original's single-network tutorial with its DHCP and router steps (reference §4), as
/// the documentation writes it.
const TUTORIAL: &str = include_str!("fixtures/tutorial.vnctl");

#[test]
fn the_tutorial_runs_unchanged_as_a_batch_file() {
    let stack = Stack::start(None);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tutorial.vnctl");
    std::fs::write(&file, TUTORIAL).unwrap();
    let out = stack.vnctl(&["batch", file.to_str().unwrap(), "-o", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    let stdout = text(&out.stdout);
    for line in TUTORIAL.lines().filter(|l| l.starts_with("vnctl ")) {
        assert!(stdout.contains(&format!("{line}\n")), "{line} not echoed");
    }

    // The objects it made.
    let dp = stack.json(&["datapaths", "show", "dp-test1"]);
    assert_eq!(
        (&dp["display_name"], &dp["dpid"], &dp["node_id"]),
        (
            &Value::from("test1"),
            &Value::from("0x0000aaaaaaaaaaaa"),
            &Value::from("vna")
        )
    );
    let ranges = stack.json(&["mac_range_groups", "mac_ranges", "show", "mrg-dpg"]);
    assert_eq!(ranges["total_count"], 1, "{ranges}");
    let range = &ranges["items"][0];
    assert_eq!(range["begin_mac_address"], "52:56:01:00:00:00", "{range}");
    assert_eq!(range["end_mac_address"], "52:56:01:ff:ff:ff", "{range}");
    let networks = stack.json(&["networks", "show"]);
    let uuids: Vec<&str> = networks["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["uuid"].as_str())
        .collect();
    assert_eq!(uuids, ["nw-test1", "nw-test2"]);
    for nw in &networks["items"].as_array().unwrap()[..] {
        assert_eq!(nw["ipv4_prefix"], 24);
        assert_eq!(nw["mode"], "virtual");
    }

    // The interfaces, each with its port, MAC lease and IP lease.
    for (uuid, mode, mac, ip, network, port_name) in [
        (
            "if-inst1",
            "vif",
            "10:54:ff:00:00:01",
            "10.100.0.10",
            "nw-test1",
            Some("inst1"),
        ),
        (
            "if-inst2",
            "vif",
            "10:54:ff:00:00:02",
            "10.100.0.11",
            "nw-test1",
            Some("inst2"),
        ),
        (
            "if-dhcp",
            "simulated",
            "02:00:00:00:01:01",
            "10.100.0.2",
            "nw-test1",
            None,
        ),
        (
            "if-rt1",
            "simulated",
            "02:00:10:00:00:01",
            "10.100.0.1",
            "nw-test1",
            None,
        ),
        (
            "if-rt2",
            "simulated",
            "02:00:10:00:00:02",
            "10.200.0.1",
            "nw-test2",
            None,
        ),
    ] {
        let interface = stack.json(&["interfaces", "show", uuid]);
        assert_eq!(interface["mode"], mode, "{interface}");
        assert_eq!(interface["mac_address"], mac, "{interface}");
        assert_eq!(interface["ipv4_address"], ip, "{interface}");
        assert_eq!(interface["network_uuid"], network, "{interface}");
        let leases = &interface["mac_leases"];
        assert_eq!(leases.as_array().map(Vec::len), Some(1), "{interface}");
        assert_eq!(leases[0]["ip_leases"][0]["ipv4_address"], ip, "{interface}");
        assert_eq!(
            interface["enable_routing"],
            uuid.starts_with("if-rt"),
            "{interface}"
        );
        let ports = stack.json(&["interfaces", "ports", "show", uuid]);
        assert_eq!(ports["total_count"], 1, "{ports}");
        let port = &ports["items"][0];
        assert_eq!(port["datapath_id"], dp["id"], "{port}");
        assert_eq!(port["port_name"].as_str(), port_name, "{port}");
        let networks = stack.json(&["interfaces", "networks", "show", uuid]);
        assert_eq!(networks["total_count"], 1, "{networks}");
    }

    // The list table shows each interface's addresses (list items carry the extras).
    let table = stack.ok(&["interfaces", "show"]);
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == [
                    "if-inst1",
                    "vif",
                    "10:54:ff:00:00:01",
                    "10.100.0.10",
                    "nw-test1"
                ]),
        "{table}"
    );
    let table = stack.ok(&["networks", "show"]);
    assert!(
        table.lines().nth(1).unwrap().ends_with("virtual"),
        "{table}"
    );

    // DHCP on if-dhcp.
    let service = stack.json(&["network_services", "show", "ns-dhcp"]);
    assert_eq!(service["mode"], "dhcp", "{service}");
    assert_eq!(service["interface_uuid"], "if-dhcp", "{service}");

    // The router: a route link with its MAC, on dp-test1 through if-rt1, and two routes.
    let link = stack.json(&["route_links", "show", "rl-test1"]);
    assert_eq!(link["mac_address"], "02:00:10:ff:00:01", "{link}");
    let on_dp = stack.json(&["datapaths", "route_links", "show", "dp-test1"]);
    assert_eq!(on_dp["total_count"], 1, "{on_dp}");
    let dp_link = &on_dp["items"][0];
    assert_eq!(dp_link["route_link_id"], link["id"], "{dp_link}");
    let rt1 = stack.json(&["interfaces", "show", "if-rt1"]);
    assert_eq!(dp_link["interface_id"], rt1["id"], "{dp_link}");
    let routes = stack.json(&["routes", "show"]);
    assert_eq!(routes["total_count"], 2, "{routes}");
    for (uuid, interface, network, address) in [
        ("r-test1", "if-rt1", "nw-test1", "10.100.0.0"),
        ("r-test2", "if-rt2", "nw-test2", "10.200.0.0"),
    ] {
        let route = stack.json(&["routes", "show", uuid]);
        assert_eq!(route["interface_uuid"], interface, "{route}");
        assert_eq!(route["network_uuid"], network, "{route}");
        assert_eq!(route["route_link_uuid"], "rl-test1", "{route}");
        assert_eq!(route["ipv4_network"], address, "{route}");
        assert_eq!(route["ipv4_prefix"], 24, "{route}");
    }

    // A failing line stops the batch and names itself.
    let out = stack.vnctl_with(
        &["batch"],
        "networks show nw-test1\nnetworks show nw-nosuch\nnetworks del nw-test1\n",
        true,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("batch line 2: error 100: "), "{err}");
    assert_eq!(stack.json(&["networks", "show"])["total_count"], 2);
}
