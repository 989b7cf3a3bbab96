//! OXM match fields (OpenFlow 1.3 §7.2.3) and the `ofp_match` structure.
//!
//! Every OpenFlow 1.3 basic field is typed, with a mask wherever the specification allows one.
//! The Nicira (NXM class 1) fields vnet uses are typed too: `reg0`–`reg7`, `tun_ipv4_src/dst`,
//! `pkt_mark`, `conj_id` and the conntrack fields; so is ONF's `pbb_uca`. Any other field, or a
//! known field carrying a mask the specification does not allow, decodes to [`Oxm::Unknown`],
//! which keeps the raw header and payload and encodes back to the same bytes.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::buf::{Put, Reader, pad8, pad8_len, patch_len16};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::types::MacAddr;

/// OXM class of the Nicira extension fields `NXM_OF_*` (OpenFlow 1.0 era fields).
pub const CLASS_NXM0: u16 = 0x0000;
/// OXM class of the Nicira extension fields `NXM_NX_*` (registers, tunnel, conntrack, …).
pub const CLASS_NXM1: u16 = 0x0001;
/// OXM class of the OpenFlow basic fields.
pub const CLASS_BASIC: u16 = 0x8000;
/// OXM class of experimenter fields; the payload begins with the experimenter id.
pub const CLASS_EXPERIMENTER: u16 = 0xffff;
/// The ONF experimenter id (`"ONF\0"`).
pub const ONF_EXPERIMENTER: u32 = 0x4f4e_4600;
/// ONF's experimenter field type for `pbb_uca`.
pub const ONF_ET_PBB_UCA: u16 = 2560;
/// `ofp_match.type` for OXM matches, the only kind OpenFlow 1.3 uses.
pub const OFPMT_OXM: u16 = 1;
/// `OFPVID_PRESENT`: set in `vlan_vid` when a VLAN tag is present.
pub const OFPVID_PRESENT: u16 = 0x1000;

/// Builds a 32-bit OXM header.
pub const fn header(class: u16, field: u8, hasmask: bool, len: u8) -> u32 {
    ((class as u32) << 16) | ((field as u32 & 0x7f) << 9) | ((hasmask as u32) << 8) | len as u32
}

/// The class of an OXM header.
pub const fn header_class(h: u32) -> u16 {
    (h >> 16) as u16
}

/// The field number of an OXM header.
pub const fn header_field(h: u32) -> u8 {
    ((h >> 9) & 0x7f) as u8
}

/// Whether an OXM header announces a mask.
pub const fn header_hasmask(h: u32) -> bool {
    (h >> 8) & 1 == 1
}

/// The payload length of an OXM header.
pub const fn header_len(h: u32) -> u8 {
    (h & 0xff) as u8
}

/// OpenFlow basic field numbers (`OFPXMT_OFB_*`).
#[allow(missing_docs)]
pub mod ofb {
    pub const IN_PORT: u8 = 0;
    pub const IN_PHY_PORT: u8 = 1;
    pub const METADATA: u8 = 2;
    pub const ETH_DST: u8 = 3;
    pub const ETH_SRC: u8 = 4;
    pub const ETH_TYPE: u8 = 5;
    pub const VLAN_VID: u8 = 6;
    pub const VLAN_PCP: u8 = 7;
    pub const IP_DSCP: u8 = 8;
    pub const IP_ECN: u8 = 9;
    pub const IP_PROTO: u8 = 10;
    pub const IPV4_SRC: u8 = 11;
    pub const IPV4_DST: u8 = 12;
    pub const TCP_SRC: u8 = 13;
    pub const TCP_DST: u8 = 14;
    pub const UDP_SRC: u8 = 15;
    pub const UDP_DST: u8 = 16;
    pub const SCTP_SRC: u8 = 17;
    pub const SCTP_DST: u8 = 18;
    pub const ICMPV4_TYPE: u8 = 19;
    pub const ICMPV4_CODE: u8 = 20;
    pub const ARP_OP: u8 = 21;
    pub const ARP_SPA: u8 = 22;
    pub const ARP_TPA: u8 = 23;
    pub const ARP_SHA: u8 = 24;
    pub const ARP_THA: u8 = 25;
    pub const IPV6_SRC: u8 = 26;
    pub const IPV6_DST: u8 = 27;
    pub const IPV6_FLABEL: u8 = 28;
    pub const ICMPV6_TYPE: u8 = 29;
    pub const ICMPV6_CODE: u8 = 30;
    pub const IPV6_ND_TARGET: u8 = 31;
    pub const IPV6_ND_SLL: u8 = 32;
    pub const IPV6_ND_TLL: u8 = 33;
    pub const MPLS_LABEL: u8 = 34;
    pub const MPLS_TC: u8 = 35;
    pub const MPLS_BOS: u8 = 36;
    pub const PBB_ISID: u8 = 37;
    pub const TUNNEL_ID: u8 = 38;
    pub const IPV6_EXTHDR: u8 = 39;
}

/// Nicira `NXM_NX_*` field numbers (class 1) that are typed here.
#[allow(missing_docs)]
pub mod nxm1 {
    /// `reg0`; `reg1`..`reg7` follow.
    pub const REG0: u8 = 0;
    pub const TUN_ID: u8 = 16;
    pub const TUN_IPV4_SRC: u8 = 31;
    pub const TUN_IPV4_DST: u8 = 32;
    pub const PKT_MARK: u8 = 33;
    pub const CONJ_ID: u8 = 37;
    pub const CT_STATE: u8 = 105;
    pub const CT_ZONE: u8 = 106;
    pub const CT_MARK: u8 = 107;
    pub const CT_LABEL: u8 = 108;
}

/// `ct_state` bits (Nicira).
#[allow(missing_docs)]
pub mod ct_state {
    pub const NEW: u32 = 0x01;
    pub const ESTABLISHED: u32 = 0x02;
    pub const RELATED: u32 = 0x04;
    pub const REPLY_DIR: u32 = 0x08;
    pub const INVALID: u32 = 0x10;
    pub const TRACKED: u32 = 0x20;
    pub const SRC_NAT: u32 = 0x40;
    pub const DST_NAT: u32 = 0x80;
    /// Flag names in bit order, as `ovs-ofctl` prints them.
    pub const NAMES: [(u32, &str); 8] = [
        (NEW, "new"),
        (ESTABLISHED, "est"),
        (RELATED, "rel"),
        (REPLY_DIR, "rpl"),
        (INVALID, "inv"),
        (TRACKED, "trk"),
        (SRC_NAT, "snat"),
        (DST_NAT, "dnat"),
    ];
}

/// One OXM match field, with its value and (where allowed) mask.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Oxm {
    /// Ingress port.
    InPort(u32),
    /// Physical ingress port.
    InPhyPort(u32),
    /// Metadata passed between tables.
    Metadata(u64, Option<u64>),
    /// Ethernet destination.
    EthDst(MacAddr, Option<MacAddr>),
    /// Ethernet source.
    EthSrc(MacAddr, Option<MacAddr>),
    /// Ethernet type.
    EthType(u16),
    /// VLAN id, with [`OFPVID_PRESENT`] when a tag is present.
    VlanVid(u16, Option<u16>),
    /// VLAN priority.
    VlanPcp(u8),
    /// IP DSCP (6 bits).
    IpDscp(u8),
    /// IP ECN (2 bits).
    IpEcn(u8),
    /// IP protocol.
    IpProto(u8),
    /// IPv4 source.
    Ipv4Src(Ipv4Addr, Option<Ipv4Addr>),
    /// IPv4 destination.
    Ipv4Dst(Ipv4Addr, Option<Ipv4Addr>),
    /// TCP source port.
    TcpSrc(u16),
    /// TCP destination port.
    TcpDst(u16),
    /// UDP source port.
    UdpSrc(u16),
    /// UDP destination port.
    UdpDst(u16),
    /// SCTP source port.
    SctpSrc(u16),
    /// SCTP destination port.
    SctpDst(u16),
    /// ICMPv4 type.
    Icmpv4Type(u8),
    /// ICMPv4 code.
    Icmpv4Code(u8),
    /// ARP opcode.
    ArpOp(u16),
    /// ARP source IPv4 address.
    ArpSpa(Ipv4Addr, Option<Ipv4Addr>),
    /// ARP target IPv4 address.
    ArpTpa(Ipv4Addr, Option<Ipv4Addr>),
    /// ARP source hardware address.
    ArpSha(MacAddr, Option<MacAddr>),
    /// ARP target hardware address.
    ArpTha(MacAddr, Option<MacAddr>),
    /// IPv6 source.
    Ipv6Src(Ipv6Addr, Option<Ipv6Addr>),
    /// IPv6 destination.
    Ipv6Dst(Ipv6Addr, Option<Ipv6Addr>),
    /// IPv6 flow label (20 bits).
    Ipv6Flabel(u32, Option<u32>),
    /// ICMPv6 type.
    Icmpv6Type(u8),
    /// ICMPv6 code.
    Icmpv6Code(u8),
    /// Target address of an IPv6 neighbour discovery message.
    Ipv6NdTarget(Ipv6Addr),
    /// Source link-layer address option of IPv6 ND.
    Ipv6NdSll(MacAddr),
    /// Target link-layer address option of IPv6 ND.
    Ipv6NdTll(MacAddr),
    /// MPLS label (20 bits).
    MplsLabel(u32),
    /// MPLS traffic class (3 bits).
    MplsTc(u8),
    /// MPLS bottom-of-stack bit.
    MplsBos(u8),
    /// PBB I-SID (24 bits).
    PbbIsid(u32, Option<u32>),
    /// Tunnel id (GRE key, VXLAN VNI, …).
    TunnelId(u64, Option<u64>),
    /// IPv6 extension header pseudo-field.
    Ipv6Exthdr(u16, Option<u16>),
    /// Nicira register `reg<N>` (N in 0..=7).
    Reg(u8, u32, Option<u32>),
    /// Nicira tunnel outer IPv4 source.
    TunIpv4Src(Ipv4Addr, Option<Ipv4Addr>),
    /// Nicira tunnel outer IPv4 destination.
    TunIpv4Dst(Ipv4Addr, Option<Ipv4Addr>),
    /// Nicira packet mark.
    PktMark(u32, Option<u32>),
    /// Nicira conjunction id.
    ConjId(u32),
    /// Nicira connection tracking state bits (see [`ct_state`]).
    CtState(u32, Option<u32>),
    /// Nicira connection tracking zone.
    CtZone(u16),
    /// Nicira connection tracking mark.
    CtMark(u32, Option<u32>),
    /// Nicira connection tracking label (128 bits).
    CtLabel(u128, Option<u128>),
    /// ONF `pbb_uca` (PBB use-customer-address bit).
    PbbUca(u8),
    /// Any other field, kept raw: `header` is the 32-bit OXM header and `payload` the bytes that
    /// follow it (value and mask, and for experimenter classes the experimenter id first).
    Unknown {
        /// The OXM header as found on the wire.
        header: u32,
        /// The bytes after the header.
        payload: Vec<u8>,
    },
}

/// Shape of a typed field's value: its size and whether a mask is allowed.
fn field_shape(class: u16, field: u8) -> Option<(usize, bool)> {
    use ofb::*;
    let shape = match class {
        CLASS_BASIC => match field {
            IN_PORT | IN_PHY_PORT => (4, false),
            METADATA => (8, true),
            ETH_DST | ETH_SRC => (6, true),
            ETH_TYPE => (2, false),
            VLAN_VID => (2, true),
            VLAN_PCP | IP_DSCP | IP_ECN | IP_PROTO => (1, false),
            IPV4_SRC | IPV4_DST => (4, true),
            TCP_SRC | TCP_DST | UDP_SRC | UDP_DST | SCTP_SRC | SCTP_DST => (2, false),
            ICMPV4_TYPE | ICMPV4_CODE => (1, false),
            ARP_OP => (2, false),
            ARP_SPA | ARP_TPA => (4, true),
            ARP_SHA | ARP_THA => (6, true),
            IPV6_SRC | IPV6_DST => (16, true),
            IPV6_FLABEL => (4, true),
            ICMPV6_TYPE | ICMPV6_CODE => (1, false),
            IPV6_ND_TARGET => (16, false),
            IPV6_ND_SLL | IPV6_ND_TLL => (6, false),
            MPLS_LABEL => (4, false),
            MPLS_TC | MPLS_BOS => (1, false),
            PBB_ISID => (3, true),
            TUNNEL_ID => (8, true),
            IPV6_EXTHDR => (2, true),
            _ => return None,
        },
        CLASS_NXM1 => match field {
            0..=7 => (4, true),
            nxm1::TUN_IPV4_SRC | nxm1::TUN_IPV4_DST => (4, true),
            nxm1::PKT_MARK => (4, true),
            nxm1::CONJ_ID => (4, false),
            nxm1::CT_STATE => (4, true),
            nxm1::CT_ZONE => (2, false),
            nxm1::CT_MARK => (4, true),
            nxm1::CT_LABEL => (16, true),
            _ => return None,
        },
        _ => return None,
    };
    Some(shape)
}

/// The name `ovs-ofctl` and Ryu use for a field, where it is one this crate knows.
pub fn field_name(class: u16, field: u8) -> Option<&'static str> {
    use ofb::*;
    const REGS: [&str; 8] = [
        "reg0", "reg1", "reg2", "reg3", "reg4", "reg5", "reg6", "reg7",
    ];
    Some(match class {
        CLASS_BASIC => match field {
            IN_PORT => "in_port",
            IN_PHY_PORT => "in_phy_port",
            METADATA => "metadata",
            ETH_DST => "eth_dst",
            ETH_SRC => "eth_src",
            ETH_TYPE => "eth_type",
            VLAN_VID => "vlan_vid",
            VLAN_PCP => "vlan_pcp",
            IP_DSCP => "ip_dscp",
            IP_ECN => "ip_ecn",
            IP_PROTO => "ip_proto",
            IPV4_SRC => "ipv4_src",
            IPV4_DST => "ipv4_dst",
            TCP_SRC => "tcp_src",
            TCP_DST => "tcp_dst",
            UDP_SRC => "udp_src",
            UDP_DST => "udp_dst",
            SCTP_SRC => "sctp_src",
            SCTP_DST => "sctp_dst",
            ICMPV4_TYPE => "icmpv4_type",
            ICMPV4_CODE => "icmpv4_code",
            ARP_OP => "arp_op",
            ARP_SPA => "arp_spa",
            ARP_TPA => "arp_tpa",
            ARP_SHA => "arp_sha",
            ARP_THA => "arp_tha",
            IPV6_SRC => "ipv6_src",
            IPV6_DST => "ipv6_dst",
            IPV6_FLABEL => "ipv6_flabel",
            ICMPV6_TYPE => "icmpv6_type",
            ICMPV6_CODE => "icmpv6_code",
            IPV6_ND_TARGET => "ipv6_nd_target",
            IPV6_ND_SLL => "ipv6_nd_sll",
            IPV6_ND_TLL => "ipv6_nd_tll",
            MPLS_LABEL => "mpls_label",
            MPLS_TC => "mpls_tc",
            MPLS_BOS => "mpls_bos",
            PBB_ISID => "pbb_isid",
            TUNNEL_ID => "tunnel_id",
            IPV6_EXTHDR => "ipv6_exthdr",
            _ => return None,
        },
        CLASS_NXM1 => match field {
            0..=7 => REGS.get(usize::from(field)).copied()?,
            nxm1::TUN_ID => "tun_id",
            nxm1::TUN_IPV4_SRC => "tun_ipv4_src",
            nxm1::TUN_IPV4_DST => "tun_ipv4_dst",
            nxm1::PKT_MARK => "pkt_mark",
            nxm1::CONJ_ID => "conj_id",
            nxm1::CT_STATE => "ct_state",
            nxm1::CT_ZONE => "ct_zone",
            nxm1::CT_MARK => "ct_mark",
            nxm1::CT_LABEL => "ct_label",
            _ => return None,
        },
        _ => return None,
    })
}

fn put_header(out: &mut Vec<u8>, class: u16, field: u8, masked: bool, size: u8) {
    let len = if masked { size * 2 } else { size };
    out.put32(header(class, field, masked, len));
}

macro_rules! put_masked {
    ($out:expr, $class:expr, $field:expr, $size:expr, $v:expr, $m:expr, $put:ident) => {{
        put_header($out, $class, $field, $m.is_some(), $size);
        $out.$put($v);
        if let Some(m) = $m {
            $out.$put(m);
        }
    }};
}

trait PutAddr {
    fn put_mac(&mut self, m: MacAddr);
    fn put_v4(&mut self, a: Ipv4Addr);
    fn put_v6(&mut self, a: Ipv6Addr);
    fn put24(&mut self, v: u32);
}

impl PutAddr for Vec<u8> {
    fn put_mac(&mut self, m: MacAddr) {
        self.extend_from_slice(&m.0);
    }
    fn put_v4(&mut self, a: Ipv4Addr) {
        self.extend_from_slice(&a.octets());
    }
    fn put_v6(&mut self, a: Ipv6Addr) {
        self.extend_from_slice(&a.octets());
    }
    fn put24(&mut self, v: u32) {
        self.extend_from_slice(v.to_be_bytes().get(1..).unwrap_or_default());
    }
}

impl Oxm {
    /// Nicira register `reg<n>` matched exactly.
    pub fn reg(n: u8, value: u32) -> Oxm {
        Oxm::Reg(n, value, None)
    }

    /// The field's class and number.
    pub fn class_field(&self) -> (u16, u8) {
        use ofb::*;
        match self {
            Oxm::InPort(_) => (CLASS_BASIC, IN_PORT),
            Oxm::InPhyPort(_) => (CLASS_BASIC, IN_PHY_PORT),
            Oxm::Metadata(..) => (CLASS_BASIC, METADATA),
            Oxm::EthDst(..) => (CLASS_BASIC, ETH_DST),
            Oxm::EthSrc(..) => (CLASS_BASIC, ETH_SRC),
            Oxm::EthType(_) => (CLASS_BASIC, ETH_TYPE),
            Oxm::VlanVid(..) => (CLASS_BASIC, VLAN_VID),
            Oxm::VlanPcp(_) => (CLASS_BASIC, VLAN_PCP),
            Oxm::IpDscp(_) => (CLASS_BASIC, IP_DSCP),
            Oxm::IpEcn(_) => (CLASS_BASIC, IP_ECN),
            Oxm::IpProto(_) => (CLASS_BASIC, IP_PROTO),
            Oxm::Ipv4Src(..) => (CLASS_BASIC, IPV4_SRC),
            Oxm::Ipv4Dst(..) => (CLASS_BASIC, IPV4_DST),
            Oxm::TcpSrc(_) => (CLASS_BASIC, TCP_SRC),
            Oxm::TcpDst(_) => (CLASS_BASIC, TCP_DST),
            Oxm::UdpSrc(_) => (CLASS_BASIC, UDP_SRC),
            Oxm::UdpDst(_) => (CLASS_BASIC, UDP_DST),
            Oxm::SctpSrc(_) => (CLASS_BASIC, SCTP_SRC),
            Oxm::SctpDst(_) => (CLASS_BASIC, SCTP_DST),
            Oxm::Icmpv4Type(_) => (CLASS_BASIC, ICMPV4_TYPE),
            Oxm::Icmpv4Code(_) => (CLASS_BASIC, ICMPV4_CODE),
            Oxm::ArpOp(_) => (CLASS_BASIC, ARP_OP),
            Oxm::ArpSpa(..) => (CLASS_BASIC, ARP_SPA),
            Oxm::ArpTpa(..) => (CLASS_BASIC, ARP_TPA),
            Oxm::ArpSha(..) => (CLASS_BASIC, ARP_SHA),
            Oxm::ArpTha(..) => (CLASS_BASIC, ARP_THA),
            Oxm::Ipv6Src(..) => (CLASS_BASIC, IPV6_SRC),
            Oxm::Ipv6Dst(..) => (CLASS_BASIC, IPV6_DST),
            Oxm::Ipv6Flabel(..) => (CLASS_BASIC, IPV6_FLABEL),
            Oxm::Icmpv6Type(_) => (CLASS_BASIC, ICMPV6_TYPE),
            Oxm::Icmpv6Code(_) => (CLASS_BASIC, ICMPV6_CODE),
            Oxm::Ipv6NdTarget(_) => (CLASS_BASIC, IPV6_ND_TARGET),
            Oxm::Ipv6NdSll(_) => (CLASS_BASIC, IPV6_ND_SLL),
            Oxm::Ipv6NdTll(_) => (CLASS_BASIC, IPV6_ND_TLL),
            Oxm::MplsLabel(_) => (CLASS_BASIC, MPLS_LABEL),
            Oxm::MplsTc(_) => (CLASS_BASIC, MPLS_TC),
            Oxm::MplsBos(_) => (CLASS_BASIC, MPLS_BOS),
            Oxm::PbbIsid(..) => (CLASS_BASIC, PBB_ISID),
            Oxm::TunnelId(..) => (CLASS_BASIC, TUNNEL_ID),
            Oxm::Ipv6Exthdr(..) => (CLASS_BASIC, IPV6_EXTHDR),
            Oxm::Reg(n, ..) => (CLASS_NXM1, *n & 0x7),
            Oxm::TunIpv4Src(..) => (CLASS_NXM1, nxm1::TUN_IPV4_SRC),
            Oxm::TunIpv4Dst(..) => (CLASS_NXM1, nxm1::TUN_IPV4_DST),
            Oxm::PktMark(..) => (CLASS_NXM1, nxm1::PKT_MARK),
            Oxm::ConjId(_) => (CLASS_NXM1, nxm1::CONJ_ID),
            Oxm::CtState(..) => (CLASS_NXM1, nxm1::CT_STATE),
            Oxm::CtZone(_) => (CLASS_NXM1, nxm1::CT_ZONE),
            Oxm::CtMark(..) => (CLASS_NXM1, nxm1::CT_MARK),
            Oxm::CtLabel(..) => (CLASS_NXM1, nxm1::CT_LABEL),
            Oxm::PbbUca(_) => (CLASS_EXPERIMENTER, 0),
            Oxm::Unknown { header, .. } => (header_class(*header), header_field(*header)),
        }
    }

    /// The field's name, as `ovs-ofctl` and Ryu spell it (`"unknown"` for raw fields).
    pub fn name(&self) -> &'static str {
        if let Oxm::PbbUca(_) = self {
            return "pbb_uca";
        }
        let (c, f) = self.class_field();
        field_name(c, f).unwrap_or("unknown")
    }

    /// Whether this entry carries a mask.
    pub fn has_mask(&self) -> bool {
        match self {
            Oxm::Metadata(_, m) | Oxm::TunnelId(_, m) => m.is_some(),
            Oxm::EthDst(_, m) | Oxm::EthSrc(_, m) | Oxm::ArpSha(_, m) | Oxm::ArpTha(_, m) => {
                m.is_some()
            }
            Oxm::VlanVid(_, m) | Oxm::Ipv6Exthdr(_, m) => m.is_some(),
            Oxm::Ipv4Src(_, m)
            | Oxm::Ipv4Dst(_, m)
            | Oxm::ArpSpa(_, m)
            | Oxm::ArpTpa(_, m)
            | Oxm::TunIpv4Src(_, m)
            | Oxm::TunIpv4Dst(_, m) => m.is_some(),
            Oxm::Ipv6Src(_, m) | Oxm::Ipv6Dst(_, m) => m.is_some(),
            Oxm::Ipv6Flabel(_, m)
            | Oxm::PbbIsid(_, m)
            | Oxm::Reg(_, _, m)
            | Oxm::PktMark(_, m)
            | Oxm::CtState(_, m)
            | Oxm::CtMark(_, m) => m.is_some(),
            Oxm::CtLabel(_, m) => m.is_some(),
            Oxm::Unknown { header, .. } => header_hasmask(*header),
            _ => false,
        }
    }

    /// The 32-bit OXM header this entry encodes with.
    pub fn header(&self) -> u32 {
        match self {
            Oxm::Unknown { header, .. } => *header,
            Oxm::PbbUca(_) => header(CLASS_EXPERIMENTER, 0, false, 7),
            _ => {
                let (c, f) = self.class_field();
                let size = field_shape(c, f).map(|(s, _)| s).unwrap_or(0);
                let masked = self.has_mask();
                let len = if masked { size * 2 } else { size };
                header(c, f, masked, u8::try_from(len).unwrap_or(0))
            }
        }
    }

    /// Encoded size in bytes, header included.
    pub fn encoded_len(&self) -> usize {
        4 + usize::from(header_len(self.header()))
    }

    /// Appends the TLV to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        use ofb::*;
        const B: u16 = CLASS_BASIC;
        const N: u16 = CLASS_NXM1;
        match self {
            Oxm::InPort(v) => {
                put_header(out, B, IN_PORT, false, 4);
                out.put32(*v)
            }
            Oxm::InPhyPort(v) => {
                put_header(out, B, IN_PHY_PORT, false, 4);
                out.put32(*v)
            }
            Oxm::Metadata(v, m) => put_masked!(out, B, METADATA, 8, *v, *m, put64),
            Oxm::EthDst(v, m) => put_masked!(out, B, ETH_DST, 6, *v, *m, put_mac),
            Oxm::EthSrc(v, m) => put_masked!(out, B, ETH_SRC, 6, *v, *m, put_mac),
            Oxm::EthType(v) => {
                put_header(out, B, ETH_TYPE, false, 2);
                out.put16(*v)
            }
            Oxm::VlanVid(v, m) => put_masked!(out, B, VLAN_VID, 2, *v, *m, put16),
            Oxm::VlanPcp(v) => {
                put_header(out, B, VLAN_PCP, false, 1);
                out.put8(*v)
            }
            Oxm::IpDscp(v) => {
                put_header(out, B, IP_DSCP, false, 1);
                out.put8(*v)
            }
            Oxm::IpEcn(v) => {
                put_header(out, B, IP_ECN, false, 1);
                out.put8(*v)
            }
            Oxm::IpProto(v) => {
                put_header(out, B, IP_PROTO, false, 1);
                out.put8(*v)
            }
            Oxm::Ipv4Src(v, m) => put_masked!(out, B, IPV4_SRC, 4, *v, *m, put_v4),
            Oxm::Ipv4Dst(v, m) => put_masked!(out, B, IPV4_DST, 4, *v, *m, put_v4),
            Oxm::TcpSrc(v) => {
                put_header(out, B, TCP_SRC, false, 2);
                out.put16(*v)
            }
            Oxm::TcpDst(v) => {
                put_header(out, B, TCP_DST, false, 2);
                out.put16(*v)
            }
            Oxm::UdpSrc(v) => {
                put_header(out, B, UDP_SRC, false, 2);
                out.put16(*v)
            }
            Oxm::UdpDst(v) => {
                put_header(out, B, UDP_DST, false, 2);
                out.put16(*v)
            }
            Oxm::SctpSrc(v) => {
                put_header(out, B, SCTP_SRC, false, 2);
                out.put16(*v)
            }
            Oxm::SctpDst(v) => {
                put_header(out, B, SCTP_DST, false, 2);
                out.put16(*v)
            }
            Oxm::Icmpv4Type(v) => {
                put_header(out, B, ICMPV4_TYPE, false, 1);
                out.put8(*v)
            }
            Oxm::Icmpv4Code(v) => {
                put_header(out, B, ICMPV4_CODE, false, 1);
                out.put8(*v)
            }
            Oxm::ArpOp(v) => {
                put_header(out, B, ARP_OP, false, 2);
                out.put16(*v)
            }
            Oxm::ArpSpa(v, m) => put_masked!(out, B, ARP_SPA, 4, *v, *m, put_v4),
            Oxm::ArpTpa(v, m) => put_masked!(out, B, ARP_TPA, 4, *v, *m, put_v4),
            Oxm::ArpSha(v, m) => put_masked!(out, B, ARP_SHA, 6, *v, *m, put_mac),
            Oxm::ArpTha(v, m) => put_masked!(out, B, ARP_THA, 6, *v, *m, put_mac),
            Oxm::Ipv6Src(v, m) => put_masked!(out, B, IPV6_SRC, 16, *v, *m, put_v6),
            Oxm::Ipv6Dst(v, m) => put_masked!(out, B, IPV6_DST, 16, *v, *m, put_v6),
            Oxm::Ipv6Flabel(v, m) => put_masked!(out, B, IPV6_FLABEL, 4, *v, *m, put32),
            Oxm::Icmpv6Type(v) => {
                put_header(out, B, ICMPV6_TYPE, false, 1);
                out.put8(*v)
            }
            Oxm::Icmpv6Code(v) => {
                put_header(out, B, ICMPV6_CODE, false, 1);
                out.put8(*v)
            }
            Oxm::Ipv6NdTarget(v) => {
                put_header(out, B, IPV6_ND_TARGET, false, 16);
                out.put_v6(*v)
            }
            Oxm::Ipv6NdSll(v) => {
                put_header(out, B, IPV6_ND_SLL, false, 6);
                out.put_mac(*v)
            }
            Oxm::Ipv6NdTll(v) => {
                put_header(out, B, IPV6_ND_TLL, false, 6);
                out.put_mac(*v)
            }
            Oxm::MplsLabel(v) => {
                put_header(out, B, MPLS_LABEL, false, 4);
                out.put32(*v)
            }
            Oxm::MplsTc(v) => {
                put_header(out, B, MPLS_TC, false, 1);
                out.put8(*v)
            }
            Oxm::MplsBos(v) => {
                put_header(out, B, MPLS_BOS, false, 1);
                out.put8(*v)
            }
            Oxm::PbbIsid(v, m) => put_masked!(out, B, PBB_ISID, 3, *v, *m, put24),
            Oxm::TunnelId(v, m) => put_masked!(out, B, TUNNEL_ID, 8, *v, *m, put64),
            Oxm::Ipv6Exthdr(v, m) => put_masked!(out, B, IPV6_EXTHDR, 2, *v, *m, put16),
            Oxm::Reg(n, v, m) => put_masked!(out, N, *n & 7, 4, *v, *m, put32),
            Oxm::TunIpv4Src(v, m) => put_masked!(out, N, nxm1::TUN_IPV4_SRC, 4, *v, *m, put_v4),
            Oxm::TunIpv4Dst(v, m) => put_masked!(out, N, nxm1::TUN_IPV4_DST, 4, *v, *m, put_v4),
            Oxm::PktMark(v, m) => put_masked!(out, N, nxm1::PKT_MARK, 4, *v, *m, put32),
            Oxm::ConjId(v) => {
                put_header(out, N, nxm1::CONJ_ID, false, 4);
                out.put32(*v)
            }
            Oxm::CtState(v, m) => put_masked!(out, N, nxm1::CT_STATE, 4, *v, *m, put32),
            Oxm::CtZone(v) => {
                put_header(out, N, nxm1::CT_ZONE, false, 2);
                out.put16(*v)
            }
            Oxm::CtMark(v, m) => put_masked!(out, N, nxm1::CT_MARK, 4, *v, *m, put32),
            Oxm::CtLabel(v, m) => put_masked!(out, N, nxm1::CT_LABEL, 16, *v, *m, put128),
            Oxm::PbbUca(v) => {
                out.put32(header(CLASS_EXPERIMENTER, 0, false, 7));
                out.put32(ONF_EXPERIMENTER);
                out.put16(ONF_ET_PBB_UCA);
                out.put8(*v);
            }
            Oxm::Unknown { header, payload } => {
                out.put32(*header);
                out.put_bytes(payload);
            }
        }
    }

    /// Decodes one TLV.
    pub fn decode(r: &mut Reader<'_>) -> Result<Oxm, DecodeError> {
        let start = r.offset();
        let h = r.u32("OXM header")?;
        let (class, field, masked, len) = (
            header_class(h),
            header_field(h),
            header_hasmask(h),
            usize::from(header_len(h)),
        );
        let mut body = r.sub(len, "OXM payload")?;
        let raw = |body: &mut Reader<'_>| Oxm::Unknown {
            header: h,
            payload: body.rest().to_vec(),
        };
        if class == CLASS_EXPERIMENTER
            && len == 7
            && !masked
            && field == 0
            && body.peek_u32(0, "OXM experimenter")? == ONF_EXPERIMENTER
            && body.peek_u16(4, "OXM experimenter type")? == ONF_ET_PBB_UCA
        {
            body.skip(6, "OXM experimenter")?;
            return Ok(Oxm::PbbUca(body.u8("pbb_uca")?));
        }
        let Some((size, maskable)) = field_shape(class, field) else {
            return Ok(raw(&mut body));
        };
        if masked && !maskable {
            return Ok(raw(&mut body));
        }
        if len != if masked { size * 2 } else { size } {
            return Err(DecodeError::new(
                start,
                DecodeErrorKind::BadLength {
                    what: field_name(class, field).unwrap_or("OXM field"),
                    len,
                    reason: "does not match the field's size",
                },
            ));
        }
        let b = &mut body;
        let oxm = match class {
            CLASS_BASIC => decode_basic(b, field, masked)?,
            _ => decode_nxm1(b, field, masked)?,
        };
        match oxm {
            Some(o) => Ok(o),
            None => Ok(raw(&mut body)),
        }
    }
}

fn mac(r: &mut Reader<'_>) -> Result<MacAddr, DecodeError> {
    Ok(MacAddr(r.array("MAC address")?))
}

fn v4(r: &mut Reader<'_>) -> Result<Ipv4Addr, DecodeError> {
    Ok(Ipv4Addr::from(r.array::<4>("IPv4 address")?))
}

fn v6(r: &mut Reader<'_>) -> Result<Ipv6Addr, DecodeError> {
    Ok(Ipv6Addr::from(r.array::<16>("IPv6 address")?))
}

fn u24(r: &mut Reader<'_>) -> Result<u32, DecodeError> {
    let b: [u8; 3] = r.array("24-bit value")?;
    Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
}

macro_rules! vm {
    ($r:expr, $masked:expr, $read:expr) => {{
        let v = $read($r)?;
        let m = if $masked { Some($read($r)?) } else { None };
        (v, m)
    }};
}

fn decode_basic(r: &mut Reader<'_>, field: u8, masked: bool) -> Result<Option<Oxm>, DecodeError> {
    use ofb::*;
    let u8_ = |r: &mut Reader<'_>| r.u8("OXM value");
    let u16_ = |r: &mut Reader<'_>| r.u16("OXM value");
    let u32_ = |r: &mut Reader<'_>| r.u32("OXM value");
    let u64_ = |r: &mut Reader<'_>| r.u64("OXM value");
    Ok(Some(match field {
        IN_PORT => Oxm::InPort(u32_(r)?),
        IN_PHY_PORT => Oxm::InPhyPort(u32_(r)?),
        METADATA => {
            let (v, m) = vm!(r, masked, u64_);
            Oxm::Metadata(v, m)
        }
        ETH_DST => {
            let (v, m) = vm!(r, masked, mac);
            Oxm::EthDst(v, m)
        }
        ETH_SRC => {
            let (v, m) = vm!(r, masked, mac);
            Oxm::EthSrc(v, m)
        }
        ETH_TYPE => Oxm::EthType(u16_(r)?),
        VLAN_VID => {
            let (v, m) = vm!(r, masked, u16_);
            Oxm::VlanVid(v, m)
        }
        VLAN_PCP => Oxm::VlanPcp(u8_(r)?),
        IP_DSCP => Oxm::IpDscp(u8_(r)?),
        IP_ECN => Oxm::IpEcn(u8_(r)?),
        IP_PROTO => Oxm::IpProto(u8_(r)?),
        IPV4_SRC => {
            let (v, m) = vm!(r, masked, v4);
            Oxm::Ipv4Src(v, m)
        }
        IPV4_DST => {
            let (v, m) = vm!(r, masked, v4);
            Oxm::Ipv4Dst(v, m)
        }
        TCP_SRC => Oxm::TcpSrc(u16_(r)?),
        TCP_DST => Oxm::TcpDst(u16_(r)?),
        UDP_SRC => Oxm::UdpSrc(u16_(r)?),
        UDP_DST => Oxm::UdpDst(u16_(r)?),
        SCTP_SRC => Oxm::SctpSrc(u16_(r)?),
        SCTP_DST => Oxm::SctpDst(u16_(r)?),
        ICMPV4_TYPE => Oxm::Icmpv4Type(u8_(r)?),
        ICMPV4_CODE => Oxm::Icmpv4Code(u8_(r)?),
        ARP_OP => Oxm::ArpOp(u16_(r)?),
        ARP_SPA => {
            let (v, m) = vm!(r, masked, v4);
            Oxm::ArpSpa(v, m)
        }
        ARP_TPA => {
            let (v, m) = vm!(r, masked, v4);
            Oxm::ArpTpa(v, m)
        }
        ARP_SHA => {
            let (v, m) = vm!(r, masked, mac);
            Oxm::ArpSha(v, m)
        }
        ARP_THA => {
            let (v, m) = vm!(r, masked, mac);
            Oxm::ArpTha(v, m)
        }
        IPV6_SRC => {
            let (v, m) = vm!(r, masked, v6);
            Oxm::Ipv6Src(v, m)
        }
        IPV6_DST => {
            let (v, m) = vm!(r, masked, v6);
            Oxm::Ipv6Dst(v, m)
        }
        IPV6_FLABEL => {
            let (v, m) = vm!(r, masked, u32_);
            Oxm::Ipv6Flabel(v, m)
        }
        ICMPV6_TYPE => Oxm::Icmpv6Type(u8_(r)?),
        ICMPV6_CODE => Oxm::Icmpv6Code(u8_(r)?),
        IPV6_ND_TARGET => Oxm::Ipv6NdTarget(v6(r)?),
        IPV6_ND_SLL => Oxm::Ipv6NdSll(mac(r)?),
        IPV6_ND_TLL => Oxm::Ipv6NdTll(mac(r)?),
        MPLS_LABEL => Oxm::MplsLabel(u32_(r)?),
        MPLS_TC => Oxm::MplsTc(u8_(r)?),
        MPLS_BOS => Oxm::MplsBos(u8_(r)?),
        PBB_ISID => {
            let (v, m) = vm!(r, masked, u24);
            Oxm::PbbIsid(v, m)
        }
        TUNNEL_ID => {
            let (v, m) = vm!(r, masked, u64_);
            Oxm::TunnelId(v, m)
        }
        IPV6_EXTHDR => {
            let (v, m) = vm!(r, masked, u16_);
            Oxm::Ipv6Exthdr(v, m)
        }
        _ => return Ok(None),
    }))
}

fn decode_nxm1(r: &mut Reader<'_>, field: u8, masked: bool) -> Result<Option<Oxm>, DecodeError> {
    let u16_ = |r: &mut Reader<'_>| r.u16("OXM value");
    let u32_ = |r: &mut Reader<'_>| r.u32("OXM value");
    let u128_ = |r: &mut Reader<'_>| r.u128("OXM value");
    Ok(Some(match field {
        0..=7 => {
            let (v, m) = vm!(r, masked, u32_);
            Oxm::Reg(field, v, m)
        }
        nxm1::TUN_IPV4_SRC => {
            let (v, m) = vm!(r, masked, v4);
            Oxm::TunIpv4Src(v, m)
        }
        nxm1::TUN_IPV4_DST => {
            let (v, m) = vm!(r, masked, v4);
            Oxm::TunIpv4Dst(v, m)
        }
        nxm1::PKT_MARK => {
            let (v, m) = vm!(r, masked, u32_);
            Oxm::PktMark(v, m)
        }
        nxm1::CONJ_ID => Oxm::ConjId(u32_(r)?),
        nxm1::CT_STATE => {
            let (v, m) = vm!(r, masked, u32_);
            Oxm::CtState(v, m)
        }
        nxm1::CT_ZONE => Oxm::CtZone(u16_(r)?),
        nxm1::CT_MARK => {
            let (v, m) = vm!(r, masked, u32_);
            Oxm::CtMark(v, m)
        }
        nxm1::CT_LABEL => {
            let (v, m) = vm!(r, masked, u128_);
            Oxm::CtLabel(v, m)
        }
        _ => return Ok(None),
    }))
}

fn fmt_ct_state(f: &mut fmt::Formatter<'_>, v: u32, m: Option<u32>) -> fmt::Result {
    let mask = m.unwrap_or(u32::MAX);
    let known: u32 = ct_state::NAMES.iter().map(|(b, _)| b).sum();
    if mask & !known != 0 || v & !mask != 0 {
        return match m {
            Some(m) => write!(f, "{v:#x}/{m:#x}"),
            None => write!(f, "{v:#x}"),
        };
    }
    for (bit, name) in ct_state::NAMES {
        if mask & bit != 0 {
            write!(f, "{}{}", if v & bit != 0 { '+' } else { '-' }, name)?;
        }
    }
    Ok(())
}

impl fmt::Display for Oxm {
    /// `name=value` or `name=value/mask`, in the spirit of `ovs-ofctl dump-flows`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn opt<T: fmt::Display>(f: &mut fmt::Formatter<'_>, m: &Option<T>) -> fmt::Result {
            match m {
                Some(m) => write!(f, "/{m}"),
                None => Ok(()),
            }
        }
        fn hex<T: fmt::LowerHex>(f: &mut fmt::Formatter<'_>, v: T, m: Option<T>) -> fmt::Result {
            write!(f, "{v:#x}")?;
            match m {
                Some(m) => write!(f, "/{m:#x}"),
                None => Ok(()),
            }
        }
        write!(f, "{}=", self.name())?;
        match self {
            Oxm::InPort(v) | Oxm::InPhyPort(v) => write!(f, "{}", crate::port::PortNo(*v)),
            Oxm::Metadata(v, m) | Oxm::TunnelId(v, m) => hex(f, *v, *m),
            Oxm::EthDst(v, m) | Oxm::EthSrc(v, m) | Oxm::ArpSha(v, m) | Oxm::ArpTha(v, m) => {
                write!(f, "{v}")?;
                opt(f, m)
            }
            Oxm::EthType(v) => write!(f, "{v:#06x}"),
            Oxm::VlanVid(v, m) | Oxm::Ipv6Exthdr(v, m) => hex(f, *v, *m),
            Oxm::VlanPcp(v)
            | Oxm::IpDscp(v)
            | Oxm::IpEcn(v)
            | Oxm::IpProto(v)
            | Oxm::Icmpv4Type(v)
            | Oxm::Icmpv4Code(v)
            | Oxm::Icmpv6Type(v)
            | Oxm::Icmpv6Code(v)
            | Oxm::MplsTc(v)
            | Oxm::MplsBos(v)
            | Oxm::PbbUca(v) => write!(f, "{v}"),
            Oxm::Ipv4Src(v, m)
            | Oxm::Ipv4Dst(v, m)
            | Oxm::ArpSpa(v, m)
            | Oxm::ArpTpa(v, m)
            | Oxm::TunIpv4Src(v, m)
            | Oxm::TunIpv4Dst(v, m) => {
                write!(f, "{v}")?;
                opt(f, m)
            }
            Oxm::TcpSrc(v)
            | Oxm::TcpDst(v)
            | Oxm::UdpSrc(v)
            | Oxm::UdpDst(v)
            | Oxm::SctpSrc(v)
            | Oxm::SctpDst(v)
            | Oxm::ArpOp(v)
            | Oxm::CtZone(v) => write!(f, "{v}"),
            Oxm::Ipv6Src(v, m) | Oxm::Ipv6Dst(v, m) => {
                write!(f, "{v}")?;
                opt(f, m)
            }
            Oxm::Ipv6NdTarget(v) => write!(f, "{v}"),
            Oxm::Ipv6NdSll(v) | Oxm::Ipv6NdTll(v) => write!(f, "{v}"),
            Oxm::MplsLabel(v) | Oxm::ConjId(v) => write!(f, "{v}"),
            Oxm::Ipv6Flabel(v, m)
            | Oxm::PbbIsid(v, m)
            | Oxm::Reg(_, v, m)
            | Oxm::PktMark(v, m)
            | Oxm::CtMark(v, m) => hex(f, *v, *m),
            Oxm::CtState(v, m) => fmt_ct_state(f, *v, *m),
            Oxm::CtLabel(v, m) => hex(f, *v, *m),
            Oxm::Unknown { header, payload } => {
                write!(
                    f,
                    "{{header={header:#010x},payload=0x{}}}",
                    crate::types::HexBytes(payload)
                )
            }
        }
    }
}

/// An OpenFlow 1.3 match (`ofp_match` of type OXM): a list of OXM fields, in wire order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Match {
    /// The fields, in the order they appear on the wire.
    pub fields: Vec<Oxm>,
}

impl Match {
    /// The empty match (matches every packet).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field.
    #[must_use]
    pub fn with(mut self, oxm: Oxm) -> Self {
        self.fields.push(oxm);
        self
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The first field with the same class and number as `probe`.
    pub fn get(&self, class: u16, field: u8) -> Option<&Oxm> {
        self.fields
            .iter()
            .find(|o| o.class_field() == (class, field))
    }

    /// A canonical form for comparing matches that a switch may reorder: fields sorted by
    /// class and number, masks that select every bit dropped.
    pub fn canonical(&self) -> Match {
        let mut fields: Vec<Oxm> = self.fields.iter().map(drop_full_mask).collect();
        fields.sort_by_key(|o| {
            let (c, f) = o.class_field();
            (c, f, o.header())
        });
        Match { fields }
    }

    /// Length of the `ofp_match` on the wire without its trailing padding.
    pub fn unpadded_len(&self) -> usize {
        4 + self.fields.iter().map(Oxm::encoded_len).sum::<usize>()
    }

    /// Appends the `ofp_match`, padded to a multiple of 8 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.put16(OFPMT_OXM);
        out.put16(0);
        for f in &self.fields {
            f.encode(out);
        }
        patch_len16(out, start + 2, start, "match")?;
        pad8(out, start);
        Ok(())
    }

    /// Decodes an `ofp_match` and its padding.
    pub fn decode(r: &mut Reader<'_>) -> Result<Match, DecodeError> {
        let start = r.offset();
        let ty = r.u16("match type")?;
        if ty != OFPMT_OXM {
            return Err(DecodeError::new(
                start,
                DecodeErrorKind::BadValue {
                    what: "match type",
                    value: u64::from(ty),
                    reason: "OpenFlow 1.3 matches must be of type OXM (1)",
                },
            ));
        }
        let len = usize::from(r.u16("match length")?);
        let mut body = r.tlv_body(len, 4, 4, "match")?;
        let mut fields = Vec::with_capacity(len / 8);
        while !body.is_empty() {
            fields.push(Oxm::decode(&mut body)?);
        }
        r.skip(pad8_len(len) - len, "match padding")?;
        Ok(Match { fields })
    }
}

fn drop_full_mask(o: &Oxm) -> Oxm {
    match o {
        Oxm::Metadata(v, Some(u64::MAX)) => Oxm::Metadata(*v, None),
        Oxm::TunnelId(v, Some(u64::MAX)) => Oxm::TunnelId(*v, None),
        Oxm::EthDst(v, Some(MacAddr::BROADCAST)) => Oxm::EthDst(*v, None),
        Oxm::EthSrc(v, Some(MacAddr::BROADCAST)) => Oxm::EthSrc(*v, None),
        Oxm::Ipv4Src(v, Some(Ipv4Addr::BROADCAST)) => Oxm::Ipv4Src(*v, None),
        Oxm::Ipv4Dst(v, Some(Ipv4Addr::BROADCAST)) => Oxm::Ipv4Dst(*v, None),
        Oxm::Reg(n, v, Some(u32::MAX)) => Oxm::Reg(*n, *v, None),
        Oxm::PktMark(v, Some(u32::MAX)) => Oxm::PktMark(*v, None),
        Oxm::CtMark(v, Some(u32::MAX)) => Oxm::CtMark(*v, None),
        other => other.clone(),
    }
}

impl fmt::Display for Match {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, o) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{o}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(m: &Match) -> Vec<u8> {
        let mut out = Vec::new();
        m.encode(&mut out).unwrap();
        assert_eq!(out.len() % 8, 0);
        let mut r = Reader::new(&out);
        let back = Match::decode(&mut r).unwrap();
        assert!(r.is_empty());
        assert_eq!(&back, m);
        out
    }

    #[test]
    fn typical_vna_match_encodes_as_ovs_expects() {
        let m = Match::new().with(Oxm::InPort(1)).with(Oxm::Metadata(
            0x0700_0000_0000_0001,
            Some(0xff00_0000_7fff_ffff),
        ));
        let out = roundtrip(&m);
        assert_eq!(
            out,
            [
                0, 1, 0, 32, 0x80, 0, 0, 4, 0, 0, 0, 1, 0x80, 0, 5, 16, 7, 0, 0, 0, 0, 0, 0, 1,
                0xff, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff
            ]
        );
        assert_eq!(
            m.to_string(),
            "in_port=1,metadata=0x700000000000001/0xff0000007fffffff"
        );
    }

    #[test]
    fn every_typed_field_round_trips() {
        let mac = MacAddr([2, 0, 0, 0, 0, 1]);
        let a = Ipv4Addr::new(10, 0, 0, 1);
        let a6: Ipv6Addr = "fe80::1".parse().unwrap();
        let fields = vec![
            Oxm::InPort(1),
            Oxm::InPhyPort(2),
            Oxm::Metadata(3, None),
            Oxm::EthDst(mac, Some(MacAddr::BROADCAST)),
            Oxm::EthSrc(mac, None),
            Oxm::EthType(0x0800),
            Oxm::VlanVid(0x1005, Some(0x1fff)),
            Oxm::VlanPcp(3),
            Oxm::IpDscp(4),
            Oxm::IpEcn(1),
            Oxm::IpProto(6),
            Oxm::Ipv4Src(a, Some(Ipv4Addr::new(255, 255, 255, 0))),
            Oxm::Ipv4Dst(a, None),
            Oxm::TcpSrc(1),
            Oxm::TcpDst(2),
            Oxm::UdpSrc(3),
            Oxm::UdpDst(4),
            Oxm::SctpSrc(5),
            Oxm::SctpDst(6),
            Oxm::Icmpv4Type(8),
            Oxm::Icmpv4Code(0),
            Oxm::ArpOp(1),
            Oxm::ArpSpa(a, None),
            Oxm::ArpTpa(a, Some(a)),
            Oxm::ArpSha(mac, None),
            Oxm::ArpTha(mac, Some(mac)),
            Oxm::Ipv6Src(a6, Some(a6)),
            Oxm::Ipv6Dst(a6, None),
            Oxm::Ipv6Flabel(7, Some(0xfffff)),
            Oxm::Icmpv6Type(135),
            Oxm::Icmpv6Code(0),
            Oxm::Ipv6NdTarget(a6),
            Oxm::Ipv6NdSll(mac),
            Oxm::Ipv6NdTll(mac),
            Oxm::MplsLabel(0xfffff),
            Oxm::MplsTc(7),
            Oxm::MplsBos(1),
            Oxm::PbbIsid(0xabcdef, Some(0xffffff)),
            Oxm::TunnelId(5, Some(0xff)),
            Oxm::Ipv6Exthdr(1, None),
            Oxm::Reg(3, 9, Some(0xf)),
            Oxm::TunIpv4Src(a, None),
            Oxm::TunIpv4Dst(a, Some(a)),
            Oxm::PktMark(1, None),
            Oxm::ConjId(77),
            Oxm::CtState(0x21, Some(0x21)),
            Oxm::CtZone(5),
            Oxm::CtMark(1, Some(1)),
            Oxm::CtLabel(1 << 100, None),
            Oxm::PbbUca(1),
            Oxm::Unknown {
                header: header(0x0001, 120, false, 2),
                payload: vec![1, 2],
            },
        ];
        for f in &fields {
            let m = Match::new().with(f.clone());
            let out = roundtrip(&m);
            assert_eq!(out.len(), pad8_len(4 + f.encoded_len()), "{f}");
        }
        roundtrip(&Match { fields });
    }

    #[test]
    fn unmaskable_field_with_mask_is_kept_raw() {
        // tcp_src with a mask (an OVS extension): kept verbatim.
        let bytes = [0x80, 0, 27, 4, 0, 80, 0xff, 0xff];
        let mut r = Reader::new(&bytes);
        let o = Oxm::decode(&mut r).unwrap();
        assert!(matches!(o, Oxm::Unknown { .. }));
        let mut out = Vec::new();
        o.encode(&mut out);
        assert_eq!(out, bytes);
    }

    #[test]
    fn malformed_matches_are_errors() {
        // wrong size for in_port
        let bytes = [0, 1, 0, 10, 0x80, 0, 0, 2, 0, 1, 0, 0];
        assert!(Match::decode(&mut Reader::new(&bytes)).is_err());
        // length runs past the end
        let bytes = [0, 1, 0, 40, 0x80, 0, 0, 4, 0, 0, 0, 1];
        assert!(Match::decode(&mut Reader::new(&bytes)).is_err());
        // wrong type
        let bytes = [0, 0, 0, 4, 0, 0, 0, 0];
        let e = Match::decode(&mut Reader::new(&bytes)).unwrap_err();
        assert!(e.to_string().contains("OXM"), "{e}");
        // missing padding
        let bytes = [0, 1, 0, 12, 0x80, 0, 0, 4, 0, 0, 0, 1];
        assert!(
            Match::decode(&mut Reader::new(&bytes))
                .unwrap_err()
                .is_truncated()
        );
    }

    #[test]
    fn ct_state_prints_flags() {
        let o = Oxm::CtState(ct_state::TRACKED | ct_state::ESTABLISHED, Some(0x23));
        assert_eq!(o.to_string(), "ct_state=-new+est+trk");
    }

    #[test]
    fn canonical_sorts_and_drops_full_masks() {
        let a = Match::new()
            .with(Oxm::Metadata(1, Some(u64::MAX)))
            .with(Oxm::InPort(2));
        let b = Match::new()
            .with(Oxm::InPort(2))
            .with(Oxm::Metadata(1, None));
        assert_eq!(a.canonical(), b.canonical());
    }
}
