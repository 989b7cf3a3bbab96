//! L3 networks, L2 segments, route links (the routers' backplane) and routes.

use std::net::Ipv4Addr;

use crate::check;
use crate::error::{Field, ModelError};
use crate::ipv4::{Ipv4Prefix, check_in_subnet};
use crate::modes::{NetworkMode, RouteMode, SegmentMode};
use crate::record::{Id, Rules, record};

/// The shortest prefix a network may have (the original's API: `ipv4_prefix` in 1..32).
pub const NETWORK_MIN_PREFIX_LEN: u8 = 1;

record! {
    /// `networks`: an IPv4 subnet with a mode, optionally on a segment.
    pub struct Network in Networks with uuid Network {
        pub display_name: String,
        /// The network address; no host bits set.
        pub ipv4_network: Ipv4Addr,
        /// 1..=32; the original's default is 24.
        pub ipv4_prefix: u8,
        pub mode: NetworkMode,
        /// Answered by the DNS service; the original defaults it to the network's uuid.
        pub domain_name: String,
        pub segment_id: Option<Id>,
    }
}

impl Network {
    /// The default of `ipv4_prefix`.
    pub const DEFAULT_IPV4_PREFIX: u8 = 24;

    /// The subnet `ipv4_network/ipv4_prefix`, checked.
    pub fn subnet(&self) -> Result<Ipv4Prefix, ModelError> {
        check::network_columns(
            "ipv4_network",
            self.ipv4_network,
            "ipv4_prefix",
            self.ipv4_prefix,
            NETWORK_MIN_PREFIX_LEN,
        )
    }

    /// Checks that `addr`, given in `field`, lies inside this network's subnet; the error names
    /// the address, this network's uuid and its subnet.
    pub fn check_address(&self, field: impl Into<Field>, addr: Ipv4Addr) -> Result<(), ModelError> {
        check_in_subnet(field, addr, &self.uuid, &self.subnet()?)
    }
}

impl Rules for Network {
    fn check_rules(&self) -> Result<(), ModelError> {
        self.subnet()?;
        check::check_dns_name("domain_name", &self.domain_name)
    }
}

record! {
    /// `segments`: a pure L2 domain that networks may share.
    pub struct Segment in Segments with uuid Segment {
        pub mode: SegmentMode,
    }
}

impl Rules for Segment {}

record! {
    /// `route_links`: the virtual backplane connecting routers' interfaces.
    pub struct RouteLink in RouteLinks with uuid RouteLink {
        /// The route link's MAC; vnmgr allocates one when none is given.
        pub mac_address_id: Option<Id>,
    }
}

impl Rules for RouteLink {}

record! {
    /// `routes`: traffic for `ipv4_network/ipv4_prefix` from network `network_id` goes over
    /// route link `route_link_id` through router interface `interface_id`.
    pub struct Route in Routes with uuid Route {
        pub mode: RouteMode,
        pub interface_id: Option<Id>,
        pub route_link_id: Id,
        pub network_id: Id,
        /// The destination network address; no host bits set.
        pub ipv4_network: Ipv4Addr,
        /// 0..=32 (0 is a default route); the original's default is 24.
        pub ipv4_prefix: u8,
        pub ingress: bool,
        pub egress: bool,
    }
}

impl Route {
    /// The destination `ipv4_network/ipv4_prefix`, checked.
    pub fn destination(&self) -> Result<Ipv4Prefix, ModelError> {
        check::network_columns(
            "ipv4_network",
            self.ipv4_network,
            "ipv4_prefix",
            self.ipv4_prefix,
            0,
        )
    }
}

impl Rules for Route {
    fn check_rules(&self) -> Result<(), ModelError> {
        self.destination().map(drop)
    }
}
