//! Paged snapshots against a real vnmgr: every page of one snapshot is at its first page's
//! position while writes go on, the pages hold each row once and together the whole model,
//! a replica loads them, and a token vnmgr does not hold is refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use model::{AnyRecord, Table};
use proto::{
    ApiError, EventSubscriber, Key, Replica, ReplicaConfig, RpcClient, SnapshotCursor, TableReplica,
};
use serde_json::json;
use support::{Vnmgr, assert_replica_equals, by_key, code, snapshot};

/// More rows than one page holds (`vnmgr::snapshots::PAGE_ROWS`).
const MACS: usize = vnmgr::snapshots::PAGE_ROWS + 300;

async fn create_macs(client: &RpcClient, n: usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (client, next) = (client.clone(), Arc::clone(&next));
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let mac = format!("52:54:00:00:{:02x}:{:02x}", i >> 8, i & 0xff);
                    client
                        .create(Table::MacAddresses, json!({"mac_address": mac}))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paged_snapshot_stays_at_its_first_position_while_writes_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vnmgr.db?mode=rwc", dir.path().display());
    let vnmgr = Vnmgr::start(&url, dir.path());
    let client = RpcClient::new(&vnmgr.rpc, Duration::from_secs(20));
    create_macs(&client, MACS).await;

    let whole = snapshot(&client).await;
    let first = client.snapshot_page::<AnyRecord>(None).await.unwrap();
    assert_eq!((first.epoch, first.seq), (whole.epoch, whole.seq));
    assert!(first.rows.len() <= vnmgr::snapshots::PAGE_ROWS);
    let mut cursor = first.next.expect("more than one page");

    // Writes between pages: a new row, a deleted one, an updated one.
    client
        .create(
            Table::Networks,
            json!({"uuid": "nw-late", "ipv4_network": "10.9.9.0"}),
        )
        .await
        .unwrap();
    let victim = whole
        .rows
        .iter()
        .rev()
        .find(|r| r.table() == Table::MacAddresses)
        .unwrap()
        .id();
    client
        .delete(Table::MacAddresses, Key::Id(victim))
        .await
        .unwrap();

    let mut rows = first.rows;
    let mut pages = 1;
    loop {
        let page = client
            .snapshot_page::<AnyRecord>(Some(cursor))
            .await
            .unwrap();
        assert_eq!((page.epoch, page.seq), (whole.epoch, whole.seq));
        rows.extend(page.rows);
        pages += 1;
        match page.next {
            Some(next) => cursor = next,
            None => break,
        }
    }
    assert!(pages >= 2);
    // `by_key` refuses a row seen twice.
    assert_eq!(by_key(rows), by_key(whole.rows.clone()));

    // A new snapshot is at the new position; the collected form says the same.
    let later = client.snapshot_paged::<AnyRecord>().await.unwrap();
    assert_eq!(later.seq, whole.seq + 2);
    let later_rows = by_key(later.rows.clone());
    assert!(later_rows.values().any(|r| r.table() == Table::Networks));
    assert!(!later_rows.contains_key(&(Table::MacAddresses, victim)));
    assert_eq!(later_rows, by_key(snapshot(&client).await.rows));

    // A replica loading page by page ends equal to vnmgr.
    let subscriber = EventSubscriber::<AnyRecord>::connect(&vnmgr.events)
        .await
        .unwrap();
    let fetcher = client.clone();
    let replica = Replica::start_paged(
        subscriber,
        move |cursor| {
            let client = fetcher.clone();
            async move { client.snapshot_page::<AnyRecord>(cursor).await }
        },
        TableReplica::default(),
        ReplicaConfig::default(),
    );
    assert_replica_equals("paged replica", &replica, &later).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_vnmgr_does_not_hold_is_refused_with_410() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vnmgr.db?mode=rwc", dir.path().display());
    let vnmgr = Vnmgr::start(&url, dir.path());
    let client = vnmgr.client();
    let page = client.snapshot_page::<AnyRecord>(None).await.unwrap();
    assert!(page.next.is_none(), "an empty model is one page");
    let made_up = SnapshotCursor {
        token: 12_345,
        table: Table::Networks,
        after: 0,
    };
    let refused = client.snapshot_page::<AnyRecord>(Some(made_up)).await;
    assert_eq!(code(refused), ApiError::SNAPSHOT_EXPIRED);
    match client.snapshot_page::<AnyRecord>(Some(made_up)).await {
        Err(proto::RpcError::Api(e)) => {
            assert_eq!(e.error, "SnapshotExpired");
            assert!(e.message.contains("12345"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}
