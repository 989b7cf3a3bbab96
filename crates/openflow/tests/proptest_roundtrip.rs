#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Property tests: encode→decode round trips for generated messages, and hostile input.
//!
//! The strategies below generate arbitrary *valid typed values*: every [`Oxm`] variant (masks
//! only where the variant has one; raw [`Oxm::Unknown`] only with headers the crate does not
//! type), every [`Action`] and [`NxAction`] (with `ct` nested up to [`MAX_CT_NESTING`] deep),
//! every [`Instruction`], and the messages that carry them. Raw variants (`Unknown`,
//! `Experimenter`) are generated in the forms the decoder keeps raw: unknown types, and known
//! types in a non-canonical form (non-zero padding and the like).
//!
//! Properties:
//! * every generated message encodes, its header length is the buffer length, it decodes to the
//!   same value and re-encodes to the same bytes, its length is a multiple of 8 where the
//!   specification says so, and printing it does not panic; likewise for matches, actions and
//!   instructions on their own;
//! * hostile bytes (random, random behind a valid header of every message type, and mutated
//!   valid messages) never make the decoder panic, and whatever decodes re-encodes and decodes
//!   to an equal value; action and instruction lists, which the crate decodes exactly, re-encode
//!   to the very same bytes;
//! * the stream framing codec, fed random or valid streams in random chunk sizes, never panics,
//!   never buffers more than one frame plus one chunk, and yields valid messages unchanged.
//!
//! Failure persistence is off so that nothing is written into the repository; a failure prints
//! the minimal value it shrank to.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use bytes::BytesMut;
use openflow::action::{MAX_CT_NESTING, ofpat};
use openflow::buf::{Reader, pad8_len};
use openflow::codec::{MAX_MESSAGE_LEN, OfCodec};
use openflow::instruction::ofpit;
use openflow::message::{
    AsyncConfig, Bucket, BundleAdd, BundleControl, BundleCtrlType, ErrorMsg, Experimenter,
    FlowModCommand, GroupMod, HEADER_LEN, Header, Hello, HelloElement, MessageBody, MeterBand,
    MeterMod, OFPET_EXPERIMENTER, ONFT_BUNDLE_ADD_MESSAGE, ONFT_BUNDLE_CONTROL, PacketIn,
    PacketOut, PacketQueue, PortMod, PortStatus, QueueGetConfigReply, QueueProp, Role,
    SwitchConfig, SwitchFeatures, TableMod,
};
use openflow::multipart::{
    BucketCounter, Desc, FlowStats, FlowStatsRequest, GroupDesc, GroupStats, MeterBandStats,
    MeterConfig, MeterStats, MultipartReplyBody, MultipartRequestBody, OFPMP_EXPERIMENTER,
    PortStats, QueueStats, TableFeatureProp, TableFeatures, TableStats,
};
use openflow::nicira::{
    self, Ct, CtZone, FieldRef, Learn, LearnDst, LearnSpec, LearnSrc, NX_VENDOR_ID, Nat, Note,
    NxAction, subtype,
};
use openflow::oxm::{
    self, CLASS_BASIC, CLASS_EXPERIMENTER, CLASS_NXM0, CLASS_NXM1, ONF_ET_PBB_UCA, ONF_EXPERIMENTER,
};
use openflow::{
    Action, FlowMod, FlowRemoved, Instruction, MacAddr, Match, Message, MultipartReply,
    MultipartRequest, Oxm, Port,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::Union;
use tokio_util::codec::Decoder;

// ---------------------------------------------------------------------------------------------
// Configuration

/// Cases of the properties over single values and of the hostile-input properties.
const CASES: u32 = 1024;
/// Cases of the properties over whole messages of one kind (which `CASES` covers mixed) or over
/// several messages at once.
const FOCUSED_CASES: u32 = 512;
/// Cases of the property that frames messages of up to 64 KiB.
const BIG_FRAME_CASES: u32 = 16;

/// `cases` cases, no failure-persistence files.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

fn mac() -> impl Strategy<Value = MacAddr> {
    any::<[u8; 6]>().prop_map(MacAddr)
}

fn v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn v6() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}

fn opt<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::of(s)
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max)
}

/// `rem + 8k` random bytes, `k` in `0..=max_k`.
fn bytes_8k_plus(rem: usize, max_k: usize) -> impl Strategy<Value = Vec<u8>> {
    (0..=max_k).prop_flat_map(move |k| vec(any::<u8>(), rem + 8 * k))
}

/// `n` random bytes of which at least one in `pad` is non-zero.
fn bytes_nonzero_in(n: usize, pad: Range<usize>) -> impl Strategy<Value = Vec<u8>> {
    (vec(any::<u8>(), n), pad, 1u8..=255).prop_map(|(mut v, at, b)| {
        v[at] = b;
        v
    })
}

/// A printable-ASCII string without NUL, as NUL-padded fixed-size string fields carry it.
fn ascii(max: usize) -> impl Strategy<Value = String> {
    vec(0x20u8..0x7f, 0..=max).prop_map(|b| String::from_utf8(b).unwrap())
}

// ---------------------------------------------------------------------------------------------
// OXM

/// Size and maskability of the fields the crate types, a copy of `oxm::field_shape` (private);
/// `unknown_oxm_picker_agrees_with_the_crate` checks the copy against the decoder.
fn typed_shape(class: u16, field: u8) -> Option<(usize, bool)> {
    use oxm::{nxm1, ofb};
    match class {
        CLASS_BASIC => Some(match field {
            ofb::IN_PORT | ofb::IN_PHY_PORT => (4, false),
            ofb::METADATA => (8, true),
            ofb::ETH_DST | ofb::ETH_SRC => (6, true),
            ofb::ETH_TYPE => (2, false),
            ofb::VLAN_VID => (2, true),
            ofb::VLAN_PCP | ofb::IP_DSCP | ofb::IP_ECN | ofb::IP_PROTO => (1, false),
            ofb::IPV4_SRC | ofb::IPV4_DST => (4, true),
            ofb::TCP_SRC..=ofb::SCTP_DST => (2, false),
            ofb::ICMPV4_TYPE | ofb::ICMPV4_CODE => (1, false),
            ofb::ARP_OP => (2, false),
            ofb::ARP_SPA | ofb::ARP_TPA => (4, true),
            ofb::ARP_SHA | ofb::ARP_THA => (6, true),
            ofb::IPV6_SRC | ofb::IPV6_DST => (16, true),
            ofb::IPV6_FLABEL => (4, true),
            ofb::ICMPV6_TYPE | ofb::ICMPV6_CODE => (1, false),
            ofb::IPV6_ND_TARGET => (16, false),
            ofb::IPV6_ND_SLL | ofb::IPV6_ND_TLL => (6, false),
            ofb::MPLS_LABEL => (4, false),
            ofb::MPLS_TC | ofb::MPLS_BOS => (1, false),
            ofb::PBB_ISID => (3, true),
            ofb::TUNNEL_ID => (8, true),
            ofb::IPV6_EXTHDR => (2, true),
            _ => return None,
        }),
        CLASS_NXM1 => Some(match field {
            0..=7 => (4, true),
            nxm1::TUN_IPV4_SRC | nxm1::TUN_IPV4_DST | nxm1::PKT_MARK => (4, true),
            nxm1::CONJ_ID => (4, false),
            nxm1::CT_STATE | nxm1::CT_MARK => (4, true),
            nxm1::CT_ZONE => (2, false),
            nxm1::CT_LABEL => (16, true),
            _ => return None,
        }),
        _ => None,
    }
}

/// Whether an OXM TLV with this header and payload is the one `pbb_uca` form the decoder types.
fn is_pbb_uca(header: u32, payload: &[u8]) -> bool {
    oxm::header_class(header) == CLASS_EXPERIMENTER
        && oxm::header_field(header) == 0
        && !oxm::header_hasmask(header)
        && payload.len() == 7
        && payload[..4] == ONF_EXPERIMENTER.to_be_bytes()
        && payload[4..6] == ONF_ET_PBB_UCA.to_be_bytes()
}

/// Every typed OXM variant, with arbitrary values (masks only where the variant has one).
fn typed_oxm() -> BoxedStrategy<Oxm> {
    let u24 = || 0u32..(1 << 24);
    prop_oneof![
        any::<u32>().prop_map(Oxm::InPort),
        any::<u32>().prop_map(Oxm::InPhyPort),
        (any::<u64>(), opt(any::<u64>())).prop_map(|(v, m)| Oxm::Metadata(v, m)),
        (mac(), opt(mac())).prop_map(|(v, m)| Oxm::EthDst(v, m)),
        (mac(), opt(mac())).prop_map(|(v, m)| Oxm::EthSrc(v, m)),
        any::<u16>().prop_map(Oxm::EthType),
        (any::<u16>(), opt(any::<u16>())).prop_map(|(v, m)| Oxm::VlanVid(v, m)),
        any::<u8>().prop_map(Oxm::VlanPcp),
        any::<u8>().prop_map(Oxm::IpDscp),
        any::<u8>().prop_map(Oxm::IpEcn),
        any::<u8>().prop_map(Oxm::IpProto),
        (v4(), opt(v4())).prop_map(|(v, m)| Oxm::Ipv4Src(v, m)),
        (v4(), opt(v4())).prop_map(|(v, m)| Oxm::Ipv4Dst(v, m)),
        any::<u16>().prop_map(Oxm::TcpSrc),
        any::<u16>().prop_map(Oxm::TcpDst),
        any::<u16>().prop_map(Oxm::UdpSrc),
        any::<u16>().prop_map(Oxm::UdpDst),
        any::<u16>().prop_map(Oxm::SctpSrc),
        any::<u16>().prop_map(Oxm::SctpDst),
        any::<u8>().prop_map(Oxm::Icmpv4Type),
        any::<u8>().prop_map(Oxm::Icmpv4Code),
        any::<u16>().prop_map(Oxm::ArpOp),
        (v4(), opt(v4())).prop_map(|(v, m)| Oxm::ArpSpa(v, m)),
        (v4(), opt(v4())).prop_map(|(v, m)| Oxm::ArpTpa(v, m)),
        (mac(), opt(mac())).prop_map(|(v, m)| Oxm::ArpSha(v, m)),
        (mac(), opt(mac())).prop_map(|(v, m)| Oxm::ArpTha(v, m)),
        (v6(), opt(v6())).prop_map(|(v, m)| Oxm::Ipv6Src(v, m)),
        (v6(), opt(v6())).prop_map(|(v, m)| Oxm::Ipv6Dst(v, m)),
        (any::<u32>(), opt(any::<u32>())).prop_map(|(v, m)| Oxm::Ipv6Flabel(v, m)),
        any::<u8>().prop_map(Oxm::Icmpv6Type),
        any::<u8>().prop_map(Oxm::Icmpv6Code),
        v6().prop_map(Oxm::Ipv6NdTarget),
        mac().prop_map(Oxm::Ipv6NdSll),
        mac().prop_map(Oxm::Ipv6NdTll),
        any::<u32>().prop_map(Oxm::MplsLabel),
        any::<u8>().prop_map(Oxm::MplsTc),
        any::<u8>().prop_map(Oxm::MplsBos),
        (u24(), opt(u24())).prop_map(|(v, m)| Oxm::PbbIsid(v, m)),
        (any::<u64>(), opt(any::<u64>())).prop_map(|(v, m)| Oxm::TunnelId(v, m)),
        (any::<u16>(), opt(any::<u16>())).prop_map(|(v, m)| Oxm::Ipv6Exthdr(v, m)),
        (0u8..=7, any::<u32>(), opt(any::<u32>())).prop_map(|(n, v, m)| Oxm::Reg(n, v, m)),
        (v4(), opt(v4())).prop_map(|(v, m)| Oxm::TunIpv4Src(v, m)),
        (v4(), opt(v4())).prop_map(|(v, m)| Oxm::TunIpv4Dst(v, m)),
        (any::<u32>(), opt(any::<u32>())).prop_map(|(v, m)| Oxm::PktMark(v, m)),
        any::<u32>().prop_map(Oxm::ConjId),
        (any::<u32>(), opt(any::<u32>())).prop_map(|(v, m)| Oxm::CtState(v, m)),
        any::<u16>().prop_map(Oxm::CtZone),
        (any::<u32>(), opt(any::<u32>())).prop_map(|(v, m)| Oxm::CtMark(v, m)),
        (any::<u128>(), opt(any::<u128>())).prop_map(|(v, m)| Oxm::CtLabel(v, m)),
        any::<u8>().prop_map(Oxm::PbbUca),
    ]
    .boxed()
}

/// Raw OXM TLVs of a header the crate does not type, with a payload as long as the header says.
fn unknown_oxm() -> BoxedStrategy<Oxm> {
    // Basic and NXM1 fields that are typed but not maskable: with a mask they are kept raw.
    let unmaskable: Vec<(u16, u8)> = (0u8..128)
        .flat_map(|f| [(CLASS_BASIC, f), (CLASS_NXM1, f)])
        .filter(|&(c, f)| matches!(typed_shape(c, f), Some((_, false))))
        .collect();
    let class_field_mask = prop_oneof![
        // No NXM0 field is typed.
        (Just(CLASS_NXM0), 0u8..128, any::<bool>()),
        // NXM1: `tun_id` (named but untyped) and every other untyped field.
        (
            Just(CLASS_NXM1),
            Just(nicira::TUN_ID.field()),
            any::<bool>()
        ),
        (Just(CLASS_NXM1), 0u8..128, any::<bool>()),
        // Basic fields past IPV6_EXTHDR.
        (Just(CLASS_BASIC), 40u8..128, any::<bool>()),
        (Just(CLASS_EXPERIMENTER), 0u8..128, any::<bool>()),
        (any::<u16>(), 0u8..128, any::<bool>()),
        (select(unmaskable), Just(true)).prop_map(|((c, f), m)| (c, f, m)),
    ]
    .prop_filter(
        "typed fields decode to their typed variant",
        |&(c, f, m)| match typed_shape(c, f) {
            None => true,
            Some((_, maskable)) => m && !maskable,
        },
    );
    let payload = prop_oneof![6 => bytes(24), 1 => bytes(255)];
    let generic = (class_field_mask, payload).prop_map(|((c, f, m), payload)| Oxm::Unknown {
        header: oxm::header(c, f, m, u8::try_from(payload.len()).unwrap()),
        payload,
    });
    // Near misses of the one experimenter form that is typed (ONF `pbb_uca`).
    let near_pbb_uca = (any::<u16>(), any::<u8>(), any::<bool>(), 0u8..3).prop_map(
        |(et, value, masked, shape)| {
            let mut payload = ONF_EXPERIMENTER.to_be_bytes().to_vec();
            payload.extend_from_slice(&et.to_be_bytes());
            payload.push(value);
            let field = match shape {
                0 => 0,
                1 => 1,
                _ => {
                    payload.push(0);
                    0
                }
            };
            Oxm::Unknown {
                header: oxm::header(
                    CLASS_EXPERIMENTER,
                    field,
                    masked,
                    u8::try_from(payload.len()).unwrap(),
                ),
                payload,
            }
        },
    );
    prop_oneof![8 => generic, 1 => near_pbb_uca]
        .prop_filter("the pbb_uca form is typed", |o| match o {
            Oxm::Unknown { header, payload } => !is_pbb_uca(*header, payload),
            _ => true,
        })
        .boxed()
}

fn oxm_strategy() -> BoxedStrategy<Oxm> {
    prop_oneof![6 => typed_oxm(), 1 => unknown_oxm()].boxed()
}

fn match_strategy() -> BoxedStrategy<Match> {
    vec(oxm_strategy(), 0..8)
        .prop_map(|fields| Match { fields })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Nicira actions

/// A field header as NX actions carry them: usually a well-known one, sometimes anything.
fn field_ref() -> BoxedStrategy<FieldRef> {
    let known = vec![
        nicira::IN_PORT,
        nicira::ETH_DST,
        nicira::ETH_SRC,
        nicira::VLAN_TCI,
        nicira::IP_SRC,
        nicira::REG0,
        nicira::REG7,
        nicira::reg(15),
        nicira::TUN_ID,
        nicira::CT_LABEL,
        nicira::METADATA,
        nicira::TUNNEL_ID,
        FieldRef(oxm::header(CLASS_NXM1, 3, true, 8)),
    ];
    prop_oneof![select(known), any::<u32>().prop_map(FieldRef)].boxed()
}

/// A field header not of the experimenter class (which `move`, `push` and `pop` cannot carry).
fn plain_field_ref() -> BoxedStrategy<FieldRef> {
    field_ref()
        .prop_map(|f| {
            if f.is_experimenter() {
                FieldRef(f.0 & 0x7fff_ffff)
            } else {
                f
            }
        })
        .boxed()
}

/// Bytes of a `learn` immediate of `n_bits` bits: `2 * ceil(n_bits / 16)`.
fn imm_len(n_bits: u16) -> usize {
    2 * usize::from(n_bits).div_ceil(16)
}

fn learn_spec() -> impl Strategy<Value = LearnSpec> {
    (
        prop_oneof![3 => 0u16..=64, 1 => 0u16..=1023],
        any::<bool>(),
        0u8..3,
        (field_ref(), any::<u16>()),
        (field_ref(), any::<u16>()),
        vec(any::<u8>(), 128),
    )
        .prop_map(|(n_bits, immediate, dst_kind, (sf, so), (df, dof), imm)| {
            let dst = match dst_kind {
                0 => LearnDst::Match {
                    field: df,
                    ofs: dof,
                },
                1 => LearnDst::Load {
                    field: df,
                    ofs: dof,
                },
                _ => LearnDst::Output,
            };
            // A zero spec header ends the list: a field-to-match spec needs a bit at least.
            let n_bits = if !immediate && dst_kind == 0 {
                n_bits.max(1)
            } else {
                n_bits
            };
            let src = if immediate {
                LearnSrc::Immediate(imm[..imm_len(n_bits)].to_vec())
            } else {
                LearnSrc::Field { field: sf, ofs: so }
            };
            LearnSpec { src, dst, n_bits }
        })
}

fn learn() -> impl Strategy<Value = Learn> {
    (
        (any::<u16>(), any::<u16>(), any::<u16>(), any::<u64>()),
        (any::<u16>(), any::<u8>(), any::<u16>(), any::<u16>()),
        vec(learn_spec(), 0..5),
    )
        .prop_map(
            |(
                (idle_timeout, hard_timeout, priority, cookie),
                (flags, table_id, fin_idle_timeout, fin_hard_timeout),
                specs,
            )| Learn {
                idle_timeout,
                hard_timeout,
                priority,
                cookie,
                flags,
                table_id,
                fin_idle_timeout,
                fin_hard_timeout,
                specs,
            },
        )
}

fn nat() -> impl Strategy<Value = Nat> {
    (
        any::<u16>(),
        opt(v4()),
        opt(v4()),
        opt(v6()),
        opt(v6()),
        opt(any::<u16>()),
        opt(any::<u16>()),
    )
        .prop_map(
            |(flags, ipv4_min, ipv4_max, ipv6_min, ipv6_max, proto_min, proto_max)| Nat {
                flags,
                ipv4_min,
                ipv4_max,
                ipv6_min,
                ipv6_max,
                proto_min,
                proto_max,
            },
        )
}

/// `ct` whose nested actions may hold `ct` actions `depth - 1` levels deeper.
fn ct(depth: u32) -> impl Strategy<Value = Ct> {
    let zone = prop_oneof![
        any::<u16>().prop_map(CtZone::Imm),
        (1u32.., any::<u16>()).prop_map(|(f, ofs_nbits)| CtZone::Field {
            field: FieldRef(f),
            ofs_nbits,
        }),
    ];
    let recirc = prop_oneof![Just(None), (0u8..=254).prop_map(Some)];
    (
        any::<u16>(),
        zone,
        recirc,
        any::<u16>(),
        vec(action(depth - 1), 0..3),
    )
        .prop_map(|(flags, zone, recirc_table, alg, actions)| Ct {
            flags,
            zone,
            recirc_table,
            alg,
            actions,
        })
}

/// NX subtypes the crate decodes to a typed [`NxAction`].
const TYPED_NX_SUBTYPES: [u16; 17] = [
    subtype::RESUBMIT,
    subtype::REG_MOVE,
    subtype::REG_LOAD,
    subtype::NOTE,
    subtype::RESUBMIT_TABLE,
    subtype::LEARN,
    subtype::DEC_TTL,
    subtype::FIN_TIMEOUT,
    subtype::CONTROLLER,
    subtype::STACK_PUSH,
    subtype::STACK_POP,
    subtype::SAMPLE,
    subtype::CONJUNCTION,
    subtype::CT,
    subtype::NAT,
    subtype::OUTPUT_TRUNC,
    subtype::CT_CLEAR,
];

/// Raw NX actions: untyped subtypes, and typed ones in a form the typed value cannot represent
/// (non-zero padding, reserved bits, experimenter field headers, extra padding). A raw `ct` is
/// still a `ct` to the nesting limit, so it comes only where `depth > 0`.
fn nx_unknown(depth: u32) -> BoxedStrategy<NxAction> {
    let raw = |st: u16, data: Vec<u8>| NxAction::Unknown { subtype: st, data };
    let experimenter_field = any::<u32>().prop_map(|v| (v & 0xffff) | 0xffff_0000);
    let arms = prop_oneof![
        // Subtypes with no typed form (exit, reg_load2, controller2, sample2, ...).
        4 => (
            prop_oneof![
                select(vec![
                    subtype::EXIT,
                    subtype::REG_LOAD2,
                    subtype::CONTROLLER2,
                    subtype::SAMPLE2
                ]),
                any::<u16>().prop_filter("typed subtype", |s| !TYPED_NX_SUBTYPES.contains(s)),
            ],
            bytes_8k_plus(6, 3)
        )
            .prop_map(move |(st, data)| raw(st, data)),
        // Fixed-size actions with non-zero padding.
        1 => bytes_nonzero_in(6, 2..6).prop_map(move |d| raw(subtype::RESUBMIT, d)),
        1 => bytes_nonzero_in(6, 3..6).prop_map(move |d| raw(subtype::RESUBMIT_TABLE, d)),
        1 => bytes_nonzero_in(6, 0..6).prop_map(move |d| raw(subtype::DEC_TTL, d)),
        1 => bytes_nonzero_in(6, 0..6).prop_map(move |d| raw(subtype::CT_CLEAR, d)),
        1 => bytes_nonzero_in(6, 4..6).prop_map(move |d| raw(subtype::FIN_TIMEOUT, d)),
        1 => bytes_nonzero_in(6, 5..6).prop_map(move |d| raw(subtype::CONTROLLER, d)),
        1 => (select(vec![subtype::STACK_PUSH, subtype::STACK_POP]), bytes_nonzero_in(14, 8..14))
            .prop_map(move |(st, mut d)| {
                d[2] &= 0x7f; // keep the field header out of the experimenter class
                raw(st, d)
            }),
        // push/pop and move with experimenter-class field headers.
        1 => (
            select(vec![subtype::STACK_PUSH, subtype::STACK_POP]),
            vec(any::<u8>(), 14),
            experimenter_field.clone()
        )
            .prop_map(move |(st, mut d, f)| {
                d[2..6].copy_from_slice(&f.to_be_bytes());
                d[8..].fill(0);
                raw(st, d)
            }),
        1 => (vec(any::<u8>(), 14), experimenter_field.clone()).prop_map(move |(mut d, f)| {
            d[6..10].copy_from_slice(&f.to_be_bytes());
            raw(subtype::REG_MOVE, d)
        }),
        1 => (vec(any::<u8>(), 14), experimenter_field, 0u32..0xffff_0000).prop_map(
            move |(mut d, exp, plain)| {
                d[6..10].copy_from_slice(&plain.to_be_bytes());
                d[10..14].copy_from_slice(&exp.to_be_bytes());
                raw(subtype::REG_MOVE, d)
            }
        ),
        // move with 8-byte experimenter headers is 32 bytes long.
        1 => vec(any::<u8>(), 22).prop_map(move |d| raw(subtype::REG_MOVE, d)),
        // learn: a spec header with reserved bits, or padding longer than OVS writes.
        1 => (vec(any::<u8>(), 30), 0u16..0x4000).prop_map(move |(mut d, h)| {
            d[22..24].copy_from_slice(&(h | 0xc000).to_be_bytes());
            raw(subtype::LEARN, d)
        }),
        1 => (vec(any::<u8>(), 22), bytes(6)).prop_map(move |(mut d, tail)| {
            d.extend_from_slice(&[0, 0]);
            d.extend_from_slice(&tail);
            d.resize(30, 0);
            raw(subtype::LEARN, d)
        }),
        // nat with range bits this crate does not know.
        1 => (any::<u16>(), 1u16..1024).prop_map(move |(flags, high)| {
            let mut d = vec![0, 0];
            d.extend_from_slice(&flags.to_be_bytes());
            d.extend_from_slice(&(high << 6).to_be_bytes());
            raw(subtype::NAT, d)
        }),
    ];
    if depth == 0 {
        return arms.boxed();
    }
    // ct with non-zero padding.
    let raw_ct = bytes_nonzero_in(14, 9..12).prop_map(move |d| raw(subtype::CT, d));
    prop_oneof![16 => arms, 1 => raw_ct].boxed()
}

/// Every [`NxAction`] variant; `ct` only when `depth > 0`, its actions at `depth - 1`.
fn nx_action(depth: u32) -> BoxedStrategy<NxAction> {
    let mut arms: Vec<(u32, BoxedStrategy<NxAction>)> = vec![
        (
            2,
            any::<u16>()
                .prop_map(|in_port| NxAction::Resubmit { in_port })
                .boxed(),
        ),
        (
            3,
            (any::<u16>(), any::<u8>())
                .prop_map(|(in_port, table)| NxAction::ResubmitTable { in_port, table })
                .boxed(),
        ),
        (
            2,
            (
                any::<u16>(),
                any::<u16>(),
                any::<u16>(),
                plain_field_ref(),
                plain_field_ref(),
            )
                .prop_map(|(n_bits, src_ofs, dst_ofs, src, dst)| NxAction::RegMove {
                    n_bits,
                    src_ofs,
                    dst_ofs,
                    src,
                    dst,
                })
                .boxed(),
        ),
        (
            3,
            (any::<u16>(), field_ref(), any::<u64>())
                .prop_map(|(ofs_nbits, dst, value)| NxAction::RegLoad {
                    ofs_nbits,
                    dst,
                    value,
                })
                .boxed(),
        ),
        (
            2,
            prop_oneof![bytes(12), bytes(80)]
                .prop_map(|b| NxAction::Note(Note::new(b)))
                .boxed(),
        ),
        (3, learn().prop_map(NxAction::Learn).boxed()),
        (
            2,
            (any::<u8>(), any::<u8>(), any::<u32>())
                .prop_map(|(clause, n_clauses, id)| NxAction::Conjunction {
                    clause,
                    n_clauses,
                    id,
                })
                .boxed(),
        ),
        (2, nat().prop_map(NxAction::Nat).boxed()),
        (1, Just(NxAction::CtClear).boxed()),
        (
            1,
            (any::<u16>(), any::<u16>(), any::<u8>())
                .prop_map(|(max_len, controller_id, reason)| NxAction::Controller {
                    max_len,
                    controller_id,
                    reason,
                })
                .boxed(),
        ),
        (
            1,
            (any::<u16>(), any::<u16>())
                .prop_map(|(idle_timeout, hard_timeout)| NxAction::FinTimeout {
                    idle_timeout,
                    hard_timeout,
                })
                .boxed(),
        ),
        (
            1,
            (any::<u16>(), any::<u32>())
                .prop_map(|(port, max_len)| NxAction::OutputTrunc { port, max_len })
                .boxed(),
        ),
        (
            1,
            (any::<u16>(), any::<u32>(), any::<u32>(), any::<u32>())
                .prop_map(
                    |(probability, collector_set_id, obs_domain_id, obs_point_id)| {
                        NxAction::Sample {
                            probability,
                            collector_set_id,
                            obs_domain_id,
                            obs_point_id,
                        }
                    },
                )
                .boxed(),
        ),
        (
            1,
            (any::<u16>(), plain_field_ref(), any::<u16>(), any::<bool>())
                .prop_map(|(offset, field, n_bits, push)| {
                    if push {
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
                })
                .boxed(),
        ),
        (1, Just(NxAction::DecTtl).boxed()),
        (2, nx_unknown(depth)),
    ];
    if depth > 0 {
        arms.push((3, ct(depth).prop_map(NxAction::Ct).boxed()));
    }
    Union::new_weighted(arms).boxed()
}

// ---------------------------------------------------------------------------------------------
// Actions and instructions

/// Standard action types the crate types (the rest are kept raw).
fn is_typed_action_type(ty: u16) -> bool {
    matches!(
        ty,
        ofpat::OUTPUT | ofpat::COPY_TTL_OUT | ofpat::COPY_TTL_IN | ofpat::SET_MPLS_TTL
            ..=ofpat::POP_PBB | ofpat::EXPERIMENTER
    )
}

/// Raw actions: unknown types, other experimenters, and typed ones in non-canonical forms.
fn raw_action() -> BoxedStrategy<Action> {
    let padded8 = vec![
        ofpat::COPY_TTL_OUT,
        ofpat::COPY_TTL_IN,
        ofpat::SET_MPLS_TTL,
        ofpat::DEC_MPLS_TTL,
        ofpat::PUSH_VLAN,
        ofpat::POP_VLAN,
        ofpat::PUSH_MPLS,
        ofpat::POP_MPLS,
        ofpat::SET_NW_TTL,
        ofpat::DEC_NW_TTL,
        ofpat::PUSH_PBB,
        ofpat::POP_PBB,
    ];
    prop_oneof![
        3 => (
            any::<u16>().prop_filter("typed action type", |t| !is_typed_action_type(*t)),
            bytes_8k_plus(4, 3)
        )
            .prop_map(|(ty, data)| Action::Unknown { ty, data }),
        2 => (
            any::<u32>().prop_filter("Nicira actions are Action::Nx", |e| *e != NX_VENDOR_ID),
            bytes_8k_plus(0, 3)
        )
            .prop_map(|(experimenter, data)| Action::Experimenter { experimenter, data }),
        // The Nicira id with no room for a subtype.
        1 => Just(Action::Experimenter {
            experimenter: NX_VENDOR_ID,
            data: Vec::new(),
        }),
        // 8-byte actions whose last (padding) byte is not zero.
        1 => (select(padded8), bytes_nonzero_in(4, 3..4))
            .prop_map(|(ty, data)| Action::Unknown { ty, data }),
        1 => bytes_nonzero_in(12, 6..12).prop_map(|data| Action::Unknown {
            ty: ofpat::OUTPUT,
            data,
        }),
        // set_field with 8 more bytes of padding than needed, or non-zero padding.
        1 => (oxm_strategy(), any::<bool>(), 1u8..=255).prop_map(|(o, extra, b)| {
            let mut data = Vec::new();
            o.encode(&mut data);
            let padded = pad8_len(4 + data.len()) - 4;
            if extra || padded == data.len() {
                data.resize(padded + 8, 0);
            } else {
                data.resize(padded, 0);
            }
            *data.last_mut().unwrap() = if extra { 0 } else { b };
            Action::Unknown {
                ty: ofpat::SET_FIELD,
                data,
            }
        }),
    ]
    .boxed()
}

/// Every [`Action`] variant; `ct` may nest `depth` levels deep.
fn action(depth: u32) -> BoxedStrategy<Action> {
    prop_oneof![
        4 => (any::<u32>(), any::<u16>()).prop_map(|(port, max_len)| Action::Output { port, max_len }),
        1 => Just(Action::CopyTtlOut),
        1 => Just(Action::CopyTtlIn),
        1 => any::<u8>().prop_map(Action::SetMplsTtl),
        1 => Just(Action::DecMplsTtl),
        1 => any::<u16>().prop_map(Action::PushVlan),
        1 => Just(Action::PopVlan),
        1 => any::<u16>().prop_map(Action::PushMpls),
        1 => any::<u16>().prop_map(Action::PopMpls),
        1 => any::<u32>().prop_map(Action::SetQueue),
        1 => any::<u32>().prop_map(Action::Group),
        1 => any::<u8>().prop_map(Action::SetNwTtl),
        1 => Just(Action::DecNwTtl),
        5 => oxm_strategy().prop_map(Action::SetField),
        1 => any::<u16>().prop_map(Action::PushPbb),
        1 => Just(Action::PopPbb),
        14 => nx_action(depth).prop_map(Action::Nx),
        3 => raw_action(),
    ]
    .boxed()
}

/// Top-level actions: `ct` may nest as deep as the crate allows.
fn any_action() -> BoxedStrategy<Action> {
    action(u32::try_from(MAX_CT_NESTING).unwrap())
}

fn actions() -> BoxedStrategy<Vec<Action>> {
    vec(any_action(), 0..5).boxed()
}

/// A `ct` whose actions hold a `ct` whose actions hold … `levels` deep, among random actions:
/// random generation rarely nests deeper than one level.
fn ct_chain(levels: u32) -> BoxedStrategy<Action> {
    let outer = ct(1);
    if levels <= 1 {
        return outer.prop_map(|c| Action::Nx(NxAction::Ct(c))).boxed();
    }
    (outer, ct_chain(levels - 1), any::<Index>())
        .prop_map(|(mut c, inner, at)| {
            let at = at.index(c.actions.len() + 1);
            c.actions.insert(at, inner);
            Action::Nx(NxAction::Ct(c))
        })
        .boxed()
}

/// Every [`Instruction`] variant, raw ones in the forms the decoder keeps raw.
fn instruction() -> BoxedStrategy<Instruction> {
    prop_oneof![
        3 => any::<u8>().prop_map(Instruction::GotoTable),
        2 => (any::<u64>(), any::<u64>())
            .prop_map(|(metadata, mask)| Instruction::WriteMetadata { metadata, mask }),
        3 => actions().prop_map(Instruction::WriteActions),
        5 => actions().prop_map(Instruction::ApplyActions),
        1 => Just(Instruction::ClearActions),
        1 => any::<u32>().prop_map(Instruction::Meter),
        1 => (any::<u32>(), bytes_8k_plus(0, 3))
            .prop_map(|(experimenter, data)| Instruction::Experimenter { experimenter, data }),
        1 => (
            any::<u16>().prop_filter("typed instruction type", |t| {
                !matches!(*t, ofpit::GOTO_TABLE..=ofpit::METER | ofpit::EXPERIMENTER)
            }),
            bytes_8k_plus(4, 3)
        )
            .prop_map(|(ty, data)| Instruction::Unknown { ty, data }),
        // Typed instructions with non-zero padding.
        1 => prop_oneof![
            bytes_nonzero_in(4, 1..4).prop_map(|d| (ofpit::GOTO_TABLE, d)),
            bytes_nonzero_in(20, 0..4).prop_map(|d| (ofpit::WRITE_METADATA, d)),
            bytes_nonzero_in(4, 0..4).prop_map(|d| (ofpit::CLEAR_ACTIONS, d)),
            (
                select(vec![ofpit::WRITE_ACTIONS, ofpit::APPLY_ACTIONS]),
                bytes_nonzero_in(4, 0..4),
                bytes_8k_plus(0, 2)
            )
                .prop_map(|(ty, mut d, tail)| {
                    d.extend(tail);
                    (ty, d)
                }),
        ]
        .prop_map(|(ty, data)| Instruction::Unknown { ty, data }),
    ]
    .boxed()
}

fn instructions() -> BoxedStrategy<Vec<Instruction>> {
    vec(instruction(), 0..4).boxed()
}

// ---------------------------------------------------------------------------------------------
// Messages

fn port() -> impl Strategy<Value = Port> {
    ((any::<u32>(), mac(), ascii(15)), any::<[u32; 8]>()).prop_map(
        |((port_no, hw_addr, name), n)| Port {
            port_no,
            hw_addr,
            name,
            config: n[0],
            state: n[1],
            curr: n[2],
            advertised: n[3],
            supported: n[4],
            peer: n[5],
            curr_speed: n[6],
            max_speed: n[7],
        },
    )
}

fn flow_mod() -> BoxedStrategy<FlowMod> {
    let command = prop_oneof![
        Just(FlowModCommand::Add),
        Just(FlowModCommand::Modify),
        Just(FlowModCommand::ModifyStrict),
        Just(FlowModCommand::Delete),
        Just(FlowModCommand::DeleteStrict),
        (5u8..=255).prop_map(FlowModCommand::Other),
    ];
    (
        (any::<u64>(), any::<u64>(), any::<u8>(), command),
        (any::<u16>(), any::<u16>(), any::<u16>()),
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<u16>()),
        match_strategy(),
        instructions(),
    )
        .prop_map(
            |(
                (cookie, cookie_mask, table_id, command),
                (idle_timeout, hard_timeout, priority),
                (buffer_id, out_port, out_group, flags),
                match_,
                instructions,
            )| FlowMod {
                cookie,
                cookie_mask,
                table_id,
                command,
                idle_timeout,
                hard_timeout,
                priority,
                buffer_id,
                out_port,
                out_group,
                flags,
                match_,
                instructions,
            },
        )
        .boxed()
}

fn bucket() -> impl Strategy<Value = Bucket> {
    (
        any::<u16>(),
        any::<u32>(),
        any::<u32>(),
        vec(any_action(), 0..4),
    )
        .prop_map(|(weight, watch_port, watch_group, actions)| Bucket {
            weight,
            watch_port,
            watch_group,
            actions,
        })
}

fn meter_band() -> impl Strategy<Value = MeterBand> {
    prop_oneof![
        (any::<u32>(), any::<u32>())
            .prop_map(|(rate, burst_size)| MeterBand::Drop { rate, burst_size }),
        (any::<u32>(), any::<u32>(), any::<u8>()).prop_map(|(rate, burst_size, prec_level)| {
            MeterBand::DscpRemark {
                rate,
                burst_size,
                prec_level,
            }
        }),
        (any::<u32>(), any::<u32>(), any::<u32>(), bytes(16)).prop_map(
            |(rate, burst_size, experimenter, data)| MeterBand::Experimenter {
                rate,
                burst_size,
                experimenter,
                data,
            }
        ),
        (
            any::<u16>().prop_filter("typed band type", |t| !matches!(*t, 1 | 2 | 0xffff)),
            vec(any::<u8>(), 12..=28)
        )
            .prop_map(|(band_type, data)| MeterBand::Unknown { band_type, data }),
    ]
}

fn hello() -> impl Strategy<Value = Hello> {
    let element = prop_oneof![
        vec(any::<u32>(), 0..4).prop_map(HelloElement::VersionBitmap),
        (
            any::<u16>().prop_filter("the version bitmap is typed", |t| *t != 1),
            bytes(20)
        )
            .prop_map(|(ty, data)| HelloElement::Unknown { ty, data }),
    ];
    vec(element, 0..4).prop_map(|elements| Hello { elements })
}

fn error_msg() -> impl Strategy<Value = ErrorMsg> {
    prop_oneof![
        (
            any::<u16>().prop_filter("experimenter", |t| *t != OFPET_EXPERIMENTER),
            any::<u16>(),
            bytes(80)
        )
            .prop_map(|(ty, code, data)| ErrorMsg {
                ty,
                code,
                experimenter: None,
                data,
            }),
        (any::<u16>(), any::<u32>(), bytes(32)).prop_map(|(code, exp, data)| ErrorMsg {
            ty: OFPET_EXPERIMENTER,
            code,
            experimenter: Some(exp),
            data,
        }),
    ]
}

fn bundle_ctrl_type() -> impl Strategy<Value = BundleCtrlType> {
    prop_oneof![
        select(vec![
            BundleCtrlType::OpenRequest,
            BundleCtrlType::OpenReply,
            BundleCtrlType::CloseRequest,
            BundleCtrlType::CloseReply,
            BundleCtrlType::CommitRequest,
            BundleCtrlType::CommitReply,
            BundleCtrlType::DiscardRequest,
            BundleCtrlType::DiscardReply,
        ]),
        (8u16..).prop_map(BundleCtrlType::Other),
    ]
}

fn flow_stats_request() -> impl Strategy<Value = FlowStatsRequest> {
    (
        any::<u8>(),
        any::<u32>(),
        any::<u32>(),
        any::<u64>(),
        any::<u64>(),
        match_strategy(),
    )
        .prop_map(
            |(table_id, out_port, out_group, cookie, cookie_mask, match_)| FlowStatsRequest {
                table_id,
                out_port,
                out_group,
                cookie,
                cookie_mask,
                match_,
            },
        )
}

fn table_features() -> impl Strategy<Value = TableFeatures> {
    let prop = (any::<u16>(), bytes(20))
        .prop_map(|(prop_type, data)| TableFeatureProp { prop_type, data });
    (
        (any::<u8>(), ascii(31), any::<u64>(), any::<u64>()),
        (any::<u32>(), any::<u32>()),
        vec(prop, 0..4),
    )
        .prop_map(
            |(
                (table_id, name, metadata_match, metadata_write),
                (config, max_entries),
                properties,
            )| TableFeatures {
                table_id,
                name,
                metadata_match,
                metadata_write,
                config,
                max_entries,
                properties,
            },
        )
}

fn multipart_request() -> impl Strategy<Value = MultipartRequest> {
    use MultipartRequestBody as Q;
    let body = prop_oneof![
        1 => Just(Q::Desc),
        3 => flow_stats_request().prop_map(Q::Flow),
        2 => flow_stats_request().prop_map(Q::Aggregate),
        1 => Just(Q::Table),
        1 => any::<u32>().prop_map(|port_no| Q::PortStats { port_no }),
        1 => (any::<u32>(), any::<u32>()).prop_map(|(port_no, queue_id)| Q::Queue { port_no, queue_id }),
        1 => any::<u32>().prop_map(|group_id| Q::Group { group_id }),
        1 => Just(Q::GroupDesc),
        1 => Just(Q::GroupFeatures),
        1 => any::<u32>().prop_map(|meter_id| Q::Meter { meter_id }),
        1 => any::<u32>().prop_map(|meter_id| Q::MeterConfig { meter_id }),
        1 => Just(Q::MeterFeatures),
        1 => vec(table_features(), 0..3).prop_map(Q::TableFeatures),
        1 => Just(Q::PortDesc),
        1 => (any::<u32>(), any::<u32>(), bytes(24)).prop_map(|(experimenter, exp_type, data)| {
            Q::Experimenter {
                experimenter,
                exp_type,
                data,
            }
        }),
        1 => (14u16..OFPMP_EXPERIMENTER, bytes(24)).prop_map(|(mp_type, body)| Q::Unknown { mp_type, body }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartRequest { flags, body })
}

fn flow_stats() -> impl Strategy<Value = FlowStats> {
    (
        (any::<u8>(), any::<u32>(), any::<u32>(), any::<u16>()),
        (any::<u16>(), any::<u16>(), any::<u16>()),
        (any::<u64>(), any::<u64>(), any::<u64>()),
        match_strategy(),
        instructions(),
    )
        .prop_map(
            |(
                (table_id, duration_sec, duration_nsec, priority),
                (idle_timeout, hard_timeout, flags),
                (cookie, packet_count, byte_count),
                match_,
                instructions,
            )| FlowStats {
                table_id,
                duration_sec,
                duration_nsec,
                priority,
                idle_timeout,
                hard_timeout,
                flags,
                cookie,
                packet_count,
                byte_count,
                match_,
                instructions,
            },
        )
}

fn port_stats() -> impl Strategy<Value = PortStats> {
    (any::<u32>(), any::<[u64; 12]>(), any::<u32>(), any::<u32>()).prop_map(
        |(port_no, c, duration_sec, duration_nsec)| PortStats {
            port_no,
            rx_packets: c[0],
            tx_packets: c[1],
            rx_bytes: c[2],
            tx_bytes: c[3],
            rx_dropped: c[4],
            tx_dropped: c[5],
            rx_errors: c[6],
            tx_errors: c[7],
            rx_frame_err: c[8],
            rx_over_err: c[9],
            rx_crc_err: c[10],
            collisions: c[11],
            duration_sec,
            duration_nsec,
        },
    )
}

fn multipart_reply() -> impl Strategy<Value = MultipartReply> {
    use MultipartReplyBody as R;
    let desc = (ascii(255), ascii(255), ascii(255), ascii(31), ascii(255)).prop_map(
        |(mfr_desc, hw_desc, sw_desc, serial_num, dp_desc)| Desc {
            mfr_desc,
            hw_desc,
            sw_desc,
            serial_num,
            dp_desc,
        },
    );
    let table_stats = (any::<u8>(), any::<u32>(), any::<u64>(), any::<u64>()).prop_map(
        |(table_id, active_count, lookup_count, matched_count)| TableStats {
            table_id,
            active_count,
            lookup_count,
            matched_count,
        },
    );
    let queue_stats = (
        (any::<u32>(), any::<u32>()),
        (any::<u64>(), any::<u64>(), any::<u64>()),
        (any::<u32>(), any::<u32>()),
    )
        .prop_map(
            |(
                (port_no, queue_id),
                (tx_bytes, tx_packets, tx_errors),
                (duration_sec, duration_nsec),
            )| QueueStats {
                port_no,
                queue_id,
                tx_bytes,
                tx_packets,
                tx_errors,
                duration_sec,
                duration_nsec,
            },
        );
    let group_stats = (
        (any::<u32>(), any::<u32>(), any::<u64>(), any::<u64>()),
        (any::<u32>(), any::<u32>()),
        vec(
            (any::<u64>(), any::<u64>()).prop_map(|(packet_count, byte_count)| BucketCounter {
                packet_count,
                byte_count,
            }),
            0..4,
        ),
    )
        .prop_map(
            |(
                (group_id, ref_count, packet_count, byte_count),
                (duration_sec, duration_nsec),
                bucket_stats,
            )| GroupStats {
                group_id,
                ref_count,
                packet_count,
                byte_count,
                duration_sec,
                duration_nsec,
                bucket_stats,
            },
        );
    let group_desc = (any::<u8>(), any::<u32>(), vec(bucket(), 0..3)).prop_map(
        |(group_type, group_id, buckets)| GroupDesc {
            group_type,
            group_id,
            buckets,
        },
    );
    let meter_stats = (
        (any::<u32>(), any::<u32>(), any::<u64>(), any::<u64>()),
        (any::<u32>(), any::<u32>()),
        vec(
            (any::<u64>(), any::<u64>()).prop_map(|(packet_band_count, byte_band_count)| {
                MeterBandStats {
                    packet_band_count,
                    byte_band_count,
                }
            }),
            0..4,
        ),
    )
        .prop_map(
            |(
                (meter_id, flow_count, packet_in_count, byte_in_count),
                (duration_sec, duration_nsec),
                band_stats,
            )| MeterStats {
                meter_id,
                flow_count,
                packet_in_count,
                byte_in_count,
                duration_sec,
                duration_nsec,
                band_stats,
            },
        );
    let meter_config = (any::<u16>(), any::<u32>(), vec(meter_band(), 0..4)).prop_map(
        |(flags, meter_id, bands)| MeterConfig {
            flags,
            meter_id,
            bands,
        },
    );
    let body = prop_oneof![
        1 => desc.prop_map(R::Desc),
        4 => vec(flow_stats(), 0..4).prop_map(R::Flow),
        1 => (any::<u64>(), any::<u64>(), any::<u32>()).prop_map(
            |(packet_count, byte_count, flow_count)| R::Aggregate {
                packet_count,
                byte_count,
                flow_count,
            }
        ),
        1 => vec(table_stats, 0..4).prop_map(R::Table),
        1 => vec(port_stats(), 0..4).prop_map(R::PortStats),
        1 => vec(queue_stats, 0..4).prop_map(R::Queue),
        1 => vec(group_stats, 0..3).prop_map(R::Group),
        2 => vec(group_desc, 0..3).prop_map(R::GroupDesc),
        1 => (any::<u32>(), any::<u32>(), any::<[u32; 4]>(), any::<[u32; 4]>()).prop_map(
            |(types, capabilities, max_groups, actions)| R::GroupFeatures {
                types,
                capabilities,
                max_groups,
                actions,
            }
        ),
        1 => vec(meter_stats, 0..3).prop_map(R::Meter),
        1 => vec(meter_config, 0..3).prop_map(R::MeterConfig),
        1 => (any::<u32>(), any::<u32>(), any::<u32>(), any::<u8>(), any::<u8>()).prop_map(
            |(max_meter, band_types, capabilities, max_bands, max_color)| R::MeterFeatures {
                max_meter,
                band_types,
                capabilities,
                max_bands,
                max_color,
            }
        ),
        1 => vec(table_features(), 0..3).prop_map(R::TableFeatures),
        2 => vec(port(), 0..4).prop_map(R::PortDesc),
        1 => (any::<u32>(), any::<u32>(), bytes(24)).prop_map(|(experimenter, exp_type, data)| {
            R::Experimenter {
                experimenter,
                exp_type,
                data,
            }
        }),
        1 => (14u16..OFPMP_EXPERIMENTER, bytes(24)).prop_map(|(mp_type, body)| R::Unknown { mp_type, body }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartReply { flags, body })
}

/// Every message body but `BundleAdd`.
fn leaf_body() -> BoxedStrategy<MessageBody> {
    use MessageBody as B;
    let config = (any::<u16>(), any::<u16>()).prop_map(|(flags, miss_send_len)| SwitchConfig {
        flags,
        miss_send_len,
    });
    let role = (any::<u32>(), any::<u64>()).prop_map(|(role, generation_id)| Role {
        role,
        generation_id,
    });
    let async_config = any::<[[u32; 2]; 3]>().prop_map(|m| AsyncConfig {
        packet_in_mask: m[0],
        port_status_mask: m[1],
        flow_removed_mask: m[2],
    });
    let queue = (
        any::<u32>(),
        any::<u32>(),
        vec(
            (any::<u16>(), bytes(16)).prop_map(|(property, data)| QueueProp { property, data }),
            0..3,
        ),
    )
        .prop_map(|(queue_id, port, properties)| PacketQueue {
            queue_id,
            port,
            properties,
        });
    prop_oneof![
        2 => hello().prop_map(B::Hello),
        2 => error_msg().prop_map(B::Error),
        1 => bytes(64).prop_map(B::EchoRequest),
        1 => bytes(64).prop_map(B::EchoReply),
        1 => (any::<u32>(), any::<u32>(), bytes(32))
            .prop_filter("ONF bundle messages are typed", |(e, t, _)| {
                !(*e == ONF_EXPERIMENTER
                    && matches!(*t, ONFT_BUNDLE_CONTROL | ONFT_BUNDLE_ADD_MESSAGE))
            })
            .prop_map(|(experimenter, exp_type, data)| B::Experimenter(Experimenter {
                experimenter,
                exp_type,
                data,
            })),
        2 => (any::<u32>(), bundle_ctrl_type(), any::<u16>(), bytes(24)).prop_map(
            |(bundle_id, ctrl_type, flags, properties)| B::BundleControl(BundleControl {
                bundle_id,
                ctrl_type,
                flags,
                properties,
            })
        ),
        1 => Just(B::FeaturesRequest),
        1 => (any::<u64>(), any::<u32>(), any::<u8>(), any::<u8>(), any::<u32>(), any::<u32>())
            .prop_map(
                |(datapath_id, n_buffers, n_tables, auxiliary_id, capabilities, reserved)| {
                    B::FeaturesReply(SwitchFeatures {
                        datapath_id,
                        n_buffers,
                        n_tables,
                        auxiliary_id,
                        capabilities,
                        reserved,
                    })
                }
            ),
        1 => Just(B::GetConfigRequest),
        1 => config.clone().prop_map(B::GetConfigReply),
        1 => config.prop_map(B::SetConfig),
        3 => (
            (any::<u32>(), any::<u16>(), any::<u8>(), any::<u8>(), any::<u64>()),
            match_strategy(),
            bytes(96)
        )
            .prop_map(
                |((buffer_id, total_len, reason, table_id, cookie), match_, data)| {
                    B::PacketIn(PacketIn {
                        buffer_id,
                        total_len,
                        reason,
                        table_id,
                        cookie,
                        match_,
                        data,
                    })
                }
            ),
        3 => (
            (any::<u64>(), any::<u16>(), any::<u8>(), any::<u8>()),
            (any::<u32>(), any::<u32>(), any::<u16>(), any::<u16>()),
            (any::<u64>(), any::<u64>()),
            match_strategy()
        )
            .prop_map(
                |(
                    (cookie, priority, reason, table_id),
                    (duration_sec, duration_nsec, idle_timeout, hard_timeout),
                    (packet_count, byte_count),
                    match_,
                )| B::FlowRemoved(FlowRemoved {
                    cookie,
                    priority,
                    reason,
                    table_id,
                    duration_sec,
                    duration_nsec,
                    idle_timeout,
                    hard_timeout,
                    packet_count,
                    byte_count,
                    match_,
                })
            ),
        2 => (any::<u8>(), port()).prop_map(|(reason, port)| B::PortStatus(PortStatus { reason, port })),
        3 => (any::<u32>(), any::<u32>(), actions(), bytes(96)).prop_map(
            |(buffer_id, in_port, actions, data)| B::PacketOut(PacketOut {
                buffer_id,
                in_port,
                actions,
                data,
            })
        ),
        8 => flow_mod().prop_map(B::FlowMod),
        3 => (any::<u16>(), any::<u8>(), any::<u32>(), vec(bucket(), 0..4)).prop_map(
            |(command, group_type, group_id, buckets)| B::GroupMod(GroupMod {
                command,
                group_type,
                group_id,
                buckets,
            })
        ),
        1 => (any::<u32>(), mac(), any::<u32>(), any::<u32>(), any::<u32>()).prop_map(
            |(port_no, hw_addr, config, mask, advertise)| B::PortMod(PortMod {
                port_no,
                hw_addr,
                config,
                mask,
                advertise,
            })
        ),
        1 => (any::<u8>(), any::<u32>())
            .prop_map(|(table_id, config)| B::TableMod(TableMod { table_id, config })),
        4 => multipart_request().prop_map(B::MultipartRequest),
        6 => multipart_reply().prop_map(B::MultipartReply),
        1 => Just(B::BarrierRequest),
        1 => Just(B::BarrierReply),
        1 => any::<u32>().prop_map(|port| B::QueueGetConfigRequest { port }),
        1 => (any::<u32>(), vec(queue, 0..3))
            .prop_map(|(port, queues)| B::QueueGetConfigReply(QueueGetConfigReply {
                port,
                queues
            })),
        1 => role.clone().prop_map(B::RoleRequest),
        1 => role.prop_map(B::RoleReply),
        1 => Just(B::GetAsyncRequest),
        1 => async_config.clone().prop_map(B::GetAsyncReply),
        1 => async_config.prop_map(B::SetAsync),
        2 => (any::<u16>(), any::<u16>(), any::<u32>(), vec(meter_band(), 0..4)).prop_map(
            |(command, flags, meter_id, bands)| B::MeterMod(MeterMod {
                command,
                flags,
                meter_id,
                bands,
            })
        ),
        1 => (30u8..=255, bytes(48)).prop_map(|(msg_type, body)| B::Unknown { msg_type, body }),
    ]
    .boxed()
}

/// A message; with `bundled`, possibly a `BundleAdd` around a message that is not itself a
/// bundle message (the ONF extension forbids nesting, and the codec refuses it both ways).
fn message_at(bundled: bool) -> BoxedStrategy<Message> {
    let body = if bundled {
        let inner = prop_oneof![
            3 => flow_mod().prop_map(|f| Message::new(0, MessageBody::FlowMod(f))),
            1 => message_at(false).prop_filter("bundles cannot nest", |m| {
                !matches!(m.body, MessageBody::BundleAdd(_) | MessageBody::BundleControl(_))
            }),
        ];
        let add = (any::<u32>(), any::<u16>(), any::<u32>(), inner, bytes(16)).prop_map(
            |(bundle_id, flags, xid, mut message, properties)| {
                message.xid = xid;
                MessageBody::BundleAdd(BundleAdd {
                    bundle_id,
                    flags,
                    message: Box::new(message),
                    properties,
                })
            },
        );
        prop_oneof![12 => leaf_body(), 1 => add].boxed()
    } else {
        leaf_body()
    };
    (any::<u32>(), body)
        .prop_map(|(xid, body)| Message::new(xid, body))
        .boxed()
}

fn message() -> BoxedStrategy<Message> {
    message_at(true)
}

/// `message` wrapped in one bundle-add per entry of `ids` (bundle id, flags, xid), innermost
/// first.
fn bundled(message: Message, ids: &[(u32, u16, u32)]) -> Message {
    ids.iter().fold(message, |inner, &(bundle_id, flags, xid)| {
        Message::new(
            xid,
            MessageBody::BundleAdd(BundleAdd::new(bundle_id, flags, inner)),
        )
    })
}

/// Bundle-adds nested around any message: never encodable, since bundles cannot nest.
fn bundle_chain() -> impl Strategy<Value = Message> {
    (
        any::<u32>(),
        leaf_body(),
        vec(any::<(u32, u16, u32)>(), 2..=3),
    )
        .prop_map(|(xid, body, ids)| bundled(Message::new(xid, body), &ids))
}

// ---------------------------------------------------------------------------------------------
// Checks

/// Whether the specification makes this message's length a multiple of 8 (every element in it
/// is padded to 8 bytes and its fixed part is a multiple of 8).
fn spec_requires_8_alignment(body: &MessageBody) -> bool {
    use MessageBody as B;
    use MultipartReplyBody as R;
    use MultipartRequestBody as Q;
    match body {
        B::Hello(_)
        | B::FeaturesRequest
        | B::FeaturesReply(_)
        | B::GetConfigRequest
        | B::FlowRemoved(_)
        | B::PortStatus(_)
        | B::FlowMod(_)
        | B::GroupMod(_)
        | B::PortMod(_)
        | B::TableMod(_)
        | B::BarrierRequest
        | B::BarrierReply
        | B::QueueGetConfigRequest { .. }
        | B::RoleRequest(_)
        | B::RoleReply(_)
        | B::GetAsyncRequest
        | B::GetAsyncReply(_)
        | B::SetAsync(_) => true,
        B::MultipartRequest(m) => matches!(
            m.body,
            Q::Desc
                | Q::Flow(_)
                | Q::Aggregate(_)
                | Q::Table
                | Q::PortStats { .. }
                | Q::Queue { .. }
                | Q::Group { .. }
                | Q::GroupDesc
                | Q::GroupFeatures
                | Q::Meter { .. }
                | Q::MeterConfig { .. }
                | Q::MeterFeatures
                | Q::PortDesc
        ),
        B::MultipartReply(m) => matches!(
            m.body,
            R::Desc(_)
                | R::Flow(_)
                | R::Aggregate { .. }
                | R::Table(_)
                | R::PortStats(_)
                | R::Queue(_)
                | R::Group(_)
                | R::GroupDesc(_)
                | R::GroupFeatures { .. }
                | R::Meter(_)
                | R::PortDesc(_)
        ),
        _ => false,
    }
}

/// The round-trip properties of a valid message.
fn check_message(m: &Message) -> Result<(), TestCaseError> {
    let bytes = m.encode_to_vec()?;
    let header = Header::peek(&bytes)?;
    prop_assert_eq!(usize::from(header.length), bytes.len());
    prop_assert_eq!(header.version, openflow::OFP_VERSION);
    prop_assert_eq!(header.msg_type, m.body.msg_type());
    prop_assert_eq!(header.xid, m.xid);
    if spec_requires_8_alignment(&m.body) {
        prop_assert_eq!(bytes.len() % 8, 0, "{} bytes", bytes.len());
    }
    let back = Message::decode(&bytes)?;
    prop_assert_eq!(&back, m);
    prop_assert_eq!(back.encode_to_vec()?, bytes);
    let _ = m.to_string();
    Ok(())
}

/// Whatever hostile bytes decoded to must encode, decode to an equal value and print.
fn check_decoded(m: &Message) -> Result<(), TestCaseError> {
    let bytes = m.encode_to_vec()?;
    let header = Header::peek(&bytes)?;
    prop_assert_eq!(usize::from(header.length), bytes.len());
    let again = Message::decode(&bytes)?;
    prop_assert_eq!(&again, m);
    let _ = m.to_string();
    Ok(())
}

/// Applies `(position, byte)` mutations to `bytes[from..]` and cuts that part at `cut` (if
/// given). Callers mutating a message fix its header length afterwards, so that the damage
/// reaches the body decoders instead of being refused by the framing check.
fn mutate(mut bytes: Vec<u8>, from: usize, edits: &[(Index, u8)], cut: Option<Index>) -> Vec<u8> {
    if bytes.len() > from {
        let span = bytes.len() - from;
        for (at, b) in edits {
            bytes[from + at.index(span)] = *b;
        }
        if let Some(cut) = cut {
            bytes.truncate(from + cut.index(span));
        }
    }
    bytes
}

/// Writes the buffer's length into the message header's length field.
fn fix_header_length(bytes: &mut [u8]) {
    let len = u16::try_from(bytes.len()).unwrap();
    bytes[2..4].copy_from_slice(&len.to_be_bytes());
}

/// Random bytes behind a valid 8-byte header of message type `t` (with a type-specific prefix
/// for experimenter and multipart messages), the header length fixed up.
fn framed(t: u8, xid: u32, prefix: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut b = vec![openflow::OFP_VERSION, t, 0, 0];
    b.extend_from_slice(&xid.to_be_bytes());
    b.extend_from_slice(prefix);
    b.extend_from_slice(tail);
    b.truncate(MAX_MESSAGE_LEN);
    fix_header_length(&mut b);
    b
}

/// The empty OXM match (`ofp_match` of type OXM, length 4, padded to 8 bytes).
const EMPTY_MATCH: [u8; 8] = [0, 1, 0, 4, 0, 0, 0, 0];

/// How a body of message type `t` begins: the length of its fixed part, and whether a match
/// follows it.
fn body_shape(t: u8) -> (usize, bool) {
    use openflow::message::msg_type::*;
    match t {
        ERROR => (4, false),
        FEATURES_REPLY | GET_ASYNC_REPLY | SET_ASYNC => (24, false),
        GET_CONFIG_REPLY | SET_CONFIG => (4, false),
        PACKET_IN => (16, true),
        FLOW_REMOVED | FLOW_MOD => (40, true),
        PORT_STATUS => (72, false),
        PACKET_OUT | ROLE_REQUEST | ROLE_REPLY => (16, false),
        PORT_MOD => (32, false),
        GROUP_MOD | TABLE_MOD | QUEUE_GET_CONFIG_REQUEST | QUEUE_GET_CONFIG_REPLY | METER_MOD => {
            (8, false)
        }
        _ => (0, false),
    }
}

/// A message type and the beginning of a body that steers random bytes into its decoder:
/// random bytes the size of the type's fixed part, an empty match where one follows, the ONF
/// ids for bundle messages, a multipart header for multipart messages.
fn garbage_head() -> impl Strategy<Value = (u8, Vec<u8>)> {
    let onf = |exp_type: u32| {
        let mut p = ONF_EXPERIMENTER.to_be_bytes().to_vec();
        p.extend_from_slice(&exp_type.to_be_bytes());
        p
    };
    let plain = (0u8..=29, vec(any::<u8>(), 72), any::<bool>()).prop_map(|(t, random, shaped)| {
        if !shaped {
            return (t, Vec::new());
        }
        let (fixed, with_match) = body_shape(t);
        let mut head = random[..fixed].to_vec();
        if t == openflow::message::msg_type::PACKET_OUT {
            head[8..10].fill(0); // actions_len: the rest is the frame
        }
        if with_match {
            head.extend_from_slice(&EMPTY_MATCH);
        }
        (t, head)
    });
    let multipart = (
        18u8..=19,
        prop_oneof![0u16..=13, Just(OFPMP_EXPERIMENTER), any::<u16>()],
        any::<u16>(),
        vec(any::<u8>(), 32),
        any::<bool>(),
    )
        .prop_map(|(t, mp, flags, fixed, with_match)| {
            let mut p = mp.to_be_bytes().to_vec();
            p.extend_from_slice(&flags.to_be_bytes());
            p.extend_from_slice(&[0; 4]);
            // Flow and aggregate requests: 32 fixed bytes, then a match.
            if t == openflow::message::msg_type::MULTIPART_REQUEST && mp <= 2 && with_match {
                p.extend_from_slice(&fixed);
                p.extend_from_slice(&EMPTY_MATCH);
            }
            (t, p)
        });
    // A bundle-add whose inner message has a valid header over a prefix of the random tail.
    let bundle_add = (any::<[u8; 8]>(), 0u8..=29, any::<u32>(), 0u16..64).prop_map(
        move |(fixed, inner_t, xid, inner_body)| {
            let mut p = onf(ONFT_BUNDLE_ADD_MESSAGE);
            p.extend_from_slice(&fixed);
            p.extend_from_slice(&[openflow::OFP_VERSION, inner_t]);
            p.extend_from_slice(&(inner_body + 8).to_be_bytes());
            p.extend_from_slice(&xid.to_be_bytes());
            (4, p)
        },
    );
    prop_oneof![
        8 => plain,
        1 => Just((4, onf(ONFT_BUNDLE_CONTROL))),
        2 => bundle_add,
        3 => multipart,
    ]
}

/// Random bytes, often few (fixed-size bodies must end exactly), sometimes many.
fn garbage_tail() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        1 => vec(any::<u8>(), 0..=8),
        2 => vec(any::<u8>(), 0..=64),
        3 => vec(any::<u8>(), 0..2048),
    ]
}

/// Feeds `stream` to an [`OfCodec`] in chunks of the given sizes (cycled), checking the framing
/// invariants on the way, and returns the messages it yields.
fn feed_codec(stream: &[u8], chunks: &[usize]) -> Result<Vec<Message>, TestCaseError> {
    let mut codec = OfCodec::new();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut rest = stream;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).min(rest.len());
        buf.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        prop_assert!(
            buf.len() <= MAX_MESSAGE_LEN + n,
            "{} bytes buffered",
            buf.len()
        );
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(Ok(m))) => {
                    check_decoded(&m)?;
                    out.push(m);
                }
                Ok(Some(Err(bad))) => {
                    prop_assert_eq!(bad.bytes.len(), usize::from(bad.header.length));
                    prop_assert!(Message::decode(&bad.bytes).is_err());
                    let _ = bad.to_string();
                }
                Ok(None) => {
                    prop_assert!(buf.len() < MAX_MESSAGE_LEN, "{} bytes buffered", buf.len());
                    break;
                }
                Err(e) => {
                    let _ = e.to_string();
                    return Ok(out);
                }
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Properties: valid values round-trip

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn oxm_round_trips(o in oxm_strategy()) {
        let mut out = Vec::new();
        o.encode(&mut out);
        prop_assert_eq!(out.len(), o.encoded_len());
        prop_assert_eq!(u32::from_be_bytes(out[..4].try_into().unwrap()), o.header());
        let mut r = Reader::new(&out);
        let back = Oxm::decode(&mut r)?;
        prop_assert!(r.is_empty());
        prop_assert_eq!(&back, &o);
        let _ = o.to_string();
    }

    #[test]
    fn match_round_trips(m in match_strategy()) {
        let mut out = Vec::new();
        m.encode(&mut out)?;
        prop_assert_eq!(out.len() % 8, 0);
        prop_assert_eq!(out.len(), pad8_len(m.unpadded_len()));
        let mut r = Reader::new(&out);
        let back = Match::decode(&mut r)?;
        prop_assert!(r.is_empty(), "{} bytes left", r.remaining());
        prop_assert_eq!(&back, &m);
        let _ = m.to_string();
        let _ = m.canonical();
    }

    #[test]
    fn action_round_trips(a in any_action()) {
        let mut out = Vec::new();
        a.encode(&mut out)?;
        prop_assert_eq!(out.len(), a.encoded_len());
        prop_assert_eq!(out.len() % 8, 0);
        let mut r = Reader::new(&out);
        let back = Action::decode(&mut r)?;
        prop_assert!(r.is_empty(), "{} bytes left", r.remaining());
        prop_assert_eq!(&back, &a);
        let _ = a.to_string();
    }

    #[test]
    fn action_list_round_trips(list in actions()) {
        let mut out = Vec::new();
        Action::encode_list(&list, &mut out)?;
        let mut r = Reader::new(&out);
        let back = Action::decode_list(&mut r)?;
        prop_assert!(r.is_empty());
        prop_assert_eq!(back, list);
    }

    #[test]
    fn instruction_round_trips(i in instruction()) {
        let mut out = Vec::new();
        i.encode(&mut out)?;
        prop_assert_eq!(out.len(), i.encoded_len());
        prop_assert_eq!(out.len() % 8, 0);
        let mut r = Reader::new(&out);
        let back = Instruction::decode(&mut r)?;
        prop_assert!(r.is_empty(), "{} bytes left", r.remaining());
        prop_assert_eq!(&back, &i);
        let _ = i.to_string();
    }

    #[test]
    fn message_round_trips(m in message()) {
        check_message(&m)?;
    }
}

proptest! {
    #![proptest_config(config(FOCUSED_CASES))]

    /// A stream of valid messages cut into random chunks: each comes out unchanged, in order.
    #[test]
    fn codec_frames_valid_streams(
        msgs in vec(message(), 1..5),
        chunks in vec(1usize..=300, 1..8),
    ) {
        let mut stream = Vec::new();
        for m in &msgs {
            m.encode(&mut stream)?;
        }
        let out = feed_codec(&stream, &chunks)?;
        prop_assert_eq!(out, msgs);
    }

    /// Flow mods on their own: every case carries a match and instructions.
    #[test]
    fn flow_mod_round_trips(f in flow_mod(), xid in any::<u32>()) {
        check_message(&Message::new(xid, MessageBody::FlowMod(f)))?;
    }

    #[test]
    fn bundle_add_of_flow_mod_round_trips(
        f in flow_mod(),
        (bundle_id, flags, xid) in any::<(u32, u16, u32)>(),
        properties in bytes(16),
    ) {
        let inner = Message::new(xid, MessageBody::FlowMod(f));
        let add = BundleAdd { properties, ..BundleAdd::new(bundle_id, flags, inner) };
        check_message(&Message::new(xid ^ 1, MessageBody::BundleAdd(add)))?;
    }

    #[test]
    fn ct_nested_to_the_limit_round_trips(
        a in (1..=u32::try_from(MAX_CT_NESTING).unwrap()).prop_flat_map(ct_chain),
        xid in any::<u32>(),
    ) {
        let mut out = Vec::new();
        a.encode(&mut out)?;
        prop_assert_eq!(out.len(), a.encoded_len());
        let back = Action::decode(&mut Reader::new(&out))?;
        prop_assert_eq!(&back, &a);
        let flow = FlowMod::add(0).instruction(Instruction::ApplyActions(vec![a]));
        check_message(&Message::new(xid, MessageBody::FlowMod(flow)))?;
    }

    #[test]
    fn nested_bundles_do_not_encode(m in bundle_chain()) {
        prop_assert!(m.encode_to_vec().is_err());
    }

    #[test]
    fn multipart_round_trips(req in multipart_request(), rep in multipart_reply(), xid in any::<u32>()) {
        check_message(&Message::new(xid, MessageBody::MultipartRequest(req)))?;
        check_message(&Message::new(xid, MessageBody::MultipartReply(rep)))?;
    }
}

// ---------------------------------------------------------------------------------------------
// Properties: hostile input

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn random_bytes_never_panic(data in vec(any::<u8>(), 0..2048)) {
        if let Ok(m) = Message::decode(&data) {
            check_decoded(&m)?;
        }
    }

    #[test]
    fn random_bodies_behind_valid_headers_never_panic(
        (t, head) in garbage_head(),
        xid in any::<u32>(),
        tail in garbage_tail(),
    ) {
        let bytes = framed(t, xid, &head, &tail);
        if let Ok(m) = Message::decode(&bytes) {
            check_decoded(&m)?;
        }
    }

    #[test]
    fn mutated_messages_never_panic(
        m in message(),
        edits in vec((any::<Index>(), any::<u8>()), 1..5),
        cut in opt(any::<Index>()),
    ) {
        let mut bytes = mutate(m.encode_to_vec()?, HEADER_LEN, &edits, cut);
        fix_header_length(&mut bytes);
        if let Ok(m) = Message::decode(&bytes) {
            check_decoded(&m)?;
        }
    }

    /// Action lists decode exactly: whatever decodes encodes to the very same bytes.
    #[test]
    fn mutated_action_lists_re_encode_exactly(
        list in actions(),
        edits in vec((any::<Index>(), any::<u8>()), 1..4),
        cut in opt(any::<Index>()),
    ) {
        let mut bytes = Vec::new();
        Action::encode_list(&list, &mut bytes)?;
        let bytes = mutate(bytes, 0, &edits, cut);
        if let Ok(back) = Action::decode_list(&mut Reader::new(&bytes)) {
            let mut again = Vec::new();
            Action::encode_list(&back, &mut again)?;
            prop_assert_eq!(again, bytes, "{:?}", back);
            for x in &back {
                let _ = x.to_string();
            }
        }
    }

    /// Instruction lists decode exactly too.
    #[test]
    fn mutated_instruction_lists_re_encode_exactly(
        list in instructions(),
        edits in vec((any::<Index>(), any::<u8>()), 1..4),
        cut in opt(any::<Index>()),
    ) {
        let mut bytes = Vec::new();
        Instruction::encode_list(&list, &mut bytes)?;
        let bytes = mutate(bytes, 0, &edits, cut);
        if let Ok(back) = Instruction::decode_list(&mut Reader::new(&bytes)) {
            let mut again = Vec::new();
            Instruction::encode_list(&back, &mut again)?;
            prop_assert_eq!(again, bytes, "{:?}", back);
            for x in &back {
                let _ = x.to_string();
            }
        }
    }

    /// One OXM TLV from random bytes re-encodes to exactly the bytes it was read from.
    #[test]
    fn random_oxm_re_encodes_exactly(data in vec(any::<u8>(), 0..64)) {
        let mut r = Reader::new(&data);
        if let Ok(o) = Oxm::decode(&mut r) {
            let used = data.len() - r.remaining();
            let mut again = Vec::new();
            o.encode(&mut again);
            prop_assert_eq!(&again[..], &data[..used]);
            let _ = o.to_string();
        }
    }

    #[test]
    fn random_actions_and_instructions_re_encode_exactly(data in vec(any::<u8>(), 0..256)) {
        if let Ok(list) = Action::decode_list(&mut Reader::new(&data)) {
            let mut again = Vec::new();
            Action::encode_list(&list, &mut again)?;
            prop_assert_eq!(&again, &data);
        }
        if let Ok(list) = Instruction::decode_list(&mut Reader::new(&data)) {
            let mut again = Vec::new();
            Instruction::encode_list(&list, &mut again)?;
            prop_assert_eq!(&again, &data);
        }
    }

    #[test]
    fn codec_survives_random_streams(
        data in vec(any::<u8>(), 0..2048),
        chunks in vec(1usize..=512, 1..8),
    ) {
        feed_codec(&data, &chunks)?;
    }
}

proptest! {
    #![proptest_config(config(BIG_FRAME_CASES))]

    /// Frames up to the 16-bit maximum, fed in big and small chunks: at most one frame and one
    /// chunk is ever buffered.
    #[test]
    fn codec_buffers_at_most_one_frame(
        sizes in vec(0usize..=MAX_MESSAGE_LEN - HEADER_LEN, 1..4),
        chunks in vec(1usize..=16_384, 1..6),
    ) {
        let msgs: Vec<Message> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let xid = u32::try_from(i).unwrap();
                Message::new(xid, MessageBody::EchoRequest(vec![0xa5; n]))
            })
            .collect();
        let mut stream = Vec::new();
        for m in &msgs {
            m.encode(&mut stream)?;
        }
        let out = feed_codec(&stream, &chunks)?;
        prop_assert_eq!(out, msgs);
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions found by the properties above

/// NUL-padded string fields (port names, switch descriptions, table names) that fill the whole
/// field without a NUL, or hold invalid UTF-8 that grows into U+FFFD, decoded to text longer than
/// encoding writes back (`Port::encode` keeps a NUL at the end), so the value changed on the way
/// (first seen as a PORT_STATUS with 16 bytes of 0x01 as its name).
#[test]
fn unterminated_and_invalid_utf8_string_fields_re_encode_to_the_same_value() {
    let port_status = Message::new(
        1,
        MessageBody::PortStatus(PortStatus {
            reason: 0,
            port: Port::default(),
        }),
    );
    let desc = Message::new(
        2,
        MessageBody::MultipartReply(MultipartReply::new(MultipartReplyBody::Desc(
            Desc::default(),
        ))),
    );
    let tables = Message::new(
        3,
        MessageBody::MultipartReply(MultipartReply::new(MultipartReplyBody::TableFeatures(
            vec![TableFeatures::default()],
        ))),
    );
    // (message, offset of the field, field length)
    let fields = [
        (&port_status, 32, 16),
        (&desc, 16, 256),
        (&desc, 16 + 3 * 256, 32),
        (&tables, 24, 32),
    ];
    for (msg, at, len) in fields {
        for fill in [
            vec![b'x'; len],
            vec![0xff; len],
            vec![0xe3; len],
            [vec![b'a'; len - 2], vec![0xc3, 0xa9]].concat(),
        ] {
            let mut bytes = msg.encode_to_vec().unwrap();
            bytes[at..at + len].copy_from_slice(&fill);
            let m = Message::decode(&bytes).unwrap();
            let again = Message::decode(&m.encode_to_vec().unwrap()).unwrap();
            assert_eq!(again, m, "field at {at} filled with {:#04x}", fill[0]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checks of the test's own assumptions

/// One `ct` more than the limit is refused when encoding, rather than written for the decoder to
/// refuse.
#[test]
fn ct_nested_past_the_limit_does_not_encode() {
    let mut a = Action::Nx(NxAction::Ct(Ct::commit()));
    for _ in 0..MAX_CT_NESTING {
        a = Action::Nx(NxAction::Ct(Ct::commit().action(a)));
    }
    assert!(a.encode(&mut Vec::new()).is_err(), "{a}");
}

/// The copy of `field_shape` above agrees with the decoder: a header it calls untyped decodes to
/// `Oxm::Unknown` whatever its size, one it calls typed decodes to a typed value at its size.
#[test]
fn unknown_oxm_picker_agrees_with_the_crate() {
    for class in [CLASS_NXM0, CLASS_NXM1, CLASS_BASIC, 0x1234] {
        for field in 0u8..128 {
            for masked in [false, true] {
                let (len, expect_raw) = match typed_shape(class, field) {
                    None => (5, true),
                    Some((size, maskable)) => {
                        (if masked { 2 * size } else { size }, masked && !maskable)
                    }
                };
                let mut bytes = oxm::header(class, field, masked, u8::try_from(len).unwrap())
                    .to_be_bytes()
                    .to_vec();
                bytes.resize(4 + len, 0);
                let o = Oxm::decode(&mut Reader::new(&bytes)).unwrap();
                assert_eq!(
                    matches!(o, Oxm::Unknown { .. }),
                    expect_raw,
                    "class {class:#x} field {field} masked {masked}: {o:?}"
                );
            }
        }
    }
}
