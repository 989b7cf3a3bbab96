//! The messages vnmgr, vna and vnapi exchange, their wire format, the ZeroMQ transport that
//! carries them, and the replica client that keeps a vna's copy of the model current.
//!
//! # Channels
//!
//! | channel | vnmgr | peers | default |
//! |---|---|---|---|
//! | RPC ([`rpc`]) | ROUTER, binds | DEALER, connect | `tcp://127.0.0.1:9102` |
//! | events ([`events`]) | PUB, binds | SUB, connect, subscribe to all | `tcp://127.0.0.1:9103` |
//!
//! # Wire format
//!
//! Every message body is **one JSON object** (serde_json) whose first member is
//! `"proto": 1` ([`PROTO_VERSION`]), followed by the message's fields ([`wire`] has examples).
//! A peer that receives another version gets [`DecodeError::VersionMismatch`], naming both
//! versions; bytes that are not a message of this protocol give [`DecodeError::Malformed`].
//! Decoding never panics.
//!
//! * **RPC**: one ZeroMQ frame per message (the ROUTER adds and strips the routing identity
//!   frame). The client sends a [`Request`] `{"proto":1,"id":N,"op":{…}}`; the server answers
//!   with a [`Response`] `{"proto":1,"id":N,"result":{"Ok":…}|{"Err":{"code","error","message"}}}`
//!   carrying the same `id`. The ops ([`Op`]) are the row operations (create, show, list,
//!   update, delete, relate, unrelate), `snapshot` (the whole model in one reply),
//!   `snapshot_page` (the same, a bounded page at a time, every page at the first page's
//!   `(epoch, seq)`: see [`Op::SnapshotPage`]), `ping`, and `call`, which runs a vnmgr
//!   service ([`ServiceCall`]: allocate, attach or release an IP lease) and is answered with
//!   the row it is about and every change it made. Ids are the client's; replies may come in any order. A request
//!   that does not decode but has a readable `id` is answered with an error of code 500,
//!   `ProtocolError`, so a client of another version learns why.
//! * **Events**: two frames per message, a topic frame and the body frame. The topic is
//!   [`TOPIC_EVENT`] (`ev`) for an [`Event`] `{"proto":1,"epoch","seq","kind","changes":[…]}`
//!   and [`TOPIC_HEARTBEAT`] (`hb`) for a [`Heartbeat`] `{"proto":1,"epoch","seq"}`. Topics let
//!   a ZeroMQ subscriber filter without parsing JSON; the subscribers here take both.
//!
//! Row payloads are generic where this crate does not need to look inside: [`Event<R>`],
//! [`Change<R>`], [`Snapshot<R>`] carry `model::AnyRecord` in vnmgr and vna
//! (`{"table": "networks", "row": {…}}`), and `serde_json::Value` ([`RowValue`]) where the
//! concrete type is not known (create input, show/list output).
//!
//! # Sequencing
//!
//! vnmgr stamps every event with `(epoch, seq)` ([`EventSequencer`]): the epoch is random per
//! vnmgr start, `seq` grows by one per event, and a snapshot says which `seq` it reflects.
//! Heartbeats carry the current position every second. The [`replica`] client uses these to
//! apply every change exactly once and in order, or resnapshot.
//!
//! # What it does not do
//!
//! No validation of rows (vnmgr does that with `model`), no database, no retry of a failed
//! call (a timed-out call may or may not have been carried out; the caller decides), no
//! security on the sockets (ZeroMQ CURVE is not available in the `zeromq` crate; bind to
//! loopback or a management network).

#![forbid(unsafe_code)]

pub mod events;
pub mod replica;
pub mod rpc;
pub mod transport;
pub mod wire;

pub use events::{
    DEFAULT_EVENT_ENDPOINT, EventPublisher, EventSequencer, EventSubscriber, HEARTBEAT_INTERVAL,
    PublishError, random_epoch,
};
pub use replica::{
    Replica, ReplicaConfig, ReplicaState, ReplicaStatus, ResyncReason, RowKey, SnapshotBuilder,
    TableReplica, TableReplicaBuilder,
};
pub use rpc::{
    DEFAULT_CALL_TIMEOUT, DEFAULT_RPC_ENDPOINT, IncomingRequest, Page, RawPage, ReplyHandle,
    RpcClient, RpcError, RpcServer,
};
pub use transport::{Transport, TransportError, ZmqTransport};
pub use wire::{
    ApiError, Change, ChangeOp, DecodeError, EncodeError, Event, Heartbeat, Key, Notice, Op,
    PROTO_VERSION, RawRow, Reply, Request, Response, RowValue, ServiceCall, Snapshot,
    SnapshotCursor, SnapshotPage, TOPIC_EVENT, TOPIC_HEARTBEAT,
};
