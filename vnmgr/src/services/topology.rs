//! The topology manager (reference §5.14): the `datapath_*` rows that topologies imply.
//!
//! An underlay (`simple_underlay`) has datapaths (`topology_datapaths`: datapath, host
//! interface, IP lease), MAC range groups, networks and segments. An overlay
//! (`simple_overlay`) has networks, segments and route links and sits on underlays
//! (`topology_layers`). Every member × every datapath of the underlay (the member's own
//! topology if it is an underlay, else every underlay below it) implies one `datapath_networks`
//! / `datapath_segments` / `datapath_route_links` row with
//!
//! * the topology_datapath's `interface_id` and `ip_lease_id`,
//! * a new MAC from the underlay's MAC range group (the first, by id, that has a free
//!   address),
//! * `topology_id` (the member's topology), `topology_layer_id` (the layer, for an overlay's
//!   rows) and `topology_mac_range_group_id` (which group the MAC came from).
//!
//! Rows are created when the fact that implies them appears, whichever comes last: a member, a
//! topology_datapath, a layer, or a MAC range group. A pair that already has a row (made by
//! hand, or by another topology) is left as it is, as the original did. Needing a row while the
//! underlay has no MAC range group, or only full ones, is an error naming the topology — the
//! original silently created nothing.
//!
//! Removing a member or a topology_datapath deletes the rows it implied; removing a layer or a
//! MAC range group needs nothing here because the store cascades along `topology_layer_id` and
//! `topology_mac_range_group_id` — except that rows of a removed group move to the underlay's
//! next group when it has one (the original recreated them the same way).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use model::{
    AnyRecord, Datapath, DatapathNetwork, DatapathRouteLink, DatapathSegment, HasUuid, Id,
    MacRangeGroup, ModelError, Network, RouteLink, Segment, Table, Topology, TopologyDatapath,
    TopologyLayer, TopologyMacRangeGroup, TopologyMember, TopologyMode, TopologyNetwork,
    TopologyRouteLink, TopologySegment,
};
use store::{Filter, StoreError, Tx};

use super::mac_alloc::{self, Allocation};

/// A network, segment or route link in a topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Member {
    Network(Id),
    Segment(Id),
    RouteLink(Id),
}

impl Member {
    /// The table of the rows this member implies.
    fn table(self) -> Table {
        match self {
            Self::Network(_) => Table::DatapathNetworks,
            Self::Segment(_) => Table::DatapathSegments,
            Self::RouteLink(_) => Table::DatapathRouteLinks,
        }
    }

    /// The member's column in [`Member::table`] and its id.
    fn column(self) -> (&'static str, Id) {
        match self {
            Self::Network(id) => ("network_id", id),
            Self::Segment(id) => ("segment_id", id),
            Self::RouteLink(id) => ("route_link_id", id),
        }
    }
}

/// One row a topology implies.
#[derive(Debug, Clone)]
struct Placement {
    /// The topology the row belongs to: the member's.
    topology_id: Id,
    /// The layer through which an overlay's member reaches the datapath.
    layer_id: Option<Id>,
    /// Where the datapath, its interface, its lease and the MAC come from.
    underlay_id: Id,
    datapath: TopologyDatapath,
    member: Member,
}

/// Checks a new topology association against its topology's mode, and picks the host
/// interface's first IP lease for a topology_datapath that names none.
pub(super) async fn before_create(tx: &mut Tx, row: &mut AnyRecord) -> Result<(), StoreError> {
    let (topology_id, member) = match row {
        AnyRecord::TopologyDatapath(r) => (r.topology_id, TopologyMember::Datapaths),
        AnyRecord::TopologyNetwork(r) => (r.topology_id, TopologyMember::Networks),
        AnyRecord::TopologySegment(r) => (r.topology_id, TopologyMember::Segments),
        AnyRecord::TopologyRouteLink(r) => (r.topology_id, TopologyMember::RouteLinks),
        AnyRecord::TopologyMacRangeGroup(r) => (r.topology_id, TopologyMember::MacRangeGroups),
        AnyRecord::TopologyLayer(r) => {
            let overlay: Topology = tx.require(r.overlay_id).await?;
            let underlay: Topology = tx.require(r.underlay_id).await?;
            return Ok(TopologyLayer::check_layers(&overlay, &underlay)?);
        }
        _ => return Ok(()),
    };
    let topology: Topology = tx.require(topology_id).await?;
    topology.check_accepts("topology_uuid", member)?;
    if let AnyRecord::TopologyDatapath(r) = row
        && r.ip_lease_id == 0
    {
        // The original's detect_ip_lease: the host interface's first lease is the tunnel
        // endpoint.
        let Some(lease) = mac_alloc::first_ip_lease(tx, r.interface_id).await? else {
            let interface: model::Interface = tx.require(r.interface_id).await?;
            return Err(ModelError::invalid(
                "interface_uuid",
                interface.uuid,
                "has no IP lease to use as the datapath's tunnel endpoint; lease it an address \
                 or give ip_lease_uuid",
            )
            .into());
        };
        r.ip_lease_id = lease.id;
    }
    Ok(())
}

/// Creates the rows a new topology association implies.
pub(super) async fn after_create(
    tx: &mut Tx,
    row: &AnyRecord,
    rng: &mut fastrand::Rng,
) -> Result<(), StoreError> {
    let placements = match row {
        AnyRecord::TopologyDatapath(tdp) => {
            let underlay_id = tdp.topology_id;
            let mut placements = cross(
                underlay_id,
                None,
                underlay_id,
                std::slice::from_ref(tdp),
                &members(tx, underlay_id).await?,
            );
            for layer in layers_over(tx, underlay_id).await? {
                placements.extend(cross(
                    layer.overlay_id,
                    Some(layer.id),
                    underlay_id,
                    std::slice::from_ref(tdp),
                    &members(tx, layer.overlay_id).await?,
                ));
            }
            placements
        }
        AnyRecord::TopologyNetwork(r) => {
            member_placements(tx, r.topology_id, Member::Network(r.network_id)).await?
        }
        AnyRecord::TopologySegment(r) => {
            member_placements(tx, r.topology_id, Member::Segment(r.segment_id)).await?
        }
        AnyRecord::TopologyRouteLink(r) => {
            member_placements(tx, r.topology_id, Member::RouteLink(r.route_link_id)).await?
        }
        AnyRecord::TopologyLayer(layer) => cross(
            layer.overlay_id,
            Some(layer.id),
            layer.underlay_id,
            &datapaths(tx, layer.underlay_id).await?,
            &members(tx, layer.overlay_id).await?,
        ),
        // Rows that could not be made before (or were removed) can be made now.
        AnyRecord::TopologyMacRangeGroup(r) => underlay_placements(tx, r.topology_id).await?,
        _ => return Ok(()),
    };
    ensure(tx, &placements, None, rng).await
}

/// Deletes the rows a topology association about to be deleted implied.
pub(super) async fn before_delete(
    tx: &mut Tx,
    row: &AnyRecord,
    rng: &mut fastrand::Rng,
) -> Result<(), StoreError> {
    match row {
        AnyRecord::TopologyDatapath(tdp) => {
            let own = Filter::new()
                .eq("topology_id", tdp.topology_id)
                .eq("datapath_id", tdp.datapath_id);
            for table in DATAPATH_TABLES {
                delete_where(tx, table, &own).await?;
            }
            for layer in layers_over(tx, tdp.topology_id).await? {
                let overlay = Filter::new()
                    .eq("topology_id", layer.overlay_id)
                    .eq("topology_layer_id", layer.id)
                    .eq("datapath_id", tdp.datapath_id);
                for table in DATAPATH_TABLES {
                    delete_where(tx, table, &overlay).await?;
                }
            }
            Ok(())
        }
        AnyRecord::TopologyNetwork(r) => {
            member_removed(tx, r.topology_id, Member::Network(r.network_id)).await
        }
        AnyRecord::TopologySegment(r) => {
            member_removed(tx, r.topology_id, Member::Segment(r.segment_id)).await
        }
        AnyRecord::TopologyRouteLink(r) => {
            member_removed(tx, r.topology_id, Member::RouteLink(r.route_link_id)).await
        }
        AnyRecord::TopologyMacRangeGroup(group) => {
            let others: Vec<TopologyMacRangeGroup> = tx
                .find(&Filter::new().eq("topology_id", group.topology_id))
                .await?;
            if others.iter().all(|g| g.id == group.id) {
                // The last group: its rows go with it (the store cascades).
                return Ok(());
            }
            let using = Filter::new().eq("topology_mac_range_group_id", group.id);
            for table in DATAPATH_TABLES {
                delete_where(tx, table, &using).await?;
            }
            let placements = underlay_placements(tx, group.topology_id).await?;
            ensure(tx, &placements, Some(group.id), rng).await
        }
        _ => Ok(()),
    }
}

const DATAPATH_TABLES: [Table; 3] = [
    Table::DatapathNetworks,
    Table::DatapathSegments,
    Table::DatapathRouteLinks,
];

async fn delete_where(tx: &mut Tx, table: Table, filter: &Filter) -> Result<(), StoreError> {
    for row in tx.find_any(table, filter).await? {
        // A row may already be gone with an earlier one (they share nothing today, but a
        // cascade must not turn into an unknown-id error).
        if tx.get_any(table, row.id()).await?.is_some() {
            tx.delete_any(table, row.id()).await?;
        }
    }
    Ok(())
}

async fn member_removed(tx: &mut Tx, topology_id: Id, member: Member) -> Result<(), StoreError> {
    let (column, id) = member.column();
    let filter = Filter::new().eq("topology_id", topology_id).eq(column, id);
    delete_where(tx, member.table(), &filter).await
}

/// The rows a member of `topology_id` implies.
async fn member_placements(
    tx: &mut Tx,
    topology_id: Id,
    member: Member,
) -> Result<Vec<Placement>, StoreError> {
    let topology: Topology = tx.require(topology_id).await?;
    let members = [member];
    Ok(match topology.mode {
        TopologyMode::SimpleUnderlay => cross(
            topology_id,
            None,
            topology_id,
            &datapaths(tx, topology_id).await?,
            &members,
        ),
        TopologyMode::SimpleOverlay => {
            let mut placements = Vec::new();
            for layer in layers_under(tx, topology_id).await? {
                placements.extend(cross(
                    topology_id,
                    Some(layer.id),
                    layer.underlay_id,
                    &datapaths(tx, layer.underlay_id).await?,
                    &members,
                ));
            }
            placements
        }
    })
}

/// Every row underlay `underlay_id` implies: its own members' and its overlays' members' on
/// its datapaths.
async fn underlay_placements(tx: &mut Tx, underlay_id: Id) -> Result<Vec<Placement>, StoreError> {
    let datapaths = datapaths(tx, underlay_id).await?;
    let mut placements = cross(
        underlay_id,
        None,
        underlay_id,
        &datapaths,
        &members(tx, underlay_id).await?,
    );
    for layer in layers_over(tx, underlay_id).await? {
        placements.extend(cross(
            layer.overlay_id,
            Some(layer.id),
            underlay_id,
            &datapaths,
            &members(tx, layer.overlay_id).await?,
        ));
    }
    Ok(placements)
}

fn cross(
    topology_id: Id,
    layer_id: Option<Id>,
    underlay_id: Id,
    datapaths: &[TopologyDatapath],
    members: &[Member],
) -> Vec<Placement> {
    datapaths
        .iter()
        .flat_map(|datapath| {
            members.iter().map(move |&member| Placement {
                topology_id,
                layer_id,
                underlay_id,
                datapath: datapath.clone(),
                member,
            })
        })
        .collect()
}

async fn datapaths(tx: &mut Tx, underlay_id: Id) -> Result<Vec<TopologyDatapath>, StoreError> {
    tx.find(&Filter::new().eq("topology_id", underlay_id)).await
}

async fn members(tx: &mut Tx, topology_id: Id) -> Result<Vec<Member>, StoreError> {
    let of_topology = Filter::new().eq("topology_id", topology_id);
    let networks: Vec<TopologyNetwork> = tx.find(&of_topology).await?;
    let segments: Vec<TopologySegment> = tx.find(&of_topology).await?;
    let route_links: Vec<TopologyRouteLink> = tx.find(&of_topology).await?;
    Ok(networks
        .iter()
        .map(|r| Member::Network(r.network_id))
        .chain(segments.iter().map(|r| Member::Segment(r.segment_id)))
        .chain(
            route_links
                .iter()
                .map(|r| Member::RouteLink(r.route_link_id)),
        )
        .collect())
}

/// The layers whose underlay is `underlay_id`.
async fn layers_over(tx: &mut Tx, underlay_id: Id) -> Result<Vec<TopologyLayer>, StoreError> {
    tx.find(&Filter::new().eq("underlay_id", underlay_id)).await
}

/// The layers whose overlay is `overlay_id`.
async fn layers_under(tx: &mut Tx, overlay_id: Id) -> Result<Vec<TopologyLayer>, StoreError> {
    tx.find(&Filter::new().eq("overlay_id", overlay_id)).await
}

/// Creates the rows of `placements` that do not exist yet. `excluded_group` is a
/// topology_mac_range_groups row about to be deleted, not to allocate from.
async fn ensure(
    tx: &mut Tx,
    placements: &[Placement],
    excluded_group: Option<Id>,
    rng: &mut fastrand::Rng,
) -> Result<(), StoreError> {
    let mut groups: HashMap<Id, Vec<(TopologyMacRangeGroup, MacRangeGroup)>> = HashMap::new();
    for placement in placements {
        let datapath_id = placement.datapath.datapath_id;
        let (column, member_id) = placement.member.column();
        let existing = tx
            .find_any(
                placement.member.table(),
                &Filter::new()
                    .eq("datapath_id", datapath_id)
                    .eq(column, member_id),
            )
            .await?;
        if !existing.is_empty() {
            continue;
        }
        let candidates = match groups.entry(placement.underlay_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => {
                let links: Vec<TopologyMacRangeGroup> = tx
                    .find(&Filter::new().eq("topology_id", placement.underlay_id))
                    .await?;
                let mut list = Vec::new();
                for link in links.into_iter().filter(|l| Some(l.id) != excluded_group) {
                    let group: MacRangeGroup = tx.require(link.mac_range_group_id).await?;
                    list.push((link, group));
                }
                slot.insert(list)
            }
        };
        let mut allocated = None;
        let mut exhausted = Vec::new();
        for (link, group) in candidates.iter() {
            match mac_alloc::allocate_in(tx, group, rng).await? {
                Allocation::Allocated(mac) => {
                    allocated = Some((link.id, mac.id));
                    break;
                }
                Allocation::Exhausted(ranges) => exhausted.push(format!(
                    "{} {}",
                    group.uuid,
                    mac_alloc::describe_exhausted(&ranges)
                )),
            }
        }
        let Some((group_link, mac_address_id)) = allocated else {
            return Err(no_mac_error(tx, placement, &exhausted).await?.into());
        };
        insert_row(tx, placement, group_link, mac_address_id).await?;
    }
    Ok(())
}

async fn insert_row(
    tx: &mut Tx,
    p: &Placement,
    topology_mac_range_group_id: Id,
    mac_address_id: Id,
) -> Result<(), StoreError> {
    let datapath_id = p.datapath.datapath_id;
    let interface_id = Some(p.datapath.interface_id);
    let ip_lease_id = Some(p.datapath.ip_lease_id);
    let topology_id = Some(p.topology_id);
    let topology_layer_id = p.layer_id;
    let topology_mac_range_group_id = Some(topology_mac_range_group_id);
    match p.member {
        Member::Network(network_id) => {
            tx.insert(DatapathNetwork {
                id: 0,
                datapath_id,
                network_id,
                interface_id,
                mac_address_id,
                ip_lease_id,
                topology_id,
                topology_layer_id,
                topology_mac_range_group_id,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            })
            .await?;
        }
        Member::Segment(segment_id) => {
            tx.insert(DatapathSegment {
                id: 0,
                datapath_id,
                segment_id,
                interface_id,
                mac_address_id,
                ip_lease_id,
                topology_id,
                topology_layer_id,
                topology_mac_range_group_id,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            })
            .await?;
        }
        Member::RouteLink(route_link_id) => {
            tx.insert(DatapathRouteLink {
                id: 0,
                datapath_id,
                route_link_id,
                interface_id,
                mac_address_id,
                ip_lease_id,
                topology_id,
                topology_layer_id,
                topology_mac_range_group_id,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            })
            .await?;
        }
    }
    Ok(())
}

/// Why a placement got no MAC: the underlay has no MAC range group, or all of them are full.
async fn no_mac_error(
    tx: &mut Tx,
    p: &Placement,
    exhausted: &[String],
) -> Result<ModelError, StoreError> {
    let underlay: Topology = tx.require(p.underlay_id).await?;
    let datapath: Datapath = tx.require(p.datapath.datapath_id).await?;
    let member = match p.member {
        Member::Network(id) => uuid_of::<Network>(tx, id).await?,
        Member::Segment(id) => uuid_of::<Segment>(tx, id).await?,
        Member::RouteLink(id) => uuid_of::<RouteLink>(tx, id).await?,
    };
    let what = format!(
        "the {} row of datapath {} and {member}",
        p.member.table(),
        datapath.uuid
    );
    let reason = if exhausted.is_empty() {
        format!(
            "underlay topology {} has no MAC range group to allocate a MAC for {what} from; \
             add one to the topology (topology_mac_range_groups) first",
            underlay.uuid
        )
    } else {
        format!(
            "no MAC for {what}: the MAC range groups of underlay topology {} are full: {}",
            underlay.uuid,
            exhausted.join("; ")
        )
    };
    Ok(ModelError::invalid("topology_uuid", underlay.uuid, reason))
}

async fn uuid_of<R: HasUuid>(tx: &mut Tx, id: Id) -> Result<String, StoreError> {
    let row: R = tx.require(id).await?;
    Ok(format!("{} {}", R::KIND.name(), row.uuid()))
}

#[cfg(test)]
mod tests {
    use model::{
        InterfaceMode, MacAddress, Record, TopologyDatapath, TopologyLayer, TopologyMacRangeGroup,
        TopologyNetwork, TopologyRouteLink, TopologySegment,
    };
    use store::{ChangeOp, Filter, Tx};

    use super::super::test_support::*;
    use super::*;

    /// Two datapaths of an underlay with their host interfaces and leases.
    struct Underlay {
        id: Id,
        dp: [Id; 2],
        interface: [Id; 2],
        lease: [Id; 2],
    }

    async fn underlay(tx: &mut Tx) -> Underlay {
        let id = topology(tx, "topo-physical", TopologyMode::SimpleUnderlay).await;
        let public = network(tx, "nw-public", "192.168.0.0/24").await;
        let dp = [datapath(tx, "dp-1", 1).await, datapath(tx, "dp-2", 2).await];
        let (if1, lease1) = host_interface(tx, "if-dp1eth0", public.id, "192.168.0.1").await;
        let (if2, lease2) = host_interface(tx, "if-dp2eth0", public.id, "192.168.0.2").await;
        Underlay {
            id,
            dp,
            interface: [if1, if2],
            lease: [lease1, lease2],
        }
    }

    fn topology_datapath(topology_id: Id, datapath_id: Id, interface_id: Id) -> TopologyDatapath {
        TopologyDatapath {
            id: 0,
            topology_id,
            datapath_id,
            interface_id,
            ip_lease_id: 0,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }
    }

    fn topology_network(topology_id: Id, network_id: Id) -> TopologyNetwork {
        TopologyNetwork {
            id: 0,
            topology_id,
            network_id,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }
    }

    fn topology_group(topology_id: Id, mac_range_group_id: Id) -> TopologyMacRangeGroup {
        TopologyMacRangeGroup {
            id: 0,
            topology_id,
            mac_range_group_id,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }
    }

    async fn rows<R: Record>(tx: &mut Tx) -> Vec<R> {
        tx.find(&Filter::new()).await.unwrap()
    }

    #[tokio::test]
    async fn underlay_and_overlay_members_become_datapath_rows_and_go_away_with_them() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        let ctx = context(None);
        let rng = &mut fastrand::Rng::with_seed(3);
        let u = underlay(&mut tx).await;
        let (group, ranges) = mac_group(
            &mut tx,
            "mrg-dpg",
            &[("08:00:27:aa:00:00", "08:00:27:aa:ff:ff")],
        )
        .await;
        let overlay = topology(&mut tx, "topo-vnet", TopologyMode::SimpleOverlay).await;
        let vnet1 = network(&mut tx, "nw-vnet1", "10.101.0.0/24").await.id;
        let seg = segment(&mut tx, "seg-1").await;
        let rl = route_link(&mut tx, "rl-1", "02:00:32:00:00:01").await;
        let macs_before = rows::<MacAddress>(&mut tx).await.len();

        // The first datapath joins the underlay without naming a lease: it takes its host
        // interface's first one. Nothing else is there yet, so no row is implied.
        let AnyRecord::TopologyDatapath(tdp1) = create(
            &mut tx,
            topology_datapath(u.id, u.dp[0], u.interface[0]),
            &ctx,
            rng,
        )
        .await
        .unwrap() else {
            panic!()
        };
        assert_eq!(tdp1.ip_lease_id, u.lease[0]);
        let tmrg = create(&mut tx, topology_group(u.id, group.id), &ctx, rng)
            .await
            .unwrap()
            .id();
        assert!(rows::<DatapathNetwork>(&mut tx).await.is_empty());

        // An underlay network: one row on dp-1 with the host interface, lease and a MAC of
        // the underlay's group.
        let start = tx.changes().len();
        let public = tx
            .get_by_uuid::<Network>(&uuid("nw-public"))
            .await
            .unwrap()
            .unwrap()
            .id;
        create(&mut tx, topology_network(u.id, public), &ctx, rng)
            .await
            .unwrap();
        let dpns = rows::<DatapathNetwork>(&mut tx).await;
        assert_eq!(dpns.len(), 1);
        let dpn = &dpns[0];
        assert_eq!(
            (
                dpn.datapath_id,
                dpn.network_id,
                dpn.interface_id,
                dpn.ip_lease_id
            ),
            (u.dp[0], public, Some(u.interface[0]), Some(u.lease[0]))
        );
        assert_eq!(
            (
                dpn.topology_id,
                dpn.topology_layer_id,
                dpn.topology_mac_range_group_id
            ),
            (Some(u.id), None, Some(tmrg))
        );
        let mac: MacAddress = tx.require(dpn.mac_address_id).await.unwrap();
        assert!(ranges[0].contains(mac.mac_address));
        // The MAC row and the datapath_networks row are changes of the same transaction.
        let created: Vec<Table> = tx.changes()[start..]
            .iter()
            .filter(|c| c.op == ChangeOp::Created)
            .map(|c| c.row.table())
            .collect();
        assert!(created.contains(&Table::MacAddresses));
        assert!(created.contains(&Table::DatapathNetworks));

        // The overlay sits on the underlay; its network, segment and route link get rows on
        // dp-1 through the layer.
        let layer = create(
            &mut tx,
            TopologyLayer {
                id: 0,
                overlay_id: overlay,
                underlay_id: u.id,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            },
            &ctx,
            rng,
        )
        .await
        .unwrap()
        .id();
        create(&mut tx, topology_network(overlay, vnet1), &ctx, rng)
            .await
            .unwrap();
        create(
            &mut tx,
            TopologySegment {
                id: 0,
                topology_id: overlay,
                segment_id: seg,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            },
            &ctx,
            rng,
        )
        .await
        .unwrap();
        let trl = create(
            &mut tx,
            TopologyRouteLink {
                id: 0,
                topology_id: overlay,
                route_link_id: rl,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            },
            &ctx,
            rng,
        )
        .await
        .unwrap();
        let dprls = rows::<DatapathRouteLink>(&mut tx).await;
        assert_eq!(dprls.len(), 1);
        assert_eq!(
            (
                dprls[0].datapath_id,
                dprls[0].topology_id,
                dprls[0].topology_layer_id
            ),
            (u.dp[0], Some(overlay), Some(layer))
        );
        assert_eq!(dprls[0].interface_id, Some(u.interface[0]));

        // A second datapath joins: every member, the underlay's and the overlay's, gets a
        // row on it, except the pair someone already placed by hand.
        let manual_mac = mac_row(&mut tx, "02:00:00:cc:00:01".parse().unwrap()).await;
        let manual = tx
            .insert(DatapathNetwork {
                id: 0,
                datapath_id: u.dp[1],
                network_id: vnet1,
                interface_id: None,
                mac_address_id: manual_mac.id,
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
        let tdp2 = topology_datapath(u.id, u.dp[1], u.interface[1]);
        let tdp2 = create(
            &mut tx,
            TopologyDatapath {
                ip_lease_id: u.lease[1],
                ..tdp2
            },
            &ctx,
            rng,
        )
        .await
        .unwrap()
        .id();
        let dpns = rows::<DatapathNetwork>(&mut tx).await;
        assert_eq!(dpns.len(), 4);
        assert!(
            dpns.iter()
                .any(|r| r.id == manual.id && r.topology_id.is_none())
        );
        assert_eq!(rows::<DatapathSegment>(&mut tx).await.len(), 2);
        assert_eq!(rows::<DatapathRouteLink>(&mut tx).await.len(), 2);
        for r in dpns.iter().filter(|r| r.topology_id.is_some()) {
            let i = usize::from(r.datapath_id == u.dp[1]);
            assert_eq!(r.interface_id, Some(u.interface[i]));
            assert_eq!(r.ip_lease_id, Some(u.lease[i]));
        }
        // One new, distinct MAC per generated row (3 networks' rows, 2 segments', 2 route links').
        let macs = rows::<MacAddress>(&mut tx).await;
        assert_eq!(macs.len(), macs_before + 1 + 7);

        // Removing the overlay's route link removes its rows and their MACs.
        remove(&mut tx, Table::TopologyRouteLinks, trl.id(), &ctx, rng)
            .await
            .unwrap();
        assert!(rows::<DatapathRouteLink>(&mut tx).await.is_empty());
        assert_eq!(rows::<MacAddress>(&mut tx).await.len(), macs_before + 1 + 5);

        // Removing dp-1 from the underlay removes its rows of both topologies; dp-2's stay.
        remove(&mut tx, Table::TopologyDatapaths, tdp1.id, &ctx, rng)
            .await
            .unwrap();
        let dpns = rows::<DatapathNetwork>(&mut tx).await;
        assert!(dpns.iter().all(|r| r.datapath_id == u.dp[1]), "{dpns:?}");
        assert_eq!(dpns.len(), 2);
        let segs = rows::<DatapathSegment>(&mut tx).await;
        assert_eq!(segs.len(), 1);
        assert_eq!(segs[0].datapath_id, u.dp[1]);

        // Removing the underlay network removes its last row; the hand-made one stays.
        let tn = tx
            .find::<TopologyNetwork>(&Filter::new().eq("network_id", public))
            .await
            .unwrap();
        remove(&mut tx, Table::TopologyNetworks, tn[0].id, &ctx, rng)
            .await
            .unwrap();
        let dpns = rows::<DatapathNetwork>(&mut tx).await;
        assert_eq!(dpns.iter().map(|r| r.id).collect::<Vec<_>>(), [manual.id]);
        let _ = tdp2;
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn an_underlay_without_a_mac_range_group_refuses_until_it_has_one() {
        // Each step is its own transaction, dropped on error as the RPC layer does.
        let store = memory_store().await;
        let ctx = context(Some("mrg-unused"));
        let rng = &mut fastrand::Rng::with_seed(9);
        let mut tx = store.begin(T0).await.unwrap();
        let u = underlay(&mut tx).await;
        create(
            &mut tx,
            topology_datapath(u.id, u.dp[0], u.interface[0]),
            &ctx,
            rng,
        )
        .await
        .unwrap();
        let vnet = network(&mut tx, "nw-vnet1", "10.101.0.0/24").await.id;
        let (full, ranges) = mac_group(
            &mut tx,
            "mrg-full",
            &[("08:00:27:aa:00:00", "08:00:27:aa:00:00")],
        )
        .await;
        mac_row(&mut tx, ranges[0].begin()).await;
        let (spare, spare_ranges) = mac_group(
            &mut tx,
            "mrg-spare",
            &[("08:00:27:bb:00:00", "08:00:27:bb:00:ff")],
        )
        .await;
        tx.commit().await.unwrap();

        let mut tx = store.begin(T0).await.unwrap();
        let err = create(&mut tx, topology_network(u.id, vnet), &ctx, rng)
            .await
            .unwrap_err();
        drop(tx);
        let message = err.to_string();
        assert!(message.starts_with("topology_uuid:"), "{message}");
        assert!(
            message.contains("topo-physical has no MAC range group"),
            "{message}"
        );
        assert!(message.contains("dp-1"), "{message}");
        assert!(message.contains("nw-vnet1"), "{message}");

        // A full group is named in the error.
        let mut tx = store.begin(T0).await.unwrap();
        let full_link = create(&mut tx, topology_group(u.id, full.id), &ctx, rng)
            .await
            .unwrap()
            .id();
        tx.commit().await.unwrap();
        let mut tx = store.begin(T0).await.unwrap();
        let err = create(&mut tx, topology_network(u.id, vnet), &ctx, rng)
            .await
            .unwrap_err();
        drop(tx);
        let message = err.to_string();
        assert!(
            message.contains("are full: mrg-full has no free address"),
            "{message}"
        );

        // With a second group the network is placed, from that group; when the full group
        // goes, nothing needs to move.
        let mut tx = store.begin(T0).await.unwrap();
        let spare_link = create(&mut tx, topology_group(u.id, spare.id), &ctx, rng)
            .await
            .unwrap()
            .id();
        create(&mut tx, topology_network(u.id, vnet), &ctx, rng)
            .await
            .unwrap();
        let dpns = rows::<DatapathNetwork>(&mut tx).await;
        assert_eq!(dpns.len(), 1);
        assert_eq!(dpns[0].topology_mac_range_group_id, Some(spare_link));
        let mac: MacAddress = tx.require(dpns[0].mac_address_id).await.unwrap();
        assert!(spare_ranges[0].contains(mac.mac_address));
        remove(&mut tx, Table::TopologyMacRangeGroups, full_link, &ctx, rng)
            .await
            .unwrap();
        assert_eq!(rows::<DatapathNetwork>(&mut tx).await, dpns);
    }

    #[tokio::test]
    async fn a_datapath_meeting_a_member_needs_the_group_first() {
        // A member that implies no row yet (the underlay has no datapath) needs no group; the
        // datapath that would meet it does.
        let store = memory_store().await;
        let ctx = context(None);
        let rng = &mut fastrand::Rng::with_seed(4);
        let mut tx = store.begin(T0).await.unwrap();
        let u = underlay(&mut tx).await;
        let vnet = network(&mut tx, "nw-vnet1", "10.101.0.0/24").await.id;
        create(&mut tx, topology_network(u.id, vnet), &ctx, rng)
            .await
            .unwrap();
        let (group, _) = mac_group(
            &mut tx,
            "mrg-dpg",
            &[("08:00:27:aa:00:00", "08:00:27:aa:00:ff")],
        )
        .await;
        tx.commit().await.unwrap();

        let mut tx = store.begin(T0).await.unwrap();
        let err = create(
            &mut tx,
            topology_datapath(u.id, u.dp[0], u.interface[0]),
            &ctx,
            rng,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("has no MAC range group"), "{err}");
        drop(tx);
        let mut tx = store.begin(T0).await.unwrap();
        create(&mut tx, topology_group(u.id, group.id), &ctx, rng)
            .await
            .unwrap();
        create(
            &mut tx,
            topology_datapath(u.id, u.dp[0], u.interface[0]),
            &ctx,
            rng,
        )
        .await
        .unwrap();
        assert_eq!(rows::<DatapathNetwork>(&mut tx).await.len(), 1);
    }

    #[tokio::test]
    async fn rows_of_a_removed_mac_range_group_move_to_the_next_group() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        let ctx = context(None);
        let rng = &mut fastrand::Rng::with_seed(11);
        let u = underlay(&mut tx).await;
        let (first, _) = mac_group(
            &mut tx,
            "mrg-a",
            &[("08:00:27:aa:00:00", "08:00:27:aa:00:ff")],
        )
        .await;
        let (second, second_ranges) = mac_group(
            &mut tx,
            "mrg-b",
            &[("08:00:27:bb:00:00", "08:00:27:bb:00:ff")],
        )
        .await;
        let first_link = create(&mut tx, topology_group(u.id, first.id), &ctx, rng)
            .await
            .unwrap()
            .id();
        let second_link = create(&mut tx, topology_group(u.id, second.id), &ctx, rng)
            .await
            .unwrap()
            .id();
        for (dp, interface) in u.dp.iter().zip(u.interface) {
            create(&mut tx, topology_datapath(u.id, *dp, interface), &ctx, rng)
                .await
                .unwrap();
        }
        let vnet = network(&mut tx, "nw-vnet1", "10.101.0.0/24").await.id;
        create(&mut tx, topology_network(u.id, vnet), &ctx, rng)
            .await
            .unwrap();
        let dpns = rows::<DatapathNetwork>(&mut tx).await;
        assert_eq!(dpns.len(), 2);
        assert!(
            dpns.iter()
                .all(|r| r.topology_mac_range_group_id == Some(first_link))
        );

        remove(
            &mut tx,
            Table::TopologyMacRangeGroups,
            first_link,
            &ctx,
            rng,
        )
        .await
        .unwrap();
        let dpns = rows::<DatapathNetwork>(&mut tx).await;
        assert_eq!(dpns.len(), 2);
        for r in &dpns {
            assert_eq!(r.topology_mac_range_group_id, Some(second_link));
            let mac: MacAddress = tx.require(r.mac_address_id).await.unwrap();
            assert!(second_ranges[0].contains(mac.mac_address));
        }

        // The last group takes its rows with it; a new group brings them back.
        remove(
            &mut tx,
            Table::TopologyMacRangeGroups,
            second_link,
            &ctx,
            rng,
        )
        .await
        .unwrap();
        assert!(rows::<DatapathNetwork>(&mut tx).await.is_empty());
        let third_link = create(&mut tx, topology_group(u.id, first.id), &ctx, rng)
            .await
            .unwrap()
            .id();
        let dpns = rows::<DatapathNetwork>(&mut tx).await;
        assert_eq!(dpns.len(), 2);
        assert!(
            dpns.iter()
                .all(|r| r.topology_mac_range_group_id == Some(third_link))
        );
    }

    #[tokio::test]
    async fn members_a_mode_does_not_allow_are_refused() {
        let store = memory_store().await;
        let mut tx = store.begin(T0).await.unwrap();
        let ctx = context(None);
        let rng = &mut fastrand::Rng::with_seed(1);
        let overlay = topology(&mut tx, "topo-vnet", TopologyMode::SimpleOverlay).await;
        let dp = datapath(&mut tx, "dp-1", 1).await;
        let host = interface(&mut tx, "if-host", InterfaceMode::Host, "02:00:00:00:00:99").await;
        let err = create(&mut tx, topology_datapath(overlay, dp, host.id), &ctx, rng)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("a simple_overlay topology has no datapaths"),
            "{err}"
        );

        // An underlay datapath whose interface has no lease cannot be placed.
        let underlay = topology(&mut tx, "topo-physical", TopologyMode::SimpleUnderlay).await;
        let err = create(&mut tx, topology_datapath(underlay, dp, host.id), &ctx, rng)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("interface_uuid: invalid value \"if-host\": has no IP lease"),
            "{err}"
        );
    }
}
