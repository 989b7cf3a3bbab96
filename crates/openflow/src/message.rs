//! OpenFlow 1.3 messages: the header, every message type, and the ONF bundle extension.
//!
//! [`Message`] is one whole message: its transaction id and a typed [`MessageBody`].
//! [`Message::decode`] takes exactly one message's bytes; [`crate::codec::OfCodec`] cuts a stream
//! into such pieces. Types this crate does not know decode to [`MessageBody::Unknown`] and encode
//! back unchanged.

use std::fmt;

use crate::action::Action;
use crate::buf::{Put, Reader, pad8, pad8_len, patch_len16, zeros};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::instruction::Instruction;
use crate::multipart::{MultipartReply, MultipartRequest};
use crate::oxm::{Match, ONF_EXPERIMENTER};
use crate::port::{OFPP_ANY, Port, PortNo};
use crate::types::MacAddr;

/// Size of `ofp_header`.
pub const HEADER_LEN: usize = 8;

/// Message type numbers (`OFPT_*`).
#[allow(missing_docs)]
pub mod msg_type {
    pub const HELLO: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const ECHO_REQUEST: u8 = 2;
    pub const ECHO_REPLY: u8 = 3;
    pub const EXPERIMENTER: u8 = 4;
    pub const FEATURES_REQUEST: u8 = 5;
    pub const FEATURES_REPLY: u8 = 6;
    pub const GET_CONFIG_REQUEST: u8 = 7;
    pub const GET_CONFIG_REPLY: u8 = 8;
    pub const SET_CONFIG: u8 = 9;
    pub const PACKET_IN: u8 = 10;
    pub const FLOW_REMOVED: u8 = 11;
    pub const PORT_STATUS: u8 = 12;
    pub const PACKET_OUT: u8 = 13;
    pub const FLOW_MOD: u8 = 14;
    pub const GROUP_MOD: u8 = 15;
    pub const PORT_MOD: u8 = 16;
    pub const TABLE_MOD: u8 = 17;
    pub const MULTIPART_REQUEST: u8 = 18;
    pub const MULTIPART_REPLY: u8 = 19;
    pub const BARRIER_REQUEST: u8 = 20;
    pub const BARRIER_REPLY: u8 = 21;
    pub const QUEUE_GET_CONFIG_REQUEST: u8 = 22;
    pub const QUEUE_GET_CONFIG_REPLY: u8 = 23;
    pub const ROLE_REQUEST: u8 = 24;
    pub const ROLE_REPLY: u8 = 25;
    pub const GET_ASYNC_REQUEST: u8 = 26;
    pub const GET_ASYNC_REPLY: u8 = 27;
    pub const SET_ASYNC: u8 = 28;
    pub const METER_MOD: u8 = 29;
}

/// The name of a message type, as in the specification (`OFPT_FLOW_MOD`).
pub fn msg_type_name(t: u8) -> &'static str {
    const NAMES: [&str; 30] = [
        "OFPT_HELLO",
        "OFPT_ERROR",
        "OFPT_ECHO_REQUEST",
        "OFPT_ECHO_REPLY",
        "OFPT_EXPERIMENTER",
        "OFPT_FEATURES_REQUEST",
        "OFPT_FEATURES_REPLY",
        "OFPT_GET_CONFIG_REQUEST",
        "OFPT_GET_CONFIG_REPLY",
        "OFPT_SET_CONFIG",
        "OFPT_PACKET_IN",
        "OFPT_FLOW_REMOVED",
        "OFPT_PORT_STATUS",
        "OFPT_PACKET_OUT",
        "OFPT_FLOW_MOD",
        "OFPT_GROUP_MOD",
        "OFPT_PORT_MOD",
        "OFPT_TABLE_MOD",
        "OFPT_MULTIPART_REQUEST",
        "OFPT_MULTIPART_REPLY",
        "OFPT_BARRIER_REQUEST",
        "OFPT_BARRIER_REPLY",
        "OFPT_QUEUE_GET_CONFIG_REQUEST",
        "OFPT_QUEUE_GET_CONFIG_REPLY",
        "OFPT_ROLE_REQUEST",
        "OFPT_ROLE_REPLY",
        "OFPT_GET_ASYNC_REQUEST",
        "OFPT_GET_ASYNC_REPLY",
        "OFPT_SET_ASYNC",
        "OFPT_METER_MOD",
    ];
    NAMES.get(usize::from(t)).copied().unwrap_or("OFPT_UNKNOWN")
}

/// `ofp_header`: version, type, length and transaction id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Protocol version.
    pub version: u8,
    /// Message type (`OFPT_*`).
    pub msg_type: u8,
    /// Length of the whole message, header included.
    pub length: u16,
    /// Transaction id.
    pub xid: u32,
}

impl Header {
    /// Reads a header from the first 8 bytes of `bytes`.
    pub fn peek(bytes: &[u8]) -> Result<Header, DecodeError> {
        let mut r = Reader::new(bytes);
        Ok(Header {
            version: r.u8("header version")?,
            msg_type: r.u8("header type")?,
            length: r.u16("header length")?,
            xid: r.u32("header xid")?,
        })
    }
}

/// One OpenFlow 1.3 message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Transaction id; replies carry the id of their request.
    pub xid: u32,
    /// What the message says.
    pub body: MessageBody,
}

/// The typed content of a message.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum MessageBody {
    /// `OFPT_HELLO`.
    Hello(Hello),
    /// `OFPT_ERROR`.
    Error(ErrorMsg),
    /// `OFPT_ECHO_REQUEST` with its payload.
    EchoRequest(Vec<u8>),
    /// `OFPT_ECHO_REPLY` with its payload.
    EchoReply(Vec<u8>),
    /// `OFPT_EXPERIMENTER` from an experimenter this crate does not type.
    Experimenter(Experimenter),
    /// ONF bundle control (`ONFT_BUNDLE_CONTROL`, an experimenter message in OpenFlow 1.3).
    BundleControl(BundleControl),
    /// ONF bundle add (`ONFT_BUNDLE_ADD_MESSAGE`).
    BundleAdd(BundleAdd),
    /// `OFPT_FEATURES_REQUEST`.
    FeaturesRequest,
    /// `OFPT_FEATURES_REPLY`.
    FeaturesReply(SwitchFeatures),
    /// `OFPT_GET_CONFIG_REQUEST`.
    GetConfigRequest,
    /// `OFPT_GET_CONFIG_REPLY`.
    GetConfigReply(SwitchConfig),
    /// `OFPT_SET_CONFIG`.
    SetConfig(SwitchConfig),
    /// `OFPT_PACKET_IN`.
    PacketIn(PacketIn),
    /// `OFPT_FLOW_REMOVED`.
    FlowRemoved(FlowRemoved),
    /// `OFPT_PORT_STATUS`.
    PortStatus(PortStatus),
    /// `OFPT_PACKET_OUT`.
    PacketOut(PacketOut),
    /// `OFPT_FLOW_MOD`.
    FlowMod(FlowMod),
    /// `OFPT_GROUP_MOD`.
    GroupMod(GroupMod),
    /// `OFPT_PORT_MOD`.
    PortMod(PortMod),
    /// `OFPT_TABLE_MOD`.
    TableMod(TableMod),
    /// `OFPT_MULTIPART_REQUEST`.
    MultipartRequest(MultipartRequest),
    /// `OFPT_MULTIPART_REPLY`.
    MultipartReply(MultipartReply),
    /// `OFPT_BARRIER_REQUEST`.
    BarrierRequest,
    /// `OFPT_BARRIER_REPLY`.
    BarrierReply,
    /// `OFPT_QUEUE_GET_CONFIG_REQUEST` for a port.
    QueueGetConfigRequest {
        /// The port whose queues are asked for.
        port: u32,
    },
    /// `OFPT_QUEUE_GET_CONFIG_REPLY`.
    QueueGetConfigReply(QueueGetConfigReply),
    /// `OFPT_ROLE_REQUEST`.
    RoleRequest(Role),
    /// `OFPT_ROLE_REPLY`.
    RoleReply(Role),
    /// `OFPT_GET_ASYNC_REQUEST`.
    GetAsyncRequest,
    /// `OFPT_GET_ASYNC_REPLY`.
    GetAsyncReply(AsyncConfig),
    /// `OFPT_SET_ASYNC`.
    SetAsync(AsyncConfig),
    /// `OFPT_METER_MOD`.
    MeterMod(MeterMod),
    /// A message type this crate does not know, kept raw.
    Unknown {
        /// The header's type byte.
        msg_type: u8,
        /// Everything after the header.
        body: Vec<u8>,
    },
}

impl MessageBody {
    /// The `OFPT_*` type this body is sent as.
    pub fn msg_type(&self) -> u8 {
        use msg_type::*;
        match self {
            MessageBody::Hello(_) => HELLO,
            MessageBody::Error(_) => ERROR,
            MessageBody::EchoRequest(_) => ECHO_REQUEST,
            MessageBody::EchoReply(_) => ECHO_REPLY,
            MessageBody::Experimenter(_)
            | MessageBody::BundleControl(_)
            | MessageBody::BundleAdd(_) => EXPERIMENTER,
            MessageBody::FeaturesRequest => FEATURES_REQUEST,
            MessageBody::FeaturesReply(_) => FEATURES_REPLY,
            MessageBody::GetConfigRequest => GET_CONFIG_REQUEST,
            MessageBody::GetConfigReply(_) => GET_CONFIG_REPLY,
            MessageBody::SetConfig(_) => SET_CONFIG,
            MessageBody::PacketIn(_) => PACKET_IN,
            MessageBody::FlowRemoved(_) => FLOW_REMOVED,
            MessageBody::PortStatus(_) => PORT_STATUS,
            MessageBody::PacketOut(_) => PACKET_OUT,
            MessageBody::FlowMod(_) => FLOW_MOD,
            MessageBody::GroupMod(_) => GROUP_MOD,
            MessageBody::PortMod(_) => PORT_MOD,
            MessageBody::TableMod(_) => TABLE_MOD,
            MessageBody::MultipartRequest(_) => MULTIPART_REQUEST,
            MessageBody::MultipartReply(_) => MULTIPART_REPLY,
            MessageBody::BarrierRequest => BARRIER_REQUEST,
            MessageBody::BarrierReply => BARRIER_REPLY,
            MessageBody::QueueGetConfigRequest { .. } => QUEUE_GET_CONFIG_REQUEST,
            MessageBody::QueueGetConfigReply(_) => QUEUE_GET_CONFIG_REPLY,
            MessageBody::RoleRequest(_) => ROLE_REQUEST,
            MessageBody::RoleReply(_) => ROLE_REPLY,
            MessageBody::GetAsyncRequest => GET_ASYNC_REQUEST,
            MessageBody::GetAsyncReply(_) => GET_ASYNC_REPLY,
            MessageBody::SetAsync(_) => SET_ASYNC,
            MessageBody::MeterMod(_) => METER_MOD,
            MessageBody::Unknown { msg_type, .. } => *msg_type,
        }
    }
}

impl Message {
    /// A message with transaction id `xid`.
    pub fn new(xid: u32, body: MessageBody) -> Self {
        Self { xid, body }
    }

    /// Decodes exactly one message: `bytes` must hold the whole message and nothing more.
    ///
    /// HELLO is accepted whatever version its header carries (version negotiation needs to read
    /// the peer's bitmap); every other message must be OpenFlow 1.3.
    pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
        let h = Header::peek(bytes)?;
        let len = usize::from(h.length);
        if len < HEADER_LEN {
            return Err(DecodeError::new(
                2,
                DecodeErrorKind::BadLength {
                    what: "message",
                    len,
                    reason: "shorter than the 8-byte header",
                },
            ));
        }
        if len > bytes.len() {
            return Err(DecodeError::new(
                bytes.len(),
                DecodeErrorKind::Truncated {
                    what: "message",
                    needed: len,
                    available: bytes.len(),
                },
            ));
        }
        if len < bytes.len() {
            return Err(DecodeError::new(
                len,
                DecodeErrorKind::TrailingBytes {
                    what: "message (header length)",
                    count: bytes.len() - len,
                },
            ));
        }
        if h.version != crate::OFP_VERSION && h.msg_type != msg_type::HELLO {
            return Err(DecodeError::new(0, DecodeErrorKind::BadVersion(h.version)));
        }
        let mut r = Reader::with_base(bytes.get(HEADER_LEN..).unwrap_or_default(), HEADER_LEN);
        let body = decode_body(h.msg_type, &mut r)?;
        r.finish(msg_type_name(h.msg_type))?;
        Ok(Message { xid: h.xid, body })
    }

    /// Appends the encoded message to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.put8(crate::OFP_VERSION);
        out.put8(self.body.msg_type());
        out.put16(0);
        out.put32(self.xid);
        if let Err(e) = encode_body(&self.body, out) {
            out.truncate(start);
            return Err(e);
        }
        if let Err(e) = patch_len16(out, start + 2, start, "message") {
            out.truncate(start);
            return Err(e);
        }
        Ok(())
    }

    /// The encoded message in a new buffer.
    pub fn encode_to_vec(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(64);
        self.encode(&mut out)?;
        Ok(out)
    }
}

fn decode_body(t: u8, r: &mut Reader<'_>) -> Result<MessageBody, DecodeError> {
    use msg_type::*;
    Ok(match t {
        HELLO => MessageBody::Hello(Hello::decode(r)?),
        ERROR => MessageBody::Error(ErrorMsg::decode(r)?),
        ECHO_REQUEST => MessageBody::EchoRequest(r.rest().to_vec()),
        ECHO_REPLY => MessageBody::EchoReply(r.rest().to_vec()),
        EXPERIMENTER => decode_experimenter(r)?,
        FEATURES_REQUEST => MessageBody::FeaturesRequest,
        FEATURES_REPLY => MessageBody::FeaturesReply(SwitchFeatures::decode(r)?),
        GET_CONFIG_REQUEST => MessageBody::GetConfigRequest,
        GET_CONFIG_REPLY => MessageBody::GetConfigReply(SwitchConfig::decode(r)?),
        SET_CONFIG => MessageBody::SetConfig(SwitchConfig::decode(r)?),
        PACKET_IN => MessageBody::PacketIn(PacketIn::decode(r)?),
        FLOW_REMOVED => MessageBody::FlowRemoved(FlowRemoved::decode(r)?),
        PORT_STATUS => MessageBody::PortStatus(PortStatus::decode(r)?),
        PACKET_OUT => MessageBody::PacketOut(PacketOut::decode(r)?),
        FLOW_MOD => MessageBody::FlowMod(FlowMod::decode(r)?),
        GROUP_MOD => MessageBody::GroupMod(GroupMod::decode(r)?),
        PORT_MOD => MessageBody::PortMod(PortMod::decode(r)?),
        TABLE_MOD => MessageBody::TableMod(TableMod::decode(r)?),
        MULTIPART_REQUEST => MessageBody::MultipartRequest(MultipartRequest::decode(r)?),
        MULTIPART_REPLY => MessageBody::MultipartReply(MultipartReply::decode(r)?),
        BARRIER_REQUEST => MessageBody::BarrierRequest,
        BARRIER_REPLY => MessageBody::BarrierReply,
        QUEUE_GET_CONFIG_REQUEST => {
            let port = r.u32("queue config port")?;
            r.skip(4, "queue config pad")?;
            MessageBody::QueueGetConfigRequest { port }
        }
        QUEUE_GET_CONFIG_REPLY => MessageBody::QueueGetConfigReply(QueueGetConfigReply::decode(r)?),
        ROLE_REQUEST => MessageBody::RoleRequest(Role::decode(r)?),
        ROLE_REPLY => MessageBody::RoleReply(Role::decode(r)?),
        GET_ASYNC_REQUEST => MessageBody::GetAsyncRequest,
        GET_ASYNC_REPLY => MessageBody::GetAsyncReply(AsyncConfig::decode(r)?),
        SET_ASYNC => MessageBody::SetAsync(AsyncConfig::decode(r)?),
        METER_MOD => MessageBody::MeterMod(MeterMod::decode(r)?),
        _ => MessageBody::Unknown {
            msg_type: t,
            body: r.rest().to_vec(),
        },
    })
}

fn encode_body(b: &MessageBody, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match b {
        MessageBody::Hello(h) => h.encode(out)?,
        MessageBody::Error(e) => e.encode(out),
        MessageBody::EchoRequest(d) | MessageBody::EchoReply(d) => out.put_bytes(d),
        MessageBody::Experimenter(e) => e.encode(out),
        MessageBody::BundleControl(c) => c.encode(out),
        MessageBody::BundleAdd(a) => a.encode(out)?,
        MessageBody::FeaturesRequest
        | MessageBody::GetConfigRequest
        | MessageBody::BarrierRequest
        | MessageBody::BarrierReply
        | MessageBody::GetAsyncRequest => {}
        MessageBody::FeaturesReply(f) => f.encode(out),
        MessageBody::GetConfigReply(c) | MessageBody::SetConfig(c) => c.encode(out),
        MessageBody::PacketIn(p) => p.encode(out)?,
        MessageBody::FlowRemoved(f) => f.encode(out)?,
        MessageBody::PortStatus(p) => p.encode(out),
        MessageBody::PacketOut(p) => p.encode(out)?,
        MessageBody::FlowMod(f) => f.encode(out)?,
        MessageBody::GroupMod(g) => g.encode(out)?,
        MessageBody::PortMod(p) => p.encode(out),
        MessageBody::TableMod(t) => t.encode(out),
        MessageBody::MultipartRequest(m) => m.encode(out)?,
        MessageBody::MultipartReply(m) => m.encode(out)?,
        MessageBody::QueueGetConfigRequest { port } => {
            out.put32(*port);
            zeros(out, 4);
        }
        MessageBody::QueueGetConfigReply(q) => q.encode(out)?,
        MessageBody::RoleRequest(r) | MessageBody::RoleReply(r) => r.encode(out),
        MessageBody::GetAsyncReply(a) | MessageBody::SetAsync(a) => a.encode(out),
        MessageBody::MeterMod(m) => m.encode(out)?,
        MessageBody::Unknown { body, .. } => out.put_bytes(body),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// HELLO

/// `OFPHET_VERSIONBITMAP`.
pub const OFPHET_VERSIONBITMAP: u16 = 1;

/// `OFPT_HELLO` and its elements.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hello {
    /// Hello elements, in wire order.
    pub elements: Vec<HelloElement>,
}

/// One hello element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloElement {
    /// The versions the sender supports: bit `n` of word `n / 32` stands for version `n`.
    VersionBitmap(Vec<u32>),
    /// Any other element, kept raw (data without padding).
    Unknown {
        /// Element type.
        ty: u16,
        /// Element data.
        data: Vec<u8>,
    },
}

impl Hello {
    /// A hello that offers OpenFlow 1.3 only.
    pub fn of13() -> Self {
        Hello {
            elements: vec![HelloElement::VersionBitmap(vec![1 << crate::OFP_VERSION])],
        }
    }

    /// Whether the peer offers `version`: through its bitmap when it sent one, else when its
    /// header version is at least `version` (the pre-1.3.1 rule).
    pub fn supports(&self, version: u8) -> Option<bool> {
        self.elements.iter().find_map(|e| match e {
            HelloElement::VersionBitmap(words) => {
                let word = words.get(usize::from(version / 32)).copied().unwrap_or(0);
                Some(word & (1 << (version % 32)) != 0)
            }
            HelloElement::Unknown { .. } => None,
        })
    }

    fn decode(r: &mut Reader<'_>) -> Result<Hello, DecodeError> {
        let mut elements = Vec::new();
        while r.remaining() >= 4 {
            let ty = r.u16("hello element type")?;
            let len = usize::from(r.u16("hello element length")?);
            let mut body = r.tlv_body(len, 4, 4, "hello element")?;
            r.skip(pad8_len(len) - len, "hello element padding")?;
            if ty == OFPHET_VERSIONBITMAP {
                let mut words = Vec::with_capacity(body.remaining() / 4);
                while !body.is_empty() {
                    words.push(body.u32("version bitmap")?);
                }
                elements.push(HelloElement::VersionBitmap(words));
            } else {
                elements.push(HelloElement::Unknown {
                    ty,
                    data: body.rest().to_vec(),
                });
            }
        }
        // Fewer than 4 bytes left cannot hold an element: the spec says to ignore such trailing
        // bytes for forward compatibility.
        r.rest();
        Ok(Hello { elements })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        for e in &self.elements {
            let start = out.len();
            match e {
                HelloElement::VersionBitmap(words) => {
                    out.put16(OFPHET_VERSIONBITMAP);
                    out.put16(0);
                    for w in words {
                        out.put32(*w);
                    }
                }
                HelloElement::Unknown { ty, data } => {
                    out.put16(*ty);
                    out.put16(0);
                    out.put_bytes(data);
                }
            }
            patch_len16(out, start + 2, start, "hello element")?;
            pad8(out, start);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// ERROR

/// `OFPET_EXPERIMENTER`.
pub const OFPET_EXPERIMENTER: u16 = 0xffff;

/// `OFPT_ERROR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorMsg {
    /// Error type (`OFPET_*`).
    pub ty: u16,
    /// Error code within the type; for `OFPET_EXPERIMENTER`, the experimenter's `exp_type`.
    pub code: u16,
    /// The experimenter id, present exactly when `ty` is `OFPET_EXPERIMENTER`.
    pub experimenter: Option<u32>,
    /// Data: usually the first bytes of the request that failed.
    pub data: Vec<u8>,
}

impl ErrorMsg {
    /// An error of `ty`/`code` about `request` (its first 64 bytes are included as data).
    pub fn about(ty: u16, code: u16, request: &[u8]) -> Self {
        ErrorMsg {
            ty,
            code,
            experimenter: None,
            data: request.get(..64).unwrap_or(request).to_vec(),
        }
    }

    /// The name of the error type (`OFPET_BAD_MATCH`).
    pub fn type_name(&self) -> &'static str {
        crate::errors::type_name(self.ty)
    }

    /// The name of the error code (`OFPBMC_BAD_FIELD`), when known.
    pub fn code_name(&self) -> Option<&'static str> {
        crate::errors::code_name(self.ty, self.code)
    }

    /// The header of the failed request carried in `data`, if there is one.
    pub fn failed_request(&self) -> Option<Header> {
        Header::peek(&self.data).ok()
    }

    fn decode(r: &mut Reader<'_>) -> Result<ErrorMsg, DecodeError> {
        let ty = r.u16("error type")?;
        let code = r.u16("error code")?;
        let experimenter = if ty == OFPET_EXPERIMENTER {
            Some(r.u32("error experimenter")?)
        } else {
            None
        };
        Ok(ErrorMsg {
            ty,
            code,
            experimenter,
            data: r.rest().to_vec(),
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.put16(self.ty);
        out.put16(self.code);
        if self.ty == OFPET_EXPERIMENTER {
            out.put32(self.experimenter.unwrap_or(0));
        }
        out.put_bytes(&self.data);
    }
}

impl fmt::Display for ErrorMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.experimenter, self.code_name()) {
            (Some(exp), _) => write!(
                f,
                "OFPET_EXPERIMENTER experimenter={exp:#010x} exp_type={}",
                self.code
            )?,
            (None, Some(code)) => write!(f, "{}/{}", self.type_name(), code)?,
            (None, None) => write!(f, "{}/code {}", self.type_name(), self.code)?,
        }
        if let Some(h) = self.failed_request() {
            write!(
                f,
                " (about {} xid={:#x}, {} bytes of it)",
                msg_type_name(h.msg_type),
                h.xid,
                self.data.len()
            )?;
        } else if !self.data.is_empty() {
            write!(f, " data={}", hex(&self.data))?;
        }
        Ok(())
    }
}

/// Lower-case hex of `b`.
pub fn hex(b: &[u8]) -> String {
    crate::types::HexBytes(b).to_string()
}

// ---------------------------------------------------------------------------------------------
// EXPERIMENTER and the ONF bundle extension

/// `OFPT_EXPERIMENTER` from any experimenter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Experimenter {
    /// Experimenter id.
    pub experimenter: u32,
    /// Experimenter-defined type.
    pub exp_type: u32,
    /// Experimenter-defined data.
    pub data: Vec<u8>,
}

impl Experimenter {
    fn encode(&self, out: &mut Vec<u8>) {
        out.put32(self.experimenter);
        out.put32(self.exp_type);
        out.put_bytes(&self.data);
    }
}

/// ONF's experimenter type for bundle control in OpenFlow 1.3.
pub const ONFT_BUNDLE_CONTROL: u32 = 2300;
/// ONF's experimenter type for adding a message to a bundle in OpenFlow 1.3.
pub const ONFT_BUNDLE_ADD_MESSAGE: u32 = 2301;

/// Bundle flag: apply all messages or none.
pub const BUNDLE_ATOMIC: u16 = 1;
/// Bundle flag: apply the messages in order.
pub const BUNDLE_ORDERED: u16 = 2;

/// What a bundle control message asks or answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleCtrlType {
    /// Open a bundle.
    OpenRequest,
    /// The bundle is open.
    OpenReply,
    /// Close a bundle (no more messages).
    CloseRequest,
    /// The bundle is closed.
    CloseReply,
    /// Apply the bundle.
    CommitRequest,
    /// The bundle was applied.
    CommitReply,
    /// Throw the bundle away.
    DiscardRequest,
    /// The bundle was thrown away.
    DiscardReply,
    /// A type this crate does not know.
    Other(u16),
}

impl BundleCtrlType {
    fn to_wire(self) -> u16 {
        match self {
            BundleCtrlType::OpenRequest => 0,
            BundleCtrlType::OpenReply => 1,
            BundleCtrlType::CloseRequest => 2,
            BundleCtrlType::CloseReply => 3,
            BundleCtrlType::CommitRequest => 4,
            BundleCtrlType::CommitReply => 5,
            BundleCtrlType::DiscardRequest => 6,
            BundleCtrlType::DiscardReply => 7,
            BundleCtrlType::Other(v) => v,
        }
    }

    fn from_wire(v: u16) -> Self {
        match v {
            0 => BundleCtrlType::OpenRequest,
            1 => BundleCtrlType::OpenReply,
            2 => BundleCtrlType::CloseRequest,
            3 => BundleCtrlType::CloseReply,
            4 => BundleCtrlType::CommitRequest,
            5 => BundleCtrlType::CommitReply,
            6 => BundleCtrlType::DiscardRequest,
            7 => BundleCtrlType::DiscardReply,
            other => BundleCtrlType::Other(other),
        }
    }
}

/// ONF bundle control message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleControl {
    /// Bundle id chosen by the controller.
    pub bundle_id: u32,
    /// What is asked or answered.
    pub ctrl_type: BundleCtrlType,
    /// `BUNDLE_ATOMIC` | `BUNDLE_ORDERED`.
    pub flags: u16,
    /// Bundle properties, raw.
    pub properties: Vec<u8>,
}

impl BundleControl {
    /// A control request for `bundle_id`.
    pub fn new(bundle_id: u32, ctrl_type: BundleCtrlType, flags: u16) -> Self {
        Self {
            bundle_id,
            ctrl_type,
            flags,
            properties: Vec::new(),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.put32(ONF_EXPERIMENTER);
        out.put32(ONFT_BUNDLE_CONTROL);
        out.put32(self.bundle_id);
        out.put16(self.ctrl_type.to_wire());
        out.put16(self.flags);
        out.put_bytes(&self.properties);
    }
}

/// ONF bundle add message: one message to be applied when the bundle commits.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleAdd {
    /// Bundle id.
    pub bundle_id: u32,
    /// `BUNDLE_ATOMIC` | `BUNDLE_ORDERED`.
    pub flags: u16,
    /// The message to add.
    pub message: Box<Message>,
    /// Bundle properties, raw.
    pub properties: Vec<u8>,
}

impl BundleAdd {
    /// Adds `message` to bundle `bundle_id`.
    pub fn new(bundle_id: u32, flags: u16, message: Message) -> Self {
        Self {
            bundle_id,
            flags,
            message: Box::new(message),
            properties: Vec::new(),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put32(ONF_EXPERIMENTER);
        out.put32(ONFT_BUNDLE_ADD_MESSAGE);
        out.put32(self.bundle_id);
        out.put16(0);
        out.put16(self.flags);
        if is_bundle_message(&self.message.body) {
            return Err(EncodeError::Invalid {
                what: "bundled message",
                reason: "a bundle cannot contain bundle control or bundle add messages",
            });
        }
        self.message.encode(out)?;
        out.put_bytes(&self.properties);
        Ok(())
    }
}

fn is_bundle_message(body: &MessageBody) -> bool {
    matches!(
        body,
        MessageBody::BundleAdd(_) | MessageBody::BundleControl(_)
    )
}

fn decode_experimenter(r: &mut Reader<'_>) -> Result<MessageBody, DecodeError> {
    let experimenter = r.u32("experimenter id")?;
    let exp_type = r.u32("experimenter type")?;
    if experimenter == ONF_EXPERIMENTER && exp_type == ONFT_BUNDLE_CONTROL {
        return Ok(MessageBody::BundleControl(BundleControl {
            bundle_id: r.u32("bundle id")?,
            ctrl_type: BundleCtrlType::from_wire(r.u16("bundle control type")?),
            flags: r.u16("bundle flags")?,
            properties: r.rest().to_vec(),
        }));
    }
    if experimenter == ONF_EXPERIMENTER && exp_type == ONFT_BUNDLE_ADD_MESSAGE {
        let bundle_id = r.u32("bundle id")?;
        r.skip(2, "bundle pad")?;
        let flags = r.u16("bundle flags")?;
        let inner_start = r.offset();
        let len = usize::from(r.peek_u16(2, "bundled message length")?);
        let inner = r.sub(len, "bundled message")?;
        let message = decode_nested(inner, inner_start)?;
        return Ok(MessageBody::BundleAdd(BundleAdd {
            bundle_id,
            flags,
            message: Box::new(message),
            properties: r.rest().to_vec(),
        }));
    }
    Ok(MessageBody::Experimenter(Experimenter {
        experimenter,
        exp_type,
        data: r.rest().to_vec(),
    }))
}

/// Decodes the message inside a bundle add. The ONF extension forbids bundle messages inside a
/// bundle, so a bundle control or bundle add found there is an error (which also bounds the
/// recursion on hostile input).
fn decode_nested(mut inner: Reader<'_>, start: usize) -> Result<Message, DecodeError> {
    let bytes = inner.rest();
    let h = Header::peek(bytes).map_err(|e| DecodeError::new(start + e.offset, e.kind))?;
    if usize::from(h.length) < HEADER_LEN {
        return Err(DecodeError::new(
            start + 2,
            DecodeErrorKind::BadLength {
                what: "bundled message",
                len: usize::from(h.length),
                reason: "shorter than the 8-byte header",
            },
        ));
    }
    if h.version != crate::OFP_VERSION {
        return Err(DecodeError::new(
            start,
            DecodeErrorKind::BadVersion(h.version),
        ));
    }
    let mut r = Reader::with_base(
        bytes.get(HEADER_LEN..).unwrap_or_default(),
        start + HEADER_LEN,
    );
    if h.msg_type == msg_type::EXPERIMENTER && r.peek_u32(0, "experimenter id")? == ONF_EXPERIMENTER
    {
        let exp_type = r.peek_u32(4, "experimenter type")?;
        if exp_type == ONFT_BUNDLE_CONTROL || exp_type == ONFT_BUNDLE_ADD_MESSAGE {
            return Err(DecodeError::new(
                start + HEADER_LEN + 4,
                DecodeErrorKind::BadValue {
                    what: "bundled message",
                    value: u64::from(exp_type),
                    reason: "a bundle cannot contain bundle control or bundle add messages",
                },
            ));
        }
    }
    let body = decode_body(h.msg_type, &mut r)?;
    r.finish(msg_type_name(h.msg_type))?;
    Ok(Message { xid: h.xid, body })
}

// ---------------------------------------------------------------------------------------------
// FEATURES, CONFIG

/// `OFPT_FEATURES_REPLY`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SwitchFeatures {
    /// Datapath id: the switch's identity.
    pub datapath_id: u64,
    /// Packets the switch can buffer.
    pub n_buffers: u32,
    /// Number of flow tables.
    pub n_tables: u8,
    /// Auxiliary connection id (0 for the main connection).
    pub auxiliary_id: u8,
    /// `OFPC_*` capability bits.
    pub capabilities: u32,
    /// Reserved.
    pub reserved: u32,
}

impl SwitchFeatures {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let f = SwitchFeatures {
            datapath_id: r.u64("datapath_id")?,
            n_buffers: r.u32("n_buffers")?,
            n_tables: r.u8("n_tables")?,
            auxiliary_id: r.u8("auxiliary_id")?,
            capabilities: {
                r.skip(2, "features pad")?;
                r.u32("capabilities")?
            },
            reserved: r.u32("reserved")?,
        };
        Ok(f)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.put64(self.datapath_id);
        out.put32(self.n_buffers);
        out.put8(self.n_tables);
        out.put8(self.auxiliary_id);
        zeros(out, 2);
        out.put32(self.capabilities);
        out.put32(self.reserved);
    }
}

/// Switch configuration (`OFPT_GET_CONFIG_REPLY`, `OFPT_SET_CONFIG`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SwitchConfig {
    /// `OFPC_FRAG_*` flags.
    pub flags: u16,
    /// Bytes of a packet sent to the controller on a table miss.
    pub miss_send_len: u16,
}

/// `OFPCML_NO_BUFFER`: send whole packets to the controller, unbuffered.
pub const OFPCML_NO_BUFFER: u16 = 0xffff;
/// `OFP_NO_BUFFER`: the packet is not buffered in the switch.
pub const OFP_NO_BUFFER: u32 = 0xffff_ffff;

impl SwitchConfig {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SwitchConfig {
            flags: r.u16("config flags")?,
            miss_send_len: r.u16("miss_send_len")?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.put16(self.flags);
        out.put16(self.miss_send_len);
    }
}

// ---------------------------------------------------------------------------------------------
// PACKET_IN, FLOW_REMOVED, PORT_STATUS, PACKET_OUT

/// Why a packet was sent to the controller.
#[allow(missing_docs)]
pub mod packet_in_reason {
    pub const NO_MATCH: u8 = 0;
    pub const ACTION: u8 = 1;
    pub const INVALID_TTL: u8 = 2;
}

/// `OFPT_PACKET_IN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketIn {
    /// Buffer id, or [`OFP_NO_BUFFER`].
    pub buffer_id: u32,
    /// Full length of the frame.
    pub total_len: u16,
    /// `OFPR_*` reason.
    pub reason: u8,
    /// Table the packet was looked up in.
    pub table_id: u8,
    /// Cookie of the flow that sent it.
    pub cookie: u64,
    /// Pipeline fields (in_port, metadata, registers, tunnel metadata, …).
    pub match_: Match,
    /// The frame (or its first bytes).
    pub data: Vec<u8>,
}

impl PacketIn {
    /// The ingress port, from the match.
    pub fn in_port(&self) -> Option<u32> {
        self.match_.fields.iter().find_map(|o| match o {
            crate::oxm::Oxm::InPort(p) => Some(*p),
            _ => None,
        })
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let buffer_id = r.u32("buffer_id")?;
        let total_len = r.u16("total_len")?;
        let reason = r.u8("reason")?;
        let table_id = r.u8("table_id")?;
        let cookie = r.u64("cookie")?;
        let match_ = Match::decode(r)?;
        r.skip(2, "packet-in pad")?;
        Ok(PacketIn {
            buffer_id,
            total_len,
            reason,
            table_id,
            cookie,
            match_,
            data: r.rest().to_vec(),
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put32(self.buffer_id);
        out.put16(self.total_len);
        out.put8(self.reason);
        out.put8(self.table_id);
        out.put64(self.cookie);
        self.match_.encode(out)?;
        zeros(out, 2);
        out.put_bytes(&self.data);
        Ok(())
    }
}

/// `OFPT_FLOW_REMOVED`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRemoved {
    /// Cookie of the removed flow.
    pub cookie: u64,
    /// Its priority.
    pub priority: u16,
    /// `OFPRR_*` reason.
    pub reason: u8,
    /// Its table.
    pub table_id: u8,
    /// How long it lived, seconds.
    pub duration_sec: u32,
    /// How long it lived, nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Its idle timeout.
    pub idle_timeout: u16,
    /// Its hard timeout.
    pub hard_timeout: u16,
    /// Packets it matched.
    pub packet_count: u64,
    /// Bytes it matched.
    pub byte_count: u64,
    /// Its match.
    pub match_: Match,
}

impl FlowRemoved {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(FlowRemoved {
            cookie: r.u64("cookie")?,
            priority: r.u16("priority")?,
            reason: r.u8("reason")?,
            table_id: r.u8("table_id")?,
            duration_sec: r.u32("duration_sec")?,
            duration_nsec: r.u32("duration_nsec")?,
            idle_timeout: r.u16("idle_timeout")?,
            hard_timeout: r.u16("hard_timeout")?,
            packet_count: r.u64("packet_count")?,
            byte_count: r.u64("byte_count")?,
            match_: Match::decode(r)?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put64(self.cookie);
        out.put16(self.priority);
        out.put8(self.reason);
        out.put8(self.table_id);
        out.put32(self.duration_sec);
        out.put32(self.duration_nsec);
        out.put16(self.idle_timeout);
        out.put16(self.hard_timeout);
        out.put64(self.packet_count);
        out.put64(self.byte_count);
        self.match_.encode(out)
    }
}

/// Why a port's status changed.
#[allow(missing_docs)]
pub mod port_reason {
    pub const ADD: u8 = 0;
    pub const DELETE: u8 = 1;
    pub const MODIFY: u8 = 2;
}

/// `OFPT_PORT_STATUS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortStatus {
    /// `OFPPR_*` reason (see [`port_reason`]).
    pub reason: u8,
    /// The port as it is now.
    pub port: Port,
}

impl PortStatus {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let reason = r.u8("port status reason")?;
        r.skip(7, "port status pad")?;
        Ok(PortStatus {
            reason,
            port: Port::decode(r)?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.put8(self.reason);
        zeros(out, 7);
        self.port.encode(out);
    }
}

/// `OFPT_PACKET_OUT`.
#[derive(Debug, Clone, PartialEq)]
pub struct PacketOut {
    /// Buffer id, or [`OFP_NO_BUFFER`] when `data` carries the frame.
    pub buffer_id: u32,
    /// The port the packet is deemed to have come in on.
    pub in_port: u32,
    /// What to do with it.
    pub actions: Vec<Action>,
    /// The frame.
    pub data: Vec<u8>,
}

impl PacketOut {
    /// Sends `data` through `actions`, as if it came in on `in_port`.
    pub fn new(in_port: u32, actions: Vec<Action>, data: Vec<u8>) -> Self {
        Self {
            buffer_id: OFP_NO_BUFFER,
            in_port,
            actions,
            data,
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let buffer_id = r.u32("buffer_id")?;
        let in_port = r.u32("in_port")?;
        let actions_len = usize::from(r.u16("actions_len")?);
        r.skip(6, "packet-out pad")?;
        let mut actions_r = r.sub(actions_len, "packet-out actions")?;
        let actions = Action::decode_list(&mut actions_r)?;
        Ok(PacketOut {
            buffer_id,
            in_port,
            actions,
            data: r.rest().to_vec(),
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put32(self.buffer_id);
        out.put32(self.in_port);
        let len_at = out.len();
        out.put16(0);
        zeros(out, 6);
        let start = out.len();
        Action::encode_list(&self.actions, out)?;
        patch_len16(out, len_at, start, "packet-out actions")?;
        out.put_bytes(&self.data);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// FLOW_MOD

/// `OFPFC_*` flow-mod commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowModCommand {
    /// Add a flow (replacing an identical one).
    Add,
    /// Modify the actions of all matching flows.
    Modify,
    /// Modify the actions of the flow with exactly this match and priority.
    ModifyStrict,
    /// Delete all matching flows.
    Delete,
    /// Delete the flow with exactly this match and priority.
    DeleteStrict,
    /// A command this crate does not know.
    Other(u8),
}

impl FlowModCommand {
    /// Wire value.
    pub fn to_wire(self) -> u8 {
        match self {
            FlowModCommand::Add => 0,
            FlowModCommand::Modify => 1,
            FlowModCommand::ModifyStrict => 2,
            FlowModCommand::Delete => 3,
            FlowModCommand::DeleteStrict => 4,
            FlowModCommand::Other(v) => v,
        }
    }

    /// From the wire value.
    pub fn from_wire(v: u8) -> Self {
        match v {
            0 => FlowModCommand::Add,
            1 => FlowModCommand::Modify,
            2 => FlowModCommand::ModifyStrict,
            3 => FlowModCommand::Delete,
            4 => FlowModCommand::DeleteStrict,
            other => FlowModCommand::Other(other),
        }
    }
}

/// `OFPFF_*` flow-mod flags.
#[allow(missing_docs)]
pub mod flow_flags {
    pub const SEND_FLOW_REM: u16 = 1 << 0;
    pub const CHECK_OVERLAP: u16 = 1 << 1;
    pub const RESET_COUNTS: u16 = 1 << 2;
    pub const NO_PKT_COUNTS: u16 = 1 << 3;
    pub const NO_BYT_COUNTS: u16 = 1 << 4;
}

/// `OFPTT_ALL`: every table (flow deletes and stats requests).
pub const OFPTT_ALL: u8 = 0xff;
/// `OFPG_ANY`: any group.
pub const OFPG_ANY: u32 = 0xffff_ffff;

/// `OFPT_FLOW_MOD`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlowMod {
    /// Opaque controller-issued identifier.
    pub cookie: u64,
    /// Which cookie bits must match (modify/delete).
    pub cookie_mask: u64,
    /// Table.
    pub table_id: u8,
    /// What to do.
    pub command: FlowModCommand,
    /// Idle timeout in seconds (0: none).
    pub idle_timeout: u16,
    /// Hard timeout in seconds (0: none).
    pub hard_timeout: u16,
    /// Priority.
    pub priority: u16,
    /// Buffered packet to apply to, or [`OFP_NO_BUFFER`].
    pub buffer_id: u32,
    /// For deletes: only flows that output to this port.
    pub out_port: u32,
    /// For deletes: only flows that output to this group.
    pub out_group: u32,
    /// `OFPFF_*` flags.
    pub flags: u16,
    /// The match.
    pub match_: Match,
    /// Instructions.
    pub instructions: Vec<Instruction>,
}

impl FlowMod {
    fn with_command(command: FlowModCommand, table_id: u8) -> Self {
        FlowMod {
            cookie: 0,
            cookie_mask: 0,
            table_id,
            command,
            idle_timeout: 0,
            hard_timeout: 0,
            priority: 0x8000,
            buffer_id: OFP_NO_BUFFER,
            out_port: OFPP_ANY,
            out_group: OFPG_ANY,
            flags: 0,
            match_: Match::new(),
            instructions: Vec::new(),
        }
    }

    /// Adds a flow to `table_id` (priority 0x8000 until set).
    pub fn add(table_id: u8) -> Self {
        Self::with_command(FlowModCommand::Add, table_id)
    }

    /// Deletes the flows of `table_id` ([`OFPTT_ALL`] for every table) that the match selects.
    pub fn delete(table_id: u8) -> Self {
        Self::with_command(FlowModCommand::Delete, table_id)
    }

    /// Deletes the flow of `table_id` with exactly this match and priority.
    pub fn delete_strict(table_id: u8) -> Self {
        Self::with_command(FlowModCommand::DeleteStrict, table_id)
    }

    /// Modifies the flow of `table_id` with exactly this match and priority.
    pub fn modify_strict(table_id: u8) -> Self {
        Self::with_command(FlowModCommand::ModifyStrict, table_id)
    }

    /// Sets the priority.
    #[must_use]
    pub fn priority(mut self, p: u16) -> Self {
        self.priority = p;
        self
    }

    /// Sets the cookie.
    #[must_use]
    pub fn cookie(mut self, cookie: u64) -> Self {
        self.cookie = cookie;
        self
    }

    /// Sets the cookie and the mask that selects flows by cookie (modify/delete).
    #[must_use]
    pub fn cookie_masked(mut self, cookie: u64, mask: u64) -> Self {
        self.cookie = cookie;
        self.cookie_mask = mask;
        self
    }

    /// Sets the match.
    #[must_use]
    pub fn match_(mut self, m: Match) -> Self {
        self.match_ = m;
        self
    }

    /// Appends an instruction.
    #[must_use]
    pub fn instruction(mut self, i: Instruction) -> Self {
        self.instructions.push(i);
        self
    }

    /// Sets the idle and hard timeouts.
    #[must_use]
    pub fn timeouts(mut self, idle: u16, hard: u16) -> Self {
        self.idle_timeout = idle;
        self.hard_timeout = hard;
        self
    }

    /// Sets the `OFPFF_*` flags.
    #[must_use]
    pub fn flags(mut self, flags: u16) -> Self {
        self.flags = flags;
        self
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let cookie = r.u64("cookie")?;
        let cookie_mask = r.u64("cookie_mask")?;
        let table_id = r.u8("table_id")?;
        let command = FlowModCommand::from_wire(r.u8("command")?);
        let idle_timeout = r.u16("idle_timeout")?;
        let hard_timeout = r.u16("hard_timeout")?;
        let priority = r.u16("priority")?;
        let buffer_id = r.u32("buffer_id")?;
        let out_port = r.u32("out_port")?;
        let out_group = r.u32("out_group")?;
        let flags = r.u16("flags")?;
        r.skip(2, "flow-mod pad")?;
        let match_ = Match::decode(r)?;
        let instructions = Instruction::decode_list(r)?;
        Ok(FlowMod {
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
        })
    }

    /// Appends the flow-mod body (everything after the OpenFlow header).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put64(self.cookie);
        out.put64(self.cookie_mask);
        out.put8(self.table_id);
        out.put8(self.command.to_wire());
        out.put16(self.idle_timeout);
        out.put16(self.hard_timeout);
        out.put16(self.priority);
        out.put32(self.buffer_id);
        out.put32(self.out_port);
        out.put32(self.out_group);
        out.put16(self.flags);
        zeros(out, 2);
        self.match_.encode(out)?;
        Instruction::encode_list(&self.instructions, out)
    }
}

impl From<FlowMod> for MessageBody {
    fn from(f: FlowMod) -> Self {
        MessageBody::FlowMod(f)
    }
}

/// Writes `instructions` the way `ovs-ofctl` writes a flow's actions.
pub fn fmt_instructions(f: &mut fmt::Formatter<'_>, instructions: &[Instruction]) -> fmt::Result {
    if instructions.is_empty() {
        return f.write_str("drop");
    }
    for (i, ins) in instructions.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{ins}")?;
    }
    Ok(())
}

impl fmt::Display for FlowMod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cmd = match self.command {
            FlowModCommand::Add => "ADD".to_string(),
            FlowModCommand::Modify => "MOD".to_string(),
            FlowModCommand::ModifyStrict => "MOD_STRICT".to_string(),
            FlowModCommand::Delete => "DEL".to_string(),
            FlowModCommand::DeleteStrict => "DEL_STRICT".to_string(),
            FlowModCommand::Other(v) => format!("command {v}"),
        };
        write!(
            f,
            "{cmd} table={} priority={}",
            self.table_id, self.priority
        )?;
        if self.cookie != 0 || self.cookie_mask != 0 {
            write!(f, " cookie={:#x}", self.cookie)?;
            if self.cookie_mask != 0 {
                write!(f, "/{:#x}", self.cookie_mask)?;
            }
        }
        if self.idle_timeout != 0 {
            write!(f, " idle_timeout={}", self.idle_timeout)?;
        }
        if self.hard_timeout != 0 {
            write!(f, " hard_timeout={}", self.hard_timeout)?;
        }
        if self.buffer_id != OFP_NO_BUFFER {
            write!(f, " buffer={:#x}", self.buffer_id)?;
        }
        if self.out_port != OFPP_ANY {
            write!(f, " out_port={}", PortNo(self.out_port))?;
        }
        if self.out_group != OFPG_ANY {
            write!(f, " out_group={}", self.out_group)?;
        }
        if self.flags != 0 {
            write!(f, " flags={:#x}", self.flags)?;
        }
        if !self.match_.is_empty() {
            write!(f, " {}", self.match_)?;
        }
        f.write_str(" actions=")?;
        fmt_instructions(f, &self.instructions)
    }
}

// ---------------------------------------------------------------------------------------------
// GROUP_MOD

/// `OFPGC_*` group-mod commands.
#[allow(missing_docs)]
pub mod group_command {
    pub const ADD: u16 = 0;
    pub const MODIFY: u16 = 1;
    pub const DELETE: u16 = 2;
}

/// `OFPGT_*` group types.
#[allow(missing_docs)]
pub mod group_type {
    pub const ALL: u8 = 0;
    pub const SELECT: u8 = 1;
    pub const INDIRECT: u8 = 2;
    pub const FF: u8 = 3;
}

/// A group bucket (`ofp_bucket`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bucket {
    /// Relative weight (select groups).
    pub weight: u16,
    /// Port whose liveness decides the bucket's (fast failover).
    pub watch_port: u32,
    /// Group whose liveness decides the bucket's (fast failover).
    pub watch_group: u32,
    /// The bucket's actions.
    pub actions: Vec<Action>,
}

impl Bucket {
    /// A bucket of an ALL or INDIRECT group.
    pub fn new(actions: Vec<Action>) -> Self {
        Bucket {
            weight: 0,
            watch_port: OFPP_ANY,
            watch_group: OFPG_ANY,
            actions,
        }
    }

    /// Decodes one bucket, including its length field.
    pub fn decode(r: &mut Reader<'_>) -> Result<Bucket, DecodeError> {
        let len = usize::from(r.u16("bucket length")?);
        let mut b = r.tlv_body(len, 2, 16, "bucket")?;
        let weight = b.u16("bucket weight")?;
        let watch_port = b.u32("bucket watch_port")?;
        let watch_group = b.u32("bucket watch_group")?;
        b.skip(4, "bucket pad")?;
        let actions = Action::decode_list(&mut b)?;
        Ok(Bucket {
            weight,
            watch_port,
            watch_group,
            actions,
        })
    }

    /// Appends the bucket, with its computed length.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.put16(0);
        out.put16(self.weight);
        out.put32(self.watch_port);
        out.put32(self.watch_group);
        zeros(out, 4);
        Action::encode_list(&self.actions, out)?;
        patch_len16(out, start, start, "bucket")
    }
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bucket=")?;
        if self.weight != 0 {
            write!(f, "weight:{},", self.weight)?;
        }
        if self.watch_port != OFPP_ANY {
            write!(f, "watch_port:{},", PortNo(self.watch_port))?;
        }
        if self.watch_group != OFPG_ANY {
            write!(f, "watch_group:{},", self.watch_group)?;
        }
        f.write_str("actions=")?;
        for (i, a) in self.actions.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

/// `OFPT_GROUP_MOD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMod {
    /// `OFPGC_*` (see [`group_command`]).
    pub command: u16,
    /// `OFPGT_*` (see [`group_type`]).
    pub group_type: u8,
    /// Group id.
    pub group_id: u32,
    /// Buckets.
    pub buckets: Vec<Bucket>,
}

impl GroupMod {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let command = r.u16("group command")?;
        let group_type = r.u8("group type")?;
        r.skip(1, "group pad")?;
        let group_id = r.u32("group id")?;
        let mut buckets = Vec::new();
        while !r.is_empty() {
            buckets.push(Bucket::decode(r)?);
        }
        Ok(GroupMod {
            command,
            group_type,
            group_id,
            buckets,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put16(self.command);
        out.put8(self.group_type);
        out.put8(0);
        out.put32(self.group_id);
        for b in &self.buckets {
            b.encode(out)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// PORT_MOD, TABLE_MOD

/// `OFPT_PORT_MOD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMod {
    /// Port.
    pub port_no: u32,
    /// Its hardware address (a sanity check).
    pub hw_addr: MacAddr,
    /// New `OFPPC_*` bits.
    pub config: u32,
    /// Which config bits to change.
    pub mask: u32,
    /// Features to advertise (0: unchanged).
    pub advertise: u32,
}

impl PortMod {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port_no = r.u32("port_no")?;
        r.skip(4, "port-mod pad")?;
        let hw_addr = MacAddr(r.array("hw_addr")?);
        r.skip(2, "port-mod pad")?;
        let p = PortMod {
            port_no,
            hw_addr,
            config: r.u32("config")?,
            mask: r.u32("mask")?,
            advertise: r.u32("advertise")?,
        };
        r.skip(4, "port-mod pad")?;
        Ok(p)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.put32(self.port_no);
        zeros(out, 4);
        out.put_bytes(&self.hw_addr.0);
        zeros(out, 2);
        out.put32(self.config);
        out.put32(self.mask);
        out.put32(self.advertise);
        zeros(out, 4);
    }
}

/// `OFPT_TABLE_MOD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableMod {
    /// Table, or [`OFPTT_ALL`].
    pub table_id: u8,
    /// `OFPTC_*` configuration bits.
    pub config: u32,
}

impl TableMod {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let table_id = r.u8("table_id")?;
        r.skip(3, "table-mod pad")?;
        Ok(TableMod {
            table_id,
            config: r.u32("config")?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.put8(self.table_id);
        zeros(out, 3);
        out.put32(self.config);
    }
}

// ---------------------------------------------------------------------------------------------
// QUEUE_GET_CONFIG_REPLY

/// One queue and its properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketQueue {
    /// Queue id.
    pub queue_id: u32,
    /// Port it belongs to.
    pub port: u32,
    /// Its properties.
    pub properties: Vec<QueueProp>,
}

/// A queue property, kept as on the wire: its type and everything after its 8-byte header.
/// Lengths are taken exactly as the wire says (no padding is assumed), since some encoders
/// leave experimenter properties unpadded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueProp {
    /// `OFPQT_*` (1 MIN_RATE, 2 MAX_RATE, 0xffff EXPERIMENTER).
    pub property: u16,
    /// Bytes after the property header (for rates: rate u16 and 6 pad bytes).
    pub data: Vec<u8>,
}

impl QueueProp {
    /// For MIN_RATE/MAX_RATE properties, the rate in 1/10 of a percent.
    pub fn rate(&self) -> Option<u16> {
        match (self.property, self.data.as_slice()) {
            (1 | 2, [a, b, ..]) => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        }
    }
}

/// `OFPT_QUEUE_GET_CONFIG_REPLY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueGetConfigReply {
    /// Port asked about.
    pub port: u32,
    /// Its queues.
    pub queues: Vec<PacketQueue>,
}

impl QueueGetConfigReply {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port = r.u32("queue reply port")?;
        r.skip(4, "queue reply pad")?;
        let mut queues = Vec::new();
        while !r.is_empty() {
            let queue_id = r.u32("queue id")?;
            let qport = r.u32("queue port")?;
            let len = usize::from(r.u16("queue length")?);
            let mut q = r.tlv_body(len, 10, 16, "queue")?;
            q.skip(6, "queue pad")?;
            let mut properties = Vec::new();
            while !q.is_empty() {
                let property = q.u16("queue property type")?;
                let plen = usize::from(q.u16("queue property length")?);
                let mut p = q.tlv_body(plen, 4, 8, "queue property")?;
                p.skip(4, "queue property pad")?;
                properties.push(QueueProp {
                    property,
                    data: p.rest().to_vec(),
                });
            }
            queues.push(PacketQueue {
                queue_id,
                port: qport,
                properties,
            });
        }
        Ok(QueueGetConfigReply { port, queues })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put32(self.port);
        zeros(out, 4);
        for q in &self.queues {
            let start = out.len();
            out.put32(q.queue_id);
            out.put32(q.port);
            let len_at = out.len();
            out.put16(0);
            zeros(out, 6);
            for p in &q.properties {
                let pstart = out.len();
                out.put16(p.property);
                out.put16(0);
                zeros(out, 4);
                out.put_bytes(&p.data);
                patch_len16(out, pstart + 2, pstart, "queue property")?;
            }
            patch_len16(out, len_at, start, "queue")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// ROLE, ASYNC

/// `OFPCR_ROLE_*` controller roles.
#[allow(missing_docs)]
pub mod controller_role {
    pub const NOCHANGE: u32 = 0;
    pub const EQUAL: u32 = 1;
    pub const MASTER: u32 = 2;
    pub const SLAVE: u32 = 3;
}

/// `OFPT_ROLE_REQUEST` / `OFPT_ROLE_REPLY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    /// `OFPCR_ROLE_*` (see [`controller_role`]).
    pub role: u32,
    /// Master election generation id.
    pub generation_id: u64,
}

impl Role {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let role = r.u32("role")?;
        r.skip(4, "role pad")?;
        Ok(Role {
            role,
            generation_id: r.u64("generation_id")?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.put32(self.role);
        zeros(out, 4);
        out.put64(self.generation_id);
    }
}

/// Asynchronous message filters (`OFPT_GET_ASYNC_REPLY`, `OFPT_SET_ASYNC`); index 0 applies in
/// the master/equal role, index 1 in the slave role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AsyncConfig {
    /// Packet-in reasons wanted.
    pub packet_in_mask: [u32; 2],
    /// Port-status reasons wanted.
    pub port_status_mask: [u32; 2],
    /// Flow-removed reasons wanted.
    pub flow_removed_mask: [u32; 2],
}

impl AsyncConfig {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(AsyncConfig {
            packet_in_mask: [r.u32("packet_in_mask")?, r.u32("packet_in_mask")?],
            port_status_mask: [r.u32("port_status_mask")?, r.u32("port_status_mask")?],
            flow_removed_mask: [r.u32("flow_removed_mask")?, r.u32("flow_removed_mask")?],
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        for m in self
            .packet_in_mask
            .iter()
            .chain(&self.port_status_mask)
            .chain(&self.flow_removed_mask)
        {
            out.put32(*m);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// METER_MOD

/// `OFPMC_*` meter-mod commands.
#[allow(missing_docs)]
pub mod meter_command {
    pub const ADD: u16 = 0;
    pub const MODIFY: u16 = 1;
    pub const DELETE: u16 = 2;
}

/// `OFPMF_*` meter flags.
#[allow(missing_docs)]
pub mod meter_flags {
    pub const KBPS: u16 = 1 << 0;
    pub const PKTPS: u16 = 1 << 1;
    pub const BURST: u16 = 1 << 2;
    pub const STATS: u16 = 1 << 3;
}

/// A meter band (`ofp_meter_band_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeterBand {
    /// Drop packets above `rate`.
    Drop {
        /// Rate (kbps or pps, per the meter's flags).
        rate: u32,
        /// Burst size.
        burst_size: u32,
    },
    /// Raise the drop precedence of the DSCP field above `rate`.
    DscpRemark {
        /// Rate.
        rate: u32,
        /// Burst size.
        burst_size: u32,
        /// How much to add to the drop precedence.
        prec_level: u8,
    },
    /// An experimenter band.
    Experimenter {
        /// Rate.
        rate: u32,
        /// Burst size.
        burst_size: u32,
        /// Experimenter id.
        experimenter: u32,
        /// Experimenter data after the id.
        data: Vec<u8>,
    },
    /// An unknown band type, kept raw.
    Unknown {
        /// Band type.
        band_type: u16,
        /// Everything after the 4-byte type/length header.
        data: Vec<u8>,
    },
}

impl MeterBand {
    /// Decodes one band, including its length field.
    pub fn decode(r: &mut Reader<'_>) -> Result<MeterBand, DecodeError> {
        let band_type = r.u16("meter band type")?;
        let len = usize::from(r.u16("meter band length")?);
        let mut b = r.tlv_body(len, 4, 16, "meter band")?;
        Ok(match band_type {
            1 => {
                let band = MeterBand::Drop {
                    rate: b.u32("band rate")?,
                    burst_size: b.u32("band burst_size")?,
                };
                b.skip(4, "band pad")?;
                b.finish("drop band")?;
                band
            }
            2 => {
                let band = MeterBand::DscpRemark {
                    rate: b.u32("band rate")?,
                    burst_size: b.u32("band burst_size")?,
                    prec_level: b.u8("band prec_level")?,
                };
                b.skip(3, "band pad")?;
                b.finish("dscp_remark band")?;
                band
            }
            0xffff => MeterBand::Experimenter {
                rate: b.u32("band rate")?,
                burst_size: b.u32("band burst_size")?,
                experimenter: b.u32("band experimenter")?,
                data: b.rest().to_vec(),
            },
            _ => MeterBand::Unknown {
                band_type,
                data: b.rest().to_vec(),
            },
        })
    }

    /// Appends the band, with its computed length.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        match self {
            MeterBand::Drop { rate, burst_size } => {
                out.put16(1);
                out.put16(0);
                out.put32(*rate);
                out.put32(*burst_size);
                zeros(out, 4);
            }
            MeterBand::DscpRemark {
                rate,
                burst_size,
                prec_level,
            } => {
                out.put16(2);
                out.put16(0);
                out.put32(*rate);
                out.put32(*burst_size);
                out.put8(*prec_level);
                zeros(out, 3);
            }
            MeterBand::Experimenter {
                rate,
                burst_size,
                experimenter,
                data,
            } => {
                out.put16(0xffff);
                out.put16(0);
                out.put32(*rate);
                out.put32(*burst_size);
                out.put32(*experimenter);
                out.put_bytes(data);
            }
            MeterBand::Unknown { band_type, data } => {
                out.put16(*band_type);
                out.put16(0);
                out.put_bytes(data);
            }
        }
        patch_len16(out, start + 2, start, "meter band")
    }
}

impl fmt::Display for MeterBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MeterBand::Drop { rate, burst_size } => {
                write!(f, "type=drop rate={rate} burst_size={burst_size}")
            }
            MeterBand::DscpRemark {
                rate,
                burst_size,
                prec_level,
            } => write!(
                f,
                "type=dscp_remark rate={rate} burst_size={burst_size} prec_level={prec_level}"
            ),
            MeterBand::Experimenter {
                rate,
                burst_size,
                experimenter,
                data,
            } => write!(
                f,
                "type=experimenter experimenter={experimenter:#x} rate={rate} burst_size={burst_size} data={}",
                hex(data)
            ),
            MeterBand::Unknown { band_type, data } => {
                write!(f, "type={band_type} data={}", hex(data))
            }
        }
    }
}

/// `OFPT_METER_MOD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterMod {
    /// `OFPMC_*` (see [`meter_command`]).
    pub command: u16,
    /// `OFPMF_*` (see [`meter_flags`]).
    pub flags: u16,
    /// Meter id.
    pub meter_id: u32,
    /// Bands.
    pub bands: Vec<MeterBand>,
}

impl MeterMod {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let command = r.u16("meter command")?;
        let flags = r.u16("meter flags")?;
        let meter_id = r.u32("meter id")?;
        let mut bands = Vec::new();
        while !r.is_empty() {
            bands.push(MeterBand::decode(r)?);
        }
        Ok(MeterMod {
            command,
            flags,
            meter_id,
            bands,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put16(self.command);
        out.put16(self.flags);
        out.put32(self.meter_id);
        for b in &self.bands {
            b.encode(out)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Printing

impl fmt::Display for Message {
    /// One readable paragraph per message, in the spirit of `ovs-ofctl ofp-print`: the type and
    /// xid on the first line, then what the message says.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.body.msg_type();
        write!(f, "{} (OF1.3) (xid={:#x}):", msg_type_name(t), self.xid)?;
        match &self.body {
            MessageBody::Hello(h) => {
                for e in &h.elements {
                    match e {
                        HelloElement::VersionBitmap(words) => {
                            let versions: Vec<String> = (0u32..)
                                .take(words.len() * 32)
                                .filter(|v| {
                                    words
                                        .get((v / 32) as usize)
                                        .is_some_and(|w| w & (1 << (v % 32)) != 0)
                                })
                                .map(|v| format!("{v:#04x}"))
                                .collect();
                            write!(f, " version bitmap: {}", versions.join(", "))?;
                        }
                        HelloElement::Unknown { ty, data } => {
                            write!(f, " element type={ty} data={}", hex(data))?
                        }
                    }
                }
                Ok(())
            }
            MessageBody::Error(e) => write!(f, " {e}"),
            MessageBody::EchoRequest(d) | MessageBody::EchoReply(d) => {
                write!(f, " {} bytes of payload", d.len())?;
                if !d.is_empty() {
                    write!(f, ": {}", hex(d))?;
                }
                Ok(())
            }
            MessageBody::Experimenter(e) => write!(
                f,
                " experimenter={:#010x} exp_type={} data={}",
                e.experimenter,
                e.exp_type,
                hex(&e.data)
            ),
            MessageBody::BundleControl(c) => write!(
                f,
                " ONF bundle control bundle_id={:#x} type={:?} flags={:#x}",
                c.bundle_id, c.ctrl_type, c.flags
            ),
            MessageBody::BundleAdd(a) => {
                write!(
                    f,
                    " ONF bundle add bundle_id={:#x} flags={:#x}\n  ",
                    a.bundle_id, a.flags
                )?;
                write!(f, "{}", a.message)
            }
            MessageBody::FeaturesRequest
            | MessageBody::GetConfigRequest
            | MessageBody::BarrierRequest
            | MessageBody::BarrierReply
            | MessageBody::GetAsyncRequest => Ok(()),
            MessageBody::FeaturesReply(s) => write!(
                f,
                " dpid:{:016x}\n n_tables:{}, n_buffers:{}, auxiliary_id:{}\n capabilities: {:#x}",
                s.datapath_id, s.n_tables, s.n_buffers, s.auxiliary_id, s.capabilities
            ),
            MessageBody::GetConfigReply(c) | MessageBody::SetConfig(c) => {
                write!(f, " flags={:#x} miss_send_len={}", c.flags, c.miss_send_len)
            }
            MessageBody::PacketIn(p) => {
                write!(
                    f,
                    " total_len={} reason={} table_id={} cookie={:#x}",
                    p.total_len, p.reason, p.table_id, p.cookie
                )?;
                if p.buffer_id != OFP_NO_BUFFER {
                    write!(f, " buffer={:#x}", p.buffer_id)?;
                }
                write!(
                    f,
                    " {}\n data ({} bytes): {}",
                    p.match_,
                    p.data.len(),
                    hex(&p.data)
                )
            }
            MessageBody::FlowRemoved(r) => write!(
                f,
                " {} priority={} reason={} table_id={} cookie={:#x} duration={}.{:09}s idle_timeout={} hard_timeout={} packets={} bytes={}",
                r.match_,
                r.priority,
                r.reason,
                r.table_id,
                r.cookie,
                r.duration_sec,
                r.duration_nsec,
                r.idle_timeout,
                r.hard_timeout,
                r.packet_count,
                r.byte_count
            ),
            MessageBody::PortStatus(s) => {
                let reason = match s.reason {
                    port_reason::ADD => "ADD",
                    port_reason::DELETE => "DELETE",
                    port_reason::MODIFY => "MODIFY",
                    _ => "UNKNOWN",
                };
                write!(f, " {reason}: {}", s.port)
            }
            MessageBody::PacketOut(p) => {
                write!(f, " in_port={} actions=", PortNo(p.in_port))?;
                for (i, a) in p.actions.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{a}")?;
                }
                if p.buffer_id != OFP_NO_BUFFER {
                    write!(f, " buffer={:#x}", p.buffer_id)?;
                }
                write!(f, "\n data ({} bytes): {}", p.data.len(), hex(&p.data))
            }
            MessageBody::FlowMod(m) => write!(f, " {m}"),
            MessageBody::GroupMod(g) => {
                write!(
                    f,
                    " command={} group_id={} type={}",
                    g.command, g.group_id, g.group_type
                )?;
                for b in &g.buckets {
                    write!(f, "\n {b}")?;
                }
                Ok(())
            }
            MessageBody::PortMod(p) => write!(
                f,
                " port={} addr={} config={:#x} mask={:#x} advertise={:#x}",
                PortNo(p.port_no),
                p.hw_addr,
                p.config,
                p.mask,
                p.advertise
            ),
            MessageBody::TableMod(t) => {
                write!(f, " table_id={} config={:#x}", t.table_id, t.config)
            }
            MessageBody::MultipartRequest(m) => write!(f, " {m}"),
            MessageBody::MultipartReply(m) => write!(f, " {m}"),
            MessageBody::QueueGetConfigRequest { port } => write!(f, " port={}", PortNo(*port)),
            MessageBody::QueueGetConfigReply(q) => {
                write!(f, " port={}", PortNo(q.port))?;
                for queue in &q.queues {
                    write!(f, "\n queue {} (port {}):", queue.queue_id, queue.port)?;
                    for p in &queue.properties {
                        match p.rate() {
                            Some(rate) => write!(f, " property {} rate={rate}", p.property)?,
                            None => write!(f, " property {} data={}", p.property, hex(&p.data))?,
                        }
                    }
                }
                Ok(())
            }
            MessageBody::RoleRequest(r) | MessageBody::RoleReply(r) => {
                let role = match r.role {
                    controller_role::NOCHANGE => "nochange",
                    controller_role::EQUAL => "equal",
                    controller_role::MASTER => "master",
                    controller_role::SLAVE => "slave",
                    _ => "unknown",
                };
                write!(f, " role={role} generation_id={}", r.generation_id)
            }
            MessageBody::GetAsyncReply(a) | MessageBody::SetAsync(a) => write!(
                f,
                " master: packet_in={:#x} port_status={:#x} flow_removed={:#x}; slave: packet_in={:#x} port_status={:#x} flow_removed={:#x}",
                a.packet_in_mask[0],
                a.port_status_mask[0],
                a.flow_removed_mask[0],
                a.packet_in_mask[1],
                a.port_status_mask[1],
                a.flow_removed_mask[1]
            ),
            MessageBody::MeterMod(m) => {
                write!(
                    f,
                    " command={} meter={} flags={:#x}",
                    m.command, m.meter_id, m.flags
                )?;
                for b in &m.bands {
                    write!(f, "\n band {b}")?;
                }
                Ok(())
            }
            MessageBody::Unknown { body, .. } => write!(f, " {} bytes: {}", body.len(), hex(body)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oxm::Oxm;

    fn roundtrip(m: &Message) -> Vec<u8> {
        let bytes = m.encode_to_vec().unwrap();
        assert_eq!(
            usize::from(Header::peek(&bytes).unwrap().length),
            bytes.len()
        );
        let back = Message::decode(&bytes).unwrap();
        assert_eq!(&back, m);
        assert!(!back.to_string().is_empty());
        bytes
    }

    #[test]
    fn hello_of13_is_the_standard_16_bytes() {
        let b = roundtrip(&Message::new(1, MessageBody::Hello(Hello::of13())));
        assert_eq!(b, [4, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x10]);
        let h = Hello::of13();
        assert_eq!(h.supports(4), Some(true));
        assert_eq!(h.supports(1), Some(false));
    }

    #[test]
    fn hello_of_another_version_is_still_read() {
        // OpenFlow 1.5 hello offering 1.0, 1.3 and 1.5
        let b = [6u8, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x52];
        let m = Message::decode(&b).unwrap();
        let MessageBody::Hello(h) = m.body else {
            panic!("not a hello")
        };
        assert_eq!(h.supports(4), Some(true));
        // but a FLOW_MOD must be 1.3
        let b = [1u8, 14, 0, 8, 0, 0, 0, 1];
        assert_eq!(
            Message::decode(&b).unwrap_err().kind,
            DecodeErrorKind::BadVersion(1)
        );
    }

    #[test]
    fn fixed_messages_round_trip() {
        let bodies = vec![
            MessageBody::EchoRequest(b"ping".to_vec()),
            MessageBody::EchoReply(vec![]),
            MessageBody::FeaturesRequest,
            MessageBody::FeaturesReply(SwitchFeatures {
                datapath_id: 0x1,
                n_buffers: 0,
                n_tables: 254,
                auxiliary_id: 0,
                capabilities: 0x4f,
                reserved: 0,
            }),
            MessageBody::GetConfigRequest,
            MessageBody::SetConfig(SwitchConfig {
                flags: 0,
                miss_send_len: OFPCML_NO_BUFFER,
            }),
            MessageBody::BarrierRequest,
            MessageBody::BarrierReply,
            MessageBody::RoleRequest(Role {
                role: controller_role::MASTER,
                generation_id: 9,
            }),
            MessageBody::GetAsyncRequest,
            MessageBody::SetAsync(AsyncConfig {
                packet_in_mask: [3, 1],
                port_status_mask: [7, 7],
                flow_removed_mask: [15, 0],
            }),
            MessageBody::TableMod(TableMod {
                table_id: 3,
                config: 0,
            }),
            MessageBody::PortMod(PortMod {
                port_no: 1,
                hw_addr: MacAddr([2, 0, 0, 0, 0, 1]),
                config: 1,
                mask: 1,
                advertise: 0,
            }),
            MessageBody::QueueGetConfigRequest { port: 1 },
            MessageBody::Error(ErrorMsg::about(4, 6, &[4, 14, 0, 8, 0, 0, 0, 3])),
            MessageBody::Error(ErrorMsg {
                ty: OFPET_EXPERIMENTER,
                code: 3,
                experimenter: Some(0x2320),
                data: vec![1, 2, 3],
            }),
            MessageBody::Experimenter(Experimenter {
                experimenter: 0x2320,
                exp_type: 11,
                data: vec![0; 5],
            }),
            MessageBody::MeterMod(MeterMod {
                command: meter_command::ADD,
                flags: meter_flags::KBPS,
                meter_id: 1,
                bands: vec![
                    MeterBand::Drop {
                        rate: 1000,
                        burst_size: 0,
                    },
                    MeterBand::DscpRemark {
                        rate: 10,
                        burst_size: 1,
                        prec_level: 1,
                    },
                ],
            }),
            MessageBody::Unknown {
                msg_type: 99,
                body: vec![1, 2, 3],
            },
        ];
        for (i, b) in bodies.into_iter().enumerate() {
            roundtrip(&Message::new(u32::try_from(i).unwrap(), b));
        }
    }

    #[test]
    fn error_prints_names_and_the_failed_request() {
        let e = ErrorMsg::about(4, 6, &[4, 14, 0, 8, 0, 0, 0, 3]);
        let s = e.to_string();
        assert!(s.contains("OFPET_BAD_MATCH/OFPBMC_BAD_FIELD"), "{s}");
        assert!(s.contains("OFPT_FLOW_MOD xid=0x3"), "{s}");
    }

    #[test]
    fn bundle_messages_round_trip_and_nest() {
        let flow = FlowMod::add(0)
            .priority(1)
            .match_(Match::new().with(Oxm::InPort(1)))
            .instruction(Instruction::GotoTable(1));
        let add = BundleAdd::new(7, BUNDLE_ATOMIC, Message::new(3, flow.into()));
        let b = roundtrip(&Message::new(3, MessageBody::BundleAdd(add)));
        assert_eq!(&b[8..16], &[0x4f, 0x4e, 0x46, 0, 0, 0, 0x08, 0xfd]);
        roundtrip(&Message::new(
            4,
            MessageBody::BundleControl(BundleControl::new(
                7,
                BundleCtrlType::CommitRequest,
                BUNDLE_ATOMIC,
            )),
        ));
        // bundles cannot nest: refused when encoding and when decoding
        let inner = Message::new(
            5,
            MessageBody::BundleControl(BundleControl::new(7, BundleCtrlType::OpenRequest, 0)),
        );
        let nested = Message::new(
            6,
            MessageBody::BundleAdd(BundleAdd::new(7, 0, inner.clone())),
        );
        assert!(matches!(
            nested.encode_to_vec(),
            Err(EncodeError::Invalid { .. })
        ));
        let mut forged = Message::new(
            6,
            MessageBody::BundleAdd(BundleAdd::new(
                7,
                0,
                Message::new(5, MessageBody::BarrierRequest),
            )),
        )
        .encode_to_vec()
        .unwrap();
        forged.truncate(16 + 8);
        forged.extend(inner.encode_to_vec().unwrap());
        let len = u16::try_from(forged.len()).unwrap().to_be_bytes();
        forged[2..4].copy_from_slice(&len);
        let e = Message::decode(&forged).unwrap_err();
        assert!(e.to_string().contains("cannot contain bundle"), "{e}");
        // a bundle whose inner message claims to be longer than what is there
        let mut bad = b.clone();
        bad[16 + 8 + 3] = 0xff;
        assert!(Message::decode(&bad).is_err());
    }

    #[test]
    fn flow_mod_prints_like_ovs() {
        let flow = FlowMod::add(2)
            .priority(10)
            .cookie(0x0900_0000_0000_0001)
            .match_(Match::new().with(Oxm::InPort(1)))
            .instruction(Instruction::GotoTable(3));
        assert_eq!(
            flow.to_string(),
            "ADD table=2 priority=10 cookie=0x900000000000001 in_port=1 actions=goto_table:3"
        );
    }

    #[test]
    fn header_length_must_match() {
        let b = Message::new(1, MessageBody::BarrierRequest)
            .encode_to_vec()
            .unwrap();
        let mut longer = b.clone();
        longer.push(0);
        assert!(matches!(
            Message::decode(&longer).unwrap_err().kind,
            DecodeErrorKind::TrailingBytes { .. }
        ));
        assert!(Message::decode(&b[..7]).unwrap_err().is_truncated());
        let mut short = b.clone();
        short[3] = 4;
        assert!(Message::decode(&short).is_err());
    }
}
