//! A flow-table simulator: walks a [`Packet`] through a [`FlowSet`] the way Open vSwitch does
//! with OpenFlow 1.3 semantics, and reports what came out of which port and why (a [`Trace`],
//! whose `Display` plays the role of `ovs-appctl ofproto/trace`).
//!
//! What it models:
//!
//! * **Lookup**: the highest-priority matching flow of a table wins. Two matching flows of the
//!   same priority are ambiguous (Open vSwitch picks one arbitrarily): the trace says so and the
//!   simulator picks the one whose canonical match encodes smallest. A table miss at the top
//!   level drops the packet and discards its action set (the OpenFlow 1.3 default); a miss
//!   inside `resubmit` does nothing, as in Open vSwitch.
//! * **Matching** every OXM field vnet uses, with masks, and the OpenFlow prerequisites: an
//!   IPv4 field only matches IPv4 packets, ARP fields only ARP packets, TCP ports only TCP…
//!   A matched flow whose match lacks a prerequisite (`ipv4_dst` without `eth_type=0x0800`) is
//!   flagged, because Open vSwitch would reject it. A flow using a field the simulator does not
//!   model (IPv6, MPLS, conntrack, `conj_id`, raw fields) never matches, and the trace names it.
//! * **Instructions** in the order OpenFlow prescribes (meter, apply, clear, write, metadata,
//!   goto), whatever their order in the flow; `goto_table` must go forward.
//! * **Actions**: `output` (ports, `IN_PORT`, `CONTROLLER`, `LOCAL`, `ALL`/`FLOOD` when the
//!   switch's ports are known, `NORMAL` reported), `set_field` (masked too), `push_vlan`,
//!   `pop_vlan`, `dec_ttl`, `mod_nw_ttl`, Nicira `load`, `move`, `resubmit` (depth-limited),
//!   `learn` (the learned flow is installed in the simulator's own table state), `controller`,
//!   `note` (ignored). The action set (`write_actions`) runs at the end of the pipeline in
//!   OpenFlow order.
//! * **Open vSwitch's rules**: output to the packet's own in_port is dropped unless it is
//!   `output:IN_PORT`; `set_field`/`load` whose prerequisites the packet does not meet are
//!   skipped; `resubmit` with an in_port restores the packet's own afterwards; too deep a
//!   resubmit chain (more than [`MAX_DEPTH`]) or too many lookups (more than [`MAX_STEPS`])
//!   drops the packet with every output made so far.
//!
//! What it does not model: groups, meters (packets pass), conntrack (`ct`, `nat`), conjunctive
//! matches, MPLS and PBB, IPv6, a second VLAN tag, port `no_flood` configuration, timeouts and
//! counters (no clock: [`Simulator::forget_learned`] stands in for expiry), `NORMAL`
//! forwarding, packet-in handling by a controller. Each of these shows in the trace where it is
//! met; none panics.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use openflow::multipart::FlowStats;
use openflow::nicira::{
    self, FieldRef, Learn, LearnDst, LearnSrc, NxAction, OFPP_IN_PORT16, TABLE_NONE,
};
use openflow::oxm::{CLASS_BASIC, CLASS_NXM0, CLASS_NXM1, OFPVID_PRESENT, ofb};
use openflow::port::{
    OFPP_ALL, OFPP_ANY, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_LOCAL, OFPP_MAX,
    OFPP_NORMAL, OFPP_TABLE, PortNo,
};
use openflow::{Action, Instruction, MacAddr, Match, Oxm};

use crate::describe;
use crate::flow::{Flow, FlowKey, FlowSet};

/// How deep `resubmit` may nest (Open vSwitch's own limit).
pub const MAX_DEPTH: usize = 64;
/// How many table lookups one packet may cause (Open vSwitch's limit on resubmits).
pub const MAX_STEPS: usize = 4096;

/// `eth_type` of IPv4.
pub const ETH_TYPE_IPV4: u16 = 0x0800;
/// `eth_type` of ARP.
pub const ETH_TYPE_ARP: u16 = 0x0806;
/// `eth_type` of RARP (carries ARP fields too).
pub const ETH_TYPE_RARP: u16 = 0x8035;
/// `eth_type` the [`Packet::broadcast`] frame carries (IEEE local experimental).
pub const ETH_TYPE_EXPERIMENTAL: u16 = 0x88b5;
/// IP protocol numbers.
pub const IP_PROTO_ICMP: u8 = 1;
pub const IP_PROTO_TCP: u8 = 6;
pub const IP_PROTO_UDP: u8 = 17;
pub const IP_PROTO_SCTP: u8 = 132;

// ---------------------------------------------------------------------------------------------
// Packets

/// One 802.1Q tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Vlan {
    /// VLAN id (12 bits).
    pub vid: u16,
    /// Priority code point (3 bits).
    pub pcp: u8,
}

/// A packet as the pipeline sees it: header fields plus the pipeline's own registers
/// (`metadata`, `regs`, `tun_id`, `pkt_mark`), which are not on the wire but travel with it.
/// Fields of protocols the packet does not carry are ignored (and left zero by the
/// constructors): `tp_src` means something only for TCP, UDP or SCTP, `arp_*` only for ARP.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Packet {
    pub in_port: u32,
    pub eth_src: MacAddr,
    pub eth_dst: MacAddr,
    /// The ethertype after any VLAN tag (as Open vSwitch's `dl_type`).
    pub eth_type: u16,
    pub vlan: Option<Vlan>,
    pub ipv4_src: Ipv4Addr,
    pub ipv4_dst: Ipv4Addr,
    pub ip_proto: u8,
    /// DSCP (6 bits).
    pub ip_dscp: u8,
    /// ECN (2 bits).
    pub ip_ecn: u8,
    pub ip_ttl: u8,
    /// TCP, UDP or SCTP source port, by `ip_proto`.
    pub tp_src: u16,
    /// TCP, UDP or SCTP destination port, by `ip_proto`.
    pub tp_dst: u16,
    pub icmp_type: u8,
    pub icmp_code: u8,
    pub arp_op: u16,
    pub arp_spa: Ipv4Addr,
    pub arp_tpa: Ipv4Addr,
    pub arp_sha: MacAddr,
    pub arp_tha: MacAddr,
    /// Tunnel key (GRE key) the packet arrived with or will leave with.
    pub tun_id: u64,
    pub tun_ipv4_src: Ipv4Addr,
    pub tun_ipv4_dst: Ipv4Addr,
    pub metadata: u64,
    pub regs: [u32; 8],
    pub pkt_mark: u32,
}

impl Default for Packet {
    /// All zero: port 0, zero MACs, ethertype 0.
    fn default() -> Packet {
        Packet::ethernet(0, MacAddr::ZERO, MacAddr::ZERO, 0)
    }
}

impl Packet {
    /// A frame of `eth_type` with nothing above Ethernet filled in.
    pub fn ethernet(in_port: u32, eth_src: MacAddr, eth_dst: MacAddr, eth_type: u16) -> Packet {
        Packet {
            in_port,
            eth_src,
            eth_dst,
            eth_type,
            vlan: None,
            ipv4_src: Ipv4Addr::UNSPECIFIED,
            ipv4_dst: Ipv4Addr::UNSPECIFIED,
            ip_proto: 0,
            ip_dscp: 0,
            ip_ecn: 0,
            ip_ttl: 0,
            tp_src: 0,
            tp_dst: 0,
            icmp_type: 0,
            icmp_code: 0,
            arp_op: 0,
            arp_spa: Ipv4Addr::UNSPECIFIED,
            arp_tpa: Ipv4Addr::UNSPECIFIED,
            arp_sha: MacAddr::ZERO,
            arp_tha: MacAddr::ZERO,
            tun_id: 0,
            tun_ipv4_src: Ipv4Addr::UNSPECIFIED,
            tun_ipv4_dst: Ipv4Addr::UNSPECIFIED,
            metadata: 0,
            regs: [0; 8],
            pkt_mark: 0,
        }
    }

    /// An Ethernet broadcast of an experimental ethertype (no IP, no ARP).
    pub fn broadcast(in_port: u32, eth_src: MacAddr) -> Packet {
        Packet::ethernet(in_port, eth_src, MacAddr::BROADCAST, ETH_TYPE_EXPERIMENTAL)
    }

    /// "Who has `tpa`? Tell `spa`", broadcast from `sha`.
    pub fn arp_request(in_port: u32, sha: MacAddr, spa: Ipv4Addr, tpa: Ipv4Addr) -> Packet {
        Packet {
            arp_op: 1,
            arp_sha: sha,
            arp_spa: spa,
            arp_tha: MacAddr::ZERO,
            arp_tpa: tpa,
            ..Packet::ethernet(in_port, sha, MacAddr::BROADCAST, ETH_TYPE_ARP)
        }
    }

    /// "`spa` is at `sha`", unicast from `sha` to `tha`.
    pub fn arp_reply(
        in_port: u32,
        sha: MacAddr,
        spa: Ipv4Addr,
        tha: MacAddr,
        tpa: Ipv4Addr,
    ) -> Packet {
        Packet {
            arp_op: 2,
            arp_sha: sha,
            arp_spa: spa,
            arp_tha: tha,
            arp_tpa: tpa,
            ..Packet::ethernet(in_port, sha, tha, ETH_TYPE_ARP)
        }
    }

    /// An IPv4 packet of protocol `ip_proto` with TTL 64 and nothing above IP filled in.
    pub fn ipv4(
        in_port: u32,
        eth_src: MacAddr,
        eth_dst: MacAddr,
        ipv4_src: Ipv4Addr,
        ipv4_dst: Ipv4Addr,
        ip_proto: u8,
    ) -> Packet {
        Packet {
            ipv4_src,
            ipv4_dst,
            ip_proto,
            ip_ttl: 64,
            ..Packet::ethernet(in_port, eth_src, eth_dst, ETH_TYPE_IPV4)
        }
    }

    /// An ICMP echo request (ping).
    pub fn icmp_echo(
        in_port: u32,
        src_mac: MacAddr,
        dst_mac: MacAddr,
        src_ip: Ipv4Addr,
        dst_ip: Ipv4Addr,
    ) -> Packet {
        Packet {
            icmp_type: 8,
            ..Packet::ipv4(in_port, src_mac, dst_mac, src_ip, dst_ip, IP_PROTO_ICMP)
        }
    }

    /// An ICMP echo reply.
    pub fn icmp_echo_reply(
        in_port: u32,
        src_mac: MacAddr,
        dst_mac: MacAddr,
        src_ip: Ipv4Addr,
        dst_ip: Ipv4Addr,
    ) -> Packet {
        Packet {
            icmp_type: 0,
            ..Packet::ipv4(in_port, src_mac, dst_mac, src_ip, dst_ip, IP_PROTO_ICMP)
        }
    }

    /// A UDP datagram; `src`/`dst` are (address, port).
    pub fn udp(
        in_port: u32,
        src_mac: MacAddr,
        dst_mac: MacAddr,
        src: (Ipv4Addr, u16),
        dst: (Ipv4Addr, u16),
    ) -> Packet {
        Packet {
            tp_src: src.1,
            tp_dst: dst.1,
            ..Packet::ipv4(in_port, src_mac, dst_mac, src.0, dst.0, IP_PROTO_UDP)
        }
    }

    /// A TCP segment; `src`/`dst` are (address, port).
    pub fn tcp(
        in_port: u32,
        src_mac: MacAddr,
        dst_mac: MacAddr,
        src: (Ipv4Addr, u16),
        dst: (Ipv4Addr, u16),
    ) -> Packet {
        Packet {
            tp_src: src.1,
            tp_dst: dst.1,
            ..Packet::ipv4(in_port, src_mac, dst_mac, src.0, dst.0, IP_PROTO_TCP)
        }
    }

    /// With an 802.1Q tag.
    #[must_use]
    pub fn with_vlan(mut self, vid: u16, pcp: u8) -> Packet {
        self.vlan = Some(Vlan {
            vid: vid & 0x0fff,
            pcp: pcp & 7,
        });
        self
    }

    /// As if it had arrived through a tunnel with key `tun_id`.
    #[must_use]
    pub fn with_tun_id(mut self, tun_id: u64) -> Packet {
        self.tun_id = tun_id;
        self
    }

    /// With metadata already set (as if an earlier table had written it).
    #[must_use]
    pub fn with_metadata(mut self, metadata: u64) -> Packet {
        self.metadata = metadata;
        self
    }

    /// With register `n` (0..=7) set; other `n` are ignored.
    #[must_use]
    pub fn with_reg(mut self, n: usize, value: u32) -> Packet {
        if let Some(r) = self.regs.get_mut(n) {
            *r = value;
        }
        self
    }

    fn is_ipv4(&self) -> bool {
        self.eth_type == ETH_TYPE_IPV4
    }

    fn is_arp(&self) -> bool {
        matches!(self.eth_type, ETH_TYPE_ARP | ETH_TYPE_RARP)
    }

    fn meets(&self, p: Prereq) -> bool {
        match p {
            Prereq::None => true,
            Prereq::Vlan => self.vlan.is_some(),
            Prereq::Ipv4 => self.is_ipv4(),
            Prereq::Arp => self.is_arp(),
            Prereq::Proto(proto) => self.is_ipv4() && self.ip_proto == proto,
        }
    }

    fn get(&self, f: Field) -> u64 {
        let v4 = |a: Ipv4Addr| u64::from(u32::from(a));
        match f {
            Field::InPort => u64::from(self.in_port),
            Field::InPort16 => u64::from(port_to16(self.in_port)),
            Field::Metadata => self.metadata,
            Field::EthDst => self.eth_dst.to_u64(),
            Field::EthSrc => self.eth_src.to_u64(),
            Field::EthType => u64::from(self.eth_type),
            Field::VlanTci => self.vlan.map_or(0, |v| {
                (u64::from(v.pcp & 7) << 13) | u64::from(OFPVID_PRESENT) | u64::from(v.vid & 0xfff)
            }),
            Field::VlanVid => self
                .vlan
                .map_or(0, |v| u64::from(OFPVID_PRESENT) | u64::from(v.vid & 0xfff)),
            Field::VlanPcp => self.vlan.map_or(0, |v| u64::from(v.pcp & 7)),
            Field::IpTos => (u64::from(self.ip_dscp & 0x3f) << 2) | u64::from(self.ip_ecn & 3),
            Field::IpDscp => u64::from(self.ip_dscp & 0x3f),
            Field::IpEcn => u64::from(self.ip_ecn & 3),
            Field::IpTtl => u64::from(self.ip_ttl),
            Field::IpProto => u64::from(self.ip_proto),
            Field::Ipv4Src => v4(self.ipv4_src),
            Field::Ipv4Dst => v4(self.ipv4_dst),
            Field::TcpSrc | Field::UdpSrc | Field::SctpSrc => u64::from(self.tp_src),
            Field::TcpDst | Field::UdpDst | Field::SctpDst => u64::from(self.tp_dst),
            Field::IcmpType => u64::from(self.icmp_type),
            Field::IcmpCode => u64::from(self.icmp_code),
            Field::ArpOp => u64::from(self.arp_op),
            Field::ArpSpa => v4(self.arp_spa),
            Field::ArpTpa => v4(self.arp_tpa),
            Field::ArpSha => self.arp_sha.to_u64(),
            Field::ArpTha => self.arp_tha.to_u64(),
            Field::TunId => self.tun_id,
            Field::TunIpv4Src => v4(self.tun_ipv4_src),
            Field::TunIpv4Dst => v4(self.tun_ipv4_dst),
            Field::PktMark => u64::from(self.pkt_mark),
            Field::Reg(n) => self.regs.get(usize::from(n)).map_or(0, |r| u64::from(*r)),
        }
    }

    /// Writes the whole field (`v` already within its width). An error says why the packet
    /// could not take the value (and is left unchanged).
    fn set(&mut self, f: Field, v: u64) -> Result<(), String> {
        let v4 = |v: u64| Ipv4Addr::from(lo32(v));
        match f {
            Field::InPort => self.in_port = lo32(v),
            Field::InPort16 => self.in_port = port_from16(lo16(v)),
            Field::Metadata => self.metadata = v,
            Field::EthDst => self.eth_dst = MacAddr::from_u64(v),
            Field::EthSrc => self.eth_src = MacAddr::from_u64(v),
            Field::EthType | Field::IpProto => {
                return Err(format!("{} is read-only", f.name()));
            }
            Field::VlanTci => {
                self.vlan = (v & u64::from(OFPVID_PRESENT) != 0).then(|| Vlan {
                    vid: lo16(v) & 0xfff,
                    pcp: lo8(v >> 13) & 7,
                });
            }
            Field::VlanVid | Field::VlanPcp => {
                let Some(vlan) = self.vlan.as_mut() else {
                    return Err("the packet has no VLAN tag; Open vSwitch leaves it as is".into());
                };
                if f == Field::VlanVid {
                    vlan.vid = lo16(v) & 0xfff;
                } else {
                    vlan.pcp = lo8(v) & 7;
                }
            }
            Field::IpTos => {
                self.ip_dscp = lo8(v >> 2) & 0x3f;
                self.ip_ecn = lo8(v) & 3;
            }
            Field::IpDscp => self.ip_dscp = lo8(v) & 0x3f,
            Field::IpEcn => self.ip_ecn = lo8(v) & 3,
            Field::IpTtl => self.ip_ttl = lo8(v),
            Field::Ipv4Src => self.ipv4_src = v4(v),
            Field::Ipv4Dst => self.ipv4_dst = v4(v),
            Field::TcpSrc | Field::UdpSrc | Field::SctpSrc => self.tp_src = lo16(v),
            Field::TcpDst | Field::UdpDst | Field::SctpDst => self.tp_dst = lo16(v),
            Field::IcmpType => self.icmp_type = lo8(v),
            Field::IcmpCode => self.icmp_code = lo8(v),
            Field::ArpOp => self.arp_op = lo16(v),
            Field::ArpSpa => self.arp_spa = v4(v),
            Field::ArpTpa => self.arp_tpa = v4(v),
            Field::ArpSha => self.arp_sha = MacAddr::from_u64(v),
            Field::ArpTha => self.arp_tha = MacAddr::from_u64(v),
            Field::TunId => self.tun_id = v,
            Field::TunIpv4Src => self.tun_ipv4_src = v4(v),
            Field::TunIpv4Dst => self.tun_ipv4_dst = v4(v),
            Field::PktMark => self.pkt_mark = lo32(v),
            Field::Reg(n) => match self.regs.get_mut(usize::from(n)) {
                Some(r) => *r = lo32(v),
                None => return Err(format!("register {n} is not simulated")),
            },
        }
        Ok(())
    }

    /// Writes the bits of `mask` from `v`, keeping the others.
    fn set_masked(&mut self, f: Field, v: u64, mask: u64) -> Result<(), String> {
        let old = self.get(f);
        self.set(f, ((old & !mask) | (v & mask)) & width_mask(f.width()))
    }

    /// `name=value` of one field, values printed as ovs-ofctl does.
    fn field_text(&self, f: Field) -> String {
        let v = self.get(f);
        let value = match f {
            Field::InPort | Field::InPort16 => PortNo(self.in_port).to_string(),
            Field::EthDst | Field::EthSrc | Field::ArpSha | Field::ArpTha => {
                MacAddr::from_u64(v).to_string()
            }
            Field::Ipv4Src
            | Field::Ipv4Dst
            | Field::ArpSpa
            | Field::ArpTpa
            | Field::TunIpv4Src
            | Field::TunIpv4Dst => Ipv4Addr::from(lo32(v)).to_string(),
            Field::Metadata => format!("{v:#x}({})", describe::MetadataValue(v)),
            Field::EthType
            | Field::VlanTci
            | Field::VlanVid
            | Field::TunId
            | Field::PktMark
            | Field::Reg(_) => format!("{v:#x}"),
            _ => v.to_string(),
        };
        format!("{}={value}", f.name())
    }
}

impl fmt::Display for Packet {
    /// `in_port=1 eth_src=… eth_dst=… arp arp_op=1 …`: the fields that mean something for
    /// this packet, then the non-zero pipeline registers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "in_port={} eth_src={} eth_dst={}",
            PortNo(self.in_port),
            self.eth_src,
            self.eth_dst
        )?;
        if let Some(v) = self.vlan {
            write!(f, " vlan_vid={} vlan_pcp={}", v.vid, v.pcp)?;
        }
        if self.is_arp() {
            write!(
                f,
                " {} arp_op={} arp_spa={} arp_tpa={} arp_sha={} arp_tha={}",
                if self.eth_type == ETH_TYPE_RARP {
                    "rarp"
                } else {
                    "arp"
                },
                self.arp_op,
                self.arp_spa,
                self.arp_tpa,
                self.arp_sha,
                self.arp_tha
            )?;
        } else if self.is_ipv4() {
            let proto = match self.ip_proto {
                IP_PROTO_ICMP => "icmp".to_string(),
                IP_PROTO_TCP => "tcp".to_string(),
                IP_PROTO_UDP => "udp".to_string(),
                IP_PROTO_SCTP => "sctp".to_string(),
                p => format!("ip ip_proto={p}"),
            };
            write!(
                f,
                " {proto} ipv4_src={} ipv4_dst={} ip_ttl={}",
                self.ipv4_src, self.ipv4_dst, self.ip_ttl
            )?;
            if self.ip_dscp != 0 || self.ip_ecn != 0 {
                write!(f, " ip_dscp={} ip_ecn={}", self.ip_dscp, self.ip_ecn)?;
            }
            match self.ip_proto {
                IP_PROTO_ICMP => write!(
                    f,
                    " icmp_type={} icmp_code={}",
                    self.icmp_type, self.icmp_code
                )?,
                IP_PROTO_TCP | IP_PROTO_UDP | IP_PROTO_SCTP => {
                    write!(f, " tp_src={} tp_dst={}", self.tp_src, self.tp_dst)?;
                }
                _ => {}
            }
        } else {
            write!(f, " eth_type={:#06x}", self.eth_type)?;
        }
        if self.tun_id != 0 {
            write!(f, " tun_id={:#x}", self.tun_id)?;
        }
        if self.tun_ipv4_src != Ipv4Addr::UNSPECIFIED || self.tun_ipv4_dst != Ipv4Addr::UNSPECIFIED
        {
            write!(
                f,
                " tun_ipv4_src={} tun_ipv4_dst={}",
                self.tun_ipv4_src, self.tun_ipv4_dst
            )?;
        }
        if self.metadata != 0 {
            write!(
                f,
                " metadata={:#x}({})",
                self.metadata,
                describe::MetadataValue(self.metadata)
            )?;
        }
        for (n, r) in self.regs.iter().enumerate() {
            if *r != 0 {
                write!(f, " reg{n}={r:#x}")?;
            }
        }
        if self.pkt_mark != 0 {
            write!(f, " pkt_mark={:#x}", self.pkt_mark)?;
        }
        Ok(())
    }
}

/// Why a packet description did not parse: the item, and what would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketParseError {
    /// The offending `name=value` or keyword.
    pub item: String,
    /// What is wrong with it and what would be accepted.
    pub reason: String,
}

impl fmt::Display for PacketParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "packet item {:?}: {}", self.item, self.reason)
    }
}

impl std::error::Error for PacketParseError {}

/// The names [`Packet::from_str`] knows, for error messages.
const PACKET_FIELDS: &str = "in_port, eth_src, eth_dst, eth_type, vlan_vid, vlan_pcp, \
    ipv4_src, ipv4_dst, ip_proto, ip_ttl, ip_dscp, ip_ecn, tp_src, tp_dst, icmp_type, icmp_code, \
    arp_op, arp_spa, arp_tpa, arp_sha, arp_tha, tun_id, tun_ipv4_src, tun_ipv4_dst, metadata, \
    reg0..reg7, pkt_mark (or the ovs-ofctl spellings dl_src, dl_dst, dl_type, dl_vlan, \
    dl_vlan_pcp, nw_src, nw_dst, nw_proto, nw_ttl, tcp_src, udp_dst, …)";

/// `text` without anything in parentheses (the decoded parts `Display` adds).
fn strip_parens(text: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// A decimal or `0x` hexadecimal number of at most `max`.
fn parse_number(v: &str, max: u64) -> Result<u64, String> {
    let n = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse::<u64>(),
    }
    .map_err(|_| format!("expected a decimal or 0x-hex number up to {max:#x}"))?;
    if n > max {
        return Err(format!("{n:#x} is larger than {max:#x}"));
    }
    Ok(n)
}

impl std::str::FromStr for Packet {
    type Err = PacketParseError;

    /// What `Display` writes (`in_port=1 eth_src=… eth_dst=… arp arp_op=1 …`), or the
    /// ovs-ofctl spellings (`dl_src`, `nw_dst`, `dl_vlan`, …), separated by spaces or commas.
    /// The keywords `arp`, `rarp`, `ip`, `icmp`, `tcp`, `udp`, `sctp` set `eth_type` (and
    /// `ip_proto`); `vlan_vid` is the 12-bit VLAN id and tags the packet; ports may be
    /// numbers or `LOCAL`/`CONTROLLER`; anything in parentheses is ignored. Fields not given
    /// are zero, except `ip_ttl`, 64 for IPv4 packets.
    fn from_str(s: &str) -> Result<Packet, PacketParseError> {
        let text = strip_parens(s);
        let mut p = Packet::default();
        let mut ttl_given = false;
        let items = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|i| !i.is_empty());
        for item in items {
            let fail = |reason: String| PacketParseError {
                item: item.to_string(),
                reason,
            };
            let Some((name, v)) = item.split_once('=') else {
                let (eth_type, proto) = match item {
                    "arp" => (ETH_TYPE_ARP, None),
                    "rarp" => (ETH_TYPE_RARP, None),
                    "ip" => (ETH_TYPE_IPV4, None),
                    "icmp" => (ETH_TYPE_IPV4, Some(IP_PROTO_ICMP)),
                    "tcp" => (ETH_TYPE_IPV4, Some(IP_PROTO_TCP)),
                    "udp" => (ETH_TYPE_IPV4, Some(IP_PROTO_UDP)),
                    "sctp" => (ETH_TYPE_IPV4, Some(IP_PROTO_SCTP)),
                    _ => {
                        return Err(fail(
                            "expected name=value or one of arp, rarp, ip, icmp, tcp, udp, sctp"
                                .into(),
                        ));
                    }
                };
                p.eth_type = eth_type;
                if let Some(proto) = proto {
                    p.ip_proto = proto;
                }
                continue;
            };
            let num = |max: u64| parse_number(v, max).map_err(&fail);
            let mac = || {
                v.parse::<MacAddr>()
                    .map_err(|_| fail("expected a MAC address like 02:00:00:00:00:01".into()))
            };
            let ip = || {
                v.parse::<Ipv4Addr>()
                    .map_err(|_| fail("expected an IPv4 address like 10.0.0.1".into()))
            };
            match name {
                "in_port" => {
                    p.in_port = match v.to_ascii_uppercase().as_str() {
                        "LOCAL" => OFPP_LOCAL,
                        "CONTROLLER" => OFPP_CONTROLLER,
                        _ => lo32(num(u64::from(u32::MAX))?),
                    };
                }
                "eth_src" | "dl_src" => p.eth_src = mac()?,
                "eth_dst" | "dl_dst" => p.eth_dst = mac()?,
                "eth_type" | "dl_type" => p.eth_type = lo16(num(0xffff)?),
                "vlan_vid" | "dl_vlan" => {
                    let vid = lo16(num(0xfff)?);
                    let pcp = p.vlan.map_or(0, |t| t.pcp);
                    p.vlan = Some(Vlan { vid, pcp });
                }
                "vlan_pcp" | "dl_vlan_pcp" => {
                    let pcp = lo8(num(7)?);
                    let vid = p.vlan.map_or(0, |t| t.vid);
                    p.vlan = Some(Vlan { vid, pcp });
                }
                "ipv4_src" | "nw_src" => p.ipv4_src = ip()?,
                "ipv4_dst" | "nw_dst" => p.ipv4_dst = ip()?,
                "ip_proto" | "nw_proto" => p.ip_proto = lo8(num(0xff)?),
                "ip_ttl" | "nw_ttl" => {
                    p.ip_ttl = lo8(num(0xff)?);
                    ttl_given = true;
                }
                "ip_dscp" => p.ip_dscp = lo8(num(0x3f)?),
                "ip_ecn" | "nw_ecn" => p.ip_ecn = lo8(num(3)?),
                "tp_src" | "tcp_src" | "udp_src" | "sctp_src" => p.tp_src = lo16(num(0xffff)?),
                "tp_dst" | "tcp_dst" | "udp_dst" | "sctp_dst" => p.tp_dst = lo16(num(0xffff)?),
                "icmp_type" | "icmpv4_type" => p.icmp_type = lo8(num(0xff)?),
                "icmp_code" | "icmpv4_code" => p.icmp_code = lo8(num(0xff)?),
                "arp_op" => p.arp_op = lo16(num(0xffff)?),
                "arp_spa" => p.arp_spa = ip()?,
                "arp_tpa" => p.arp_tpa = ip()?,
                "arp_sha" => p.arp_sha = mac()?,
                "arp_tha" => p.arp_tha = mac()?,
                "tun_id" | "tunnel_id" => p.tun_id = num(u64::MAX)?,
                "tun_ipv4_src" | "tun_src" => p.tun_ipv4_src = ip()?,
                "tun_ipv4_dst" | "tun_dst" => p.tun_ipv4_dst = ip()?,
                "metadata" => p.metadata = num(u64::MAX)?,
                "pkt_mark" => p.pkt_mark = lo32(num(u64::from(u32::MAX))?),
                reg if reg.starts_with("reg") => {
                    let slot = reg
                        .get(3..)
                        .and_then(|n| n.parse::<usize>().ok())
                        .and_then(|n| p.regs.get_mut(n))
                        .ok_or_else(|| fail("registers are reg0 to reg7".into()))?;
                    *slot = lo32(parse_number(v, u64::from(u32::MAX)).map_err(&fail)?);
                }
                _ => return Err(fail(format!("unknown field; known: {PACKET_FIELDS}"))),
            }
        }
        if p.is_ipv4() && !ttl_given {
            p.ip_ttl = 64;
        }
        Ok(p)
    }
}

// ---------------------------------------------------------------------------------------------
// Fields

/// A packet field the simulator models, whichever way it is named (OXM, NXM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    /// 32-bit OXM in_port.
    InPort,
    /// 16-bit `NXM_OF_IN_PORT` (reserved ports as `0xfff8`…).
    InPort16,
    Metadata,
    EthDst,
    EthSrc,
    EthType,
    /// `NXM_OF_VLAN_TCI`: PCP, CFI (tag present) and VID.
    VlanTci,
    /// OXM `vlan_vid`: [`OFPVID_PRESENT`] and VID, 0 when untagged.
    VlanVid,
    VlanPcp,
    /// `NXM_OF_IP_TOS`: DSCP and ECN.
    IpTos,
    IpDscp,
    IpEcn,
    IpTtl,
    IpProto,
    Ipv4Src,
    Ipv4Dst,
    TcpSrc,
    TcpDst,
    UdpSrc,
    UdpDst,
    SctpSrc,
    SctpDst,
    IcmpType,
    IcmpCode,
    ArpOp,
    ArpSpa,
    ArpTpa,
    ArpSha,
    ArpTha,
    TunId,
    TunIpv4Src,
    TunIpv4Dst,
    PktMark,
    Reg(u8),
}

/// What a packet must be for a field to mean something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prereq {
    None,
    Vlan,
    Ipv4,
    Arp,
    /// IPv4 with this `ip_proto`.
    Proto(u8),
}

impl Prereq {
    fn text(self) -> String {
        match self {
            Prereq::None => "nothing".into(),
            Prereq::Vlan => "a VLAN tag (vlan_vid with 0x1000)".into(),
            Prereq::Ipv4 => format!("eth_type={ETH_TYPE_IPV4:#06x}"),
            Prereq::Arp => format!("eth_type={ETH_TYPE_ARP:#06x}"),
            Prereq::Proto(p) => format!("eth_type={ETH_TYPE_IPV4:#06x} and ip_proto={p}"),
        }
    }
}

impl Field {
    /// The field an NXM/OXM header names, if the simulator models it.
    fn from_ref(r: FieldRef) -> Option<Field> {
        use Field::*;
        Some(match (r.class(), r.field()) {
            (CLASS_NXM0, 0) => InPort16,
            (CLASS_NXM0, 1) => EthDst,
            (CLASS_NXM0, 2) => EthSrc,
            (CLASS_NXM0, 3) => EthType,
            (CLASS_NXM0, 4) => VlanTci,
            (CLASS_NXM0, 5) => IpTos,
            (CLASS_NXM0, 6) => IpProto,
            (CLASS_NXM0, 7) => Ipv4Src,
            (CLASS_NXM0, 8) => Ipv4Dst,
            (CLASS_NXM0, 9) => TcpSrc,
            (CLASS_NXM0, 10) => TcpDst,
            (CLASS_NXM0, 11) => UdpSrc,
            (CLASS_NXM0, 12) => UdpDst,
            (CLASS_NXM0, 13) => IcmpType,
            (CLASS_NXM0, 14) => IcmpCode,
            (CLASS_NXM0, 15) => ArpOp,
            (CLASS_NXM0, 16) => ArpSpa,
            (CLASS_NXM0, 17) => ArpTpa,
            (CLASS_NXM1, n @ 0..=7) => Reg(n),
            (CLASS_NXM1, 16) => TunId,
            (CLASS_NXM1, 17) => ArpSha,
            (CLASS_NXM1, 18) => ArpTha,
            (CLASS_NXM1, 28) => IpEcn,
            (CLASS_NXM1, 29) => IpTtl,
            (CLASS_NXM1, 31) => TunIpv4Src,
            (CLASS_NXM1, 32) => TunIpv4Dst,
            (CLASS_NXM1, 33) => PktMark,
            (CLASS_BASIC, ofb::IN_PORT) => InPort,
            (CLASS_BASIC, ofb::METADATA) => Metadata,
            (CLASS_BASIC, ofb::ETH_DST) => EthDst,
            (CLASS_BASIC, ofb::ETH_SRC) => EthSrc,
            (CLASS_BASIC, ofb::ETH_TYPE) => EthType,
            (CLASS_BASIC, ofb::VLAN_VID) => VlanVid,
            (CLASS_BASIC, ofb::VLAN_PCP) => VlanPcp,
            (CLASS_BASIC, ofb::IP_DSCP) => IpDscp,
            (CLASS_BASIC, ofb::IP_ECN) => IpEcn,
            (CLASS_BASIC, ofb::IP_PROTO) => IpProto,
            (CLASS_BASIC, ofb::IPV4_SRC) => Ipv4Src,
            (CLASS_BASIC, ofb::IPV4_DST) => Ipv4Dst,
            (CLASS_BASIC, ofb::TCP_SRC) => TcpSrc,
            (CLASS_BASIC, ofb::TCP_DST) => TcpDst,
            (CLASS_BASIC, ofb::UDP_SRC) => UdpSrc,
            (CLASS_BASIC, ofb::UDP_DST) => UdpDst,
            (CLASS_BASIC, ofb::SCTP_SRC) => SctpSrc,
            (CLASS_BASIC, ofb::SCTP_DST) => SctpDst,
            (CLASS_BASIC, ofb::ICMPV4_TYPE) => IcmpType,
            (CLASS_BASIC, ofb::ICMPV4_CODE) => IcmpCode,
            (CLASS_BASIC, ofb::ARP_OP) => ArpOp,
            (CLASS_BASIC, ofb::ARP_SPA) => ArpSpa,
            (CLASS_BASIC, ofb::ARP_TPA) => ArpTpa,
            (CLASS_BASIC, ofb::ARP_SHA) => ArpSha,
            (CLASS_BASIC, ofb::ARP_THA) => ArpTha,
            (CLASS_BASIC, ofb::TUNNEL_ID) => TunId,
            _ => return None,
        })
    }

    fn width(self) -> u16 {
        use Field::*;
        match self {
            InPort | Ipv4Src | Ipv4Dst | ArpSpa | ArpTpa | TunIpv4Src | TunIpv4Dst | PktMark
            | Reg(_) => 32,
            InPort16 | EthType | VlanTci | TcpSrc | TcpDst | UdpSrc | UdpDst | SctpSrc
            | SctpDst | ArpOp => 16,
            Metadata | TunId => 64,
            EthDst | EthSrc | ArpSha | ArpTha => 48,
            VlanVid => 13,
            VlanPcp => 3,
            IpTos | IpTtl | IpProto | IcmpType | IcmpCode => 8,
            IpDscp => 6,
            IpEcn => 2,
        }
    }

    fn name(self) -> String {
        use Field::*;
        match self {
            InPort | InPort16 => "in_port",
            Metadata => "metadata",
            EthDst => "eth_dst",
            EthSrc => "eth_src",
            EthType => "eth_type",
            VlanTci => "vlan_tci",
            VlanVid => "vlan_vid",
            VlanPcp => "vlan_pcp",
            IpTos => "ip_tos",
            IpDscp => "ip_dscp",
            IpEcn => "ip_ecn",
            IpTtl => "ip_ttl",
            IpProto => "ip_proto",
            Ipv4Src => "ipv4_src",
            Ipv4Dst => "ipv4_dst",
            TcpSrc => "tcp_src",
            TcpDst => "tcp_dst",
            UdpSrc => "udp_src",
            UdpDst => "udp_dst",
            SctpSrc => "sctp_src",
            SctpDst => "sctp_dst",
            IcmpType => "icmp_type",
            IcmpCode => "icmp_code",
            ArpOp => "arp_op",
            ArpSpa => "arp_spa",
            ArpTpa => "arp_tpa",
            ArpSha => "arp_sha",
            ArpTha => "arp_tha",
            TunId => "tun_id",
            TunIpv4Src => "tun_ipv4_src",
            TunIpv4Dst => "tun_ipv4_dst",
            PktMark => "pkt_mark",
            Reg(n) => return format!("reg{n}"),
        }
        .to_string()
    }

    fn prereq(self) -> Prereq {
        use Field::*;
        match self {
            VlanPcp => Prereq::Vlan,
            IpTos | IpDscp | IpEcn | IpTtl | IpProto | Ipv4Src | Ipv4Dst => Prereq::Ipv4,
            TcpSrc | TcpDst => Prereq::Proto(IP_PROTO_TCP),
            UdpSrc | UdpDst => Prereq::Proto(IP_PROTO_UDP),
            SctpSrc | SctpDst => Prereq::Proto(IP_PROTO_SCTP),
            IcmpType | IcmpCode => Prereq::Proto(IP_PROTO_ICMP),
            ArpOp | ArpSpa | ArpTpa | ArpSha | ArpTha => Prereq::Arp,
            _ => Prereq::None,
        }
    }
}

/// The low `n` bits set (all 64 for `n >= 64`).
fn width_mask(n: u16) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

fn lo32(v: u64) -> u32 {
    u32::try_from(v & 0xffff_ffff).unwrap_or(u32::MAX)
}

fn lo16(v: u64) -> u16 {
    u16::try_from(v & 0xffff).unwrap_or(u16::MAX)
}

fn lo8(v: u64) -> u8 {
    u8::try_from(v & 0xff).unwrap_or(u8::MAX)
}

/// A 32-bit port as OpenFlow 1.0's 16 bits (reserved ports `0xffffff00..` → `0xff00..`).
fn port_to16(p: u32) -> u16 {
    lo16(u64::from(p))
}

/// A 16-bit OpenFlow 1.0 port as 32 bits (`0xfff8` → `IN_PORT`, …).
fn port_from16(p: u16) -> u32 {
    if p >= 0xff00 {
        0xffff_0000 | u32::from(p)
    } else {
        u32::from(p)
    }
}

/// An OXM as (field, value, mask), value and mask within the field's width.
fn oxm_field(o: &Oxm) -> Result<(Field, u64, u64), String> {
    let mac = |m: &MacAddr| m.to_u64();
    let v4 = |a: &Ipv4Addr| u64::from(u32::from(*a));
    let (f, v, m): (Field, u64, Option<u64>) = match o {
        Oxm::InPort(p) => (Field::InPort, u64::from(*p), None),
        Oxm::Metadata(v, m) => (Field::Metadata, *v, *m),
        Oxm::EthDst(v, m) => (Field::EthDst, mac(v), m.as_ref().map(mac)),
        Oxm::EthSrc(v, m) => (Field::EthSrc, mac(v), m.as_ref().map(mac)),
        Oxm::EthType(v) => (Field::EthType, u64::from(*v), None),
        Oxm::VlanVid(v, m) => (Field::VlanVid, u64::from(*v), m.map(u64::from)),
        Oxm::VlanPcp(v) => (Field::VlanPcp, u64::from(*v), None),
        Oxm::IpDscp(v) => (Field::IpDscp, u64::from(*v), None),
        Oxm::IpEcn(v) => (Field::IpEcn, u64::from(*v), None),
        Oxm::IpProto(v) => (Field::IpProto, u64::from(*v), None),
        Oxm::Ipv4Src(v, m) => (Field::Ipv4Src, v4(v), m.as_ref().map(v4)),
        Oxm::Ipv4Dst(v, m) => (Field::Ipv4Dst, v4(v), m.as_ref().map(v4)),
        Oxm::TcpSrc(v) => (Field::TcpSrc, u64::from(*v), None),
        Oxm::TcpDst(v) => (Field::TcpDst, u64::from(*v), None),
        Oxm::UdpSrc(v) => (Field::UdpSrc, u64::from(*v), None),
        Oxm::UdpDst(v) => (Field::UdpDst, u64::from(*v), None),
        Oxm::SctpSrc(v) => (Field::SctpSrc, u64::from(*v), None),
        Oxm::SctpDst(v) => (Field::SctpDst, u64::from(*v), None),
        Oxm::Icmpv4Type(v) => (Field::IcmpType, u64::from(*v), None),
        Oxm::Icmpv4Code(v) => (Field::IcmpCode, u64::from(*v), None),
        Oxm::ArpOp(v) => (Field::ArpOp, u64::from(*v), None),
        Oxm::ArpSpa(v, m) => (Field::ArpSpa, v4(v), m.as_ref().map(v4)),
        Oxm::ArpTpa(v, m) => (Field::ArpTpa, v4(v), m.as_ref().map(v4)),
        Oxm::ArpSha(v, m) => (Field::ArpSha, mac(v), m.as_ref().map(mac)),
        Oxm::ArpTha(v, m) => (Field::ArpTha, mac(v), m.as_ref().map(mac)),
        Oxm::TunnelId(v, m) => (Field::TunId, *v, *m),
        Oxm::Reg(n, v, m) if *n < 8 => (Field::Reg(*n), u64::from(*v), m.map(u64::from)),
        Oxm::TunIpv4Src(v, m) => (Field::TunIpv4Src, v4(v), m.as_ref().map(v4)),
        Oxm::TunIpv4Dst(v, m) => (Field::TunIpv4Dst, v4(v), m.as_ref().map(v4)),
        Oxm::PktMark(v, m) => (Field::PktMark, u64::from(*v), m.map(u64::from)),
        Oxm::Unknown { .. } => {
            return Err(format!("the raw field {o} is not simulated"));
        }
        other => return Err(format!("{} is not simulated", other.name())),
    };
    let full = width_mask(f.width());
    Ok((f, v & full, m.map_or(full, |m| m & full)))
}

/// The OXM that matches `value` under `mask` in field `f` (for learned flows).
fn field_oxm(f: Field, value: u64, mask: u64) -> Result<Vec<Oxm>, String> {
    let full = width_mask(f.width());
    let m = (mask != full).then_some(mask);
    let whole = |o: Oxm| {
        if mask == full {
            Ok(vec![o])
        } else {
            Err(format!(
                "a partial match on {} cannot be expressed as OXM",
                f.name()
            ))
        }
    };
    let mac = MacAddr::from_u64;
    let v4 = |v: u64| Ipv4Addr::from(lo32(v));
    match f {
        Field::InPort => whole(Oxm::InPort(lo32(value))),
        Field::InPort16 => whole(Oxm::InPort(port_from16(lo16(value)))),
        Field::Metadata => Ok(vec![Oxm::Metadata(value, m)]),
        Field::EthDst => Ok(vec![Oxm::EthDst(mac(value), m.map(mac))]),
        Field::EthSrc => Ok(vec![Oxm::EthSrc(mac(value), m.map(mac))]),
        Field::EthType => whole(Oxm::EthType(lo16(value))),
        Field::VlanVid => Ok(vec![Oxm::VlanVid(lo16(value), m.map(lo16))]),
        Field::VlanTci => {
            let mut out = Vec::new();
            let vid_mask = mask & 0x1fff;
            if vid_mask != 0 {
                let vm = (vid_mask != 0x1fff).then_some(lo16(vid_mask));
                out.push(Oxm::VlanVid(lo16(value & 0x1fff), vm));
            }
            match mask >> 13 {
                0 => {}
                7 => out.push(Oxm::VlanPcp(lo8(value >> 13) & 7)),
                _ => return Err("a partial match on the VLAN PCP cannot be expressed".into()),
            }
            Ok(out)
        }
        Field::VlanPcp => whole(Oxm::VlanPcp(lo8(value))),
        Field::IpTos => match mask {
            0xff => Ok(vec![
                Oxm::IpDscp(lo8(value >> 2)),
                Oxm::IpEcn(lo8(value) & 3),
            ]),
            0xfc => Ok(vec![Oxm::IpDscp(lo8(value >> 2))]),
            0x03 => Ok(vec![Oxm::IpEcn(lo8(value) & 3)]),
            _ => Err("a partial match on ip_tos cannot be expressed".into()),
        },
        Field::IpDscp => whole(Oxm::IpDscp(lo8(value))),
        Field::IpEcn => whole(Oxm::IpEcn(lo8(value))),
        Field::IpTtl => Err("ip_ttl cannot be matched".into()),
        Field::IpProto => whole(Oxm::IpProto(lo8(value))),
        Field::Ipv4Src => Ok(vec![Oxm::Ipv4Src(v4(value), m.map(v4))]),
        Field::Ipv4Dst => Ok(vec![Oxm::Ipv4Dst(v4(value), m.map(v4))]),
        Field::TcpSrc => whole(Oxm::TcpSrc(lo16(value))),
        Field::TcpDst => whole(Oxm::TcpDst(lo16(value))),
        Field::UdpSrc => whole(Oxm::UdpSrc(lo16(value))),
        Field::UdpDst => whole(Oxm::UdpDst(lo16(value))),
        Field::SctpSrc => whole(Oxm::SctpSrc(lo16(value))),
        Field::SctpDst => whole(Oxm::SctpDst(lo16(value))),
        Field::IcmpType => whole(Oxm::Icmpv4Type(lo8(value))),
        Field::IcmpCode => whole(Oxm::Icmpv4Code(lo8(value))),
        Field::ArpOp => whole(Oxm::ArpOp(lo16(value))),
        Field::ArpSpa => Ok(vec![Oxm::ArpSpa(v4(value), m.map(v4))]),
        Field::ArpTpa => Ok(vec![Oxm::ArpTpa(v4(value), m.map(v4))]),
        Field::ArpSha => Ok(vec![Oxm::ArpSha(mac(value), m.map(mac))]),
        Field::ArpTha => Ok(vec![Oxm::ArpTha(mac(value), m.map(mac))]),
        Field::TunId => Ok(vec![Oxm::TunnelId(value, m)]),
        Field::TunIpv4Src => Ok(vec![Oxm::TunIpv4Src(v4(value), m.map(v4))]),
        Field::TunIpv4Dst => Ok(vec![Oxm::TunIpv4Dst(v4(value), m.map(v4))]),
        Field::PktMark => Ok(vec![Oxm::PktMark(lo32(value), m.map(lo32))]),
        Field::Reg(n) => Ok(vec![Oxm::Reg(n, lo32(value), m.map(lo32))]),
    }
}

enum Verdict {
    Match,
    NoMatch,
    Unsupported(String),
}

/// Whether `m` matches `p`. A field the packet does not carry (its prerequisite unmet) does
/// not match; a field the simulator does not model makes the whole flow unmatchable, unless a
/// modelled field already fails.
fn match_packet(m: &Match, p: &Packet) -> Verdict {
    let mut unsupported = None;
    for o in &m.fields {
        match oxm_field(o) {
            Ok((f, v, mask)) => {
                if !p.meets(f.prereq()) || p.get(f) & mask != v & mask {
                    return Verdict::NoMatch;
                }
            }
            Err(why) => {
                unsupported.get_or_insert(why);
            }
        }
    }
    unsupported.map_or(Verdict::Match, Verdict::Unsupported)
}

/// What a match establishes about the packets it selects, for prerequisite checks.
#[derive(Debug, Clone, Copy)]
struct Established {
    eth_type: Option<u16>,
    ip_proto: Option<u8>,
    tagged: bool,
}

impl Established {
    fn of(m: &Match) -> Established {
        Established {
            eth_type: m.fields.iter().find_map(|o| match o {
                Oxm::EthType(t) => Some(*t),
                _ => None,
            }),
            ip_proto: m.fields.iter().find_map(|o| match o {
                Oxm::IpProto(p) => Some(*p),
                _ => None,
            }),
            tagged: m.fields.iter().any(|o| match o {
                Oxm::VlanVid(v, mask) => {
                    let mask = mask.unwrap_or(0x1fff);
                    mask & OFPVID_PRESENT != 0 && v & OFPVID_PRESENT != 0
                }
                _ => false,
            }),
        }
    }

    fn meets(self, p: Prereq) -> bool {
        match p {
            Prereq::None => true,
            Prereq::Vlan => self.tagged,
            Prereq::Ipv4 => self.eth_type == Some(ETH_TYPE_IPV4),
            Prereq::Arp => matches!(self.eth_type, Some(ETH_TYPE_ARP | ETH_TYPE_RARP)),
            Prereq::Proto(proto) => {
                self.eth_type == Some(ETH_TYPE_IPV4) && self.ip_proto == Some(proto)
            }
        }
    }
}

/// The fields of `m` whose prerequisites `m` itself does not match (Open vSwitch refuses such
/// flows with `OFPBMC_BAD_PREREQ`), as (field, what it needs).
fn missing_prerequisites(m: &Match) -> Vec<(String, String)> {
    let est = Established::of(m);
    let mut out = Vec::new();
    for o in &m.fields {
        let Ok((f, _, _)) = oxm_field(o) else {
            continue;
        };
        if !est.meets(f.prereq()) {
            out.push((f.name(), f.prereq().text()));
        }
    }
    out
}

/// What in `flow` Open vSwitch would reject when it is installed, or the simulator does not
/// model: unknown or unmodelled match fields, fields matched without their prerequisites,
/// `set_field`/`load`/`move` on fields the match does not establish, bit ranges outside their
/// fields, `learn` specs that cannot produce a flow, backward `goto_table`, actions that cannot
/// be in an action set, invalid output ports, and actions or instructions not simulated. Each
/// problem is one sentence; none means the flow is fine as far as the simulator can tell.
pub fn check_flow(flow: &Flow) -> Vec<String> {
    let mut problems = Vec::new();
    for o in &flow.match_.fields {
        if let Err(why) = oxm_field(o) {
            problems.push(format!("match: {why}"));
        }
    }
    for (field, needs) in missing_prerequisites(&flow.match_) {
        problems.push(format!("match: {field} without {needs}"));
    }
    let mut est = Established::of(&flow.match_);
    for ins in &flow.instructions {
        match ins {
            Instruction::GotoTable(t) if *t <= flow.table => problems.push(format!(
                "goto_table:{t} does not go forward from table {}",
                flow.table
            )),
            Instruction::ApplyActions(list) => check_actions(list, &mut est, false, &mut problems),
            Instruction::WriteActions(list) => check_actions(list, &mut est, true, &mut problems),
            Instruction::GotoTable(_)
            | Instruction::WriteMetadata { .. }
            | Instruction::ClearActions => {}
            other => problems.push(format!("instruction {other} is not simulated")),
        }
    }
    problems
}

fn check_write(a: &Action, f: Field, est: Established, problems: &mut Vec<String>) {
    if matches!(f, Field::EthType | Field::IpProto) {
        problems.push(format!("{a}: {} is read-only", f.name()));
    } else if !est.meets(f.prereq()) {
        problems.push(format!(
            "{a}: {} needs {} in the match",
            f.name(),
            f.prereq().text()
        ));
    }
}

fn check_actions(list: &[Action], est: &mut Established, in_set: bool, problems: &mut Vec<String>) {
    for a in list {
        if in_set && set_slot(a).is_none() {
            problems.push(format!("{a} cannot be in an action set"));
            continue;
        }
        match a {
            Action::Output { port, .. } => {
                let p = *port;
                if p == 0
                    || p == OFPP_TABLE
                    || p == OFPP_ANY
                    || (p > OFPP_MAX && PortNo(p).reserved_name().is_none())
                {
                    problems.push(format!("{a}: not a port a flow can output to"));
                }
            }
            Action::SetField(o) => match oxm_field(o) {
                Ok((f, _, _)) => check_write(a, f, *est, problems),
                Err(why) => problems.push(format!("{a}: {why}")),
            },
            Action::PushVlan(e) => {
                if !matches!(e, 0x8100 | 0x88a8) {
                    problems.push(format!("{a}: not a VLAN ethertype"));
                }
                est.tagged = true;
            }
            Action::PopVlan => est.tagged = false,
            Action::DecNwTtl | Action::SetNwTtl(_) | Action::SetQueue(_) => {}
            Action::Nx(nx) => match nx {
                NxAction::Resubmit { .. }
                | NxAction::ResubmitTable { .. }
                | NxAction::Note(_)
                | NxAction::Controller { .. }
                | NxAction::DecTtl
                | NxAction::FinTimeout { .. }
                | NxAction::Sample { .. }
                | NxAction::OutputTrunc { .. } => {}
                NxAction::RegLoad {
                    ofs_nbits,
                    dst,
                    value,
                } => {
                    let ofs = nicira::nbits_ofs(*ofs_nbits);
                    let n = nicira::nbits_n(*ofs_nbits);
                    match field_of(*dst).and_then(|f| check_range(f, ofs, n).map(|()| f)) {
                        Ok(f) => {
                            if value & !width_mask(n) != 0 {
                                problems.push(format!("{a}: {value:#x} does not fit in {n} bits"));
                            }
                            check_write(a, f, *est, problems);
                        }
                        Err(why) => problems.push(format!("{a}: {why}")),
                    }
                }
                NxAction::RegMove {
                    n_bits,
                    src_ofs,
                    dst_ofs,
                    src,
                    dst,
                } => {
                    let fields = field_of(*src).and_then(|s| {
                        check_range(s, *src_ofs, *n_bits)?;
                        let d = field_of(*dst)?;
                        check_range(d, *dst_ofs, *n_bits)?;
                        Ok((s, d))
                    });
                    match fields {
                        Ok((s, d)) => {
                            if !est.meets(s.prereq()) {
                                problems.push(format!(
                                    "{a}: {} needs {} in the match",
                                    s.name(),
                                    s.prereq().text()
                                ));
                            }
                            check_write(a, d, *est, problems);
                        }
                        Err(why) => problems.push(format!("{a}: {why}")),
                    }
                }
                NxAction::Learn(l) => match learned_flow(l, &Packet::default()) {
                    Ok(learned) => {
                        for (field, needs) in missing_prerequisites(&learned.match_) {
                            problems.push(format!(
                                "learn: the learned flows would match {field} without {needs}"
                            ));
                        }
                    }
                    Err(why) => problems.push(format!("learn: {why}")),
                },
                _ => problems.push(format!("{a} is not simulated")),
            },
            _ => problems.push(format!("{a} is not simulated")),
        }
    }
}

/// Bits `ofs..ofs + n` of `v`, right-aligned.
fn bits(v: u64, ofs: u16, n: u16) -> u64 {
    v.checked_shr(u32::from(ofs)).unwrap_or(0) & width_mask(n)
}

/// Checks that bits `ofs..ofs + n` lie within field `f`.
fn check_range(f: Field, ofs: u16, n: u16) -> Result<(), String> {
    if n == 0 || u32::from(ofs) + u32::from(n) > u32::from(f.width()) {
        let end = (u32::from(ofs) + u32::from(n)).saturating_sub(1);
        return Err(format!(
            "bits {ofs}..{end} are outside {} ({} bits)",
            f.name(),
            f.width()
        ));
    }
    Ok(())
}

fn field_of(r: FieldRef) -> Result<Field, String> {
    Field::from_ref(r).ok_or_else(|| format!("field {r} is not simulated"))
}

// ---------------------------------------------------------------------------------------------
// Traces

/// The flow a step used, or one it mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowSummary {
    pub table: u8,
    pub priority: u16,
    pub cookie: u64,
    pub match_: Match,
    /// Installed by a `learn` action (here, or in an earlier trace of the same simulator).
    pub learned: bool,
}

impl FlowSummary {
    fn of(flow: &Flow, learned: bool) -> FlowSummary {
        FlowSummary {
            table: flow.table,
            priority: flow.priority,
            cookie: flow.cookie,
            match_: flow.match_.clone(),
            learned,
        }
    }
}

impl fmt::Display for FlowSummary {
    /// `priority=40 cookie=0x…(INTERFACE:3) in_port=1 metadata=…(INTERFACE:3)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "priority={} cookie={}",
            self.priority,
            describe::Cookie(self.cookie)
        )?;
        if !self.match_.is_empty() {
            write!(f, " {}", describe::MatchText(&self.match_))?;
        }
        if self.learned {
            f.write_str(" (learned)")?;
        }
        Ok(())
    }
}

/// Something that happened at one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// No flow matched. At the top level the packet is dropped (OpenFlow 1.3 table-miss
    /// default) and its action set discarded; inside `resubmit` nothing happens.
    Miss { dropped: bool },
    /// Other flows of the chosen flow's priority matched too: Open vSwitch's choice is
    /// undefined, the simulator picked the first in canonical order.
    Ambiguous { others: Vec<FlowSummary> },
    /// A flow that might have matched was passed over because it uses a field the simulator
    /// does not model.
    SkippedFlow { flow: FlowSummary, reason: String },
    /// The chosen flow matches `field` without matching its prerequisite: Open vSwitch would
    /// have refused to install it.
    MissingPrerequisite { field: String, needs: String },
    /// The packet went out of `port` (see [`Trace::outputs`]).
    Output { port: u32 },
    /// An output that Open vSwitch would not perform.
    OutputSkipped { port: u32, reason: String },
    /// A packet field changed: the action and the field's new value.
    Set { action: String, result: String },
    /// `write_metadata`: the new metadata.
    WriteMetadata { value: u64, mask: u64, result: u64 },
    /// Actions merged into the action set.
    WriteActions(Vec<Action>),
    /// The action set was emptied.
    ClearActions,
    /// Continue in this table.
    Goto(u8),
    /// `resubmit`: the lookups it caused, nested. `in_port` is the port the lookups saw when
    /// the resubmit named one.
    Resubmit {
        table: u8,
        in_port: Option<u32>,
        steps: Vec<Step>,
    },
    /// A flow was installed by `learn` (replacing one with the same table, priority and
    /// match when `replaced`).
    Learned { flow: Flow, replaced: bool },
    /// Something without effect on the packet here (`note`, `set_queue`, a meter…).
    Note(String),
    /// An action or instruction the simulator does not model; it was ignored.
    Unsupported(String),
    /// Flow content Open vSwitch would reject or that cannot work (goto backwards, bad port,
    /// out-of-range bits); the action was not performed.
    Error(String),
    /// Processing stopped here (TTL expired, a limit reached).
    Stopped(String),
}

/// One table lookup and what the flow it found did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub table: u8,
    /// The flow that matched; `None` on a table miss.
    pub flow: Option<FlowSummary>,
    pub events: Vec<Event>,
}

/// A copy of the packet leaving the switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The port; reserved ports (`CONTROLLER`, `LOCAL`, `NORMAL`, and `ALL`/`FLOOD` when the
    /// simulator does not know the switch's ports) as their OpenFlow numbers.
    pub port: u32,
    /// The packet as it was when output (its pipeline registers included).
    pub packet: Packet,
}

/// Where a packet went through the pipeline and what came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// The packet as it entered.
    pub packet: Packet,
    /// The lookups from table 0 along `goto_table`; resubmits nest inside their step's events.
    pub steps: Vec<Step>,
    /// What executing the action set at the end of the pipeline did (empty if nothing).
    pub action_set: Vec<Event>,
    /// Every copy that left the switch, in order.
    pub outputs: Vec<Output>,
    /// Why nothing came out, when nothing did.
    pub dropped_reason: Option<String>,
    /// Flows `learn` installed during this trace.
    pub learned: Vec<Flow>,
}

impl Trace {
    /// The ports the packet left by, in order.
    pub fn output_ports(&self) -> Vec<u32> {
        self.outputs.iter().map(|o| o.port).collect()
    }

    /// The copy that left by `port`, if one did.
    pub fn output_to(&self, port: u32) -> Option<&Output> {
        self.outputs.iter().find(|o| o.port == port)
    }

    /// Whether nothing came out.
    pub fn is_dropped(&self) -> bool {
        self.outputs.is_empty()
    }

    /// Every step, resubmits included, depth-first in execution order, with its nesting depth.
    pub fn all_steps(&self) -> Vec<(usize, &Step)> {
        fn walk<'a>(steps: &'a [Step], depth: usize, out: &mut Vec<(usize, &'a Step)>) {
            for s in steps {
                out.push((depth, s));
                for e in &s.events {
                    if let Event::Resubmit { steps, .. } = e {
                        walk(steps, depth + 1, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.steps, 0, &mut out);
        out
    }

    /// The tables looked up, resubmits included, in execution order.
    pub fn tables(&self) -> Vec<u8> {
        self.all_steps().iter().map(|(_, s)| s.table).collect()
    }

    /// Every event, resubmits and the action set included, in execution order.
    pub fn events(&self) -> Vec<&Event> {
        let mut out: Vec<&Event> = self
            .all_steps()
            .into_iter()
            .flat_map(|(_, s)| s.events.iter())
            .collect();
        out.extend(self.action_set.iter());
        out
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Miss { dropped: true } => f.write_str(
                "no flow matched: packet dropped (OpenFlow 1.3 table-miss default), action set discarded",
            ),
            Event::Miss { dropped: false } => {
                f.write_str("no flow matched: nothing to do, the resubmit returns")
            }
            Event::Ambiguous { others } => {
                write!(
                    f,
                    "ambiguous: {} other flow(s) of the same priority match too (Open vSwitch picks any):",
                    others.len()
                )?;
                for o in others {
                    write!(f, " [{o}]")?;
                }
                Ok(())
            }
            Event::SkippedFlow { flow, reason } => write!(f, "passed over [{flow}]: {reason}"),
            Event::MissingPrerequisite { field, needs } => write!(
                f,
                "warning: {field} is matched without {needs}: Open vSwitch would reject this flow"
            ),
            Event::Output { port } => write!(f, "output:{}", PortNo(*port)),
            Event::OutputSkipped { port, reason } => {
                write!(f, "output:{} skipped: {reason}", PortNo(*port))
            }
            Event::Set { action, result } => write!(f, "{action} => {result}"),
            Event::WriteMetadata {
                value,
                mask,
                result,
            } => write!(
                f,
                "{} => metadata={result:#x}({})",
                describe::InstructionText(&Instruction::write_metadata(*value, *mask)),
                describe::MetadataValue(*result)
            ),
            Event::WriteActions(list) => {
                write!(f, "write_actions({})", openflow::action::Actions(list))
            }
            Event::ClearActions => f.write_str("clear_actions"),
            Event::Goto(t) => write!(f, "goto_table:{}", describe::Table(*t)),
            Event::Resubmit { table, in_port, .. } => {
                write!(f, "resubmit(")?;
                if let Some(p) = in_port {
                    write!(f, "{}", PortNo(*p))?;
                }
                write!(f, ",{})", describe::Table(*table))
            }
            Event::Learned { flow, replaced } => write!(
                f,
                "learned{}: {}",
                if *replaced { " (replacing)" } else { "" },
                describe::flow(flow)
            ),
            Event::Note(s) => write!(f, "{s}"),
            Event::Unsupported(s) => write!(f, "not simulated: {s}"),
            Event::Error(s) => write!(f, "error: {s}"),
            Event::Stopped(s) => write!(f, "stopped: {s}"),
        }
    }
}

fn fmt_steps(f: &mut fmt::Formatter<'_>, steps: &[Step], depth: usize) -> fmt::Result {
    let pad = "    ".repeat(depth);
    for s in steps {
        write!(f, "{pad}table={}", describe::Table(s.table))?;
        match &s.flow {
            Some(flow) => writeln!(f, " {flow}")?,
            None => writeln!(f, " (miss)")?,
        }
        for e in &s.events {
            writeln!(f, "{pad}    {e}")?;
            if let Event::Resubmit { steps, .. } = e {
                fmt_steps(f, steps, depth + 2)?;
            }
        }
    }
    Ok(())
}

impl fmt::Display for Trace {
    /// Like `ofproto/trace`: the packet, each lookup with the flow it found and what that flow
    /// did (resubmits indented), the action set, then where the packet went.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "packet: {}", self.packet)?;
        fmt_steps(f, &self.steps, 0)?;
        if !self.action_set.is_empty() {
            writeln!(f, "action set:")?;
            for e in &self.action_set {
                writeln!(f, "    {e}")?;
            }
        }
        if self.outputs.is_empty() {
            writeln!(
                f,
                "result: dropped: {}",
                self.dropped_reason.as_deref().unwrap_or("no output")
            )?;
        } else {
            let ports: Vec<String> = self
                .outputs
                .iter()
                .map(|o| PortNo(o.port).to_string())
                .collect();
            writeln!(f, "result: output to {}", ports.join(", "))?;
            for o in &self.outputs {
                writeln!(f, "    {}: {}", PortNo(o.port), o.packet)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The simulator

#[derive(Debug, Clone)]
struct Entry {
    key: FlowKey,
    flow: Flow,
    learned: bool,
}

/// A switch's flow tables: a flow set plus whatever `learn` actions have installed since,
/// and optionally the switch's ports (for `ALL`/`FLOOD` and to flag outputs to ports that do
/// not exist).
#[derive(Debug, Clone, Default)]
pub struct Simulator {
    /// Per table, by priority (highest first), then canonical match.
    tables: BTreeMap<u8, Vec<Entry>>,
    ports: Option<Vec<u32>>,
}

impl Simulator {
    /// A switch holding `flows`.
    pub fn new(flows: &FlowSet) -> Simulator {
        let mut sim = Simulator::default();
        for f in flows.flows() {
            sim.insert(f.clone(), false);
        }
        sim
    }

    /// A switch holding what a flow statistics reply reports, e.g. read back from a real
    /// switch to trace against what it holds. Flows with the [`cookie::DYNAMIC`] flag are
    /// marked learned (vnet gives learned flows that flag).
    ///
    /// [`cookie::DYNAMIC`]: crate::cookie::DYNAMIC
    pub fn from_stats(stats: &[FlowStats]) -> Simulator {
        let mut sim = Simulator::default();
        for s in stats {
            let mut flow = Flow::new(s.table_id, s.priority, s.cookie, s.match_.clone());
            flow.instructions = s.instructions.clone();
            flow.idle_timeout = s.idle_timeout;
            flow.hard_timeout = s.hard_timeout;
            let learned = flow.is_dynamic();
            sim.insert(flow, learned);
        }
        sim
    }

    /// Tells the simulator which ports the switch has.
    #[must_use]
    pub fn with_ports(mut self, ports: impl IntoIterator<Item = u32>) -> Simulator {
        let mut ports: Vec<u32> = ports.into_iter().collect();
        ports.sort_unstable();
        ports.dedup();
        self.ports = Some(ports);
        self
    }

    /// Adds (or replaces, same table, priority and match) a flow, as a FLOW_MOD add would.
    pub fn install(&mut self, flow: Flow) {
        self.insert(flow, false);
    }

    /// Every flow held, learned ones included, by table, priority (highest first) and match.
    pub fn flows(&self) -> impl Iterator<Item = &Flow> {
        self.tables.values().flat_map(|t| t.iter().map(|e| &e.flow))
    }

    /// The flows `learn` actions installed.
    pub fn learned(&self) -> Vec<&Flow> {
        self.tables
            .values()
            .flat_map(|t| t.iter().filter(|e| e.learned).map(|e| &e.flow))
            .collect()
    }

    /// Removes every learned flow: what their timeouts would eventually do.
    pub fn forget_learned(&mut self) {
        for t in self.tables.values_mut() {
            t.retain(|e| !e.learned);
        }
    }

    /// Walks `packet` through the tables from table 0. Flows that `learn` actions install stay
    /// for later packets.
    pub fn trace(&mut self, packet: &Packet) -> Trace {
        let mut w = Walker {
            sim: self,
            pkt: packet.clone(),
            outputs: Vec::new(),
            learned: Vec::new(),
            action_set: Vec::new(),
            lookups: 0,
            fatal: None,
            drop_hint: None,
        };
        let (steps, end) = w.walk(0, 0);
        let mut action_set = Vec::new();
        if end == WalkEnd::Done && w.fatal.is_none() {
            w.run_action_set(&mut action_set);
        }
        let mut outputs = std::mem::take(&mut w.outputs);
        let dropped_reason = if let Some(fatal) = w.fatal.take() {
            if !outputs.is_empty() {
                outputs.clear();
                Some(format!(
                    "{fatal}; Open vSwitch drops the packet, outputs made before included"
                ))
            } else {
                Some(fatal)
            }
        } else if outputs.is_empty() {
            Some(
                w.drop_hint
                    .take()
                    .unwrap_or_else(|| "no action output the packet".into()),
            )
        } else {
            None
        };
        Trace {
            packet: packet.clone(),
            steps,
            action_set,
            outputs,
            dropped_reason,
            learned: {
                let learned = std::mem::take(&mut w.learned);
                for f in &learned {
                    w.sim.insert(f.clone(), true);
                }
                learned
            },
        }
    }

    fn holds(&self, key: &FlowKey) -> bool {
        self.tables
            .get(&key.table)
            .is_some_and(|t| t.iter().any(|e| &e.key == key))
    }

    fn insert(&mut self, flow: Flow, learned: bool) -> bool {
        let key = flow.key();
        let table = self.tables.entry(flow.table).or_default();
        let replaced = match table.iter().position(|e| e.key == key) {
            Some(i) => {
                table.remove(i);
                true
            }
            None => false,
        };
        let at = table
            .iter()
            .position(|e| {
                e.flow.priority < flow.priority
                    || (e.flow.priority == flow.priority && e.key.match_bytes > key.match_bytes)
            })
            .unwrap_or(table.len());
        table.insert(at, Entry { key, flow, learned });
        replaced
    }

    /// The winning flow of `table` for `pkt`, with what the lookup noticed.
    fn lookup(&self, table: u8, pkt: &Packet) -> (Option<(Flow, bool)>, Vec<Event>) {
        let mut events = Vec::new();
        let Some(entries) = self.tables.get(&table) else {
            return (None, events);
        };
        let mut winner: Option<&Entry> = None;
        let mut others = Vec::new();
        for e in entries {
            if winner.is_some_and(|w| e.flow.priority < w.flow.priority) {
                break;
            }
            match match_packet(&e.flow.match_, pkt) {
                Verdict::Match => match winner {
                    None => winner = Some(e),
                    Some(_) => others.push(FlowSummary::of(&e.flow, e.learned)),
                },
                Verdict::NoMatch => {}
                Verdict::Unsupported(reason) => events.push(Event::SkippedFlow {
                    flow: FlowSummary::of(&e.flow, e.learned),
                    reason,
                }),
            }
        }
        if !others.is_empty() {
            events.push(Event::Ambiguous { others });
        }
        if let Some(w) = winner {
            for (field, needs) in missing_prerequisites(&w.flow.match_) {
                events.push(Event::MissingPrerequisite { field, needs });
            }
        }
        (winner.map(|e| (e.flow.clone(), e.learned)), events)
    }
}

/// Walks `packet` through `flows` once. Learned flows are reported in the trace but kept
/// nowhere; use a [`Simulator`] to keep them.
pub fn trace(flows: &FlowSet, packet: &Packet) -> Trace {
    Simulator::new(flows).trace(packet)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WalkEnd {
    /// The last flow had no goto_table.
    Done,
    /// A table missed (or processing stopped).
    Miss,
}

/// Whether the rest of a flow's actions run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flowctl {
    Continue,
    Stop,
}

/// The action-set slot of an action (OpenFlow 1.3 §5.10 order) and its key within the slot:
/// a set holds one action per key.
fn set_slot(a: &Action) -> Option<(u8, String)> {
    Some(match a {
        Action::CopyTtlIn => (0, "copy_ttl_in".into()),
        Action::PopVlan | Action::PopMpls(_) | Action::PopPbb => (1, "pop".into()),
        Action::PushMpls(_) => (2, "push_mpls".into()),
        Action::PushPbb(_) => (3, "push_pbb".into()),
        Action::PushVlan(_) => (4, "push_vlan".into()),
        Action::CopyTtlOut => (5, "copy_ttl_out".into()),
        Action::DecNwTtl | Action::Nx(NxAction::DecTtl) => (6, "dec_ttl".into()),
        Action::DecMplsTtl => (6, "dec_mpls_ttl".into()),
        Action::SetField(o) => (7, o.name().into()),
        Action::SetNwTtl(_) => (7, "nw_ttl".into()),
        Action::SetMplsTtl(_) => (7, "mpls_ttl".into()),
        Action::Nx(NxAction::RegLoad { dst, .. }) => (7, dst.to_string()),
        Action::Nx(NxAction::RegMove { dst, .. }) => (7, dst.to_string()),
        Action::SetQueue(_) => (8, "set_queue".into()),
        Action::Group(_) => (9, "group".into()),
        Action::Output { .. } => (10, "output".into()),
        _ => return None,
    })
}

/// Instruction order within a flow (OpenFlow 1.3 §5.9).
fn instruction_rank(i: &Instruction) -> u8 {
    match i {
        Instruction::Meter(_) => 0,
        Instruction::ApplyActions(_) => 1,
        Instruction::ClearActions => 2,
        Instruction::WriteActions(_) => 3,
        Instruction::WriteMetadata { .. } => 4,
        Instruction::GotoTable(_) => 5,
        _ => 6,
    }
}

struct Walker<'s> {
    sim: &'s mut Simulator,
    pkt: Packet,
    outputs: Vec<Output>,
    learned: Vec<Flow>,
    /// (slot, key, action), see [`set_slot`].
    action_set: Vec<(u8, String, Action)>,
    lookups: usize,
    /// Set when a limit is hit: everything unwinds and the packet is dropped.
    fatal: Option<String>,
    /// The latest reason the packet did not go somewhere, for `dropped_reason`.
    drop_hint: Option<String>,
}

impl Walker<'_> {
    /// Lookups from `start` along goto_table. `depth` is the resubmit nesting (0: the pipeline
    /// itself).
    fn walk(&mut self, start: u8, depth: usize) -> (Vec<Step>, WalkEnd) {
        let mut steps = Vec::new();
        let mut table = start;
        loop {
            if self.fatal.is_some() {
                return (steps, WalkEnd::Miss);
            }
            if self.lookups >= MAX_STEPS {
                let why = format!("more than {MAX_STEPS} table lookups");
                steps.push(Step {
                    table,
                    flow: None,
                    events: vec![Event::Stopped(why.clone())],
                });
                self.fatal = Some(why);
                return (steps, WalkEnd::Miss);
            }
            self.lookups += 1;
            let (found, events) = self.sim.lookup(table, &self.pkt);
            let mut step = Step {
                table,
                flow: None,
                events,
            };
            let Some((flow, learned)) = found else {
                let dropped = depth == 0;
                step.events.push(Event::Miss { dropped });
                if dropped {
                    self.drop_hint = Some(format!(
                        "no flow matched in table {} (OpenFlow 1.3 table-miss: drop)",
                        describe::Table(table)
                    ));
                }
                steps.push(step);
                return (steps, WalkEnd::Miss);
            };
            step.flow = Some(FlowSummary::of(&flow, learned));
            let next = self.execute(&flow, &mut step.events, depth);
            steps.push(step);
            match next {
                Some(t) => table = t,
                None => return (steps, WalkEnd::Done),
            }
        }
    }

    /// Runs a flow's instructions; the table to go to next, if any.
    fn execute(&mut self, flow: &Flow, events: &mut Vec<Event>, depth: usize) -> Option<u8> {
        let mut instructions: Vec<&Instruction> = flow.instructions.iter().collect();
        instructions.sort_by_key(|i| instruction_rank(i));
        let does_nothing = instructions.iter().all(|i| match i {
            Instruction::ApplyActions(list) | Instruction::WriteActions(list) => list.is_empty(),
            _ => false,
        });
        if does_nothing {
            events.push(Event::Note("no actions: the packet stops here".into()));
            self.drop_hint = Some(format!(
                "dropped by a flow without actions in table {} (priority {})",
                describe::Table(flow.table),
                flow.priority
            ));
            return None;
        }
        let mut goto = None;
        for ins in instructions {
            match ins {
                Instruction::Meter(m) => {
                    events.push(Event::Note(format!(
                        "meter:{m}: meters are not simulated, the packet passes"
                    )));
                }
                Instruction::ApplyActions(list) => {
                    for a in list {
                        if self.action(a, events, depth, flow.table) == Flowctl::Stop {
                            return None;
                        }
                    }
                }
                Instruction::ClearActions => {
                    self.action_set.clear();
                    events.push(Event::ClearActions);
                }
                Instruction::WriteActions(list) => {
                    let mut written = Vec::new();
                    for a in list {
                        match set_slot(a) {
                            Some((slot, key)) => {
                                self.action_set.retain(|(s, k, _)| (*s, k) != (slot, &key));
                                self.action_set.push((slot, key, a.clone()));
                                written.push(a.clone());
                            }
                            None => events.push(Event::Error(format!(
                                "{a} cannot be in an action set (Open vSwitch rejects the flow)"
                            ))),
                        }
                    }
                    if !written.is_empty() {
                        events.push(Event::WriteActions(written));
                    }
                }
                Instruction::WriteMetadata { metadata, mask } => {
                    self.pkt.metadata = (self.pkt.metadata & !mask) | (metadata & mask);
                    events.push(Event::WriteMetadata {
                        value: *metadata,
                        mask: *mask,
                        result: self.pkt.metadata,
                    });
                }
                Instruction::GotoTable(t) => {
                    if *t <= flow.table {
                        events.push(Event::Error(format!(
                            "goto_table:{t} does not go forward from table {} \
                             (Open vSwitch rejects the flow)",
                            flow.table
                        )));
                        self.drop_hint =
                            Some(format!("invalid goto_table:{t} in table {}", flow.table));
                        return None;
                    }
                    events.push(Event::Goto(*t));
                    goto = Some(*t);
                }
                other => events.push(Event::Unsupported(format!("instruction {other}"))),
            }
        }
        goto
    }

    fn action(&mut self, a: &Action, events: &mut Vec<Event>, depth: usize, table: u8) -> Flowctl {
        match a {
            Action::Output { port, .. } => return self.output(*port, events),
            Action::SetField(o) => self.set_field(o, events),
            Action::PushVlan(ethertype) => {
                if !matches!(ethertype, 0x8100 | 0x88a8) {
                    events.push(Event::Error(format!(
                        "push_vlan:{ethertype:#06x}: only 0x8100 and 0x88a8 are VLAN ethertypes"
                    )));
                } else if self.pkt.vlan.is_some() {
                    events.push(Event::Unsupported(format!(
                        "{a} on a tagged packet (a second tag)"
                    )));
                } else {
                    self.pkt.vlan = Some(Vlan::default());
                    events.push(Event::Set {
                        action: a.to_string(),
                        result: self.pkt.field_text(Field::VlanTci),
                    });
                }
            }
            Action::PopVlan => {
                if self.pkt.vlan.take().is_some() {
                    events.push(Event::Set {
                        action: a.to_string(),
                        result: "untagged".into(),
                    });
                } else {
                    events.push(Event::Note("pop_vlan: the packet has no tag".into()));
                }
            }
            Action::DecNwTtl | Action::Nx(NxAction::DecTtl) => return self.dec_ttl(a, events),
            Action::SetNwTtl(ttl) => {
                if self.pkt.is_ipv4() {
                    self.pkt.ip_ttl = *ttl;
                    events.push(Event::Set {
                        action: a.to_string(),
                        result: self.pkt.field_text(Field::IpTtl),
                    });
                } else {
                    events.push(Event::Note(format!("{a}: not an IPv4 packet, skipped")));
                }
            }
            Action::SetQueue(_) => {
                events.push(Event::Note(format!("{a}: queues are not simulated")));
            }
            Action::Group(g) => {
                events.push(Event::Unsupported(format!("group:{g}: groups")));
            }
            Action::Nx(nx) => return self.nx(a, nx, events, depth, table),
            other => events.push(Event::Unsupported(other.to_string())),
        }
        Flowctl::Continue
    }

    fn nx(
        &mut self,
        a: &Action,
        nx: &NxAction,
        events: &mut Vec<Event>,
        depth: usize,
        table: u8,
    ) -> Flowctl {
        match nx {
            NxAction::Resubmit { in_port } => {
                return self.resubmit(*in_port, TABLE_NONE, events, depth, table);
            }
            NxAction::ResubmitTable { in_port, table: t } => {
                return self.resubmit(*in_port, *t, events, depth, table);
            }
            NxAction::RegLoad {
                ofs_nbits,
                dst,
                value,
            } => {
                let ofs = nicira::nbits_ofs(*ofs_nbits);
                let n = nicira::nbits_n(*ofs_nbits);
                let r = field_of(*dst).and_then(|f| {
                    check_range(f, ofs, n)?;
                    if value & !width_mask(n) != 0 {
                        return Err(format!("{value:#x} does not fit in {n} bits"));
                    }
                    Ok(f)
                });
                match r {
                    Ok(f) => self.write_bits(a, f, ofs, n, *value, events),
                    Err(e) => events.push(Event::Error(format!("{a}: {e}"))),
                }
            }
            NxAction::RegMove {
                n_bits,
                src_ofs,
                dst_ofs,
                src,
                dst,
            } => {
                let r = field_of(*src).and_then(|s| {
                    let d = field_of(*dst)?;
                    check_range(s, *src_ofs, *n_bits)?;
                    check_range(d, *dst_ofs, *n_bits)?;
                    Ok((s, d))
                });
                match r {
                    Ok((s, d)) => {
                        if self.pkt.meets(s.prereq()) {
                            let v = bits(self.pkt.get(s), *src_ofs, *n_bits);
                            self.write_bits(a, d, *dst_ofs, *n_bits, v, events);
                        } else {
                            events.push(Event::Note(format!(
                                "{a}: skipped, the packet has no {} (needs {})",
                                s.name(),
                                s.prereq().text()
                            )));
                        }
                    }
                    Err(e) => events.push(Event::Error(format!("{a}: {e}"))),
                }
            }
            NxAction::Note(_) => events.push(Event::Note(a.to_string())),
            NxAction::Learn(l) => self.learn(l, events),
            NxAction::Controller { .. } => self.emit(OFPP_CONTROLLER, events),
            NxAction::OutputTrunc { port, max_len } => {
                events.push(Event::Note(format!(
                    "{a}: truncation to {max_len} bytes is not simulated"
                )));
                return self.output(port_from16(*port), events);
            }
            NxAction::FinTimeout { .. } | NxAction::Sample { .. } => {
                events.push(Event::Note(format!("{a}: no effect on the packet")));
            }
            _ => events.push(Event::Unsupported(a.to_string())),
        }
        Flowctl::Continue
    }

    /// Writes `v` into bits `ofs..ofs + n` of `f` (range already checked), honouring
    /// prerequisites the way Open vSwitch does: a field the packet lacks is not written.
    fn write_bits(
        &mut self,
        a: &Action,
        f: Field,
        ofs: u16,
        n: u16,
        v: u64,
        events: &mut Vec<Event>,
    ) {
        if !self.pkt.meets(f.prereq()) {
            events.push(Event::Note(format!(
                "{a}: skipped, the packet has no {} (needs {})",
                f.name(),
                f.prereq().text()
            )));
            return;
        }
        let mask = width_mask(n).checked_shl(u32::from(ofs)).unwrap_or(0);
        let value = v.checked_shl(u32::from(ofs)).unwrap_or(0);
        match self.pkt.set_masked(f, value, mask) {
            Ok(()) => events.push(Event::Set {
                action: a.to_string(),
                result: self.pkt.field_text(f),
            }),
            Err(e) => events.push(Event::Error(format!("{a}: {e}"))),
        }
    }

    fn set_field(&mut self, o: &Oxm, events: &mut Vec<Event>) {
        let a = Action::SetField(o.clone());
        match oxm_field(o) {
            Err(why) => events.push(Event::Unsupported(format!("{a}: {why}"))),
            Ok((f, v, mask)) => {
                if !self.pkt.meets(f.prereq()) {
                    events.push(Event::Note(format!(
                        "{a}: skipped, the packet has no {} (needs {})",
                        f.name(),
                        f.prereq().text()
                    )));
                    return;
                }
                match self.pkt.set_masked(f, v, mask) {
                    Ok(()) => events.push(Event::Set {
                        action: a.to_string(),
                        result: self.pkt.field_text(f),
                    }),
                    Err(e) => events.push(Event::Error(format!("{a}: {e}"))),
                }
            }
        }
    }

    fn dec_ttl(&mut self, a: &Action, events: &mut Vec<Event>) -> Flowctl {
        if !self.pkt.is_ipv4() {
            events.push(Event::Note(format!(
                "{a}: not an IPv4 packet, nothing to do"
            )));
            return Flowctl::Continue;
        }
        if self.pkt.ip_ttl <= 1 {
            let why = format!(
                "{a}: TTL {} expired; Open vSwitch stops this flow's actions and sends a \
                 packet-in (reason invalid_ttl) to controllers that asked for it",
                self.pkt.ip_ttl
            );
            self.drop_hint = Some(why.clone());
            events.push(Event::Stopped(why));
            return Flowctl::Stop;
        }
        self.pkt.ip_ttl -= 1;
        events.push(Event::Set {
            action: a.to_string(),
            result: self.pkt.field_text(Field::IpTtl),
        });
        Flowctl::Continue
    }

    fn resubmit(
        &mut self,
        in_port: u16,
        table: u8,
        events: &mut Vec<Event>,
        depth: usize,
        current: u8,
    ) -> Flowctl {
        let target = if table == TABLE_NONE { current } else { table };
        if depth + 1 > MAX_DEPTH {
            let why = format!(
                "resubmit to table {} nests deeper than {MAX_DEPTH}",
                describe::Table(target)
            );
            events.push(Event::Stopped(why.clone()));
            self.fatal = Some(why);
            return Flowctl::Stop;
        }
        let own = self.pkt.in_port;
        let port = (in_port != OFPP_IN_PORT16).then(|| port_from16(in_port));
        if let Some(p) = port {
            self.pkt.in_port = p;
        }
        let (steps, _) = self.walk(target, depth + 1);
        if port.is_some() {
            self.pkt.in_port = own;
        }
        events.push(Event::Resubmit {
            table: target,
            in_port: port,
            steps,
        });
        if self.fatal.is_some() {
            Flowctl::Stop
        } else {
            Flowctl::Continue
        }
    }

    fn output(&mut self, port: u32, events: &mut Vec<Event>) -> Flowctl {
        let in_port = self.pkt.in_port;
        match port {
            OFPP_IN_PORT => self.emit(in_port, events),
            OFPP_CONTROLLER => self.emit(OFPP_CONTROLLER, events),
            OFPP_ALL | OFPP_FLOOD => match self.sim.ports.clone() {
                Some(ports) => {
                    if port == OFPP_FLOOD {
                        events.push(Event::Note(
                            "FLOOD: ports' no_flood flags are not simulated (every port floods)"
                                .into(),
                        ));
                    }
                    for p in ports.into_iter().filter(|p| *p != in_port) {
                        self.emit(p, events);
                    }
                }
                None => {
                    events.push(Event::Note(format!(
                        "{}: the switch's ports are unknown (Simulator::with_ports), \
                         reported as one output",
                        PortNo(port)
                    )));
                    self.emit(port, events);
                }
            },
            OFPP_NORMAL => {
                events.push(Event::Note(
                    "NORMAL: L2 switching is not simulated, reported as one output".into(),
                ));
                self.emit(port, events);
            }
            OFPP_TABLE => events.push(Event::Error(
                "output:TABLE is only valid in a PACKET_OUT".into(),
            )),
            OFPP_ANY | 0 => events.push(Event::Error(format!(
                "output:{} is not a port",
                PortNo(port)
            ))),
            p if p == in_port => {
                let reason = "the packet came in on this port; Open vSwitch only sends it back \
                              with output:IN_PORT"
                    .to_string();
                self.drop_hint = Some(format!("output:{} {reason}", PortNo(p)));
                events.push(Event::OutputSkipped { port: p, reason });
            }
            OFPP_LOCAL => self.emit(OFPP_LOCAL, events),
            p if p > OFPP_MAX => events.push(Event::Error(format!(
                "output:{p:#x} is a reserved port number without meaning"
            ))),
            p => match &self.sim.ports {
                Some(ports) if !ports.contains(&p) => {
                    let reason = "the switch has no such port".to_string();
                    self.drop_hint = Some(format!("output:{p}: {reason}"));
                    events.push(Event::OutputSkipped { port: p, reason });
                }
                _ => self.emit(p, events),
            },
        }
        Flowctl::Continue
    }

    fn emit(&mut self, port: u32, events: &mut Vec<Event>) {
        self.outputs.push(Output {
            port,
            packet: self.pkt.clone(),
        });
        events.push(Event::Output { port });
    }

    fn run_action_set(&mut self, events: &mut Vec<Event>) {
        let mut set = std::mem::take(&mut self.action_set);
        set.sort_by_key(|(slot, _, _)| *slot);
        let has_group = set.iter().any(|(slot, _, _)| *slot == 9);
        let has_output = set.iter().any(|(slot, _, _)| *slot == 10);
        for (slot, _, a) in &set {
            if *slot == 10 && has_group {
                events.push(Event::Note(format!(
                    "{a}: ignored, the action set has a group"
                )));
                continue;
            }
            // Resubmits are not allowed in action sets, so the table and depth do not matter.
            if self.action(a, events, 0, 0) == Flowctl::Stop {
                break;
            }
        }
        if !set.is_empty() && !has_output && !has_group {
            self.drop_hint
                .get_or_insert_with(|| "the action set has no output".into());
        }
    }

    fn learn(&mut self, l: &Learn, events: &mut Vec<Event>) {
        match learned_flow(l, &self.pkt) {
            Ok(flow) => {
                // Installed when the trace ends: like Open vSwitch's versioned classifier, the
                // packet that learns never sees what it learned.
                let key = flow.key();
                let replaced = self.sim.holds(&key) || self.learned.iter().any(|f| f.key() == key);
                self.learned.push(flow.clone());
                events.push(Event::Learned { flow, replaced });
            }
            Err(why) => events.push(Event::Unsupported(format!(
                "{}: {why}; nothing learned",
                Action::Nx(NxAction::Learn(l.clone()))
            ))),
        }
    }
}

/// The flow `l` installs when executed on `pkt`.
fn learned_flow(l: &Learn, pkt: &Packet) -> Result<Flow, String> {
    let mut matched: Vec<(Field, u64, u64)> = Vec::new();
    let mut actions = Vec::new();
    for spec in &l.specs {
        let n = spec.n_bits;
        if n == 0 || n > 64 {
            return Err(format!("spec {spec}: {n} bits (1..=64 simulated)"));
        }
        let value = match &spec.src {
            LearnSrc::Field { field, ofs } => {
                let f = field_of(*field)?;
                check_range(f, *ofs, n)?;
                bits(pkt.get(f), *ofs, n)
            }
            LearnSrc::Immediate(bytes) => {
                let tail = bytes.get(bytes.len().saturating_sub(8)..).unwrap_or(&[]);
                let mut be = [0u8; 8];
                let start = 8usize.saturating_sub(tail.len());
                if let Some(dst) = be.get_mut(start..) {
                    dst.copy_from_slice(tail);
                }
                u64::from_be_bytes(be) & width_mask(n)
            }
        };
        match spec.dst {
            LearnDst::Match { field, ofs } => {
                let f = field_of(field)?;
                check_range(f, ofs, n)?;
                let mask = width_mask(n) << ofs;
                let v = (value << ofs) & mask;
                match matched.iter_mut().find(|(g, _, _)| *g == f) {
                    Some((_, old_v, old_m)) => {
                        *old_v = (*old_v & !mask) | v;
                        *old_m |= mask;
                    }
                    None => matched.push((f, v, mask)),
                }
            }
            LearnDst::Load { field, ofs } => {
                let f = field_of(field)?;
                check_range(f, ofs, n)?;
                actions.push(Action::Nx(NxAction::load(field, ofs, n, value)));
            }
            LearnDst::Output => actions.push(Action::output(port_from16(lo16(value)))),
        }
    }
    let mut m = Match::new();
    for (f, v, mask) in matched {
        m.fields.extend(field_oxm(f, v, mask)?);
    }
    let mut flow = Flow::new(l.table_id, l.priority, l.cookie, m);
    flow.idle_timeout = l.idle_timeout;
    flow.hard_timeout = l.hard_timeout;
    if !actions.is_empty() {
        flow.instructions.push(Instruction::ApplyActions(actions));
    }
    Ok(flow)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use openflow::nicira::{ETH_DST, ETH_SRC, IN_PORT, LearnSpec, REG0, TUN_ID};

    const A: MacAddr = MacAddr([2, 0, 0, 0, 0, 0xa]);

    #[test]
    fn fields_round_trip_through_packets() {
        let mut p =
            Packet::arp_request(1, A, Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        for f in [
            Field::EthDst,
            Field::ArpSpa,
            Field::TunId,
            Field::Reg(3),
            Field::Metadata,
        ] {
            p.set(f, 5).unwrap();
            assert_eq!(p.get(f), 5, "{f:?}");
        }
        assert!(p.set(Field::EthType, 0x800).is_err());
        assert!(p.set(Field::VlanVid, 5).is_err());
        p.set(Field::VlanTci, 0x1000 | (3 << 13) | 7).unwrap();
        assert_eq!(p.vlan, Some(Vlan { vid: 7, pcp: 3 }));
        assert_eq!(p.get(Field::VlanVid), 0x1007);
        p.set(Field::InPort16, 0xfffe).unwrap();
        assert_eq!(p.in_port, OFPP_LOCAL);
        assert_eq!(p.get(Field::InPort16), 0xfffe);
    }

    #[test]
    fn prerequisites_gate_matches() {
        let arp = Packet::arp_request(1, A, Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let m = Match::new().with(Oxm::Ipv4Src(
            Ipv4Addr::UNSPECIFIED,
            Some(Ipv4Addr::UNSPECIFIED),
        ));
        assert!(matches!(match_packet(&m, &arp), Verdict::NoMatch));
        assert_eq!(missing_prerequisites(&m).len(), 1);
        let m = Match::new()
            .with(Oxm::EthType(ETH_TYPE_ARP))
            .with(Oxm::ArpTpa(
                Ipv4Addr::new(10, 0, 0, 0),
                Some(Ipv4Addr::new(255, 255, 255, 0)),
            ));
        assert!(matches!(match_packet(&m, &arp), Verdict::Match));
        assert!(missing_prerequisites(&m).is_empty());
        let m = Match::new().with(Oxm::CtZone(1)).with(Oxm::InPort(2));
        assert!(matches!(match_packet(&m, &arp), Verdict::NoMatch));
        let m = Match::new().with(Oxm::CtZone(1)).with(Oxm::InPort(1));
        assert!(matches!(match_packet(&m, &arp), Verdict::Unsupported(_)));
    }

    #[test]
    fn vlan_vid_follows_openflow_13() {
        let untagged = Packet::broadcast(1, A);
        let tagged = Packet::broadcast(1, A).with_vlan(5, 0);
        let none = Match::new().with(Oxm::VlanVid(0, None));
        let any = Match::new().with(Oxm::VlanVid(OFPVID_PRESENT, Some(OFPVID_PRESENT)));
        let five = Match::new().with(Oxm::VlanVid(OFPVID_PRESENT | 5, None));
        assert!(matches!(match_packet(&none, &untagged), Verdict::Match));
        assert!(matches!(match_packet(&none, &tagged), Verdict::NoMatch));
        assert!(matches!(match_packet(&any, &tagged), Verdict::Match));
        assert!(matches!(match_packet(&any, &untagged), Verdict::NoMatch));
        assert!(matches!(match_packet(&five, &tagged), Verdict::Match));
    }

    #[test]
    fn learned_flow_from_specs() {
        let l = Learn::new(43)
            .priority(35)
            .idle_timeout(36000)
            .cookie(0x0200_0000_8000_0001)
            .spec(LearnSpec::match_field(ETH_DST, ETH_SRC))
            .spec(LearnSpec::match_value(REG0, 7))
            .spec(LearnSpec::load_field(TUN_ID, TUN_ID))
            .spec(LearnSpec::output(IN_PORT));
        let p = Packet::broadcast(4, A).with_tun_id(9);
        let f = learned_flow(&l, &p).unwrap();
        assert_eq!(f.table, 43);
        assert_eq!(f.priority, 35);
        assert_eq!(f.idle_timeout, 36000);
        assert_eq!(
            f.match_,
            Match::new()
                .with(Oxm::EthDst(A, None))
                .with(Oxm::Reg(0, 7, None))
        );
        assert_eq!(
            f.instructions,
            vec![Instruction::ApplyActions(vec![
                Action::Nx(NxAction::load(TUN_ID, 0, 64, 9)),
                Action::output(4),
            ])]
        );
    }
}
