//! OpenFlow 1.3 actions (§7.2.5), with the Nicira extension actions of [`crate::nicira`].
//!
//! Every action is a TLV `type, len, body` whose `len` covers the header and is a multiple of 8.
//! The standard actions are typed; Nicira actions (experimenter `0x2320`) are
//! [`Action::Nx`]; other experimenters' actions are [`Action::Experimenter`] and unknown types
//! [`Action::Unknown`], both kept raw. Decoding is exact: an action is only decoded to a typed
//! value when encoding that value gives back the very same bytes; otherwise (non-zero padding,
//! a form not represented by the typed value) it is kept raw, so `encode(decode(bytes)) ==
//! bytes` for every input that decodes. A length that cannot be right (shorter than the fixed
//! part, longer than a fixed-size action, not a multiple of 8, past the end of the list) is a
//! [`DecodeError`]. Lengths are always computed when encoding.

use std::fmt;

use crate::buf::{Put, Reader, pad8, pad8_len, patch_len16, put_tlv16, zeros};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::nicira::{NX_VENDOR_ID, NxAction, fmt_hex_bytes};
use crate::oxm::Oxm;
use crate::port::{OFPP_CONTROLLER, PortNo};

/// Action types (`OFPAT_*`).
pub mod ofpat {
    /// `output`.
    pub const OUTPUT: u16 = 0;
    /// `copy_ttl_out`.
    pub const COPY_TTL_OUT: u16 = 11;
    /// `copy_ttl_in`.
    pub const COPY_TTL_IN: u16 = 12;
    /// `set_mpls_ttl`.
    pub const SET_MPLS_TTL: u16 = 15;
    /// `dec_mpls_ttl`.
    pub const DEC_MPLS_TTL: u16 = 16;
    /// `push_vlan`.
    pub const PUSH_VLAN: u16 = 17;
    /// `pop_vlan`.
    pub const POP_VLAN: u16 = 18;
    /// `push_mpls`.
    pub const PUSH_MPLS: u16 = 19;
    /// `pop_mpls`.
    pub const POP_MPLS: u16 = 20;
    /// `set_queue`.
    pub const SET_QUEUE: u16 = 21;
    /// `group`.
    pub const GROUP: u16 = 22;
    /// `set_nw_ttl`.
    pub const SET_NW_TTL: u16 = 23;
    /// `dec_nw_ttl`.
    pub const DEC_NW_TTL: u16 = 24;
    /// `set_field`.
    pub const SET_FIELD: u16 = 25;
    /// `push_pbb`.
    pub const PUSH_PBB: u16 = 26;
    /// `pop_pbb`.
    pub const POP_PBB: u16 = 27;
    /// Experimenter actions (Nicira and others).
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// `OFPCML_NO_BUFFER`: send the whole packet to the controller.
pub const OFPCML_NO_BUFFER: u16 = 0xffff;

/// How deep `ct` actions may nest inside each other's action lists, decoding or encoding.
/// Bounds the recursion hostile input can cause.
pub const MAX_CT_NESTING: usize = 4;

/// One action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// Output to `port`; `max_len` bytes go to the controller when `port` is `CONTROLLER`.
    Output {
        /// Port number (reserved ports included).
        port: u32,
        /// Bytes to send to the controller ([`OFPCML_NO_BUFFER`] for all).
        max_len: u16,
    },
    /// Copy the TTL outwards (`copy_ttl_out`).
    CopyTtlOut,
    /// Copy the TTL inwards (`copy_ttl_in`).
    CopyTtlIn,
    /// Set the MPLS TTL.
    SetMplsTtl(u8),
    /// Decrement the MPLS TTL.
    DecMplsTtl,
    /// Push a VLAN tag with this ethertype (0x8100 or 0x88a8).
    PushVlan(u16),
    /// Pop the outer VLAN tag.
    PopVlan,
    /// Push an MPLS label with this ethertype.
    PushMpls(u16),
    /// Pop an MPLS label; the ethertype is what the payload becomes.
    PopMpls(u16),
    /// Set the output queue.
    SetQueue(u32),
    /// Apply a group.
    Group(u32),
    /// Set the IP TTL.
    SetNwTtl(u8),
    /// Decrement the IP TTL (`dec_ttl`).
    DecNwTtl,
    /// Set a field (`set_field:value->field`).
    SetField(Oxm),
    /// Push a PBB service tag with this ethertype.
    PushPbb(u16),
    /// Pop the PBB service tag.
    PopPbb,
    /// A Nicira extension action.
    Nx(NxAction),
    /// Another experimenter's action, kept raw; `data` follows the experimenter id and its
    /// length must be a multiple of 8.
    Experimenter {
        /// Experimenter id (not [`NX_VENDOR_ID`] unless `data` is empty).
        experimenter: u32,
        /// The bytes after the experimenter id.
        data: Vec<u8>,
    },
    /// An action of a type this crate does not know (or a known type in a non-canonical form),
    /// kept raw; `4 + data.len()` must be a multiple of 8.
    Unknown {
        /// The action type.
        ty: u16,
        /// The bytes after the type and length.
        data: Vec<u8>,
    },
}

/// Fails unless an element of fixed size has exactly that size.
pub(crate) fn exact_len(
    start: usize,
    what: &'static str,
    len: usize,
    want: usize,
) -> Result<(), DecodeError> {
    if len == want {
        return Ok(());
    }
    let reason = match want {
        8 => "must be exactly 8 bytes",
        16 => "must be exactly 16 bytes",
        24 => "must be exactly 24 bytes",
        _ => "does not match the size of its type",
    };
    Err(DecodeError::new(
        start,
        DecodeErrorKind::BadLength { what, len, reason },
    ))
}

/// Fails if an element is shorter than its fixed part.
pub(crate) fn min_len(
    start: usize,
    what: &'static str,
    len: usize,
    min: usize,
) -> Result<(), DecodeError> {
    if len >= min {
        return Ok(());
    }
    let reason = match min {
        16 => "shorter than the 16 bytes of its fixed part",
        24 => "shorter than the 24 bytes of its fixed part",
        32 => "shorter than the 32 bytes of its fixed part",
        _ => "shorter than its fixed part",
    };
    Err(DecodeError::new(
        start,
        DecodeErrorKind::BadLength { what, len, reason },
    ))
}

/// Reads `n` padding bytes; whether they are all zero.
pub(crate) fn pad_is_zero(
    r: &mut Reader<'_>,
    n: usize,
    what: &'static str,
) -> Result<bool, DecodeError> {
    Ok(r.bytes(n, what)?.iter().all(|&b| b == 0))
}

fn type_name(ty: u16) -> &'static str {
    match ty {
        ofpat::OUTPUT => "output action",
        ofpat::COPY_TTL_OUT => "copy_ttl_out action",
        ofpat::COPY_TTL_IN => "copy_ttl_in action",
        ofpat::SET_MPLS_TTL => "set_mpls_ttl action",
        ofpat::DEC_MPLS_TTL => "dec_mpls_ttl action",
        ofpat::PUSH_VLAN => "push_vlan action",
        ofpat::POP_VLAN => "pop_vlan action",
        ofpat::PUSH_MPLS => "push_mpls action",
        ofpat::POP_MPLS => "pop_mpls action",
        ofpat::SET_QUEUE => "set_queue action",
        ofpat::GROUP => "group action",
        ofpat::SET_NW_TTL => "set_nw_ttl action",
        ofpat::DEC_NW_TTL => "dec_nw_ttl action",
        ofpat::SET_FIELD => "set_field action",
        ofpat::PUSH_PBB => "push_pbb action",
        ofpat::POP_PBB => "pop_pbb action",
        ofpat::EXPERIMENTER => "experimenter action",
        _ => "action",
    }
}

/// Appends an 8-byte action: type, length 8, then four body bytes.
#[inline]
fn put8_action(out: &mut Vec<u8>, ty: u16, body: [u8; 4]) {
    out.put16(ty);
    out.put16(8);
    out.put_bytes(&body);
}

/// Four body bytes holding a u16 and two bytes of padding.
#[inline]
fn body16(v: u16) -> [u8; 4] {
    let [a, b] = v.to_be_bytes();
    [a, b, 0, 0]
}

impl Action {
    /// `output:port`; sends whole packets when `port` is `CONTROLLER`.
    pub fn output(port: u32) -> Action {
        Action::Output {
            port,
            max_len: if port == OFPP_CONTROLLER {
                OFPCML_NO_BUFFER
            } else {
                0
            },
        }
    }

    /// `set_field:value->field`.
    pub fn set_field(oxm: Oxm) -> Action {
        Action::SetField(oxm)
    }

    /// `resubmit(,table)`.
    pub fn resubmit(table: u8) -> Action {
        Action::Nx(NxAction::resubmit_table(table))
    }

    /// The action's wire type (`OFPAT_*`).
    pub fn action_type(&self) -> u16 {
        match self {
            Action::Output { .. } => ofpat::OUTPUT,
            Action::CopyTtlOut => ofpat::COPY_TTL_OUT,
            Action::CopyTtlIn => ofpat::COPY_TTL_IN,
            Action::SetMplsTtl(_) => ofpat::SET_MPLS_TTL,
            Action::DecMplsTtl => ofpat::DEC_MPLS_TTL,
            Action::PushVlan(_) => ofpat::PUSH_VLAN,
            Action::PopVlan => ofpat::POP_VLAN,
            Action::PushMpls(_) => ofpat::PUSH_MPLS,
            Action::PopMpls(_) => ofpat::POP_MPLS,
            Action::SetQueue(_) => ofpat::SET_QUEUE,
            Action::Group(_) => ofpat::GROUP,
            Action::SetNwTtl(_) => ofpat::SET_NW_TTL,
            Action::DecNwTtl => ofpat::DEC_NW_TTL,
            Action::SetField(_) => ofpat::SET_FIELD,
            Action::PushPbb(_) => ofpat::PUSH_PBB,
            Action::PopPbb => ofpat::POP_PBB,
            Action::Nx(_) | Action::Experimenter { .. } => ofpat::EXPERIMENTER,
            Action::Unknown { ty, .. } => *ty,
        }
    }

    /// Encoded length in bytes, header and padding included.
    pub fn encoded_len(&self) -> usize {
        match self {
            Action::Output { .. } => 16,
            Action::SetField(oxm) => pad8_len(4 + oxm.encoded_len()),
            Action::Nx(nx) => nx.encoded_len(),
            Action::Experimenter { data, .. } => 8 + data.len(),
            Action::Unknown { data, .. } => 4 + data.len(),
            _ => 8,
        }
    }

    /// Decodes one action.
    pub fn decode(r: &mut Reader<'_>) -> Result<Action, DecodeError> {
        Self::decode_depth(r, 0)
    }

    /// Appends the action.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.encode_depth(out, 0)
    }

    /// Decodes actions until `r` is empty.
    pub fn decode_list(r: &mut Reader<'_>) -> Result<Vec<Action>, DecodeError> {
        Self::decode_list_depth(r, 0)
    }

    /// Appends every action of `list`, in order.
    pub fn encode_list(list: &[Action], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        Self::encode_list_depth(list, out, 0)
    }

    /// [`Action::decode_list`] for a list nested `depth` `ct` actions deep.
    pub(crate) fn decode_list_depth(
        r: &mut Reader<'_>,
        depth: usize,
    ) -> Result<Vec<Action>, DecodeError> {
        if depth > MAX_CT_NESTING {
            return Err(r.error(DecodeErrorKind::BadValue {
                what: "ct action",
                value: u64::try_from(depth).unwrap_or(u64::MAX),
                reason: "ct actions may nest at most 4 deep",
            }));
        }
        let mut list = Vec::with_capacity(r.remaining() / 16);
        while !r.is_empty() {
            list.push(Self::decode_depth(r, depth)?);
        }
        Ok(list)
    }

    /// [`Action::encode_list`] for a list nested `depth` `ct` actions deep.
    pub(crate) fn encode_list_depth(
        list: &[Action],
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), EncodeError> {
        if depth > MAX_CT_NESTING {
            return Err(EncodeError::Invalid {
                what: "ct action",
                reason: "ct actions may nest at most 4 deep",
            });
        }
        for a in list {
            a.encode_depth(out, depth)?;
        }
        Ok(())
    }

    fn decode_depth(r: &mut Reader<'_>, depth: usize) -> Result<Action, DecodeError> {
        let start = r.offset();
        let ty = r.u16("action type")?;
        let len = usize::from(r.u16("action length")?);
        let mut element = r.tlv_body(len, 4, 8, type_name(ty))?;
        if !len.is_multiple_of(8) {
            return Err(DecodeError::new(
                start,
                DecodeErrorKind::BadLength {
                    what: type_name(ty),
                    len,
                    reason: "not a multiple of 8",
                },
            ));
        }
        let raw = element.rest();
        let mut body = Reader::with_base(raw, start + 4);
        if let Some(action) = Self::decode_typed(ty, len, &mut body, start, depth)? {
            // Fixed-size standard actions checked their padding while decoding; the others are
            // accepted only if encoding them gives back exactly these bytes.
            if !matches!(action, Action::SetField(_) | Action::Nx(_)) {
                return Ok(action);
            }
            let mut again = Vec::with_capacity(len);
            let same = action.encode_depth(&mut again, depth).is_ok()
                && again.len() == len
                && again.get(4..) == Some(raw);
            if same {
                return Ok(action);
            }
        }
        Ok(Self::raw(ty, raw))
    }

    /// The raw form of an action whose body is `body`.
    fn raw(ty: u16, body: &[u8]) -> Action {
        if ty == ofpat::EXPERIMENTER {
            let mut r = Reader::new(body);
            if let Ok(experimenter) = r.u32("experimenter id") {
                // An NX action needs at least 16 bytes: header, id, subtype and padding.
                if experimenter == NX_VENDOR_ID
                    && body.len() >= 12
                    && let Ok(subtype) = r.u16("NX action subtype")
                {
                    return Action::Nx(NxAction::Unknown {
                        subtype,
                        data: r.rest().to_vec(),
                    });
                }
                return Action::Experimenter {
                    experimenter,
                    data: r.rest().to_vec(),
                };
            }
        }
        Action::Unknown {
            ty,
            data: body.to_vec(),
        }
    }

    /// The typed form of the action, if it has one; `r` holds the body after type and length.
    fn decode_typed(
        ty: u16,
        len: usize,
        r: &mut Reader<'_>,
        start: usize,
        depth: usize,
    ) -> Result<Option<Action>, DecodeError> {
        use ofpat::*;
        let what = type_name(ty);
        let fixed = |want| exact_len(start, what, len, want);
        Ok(Some(match ty {
            OUTPUT => {
                fixed(16)?;
                let port = r.u32("output port")?;
                let max_len = r.u16("output max_len")?;
                if !pad_is_zero(r, 6, "output pad")? {
                    return Ok(None);
                }
                Action::Output { port, max_len }
            }
            COPY_TTL_OUT | COPY_TTL_IN | DEC_MPLS_TTL | POP_VLAN | DEC_NW_TTL | POP_PBB => {
                fixed(8)?;
                if !pad_is_zero(r, 4, "action pad")? {
                    return Ok(None);
                }
                match ty {
                    COPY_TTL_OUT => Action::CopyTtlOut,
                    COPY_TTL_IN => Action::CopyTtlIn,
                    DEC_MPLS_TTL => Action::DecMplsTtl,
                    POP_VLAN => Action::PopVlan,
                    DEC_NW_TTL => Action::DecNwTtl,
                    _ => Action::PopPbb,
                }
            }
            SET_MPLS_TTL | SET_NW_TTL => {
                fixed(8)?;
                let ttl = r.u8("ttl")?;
                if !pad_is_zero(r, 3, "action pad")? {
                    return Ok(None);
                }
                if ty == SET_MPLS_TTL {
                    Action::SetMplsTtl(ttl)
                } else {
                    Action::SetNwTtl(ttl)
                }
            }
            PUSH_VLAN | PUSH_MPLS | POP_MPLS | PUSH_PBB => {
                fixed(8)?;
                let ethertype = r.u16("ethertype")?;
                if !pad_is_zero(r, 2, "action pad")? {
                    return Ok(None);
                }
                match ty {
                    PUSH_VLAN => Action::PushVlan(ethertype),
                    PUSH_MPLS => Action::PushMpls(ethertype),
                    POP_MPLS => Action::PopMpls(ethertype),
                    _ => Action::PushPbb(ethertype),
                }
            }
            SET_QUEUE => {
                fixed(8)?;
                Action::SetQueue(r.u32("queue_id")?)
            }
            GROUP => {
                fixed(8)?;
                Action::Group(r.u32("group_id")?)
            }
            SET_FIELD => {
                let oxm = Oxm::decode(r)?;
                // The rest is padding; re-encoding checks that it is what encoding writes.
                r.rest();
                Action::SetField(oxm)
            }
            EXPERIMENTER => {
                let experimenter = r.u32("experimenter id")?;
                if experimenter != NX_VENDOR_ID || len < 16 {
                    return Ok(None);
                }
                let subtype = r.u16("NX action subtype")?;
                match NxAction::decode_body(subtype, r, start, len, depth)? {
                    Some(nx) => Action::Nx(nx),
                    None => return Ok(None),
                }
            }
            _ => return Ok(None),
        }))
    }

    /// Appends the action; `depth` is the `ct` nesting level of the list it is in.
    pub(crate) fn encode_depth(&self, out: &mut Vec<u8>, depth: usize) -> Result<(), EncodeError> {
        use ofpat::*;
        match self {
            Action::Output { port, max_len } => {
                out.put16(OUTPUT);
                out.put16(16);
                out.put32(*port);
                out.put16(*max_len);
                zeros(out, 6);
            }
            Action::CopyTtlOut => put8_action(out, COPY_TTL_OUT, [0; 4]),
            Action::CopyTtlIn => put8_action(out, COPY_TTL_IN, [0; 4]),
            Action::SetMplsTtl(t) => put8_action(out, SET_MPLS_TTL, [*t, 0, 0, 0]),
            Action::DecMplsTtl => put8_action(out, DEC_MPLS_TTL, [0; 4]),
            Action::PushVlan(e) => put8_action(out, PUSH_VLAN, body16(*e)),
            Action::PopVlan => put8_action(out, POP_VLAN, [0; 4]),
            Action::PushMpls(e) => put8_action(out, PUSH_MPLS, body16(*e)),
            Action::PopMpls(e) => put8_action(out, POP_MPLS, body16(*e)),
            Action::SetQueue(q) => put8_action(out, SET_QUEUE, q.to_be_bytes()),
            Action::Group(g) => put8_action(out, GROUP, g.to_be_bytes()),
            Action::SetNwTtl(t) => put8_action(out, SET_NW_TTL, [*t, 0, 0, 0]),
            Action::DecNwTtl => put8_action(out, DEC_NW_TTL, [0; 4]),
            Action::PushPbb(e) => put8_action(out, PUSH_PBB, body16(*e)),
            Action::PopPbb => put8_action(out, POP_PBB, [0; 4]),
            Action::SetField(oxm) => {
                let start = out.len();
                out.put16(SET_FIELD);
                out.put16(0);
                oxm.encode(out);
                pad8(out, start);
                patch_len16(out, start + 2, start, "set_field action")?;
            }
            Action::Nx(nx) => nx.encode_depth(out, depth)?,
            Action::Experimenter { experimenter, data } => {
                if !data.len().is_multiple_of(8) {
                    return Err(EncodeError::Invalid {
                        what: "experimenter action data",
                        reason: "its length must be a multiple of 8",
                    });
                }
                if *experimenter == NX_VENDOR_ID && !data.is_empty() {
                    return Err(EncodeError::Invalid {
                        what: "experimenter action",
                        reason: "Nicira actions are Action::Nx (NxAction::Unknown when raw)",
                    });
                }
                put_tlv16(
                    out,
                    EXPERIMENTER,
                    &[&experimenter.to_be_bytes(), data],
                    "experimenter action",
                )?;
            }
            Action::Unknown { ty, data } => {
                if !(4 + data.len()).is_multiple_of(8) {
                    return Err(EncodeError::Invalid {
                        what: "unknown action data",
                        reason: "4 + its length must be a multiple of 8",
                    });
                }
                put_tlv16(out, *ty, &[data], "action")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Action {
    /// The action as `ovs-ofctl dump-flows` writes it: `output:1`, `CONTROLLER:65535`,
    /// `set_field:10.0.0.1->ipv4_dst`, `push_vlan:0x8100`, `group:3`, `resubmit(,4)`, …
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Output { port, max_len } => {
                let p = PortNo(*port);
                match p.reserved_name() {
                    None => write!(f, "output:{p}"),
                    Some(_) if *port == OFPP_CONTROLLER => write!(f, "{p}:{max_len}"),
                    Some(name) => f.write_str(name),
                }
            }
            Action::CopyTtlOut => f.write_str("copy_ttl_out"),
            Action::CopyTtlIn => f.write_str("copy_ttl_in"),
            Action::SetMplsTtl(t) => write!(f, "set_mpls_ttl({t})"),
            Action::DecMplsTtl => f.write_str("dec_mpls_ttl"),
            Action::PushVlan(e) => write!(f, "push_vlan:{e:#06x}"),
            Action::PopVlan => f.write_str("pop_vlan"),
            Action::PushMpls(e) => write!(f, "push_mpls:{e:#06x}"),
            Action::PopMpls(e) => write!(f, "pop_mpls:{e:#06x}"),
            Action::SetQueue(q) => write!(f, "set_queue:{q}"),
            Action::Group(g) => write!(f, "group:{g}"),
            Action::SetNwTtl(t) => write!(f, "mod_nw_ttl:{t}"),
            Action::DecNwTtl => f.write_str("dec_ttl"),
            Action::SetField(oxm) => {
                // Oxm prints "name=value"; ovs-ofctl wants "value->name".
                let text = oxm.to_string();
                let name = oxm.name();
                let value = text
                    .strip_prefix(name)
                    .and_then(|v| v.strip_prefix('='))
                    .unwrap_or(&text);
                write!(f, "set_field:{value}->{name}")
            }
            Action::PushPbb(e) => write!(f, "push_pbb:{e:#06x}"),
            Action::PopPbb => f.write_str("pop_pbb"),
            Action::Nx(nx) => write!(f, "{nx}"),
            Action::Experimenter { experimenter, data } => {
                write!(f, "experimenter(id={experimenter:#x}")?;
                if !data.is_empty() {
                    f.write_str(",data=")?;
                    fmt_hex_bytes(f, data)?;
                }
                f.write_str(")")
            }
            Action::Unknown { ty, data } => {
                write!(f, "action(type={ty}")?;
                if !data.is_empty() {
                    f.write_str(",data=")?;
                    fmt_hex_bytes(f, data)?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Displays a list of actions separated by commas, as `ovs-ofctl` does.
#[derive(Debug, Clone, Copy)]
pub struct Actions<'a>(pub &'a [Action]);

impl fmt::Display for Actions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oxm::OFPVID_PRESENT;
    use crate::port::{OFPP_IN_PORT, OFPP_NORMAL};
    use crate::types::MacAddr;
    use std::net::Ipv4Addr;

    fn roundtrip(a: &Action) -> Vec<u8> {
        let mut out = Vec::new();
        a.encode(&mut out).unwrap();
        assert_eq!(out.len(), a.encoded_len(), "{a}");
        assert_eq!(out.len() % 8, 0, "{a}");
        let mut r = Reader::new(&out);
        let back = Action::decode(&mut r).unwrap();
        assert!(r.is_empty());
        assert_eq!(&back, a, "{a}");
        out
    }

    #[test]
    fn standard_actions_round_trip_and_print() {
        let cases: Vec<(Action, &str)> = vec![
            (Action::output(1), "output:1"),
            (Action::output(OFPP_CONTROLLER), "CONTROLLER:65535"),
            (Action::output(OFPP_IN_PORT), "IN_PORT"),
            (Action::output(OFPP_NORMAL), "NORMAL"),
            (Action::CopyTtlOut, "copy_ttl_out"),
            (Action::CopyTtlIn, "copy_ttl_in"),
            (Action::SetMplsTtl(10), "set_mpls_ttl(10)"),
            (Action::DecMplsTtl, "dec_mpls_ttl"),
            (Action::PushVlan(0x8100), "push_vlan:0x8100"),
            (Action::PopVlan, "pop_vlan"),
            (Action::PushMpls(0x8847), "push_mpls:0x8847"),
            (Action::PopMpls(0x0800), "pop_mpls:0x0800"),
            (Action::SetQueue(3), "set_queue:3"),
            (Action::Group(3), "group:3"),
            (Action::SetNwTtl(10), "mod_nw_ttl:10"),
            (Action::DecNwTtl, "dec_ttl"),
            (
                Action::set_field(Oxm::Ipv4Dst(Ipv4Addr::new(10, 0, 0, 1), None)),
                "set_field:10.0.0.1->ipv4_dst",
            ),
            (
                Action::set_field(Oxm::EthSrc(MacAddr([2, 0, 0, 0, 0, 1]), None)),
                "set_field:02:00:00:00:00:01->eth_src",
            ),
            (
                Action::set_field(Oxm::VlanVid(OFPVID_PRESENT | 5, None)),
                "set_field:0x1005->vlan_vid",
            ),
            (Action::set_field(Oxm::PbbUca(1)), "set_field:1->pbb_uca"),
            (
                Action::set_field(Oxm::Ipv6NdTarget("fe80::1".parse().unwrap())),
                "set_field:fe80::1->ipv6_nd_target",
            ),
            (Action::PushPbb(0x88e7), "push_pbb:0x88e7"),
            (Action::PopPbb, "pop_pbb"),
            (Action::resubmit(4), "resubmit(,4)"),
            (
                Action::Experimenter {
                    experimenter: 101,
                    data: vec![0, 1, 2, 3, 4, 5, 6, 7],
                },
                "experimenter(id=0x65,data=0x0001020304050607)",
            ),
            (
                Action::Experimenter {
                    experimenter: NX_VENDOR_ID,
                    data: vec![],
                },
                "experimenter(id=0x2320)",
            ),
            (
                Action::Unknown {
                    ty: 99,
                    data: vec![1, 2, 3, 4],
                },
                "action(type=99,data=0x01020304)",
            ),
        ];
        for (a, text) in &cases {
            roundtrip(a);
            assert_eq!(a.to_string(), *text);
        }
        let list: Vec<Action> = cases.into_iter().map(|(a, _)| a).collect();
        let mut out = Vec::new();
        Action::encode_list(&list, &mut out).unwrap();
        assert_eq!(Action::decode_list(&mut Reader::new(&out)).unwrap(), list);
    }

    #[test]
    fn output_encodes_as_the_spec_says() {
        let out = roundtrip(&Action::Output {
            port: 6,
            max_len: 0xffff,
        });
        assert_eq!(out, [0, 0, 0, 16, 0, 0, 0, 6, 0xff, 0xff, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn malformed_actions_are_errors() {
        // Length below 8.
        let e = Action::decode(&mut Reader::new(&[0, 0, 0, 4, 0, 0, 0, 0])).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::BadLength { .. }), "{e}");
        // Length not a multiple of 8.
        let e = Action::decode(&mut Reader::new(&[0, 18, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0]));
        assert!(e.unwrap_err().to_string().contains("multiple of 8"));
        // Length past the end of the list.
        let e = Action::decode(&mut Reader::new(&[0, 0, 0, 16, 0, 0, 0, 1])).unwrap_err();
        assert!(e.to_string().contains("past the end"), "{e}");
        // Output claiming 8 bytes.
        let e = Action::decode(&mut Reader::new(&[0, 0, 0, 8, 0, 0, 0, 1])).unwrap_err();
        assert!(e.to_string().contains("output action"), "{e}");
        // set_field whose OXM runs past the action.
        let b = [0, 25, 0, 8, 0x80, 0, 0x18, 4];
        assert!(Action::decode(&mut Reader::new(&b)).is_err());
        // Truncated header.
        assert!(
            Action::decode(&mut Reader::new(&[0, 0, 0]))
                .unwrap_err()
                .is_truncated()
        );
        // Offsets are absolute.
        let e = Action::decode(&mut Reader::with_base(&[0, 0, 0, 8, 0, 0, 0, 1], 100));
        assert_eq!(e.unwrap_err().offset, 100);
    }

    #[test]
    fn non_canonical_standard_actions_are_kept_raw() {
        let b = [0, 18, 0, 8, 0, 0, 0, 1]; // pop_vlan with a non-zero pad byte
        let a = Action::decode(&mut Reader::new(&b)).unwrap();
        assert_eq!(
            a,
            Action::Unknown {
                ty: 18,
                data: vec![0, 0, 0, 1]
            }
        );
        let mut out = Vec::new();
        a.encode(&mut out).unwrap();
        assert_eq!(out, b);
        // set_field with 8 bytes more padding than needed.
        let mut b = vec![0, 25, 0, 24, 0x80, 0, 0x14, 1, 6];
        b.resize(24, 0);
        let a = Action::decode(&mut Reader::new(&b)).unwrap();
        assert!(matches!(a, Action::Unknown { ty: 25, .. }), "{a:?}");
        let mut out = Vec::new();
        a.encode(&mut out).unwrap();
        assert_eq!(out, b);
        b[3] = 16;
        b.truncate(16);
        let a = Action::decode(&mut Reader::new(&b)).unwrap();
        assert_eq!(a, Action::set_field(Oxm::IpProto(6)));
        // NX id with no room for a subtype.
        let b = [0xff, 0xff, 0, 8, 0, 0, 0x23, 0x20];
        let a = Action::decode(&mut Reader::new(&b)).unwrap();
        assert_eq!(
            a,
            Action::Experimenter {
                experimenter: NX_VENDOR_ID,
                data: vec![]
            }
        );
    }

    #[test]
    fn raw_values_with_bad_sizes_do_not_encode() {
        for a in [
            Action::Unknown {
                ty: 99,
                data: vec![1],
            },
            Action::Experimenter {
                experimenter: 1,
                data: vec![1, 2],
            },
            Action::Experimenter {
                experimenter: NX_VENDOR_ID,
                data: vec![0; 8],
            },
        ] {
            assert!(a.encode(&mut Vec::new()).is_err(), "{a:?}");
        }
    }
}
