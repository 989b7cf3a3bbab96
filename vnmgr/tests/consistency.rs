//! Replicas against a real vnmgr: under load from concurrent clients, and across a vnmgr
//! crash and restart on the same database.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use model::{AnyRecord, Table};
use proto::{Key, RpcClient, RpcError};
use serde_json::{Value, json};
use support::{Vnmgr, assert_replica_equals, obj, replica, snapshot};

/// A client's network: uuid, third octet, and its addresses as (ip_address id, lease id).
type OwnNetwork = (String, u8, Vec<(i64, Option<i64>)>);

/// One client's share of the load: creates, updates and deletes of networks, their
/// addresses, interfaces, MAC addresses and IP leases, all on the client's own rows (so
/// every operation is expected to succeed). Returns how many changes it made.
async fn mixed_changes(client: RpcClient, worker: u8, changes: usize) -> Result<usize, RpcError> {
    let mut rng = fastrand::Rng::with_seed(u64::from(worker));
    let mut networks: Vec<OwnNetwork> = Vec::new();
    let mut interfaces: Vec<String> = Vec::new();
    let mut macs: Vec<i64> = Vec::new();
    let mut made = 0usize;
    let mut counter = 0u32;
    while made < changes {
        counter += 1;
        match rng.u8(0..10) {
            0 | 1 => {
                let octet = u8::try_from(networks.len() % 250).unwrap();
                let uuid = format!("nw-w{worker}n{counter}");
                client
                    .create(
                        Table::Networks,
                        json!({"uuid": uuid, "ipv4_network": format!("10.{worker}.{octet}.0")}),
                    )
                    .await?;
                networks.push((uuid, octet, Vec::new()));
            }
            2 if !networks.is_empty() => {
                let (uuid, ..) = &networks[rng.usize(0..networks.len())];
                client
                    .update(
                        Table::Networks,
                        Key::Uuid(uuid.parse().unwrap()),
                        obj(json!({"display_name": format!("renamed {counter}")})),
                    )
                    .await?;
            }
            3 if networks.len() > 3 => {
                let (uuid, ..) = networks.swap_remove(rng.usize(0..networks.len()));
                client
                    .delete(Table::Networks, Key::Uuid(uuid.parse().unwrap()))
                    .await?;
            }
            4 | 5 if !networks.is_empty() => {
                let i = rng.usize(0..networks.len());
                let (uuid, octet, addresses) = &mut networks[i];
                let host = addresses.len() + 1;
                if host > 250 {
                    continue;
                }
                let ip = client
                    .create(
                        Table::IpAddresses,
                        json!({"network_uuid": uuid, "ipv4_address": format!("10.{worker}.{octet}.{host}")}),
                    )
                    .await?;
                addresses.push((ip["id"].as_i64().unwrap(), None));
            }
            6 if !networks.is_empty() => {
                // Lease an address not leased yet.
                let i = rng.usize(0..networks.len());
                let Some(slot) = networks[i].2.iter_mut().find(|(_, lease)| lease.is_none()) else {
                    continue;
                };
                let lease = client
                    .create(Table::IpLeases, json!({"ip_address_id": slot.0}))
                    .await?;
                slot.1 = Some(lease["id"].as_i64().unwrap());
            }
            7 => {
                let uuid = format!("if-w{worker}i{counter}");
                client
                    .create(Table::Interfaces, json!({"uuid": uuid, "mode": "vif"}))
                    .await?;
                interfaces.push(uuid);
            }
            8 if !interfaces.is_empty() => {
                let uuid = interfaces.swap_remove(rng.usize(0..interfaces.len()));
                if rng.bool() {
                    client
                        .update(
                            Table::Interfaces,
                            Key::Uuid(uuid.parse().unwrap()),
                            obj(json!({"display_name": "vm nic", "enable_routing": true})),
                        )
                        .await?;
                    interfaces.push(uuid);
                } else {
                    client
                        .delete(Table::Interfaces, Key::Uuid(uuid.parse().unwrap()))
                        .await?;
                }
            }
            9 => {
                if macs.len() > 5 && rng.bool() {
                    let id = macs.swap_remove(rng.usize(0..macs.len()));
                    client.delete(Table::MacAddresses, Key::Id(id)).await?;
                } else {
                    let mac = format!(
                        "52:54:{worker:02x}:00:{:02x}:{:02x}",
                        counter >> 8 & 0xff,
                        counter & 0xff
                    );
                    let row = client
                        .create(Table::MacAddresses, json!({"mac_address": mac}))
                        .await?;
                    macs.push(row["id"].as_i64().unwrap());
                }
            }
            _ => continue,
        }
        made += 1;
    }
    Ok(made)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_equal_the_database_after_a_thousand_concurrent_changes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vnmgr.db?mode=rwc", dir.path().display());
    let vnmgr = Vnmgr::start(&url, dir.path());
    let first = replica(&vnmgr.rpc, &vnmgr.events).await;
    let second = replica(&vnmgr.rpc, &vnmgr.events).await;
    for r in [&first, &second] {
        tokio::time::timeout(support::STEP, r.status().wait_for(|s| s.synced))
            .await
            .unwrap()
            .unwrap();
    }

    let workers: Vec<_> = (0..4u8)
        .map(|w| tokio::spawn(mixed_changes(vnmgr.client(), w, 250)))
        .collect();
    let mut total = 0;
    for w in workers {
        total += tokio::time::timeout(Duration::from_secs(120), w)
            .await
            .expect("load did not finish in 120 s")
            .unwrap()
            .unwrap();
    }
    assert_eq!(total, 1000);

    let snap = snapshot(&vnmgr.client()).await;
    assert!(snap.seq >= 1000, "seq {} after 1000 changes", snap.seq);
    assert_replica_equals("first replica", &first, &snap).await;
    assert_replica_equals("second replica", &second, &snap).await;
    // Both replicas followed the stream rather than resnapshotting all the time.
    for r in [&first, &second] {
        let snapshots = r.status().borrow().snapshots;
        assert!(snapshots <= 3, "{snapshots} snapshots");
    }
    // vnmgr answers snapshots from its in-memory read model: that must be the database.
    assert_eq!(
        rows_by_key(snap.rows),
        rows_by_key(database_rows(&url).await),
        "snapshot differs from the database"
    );
}

/// Every live row in the database at `url`, read directly (vnmgr may be running).
async fn database_rows(url: &str) -> Vec<AnyRecord> {
    let db = store::Store::open(url).await.unwrap();
    let mut tx = db.begin(0).await.unwrap();
    let mut rows = Vec::new();
    for &table in Table::ALL {
        rows.extend(tx.find_any(table, &store::Filter::new()).await.unwrap());
    }
    tx.rollback().await.unwrap();
    db.close().await;
    rows
}

fn rows_by_key(mut rows: Vec<AnyRecord>) -> Vec<AnyRecord> {
    rows.sort_by_key(|r| (r.table().as_str(), r.id()));
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_resyncs_after_vnmgr_is_killed_and_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vnmgr.db?mode=rwc", dir.path().display());
    let mut vnmgr = Vnmgr::start(&url, dir.path());
    let (rpc, events) = (vnmgr.rpc.clone(), vnmgr.events.clone());
    let watcher = replica(&rpc, &events).await;
    let old_epoch = tokio::time::timeout(support::STEP, watcher.status().wait_for(|s| s.synced))
        .await
        .unwrap()
        .unwrap()
        .epoch;

    // A writer that keeps creating networks, through the kill and the restart.
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let writer = {
        let client = RpcClient::new(&rpc, Duration::from_secs(2));
        let (stop, ok) = (Arc::clone(&stop), Arc::clone(&ok));
        tokio::spawn(async move {
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let row = json!({"uuid": format!("nw-r{n}"), "ipv4_network": format!("10.{}.{}.0", n / 250 % 250, n % 250)});
                match client.create(Table::Networks, row).await {
                    Ok(_) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(RpcError::Unreachable { .. }) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    // A create whose reply was lost in the crash may have committed: the
                    // retry of the same uuid is then a duplicate.
                    Err(RpcError::Api(e)) if e.code == 102 => {}
                    Err(e) => panic!("{e}"),
                }
            }
        })
    };
    let wait_for_writes = |target: u64| {
        let ok = Arc::clone(&ok);
        async move {
            tokio::time::timeout(support::STEP, async {
                while ok.load(Ordering::Relaxed) < target {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
            .await
            .expect("the writer made no progress");
        }
    };
    wait_for_writes(50).await;
    let pid = vnmgr.pid();
    vnmgr.kill();
    eprintln!(
        "killed vnmgr (pid {pid}) after {} writes",
        ok.load(Ordering::Relaxed)
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let vnmgr = Vnmgr::start_on(&url, &rpc, &events, dir.path());
    let before_restart = ok.load(Ordering::Relaxed);
    wait_for_writes(before_restart + 50).await;
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();

    let client = vnmgr.client();
    let snap = snapshot(&client).await;
    assert_ne!(snap.epoch, old_epoch, "a restart starts a new epoch");
    assert_replica_equals("replica", &watcher, &snap).await;
    let status = watcher.status().borrow().clone();
    assert!(status.snapshots >= 2, "{status:?}");
    // Everything the writer was told succeeded is in the database.
    let page = client
        .list(Table::Networks, vec![], Some(1), 0)
        .await
        .unwrap();
    assert!(
        page.total >= ok.load(Ordering::Relaxed),
        "{} < {}",
        page.total,
        ok.load(Ordering::Relaxed)
    );
    let _: Value = page.items.into_iter().next().unwrap();
}
