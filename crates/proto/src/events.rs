//! Events: vnmgr publishes, every vna (and test) subscribes.
//!
//! [`EventSequencer`] stamps events with `(epoch, seq)`: a random epoch per vnmgr start, `seq`
//! one more for every event. [`EventPublisher`] sends events and heartbeats on a PUB socket;
//! [`EventSubscriber`] receives and decodes them. Delivery is best effort (a PUB drops what a
//! slow or absent subscriber cannot take); the sequence numbers let the replica client
//! ([`crate::replica`]) notice and repair any loss.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::transport::{PublishSink, SubscriberLink, Transport, TransportError, ZmqTransport};
use crate::wire::{
    Change, DecodeError, EncodeError, Event, Heartbeat, Notice, TOPIC_EVENT, TOPIC_HEARTBEAT,
};

/// Where vnmgr publishes events unless configured otherwise.
pub const DEFAULT_EVENT_ENDPOINT: &str = "tcp://127.0.0.1:9103";

/// How often vnmgr sends a heartbeat.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(1);

/// A random epoch, different at every call (and so at every vnmgr start) with overwhelming
/// probability. Drawn from the standard library's randomly keyed hasher, so no RNG crate is
/// needed; never 0, which a fresh replica uses for "no epoch yet".
pub fn random_epoch() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    RandomState::new()
        .hash_one((nanos, std::process::id()))
        .max(1)
}

/// Stamps events and heartbeats with the stream position.
#[derive(Debug, Clone)]
pub struct EventSequencer {
    epoch: u64,
    seq: u64,
}

impl EventSequencer {
    /// A sequencer at the start of `epoch`: the first event will be seq 1.
    pub fn new(epoch: u64) -> Self {
        Self { epoch, seq: 0 }
    }

    /// A sequencer with a [`random_epoch`].
    pub fn with_random_epoch() -> Self {
        Self::new(random_epoch())
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The seq of the last event stamped (0 before the first); what a snapshot taken now
    /// reflects.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The next event.
    pub fn next_event<R>(&mut self, kind: impl Into<String>, changes: Vec<Change<R>>) -> Event<R> {
        self.seq += 1;
        Event {
            epoch: self.epoch,
            seq: self.seq,
            kind: kind.into(),
            changes,
        }
    }

    /// A heartbeat at the current position.
    pub fn heartbeat(&self) -> Heartbeat {
        Heartbeat {
            epoch: self.epoch,
            seq: self.seq,
        }
    }
}

/// A failure to publish.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Encode(#[from] EncodeError),
    #[error("the event publisher at {endpoint} is closed")]
    Closed { endpoint: String },
}

/// The PUB end. Cloning gives another handle on the same socket.
#[derive(Debug, Clone)]
pub struct EventPublisher {
    endpoint: String,
    sink: Arc<dyn PublishSink>,
}

impl EventPublisher {
    /// Binds `endpoint` (e.g. [`DEFAULT_EVENT_ENDPOINT`], or port 0) over ZeroMQ.
    pub async fn bind(endpoint: &str) -> Result<Self, TransportError> {
        Self::bind_with(&ZmqTransport, endpoint).await
    }

    pub async fn bind_with(
        transport: &dyn Transport,
        endpoint: &str,
    ) -> Result<Self, TransportError> {
        let link = transport.bind_publisher(endpoint).await?;
        Ok(Self {
            endpoint: link.endpoint,
            sink: link.sink,
        })
    }

    /// The endpoint actually bound.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub async fn publish<R: Serialize>(&self, event: &Event<R>) -> Result<(), PublishError> {
        self.send(TOPIC_EVENT, event.encode()?).await
    }

    pub async fn heartbeat(&self, heartbeat: Heartbeat) -> Result<(), PublishError> {
        self.send(TOPIC_HEARTBEAT, heartbeat.encode()?).await
    }

    async fn send(&self, topic: &'static [u8], body: Bytes) -> Result<(), PublishError> {
        self.sink
            .send(Bytes::from_static(topic), body)
            .await
            .map_err(|_| PublishError::Closed {
                endpoint: self.endpoint.clone(),
            })
    }
}

/// The SUB end, subscribed to everything, decoding rows as `R`.
#[derive(Debug)]
pub struct EventSubscriber<R> {
    endpoint: String,
    link: SubscriberLink,
    rows: PhantomData<fn() -> R>,
}

impl<R: DeserializeOwned> EventSubscriber<R> {
    /// Starts subscribing to `endpoint` over ZeroMQ. Returns at once; the connection is made
    /// (and remade after a loss) in the background.
    pub async fn connect(endpoint: &str) -> Result<Self, TransportError> {
        Self::connect_with(&ZmqTransport, endpoint).await
    }

    pub async fn connect_with(
        transport: &dyn Transport,
        endpoint: &str,
    ) -> Result<Self, TransportError> {
        Ok(Self {
            endpoint: endpoint.to_owned(),
            link: transport.connect_subscriber(endpoint).await?,
            rows: PhantomData,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Waits until the subscription has been sent to the publisher. Messages published
    /// before that are not received. Returns `false` if the subscriber has closed.
    pub async fn subscribed(&mut self) -> bool {
        self.link.subscribed.wait_for(|s| *s).await.is_ok()
    }

    /// The next notice, or why it could not be decoded; `None` once the subscriber closed.
    pub async fn recv(&mut self) -> Option<Result<Notice<R>, DecodeError>> {
        let (topic, body) = self.link.incoming.recv().await?;
        Some(Notice::decode(&topic, &body))
    }
}
