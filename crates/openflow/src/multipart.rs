//! Multipart messages (OpenFlow 1.3 §7.3.5): statistics and descriptions a controller asks the
//! switch for with `OFPT_MULTIPART_REQUEST` and gets back in `OFPT_MULTIPART_REPLY`.
//!
//! [`MultipartRequest`] and [`MultipartReply`] are the message bodies that follow the 8-byte
//! OpenFlow header: the multipart type, the flags ([`OFPMPF_MORE`] when more parts follow) and
//! four bytes of padding, then a type-specific body. Every body OpenFlow 1.3 defines is typed:
//! switch, flow, aggregate, table, port, queue, group, meter and table-features statistics and
//! descriptions. Experimenter bodies keep their data raw, and a multipart type this crate does
//! not know decodes to an `Unknown` body holding the raw bytes, so every message encodes back to
//! the bytes it came from.
//!
//! Every element with a length field (flow stats, group stats and descriptions, meter stats and
//! configurations, table features and their properties) has that length checked against its
//! fixed part and its container before anything inside it is read; on encode the lengths are
//! computed, never copied. Table-feature properties keep their data raw: they are only printed,
//! and raw data re-encodes byte for byte.

use std::fmt;

use crate::buf::{Put, Reader, pad8, pad8_len, patch_len16, zeros};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::instruction::Instruction;
use crate::message::{
    Bucket, MeterBand, OFPG_ANY, OFPTT_ALL, fmt_instructions, group_type, hex, meter_flags,
};
use crate::oxm::{self, Match};
use crate::port::{OFPP_ANY, Port, PortNo, fixed_str, name_from_field};

/// Multipart type: description of the switch (manufacturer, hardware, software, serial, datapath).
pub const OFPMP_DESC: u16 = 0;
/// Multipart type: individual flow statistics.
pub const OFPMP_FLOW: u16 = 1;
/// Multipart type: aggregate flow statistics.
pub const OFPMP_AGGREGATE: u16 = 2;
/// Multipart type: flow table statistics.
pub const OFPMP_TABLE: u16 = 3;
/// Multipart type: port statistics.
pub const OFPMP_PORT_STATS: u16 = 4;
/// Multipart type: queue statistics for a port.
pub const OFPMP_QUEUE: u16 = 5;
/// Multipart type: group counter statistics.
pub const OFPMP_GROUP: u16 = 6;
/// Multipart type: group descriptions.
pub const OFPMP_GROUP_DESC: u16 = 7;
/// Multipart type: group features.
pub const OFPMP_GROUP_FEATURES: u16 = 8;
/// Multipart type: meter statistics.
pub const OFPMP_METER: u16 = 9;
/// Multipart type: meter configurations.
pub const OFPMP_METER_CONFIG: u16 = 10;
/// Multipart type: meter features.
pub const OFPMP_METER_FEATURES: u16 = 11;
/// Multipart type: table features (a request with tables sets them, an empty one queries).
pub const OFPMP_TABLE_FEATURES: u16 = 12;
/// Multipart type: port descriptions.
pub const OFPMP_PORT_DESC: u16 = 13;
/// Multipart type: experimenter extension.
pub const OFPMP_EXPERIMENTER: u16 = 0xffff;

/// Multipart flag: more requests (`OFPMPF_REQ_MORE`) or replies (`OFPMPF_REPLY_MORE`) follow.
pub const OFPMPF_MORE: u16 = 1;

/// `OFPG_ALL`: every group, in group statistics requests.
pub const OFPG_ALL: u32 = 0xffff_fffc;
/// `OFPM_ALL`: every meter, in meter statistics and configuration requests.
pub const OFPM_ALL: u32 = 0xffff_ffff;
/// `OFPQ_ALL`: every queue, in queue statistics requests.
pub const OFPQ_ALL: u32 = 0xffff_ffff;

/// Length of the multipart header inside the message body: type, flags and padding.
pub const MULTIPART_HEADER_LEN: usize = 8;
/// Length of the free-text fields of `ofp_desc` (all but the serial number).
pub const DESC_STR_LEN: usize = 256;
/// Length of the serial-number field of `ofp_desc`.
pub const SERIAL_NUM_LEN: usize = 32;
/// Length of the table name in `ofp_table_features`.
pub const MAX_TABLE_NAME_LEN: usize = 32;
/// Length of `ofp_flow_stats` up to its match.
pub const FLOW_STATS_FIXED_LEN: usize = 48;
/// Length of `ofp_table_stats`.
pub const TABLE_STATS_LEN: usize = 24;
/// Length of `ofp_port_stats`.
pub const PORT_STATS_LEN: usize = 112;
/// Length of `ofp_queue_stats`.
pub const QUEUE_STATS_LEN: usize = 40;
/// Length of `ofp_group_stats` without its bucket counters.
pub const GROUP_STATS_FIXED_LEN: usize = 40;
/// Length of `ofp_group_desc` without its buckets.
pub const GROUP_DESC_FIXED_LEN: usize = 8;
/// Length of `ofp_meter_stats` without its band statistics.
pub const METER_STATS_FIXED_LEN: usize = 40;
/// Length of `ofp_meter_config` without its bands.
pub const METER_CONFIG_FIXED_LEN: usize = 8;
/// Length of `ofp_table_features` without its properties.
pub const TABLE_FEATURES_FIXED_LEN: usize = 64;
/// Length of a table-feature property header (type and length).
pub const TABLE_FEATURE_PROP_HEADER_LEN: usize = 4;

/// Table-feature property types (`OFPTFPT_*`).
pub mod tfpt {
    /// Instructions the table supports.
    pub const INSTRUCTIONS: u16 = 0;
    /// Instructions for the table-miss flow.
    pub const INSTRUCTIONS_MISS: u16 = 1;
    /// Tables `goto_table` may lead to.
    pub const NEXT_TABLES: u16 = 2;
    /// Tables the table-miss flow's `goto_table` may lead to.
    pub const NEXT_TABLES_MISS: u16 = 3;
    /// Actions `write_actions` supports.
    pub const WRITE_ACTIONS: u16 = 4;
    /// Actions the table-miss flow's `write_actions` supports.
    pub const WRITE_ACTIONS_MISS: u16 = 5;
    /// Actions `apply_actions` supports.
    pub const APPLY_ACTIONS: u16 = 6;
    /// Actions the table-miss flow's `apply_actions` supports.
    pub const APPLY_ACTIONS_MISS: u16 = 7;
    /// Fields the table can match on.
    pub const MATCH: u16 = 8;
    /// Fields the table can wildcard.
    pub const WILDCARDS: u16 = 10;
    /// Fields `write_actions` can set.
    pub const WRITE_SETFIELD: u16 = 12;
    /// Fields the table-miss flow's `write_actions` can set.
    pub const WRITE_SETFIELD_MISS: u16 = 13;
    /// Fields `apply_actions` can set.
    pub const APPLY_SETFIELD: u16 = 14;
    /// Fields the table-miss flow's `apply_actions` can set.
    pub const APPLY_SETFIELD_MISS: u16 = 15;
    /// Experimenter property.
    pub const EXPERIMENTER: u16 = 0xfffe;
    /// Experimenter property for the table-miss flow.
    pub const EXPERIMENTER_MISS: u16 = 0xffff;
}

/// The `OFPMP_*` name of a multipart type, e.g. `OFPMP_FLOW`.
pub fn type_name(mp_type: u16) -> Option<&'static str> {
    Some(match mp_type {
        OFPMP_DESC => "OFPMP_DESC",
        OFPMP_FLOW => "OFPMP_FLOW",
        OFPMP_AGGREGATE => "OFPMP_AGGREGATE",
        OFPMP_TABLE => "OFPMP_TABLE",
        OFPMP_PORT_STATS => "OFPMP_PORT_STATS",
        OFPMP_QUEUE => "OFPMP_QUEUE",
        OFPMP_GROUP => "OFPMP_GROUP",
        OFPMP_GROUP_DESC => "OFPMP_GROUP_DESC",
        OFPMP_GROUP_FEATURES => "OFPMP_GROUP_FEATURES",
        OFPMP_METER => "OFPMP_METER",
        OFPMP_METER_CONFIG => "OFPMP_METER_CONFIG",
        OFPMP_METER_FEATURES => "OFPMP_METER_FEATURES",
        OFPMP_TABLE_FEATURES => "OFPMP_TABLE_FEATURES",
        OFPMP_PORT_DESC => "OFPMP_PORT_DESC",
        OFPMP_EXPERIMENTER => "OFPMP_EXPERIMENTER",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/// The body of an `OFPT_MULTIPART_REQUEST` message (everything after the OpenFlow header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartRequest {
    /// `OFPMPF_*` flags; [`OFPMPF_MORE`] when more request parts follow.
    pub flags: u16,
    /// The type-specific request.
    pub body: MultipartRequestBody,
}

/// The body of an `OFPT_MULTIPART_REPLY` message (everything after the OpenFlow header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartReply {
    /// `OFPMPF_*` flags; [`OFPMPF_MORE`] when more reply parts follow.
    pub flags: u16,
    /// The type-specific reply.
    pub body: MultipartReplyBody,
}

/// What a multipart request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultipartRequestBody {
    /// Switch description ([`OFPMP_DESC`]).
    Desc,
    /// Individual flow statistics ([`OFPMP_FLOW`]).
    Flow(FlowStatsRequest),
    /// Aggregate flow statistics ([`OFPMP_AGGREGATE`]).
    Aggregate(FlowStatsRequest),
    /// Flow table statistics ([`OFPMP_TABLE`]).
    Table,
    /// Port statistics ([`OFPMP_PORT_STATS`]).
    PortStats {
        /// The port, or `OFPP_ANY` for all ports.
        port_no: u32,
    },
    /// Queue statistics ([`OFPMP_QUEUE`]).
    Queue {
        /// The port, or `OFPP_ANY` for all ports.
        port_no: u32,
        /// The queue, or [`OFPQ_ALL`] for all queues.
        queue_id: u32,
    },
    /// Group counter statistics ([`OFPMP_GROUP`]).
    Group {
        /// The group, or [`OFPG_ALL`] for all groups.
        group_id: u32,
    },
    /// Group descriptions ([`OFPMP_GROUP_DESC`]).
    GroupDesc,
    /// Group features ([`OFPMP_GROUP_FEATURES`]).
    GroupFeatures,
    /// Meter statistics ([`OFPMP_METER`]).
    Meter {
        /// The meter, or [`OFPM_ALL`] for all meters.
        meter_id: u32,
    },
    /// Meter configurations ([`OFPMP_METER_CONFIG`]).
    MeterConfig {
        /// The meter, or [`OFPM_ALL`] for all meters.
        meter_id: u32,
    },
    /// Meter features ([`OFPMP_METER_FEATURES`]).
    MeterFeatures,
    /// Table features ([`OFPMP_TABLE_FEATURES`]): empty to query, tables to set.
    TableFeatures(Vec<TableFeatures>),
    /// Port descriptions ([`OFPMP_PORT_DESC`]).
    PortDesc,
    /// Experimenter request ([`OFPMP_EXPERIMENTER`]).
    Experimenter {
        /// Experimenter id.
        experimenter: u32,
        /// Experimenter-defined type.
        exp_type: u32,
        /// Experimenter-defined data, raw.
        data: Vec<u8>,
    },
    /// A multipart type this crate does not know, kept raw.
    Unknown {
        /// The multipart type on the wire.
        mp_type: u16,
        /// The bytes after the multipart header.
        body: Vec<u8>,
    },
}

/// What a multipart reply carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultipartReplyBody {
    /// Switch description ([`OFPMP_DESC`]).
    Desc(Desc),
    /// Individual flow statistics ([`OFPMP_FLOW`]).
    Flow(Vec<FlowStats>),
    /// Aggregate flow statistics ([`OFPMP_AGGREGATE`]).
    Aggregate {
        /// Packets matched by the selected flows.
        packet_count: u64,
        /// Bytes matched by the selected flows.
        byte_count: u64,
        /// Number of selected flows.
        flow_count: u32,
    },
    /// Flow table statistics ([`OFPMP_TABLE`]).
    Table(Vec<TableStats>),
    /// Port statistics ([`OFPMP_PORT_STATS`]).
    PortStats(Vec<PortStats>),
    /// Queue statistics ([`OFPMP_QUEUE`]).
    Queue(Vec<QueueStats>),
    /// Group counter statistics ([`OFPMP_GROUP`]).
    Group(Vec<GroupStats>),
    /// Group descriptions ([`OFPMP_GROUP_DESC`]).
    GroupDesc(Vec<GroupDesc>),
    /// Group features ([`OFPMP_GROUP_FEATURES`]).
    GroupFeatures {
        /// Bitmap of supported group types (`1 << OFPGT_*`).
        types: u32,
        /// Bitmap of `OFPGFC_*` capabilities.
        capabilities: u32,
        /// Largest number of groups of each type (all, select, indirect, fast failover).
        max_groups: [u32; 4],
        /// Bitmaps of supported actions (`1 << OFPAT_*`) for each group type.
        actions: [u32; 4],
    },
    /// Meter statistics ([`OFPMP_METER`]).
    Meter(Vec<MeterStats>),
    /// Meter configurations ([`OFPMP_METER_CONFIG`]).
    MeterConfig(Vec<MeterConfig>),
    /// Meter features ([`OFPMP_METER_FEATURES`]).
    MeterFeatures {
        /// Largest meter id.
        max_meter: u32,
        /// Bitmap of supported band types (`1 << OFPMBT_*`).
        band_types: u32,
        /// Bitmap of `OFPMF_*` flags.
        capabilities: u32,
        /// Largest number of bands per meter.
        max_bands: u8,
        /// Largest colour value.
        max_color: u8,
    },
    /// Table features ([`OFPMP_TABLE_FEATURES`]).
    TableFeatures(Vec<TableFeatures>),
    /// Port descriptions ([`OFPMP_PORT_DESC`]).
    PortDesc(Vec<Port>),
    /// Experimenter reply ([`OFPMP_EXPERIMENTER`]).
    Experimenter {
        /// Experimenter id.
        experimenter: u32,
        /// Experimenter-defined type.
        exp_type: u32,
        /// Experimenter-defined data, raw.
        data: Vec<u8>,
    },
    /// A multipart type this crate does not know, kept raw.
    Unknown {
        /// The multipart type on the wire.
        mp_type: u16,
        /// The bytes after the multipart header.
        body: Vec<u8>,
    },
}

/// Reads the multipart header; returns (type, flags).
fn decode_header(r: &mut Reader<'_>) -> Result<(u16, u16), DecodeError> {
    let mp_type = r.u16("multipart type")?;
    let flags = r.u16("multipart flags")?;
    r.skip(4, "multipart header padding")?;
    Ok((mp_type, flags))
}

fn encode_header(out: &mut Vec<u8>, mp_type: u16, flags: u16) {
    out.put16(mp_type);
    out.put16(flags);
    zeros(out, 4);
}

/// Decodes elements until `r` is empty. Stops with an error if an element consumed nothing,
/// so that a decoder bug can never turn into an endless loop.
fn decode_all<'a, T>(
    r: &mut Reader<'a>,
    what: &'static str,
    decode: impl Fn(&mut Reader<'a>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let mut items = Vec::new();
    while !r.is_empty() {
        let before = r.offset();
        items.push(decode(r)?);
        if r.offset() == before {
            return Err(r.error(DecodeErrorKind::BadLength {
                what,
                len: 0,
                reason: "an element of zero length cannot be decoded",
            }));
        }
    }
    Ok(items)
}

/// Reads an `(experimenter, exp_type, data)` body.
fn decode_experimenter(r: &mut Reader<'_>) -> Result<(u32, u32, Vec<u8>), DecodeError> {
    let experimenter = r.u32("multipart experimenter id")?;
    let exp_type = r.u32("multipart experimenter type")?;
    Ok((experimenter, exp_type, r.rest().to_vec()))
}

/// Reads a `u32` id followed by four bytes of padding.
fn decode_id_pad4(r: &mut Reader<'_>, what: &'static str) -> Result<u32, DecodeError> {
    let id = r.u32(what)?;
    r.skip(4, "multipart request padding")?;
    Ok(id)
}

impl MultipartRequest {
    /// A request with no flags set.
    pub fn new(body: MultipartRequestBody) -> Self {
        Self { flags: 0, body }
    }

    /// Whether [`OFPMPF_MORE`] says that more request parts follow.
    pub fn more(&self) -> bool {
        self.flags & OFPMPF_MORE != 0
    }

    /// The multipart type (`OFPMP_*`).
    pub fn mp_type(&self) -> u16 {
        self.body.mp_type()
    }

    /// Decodes the message body after the OpenFlow header; `r` must cover exactly that body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (mp_type, flags) = decode_header(r)?;
        let body = MultipartRequestBody::decode(mp_type, r)?;
        r.finish("multipart request")?;
        Ok(Self { flags, body })
    }

    /// Appends the multipart header (type, flags, padding) and the body.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_header(out, self.mp_type(), self.flags);
        self.body.encode(out)
    }
}

impl From<MultipartRequestBody> for MultipartRequest {
    fn from(body: MultipartRequestBody) -> Self {
        Self::new(body)
    }
}

impl MultipartRequestBody {
    /// The multipart type (`OFPMP_*`) of this body.
    pub fn mp_type(&self) -> u16 {
        match self {
            Self::Desc => OFPMP_DESC,
            Self::Flow(_) => OFPMP_FLOW,
            Self::Aggregate(_) => OFPMP_AGGREGATE,
            Self::Table => OFPMP_TABLE,
            Self::PortStats { .. } => OFPMP_PORT_STATS,
            Self::Queue { .. } => OFPMP_QUEUE,
            Self::Group { .. } => OFPMP_GROUP,
            Self::GroupDesc => OFPMP_GROUP_DESC,
            Self::GroupFeatures => OFPMP_GROUP_FEATURES,
            Self::Meter { .. } => OFPMP_METER,
            Self::MeterConfig { .. } => OFPMP_METER_CONFIG,
            Self::MeterFeatures => OFPMP_METER_FEATURES,
            Self::TableFeatures(_) => OFPMP_TABLE_FEATURES,
            Self::PortDesc => OFPMP_PORT_DESC,
            Self::Experimenter { .. } => OFPMP_EXPERIMENTER,
            Self::Unknown { mp_type, .. } => *mp_type,
        }
    }

    /// Decodes the body of a request of type `mp_type`; consumes all of `r`.
    pub fn decode(mp_type: u16, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let body = match mp_type {
            OFPMP_DESC => Self::Desc,
            OFPMP_FLOW => Self::Flow(FlowStatsRequest::decode(r)?),
            OFPMP_AGGREGATE => Self::Aggregate(FlowStatsRequest::decode(r)?),
            OFPMP_TABLE => Self::Table,
            OFPMP_PORT_STATS => Self::PortStats {
                port_no: decode_id_pad4(r, "port stats request port_no")?,
            },
            OFPMP_QUEUE => Self::Queue {
                port_no: r.u32("queue stats request port_no")?,
                queue_id: r.u32("queue stats request queue_id")?,
            },
            OFPMP_GROUP => Self::Group {
                group_id: decode_id_pad4(r, "group stats request group_id")?,
            },
            OFPMP_GROUP_DESC => Self::GroupDesc,
            OFPMP_GROUP_FEATURES => Self::GroupFeatures,
            OFPMP_METER => Self::Meter {
                meter_id: decode_id_pad4(r, "meter stats request meter_id")?,
            },
            OFPMP_METER_CONFIG => Self::MeterConfig {
                meter_id: decode_id_pad4(r, "meter config request meter_id")?,
            },
            OFPMP_METER_FEATURES => Self::MeterFeatures,
            OFPMP_TABLE_FEATURES => {
                Self::TableFeatures(decode_all(r, "table features", TableFeatures::decode)?)
            }
            OFPMP_PORT_DESC => Self::PortDesc,
            OFPMP_EXPERIMENTER => {
                let (experimenter, exp_type, data) = decode_experimenter(r)?;
                Self::Experimenter {
                    experimenter,
                    exp_type,
                    data,
                }
            }
            _ => Self::Unknown {
                mp_type,
                body: r.rest().to_vec(),
            },
        };
        r.finish("multipart request body")?;
        Ok(body)
    }

    /// Appends the body (without the multipart header).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::Desc
            | Self::Table
            | Self::GroupDesc
            | Self::GroupFeatures
            | Self::MeterFeatures
            | Self::PortDesc => {}
            Self::Flow(req) | Self::Aggregate(req) => req.encode(out)?,
            Self::PortStats { port_no: id }
            | Self::Group { group_id: id }
            | Self::Meter { meter_id: id }
            | Self::MeterConfig { meter_id: id } => {
                out.put32(*id);
                zeros(out, 4);
            }
            Self::Queue { port_no, queue_id } => {
                out.put32(*port_no);
                out.put32(*queue_id);
            }
            Self::TableFeatures(tables) => {
                for t in tables {
                    t.encode(out)?;
                }
            }
            Self::Experimenter {
                experimenter,
                exp_type,
                data,
            } => {
                out.put32(*experimenter);
                out.put32(*exp_type);
                out.put_bytes(data);
            }
            Self::Unknown { body, .. } => out.put_bytes(body),
        }
        Ok(())
    }
}

impl MultipartReply {
    /// A reply with no flags set.
    pub fn new(body: MultipartReplyBody) -> Self {
        Self { flags: 0, body }
    }

    /// Whether [`OFPMPF_MORE`] says that more reply parts follow.
    pub fn more(&self) -> bool {
        self.flags & OFPMPF_MORE != 0
    }

    /// The multipart type (`OFPMP_*`).
    pub fn mp_type(&self) -> u16 {
        self.body.mp_type()
    }

    /// Decodes the message body after the OpenFlow header; `r` must cover exactly that body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (mp_type, flags) = decode_header(r)?;
        let body = MultipartReplyBody::decode(mp_type, r)?;
        r.finish("multipart reply")?;
        Ok(Self { flags, body })
    }

    /// Appends the multipart header (type, flags, padding) and the body.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_header(out, self.mp_type(), self.flags);
        self.body.encode(out)
    }
}

impl From<MultipartReplyBody> for MultipartReply {
    fn from(body: MultipartReplyBody) -> Self {
        Self::new(body)
    }
}

impl MultipartReplyBody {
    /// The multipart type (`OFPMP_*`) of this body.
    pub fn mp_type(&self) -> u16 {
        match self {
            Self::Desc(_) => OFPMP_DESC,
            Self::Flow(_) => OFPMP_FLOW,
            Self::Aggregate { .. } => OFPMP_AGGREGATE,
            Self::Table(_) => OFPMP_TABLE,
            Self::PortStats(_) => OFPMP_PORT_STATS,
            Self::Queue(_) => OFPMP_QUEUE,
            Self::Group(_) => OFPMP_GROUP,
            Self::GroupDesc(_) => OFPMP_GROUP_DESC,
            Self::GroupFeatures { .. } => OFPMP_GROUP_FEATURES,
            Self::Meter(_) => OFPMP_METER,
            Self::MeterConfig(_) => OFPMP_METER_CONFIG,
            Self::MeterFeatures { .. } => OFPMP_METER_FEATURES,
            Self::TableFeatures(_) => OFPMP_TABLE_FEATURES,
            Self::PortDesc(_) => OFPMP_PORT_DESC,
            Self::Experimenter { .. } => OFPMP_EXPERIMENTER,
            Self::Unknown { mp_type, .. } => *mp_type,
        }
    }

    /// Decodes the body of a reply of type `mp_type`; consumes all of `r`.
    pub fn decode(mp_type: u16, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let body = match mp_type {
            OFPMP_DESC => Self::Desc(Desc::decode(r)?),
            OFPMP_FLOW => Self::Flow(decode_all(r, "flow stats", FlowStats::decode)?),
            OFPMP_AGGREGATE => {
                let packet_count = r.u64("aggregate packet_count")?;
                let byte_count = r.u64("aggregate byte_count")?;
                let flow_count = r.u32("aggregate flow_count")?;
                r.skip(4, "aggregate padding")?;
                Self::Aggregate {
                    packet_count,
                    byte_count,
                    flow_count,
                }
            }
            OFPMP_TABLE => Self::Table(decode_all(r, "table stats", TableStats::decode)?),
            OFPMP_PORT_STATS => Self::PortStats(decode_all(r, "port stats", PortStats::decode)?),
            OFPMP_QUEUE => Self::Queue(decode_all(r, "queue stats", QueueStats::decode)?),
            OFPMP_GROUP => Self::Group(decode_all(r, "group stats", GroupStats::decode)?),
            OFPMP_GROUP_DESC => {
                Self::GroupDesc(decode_all(r, "group description", GroupDesc::decode)?)
            }
            OFPMP_GROUP_FEATURES => {
                let types = r.u32("group features types")?;
                let capabilities = r.u32("group features capabilities")?;
                let mut max_groups = [0u32; 4];
                for m in &mut max_groups {
                    *m = r.u32("group features max_groups")?;
                }
                let mut actions = [0u32; 4];
                for a in &mut actions {
                    *a = r.u32("group features actions")?;
                }
                Self::GroupFeatures {
                    types,
                    capabilities,
                    max_groups,
                    actions,
                }
            }
            OFPMP_METER => Self::Meter(decode_all(r, "meter stats", MeterStats::decode)?),
            OFPMP_METER_CONFIG => {
                Self::MeterConfig(decode_all(r, "meter config", MeterConfig::decode)?)
            }
            OFPMP_METER_FEATURES => {
                let max_meter = r.u32("meter features max_meter")?;
                let band_types = r.u32("meter features band_types")?;
                let capabilities = r.u32("meter features capabilities")?;
                let max_bands = r.u8("meter features max_bands")?;
                let max_color = r.u8("meter features max_color")?;
                r.skip(2, "meter features padding")?;
                Self::MeterFeatures {
                    max_meter,
                    band_types,
                    capabilities,
                    max_bands,
                    max_color,
                }
            }
            OFPMP_TABLE_FEATURES => {
                Self::TableFeatures(decode_all(r, "table features", TableFeatures::decode)?)
            }
            OFPMP_PORT_DESC => Self::PortDesc(decode_all(r, "port description", Port::decode)?),
            OFPMP_EXPERIMENTER => {
                let (experimenter, exp_type, data) = decode_experimenter(r)?;
                Self::Experimenter {
                    experimenter,
                    exp_type,
                    data,
                }
            }
            _ => Self::Unknown {
                mp_type,
                body: r.rest().to_vec(),
            },
        };
        r.finish("multipart reply body")?;
        Ok(body)
    }

    /// Appends the body (without the multipart header).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::Desc(d) => d.encode(out),
            Self::Flow(flows) => flows.iter().try_for_each(|f| f.encode(out))?,
            Self::Aggregate {
                packet_count,
                byte_count,
                flow_count,
            } => {
                out.put64(*packet_count);
                out.put64(*byte_count);
                out.put32(*flow_count);
                zeros(out, 4);
            }
            Self::Table(tables) => tables.iter().for_each(|t| t.encode(out)),
            Self::PortStats(ports) => ports.iter().for_each(|p| p.encode(out)),
            Self::Queue(queues) => queues.iter().for_each(|q| q.encode(out)),
            Self::Group(groups) => groups.iter().try_for_each(|g| g.encode(out))?,
            Self::GroupDesc(groups) => groups.iter().try_for_each(|g| g.encode(out))?,
            Self::GroupFeatures {
                types,
                capabilities,
                max_groups,
                actions,
            } => {
                out.put32(*types);
                out.put32(*capabilities);
                max_groups.iter().for_each(|&m| out.put32(m));
                actions.iter().for_each(|&a| out.put32(a));
            }
            Self::Meter(meters) => meters.iter().try_for_each(|m| m.encode(out))?,
            Self::MeterConfig(meters) => meters.iter().try_for_each(|m| m.encode(out))?,
            Self::MeterFeatures {
                max_meter,
                band_types,
                capabilities,
                max_bands,
                max_color,
            } => {
                out.put32(*max_meter);
                out.put32(*band_types);
                out.put32(*capabilities);
                out.put8(*max_bands);
                out.put8(*max_color);
                zeros(out, 2);
            }
            Self::TableFeatures(tables) => tables.iter().try_for_each(|t| t.encode(out))?,
            Self::PortDesc(ports) => ports.iter().for_each(|p| p.encode(out)),
            Self::Experimenter {
                experimenter,
                exp_type,
                data,
            } => {
                out.put32(*experimenter);
                out.put32(*exp_type);
                out.put_bytes(data);
            }
            Self::Unknown { body, .. } => out.put_bytes(body),
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------------

/// The body of a flow or aggregate statistics request (`ofp_flow_stats_request`), which selects
/// the flows to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStatsRequest {
    /// The table to read, or [`OFPTT_ALL`] for all tables.
    pub table_id: u8,
    /// Only flows that output to this port, or `OFPP_ANY`.
    pub out_port: u32,
    /// Only flows that output to this group, or [`OFPG_ANY`].
    pub out_group: u32,
    /// Only flows whose cookie equals this one in the bits of `cookie_mask`.
    pub cookie: u64,
    /// Which cookie bits must match; 0 selects every cookie.
    pub cookie_mask: u64,
    /// Only flows this match covers; the empty match selects every flow.
    pub match_: Match,
}

impl FlowStatsRequest {
    /// Selects every flow of every table.
    pub fn all() -> Self {
        Self {
            table_id: OFPTT_ALL,
            out_port: OFPP_ANY,
            out_group: OFPG_ANY,
            cookie: 0,
            cookie_mask: 0,
            match_: Match::new(),
        }
    }

    /// Decodes an `ofp_flow_stats_request`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let table_id = r.u8("flow stats request table_id")?;
        r.skip(3, "flow stats request padding")?;
        let out_port = r.u32("flow stats request out_port")?;
        let out_group = r.u32("flow stats request out_group")?;
        r.skip(4, "flow stats request padding")?;
        let cookie = r.u64("flow stats request cookie")?;
        let cookie_mask = r.u64("flow stats request cookie_mask")?;
        let match_ = Match::decode(r)?;
        Ok(Self {
            table_id,
            out_port,
            out_group,
            cookie,
            cookie_mask,
            match_,
        })
    }

    /// Appends an `ofp_flow_stats_request`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put8(self.table_id);
        zeros(out, 3);
        out.put32(self.out_port);
        out.put32(self.out_group);
        zeros(out, 4);
        out.put64(self.cookie);
        out.put64(self.cookie_mask);
        self.match_.encode(out)
    }
}

impl Default for FlowStatsRequest {
    fn default() -> Self {
        Self::all()
    }
}

// ---------------------------------------------------------------------------------------------
// Reply elements
// ---------------------------------------------------------------------------------------------

/// The switch description (`ofp_desc`): five NUL-padded strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Desc {
    /// Manufacturer description.
    pub mfr_desc: String,
    /// Hardware description.
    pub hw_desc: String,
    /// Software description.
    pub sw_desc: String,
    /// Serial number.
    pub serial_num: String,
    /// Human-readable description of the datapath.
    pub dp_desc: String,
}

impl Desc {
    /// Decodes the 1056-byte `ofp_desc`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            mfr_desc: name_from_field(r.bytes(DESC_STR_LEN, "desc mfr_desc")?),
            hw_desc: name_from_field(r.bytes(DESC_STR_LEN, "desc hw_desc")?),
            sw_desc: name_from_field(r.bytes(DESC_STR_LEN, "desc sw_desc")?),
            serial_num: name_from_field(r.bytes(SERIAL_NUM_LEN, "desc serial_num")?),
            dp_desc: name_from_field(r.bytes(DESC_STR_LEN, "desc dp_desc")?),
        })
    }

    /// Appends the 1056-byte `ofp_desc`. Strings too long for their field are cut at a
    /// character boundary so that a NUL always ends them.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_bytes(&fixed_str::<DESC_STR_LEN>(&self.mfr_desc));
        out.put_bytes(&fixed_str::<DESC_STR_LEN>(&self.hw_desc));
        out.put_bytes(&fixed_str::<DESC_STR_LEN>(&self.sw_desc));
        out.put_bytes(&fixed_str::<SERIAL_NUM_LEN>(&self.serial_num));
        out.put_bytes(&fixed_str::<DESC_STR_LEN>(&self.dp_desc));
    }
}

/// Statistics of one flow entry (`ofp_flow_stats`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStats {
    /// The table the flow is in.
    pub table_id: u8,
    /// Seconds the flow has been installed.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Priority.
    pub priority: u16,
    /// Seconds of inactivity before the flow expires (0: never).
    pub idle_timeout: u16,
    /// Seconds before the flow expires (0: never).
    pub hard_timeout: u16,
    /// `OFPFF_*` flags.
    pub flags: u16,
    /// Opaque controller-issued identifier.
    pub cookie: u64,
    /// Packets that hit the flow.
    pub packet_count: u64,
    /// Bytes that hit the flow.
    pub byte_count: u64,
    /// The flow's match.
    pub match_: Match,
    /// The flow's instructions.
    pub instructions: Vec<Instruction>,
}

impl FlowStats {
    /// Decodes one `ofp_flow_stats`, checking its length first.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let len = usize::from(r.u16("flow stats length")?);
        // The match is at least 8 bytes long (header and padding).
        let mut e = r.tlv_body(len, 2, FLOW_STATS_FIXED_LEN + 8, "flow stats entry")?;
        let table_id = e.u8("flow stats table_id")?;
        e.skip(1, "flow stats padding")?;
        let duration_sec = e.u32("flow stats duration_sec")?;
        let duration_nsec = e.u32("flow stats duration_nsec")?;
        let priority = e.u16("flow stats priority")?;
        let idle_timeout = e.u16("flow stats idle_timeout")?;
        let hard_timeout = e.u16("flow stats hard_timeout")?;
        let flags = e.u16("flow stats flags")?;
        e.skip(4, "flow stats padding")?;
        let cookie = e.u64("flow stats cookie")?;
        let packet_count = e.u64("flow stats packet_count")?;
        let byte_count = e.u64("flow stats byte_count")?;
        let match_ = Match::decode(&mut e)?;
        let instructions = Instruction::decode_list(&mut e)?;
        e.finish("flow stats entry")?;
        Ok(Self {
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
        })
    }

    /// Appends one `ofp_flow_stats` with its computed length.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.put16(0);
        out.put8(self.table_id);
        zeros(out, 1);
        out.put32(self.duration_sec);
        out.put32(self.duration_nsec);
        out.put16(self.priority);
        out.put16(self.idle_timeout);
        out.put16(self.hard_timeout);
        out.put16(self.flags);
        zeros(out, 4);
        out.put64(self.cookie);
        out.put64(self.packet_count);
        out.put64(self.byte_count);
        self.match_.encode(out)?;
        Instruction::encode_list(&self.instructions, out)?;
        patch_len16(out, start, start, "flow stats entry")
    }
}

/// Statistics of one flow table (`ofp_table_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TableStats {
    /// The table.
    pub table_id: u8,
    /// Flows in the table.
    pub active_count: u32,
    /// Packets looked up in the table.
    pub lookup_count: u64,
    /// Packets that hit a flow in the table.
    pub matched_count: u64,
}

impl TableStats {
    /// Decodes the 24-byte `ofp_table_stats`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let table_id = r.u8("table stats table_id")?;
        r.skip(3, "table stats padding")?;
        Ok(Self {
            table_id,
            active_count: r.u32("table stats active_count")?,
            lookup_count: r.u64("table stats lookup_count")?,
            matched_count: r.u64("table stats matched_count")?,
        })
    }

    /// Appends the 24-byte `ofp_table_stats`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put8(self.table_id);
        zeros(out, 3);
        out.put32(self.active_count);
        out.put64(self.lookup_count);
        out.put64(self.matched_count);
    }
}

/// Statistics of one port (`ofp_port_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PortStats {
    /// The port.
    pub port_no: u32,
    /// Packets received.
    pub rx_packets: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets dropped on receive.
    pub rx_dropped: u64,
    /// Packets dropped on send.
    pub tx_dropped: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Send errors.
    pub tx_errors: u64,
    /// Frame alignment errors.
    pub rx_frame_err: u64,
    /// Receive overruns.
    pub rx_over_err: u64,
    /// CRC errors.
    pub rx_crc_err: u64,
    /// Collisions.
    pub collisions: u64,
    /// Seconds the port has been alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
}

impl PortStats {
    /// Decodes the 112-byte `ofp_port_stats`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port_no = r.u32("port stats port_no")?;
        r.skip(4, "port stats padding")?;
        Ok(Self {
            port_no,
            rx_packets: r.u64("port stats rx_packets")?,
            tx_packets: r.u64("port stats tx_packets")?,
            rx_bytes: r.u64("port stats rx_bytes")?,
            tx_bytes: r.u64("port stats tx_bytes")?,
            rx_dropped: r.u64("port stats rx_dropped")?,
            tx_dropped: r.u64("port stats tx_dropped")?,
            rx_errors: r.u64("port stats rx_errors")?,
            tx_errors: r.u64("port stats tx_errors")?,
            rx_frame_err: r.u64("port stats rx_frame_err")?,
            rx_over_err: r.u64("port stats rx_over_err")?,
            rx_crc_err: r.u64("port stats rx_crc_err")?,
            collisions: r.u64("port stats collisions")?,
            duration_sec: r.u32("port stats duration_sec")?,
            duration_nsec: r.u32("port stats duration_nsec")?,
        })
    }

    /// Appends the 112-byte `ofp_port_stats`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put32(self.port_no);
        zeros(out, 4);
        for v in [
            self.rx_packets,
            self.tx_packets,
            self.rx_bytes,
            self.tx_bytes,
            self.rx_dropped,
            self.tx_dropped,
            self.rx_errors,
            self.tx_errors,
            self.rx_frame_err,
            self.rx_over_err,
            self.rx_crc_err,
            self.collisions,
        ] {
            out.put64(v);
        }
        out.put32(self.duration_sec);
        out.put32(self.duration_nsec);
    }
}

/// Statistics of one queue of a port (`ofp_queue_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct QueueStats {
    /// The port.
    pub port_no: u32,
    /// The queue.
    pub queue_id: u32,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Packets dropped because of overruns.
    pub tx_errors: u64,
    /// Seconds the queue has been installed.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
}

impl QueueStats {
    /// Decodes the 40-byte `ofp_queue_stats`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            port_no: r.u32("queue stats port_no")?,
            queue_id: r.u32("queue stats queue_id")?,
            tx_bytes: r.u64("queue stats tx_bytes")?,
            tx_packets: r.u64("queue stats tx_packets")?,
            tx_errors: r.u64("queue stats tx_errors")?,
            duration_sec: r.u32("queue stats duration_sec")?,
            duration_nsec: r.u32("queue stats duration_nsec")?,
        })
    }

    /// Appends the 40-byte `ofp_queue_stats`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put32(self.port_no);
        out.put32(self.queue_id);
        out.put64(self.tx_bytes);
        out.put64(self.tx_packets);
        out.put64(self.tx_errors);
        out.put32(self.duration_sec);
        out.put32(self.duration_nsec);
    }
}

/// Counters of one bucket of a group (`ofp_bucket_counter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BucketCounter {
    /// Packets processed by the bucket.
    pub packet_count: u64,
    /// Bytes processed by the bucket.
    pub byte_count: u64,
}

/// Statistics of one group (`ofp_group_stats`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct GroupStats {
    /// The group.
    pub group_id: u32,
    /// Flows and groups that forward to this group.
    pub ref_count: u32,
    /// Packets processed by the group.
    pub packet_count: u64,
    /// Bytes processed by the group.
    pub byte_count: u64,
    /// Seconds the group has been alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Counters of each bucket, in bucket order.
    pub bucket_stats: Vec<BucketCounter>,
}

impl GroupStats {
    /// Decodes one `ofp_group_stats`, checking its length first.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let len = usize::from(r.u16("group stats length")?);
        let mut e = r.tlv_body(len, 2, GROUP_STATS_FIXED_LEN, "group stats entry")?;
        e.skip(2, "group stats padding")?;
        let group_id = e.u32("group stats group_id")?;
        let ref_count = e.u32("group stats ref_count")?;
        e.skip(4, "group stats padding")?;
        let packet_count = e.u64("group stats packet_count")?;
        let byte_count = e.u64("group stats byte_count")?;
        let duration_sec = e.u32("group stats duration_sec")?;
        let duration_nsec = e.u32("group stats duration_nsec")?;
        let bucket_stats = decode_all(&mut e, "bucket counter", |b| {
            Ok(BucketCounter {
                packet_count: b.u64("bucket counter packet_count")?,
                byte_count: b.u64("bucket counter byte_count")?,
            })
        })?;
        Ok(Self {
            group_id,
            ref_count,
            packet_count,
            byte_count,
            duration_sec,
            duration_nsec,
            bucket_stats,
        })
    }

    /// Appends one `ofp_group_stats` with its computed length.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.put16(0);
        zeros(out, 2);
        out.put32(self.group_id);
        out.put32(self.ref_count);
        zeros(out, 4);
        out.put64(self.packet_count);
        out.put64(self.byte_count);
        out.put32(self.duration_sec);
        out.put32(self.duration_nsec);
        for b in &self.bucket_stats {
            out.put64(b.packet_count);
            out.put64(b.byte_count);
        }
        patch_len16(out, start, start, "group stats entry")
    }
}

/// The description of one group (`ofp_group_desc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDesc {
    /// `OFPGT_*` group type (0 all, 1 select, 2 indirect, 3 fast failover).
    pub group_type: u8,
    /// The group.
    pub group_id: u32,
    /// The group's buckets.
    pub buckets: Vec<Bucket>,
}

impl GroupDesc {
    /// Decodes one `ofp_group_desc`, checking its length first.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let len = usize::from(r.u16("group description length")?);
        let mut e = r.tlv_body(len, 2, GROUP_DESC_FIXED_LEN, "group description")?;
        let group_type = e.u8("group description type")?;
        e.skip(1, "group description padding")?;
        let group_id = e.u32("group description group_id")?;
        let buckets = decode_all(&mut e, "bucket", Bucket::decode)?;
        Ok(Self {
            group_type,
            group_id,
            buckets,
        })
    }

    /// Appends one `ofp_group_desc` with its computed length.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.put16(0);
        out.put8(self.group_type);
        zeros(out, 1);
        out.put32(self.group_id);
        for b in &self.buckets {
            b.encode(out)?;
        }
        patch_len16(out, start, start, "group description")
    }
}

/// Statistics of one band of a meter (`ofp_meter_band_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MeterBandStats {
    /// Packets processed by the band.
    pub packet_band_count: u64,
    /// Bytes processed by the band.
    pub byte_band_count: u64,
}

/// Statistics of one meter (`ofp_meter_stats`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct MeterStats {
    /// The meter.
    pub meter_id: u32,
    /// Flows bound to the meter.
    pub flow_count: u32,
    /// Packets that entered the meter.
    pub packet_in_count: u64,
    /// Bytes that entered the meter.
    pub byte_in_count: u64,
    /// Seconds the meter has been alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Statistics of each band, in band order.
    pub band_stats: Vec<MeterBandStats>,
}

impl MeterStats {
    /// Decodes one `ofp_meter_stats`, checking its length first.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let meter_id = r.u32("meter stats meter_id")?;
        let len = usize::from(r.u16("meter stats length")?);
        let mut e = r.tlv_body(len, 6, METER_STATS_FIXED_LEN, "meter stats entry")?;
        e.skip(6, "meter stats padding")?;
        let flow_count = e.u32("meter stats flow_count")?;
        let packet_in_count = e.u64("meter stats packet_in_count")?;
        let byte_in_count = e.u64("meter stats byte_in_count")?;
        let duration_sec = e.u32("meter stats duration_sec")?;
        let duration_nsec = e.u32("meter stats duration_nsec")?;
        let band_stats = decode_all(&mut e, "meter band stats", |b| {
            Ok(MeterBandStats {
                packet_band_count: b.u64("meter band stats packet_band_count")?,
                byte_band_count: b.u64("meter band stats byte_band_count")?,
            })
        })?;
        Ok(Self {
            meter_id,
            flow_count,
            packet_in_count,
            byte_in_count,
            duration_sec,
            duration_nsec,
            band_stats,
        })
    }

    /// Appends one `ofp_meter_stats` with its computed length.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.put32(self.meter_id);
        out.put16(0);
        zeros(out, 6);
        out.put32(self.flow_count);
        out.put64(self.packet_in_count);
        out.put64(self.byte_in_count);
        out.put32(self.duration_sec);
        out.put32(self.duration_nsec);
        for b in &self.band_stats {
            out.put64(b.packet_band_count);
            out.put64(b.byte_band_count);
        }
        patch_len16(out, start + 4, start, "meter stats entry")
    }
}

/// The configuration of one meter (`ofp_meter_config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterConfig {
    /// `OFPMF_*` flags.
    pub flags: u16,
    /// The meter.
    pub meter_id: u32,
    /// The meter's bands.
    pub bands: Vec<MeterBand>,
}

impl MeterConfig {
    /// Decodes one `ofp_meter_config`, checking its length first.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let len = usize::from(r.u16("meter config length")?);
        let mut e = r.tlv_body(len, 2, METER_CONFIG_FIXED_LEN, "meter config")?;
        let flags = e.u16("meter config flags")?;
        let meter_id = e.u32("meter config meter_id")?;
        let bands = decode_all(&mut e, "meter band", MeterBand::decode)?;
        Ok(Self {
            flags,
            meter_id,
            bands,
        })
    }

    /// Appends one `ofp_meter_config` with its computed length.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.put16(0);
        out.put16(self.flags);
        out.put32(self.meter_id);
        for b in &self.bands {
            b.encode(out)?;
        }
        patch_len16(out, start, start, "meter config")
    }
}

/// The features of one flow table (`ofp_table_features`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TableFeatures {
    /// The table.
    pub table_id: u8,
    /// The table's name (up to 31 bytes on the wire).
    pub name: String,
    /// Metadata bits the table can match.
    pub metadata_match: u64,
    /// Metadata bits the table can write.
    pub metadata_write: u64,
    /// `OFPTC_*` configuration bits.
    pub config: u32,
    /// Largest number of flows the table holds.
    pub max_entries: u32,
    /// The properties, in wire order.
    pub properties: Vec<TableFeatureProp>,
}

impl TableFeatures {
    /// Decodes one `ofp_table_features`, checking its length and its properties' lengths.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let len = usize::from(r.u16("table features length")?);
        let mut e = r.tlv_body(len, 2, TABLE_FEATURES_FIXED_LEN, "table features")?;
        let table_id = e.u8("table features table_id")?;
        e.skip(5, "table features padding")?;
        let name = name_from_field(e.bytes(MAX_TABLE_NAME_LEN, "table features name")?);
        let metadata_match = e.u64("table features metadata_match")?;
        let metadata_write = e.u64("table features metadata_write")?;
        let config = e.u32("table features config")?;
        let max_entries = e.u32("table features max_entries")?;
        let properties = decode_all(&mut e, "table feature property", TableFeatureProp::decode)?;
        Ok(Self {
            table_id,
            name,
            metadata_match,
            metadata_write,
            config,
            max_entries,
            properties,
        })
    }

    /// Appends one `ofp_table_features` with its computed length. A name too long for its
    /// field is cut at a character boundary so that a NUL always ends it.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.put16(0);
        out.put8(self.table_id);
        zeros(out, 5);
        out.put_bytes(&fixed_str::<MAX_TABLE_NAME_LEN>(&self.name));
        out.put64(self.metadata_match);
        out.put64(self.metadata_write);
        out.put32(self.config);
        out.put32(self.max_entries);
        for p in &self.properties {
            p.encode(out)?;
        }
        patch_len16(out, start, start, "table features")
    }
}

/// One table-feature property (`ofp_table_feature_prop_*`), its data kept raw.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TableFeatureProp {
    /// `OFPTFPT_*` property type (see [`tfpt`]).
    pub prop_type: u16,
    /// The bytes after the 4-byte header, without the padding to 8 bytes.
    pub data: Vec<u8>,
}

impl TableFeatureProp {
    /// Decodes one property and the padding after it.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let prop_type = r.u16("table feature property type")?;
        let len = usize::from(r.u16("table feature property length")?);
        let mut body = r.tlv_body(
            len,
            TABLE_FEATURE_PROP_HEADER_LEN,
            TABLE_FEATURE_PROP_HEADER_LEN,
            "table feature property",
        )?;
        let data = body.rest().to_vec();
        r.skip(pad8_len(len) - len, "table feature property padding")?;
        Ok(Self { prop_type, data })
    }

    /// Appends the property with its computed length, then zero padding to 8 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.put16(self.prop_type);
        out.put16(0);
        out.put_bytes(&self.data);
        patch_len16(out, start + 2, start, "table feature property")?;
        pad8(out, start);
        Ok(())
    }

    /// The `OFPTFPT_*` name of the property type, lower case without the prefix.
    pub fn type_name(&self) -> Option<&'static str> {
        Some(match self.prop_type {
            tfpt::INSTRUCTIONS => "instructions",
            tfpt::INSTRUCTIONS_MISS => "instructions_miss",
            tfpt::NEXT_TABLES => "next_tables",
            tfpt::NEXT_TABLES_MISS => "next_tables_miss",
            tfpt::WRITE_ACTIONS => "write_actions",
            tfpt::WRITE_ACTIONS_MISS => "write_actions_miss",
            tfpt::APPLY_ACTIONS => "apply_actions",
            tfpt::APPLY_ACTIONS_MISS => "apply_actions_miss",
            tfpt::MATCH => "match",
            tfpt::WILDCARDS => "wildcards",
            tfpt::WRITE_SETFIELD => "write_setfield",
            tfpt::WRITE_SETFIELD_MISS => "write_setfield_miss",
            tfpt::APPLY_SETFIELD => "apply_setfield",
            tfpt::APPLY_SETFIELD_MISS => "apply_setfield_miss",
            tfpt::EXPERIMENTER => "experimenter",
            tfpt::EXPERIMENTER_MISS => "experimenter_miss",
            _ => return None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Display
// ---------------------------------------------------------------------------------------------

/// `sec.mmm s`, as ovs-ofctl prints durations.
struct Duration(u32, u32);

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0, self.1 / 1_000_000)
    }
}

/// Writes `items` one per line, indented, after a header line.
fn write_lines<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    if items.is_empty() {
        return f.write_str(" (empty)");
    }
    for i in items {
        write!(f, "\n  {i}")?;
    }
    Ok(())
}

/// Writes the head line of a message: type name, direction and flags.
fn write_head(f: &mut fmt::Formatter<'_>, mp_type: u16, dir: &str, flags: u16) -> fmt::Result {
    match type_name(mp_type) {
        Some(n) => write!(f, "{n} {dir}")?,
        None => write!(f, "OFPMP_{mp_type} {dir}")?,
    }
    if flags & OFPMPF_MORE != 0 {
        f.write_str(" (more)")?;
    }
    if flags & !OFPMPF_MORE != 0 {
        write!(f, " flags={flags:#x}")?;
    }
    Ok(())
}

fn group_type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        group_type::ALL => "all",
        group_type::SELECT => "select",
        group_type::INDIRECT => "indirect",
        group_type::FF => "ff",
        _ => return None,
    })
}

/// A group id, with `OFPG_ALL`/`OFPG_ANY` by name.
struct GroupId(u32);

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            OFPG_ALL => f.write_str("ALL"),
            OFPG_ANY => f.write_str("ANY"),
            g => write!(f, "{g}"),
        }
    }
}

/// A meter id, with `OFPM_ALL` by name.
struct MeterId(u32);

impl fmt::Display for MeterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            OFPM_ALL => f.write_str("ALL"),
            m => write!(f, "{m}"),
        }
    }
}

impl fmt::Display for MultipartRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_head(f, self.mp_type(), "request", self.flags)?;
        match &self.body {
            MultipartRequestBody::Desc
            | MultipartRequestBody::Table
            | MultipartRequestBody::GroupDesc
            | MultipartRequestBody::GroupFeatures
            | MultipartRequestBody::MeterFeatures
            | MultipartRequestBody::PortDesc => Ok(()),
            MultipartRequestBody::Flow(req) | MultipartRequestBody::Aggregate(req) => {
                write!(f, ": {req}")
            }
            MultipartRequestBody::PortStats { port_no } => write!(f, ": port={}", PortNo(*port_no)),
            MultipartRequestBody::Queue { port_no, queue_id } => {
                write!(f, ": port={} queue=", PortNo(*port_no))?;
                match *queue_id {
                    OFPQ_ALL => f.write_str("ALL"),
                    q => write!(f, "{q}"),
                }
            }
            MultipartRequestBody::Group { group_id } => {
                write!(f, ": group_id={}", GroupId(*group_id))
            }
            MultipartRequestBody::Meter { meter_id }
            | MultipartRequestBody::MeterConfig { meter_id } => {
                write!(f, ": meter={}", MeterId(*meter_id))
            }
            MultipartRequestBody::TableFeatures(tables) => write_lines(f, tables),
            MultipartRequestBody::Experimenter {
                experimenter,
                exp_type,
                data,
            } => {
                write!(
                    f,
                    ": experimenter={experimenter:#010x} exp_type={exp_type} data={}",
                    hex(data)
                )
            }
            MultipartRequestBody::Unknown { body, .. } => {
                write!(f, ": body={}", hex(body))
            }
        }
    }
}

impl fmt::Display for MultipartReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_head(f, self.mp_type(), "reply", self.flags)?;
        match &self.body {
            MultipartReplyBody::Desc(d) => write!(f, ": {d}"),
            MultipartReplyBody::Flow(flows) => write_lines(f, flows),
            MultipartReplyBody::Aggregate {
                packet_count,
                byte_count,
                flow_count,
            } => write!(
                f,
                ": packet_count={packet_count} byte_count={byte_count} flow_count={flow_count}"
            ),
            MultipartReplyBody::Table(tables) => write_lines(f, tables),
            MultipartReplyBody::PortStats(ports) => write_lines(f, ports),
            MultipartReplyBody::Queue(queues) => write_lines(f, queues),
            MultipartReplyBody::Group(groups) => write_lines(f, groups),
            MultipartReplyBody::GroupDesc(groups) => write_lines(f, groups),
            MultipartReplyBody::GroupFeatures {
                types,
                capabilities,
                max_groups,
                actions,
            } => {
                write!(f, ": types={types:#x} capabilities={capabilities:#x}")?;
                for (i, (m, a)) in max_groups.iter().zip(actions).enumerate() {
                    let name = u8::try_from(i)
                        .ok()
                        .and_then(group_type_name)
                        .unwrap_or("?");
                    write!(f, " {name}:max_groups={m},actions={a:#x}")?;
                }
                Ok(())
            }
            MultipartReplyBody::Meter(meters) => write_lines(f, meters),
            MultipartReplyBody::MeterConfig(meters) => write_lines(f, meters),
            MultipartReplyBody::MeterFeatures {
                max_meter,
                band_types,
                capabilities,
                max_bands,
                max_color,
            } => write!(
                f,
                ": max_meter={max_meter} band_types={band_types:#x} \
                 capabilities={capabilities:#x} max_bands={max_bands} max_color={max_color}"
            ),
            MultipartReplyBody::TableFeatures(tables) => write_lines(f, tables),
            MultipartReplyBody::PortDesc(ports) => write_lines(f, ports),
            MultipartReplyBody::Experimenter {
                experimenter,
                exp_type,
                data,
            } => {
                write!(
                    f,
                    ": experimenter={experimenter:#010x} exp_type={exp_type} data={}",
                    hex(data)
                )
            }
            MultipartReplyBody::Unknown { body, .. } => {
                write!(f, ": body={}", hex(body))
            }
        }
    }
}

impl fmt::Display for FlowStatsRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.table_id {
            OFPTT_ALL => f.write_str("table=ALL")?,
            t => write!(f, "table={t}")?,
        }
        write!(
            f,
            " out_port={} out_group={}",
            PortNo(self.out_port),
            GroupId(self.out_group)
        )?;
        if self.cookie_mask != 0 {
            write!(f, " cookie={:#x}/{:#x}", self.cookie, self.cookie_mask)?;
        }
        if !self.match_.is_empty() {
            write!(f, " {}", self.match_)?;
        }
        Ok(())
    }
}

impl fmt::Display for Desc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "mfr={:?} hw={:?} sw={:?} serial={:?} dp={:?}",
            self.mfr_desc, self.hw_desc, self.sw_desc, self.serial_num, self.dp_desc
        )
    }
}

impl fmt::Display for FlowStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cookie={:#x}, duration={}, table={}, n_packets={}, n_bytes={}",
            self.cookie,
            Duration(self.duration_sec, self.duration_nsec),
            self.table_id,
            self.packet_count,
            self.byte_count
        )?;
        if self.idle_timeout != 0 {
            write!(f, ", idle_timeout={}", self.idle_timeout)?;
        }
        if self.hard_timeout != 0 {
            write!(f, ", hard_timeout={}", self.hard_timeout)?;
        }
        if self.flags != 0 {
            write!(f, ", flags={:#x}", self.flags)?;
        }
        write!(f, ", priority={}", self.priority)?;
        if !self.match_.is_empty() {
            write!(f, ",{}", self.match_)?;
        }
        f.write_str(" actions=")?;
        fmt_instructions(f, &self.instructions)
    }
}

impl fmt::Display for TableStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "table {}: active={}, lookup={}, matched={}",
            self.table_id, self.active_count, self.lookup_count, self.matched_count
        )
    }
}

impl fmt::Display for PortStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "port {}: rx pkts={}, bytes={}, drop={}, errs={}, frame={}, over={}, crc={}; \
             tx pkts={}, bytes={}, drop={}, errs={}, coll={}; duration={}",
            PortNo(self.port_no),
            self.rx_packets,
            self.rx_bytes,
            self.rx_dropped,
            self.rx_errors,
            self.rx_frame_err,
            self.rx_over_err,
            self.rx_crc_err,
            self.tx_packets,
            self.tx_bytes,
            self.tx_dropped,
            self.tx_errors,
            self.collisions,
            Duration(self.duration_sec, self.duration_nsec)
        )
    }
}

impl fmt::Display for QueueStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "port {} queue {}: bytes={}, pkts={}, errors={}, duration={}",
            PortNo(self.port_no),
            self.queue_id,
            self.tx_bytes,
            self.tx_packets,
            self.tx_errors,
            Duration(self.duration_sec, self.duration_nsec)
        )
    }
}

impl fmt::Display for BucketCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "packet_count={},byte_count={}",
            self.packet_count, self.byte_count
        )
    }
}

impl fmt::Display for GroupStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "group_id={},duration={},ref_count={},packet_count={},byte_count={}",
            self.group_id,
            Duration(self.duration_sec, self.duration_nsec),
            self.ref_count,
            self.packet_count,
            self.byte_count
        )?;
        for (i, b) in self.bucket_stats.iter().enumerate() {
            write!(f, ",bucket{i}:{b}")?;
        }
        Ok(())
    }
}

impl fmt::Display for GroupDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "group_id={},type=", self.group_id)?;
        match group_type_name(self.group_type) {
            Some(n) => f.write_str(n)?,
            None => write!(f, "{}", self.group_type)?,
        }
        for b in &self.buckets {
            write!(f, ",{b}")?;
        }
        Ok(())
    }
}

impl fmt::Display for MeterBandStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "packet_count={},byte_count={}",
            self.packet_band_count, self.byte_band_count
        )
    }
}

impl fmt::Display for MeterStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "meter={} flow_count={} packet_in_count={} byte_in_count={} duration={}",
            self.meter_id,
            self.flow_count,
            self.packet_in_count,
            self.byte_in_count,
            Duration(self.duration_sec, self.duration_nsec)
        )?;
        if !self.band_stats.is_empty() {
            f.write_str(" bands:")?;
            for (i, b) in self.band_stats.iter().enumerate() {
                write!(f, " {i}:{b}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for MeterConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const FLAGS: [(u16, &str); 4] = [
            (meter_flags::KBPS, "kbps"),
            (meter_flags::PKTPS, "pktps"),
            (meter_flags::BURST, "burst"),
            (meter_flags::STATS, "stats"),
        ];
        write!(f, "meter={}", self.meter_id)?;
        for (bit, name) in FLAGS {
            if self.flags & bit != 0 {
                write!(f, " {name}")?;
            }
        }
        let unknown = FLAGS.iter().fold(self.flags, |rest, (bit, _)| rest & !bit);
        if unknown != 0 {
            write!(f, " flags={unknown:#x}")?;
        }
        f.write_str(" bands=")?;
        for (i, b) in self.bands.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{b}")?;
        }
        Ok(())
    }
}

impl fmt::Display for TableFeatures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "table {} ({:?}): metadata_match={:#x} metadata_write={:#x} config={:#x} \
             max_entries={}",
            self.table_id,
            self.name,
            self.metadata_match,
            self.metadata_write,
            self.config,
            self.max_entries
        )?;
        for p in &self.properties {
            write!(f, "; {p}")?;
        }
        Ok(())
    }
}

impl fmt::Display for TableFeatureProp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.type_name() {
            Some(n) => write!(f, "{n}=")?,
            None => write!(f, "prop{}=", self.prop_type)?,
        }
        if write_prop_summary(f, self.prop_type, &self.data)? {
            Ok(())
        } else {
            f.write_str(&hex(&self.data))
        }
    }
}

/// Writes a readable summary of a property's data. Returns `Ok(false)` without writing anything
/// when the data is not well formed for its type, so that the caller prints it raw instead.
fn write_prop_summary(
    f: &mut fmt::Formatter<'_>,
    prop_type: u16,
    data: &[u8],
) -> Result<bool, fmt::Error> {
    let items = match prop_type {
        tfpt::INSTRUCTIONS..=tfpt::INSTRUCTIONS_MISS
        | tfpt::WRITE_ACTIONS..=tfpt::APPLY_ACTIONS_MISS => tlv_ids(data),
        tfpt::NEXT_TABLES | tfpt::NEXT_TABLES_MISS => {
            Some(data.iter().map(|t| t.to_string()).collect())
        }
        tfpt::MATCH | tfpt::WILDCARDS | tfpt::WRITE_SETFIELD..=tfpt::APPLY_SETFIELD_MISS => {
            oxm_ids(data)
        }
        tfpt::EXPERIMENTER | tfpt::EXPERIMENTER_MISS => {
            let mut r = Reader::new(data);
            match (r.u32("experimenter"), r.u32("exp_type")) {
                (Ok(experimenter), Ok(exp_type)) => {
                    write!(
                        f,
                        "experimenter={experimenter:#010x},exp_type={exp_type},data={}",
                        hex(r.rest())
                    )?;
                    return Ok(true);
                }
                _ => None,
            }
        }
        _ => None,
    };
    let Some(items) = items else { return Ok(false) };
    f.write_str("[")?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        f.write_str(item)?;
    }
    f.write_str("]")?;
    Ok(true)
}

/// The types of a list of instruction or action ids (`type u16, len u16, ...`), or `None` if
/// the list is malformed.
fn tlv_ids(data: &[u8]) -> Option<Vec<String>> {
    let mut r = Reader::new(data);
    let mut ids = Vec::new();
    while !r.is_empty() {
        let ty = r.u16("id type").ok()?;
        let len = usize::from(r.u16("id length").ok()?);
        r.tlv_body(len, 4, 4, "id").ok()?;
        ids.push(ty.to_string());
    }
    Some(ids)
}

/// The names of a list of OXM ids (32-bit headers, 64-bit for experimenter fields), or `None`
/// if the list is malformed.
fn oxm_ids(data: &[u8]) -> Option<Vec<String>> {
    let mut r = Reader::new(data);
    let mut ids = Vec::new();
    while !r.is_empty() {
        let h = r.u32("oxm id").ok()?;
        let class = oxm::header_class(h);
        let field = oxm::header_field(h);
        let mut id = match oxm::field_name(class, field) {
            Some(n) => n.to_string(),
            None => format!("{h:#010x}"),
        };
        if class == oxm::CLASS_EXPERIMENTER {
            let experimenter = r.u32("oxm id experimenter").ok()?;
            id = format!("{id}@{experimenter:#010x}");
        }
        if oxm::header_hasmask(h) {
            id.push_str("/mask");
        }
        ids.push(id);
    }
    Some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// A corpus file: its name, the whole message, and Ryu's JSON decoding of it.
    struct Case {
        name: &'static str,
        bytes: &'static [u8],
        json: &'static str,
    }

    macro_rules! corpus {
        ($($name:literal),* $(,)?) => {
            &[$(Case {
                name: $name,
                bytes: include_bytes!(concat!(
                    "../../../../shared/testdata/openflow13/ryu/", $name, ".packet"
                )),
                json: include_str!(concat!(
                    "../../../../shared/testdata/openflow13/ryu/", $name, ".packet.json"
                )),
            }),*]
        };
    }

    const CORPUS: &[Case] = corpus!(
        "4-0-ofp_desc_reply",
        "4-11-ofp_flow_stats_request",
        "4-12-ofp_flow_stats_reply",
        "4-24-ofp_desc_request",
        "4-25-ofp_aggregate_stats_request",
        "4-27-ofp_table_stats_request",
        "4-28-ofp_table_stats_reply",
        "4-29-ofp_port_stats_request",
        "4-31-ofp_group_features_request",
        "4-32-ofp_group_features_reply",
        "4-33-ofp_group_desc_request",
        "4-34-ofp_group_desc_reply",
        "4-37-ofp_queue_stats_request",
        "4-38-ofp_queue_stats_reply",
        "4-47-ofp_meter_config_request",
        "4-48-ofp_meter_config_reply",
        "4-50-ofp_meter_stats_reply",
        "4-51-ofp_meter_features_request",
        "4-52-ofp_meter_features_reply",
        "4-54-ofp_port_desc_reply",
        "4-55-ofp_table_features_request",
        "4-56-ofp_table_features_reply",
        "4-57-ofp_group_stats_request",
        "4-61-ofp_experimenter_request",
        "4-63-onf_flow_monitor_request",
    );

    const OFPT_MULTIPART_REQUEST: u8 = 18;
    const OFPT_MULTIPART_REPLY: u8 = 19;

    /// Either kind of decoded message.
    #[derive(Debug, PartialEq)]
    enum Decoded {
        Request(MultipartRequest),
        Reply(MultipartReply),
    }

    impl Decoded {
        fn encode(&self) -> Result<Vec<u8>, EncodeError> {
            let mut out = Vec::new();
            match self {
                Decoded::Request(m) => m.encode(&mut out)?,
                Decoded::Reply(m) => m.encode(&mut out)?,
            }
            Ok(out)
        }

        fn to_display(&self) -> String {
            match self {
                Decoded::Request(m) => m.to_string(),
                Decoded::Reply(m) => m.to_string(),
            }
        }
    }

    fn decode(is_request: bool, body: &[u8]) -> Result<Decoded, DecodeError> {
        let mut r = Reader::with_base(body, 8);
        if is_request {
            MultipartRequest::decode(&mut r).map(Decoded::Request)
        } else {
            MultipartReply::decode(&mut r).map(Decoded::Reply)
        }
    }

    impl Case {
        fn is_request(&self) -> bool {
            match self.bytes[1] {
                OFPT_MULTIPART_REQUEST => true,
                OFPT_MULTIPART_REPLY => false,
                t => panic!("{}: message type {t} is not a multipart message", self.name),
            }
        }

        fn body(&self) -> &'static [u8] {
            &self.bytes[8..]
        }

        fn decode(&self) -> Decoded {
            decode(self.is_request(), self.body()).unwrap_or_else(|e| panic!("{}: {e}", self.name))
        }

        /// The JSON object inside Ryu's class wrapper.
        fn json(&self) -> Value {
            let v: Value = serde_json::from_str(self.json).unwrap();
            let (_, inner) = v.as_object().unwrap().iter().next().unwrap();
            inner.clone()
        }
    }

    fn case(prefix: &str) -> &'static Case {
        CORPUS
            .iter()
            .find(|c| c.name.starts_with(&format!("{prefix}-")))
            .unwrap_or_else(|| panic!("no corpus file {prefix}"))
    }

    fn reply(prefix: &str) -> MultipartReply {
        match case(prefix).decode() {
            Decoded::Reply(r) => r,
            other => panic!("{prefix}: expected a reply, got {other:?}"),
        }
    }

    fn request(prefix: &str) -> MultipartRequest {
        match case(prefix).decode() {
            Decoded::Request(r) => r,
            other => panic!("{prefix}: expected a request, got {other:?}"),
        }
    }

    /// Ryu's class wrapper removed from a list element.
    fn unwrap_class(v: &Value) -> &Value {
        v.as_object().unwrap().values().next().unwrap()
    }

    fn u64_of(v: &Value, key: &str) -> u64 {
        v[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} missing in {v}"))
    }

    fn u32_of(v: &Value, key: &str) -> u32 {
        u32::try_from(u64_of(v, key)).unwrap()
    }

    fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} missing in {v}"))
    }

    fn list(v: &Value) -> Vec<&Value> {
        v["body"]
            .as_array()
            .unwrap()
            .iter()
            .map(unwrap_class)
            .collect()
    }

    #[test]
    fn the_corpus_path_holds_every_multipart_file() {
        assert_eq!(CORPUS.len(), 25);
        for c in CORPUS {
            assert_eq!(c.bytes[0], crate::OFP_VERSION, "{}", c.name);
            let len = usize::from(u16::from_be_bytes([c.bytes[2], c.bytes[3]]));
            assert_eq!(len, c.bytes.len(), "{}", c.name);
            c.is_request();
        }
    }

    #[test]
    fn every_corpus_message_re_encodes_byte_for_byte() {
        for c in CORPUS {
            let decoded = c.decode();
            let out = decoded
                .encode()
                .unwrap_or_else(|e| panic!("{}: {e}", c.name));
            assert_eq!(out, c.body(), "{} does not re-encode identically", c.name);
            assert!(!decoded.to_display().is_empty());
            let json = c.json();
            let (mp_type, flags) = match &decoded {
                Decoded::Request(m) => (m.mp_type(), m.flags),
                Decoded::Reply(m) => (m.mp_type(), m.flags),
            };
            assert_eq!(u64::from(mp_type), u64_of(&json, "type"), "{}", c.name);
            assert_eq!(u64::from(flags), u64_of(&json, "flags"), "{}", c.name);
        }
    }

    #[test]
    fn desc_reply_strings() {
        let json = case("4-0").json();
        let d = &json["body"]["OFPDescStats"];
        let MultipartReplyBody::Desc(desc) = reply("4-0").body else {
            panic!()
        };
        assert_eq!(desc.mfr_desc, str_of(d, "mfr_desc"));
        assert_eq!(desc.hw_desc, str_of(d, "hw_desc"));
        assert_eq!(desc.sw_desc, str_of(d, "sw_desc"));
        assert_eq!(desc.serial_num, str_of(d, "serial_num"));
        assert_eq!(desc.dp_desc, str_of(d, "dp_desc"));
        assert_eq!(
            reply("4-0").to_string(),
            r#"OFPMP_DESC reply: mfr="mfr" hw="hw" sw="sw" serial="serial" dp="dp""#
        );
    }

    #[test]
    fn flow_and_aggregate_requests() {
        for (prefix, aggregate) in [("4-11", false), ("4-25", true)] {
            let json = case(prefix).json();
            let req = request(prefix);
            let f = match (&req.body, aggregate) {
                (MultipartRequestBody::Flow(f), false)
                | (MultipartRequestBody::Aggregate(f), true) => f,
                other => panic!("{prefix}: {other:?}"),
            };
            assert_eq!(u64::from(f.table_id), u64_of(&json, "table_id"));
            assert_eq!(u64::from(f.out_port), u64_of(&json, "out_port"));
            assert_eq!(u64::from(f.out_group), u64_of(&json, "out_group"));
            assert_eq!(f.cookie, u64_of(&json, "cookie"));
            assert_eq!(f.cookie_mask, u64_of(&json, "cookie_mask"));
            assert!(f.match_.is_empty());
        }
        // The aggregate request asks for everything, which is what `all()` builds.
        let built = MultipartRequest::new(MultipartRequestBody::Aggregate(FlowStatsRequest::all()));
        let mut out = Vec::new();
        built.encode(&mut out).unwrap();
        assert_eq!(out, case("4-25").body());
        assert_eq!(
            request("4-11").to_string(),
            "OFPMP_FLOW request: table=0 out_port=ANY out_group=ANY"
        );
    }

    #[test]
    fn flow_stats_reply_entries() {
        let json = case("4-12").json();
        let expected = list(&json);
        let MultipartReplyBody::Flow(flows) = reply("4-12").body else {
            panic!()
        };
        assert_eq!(flows.len(), expected.len());
        assert!(flows.len() > 1);
        for (f, e) in flows.iter().zip(&expected) {
            assert_eq!(u64::from(f.priority), u64_of(e, "priority"));
            assert_eq!(u64::from(f.table_id), u64_of(e, "table_id"));
            assert_eq!(u64::from(f.duration_sec), u64_of(e, "duration_sec"));
            assert_eq!(u64::from(f.duration_nsec), u64_of(e, "duration_nsec"));
            assert_eq!(u64::from(f.idle_timeout), u64_of(e, "idle_timeout"));
            assert_eq!(u64::from(f.hard_timeout), u64_of(e, "hard_timeout"));
            assert_eq!(u64::from(f.flags), u64_of(e, "flags"));
            assert_eq!(f.cookie, u64_of(e, "cookie"));
            assert_eq!(f.packet_count, u64_of(e, "packet_count"));
            assert_eq!(f.byte_count, u64_of(e, "byte_count"));
            let oxms = e["match"]["OFPMatch"]["oxm_fields"].as_array().unwrap();
            assert_eq!(f.match_.fields.len(), oxms.len());
            for (o, j) in f.match_.fields.iter().zip(oxms) {
                assert_eq!(o.name(), str_of(unwrap_class(j), "field"));
            }
            assert_eq!(
                f.instructions.len(),
                e["instructions"].as_array().unwrap().len()
            );
            // Each entry's length is computed on encode; it must be the one on the wire.
            let mut out = Vec::new();
            f.encode(&mut out).unwrap();
            assert_eq!(out.len() as u64, u64_of(e, "length"));
        }
        let text = reply("4-12").to_string();
        assert!(
            text.starts_with("OFPMP_FLOW reply\n  cookie=0x0, duration=358.115s, table=0, "),
            "{text}"
        );
        assert!(text.contains("priority=65535 actions=drop"), "{text}");
    }

    #[test]
    fn empty_requests() {
        for (prefix, body) in [
            ("4-24", MultipartRequestBody::Desc),
            ("4-27", MultipartRequestBody::Table),
            ("4-31", MultipartRequestBody::GroupFeatures),
            ("4-33", MultipartRequestBody::GroupDesc),
            ("4-51", MultipartRequestBody::MeterFeatures),
        ] {
            assert_eq!(request(prefix), MultipartRequest { flags: 0, body });
        }
        assert_eq!(request("4-27").to_string(), "OFPMP_TABLE request");
    }

    #[test]
    fn requests_for_one_port_queue_group_or_meter() {
        let j = case("4-29").json();
        assert_eq!(
            request("4-29").body,
            MultipartRequestBody::PortStats {
                port_no: u32_of(&j, "port_no")
            }
        );
        let j = case("4-37").json();
        assert_eq!(
            request("4-37").body,
            MultipartRequestBody::Queue {
                port_no: u32_of(&j, "port_no"),
                queue_id: u32_of(&j, "queue_id"),
            }
        );
        let j = case("4-47").json();
        assert_eq!(
            request("4-47").body,
            MultipartRequestBody::MeterConfig {
                meter_id: u32_of(&j, "meter_id")
            }
        );
        let j = case("4-57").json();
        assert_eq!(
            request("4-57").body,
            MultipartRequestBody::Group {
                group_id: u32_of(&j, "group_id")
            }
        );
        assert_eq!(
            request("4-29").to_string(),
            "OFPMP_PORT_STATS request: port=ANY"
        );
        assert_eq!(
            request("4-37").to_string(),
            "OFPMP_QUEUE request: port=ANY queue=ALL"
        );
        assert_eq!(
            request("4-47").to_string(),
            "OFPMP_METER_CONFIG request: meter=ALL"
        );
        assert_eq!(
            request("4-57").to_string(),
            "OFPMP_GROUP request: group_id=ALL"
        );

        // A meter stats request is not in the corpus; it has the meter config request's shape.
        let meter = MultipartRequest::new(MultipartRequestBody::Meter { meter_id: OFPM_ALL });
        let mut out = Vec::new();
        meter.encode(&mut out).unwrap();
        let mut expected = case("4-47").body().to_vec();
        expected[..2].copy_from_slice(&OFPMP_METER.to_be_bytes());
        assert_eq!(out, expected);
        assert_eq!(
            MultipartRequest::decode(&mut Reader::new(&out)).unwrap(),
            meter
        );
    }

    #[test]
    fn table_stats_reply() {
        let json = case("4-28").json();
        let expected = list(&json);
        let MultipartReplyBody::Table(tables) = reply("4-28").body else {
            panic!()
        };
        assert_eq!(tables.len(), expected.len());
        for (t, e) in tables.iter().zip(&expected) {
            assert_eq!(u64::from(t.table_id), u64_of(e, "table_id"));
            assert_eq!(u64::from(t.active_count), u64_of(e, "active_count"));
            assert_eq!(t.lookup_count, u64_of(e, "lookup_count"));
            assert_eq!(t.matched_count, u64_of(e, "matched_count"));
        }
        assert_eq!(
            reply("4-28").to_string(),
            "OFPMP_TABLE reply\n  table 0: active=4, lookup=4, matched=4\n  \
             table 1: active=4, lookup=4, matched=4"
        );
    }

    #[test]
    fn group_features_reply() {
        let json = case("4-32").json();
        let e = &json["body"]["OFPGroupFeaturesStats"];
        let arr = |k: &str| -> Vec<u32> {
            e[k].as_array()
                .unwrap()
                .iter()
                .map(|v| u32::try_from(v.as_u64().unwrap()).unwrap())
                .collect()
        };
        let MultipartReplyBody::GroupFeatures {
            types,
            capabilities,
            max_groups,
            actions,
        } = reply("4-32").body
        else {
            panic!()
        };
        assert_eq!(u64::from(types), u64_of(e, "types"));
        assert_eq!(u64::from(capabilities), u64_of(e, "capabilities"));
        assert_eq!(max_groups.to_vec(), arr("max_groups"));
        assert_eq!(actions.to_vec(), arr("actions"));
    }

    #[test]
    fn group_desc_reply() {
        let json = case("4-34").json();
        let expected = list(&json);
        let MultipartReplyBody::GroupDesc(groups) = reply("4-34").body else {
            panic!()
        };
        assert_eq!(groups.len(), expected.len());
        for (g, e) in groups.iter().zip(&expected) {
            assert_eq!(u64::from(g.group_id), u64_of(e, "group_id"));
            assert_eq!(u64::from(g.group_type), u64_of(e, "type"));
            let buckets: Vec<&Value> = e["buckets"]
                .as_array()
                .unwrap()
                .iter()
                .map(unwrap_class)
                .collect();
            assert_eq!(g.buckets.len(), buckets.len());
            for (b, j) in g.buckets.iter().zip(&buckets) {
                assert_eq!(u64::from(b.weight), u64_of(j, "weight"));
                assert_eq!(u64::from(b.watch_port), u64_of(j, "watch_port"));
                assert_eq!(u64::from(b.watch_group), u64_of(j, "watch_group"));
                assert_eq!(b.actions.len(), j["actions"].as_array().unwrap().len());
            }
        }
    }

    #[test]
    fn queue_stats_reply() {
        let json = case("4-38").json();
        let expected = list(&json);
        let MultipartReplyBody::Queue(queues) = reply("4-38").body else {
            panic!()
        };
        assert_eq!(queues.len(), expected.len());
        for (q, e) in queues.iter().zip(&expected) {
            assert_eq!(u64::from(q.port_no), u64_of(e, "port_no"));
            assert_eq!(u64::from(q.queue_id), u64_of(e, "queue_id"));
            assert_eq!(q.tx_bytes, u64_of(e, "tx_bytes"));
            assert_eq!(q.tx_packets, u64_of(e, "tx_packets"));
            assert_eq!(q.tx_errors, u64_of(e, "tx_errors"));
            assert_eq!(u64::from(q.duration_sec), u64_of(e, "duration_sec"));
            assert_eq!(u64::from(q.duration_nsec), u64_of(e, "duration_nsec"));
        }
    }

    #[test]
    fn meter_config_reply() {
        let json = case("4-48").json();
        let expected = list(&json);
        let MultipartReplyBody::MeterConfig(meters) = reply("4-48").body else {
            panic!()
        };
        assert_eq!(meters.len(), expected.len());
        for (m, e) in meters.iter().zip(&expected) {
            assert_eq!(u64::from(m.meter_id), u64_of(e, "meter_id"));
            assert_eq!(u64::from(m.flags), u64_of(e, "flags"));
            assert_eq!(m.bands.len(), e["bands"].as_array().unwrap().len());
        }
        let text = reply("4-48").to_string();
        assert!(
            text.starts_with("OFPMP_METER_CONFIG reply\n  meter=100 pktps burst stats bands="),
            "{text}"
        );
    }

    #[test]
    fn meter_stats_reply() {
        let json = case("4-50").json();
        let expected = list(&json);
        let MultipartReplyBody::Meter(meters) = reply("4-50").body else {
            panic!()
        };
        assert_eq!(meters.len(), expected.len());
        for (m, e) in meters.iter().zip(&expected) {
            assert_eq!(u64::from(m.meter_id), u64_of(e, "meter_id"));
            assert_eq!(u64::from(m.flow_count), u64_of(e, "flow_count"));
            assert_eq!(m.packet_in_count, u64_of(e, "packet_in_count"));
            assert_eq!(m.byte_in_count, u64_of(e, "byte_in_count"));
            assert_eq!(u64::from(m.duration_sec), u64_of(e, "duration_sec"));
            assert_eq!(u64::from(m.duration_nsec), u64_of(e, "duration_nsec"));
            let bands: Vec<&Value> = e["band_stats"]
                .as_array()
                .unwrap()
                .iter()
                .map(unwrap_class)
                .collect();
            assert_eq!(m.band_stats.len(), bands.len());
            for (b, j) in m.band_stats.iter().zip(&bands) {
                assert_eq!(b.packet_band_count, u64_of(j, "packet_band_count"));
                assert_eq!(b.byte_band_count, u64_of(j, "byte_band_count"));
            }
        }
    }

    #[test]
    fn meter_features_reply() {
        let json = case("4-52").json();
        // Ryu shows the single `ofp_meter_features` as a one-element list.
        let e = list(&json)[0];
        let MultipartReplyBody::MeterFeatures {
            max_meter,
            band_types,
            capabilities,
            max_bands,
            max_color,
        } = reply("4-52").body
        else {
            panic!()
        };
        assert_eq!(u64::from(max_meter), u64_of(e, "max_meter"));
        assert_eq!(u64::from(band_types), u64_of(e, "band_types"));
        assert_eq!(u64::from(capabilities), u64_of(e, "capabilities"));
        assert_eq!(u64::from(max_bands), u64_of(e, "max_bands"));
        assert_eq!(u64::from(max_color), u64_of(e, "max_color"));
    }

    #[test]
    fn port_desc_reply() {
        let json = case("4-54").json();
        let expected = list(&json);
        let MultipartReplyBody::PortDesc(ports) = reply("4-54").body else {
            panic!()
        };
        assert_eq!(ports.len(), expected.len());
        for (p, e) in ports.iter().zip(&expected) {
            assert_eq!(u64::from(p.port_no), u64_of(e, "port_no"));
            assert_eq!(p.name, str_of(e, "name"));
            assert_eq!(p.hw_addr.to_string(), str_of(e, "hw_addr"));
            assert_eq!(u64::from(p.config), u64_of(e, "config"));
            assert_eq!(u64::from(p.state), u64_of(e, "state"));
            assert_eq!(u64::from(p.curr), u64_of(e, "curr"));
            assert_eq!(u64::from(p.advertised), u64_of(e, "advertised"));
            assert_eq!(u64::from(p.supported), u64_of(e, "supported"));
            assert_eq!(u64::from(p.peer), u64_of(e, "peer"));
            assert_eq!(u64::from(p.curr_speed), u64_of(e, "curr_speed"));
            assert_eq!(u64::from(p.max_speed), u64_of(e, "max_speed"));
        }
    }

    fn check_table_features(prefix: &str, tables: &[TableFeatures]) {
        let json = case(prefix).json();
        let expected = list(&json);
        assert_eq!(tables.len(), expected.len(), "{prefix}");
        for (t, e) in tables.iter().zip(&expected) {
            assert_eq!(u64::from(t.table_id), u64_of(e, "table_id"));
            assert_eq!(t.name, str_of(e, "name"));
            assert_eq!(t.metadata_match, u64_of(e, "metadata_match"));
            assert_eq!(t.metadata_write, u64_of(e, "metadata_write"));
            assert_eq!(u64::from(t.config), u64_of(e, "config"));
            assert_eq!(u64::from(t.max_entries), u64_of(e, "max_entries"));
            let props: Vec<&Value> = e["properties"]
                .as_array()
                .unwrap()
                .iter()
                .map(unwrap_class)
                .collect();
            assert_eq!(t.properties.len(), props.len());
            for (p, j) in t.properties.iter().zip(&props) {
                assert_eq!(u64::from(p.prop_type), u64_of(j, "type"));
                assert_eq!(p.data.len() as u64 + 4, u64_of(j, "length"));
            }
            let mut out = Vec::new();
            t.encode(&mut out).unwrap();
            assert_eq!(out.len() as u64, u64_of(e, "length"));
        }
    }

    #[test]
    fn table_features_request_and_reply() {
        let req = request("4-55");
        assert!(req.more());
        let MultipartRequestBody::TableFeatures(tables) = &req.body else {
            panic!()
        };
        check_table_features("4-55", tables);
        let rep = reply("4-56");
        assert!(rep.more());
        let MultipartReplyBody::TableFeatures(tables) = &rep.body else {
            panic!()
        };
        check_table_features("4-56", tables);
        assert_eq!(tables[0].name, "私のテーブル");
        let text = rep.to_string();
        assert!(
            text.starts_with("OFPMP_TABLE_FEATURES reply (more)\n  table 0 (\"私のテーブル\")"),
            "{text}"
        );
        assert!(text.contains("; next_tables=[1,2,3,"), "{text}");
        assert!(text.contains("; instructions=[1,2,3,4,5,6]"), "{text}");
        assert!(
            text.contains("; match=[in_port,metadata,eth_dst,"),
            "{text}"
        );
    }

    #[test]
    fn experimenter_requests_keep_their_data_raw() {
        let j = case("4-61").json();
        let MultipartRequestBody::Experimenter {
            experimenter,
            exp_type,
            data,
        } = request("4-61").body
        else {
            panic!()
        };
        assert_eq!(u64::from(experimenter), u64_of(&j, "experimenter"));
        assert_eq!(u64::from(exp_type), u64_of(&j, "exp_type"));
        assert_eq!(data, b"hogehoge");
        assert_eq!(
            request("4-61").to_string(),
            "OFPMP_EXPERIMENTER request: experimenter=0xdeadbeaf exp_type=3405678728 data=686f6765686f6765"
        );

        let j = case("4-63").json();
        let MultipartRequestBody::Experimenter {
            experimenter,
            exp_type,
            data,
        } = request("4-63").body
        else {
            panic!()
        };
        assert_eq!(experimenter, oxm::ONF_EXPERIMENTER);
        assert_eq!(u64::from(experimenter), u64_of(&j, "experimenter"));
        assert_eq!(u64::from(exp_type), u64_of(&j, "exp_type"));
        assert_eq!(data.len(), case("4-63").body().len() - 16);
    }

    #[test]
    fn unknown_types_are_kept_raw() {
        let body = [0u8, 42, 0, 1, 0, 0, 0, 0, 1, 2, 3];
        let req = MultipartRequest::decode(&mut Reader::new(&body)).unwrap();
        assert_eq!(
            req.body,
            MultipartRequestBody::Unknown {
                mp_type: 42,
                body: vec![1, 2, 3]
            }
        );
        assert!(req.more());
        let mut out = Vec::new();
        req.encode(&mut out).unwrap();
        assert_eq!(out, body);
        let rep = MultipartReply::decode(&mut Reader::new(&body)).unwrap();
        assert_eq!(rep.mp_type(), 42);
        assert_eq!(rep.to_string(), "OFPMP_42 reply (more): body=010203");
    }

    #[test]
    fn replies_built_in_code_round_trip() {
        let replies = [
            MultipartReplyBody::Aggregate {
                packet_count: 7,
                byte_count: 700,
                flow_count: 3,
            },
            MultipartReplyBody::PortStats(vec![PortStats {
                port_no: 3,
                rx_packets: 1,
                tx_packets: 2,
                rx_bytes: 3,
                tx_bytes: 4,
                collisions: 12,
                duration_sec: 5,
                duration_nsec: 6,
                ..PortStats::default()
            }]),
            MultipartReplyBody::Group(vec![GroupStats {
                group_id: 1,
                ref_count: 2,
                packet_count: 3,
                byte_count: 4,
                bucket_stats: vec![
                    BucketCounter {
                        packet_count: 5,
                        byte_count: 6
                    };
                    2
                ],
                ..GroupStats::default()
            }]),
            MultipartReplyBody::Meter(vec![MeterStats::default()]),
            MultipartReplyBody::Experimenter {
                experimenter: 0x2320,
                exp_type: 1,
                data: vec![9],
            },
        ];
        let lens = [24, 112, 72, 40, 9];
        for (body, len) in replies.into_iter().zip(lens) {
            let rep = MultipartReply {
                flags: OFPMPF_MORE,
                body,
            };
            let mut out = Vec::new();
            rep.encode(&mut out).unwrap();
            assert_eq!(out.len(), 8 + len, "{rep}");
            let back = MultipartReply::decode(&mut Reader::new(&out)).unwrap();
            assert_eq!(back, rep);
        }
    }

    #[test]
    fn overlong_elements_fail_to_encode() {
        let prop = TableFeatureProp {
            prop_type: tfpt::NEXT_TABLES,
            data: vec![1; 70_000],
        };
        let mut out = Vec::new();
        assert!(matches!(
            prop.encode(&mut out),
            Err(EncodeError::TooLong { .. })
        ));
        let group = GroupStats {
            bucket_stats: vec![BucketCounter::default(); 5000],
            ..GroupStats::default()
        };
        assert!(matches!(
            group.encode(&mut Vec::new()),
            Err(EncodeError::TooLong { .. })
        ));
    }

    #[test]
    fn every_prefix_of_a_corpus_body_fails_or_is_a_complete_message() {
        for c in CORPUS {
            let body = c.body();
            for n in 0..body.len() {
                match decode(c.is_request(), &body[..n]) {
                    Err(e) => assert!(e.offset <= 8 + n, "{}[..{n}]: {e}", c.name),
                    // A prefix that ends between list elements is a shorter, valid list.
                    Ok(d) => {
                        assert!(n >= 8, "{}[..{n}] decoded", c.name);
                        assert_eq!(d.encode().unwrap(), &body[..n], "{}[..{n}]", c.name);
                    }
                }
            }
            // One byte too many is always trailing garbage.
            let mut long = body.to_vec();
            long.push(0);
            let too_long = decode(c.is_request(), &long);
            assert!(
                too_long.is_err() || c.name.starts_with("4-61") || c.name.starts_with("4-63"),
                "{}",
                c.name
            );
        }
    }

    /// Offsets (in the message body, after the OpenFlow header) of length fields in the corpus.
    const LENGTH_FIELDS: &[(&str, &[usize])] = &[
        // flow stats request: match length.
        ("4-11", &[8 + 32 + 2]),
        ("4-25", &[8 + 32 + 2]),
        // flow stats reply: first entry length, its match length, second entry length.
        ("4-12", &[8, 8 + 48 + 2, 8 + 56]),
        // group desc: entry length, bucket length.
        ("4-34", &[8, 8 + 8]),
        // meter config: entry length, band length.
        ("4-48", &[8, 8 + 8 + 2]),
        // meter stats: entry length (after meter_id).
        ("4-50", &[8 + 4]),
        // table features: first table length, its first property's length.
        ("4-55", &[8, 8 + 64 + 2]),
        ("4-56", &[8, 8 + 64 + 2]),
    ];

    #[test]
    fn zero_or_huge_length_fields_are_errors() {
        for (prefix, offsets) in LENGTH_FIELDS {
            let c = case(prefix);
            for &at in *offsets {
                for bad in [0u16, 1, 0xffff] {
                    let mut body = c.body().to_vec();
                    body[at..at + 2].copy_from_slice(&bad.to_be_bytes());
                    let result = decode(c.is_request(), &body);
                    assert!(
                        result.is_err(),
                        "{prefix}: length {bad} at {at} decoded: {result:?}"
                    );
                }
            }
        }
        // A zero-length table-feature property inside an otherwise valid table.
        let mut tf = Vec::new();
        TableFeatures {
            properties: vec![TableFeatureProp::default()],
            ..TableFeatures::default()
        }
        .encode(&mut tf)
        .unwrap();
        tf[64 + 2..64 + 4].copy_from_slice(&[0, 0]);
        assert!(TableFeatures::decode(&mut Reader::new(&tf)).is_err());
    }

    #[test]
    fn garbled_corpus_bodies_never_panic_and_decode_consistently() {
        for c in CORPUS {
            let body = c.body();
            // The 11 KB table-features bodies repeat one structure ten times: garbling the
            // header, the first table and the end covers it without a minute of debug-build time.
            let offsets: Vec<usize> = if body.len() > 2048 {
                (0..1300)
                    .chain(body.len() - 64..body.len())
                    .step_by(2)
                    .collect()
            } else {
                (0..body.len()).step_by(2).collect()
            };
            for at in offsets {
                for word in [[0u8, 0], [0xff, 0xff], [0, 1], [0x80, 0]] {
                    let mut garbled = body.to_vec();
                    let end = (at + 2).min(garbled.len());
                    garbled[at..end].copy_from_slice(&word[..end - at]);
                    let Ok(d) = decode(c.is_request(), &garbled) else {
                        continue;
                    };
                    let _ = d.to_display();
                    let out = d
                        .encode()
                        .unwrap_or_else(|e| panic!("{} @{at}: {e}", c.name));
                    let again = decode(c.is_request(), &out)
                        .unwrap_or_else(|e| panic!("{} @{at}: re-encoded bytes fail: {e}", c.name));
                    assert_eq!(again, d, "{} @{at}", c.name);
                }
            }
        }
    }
}
