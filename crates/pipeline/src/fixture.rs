//! Models built in code, for tests and benchmarks: datapaths with host interfaces on underlay
//! networks, virtual networks and segments, VMs with MAC and IP leases, datapath_networks and
//! datapath_segments — the rows vnmgr would hold after the original's datasets are loaded.
//!
//! Malformed input (a bad uuid or address literal) panics: this is test scaffolding only.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::needless_range_loop
)]

use std::net::Ipv4Addr;

use model::modes::{InterfaceMode, NetworkMode, SegmentMode};
use model::resources::*;
use model::{AnyRecord, Dpid, Id, MacAddr, ResourceKind, Uuid};

use crate::view::Model;

/// Builds a [`Model`] row by row; every method returns the new row's id.
#[derive(Debug, Default)]
pub struct Fixture {
    pub model: Model,
    next_id: Id,
}

fn uuid(kind: ResourceKind, text: &str) -> Uuid {
    Uuid::parse_for(kind, text).unwrap_or_else(|e| panic!("fixture uuid {text:?}: {e}"))
}

/// A MAC from text (`02:00:00:00:00:01`).
pub fn mac(text: &str) -> MacAddr {
    text.parse()
        .unwrap_or_else(|e| panic!("fixture MAC {text:?}: {e}"))
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::default()
    }

    /// An empty fixture whose rows get ids above `after` (rows to add to another model).
    pub fn ids_after(after: Id) -> Fixture {
        Fixture {
            model: Model::new(),
            next_id: after,
        }
    }

    fn id(&mut self) -> Id {
        self.next_id += 1;
        self.next_id
    }

    pub fn datapath(&mut self, uuid_text: &str, dpid: u64, node_id: &str) -> Id {
        let id = self.id();
        self.model.upsert(AnyRecord::Datapath(Datapath {
            id,
            uuid: uuid(ResourceKind::Datapath, uuid_text),
            display_name: uuid_text.to_owned(),
            dpid: Dpid(dpid),
            node_id: node_id.to_owned(),
            enable_ovs_learn_action: true,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }));
        id
    }

    pub fn network(&mut self, uuid_text: &str, net: &str, prefix: u8, mode: NetworkMode) -> Id {
        let id = self.id();
        self.model.upsert(AnyRecord::Network(Network {
            id,
            uuid: uuid(ResourceKind::Network, uuid_text),
            display_name: uuid_text.to_owned(),
            ipv4_network: net.parse().expect("fixture network address"),
            ipv4_prefix: prefix,
            mode,
            domain_name: String::new(),
            segment_id: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }));
        id
    }

    pub fn segment(&mut self, uuid_text: &str) -> Id {
        let id = self.id();
        self.model.upsert(AnyRecord::Segment(Segment {
            id,
            uuid: uuid(ResourceKind::Segment, uuid_text),
            mode: SegmentMode::Virtual,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }));
        id
    }

    pub fn mac_address(&mut self, text: &str) -> Id {
        let id = self.id();
        self.model.upsert(AnyRecord::MacAddress(MacAddress {
            id,
            uuid: uuid(ResourceKind::MacAddress, &format!("mac-{id}")),
            mac_address: mac(text),
            segment_id: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }));
        id
    }

    /// An interface of `mode` bound to `port_name` on datapath `dp`, with a MAC lease and,
    /// when given, an IP lease `(address, network)`.
    pub fn interface(
        &mut self,
        uuid_text: &str,
        mode: InterfaceMode,
        dp: Option<Id>,
        port_name: Option<&str>,
        mac_text: &str,
        ip: Option<(&str, Id)>,
    ) -> Id {
        let id = self.id();
        self.model.upsert(AnyRecord::Interface(Interface {
            id,
            uuid: uuid(ResourceKind::Interface, uuid_text),
            mode,
            display_name: None,
            enable_routing: false,
            enable_route_translation: false,
            enable_filtering: false,
            enable_legacy_filtering: false,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }));
        if port_name.is_some() || dp.is_some() {
            let pid = self.id();
            self.model.upsert(AnyRecord::InterfacePort(InterfacePort {
                id: pid,
                interface_id: id,
                datapath_id: dp,
                port_name: port_name.map(str::to_owned),
                singular: dp.is_some(),
                interface_mode: mode,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            }));
        }
        let ma = self.mac_address(mac_text);
        let ml = self.id();
        self.model.upsert(AnyRecord::MacLease(MacLease {
            id: ml,
            uuid: uuid(ResourceKind::MacLease, &format!("ml-{ml}")),
            interface_id: Some(id),
            mac_address_id: ma,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }));
        if let Some((addr, network)) = ip {
            self.ip_lease(id, Some(ml), addr, network);
        }
        id
    }

    /// An IP lease of `addr` in `network` for `interface`.
    pub fn ip_lease(
        &mut self,
        interface: Id,
        mac_lease: Option<Id>,
        addr: &str,
        network: Id,
    ) -> Id {
        let ia = self.id();
        let ipv4_address: Ipv4Addr = addr.parse().expect("fixture IP address");
        self.model.upsert(AnyRecord::IpAddress(IpAddress {
            id: ia,
            network_id: network,
            ipv4_address,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }));
        let il = self.id();
        self.model.upsert(AnyRecord::IpLease(IpLease {
            id: il,
            uuid: uuid(ResourceKind::IpLease, &format!("il-{il}")),
            interface_id: Some(interface),
            mac_lease_id: mac_lease,
            ip_address_id: ia,
            enable_routing: false,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }));
        il
    }

    /// A VM NIC on `dp`'s port `port_name`.
    pub fn vif(
        &mut self,
        uuid_text: &str,
        dp: Id,
        port_name: &str,
        mac_text: &str,
        ip: Option<(&str, Id)>,
    ) -> Id {
        self.interface(
            uuid_text,
            InterfaceMode::Vif,
            Some(dp),
            Some(port_name),
            mac_text,
            ip,
        )
    }

    /// `dp`'s uplink on port `port_name`, with its underlay address in `underlay`.
    pub fn host_interface(
        &mut self,
        uuid_text: &str,
        dp: Id,
        port_name: &str,
        mac_text: &str,
        ip: &str,
        underlay: Id,
    ) -> Id {
        self.interface(
            uuid_text,
            InterfaceMode::Host,
            Some(dp),
            Some(port_name),
            mac_text,
            Some((ip, underlay)),
        )
    }

    pub fn datapath_network(&mut self, dp: Id, network: Id, host_if: Id, mac_text: &str) -> Id {
        let ma = self.mac_address(mac_text);
        let id = self.id();
        self.model
            .upsert(AnyRecord::DatapathNetwork(DatapathNetwork {
                id,
                datapath_id: dp,
                network_id: network,
                interface_id: Some(host_if),
                mac_address_id: ma,
                ip_lease_id: None,
                topology_id: None,
                topology_layer_id: None,
                topology_mac_range_group_id: None,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            }));
        id
    }

    pub fn datapath_segment(&mut self, dp: Id, segment: Id, host_if: Id, mac_text: &str) -> Id {
        let ma = self.mac_address(mac_text);
        let id = self.id();
        self.model
            .upsert(AnyRecord::DatapathSegment(DatapathSegment {
                id,
                datapath_id: dp,
                segment_id: segment,
                interface_id: Some(host_if),
                mac_address_id: ma,
                ip_lease_id: None,
                topology_id: None,
                topology_layer_id: None,
                topology_mac_range_group_id: None,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            }));
        id
    }

    pub fn interface_segment(&mut self, interface: Id, segment: Id) -> Id {
        let id = self.id();
        self.model
            .upsert(AnyRecord::InterfaceSegment(InterfaceSegment {
                id,
                interface_id: interface,
                segment_id: segment,
                r#static: false,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            }));
        id
    }
}

/// The original's integration topology (reference §6.1) with the simple_nw dataset: three
/// datapaths; dp-1 and dp-2 share underlay `nw-public1` (MAC2MAC), dp-3 is on `nw-public2`
/// (GRE); two virtual networks with the same 10.101.0.0/24: vm1, vm3, vm5 in `nw-vnet1` and
/// vm2, vm4, vm6 in `nw-vnet2`, two VMs per datapath. Every datapath's uplink is port
/// `eth0`, VMs are on ports `vif-vmN`.
#[derive(Debug)]
pub struct SimpleNw {
    pub fixture: Fixture,
    pub dps: [Id; 3],
    pub vnet1: Id,
    pub vnet2: Id,
    pub vms: [Id; 6],
}

/// dpids of dp-1..3, as in the original's vnspec.
pub const DPIDS: [u64; 3] = [0xaaaa, 0xbbbb, 0xcccc];

impl SimpleNw {
    pub fn build() -> SimpleNw {
        let mut f = Fixture::new();
        let public1 = f.network("nw-public1", "192.0.2.0", 24, NetworkMode::Physical);
        let public2 = f.network("nw-public2", "198.51.100.0", 24, NetworkMode::Physical);
        let vnet1 = f.network("nw-vnet1", "10.101.0.0", 24, NetworkMode::Virtual);
        let vnet2 = f.network("nw-vnet2", "10.101.0.0", 24, NetworkMode::Virtual);
        let mut dps = [0; 3];
        let mut hosts = [0; 3];
        for i in 0..3 {
            let n = i + 1;
            dps[i] = f.datapath(&format!("dp-{n}"), DPIDS[i], &format!("vna{n}"));
            let (ip, underlay) = if n < 3 {
                (format!("192.0.2.{n}"), public1)
            } else {
                (format!("198.51.100.{n}"), public2)
            };
            hosts[i] = f.host_interface(
                &format!("if-dp{n}eth0"),
                dps[i],
                "eth0",
                &format!("02:00:00:00:0{n}:00"),
                &ip,
                underlay,
            );
        }
        let mut vms = [0; 6];
        for v in 0..6 {
            let n = v + 1;
            let dp = v / 2;
            let (network, ip) = if n % 2 == 1 {
                (vnet1, format!("10.101.0.{}", 10 + v / 2))
            } else {
                (vnet2, format!("10.101.0.{}", 10 + v / 2))
            };
            vms[v] = f.vif(
                &format!("if-v{n}"),
                dps[dp],
                &format!("vif-vm{n}"),
                &format!("52:54:ff:00:00:0{n}"),
                Some((&ip, network)),
            );
        }
        for (i, dp) in dps.iter().enumerate() {
            let n = i + 1;
            f.datapath_network(*dp, vnet1, hosts[i], &format!("02:00:00:01:0{n}:01"));
            f.datapath_network(*dp, vnet2, hosts[i], &format!("02:00:00:01:0{n}:02"));
        }
        SimpleNw {
            fixture: f,
            dps,
            vnet1,
            vnet2,
            vms,
        }
    }
}
