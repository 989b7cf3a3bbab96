//! MAC allocation for the per-datapath rows and route links.
//!
//! A MAC is drawn at random from a MAC range group's ranges, each address equally likely
//! (the original drew within the first range that worked). A drawn address that is taken is
//! drawn again, [`RANDOM_ATTEMPTS`] times as in the original; after that the group is probably
//! nearly full, so instead of giving up as the original did, the ranges are scanned for the
//! first free address from a random point. Only when the scan finds none is the group
//! exhausted. Zero and group (multicast) addresses are never handed out.

use std::collections::BTreeSet;

use model::column::ColumnValue as _;
use model::{
    AnyRecord, Id, IpLease, MacAddr, MacAddrRange, MacAddress, MacRange, MacRangeGroup, ModelError,
    Table, TopologyMacRangeGroup,
};
use store::{Filter, StoreError, Tx};

use super::{ServiceContext, insert_with_new_uuid};

/// Random draws before falling back to a scan (the original's retry count).
pub(super) const RANDOM_ATTEMPTS: usize = 20;

/// What stands in for the MAC a request did not give, in error messages.
const NOT_GIVEN: &str = "(none)";

/// The result of trying one group.
#[derive(Debug)]
pub(super) enum Allocation {
    /// The new `mac_addresses` row.
    Allocated(MacAddress),
    /// Every address of these ranges is taken (or the group has no ranges).
    Exhausted(Vec<MacAddrRange>),
}

/// Fills in what a `datapath_*` row or route link left for vnmgr to choose: the MAC, and for
/// `datapath_*` rows with a host interface but no lease, the interface's first IP lease.
pub(super) async fn fill_in(
    tx: &mut Tx,
    row: &mut AnyRecord,
    ctx: &ServiceContext,
    rng: &mut fastrand::Rng,
) -> Result<(), StoreError> {
    let table = row.table();
    match row {
        AnyRecord::DatapathNetwork(r) => {
            fill_ip_lease(tx, r.interface_id, &mut r.ip_lease_id).await?;
            if r.mac_address_id == 0 {
                r.mac_address_id =
                    allocate_for(tx, table, r.topology_mac_range_group_id, ctx, rng).await?;
            }
        }
        AnyRecord::DatapathSegment(r) => {
            fill_ip_lease(tx, r.interface_id, &mut r.ip_lease_id).await?;
            if r.mac_address_id == 0 {
                r.mac_address_id =
                    allocate_for(tx, table, r.topology_mac_range_group_id, ctx, rng).await?;
            }
        }
        AnyRecord::DatapathRouteLink(r) => {
            fill_ip_lease(tx, r.interface_id, &mut r.ip_lease_id).await?;
            if r.mac_address_id == 0 {
                r.mac_address_id =
                    allocate_for(tx, table, r.topology_mac_range_group_id, ctx, rng).await?;
            }
        }
        AnyRecord::RouteLink(r) if r.mac_address_id.is_none_or(|id| id == 0) => {
            r.mac_address_id = Some(allocate_for(tx, table, None, ctx, rng).await?);
        }
        _ => {}
    }
    Ok(())
}

/// The original's "if no ip_lease_id is given, the host interface's first IP lease is used";
/// an interface without leases leaves the row without one, as in the original.
async fn fill_ip_lease(
    tx: &mut Tx,
    interface_id: Option<Id>,
    ip_lease_id: &mut Option<Id>,
) -> Result<(), StoreError> {
    if ip_lease_id.is_some() {
        return Ok(());
    }
    if let Some(interface_id) = interface_id {
        *ip_lease_id = first_ip_lease(tx, interface_id).await?.map(|l| l.id);
    }
    Ok(())
}

/// The interface's oldest live IP lease.
pub(super) async fn first_ip_lease(
    tx: &mut Tx,
    interface_id: Id,
) -> Result<Option<IpLease>, StoreError> {
    let leases: Vec<IpLease> = tx
        .find(&Filter::new().eq("interface_id", interface_id))
        .await?;
    Ok(leases.into_iter().next())
}

/// Allocates a MAC for a new row of `table`: from the group of topology_mac_range_groups row
/// `topology_group` when given, else from the configured `datapath_mac_group`. Returns the
/// new `mac_addresses` row's id.
async fn allocate_for(
    tx: &mut Tx,
    table: Table,
    topology_group: Option<Id>,
    ctx: &ServiceContext,
    rng: &mut fastrand::Rng,
) -> Result<Id, StoreError> {
    let (group, source) = match topology_group {
        Some(id) => {
            let link: TopologyMacRangeGroup = tx.require(id).await?;
            let group: MacRangeGroup = tx.require(link.mac_range_group_id).await?;
            (group, format!("topology_mac_range_group_id {id}"))
        }
        None => {
            let Some(uuid) = ctx.datapath_mac_group else {
                return Err(ModelError::invalid(
                    "mac_address",
                    NOT_GIVEN,
                    format!(
                        "not given, and vnmgr has no datapath_mac_group configured to allocate \
                         a MAC for {table} from; give mac_address or set datapath_mac_group in \
                         vnmgr's configuration"
                    ),
                )
                .into());
            };
            let group =
                tx.get_by_uuid::<MacRangeGroup>(&uuid)
                    .await?
                    .ok_or(ModelError::UnknownUuid {
                        field: "datapath_mac_group".into(),
                        uuid,
                    })?;
            (group, "vnmgr's datapath_mac_group".to_owned())
        }
    };
    match allocate_in(tx, &group, rng).await? {
        Allocation::Allocated(mac) => Ok(mac.id),
        Allocation::Exhausted(ranges) => Err(ModelError::invalid(
            "mac_address",
            NOT_GIVEN,
            format!(
                "not given, and MAC range group {} ({source}) {}",
                group.uuid,
                describe_exhausted(&ranges)
            ),
        )
        .into()),
    }
}

/// Allocates a MAC from `group` (named by request field `field` in errors) and creates its
/// `mac_addresses` row; returns the row's id.
pub(super) async fn allocate_from_group(
    tx: &mut Tx,
    field: &str,
    group: &model::Uuid,
    rng: &mut fastrand::Rng,
) -> Result<Id, StoreError> {
    let group = tx
        .get_by_uuid::<MacRangeGroup>(group)
        .await?
        .ok_or(ModelError::UnknownUuid {
            field: field.to_owned().into(),
            uuid: *group,
        })?;
    match allocate_in(tx, &group, rng).await? {
        Allocation::Allocated(mac) => Ok(mac.id),
        Allocation::Exhausted(ranges) => {
            Err(
                ModelError::invalid(field.to_owned(), group.uuid, describe_exhausted(&ranges))
                    .into(),
            )
        }
    }
}

/// `has no free address in its ranges a-b, c-d` or `has no MAC ranges`, for error messages.
pub(super) fn describe_exhausted(ranges: &[MacAddrRange]) -> String {
    if ranges.is_empty() {
        return "has no MAC ranges; add one".to_owned();
    }
    let list: Vec<String> = ranges.iter().map(ToString::to_string).collect();
    format!(
        "has no free address in its ranges {}; add a range or free some addresses",
        list.join(", ")
    )
}

/// Allocates a free MAC of `group` and creates its `mac_addresses` row.
pub(super) async fn allocate_in(
    tx: &mut Tx,
    group: &MacRangeGroup,
    rng: &mut fastrand::Rng,
) -> Result<Allocation, StoreError> {
    let rows: Vec<MacRange> = tx
        .find(&Filter::new().eq("mac_range_group_id", group.id))
        .await?;
    let ranges = rows
        .iter()
        .map(MacRange::range)
        .collect::<Result<Vec<_>, _>>()?;
    if ranges.is_empty() {
        return Ok(Allocation::Exhausted(ranges));
    }
    for _ in 0..RANDOM_ATTEMPTS {
        let Some(mac) = random_candidate(&ranges, rng) else {
            break;
        };
        if mac.is_unicast() && !is_taken(tx, mac).await? {
            return create(tx, mac, rng).await.map(Allocation::Allocated);
        }
    }
    // Every draw hit a taken address: read what is taken once and scan. Reading every live
    // MAC is acceptable here because it only happens when the group is nearly full.
    let all: Vec<MacAddress> = tx.find(&Filter::new()).await?;
    let taken: BTreeSet<u64> = all.iter().map(|m| m.mac_address.to_u64()).collect();
    let start = rng.u64(..);
    match first_free(&ranges, &taken, start) {
        Some(mac) => create(tx, mac, rng).await.map(Allocation::Allocated),
        None => Ok(Allocation::Exhausted(ranges)),
    }
}

async fn is_taken(tx: &mut Tx, mac: MacAddr) -> Result<bool, StoreError> {
    let rows: Vec<MacAddress> = tx
        .find(&Filter::new().eq("mac_address", mac.to_sql()))
        .await?;
    Ok(!rows.is_empty())
}

async fn create(
    tx: &mut Tx,
    mac: MacAddr,
    rng: &mut fastrand::Rng,
) -> Result<MacAddress, StoreError> {
    insert_with_new_uuid(tx, rng, |uuid| MacAddress {
        id: 0,
        uuid,
        mac_address: mac,
        segment_id: None,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    })
    .await
}

/// How many addresses the ranges hold together (overlaps counted twice); `None` beyond
/// `u64`, which would take 65,536 ranges of the whole 48-bit space.
fn total_len(ranges: &[MacAddrRange]) -> Option<u64> {
    ranges
        .iter()
        .try_fold(0u64, |sum, r| sum.checked_add(r.len()))
}

/// The `index`-th address of the ranges taken one after the other.
fn nth(ranges: &[MacAddrRange], mut index: u64) -> Option<MacAddr> {
    for range in ranges {
        if index < range.len() {
            return range.nth(index);
        }
        index -= range.len();
    }
    None
}

/// An address drawn uniformly from the ranges.
pub(super) fn random_candidate(
    ranges: &[MacAddrRange],
    rng: &mut fastrand::Rng,
) -> Option<MacAddr> {
    let total = total_len(ranges)?;
    nth(ranges, rng.u64(..total))
}

/// The first free, unicast address of the ranges, scanning upwards from position
/// `start % total` of the ranges taken one after the other and wrapping around.
pub(super) fn first_free(
    ranges: &[MacAddrRange],
    taken: &BTreeSet<u64>,
    start: u64,
) -> Option<MacAddr> {
    let total = total_len(ranges)?;
    if total == 0 {
        return None;
    }
    let start = start % total;
    // Walk the ranges from the one holding `start`, and end with that range's part before it.
    let mut offset = start;
    let mut first = 0;
    for (i, range) in ranges.iter().enumerate() {
        if offset < range.len() {
            first = i;
            break;
        }
        offset -= range.len();
    }
    let count = ranges.len();
    for step in 0..=count {
        let range = ranges.get((first + step) % count)?;
        let (begin, end) = (range.begin().to_u64(), range.end().to_u64());
        let (low, high) = if step == 0 {
            (begin + offset, end)
        } else if step == count {
            if offset == 0 {
                break;
            }
            (begin, begin + offset - 1)
        } else {
            (begin, end)
        };
        if let Some(mac) = first_free_between(low, high, taken) {
            return Some(mac);
        }
    }
    None
}

/// The first free unicast address in `low..=high`. Each step passes a taken address, the
/// zero address or a whole block of group addresses, so the loop ends after at most
/// `taken.len() + 129` steps whatever the size of the range.
fn first_free_between(low: u64, high: u64, taken: &BTreeSet<u64>) -> Option<MacAddr> {
    let mut at = low;
    while at <= high {
        let mac = MacAddr::from_u64(at).ok()?;
        if mac.is_multicast() {
            // The group bit is the low bit of the first octet: skip to the next even one.
            at = ((at >> 40) + 1) << 40;
        } else if mac.is_zero() || taken.contains(&at) {
            at += 1;
        } else {
            return Some(mac);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use model::{DatapathNetwork, ModelError, RouteLink};
    use store::Filter;

    use super::super::test_support::*;
    use super::*;

    fn range(begin: &str, end: &str) -> MacAddrRange {
        MacAddrRange::new(begin.parse().unwrap(), end.parse().unwrap()).unwrap()
    }

    #[test]
    fn the_scan_wraps_and_skips_taken_zero_and_group_addresses() {
        let ranges = [
            range("02:00:00:00:00:10", "02:00:00:00:00:12"),
            range("02:00:00:00:00:20", "02:00:00:00:00:21"),
        ];
        let mac = |s: &str| s.parse::<MacAddr>().unwrap().to_u64();
        let taken: BTreeSet<u64> = [
            mac("02:00:00:00:00:10"),
            mac("02:00:00:00:00:12"),
            mac("02:00:00:00:00:20"),
        ]
        .into();
        // From position 2 (…:12, taken) the scan goes on to the second range.
        assert_eq!(
            first_free(&ranges, &taken, 2).unwrap().to_string(),
            "02:00:00:00:00:21"
        );
        // From position 4 (…:21, free) it stops at once; a start past the end wraps.
        assert_eq!(
            first_free(&ranges, &taken, 4 + 5).unwrap().to_string(),
            "02:00:00:00:00:21"
        );
        let taken: BTreeSet<u64> = taken
            .into_iter()
            .chain([mac("02:00:00:00:00:21")])
            .collect();
        // Only …:11 is left: found from any start, including the wrap into the first range.
        for start in 0..5 {
            assert_eq!(
                first_free(&ranges, &taken, start).unwrap().to_string(),
                "02:00:00:00:00:11"
            );
        }
        let full: BTreeSet<u64> = taken
            .into_iter()
            .chain([mac("02:00:00:00:00:11")])
            .collect();
        assert_eq!(first_free(&ranges, &full, 3), None);

        // Zero and group addresses are never handed out, and whole multicast blocks are
        // skipped at once.
        let wide = [range("00:00:00:00:00:00", "02:00:00:00:00:00")];
        let none = BTreeSet::new();
        assert_eq!(
            first_free(&wide, &none, 0).unwrap().to_string(),
            "00:00:00:00:00:01"
        );
        let start = mac("01:00:00:00:00:05");
        assert_eq!(
            first_free(&wide, &none, start).unwrap().to_string(),
            "02:00:00:00:00:00"
        );
    }

    #[test]
    fn random_draws_cover_every_range_and_stay_inside() {
        let ranges = [
            range("02:00:00:00:00:10", "02:00:00:00:00:11"),
            range("02:00:00:00:01:00", "02:00:00:00:01:01"),
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        let mut seen = BTreeSet::new();
        for _ in 0..200 {
            let mac = random_candidate(&ranges, &mut rng).unwrap();
            assert!(ranges.iter().any(|r| r.contains(mac)), "{mac}");
            seen.insert(mac);
        }
        assert_eq!(seen.len(), 4);
    }

    #[tokio::test]
    async fn a_datapath_network_without_mac_gets_a_random_one_from_the_configured_group() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        let group = mac_group(
            &mut tx,
            "mrg-dpg",
            &[("02:00:00:aa:00:00", "02:00:00:aa:00:ff")],
        )
        .await;
        let fixture = dp_and_network(&mut tx).await;
        let ctx = context(Some("mrg-dpg"));

        // The same seed draws the same MAC; the MAC row is created with the row.
        let mut first = None;
        for _ in 0..2 {
            let mut row = AnyRecord::from(fixture.datapath_network());
            let mut rng = fastrand::Rng::with_seed(42);
            super::super::before_create_with(&mut tx, &mut row, &ctx, &mut rng)
                .await
                .unwrap();
            let AnyRecord::DatapathNetwork(dpn) = row else {
                panic!("not a datapath network")
            };
            let mac: MacAddress = tx.require(dpn.mac_address_id).await.unwrap();
            assert!(group.1[0].contains(mac.mac_address), "{}", mac.mac_address);
            match first {
                None => {
                    first = Some(mac.mac_address);
                    // Free it again, so the second run with the same seed draws the same MAC.
                    tx.delete::<MacAddress>(mac.id).await.unwrap();
                }
                Some(m) => assert_eq!(m, mac.mac_address),
            }
        }
    }

    #[tokio::test]
    async fn a_taken_draw_is_drawn_again() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        let (group, ranges) = mac_group(
            &mut tx,
            "mrg-a",
            &[("02:00:00:aa:00:00", "02:00:00:aa:00:0f")],
        )
        .await;
        // The address seed 5 draws first is taken beforehand.
        let first_draw = random_candidate(&ranges, &mut fastrand::Rng::with_seed(5)).unwrap();
        mac_row(&mut tx, first_draw).await;

        let Allocation::Allocated(mac) =
            allocate_in(&mut tx, &group, &mut fastrand::Rng::with_seed(5))
                .await
                .unwrap()
        else {
            panic!("exhausted")
        };
        assert_ne!(mac.mac_address, first_draw);
        assert!(ranges[0].contains(mac.mac_address));
    }

    #[tokio::test]
    async fn a_nearly_full_group_still_allocates_its_last_address_then_is_exhausted() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        let (group, ranges) = mac_group(
            &mut tx,
            "mrg-a",
            &[("02:00:00:aa:00:00", "02:00:00:aa:00:ff")],
        )
        .await;
        let last: MacAddr = "02:00:00:aa:00:7c".parse().unwrap();
        for i in 0..256 {
            let mac = ranges[0].nth(i).unwrap();
            if mac != last {
                mac_row(&mut tx, mac).await;
            }
        }
        let mut rng = fastrand::Rng::with_seed(1);
        let Allocation::Allocated(mac) = allocate_in(&mut tx, &group, &mut rng).await.unwrap()
        else {
            panic!("exhausted with one address free")
        };
        assert_eq!(mac.mac_address, last);
        assert!(matches!(
            allocate_in(&mut tx, &group, &mut rng).await.unwrap(),
            Allocation::Exhausted(_)
        ));

        // Through the hook, the exhausted group is an error naming the field and the group.
        let fixture = dp_and_network(&mut tx).await;
        let mut row = AnyRecord::from(fixture.datapath_network());
        let err = super::super::before_create(&mut tx, &mut row, &context(Some("mrg-a")))
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("mac_address:"), "{message}");
        assert!(message.contains("mrg-a"), "{message}");
        assert!(
            message.contains("no free address in its ranges 02:00:00:aa:00:00-02:00:00:aa:00:ff"),
            "{message}"
        );
        assert_eq!(err.code(), Some(110));
    }

    #[tokio::test]
    async fn no_group_or_an_unknown_group_is_an_error_naming_the_field() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        let fixture = dp_and_network(&mut tx).await;

        let mut row = AnyRecord::from(fixture.datapath_network());
        let err = super::super::before_create(&mut tx, &mut row, &context(None))
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("mac_address:"), "{message}");
        assert!(message.contains("datapath_mac_group"), "{message}");
        assert!(message.contains("datapath_networks"), "{message}");

        let mut row = AnyRecord::from(RouteLink {
            id: 0,
            uuid: "rl-1".parse().unwrap(),
            mac_address_id: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        });
        let err = super::super::before_create(&mut tx, &mut row, &context(Some("mrg-gone")))
            .await
            .unwrap_err();
        assert!(matches!(
            &err,
            StoreError::Model(ModelError::UnknownUuid { field, .. }) if field == "datapath_mac_group"
        ));
        assert_eq!(
            err.to_string(),
            "datapath_mac_group: no MAC range group with uuid mrg-gone"
        );
        // Nothing was written by the refused creations.
        let macs: Vec<MacAddress> = tx.find(&Filter::new()).await.unwrap();
        assert!(macs.is_empty());
    }

    #[tokio::test]
    async fn a_route_link_without_mac_gets_one_and_a_given_mac_is_kept() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        let (_, ranges) = mac_group(
            &mut tx,
            "mrg-dpg",
            &[("02:00:00:aa:00:00", "02:00:00:aa:00:ff")],
        )
        .await;
        let ctx = context(Some("mrg-dpg"));
        let mut row = AnyRecord::from(RouteLink {
            id: 0,
            uuid: "rl-1".parse().unwrap(),
            mac_address_id: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        });
        super::super::before_create(&mut tx, &mut row, &ctx)
            .await
            .unwrap();
        let AnyRecord::RouteLink(rl) = &row else {
            panic!("not a route link")
        };
        let mac: MacAddress = tx.require(rl.mac_address_id.unwrap()).await.unwrap();
        assert!(ranges[0].contains(mac.mac_address));

        // A datapath_network that names its MAC keeps it, and takes its host interface's
        // first IP lease when it names none.
        let fixture = dp_and_network(&mut tx).await;
        let given = mac_row(&mut tx, "02:00:00:bb:00:01".parse().unwrap()).await;
        let (interface, lease) =
            host_interface(&mut tx, "if-host", fixture.network_id, "10.0.0.5").await;
        let mut row = AnyRecord::from(DatapathNetwork {
            mac_address_id: given.id,
            interface_id: Some(interface),
            ..fixture.datapath_network()
        });
        super::super::before_create(&mut tx, &mut row, &ctx)
            .await
            .unwrap();
        let AnyRecord::DatapathNetwork(dpn) = row else {
            panic!("not a datapath network")
        };
        assert_eq!(dpn.mac_address_id, given.id);
        assert_eq!(dpn.ip_lease_id, Some(lease));
    }
}
