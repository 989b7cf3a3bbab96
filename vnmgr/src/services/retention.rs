//! IP retention: leases retained by an `ip_retention_containers` row expire.
//!
//! A retained lease is **released** `lease_time` seconds after its `leased_at`: as the
//! original's `IpLease.release`, the lease is detached from its interface and MAC lease
//! (`interface_id` and `mac_lease_id` cleared; the address stays reserved) and every
//! retention of the lease gets `released_at` = now. A released lease is **destroyed**
//! `grace_time` seconds after `released_at`: the `ip_leases` row is deleted, and with it (by
//! the store's relations) its address, its retentions and its container memberships. A
//! container without `lease_time` (or `grace_time`) keeps its leases (or released leases)
//! indefinitely.
//!
//! Decisions are taken on the state at the start of the tick, so a lease released by a tick
//! is destroyed by a later one at the earliest (even with `grace_time` 0): release and
//! destruction are always separate events.

use std::collections::BTreeSet;

use model::{Id, IpLease, IpRetention, IpRetentionContainer, Timestamp};
use store::{Filter, StoreError, Tx};

pub(super) async fn tick(tx: &mut Tx, now: Timestamp) -> Result<(), StoreError> {
    let containers: Vec<IpRetentionContainer> = tx.find(&Filter::new()).await?;
    let mut to_release = BTreeSet::new();
    let mut to_destroy = BTreeSet::new();
    for container in containers {
        if container.lease_time.is_none() && container.grace_time.is_none() {
            continue;
        }
        let retentions: Vec<IpRetention> = tx
            .find(&Filter::new().eq("ip_retention_container_id", container.id))
            .await?;
        for retention in retentions {
            match due(&container, &retention, now) {
                Some(Step::Release) => to_release.insert(retention.ip_lease_id),
                Some(Step::Destroy) => to_destroy.insert(retention.ip_lease_id),
                None => false,
            };
        }
    }
    for lease_id in &to_destroy {
        // Gone already if another step of this tick deleted it with something else.
        if tx.get::<IpLease>(*lease_id).await?.is_some() {
            tx.delete::<IpLease>(*lease_id).await?;
        }
    }
    for lease_id in to_release.difference(&to_destroy) {
        release(tx, *lease_id, now).await?;
    }
    Ok(())
}

/// What a retention is due for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Release,
    Destroy,
}

/// Whether `retention` is due for a step at `now`.
fn due(container: &IpRetentionContainer, retention: &IpRetention, now: Timestamp) -> Option<Step> {
    match retention.released_at {
        None => {
            // A retention written without `leased_at` counts from its creation (the original
            // read a missing time as 0 and released at once).
            let leased_at = retention.leased_at.unwrap_or(retention.created_at);
            let lease_time = container.lease_time?;
            (leased_at.saturating_add(lease_time) <= now).then_some(Step::Release)
        }
        Some(released_at) => {
            let grace_time = container.grace_time?;
            (released_at.saturating_add(grace_time) <= now).then_some(Step::Destroy)
        }
    }
}

/// Releases lease `lease_id`: detached from its interface, its retentions released now.
pub(super) async fn release(tx: &mut Tx, lease_id: Id, now: Timestamp) -> Result<(), StoreError> {
    let Some(lease) = tx.get::<IpLease>(lease_id).await? else {
        return Ok(());
    };
    if lease.interface_id.is_some() || lease.mac_lease_id.is_some() {
        tx.update(IpLease {
            interface_id: None,
            mac_lease_id: None,
            ..lease
        })
        .await?;
    }
    let retentions: Vec<IpRetention> = tx.find(&Filter::new().eq("ip_lease_id", lease_id)).await?;
    for retention in retentions {
        if retention.released_at.is_none() {
            tx.update(IpRetention {
                released_at: Some(now),
                ..retention
            })
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use model::{InterfaceMode, IpAddress, IpLeaseContainerIpLease, IpRetentionContainer, Table};
    use store::{ChangeOp, Store};

    use super::super::test_support::*;
    use super::*;

    /// A lease of if-v1 at T0, retained by a container with `lease_time` and `grace_time`.
    async fn retained_lease(store: &Store, lease_time: i64, grace_time: i64) -> (Id, Id) {
        let mut tx = store.begin(T0).await.unwrap();
        let network = network(&mut tx, "nw-vnet1", "10.101.0.0/24").await;
        let interface = interface(&mut tx, "if-v1", InterfaceMode::Vif, "02:00:00:00:00:01").await;
        let lease = ip_lease(&mut tx, interface.id, network.id, "10.101.0.10").await;
        let container = tx
            .insert(IpRetentionContainer {
                id: 0,
                uuid: uuid("irc-1"),
                lease_time: Some(lease_time),
                grace_time: Some(grace_time),
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            })
            .await
            .unwrap();
        let lease_container = tx
            .insert(model::IpLeaseContainer {
                id: 0,
                uuid: uuid("ilc-1"),
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            })
            .await
            .unwrap();
        tx.insert(IpLeaseContainerIpLease {
            id: 0,
            ip_lease_container_id: lease_container.id,
            ip_lease_id: lease,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
        // Through the hook, as the RPC layer adds a retention: leased now.
        let mut row = model::AnyRecord::from(IpRetention {
            id: 0,
            ip_lease_id: lease,
            ip_retention_container_id: container.id,
            leased_at: None,
            released_at: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        });
        super::super::before_create(&mut tx, &mut row, &context(None))
            .await
            .unwrap();
        let model::AnyRecord::IpRetention(retention) = row else {
            panic!()
        };
        assert_eq!(retention.leased_at, Some(T0));
        let retention = tx.insert(retention).await.unwrap();
        tx.commit().await.unwrap();
        (lease, retention.id)
    }

    /// Runs a tick at `now`; returns its changes as (op, table).
    async fn tick_at(store: &Store, now: Timestamp) -> Vec<(ChangeOp, Table)> {
        let mut tx = store.begin(now).await.unwrap();
        let ctx = super::super::ServiceContext {
            datapath_mac_group: None,
            now,
        };
        super::super::retention_tick(&mut tx, &ctx).await.unwrap();
        tx.commit()
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.op, c.row.table()))
            .collect()
    }

    #[tokio::test]
    async fn a_lease_is_released_after_lease_time_and_destroyed_after_grace_time() {
        let store = memory_store().await;
        let (lease_id, retention_id) = retained_lease(&store, 10, 5).await;

        assert!(tick_at(&store, T0 + 9).await.is_empty());

        // Released: detached from the interface, the retention stamped; two updates.
        assert_eq!(
            tick_at(&store, T0 + 10).await,
            [
                (ChangeOp::Updated, Table::IpLeases),
                (ChangeOp::Updated, Table::IpRetentions)
            ]
        );
        let mut tx = store.begin(T0 + 10).await.unwrap();
        let lease: IpLease = tx.require(lease_id).await.unwrap();
        assert_eq!((lease.interface_id, lease.mac_lease_id), (None, None));
        let retention: IpRetention = tx.require(retention_id).await.unwrap();
        assert_eq!(retention.released_at, Some(T0 + 10));
        drop(tx);

        assert!(tick_at(&store, T0 + 14).await.is_empty());

        // Destroyed: the lease, and with it its address, retention and container membership.
        let changes = tick_at(&store, T0 + 15).await;
        for table in [
            Table::IpLeases,
            Table::IpAddresses,
            Table::IpRetentions,
            Table::IpLeaseContainerIpLeases,
        ] {
            assert!(
                changes.contains(&(ChangeOp::Deleted, table)),
                "{table}: {changes:?}"
            );
        }
        let mut tx = store.begin(T0 + 15).await.unwrap();
        assert!(tx.get::<IpLease>(lease_id).await.unwrap().is_none());
        let addresses: Vec<IpAddress> = tx.find(&Filter::new()).await.unwrap();
        assert!(addresses.is_empty());
        drop(tx);
        assert!(tick_at(&store, T0 + 100).await.is_empty());
    }

    #[tokio::test]
    async fn release_and_destruction_are_separate_ticks_even_without_grace() {
        let store = memory_store().await;
        let (lease_id, _) = retained_lease(&store, 0, 0).await;
        let first = tick_at(&store, T0).await;
        assert!(
            first.iter().all(|(op, _)| *op == ChangeOp::Updated),
            "{first:?}"
        );
        let second = tick_at(&store, T0).await;
        assert!(
            second.contains(&(ChangeOp::Deleted, Table::IpLeases)),
            "{second:?}"
        );
        let mut tx = store.begin(T0).await.unwrap();
        assert!(tx.get::<IpLease>(lease_id).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn containers_without_times_keep_their_leases() {
        let store = memory_store().await;
        retained_lease(&store, 10, 5).await;
        let mut tx = store.begin(T0).await.unwrap();
        let containers: Vec<IpRetentionContainer> = tx.find(&Filter::new()).await.unwrap();
        let container = containers[0].clone();
        tx.update(IpRetentionContainer {
            lease_time: None,
            grace_time: None,
            ..container
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(tick_at(&store, T0 + 1_000_000).await.is_empty());
    }
}
