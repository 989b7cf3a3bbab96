//! vnmgr as a process on a temporary SQLite file, driven over RPC: CRUD, relations, events,
//! every error code, bad input leaving the database unchanged, configuration and shutdown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::process::Command;
use std::time::Duration;

use model::{AnyRecord, Table};
use proto::{
    Change, ChangeOp, EventSubscriber, Key, Notice, Op, Reply, RpcClient, RpcError, ServiceCall,
};
use serde_json::{Map, Value, json};
use support::{STEP, Vnmgr, code, obj, snapshot};
use tempfile::TempDir;

fn sqlite(dir: &TempDir) -> String {
    format!("sqlite://{}/db/vnmgr.db?mode=rwc", dir.path().display())
}

fn start() -> (TempDir, Vnmgr) {
    let dir = tempfile::tempdir().unwrap();
    let vnmgr = Vnmgr::start(&sqlite(&dir), dir.path());
    (dir, vnmgr)
}

fn uuid(row: &Value) -> String {
    row["uuid"].as_str().unwrap().to_owned()
}

fn id(row: &Value) -> i64 {
    row["id"].as_i64().unwrap()
}

async fn network(client: &RpcClient, uuid: &str, net: &str) -> Value {
    client
        .create(
            Table::Networks,
            json!({"uuid": uuid, "ipv4_network": net, "display_name": uuid}),
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crud_on_networks_and_their_addresses() {
    let (_dir, vnmgr) = start();
    let client = vnmgr.client();
    client.ping().await.unwrap();

    // Create with the original's defaults filled in.
    let nw = client
        .create(Table::Networks, json!({"ipv4_network": "10.1.0.0"}))
        .await
        .unwrap();
    let nw_uuid = uuid(&nw);
    assert!(nw_uuid.starts_with("nw-") && nw_uuid.len() == 11, "{nw}");
    assert_eq!(nw["ipv4_prefix"], 24);
    assert_eq!(nw["mode"], "virtual");
    assert_eq!(nw["domain_name"], nw_uuid.as_str());
    assert!(nw["created_at"].as_i64().unwrap() > 1_600_000_000);

    // Show by uuid and by id.
    let by_uuid = client
        .show(Table::Networks, Key::Uuid(nw_uuid.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(by_uuid, nw);
    let by_id = client
        .show(Table::Networks, Key::Id(id(&nw)))
        .await
        .unwrap();
    assert_eq!(by_id, nw);

    // A client-chosen uuid; a reference given by uuid.
    let nw2 = network(&client, "nw-second", "10.2.0.0").await;
    let ip = client
        .create(
            Table::IpAddresses,
            json!({"network_uuid": "nw-second", "ipv4_address": "10.2.0.5"}),
        )
        .await
        .unwrap();
    assert_eq!(ip["network_id"], nw2["id"]);

    // List with a filter, limit and offset.
    for n in 3..8 {
        network(&client, &format!("nw-n{n}"), &format!("10.{n}.0.0")).await;
    }
    let page = client
        .list(Table::Networks, vec![], Some(3), 2)
        .await
        .unwrap();
    assert_eq!(page.total, 7);
    assert_eq!((page.offset, page.limit, page.items.len()), (2, 3, 3));
    let page = client
        .list(
            Table::Networks,
            vec![("ipv4_network".into(), json!("10.5.0.0"))],
            None,
            0,
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0]["uuid"], "nw-n5");
    assert_eq!(page.limit, 30);

    // Update merges the fields; the rest stays.
    let updated = client
        .update(
            Table::Networks,
            Key::Uuid("nw-second".parse().unwrap()),
            obj(json!({"display_name": "renamed"})),
        )
        .await
        .unwrap();
    assert_eq!(updated["display_name"], "renamed");
    assert_eq!(updated["ipv4_network"], nw2["ipv4_network"]);
    assert_eq!(updated["created_at"], nw2["created_at"]);

    // Delete cascades to the network's addresses and returns every deleted key, target first.
    let keys = client
        .delete(Table::Networks, Key::Uuid("nw-second".parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(
        keys,
        vec![Key::Uuid("nw-second".parse().unwrap()), Key::Id(id(&ip))]
    );
    assert_eq!(
        code(client.show(Table::IpAddresses, Key::Id(id(&ip))).await),
        100
    );
    // The uuid can be used again once its row is deleted.
    network(&client, "nw-second", "10.2.0.0").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relations_are_created_found_and_removed() {
    let (_dir, vnmgr) = start();
    let client = vnmgr.client();
    network(&client, "nw-a", "10.0.0.0").await;
    client
        .create(Table::Interfaces, json!({"uuid": "if-a", "mode": "vif"}))
        .await
        .unwrap();
    let fields = obj(json!({"interface_uuid": "if-a", "network_uuid": "nw-a", "static": true}));
    let rel = client
        .relate(Table::InterfaceNetworks, fields.clone())
        .await
        .unwrap();
    assert_eq!(rel["static"], true);
    // The same association again: 112.
    assert_eq!(
        code(client.relate(Table::InterfaceNetworks, fields).await),
        112
    );
    // Relate is for association tables only.
    assert_eq!(
        code(
            client
                .relate(Table::Networks, obj(json!({"ipv4_network": "10.9.0.0"})))
                .await
        ),
        110
    );
    let keys = client
        .unrelate(
            Table::InterfaceNetworks,
            obj(json!({"interface_uuid": "if-a", "network_uuid": "nw-a"})),
        )
        .await
        .unwrap();
    assert_eq!(keys, vec![Key::Id(id(&rel))]);
    // Nothing left to remove: 114.
    assert_eq!(
        code(
            client
                .unrelate(
                    Table::InterfaceNetworks,
                    obj(json!({"interface_uuid": "if-a", "network_uuid": "nw-a"})),
                )
                .await
        ),
        114
    );
    // An interface port takes the interface's mode when none is given.
    let port = client
        .create(
            Table::InterfacePorts,
            json!({"interface_uuid": "if-a", "port_name": "tap0"}),
        )
        .await
        .unwrap();
    assert_eq!(port["interface_mode"], "vif");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_committed_change_is_one_event_in_sequence() {
    let (_dir, vnmgr) = start();
    let client = vnmgr.client();
    let mut events = EventSubscriber::<AnyRecord>::connect(&vnmgr.events)
        .await
        .unwrap();
    assert!(events.subscribed().await);
    // Wait for a heartbeat so the subscription is known to be live.
    let first = tokio::time::timeout(STEP, events.recv())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let (epoch, seq0) = first.position();
    assert_eq!(seq0, 0);

    network(&client, "nw-ev", "10.0.0.0").await;
    client
        .create(
            Table::IpAddresses,
            json!({"network_uuid": "nw-ev", "ipv4_address": "10.0.0.9"}),
        )
        .await
        .unwrap();
    // A failing request publishes nothing.
    assert_eq!(
        code(
            client
                .create(
                    Table::Networks,
                    json!({"uuid": "nw-ev", "ipv4_network": "10.0.0.0"})
                )
                .await
        ),
        102
    );
    client
        .delete(Table::Networks, Key::Uuid("nw-ev".parse().unwrap()))
        .await
        .unwrap();

    let mut got = Vec::new();
    while got.len() < 3 {
        let notice = tokio::time::timeout(STEP, events.recv())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Notice::Event(e) = notice {
            got.push(e);
        }
    }
    assert_eq!(
        got.iter().map(|e| (e.epoch, e.seq)).collect::<Vec<_>>(),
        vec![(epoch, 1), (epoch, 2), (epoch, 3)]
    );
    assert_eq!(got[0].kind, "network_created_item");
    assert_eq!(got[0].changes.len(), 1);
    assert_eq!(got[0].changes[0].op, ChangeOp::Created);
    assert_eq!(got[2].kind, "network_deleted_item");
    let deleted: Vec<(ChangeOp, Table)> = got[2]
        .changes
        .iter()
        .map(|c| (c.op, c.row.table()))
        .collect();
    assert_eq!(
        deleted,
        vec![
            (ChangeOp::Deleted, Table::IpAddresses),
            (ChangeOp::Deleted, Table::Networks)
        ]
    );
    let snap = snapshot(&client).await;
    assert_eq!((snap.epoch, snap.seq), (epoch, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_code() {
    let (_dir, vnmgr) = start();
    let client = vnmgr.client();
    network(&client, "nw-a", "10.0.0.0").await;

    // 100: unknown uuid / id.
    assert_eq!(
        code(
            client
                .show(Table::Networks, Key::Uuid("nw-nothere".parse().unwrap()))
                .await
        ),
        100
    );
    assert_eq!(code(client.show(Table::Networks, Key::Id(999)).await), 100);
    // 101: malformed uuid, uuid of another kind.
    assert_eq!(
        code(
            client
                .create(
                    Table::Networks,
                    json!({"uuid": "nw-NOT_OK", "ipv4_network": "10.1.0.0"})
                )
                .await
        ),
        101
    );
    assert_eq!(
        code(
            client
                .create(
                    Table::Networks,
                    json!({"uuid": "if-abc", "ipv4_network": "10.1.0.0"})
                )
                .await
        ),
        101
    );
    assert_eq!(
        code(
            client
                .show(Table::Networks, Key::Uuid("if-abc".parse().unwrap()))
                .await
        ),
        101
    );
    // 102: duplicate uuid.
    assert_eq!(
        code(
            client
                .create(
                    Table::Networks,
                    json!({"uuid": "nw-a", "ipv4_network": "10.1.0.0"})
                )
                .await
        ),
        102
    );
    // 110: bad values, fields vnmgr owns, unknown fields.
    let e = client
        .create(
            Table::Networks,
            json!({"ipv4_network": "10.1.0.0", "ipv4_prefix": 33}),
        )
        .await
        .unwrap_err();
    let proto::RpcError::Api(e) = e else { panic!() };
    assert_eq!(e.code, 110);
    assert!(
        e.message.starts_with("ipv4_prefix: invalid value \"33\""),
        "{e}"
    );
    for field in ["id", "uuid", "created_at", "updated_at", "deleted_at"] {
        let e = client
            .update(
                Table::Networks,
                Key::Uuid("nw-a".parse().unwrap()),
                obj(json!({ field: 5 })),
            )
            .await
            .unwrap_err();
        let proto::RpcError::Api(e) = e else { panic!() };
        assert_eq!(e.code, 110, "{field}: {e}");
        assert!(e.message.starts_with(&format!("{field}: ")), "{e}");
    }
    let e = client
        .create(
            Table::Networks,
            json!({"ipv4_network": "10.1.0.0", "colour": "blue"}),
        )
        .await
        .unwrap_err();
    let proto::RpcError::Api(e) = e else { panic!() };
    assert_eq!(e.code, 110);
    assert!(e.message.starts_with("colour: "), "{e}");
    // 111: a required field is missing.
    let e = client
        .create(Table::Interfaces, json!({"display_name": "x"}))
        .await
        .unwrap_err();
    let proto::RpcError::Api(e) = e else { panic!() };
    assert_eq!(
        (e.code, e.message.as_str()),
        (111, "mode: missing required argument")
    );
    // 113: a delete another row restricts.
    let iprg = client
        .create(Table::IpRangeGroups, json!({"uuid": "iprg-a"}))
        .await
        .unwrap();
    client
        .create(Table::LeasePolicies, json!({"uuid": "lp-a"}))
        .await
        .unwrap();
    client
        .relate(
            Table::LeasePolicyBaseNetworks,
            obj(json!({"lease_policy_uuid": "lp-a", "network_uuid": "nw-a", "ip_range_group_uuid": "iprg-a"})),
        )
        .await
        .unwrap();
    assert_eq!(
        code(
            client
                .delete(Table::IpRangeGroups, Key::Id(id(&iprg)))
                .await
        ),
        113
    );
    // 114: unrelate of nothing.
    assert_eq!(
        code(
            client
                .unrelate(
                    Table::InterfaceNetworks,
                    obj(json!({"interface_id": 1, "network_id": 1}))
                )
                .await
        ),
        114
    );
    // Garbage in a list filter is 110, not a failure.
    assert_eq!(
        code(
            client
                .list(Table::Networks, vec![("nope".into(), json!(1))], None, 0)
                .await
        ),
        110
    );
}

/// One bad request: what it is, and the code it must get.
struct Bad {
    what: &'static str,
    table: Table,
    row: Value,
    code: u16,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_its_code_and_changes_nothing() {
    let (_dir, vnmgr) = start();
    let client = vnmgr.client();
    network(&client, "nw-a", "10.0.0.0").await;
    client
        .create(Table::Interfaces, json!({"uuid": "if-a", "mode": "vif"}))
        .await
        .unwrap();
    client
        .create(
            Table::MacAddresses,
            json!({"uuid": "mac-a", "mac_address": "52:54:00:00:00:01"}),
        )
        .await
        .unwrap();
    client
        .create(
            Table::Datapaths,
            json!({"uuid": "dp-a", "display_name": "dp", "dpid": "0x1", "node_id": "vna1"}),
        )
        .await
        .unwrap();
    client
        .create(
            Table::NetworkServices,
            json!({"uuid": "ns-dhcp", "mode": "dhcp"}),
        )
        .await
        .unwrap();
    client
        .create(
            Table::Topologies,
            json!({"uuid": "topo-o", "mode": "simple_overlay"}),
        )
        .await
        .unwrap();

    let cases = [
        Bad {
            what: "network without address",
            table: Table::Networks,
            row: json!({}),
            code: 111,
        },
        Bad {
            what: "network with host bits",
            table: Table::Networks,
            row: json!({"ipv4_network": "10.0.0.1"}),
            code: 110,
        },
        Bad {
            what: "network prefix 0",
            table: Table::Networks,
            row: json!({"ipv4_network": "10.0.0.0", "ipv4_prefix": 0}),
            code: 110,
        },
        Bad {
            what: "network bad mode",
            table: Table::Networks,
            row: json!({"ipv4_network": "10.0.0.0", "mode": "warp"}),
            code: 110,
        },
        Bad {
            what: "network bad uuid",
            table: Table::Networks,
            row: json!({"uuid": "nw-", "ipv4_network": "10.0.0.0"}),
            code: 101,
        },
        Bad {
            what: "network duplicate",
            table: Table::Networks,
            row: json!({"uuid": "nw-a", "ipv4_network": "10.0.0.0"}),
            code: 102,
        },
        Bad {
            what: "network on unknown segment",
            table: Table::Networks,
            row: json!({"ipv4_network": "10.0.0.0", "segment_uuid": "seg-none"}),
            code: 100,
        },
        Bad {
            what: "network not an object",
            table: Table::Networks,
            row: json!([1, 2]),
            code: 110,
        },
        Bad {
            what: "address outside subnet",
            table: Table::IpAddresses,
            row: json!({"network_uuid": "nw-a", "ipv4_address": "10.0.1.1"}),
            code: 110,
        },
        Bad {
            what: "address not an address",
            table: Table::IpAddresses,
            row: json!({"network_uuid": "nw-a", "ipv4_address": "10.0.0.256"}),
            code: 110,
        },
        Bad {
            what: "address dangling network id",
            table: Table::IpAddresses,
            row: json!({"network_id": 4242, "ipv4_address": "10.0.0.1"}),
            code: 100,
        },
        Bad {
            what: "address bad network uuid",
            table: Table::IpAddresses,
            row: json!({"network_uuid": "if-a", "ipv4_address": "10.0.0.1"}),
            code: 101,
        },
        Bad {
            what: "address missing",
            table: Table::IpAddresses,
            row: json!({"network_uuid": "nw-a"}),
            code: 111,
        },
        Bad {
            what: "interface bad mode",
            table: Table::Interfaces,
            row: json!({"mode": "tunnel"}),
            code: 110,
        },
        Bad {
            what: "interface duplicate",
            table: Table::Interfaces,
            row: json!({"uuid": "if-a", "mode": "vif"}),
            code: 102,
        },
        Bad {
            what: "mac duplicate address",
            table: Table::MacAddresses,
            row: json!({"mac_address": "52:54:00:00:00:01"}),
            code: 110,
        },
        Bad {
            what: "mac multicast",
            table: Table::MacAddresses,
            row: json!({"mac_address": "01:00:5e:00:00:01"}),
            code: 110,
        },
        Bad {
            what: "mac garbage",
            table: Table::MacAddresses,
            row: json!({"mac_address": "zz"}),
            code: 110,
        },
        Bad {
            what: "datapath empty name",
            table: Table::Datapaths,
            row: json!({"display_name": " ", "dpid": "0x2", "node_id": "vna1"}),
            code: 110,
        },
        Bad {
            what: "datapath duplicate dpid",
            table: Table::Datapaths,
            row: json!({"display_name": "x", "dpid": "0x1", "node_id": "vna1"}),
            code: 110,
        },
        Bad {
            what: "datapath missing dpid",
            table: Table::Datapaths,
            row: json!({"display_name": "x", "node_id": "vna1"}),
            code: 111,
        },
        Bad {
            what: "route prefix 33",
            table: Table::Routes,
            row: json!({"network_uuid": "nw-a", "route_link_id": 1, "ipv4_network": "0.0.0.0", "ipv4_prefix": 33}),
            code: 110,
        },
        Bad {
            what: "route dangling route link",
            table: Table::Routes,
            row: json!({"network_uuid": "nw-a", "route_link_id": 77, "ipv4_network": "0.0.0.0", "ipv4_prefix": 0}),
            code: 100,
        },
        Bad {
            what: "dns on a dhcp service",
            table: Table::DnsServices,
            row: json!({"network_service_uuid": "ns-dhcp"}),
            code: 110,
        },
        Bad {
            what: "dns bad public dns",
            table: Table::DnsServices,
            row: json!({"network_service_uuid": "ns-dhcp", "public_dns": "8.8.8"}),
            code: 110,
        },
        Bad {
            what: "ip range reversed",
            table: Table::IpRanges,
            row: json!({"ip_range_group_id": 1, "begin_ipv4_address": "10.0.0.9", "end_ipv4_address": "10.0.0.1"}),
            code: 110,
        },
        Bad {
            what: "topology datapath with a dangling lease",
            table: Table::TopologyDatapaths,
            row: json!({"topology_uuid": "topo-o", "datapath_uuid": "dp-a", "interface_uuid": "if-a", "ip_lease_id": 1}),
            code: 100,
        },
        Bad {
            what: "retention negative",
            table: Table::IpRetentionContainers,
            row: json!({"lease_time": -1}),
            code: 110,
        },
        Bad {
            what: "security group bad rule",
            table: Table::SecurityGroups,
            row: json!({"display_name": "sg", "rules": "tcp:99999:0.0.0.0/0"}),
            code: 110,
        },
    ];
    let before = snapshot(&client).await;
    for case in &cases {
        let got = code(client.create(case.table, case.row.clone()).await);
        assert_eq!(got, case.code, "{}", case.what);
    }
    // Updates: bad values, references and system fields.
    let updates = [
        (Table::Networks, "nw-a", json!({"ipv4_prefix": 40}), 110),
        (
            Table::Networks,
            "nw-a",
            json!({"ipv4_network": "nonsense"}),
            110,
        ),
        (Table::Networks, "nw-a", json!({"segment_id": 999}), 100),
        (Table::Networks, "nw-a", json!({"uuid": "nw-b"}), 110),
        (Table::Networks, "nw-a", json!({"mode": null}), 111),
        (Table::Interfaces, "if-a", json!({"mode": "nope"}), 110),
        (
            Table::MacAddresses,
            "mac-a",
            json!({"mac_address": "ff:ff:ff:ff:ff:ff"}),
            110,
        ),
        (Table::Datapaths, "dp-a", json!({"node_id": ""}), 110),
    ];
    for (table, key, fields, expected) in updates {
        let got = code(
            client
                .update(table, Key::Uuid(key.parse().unwrap()), obj(fields.clone()))
                .await,
        );
        assert_eq!(got, expected, "update {table} {key} {fields}");
    }
    let after = snapshot(&client).await;
    assert_eq!((after.epoch, after.seq), (before.epoch, before.seq));
    assert_eq!(after.rows, before.rows);
}

#[test]
fn unknown_config_keys_stop_vnmgr_with_the_key_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vnmgr.toml");
    std::fs::write(
        &config,
        "database_url = \"sqlite::memory:\"\nrpc_endpiont = \"x\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vnmgr"))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rpc_endpiont"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_configures_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vnmgr.toml");
    // The file names a database; the environment overrides it; the flag overrides both
    // endpoints. Unique ports come from the flags (port 0).
    std::fs::write(
        &config,
        "database_url = \"sqlite:///proc/vnmgr-must-not-open-this.db\"\nnode_id = \"from-file\"\n",
    )
    .unwrap();
    let db = sqlite(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_vnmgr"))
        .arg("--config")
        .arg(&config)
        .args([
            "--rpc-endpoint",
            "tcp://127.0.0.1:0",
            "--event-endpoint",
            "tcp://127.0.0.1:0",
        ])
        .env("VNMGR_DATABASE_URL", &db)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    assert!(
        line.starts_with("vnmgr ready rpc=tcp://127.0.0.1:"),
        "{line}"
    );
    assert!(dir.path().join("db/vnmgr.db").exists());
    let rpc = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("rpc="))
        .unwrap()
        .to_owned();
    let client = RpcClient::new(&rpc, STEP);
    client.ping().await.unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + STEP;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("vnmgr stopped"), "{stderr}");
    assert!(stderr.contains("from-file"), "{stderr}");
}

/// A service call over RPC: the created rows come back and reach subscribers in one event.
async fn call(
    client: &RpcClient,
    call: ServiceCall,
) -> Result<(Value, Vec<Change<AnyRecord>>), RpcError> {
    match client.call(Op::Call(call)).await? {
        Reply::Called { row, changes } => {
            let changes = changes
                .into_iter()
                .map(|c| Change {
                    op: c.op,
                    row: serde_json::from_value(c.row).unwrap(),
                })
                .collect();
            Ok((row, changes))
        }
        other => panic!("unexpected reply {}", other.name()),
    }
}

fn key(uuid: &str) -> Key {
    Key::Uuid(uuid.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_policies_allocate_attach_and_release_over_rpc() {
    let (_dir, vnmgr) = start();
    let client = vnmgr.client();
    network(&client, "nw-lp", "10.1.0.0").await;
    for (table, row) in [
        (Table::IpRangeGroups, json!({"uuid": "iprg-lp"})),
        (
            Table::IpRanges,
            json!({"ip_range_group_uuid": "iprg-lp", "begin_ipv4_address": "10.1.0.10", "end_ipv4_address": "10.1.0.11"}),
        ),
        (Table::LeasePolicies, json!({"uuid": "lp-a"})),
        (Table::IpLeaseContainers, json!({"uuid": "ilc-a"})),
        (Table::Interfaces, json!({"uuid": "if-a", "mode": "vif"})),
        (
            Table::MacAddresses,
            json!({"uuid": "mac-a", "mac_address": "52:54:00:00:00:0a"}),
        ),
        (
            Table::MacLeases,
            json!({"uuid": "ml-a", "interface_uuid": "if-a", "mac_address_uuid": "mac-a"}),
        ),
    ] {
        client.create(table, row).await.unwrap();
    }
    for (table, row) in [
        (
            Table::LeasePolicyBaseNetworks,
            json!({"lease_policy_uuid": "lp-a", "network_uuid": "nw-lp", "ip_range_group_uuid": "iprg-lp"}),
        ),
        (
            Table::LeasePolicyIpLeaseContainers,
            json!({"lease_policy_uuid": "lp-a", "ip_lease_container_uuid": "ilc-a"}),
        ),
    ] {
        client.relate(table, obj(row)).await.unwrap();
    }
    let allocate = ServiceCall::AllocateLease {
        lease_policy: key("lp-a"),
        interface: key("if-a"),
    };

    // Success: an address from the range, on the interface, in the container; one event.
    let before = snapshot(&client).await;
    let (lease, changes) = call(&client, allocate.clone()).await.unwrap();
    assert!(uuid(&lease).starts_with("il-"), "{lease}");
    let interface_id = id(&client.show(Table::Interfaces, key("if-a")).await.unwrap());
    assert_eq!(lease["interface_id"], json!(interface_id));
    let created: Vec<Table> = changes
        .iter()
        .filter(|c| c.op == ChangeOp::Created)
        .map(|c| c.row.table())
        .collect();
    for table in [
        Table::IpAddresses,
        Table::IpLeases,
        Table::IpLeaseContainerIpLeases,
    ] {
        assert!(created.contains(&table), "{table} not in {created:?}");
    }
    let address = changes.iter().find_map(|c| match &c.row {
        AnyRecord::IpAddress(a) => Some(a.ipv4_address.to_string()),
        _ => None,
    });
    assert_eq!(address.as_deref(), Some("10.1.0.10"));
    let after = snapshot(&client).await;
    assert_eq!(after.seq, before.seq + 1, "one call, one event");
    call(&client, allocate.clone()).await.unwrap();

    // The policy is exhausted: 110 naming the policy, nothing written.
    let full = snapshot(&client).await;
    let err = call(&client, allocate.clone()).await.unwrap_err();
    assert_eq!(code(Err::<(), _>(err)), 110);
    let err = call(&client, allocate).await.unwrap_err();
    assert!(err.to_string().contains("no free address"), "{err}");

    // Unknown and malformed names: 100 and 101, nothing written.
    for (lease_policy, interface, expected) in [
        (key("lp-none"), key("if-a"), 100),
        (key("lp-a"), key("if-none"), 100),
        (Key::Id(4242), key("if-a"), 100),
        (key("lp-a"), key("nw-lp"), 101),
    ] {
        let got = code(
            call(
                &client,
                ServiceCall::AllocateLease {
                    lease_policy: lease_policy.clone(),
                    interface: interface.clone(),
                },
            )
            .await,
        );
        assert_eq!(got, expected, "{lease_policy} {interface}");
    }
    let lease_key = Key::Uuid(uuid(&lease).parse().unwrap());
    for (bad, expected) in [
        (
            ServiceCall::AttachLease {
                ip_lease: lease_key.clone(),
                interface: None,
                mac_lease: None,
            },
            111,
        ),
        (
            ServiceCall::AttachLease {
                ip_lease: key("il-none"),
                interface: Some(key("if-a")),
                mac_lease: None,
            },
            100,
        ),
        (
            ServiceCall::ReleaseLease {
                ip_lease: key("ml-a"),
            },
            101,
        ),
    ] {
        assert_eq!(code(call(&client, bad.clone()).await), expected, "{bad:?}");
    }
    let unchanged = snapshot(&client).await;
    assert_eq!((unchanged.epoch, unchanged.seq), (full.epoch, full.seq));
    assert_eq!(unchanged.rows, full.rows);

    // Release detaches the lease (the address stays); attach puts it back on the MAC lease.
    let (released, _) = call(
        &client,
        ServiceCall::ReleaseLease {
            ip_lease: lease_key.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(released["interface_id"], Value::Null);
    assert_eq!(released["mac_lease_id"], Value::Null);
    assert_eq!(released["ip_address_id"], lease["ip_address_id"]);
    let (attached, changes) = call(
        &client,
        ServiceCall::AttachLease {
            ip_lease: lease_key,
            interface: Some(key("if-a")),
            mac_lease: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(attached["interface_id"], json!(interface_id));
    assert_eq!(attached["mac_lease_id"], lease["mac_lease_id"]);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].op, ChangeOp::Updated);
}

/// Columns a create may leave out although they are NOT NULL: the defaults of control-plane.md
/// §6, what the services fill in, and what vnmgr sets itself.
fn has_default(table: Table, column: &str) -> bool {
    const ANY_TABLE: &[&str] = &["id", "uuid", "created_at", "updated_at", "deleted_at"];
    let defaults: &[&str] = match table {
        Table::Networks => &["ipv4_prefix", "mode", "display_name", "domain_name"],
        Table::Routes => &["mode", "ipv4_prefix"],
        Table::IpRangeGroups | Table::MacRangeGroups => &["allocation_type"],
        Table::LeasePolicies => &["mode", "timing"],
        Table::SecurityGroups => &["rules"],
        Table::Filters | Table::Translations => &["mode"],
        Table::FilterStatics => &["src_prefix", "dst_prefix"],
        Table::InterfacePorts => &["interface_mode"],
        Table::DatapathNetworks | Table::DatapathSegments | Table::DatapathRouteLinks => {
            &["mac_address_id"]
        }
        Table::TopologyDatapaths => &["ip_lease_id"],
        _ => &[],
    };
    ANY_TABLE.contains(&column) || defaults.contains(&column)
}

/// A value of the right JSON type that is out of range for `column`, if it is a prefix, a
/// port or an address.
fn out_of_range(column: &model::Column) -> Option<Value> {
    match column.ty {
        model::ColumnType::Ipv4 => Some(json!("10.0.0.256")),
        model::ColumnType::Int if column.name.contains("prefix") => Some(json!(300)),
        model::ColumnType::Int if column.name.contains("port") => Some(json!(-1)),
        _ => None,
    }
}

/// The bad-input matrix for every table: a missing required field (111 naming it), a
/// malformed or wrong-kind uuid (101), a dangling reference given by uuid on create and by id on
/// update (100), out-of-range prefixes, ports and addresses (110), a duplicate uuid (102) and
/// vnmgr-owned fields (110); the database is unchanged after all of them. Duplicates and updates
/// need an existing row, so they run on every table the fixture fills (the tables vna writes,
/// `active_*` and `tunnels`, included: vnmgr validates them like any other).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_refuses_bad_input_and_changes_nothing() {
    use store::relations::RELATIONS;

    let (_dir, vnmgr) = start();
    let client = vnmgr.client();
    network(&client, "nw-f", "10.2.0.0").await;
    for (table, row) in [
        (Table::Segments, json!({"uuid": "seg-f", "mode": "virtual"})),
        (Table::IpRangeGroups, json!({"uuid": "iprg-f"})),
        (
            Table::IpRanges,
            json!({"uuid": "ipr-f", "ip_range_group_uuid": "iprg-f", "begin_ipv4_address": "10.2.0.10", "end_ipv4_address": "10.2.0.20"}),
        ),
        (Table::LeasePolicies, json!({"uuid": "lp-f"})),
        (Table::IpLeaseContainers, json!({"uuid": "ilc-f"})),
        (Table::IpRetentionContainers, json!({"uuid": "irc-f"})),
        (Table::Interfaces, json!({"uuid": "if-f", "mode": "vif"})),
        (
            Table::MacAddresses,
            json!({"uuid": "mac-f", "mac_address": "52:54:00:00:00:0f"}),
        ),
        (
            Table::MacLeases,
            json!({"uuid": "ml-f", "interface_uuid": "if-f", "mac_address_uuid": "mac-f"}),
        ),
        (
            Table::IpAddresses,
            json!({"network_uuid": "nw-f", "ipv4_address": "10.2.0.5"}),
        ),
        (
            Table::Datapaths,
            json!({"uuid": "dp-f", "display_name": "dp", "dpid": "0xf", "node_id": "vna1"}),
        ),
        (
            Table::NetworkServices,
            json!({"uuid": "ns-f", "mode": "dns", "interface_uuid": "if-f"}),
        ),
        (
            Table::Topologies,
            json!({"uuid": "topo-f", "mode": "simple_overlay"}),
        ),
        (Table::MacRangeGroups, json!({"uuid": "mrg-f"})),
        (
            Table::SecurityGroups,
            json!({"uuid": "sg-f", "display_name": "sg", "rules": "tcp:22:10.0.0.0/24"}),
        ),
        (
            Table::Filters,
            json!({"uuid": "fil-f", "interface_uuid": "if-f"}),
        ),
        (
            Table::Translations,
            json!({"uuid": "tr-f", "interface_uuid": "if-f"}),
        ),
        (
            Table::InterfacePorts,
            json!({"interface_uuid": "if-f", "datapath_uuid": "dp-f", "port_name": "tap-f"}),
        ),
        (
            Table::InterfaceNetworks,
            json!({"interface_uuid": "if-f", "network_uuid": "nw-f"}),
        ),
    ] {
        let what = format!("fixture {table} {row}");
        client.create(table, row).await.expect(&what);
    }
    client
        .call(Op::Call(ServiceCall::AllocateLease {
            lease_policy: key("lp-f"),
            interface: key("if-f"),
        }))
        .await
        .expect_err("no base network yet");
    let fixture = snapshot(&client).await;
    let mut checked = 0;

    for &table in Table::ALL {
        let columns = table.columns();
        let mut creates: Vec<(String, Value, u16)> = Vec::new();
        // A missing required field.
        let required: Vec<&str> = columns
            .iter()
            .filter(|c| !c.nullable && c.ty != model::ColumnType::Bool)
            .map(|c| c.name)
            .filter(|name| !has_default(table, name))
            .collect();
        if !required.is_empty() {
            creates.push(("nothing".into(), json!({}), 111));
        }
        // Bad uuids.
        if let Some(kind) = table.resource_kind() {
            let other = if kind == model::ResourceKind::Network {
                "if-abc"
            } else {
                "nw-abc"
            };
            creates.push((
                "empty suffix".into(),
                json!({"uuid": format!("{}-", kind.prefix())}),
                101,
            ));
            creates.push(("another kind".into(), json!({"uuid": other}), 101));
            creates.push(("not a string".into(), json!({"uuid": 7}), 101));
        }
        // Dangling references, by uuid, and references by a malformed uuid.
        for relation in RELATIONS.iter().filter(|r| r.child == table) {
            let Some(parent) = relation.parent.resource_kind() else {
                continue;
            };
            let Some(stem) = relation.fk.strip_suffix("_id") else {
                continue;
            };
            let alias = format!("{stem}_uuid");
            let mut row = Map::new();
            row.insert(
                alias.clone(),
                json!(format!("{}-zzzz9999", parent.prefix())),
            );
            creates.push((format!("dangling {alias}"), Value::Object(row), 100));
            let mut row = Map::new();
            row.insert(alias.clone(), json!("???"));
            creates.push((format!("malformed {alias}"), Value::Object(row), 101));
        }
        // Out-of-range prefixes, ports and addresses; fields vnmgr owns.
        for column in columns {
            if let Some(bad) = out_of_range(column) {
                let mut row = Map::new();
                row.insert(column.name.to_owned(), bad);
                creates.push((
                    format!("{} out of range", column.name),
                    Value::Object(row),
                    110,
                ));
            }
        }
        creates.push(("an id".into(), json!({"id": 5}), 110));
        creates.push(("an unknown field".into(), json!({"colour": "red"}), 110));

        // On an existing row: a duplicate uuid, and bad updates.
        let existing = fixture.rows.iter().find(|r| r.table() == table);
        let mut updates: Vec<(String, Key, Value, u16)> = Vec::new();
        if let Some(row) = existing {
            let Value::Object(mut fields) = serde_json::to_value(row).unwrap()["row"].take() else {
                panic!("{table}: row is not an object");
            };
            let row_key = match fields.get("uuid").and_then(Value::as_str) {
                Some(u) => Key::Uuid(u.parse().unwrap()),
                None => Key::Id(fields["id"].as_i64().unwrap()),
            };
            for name in ["id", "created_at", "updated_at", "deleted_at", "is_deleted"] {
                fields.remove(name);
            }
            if table.resource_kind().is_some() {
                creates.push((
                    "a duplicate uuid".into(),
                    Value::Object(fields.clone()),
                    102,
                ));
            }
            for relation in RELATIONS.iter().filter(|r| r.child == table) {
                updates.push((
                    format!("dangling {}", relation.fk),
                    row_key.clone(),
                    json!({ relation.fk: 999_999 }),
                    100,
                ));
            }
            for column in columns {
                if let Some(bad) = out_of_range(column) {
                    updates.push((
                        format!("{} out of range", column.name),
                        row_key.clone(),
                        json!({ column.name: bad }),
                        110,
                    ));
                }
                if !column.nullable && !has_default(table, column.name) {
                    updates.push((
                        format!("{} cleared", column.name),
                        row_key.clone(),
                        json!({ column.name: null }),
                        111,
                    ));
                }
            }
            updates.push(("the id".into(), row_key.clone(), json!({"id": 5}), 110));
            if table.resource_kind().is_some() {
                let uuid = format!("{}-other", table.resource_kind().unwrap().prefix());
                updates.push(("the uuid".into(), row_key, json!({ "uuid": uuid }), 110));
            }
        }

        for (what, row, expected) in creates {
            let result = client.create(table, row.clone()).await;
            let message = match &result {
                Err(RpcError::Api(e)) => e.message.clone(),
                other => format!("{other:?}"),
            };
            let got = code(result);
            // A copy of a row repeats its other unique keys too (a datapath's dpid and node):
            // that refusal (110 naming the key) comes before the uuid's.
            let unique_first = expected == 102 && got == 110 && message.contains("must be unique");
            assert!(
                got == expected || unique_first,
                "create {table} with {what}: {row} -> {got} {message}"
            );
            if expected == 111 {
                assert!(
                    required
                        .iter()
                        .any(|name| message.contains(name.trim_end_matches("_id"))),
                    "create {table} with {what}: {message} names none of {required:?}"
                );
            }
            checked += 1;
        }
        for (what, key, fields, expected) in updates {
            let got = code(client.update(table, key.clone(), obj(fields.clone())).await);
            assert_eq!(got, expected, "update {table} {key} with {what}: {fields}");
            checked += 1;
        }
    }
    let after = snapshot(&client).await;
    assert_eq!((after.epoch, after.seq), (fixture.epoch, fixture.seq));
    assert_eq!(after.rows, fixture.rows);
    assert!(checked > 300, "only {checked} cases");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_interface_is_one_transaction_and_one_event() {
    let (_dir, vnmgr) = start();
    let client = vnmgr.client();
    network(&client, "nw-ci", "10.2.0.0").await;
    client
        .create(
            Table::Datapaths,
            json!({"uuid": "dp-ci", "display_name": "ci", "dpid": "0x1", "node_id": "vna"}),
        )
        .await
        .unwrap();
    let row = |uuid: &str, mac: &str, ip: &str| {
        obj(json!({
            "uuid": uuid, "mode": "vif", "owner_datapath_uuid": "dp-ci", "port_name": uuid,
            "mac_address": mac, "network_uuid": "nw-ci", "ipv4_address": ip,
        }))
    };

    let before = snapshot(&client).await;
    let (interface, changes) = call(
        &client,
        ServiceCall::CreateInterface {
            row: row("if-ci", "52:54:00:00:0c:01", "10.2.0.5"),
        },
    )
    .await
    .unwrap();
    assert_eq!(uuid(&interface), "if-ci");
    let created: Vec<Table> = changes
        .iter()
        .filter(|c| c.op == ChangeOp::Created)
        .map(|c| c.row.table())
        .collect();
    for table in [
        Table::Interfaces,
        Table::InterfacePorts,
        Table::MacAddresses,
        Table::MacLeases,
        Table::IpAddresses,
        Table::IpLeases,
        Table::InterfaceNetworks,
    ] {
        assert!(created.contains(&table), "{table} not in {created:?}");
    }
    let lease = changes.iter().find_map(|c| match &c.row {
        AnyRecord::IpLease(l) => Some(l.clone()),
        _ => None,
    });
    assert!(lease.is_some_and(|l| l.mac_lease_id.is_some()));
    let after = snapshot(&client).await;
    assert_eq!(after.seq, before.seq + 1, "one call, one event");

    // A failure after the interface row is written (address taken, outside the network, MAC
    // taken) leaves nothing, and no event.
    for (bad, expected) in [
        (row("if-ci2", "52:54:00:00:0c:02", "10.2.0.5"), 110),
        (row("if-ci2", "52:54:00:00:0c:02", "10.9.0.5"), 110),
        (row("if-ci2", "52:54:00:00:0c:01", "10.2.0.6"), 110),
    ] {
        let got = call(&client, ServiceCall::CreateInterface { row: bad }).await;
        let got = code(got);
        assert_eq!(got, expected, "{got}");
        assert_eq!(snapshot(&client).await.seq, after.seq, "nothing written");
        assert_eq!(
            code(client.show(Table::Interfaces, key("if-ci2")).await),
            100
        );
    }
}
