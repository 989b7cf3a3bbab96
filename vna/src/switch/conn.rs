//! One OpenFlow connection: handshake, the reader (replies routed by xid, async messages to the
//! handle, echo keepalive) and the writer (pre-encoded buffers onto the socket).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use openflow::Message;
use openflow::codec::OfCodec;
use openflow::errors::{code, error_type};
use openflow::message::{
    BUNDLE_ATOMIC, BUNDLE_ORDERED, BundleControl, BundleCtrlType, ErrorMsg, HEADER_LEN, Header,
    Hello, MessageBody, SwitchConfig, SwitchFeatures, msg_type,
};
use openflow::multipart::{MultipartReplyBody, MultipartRequest, MultipartRequestBody};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::{Notify, mpsc};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::error::Dpid;
use super::handle::Shared;
use super::listener::Registry;
use super::ports::PortTable;
use super::{Config, MAX_REPORTED_ERRORS};

/// A write at least this large that completes shows the switch is reading (see keepalive).
const BULK_WRITE: usize = 32 * 1024;
/// Bundle id of the handshake's probe; applies count up from 1.
const PROBE_BUNDLE_ID: u32 = 0xffff_fff0;

/// Why a connection ended when vna closed it (replaced, or vna shutting down).
pub(crate) const CLOSED_BY_VNA: &str = "closed by vna";

/// Why a wait on the connection ended without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

/// A live connection, shared by the reader, the writer and the handle.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) dpid: u64,
    /// The switch's address (`IP:PORT`, or the Unix socket's path).
    pub(crate) peer: String,
    pub(crate) bundles: bool,
    out: mpsc::Sender<Bytes>,
    next_xid: AtomicU32,
    pending: Mutex<PendingTable>,
    closed: CancellationToken,
    epoch: Instant,
    last_rx_ms: AtomicU64,
    last_bulk_tx_ms: AtomicU64,
}

#[derive(Debug, Default)]
struct PendingTable {
    entries: Vec<Pending>,
    next_id: u64,
    dead: bool,
}

#[derive(Debug)]
struct Pending {
    id: u64,
    first: u32,
    count: u32,
    sink: Sink,
}

#[derive(Debug, Clone)]
enum Sink {
    /// Replies forwarded in order; the reader waits when the requester is behind.
    Replies(mpsc::Sender<Message>),
    /// Errors and control replies of a batch of flow mods, collected.
    Batch(Arc<Batch>),
}

/// Removes its pending entry when the request is over (or abandoned).
#[derive(Debug)]
pub(crate) struct PendingGuard {
    conn: Arc<Conn>,
    id: u64,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        self.conn.pending().entries.retain(|p| p.id != self.id);
    }
}

/// What the switch said about a batch of flow mods.
#[derive(Debug)]
pub(crate) struct Batch {
    control: Vec<u32>,
    inner: Mutex<BatchInner>,
    notify: Notify,
}

#[derive(Debug, Default)]
struct BatchInner {
    /// Errors about flow mods, in arrival order, at most `MAX_REPORTED_ERRORS`.
    errors: Vec<(u32, ErrorMsg)>,
    /// All errors about flow mods, listed or not.
    error_count: usize,
    /// Replies (and errors) about the control xids.
    control: Vec<(u32, Result<Message, ErrorMsg>)>,
    dead: bool,
}

impl Batch {
    fn new(control: Vec<u32>) -> Batch {
        Batch {
            control,
            inner: Mutex::new(BatchInner::default()),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BatchInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn deliver(&self, msg: Message) {
        {
            let mut inner = self.lock();
            let xid = msg.xid;
            let is_control = self.control.contains(&xid);
            match msg.body {
                MessageBody::Error(e) if is_control => inner.control.push((xid, Err(e))),
                MessageBody::Error(e) => {
                    inner.error_count += 1;
                    if inner.errors.len() < MAX_REPORTED_ERRORS {
                        inner.errors.push((xid, e));
                    }
                }
                _ if is_control => inner.control.push((xid, Ok(msg))),
                other => debug!(xid, "ignoring {} inside a batch", short(&other)),
            }
        }
        self.notify.notify_waiters();
    }

    fn kill(&self) {
        self.lock().dead = true;
        self.notify.notify_waiters();
    }

    /// The answer to control xid `xid`: the reply, or the switch's error.
    pub(crate) async fn wait_for(&self, xid: u32) -> Result<Result<Message, ErrorMsg>, Closed> {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut inner = self.lock();
                if let Some(i) = inner.control.iter().position(|(x, _)| *x == xid) {
                    return Ok(inner.control.swap_remove(i).1);
                }
                if inner.dead {
                    return Err(Closed);
                }
            }
            notified.await;
        }
    }

    /// The errors about flow mods so far, and how many there were in all.
    pub(crate) fn errors(&self) -> (Vec<(u32, ErrorMsg)>, usize) {
        let inner = self.lock();
        (inner.errors.clone(), inner.error_count)
    }
}

impl Conn {
    fn pending(&self) -> MutexGuard<'_, PendingTable> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `n` consecutive transaction ids; returns the first.
    pub(crate) fn alloc_xids(&self, n: u32) -> u32 {
        self.next_xid.fetch_add(n, Ordering::Relaxed)
    }

    fn register(
        self: &Arc<Self>,
        first: u32,
        count: u32,
        sink: Sink,
    ) -> Result<PendingGuard, Closed> {
        let mut table = self.pending();
        if table.dead {
            return Err(Closed);
        }
        table.next_id += 1;
        let id = table.next_id;
        table.entries.push(Pending {
            id,
            first,
            count,
            sink,
        });
        Ok(PendingGuard {
            conn: Arc::clone(self),
            id,
        })
    }

    /// Routes replies with xids `first..first + count` to the returned receiver.
    pub(crate) fn expect_replies(
        self: &Arc<Self>,
        first: u32,
        count: u32,
        capacity: usize,
    ) -> Result<(PendingGuard, mpsc::Receiver<Message>), Closed> {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let guard = self.register(first, count, Sink::Replies(tx))?;
        Ok((guard, rx))
    }

    /// Collects errors about xids `first..first + count`, and the answers to `control` xids.
    pub(crate) fn expect_batch(
        self: &Arc<Self>,
        first: u32,
        count: u32,
        control: Vec<u32>,
    ) -> Result<(PendingGuard, Arc<Batch>), Closed> {
        let batch = Arc::new(Batch::new(control));
        let guard = self.register(first, count, Sink::Batch(Arc::clone(&batch)))?;
        Ok((guard, batch))
    }

    /// Queues encoded messages for the socket (waits while the queue is full).
    pub(crate) async fn send_bytes(&self, bytes: Bytes) -> Result<(), Closed> {
        tokio::select! {
            _ = self.closed.cancelled() => Err(Closed),
            r = self.out.send(bytes) => r.map_err(|_| Closed),
        }
    }

    /// Encodes and queues one message.
    pub(crate) async fn send(&self, msg: &Message) -> Result<(), Closed> {
        match msg.encode_to_vec() {
            Ok(v) => self.send_bytes(Bytes::from(v)).await,
            Err(e) => {
                // Only messages built here go through this path; none can be too long.
                warn!(dpid = %Dpid(self.dpid), "cannot encode {}: {e}", short(&msg.body));
                Ok(())
            }
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.is_cancelled()
    }

    /// Asks the connection's tasks to stop.
    pub(crate) fn close(&self) {
        self.closed.cancel();
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn touch_rx(&self) {
        self.last_rx_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Fails every waiter: the connection is over.
    fn shutdown(&self) {
        self.close();
        let entries = {
            let mut table = self.pending();
            table.dead = true;
            std::mem::take(&mut table.entries)
        };
        for p in entries {
            if let Sink::Batch(b) = p.sink {
                b.kill();
            }
        }
    }

    fn sink_for(&self, xid: u32) -> Option<Sink> {
        self.pending()
            .entries
            .iter()
            .find(|p| xid.wrapping_sub(p.first) < p.count)
            .map(|p| p.sink.clone())
    }
}

/// The reading half of a connection (TCP or Unix socket).
pub(crate) type ReadHalf = Box<dyn AsyncRead + Send + Unpin>;
/// The writing half of a connection.
pub(crate) type WriteHalf = Box<dyn AsyncWrite + Send + Unpin>;

/// Serves one connection, accepted or made, until it ends.
pub(crate) async fn run(
    (rd, mut wr): (ReadHalf, WriteHalf),
    peer: String,
    registry: Arc<Registry>,
    shutdown: CancellationToken,
) {
    let config = Arc::clone(registry.config());
    let hs = tokio::select! {
        _ = shutdown.cancelled() => return,
        r = tokio::time::timeout(config.handshake_timeout, handshake(rd, &mut wr, &config)) => r,
    };
    let hs = match hs {
        Ok(Ok(hs)) => hs,
        Ok(Err(reason)) => {
            warn!(%peer, "OpenFlow handshake failed: {reason}");
            return;
        }
        Err(_) => {
            warn!(
                %peer,
                "OpenFlow handshake did not finish within {:?}", config.handshake_timeout
            );
            return;
        }
    };
    let dpid = hs.features.datapath_id;
    let (out_tx, out_rx) = mpsc::channel(config.write_queue.max(1));
    let epoch = Instant::now();
    let conn = Arc::new(Conn {
        dpid,
        peer: peer.clone(),
        bundles: hs.bundles,
        out: out_tx,
        next_xid: AtomicU32::new(hs.next_xid),
        pending: Mutex::new(PendingTable::default()),
        closed: shutdown.child_token(),
        epoch,
        last_rx_ms: AtomicU64::new(0),
        last_bulk_tx_ms: AtomicU64::new(0),
    });
    info!(
        dpid = %Dpid(dpid),
        %peer,
        tables = hs.features.n_tables,
        ports = hs.ports.len(),
        bundles = hs.bundles,
        "switch connected"
    );
    let writer = tokio::spawn(write_loop(Arc::clone(&conn), out_rx, wr));
    let shared = registry.attach(Arc::clone(&conn), hs.ports);
    let reason = read_loop(&conn, &shared, hs.reader, &config).await;
    conn.shutdown();
    let _ = writer.await;
    shared.detach(&conn, &reason);
}

struct Handshake {
    reader: FramedRead<ReadHalf, OfCodec>,
    features: SwitchFeatures,
    ports: PortTable,
    bundles: bool,
    next_xid: u32,
}

async fn write_msg(wr: &mut WriteHalf, msg: &Message) -> Result<(), String> {
    let bytes = msg
        .encode_to_vec()
        .map_err(|e| format!("cannot encode {}: {e}", short(&msg.body)))?;
    wr.write_all(&bytes)
        .await
        .map_err(|e| format!("write failed: {e}"))
}

/// HELLO, then FEATURES, SET_CONFIG, PORT_DESC and the bundle probe in one write, closed by a
/// barrier.
async fn handshake(
    mut rd: ReadHalf,
    wr: &mut WriteHalf,
    config: &Config,
) -> Result<Handshake, String> {
    write_msg(wr, &Message::new(1, MessageBody::Hello(Hello::of13()))).await?;

    // The peer's HELLO is read by hand: its header version matters when it has no bitmap.
    let mut header = [0u8; HEADER_LEN];
    rd.read_exact(&mut header)
        .await
        .map_err(|e| format!("no HELLO: {e}"))?;
    let h = Header::peek(&header).map_err(|e| format!("bad header: {e}"))?;
    if h.msg_type != msg_type::HELLO {
        return Err(format!(
            "expected HELLO, got message type {} ({})",
            h.msg_type,
            openflow::message::msg_type_name(h.msg_type)
        ));
    }
    let len = usize::from(h.length);
    if len < HEADER_LEN {
        return Err(format!("HELLO with length {len}"));
    }
    let mut whole = header.to_vec();
    whole.resize(len, 0);
    if let Some(body) = whole.get_mut(HEADER_LEN..) {
        rd.read_exact(body)
            .await
            .map_err(|e| format!("truncated HELLO: {e}"))?;
    }
    let hello = match Message::decode(&whole) {
        Ok(Message {
            body: MessageBody::Hello(hello),
            ..
        }) => hello,
        Ok(_) => Hello::default(),
        Err(e) => return Err(format!("undecodable HELLO: {e}")),
    };
    let speaks_13 = hello
        .supports(openflow::OFP_VERSION)
        .unwrap_or(h.version >= openflow::OFP_VERSION);
    if !speaks_13 {
        let mut error = ErrorMsg::about(error_type::HELLO_FAILED, code::HELLO_INCOMPATIBLE, &[]);
        error.data = b"vna speaks OpenFlow 1.3 (version 0x04) only".to_vec();
        let _ = write_msg(wr, &Message::new(h.xid, MessageBody::Error(error))).await;
        let _ = wr.shutdown().await;
        return Err(format!(
            "the switch does not speak OpenFlow 1.3 (its HELLO has version {:#04x})",
            h.version
        ));
    }

    let (features_xid, config_xid, ports_xid, open_xid, discard_xid, barrier_xid) =
        (2, 3, 4, 5, 6, 7);
    let probe_flags = BUNDLE_ATOMIC | BUNDLE_ORDERED;
    let mut requests = vec![
        Message::new(features_xid, MessageBody::FeaturesRequest),
        Message::new(
            config_xid,
            MessageBody::SetConfig(SwitchConfig {
                flags: 0, // OFPC_FRAG_NORMAL
                miss_send_len: config.miss_send_len,
            }),
        ),
        Message::new(
            ports_xid,
            MessageBody::MultipartRequest(MultipartRequest::new(MultipartRequestBody::PortDesc)),
        ),
    ];
    if config.use_bundles {
        for (xid, ty) in [
            (open_xid, BundleCtrlType::OpenRequest),
            (discard_xid, BundleCtrlType::DiscardRequest),
        ] {
            requests.push(Message::new(
                xid,
                MessageBody::BundleControl(BundleControl::new(PROBE_BUNDLE_ID, ty, probe_flags)),
            ));
        }
    }
    requests.push(Message::new(barrier_xid, MessageBody::BarrierRequest));
    let mut bytes = Vec::new();
    for m in &requests {
        m.encode(&mut bytes)
            .map_err(|e| format!("cannot encode {}: {e}", short(&m.body)))?;
    }
    wr.write_all(&bytes)
        .await
        .map_err(|e| format!("write failed: {e}"))?;

    let mut reader = FramedRead::new(rd, OfCodec::new());
    let mut features = None;
    let mut ports = PortTable::default();
    let mut bundle_open = false;
    loop {
        let msg = match reader.next().await {
            None => return Err("the switch closed the connection".into()),
            Some(Err(e)) => return Err(format!("framing lost: {e}")),
            Some(Ok(Err(bad))) => {
                warn!("ignoring a message from the switch during the handshake: {bad}");
                continue;
            }
            Some(Ok(Ok(msg))) => msg,
        };
        let xid = msg.xid;
        match msg.body {
            MessageBody::EchoRequest(data) => {
                write_msg(wr, &Message::new(xid, MessageBody::EchoReply(data))).await?;
            }
            MessageBody::PortStatus(status) => {
                ports.apply(&status);
            }
            MessageBody::FeaturesReply(f) if xid == features_xid => features = Some(f),
            MessageBody::MultipartReply(reply) if xid == ports_xid => match reply.body {
                MultipartReplyBody::PortDesc(list) => {
                    for port in list {
                        ports.apply(&openflow::message::PortStatus {
                            reason: openflow::message::port_reason::ADD,
                            port,
                        });
                    }
                }
                other => return Err(format!("PORT_DESC answered with {other:?}")),
            },
            MessageBody::BundleControl(c) if xid == open_xid => {
                bundle_open = c.ctrl_type == BundleCtrlType::OpenReply;
            }
            MessageBody::BundleControl(_) if xid == discard_xid => {}
            MessageBody::Error(e) if xid == open_xid || xid == discard_xid => {
                debug!("the switch has no bundles: {e}");
                bundle_open = false;
            }
            MessageBody::Error(e) if xid == config_xid => {
                warn!("the switch refused SET_CONFIG: {e}");
            }
            MessageBody::Error(e) => return Err(format!("the switch refused a request: {e}")),
            MessageBody::BarrierReply if xid == barrier_xid => break,
            MessageBody::PacketIn(_) => {
                debug!("dropping a PACKET_IN that came before the handshake ended")
            }
            other => debug!(xid, "ignoring {} during the handshake", short(&other)),
        }
    }
    let features = features.ok_or("the switch answered the barrier but not FEATURES_REQUEST")?;
    Ok(Handshake {
        reader,
        features,
        ports,
        bundles: bundle_open,
        next_xid: barrier_xid + 1,
    })
}

/// Reads until the connection ends; returns why it ended.
async fn read_loop(
    conn: &Arc<Conn>,
    shared: &Arc<Shared>,
    mut reader: FramedRead<ReadHalf, OfCodec>,
    config: &Config,
) -> String {
    let tick_every =
        (config.echo_interval / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    let mut tick = tokio::time::interval(tick_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let interval_ms = u64::try_from(config.echo_interval.as_millis()).unwrap_or(u64::MAX);
    let dead_ms = interval_ms
        .saturating_add(u64::try_from(config.echo_timeout.as_millis()).unwrap_or(u64::MAX));
    let mut last_echo_ms: Option<u64> = None;
    loop {
        let item = tokio::select! {
            _ = conn.closed.cancelled() => return CLOSED_BY_VNA.into(),
            _ = tick.tick() => {
                let now = conn.now_ms();
                let rx = conn.last_rx_ms.load(Ordering::Relaxed);
                let tx = conn.last_bulk_tx_ms.load(Ordering::Relaxed);
                let silent = now.saturating_sub(rx.max(tx));
                if silent >= dead_ms {
                    return format!(
                        "the switch said nothing for {silent} ms (echo interval {:?} + timeout {:?})",
                        config.echo_interval, config.echo_timeout
                    );
                }
                let since_rx = now.saturating_sub(rx);
                let echo_due = last_echo_ms.is_none_or(|t| now.saturating_sub(t) >= interval_ms);
                if since_rx >= interval_ms && echo_due {
                    last_echo_ms = Some(now);
                    let xid = conn.alloc_xids(1);
                    // Queued without waiting: a full queue already shows whether the switch reads.
                    if let Ok(bytes) = Message::new(xid, MessageBody::EchoRequest(Vec::new())).encode_to_vec() {
                        let _ = conn.out.try_send(Bytes::from(bytes));
                    }
                }
                continue;
            }
            item = reader.next() => item,
        };
        let msg = match item {
            None => return "the switch closed the connection".into(),
            Some(Err(e)) => return format!("framing lost: {e}"),
            Some(Ok(Err(bad))) => {
                conn.touch_rx();
                warn!(dpid = %Dpid(conn.dpid), "ignoring a message from the switch: {bad}");
                continue;
            }
            Some(Ok(Ok(msg))) => msg,
        };
        conn.touch_rx();
        dispatch(conn, shared, msg).await;
    }
}

async fn dispatch(conn: &Arc<Conn>, shared: &Arc<Shared>, msg: Message) {
    let xid = msg.xid;
    match msg.body {
        MessageBody::EchoRequest(data) => {
            // Not waiting for room: a full write queue means the switch is being sent plenty,
            // and the reader must never stall behind the writer (the keepalive runs here).
            if let Ok(bytes) = Message::new(xid, MessageBody::EchoReply(data)).encode_to_vec() {
                let _ = conn.out.try_send(Bytes::from(bytes));
            }
        }
        MessageBody::EchoReply(_) | MessageBody::Hello(_) => {}
        MessageBody::PacketIn(pi) => shared.packet_in(conn, pi),
        MessageBody::PortStatus(status) => shared.port_status(conn, &status),
        MessageBody::FlowRemoved(fr) => {
            debug!(dpid = %Dpid(conn.dpid), cookie = fr.cookie, table = fr.table_id, "flow removed");
        }
        body => {
            let msg = Message { xid, body };
            match conn.sink_for(xid) {
                Some(Sink::Replies(tx)) => {
                    // The requester may have given up; then the reply is dropped.
                    let _ = tx.send(msg).await;
                }
                Some(Sink::Batch(batch)) => batch.deliver(msg),
                None => match &msg.body {
                    MessageBody::Error(e) => {
                        warn!(dpid = %Dpid(conn.dpid), xid, "unsolicited error from the switch: {e}");
                    }
                    other => debug!(dpid = %Dpid(conn.dpid), xid, "unsolicited {}", short(other)),
                },
            }
        }
    }
}

async fn write_loop(conn: Arc<Conn>, mut rx: mpsc::Receiver<Bytes>, wr: WriteHalf) {
    let mut w = BufWriter::with_capacity(64 * 1024, wr);
    loop {
        let first = tokio::select! {
            _ = conn.closed.cancelled() => break,
            b = rx.recv() => match b {
                Some(b) => b,
                None => break,
            },
        };
        let written = tokio::select! {
            _ = conn.closed.cancelled() => break,
            r = write_queued(&conn, &mut w, &mut rx, first) => r,
        };
        if let Err(e) = written {
            debug!(dpid = %Dpid(conn.dpid), "write to the switch failed: {e}");
            break;
        }
    }
    conn.close();
    // No flush: a switch that stopped reading would hold this task (and the Disconnected
    // event) forever. Dropping the half closes the socket once the reader is gone too.
    drop(w);
}

/// Writes `first` and whatever else is queued, then flushes: small messages that arrive
/// together share one syscall.
async fn write_queued(
    conn: &Conn,
    w: &mut BufWriter<WriteHalf>,
    rx: &mut mpsc::Receiver<Bytes>,
    first: Bytes,
) -> std::io::Result<()> {
    let mut next = Some(first);
    while let Some(b) = next {
        w.write_all(&b).await?;
        if b.len() >= BULK_WRITE {
            conn.last_bulk_tx_ms.store(conn.now_ms(), Ordering::Relaxed);
        }
        next = rx.try_recv().ok();
    }
    w.flush().await
}

/// A message's type, for logs.
pub(crate) fn short(body: &MessageBody) -> &'static str {
    openflow::message::msg_type_name(body.msg_type())
}
