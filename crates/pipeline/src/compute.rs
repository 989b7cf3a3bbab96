//! `desired_flows(model, datapath, ports) -> FlowSet` (being written).

use crate::flow::FlowSet;
use crate::view::{Model, SwitchPorts};

/// The flows datapath `dpid` should hold, given the model and the switch's ports.
pub fn desired_flows(model: &Model, dpid: u64, ports: &SwitchPorts) -> FlowSet {
    let _ = (model, dpid, ports);
    FlowSet::new()
}
