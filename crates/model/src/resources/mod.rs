//! One struct per table, with the original's column names and allowed values.

mod address;
mod datapath;
mod filter;
mod interface;
mod lease_policy;
mod network;
mod runtime;
mod security_group;
mod service;
mod topology;

pub use address::{
    IpAddress, IpLease, IpLeaseContainer, IpLeaseContainerIpLease, IpRange, IpRangeGroup,
    IpRetention, IpRetentionContainer, MacAddress, MacLease, MacRange, MacRangeGroup,
};
pub use datapath::{Datapath, DatapathNetwork, DatapathRouteLink, DatapathSegment};
pub use filter::{Filter, FilterStatic, Translation, TranslationStaticAddress};
pub use interface::{
    Interface, InterfaceNetwork, InterfacePort, InterfaceRouteLink, InterfaceSegment,
};
pub use lease_policy::{
    LeasePolicy, LeasePolicyBaseInterface, LeasePolicyBaseNetwork, LeasePolicyIpLeaseContainer,
    LeasePolicyIpRetentionContainer,
};
pub use network::{NETWORK_MIN_PREFIX_LEN, Network, Route, RouteLink, Segment};
pub use runtime::{
    ActiveInterface, ActiveNetwork, ActivePort, ActiveRouteLink, ActiveSegment, Tunnel,
};
pub use security_group::{SecurityGroup, SecurityGroupInterface};
pub use service::{DnsRecord, DnsService, MAX_DNS_TTL, NetworkService};
pub use topology::{
    Topology, TopologyDatapath, TopologyLayer, TopologyMacRangeGroup, TopologyMember,
    TopologyNetwork, TopologyRouteLink, TopologySegment,
};
