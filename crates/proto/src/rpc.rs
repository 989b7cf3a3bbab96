//! RPC between vnmgr (server) and vnapi/vna (clients).
//!
//! [`RpcServer`] yields decoded requests, each with a [`ReplyHandle`] that routes the answer
//! back to the client that asked; [`RpcServer::serve`] runs a handler for each request in its
//! own task and replies as each completes, so one slow request does not hold up the others.
//!
//! [`RpcClient`] multiplexes any number of calls from any number of tasks over one connection,
//! matching replies by request id. Every call has a deadline. When a call times out, or the
//! server disconnects, the client drops its connection and the next call opens a new one: a
//! `zeromq` 0.7 DEALER never reconnects by itself, so without this a vnmgr restart would leave
//! the client deaf. The failed call reports `vnmgr unreachable at <endpoint>`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use model::Table;
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{debug, error, warn};

use crate::transport::{PeerId, ServerLink, Transport, TransportError, ZmqTransport};
use crate::wire::{
    ApiError, DecodeError, EncodeError, Key, Op, RawRow, Reply, Request, Response, RowValue,
    Snapshot, SnapshotCursor, SnapshotPage,
};

/// Where vnmgr serves RPC unless configured otherwise.
pub const DEFAULT_RPC_ENDPOINT: &str = "tcp://127.0.0.1:9102";

/// How long a call waits for its reply unless configured otherwise.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// How a call failed.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// No connection, no reply in time, or the connection died while waiting. The request
    /// may or may not have been carried out.
    #[error("vnmgr unreachable at {endpoint}: {reason}")]
    Unreachable { endpoint: String, reason: String },
    /// vnmgr refused or failed the request.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// vnmgr's answer could not be decoded (e.g. it speaks another protocol version).
    #[error("{error} (from vnmgr at {endpoint})")]
    Decode {
        endpoint: String,
        error: DecodeError,
    },
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// A page of a snapshot at another stream position than its first page.
    #[error(
        "vnmgr answered a snapshot page at epoch {} seq {}, the snapshot's first page was at epoch {} seq {}",
        page.0, page.1, first.0, first.1
    )]
    InconsistentSnapshot { first: (u64, u64), page: (u64, u64) },
    /// A reply of the wrong kind for the request, e.g. `rows` to a `show`.
    #[error("vnmgr answered a {op} request with a {reply} reply")]
    UnexpectedReply {
        op: &'static str,
        reply: &'static str,
    },
}

/// The server end: bound to an endpoint, yielding requests.
#[derive(Debug)]
pub struct RpcServer {
    link: ServerLink,
}

/// One request received, and the means to answer it.
#[derive(Debug)]
pub struct IncomingRequest {
    pub request: Request,
    pub reply: ReplyHandle,
}

/// Sends the answer to one request back to the client that made it.
#[derive(Debug)]
pub struct ReplyHandle {
    peer: PeerId,
    id: u64,
    outgoing: mpsc::Sender<(PeerId, Bytes)>,
}

impl ReplyHandle {
    /// Sends the answer. A client that has gone is not an error here: it has given up on the
    /// call already.
    pub async fn send(self, result: Result<Reply, ApiError>) {
        let response = Response {
            id: self.id,
            result,
        };
        let frame = match response.encode() {
            Ok(frame) => frame,
            Err(e) => {
                error!("RPC server: reply to request {}: {e}", self.id);
                match (Response {
                    id: self.id,
                    result: Err(ApiError::internal(e.to_string())),
                })
                .encode()
                {
                    Ok(frame) => frame,
                    Err(_) => return,
                }
            }
        };
        if self.outgoing.send((self.peer, frame)).await.is_err() {
            debug!("RPC server closed before reply to request {}", self.id);
        }
    }
}

impl RpcServer {
    /// Binds `endpoint` (e.g. [`DEFAULT_RPC_ENDPOINT`], or port 0 for any free port) over
    /// ZeroMQ.
    pub async fn bind(endpoint: &str) -> Result<Self, TransportError> {
        Self::bind_with(&ZmqTransport, endpoint).await
    }

    pub async fn bind_with(
        transport: &dyn Transport,
        endpoint: &str,
    ) -> Result<Self, TransportError> {
        Ok(Self {
            link: transport.bind_server(endpoint).await?,
        })
    }

    /// The endpoint actually bound.
    pub fn endpoint(&self) -> &str {
        &self.link.endpoint
    }

    /// The next decodable request; `None` once the transport has closed. A frame that does
    /// not decode is answered with a protocol error when its request id can be read (so a
    /// client of another version learns why), and dropped otherwise.
    pub async fn next_request(&mut self) -> Option<IncomingRequest> {
        loop {
            let (peer, frame) = self.link.incoming.recv().await?;
            match Request::decode(&frame) {
                Ok(request) => {
                    let reply = ReplyHandle {
                        peer,
                        id: request.id,
                        outgoing: self.link.outgoing.clone(),
                    };
                    return Some(IncomingRequest { request, reply });
                }
                Err(e) => {
                    warn!("RPC server: undecodable request: {e}");
                    if let Some(id) = Request::salvage_id(&frame) {
                        let reply = ReplyHandle {
                            peer,
                            id,
                            outgoing: self.link.outgoing.clone(),
                        };
                        reply.send(Err(ApiError::protocol(&e))).await;
                    }
                }
            }
        }
    }

    /// Answers every request with `handler`, each in its own task, replying as each finishes.
    /// Returns when the transport closes.
    pub async fn serve<H, Fut>(mut self, handler: H)
    where
        H: Fn(Op) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Reply, ApiError>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        while let Some(incoming) = self.next_request().await {
            let handler = Arc::clone(&handler);
            tokio::spawn(async move {
                let result = handler(incoming.request.op).await;
                incoming.reply.send(result).await;
            });
        }
    }
}

type PendingCalls = Mutex<HashMap<u64, oneshot::Sender<Result<Reply, RpcError>>>>;

/// One DEALER connection and the calls waiting on it.
#[derive(Debug)]
struct Connection {
    outgoing: mpsc::Sender<Bytes>,
    pending: Arc<PendingCalls>,
    alive: Arc<AtomicBool>,
    dispatcher: JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.dispatcher.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The guarded maps stay consistent even if a holder panicked.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug)]
struct ClientInner {
    endpoint: String,
    timeout: Duration,
    transport: Arc<dyn Transport>,
    next_id: AtomicU64,
    connection: tokio::sync::Mutex<Option<Arc<Connection>>>,
}

/// The client end; cheap to clone, usable from many tasks at once.
#[derive(Debug, Clone)]
pub struct RpcClient {
    inner: Arc<ClientInner>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
    pub items: Vec<RowValue>,
}

/// One page of a list, its rows as vnmgr serialised them.
#[derive(Debug, Clone, PartialEq)]
pub struct RawPage {
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
    pub items: Vec<RawRow>,
}

impl RpcClient {
    /// A client of the server at `endpoint` over ZeroMQ. Connects on the first call.
    pub fn new(endpoint: &str, timeout: Duration) -> Self {
        Self::with_transport(Arc::new(ZmqTransport), endpoint, timeout)
    }

    pub fn with_transport(
        transport: Arc<dyn Transport>,
        endpoint: &str,
        timeout: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(ClientInner {
                endpoint: endpoint.to_owned(),
                timeout,
                transport,
                next_id: AtomicU64::new(1),
                connection: tokio::sync::Mutex::new(None),
            }),
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    fn unreachable(&self, reason: impl Into<String>) -> RpcError {
        RpcError::Unreachable {
            endpoint: self.inner.endpoint.clone(),
            reason: reason.into(),
        }
    }

    /// Sends `op` and waits for its reply, at most the client's timeout in all (connecting
    /// included).
    pub async fn call(&self, op: Op) -> Result<Reply, RpcError> {
        let deadline = Instant::now() + self.inner.timeout;
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let frame = Request { id, op }.encode()?;
        let timeout = self.inner.timeout;

        let connection = match tokio::time::timeout_at(deadline, self.connection(deadline)).await {
            Ok(result) => result?,
            Err(_) => return Err(self.unreachable(format!("no connection within {timeout:?}"))),
        };
        let (reply_tx, reply_rx) = oneshot::channel();
        lock(&connection.pending).insert(id, reply_tx);
        let sent = tokio::time::timeout_at(deadline, connection.outgoing.send(frame)).await;
        if !matches!(sent, Ok(Ok(()))) {
            lock(&connection.pending).remove(&id);
            self.discard(&connection).await;
            return Err(self.unreachable("the connection is closed"));
        }
        match tokio::time::timeout_at(deadline, reply_rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => {
                self.discard(&connection).await;
                Err(self.unreachable("the connection was lost before the reply"))
            }
            Err(_) => {
                lock(&connection.pending).remove(&id);
                self.discard(&connection).await;
                Err(self.unreachable(format!("no reply within {timeout:?}")))
            }
        }
    }

    /// The live connection, opening one if there is none.
    async fn connection(&self, deadline: Instant) -> Result<Arc<Connection>, RpcError> {
        let mut slot = self.inner.connection.lock().await;
        if let Some(c) = slot.as_ref()
            && c.alive.load(Ordering::Acquire)
        {
            return Ok(Arc::clone(c));
        }
        *slot = None;
        let remaining = deadline.saturating_duration_since(Instant::now());
        let link = self
            .inner
            .transport
            .connect_client(&self.inner.endpoint, remaining)
            .await
            .map_err(|e| self.unreachable(e.to_string()))?;
        let pending = Arc::new(PendingCalls::default());
        let alive = Arc::new(AtomicBool::new(true));
        let dispatcher = tokio::spawn(dispatch_replies(
            link.incoming,
            Arc::clone(&pending),
            Arc::clone(&alive),
            self.inner.endpoint.clone(),
        ));
        let connection = Arc::new(Connection {
            outgoing: link.outgoing,
            pending,
            alive,
            dispatcher,
        });
        *slot = Some(Arc::clone(&connection));
        Ok(connection)
    }

    /// Stops using `connection` for new calls (calls already waiting on it keep waiting).
    async fn discard(&self, connection: &Arc<Connection>) {
        connection.alive.store(false, Ordering::Release);
        let mut slot = self.inner.connection.lock().await;
        if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, connection)) {
            debug!("RPC client: dropping connection to {}", self.inner.endpoint);
            *slot = None;
        }
    }

    pub async fn ping(&self) -> Result<(), RpcError> {
        match self.call(Op::Ping).await? {
            Reply::Pong => Ok(()),
            other => Err(unexpected("ping", &other)),
        }
    }

    /// The whole model, rows decoded as `R` (e.g. `serde_json::Value`, later `AnyRecord`).
    pub async fn snapshot<R: DeserializeOwned>(&self) -> Result<Snapshot<R>, RpcError> {
        match self.call(Op::Snapshot).await? {
            Reply::Snapshot(s) => s.decode_rows().map_err(|error| RpcError::Decode {
                endpoint: self.inner.endpoint.clone(),
                error,
            }),
            other => Err(unexpected("snapshot", &other)),
        }
    }

    /// One page of a snapshot, its rows decoded as `R`: the first page of a new snapshot when
    /// `cursor` is `None`, else the page at `cursor` (the previous page's `next`). Only this
    /// page's JSON and rows are held, so a large model is fetched in bounded memory; loading
    /// the pages somewhere is the caller's (see `Replica::start_paged`).
    pub async fn snapshot_page<R: DeserializeOwned>(
        &self,
        cursor: Option<SnapshotCursor>,
    ) -> Result<SnapshotPage<R>, RpcError> {
        match self.call(Op::SnapshotPage { cursor }).await? {
            Reply::SnapshotPage(page) => page.decode_rows().map_err(|error| RpcError::Decode {
                endpoint: self.inner.endpoint.clone(),
                error,
            }),
            other => Err(unexpected("snapshot_page", &other)),
        }
    }

    /// The whole model fetched page by page ([`Self::snapshot_page`]) and collected: the
    /// same rows as [`Self::snapshot`], for callers that want them all at once anyway.
    /// Fails with [`RpcError::InconsistentSnapshot`] if a page is of another position than
    /// the first (vnmgr never does that).
    pub async fn snapshot_paged<R: DeserializeOwned>(&self) -> Result<Snapshot<R>, RpcError> {
        let first = self.snapshot_page::<R>(None).await?;
        let (epoch, seq, mut next) = (first.epoch, first.seq, first.next);
        let mut rows = first.rows;
        while let Some(cursor) = next {
            let page = self.snapshot_page::<R>(Some(cursor)).await?;
            if (page.epoch, page.seq) != (epoch, seq) {
                return Err(RpcError::InconsistentSnapshot {
                    first: (epoch, seq),
                    page: (page.epoch, page.seq),
                });
            }
            rows.extend(page.rows);
            next = page.next;
        }
        Ok(Snapshot { epoch, seq, rows })
    }

    pub async fn create(&self, table: Table, row: RowValue) -> Result<RowValue, RpcError> {
        self.expect_row("create", Op::Create { table, row }).await
    }

    pub async fn show(&self, table: Table, key: Key) -> Result<RowValue, RpcError> {
        self.expect_row("show", Op::Show { table, key }).await
    }

    pub async fn update(
        &self,
        table: Table,
        key: Key,
        fields: serde_json::Map<String, serde_json::Value>,
    ) -> Result<RowValue, RpcError> {
        self.expect_row("update", Op::Update { table, key, fields })
            .await
    }

    pub async fn relate(
        &self,
        table: Table,
        fields: serde_json::Map<String, serde_json::Value>,
    ) -> Result<RowValue, RpcError> {
        self.expect_row("relate", Op::Relate { table, fields })
            .await
    }

    pub async fn list(
        &self,
        table: Table,
        filter: Vec<(String, serde_json::Value)>,
        limit: Option<u64>,
        offset: u64,
    ) -> Result<Page, RpcError> {
        let page = self.list_raw(table, filter, limit, offset).await?;
        let items = page
            .items
            .iter()
            .map(RawRow::to_value)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| RpcError::Decode {
                endpoint: self.inner.endpoint.clone(),
                error: DecodeError::malformed("response", &e),
            })?;
        Ok(Page {
            total: page.total,
            offset: page.offset,
            limit: page.limit,
            items,
        })
    }

    /// As [`Self::list`], the rows left as the JSON text vnmgr sent.
    pub async fn list_raw(
        &self,
        table: Table,
        filter: Vec<(String, serde_json::Value)>,
        limit: Option<u64>,
        offset: u64,
    ) -> Result<RawPage, RpcError> {
        let op = Op::List {
            table,
            filter,
            limit,
            offset,
        };
        match self.call(op).await? {
            Reply::Rows {
                total,
                offset,
                limit,
                items,
            } => Ok(RawPage {
                total,
                offset,
                limit,
                items,
            }),
            other => Err(unexpected("list", &other)),
        }
    }

    pub async fn delete(&self, table: Table, key: Key) -> Result<Vec<Key>, RpcError> {
        self.expect_deleted("delete", Op::Delete { table, key })
            .await
    }

    pub async fn unrelate(
        &self,
        table: Table,
        fields: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Vec<Key>, RpcError> {
        self.expect_deleted("unrelate", Op::Unrelate { table, fields })
            .await
    }

    async fn expect_row(&self, name: &'static str, op: Op) -> Result<RowValue, RpcError> {
        match self.call(op).await? {
            Reply::Row(row) => Ok(row),
            other => Err(unexpected(name, &other)),
        }
    }

    async fn expect_deleted(&self, name: &'static str, op: Op) -> Result<Vec<Key>, RpcError> {
        match self.call(op).await? {
            Reply::Deleted(keys) => Ok(keys),
            other => Err(unexpected(name, &other)),
        }
    }
}

fn unexpected(op: &'static str, reply: &Reply) -> RpcError {
    RpcError::UnexpectedReply {
        op,
        reply: reply.name(),
    }
}

/// Routes each reply to the call waiting for it; when the link ends, fails every waiting
/// call (dropping its sender) and marks the connection dead.
async fn dispatch_replies(
    mut incoming: mpsc::Receiver<Bytes>,
    pending: Arc<PendingCalls>,
    alive: Arc<AtomicBool>,
    endpoint: String,
) {
    while let Some(frame) = incoming.recv().await {
        let (id, result) = match Response::decode(&frame) {
            Ok(response) => (response.id, response.result.map_err(RpcError::Api)),
            Err(error) => {
                warn!("RPC client: undecodable reply from {endpoint}: {error}");
                let Some(id) = Request::salvage_id(&frame) else {
                    continue;
                };
                let endpoint = endpoint.clone();
                (id, Err(RpcError::Decode { endpoint, error }))
            }
        };
        match lock(&pending).remove(&id) {
            Some(waiting) => {
                let _ = waiting.send(result);
            }
            None => debug!("RPC client: reply to request {id}, which is no longer waited for"),
        }
    }
    alive.store(false, Ordering::Release);
    lock(&pending).clear();
}
