//! Lease policies (`simple` mode, `immediate` timing): an address for an interface, chosen by
//! the policy.
//!
//! The policy's first base network (by id) and its IP range group say where: the addresses
//! of the group's ranges that are hosts of the network's subnet (not the network or
//! broadcast address). The group's `allocation_type` says which free one:
//!
//! * `incremental`: the first free address upwards from the network's most recently updated
//!   `ip_addresses` row, wrapping around to the lowest;
//! * `decremental`: the same downwards, wrapping around to the highest;
//! * `random`: uniformly among the candidates, drawn again when taken, then a scan from a
//!   random point (the original raised NotImplemented).
//!
//! The new `ip_addresses` + `ip_leases` row is on the interface's first MAC lease; the
//! interface joins the network (`interface_networks`) and the policy (its
//! `lease_policy_base_interfaces`) unless it already has, and the lease joins the policy's
//! lease containers and retention containers (leased now), as in the original.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use model::{
    AllocationType, Interface, InterfaceNetwork, IpAddress, IpLease, IpLeaseContainerIpLease,
    IpRange, IpRangeGroup, IpRetention, LeasePolicy, LeasePolicyBaseInterface,
    LeasePolicyBaseNetwork, LeasePolicyIpLeaseContainer, LeasePolicyIpRetentionContainer,
    LeasePolicyTiming, MacLease, ModelError, Network, Timestamp, Uuid,
};
use store::{Filter, StoreError, Tx};

use super::insert_with_new_uuid;
use super::mac_alloc::RANDOM_ATTEMPTS;

/// Inclusive address intervals as numbers, sorted and disjoint.
type Space = Vec<(u64, u64)>;

/// See the module documentation; `now` is the `leased_at` of the retentions.
pub(super) async fn allocate(
    tx: &mut Tx,
    lease_policy_uuid: &Uuid,
    interface_uuid: &Uuid,
    now: Timestamp,
    rng: &mut fastrand::Rng,
) -> Result<IpLease, StoreError> {
    let policy: LeasePolicy =
        tx.get_by_uuid(lease_policy_uuid)
            .await?
            .ok_or(ModelError::UnknownUuid {
                field: "lease_policy_uuid".into(),
                uuid: *lease_policy_uuid,
            })?;
    let interface: Interface =
        tx.get_by_uuid(interface_uuid)
            .await?
            .ok_or(ModelError::UnknownUuid {
                field: "interface_uuid".into(),
                uuid: *interface_uuid,
            })?;
    if policy.timing != LeasePolicyTiming::Immediate {
        return Err(ModelError::invalid(
            "lease_policy_uuid",
            policy.uuid,
            format!(
                "its timing is {}; only a lease policy with timing {} allocates on request",
                policy.timing,
                LeasePolicyTiming::Immediate
            ),
        )
        .into());
    }
    let mac_leases: Vec<MacLease> = tx
        .find(&Filter::new().eq("interface_id", interface.id))
        .await?;
    let Some(mac_lease) = mac_leases.first() else {
        return Err(ModelError::invalid(
            "interface_uuid",
            interface.uuid,
            "has no MAC lease; an IP lease is attached to the interface's first MAC lease",
        )
        .into());
    };
    let base_networks: Vec<LeasePolicyBaseNetwork> = tx
        .find(&Filter::new().eq("lease_policy_id", policy.id))
        .await?;
    let Some(base) = base_networks.first() else {
        return Err(ModelError::invalid(
            "lease_policy_uuid",
            policy.uuid,
            "has no base network to allocate from; add one (lease_policy_base_networks)",
        )
        .into());
    };
    let network: Network = tx.require(base.network_id).await?;
    let group: IpRangeGroup = tx.require(base.ip_range_group_id).await?;

    let address = choose_address(tx, &policy, &network, &group, rng).await?;
    let ip_address = tx
        .insert(IpAddress {
            id: 0,
            network_id: network.id,
            ipv4_address: address,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await?;
    let lease = insert_with_new_uuid(tx, rng, |uuid| IpLease {
        id: 0,
        uuid,
        interface_id: Some(interface.id),
        mac_lease_id: Some(mac_lease.id),
        ip_address_id: ip_address.id,
        enable_routing: false,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    })
    .await?;

    let on_network: Vec<InterfaceNetwork> = tx
        .find(
            &Filter::new()
                .eq("interface_id", interface.id)
                .eq("network_id", network.id),
        )
        .await?;
    if on_network.is_empty() {
        tx.insert(InterfaceNetwork {
            id: 0,
            interface_id: interface.id,
            network_id: network.id,
            r#static: false,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await?;
    }
    let in_policy: Vec<LeasePolicyBaseInterface> = tx
        .find(
            &Filter::new()
                .eq("lease_policy_id", policy.id)
                .eq("interface_id", interface.id),
        )
        .await?;
    if in_policy.is_empty() {
        tx.insert(LeasePolicyBaseInterface {
            id: 0,
            lease_policy_id: policy.id,
            interface_id: interface.id,
            label: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await?;
    }

    let of_policy = Filter::new().eq("lease_policy_id", policy.id);
    let lease_containers: Vec<LeasePolicyIpLeaseContainer> = tx.find(&of_policy).await?;
    for container in lease_containers {
        tx.insert(IpLeaseContainerIpLease {
            id: 0,
            ip_lease_container_id: container.ip_lease_container_id,
            ip_lease_id: lease.id,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await?;
    }
    let retention_containers: Vec<LeasePolicyIpRetentionContainer> = tx.find(&of_policy).await?;
    for container in retention_containers {
        tx.insert(IpRetention {
            id: 0,
            ip_lease_id: lease.id,
            ip_retention_container_id: container.ip_retention_container_id,
            leased_at: Some(now),
            released_at: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await?;
    }
    Ok(lease)
}

/// A free address of the group's ranges inside the network, per the group's allocation type.
async fn choose_address(
    tx: &mut Tx,
    policy: &LeasePolicy,
    network: &Network,
    group: &IpRangeGroup,
    rng: &mut fastrand::Rng,
) -> Result<Ipv4Addr, StoreError> {
    let subnet = network.subnet()?;
    let ranges: Vec<IpRange> = tx
        .find(&Filter::new().eq("ip_range_group_id", group.id))
        .await?;
    let mut candidates = Vec::new();
    for range in &ranges {
        if let Some(inside) = range.range()?.intersection(&subnet.hosts()) {
            candidates.push((
                u64::from(u32::from(inside.begin())),
                u64::from(u32::from(inside.end())),
            ));
        }
    }
    let space = merge(candidates);
    let used: Vec<IpAddress> = tx.find(&Filter::new().eq("network_id", network.id)).await?;
    let taken: BTreeSet<u64> = used
        .iter()
        .map(|a| u64::from(u32::from(a.ipv4_address)))
        .collect();
    let last = used
        .iter()
        .max_by_key(|a| (a.updated_at, a.id))
        .map(|a| u64::from(u32::from(a.ipv4_address)));
    pick_address(&space, &taken, group.allocation_type, last, rng)
        .and_then(|a| u32::try_from(a).ok())
        .map(Ipv4Addr::from)
        .ok_or_else(|| {
            let list: Vec<String> = ranges
                .iter()
                .map(|r| format!("{}-{}", r.begin_ipv4_address, r.end_ipv4_address))
                .collect();
            let ranges = if list.is_empty() {
                "no ranges".to_owned()
            } else {
                format!("ranges {}", list.join(", "))
            };
            StoreError::from(ModelError::invalid(
                "lease_policy_uuid",
                policy.uuid,
                format!(
                    "no free address: network {} ({subnet}) has none left within IP range \
                     group {} ({ranges}); add a range or release leases",
                    network.uuid, group.uuid
                ),
            ))
        })
}

/// Sorts intervals and joins those that overlap or touch.
fn merge(mut intervals: Vec<(u64, u64)>) -> Space {
    intervals.sort_unstable();
    let mut merged: Space = Vec::with_capacity(intervals.len());
    for (begin, end) in intervals {
        match merged.last_mut() {
            Some((_, last_end)) if begin <= *last_end + 1 => *last_end = (*last_end).max(end),
            _ => merged.push((begin, end)),
        }
    }
    merged
}

/// The address to allocate from `space` (see the module documentation), given the `taken`
/// addresses and the most recently updated one, `last`. `None` when every address is taken.
pub(super) fn pick_address(
    space: &[(u64, u64)],
    taken: &BTreeSet<u64>,
    allocation: AllocationType,
    last: Option<u64>,
    rng: &mut fastrand::Rng,
) -> Option<u64> {
    const TOP: u64 = u32::MAX as u64;
    match allocation {
        // The original scanned from the last address itself (inclusive, but it is taken).
        AllocationType::Incremental => match last {
            Some(last) => {
                scan_up(space, taken, last, TOP).or_else(|| scan_up(space, taken, 0, last))
            }
            None => scan_up(space, taken, 0, TOP),
        },
        AllocationType::Decremental => match last {
            Some(last) => {
                scan_down(space, taken, last, 0).or_else(|| scan_down(space, taken, TOP, last))
            }
            None => scan_down(space, taken, TOP, 0),
        },
        AllocationType::Random => {
            let total: u64 = space.iter().map(|(b, e)| e - b + 1).sum();
            if total == 0 {
                return None;
            }
            for _ in 0..RANDOM_ATTEMPTS {
                let address = nth(space, rng.u64(..total))?;
                if !taken.contains(&address) {
                    return Some(address);
                }
            }
            let start = nth(space, rng.u64(..total))?;
            scan_up(space, taken, start, TOP).or_else(|| scan_up(space, taken, 0, start))
        }
    }
}

fn nth(space: &[(u64, u64)], mut index: u64) -> Option<u64> {
    for (begin, end) in space {
        let len = end - begin + 1;
        if index < len {
            return Some(begin + index);
        }
        index -= len;
    }
    None
}

/// The lowest free address of `space` in `from..=to`. Each step passes a taken address, so
/// the work is bounded by the number taken, not by the size of the space.
fn scan_up(space: &[(u64, u64)], taken: &BTreeSet<u64>, from: u64, to: u64) -> Option<u64> {
    for &(begin, end) in space {
        let (mut at, high) = (begin.max(from), end.min(to));
        while at <= high {
            if !taken.contains(&at) {
                return Some(at);
            }
            at += 1;
        }
    }
    None
}

/// The highest free address of `space` in `to..=from`.
fn scan_down(space: &[(u64, u64)], taken: &BTreeSet<u64>, from: u64, to: u64) -> Option<u64> {
    for &(begin, end) in space.iter().rev() {
        let (low, mut at) = (begin.max(to), end.min(from));
        while at >= low {
            if !taken.contains(&at) {
                return Some(at);
            }
            if at == 0 {
                break;
            }
            at -= 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use model::{
        Id, InterfaceMode, IpLeaseContainer, IpRetentionContainer, LeasePolicyMode, Record,
    };

    use super::super::test_support::*;
    use super::*;

    const TOP: u64 = u32::MAX as u64;

    fn ip(s: &str) -> u64 {
        u64::from(u32::from(s.parse::<Ipv4Addr>().unwrap()))
    }

    /// A policy `lp-1` over network `nw-vnet1` (10.101.0.0/24) and range group `iprg-1` of
    /// `allocation` with `ranges`, one lease container and one retention container; an
    /// interface `if-v1` with a MAC lease.
    struct Setup {
        network: Network,
        interface: Interface,
        lease_container: Id,
        retention_container: Id,
    }

    async fn setup(tx: &mut Tx, allocation: AllocationType, ranges: &[(&str, &str)]) -> Setup {
        let network = network(tx, "nw-vnet1", "10.101.0.0/24").await;
        let interface = interface(tx, "if-v1", InterfaceMode::Vif, "02:00:00:00:00:01").await;
        let group = tx
            .insert(IpRangeGroup {
                id: 0,
                uuid: uuid("iprg-1"),
                allocation_type: allocation,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            })
            .await
            .unwrap();
        for (n, (begin, end)) in ranges.iter().enumerate() {
            tx.insert(IpRange {
                id: 0,
                uuid: uuid(&format!("ipr-{n}")),
                ip_range_group_id: group.id,
                begin_ipv4_address: begin.parse().unwrap(),
                end_ipv4_address: end.parse().unwrap(),
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            })
            .await
            .unwrap();
        }
        let policy = tx
            .insert(LeasePolicy {
                id: 0,
                uuid: uuid("lp-1"),
                mode: LeasePolicyMode::Simple,
                timing: LeasePolicyTiming::Immediate,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            })
            .await
            .unwrap();
        tx.insert(LeasePolicyBaseNetwork {
            id: 0,
            lease_policy_id: policy.id,
            network_id: network.id,
            ip_range_group_id: group.id,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
        let lease_container = tx
            .insert(IpLeaseContainer {
                id: 0,
                uuid: uuid("ilc-1"),
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            })
            .await
            .unwrap()
            .id;
        tx.insert(LeasePolicyIpLeaseContainer {
            id: 0,
            lease_policy_id: policy.id,
            ip_lease_container_id: lease_container,
            label: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
        let retention_container = tx
            .insert(IpRetentionContainer {
                id: 0,
                uuid: uuid("irc-1"),
                lease_time: Some(60),
                grace_time: Some(30),
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            })
            .await
            .unwrap()
            .id;
        tx.insert(LeasePolicyIpRetentionContainer {
            id: 0,
            lease_policy_id: policy.id,
            ip_retention_container_id: retention_container,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
        Setup {
            network,
            interface,
            lease_container,
            retention_container,
        }
    }

    async fn allocate_n(tx: &mut Tx, n: usize, rng: &mut fastrand::Rng) -> Vec<String> {
        let mut addresses = Vec::new();
        for _ in 0..n {
            let lease = allocate(tx, &uuid("lp-1"), &uuid("if-v1"), T0, rng)
                .await
                .unwrap();
            let address: IpAddress = tx.require(lease.ip_address_id).await.unwrap();
            addresses.push(address.ipv4_address.to_string());
        }
        addresses
    }

    #[test]
    fn scans_wrap_around_the_last_address() {
        let space = [
            (ip("10.0.0.10"), ip("10.0.0.12")),
            (ip("10.0.0.20"), ip("10.0.0.21")),
        ];
        let taken: BTreeSet<u64> = [ip("10.0.0.11"), ip("10.0.0.21")].into();
        let rng = &mut fastrand::Rng::with_seed(0);
        let pick = |allocation, last: Option<&str>, rng: &mut fastrand::Rng| {
            pick_address(&space, &taken, allocation, last.map(ip), rng)
                .map(|a| Ipv4Addr::from(u32::try_from(a).unwrap()).to_string())
        };
        use AllocationType::{Decremental, Incremental};
        assert_eq!(pick(Incremental, None, rng).unwrap(), "10.0.0.10");
        assert_eq!(
            pick(Incremental, Some("10.0.0.11"), rng).unwrap(),
            "10.0.0.12"
        );
        assert_eq!(
            pick(Incremental, Some("10.0.0.21"), rng).unwrap(),
            "10.0.0.10"
        );
        // An address outside the ranges (a router's .1) still orders the scan.
        assert_eq!(
            pick(Incremental, Some("10.0.0.15"), rng).unwrap(),
            "10.0.0.20"
        );
        assert_eq!(pick(Decremental, None, rng).unwrap(), "10.0.0.20");
        assert_eq!(
            pick(Decremental, Some("10.0.0.20"), rng).unwrap(),
            "10.0.0.20"
        );
        assert_eq!(
            pick(Decremental, Some("10.0.0.11"), rng).unwrap(),
            "10.0.0.10"
        );
        assert_eq!(
            pick(Decremental, Some("10.0.0.10"), rng).unwrap(),
            "10.0.0.10"
        );
        let full: BTreeSet<u64> = [10, 11, 12, 20, 21]
            .iter()
            .map(|h| ip(&format!("10.0.0.{h}")))
            .collect();
        for allocation in AllocationType::ALL {
            assert_eq!(pick_address(&space, &full, *allocation, None, rng), None);
        }
        // The extremes of the address space neither overflow nor underflow.
        let edges = [(0, 1), (TOP - 1, TOP)];
        let none = BTreeSet::new();
        assert_eq!(
            pick_address(&edges, &none, Decremental, Some(0), rng),
            Some(0)
        );
        assert_eq!(
            pick_address(&edges, &[0, 1].into(), Decremental, Some(0), rng),
            Some(TOP)
        );
        assert_eq!(
            pick_address(&edges, &[TOP].into(), Incremental, Some(TOP), rng),
            Some(0)
        );
        assert_eq!(
            merge(vec![
                (5, 6),
                (1, 2),
                (3, 3),
                (4, 4),
                (9, 9),
                (10, 12),
                (11, 11)
            ]),
            vec![(1, 6), (9, 12)]
        );
    }

    #[tokio::test]
    async fn incremental_allocation_counts_up_joins_the_containers_and_then_runs_out() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        let s = setup(
            &mut tx,
            AllocationType::Incremental,
            &[("10.101.0.20", "10.101.0.22")],
        )
        .await;
        let rng = &mut fastrand::Rng::with_seed(0);
        let start = tx.changes().len();
        assert_eq!(
            allocate_n(&mut tx, 3, rng).await,
            ["10.101.0.20", "10.101.0.21", "10.101.0.22"]
        );

        let leases: Vec<IpLease> = tx
            .find(&Filter::new().eq("interface_id", s.interface.id))
            .await
            .unwrap();
        assert_eq!(leases.len(), 3);
        let mac_leases: Vec<MacLease> = tx
            .find(&Filter::new().eq("interface_id", s.interface.id))
            .await
            .unwrap();
        for lease in &leases {
            assert_eq!(lease.mac_lease_id, Some(mac_leases[0].id));
            let in_container: Vec<IpLeaseContainerIpLease> = tx
                .find(&Filter::new().eq("ip_lease_id", lease.id))
                .await
                .unwrap();
            assert_eq!(in_container.len(), 1);
            assert_eq!(in_container[0].ip_lease_container_id, s.lease_container);
            let retained: Vec<IpRetention> = tx
                .find(&Filter::new().eq("ip_lease_id", lease.id))
                .await
                .unwrap();
            assert_eq!(retained.len(), 1);
            assert_eq!(retained[0].ip_retention_container_id, s.retention_container);
            assert_eq!(
                (retained[0].leased_at, retained[0].released_at),
                (Some(T0), None)
            );
        }
        // The interface is on the network and in the policy once, however many leases.
        let on_network: Vec<InterfaceNetwork> = tx.find(&Filter::new()).await.unwrap();
        assert_eq!(on_network.len(), 1);
        assert_eq!(on_network[0].network_id, s.network.id);
        let in_policy: Vec<LeasePolicyBaseInterface> = tx.find(&Filter::new()).await.unwrap();
        assert_eq!(in_policy.len(), 1);
        // Everything is a change of the transaction, so it is published.
        assert!(
            tx.changes()[start..]
                .iter()
                .any(|c| c.row.table() == model::Table::IpRetentions)
        );

        let err = allocate(&mut tx, &uuid("lp-1"), &uuid("if-v1"), T0, rng)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "lease_policy_uuid: invalid value \"lp-1\": no free address: network nw-vnet1 \
             (10.101.0.0/24) has none left within IP range group iprg-1 (ranges \
             10.101.0.20-10.101.0.22); add a range or release leases"
        );
        assert_eq!(err.code(), Some(110));
    }

    #[tokio::test]
    async fn incremental_allocation_starts_after_the_latest_address_and_wraps() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        let s = setup(
            &mut tx,
            AllocationType::Incremental,
            &[("10.101.0.20", "10.101.0.23")],
        )
        .await;
        // Someone took .21 by hand: it is the network's latest address.
        let other = interface(&mut tx, "if-v2", InterfaceMode::Vif, "02:00:00:00:00:02").await;
        ip_lease(&mut tx, other.id, s.network.id, "10.101.0.21").await;
        let rng = &mut fastrand::Rng::with_seed(0);
        assert_eq!(
            allocate_n(&mut tx, 3, rng).await,
            ["10.101.0.22", "10.101.0.23", "10.101.0.20"]
        );
    }

    #[tokio::test]
    async fn decremental_allocation_counts_down_within_the_subnet() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        // The range reaches past the /24: only its hosts (.250-.254) are candidates.
        setup(
            &mut tx,
            AllocationType::Decremental,
            &[("10.101.0.250", "10.101.1.5")],
        )
        .await;
        let rng = &mut fastrand::Rng::with_seed(0);
        assert_eq!(
            allocate_n(&mut tx, 5, rng).await,
            [
                "10.101.0.254",
                "10.101.0.253",
                "10.101.0.252",
                "10.101.0.251",
                "10.101.0.250"
            ]
        );
        let err = allocate(&mut tx, &uuid("lp-1"), &uuid("if-v1"), T0, rng)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no free address"), "{err}");
    }

    #[tokio::test]
    async fn random_allocation_is_reproducible_with_a_seed_and_fills_the_range() {
        let mut runs = Vec::new();
        for _ in 0..2 {
            let store = memory_store().await;
            let mut tx = store.begin(T0).await.unwrap();
            setup(
                &mut tx,
                AllocationType::Random,
                &[("10.101.0.100", "10.101.0.115")],
            )
            .await;
            let rng = &mut fastrand::Rng::with_seed(2024);
            let addresses = allocate_n(&mut tx, 16, rng).await;
            let distinct: BTreeSet<&String> = addresses.iter().collect();
            assert_eq!(distinct.len(), 16);
            let err = allocate(&mut tx, &uuid("lp-1"), &uuid("if-v1"), T0, rng)
                .await
                .unwrap_err();
            assert!(err.to_string().contains("no free address"), "{err}");
            runs.push(addresses);
        }
        assert_eq!(runs[0], runs[1]);
        // Not simply counting up.
        let sorted = {
            let mut s = runs[0].clone();
            s.sort_by_key(|a| a.parse::<Ipv4Addr>().unwrap());
            s
        };
        assert_ne!(runs[0], sorted);
    }

    #[tokio::test]
    async fn refusals_name_the_policy_and_what_it_lacks() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        setup(
            &mut tx,
            AllocationType::Incremental,
            &[("10.101.0.20", "10.101.0.22")],
        )
        .await;
        let rng = &mut fastrand::Rng::with_seed(0);

        let err =
            super::super::allocate_lease(&mut tx, &uuid("lp-none"), &uuid("if-v1"), &context(None))
                .await
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "lease_policy_uuid: no lease policy with uuid lp-none"
        );
        let err = allocate(&mut tx, &uuid("lp-1"), &uuid("if-none"), T0, rng)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "interface_uuid: no interface with uuid if-none"
        );

        // An interface without a MAC lease.
        tx.insert(Interface {
            id: 0,
            uuid: uuid("if-bare"),
            mode: InterfaceMode::Vif,
            display_name: None,
            enable_routing: false,
            enable_route_translation: false,
            enable_filtering: false,
            enable_legacy_filtering: false,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
        let err = allocate(&mut tx, &uuid("lp-1"), &uuid("if-bare"), T0, rng)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("has no MAC lease"), "{err}");

        // Timing dhcp.
        let policy: LeasePolicy = tx.get_by_uuid(&uuid("lp-1")).await.unwrap().unwrap();
        tx.update(LeasePolicy {
            timing: LeasePolicyTiming::Dhcp,
            ..policy.clone()
        })
        .await
        .unwrap();
        let err = allocate(&mut tx, &uuid("lp-1"), &uuid("if-v1"), T0, rng)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "lease_policy_uuid: invalid value \"lp-1\": its timing is dhcp; only a lease policy \
             with timing immediate allocates on request"
        );

        // No base network.
        let bases: Vec<LeasePolicyBaseNetwork> = tx.find(&Filter::new()).await.unwrap();
        tx.delete::<LeasePolicyBaseNetwork>(bases[0].id())
            .await
            .unwrap();
        tx.update(policy).await.unwrap();
        let err = allocate(&mut tx, &uuid("lp-1"), &uuid("if-v1"), T0, rng)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("\"lp-1\": has no base network"),
            "{err}"
        );
        // Nothing was allocated by the refusals.
        let leases: Vec<IpLease> = tx.find(&Filter::new()).await.unwrap();
        assert!(leases.is_empty());
        let addresses: Vec<IpAddress> = tx.find(&Filter::new()).await.unwrap();
        assert!(addresses.is_empty());
    }
}
