//! The transport: how frames move between processes, behind a small trait.
//!
//! The RPC and event layers see only channels of frames ([`ServerLink`], [`ClientLink`],
//! [`SubscriberLink`]) and, for publishing, a [`PublishSink`] ([`PublisherLink`]); a
//! [`Transport`] opens them. [`ZmqTransport`] is the
//! one implementation, over the pure-Rust `zeromq` crate (ROUTER/DEALER for RPC, PUB/SUB for
//! events). Another transport (libzmq, plain TCP, in-memory for tests) implements the four
//! methods and nothing above changes.
//!
//! Closing: dropping a link's receiving half (or, for a publisher, the last handle on its
//! sink) stops the task behind it and closes the socket, which unbinds its endpoint.
//!
//! Publishing goes straight to the PUB socket, with no task in between: `zeromq`'s PUB send
//! only queues the message for its own fan-out task and never waits for a subscriber, so a
//! channel in front of it would only add a hop and a wake-up per event.
//!
//! Facts about `zeromq` 0.7 this relies on: a DEALER does not reconnect (upstream issue #143),
//! so a client link ends when its peer disconnects and the RPC client opens a new one; a SUB
//! reconnects by itself and re-sends its subscriptions; a PUB drops messages while it has no
//! subscriber and for subscribers that do not keep up (which the replica client notices as a
//! gap in `seq`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::{mpsc, watch};
use tracing::{debug, warn};
use zeromq::{Socket, SocketEvent, SocketOptions, SocketRecv, SocketSend, ZmqMessage};

/// A boxed, sendable future, so [`Transport`] stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The opaque routing identity of one connected client, as the server socket reports it.
pub type PeerId = Bytes;

/// How many frames a link buffers in each direction before its writer waits.
const LINK_CAPACITY: usize = 1024;

/// How long a subscriber waits for one connection attempt before it starts another; short,
/// so a vnmgr that comes back is found quickly (zeromq's own backoff grows to 30 s).
const SUBSCRIBER_CONNECT_ATTEMPT: Duration = Duration::from_secs(2);

/// A failure to open a link.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot bind {endpoint}: {reason}")]
    Bind { endpoint: String, reason: String },
    #[error("cannot connect to {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
}

/// The server end of RPC: requests in from any client, replies out to a chosen client.
#[derive(Debug)]
pub struct ServerLink {
    /// The endpoint actually bound (the port resolved when `:0` was asked for).
    pub endpoint: String,
    pub incoming: mpsc::Receiver<(PeerId, Bytes)>,
    pub outgoing: mpsc::Sender<(PeerId, Bytes)>,
}

/// The client end of RPC: one connection to one server. `incoming` ends when the server
/// goes away; the link is then dead for good.
#[derive(Debug)]
pub struct ClientLink {
    pub incoming: mpsc::Receiver<Bytes>,
    pub outgoing: mpsc::Sender<Bytes>,
}

/// The publishing end of events: `(topic, body)` pairs out to every subscriber.
#[derive(Debug)]
pub struct PublisherLink {
    pub endpoint: String,
    pub sink: Arc<dyn PublishSink>,
}

/// Where a publisher's messages go. `send` hands one message to the socket and returns
/// without waiting for any subscriber (a subscriber that does not keep up loses messages, as
/// on any PUB socket); it fails only once the socket is closed.
pub trait PublishSink: Send + Sync + fmt::Debug {
    fn send(&self, topic: Bytes, body: Bytes) -> BoxFuture<'_, Result<(), SinkClosed>>;
}

/// The publisher's socket is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the socket is closed")]
pub struct SinkClosed;

/// The subscribing end of events, subscribed to every topic, reconnecting by itself.
#[derive(Debug)]
pub struct SubscriberLink {
    /// `(topic, body)`; a message with one frame has an empty body.
    pub incoming: mpsc::Receiver<(Bytes, Bytes)>,
    /// Becomes `true` once the subscription has been sent to the publisher.
    pub subscribed: watch::Receiver<bool>,
}

/// Opens links. Endpoints are ZeroMQ-style strings (`tcp://127.0.0.1:9102`).
pub trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Binds the RPC server endpoint.
    fn bind_server<'a>(
        &'a self,
        endpoint: &'a str,
    ) -> BoxFuture<'a, Result<ServerLink, TransportError>>;

    /// Connects to an RPC server, giving up after `timeout`.
    fn connect_client<'a>(
        &'a self,
        endpoint: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<ClientLink, TransportError>>;

    /// Binds the event publisher endpoint.
    fn bind_publisher<'a>(
        &'a self,
        endpoint: &'a str,
    ) -> BoxFuture<'a, Result<PublisherLink, TransportError>>;

    /// Starts subscribing to a publisher; returns at once and keeps (re)connecting in the
    /// background, so a subscriber may start before its publisher.
    fn connect_subscriber<'a>(
        &'a self,
        endpoint: &'a str,
    ) -> BoxFuture<'a, Result<SubscriberLink, TransportError>>;
}

/// [`Transport`] over the `zeromq` crate.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZmqTransport;

impl Transport for ZmqTransport {
    fn bind_server<'a>(
        &'a self,
        endpoint: &'a str,
    ) -> BoxFuture<'a, Result<ServerLink, TransportError>> {
        Box::pin(async move {
            let mut socket = zeromq::RouterSocket::new();
            let bound = socket
                .bind(endpoint)
                .await
                .map_err(|e| TransportError::Bind {
                    endpoint: endpoint.to_owned(),
                    reason: e.to_string(),
                })?;
            let (in_tx, in_rx) = mpsc::channel(LINK_CAPACITY);
            let (out_tx, out_rx) = mpsc::channel(LINK_CAPACITY);
            tokio::spawn(run_router(socket, in_tx, out_rx));
            Ok(ServerLink {
                endpoint: bound.to_string(),
                incoming: in_rx,
                outgoing: out_tx,
            })
        })
    }

    fn connect_client<'a>(
        &'a self,
        endpoint: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<ClientLink, TransportError>> {
        Box::pin(async move {
            let connect_error = |reason: String| TransportError::Connect {
                endpoint: endpoint.to_owned(),
                reason,
            };
            let mut options = SocketOptions::default();
            options.connect_timeout(timeout);
            let mut socket = zeromq::DealerSocket::with_options(options);
            // Set up before connecting so the disconnect of this very peer is not missed.
            let monitor = socket.monitor();
            match tokio::time::timeout(timeout, socket.connect(endpoint)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(connect_error(e.to_string())),
                Err(_) => return Err(connect_error(format!("no answer within {timeout:?}"))),
            }
            let (in_tx, in_rx) = mpsc::channel(LINK_CAPACITY);
            let (out_tx, out_rx) = mpsc::channel(LINK_CAPACITY);
            tokio::spawn(run_dealer(socket, monitor, in_tx, out_rx));
            Ok(ClientLink {
                incoming: in_rx,
                outgoing: out_tx,
            })
        })
    }

    fn bind_publisher<'a>(
        &'a self,
        endpoint: &'a str,
    ) -> BoxFuture<'a, Result<PublisherLink, TransportError>> {
        Box::pin(async move {
            let mut socket = zeromq::PubSocket::new();
            let bound = socket
                .bind(endpoint)
                .await
                .map_err(|e| TransportError::Bind {
                    endpoint: endpoint.to_owned(),
                    reason: e.to_string(),
                })?;
            Ok(PublisherLink {
                endpoint: bound.to_string(),
                sink: Arc::new(ZmqPublishSink {
                    socket: tokio::sync::Mutex::new(Some(socket)),
                }),
            })
        })
    }

    fn connect_subscriber<'a>(
        &'a self,
        endpoint: &'a str,
    ) -> BoxFuture<'a, Result<SubscriberLink, TransportError>> {
        Box::pin(async move {
            // Refuse a malformed endpoint now rather than retrying it forever.
            zeromq::TryIntoEndpoint::try_into(endpoint).map_err(|e| TransportError::Connect {
                endpoint: endpoint.to_owned(),
                reason: e.to_string(),
            })?;
            let (in_tx, in_rx) = mpsc::channel(LINK_CAPACITY);
            let (subscribed_tx, subscribed_rx) = watch::channel(false);
            tokio::spawn(run_subscriber(endpoint.to_owned(), in_tx, subscribed_tx));
            Ok(SubscriberLink {
                incoming: in_rx,
                subscribed: subscribed_rx,
            })
        })
    }
}

/// Moves frames between a ROUTER socket and its link until the link's receiver is dropped.
async fn run_router(
    socket: zeromq::RouterSocket,
    in_tx: mpsc::Sender<(PeerId, Bytes)>,
    mut out_rx: mpsc::Receiver<(PeerId, Bytes)>,
) {
    let (mut tx, mut rx) = socket.split();
    let receive = async {
        loop {
            let message = tokio::select! {
                m = rx.recv() => m,
                () = in_tx.closed() => return,
            };
            match message {
                Ok(message) => {
                    // [identity, body]: a DEALER peer sends exactly one frame.
                    let mut frames = message.into_vec().into_iter();
                    let (Some(peer), Some(body), None) =
                        (frames.next(), frames.next(), frames.next())
                    else {
                        warn!("RPC server: dropped a message that is not exactly one frame");
                        continue;
                    };
                    if in_tx.send((peer, body)).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    debug!("RPC server socket: {e}");
                    return;
                }
            }
        }
    };
    let send = async {
        while let Some((peer, body)) = out_rx.recv().await {
            let mut message = ZmqMessage::from(body);
            message.push_front(peer);
            if let Err(e) = tx.send(message).await {
                // The client left before its reply: nothing to do, it will time out or has.
                debug!("RPC server: reply not delivered: {e}");
            }
        }
    };
    tokio::select! {
        () = receive => {}
        () = send => {}
    }
}

/// Moves frames between a DEALER socket and its link until either side goes away; a
/// disconnect of the server ends the link, since this socket would not reconnect.
async fn run_dealer(
    socket: zeromq::DealerSocket,
    mut monitor: futures::channel::mpsc::Receiver<SocketEvent>,
    in_tx: mpsc::Sender<Bytes>,
    mut out_rx: mpsc::Receiver<Bytes>,
) {
    let (mut tx, mut rx) = socket.split();
    let receive = async {
        loop {
            let message = tokio::select! {
                m = rx.recv() => m,
                event = monitor.next() => match event {
                    Some(SocketEvent::Disconnected(_)) | None => return,
                    Some(_) => continue,
                },
                () = in_tx.closed() => return,
            };
            match message {
                Ok(message) => {
                    let mut frames = message.into_vec().into_iter();
                    let (Some(body), None) = (frames.next(), frames.next()) else {
                        warn!("RPC client: dropped a message that is not exactly one frame");
                        continue;
                    };
                    if in_tx.send(body).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    debug!("RPC client socket: {e}");
                    return;
                }
            }
        }
    };
    let send = async {
        while let Some(body) = out_rx.recv().await {
            if let Err(e) = tx.send(ZmqMessage::from(body)).await {
                debug!("RPC client: send failed: {e}");
                return;
            }
        }
    };
    tokio::select! {
        () = receive => {}
        () = send => {}
    }
}

/// A PUB socket shared by every handle on one publisher. The lock is uncontended in vnmgr
/// (it publishes under its own write lock) and held only while the message is queued.
struct ZmqPublishSink {
    /// `None` once closed.
    socket: tokio::sync::Mutex<Option<zeromq::PubSocket>>,
}

impl fmt::Debug for ZmqPublishSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZmqPublishSink").finish_non_exhaustive()
    }
}

impl PublishSink for ZmqPublishSink {
    fn send(&self, topic: Bytes, body: Bytes) -> BoxFuture<'_, Result<(), SinkClosed>> {
        Box::pin(async move {
            let mut socket = self.socket.lock().await;
            let socket = socket.as_mut().ok_or(SinkClosed)?;
            let mut message = ZmqMessage::from(topic);
            message.push_back(body);
            if let Err(e) = socket.send(message).await {
                warn!("event publisher: send failed: {e}");
            }
            Ok(())
        })
    }
}

impl Drop for ZmqPublishSink {
    fn drop(&mut self) {
        // Unbind now, as the publishing task used to when its channel closed.
        if let Some(socket) = self.socket.get_mut().take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                let _ = socket.close().await;
            });
        }
    }
}

async fn run_subscriber(
    endpoint: String,
    in_tx: mpsc::Sender<(Bytes, Bytes)>,
    subscribed: watch::Sender<bool>,
) {
    let mut socket = loop {
        let mut options = SocketOptions::default();
        options.connect_timeout(SUBSCRIBER_CONNECT_ATTEMPT);
        let mut socket = zeromq::SubSocket::with_options(options);
        tokio::select! {
            result = socket.connect(&endpoint) => match result {
                Ok(()) => break socket,
                Err(e) => debug!("event subscriber: {endpoint}: {e}; retrying"),
            },
            () = in_tx.closed() => return,
        }
    };
    if let Err(e) = socket.subscribe("").await {
        warn!("event subscriber: cannot subscribe at {endpoint}: {e}");
        return;
    }
    subscribed.send_replace(true);
    loop {
        let message = tokio::select! {
            m = socket.recv() => m,
            () = in_tx.closed() => return,
        };
        match message {
            Ok(message) => {
                let mut frames = message.into_vec().into_iter();
                let topic = frames.next().unwrap_or_default();
                let body = frames.next().unwrap_or_default();
                if in_tx.send((topic, body)).await.is_err() {
                    return;
                }
            }
            // The publisher went away; the socket reconnects by itself.
            Err(e) => {
                debug!("event subscriber: {endpoint}: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
