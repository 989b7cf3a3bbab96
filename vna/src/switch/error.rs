//! What can go wrong between vna and its switch.

use std::fmt;
use std::time::Duration;

use openflow::{EncodeError, ErrorMsg};
use pipeline::Flow;

/// An error of the switch connection or of a request made on it.
#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    /// The OpenFlow listening socket could not be opened.
    #[error("cannot listen for OpenFlow connections on {addr}")]
    Bind {
        /// The address asked for.
        addr: String,
        #[source]
        source: std::io::Error,
    },
    /// No connection to this switch is up right now.
    #[error("switch {} is not connected", Dpid(*.dpid))]
    NotConnected {
        /// The switch.
        dpid: u64,
    },
    /// The connection went down before the switch answered.
    #[error("the connection to switch {} went down before it answered {what}", Dpid(*.dpid))]
    Disconnected {
        /// The switch.
        dpid: u64,
        /// The request that was waiting.
        what: &'static str,
    },
    /// The switch did not answer in time (the connection stays up; see also the echo timeout).
    #[error("switch {} did not answer {what} within {timeout:?}", Dpid(*.dpid))]
    Timeout {
        /// The switch.
        dpid: u64,
        /// The request that was waiting.
        what: &'static str,
        /// How long we waited.
        timeout: Duration,
    },
    /// The switch refused a request that is not about one flow.
    #[error("switch {} refused {what}: {error}", Dpid(*.dpid))]
    Refused {
        /// The switch.
        dpid: u64,
        /// The request.
        what: &'static str,
        /// The switch's OFPT_ERROR.
        error: ErrorMsg,
    },
    /// The switch answered a request with something else than its reply.
    #[error("switch {} answered {what} with {got}", Dpid(*.dpid))]
    UnexpectedReply {
        /// The switch.
        dpid: u64,
        /// The request.
        what: &'static str,
        /// The message type it sent.
        got: &'static str,
    },
    /// The switch rejected flows of an [`apply`](super::SwitchHandle::apply).
    #[error("{}", describe_rejection(*.dpid, .rejected, *.more, *.rolled_back, *.applied))]
    Rejected {
        /// The switch.
        dpid: u64,
        /// The rejected flows with the switch's error for each (at most
        /// [`MAX_REPORTED_ERRORS`](super::MAX_REPORTED_ERRORS)).
        rejected: Vec<RejectedFlow>,
        /// Further rejections not listed.
        more: usize,
        /// Whether the failing batch was rolled back (a bundle: nothing of it is installed). When
        /// `false` (no bundle support), every flow mod that was not rejected took effect.
        rolled_back: bool,
        /// Flow mods of earlier batches of the same diff that were committed before the failure.
        applied: usize,
    },
    /// A flow could not be encoded (for example, instructions too large for one message).
    #[error("cannot encode {op} of {flow}")]
    Encode {
        /// What was to be done.
        op: FlowOp,
        /// The flow, as `ovs-ofctl` would print its FLOW_MOD.
        flow: String,
        #[source]
        source: EncodeError,
    },
    /// The handshake with a newly connected switch failed.
    #[error("handshake with the switch at {peer} failed: {reason}")]
    Handshake {
        /// Its address.
        peer: String,
        /// Why.
        reason: String,
    },
}

/// What an apply does to one flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowOp {
    /// A new flow (OFPFC_ADD).
    Add,
    /// A flow whose content changes (OFPFC_ADD over the same table, priority and match).
    Modify,
    /// A flow that goes (OFPFC_DELETE_STRICT).
    Delete,
}

impl fmt::Display for FlowOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FlowOp::Add => "add",
            FlowOp::Modify => "modify",
            FlowOp::Delete => "delete",
        })
    }
}

/// A flow the switch would not take, and its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedFlow {
    /// What was asked.
    pub op: FlowOp,
    /// The flow.
    pub flow: Flow,
    /// The switch's OFPT_ERROR.
    pub error: ErrorMsg,
}

impl fmt::Display for RejectedFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fm = match self.op {
            FlowOp::Delete => self.flow.to_delete(),
            FlowOp::Add | FlowOp::Modify => self.flow.to_add(),
        };
        write!(f, "{} of {fm}: {}", self.op, self.error)
    }
}

fn describe_rejection(
    dpid: u64,
    rejected: &[RejectedFlow],
    more: usize,
    rolled_back: bool,
    applied: usize,
) -> String {
    let n = rejected.len() + more;
    let mut s = format!("switch {} rejected {n} flow mod(s)", Dpid(dpid));
    if let Some(first) = rejected.first() {
        s.push_str(&format!(", first {first}"));
    }
    s.push_str(if rolled_back {
        "; the batch was rolled back"
    } else {
        "; the other flow mods of the batch took effect"
    });
    if applied > 0 {
        s.push_str(&format!(
            " ({applied} flow mods of earlier batches were committed)"
        ));
    }
    s
}

/// A datapath id printed the way `ovs-ofctl show` does (16 hex digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dpid(pub u64);

impl fmt::Display for Dpid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}
