//! The datacenter's shape: names, addresses, MACs, datapath ids and port names. Pure data (no
//! I/O), serialisable into a kept datacenter's state file. `tests/README.md` draws it.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

/// The vna-managed bridge on every host.
pub const BRIDGE: &str = "br0";
/// The underlay bridge on every host: NORMAL forwarding, holds the uplink NIC and the host IP.
pub const UNDERLAY_BRIDGE: &str = "brphys";
/// The br0 end of the patch pair to `brphys`: the datapath's `host` interface port
/// (`port_name` of the host interface in the model, like the original's `eth0`).
pub const HOST_PORT: &str = "eth0";
/// The brphys end of the patch pair.
pub const UNDERLAY_PATCH_PORT: &str = "patch-br0";
/// The host's NIC on the underlay (a veth whose peer is on the underlay Linux bridge).
pub const UPLINK: &str = "uplink";
/// The host's NIC on the management network (plain Linux, no OVS).
pub const MGMT_IF: &str = "mgmt0";
/// A VM's NIC, inside the VM's namespace.
pub const VM_IF: &str = "eth0";
/// Where br0 looks for its controller: vna listens there inside the host's namespace.
pub const CONTROLLER: &str = "tcp:127.0.0.1:6633";
/// br0's controller reconnect back-off (ms), so the switch finds a restarted vna quickly.
pub const CONTROLLER_MAX_BACKOFF_MS: u32 = 1000;
/// MTU of every underlay link (uplinks, underlay bridges, router legs, `brphys`): room for a
/// VM's 1500-byte frame plus GRE's 38 bytes of outer Ethernet, IPv4 and GRE-with-key headers,
/// as a jumbo-frame underlay gives real hypervisors. VMs keep 1500.
pub const UNDERLAY_MTU: u32 = 1600;
/// OpenFlow port number of [`HOST_PORT`] on br0.
pub const HOST_OFPORT: u32 = 1;
/// The management network (TEST-NET-3): the management namespace is `.254`, host N is `.N`.
pub const MGMT_PREFIX_LEN: u8 = 24;
/// vnmgr's and vnapi's address, inside the management namespace.
pub const MGMT_SERVER_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 254);

/// The datapath ids of the standard hosts, as in the original's vnspec.
pub const STANDARD_DPIDS: [u64; 3] = [
    0x0000_aaaa_aaaa_aaaa,
    0x0000_bbbb_bbbb_bbbb,
    0x0000_cccc_cccc_cccc,
];

/// One of the two underlay L2 networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Underlay {
    /// 192.0.2.0/24, Linux bridge `ula`: hosts 1 and 2 (MAC2MAC between them).
    A,
    /// 198.51.100.0/24, Linux bridge `ulb`: host 3 (GRE to the others, through the router).
    B,
}

impl Underlay {
    /// Both, A first.
    pub const ALL: [Underlay; 2] = [Underlay::A, Underlay::B];

    /// The subnet's network address.
    pub fn network(self) -> Ipv4Addr {
        match self {
            Underlay::A => Ipv4Addr::new(192, 0, 2, 0),
            Underlay::B => Ipv4Addr::new(198, 51, 100, 0),
        }
    }

    /// The subnet's prefix length.
    pub fn prefix_len(self) -> u8 {
        24
    }

    /// The router's address on this underlay (`.254`).
    pub fn router_ip(self) -> Ipv4Addr {
        let [a, b, c, _] = self.network().octets();
        Ipv4Addr::new(a, b, c, 254)
    }

    /// Name of the Linux bridge in the underlay namespace.
    pub fn bridge(self) -> &'static str {
        match self {
            Underlay::A => "ula",
            Underlay::B => "ulb",
        }
    }

    /// The router's leg on this underlay's bridge (in the underlay namespace).
    pub fn router_leg(self) -> &'static str {
        match self {
            Underlay::A => "rta",
            Underlay::B => "rtb",
        }
    }

    /// The router's interface on this underlay (in the router namespace).
    pub fn router_if(self) -> &'static str {
        match self {
            Underlay::A => "eth-a",
            Underlay::B => "eth-b",
        }
    }

    /// The other underlay.
    pub fn other(self) -> Underlay {
        match self {
            Underlay::A => Underlay::B,
            Underlay::B => Underlay::A,
        }
    }
}

/// A simulated hypervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSpec {
    /// `host1`…; the namespace is `<prefix>-h<N>`.
    pub name: String,
    /// Its number N (1-based): names and addresses derive from it.
    pub index: u8,
    /// The vna node id (`datapaths.node_id` in the model), like the original's `vna1`.
    pub node_id: String,
    /// The datapath's display name in datasets, like the original's `dp-1`.
    pub datapath: String,
    /// br0's datapath id.
    pub dpid: u64,
    /// Which underlay its uplink is on.
    pub underlay: Underlay,
    /// The host IP, on `brphys`: the MAC2MAC/GRE endpoint.
    pub underlay_ip: Ipv4Addr,
    /// The MAC of `brphys` (the host IP's MAC): the host interface's MAC in the model.
    pub host_mac: String,
    /// Its address on the management network (on `mgmt0`).
    pub mgmt_ip: Ipv4Addr,
}

/// A VM: a namespace with one NIC whose other end is a port of its host's br0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmSpec {
    /// `vm1`…; the namespace is `<prefix>-vm<N>`.
    pub name: String,
    /// The host it runs on.
    pub host: String,
    /// The veth end on br0, in the host's namespace (`vif-vm<N>`): the vif interface's
    /// `port_name` in the model.
    pub port: String,
    /// Its OpenFlow port number on br0.
    pub ofport: u32,
    /// The MAC of its `eth0`.
    pub mac: String,
    /// Its IP and prefix length on `eth0`, if any (segments scenarios set them by hand later).
    pub ip: Option<(Ipv4Addr, u8)>,
    /// Its default gateway, if any.
    pub gateway: Option<Ipv4Addr>,
    /// Static neighbour entries (IP, MAC) on `eth0`, e.g. so ARP timers do not count in a
    /// latency measurement.
    pub neighbours: Vec<(Ipv4Addr, String)>,
}

/// The whole datacenter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// The hypervisors.
    pub hosts: Vec<HostSpec>,
    /// The VMs.
    pub vms: Vec<VmSpec>,
}

impl Layout {
    /// The original's vnspec environment: three hypervisors (dp-1 and dp-2 on underlay A,
    /// MAC2MAC between them; dp-3 on underlay B behind the router, GRE), two VMs each, with
    /// the addresses of the simple_nw dataset (vm1/vm3/vm5 in one network, vm2/vm4/vm6 in the
    /// other, both 10.101.0.0/24: vm1 and vm2 are .10, vm3 and vm4 .11, vm5 and vm6 .12).
    pub fn standard() -> Layout {
        let hosts = (1..=3u8)
            .map(|index| {
                let underlay = if index == 3 { Underlay::B } else { Underlay::A };
                let [a, b, c, _] = underlay.network().octets();
                HostSpec {
                    name: format!("host{index}"),
                    index,
                    node_id: format!("vna{index}"),
                    datapath: format!("dp-{index}"),
                    dpid: STANDARD_DPIDS
                        .get(usize::from(index - 1))
                        .copied()
                        .unwrap_or(u64::from(index)),
                    underlay,
                    underlay_ip: Ipv4Addr::new(a, b, c, index),
                    host_mac: format!("02:fe:00:00:00:{index:02x}"),
                    mgmt_ip: Ipv4Addr::new(203, 0, 113, index),
                }
            })
            .collect();
        let vms = (1..=6u8)
            .map(|index| {
                let host = index.div_ceil(2);
                VmSpec {
                    name: format!("vm{index}"),
                    host: format!("host{host}"),
                    port: format!("vif-vm{index}"),
                    // eth0 is port 1; the host's first VM 2, its second 3.
                    ofport: if index % 2 == 1 { 2 } else { 3 },
                    mac: format!("02:00:00:00:00:{index:02x}"),
                    ip: Some((Ipv4Addr::new(10, 101, 0, 10 + (index - 1) / 2), 24)),
                    gateway: None,
                    neighbours: Vec::new(),
                }
            })
            .collect();
        Layout { hosts, vms }
    }

    /// The host named `name`.
    pub fn host(&self, name: &str) -> Option<&HostSpec> {
        self.hosts.iter().find(|host| host.name == name)
    }

    /// The VM named `name`.
    pub fn vm(&self, name: &str) -> Option<&VmSpec> {
        self.vms.iter().find(|vm| vm.name == name)
    }

    /// The VM named `name`, to change before building.
    pub fn vm_mut(&mut self, name: &str) -> Option<&mut VmSpec> {
        self.vms.iter_mut().find(|vm| vm.name == name)
    }

    /// The VMs of host `host`.
    pub fn vms_of<'a>(&'a self, host: &'a str) -> impl Iterator<Item = &'a VmSpec> + 'a {
        self.vms.iter().filter(move |vm| vm.host == host)
    }
}

/// `0x0000aaaaaaaaaaaa` style, as OVS and the original print datapath ids.
pub fn dpid_hex(dpid: u64) -> String {
    format!("0x{dpid:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_layout_matches_the_originals_vnspec() {
        let layout = Layout::standard();
        let dpids: Vec<String> = layout
            .hosts
            .iter()
            .map(|host| dpid_hex(host.dpid))
            .collect();
        assert_eq!(
            dpids,
            [
                "0x0000aaaaaaaaaaaa",
                "0x0000bbbbbbbbbbbb",
                "0x0000cccccccccccc"
            ]
        );
        let host3 = layout.host("host3").unwrap();
        assert_eq!(host3.underlay, Underlay::B);
        assert_eq!(host3.underlay_ip, Ipv4Addr::new(198, 51, 100, 3));
        assert_eq!(host3.host_mac, "02:fe:00:00:00:03");
        assert_eq!(
            layout.host("host2").unwrap().underlay_ip,
            Ipv4Addr::new(192, 0, 2, 2)
        );

        let vm4 = layout.vm("vm4").unwrap();
        assert_eq!(vm4.host, "host2");
        assert_eq!(vm4.mac, "02:00:00:00:00:04");
        assert_eq!(vm4.port, "vif-vm4");
        assert_eq!(vm4.ofport, 3);
        assert_eq!(vm4.ip, Some((Ipv4Addr::new(10, 101, 0, 11), 24)));
        assert_eq!(layout.vm("vm5").unwrap().ofport, 2);
        assert_eq!(layout.vms_of("host3").count(), 2);
    }

    #[test]
    fn every_interface_name_fits_linux() {
        let layout = Layout::standard();
        for name in layout.vms.iter().map(|vm| vm.port.as_str()).chain([
            BRIDGE,
            UNDERLAY_BRIDGE,
            HOST_PORT,
            UNDERLAY_PATCH_PORT,
            UPLINK,
            MGMT_IF,
        ]) {
            ovs::validate_name("interface", name).unwrap();
        }
    }

    #[test]
    fn underlays_know_their_router() {
        assert_eq!(Underlay::A.router_ip(), Ipv4Addr::new(192, 0, 2, 254));
        assert_eq!(Underlay::B.router_ip(), Ipv4Addr::new(198, 51, 100, 254));
        assert_eq!(Underlay::A.other(), Underlay::B);
    }
}
