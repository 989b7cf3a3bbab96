//! The part of the model a datapath's flows depend on, kept by vna from its replica, and the
//! switch's ports as the switch reports them.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use model::modes::{InterfaceMode, NetworkMode, SegmentMode};
use model::record::Timestamp;
use model::resources::*;
use model::uuid::{ResourceKind, Uuid};
use model::{AnyRecord, Dpid, Id, MacAddr, Table};

/// One map per table the pipeline reads, of compact rows: only the columns the pipeline
/// reads (see [`Model::row`] for what that means when a row is read back); other tables'
/// rows are ignored.
///
/// Change it only through [`Model::upsert`], [`Model::remove`] and [`Model::from_rows`],
/// which keep [`Model::index`] current: the pipeline finds a datapath's rows through the
/// index, so computing one datapath's flows costs in proportion to that datapath, not to the
/// model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    pub index: Indexes,
    pub datapaths: Rows<DatapathRow>,
    pub datapath_networks: Rows<DatapathNetworkRow>,
    pub datapath_segments: Rows<DatapathSegmentRow>,
    pub interfaces: Rows<InterfaceRow>,
    pub interface_ports: Rows<InterfacePortRow>,
    pub interface_segments: Rows<InterfaceSegmentRow>,
    pub mac_addresses: Rows<MacAddressRow>,
    pub mac_leases: Rows<MacLeaseRow>,
    pub ip_addresses: Rows<IpAddressRow>,
    pub ip_leases: Rows<IpLeaseRow>,
    pub networks: Rows<NetworkRow>,
    pub segments: Rows<SegmentRow>,
}

/// A table's rows ordered by id, in one vector: rows arrive mostly in id order (a snapshot
/// is, new rows get the next id), so inserting is an append, and a vector holds 10,000 rows
/// in one allocation where a `BTreeMap` leaves its nodes about half full.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows<T> {
    rows: Vec<T>,
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows { rows: Vec::new() }
    }
}

/// A compact row: its id.
pub trait Keyed {
    fn key(&self) -> &Id;
}

impl<T: Keyed> Rows<T> {
    fn position(&self, id: &Id) -> Result<usize, usize> {
        self.rows.binary_search_by(|r| r.key().cmp(id))
    }

    pub fn get(&self, id: &Id) -> Option<&T> {
        self.rows.get(self.position(id).ok()?)
    }

    pub fn contains_key(&self, id: &Id) -> bool {
        self.position(id).is_ok()
    }

    /// The ids, in order.
    pub fn keys(&self) -> impl Iterator<Item = &Id> {
        self.rows.iter().map(Keyed::key)
    }

    /// The rows, in id order.
    pub fn values(&self) -> std::slice::Iter<'_, T> {
        self.rows.iter()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Inserts or replaces the row with `row`'s id, returning the one replaced.
    fn insert(&mut self, row: T) -> Option<T> {
        if self.rows.last().is_none_or(|l| l.key() < row.key()) {
            self.rows.push(row);
            return None;
        }
        match self.position(row.key()) {
            Ok(i) => self
                .rows
                .get_mut(i)
                .map(|slot| std::mem::replace(slot, row)),
            Err(i) => {
                self.rows.insert(i, row);
                None
            }
        }
    }

    fn remove(&mut self, id: &Id) -> Option<T> {
        let i = self.position(id).ok()?;
        Some(self.rows.remove(i))
    }

    /// Sorts rows pushed in any order, the last pushed of an id winning, and gives back the
    /// spare capacity.
    fn settle(&mut self) {
        self.rows.reverse();
        self.rows.sort_by(|a, b| a.key().cmp(b.key()));
        self.rows.dedup_by(|a, b| a.key() == b.key());
        self.rows.shrink_to_fit();
    }
}

/// A [`Model`] built from rows that come in batches (a snapshot's pages): each row is
/// compacted as it is pushed, so the full records need not be kept until the end, and the
/// sorting and indexing of [`Model::from_rows`] is done once, by [`ModelBuilder::finish`].
#[derive(Debug, Default)]
pub struct ModelBuilder {
    /// Compact rows in push order; not sorted and not indexed until `finish`.
    model: Model,
}

/// The uuid a row read back gets when the pipeline does not keep its own: made up, since
/// nothing reads it (see [`Model::row`]).
fn unkept_uuid(kind: ResourceKind) -> Uuid {
    Uuid::generate(kind, || 0)
}

/// Compact rows, each with the columns the pipeline reads (only live rows are kept: a
/// soft-deleted row is gone for the pipeline); `compact` takes them from a record, `full`
/// gives a record back with the other columns at their defaults (zero timestamps, empty
/// names, no topology, not deleted).
macro_rules! compact_rows {
    ($(
        $(#[$meta:meta])*
        $row:ident from $record:ident {
            $( $field:ident : $ty:ty = |$r:ident| $take:expr ),* $(,)?
        }
        full |$c:ident, $deleted:ident| $full:expr;
    )+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $row {
            pub id: Id,
            $( pub $field: $ty, )*
        }

        impl $row {
            pub fn id(&self) -> Id {
                self.id
            }

            fn compact(r: $record) -> $row {
                $row {
                    id: r.id,
                    $( $field: { let $r = &r; $take }, )*
                }
            }

            fn full(&self) -> $record {
                let $c = self;
                let $deleted: Option<Timestamp> = None;
                $full
            }
        }

        impl Keyed for $row {
            fn key(&self) -> &Id {
                &self.id
            }
        }
    )+};
}

compact_rows! {
    /// `datapaths`: its dpid, and its uuid (GRE port names, notes).
    DatapathRow from Datapath {
        uuid: Uuid = |r| r.uuid,
        dpid: Dpid = |r| r.dpid,
    }
    full |c, deleted| Datapath {
        id: c.id,
        uuid: c.uuid,
        display_name: String::new(),
        dpid: c.dpid,
        node_id: String::new(),
        enable_ovs_learn_action: false,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };

    DatapathNetworkRow from DatapathNetwork {
        datapath_id: Id = |r| r.datapath_id,
        network_id: Id = |r| r.network_id,
        interface_id: Option<Id> = |r| r.interface_id,
        mac_address_id: Id = |r| r.mac_address_id,
    }
    full |c, deleted| DatapathNetwork {
        id: c.id,
        datapath_id: c.datapath_id,
        network_id: c.network_id,
        interface_id: c.interface_id,
        mac_address_id: c.mac_address_id,
        ip_lease_id: None,
        topology_id: None,
        topology_layer_id: None,
        topology_mac_range_group_id: None,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };

    DatapathSegmentRow from DatapathSegment {
        datapath_id: Id = |r| r.datapath_id,
        segment_id: Id = |r| r.segment_id,
        interface_id: Option<Id> = |r| r.interface_id,
        mac_address_id: Id = |r| r.mac_address_id,
    }
    full |c, deleted| DatapathSegment {
        id: c.id,
        datapath_id: c.datapath_id,
        segment_id: c.segment_id,
        interface_id: c.interface_id,
        mac_address_id: c.mac_address_id,
        ip_lease_id: None,
        topology_id: None,
        topology_layer_id: None,
        topology_mac_range_group_id: None,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };

    /// `interfaces`: its mode, and its uuid (notes, active interfaces).
    InterfaceRow from Interface {
        uuid: Uuid = |r| r.uuid,
        mode: InterfaceMode = |r| r.mode,
    }
    full |c, deleted| Interface {
        id: c.id,
        uuid: c.uuid,
        mode: c.mode,
        display_name: None,
        enable_routing: false,
        enable_route_translation: false,
        enable_filtering: false,
        enable_legacy_filtering: false,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };

    InterfacePortRow from InterfacePort {
        interface_id: Id = |r| r.interface_id,
        datapath_id: Option<Id> = |r| r.datapath_id,
        port_name: Option<Box<str>> = |r| r.port_name.as_deref().map(Box::from),
        interface_mode: InterfaceMode = |r| r.interface_mode,
    }
    full |c, deleted| InterfacePort {
        id: c.id,
        interface_id: c.interface_id,
        datapath_id: c.datapath_id,
        port_name: c.port_name.as_deref().map(String::from),
        singular: false,
        interface_mode: c.interface_mode,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };

    InterfaceSegmentRow from InterfaceSegment {
        interface_id: Id = |r| r.interface_id,
        segment_id: Id = |r| r.segment_id,
    }
    full |c, deleted| InterfaceSegment {
        id: c.id,
        interface_id: c.interface_id,
        segment_id: c.segment_id,
        r#static: false,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };

    MacAddressRow from MacAddress {
        mac_address: MacAddr = |r| r.mac_address,
        segment_id: Option<Id> = |r| r.segment_id,
    }
    full |c, deleted| MacAddress {
        id: c.id,
        uuid: unkept_uuid(ResourceKind::MacAddress),
        mac_address: c.mac_address,
        segment_id: c.segment_id,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };

    MacLeaseRow from MacLease {
        interface_id: Option<Id> = |r| r.interface_id,
        mac_address_id: Id = |r| r.mac_address_id,
    }
    full |c, deleted| MacLease {
        id: c.id,
        uuid: unkept_uuid(ResourceKind::MacLease),
        interface_id: c.interface_id,
        mac_address_id: c.mac_address_id,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };

    IpAddressRow from IpAddress {
        network_id: Id = |r| r.network_id,
        ipv4_address: Ipv4Addr = |r| r.ipv4_address,
    }
    full |c, deleted| IpAddress {
        id: c.id,
        network_id: c.network_id,
        ipv4_address: c.ipv4_address,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };

    IpLeaseRow from IpLease {
        interface_id: Option<Id> = |r| r.interface_id,
        mac_lease_id: Option<Id> = |r| r.mac_lease_id,
        ip_address_id: Id = |r| r.ip_address_id,
    }
    full |c, deleted| IpLease {
        id: c.id,
        uuid: unkept_uuid(ResourceKind::IpLease),
        interface_id: c.interface_id,
        mac_lease_id: c.mac_lease_id,
        ip_address_id: c.ip_address_id,
        enable_routing: false,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };

    /// `networks`: its mode, and its uuid (notes).
    NetworkRow from Network {
        uuid: Uuid = |r| r.uuid,
        mode: NetworkMode = |r| r.mode,
    }
    full |c, deleted| Network {
        id: c.id,
        uuid: c.uuid,
        display_name: String::new(),
        ipv4_network: Ipv4Addr::UNSPECIFIED,
        ipv4_prefix: 0,
        mode: c.mode,
        domain_name: String::new(),
        segment_id: None,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };

    SegmentRow from Segment {
        uuid: Uuid = |r| r.uuid,
        mode: SegmentMode = |r| r.mode,
    }
    full |c, deleted| Segment {
        id: c.id,
        uuid: c.uuid,
        mode: c.mode,
        created_at: 0,
        updated_at: 0,
        deleted_at: deleted,
    };
}

impl DatapathRow {
    pub fn record_uuid(&self) -> Option<&Uuid> {
        Some(&self.uuid)
    }
}

impl InterfaceRow {
    pub fn record_uuid(&self) -> Option<&Uuid> {
        Some(&self.uuid)
    }
}

impl NetworkRow {
    pub fn record_uuid(&self) -> Option<&Uuid> {
        Some(&self.uuid)
    }
}

macro_rules! tables {
    ($( $record:ident as $row:ident in $variant:ident => $field:ident, )+) => {
        impl Model {
            /// Inserts or replaces a row; `false` if its table is not one the pipeline reads.
            pub fn upsert(&mut self, row: AnyRecord) -> bool {
                match row {
                    $( AnyRecord::$record(r) => {
                        if r.deleted_at.is_some() {
                            self.remove(Table::$variant, r.id);
                            return true;
                        }
                        let r = $row::compact(r);
                        r.index(&mut self.index, IndexOp::Add);
                        if let Some(old) = self.$field.insert(r) {
                            old.index(&mut self.index, IndexOp::Remove);
                            // The new row's keys may equal the old one's: index it again.
                            if let Some(new) = self.$field.get(&old.id) {
                                new.index(&mut self.index, IndexOp::Add);
                            }
                        }
                        true
                    } )+
                    _ => false,
                }
            }

            /// Removes a row; `false` if it was not there.
            pub fn remove(&mut self, table: Table, id: Id) -> bool {
                match table {
                    $( Table::$variant => match self.$field.remove(&id) {
                        Some(old) => {
                            old.index(&mut self.index, IndexOp::Remove);
                            true
                        }
                        None => false,
                    }, )+
                    _ => false,
                }
            }

            /// Whether rows of `table` matter to the pipeline.
            pub fn reads(table: Table) -> bool {
                matches!(table, $( Table::$variant )|+)
            }

            /// The row of `table` with `id`, if kept, as a record: the columns the pipeline
            /// reads as they were given, the others at their defaults (zero timestamps, empty
            /// names; a made-up uuid where the pipeline keeps none). Enough to say what a
            /// change touches ([`crate::Changes::touch`]) or to put the row back.
            pub fn row(&self, table: Table, id: Id) -> Option<AnyRecord> {
                match table {
                    $( Table::$variant => self.$field.get(&id).map(|r| AnyRecord::$record(r.full())), )+
                    _ => None,
                }
            }

            /// Every row kept, table by table, as [`Model::row`] gives them.
            pub fn rows(&self) -> Vec<AnyRecord> {
                let mut rows = Vec::with_capacity(self.len());
                $( rows.extend(self.$field.values().map(|r| AnyRecord::$record(r.full()))); )+
                rows
            }

            /// How many rows are kept.
            pub fn len(&self) -> usize {
                0 $( + self.$field.len() )+
            }

            /// A model of exactly these rows (of one id, the last counts), built in one pass:
            /// rows and index entries are collected, then sorted once, so a snapshot of any
            /// order loads in `O(n log n)` and leaves no spare capacity.
            pub fn from_rows(rows: impl IntoIterator<Item = AnyRecord>) -> Model {
                let mut builder = ModelBuilder::default();
                for row in rows {
                    builder.push(row);
                }
                builder.finish()
            }
        }

        impl ModelBuilder {
            /// Keeps the compact form of `row` (which is consumed: only the compact row
            /// stays); `false` if its table is not one the pipeline reads.
            pub fn push(&mut self, row: AnyRecord) -> bool {
                let m = &mut self.model;
                match row {
                    $( AnyRecord::$record(r) => {
                        if r.deleted_at.is_none() {
                            m.$field.rows.push($row::compact(r));
                        }
                    } )+
                    _ => return false,
                }
                true
            }

            /// The model of every row pushed (of one id, the last pushed counts): rows
            /// sorted once, then indexed and the indexes sorted once.
            pub fn finish(self) -> Model {
                let mut m = self.model;
                $(
                    m.$field.settle();
                    for r in m.$field.values() {
                        r.index(&mut m.index, IndexOp::Push);
                    }
                )+
                m.index.settle();
                m
            }
        }
    };
}

tables! {
    Datapath as DatapathRow in Datapaths => datapaths,
    DatapathNetwork as DatapathNetworkRow in DatapathNetworks => datapath_networks,
    DatapathSegment as DatapathSegmentRow in DatapathSegments => datapath_segments,
    Interface as InterfaceRow in Interfaces => interfaces,
    InterfacePort as InterfacePortRow in InterfacePorts => interface_ports,
    InterfaceSegment as InterfaceSegmentRow in InterfaceSegments => interface_segments,
    MacAddress as MacAddressRow in MacAddresses => mac_addresses,
    MacLease as MacLeaseRow in MacLeases => mac_leases,
    IpAddress as IpAddressRow in IpAddresses => ip_addresses,
    IpLease as IpLeaseRow in IpLeases => ip_leases,
    Network as NetworkRow in Networks => networks,
    Segment as SegmentRow in Segments => segments,
}

macro_rules! indexes {
    ($( $(#[$meta:meta])* $name:ident : $k:ty, )+) => {
        /// Reverse indexes over the model, by the columns the pipeline looks rows up with.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct Indexes {
            $( $(#[$meta])* pub $name: Multi<$k>, )+
        }

        impl Indexes {
            /// Sorts entries pushed in any order (by [`Model::from_rows`]).
            fn settle(&mut self) {
                $( self.$name.settle(); )+
            }
        }
    };
}

indexes! {
    /// `interface_ports` by `datapath_id` (`None`: ports allowed on any datapath).
    ports_by_datapath: Option<Id>,
    ports_by_interface: Id,
    mac_leases_by_interface: Id,
    mac_leases_by_address: Id,
    ip_leases_by_interface: Id,
    interface_segments_by_interface: Id,
    interface_segments_by_segment: Id,
    ip_addresses_by_network: Id,
    ip_leases_by_address: Id,
    dp_networks_by_datapath: Id,
    dp_networks_by_network: Id,
    dp_segments_by_datapath: Id,
    dp_segments_by_segment: Id,
    /// `datapath_networks` and `datapath_segments` by their `mac_address_id`.
    dp_networks_by_mac: Id,
    dp_segments_by_mac: Id,
    /// `datapath_networks` and `datapath_segments` by the host interface they name.
    dp_networks_by_interface: Id,
    dp_segments_by_interface: Id,
}

/// Row ids by key, as one sorted vector of `(key, id)` pairs: 16 bytes an entry where a
/// `BTreeSet` of pairs takes about twice that (half-full nodes), and a set per key would
/// cost a node allocation per key. An insert or removal moves the entries after it, some
/// 100 KiB at 10,000 entries: microseconds, against the milliseconds of replanning that
/// follow a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multi<K> {
    pairs: Vec<(K, Id)>,
}

impl<K> Default for Multi<K> {
    fn default() -> Self {
        Multi { pairs: Vec::new() }
    }
}

impl<K: Ord + Copy> Multi<K> {
    /// The ids under `key`, in id order (`None` never: an absent key yields nothing).
    pub fn get<'a>(&'a self, key: &K) -> Option<impl Iterator<Item = &'a Id> + use<'a, K>> {
        let key = *key;
        let start = self.pairs.partition_point(|(k, _)| *k < key);
        let rest = self.pairs.get(start..).unwrap_or_default();
        Some(
            rest.iter()
                .take_while(move |(k, _)| *k == key)
                .map(|(_, id)| id),
        )
    }

    fn set(&mut self, key: K, id: Id, op: IndexOp) {
        if op == IndexOp::Push {
            self.pairs.push((key, id));
            return;
        }
        match (self.pairs.binary_search(&(key, id)), op) {
            (Err(i), IndexOp::Add) => self.pairs.insert(i, (key, id)),
            (Ok(i), IndexOp::Remove) => {
                self.pairs.remove(i);
            }
            _ => {}
        }
    }

    fn settle(&mut self) {
        self.pairs.sort_unstable();
        self.pairs.dedup();
        self.pairs.shrink_to_fit();
    }
}

/// What to do with a row's index entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IndexOp {
    Add,
    Remove,
    /// Append unsorted, for [`Model::from_rows`], which sorts once at the end.
    Push,
}

/// How a row enters the [`Indexes`] (most rows do not).
trait Indexed {
    fn index(&self, _ix: &mut Indexes, _op: IndexOp) {}
}

impl Indexed for DatapathRow {}
impl Indexed for InterfaceRow {}
impl Indexed for MacAddressRow {}
impl Indexed for NetworkRow {}
impl Indexed for SegmentRow {}

impl Indexed for InterfacePortRow {
    fn index(&self, ix: &mut Indexes, op: IndexOp) {
        ix.ports_by_datapath.set(self.datapath_id, self.id, op);
        ix.ports_by_interface.set(self.interface_id, self.id, op);
    }
}

impl Indexed for MacLeaseRow {
    fn index(&self, ix: &mut Indexes, op: IndexOp) {
        if let Some(i) = self.interface_id {
            ix.mac_leases_by_interface.set(i, self.id, op);
        }
        ix.mac_leases_by_address
            .set(self.mac_address_id, self.id, op);
    }
}

impl Indexed for IpLeaseRow {
    fn index(&self, ix: &mut Indexes, op: IndexOp) {
        if let Some(i) = self.interface_id {
            ix.ip_leases_by_interface.set(i, self.id, op);
        }
        ix.ip_leases_by_address.set(self.ip_address_id, self.id, op);
    }
}

impl Indexed for IpAddressRow {
    fn index(&self, ix: &mut Indexes, op: IndexOp) {
        ix.ip_addresses_by_network.set(self.network_id, self.id, op);
    }
}

impl Indexed for InterfaceSegmentRow {
    fn index(&self, ix: &mut Indexes, op: IndexOp) {
        ix.interface_segments_by_interface
            .set(self.interface_id, self.id, op);
        ix.interface_segments_by_segment
            .set(self.segment_id, self.id, op);
    }
}

impl Indexed for DatapathNetworkRow {
    fn index(&self, ix: &mut Indexes, op: IndexOp) {
        ix.dp_networks_by_datapath
            .set(self.datapath_id, self.id, op);
        ix.dp_networks_by_network.set(self.network_id, self.id, op);
        ix.dp_networks_by_mac.set(self.mac_address_id, self.id, op);
        if let Some(i) = self.interface_id {
            ix.dp_networks_by_interface.set(i, self.id, op);
        }
    }
}

impl Indexed for DatapathSegmentRow {
    fn index(&self, ix: &mut Indexes, op: IndexOp) {
        ix.dp_segments_by_datapath
            .set(self.datapath_id, self.id, op);
        ix.dp_segments_by_segment.set(self.segment_id, self.id, op);
        ix.dp_segments_by_mac.set(self.mac_address_id, self.id, op);
        if let Some(i) = self.interface_id {
            ix.dp_segments_by_interface.set(i, self.id, op);
        }
    }
}

impl Model {
    pub fn new() -> Model {
        Model::default()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The datapath with this dpid.
    pub fn datapath_by_dpid(&self, dpid: u64) -> Option<&DatapathRow> {
        self.datapaths.values().find(|d| d.dpid.0 == dpid)
    }
}

/// The switch's ports by name (from PORT_DESC and PORT_STATUS), with their numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SwitchPorts {
    pub by_name: HashMap<String, u32>,
}

impl SwitchPorts {
    pub fn new() -> SwitchPorts {
        SwitchPorts::default()
    }

    pub fn insert(&mut self, name: impl Into<String>, number: u32) {
        self.by_name.insert(name.into(), number);
    }

    pub fn remove(&mut self, name: &str) {
        self.by_name.remove(name);
    }

    pub fn number(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }
}

impl<S: Into<String>> FromIterator<(S, u32)> for SwitchPorts {
    fn from_iter<I: IntoIterator<Item = (S, u32)>>(iter: I) -> SwitchPorts {
        SwitchPorts {
            by_name: iter.into_iter().map(|(n, p)| (n.into(), p)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::SimpleNw;

    #[test]
    fn a_soft_deleted_row_is_gone_for_the_model() {
        let mut model = SimpleNw::build().fixture.model;
        let Some(AnyRecord::IpLease(mut lease)) = model
            .rows()
            .into_iter()
            .find(|r| matches!(r, AnyRecord::IpLease(_)))
        else {
            panic!("no IP lease in the fixture");
        };
        let before = model.len();
        lease.deleted_at = Some(1);
        assert!(model.upsert(AnyRecord::IpLease(lease.clone())));
        assert_eq!(model.len(), before - 1);
        assert!(model.row(Table::IpLeases, lease.id).is_none());
        let mut builder = ModelBuilder::default();
        builder.push(AnyRecord::IpLease(lease));
        assert!(builder.finish().is_empty());
    }

    #[test]
    fn a_model_built_from_pages_in_any_order_equals_one_built_at_once() {
        let model = SimpleNw::build().fixture.model;
        let mut rows = model.rows();
        assert_eq!(Model::from_rows(rows.clone()), model);
        // Pages of 3 rows, tables interleaved, newest ids first.
        rows.reverse();
        let mut builder = ModelBuilder::default();
        for page in rows.chunks(3) {
            for row in page {
                assert!(builder.push(row.clone()));
            }
        }
        assert_eq!(builder.finish(), model);
    }
}
