//! vna's side of the OpenFlow 1.3 connection to the local Open vSwitch bridge.
//!
//! OVS connects to vna (`tcp:127.0.0.1:6633` by default). [`serve`] listens; every connection
//! does the handshake (HELLO with version bitmap, FEATURES for the datapath id, SET_CONFIG,
//! PORT_DESC, a probe for the ONF bundle extension) and is then attached to the
//! [`SwitchHandle`] of its datapath id. A handle lives as long as vna and follows the switch
//! across reconnects: a new connection from the same dpid replaces the old one, and the
//! handle's [`events`](SwitchHandle::events) say `Connected(dpid)` again.
//!
//! What the controller logic does with a handle (ARCHITECTURE.md §2, rule 3):
//!
//! ```no_run
//! # async fn run(desired: impl Fn(&pipeline::SwitchPorts) -> pipeline::FlowSet)
//! #     -> Result<(), vna::switch::SwitchError> {
//! use vna::switch::{self, Config, SwitchEvent};
//! let mut listener = switch::serve("tcp:127.0.0.1:6633", Config::default()).await?;
//! let sw = listener.switch(0x0a01); // or listener.next_switch().await
//! let mut events = sw.events();
//! sw.wait_connected().await;
//! loop {
//!     // On every (re)connect, and whenever the model or the ports change: read back, diff,
//!     // apply (or keep the installed set yourself and call `apply` with your own diff).
//!     let want = desired(sw.ports().borrow().switch_ports());
//!     sw.reconcile(&want).await?;
//!     match events.next().await {
//!         Some(SwitchEvent::PacketIn(pi)) => { /* ARP, DHCP … */ let _ = pi; }
//!         Some(_) => {} // Connected, PortStatus, Disconnected, Lost: reconcile again
//!         None => break,
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! [`SwitchHandle::apply`] makes the switch hold a [`FlowDiff`](pipeline::FlowDiff)'s result
//! with no moment where a flow that stays right is missing: everything goes in one ONF bundle
//! (atomic, ordered) when the switch supports bundles, otherwise as FLOW_MODs closed by a
//! BARRIER; either way it returns after the switch acknowledged, and an OFPT_ERROR about any of
//! its messages is a [`SwitchError::Rejected`] naming the flow. Messages are encoded back to back
//! into large buffers, so installing many flows costs a few writes, not one per flow.
//!
//! Bounded everywhere: the event channel is a ring ([`Config::event_capacity`]) that drops the
//! oldest events for a reader that falls behind and tells it how many ([`SwitchEvent::Lost`]);
//! the write queue applies back-pressure; a reply being assembled is at most what was asked
//! for. Nothing from the switch can make this module panic; an undecodable message is logged
//! and skipped, and a broken framing closes the connection.
//!
//! What it does not do: it does not compute flows, talk to OVSDB, or retry an apply: the caller
//! reconciles again (read back, diff, apply) after an error or a reconnect.

mod conn;
mod error;
mod handle;
mod listener;
mod ports;

use std::sync::Arc;
use std::time::Duration;

pub use error::{Dpid, FlowOp, RejectedFlow, SwitchError};
pub use handle::{ApplyReport, Events, SwitchHandle, SwitchStats};
pub use listener::{Listener, serve};
pub use openflow::Port;
pub use ports::{PortChange, PortTable};

/// At most this many rejected flows are listed in one [`SwitchError::Rejected`]; the rest are
/// counted.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// Tunables of the switch connection. `Default` is what vna runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// `miss_send_len` sent in SET_CONFIG: how much of a packet the switch sends in a
    /// PACKET_IN; `0xffff` (`OFPCML_NO_BUFFER`) sends whole packets, unbuffered.
    pub miss_send_len: u16,
    /// Send an ECHO_REQUEST when the switch has said nothing for this long.
    pub echo_interval: Duration,
    /// Drop the connection when the switch has then still said nothing (and consumed none of a
    /// large write) for this much longer.
    pub echo_timeout: Duration,
    /// Time for a new connection to finish the handshake.
    pub handshake_timeout: Duration,
    /// Longest wait for one answer (a barrier, a bundle commit, one part of a flow dump).
    pub request_timeout: Duration,
    /// Use ONF bundles for [`SwitchHandle::apply`] when the switch supports them.
    pub use_bundles: bool,
    /// A diff with fewer flow mods than this goes as plain FLOW_MODs closed by a barrier even
    /// when the switch has bundles (adds and modifications first, then deletes, so no flow
    /// that stays right is ever missing; what is lost is all-or-nothing on a rejection).
    /// A bundle costs one more round trip (about 0.2 ms more on loopback with OVS 3.1), so 0,
    /// always bundle, is the default.
    pub min_bundle_flows: usize,
    /// A diff with more flow mods than this is applied as several bundles (each atomic, adds
    /// and modifications before deletes). OVS sets no limit of its own; this bounds what the
    /// switch holds uncommitted.
    pub max_bundle_flows: usize,
    /// Outgoing messages are encoded into buffers of about this many bytes, one write each.
    pub write_chunk_bytes: usize,
    /// Encoded buffers waiting for the socket; a writer that is ahead waits (back-pressure).
    pub write_queue: usize,
    /// Events kept for a subscriber that has not read them yet (the ring holds this many
    /// PACKET_INs at most: about 1.5 MB of 1500-byte frames at the default).
    pub event_capacity: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            miss_send_len: openflow::message::OFPCML_NO_BUFFER,
            echo_interval: Duration::from_secs(5),
            echo_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            use_bundles: true,
            min_bundle_flows: 0,
            max_bundle_flows: 1_000_000,
            write_chunk_bytes: 256 * 1024,
            write_queue: 16,
            event_capacity: 1024,
        }
    }
}

/// Something the switch did.
#[derive(Debug, Clone)]
pub enum SwitchEvent {
    /// A connection finished its handshake; ports are fresh. Reconcile: read the flows back
    /// and apply the difference.
    Connected(u64),
    /// A packet sent to the controller.
    PacketIn(Arc<openflow::PacketIn>),
    /// A port came, went or changed; [`SwitchHandle::ports`] already shows it.
    PortStatus {
        /// How.
        change: PortChange,
        /// The port as it is now (as it was, for a deletion).
        port: Port,
    },
    /// The connection went down (closed, broken, or silent past the echo timeout). The switch
    /// keeps forwarding with its flows (`fail-mode=secure`) and will reconnect.
    Disconnected(u64),
    /// This subscriber fell behind and this many events were dropped; state may have changed
    /// unseen, so re-read it ([`SwitchHandle::ports`], [`SwitchHandle::is_connected`]).
    Lost(u64),
}
