//! The messages and their JSON encoding.
//!
//! Every body is one JSON object whose first member is `"proto": 1` ([`PROTO_VERSION`]); the
//! other members are the message's own fields. Decoding checks the version before anything
//! else is trusted: a body from a peer with another version fails with
//! [`DecodeError::VersionMismatch`] naming both versions, and bytes that are not such an object
//! fail with [`DecodeError::Malformed`]. Nothing here panics on hostile input.
//!
//! Examples of bodies (see the crate docs for the framing):
//!
//! ```text
//! {"proto":1,"id":7,"op":{"show":{"table":"networks","key":{"uuid":"nw-a"}}}}
//! {"proto":1,"id":7,"result":{"Ok":{"row":{"id":1,"uuid":"nw-a",...}}}}
//! {"proto":1,"id":9,"op":{"call":{"allocate_lease":{"lease_policy":{"uuid":"lp-1"},"interface":{"uuid":"if-1"}}}}}
//! {"proto":1,"id":9,"result":{"Ok":{"called":{"row":{...},"changes":[{"op":"created","row":{...}},...]}}}}
//! {"proto":1,"id":8,"result":{"Err":{"code":100,"error":"UnknownUUIDResource","message":"..."}}}
//! {"proto":1,"epoch":4711,"seq":12,"kind":"network_created_item","changes":[{"op":"created","row":{...}}]}
//! {"proto":1,"epoch":4711,"seq":12}
//! ```

use std::fmt;

use bytes::Bytes;
use model::{Id, ModelError, Table, Uuid};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The protocol version this crate speaks; every message carries it as `"proto"`.
pub const PROTO_VERSION: u32 = 1;

/// How many bytes of a peer's reason an error repeats, so a huge garbage frame does not come
/// back whole in a log line.
const MAX_REASON_CHARS: usize = 200;

/// A row as it crosses the wire where the concrete row type is not fixed by this crate
/// (create input, show/list output): the row's fields as a JSON value.
pub type RowValue = serde_json::Value;

/// A row already serialised as one JSON object, carried through the wire as it is: a list
/// reply's rows go from vnmgr's serialiser into vnapi's HTTP body without being parsed into
/// a [`RowValue`] and serialised again on the way.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawRow(pub Box<serde_json::value::RawValue>);

impl RawRow {
    /// `row` serialised.
    pub fn from_value<T: Serialize + ?Sized>(row: &T) -> Result<Self, EncodeError> {
        serde_json::value::to_raw_value(row)
            .map(Self)
            .map_err(|e| EncodeError(e.to_string()))
    }

    /// The row's JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The row parsed.
    pub fn to_value(&self) -> Result<RowValue, serde_json::Error> {
        serde_json::from_str(self.get())
    }
}

impl PartialEq for RawRow {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

/// How a request names one row: by database id or by uuid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    /// The row's database id.
    Id(Id),
    /// The row's uuid (tables with uuids only).
    Uuid(Uuid),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => write!(f, "id {id}"),
            Self::Uuid(uuid) => write!(f, "{uuid}"),
        }
    }
}

/// What a client asks vnmgr to do. Each operation is one database transaction in vnmgr.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Creates a row in `table` from the fields the client gave; vnmgr validates them and
    /// fills in what is generated (id, uuid, timestamps, allocated addresses).
    Create { table: Table, row: RowValue },
    /// Reads one row.
    Show { table: Table, key: Key },
    /// Reads a page of rows whose columns equal the given values.
    List {
        table: Table,
        /// `(column, value)` pairs, all of which must match.
        #[serde(default)]
        filter: Vec<(String, serde_json::Value)>,
        /// Page size; `None` leaves the default to vnmgr (the original's `pagination_limit`).
        #[serde(default)]
        limit: Option<u64>,
        #[serde(default)]
        offset: u64,
    },
    /// Changes the given fields of one row.
    Update {
        table: Table,
        key: Key,
        fields: serde_json::Map<String, serde_json::Value>,
    },
    /// Soft-deletes one row and whatever cascades from it.
    Delete { table: Table, key: Key },
    /// Creates an association row (`table` is the association table, e.g.
    /// `datapath_networks`) from the fields naming both sides.
    Relate {
        table: Table,
        fields: serde_json::Map<String, serde_json::Value>,
    },
    /// Deletes the association row the fields name.
    Unrelate {
        table: Table,
        fields: serde_json::Map<String, serde_json::Value>,
    },
    /// The whole model and the event `seq` it reflects, in one reply (tens of MiB for a large
    /// model: [`Op::SnapshotPage`] is the bounded way).
    Snapshot,
    /// One page of a snapshot, answered with [`Reply::SnapshotPage`]. Without a cursor, vnmgr
    /// opens a snapshot of the model as it is now (keeping the read model's tables at that
    /// `(epoch, seq)` under a token) and answers its first page; with one (the previous page's
    /// `next`), the page after it, of the same snapshot. A cursor whose token vnmgr does not
    /// hold (expired after being idle, dropped to make room for newer snapshots, or from
    /// before a restart) is refused with [`ApiError::SNAPSHOT_EXPIRED`]: start again without
    /// one.
    SnapshotPage {
        #[serde(default)]
        cursor: Option<SnapshotCursor>,
    },
    /// Liveness check; answered with [`Reply::Pong`].
    Ping,
    /// Runs one of vnmgr's services (the original's service routes, which do more than write
    /// the row they name); answered with [`Reply::Called`].
    Call(ServiceCall),
}

/// A vnmgr service a client can invoke by name. Like every [`Op`], one transaction and one
/// event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceCall {
    /// Allocates an address for `interface` from lease policy `lease_policy` (the original's
    /// `POST /lease_policies/:uuid/ip_leases`): a new `ip_addresses` + `ip_leases` row on the
    /// interface's first MAC lease, in the policy's lease and retention containers.
    AllocateLease { lease_policy: Key, interface: Key },
    /// Attaches an existing lease to an interface (the original's `PUT
    /// /ip_leases/:uuid/attach`): given `mac_lease`, to that MAC lease and its interface;
    /// given only `interface`, to the interface's first MAC lease.
    AttachLease {
        ip_lease: Key,
        #[serde(default)]
        interface: Option<Key>,
        #[serde(default)]
        mac_lease: Option<Key>,
    },
    /// Detaches a lease from its interface and MAC lease and marks its retentions released
    /// now (the original's `PUT /ip_leases/:uuid/release`); the address stays reserved.
    ReleaseLease { ip_lease: Key },
    /// Creates an interface with what the original's `POST /interfaces` wrote alongside it
    /// (reference §2.3): `row` is the interface's fields plus any of `mac_address` or
    /// `mac_range_group_uuid` (a `mac_addresses` + `mac_leases` row), `network_uuid` and
    /// `ipv4_address` (an `ip_addresses` + `ip_leases` row and the `interface_networks`
    /// association), `segment_uuid` (`interface_segments`), `port_name` and
    /// `owner_datapath_uuid` (the `interface_ports` row, singular when either is given).
    /// Answers the interface.
    CreateInterface {
        row: serde_json::Map<String, serde_json::Value>,
    },
}

impl ServiceCall {
    /// The call's name as on the wire (`allocate_lease`, …), for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Self::AllocateLease { .. } => "allocate_lease",
            Self::AttachLease { .. } => "attach_lease",
            Self::ReleaseLease { .. } => "release_lease",
            Self::CreateInterface { .. } => "create_interface",
        }
    }
}

impl Op {
    /// The operation's name as on the wire (`create`, `show`, …), for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create { .. } => "create",
            Self::Show { .. } => "show",
            Self::List { .. } => "list",
            Self::Update { .. } => "update",
            Self::Delete { .. } => "delete",
            Self::Relate { .. } => "relate",
            Self::Unrelate { .. } => "unrelate",
            Self::Snapshot => "snapshot",
            Self::SnapshotPage { .. } => "snapshot_page",
            Self::Ping => "ping",
            Self::Call(_) => "call",
        }
    }
}

/// What vnmgr answers to a successful [`Op`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// One row (create, show, update, relate).
    Row(RowValue),
    /// A page of rows (list), in the original's pagination shape.
    Rows {
        /// How many rows match in all.
        total: u64,
        offset: u64,
        limit: u64,
        items: Vec<RawRow>,
    },
    /// The keys of the deleted rows (delete, unrelate), the target first.
    Deleted(Vec<Key>),
    /// The whole model (snapshot).
    /// Rows as vnmgr serialised them: decoded once, straight into the receiver's row type
    /// (a `serde_json::Value` per row first would cost several times the snapshot's size).
    Snapshot(Snapshot<RawRow>),
    /// One page of a snapshot ([`Op::SnapshotPage`]), rows as vnmgr serialised them.
    SnapshotPage(SnapshotPage<RawRow>),
    /// Answer to [`Op::Ping`].
    Pong,
    /// Answer to [`Op::Call`]: the row the call is about (the allocated, attached or
    /// released lease; the created interface) and every change the call made, as in its
    /// event.
    Called {
        row: RowValue,
        changes: Vec<Change<RowValue>>,
    },
}

impl Reply {
    /// The reply's name as on the wire, for errors about unexpected replies.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Row(_) => "row",
            Self::Rows { .. } => "rows",
            Self::Deleted(_) => "deleted",
            Self::Snapshot(_) => "snapshot",
            Self::SnapshotPage(_) => "snapshot_page",
            Self::Pong => "pong",
            Self::Called { .. } => "called",
        }
    }
}

/// An RPC request: `id` is chosen by the client and unique among its calls in flight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub op: Op,
}

/// The answer to the request with the same `id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub id: u64,
    pub result: Result<Reply, ApiError>,
}

/// A failed request, as the original's REST error body: a numeric code (reference §3.1, plus
/// 500 and 503 for failures that are not the request's fault), the original's error class
/// name and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} (error {code} {error})")]
pub struct ApiError {
    pub code: u16,
    pub error: String,
    pub message: String,
}

impl ApiError {
    /// Code of a failure that is nobody's input's fault (the original's catch-all 500).
    pub const INTERNAL: u16 = 500;
    /// Code of "the database is unavailable": retry later, nothing was written.
    pub const UNAVAILABLE: u16 = 503;
    /// Code of "no open snapshot has this token" ([`Op::SnapshotPage`]): start a new one.
    pub const SNAPSHOT_EXPIRED: u16 = 410;

    /// A snapshot page asked for with a token vnmgr does not hold (or no longer holds).
    pub fn snapshot_expired(token: u64, why: &str) -> Self {
        Self {
            code: Self::SNAPSHOT_EXPIRED,
            error: "SnapshotExpired".to_owned(),
            message: format!(
                "snapshot token {token} is unknown or expired ({why}); \
                 ask for a snapshot page without a cursor to open a new snapshot"
            ),
        }
    }

    /// The database cannot be reached; the request changed nothing.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self {
            code: Self::UNAVAILABLE,
            error: "DatabaseUnavailable".to_owned(),
            message: message.into(),
        }
    }

    /// Anything else that went wrong inside vnmgr.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: Self::INTERNAL,
            error: "InternalError".to_owned(),
            message: message.into(),
        }
    }

    /// A request that could not be decoded (wrong protocol version, malformed JSON).
    pub fn protocol(error: &DecodeError) -> Self {
        Self {
            code: Self::INTERNAL,
            error: "ProtocolError".to_owned(),
            message: error.to_string(),
        }
    }

    /// The HTTP status vnapi answers with: 404 for unknown uuid/resource, 400 for the other
    /// model errors, the code itself for 500 and 503.
    pub fn http_status(&self) -> u16 {
        match self.code {
            100 | 114 => 404,
            100..=199 => 400,
            other => other,
        }
    }
}

impl From<ModelError> for ApiError {
    fn from(e: ModelError) -> Self {
        Self {
            code: e.code(),
            error: e.error_name().to_owned(),
            message: e.to_string(),
        }
    }
}

/// The whole model at one point of the event stream: `rows` reflect every event up to and
/// including `seq` of `epoch`, and none after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot<R> {
    pub epoch: u64,
    pub seq: u64,
    pub rows: Vec<R>,
}

impl Snapshot<RawRow> {
    /// Converts the rows to a concrete row type (e.g. `model::AnyRecord`).
    pub fn decode_rows<R: DeserializeOwned>(self) -> Result<Snapshot<R>, DecodeError> {
        Ok(Snapshot {
            epoch: self.epoch,
            seq: self.seq,
            rows: decode_raw_rows(self.rows)?,
        })
    }
}

/// Where the next page of a snapshot starts: after row `after` of `table`, in the order the
/// pages walk (tables in [`Table::ALL`] order, each by id), of the snapshot `token` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotCursor {
    pub token: u64,
    pub table: Table,
    pub after: Id,
}

/// One page of a snapshot: every page of one snapshot has the same `(epoch, seq)`, and the
/// pages' rows together are the whole model at that position, each row once. `next` is
/// `None` on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotPage<R> {
    pub epoch: u64,
    pub seq: u64,
    pub rows: Vec<R>,
    pub next: Option<SnapshotCursor>,
}

impl<R> From<Snapshot<R>> for SnapshotPage<R> {
    /// A whole snapshot as its only page.
    fn from(s: Snapshot<R>) -> Self {
        Self {
            epoch: s.epoch,
            seq: s.seq,
            rows: s.rows,
            next: None,
        }
    }
}

impl SnapshotPage<RawRow> {
    /// Converts the page's rows to a concrete row type, page by page, so a reader never holds
    /// more than one page of JSON and decoded rows besides what it keeps.
    pub fn decode_rows<R: DeserializeOwned>(self) -> Result<SnapshotPage<R>, DecodeError> {
        Ok(SnapshotPage {
            epoch: self.epoch,
            seq: self.seq,
            rows: decode_raw_rows(self.rows)?,
            next: self.next,
        })
    }
}

fn decode_raw_rows<R: DeserializeOwned>(rows: Vec<RawRow>) -> Result<Vec<R>, DecodeError> {
    rows.into_iter()
        .map(|row| serde_json::from_str(row.get()))
        .collect::<Result<Vec<R>, _>>()
        .map_err(|e| DecodeError::malformed("snapshot row", &e))
}

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Created,
    Updated,
    Deleted,
}

/// One changed row, in full (for `Deleted`, the row as it was when deleted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change<R> {
    pub op: ChangeOp,
    pub row: R,
}

/// The changes of one committed transaction, stamped with the stream position.
///
/// `epoch` is chosen at random when vnmgr starts; `seq` is 1 for the first event of an epoch
/// and grows by exactly one per event, so a receiver can tell a missed event from a duplicate.
/// `kind` is the original's event name (reference §5.15), e.g. `interface_created_item`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event<R> {
    pub epoch: u64,
    pub seq: u64,
    pub kind: String,
    pub changes: Vec<Change<R>>,
}

/// Sent every second: "vnmgr is alive, at this stream position". A receiver behind `seq`
/// missed an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub epoch: u64,
    pub seq: u64,
}

/// What arrives on the event channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice<R> {
    Event(Event<R>),
    Heartbeat(Heartbeat),
}

impl<R> Notice<R> {
    /// The stream position the notice carries.
    pub fn position(&self) -> (u64, u64) {
        match self {
            Self::Event(e) => (e.epoch, e.seq),
            Self::Heartbeat(h) => (h.epoch, h.seq),
        }
    }
}

/// Topic frame of an event on the PUB socket.
pub const TOPIC_EVENT: &[u8] = b"ev";
/// Topic frame of a heartbeat on the PUB socket.
pub const TOPIC_HEARTBEAT: &[u8] = b"hb";

/// A body that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The peer speaks another protocol version.
    #[error(
        "protocol version mismatch in a {what}: the peer speaks proto {theirs}, this side speaks proto {ours}"
    )]
    VersionMismatch {
        what: &'static str,
        theirs: u64,
        ours: u32,
    },
    /// Not a message of this protocol: not JSON, no `proto` member, or wrong fields.
    #[error("malformed {what}: {reason}")]
    Malformed { what: &'static str, reason: String },
    /// A PUB message whose topic frame is neither `ev` nor `hb`.
    #[error("unknown event topic {topic:?} (expected \"ev\" or \"hb\")")]
    UnknownTopic { topic: String },
}

impl DecodeError {
    pub(crate) fn malformed(what: &'static str, reason: &dyn fmt::Display) -> Self {
        let mut reason = reason.to_string();
        if let Some((cut, _)) = reason.char_indices().nth(MAX_REASON_CHARS) {
            reason.truncate(cut);
            reason.push('…');
        }
        Self::Malformed { what, reason }
    }
}

/// The envelope as written: the version, then the message's own fields.
#[derive(Serialize)]
struct Versioned<'a, T> {
    proto: u32,
    #[serde(flatten)]
    body: &'a T,
}

/// Just the version, read when a full decode failed, to tell "other version" from garbage.
#[derive(Deserialize)]
struct VersionOnly {
    proto: u64,
}

#[derive(Deserialize)]
struct RequestIn {
    proto: u64,
    id: u64,
    op: Op,
}

#[derive(Deserialize)]
struct ResponseIn {
    proto: u64,
    id: u64,
    result: Result<Reply, ApiError>,
}

#[derive(Deserialize)]
#[serde(bound = "R: DeserializeOwned")]
struct EventIn<R> {
    proto: u64,
    epoch: u64,
    seq: u64,
    kind: String,
    changes: Vec<Change<R>>,
}

#[derive(Deserialize)]
struct HeartbeatIn {
    proto: u64,
    epoch: u64,
    seq: u64,
}

/// Encodes `body` with the envelope. Serialising these types cannot fail (string keys, no
/// non-finite floats are produced by this crate); a failure from a foreign row type is
/// reported rather than hidden.
fn encode<T: Serialize>(body: &T) -> Result<Bytes, EncodeError> {
    serde_json::to_vec(&Versioned {
        proto: PROTO_VERSION,
        body,
    })
    .map(Bytes::from)
    .map_err(|e| EncodeError(e.to_string()))
}

/// A message that cannot be serialised (only possible with a row type whose `Serialize`
/// fails, e.g. a map with non-string keys).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot encode message: {0}")]
pub struct EncodeError(String);

/// Decodes a body as `T`, checking the version first on the error path only, so a valid
/// message costs one parse.
fn decode<In: DeserializeOwned>(
    what: &'static str,
    frame: &[u8],
    proto_of: impl Fn(&In) -> u64,
) -> Result<In, DecodeError> {
    match serde_json::from_slice::<In>(frame) {
        Ok(msg) => {
            let theirs = proto_of(&msg);
            if theirs == u64::from(PROTO_VERSION) {
                Ok(msg)
            } else {
                Err(DecodeError::VersionMismatch {
                    what,
                    theirs,
                    ours: PROTO_VERSION,
                })
            }
        }
        Err(e) => match serde_json::from_slice::<VersionOnly>(frame) {
            Ok(v) if v.proto != u64::from(PROTO_VERSION) => Err(DecodeError::VersionMismatch {
                what,
                theirs: v.proto,
                ours: PROTO_VERSION,
            }),
            _ => Err(DecodeError::malformed(what, &e)),
        },
    }
}

impl Request {
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        encode(self)
    }

    pub fn decode(frame: &[u8]) -> Result<Self, DecodeError> {
        let r: RequestIn = decode("request", frame, |m: &RequestIn| m.proto)?;
        Ok(Self { id: r.id, op: r.op })
    }

    /// The `id` of a request that failed to decode, if one can be read, so the sender can
    /// still be told what was wrong.
    pub fn salvage_id(frame: &[u8]) -> Option<u64> {
        #[derive(Deserialize)]
        struct IdOnly {
            id: u64,
        }
        serde_json::from_slice::<IdOnly>(frame).ok().map(|r| r.id)
    }
}

impl Response {
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        encode(self)
    }

    pub fn decode(frame: &[u8]) -> Result<Self, DecodeError> {
        let r: ResponseIn = decode("response", frame, |m: &ResponseIn| m.proto)?;
        Ok(Self {
            id: r.id,
            result: r.result,
        })
    }
}

impl<R: Serialize> Event<R> {
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        encode(self)
    }
}

impl<R: DeserializeOwned> Event<R> {
    pub fn decode(frame: &[u8]) -> Result<Self, DecodeError> {
        let e: EventIn<R> = decode("event", frame, |m: &EventIn<R>| m.proto)?;
        Ok(Self {
            epoch: e.epoch,
            seq: e.seq,
            kind: e.kind,
            changes: e.changes,
        })
    }
}

impl Heartbeat {
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        encode(self)
    }

    pub fn decode(frame: &[u8]) -> Result<Self, DecodeError> {
        let h: HeartbeatIn = decode("heartbeat", frame, |m: &HeartbeatIn| m.proto)?;
        Ok(Self {
            epoch: h.epoch,
            seq: h.seq,
        })
    }
}

impl<R: DeserializeOwned> Notice<R> {
    /// Decodes a PUB message from its topic frame and body frame.
    pub fn decode(topic: &[u8], body: &[u8]) -> Result<Self, DecodeError> {
        match topic {
            TOPIC_EVENT => Event::decode(body).map(Self::Event),
            TOPIC_HEARTBEAT => Heartbeat::decode(body).map(Self::Heartbeat),
            other => Err(DecodeError::UnknownTopic {
                topic: String::from_utf8_lossy(other).chars().take(32).collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::ResourceKind;

    fn uuid(s: &str) -> Uuid {
        Uuid::parse_for(ResourceKind::Network, s).unwrap()
    }

    #[test]
    fn requests_round_trip_and_start_with_the_version() {
        let ops = vec![
            Op::Create {
                table: Table::Networks,
                row: serde_json::json!({"display_name": "a"}),
            },
            Op::Show {
                table: Table::Networks,
                key: Key::Uuid(uuid("nw-a")),
            },
            Op::List {
                table: Table::Interfaces,
                filter: vec![("mode".into(), serde_json::json!("vif"))],
                limit: Some(30),
                offset: 60,
            },
            Op::Update {
                table: Table::Networks,
                key: Key::Id(3),
                fields: serde_json::Map::new(),
            },
            Op::Delete {
                table: Table::Networks,
                key: Key::Id(3),
            },
            Op::Relate {
                table: Table::DatapathNetworks,
                fields: serde_json::Map::new(),
            },
            Op::Unrelate {
                table: Table::DatapathNetworks,
                fields: serde_json::Map::new(),
            },
            Op::Snapshot,
            Op::SnapshotPage { cursor: None },
            Op::SnapshotPage {
                cursor: Some(SnapshotCursor {
                    token: u64::MAX,
                    table: Table::IpLeases,
                    after: -1,
                }),
            },
            Op::Ping,
            Op::Call(ServiceCall::AllocateLease {
                lease_policy: Key::Uuid(
                    Uuid::parse_for(ResourceKind::LeasePolicy, "lp-1").unwrap(),
                ),
                interface: Key::Id(4),
            }),
            Op::Call(ServiceCall::AttachLease {
                ip_lease: Key::Id(1),
                interface: None,
                mac_lease: Some(Key::Id(2)),
            }),
            Op::Call(ServiceCall::ReleaseLease {
                ip_lease: Key::Id(1),
            }),
            Op::Call(ServiceCall::CreateInterface {
                row: serde_json::Map::from_iter([("mode".to_owned(), "vif".into())]),
            }),
        ];
        for (id, op) in ops.into_iter().enumerate() {
            let req = Request { id: id as u64, op };
            let frame = req.encode().unwrap();
            assert!(frame.starts_with(b"{\"proto\":1,"), "{frame:?}");
            assert_eq!(Request::decode(&frame).unwrap(), req);
        }
        let text = String::from_utf8(
            Request {
                id: 7,
                op: Op::Show {
                    table: Table::Networks,
                    key: Key::Uuid(uuid("nw-a")),
                },
            }
            .encode()
            .unwrap()
            .to_vec(),
        )
        .unwrap();
        assert_eq!(
            text,
            r#"{"proto":1,"id":7,"op":{"show":{"table":"networks","key":{"uuid":"nw-a"}}}}"#
        );
    }

    #[test]
    fn responses_carry_model_errors_with_the_original_codes() {
        let err = ModelError::UnknownUuid {
            field: "network_uuid".into(),
            uuid: uuid("nw-x"),
        };
        let resp = Response {
            id: 9,
            result: Err(err.into()),
        };
        let back = Response::decode(&resp.encode().unwrap()).unwrap();
        let e = back.result.unwrap_err();
        assert_eq!(e.code, 100);
        assert_eq!(e.error, "UnknownUUIDResource");
        assert_eq!(e.message, "network_uuid: no network with uuid nw-x");
        assert_eq!(e.http_status(), 404);
        assert_eq!(ApiError::unavailable("db down").http_status(), 503);
    }

    #[test]
    fn another_version_is_named_with_both_numbers() {
        // A future peer whose op this side does not know: the version is still reported.
        let frame = br#"{"proto":2,"id":1,"op":{"teleport":{}}}"#;
        let e = Request::decode(frame).unwrap_err();
        assert_eq!(
            e,
            DecodeError::VersionMismatch {
                what: "request",
                theirs: 2,
                ours: 1
            }
        );
        assert!(e.to_string().contains("proto 2"), "{e}");
        assert!(e.to_string().contains("proto 1"), "{e}");
        // A body that happens to parse with another version is refused too.
        let frame = br#"{"proto":0,"epoch":1,"seq":2}"#;
        assert!(matches!(
            Heartbeat::decode(frame),
            Err(DecodeError::VersionMismatch { theirs: 0, .. })
        ));
    }

    #[test]
    fn garbage_is_a_typed_error() {
        let long = vec![b'{'; 100_000];
        let frames: [&[u8]; 8] = [
            b"",
            b"\xff\xfe\x00",
            b"null",
            b"{}",
            br#"{"id":1,"op":"ping"}"#,
            br#"{"proto":"1","id":1,"op":"ping"}"#,
            br#"{"proto":1,"id":-1,"op":"ping"}"#,
            &long,
        ];
        for f in frames {
            match Request::decode(f) {
                Err(DecodeError::Malformed { what, reason }) => {
                    assert_eq!(what, "request");
                    assert!(reason.chars().count() <= MAX_REASON_CHARS + 1);
                }
                other => panic!("{f:?}: {other:?}"),
            }
        }
        assert!(matches!(
            Notice::<RowValue>::decode(b"zz", b"{}"),
            Err(DecodeError::UnknownTopic { .. })
        ));
    }

    #[test]
    fn events_are_generic_over_the_row() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Row {
            id: i64,
        }
        let ev = Event {
            epoch: 5,
            seq: 6,
            kind: "network_created_item".into(),
            changes: vec![Change {
                op: ChangeOp::Created,
                row: Row { id: 1 },
            }],
        };
        let frame = ev.encode().unwrap();
        assert_eq!(
            std::str::from_utf8(&frame).unwrap(),
            r#"{"proto":1,"epoch":5,"seq":6,"kind":"network_created_item","changes":[{"op":"created","row":{"id":1}}]}"#
        );
        assert_eq!(
            Notice::<Row>::decode(TOPIC_EVENT, &frame).unwrap(),
            Notice::Event(ev)
        );
        let snap = Snapshot {
            epoch: 1,
            seq: 2,
            rows: vec![RawRow::from_value(&serde_json::json!({"id": 4})).unwrap()],
        };
        assert_eq!(snap.decode_rows::<Row>().unwrap().rows, vec![Row { id: 4 }]);
    }

    #[test]
    fn snapshot_pages_round_trip_and_name_their_cursor() {
        let page = SnapshotPage {
            epoch: 5,
            seq: 9,
            rows: vec![RawRow::from_value(&serde_json::json!({"id": 4})).unwrap()],
            next: Some(SnapshotCursor {
                token: 77,
                table: Table::Networks,
                after: 4,
            }),
        };
        let resp = Response {
            id: 3,
            result: Ok(Reply::SnapshotPage(page.clone())),
        };
        let frame = resp.encode().unwrap();
        assert_eq!(
            std::str::from_utf8(&frame).unwrap(),
            r#"{"proto":1,"id":3,"result":{"Ok":{"snapshot_page":{"epoch":5,"seq":9,"rows":[{"id":4}],"next":{"token":77,"table":"networks","after":4}}}}}"#
        );
        assert_eq!(Response::decode(&frame).unwrap(), resp);
        #[derive(Debug, PartialEq, Deserialize)]
        struct Row {
            id: i64,
        }
        let decoded = page.decode_rows::<Row>().unwrap();
        assert_eq!(decoded.rows, vec![Row { id: 4 }]);
        assert_eq!(decoded.next.map(|c| c.token), Some(77));

        // The last page has no cursor; a first request may leave the cursor out.
        let last = Response {
            id: 4,
            result: Ok(Reply::SnapshotPage(SnapshotPage {
                epoch: 5,
                seq: 9,
                rows: vec![],
                next: None,
            })),
        };
        assert_eq!(Response::decode(&last.encode().unwrap()).unwrap(), last);
        let first = Request::decode(br#"{"proto":1,"id":1,"op":{"snapshot_page":{}}}"#).unwrap();
        assert_eq!(first.op, Op::SnapshotPage { cursor: None });

        // Hostile cursors are typed errors: an unknown table, a token that is not a u64.
        for frame in [
            &br#"{"proto":1,"id":1,"op":{"snapshot_page":{"cursor":{"token":1,"table":"nope","after":1}}}}"#[..],
            br#"{"proto":1,"id":1,"op":{"snapshot_page":{"cursor":{"token":-1,"table":"networks","after":1}}}}"#,
            br#"{"proto":1,"id":1,"op":{"snapshot_page":{"cursor":{"token":1}}}}"#,
        ] {
            assert!(matches!(
                Request::decode(frame),
                Err(DecodeError::Malformed { .. })
            ));
        }

        let expired = ApiError::snapshot_expired(77, "idle for 30 s");
        assert_eq!(expired.code, ApiError::SNAPSHOT_EXPIRED);
        assert!(expired.message.contains("token 77"), "{expired}");
        assert!(expired.message.contains("without a cursor"), "{expired}");
    }
}
