//! The part of the model a datapath's flows depend on, kept by vna from its replica, and the
//! switch's ports as the switch reports them.

use std::collections::{BTreeMap, HashMap};

use model::record::Record;
use model::resources::*;
use model::{AnyRecord, Id, Table};

/// One map per table the pipeline reads; other tables' rows are ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
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
                    $( AnyRecord::$record(r) => { self.$field.insert(r.id(), r); true } )+
                    _ => false,
                }
            }

            /// Removes a row; `false` if it was not there.
            pub fn remove(&mut self, table: Table, id: Id) -> bool {
                match table {
                    $( Table::$variant => self.$field.remove(&id).is_some(), )+
                    _ => false,
                }
            }

            /// Whether rows of `table` matter to the pipeline.
            pub fn reads(table: Table) -> bool {
                matches!(table, $( Table::$variant )|+)
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
