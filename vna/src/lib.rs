//! vna, the vnet agent: the OpenFlow 1.3 controller of one hypervisor's Open vSwitch bridge.
//!
//! [`agent`] is the main loop (replica → pipeline → switch), [`switch`] the OpenFlow
//! connection, [`active`] the report of live interfaces and ports to vnmgr, [`flows`] the
//! `vna flows` dump, [`config`] the configuration.

pub mod active;
pub mod agent;
pub mod config;
pub mod flows;
pub mod state;
pub mod switch;
