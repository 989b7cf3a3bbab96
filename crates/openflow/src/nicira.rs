//! Nicira (NX) extension actions, experimenter id `0x00002320`, as Open vSwitch defines them.
//!
//! An NX action is an `OFPAT_EXPERIMENTER` action whose body starts with the Nicira id and a
//! 16-bit subtype (`type=0xffff, len, experimenter=0x2320, subtype, …`), padded with zeros to a
//! multiple of 8 bytes. The subtypes vnet uses are typed ([`NxAction`]): `resubmit`, `move`,
//! `load`, `note`, `learn`, `conjunction`, `ct`, `nat`, `ct_clear`, `controller`, `fin_timeout`,
//! `output(port=…,max_len=…)`, `sample`, `push`/`pop` and `dec_ttl`. Every other subtype — and
//! a typed one whose bytes would not re-encode identically (non-zero padding, reserved bits,
//! 8-byte experimenter field headers, longer padding than OVS writes) — is kept raw as
//! [`NxAction::Unknown`], which encodes back to the same bytes.
//!
//! Fields inside actions are named by their 32-bit NXM/OXM header ([`FieldRef`]); bit ranges use
//! OVS's conventions, including the packed `ofs_nbits = ofs << 6 | (n_bits - 1)` form.
//! Display follows `ovs-ofctl dump-flows` (`resubmit(,4)`, `load:0x1->NXM_NX_REG0[]`,
//! `learn(table=10,…)`, `ct(commit,zone=5,nat(src=10.0.0.1))`, `conjunction(7,1/2)`, …).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::action::{Action, Actions, exact_len, min_len};
use crate::buf::{Put, Reader, pad8, pad8_len, patch_len16, zeros};
use crate::error::{DecodeError, EncodeError};
use crate::oxm;
use crate::port::PortNo;

/// The Nicira experimenter (vendor) id.
pub const NX_VENDOR_ID: u32 = 0x0000_2320;

/// Length of the common NX action header: type, len, experimenter, subtype.
pub const NX_HEADER_LEN: usize = 10;

/// OpenFlow 1.0 (16-bit) `OFPP_IN_PORT`, as `resubmit` and `output_trunc` carry ports.
pub const OFPP_IN_PORT16: u16 = 0xfff8;

/// The table number that means "the current table" in `resubmit` and "none" in `ct`.
pub const TABLE_NONE: u8 = 0xff;

/// NX action subtypes (`NXAST_*`).
pub mod subtype {
    /// `resubmit:port` (in_port only).
    pub const RESUBMIT: u16 = 1;
    /// `move:src->dst`.
    pub const REG_MOVE: u16 = 6;
    /// `load:value->dst`.
    pub const REG_LOAD: u16 = 7;
    /// `note:hex`.
    pub const NOTE: u16 = 8;
    /// `resubmit(port,table)`.
    pub const RESUBMIT_TABLE: u16 = 14;
    /// `learn(...)`.
    pub const LEARN: u16 = 16;
    /// `exit`.
    pub const EXIT: u16 = 17;
    /// `dec_ttl` (OpenFlow 1.0 encoding).
    pub const DEC_TTL: u16 = 18;
    /// `fin_timeout(...)`.
    pub const FIN_TIMEOUT: u16 = 19;
    /// `controller(...)`.
    pub const CONTROLLER: u16 = 20;
    /// `push:field`.
    pub const STACK_PUSH: u16 = 27;
    /// `pop:field`.
    pub const STACK_POP: u16 = 28;
    /// `sample(...)`.
    pub const SAMPLE: u16 = 29;
    /// `load` with an OXM TLV (reg_load2).
    pub const REG_LOAD2: u16 = 33;
    /// `conjunction(id,k/n)`.
    pub const CONJUNCTION: u16 = 34;
    /// `ct(...)`.
    pub const CT: u16 = 35;
    /// `nat(...)` (only inside `ct`).
    pub const NAT: u16 = 36;
    /// `controller(...)` with properties (controller2).
    pub const CONTROLLER2: u16 = 37;
    /// `sample(...)` with a sampling port (sample2).
    pub const SAMPLE2: u16 = 38;
    /// `output(port=...,max_len=...)`.
    pub const OUTPUT_TRUNC: u16 = 39;
    /// `ct_clear`.
    pub const CT_CLEAR: u16 = 43;
}

/// `ct` flag: commit the connection to the connection tracker.
pub const CT_COMMIT: u16 = 1 << 0;
/// `ct` flag: end an existing connection in the other direction before committing.
pub const CT_FORCE: u16 = 1 << 1;

/// `nat` flag: source NAT.
pub const NAT_F_SRC: u16 = 1 << 0;
/// `nat` flag: destination NAT.
pub const NAT_F_DST: u16 = 1 << 1;
/// `nat` flag: `persistent`.
pub const NAT_F_PERSISTENT: u16 = 1 << 2;
/// `nat` flag: `hash` port selection.
pub const NAT_F_PROTO_HASH: u16 = 1 << 3;
/// `nat` flag: `random` port selection.
pub const NAT_F_PROTO_RANDOM: u16 = 1 << 4;

const NAT_RANGE_IPV4_MIN: u16 = 1 << 0;
const NAT_RANGE_IPV4_MAX: u16 = 1 << 1;
const NAT_RANGE_IPV6_MIN: u16 = 1 << 2;
const NAT_RANGE_IPV6_MAX: u16 = 1 << 3;
const NAT_RANGE_PROTO_MIN: u16 = 1 << 4;
const NAT_RANGE_PROTO_MAX: u16 = 1 << 5;

/// `learn` flag: learned flows send flow-removed messages.
pub const LEARN_F_SEND_FLOW_REM: u16 = 1 << 0;
/// `learn` flag: delete the learned flows when the learning flow is deleted.
pub const LEARN_F_DELETE_LEARNED: u16 = 1 << 1;

/// The priority `learn` gives learned flows unless told otherwise (`OFP_DEFAULT_PRIORITY`).
pub const LEARN_DEFAULT_PRIORITY: u16 = 0x8000;

const LEARN_N_BITS_MASK: u16 = 0x03ff;
const LEARN_SRC_IMMEDIATE: u16 = 1 << 13;
const LEARN_DST_SHIFT: u16 = 11;
const LEARN_KNOWN_BITS: u16 = LEARN_N_BITS_MASK | LEARN_SRC_IMMEDIATE | (3 << LEARN_DST_SHIFT);

// ---------------------------------------------------------------------------------------------
// Field references

/// A field named by its 32-bit NXM/OXM header, as NX actions carry them
/// (e.g. `NXM_NX_REG0` = `0x00010004`, `NXM_OF_ETH_DST` = `0x00000206`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldRef(pub u32);

impl FieldRef {
    /// The unmasked header of field `field` of class `class`, `len` bytes wide.
    pub const fn new(class: u16, field: u8, len: u8) -> FieldRef {
        FieldRef(oxm::header(class, field, false, len))
    }

    /// The header's class.
    pub const fn class(self) -> u16 {
        oxm::header_class(self.0)
    }

    /// The header's field number.
    pub const fn field(self) -> u8 {
        oxm::header_field(self.0)
    }

    /// Whether the header announces a mask (an `_W` header).
    pub const fn has_mask(self) -> bool {
        oxm::header_hasmask(self.0)
    }

    /// The field's width in bits, from the header's payload length.
    pub const fn n_bits(self) -> u16 {
        let len = oxm::header_len(self.0) as u16;
        if self.has_mask() {
            len / 2 * 8
        } else {
            len * 8
        }
    }

    /// Whether this is an experimenter-class header, which some actions carry as 8 bytes.
    pub const fn is_experimenter(self) -> bool {
        self.class() == oxm::CLASS_EXPERIMENTER
    }
}

/// Register `NXM_NX_REG<n>` (OVS has `n` in 0..=15).
pub const fn reg(n: u8) -> FieldRef {
    FieldRef::new(oxm::CLASS_NXM1, n, 4)
}

/// `NXM_OF_IN_PORT` (16-bit OpenFlow 1.0 port).
pub const IN_PORT: FieldRef = FieldRef::new(oxm::CLASS_NXM0, 0, 2);
/// `NXM_OF_ETH_DST`.
pub const ETH_DST: FieldRef = FieldRef::new(oxm::CLASS_NXM0, 1, 6);
/// `NXM_OF_ETH_SRC`.
pub const ETH_SRC: FieldRef = FieldRef::new(oxm::CLASS_NXM0, 2, 6);
/// `NXM_OF_ETH_TYPE`.
pub const ETH_TYPE: FieldRef = FieldRef::new(oxm::CLASS_NXM0, 3, 2);
/// `NXM_OF_VLAN_TCI` (PCP, CFI and VID).
pub const VLAN_TCI: FieldRef = FieldRef::new(oxm::CLASS_NXM0, 4, 2);
/// `NXM_OF_IP_PROTO`.
pub const IP_PROTO: FieldRef = FieldRef::new(oxm::CLASS_NXM0, 6, 1);
/// `NXM_OF_IP_SRC`.
pub const IP_SRC: FieldRef = FieldRef::new(oxm::CLASS_NXM0, 7, 4);
/// `NXM_OF_IP_DST`.
pub const IP_DST: FieldRef = FieldRef::new(oxm::CLASS_NXM0, 8, 4);
/// `NXM_OF_ARP_OP`.
pub const ARP_OP: FieldRef = FieldRef::new(oxm::CLASS_NXM0, 15, 2);
/// `NXM_OF_ARP_SPA`.
pub const ARP_SPA: FieldRef = FieldRef::new(oxm::CLASS_NXM0, 16, 4);
/// `NXM_OF_ARP_TPA`.
pub const ARP_TPA: FieldRef = FieldRef::new(oxm::CLASS_NXM0, 17, 4);
/// `NXM_NX_REG0`.
pub const REG0: FieldRef = reg(0);
/// `NXM_NX_REG1`.
pub const REG1: FieldRef = reg(1);
/// `NXM_NX_REG2`.
pub const REG2: FieldRef = reg(2);
/// `NXM_NX_REG3`.
pub const REG3: FieldRef = reg(3);
/// `NXM_NX_REG4`.
pub const REG4: FieldRef = reg(4);
/// `NXM_NX_REG5`.
pub const REG5: FieldRef = reg(5);
/// `NXM_NX_REG6`.
pub const REG6: FieldRef = reg(6);
/// `NXM_NX_REG7`.
pub const REG7: FieldRef = reg(7);
/// `NXM_NX_TUN_ID` (64-bit tunnel key: VXLAN VNI, GRE key).
pub const TUN_ID: FieldRef = FieldRef::new(oxm::CLASS_NXM1, 16, 8);
/// `NXM_NX_ARP_SHA`.
pub const ARP_SHA: FieldRef = FieldRef::new(oxm::CLASS_NXM1, 17, 6);
/// `NXM_NX_ARP_THA`.
pub const ARP_THA: FieldRef = FieldRef::new(oxm::CLASS_NXM1, 18, 6);
/// `NXM_NX_TUN_IPV4_SRC`.
pub const TUN_IPV4_SRC: FieldRef = FieldRef::new(oxm::CLASS_NXM1, 31, 4);
/// `NXM_NX_TUN_IPV4_DST`.
pub const TUN_IPV4_DST: FieldRef = FieldRef::new(oxm::CLASS_NXM1, 32, 4);
/// `NXM_NX_PKT_MARK`.
pub const PKT_MARK: FieldRef = FieldRef::new(oxm::CLASS_NXM1, 33, 4);
/// `NXM_NX_CT_ZONE`.
pub const CT_ZONE: FieldRef = FieldRef::new(oxm::CLASS_NXM1, 106, 2);
/// `NXM_NX_CT_MARK`.
pub const CT_MARK: FieldRef = FieldRef::new(oxm::CLASS_NXM1, 107, 4);
/// `NXM_NX_CT_LABEL`.
pub const CT_LABEL: FieldRef = FieldRef::new(oxm::CLASS_NXM1, 108, 16);
/// `OXM_OF_IN_PORT` (32-bit port).
pub const OXM_IN_PORT: FieldRef = FieldRef::new(oxm::CLASS_BASIC, oxm::ofb::IN_PORT, 4);
/// `OXM_OF_METADATA`.
pub const METADATA: FieldRef = FieldRef::new(oxm::CLASS_BASIC, oxm::ofb::METADATA, 8);
/// `OXM_OF_VLAN_VID`.
pub const VLAN_VID: FieldRef = FieldRef::new(oxm::CLASS_BASIC, oxm::ofb::VLAN_VID, 2);
/// `OXM_OF_TUNNEL_ID`.
pub const TUNNEL_ID: FieldRef = FieldRef::new(oxm::CLASS_BASIC, oxm::ofb::TUNNEL_ID, 8);

/// `NXM_OF_*` names (class 0), by field number.
const NXM0_NAMES: [&str; 18] = [
    "IN_PORT",
    "ETH_DST",
    "ETH_SRC",
    "ETH_TYPE",
    "VLAN_TCI",
    "IP_TOS",
    "IP_PROTO",
    "IP_SRC",
    "IP_DST",
    "TCP_SRC",
    "TCP_DST",
    "UDP_SRC",
    "UDP_DST",
    "ICMP_TYPE",
    "ICMP_CODE",
    "ARP_OP",
    "ARP_SPA",
    "ARP_TPA",
];

/// `NXM_NX_*` names (class 1) other than the numbered families.
fn nxm1_name(field: u8) -> Option<&'static str> {
    Some(match field {
        16 => "TUN_ID",
        17 => "ARP_SHA",
        18 => "ARP_THA",
        19 => "IPV6_SRC",
        20 => "IPV6_DST",
        21 => "ICMPV6_TYPE",
        22 => "ICMPV6_CODE",
        23 => "ND_TARGET",
        24 => "ND_SLL",
        25 => "ND_TLL",
        26 => "IP_FRAG",
        27 => "IPV6_LABEL",
        28 => "IP_ECN",
        29 => "IP_TTL",
        30 => "MPLS_TTL",
        31 => "TUN_IPV4_SRC",
        32 => "TUN_IPV4_DST",
        33 => "PKT_MARK",
        34 => "TCP_FLAGS",
        35 => "DP_HASH",
        36 => "RECIRC_ID",
        37 => "CONJ_ID",
        38 => "TUN_GBP_ID",
        39 => "TUN_GBP_FLAGS",
        104 => "TUN_FLAGS",
        105 => "CT_STATE",
        106 => "CT_ZONE",
        107 => "CT_MARK",
        108 => "CT_LABEL",
        109 => "TUN_IPV6_SRC",
        110 => "TUN_IPV6_DST",
        119 => "CT_NW_PROTO",
        120 => "CT_NW_SRC",
        121 => "CT_NW_DST",
        122 => "CT_IPV6_SRC",
        123 => "CT_IPV6_DST",
        124 => "CT_TP_SRC",
        125 => "CT_TP_DST",
        _ => return None,
    })
}

fn write_upper(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    use fmt::Write;
    for c in s.chars() {
        f.write_char(c.to_ascii_uppercase())?;
    }
    Ok(())
}

impl fmt::Display for FieldRef {
    /// The name `ovs-ofctl` accepts: `NXM_OF_ETH_DST`, `NXM_NX_REG0`, `OXM_OF_METADATA`, … (with
    /// `_W` for a masked header); an unknown header prints as hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (class, field) = (self.class(), self.field());
        let named = match class {
            oxm::CLASS_NXM0 => match NXM0_NAMES.get(usize::from(field)) {
                Some(n) => {
                    write!(f, "NXM_OF_{n}")?;
                    true
                }
                None => false,
            },
            oxm::CLASS_NXM1 => {
                match field {
                    0..=15 => write!(f, "NXM_NX_REG{field}")?,
                    40..=103 => write!(f, "NXM_NX_TUN_METADATA{}", field - 40)?,
                    111..=114 => write!(f, "NXM_NX_XXREG{}", field - 111)?,
                    _ => match (nxm1_name(field), oxm::field_name(class, field)) {
                        (Some(n), _) => write!(f, "NXM_NX_{n}")?,
                        (None, Some(n)) => {
                            f.write_str("NXM_NX_")?;
                            write_upper(f, n)?;
                        }
                        (None, None) => return write!(f, "{:#010x}", self.0),
                    },
                }
                true
            }
            oxm::CLASS_BASIC => match oxm::field_name(class, field) {
                Some(n) => {
                    f.write_str("OXM_OF_")?;
                    write_upper(f, n)?;
                    true
                }
                None => false,
            },
            _ => false,
        };
        match (named, self.has_mask()) {
            (false, _) => write!(f, "{:#010x}", self.0),
            (true, true) => f.write_str("_W"),
            (true, false) => Ok(()),
        }
    }
}

/// A bit range of a field, printed as `ovs-ofctl` does: `NXM_NX_REG0[]` for the whole field,
/// `NXM_NX_REG0[5]` for one bit, `NXM_NX_REG0[0..15]` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subfield {
    /// The field.
    pub field: FieldRef,
    /// Offset of the lowest bit.
    pub ofs: u16,
    /// Number of bits.
    pub n_bits: u16,
}

impl Subfield {
    /// The range packed as NX `ofs_nbits`.
    pub fn from_ofs_nbits(field: FieldRef, ofs_nbits: u16) -> Subfield {
        Subfield {
            field,
            ofs: nbits_ofs(ofs_nbits),
            n_bits: nbits_n(ofs_nbits),
        }
    }
}

impl fmt::Display for Subfield {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.field)?;
        if self.ofs == 0 && self.n_bits == self.field.n_bits() {
            f.write_str("[]")
        } else if self.n_bits == 1 {
            write!(f, "[{}]", self.ofs)
        } else {
            let end = (u32::from(self.ofs) + u32::from(self.n_bits)).saturating_sub(1);
            write!(f, "[{}..{}]", self.ofs, end)
        }
    }
}

/// Packs a bit offset and width as NX `ofs_nbits` (`ofs << 6 | (n_bits - 1)`); `n_bits` must be
/// in 1..=64 and `ofs` below 1024 for the result to mean what was asked.
pub const fn ofs_nbits(ofs: u16, n_bits: u16) -> u16 {
    (ofs << 6) | (n_bits.wrapping_sub(1) & 0x3f)
}

/// The bit offset packed in an `ofs_nbits`.
pub const fn nbits_ofs(ofs_nbits: u16) -> u16 {
    ofs_nbits >> 6
}

/// The width packed in an `ofs_nbits` (1..=64).
pub const fn nbits_n(ofs_nbits: u16) -> u16 {
    (ofs_nbits & 0x3f) + 1
}

/// An OpenFlow 1.0 port number as a 32-bit one (`0xfff8` is `IN_PORT`, …).
fn port16(p: u16) -> PortNo {
    if p >= 0xff00 {
        PortNo(0xffff_0000 | u32::from(p))
    } else {
        PortNo(u32::from(p))
    }
}

/// Writes bytes as `ovs-ofctl` writes immediates: `0x` and the hex digits without leading
/// zeros, `0` when every byte is zero.
fn fmt_hex_value(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    let mut printed = false;
    for &b in bytes {
        if printed {
            write!(f, "{b:02x}")?;
        } else if b != 0 {
            write!(f, "{b:#x}")?;
            printed = true;
        }
    }
    if !printed {
        f.write_str("0")?;
    }
    Ok(())
}

/// Writes bytes as `0x0102…`, for raw payloads.
pub(crate) fn fmt_hex_bytes(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    write!(f, "0x{}", crate::types::HexBytes(bytes))
}

fn invalid(what: &'static str, reason: &'static str) -> EncodeError {
    EncodeError::Invalid { what, reason }
}

// ---------------------------------------------------------------------------------------------
// The actions

/// `note:hex` (`NXAST_NOTE`): an opaque comment carried with the flow.
///
/// The note keeps the bytes exactly as the wire has them, including the zero padding that fills
/// the action to a multiple of 8 bytes — OVS does the same, and prints `note:04.05.06.07.00.00`
/// for a note added as `note:04.05.06.07`. [`Note::new`] appends that padding, so a note always
/// holds `6 + 8k` bytes and re-encodes without adding any.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Note {
    data: Vec<u8>,
}

impl Note {
    /// A note of `bytes`, zero-padded as the wire will carry it.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Note {
        let mut data = bytes.into();
        data.resize(pad8_len(NX_HEADER_LEN + data.len()) - NX_HEADER_LEN, 0);
        Note { data }
    }

    /// The note's bytes, padding included.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}

/// The source of a `learn` spec's bits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LearnSrc {
    /// Bits `ofs..ofs + n_bits` of a field of the packet being learned from.
    Field {
        /// The field.
        field: FieldRef,
        /// Lowest bit.
        ofs: u16,
    },
    /// A constant, as the wire carries it: `2 * ceil(n_bits / 16)` bytes, big-endian,
    /// right-aligned (see [`LearnSrc::immediate`]).
    Immediate(Vec<u8>),
}

impl LearnSrc {
    /// The constant `value` as an `n_bits`-bit immediate.
    pub fn immediate(value: u128, n_bits: u16) -> LearnSrc {
        let width = imm_len(n_bits);
        let be = value.to_be_bytes();
        let mut bytes = vec![0u8; width.saturating_sub(be.len())];
        bytes.extend_from_slice(be.get(be.len().saturating_sub(width)..).unwrap_or_default());
        LearnSrc::Immediate(bytes)
    }
}

/// What a `learn` spec does with its bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LearnDst {
    /// The learned flow matches these bits of `field`.
    Match {
        /// The field.
        field: FieldRef,
        /// Lowest bit.
        ofs: u16,
    },
    /// The learned flow loads the bits into `field` (`load:src->dst`).
    Load {
        /// The field.
        field: FieldRef,
        /// Lowest bit.
        ofs: u16,
    },
    /// The learned flow outputs to the port the bits name (`output:src`).
    Output,
}

/// One `flow_mod_spec` of a `learn` action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LearnSpec {
    /// Where the bits come from.
    pub src: LearnSrc,
    /// What the learned flow does with them.
    pub dst: LearnDst,
    /// How many bits (1..=1023).
    pub n_bits: u16,
}

fn imm_len(n_bits: u16) -> usize {
    2 * usize::from(n_bits).div_ceil(16)
}

impl LearnSpec {
    /// The learned flow matches `dst` against the packet's `src` (both whole; `dst`'s width).
    /// `LearnSpec::match_field(f, f)` is ovs-ofctl's plain `learn(…,NXM_OF_VLAN_TCI[0..11],…)`.
    pub fn match_field(dst: FieldRef, src: FieldRef) -> LearnSpec {
        LearnSpec {
            src: LearnSrc::Field { field: src, ofs: 0 },
            dst: LearnDst::Match { field: dst, ofs: 0 },
            n_bits: dst.n_bits(),
        }
    }

    /// The learned flow matches the whole of `dst` against the constant `value`.
    pub fn match_value(dst: FieldRef, value: u128) -> LearnSpec {
        let n_bits = dst.n_bits();
        LearnSpec {
            src: LearnSrc::immediate(value, n_bits),
            dst: LearnDst::Match { field: dst, ofs: 0 },
            n_bits,
        }
    }

    /// The learned flow loads the packet's whole `src` into `dst` (`load:src[]->dst[]`).
    pub fn load_field(src: FieldRef, dst: FieldRef) -> LearnSpec {
        LearnSpec {
            src: LearnSrc::Field { field: src, ofs: 0 },
            dst: LearnDst::Load { field: dst, ofs: 0 },
            n_bits: src.n_bits(),
        }
    }

    /// The learned flow loads the constant `value` into bits `ofs..ofs + n_bits` of `dst`.
    pub fn load_value(value: u128, dst: FieldRef, ofs: u16, n_bits: u16) -> LearnSpec {
        LearnSpec {
            src: LearnSrc::immediate(value, n_bits),
            dst: LearnDst::Load { field: dst, ofs },
            n_bits,
        }
    }

    /// The learned flow outputs to the port in the packet's `src` (`output:src[]`).
    pub fn output(src: FieldRef) -> LearnSpec {
        LearnSpec {
            src: LearnSrc::Field { field: src, ofs: 0 },
            dst: LearnDst::Output,
            n_bits: src.n_bits(),
        }
    }

    fn header(&self) -> Result<u16, EncodeError> {
        if self.n_bits > LEARN_N_BITS_MASK {
            return Err(invalid("learn spec n_bits", "must be at most 1023"));
        }
        let src = match &self.src {
            LearnSrc::Field { .. } => 0,
            LearnSrc::Immediate(bytes) => {
                if bytes.len() != imm_len(self.n_bits) {
                    return Err(invalid(
                        "learn spec immediate",
                        "must be 2 * ceil(n_bits / 16) bytes long",
                    ));
                }
                LEARN_SRC_IMMEDIATE
            }
        };
        let dst: u16 = match self.dst {
            LearnDst::Match { .. } => 0,
            LearnDst::Load { .. } => 1,
            LearnDst::Output => 2,
        };
        let header = src | (dst << LEARN_DST_SHIFT) | self.n_bits;
        if header == 0 {
            // A zero header ends the spec list on the wire.
            return Err(invalid(
                "learn spec n_bits",
                "a field-to-match spec needs at least 1 bit",
            ));
        }
        Ok(header)
    }

    fn encoded_len(&self) -> usize {
        let src = match &self.src {
            LearnSrc::Field { .. } => 6,
            LearnSrc::Immediate(bytes) => bytes.len(),
        };
        let dst = match self.dst {
            LearnDst::Match { .. } | LearnDst::Load { .. } => 6,
            LearnDst::Output => 0,
        };
        2 + src + dst
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put16(self.header()?);
        match &self.src {
            LearnSrc::Field { field, ofs } => {
                out.put32(field.0);
                out.put16(*ofs);
            }
            LearnSrc::Immediate(bytes) => out.put_bytes(bytes),
        }
        match self.dst {
            LearnDst::Match { field, ofs } | LearnDst::Load { field, ofs } => {
                out.put32(field.0);
                out.put16(ofs);
            }
            LearnDst::Output => {}
        }
        Ok(())
    }

    /// Decodes one spec whose non-zero `header` was just read; `None` if it uses reserved bits.
    fn decode(header: u16, r: &mut Reader<'_>) -> Result<Option<LearnSpec>, DecodeError> {
        if header & !LEARN_KNOWN_BITS != 0 {
            return Ok(None);
        }
        let n_bits = header & LEARN_N_BITS_MASK;
        let src = if header & LEARN_SRC_IMMEDIATE != 0 {
            LearnSrc::Immediate(r.bytes(imm_len(n_bits), "learn spec immediate")?.to_vec())
        } else {
            LearnSrc::Field {
                field: FieldRef(r.u32("learn spec source field")?),
                ofs: r.u16("learn spec source offset")?,
            }
        };
        let dst = match (header >> LEARN_DST_SHIFT) & 3 {
            0 => LearnDst::Match {
                field: FieldRef(r.u32("learn spec destination field")?),
                ofs: r.u16("learn spec destination offset")?,
            },
            1 => LearnDst::Load {
                field: FieldRef(r.u32("learn spec destination field")?),
                ofs: r.u16("learn spec destination offset")?,
            },
            2 => LearnDst::Output,
            _ => return Ok(None),
        };
        Ok(Some(LearnSpec { src, dst, n_bits }))
    }
}

impl fmt::Display for LearnSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n_bits = self.n_bits;
        let sub = |field, ofs| Subfield { field, ofs, n_bits };
        match (&self.src, self.dst) {
            (LearnSrc::Field { field: s, ofs: so }, LearnDst::Match { field: d, ofs: dof }) => {
                write!(f, "{}", sub(d, dof))?;
                if *s != d || *so != dof {
                    write!(f, "={}", sub(*s, *so))?;
                }
                Ok(())
            }
            (LearnSrc::Immediate(v), LearnDst::Match { field, ofs }) => {
                write!(f, "{}=", sub(field, ofs))?;
                fmt_hex_value(f, v)
            }
            (LearnSrc::Field { field: s, ofs: so }, LearnDst::Load { field, ofs }) => {
                write!(f, "load:{}->{}", sub(*s, *so), sub(field, ofs))
            }
            (LearnSrc::Immediate(v), LearnDst::Load { field, ofs }) => {
                f.write_str("load:")?;
                fmt_hex_value(f, v)?;
                write!(f, "->{}", sub(field, ofs))
            }
            (LearnSrc::Field { field, ofs }, LearnDst::Output) => {
                write!(f, "output:{}", sub(*field, *ofs))
            }
            (LearnSrc::Immediate(v), LearnDst::Output) => {
                f.write_str("output:")?;
                fmt_hex_value(f, v)
            }
        }
    }
}

/// `learn(...)` (`NXAST_LEARN`): adds or refreshes a flow built from the packet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Learn {
    /// Idle timeout of the learned flow (0: none).
    pub idle_timeout: u16,
    /// Hard timeout of the learned flow (0: none).
    pub hard_timeout: u16,
    /// Priority of the learned flow.
    pub priority: u16,
    /// Cookie of the learned flow.
    pub cookie: u64,
    /// [`LEARN_F_SEND_FLOW_REM`], [`LEARN_F_DELETE_LEARNED`].
    pub flags: u16,
    /// Table the learned flow goes into.
    pub table_id: u8,
    /// `fin_idle_timeout` of the learned flow.
    pub fin_idle_timeout: u16,
    /// `fin_hard_timeout` of the learned flow.
    pub fin_hard_timeout: u16,
    /// What the learned flow matches and does, in order.
    pub specs: Vec<LearnSpec>,
}

impl Learn {
    /// Learns into `table_id`, with no timeouts, the default priority and no specs yet.
    pub fn new(table_id: u8) -> Learn {
        Learn {
            idle_timeout: 0,
            hard_timeout: 0,
            priority: LEARN_DEFAULT_PRIORITY,
            cookie: 0,
            flags: 0,
            table_id,
            fin_idle_timeout: 0,
            fin_hard_timeout: 0,
            specs: Vec::new(),
        }
    }

    /// Sets the idle timeout.
    #[must_use]
    pub fn idle_timeout(mut self, secs: u16) -> Learn {
        self.idle_timeout = secs;
        self
    }

    /// Sets the hard timeout.
    #[must_use]
    pub fn hard_timeout(mut self, secs: u16) -> Learn {
        self.hard_timeout = secs;
        self
    }

    /// Sets the priority.
    #[must_use]
    pub fn priority(mut self, priority: u16) -> Learn {
        self.priority = priority;
        self
    }

    /// Sets the cookie.
    #[must_use]
    pub fn cookie(mut self, cookie: u64) -> Learn {
        self.cookie = cookie;
        self
    }

    /// Sets the flags.
    #[must_use]
    pub fn flags(mut self, flags: u16) -> Learn {
        self.flags = flags;
        self
    }

    /// Appends a spec.
    #[must_use]
    pub fn spec(mut self, spec: LearnSpec) -> Learn {
        self.specs.push(spec);
        self
    }

    const FIXED_LEN: usize = 32;

    fn encoded_len(&self) -> usize {
        pad8_len(Self::FIXED_LEN + self.specs.iter().map(LearnSpec::encoded_len).sum::<usize>())
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = put_nx_header(out, 0, subtype::LEARN);
        out.put16(self.idle_timeout);
        out.put16(self.hard_timeout);
        out.put16(self.priority);
        out.put64(self.cookie);
        out.put16(self.flags);
        out.put8(self.table_id);
        out.put8(0);
        out.put16(self.fin_idle_timeout);
        out.put16(self.fin_hard_timeout);
        for spec in &self.specs {
            spec.encode(out)?;
        }
        pad8(out, start);
        patch_len16(out, start + 2, start, "learn action")
    }

    fn decode(r: &mut Reader<'_>) -> Result<Option<Learn>, DecodeError> {
        let mut learn = Learn {
            idle_timeout: r.u16("learn idle_timeout")?,
            hard_timeout: r.u16("learn hard_timeout")?,
            priority: r.u16("learn priority")?,
            cookie: r.u64("learn cookie")?,
            flags: r.u16("learn flags")?,
            table_id: r.u8("learn table_id")?,
            fin_idle_timeout: 0,
            fin_hard_timeout: 0,
            specs: Vec::new(),
        };
        r.skip(1, "learn pad")?;
        learn.fin_idle_timeout = r.u16("learn fin_idle_timeout")?;
        learn.fin_hard_timeout = r.u16("learn fin_hard_timeout")?;
        while r.remaining() >= 2 {
            let header = r.u16("learn spec header")?;
            if header == 0 {
                break;
            }
            match LearnSpec::decode(header, r)? {
                Some(spec) => learn.specs.push(spec),
                None => return Ok(None),
            }
        }
        // What is left is padding; the caller checks that it is what encoding writes.
        r.rest();
        Ok(Some(learn))
    }
}

impl fmt::Display for Learn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "learn(table={}", self.table_id)?;
        if self.idle_timeout != 0 {
            write!(f, ",idle_timeout={}", self.idle_timeout)?;
        }
        if self.hard_timeout != 0 {
            write!(f, ",hard_timeout={}", self.hard_timeout)?;
        }
        if self.fin_idle_timeout != 0 {
            write!(f, ",fin_idle_timeout={}", self.fin_idle_timeout)?;
        }
        if self.fin_hard_timeout != 0 {
            write!(f, ",fin_hard_timeout={}", self.fin_hard_timeout)?;
        }
        if self.priority != LEARN_DEFAULT_PRIORITY {
            write!(f, ",priority={}", self.priority)?;
        }
        if self.flags & LEARN_F_SEND_FLOW_REM != 0 {
            f.write_str(",send_flow_rem")?;
        }
        if self.flags & LEARN_F_DELETE_LEARNED != 0 {
            f.write_str(",delete_learned")?;
        }
        if self.cookie != 0 {
            write!(f, ",cookie={:#x}", self.cookie)?;
        }
        for spec in &self.specs {
            write!(f, ",{spec}")?;
        }
        f.write_str(")")
    }
}

/// Where `ct` takes its zone from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CtZone {
    /// A constant zone (0 is the default zone).
    Imm(u16),
    /// Bits of a field (`zone=NXM_NX_REG6[0..15]`).
    Field {
        /// The field (never the zero header, which means "immediate").
        field: FieldRef,
        /// Bit range, packed (see [`ofs_nbits`]).
        ofs_nbits: u16,
    },
}

/// `ct(...)` (`NXAST_CT`): sends the packet through the connection tracker.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ct {
    /// [`CT_COMMIT`], [`CT_FORCE`].
    pub flags: u16,
    /// The zone.
    pub zone: CtZone,
    /// Table to recirculate to afterwards (`table=`); `None` for no recirculation.
    pub recirc_table: Option<u8>,
    /// Application-layer gateway port (21 ftp, 69 tftp), 0 for none.
    pub alg: u16,
    /// Actions applied within the tracker (`nat(...)`, `set_field:…->ct_mark`, …).
    pub actions: Vec<Action>,
}

impl Default for Ct {
    fn default() -> Ct {
        Ct {
            flags: 0,
            zone: CtZone::Imm(0),
            recirc_table: None,
            alg: 0,
            actions: Vec::new(),
        }
    }
}

impl Ct {
    /// `ct(commit)`.
    pub fn commit() -> Ct {
        Ct {
            flags: CT_COMMIT,
            ..Ct::default()
        }
    }

    /// Sets a constant zone.
    #[must_use]
    pub fn zone(mut self, zone: u16) -> Ct {
        self.zone = CtZone::Imm(zone);
        self
    }

    /// Recirculates to `table` afterwards.
    #[must_use]
    pub fn table(mut self, table: u8) -> Ct {
        self.recirc_table = Some(table);
        self
    }

    /// Appends a nested action.
    #[must_use]
    pub fn action(mut self, action: Action) -> Ct {
        self.actions.push(action);
        self
    }

    const FIXED_LEN: usize = 24;

    fn encode(&self, out: &mut Vec<u8>, depth: usize) -> Result<(), EncodeError> {
        let (zone_src, zone_val) = match self.zone {
            CtZone::Imm(z) => (0, z),
            CtZone::Field { field, ofs_nbits } => {
                if field.0 == 0 {
                    return Err(invalid(
                        "ct zone field",
                        "the zero header means an immediate zone",
                    ));
                }
                (field.0, ofs_nbits)
            }
        };
        let recirc = match self.recirc_table {
            None => TABLE_NONE,
            Some(TABLE_NONE) => {
                return Err(invalid(
                    "ct recirc_table",
                    "255 means no recirculation; use None",
                ));
            }
            Some(t) => t,
        };
        let start = put_nx_header(out, 0, subtype::CT);
        out.put16(self.flags);
        out.put32(zone_src);
        out.put16(zone_val);
        out.put8(recirc);
        zeros(out, 3);
        out.put16(self.alg);
        Action::encode_list_depth(&self.actions, out, depth + 1)?;
        patch_len16(out, start + 2, start, "ct action")
    }

    fn decode(r: &mut Reader<'_>, depth: usize) -> Result<Ct, DecodeError> {
        let flags = r.u16("ct flags")?;
        let zone_src = r.u32("ct zone_src")?;
        let zone_val = r.u16("ct zone")?;
        let recirc = r.u8("ct recirc_table")?;
        r.skip(3, "ct pad")?;
        let alg = r.u16("ct alg")?;
        let actions = Action::decode_list_depth(r, depth + 1)?;
        Ok(Ct {
            flags,
            zone: if zone_src == 0 {
                CtZone::Imm(zone_val)
            } else {
                CtZone::Field {
                    field: FieldRef(zone_src),
                    ofs_nbits: zone_val,
                }
            },
            recirc_table: (recirc != TABLE_NONE).then_some(recirc),
            alg,
            actions,
        })
    }
}

/// Writes `item` after a comma unless it is the first.
struct CommaList<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    first: bool,
}

impl<'a, 'b> CommaList<'a, 'b> {
    fn new(f: &'a mut fmt::Formatter<'b>) -> Self {
        CommaList { f, first: true }
    }

    fn item(&mut self, item: impl fmt::Display) -> fmt::Result {
        if !self.first {
            self.f.write_str(",")?;
        }
        self.first = false;
        write!(self.f, "{item}")
    }
}

impl fmt::Display for Ct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ct(")?;
        let mut l = CommaList::new(f);
        if self.flags & CT_COMMIT != 0 {
            l.item("commit")?;
        }
        if self.flags & CT_FORCE != 0 {
            l.item("force")?;
        }
        if let Some(t) = self.recirc_table {
            l.item(format_args!("table={t}"))?;
        }
        match self.zone {
            CtZone::Imm(0) => {}
            CtZone::Imm(z) => l.item(format_args!("zone={z}"))?,
            CtZone::Field { field, ofs_nbits } => l.item(format_args!(
                "zone={}",
                Subfield::from_ofs_nbits(field, ofs_nbits)
            ))?,
        }
        // Like ovs-ofctl, a leading nat goes outside the exec(...) envelope.
        let mut rest = self.actions.as_slice();
        if let Some((Action::Nx(NxAction::Nat(nat)), tail)) = rest.split_first() {
            l.item(nat)?;
            rest = tail;
        }
        if !rest.is_empty() {
            l.item(format_args!("exec({})", Actions(rest)))?;
        }
        match self.alg {
            0 => {}
            21 => l.item("alg=ftp")?,
            69 => l.item("alg=tftp")?,
            a => l.item(format_args!("alg={a}"))?,
        }
        f.write_str(")")
    }
}

/// `nat(...)` (`NXAST_NAT`), used inside `ct`. Each range bound present on the wire is `Some`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Nat {
    /// [`NAT_F_SRC`], [`NAT_F_DST`], [`NAT_F_PERSISTENT`], [`NAT_F_PROTO_HASH`],
    /// [`NAT_F_PROTO_RANDOM`].
    pub flags: u16,
    /// Lowest IPv4 address of the range.
    pub ipv4_min: Option<Ipv4Addr>,
    /// Highest IPv4 address of the range.
    pub ipv4_max: Option<Ipv4Addr>,
    /// Lowest IPv6 address of the range.
    pub ipv6_min: Option<Ipv6Addr>,
    /// Highest IPv6 address of the range.
    pub ipv6_max: Option<Ipv6Addr>,
    /// Lowest port of the range.
    pub proto_min: Option<u16>,
    /// Highest port of the range.
    pub proto_max: Option<u16>,
}

impl Nat {
    const FIXED_LEN: usize = 16;

    fn ranges_len(&self) -> usize {
        4 * usize::from(self.ipv4_min.is_some())
            + 4 * usize::from(self.ipv4_max.is_some())
            + 16 * usize::from(self.ipv6_min.is_some())
            + 16 * usize::from(self.ipv6_max.is_some())
            + 2 * usize::from(self.proto_min.is_some())
            + 2 * usize::from(self.proto_max.is_some())
    }

    fn encoded_len(&self) -> usize {
        pad8_len(Self::FIXED_LEN + self.ranges_len())
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = put_nx_header(out, 0, subtype::NAT);
        out.put16(0);
        out.put16(self.flags);
        let present = [
            (self.ipv4_min.is_some(), NAT_RANGE_IPV4_MIN),
            (self.ipv4_max.is_some(), NAT_RANGE_IPV4_MAX),
            (self.ipv6_min.is_some(), NAT_RANGE_IPV6_MIN),
            (self.ipv6_max.is_some(), NAT_RANGE_IPV6_MAX),
            (self.proto_min.is_some(), NAT_RANGE_PROTO_MIN),
            (self.proto_max.is_some(), NAT_RANGE_PROTO_MAX),
        ]
        .iter()
        .filter(|(p, _)| *p)
        .fold(0, |acc, (_, bit)| acc | bit);
        out.put16(present);
        if let Some(a) = self.ipv4_min {
            out.put32(a.to_bits());
        }
        if let Some(a) = self.ipv4_max {
            out.put32(a.to_bits());
        }
        if let Some(a) = self.ipv6_min {
            out.put128(a.to_bits());
        }
        if let Some(a) = self.ipv6_max {
            out.put128(a.to_bits());
        }
        if let Some(p) = self.proto_min {
            out.put16(p);
        }
        if let Some(p) = self.proto_max {
            out.put16(p);
        }
        pad8(out, start);
        patch_len16(out, start + 2, start, "nat action")
    }

    fn decode(r: &mut Reader<'_>) -> Result<Nat, DecodeError> {
        r.skip(2, "nat pad")?;
        let flags = r.u16("nat flags")?;
        let present = r.u16("nat range_present")?;
        let has = |bit| present & bit != 0;
        let mut nat = Nat {
            flags,
            ..Nat::default()
        };
        if has(NAT_RANGE_IPV4_MIN) {
            nat.ipv4_min = Some(Ipv4Addr::from_bits(r.u32("nat ipv4_min")?));
        }
        if has(NAT_RANGE_IPV4_MAX) {
            nat.ipv4_max = Some(Ipv4Addr::from_bits(r.u32("nat ipv4_max")?));
        }
        if has(NAT_RANGE_IPV6_MIN) {
            nat.ipv6_min = Some(Ipv6Addr::from_bits(r.u128("nat ipv6_min")?));
        }
        if has(NAT_RANGE_IPV6_MAX) {
            nat.ipv6_max = Some(Ipv6Addr::from_bits(r.u128("nat ipv6_max")?));
        }
        if has(NAT_RANGE_PROTO_MIN) {
            nat.proto_min = Some(r.u16("nat proto_min")?);
        }
        if has(NAT_RANGE_PROTO_MAX) {
            nat.proto_max = Some(r.u16("nat proto_max")?);
        }
        // Padding (and any unknown range bits) are checked by the caller's re-encoding.
        r.rest();
        Ok(nat)
    }
}

impl fmt::Display for Nat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("nat")?;
        if self.flags & (NAT_F_SRC | NAT_F_DST) == 0 {
            return Ok(());
        }
        f.write_str(if self.flags & NAT_F_SRC != 0 {
            "(src"
        } else {
            "(dst"
        })?;
        let proto = self.proto_min.filter(|&p| p != 0);
        if let Some(min) = self.ipv4_min {
            write!(f, "={min}")?;
            if let Some(max) = self.ipv4_max.filter(|&m| m != min && !m.is_unspecified()) {
                write!(f, "-{max}")?;
            }
        } else if let Some(min) = self.ipv6_min {
            let bracket = |f: &mut fmt::Formatter<'_>, a: Ipv6Addr| {
                if proto.is_some() {
                    write!(f, "[{a}]")
                } else {
                    write!(f, "{a}")
                }
            };
            f.write_str("=")?;
            bracket(f, min)?;
            if let Some(max) = self.ipv6_max.filter(|&m| m != min && !m.is_unspecified()) {
                f.write_str("-")?;
                bracket(f, max)?;
            }
        }
        if let Some(min) = proto {
            write!(f, ":{min}")?;
            if let Some(max) = self.proto_max.filter(|&m| m != min && m != 0) {
                write!(f, "-{max}")?;
            }
        }
        if self.flags & NAT_F_PERSISTENT != 0 {
            f.write_str(",persistent")?;
        }
        if self.flags & NAT_F_PROTO_HASH != 0 {
            f.write_str(",hash")?;
        }
        if self.flags & NAT_F_PROTO_RANDOM != 0 {
            f.write_str(",random")?;
        }
        f.write_str(")")
    }
}

/// A Nicira extension action. Fixed-size actions are struct variants; variable-size ones
/// (`note`, `learn`, `ct`, `nat`) carry a type of their own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NxAction {
    /// `resubmit:port` (subtype 1): search the current table again as if the packet had come
    /// in on `in_port`.
    Resubmit {
        /// OpenFlow 1.0 port number; [`OFPP_IN_PORT16`] keeps the packet's own.
        in_port: u16,
    },
    /// `resubmit(port,table)` (subtype 14).
    ResubmitTable {
        /// OpenFlow 1.0 port number; [`OFPP_IN_PORT16`] keeps the packet's own.
        in_port: u16,
        /// Table to search; [`TABLE_NONE`] (255) means the current table.
        table: u8,
    },
    /// `move:src[..]->dst[..]` (subtype 6): copies `n_bits` bits between fields.
    RegMove {
        /// Number of bits to copy.
        n_bits: u16,
        /// Lowest source bit.
        src_ofs: u16,
        /// Lowest destination bit.
        dst_ofs: u16,
        /// Source field (not of the experimenter class).
        src: FieldRef,
        /// Destination field (not of the experimenter class).
        dst: FieldRef,
    },
    /// `load:value->dst[..]` (subtype 7): writes an immediate into a bit range.
    RegLoad {
        /// Destination bit range, packed (see [`ofs_nbits`]).
        ofs_nbits: u16,
        /// Destination field.
        dst: FieldRef,
        /// The value, right-aligned.
        value: u64,
    },
    /// `note:…` (subtype 8).
    Note(Note),
    /// `learn(...)` (subtype 16).
    Learn(Learn),
    /// `conjunction(id,clause+1/n_clauses)` (subtype 34).
    Conjunction {
        /// Clause number, **0-based** as on the wire (`ovs-ofctl` writes it 1-based).
        clause: u8,
        /// Number of clauses.
        n_clauses: u8,
        /// Conjunction id, matched later as `conj_id`.
        id: u32,
    },
    /// `ct(...)` (subtype 35).
    Ct(Ct),
    /// `nat(...)` (subtype 36), inside `ct`.
    Nat(Nat),
    /// `ct_clear` (subtype 43).
    CtClear,
    /// `controller(...)` (subtype 20): sends the packet to controllers.
    Controller {
        /// Bytes of the packet to send (0xffff: all).
        max_len: u16,
        /// Which controllers (by connection id) receive it; 0 for all.
        controller_id: u16,
        /// Packet-in reason (`OFPR_*`).
        reason: u8,
    },
    /// `fin_timeout(...)` (subtype 19): shortens the flow's timeouts on TCP FIN/RST.
    FinTimeout {
        /// New idle timeout (0: unchanged).
        idle_timeout: u16,
        /// New hard timeout (0: unchanged).
        hard_timeout: u16,
    },
    /// `output(port=…,max_len=…)` (subtype 39): outputs a truncated copy.
    OutputTrunc {
        /// OpenFlow 1.0 port number.
        port: u16,
        /// Bytes to keep.
        max_len: u32,
    },
    /// `sample(...)` (subtype 29): IPFIX/sFlow sampling.
    Sample {
        /// Packets sampled per 65535.
        probability: u16,
        /// Collector set.
        collector_set_id: u32,
        /// Observation domain.
        obs_domain_id: u32,
        /// Observation point.
        obs_point_id: u32,
    },
    /// `push:field[..]` (subtype 27).
    StackPush {
        /// Lowest bit.
        offset: u16,
        /// The field (not of the experimenter class).
        field: FieldRef,
        /// Number of bits.
        n_bits: u16,
    },
    /// `pop:field[..]` (subtype 28).
    StackPop {
        /// Lowest bit.
        offset: u16,
        /// The field (not of the experimenter class).
        field: FieldRef,
        /// Number of bits.
        n_bits: u16,
    },
    /// `dec_ttl`, NX encoding (subtype 18).
    DecTtl,
    /// Any other subtype, or a typed one in a form not represented above; `data` is what
    /// follows the subtype, padding included (`10 + data.len()` must be a multiple of 8).
    Unknown {
        /// The subtype.
        subtype: u16,
        /// The bytes after the subtype.
        data: Vec<u8>,
    },
}

/// Appends an NX action header with length `len` (0 to patch later); returns where it starts.
fn put_nx_header(out: &mut Vec<u8>, len: u16, subtype: u16) -> usize {
    let start = out.len();
    out.put16(crate::action::ofpat::EXPERIMENTER);
    out.put16(len);
    out.put32(NX_VENDOR_ID);
    out.put16(subtype);
    start
}

impl NxAction {
    /// `resubmit(,table)`: continue in `table` with the packet's own in_port.
    pub fn resubmit_table(table: u8) -> NxAction {
        NxAction::ResubmitTable {
            in_port: OFPP_IN_PORT16,
            table,
        }
    }

    /// `load:value->dst[ofs..ofs+n_bits-1]` (`n_bits` in 1..=64).
    pub const fn load(dst: FieldRef, ofs: u16, n_bits: u16, value: u64) -> NxAction {
        NxAction::RegLoad {
            ofs_nbits: ofs_nbits(ofs, n_bits),
            dst,
            value,
        }
    }

    /// `load:value->dst[]` for a field at most 64 bits wide.
    pub const fn load_whole(dst: FieldRef, value: u64) -> NxAction {
        NxAction::load(dst, 0, dst.n_bits(), value)
    }

    /// `move:src[src_ofs..]->dst[dst_ofs..]` of `n_bits` bits.
    pub const fn reg_move(
        src: FieldRef,
        src_ofs: u16,
        dst: FieldRef,
        dst_ofs: u16,
        n_bits: u16,
    ) -> NxAction {
        NxAction::RegMove {
            n_bits,
            src_ofs,
            dst_ofs,
            src,
            dst,
        }
    }

    /// `conjunction(id,k/n)` with `k` 1-based, as `ovs-ofctl` writes it.
    pub const fn conjunction(id: u32, k: u8, n: u8) -> NxAction {
        NxAction::Conjunction {
            clause: k.saturating_sub(1),
            n_clauses: n,
            id,
        }
    }

    /// The NX subtype.
    pub fn subtype(&self) -> u16 {
        match self {
            NxAction::Resubmit { .. } => subtype::RESUBMIT,
            NxAction::ResubmitTable { .. } => subtype::RESUBMIT_TABLE,
            NxAction::RegMove { .. } => subtype::REG_MOVE,
            NxAction::RegLoad { .. } => subtype::REG_LOAD,
            NxAction::Note(_) => subtype::NOTE,
            NxAction::Learn(_) => subtype::LEARN,
            NxAction::Conjunction { .. } => subtype::CONJUNCTION,
            NxAction::Ct(_) => subtype::CT,
            NxAction::Nat(_) => subtype::NAT,
            NxAction::CtClear => subtype::CT_CLEAR,
            NxAction::Controller { .. } => subtype::CONTROLLER,
            NxAction::FinTimeout { .. } => subtype::FIN_TIMEOUT,
            NxAction::OutputTrunc { .. } => subtype::OUTPUT_TRUNC,
            NxAction::Sample { .. } => subtype::SAMPLE,
            NxAction::StackPush { .. } => subtype::STACK_PUSH,
            NxAction::StackPop { .. } => subtype::STACK_POP,
            NxAction::DecTtl => subtype::DEC_TTL,
            NxAction::Unknown { subtype, .. } => *subtype,
        }
    }

    /// Encoded length in bytes, header and padding included.
    pub fn encoded_len(&self) -> usize {
        match self {
            NxAction::Resubmit { .. }
            | NxAction::ResubmitTable { .. }
            | NxAction::Conjunction { .. }
            | NxAction::CtClear
            | NxAction::Controller { .. }
            | NxAction::FinTimeout { .. }
            | NxAction::OutputTrunc { .. }
            | NxAction::DecTtl => 16,
            NxAction::RegMove { .. }
            | NxAction::RegLoad { .. }
            | NxAction::Sample { .. }
            | NxAction::StackPush { .. }
            | NxAction::StackPop { .. } => 24,
            NxAction::Note(n) => pad8_len(NX_HEADER_LEN + n.data.len()),
            NxAction::Learn(l) => l.encoded_len(),
            NxAction::Ct(c) => {
                Ct::FIXED_LEN + c.actions.iter().map(Action::encoded_len).sum::<usize>()
            }
            NxAction::Nat(n) => n.encoded_len(),
            NxAction::Unknown { data, .. } => NX_HEADER_LEN + data.len(),
        }
    }

    /// Appends the action; `depth` is the `ct` nesting level of the list it is in.
    pub(crate) fn encode_depth(&self, out: &mut Vec<u8>, depth: usize) -> Result<(), EncodeError> {
        match self {
            NxAction::Resubmit { in_port } => {
                put_nx_header(out, 16, subtype::RESUBMIT);
                out.put16(*in_port);
                zeros(out, 4);
            }
            NxAction::ResubmitTable { in_port, table } => {
                put_nx_header(out, 16, subtype::RESUBMIT_TABLE);
                out.put16(*in_port);
                out.put8(*table);
                zeros(out, 3);
            }
            NxAction::RegMove {
                n_bits,
                src_ofs,
                dst_ofs,
                src,
                dst,
            } => {
                if src.is_experimenter() || dst.is_experimenter() {
                    return Err(invalid(
                        "move action",
                        "experimenter-class (8-byte) field headers are not supported",
                    ));
                }
                put_nx_header(out, 24, subtype::REG_MOVE);
                out.put16(*n_bits);
                out.put16(*src_ofs);
                out.put16(*dst_ofs);
                out.put32(src.0);
                out.put32(dst.0);
            }
            NxAction::RegLoad {
                ofs_nbits,
                dst,
                value,
            } => {
                put_nx_header(out, 24, subtype::REG_LOAD);
                out.put16(*ofs_nbits);
                out.put32(dst.0);
                out.put64(*value);
            }
            NxAction::Note(n) => {
                let start = put_nx_header(out, 0, subtype::NOTE);
                out.put_bytes(&n.data);
                pad8(out, start);
                patch_len16(out, start + 2, start, "note action")?;
            }
            NxAction::Learn(l) => l.encode(out)?,
            NxAction::Conjunction {
                clause,
                n_clauses,
                id,
            } => {
                put_nx_header(out, 16, subtype::CONJUNCTION);
                out.put8(*clause);
                out.put8(*n_clauses);
                out.put32(*id);
            }
            NxAction::Ct(c) => c.encode(out, depth)?,
            NxAction::Nat(n) => n.encode(out)?,
            NxAction::CtClear => {
                put_nx_header(out, 16, subtype::CT_CLEAR);
                zeros(out, 6);
            }
            NxAction::Controller {
                max_len,
                controller_id,
                reason,
            } => {
                put_nx_header(out, 16, subtype::CONTROLLER);
                out.put16(*max_len);
                out.put16(*controller_id);
                out.put8(*reason);
                out.put8(0);
            }
            NxAction::FinTimeout {
                idle_timeout,
                hard_timeout,
            } => {
                put_nx_header(out, 16, subtype::FIN_TIMEOUT);
                out.put16(*idle_timeout);
                out.put16(*hard_timeout);
                zeros(out, 2);
            }
            NxAction::OutputTrunc { port, max_len } => {
                put_nx_header(out, 16, subtype::OUTPUT_TRUNC);
                out.put16(*port);
                out.put32(*max_len);
            }
            NxAction::Sample {
                probability,
                collector_set_id,
                obs_domain_id,
                obs_point_id,
            } => {
                put_nx_header(out, 24, subtype::SAMPLE);
                out.put16(*probability);
                out.put32(*collector_set_id);
                out.put32(*obs_domain_id);
                out.put32(*obs_point_id);
            }
            NxAction::StackPush {
                offset,
                field,
                n_bits,
            }
            | NxAction::StackPop {
                offset,
                field,
                n_bits,
            } => {
                if field.is_experimenter() {
                    return Err(invalid(
                        "push/pop action",
                        "experimenter-class (8-byte) field headers are not supported",
                    ));
                }
                put_nx_header(out, 24, self.subtype());
                out.put16(*offset);
                out.put32(field.0);
                out.put16(*n_bits);
                zeros(out, 6);
            }
            NxAction::DecTtl => {
                put_nx_header(out, 16, subtype::DEC_TTL);
                zeros(out, 6);
            }
            NxAction::Unknown { subtype, data } => {
                if !(NX_HEADER_LEN + data.len()).is_multiple_of(8) {
                    return Err(invalid(
                        "NX action data",
                        "10 + its length must be a multiple of 8",
                    ));
                }
                let start = put_nx_header(out, 0, *subtype);
                out.put_bytes(data);
                patch_len16(out, start + 2, start, "NX action")?;
            }
        }
        Ok(())
    }

    /// Decodes the body of an NX action of total length `len` starting at `start`, with `r`
    /// just past the subtype. `None` means "keep it raw": an unknown subtype, or a known one in
    /// a form this type does not represent. Lengths that cannot be right are errors.
    pub(crate) fn decode_body(
        subtype: u16,
        r: &mut Reader<'_>,
        start: usize,
        len: usize,
        depth: usize,
    ) -> Result<Option<NxAction>, DecodeError> {
        use crate::nicira::subtype as st;
        Ok(Some(match subtype {
            st::RESUBMIT => {
                exact_len(start, "resubmit action", len, 16)?;
                let in_port = r.u16("resubmit in_port")?;
                r.skip(4, "resubmit pad")?;
                NxAction::Resubmit { in_port }
            }
            st::RESUBMIT_TABLE => {
                exact_len(start, "resubmit action", len, 16)?;
                let in_port = r.u16("resubmit in_port")?;
                let table = r.u8("resubmit table")?;
                r.skip(3, "resubmit pad")?;
                NxAction::ResubmitTable { in_port, table }
            }
            st::REG_MOVE => {
                min_len(start, "move action", len, 24)?;
                let n_bits = r.u16("move n_bits")?;
                let src_ofs = r.u16("move src_ofs")?;
                let dst_ofs = r.u16("move dst_ofs")?;
                let src = FieldRef(r.u32("move src")?);
                // With 8-byte experimenter headers the layout differs: keep those raw.
                if len != 24 || src.is_experimenter() {
                    return Ok(None);
                }
                let dst = FieldRef(r.u32("move dst")?);
                if dst.is_experimenter() {
                    return Ok(None);
                }
                NxAction::RegMove {
                    n_bits,
                    src_ofs,
                    dst_ofs,
                    src,
                    dst,
                }
            }
            st::REG_LOAD => {
                exact_len(start, "load action", len, 24)?;
                NxAction::RegLoad {
                    ofs_nbits: r.u16("load ofs_nbits")?,
                    dst: FieldRef(r.u32("load dst")?),
                    value: r.u64("load value")?,
                }
            }
            st::NOTE => NxAction::Note(Note {
                data: r.rest().to_vec(),
            }),
            st::LEARN => {
                min_len(start, "learn action", len, Learn::FIXED_LEN)?;
                match Learn::decode(r)? {
                    Some(l) => NxAction::Learn(l),
                    None => return Ok(None),
                }
            }
            st::DEC_TTL => {
                exact_len(start, "dec_ttl action", len, 16)?;
                r.skip(6, "dec_ttl pad")?;
                NxAction::DecTtl
            }
            st::FIN_TIMEOUT => {
                exact_len(start, "fin_timeout action", len, 16)?;
                let idle_timeout = r.u16("fin_timeout idle")?;
                let hard_timeout = r.u16("fin_timeout hard")?;
                r.skip(2, "fin_timeout pad")?;
                NxAction::FinTimeout {
                    idle_timeout,
                    hard_timeout,
                }
            }
            st::CONTROLLER => {
                exact_len(start, "controller action", len, 16)?;
                let max_len = r.u16("controller max_len")?;
                let controller_id = r.u16("controller id")?;
                let reason = r.u8("controller reason")?;
                r.skip(1, "controller pad")?;
                NxAction::Controller {
                    max_len,
                    controller_id,
                    reason,
                }
            }
            st::STACK_PUSH | st::STACK_POP => {
                exact_len(start, "push/pop action", len, 24)?;
                let offset = r.u16("push/pop offset")?;
                let field = FieldRef(r.u32("push/pop field")?);
                if field.is_experimenter() {
                    return Ok(None);
                }
                let n_bits = r.u16("push/pop n_bits")?;
                r.skip(6, "push/pop pad")?;
                if subtype == st::STACK_PUSH {
                    NxAction::StackPush {
                        offset,
                        field,
                        n_bits,
                    }
                } else {
                    NxAction::StackPop {
                        offset,
                        field,
                        n_bits,
                    }
                }
            }
            st::SAMPLE => {
                exact_len(start, "sample action", len, 24)?;
                NxAction::Sample {
                    probability: r.u16("sample probability")?,
                    collector_set_id: r.u32("sample collector_set_id")?,
                    obs_domain_id: r.u32("sample obs_domain_id")?,
                    obs_point_id: r.u32("sample obs_point_id")?,
                }
            }
            st::CONJUNCTION => {
                exact_len(start, "conjunction action", len, 16)?;
                NxAction::Conjunction {
                    clause: r.u8("conjunction clause")?,
                    n_clauses: r.u8("conjunction n_clauses")?,
                    id: r.u32("conjunction id")?,
                }
            }
            st::CT => {
                min_len(start, "ct action", len, Ct::FIXED_LEN)?;
                NxAction::Ct(Ct::decode(r, depth)?)
            }
            st::NAT => {
                min_len(start, "nat action", len, Nat::FIXED_LEN)?;
                NxAction::Nat(Nat::decode(r)?)
            }
            st::OUTPUT_TRUNC => {
                exact_len(start, "output_trunc action", len, 16)?;
                NxAction::OutputTrunc {
                    port: r.u16("output_trunc port")?,
                    max_len: r.u32("output_trunc max_len")?,
                }
            }
            st::CT_CLEAR => {
                exact_len(start, "ct_clear action", len, 16)?;
                r.skip(6, "ct_clear pad")?;
                NxAction::CtClear
            }
            _ => return Ok(None),
        }))
    }
}

fn fmt_resubmit(f: &mut fmt::Formatter<'_>, in_port: u16, table: u8) -> fmt::Result {
    if in_port != OFPP_IN_PORT16 && table == TABLE_NONE {
        return write!(f, "resubmit:{}", port16(in_port));
    }
    f.write_str("resubmit(")?;
    if in_port != OFPP_IN_PORT16 {
        write!(f, "{}", port16(in_port))?;
    }
    f.write_str(",")?;
    if table != TABLE_NONE {
        write!(f, "{table}")?;
    }
    f.write_str(")")
}

impl fmt::Display for NxAction {
    /// The action as `ovs-ofctl dump-flows` writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NxAction::Resubmit { in_port } => fmt_resubmit(f, *in_port, TABLE_NONE),
            NxAction::ResubmitTable { in_port, table } => fmt_resubmit(f, *in_port, *table),
            NxAction::RegMove {
                n_bits,
                src_ofs,
                dst_ofs,
                src,
                dst,
            } => {
                let sub = |field, ofs| Subfield {
                    field,
                    ofs,
                    n_bits: *n_bits,
                };
                write!(f, "move:{}->{}", sub(*src, *src_ofs), sub(*dst, *dst_ofs))
            }
            NxAction::RegLoad {
                ofs_nbits,
                dst,
                value,
            } => {
                f.write_str("load:")?;
                fmt_hex_value(f, &value.to_be_bytes())?;
                write!(f, "->{}", Subfield::from_ofs_nbits(*dst, *ofs_nbits))
            }
            NxAction::Note(n) => {
                f.write_str("note:")?;
                for (i, b) in n.data.iter().enumerate() {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
            NxAction::Learn(l) => write!(f, "{l}"),
            NxAction::Conjunction {
                clause,
                n_clauses,
                id,
            } => write!(
                f,
                "conjunction({id},{}/{n_clauses})",
                u16::from(*clause) + 1
            ),
            NxAction::Ct(c) => write!(f, "{c}"),
            NxAction::Nat(n) => write!(f, "{n}"),
            NxAction::CtClear => f.write_str("ct_clear"),
            NxAction::Controller {
                max_len,
                controller_id,
                reason,
            } => fmt_controller(f, *max_len, *controller_id, *reason),
            NxAction::FinTimeout {
                idle_timeout,
                hard_timeout,
            } => {
                f.write_str("fin_timeout(")?;
                let mut l = CommaList::new(f);
                if *idle_timeout != 0 {
                    l.item(format_args!("idle_timeout={idle_timeout}"))?;
                }
                if *hard_timeout != 0 {
                    l.item(format_args!("hard_timeout={hard_timeout}"))?;
                }
                f.write_str(")")
            }
            NxAction::OutputTrunc { port, max_len } => {
                write!(f, "output(port={},max_len={max_len})", port16(*port))
            }
            NxAction::Sample {
                probability,
                collector_set_id,
                obs_domain_id,
                obs_point_id,
            } => write!(
                f,
                "sample(probability={probability},collector_set_id={collector_set_id},\
                 obs_domain_id={obs_domain_id},obs_point_id={obs_point_id})"
            ),
            NxAction::StackPush {
                offset,
                field,
                n_bits,
            } => write!(
                f,
                "push:{}",
                Subfield {
                    field: *field,
                    ofs: *offset,
                    n_bits: *n_bits
                }
            ),
            NxAction::StackPop {
                offset,
                field,
                n_bits,
            } => write!(
                f,
                "pop:{}",
                Subfield {
                    field: *field,
                    ofs: *offset,
                    n_bits: *n_bits
                }
            ),
            NxAction::DecTtl => f.write_str("dec_ttl"),
            NxAction::Unknown { subtype, data } => {
                write!(f, "nx_action(subtype={subtype}")?;
                if !data.is_empty() {
                    f.write_str(",data=")?;
                    fmt_hex_bytes(f, data)?;
                }
                f.write_str(")")
            }
        }
    }
}

fn fmt_controller(
    f: &mut fmt::Formatter<'_>,
    max_len: u16,
    controller_id: u16,
    reason: u8,
) -> fmt::Result {
    const OFPR_ACTION: u8 = 1;
    if reason == OFPR_ACTION && controller_id == 0 {
        return write!(f, "CONTROLLER:{max_len}");
    }
    f.write_str("controller(")?;
    let mut l = CommaList::new(f);
    match reason {
        OFPR_ACTION => {}
        0 => l.item("reason=no_match")?,
        2 => l.item("reason=invalid_ttl")?,
        3 => l.item("reason=action_set")?,
        4 => l.item("reason=group")?,
        5 => l.item("reason=packet_out")?,
        r => l.item(format_args!("reason={r}"))?,
    }
    if max_len != u16::MAX {
        l.item(format_args!("max_len={max_len}"))?;
    }
    if controller_id != 0 {
        l.item(format_args!("id={controller_id}"))?;
    }
    f.write_str(")")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::MAX_CT_NESTING;
    use crate::oxm::Oxm;

    fn roundtrip(a: &NxAction) -> Vec<u8> {
        let action = Action::Nx(a.clone());
        let mut out = Vec::new();
        action.encode(&mut out).unwrap();
        assert_eq!(out.len(), action.encoded_len(), "{a}");
        assert_eq!(out.len() % 8, 0, "{a}");
        let mut r = Reader::new(&out);
        let back = Action::decode(&mut r).unwrap();
        assert!(r.is_empty());
        assert_eq!(back, action, "{a}");
        out
    }

    #[test]
    fn field_names_follow_ovs() {
        assert_eq!(ETH_DST.0, 0x0000_0206);
        assert_eq!(ETH_SRC.0, 0x0000_0406);
        assert_eq!(VLAN_TCI.0, 0x0000_0802);
        assert_eq!(REG0.0, 0x0001_0004);
        assert_eq!(TUN_ID.0, 0x0001_2008);
        assert_eq!(ARP_SHA.0, 0x0001_2206);
        assert_eq!(ARP_SPA.0, 0x0000_2004);
        assert_eq!(METADATA.0, 0x8000_0408);
        assert_eq!(ETH_DST.to_string(), "NXM_OF_ETH_DST");
        assert_eq!(reg(5).to_string(), "NXM_NX_REG5");
        assert_eq!(reg(12).to_string(), "NXM_NX_REG12");
        assert_eq!(TUN_ID.to_string(), "NXM_NX_TUN_ID");
        assert_eq!(METADATA.to_string(), "OXM_OF_METADATA");
        assert_eq!(VLAN_VID.to_string(), "OXM_OF_VLAN_VID");
        assert_eq!(FieldRef(0x0001_0108).to_string(), "NXM_NX_REG0_W");
        assert_eq!(FieldRef(0x0001_5004).to_string(), "NXM_NX_TUN_METADATA0");
        assert_eq!(FieldRef(0x0005_0004).to_string(), "0x00050004");
        let sub = |field, ofs, n_bits| Subfield { field, ofs, n_bits }.to_string();
        assert_eq!(sub(REG0, 0, 32), "NXM_NX_REG0[]");
        assert_eq!(sub(REG0, 0, 16), "NXM_NX_REG0[0..15]");
        assert_eq!(sub(REG0, 3, 1), "NXM_NX_REG0[3]");
        assert_eq!(ofs_nbits(4, 28), 283);
        assert_eq!((nbits_ofs(283), nbits_n(283)), (4, 28));
    }

    #[test]
    fn resubmit_table_matches_ovs_bytes() {
        let out = roundtrip(&NxAction::resubmit_table(4));
        assert_eq!(
            out,
            [
                0xff, 0xff, 0, 16, 0, 0, 0x23, 0x20, 0, 14, 0xff, 0xf8, 4, 0, 0, 0
            ]
        );
        assert_eq!(NxAction::resubmit_table(4).to_string(), "resubmit(,4)");
        let a = NxAction::ResubmitTable {
            in_port: 3,
            table: 255,
        };
        assert_eq!(a.to_string(), "resubmit:3");
        let a = NxAction::ResubmitTable {
            in_port: 3,
            table: 1,
        };
        assert_eq!(a.to_string(), "resubmit(3,1)");
        let a = NxAction::Resubmit { in_port: 0xfffe };
        assert_eq!(a.to_string(), "resubmit:LOCAL");
        roundtrip(&a);
    }

    #[test]
    fn every_typed_action_round_trips_and_prints() {
        let cases: Vec<(NxAction, &str)> = vec![
            (
                NxAction::reg_move(REG0, 10, REG1, 0, 6),
                "move:NXM_NX_REG0[10..15]->NXM_NX_REG1[0..5]",
            ),
            (
                NxAction::load(REG0, 4, 28, 0xdeadbee),
                "load:0xdeadbee->NXM_NX_REG0[4..31]",
            ),
            (
                NxAction::load_whole(METADATA, 0),
                "load:0->OXM_OF_METADATA[]",
            ),
            (
                NxAction::Note(Note::new([4, 5, 6, 7])),
                "note:04.05.06.07.00.00",
            ),
            (NxAction::Note(Note::new([])), "note:00.00.00.00.00.00"),
            (
                NxAction::Note(Note::new([1; 7])),
                "note:01.01.01.01.01.01.01.00.00.00.00.00.00.00",
            ),
            (NxAction::conjunction(7, 1, 2), "conjunction(7,1/2)"),
            (NxAction::CtClear, "ct_clear"),
            (
                NxAction::Controller {
                    max_len: 1024,
                    controller_id: 1,
                    reason: 5,
                },
                "controller(reason=packet_out,max_len=1024,id=1)",
            ),
            (
                NxAction::Controller {
                    max_len: 65535,
                    controller_id: 0,
                    reason: 1,
                },
                "CONTROLLER:65535",
            ),
            (
                NxAction::FinTimeout {
                    idle_timeout: 30,
                    hard_timeout: 60,
                },
                "fin_timeout(idle_timeout=30,hard_timeout=60)",
            ),
            (
                NxAction::OutputTrunc {
                    port: 8080,
                    max_len: 1024,
                },
                "output(port=8080,max_len=1024)",
            ),
            (
                NxAction::Sample {
                    probability: 3,
                    collector_set_id: 1,
                    obs_domain_id: 2,
                    obs_point_id: 3,
                },
                "sample(probability=3,collector_set_id=1,obs_domain_id=2,obs_point_id=3)",
            ),
            (
                NxAction::StackPush {
                    offset: 1,
                    field: REG2,
                    n_bits: 5,
                },
                "push:NXM_NX_REG2[1..5]",
            ),
            (
                NxAction::StackPop {
                    offset: 0,
                    field: REG2,
                    n_bits: 32,
                },
                "pop:NXM_NX_REG2[]",
            ),
            (NxAction::DecTtl, "dec_ttl"),
            (
                NxAction::Unknown {
                    subtype: 17,
                    data: vec![0; 6],
                },
                "nx_action(subtype=17,data=0x000000000000)",
            ),
            (
                NxAction::Learn(
                    Learn::new(10)
                        .idle_timeout(60)
                        .hard_timeout(300)
                        .priority(1)
                        .cookie(0x55)
                        .flags(LEARN_F_DELETE_LEARNED)
                        .spec(LearnSpec::match_field(ETH_DST, ETH_SRC))
                        .spec(LearnSpec::match_field(REG0, REG0))
                        .spec(LearnSpec::match_value(ETH_TYPE, 0x0800))
                        .spec(LearnSpec::load_field(TUN_ID, TUN_ID))
                        .spec(LearnSpec::load_value(5, REG1, 0, 12))
                        .spec(LearnSpec::output(IN_PORT)),
                ),
                "learn(table=10,idle_timeout=60,hard_timeout=300,priority=1,delete_learned,\
                 cookie=0x55,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],NXM_NX_REG0[],\
                 NXM_OF_ETH_TYPE[]=0x800,load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],\
                 load:0x5->NXM_NX_REG1[0..11],output:NXM_OF_IN_PORT[])",
            ),
            (NxAction::Learn(Learn::new(3)), "learn(table=3)"),
            (
                NxAction::Ct(
                    Ct::commit()
                        .zone(5)
                        .table(3)
                        .action(Action::Nx(NxAction::Nat(Nat {
                            flags: NAT_F_SRC | NAT_F_PERSISTENT,
                            ipv4_min: Some(Ipv4Addr::new(10, 0, 0, 1)),
                            ipv4_max: Some(Ipv4Addr::new(10, 0, 0, 9)),
                            proto_min: Some(1000),
                            proto_max: Some(2000),
                            ..Nat::default()
                        }))),
                ),
                "ct(commit,table=3,zone=5,nat(src=10.0.0.1-10.0.0.9:1000-2000,persistent))",
            ),
            (
                NxAction::Ct(Ct {
                    flags: CT_COMMIT | CT_FORCE,
                    zone: CtZone::Field {
                        field: REG6,
                        ofs_nbits: ofs_nbits(0, 16),
                    },
                    recirc_table: None,
                    alg: 21,
                    actions: vec![Action::set_field(Oxm::CtMark(0x654321, None))],
                }),
                "ct(commit,force,zone=NXM_NX_REG6[0..15],exec(set_field:0x654321->ct_mark),alg=ftp)",
            ),
            (NxAction::Ct(Ct::default()), "ct()"),
            (
                NxAction::Nat(Nat {
                    flags: NAT_F_DST,
                    ipv6_min: Some("2001:1::1".parse().unwrap()),
                    ipv6_max: Some("2001:1::ffff".parse().unwrap()),
                    ..Nat::default()
                }),
                "nat(dst=2001:1::1-2001:1::ffff)",
            ),
            (
                NxAction::Nat(Nat {
                    flags: NAT_F_DST,
                    ipv6_min: Some("2001:1::1".parse().unwrap()),
                    proto_min: Some(80),
                    ..Nat::default()
                }),
                "nat(dst=[2001:1::1]:80)",
            ),
            (NxAction::Nat(Nat::default()), "nat"),
        ];
        for (a, text) in &cases {
            roundtrip(a);
            assert_eq!(a.to_string(), *text);
        }
    }

    #[test]
    fn non_canonical_forms_are_kept_raw() {
        // resubmit_table with a non-zero pad byte.
        let bytes = [
            0xff, 0xff, 0, 16, 0, 0, 0x23, 0x20, 0, 14, 0xff, 0xf8, 4, 0, 9, 0,
        ];
        let a = Action::decode(&mut Reader::new(&bytes)).unwrap();
        assert!(
            matches!(a, Action::Nx(NxAction::Unknown { subtype: 14, .. })),
            "{a:?}"
        );
        let mut out = Vec::new();
        a.encode(&mut out).unwrap();
        assert_eq!(out, bytes);
        // learn with 8 extra bytes of padding.
        let mut learn = Vec::new();
        Action::Nx(NxAction::Learn(Learn::new(1)))
            .encode(&mut learn)
            .unwrap();
        learn.extend_from_slice(&[0; 8]);
        learn[3] += 8;
        let a = Action::decode(&mut Reader::new(&learn)).unwrap();
        assert!(
            matches!(a, Action::Nx(NxAction::Unknown { subtype: 16, .. })),
            "{a:?}"
        );
        let mut out = Vec::new();
        a.encode(&mut out).unwrap();
        assert_eq!(out, learn);
        // move with an experimenter source header (8 bytes on the wire in OVS).
        let mut mv = vec![0xff, 0xff, 0, 32, 0, 0, 0x23, 0x20, 0, 6, 0, 8, 0, 0, 0, 0];
        mv.extend_from_slice(&[
            0xff, 0xff, 0x02, 0x08, 0, 0, 0x23, 0x20, 0, 1, 0, 4, 0, 0, 0, 0,
        ]);
        let a = Action::decode(&mut Reader::new(&mv)).unwrap();
        assert!(
            matches!(a, Action::Nx(NxAction::Unknown { subtype: 6, .. })),
            "{a:?}"
        );
    }

    #[test]
    fn hostile_lengths_are_errors() {
        // resubmit claiming 24 bytes.
        let mut b = vec![
            0xff, 0xff, 0, 24, 0, 0, 0x23, 0x20, 0, 14, 0xff, 0xf8, 4, 0, 0, 0,
        ];
        b.extend_from_slice(&[0; 8]);
        let e = Action::decode(&mut Reader::new(&b)).unwrap_err();
        assert!(e.to_string().contains("resubmit"), "{e}");
        // learn shorter than its fixed part.
        let b = [0xff, 0xff, 0, 16, 0, 0, 0x23, 0x20, 0, 16, 0, 0, 0, 0, 0, 0];
        let e = Action::decode(&mut Reader::new(&b)).unwrap_err();
        assert!(e.to_string().contains("learn"), "{e}");
        // learn spec running past the end of the action.
        let mut learn = Vec::new();
        Action::Nx(NxAction::Learn(Learn::new(1)))
            .encode(&mut learn)
            .unwrap();
        learn.extend_from_slice(&[0, 0x0c, 0, 0, 0, 0, 0, 0]);
        learn[3] += 8;
        assert!(
            Action::decode(&mut Reader::new(&learn))
                .unwrap_err()
                .is_truncated()
        );
        // nat whose range runs past the end.
        let b = [
            0xff, 0xff, 0, 16, 0, 0, 0x23, 0x20, 0, 36, 0, 0, 0, 1, 0, 0x0f,
        ];
        assert!(Action::decode(&mut Reader::new(&b)).is_err());
    }

    #[test]
    fn ct_nesting_is_limited() {
        let mut a = Action::Nx(NxAction::CtClear);
        for _ in 0..=MAX_CT_NESTING {
            a = Action::Nx(NxAction::Ct(Ct::commit().action(a)));
        }
        let mut out = Vec::new();
        assert!(a.encode(&mut out).is_err());
        // Hand-build the same bytes and check decoding refuses them too.
        let mut bytes = vec![0xff, 0xff, 0, 16, 0, 0, 0x23, 0x20, 0, 43, 0, 0, 0, 0, 0, 0];
        for _ in 0..=MAX_CT_NESTING {
            let len = u16::try_from(bytes.len() + 24).unwrap().to_be_bytes();
            let mut outer = vec![0xff, 0xff, len[0], len[1], 0, 0, 0x23, 0x20, 0, 35, 0, 1];
            outer.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0]);
            outer.extend_from_slice(&bytes);
            bytes = outer;
        }
        let e = Action::decode(&mut Reader::new(&bytes)).unwrap_err();
        assert!(e.to_string().contains("nest"), "{e}");
        // One level less is fine.
        let inner = &bytes[24..];
        let a = Action::decode(&mut Reader::new(inner)).unwrap();
        let mut out = Vec::new();
        a.encode(&mut out).unwrap();
        assert_eq!(out, inner);
    }

    #[test]
    fn non_canonical_values_do_not_encode() {
        let bad = [
            NxAction::Ct(Ct::commit().table(255)),
            NxAction::Ct(Ct {
                zone: CtZone::Field {
                    field: FieldRef(0),
                    ofs_nbits: 0,
                },
                ..Ct::default()
            }),
            NxAction::Unknown {
                subtype: 99,
                data: vec![1, 2],
            },
            NxAction::Learn(Learn::new(1).spec(LearnSpec {
                src: LearnSrc::Immediate(vec![1]),
                dst: LearnDst::Output,
                n_bits: 16,
            })),
            NxAction::Learn(Learn::new(1).spec(LearnSpec {
                src: LearnSrc::Field {
                    field: REG0,
                    ofs: 0,
                },
                dst: LearnDst::Match {
                    field: REG0,
                    ofs: 0,
                },
                n_bits: 0,
            })),
            NxAction::reg_move(FieldRef(0xffff_0208), 0, REG0, 0, 1),
        ];
        for a in bad {
            assert!(
                Action::Nx(a.clone()).encode(&mut Vec::new()).is_err(),
                "{a:?}"
            );
        }
    }

    #[test]
    fn learn_immediates_are_sized_from_n_bits() {
        assert_eq!(
            LearnSrc::immediate(0x0800, 16),
            LearnSrc::Immediate(vec![8, 0])
        );
        assert_eq!(LearnSrc::immediate(1, 12), LearnSrc::Immediate(vec![0, 1]));
        assert_eq!(
            LearnSrc::immediate(0xaabb, 48),
            LearnSrc::Immediate(vec![0, 0, 0, 0, 0xaa, 0xbb])
        );
        assert_eq!(LearnSrc::immediate(1, 200).clone(), {
            let mut v = vec![0u8; 26];
            v[25] = 1;
            LearnSrc::Immediate(v)
        });
    }
}
