//! vna's flow pipeline, pure: the original's table map ([`tables`]), cookie layout
//! ([`cookie`]) and metadata layout ([`metadata`]); the model a datapath's flows are computed
//! from ([`view`]); the computation itself ([`compute::desired_flows`]); the flow set and its
//! difference against what a switch holds ([`flow`]); and a flow-table simulator ([`sim`])
//! that walks a packet through a flow set the way Open vSwitch would.
//!
//! No I/O: vna feeds it replica rows and the switch's port list and sends what comes out.

pub mod compute;
pub mod cookie;
pub mod describe;
pub mod fixture;
pub mod flow;
pub mod metadata;
pub mod planner;
pub mod sim;
pub mod tables;
pub mod view;

pub use compute::desired_flows;
pub use flow::{Flow, FlowDiff, FlowKey, FlowSet, diff};
pub use planner::{Changes, Planner};
pub use view::{Model, ModelBuilder, SwitchPorts};
