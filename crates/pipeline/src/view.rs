//! The part of the model a datapath's flows depend on, kept by vna from its replica, and the
//! switch's ports as the switch reports them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use model::record::Record;
use model::resources::*;
use model::{AnyRecord, Id, Table};

/// One map per table the pipeline reads; other tables' rows are ignored.
///
/// Change it only through [`Model::upsert`] and [`Model::remove`], which keep
/// [`Model::index`] current: the pipeline finds a datapath's rows through the index, so
/// computing one datapath's flows costs in proportion to that datapath, not to the model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    pub index: Indexes,
    pub datapaths: BTreeMap<Id, Datapath>,
    pub datapath_networks: BTreeMap<Id, DatapathNetwork>,
    pub datapath_segments: BTreeMap<Id, DatapathSegment>,
    pub datapath_route_links: BTreeMap<Id, DatapathRouteLink>,
    pub interfaces: BTreeMap<Id, Interface>,
    pub interface_ports: BTreeMap<Id, InterfacePort>,
    pub interface_networks: BTreeMap<Id, InterfaceNetwork>,
    pub interface_segments: BTreeMap<Id, InterfaceSegment>,
    pub mac_addresses: BTreeMap<Id, MacAddress>,
    pub mac_leases: BTreeMap<Id, MacLease>,
    pub ip_addresses: BTreeMap<Id, IpAddress>,
    pub ip_leases: BTreeMap<Id, IpLease>,
    pub networks: BTreeMap<Id, Network>,
    pub segments: BTreeMap<Id, Segment>,
    pub route_links: BTreeMap<Id, RouteLink>,
    pub routes: BTreeMap<Id, Route>,
    pub network_services: BTreeMap<Id, NetworkService>,
}

macro_rules! tables {
    ($( $record:ident in $variant:ident => $field:ident, )+) => {
        impl Model {
            /// Inserts or replaces a row; `false` if its table is not one the pipeline reads.
            pub fn upsert(&mut self, row: AnyRecord) -> bool {
                match row {
                    $( AnyRecord::$record(r) => {
                        r.index(&mut self.index, true);
                        if let Some(old) = self.$field.insert(r.id(), r) {
                            old.index(&mut self.index, false);
                            // The new row's keys may equal the old one's: index it again.
                            if let Some(new) = self.$field.get(&old.id()) {
                                new.index(&mut self.index, true);
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
                            old.index(&mut self.index, false);
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

            /// The row of `table` with `id`, if kept.
            pub fn row(&self, table: Table, id: Id) -> Option<AnyRecord> {
                match table {
                    $( Table::$variant => self.$field.get(&id).cloned().map(AnyRecord::$record), )+
                    _ => None,
                }
            }

            /// Every row kept, table by table.
            pub fn rows(&self) -> Vec<AnyRecord> {
                let mut rows = Vec::with_capacity(self.len());
                $( rows.extend(self.$field.values().cloned().map(AnyRecord::$record)); )+
                rows
            }

            /// How many rows are kept.
            pub fn len(&self) -> usize {
                0 $( + self.$field.len() )+
            }
        }
    };
}

tables! {
    Datapath in Datapaths => datapaths,
    DatapathNetwork in DatapathNetworks => datapath_networks,
    DatapathSegment in DatapathSegments => datapath_segments,
    DatapathRouteLink in DatapathRouteLinks => datapath_route_links,
    Interface in Interfaces => interfaces,
    InterfacePort in InterfacePorts => interface_ports,
    InterfaceNetwork in InterfaceNetworks => interface_networks,
    InterfaceSegment in InterfaceSegments => interface_segments,
    MacAddress in MacAddresses => mac_addresses,
    MacLease in MacLeases => mac_leases,
    IpAddress in IpAddresses => ip_addresses,
    IpLease in IpLeases => ip_leases,
    Network in Networks => networks,
    Segment in Segments => segments,
    RouteLink in RouteLinks => route_links,
    Route in Routes => routes,
    NetworkService in NetworkServices => network_services,
}

/// Reverse indexes over the model, by the columns the pipeline looks rows up with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Indexes {
    /// `interface_ports` by `datapath_id` (`None`: ports allowed on any datapath).
    pub ports_by_datapath: Multi<Option<Id>>,
    pub ports_by_interface: Multi<Id>,
    pub mac_leases_by_interface: Multi<Id>,
    pub mac_leases_by_address: Multi<Id>,
    pub ip_leases_by_interface: Multi<Id>,
    pub interface_segments_by_interface: Multi<Id>,
    pub interface_segments_by_segment: Multi<Id>,
    pub ip_addresses_by_network: Multi<Id>,
    pub ip_leases_by_address: Multi<Id>,
    pub dp_networks_by_datapath: Multi<Id>,
    pub dp_networks_by_network: Multi<Id>,
    pub dp_segments_by_datapath: Multi<Id>,
    pub dp_segments_by_segment: Multi<Id>,
    /// `datapath_networks` and `datapath_segments` by their `mac_address_id`.
    pub dp_networks_by_mac: Multi<Id>,
    pub dp_segments_by_mac: Multi<Id>,
    /// `datapath_networks` and `datapath_segments` by the host interface they name.
    pub dp_networks_by_interface: Multi<Id>,
    pub dp_segments_by_interface: Multi<Id>,
}

/// Row ids by key, as one ordered set of `(key, id)` pairs: a set per key would cost a node
/// allocation per key, which at 10,000 interfaces is most of the index's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multi<K> {
    pairs: BTreeSet<(K, Id)>,
}

impl<K> Default for Multi<K> {
    fn default() -> Self {
        Multi {
            pairs: BTreeSet::new(),
        }
    }
}

impl<K: Ord + Copy> Multi<K> {
    /// The ids under `key`, in id order (`None` never: an absent key yields nothing).
    pub fn get<'a>(&'a self, key: &K) -> Option<impl Iterator<Item = &'a Id> + use<'a, K>> {
        Some(
            self.pairs
                .range((*key, Id::MIN)..=(*key, Id::MAX))
                .map(|(_, id)| id),
        )
    }

    fn set(&mut self, key: K, id: Id, add: bool) {
        if add {
            self.pairs.insert((key, id));
        } else {
            self.pairs.remove(&(key, id));
        }
    }
}

/// How a row enters the [`Indexes`] (most rows do not).
trait Indexed {
    fn index(&self, _ix: &mut Indexes, _add: bool) {}
}

impl Indexed for Datapath {}
impl Indexed for DatapathRouteLink {}
impl Indexed for Interface {}
impl Indexed for InterfaceNetwork {}
impl Indexed for MacAddress {}
impl Indexed for Network {}
impl Indexed for Segment {}
impl Indexed for RouteLink {}
impl Indexed for Route {}
impl Indexed for NetworkService {}

impl Indexed for InterfacePort {
    fn index(&self, ix: &mut Indexes, add: bool) {
        ix.ports_by_datapath.set(self.datapath_id, self.id, add);
        ix.ports_by_interface.set(self.interface_id, self.id, add);
    }
}

impl Indexed for MacLease {
    fn index(&self, ix: &mut Indexes, add: bool) {
        if let Some(i) = self.interface_id {
            ix.mac_leases_by_interface.set(i, self.id, add);
        }
        ix.mac_leases_by_address
            .set(self.mac_address_id, self.id, add);
    }
}

impl Indexed for IpLease {
    fn index(&self, ix: &mut Indexes, add: bool) {
        if let Some(i) = self.interface_id {
            ix.ip_leases_by_interface.set(i, self.id, add);
        }
        ix.ip_leases_by_address
            .set(self.ip_address_id, self.id, add);
    }
}

impl Indexed for IpAddress {
    fn index(&self, ix: &mut Indexes, add: bool) {
        ix.ip_addresses_by_network
            .set(self.network_id, self.id, add);
    }
}

impl Indexed for InterfaceSegment {
    fn index(&self, ix: &mut Indexes, add: bool) {
        ix.interface_segments_by_interface
            .set(self.interface_id, self.id, add);
        ix.interface_segments_by_segment
            .set(self.segment_id, self.id, add);
    }
}

impl Indexed for DatapathNetwork {
    fn index(&self, ix: &mut Indexes, add: bool) {
        ix.dp_networks_by_datapath
            .set(self.datapath_id, self.id, add);
        ix.dp_networks_by_network.set(self.network_id, self.id, add);
        ix.dp_networks_by_mac.set(self.mac_address_id, self.id, add);
        if let Some(i) = self.interface_id {
            ix.dp_networks_by_interface.set(i, self.id, add);
        }
    }
}

impl Indexed for DatapathSegment {
    fn index(&self, ix: &mut Indexes, add: bool) {
        ix.dp_segments_by_datapath
            .set(self.datapath_id, self.id, add);
        ix.dp_segments_by_segment.set(self.segment_id, self.id, add);
        ix.dp_segments_by_mac.set(self.mac_address_id, self.id, add);
        if let Some(i) = self.interface_id {
            ix.dp_segments_by_interface.set(i, self.id, add);
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

    /// A model of exactly these rows.
    pub fn from_rows(rows: impl IntoIterator<Item = AnyRecord>) -> Model {
        let mut m = Model::new();
        for row in rows {
            m.upsert(row);
        }
        m
    }

    /// The datapath with this dpid.
    pub fn datapath_by_dpid(&self, dpid: u64) -> Option<&Datapath> {
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
