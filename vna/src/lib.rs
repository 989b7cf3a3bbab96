//! vna, the vnet agent: the OpenFlow 1.3 controller of one hypervisor's Open vSwitch bridge.

pub mod switch;
