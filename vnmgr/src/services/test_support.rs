//! Fixtures for the services' tests: an in-memory store and rows built with few words.

use model::{
    AnyRecord, Datapath, DatapathNetwork, Dpid, Id, Interface, InterfaceMode, IpAddress, IpLease,
    MacAddr, MacAddrRange, MacAddress, MacLease, MacRange, MacRangeGroup, Network, NetworkMode,
    Record, RouteLink, Segment, SegmentMode, Table, Topology, TopologyMode, Uuid,
};
use store::{Store, Tx};

use super::ServiceContext;

/// The tests' clock.
pub(super) const T0: i64 = 1_700_000_000;

pub(super) async fn memory_store() -> Store {
    Store::open("sqlite::memory:").await.unwrap()
}

pub(super) fn context(datapath_mac_group: Option<&str>) -> ServiceContext {
    ServiceContext {
        datapath_mac_group: datapath_mac_group.map(|u| u.parse().unwrap()),
        now: T0,
    }
}

pub(super) fn uuid(s: &str) -> Uuid {
    s.parse().unwrap()
}

fn new_uuid(kind: model::ResourceKind) -> Uuid {
    Uuid::generate(kind, || fastrand::u32(..))
}

/// A MAC range group with `ranges`; returns the group and the ranges.
pub(super) async fn mac_group(
    tx: &mut Tx,
    group_uuid: &str,
    ranges: &[(&str, &str)],
) -> (MacRangeGroup, Vec<MacAddrRange>) {
    let group = tx
        .insert(MacRangeGroup {
            id: 0,
            uuid: uuid(group_uuid),
            allocation_type: model::AllocationType::Random,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
    let mut list = Vec::new();
    for (begin, end) in ranges {
        let range = tx
            .insert(MacRange {
                id: 0,
                uuid: new_uuid(model::ResourceKind::MacRange),
                mac_range_group_id: group.id,
                begin_mac_address: begin.parse().unwrap(),
                end_mac_address: end.parse().unwrap(),
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            })
            .await
            .unwrap();
        list.push(range.range().unwrap());
    }
    (group, list)
}

/// A `mac_addresses` row holding `mac`.
pub(super) async fn mac_row(tx: &mut Tx, mac: MacAddr) -> MacAddress {
    tx.insert(MacAddress {
        id: 0,
        uuid: new_uuid(model::ResourceKind::MacAddress),
        mac_address: mac,
        segment_id: None,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    })
    .await
    .unwrap()
}

pub(super) async fn datapath(tx: &mut Tx, datapath_uuid: &str, dpid: u64) -> Id {
    tx.insert(Datapath {
        id: 0,
        uuid: uuid(datapath_uuid),
        display_name: datapath_uuid.into(),
        dpid: Dpid(dpid),
        node_id: format!("vna-{datapath_uuid}"),
        enable_ovs_learn_action: true,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    })
    .await
    .unwrap()
    .id
}

/// A virtual network `cidr` (e.g. `10.0.0.0/24`).
pub(super) async fn network(tx: &mut Tx, network_uuid: &str, cidr: &str) -> Network {
    let (addr, len) = cidr.split_once('/').unwrap();
    tx.insert(Network {
        id: 0,
        uuid: uuid(network_uuid),
        display_name: network_uuid.into(),
        ipv4_network: addr.parse().unwrap(),
        ipv4_prefix: len.parse().unwrap(),
        mode: NetworkMode::Virtual,
        domain_name: "example.test".into(),
        segment_id: None,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    })
    .await
    .unwrap()
}

pub(super) async fn segment(tx: &mut Tx, segment_uuid: &str) -> Id {
    tx.insert(Segment {
        id: 0,
        uuid: uuid(segment_uuid),
        mode: SegmentMode::Virtual,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    })
    .await
    .unwrap()
    .id
}

/// A route link that already has a MAC, so no service allocates one.
pub(super) async fn route_link(tx: &mut Tx, route_link_uuid: &str, mac: &str) -> Id {
    let mac = mac_row(tx, mac.parse().unwrap()).await;
    tx.insert(RouteLink {
        id: 0,
        uuid: uuid(route_link_uuid),
        mac_address_id: Some(mac.id),
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    })
    .await
    .unwrap()
    .id
}

/// An interface of `mode` with a MAC lease on `mac`; returns the interface.
pub(super) async fn interface(
    tx: &mut Tx,
    interface_uuid: &str,
    mode: InterfaceMode,
    mac: &str,
) -> Interface {
    let interface = tx
        .insert(Interface {
            id: 0,
            uuid: uuid(interface_uuid),
            mode,
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
    let mac = mac_row(tx, mac.parse().unwrap()).await;
    tx.insert(MacLease {
        id: 0,
        uuid: new_uuid(model::ResourceKind::MacLease),
        interface_id: Some(interface.id),
        mac_address_id: mac.id,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    })
    .await
    .unwrap();
    interface
}

/// An IP lease of `address` in network `network_id` for interface `interface_id`.
pub(super) async fn ip_lease(tx: &mut Tx, interface_id: Id, network_id: Id, address: &str) -> Id {
    let ip = tx
        .insert(IpAddress {
            id: 0,
            network_id,
            ipv4_address: address.parse().unwrap(),
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        })
        .await
        .unwrap();
    tx.insert(IpLease {
        id: 0,
        uuid: new_uuid(model::ResourceKind::IpLease),
        interface_id: Some(interface_id),
        mac_lease_id: None,
        ip_address_id: ip.id,
        enable_routing: false,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    })
    .await
    .unwrap()
    .id
}

/// A host interface with an IP lease of `address` in network `network_id`; returns the
/// interface's and the lease's ids.
pub(super) async fn host_interface(
    tx: &mut Tx,
    interface_uuid: &str,
    network_id: Id,
    address: &str,
) -> (Id, Id) {
    // Distinct per call (a random byte collided once in 256 runs for two hosts).
    static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mac = format!("02:00:00:ff:{:02x}:{:02x}", n >> 8, n & 0xff);
    let interface = interface(tx, interface_uuid, InterfaceMode::Host, &mac).await;
    let lease = ip_lease(tx, interface.id, network_id, address).await;
    (interface.id, lease)
}

/// A datapath `dp-1` and a network `nw-1`, for rows that need both.
pub(super) struct Fixture {
    pub(super) datapath_id: Id,
    pub(super) network_id: Id,
}

impl Fixture {
    /// A `datapath_networks` row of the two, without MAC, interface or lease.
    pub(super) fn datapath_network(&self) -> DatapathNetwork {
        DatapathNetwork {
            id: 0,
            datapath_id: self.datapath_id,
            network_id: self.network_id,
            interface_id: None,
            mac_address_id: 0,
            ip_lease_id: None,
            topology_id: None,
            topology_layer_id: None,
            topology_mac_range_group_id: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }
    }
}

pub(super) async fn dp_and_network(tx: &mut Tx) -> Fixture {
    Fixture {
        datapath_id: datapath(tx, "dp-1", 1).await,
        network_id: network(tx, "nw-1", "10.0.0.0/24").await.id,
    }
}

pub(super) async fn topology(tx: &mut Tx, topology_uuid: &str, mode: TopologyMode) -> Id {
    tx.insert(Topology {
        id: 0,
        uuid: uuid(topology_uuid),
        mode,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
    })
    .await
    .unwrap()
    .id
}

/// Inserts a row of one of the tables the services' tests create through the hooks.
async fn insert_any(tx: &mut Tx, row: AnyRecord) -> Result<AnyRecord, store::StoreError> {
    Ok(match row {
        AnyRecord::TopologyDatapath(r) => tx.insert(r).await?.into_any(),
        AnyRecord::TopologyNetwork(r) => tx.insert(r).await?.into_any(),
        AnyRecord::TopologySegment(r) => tx.insert(r).await?.into_any(),
        AnyRecord::TopologyRouteLink(r) => tx.insert(r).await?.into_any(),
        AnyRecord::TopologyMacRangeGroup(r) => tx.insert(r).await?.into_any(),
        AnyRecord::TopologyLayer(r) => tx.insert(r).await?.into_any(),
        AnyRecord::DatapathNetwork(r) => tx.insert(r).await?.into_any(),
        AnyRecord::RouteLink(r) => tx.insert(r).await?.into_any(),
        other => panic!("insert_any: add {} here", other.table()),
    })
}

/// Creates `row` as the RPC layer does: before_create, insert, after_create.
pub(super) async fn create(
    tx: &mut Tx,
    row: impl Into<AnyRecord>,
    ctx: &ServiceContext,
    rng: &mut fastrand::Rng,
) -> Result<AnyRecord, store::StoreError> {
    let mut row = row.into();
    super::before_create_with(tx, &mut row, ctx, rng).await?;
    let stored = insert_any(tx, row).await?;
    super::after_create_with(tx, &stored, ctx, rng).await?;
    Ok(stored)
}

/// Deletes row `id` of `table` as the RPC layer does: before_delete, then delete.
pub(super) async fn remove(
    tx: &mut Tx,
    table: Table,
    id: Id,
    ctx: &ServiceContext,
    rng: &mut fastrand::Rng,
) -> Result<(), store::StoreError> {
    let row = tx.get_any(table, id).await?.unwrap();
    super::before_delete_with(tx, &row, ctx, rng).await?;
    tx.delete_any(table, id).await?;
    Ok(())
}
