//! The controller's handle on one switch (one datapath id), across its connections.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use openflow::message::{
    BUNDLE_ATOMIC, BUNDLE_ORDERED, BundleAdd, BundleControl, BundleCtrlType, ErrorMsg, MessageBody,
    PacketOut, PortStatus,
};
use openflow::multipart::{
    FlowStats, FlowStatsRequest, MultipartReplyBody, MultipartRequest, MultipartRequestBody,
};
use openflow::{Action, Message, PacketIn};
use pipeline::{Flow, FlowDiff, FlowSet};
use tokio::sync::{Mutex as AsyncMutex, broadcast, watch};
use tracing::{debug, info, warn};

use super::conn::{Batch, CLOSED_BY_VNA, Closed, Conn, short};
use super::error::{Dpid, FlowOp, RejectedFlow, SwitchError};
use super::ports::PortTable;
use super::{Config, SwitchEvent};

/// State of one datapath id, shared by its handles and its current connection.
#[derive(Debug)]
pub(crate) struct Shared {
    dpid: u64,
    config: Arc<Config>,
    current: Mutex<Option<Arc<Conn>>>,
    ports: watch::Sender<PortTable>,
    connected: watch::Sender<bool>,
    events: broadcast::Sender<SwitchEvent>,
    /// One apply or flow dump at a time, so a dump never sees half an apply.
    flows_lock: AsyncMutex<()>,
    next_bundle_id: AtomicU32,
    connections: AtomicU64,
    packet_ins: AtomicU64,
    packet_ins_unread: AtomicU64,
}

impl Shared {
    pub(crate) fn new(dpid: u64, config: Arc<Config>) -> Shared {
        let (events, _) = broadcast::channel(config.event_capacity.max(1));
        Shared {
            dpid,
            config,
            current: Mutex::new(None),
            ports: watch::Sender::new(PortTable::default()),
            connected: watch::Sender::new(false),
            events,
            flows_lock: AsyncMutex::new(()),
            next_bundle_id: AtomicU32::new(1),
            connections: AtomicU64::new(0),
            packet_ins: AtomicU64::new(0),
            packet_ins_unread: AtomicU64::new(0),
        }
    }

    fn current(&self) -> MutexGuard<'_, Option<Arc<Conn>>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn is_current(&self, conn: &Arc<Conn>) -> bool {
        self.current()
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, conn))
    }

    /// Makes `conn` the switch's connection, replacing (and closing) any older one.
    pub(crate) fn attach(&self, conn: Arc<Conn>, ports: PortTable) {
        let old = self.current().replace(Arc::clone(&conn));
        if let Some(old) = old {
            info!(
                dpid = %Dpid(self.dpid),
                old = %old.peer,
                new = %conn.peer,
                "a new connection replaces the old one"
            );
            old.close();
        }
        self.connections.fetch_add(1, Ordering::Relaxed);
        self.ports.send_replace(ports);
        self.connected.send_replace(true);
        let _ = self.events.send(SwitchEvent::Connected(self.dpid));
    }

    /// `conn` ended; if it was still the switch's connection, the switch is now disconnected.
    pub(crate) fn detach(&self, conn: &Arc<Conn>, reason: &str) {
        let was_current = {
            let mut current = self.current();
            let is = current.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn));
            if is {
                *current = None;
            }
            is
        };
        if was_current {
            if reason == CLOSED_BY_VNA {
                info!(dpid = %Dpid(self.dpid), peer = %conn.peer, "switch disconnected: {reason}");
            } else {
                warn!(dpid = %Dpid(self.dpid), peer = %conn.peer, "switch disconnected: {reason}");
            }
            self.connected.send_replace(false);
            let _ = self.events.send(SwitchEvent::Disconnected(self.dpid));
        } else {
            debug!(dpid = %Dpid(self.dpid), peer = %conn.peer, "replaced connection ended: {reason}");
        }
    }

    pub(crate) fn packet_in(&self, conn: &Arc<Conn>, pi: PacketIn) {
        if !self.is_current(conn) {
            return;
        }
        self.packet_ins.fetch_add(1, Ordering::Relaxed);
        if self
            .events
            .send(SwitchEvent::PacketIn(Arc::new(pi)))
            .is_err()
        {
            self.packet_ins_unread.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn port_status(&self, conn: &Arc<Conn>, status: &PortStatus) {
        if !self.is_current(conn) {
            return;
        }
        let mut change = None;
        self.ports.send_modify(|t| change = t.apply(status));
        match change {
            Some(change) => {
                info!(
                    dpid = %Dpid(self.dpid),
                    port = status.port.port_no,
                    name = %status.port.name,
                    ?change,
                    "port status"
                );
                let _ = self.events.send(SwitchEvent::PortStatus {
                    change,
                    port: status.port.clone(),
                });
            }
            None => warn!(
                dpid = %Dpid(self.dpid),
                reason = status.reason,
                "ignoring a PORT_STATUS with an unknown reason"
            ),
        }
    }
}

/// The controller's handle on the switch with one datapath id. Cheap to clone; stays valid
/// across reconnects (requests made while the switch is away fail with
/// [`SwitchError::NotConnected`]).
#[derive(Debug, Clone)]
pub struct SwitchHandle {
    shared: Arc<Shared>,
}

/// What an [`apply`](SwitchHandle::apply) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// Flows added.
    pub added: usize,
    /// Flows replaced with new content.
    pub modified: usize,
    /// Flows deleted.
    pub deleted: usize,
    /// Bundles committed (0 when the switch has no bundles and a barrier closed the batch).
    pub bundles: usize,
    /// Bytes sent.
    pub bytes: usize,
    /// From the call to the switch's last acknowledgement.
    pub elapsed: Duration,
}

/// Counters of one switch since vna started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SwitchStats {
    /// Connections that completed the handshake.
    pub connections: u64,
    /// PACKET_INs received.
    pub packet_ins: u64,
    /// PACKET_INs dropped because no one subscribed to [`SwitchHandle::events`].
    pub packet_ins_unread: u64,
}

/// A subscription to a switch's events; see [`SwitchEvent`].
#[derive(Debug)]
pub struct Events {
    rx: broadcast::Receiver<SwitchEvent>,
    lost: u64,
}

impl Events {
    /// The next event; `None` once vna drops the switch (never while a handle is alive).
    /// After falling behind by more than [`Config::event_capacity`] events, yields
    /// [`SwitchEvent::Lost`] with the count of dropped ones, then carries on.
    pub async fn next(&mut self) -> Option<SwitchEvent> {
        match self.rx.recv().await {
            Ok(e) => Some(e),
            Err(broadcast::error::RecvError::Lagged(n)) => {
                self.lost += n;
                Some(SwitchEvent::Lost(n))
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// Events this subscriber lost by falling behind, in all.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// The events as a [`futures::Stream`] (for `select!` loops and combinators).
    pub fn into_stream(self) -> impl futures::Stream<Item = SwitchEvent> + Send + Unpin {
        Box::pin(futures::stream::unfold(self, |mut events| async move {
            events.next().await.map(|e| (e, events))
        }))
    }
}

/// The flows of one apply, in the order they are sent.
type Ops<'a> = [(FlowOp, &'a Flow)];

impl SwitchHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> SwitchHandle {
        SwitchHandle { shared }
    }

    /// The datapath id.
    pub fn dpid(&self) -> u64 {
        self.shared.dpid
    }

    /// Whether a connection is up.
    pub fn is_connected(&self) -> bool {
        *self.shared.connected.borrow()
    }

    /// Returns once a connection is up (at once if one is).
    pub async fn wait_connected(&self) {
        let mut rx = self.shared.connected.subscribe();
        // The sender lives in `shared`, which `self` keeps alive: this cannot fail.
        let _ = rx.wait_for(|up| *up).await;
    }

    /// Whether the current connection applies diffs in bundles (`None` when disconnected).
    pub fn uses_bundles(&self) -> Option<bool> {
        self.conn()
            .ok()
            .map(|c| c.bundles && self.shared.config.use_bundles)
    }

    /// The switch's ports, kept current from PORT_STATUS; replaced on every reconnect.
    pub fn ports(&self) -> watch::Receiver<PortTable> {
        self.shared.ports.subscribe()
    }

    /// A new subscription to the switch's events (from now on).
    pub fn events(&self) -> Events {
        Events {
            rx: self.shared.events.subscribe(),
            lost: 0,
        }
    }

    /// Counters.
    pub fn stats(&self) -> SwitchStats {
        SwitchStats {
            connections: self.shared.connections.load(Ordering::Relaxed),
            packet_ins: self.shared.packet_ins.load(Ordering::Relaxed),
            packet_ins_unread: self.shared.packet_ins_unread.load(Ordering::Relaxed),
        }
    }

    fn conn(&self) -> Result<Arc<Conn>, SwitchError> {
        self.shared
            .current()
            .clone()
            .filter(|c| !c.is_closed())
            .ok_or(SwitchError::NotConnected {
                dpid: self.shared.dpid,
            })
    }

    fn disconnected(&self, what: &'static str) -> SwitchError {
        SwitchError::Disconnected {
            dpid: self.shared.dpid,
            what,
        }
    }

    fn timeout(&self, what: &'static str) -> SwitchError {
        SwitchError::Timeout {
            dpid: self.shared.dpid,
            what,
            timeout: self.shared.config.request_timeout,
        }
    }

    /// Every flow of every table, any cookie (learned flows included), as the switch holds
    /// them now.
    pub async fn read_flows(&self) -> Result<FlowSet, SwitchError> {
        let _serial = self.shared.flows_lock.lock().await;
        self.read_flows_locked().await
    }

    /// Reads the flows back, diffs them against `desired` ([`pipeline::diff`]: learned flows
    /// are left alone) and applies the difference, with no other apply in between: rule 3 of
    /// ARCHITECTURE.md §2 in one call. Nothing is sent when the switch already agrees.
    pub async fn reconcile(&self, desired: &FlowSet) -> Result<ApplyReport, SwitchError> {
        let started = Instant::now();
        let _serial = self.shared.flows_lock.lock().await;
        let installed = self.read_flows_locked().await?;
        let diff = pipeline::diff(&installed, desired);
        let mut report = self.apply_locked(&diff).await?;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    async fn read_flows_locked(&self) -> Result<FlowSet, SwitchError> {
        let conn = self.conn()?;
        let what = "the flow dump";
        let xid = conn.alloc_xids(1);
        let (_guard, mut replies) = conn
            .expect_replies(xid, 1, 16)
            .map_err(|Closed| self.disconnected(what))?;
        let request = Message::new(
            xid,
            MessageBody::MultipartRequest(MultipartRequest::new(MultipartRequestBody::Flow(
                FlowStatsRequest::all(),
            ))),
        );
        conn.send(&request)
            .await
            .map_err(|Closed| self.disconnected(what))?;
        let mut flows = FlowSet::new();
        loop {
            let reply = tokio::time::timeout(self.shared.config.request_timeout, replies.recv())
                .await
                .map_err(|_| self.timeout(what))?
                .ok_or_else(|| self.disconnected(what))?;
            match reply.body {
                MessageBody::MultipartReply(part) => {
                    let more = part.more();
                    match part.body {
                        MultipartReplyBody::Flow(stats) => {
                            flows.extend(stats.into_iter().map(flow_of_stats));
                        }
                        other => {
                            warn!(dpid = %Dpid(self.dpid()), "a flow dump part holds {other:?}");
                        }
                    }
                    if !more {
                        return Ok(flows);
                    }
                }
                MessageBody::Error(error) => {
                    return Err(SwitchError::Refused {
                        dpid: self.dpid(),
                        what,
                        error,
                    });
                }
                other => debug!(xid, "ignoring {} during a flow dump", short(&other)),
            }
        }
    }

    /// Makes the switch hold `installed + diff`: adds and modifications, then strict deletes,
    /// in one atomic bundle (several for diffs over [`Config::max_bundle_flows`]) when the
    /// switch supports bundles, else as FLOW_MODs closed by a barrier. Returns once the switch
    /// acknowledged everything; any OFPT_ERROR about one of the flow mods is a
    /// [`SwitchError::Rejected`] naming the flows (with bundles, nothing of the failing bundle
    /// is installed).
    pub async fn apply(&self, diff: &FlowDiff) -> Result<ApplyReport, SwitchError> {
        let started = Instant::now();
        let _serial = self.shared.flows_lock.lock().await;
        let mut report = self.apply_locked(diff).await?;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    async fn apply_locked(&self, diff: &FlowDiff) -> Result<ApplyReport, SwitchError> {
        let started = Instant::now();
        let mut report = ApplyReport {
            added: diff.add.len(),
            modified: diff.modify.len(),
            deleted: diff.delete.len(),
            ..ApplyReport::default()
        };
        if diff.is_empty() {
            return Ok(report);
        }
        let conn = self.conn()?;
        // Adds before deletes: when a flow changes key (say, its match), the new one is in
        // place before the old one goes, even across bundles.
        let ops: Vec<(FlowOp, &Flow)> = diff
            .add
            .iter()
            .map(|f| (FlowOp::Add, f))
            .chain(diff.modify.iter().map(|f| (FlowOp::Modify, f)))
            .chain(diff.delete.iter().map(|f| (FlowOp::Delete, f)))
            .collect();
        let config = &self.shared.config;
        if conn.bundles && config.use_bundles && ops.len() >= config.min_bundle_flows {
            let mut applied = 0;
            for batch in ops.chunks(self.shared.config.max_bundle_flows.max(1)) {
                report.bytes += self.apply_bundle(&conn, batch, applied).await?;
                report.bundles += 1;
                applied += batch.len();
            }
        } else {
            report.bytes += self.apply_plain(&conn, &ops).await?;
        }
        // Open vSwitch revalidates its datapath flows (the megaflow cache) only when its main
        // loop next wakes after a flow table change: with sparse traffic, the next packet
        // wakes it and is still handled by a cached flow of the old table (dropped, say), so a
        // VM's first packet after its flows arrived could be lost. A message sent once the
        // commit is answered wakes the loop at once. Its answer is not waited for (the flows
        // are in; it comes back as an unsolicited reply).
        let nudge = conn.alloc_xids(1);
        conn.send(&Message::new(nudge, MessageBody::BarrierRequest))
            .await
            .map_err(|Closed| self.disconnected("a barrier after applying flows"))?;
        report.elapsed = started.elapsed();
        debug!(dpid = %Dpid(self.dpid()), ?report, "applied");
        Ok(report)
    }

    async fn wait(
        &self,
        batch: &Batch,
        xid: u32,
        what: &'static str,
    ) -> Result<Result<Message, ErrorMsg>, SwitchError> {
        tokio::time::timeout(self.shared.config.request_timeout, batch.wait_for(xid))
            .await
            .map_err(|_| self.timeout(what))?
            .map_err(|Closed| self.disconnected(what))
    }

    fn refused(
        &self,
        answer: Result<Message, ErrorMsg>,
        what: &'static str,
    ) -> Result<Message, SwitchError> {
        answer.map_err(|error| SwitchError::Refused {
            dpid: self.dpid(),
            what,
            error,
        })
    }

    /// One bundle: open, the flow mods, a barrier (so that every per-message error is in), then
    /// commit, or discard if the switch objected to anything. Returns the bytes sent.
    async fn apply_bundle(
        &self,
        conn: &Arc<Conn>,
        ops: &Ops<'_>,
        applied: usize,
    ) -> Result<usize, SwitchError> {
        let n = u32::try_from(ops.len()).unwrap_or(u32::MAX);
        let first = conn.alloc_xids(n.saturating_add(4));
        let open = first;
        let flows_first = first.wrapping_add(1);
        let barrier = flows_first.wrapping_add(n);
        let commit = barrier.wrapping_add(1);
        let discard = commit.wrapping_add(1);
        let (_guard, batch) = conn
            .expect_batch(
                first,
                n.saturating_add(4),
                vec![open, barrier, commit, discard],
            )
            .map_err(|Closed| self.disconnected("a bundle"))?;
        let id = self.shared.next_bundle_id.fetch_add(1, Ordering::Relaxed);
        let flags = BUNDLE_ATOMIC | BUNDLE_ORDERED;
        let control = |xid, ty| {
            Message::new(
                xid,
                MessageBody::BundleControl(BundleControl::new(id, ty, flags)),
            )
        };

        let mut out = Outbox::new(conn, self.shared.config.write_chunk_bytes);
        out.push(&control(open, BundleCtrlType::OpenRequest));
        let mut xid = flows_first;
        for (op, flow) in ops {
            let fm = match op {
                FlowOp::Delete => flow.to_delete(),
                FlowOp::Add | FlowOp::Modify => flow.to_add(),
            };
            // The bundled message carries the bundle-add's xid, as OVS expects: errors found at
            // commit time refer to it.
            let add = BundleAdd::new(id, flags, Message::new(xid, fm.into()));
            if let Err(source) = out.try_push(&Message::new(xid, MessageBody::BundleAdd(add))) {
                out.push(&control(discard, BundleCtrlType::DiscardRequest));
                let _ = out.flush().await;
                return Err(encode_error(*op, flow, source));
            }
            xid = xid.wrapping_add(1);
            if out.full() {
                out.flush()
                    .await
                    .map_err(|Closed| self.disconnected("a bundle"))?;
            }
        }
        out.push(&Message::new(barrier, MessageBody::BarrierRequest));
        out.flush()
            .await
            .map_err(|Closed| self.disconnected("a bundle"))?;

        let opened = self.wait(&batch, open, "a bundle open").await?;
        let what = "the barrier after a bundle's messages";
        self.refused(self.wait(&batch, barrier, what).await?, what)?;
        let (errors, count) = batch.errors();
        if count > 0 || opened.is_err() {
            out.push(&control(discard, BundleCtrlType::DiscardRequest));
            out.flush()
                .await
                .map_err(|Closed| self.disconnected("a bundle discard"))?;
            let _ = self.wait(&batch, discard, "a bundle discard").await?;
            if let Err(error) = opened {
                return Err(SwitchError::Refused {
                    dpid: self.dpid(),
                    what: "a bundle open",
                    error,
                });
            }
            return Err(self.rejected(ops, flows_first, errors, count, true, applied));
        }
        out.push(&control(commit, BundleCtrlType::CommitRequest));
        out.flush()
            .await
            .map_err(|Closed| self.disconnected("a bundle commit"))?;
        match self.wait(&batch, commit, "a bundle commit").await? {
            Ok(Message {
                body: MessageBody::BundleControl(c),
                ..
            }) if c.ctrl_type == BundleCtrlType::CommitReply => Ok(out.sent),
            Ok(other) => Err(SwitchError::UnexpectedReply {
                dpid: self.dpid(),
                what: "a bundle commit",
                got: short(&other.body),
            }),
            Err(error) => {
                let (errors, count) = batch.errors();
                if count > 0 {
                    Err(self.rejected(ops, flows_first, errors, count, true, applied))
                } else {
                    Err(SwitchError::Refused {
                        dpid: self.dpid(),
                        what: "a bundle commit",
                        error,
                    })
                }
            }
        }
    }

    /// FLOW_MODs and a barrier, for a switch without bundles. Returns the bytes sent.
    async fn apply_plain(&self, conn: &Arc<Conn>, ops: &Ops<'_>) -> Result<usize, SwitchError> {
        let n = u32::try_from(ops.len()).unwrap_or(u32::MAX);
        let first = conn.alloc_xids(n.saturating_add(1));
        let barrier = first.wrapping_add(n);
        let (_guard, batch) = conn
            .expect_batch(first, n.saturating_add(1), vec![barrier])
            .map_err(|Closed| self.disconnected("flow mods"))?;
        let mut out = Outbox::new(conn, self.shared.config.write_chunk_bytes);
        let mut xid = first;
        let mut encode_failure = None;
        for (op, flow) in ops {
            let fm = match op {
                FlowOp::Delete => flow.to_delete(),
                FlowOp::Add | FlowOp::Modify => flow.to_add(),
            };
            if let Err(source) = out.try_push(&Message::new(xid, fm.into())) {
                encode_failure = Some(encode_error(*op, flow, source));
                break;
            }
            xid = xid.wrapping_add(1);
            if out.full() {
                out.flush()
                    .await
                    .map_err(|Closed| self.disconnected("flow mods"))?;
            }
        }
        out.push(&Message::new(barrier, MessageBody::BarrierRequest));
        out.flush()
            .await
            .map_err(|Closed| self.disconnected("flow mods"))?;
        let what = "the barrier after flow mods";
        self.refused(self.wait(&batch, barrier, what).await?, what)?;
        let (errors, count) = batch.errors();
        if count > 0 {
            return Err(self.rejected(ops, first, errors, count, false, 0));
        }
        match encode_failure {
            Some(e) => Err(e),
            None => Ok(out.sent),
        }
    }

    fn rejected(
        &self,
        ops: &Ops<'_>,
        flows_first: u32,
        errors: Vec<(u32, ErrorMsg)>,
        count: usize,
        rolled_back: bool,
        applied: usize,
    ) -> SwitchError {
        let rejected: Vec<RejectedFlow> = errors
            .into_iter()
            .filter_map(|(xid, error)| {
                let index = usize::try_from(xid.wrapping_sub(flows_first)).ok()?;
                let (op, flow) = ops.get(index)?;
                Some(RejectedFlow {
                    op: *op,
                    flow: (*flow).clone(),
                    error,
                })
            })
            .collect();
        let e = SwitchError::Rejected {
            dpid: self.dpid(),
            more: count.saturating_sub(rejected.len()),
            rejected,
            rolled_back,
            applied,
        };
        warn!("{e}");
        e
    }

    /// Sends `data` through `actions` as if it had come in on `in_port` (no reply).
    pub async fn packet_out(
        &self,
        in_port: u32,
        actions: Vec<Action>,
        data: Vec<u8>,
    ) -> Result<(), SwitchError> {
        let conn = self.conn()?;
        let xid = conn.alloc_xids(1);
        let msg = Message::new(
            xid,
            MessageBody::PacketOut(PacketOut::new(in_port, actions, data)),
        );
        let bytes = msg.encode_to_vec().map_err(|source| SwitchError::Encode {
            op: FlowOp::Add,
            flow: "a PACKET_OUT".into(),
            source,
        })?;
        conn.send_bytes(Bytes::from(bytes))
            .await
            .map_err(|Closed| self.disconnected("a PACKET_OUT"))
    }

    /// Returns once the switch has processed everything sent before (a BARRIER round trip).
    pub async fn barrier(&self) -> Result<(), SwitchError> {
        let conn = self.conn()?;
        let what = "a barrier";
        let xid = conn.alloc_xids(1);
        let (_guard, batch) = conn
            .expect_batch(xid, 1, vec![xid])
            .map_err(|Closed| self.disconnected(what))?;
        conn.send(&Message::new(xid, MessageBody::BarrierRequest))
            .await
            .map_err(|Closed| self.disconnected(what))?;
        self.refused(self.wait(&batch, xid, what).await?, what)
            .map(|_| ())
    }
}

fn encode_error(op: FlowOp, flow: &Flow, source: openflow::EncodeError) -> SwitchError {
    let fm = match op {
        FlowOp::Delete => flow.to_delete(),
        FlowOp::Add | FlowOp::Modify => flow.to_add(),
    };
    SwitchError::Encode {
        op,
        flow: fm.to_string(),
        source,
    }
}

/// A flow as the switch reports it, in the pipeline's terms.
pub(crate) fn flow_of_stats(s: FlowStats) -> Flow {
    Flow {
        table: s.table_id,
        priority: s.priority,
        cookie: s.cookie,
        match_: s.match_,
        instructions: s.instructions,
        idle_timeout: s.idle_timeout,
        hard_timeout: s.hard_timeout,
    }
}

/// Messages encoded back to back into buffers of about `limit` bytes, each queued as one write.
struct Outbox<'a> {
    conn: &'a Conn,
    buf: Vec<u8>,
    limit: usize,
    sent: usize,
}

impl<'a> Outbox<'a> {
    fn new(conn: &'a Conn, limit: usize) -> Outbox<'a> {
        let limit = limit.max(4096);
        Outbox {
            conn,
            buf: Vec::with_capacity(limit + 4096),
            limit,
            sent: 0,
        }
    }

    fn try_push(&mut self, msg: &Message) -> Result<(), openflow::EncodeError> {
        msg.encode(&mut self.buf)
    }

    /// For messages built here, which always encode.
    fn push(&mut self, msg: &Message) {
        if let Err(e) = self.try_push(msg) {
            warn!("cannot encode {}: {e}", short(&msg.body));
        }
    }

    fn full(&self) -> bool {
        self.buf.len() >= self.limit
    }

    async fn flush(&mut self) -> Result<(), Closed> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = Vec::with_capacity(self.limit + 4096);
        let chunk = std::mem::replace(&mut self.buf, next);
        self.sent += chunk.len();
        self.conn.send_bytes(Bytes::from(chunk)).await
    }
}
