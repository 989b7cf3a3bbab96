//! The store's behaviour, the same scenarios on SQLite and on a private MariaDB server:
//! CRUD, soft delete and uuid reuse, uniqueness among live rows, cascades and restrictions,
//! change lists, rollback, and "database unavailable" while MariaDB is down.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use model::{
    AnyRecord, Datapath, DatapathNetwork, Dpid, IpAddress, IpLease, IpRangeGroup, LeasePolicy,
    LeasePolicyBaseNetwork, MacAddress, Network, NetworkMode, Record, Table,
};
use store::{Change, ChangeOp, Filter, Store, StoreError};
use testkit::mariadb::MariaDb;

const T0: i64 = 1_700_000_000;

fn network(uuid: &str, net: &str) -> Network {
    Network {
        id: 0,
        uuid: uuid.parse().unwrap(),
        display_name: format!("network {uuid}"),
        ipv4_network: net.parse().unwrap(),
        ipv4_prefix: 24,
        mode: NetworkMode::Virtual,
        domain_name: "example.test".into(),
        segment_id: None,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    }
}

fn datapath(uuid: &str, dpid: u64) -> Datapath {
    Datapath {
        id: 0,
        uuid: uuid.parse().unwrap(),
        display_name: "node".into(),
        dpid: Dpid(dpid),
        node_id: "vna1".into(),
        enable_ovs_learn_action: true,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    }
}

fn mac(uuid: &str, mac: &str) -> MacAddress {
    MacAddress {
        id: 0,
        uuid: uuid.parse().unwrap(),
        mac_address: mac.parse().unwrap(),
        segment_id: None,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    }
}

fn ip_address(network_id: i64, addr: &str) -> IpAddress {
    IpAddress {
        id: 0,
        network_id,
        ipv4_address: addr.parse().unwrap(),
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    }
}

fn ip_lease(uuid: &str, ip_address_id: i64) -> IpLease {
    IpLease {
        id: 0,
        uuid: uuid.parse().unwrap(),
        interface_id: None,
        mac_lease_id: None,
        ip_address_id,
        enable_routing: false,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    }
}

fn ops(changes: &[Change]) -> Vec<(ChangeOp, Table)> {
    changes.iter().map(|c| (c.op, c.row.table())).collect()
}

fn model_code(err: &StoreError) -> u16 {
    err.code()
        .unwrap_or_else(|| panic!("not a model error: {err:?}"))
}

async fn crud_round_trip(store: &Store) {
    let mut tx = store.begin(T0).await.unwrap();
    let nw = tx.insert(network("nw-one", "10.0.1.0")).await.unwrap();
    assert!(nw.id > 0);
    assert_eq!(
        (nw.created_at, nw.updated_at, nw.deleted_at),
        (T0, T0, None)
    );
    let nw2 = tx.insert(network("nw-two", "10.0.2.0")).await.unwrap();
    let nw3 = tx.insert(network("nw-three", "10.0.3.0")).await.unwrap();
    let changes = tx.commit().await.unwrap();
    assert_eq!(
        changes,
        vec![
            Change {
                op: ChangeOp::Created,
                row: nw.clone().into_any()
            },
            Change {
                op: ChangeOp::Created,
                row: nw2.clone().into_any()
            },
            Change {
                op: ChangeOp::Created,
                row: nw3.clone().into_any()
            },
        ]
    );

    let mut tx = store.begin(T0 + 10).await.unwrap();
    assert_eq!(tx.get::<Network>(nw.id).await.unwrap(), Some(nw.clone()));
    assert_eq!(
        tx.get_by_uuid::<Network>(&nw2.uuid).await.unwrap(),
        Some(nw2.clone())
    );
    assert_eq!(tx.get::<Datapath>(nw.id).await.unwrap(), None);
    let found: Vec<Network> = tx
        .find(&Filter::new().eq("display_name", "network nw-three"))
        .await
        .unwrap();
    assert_eq!(found, vec![nw3.clone()]);
    let none: Vec<Network> = tx
        .find(&Filter::new().eq("segment_id", model::SqlValue::Null))
        .await
        .unwrap();
    assert_eq!(none.len(), 3);
    let (total, page) = tx.list::<Network>(&Filter::new(), 2, 1).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(page, vec![nw2.clone(), nw3.clone()]);
    let err = tx
        .find::<Network>(&Filter::new().eq("colour", "red"))
        .await
        .unwrap_err();
    assert_eq!(model_code(&err), 110);
    assert!(
        err.to_string().contains("networks has no such column"),
        "{err}"
    );

    let mut renamed = nw.clone();
    renamed.display_name = "renamed".into();
    renamed.created_at = 5; // ignored: created_at is kept
    let updated = tx.update(renamed).await.unwrap();
    assert_eq!(updated.display_name, "renamed");
    assert_eq!((updated.created_at, updated.updated_at), (T0, T0 + 10));
    let deleted = tx.delete::<Network>(nw2.id).await.unwrap();
    assert_eq!(deleted.deleted_at, Some(T0 + 10));
    assert_eq!(deleted.is_deleted(), nw2.id);
    let changes = tx.commit().await.unwrap();
    assert_eq!(
        ops(&changes),
        vec![
            (ChangeOp::Updated, Table::Networks),
            (ChangeOp::Deleted, Table::Networks)
        ]
    );
    assert_eq!(changes[1].row, deleted.into_any());

    let mut tx = store.begin(T0 + 20).await.unwrap();
    assert_eq!(tx.get::<Network>(nw2.id).await.unwrap(), None);
    assert_eq!(tx.get_by_uuid::<Network>(&nw2.uuid).await.unwrap(), None);
    let (total, _) = tx.list::<Network>(&Filter::new(), 30, 0).await.unwrap();
    assert_eq!(total, 2);
    let err = tx.require::<Network>(nw2.id).await.unwrap_err();
    assert_eq!(model_code(&err), 100);
    let err = tx.require_uuid::<Network>(&nw2.uuid).await.unwrap_err();
    assert_eq!(model_code(&err), 100);
    assert_eq!(err.to_string(), "uuid: no network with uuid nw-two");
    let err = tx.delete::<Network>(nw2.id).await.unwrap_err();
    assert_eq!(model_code(&err), 100);
    let mut ghost = nw2.clone();
    ghost.display_name = "ghost".into();
    assert_eq!(model_code(&tx.update(ghost).await.unwrap_err()), 100);
    assert!(tx.commit().await.unwrap().is_empty());
}

async fn invalid_rows_are_refused(store: &Store) {
    let mut tx = store.begin(T0).await.unwrap();
    let err = tx.insert(network("nw-bad", "10.0.1.1")).await.unwrap_err();
    assert_eq!(model_code(&err), 110);
    assert!(tx.changes().is_empty());
}

async fn uuids_are_unique_among_live_rows_and_reusable(store: &Store) {
    let mut tx = store.begin(T0).await.unwrap();
    let first = tx.insert(network("nw-same", "10.0.1.0")).await.unwrap();
    let err = tx.insert(network("nw-same", "10.0.2.0")).await.unwrap_err();
    assert_eq!(model_code(&err), 102);
    assert_eq!(err.to_string(), "uuid: network nw-same already exists");
    // The failed insert wrote nothing; the transaction goes on.
    tx.delete::<Network>(first.id).await.unwrap();
    let second = tx.insert(network("nw-same", "10.0.2.0")).await.unwrap();
    assert_ne!(second.id, first.id);
    tx.commit().await.unwrap();

    let mut tx = store.begin(T0).await.unwrap();
    let nw = tx
        .get_by_uuid::<Network>(&"nw-same".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(nw.id, second.id);
    // Other unique keys: 110 naming the columns and the values.
    tx.insert(ip_address(nw.id, "10.0.2.5")).await.unwrap();
    let err = tx.insert(ip_address(nw.id, "10.0.2.5")).await.unwrap_err();
    assert_eq!(model_code(&err), 110);
    assert_eq!(
        err.to_string(),
        format!(
            "(network_id, ipv4_address): invalid value \"({}, 10.0.2.5)\": a live ip_addresses row already has this value; it must be unique",
            nw.id
        )
    );
    tx.insert(mac("mac-a", "52:54:00:00:00:01")).await.unwrap();
    let err = tx
        .insert(mac("mac-b", "52:54:00:00:00:01"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "mac_address: invalid value \"52:54:00:00:00:01\": a live mac_addresses row already has this value; it must be unique"
    );
    tx.insert(datapath("dp-a", 0xffff_0000_0000_0001))
        .await
        .unwrap();
    let err = tx
        .insert(datapath("dp-b", 0xffff_0000_0000_0001))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("\"(0xffff000000000001, vna1)\""),
        "{err}"
    );
    // An update that collides is refused the same way.
    let mut other = tx.insert(mac("mac-c", "52:54:00:00:00:02")).await.unwrap();
    other.mac_address = "52:54:00:00:00:01".parse().unwrap();
    assert_eq!(model_code(&tx.update(other).await.unwrap_err()), 110);
    tx.commit().await.unwrap();
}

async fn deleting_a_network_cascades(store: &Store) {
    let mut tx = store.begin(T0).await.unwrap();
    let nw = tx.insert(network("nw-casc", "10.0.5.0")).await.unwrap();
    let other = tx.insert(network("nw-other", "10.0.6.0")).await.unwrap();
    let addr = tx.insert(ip_address(nw.id, "10.0.5.10")).await.unwrap();
    let lease = tx.insert(ip_lease("il-one", addr.id)).await.unwrap();
    let other_addr = tx.insert(ip_address(other.id, "10.0.6.10")).await.unwrap();
    let other_lease = tx.insert(ip_lease("il-two", other_addr.id)).await.unwrap();
    let dp = tx.insert(datapath("dp-casc", 1)).await.unwrap();
    let dp_mac = tx
        .insert(mac("mac-dpn", "02:00:00:00:00:01"))
        .await
        .unwrap();
    let dpn = tx
        .insert(DatapathNetwork {
            id: 0,
            datapath_id: dp.id,
            network_id: nw.id,
            interface_id: None,
            mac_address_id: dp_mac.id,
            ip_lease_id: None,
            topology_id: None,
            topology_layer_id: None,
            topology_mac_range_group_id: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin(T0 + 60).await.unwrap();
    tx.delete::<Network>(nw.id).await.unwrap();
    let changes = tx.commit().await.unwrap();
    let deleted: Vec<(Table, i64)> = changes
        .iter()
        .inspect(|c| assert_eq!(c.op, ChangeOp::Deleted))
        .inspect(|c| assert_eq!(c.row.deleted_at(), Some(T0 + 60)))
        .map(|c| (c.row.table(), c.row.id()))
        .collect();
    let mut expected = vec![
        (Table::Networks, nw.id),
        (Table::IpAddresses, addr.id),
        (Table::IpLeases, lease.id),
        (Table::DatapathNetworks, dpn.id),
        (Table::MacAddresses, dp_mac.id),
    ];
    let mut sorted = deleted.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    // Dependents come before what they depend on; the network itself is last.
    assert_eq!(deleted.last(), Some(&(Table::Networks, nw.id)));
    let pos = |t| deleted.iter().position(|(table, _)| *table == t).unwrap();
    assert!(pos(Table::IpLeases) < pos(Table::IpAddresses));
    assert!(pos(Table::DatapathNetworks) < pos(Table::Networks));

    let mut tx = store.begin(T0 + 61).await.unwrap();
    let (total, leases) = tx.list::<IpLease>(&Filter::new(), 30, 0).await.unwrap();
    assert_eq!((total, leases), (1, vec![other_lease]));
    assert!(tx.get::<Datapath>(dp.id).await.unwrap().is_some());
}

async fn deleting_a_used_range_group_is_restricted(store: &Store) {
    let mut tx = store.begin(T0).await.unwrap();
    let nw = tx.insert(network("nw-lp", "10.0.7.0")).await.unwrap();
    let group = tx
        .insert(IpRangeGroup {
            id: 0,
            uuid: "iprg-used".parse().unwrap(),
            allocation_type: model::AllocationType::Incremental,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
    let policy = tx
        .insert(LeasePolicy {
            id: 0,
            uuid: "lp-one".parse().unwrap(),
            mode: model::LeasePolicyMode::Simple,
            timing: model::LeasePolicyTiming::Immediate,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
    let base = tx
        .insert(LeasePolicyBaseNetwork {
            id: 0,
            lease_policy_id: policy.id,
            network_id: nw.id,
            ip_range_group_id: group.id,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin(T0 + 5).await.unwrap();
    let err = tx.delete::<IpRangeGroup>(group.id).await.unwrap_err();
    assert_eq!(model_code(&err), 113);
    assert_eq!(
        err.to_string(),
        format!(
            "cannot delete IP range group iprg-used: lease_policy_base_networks row {} still refers to it by ip_range_group_id; delete or change that first",
            base.id
        )
    );
    assert!(tx.changes().is_empty(), "a refused delete writes nothing");
    // Deleting the policy cascades to the association, and then the group can go.
    tx.delete::<LeasePolicy>(policy.id).await.unwrap();
    tx.delete::<IpRangeGroup>(group.id).await.unwrap();
    let changes = tx.commit().await.unwrap();
    assert_eq!(
        ops(&changes),
        vec![
            (ChangeOp::Deleted, Table::LeasePolicyBaseNetworks),
            (ChangeOp::Deleted, Table::LeasePolicies),
            (ChangeOp::Deleted, Table::IpRangeGroups),
        ]
    );
    let mut tx = store.begin(T0 + 6).await.unwrap();
    assert!(tx.get::<Network>(nw.id).await.unwrap().is_some());
}

async fn route_links_lose_a_deleted_mac(store: &Store) {
    let mut tx = store.begin(T0).await.unwrap();
    let m = tx.insert(mac("mac-rl", "02:00:00:00:00:09")).await.unwrap();
    let rl = tx
        .insert(model::RouteLink {
            id: 0,
            uuid: "rl-one".parse().unwrap(),
            mac_address_id: Some(m.id),
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
    tx.delete::<MacAddress>(m.id).await.unwrap();
    let changes = tx.commit().await.unwrap();
    assert_eq!(changes[2].op, ChangeOp::Updated);
    let AnyRecord::RouteLink(updated) = &changes[2].row else {
        panic!("{:?}", changes[2])
    };
    assert_eq!((updated.id, updated.mac_address_id), (rl.id, None));
    assert_eq!(changes[3].op, ChangeOp::Deleted);
}

/// A transaction keeps the rows it has read or written (so validations do not read them
/// again): what it answers after its own updates, deletes, cascades and nullified references
/// is what the database holds, inside the transaction and after the commit.
async fn a_transaction_reads_its_own_writes(store: &Store) {
    let mut tx = store.begin(T0).await.unwrap();
    let nw = tx.insert(network("nw-own", "10.0.7.0")).await.unwrap();
    let addr = tx.insert(ip_address(nw.id, "10.0.7.10")).await.unwrap();
    let m = tx
        .insert(mac("mac-own", "02:00:00:00:00:0a"))
        .await
        .unwrap();
    let rl = tx
        .insert(model::RouteLink {
            id: 0,
            uuid: "rl-own".parse().unwrap(),
            mac_address_id: Some(m.id),
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let by_uuid = Filter::new().eq("uuid", "own");
    let mut tx = store.begin(T0 + 60).await.unwrap();
    // Read (and so kept) by uuid and by id before anything changes.
    assert_eq!(
        tx.find::<Network>(&by_uuid).await.unwrap(),
        vec![nw.clone()]
    );
    assert_eq!(
        tx.get::<IpAddress>(addr.id).await.unwrap(),
        Some(addr.clone())
    );
    assert!(tx.get::<model::RouteLink>(rl.id).await.unwrap().is_some());
    let renamed = tx
        .update(Network {
            display_name: "renamed".into(),
            ..nw.clone()
        })
        .await
        .unwrap();
    assert_eq!(
        tx.get::<Network>(nw.id).await.unwrap(),
        Some(renamed.clone())
    );
    assert_eq!(tx.find::<Network>(&by_uuid).await.unwrap(), vec![renamed]);
    tx.delete::<MacAddress>(m.id).await.unwrap();
    let unlinked = tx.get::<model::RouteLink>(rl.id).await.unwrap().unwrap();
    assert_eq!(unlinked.mac_address_id, None);
    tx.delete::<Network>(nw.id).await.unwrap();
    assert_eq!(tx.get::<Network>(nw.id).await.unwrap(), None);
    assert!(tx.find::<Network>(&by_uuid).await.unwrap().is_empty());
    assert_eq!(
        tx.get::<IpAddress>(addr.id).await.unwrap(),
        None,
        "cascaded"
    );
    tx.commit().await.unwrap();

    let mut tx = store.begin(T0 + 61).await.unwrap();
    assert_eq!(tx.get::<Network>(nw.id).await.unwrap(), None);
    assert_eq!(tx.get::<IpAddress>(addr.id).await.unwrap(), None);
    assert_eq!(
        tx.get::<model::RouteLink>(rl.id).await.unwrap(),
        Some(unlinked)
    );
}

async fn rollback_leaves_the_database_unchanged(store: &Store) {
    let mut tx = store.begin(T0).await.unwrap();
    let kept = tx.insert(network("nw-kept", "10.0.8.0")).await.unwrap();
    tx.commit().await.unwrap();

    // An error, propagated with `?`, drops the transaction: everything before it is undone.
    async fn failing(store: &Store, kept: &Network) -> Result<(), StoreError> {
        let mut tx = store.begin(T0 + 1).await?;
        tx.insert(network("nw-lost", "10.0.9.0")).await?;
        tx.delete::<Network>(kept.id).await?;
        tx.insert(network("nw-lost", "10.0.10.0")).await?; // duplicate: 102
        tx.commit().await?;
        Ok(())
    }
    let err = failing(store, &kept).await.unwrap_err();
    assert_eq!(model_code(&err), 102);

    let mut tx = store.begin(T0 + 2).await.unwrap();
    tx.insert(network("nw-rolled", "10.0.11.0")).await.unwrap();
    tx.rollback().await.unwrap();

    let mut tx = store.begin(T0 + 3).await.unwrap();
    assert_eq!(tx.get::<Network>(kept.id).await.unwrap(), Some(kept));
    let (total, rows) = tx.list::<Network>(&Filter::new(), 30, 0).await.unwrap();
    assert_eq!(total, 1, "{rows:?}");
}

/// Runs every scenario, each on a fresh database from `open`.
macro_rules! run_scenarios {
    ($open:expr) => {{
        let scenarios: Vec<(
            &str,
            fn(&Store) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>,
        )> = vec![
            ("crud_round_trip", |s| Box::pin(crud_round_trip(s))),
            ("invalid_rows_are_refused", |s| {
                Box::pin(invalid_rows_are_refused(s))
            }),
            ("uuids_are_unique_among_live_rows_and_reusable", |s| {
                Box::pin(uuids_are_unique_among_live_rows_and_reusable(s))
            }),
            ("deleting_a_network_cascades", |s| {
                Box::pin(deleting_a_network_cascades(s))
            }),
            ("deleting_a_used_range_group_is_restricted", |s| {
                Box::pin(deleting_a_used_range_group_is_restricted(s))
            }),
            ("route_links_lose_a_deleted_mac", |s| {
                Box::pin(route_links_lose_a_deleted_mac(s))
            }),
            ("a_transaction_reads_its_own_writes", |s| {
                Box::pin(a_transaction_reads_its_own_writes(s))
            }),
            ("rollback_leaves_the_database_unchanged", |s| {
                Box::pin(rollback_leaves_the_database_unchanged(s))
            }),
        ];
        for (n, (name, scenario)) in scenarios.into_iter().enumerate() {
            eprintln!("scenario {name}");
            let store: Store = $open(n).await;
            scenario(&store).await;
            store.close().await;
        }
    }};
}

#[tokio::test]
async fn suite_on_sqlite() {
    run_scenarios!(|_n| async { Store::open("sqlite::memory:").await.unwrap() });
}

#[tokio::test]
async fn suite_on_mariadb() {
    let Some(server) = MariaDb::start().await else {
        return;
    };
    let server = &server;
    run_scenarios!(|n| async move {
        let url = server.create_database(&format!("suite{n}")).await;
        let store = Store::open(&url).await.unwrap();
        assert_eq!(store.dialect(), "mysql");
        store
    });
}

#[tokio::test]
async fn migrations_are_recorded_and_idempotent_on_sqlite_files() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("vnet.db").display());
    let store = Store::open(&url).await.unwrap();
    assert_eq!(
        store::migrate::applied_versions(&store).await.unwrap(),
        vec![1]
    );
    let mut tx = store.begin(T0).await.unwrap();
    let nw = tx.insert(network("nw-persist", "10.0.1.0")).await.unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    let store = Store::open(&url).await.unwrap();
    assert_eq!(
        store::migrate::applied_versions(&store).await.unwrap(),
        vec![1]
    );
    store.check_schema().await.unwrap();
    let mut tx = store.begin(T0).await.unwrap();
    assert_eq!(tx.get::<Network>(nw.id).await.unwrap(), Some(nw));
}

#[tokio::test]
async fn a_schema_that_differs_from_the_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("vnet.db").display());
    Store::open(&url).await.unwrap().close().await;
    {
        use sqlx::Connection;
        let mut conn = sqlx::sqlite::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("ALTER TABLE segments DROP COLUMN mode; DROP INDEX networks_u0")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let err = Store::open(&url).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("the database schema does not match the model"),
        "{text}"
    );
    assert!(
        text.contains("table segments has columns (id, uuid, created_at"),
        "{text}"
    );
    assert!(text.contains("table networks has unique keys"), "{text}");
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    let err = Store::open("postgres://localhost/vnet").await.unwrap_err();
    assert!(matches!(err, StoreError::UnsupportedUrl(_)), "{err}");
}

#[tokio::test]
async fn mariadb_outage_is_unavailable_then_recovers() {
    let Some(mut server) = MariaDb::start().await else {
        return;
    };
    let url = server.create_database("outage").await;
    let options = store::StoreOptions {
        acquire_timeout: std::time::Duration::from_secs(2),
        ..Default::default()
    };
    let store = Store::open_with(&url, options).await.unwrap();
    let mut tx = store.begin(T0).await.unwrap();
    tx.insert(network("nw-before", "10.0.1.0")).await.unwrap();
    tx.commit().await.unwrap();

    // A transaction in flight when the server dies is lost as a whole.
    let mut tx = store.begin(T0).await.unwrap();
    tx.insert(network("nw-inflight", "10.0.2.0")).await.unwrap();
    server.stop();
    let err = match tx.insert(network("nw-inflight2", "10.0.3.0")).await {
        Err(e) => e,
        Ok(_) => tx.commit().await.unwrap_err(),
    };
    assert!(err.is_unavailable(), "{err:?}");
    assert_eq!(err.to_string(), "database unavailable");

    // New transactions fail the same way while it is down.
    let err = store.begin(T0).await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");

    server.restart().await;
    let mut tx = store.begin(T0 + 1).await.unwrap();
    let (total, rows) = tx.list::<Network>(&Filter::new(), 30, 0).await.unwrap();
    assert_eq!(total, 1, "only the committed network survives: {rows:?}");
    tx.insert(network("nw-after", "10.0.4.0")).await.unwrap();
    tx.commit().await.unwrap();
    let _ = server.dir();
}

/// vnmgr runs transactions inside spawned tasks: every future of the API must be `Send`.
#[test]
fn transaction_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let work = async {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mut tx = store.begin(T0).await.unwrap();
        let nw = tx.insert(network("nw-send", "10.0.1.0")).await.unwrap();
        tx.update(nw.clone()).await.unwrap();
        tx.list::<Network>(&Filter::new(), 1, 0).await.unwrap();
        tx.delete::<Network>(nw.id).await.unwrap();
        tx.commit().await.unwrap()
    };
    assert_send(&work);
}

#[tokio::test]
async fn a_file_databases_wal_is_checkpointed_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vnet.db");
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mut tx = store.begin(T0).await.unwrap();
    tx.insert(network("nw-ckpt", "10.9.0.0")).await.unwrap();
    tx.commit().await.unwrap();
    // Commits leave their pages in the WAL; the checkpointer copies them into the database
    // file itself within its interval, so a copy of that file alone has the row.
    tokio::time::sleep(store::CHECKPOINT_INTERVAL * 2 + std::time::Duration::from_millis(500))
        .await;
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    let copied = Store::open(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    let mut tx = copied.begin(T0).await.unwrap();
    let networks: Vec<Network> = tx.find(&Filter::new()).await.unwrap();
    assert!(
        networks.iter().any(|n| n.uuid.to_string() == "nw-ckpt"),
        "{networks:?}"
    );
}
