//! Addresses and leases: MAC addresses and leases, IP addresses and leases, lease containers,
//! the range groups addresses are allocated from, and IP retention.

use std::net::Ipv4Addr;

use crate::error::ModelError;
use crate::ipv4::Ipv4Range;
use crate::mac::{MacAddr, MacAddrRange};
use crate::modes::AllocationType;
use crate::record::{Id, Rules, Timestamp, record};
use crate::resources::network::Network;

record! {
    /// `mac_addresses`: a MAC in use, optionally scoped to a segment. Unique `mac_address`
    /// among live rows.
    pub struct MacAddress in MacAddresses with uuid MacAddress {
        pub mac_address: MacAddr,
        pub segment_id: Option<Id>,
    }
}

impl Rules for MacAddress {
    fn check_rules(&self) -> Result<(), ModelError> {
        // A station's address: a group or all-zero MAC here would break learning and the
        // anti-spoofing flows (the original did not check).
        if !self.mac_address.is_unicast() {
            return Err(ModelError::invalid(
                "mac_address",
                self.mac_address,
                "must be a unicast address (not zero, not multicast or broadcast)",
            ));
        }
        Ok(())
    }
}

record! {
    /// `mac_leases`: an interface holds a MAC address.
    pub struct MacLease in MacLeases with uuid MacLease {
        pub interface_id: Option<Id>,
        pub mac_address_id: Id,
    }
}

impl Rules for MacLease {}

record! {
    /// `ip_addresses`: an address taken in a network. Unique `(network_id, ipv4_address)`
    /// among live rows.
    pub struct IpAddress in IpAddresses {
        pub network_id: Id,
        pub ipv4_address: Ipv4Addr,
    }
}

impl IpAddress {
    /// Checks that the address lies inside `network`'s subnet.
    pub fn check_in_network(&self, network: &Network) -> Result<(), ModelError> {
        network.check_address("ipv4_address", self.ipv4_address)
    }
}

impl Rules for IpAddress {}

record! {
    /// `ip_leases`: an IP address held by an interface (through one of its MAC leases), or
    /// unattached. Unique `ip_address_id` among live rows.
    pub struct IpLease in IpLeases with uuid IpLease {
        pub interface_id: Option<Id>,
        pub mac_lease_id: Option<Id>,
        pub ip_address_id: Id,
        pub enable_routing: bool,
    }
}

impl Rules for IpLease {}

record! {
    /// `ip_lease_containers`: a named group of leases (filled by lease policies).
    pub struct IpLeaseContainer in IpLeaseContainers with uuid IpLeaseContainer {
    }
}

impl Rules for IpLeaseContainer {}

record! {
    /// `ip_lease_container_ip_leases`: lease `ip_lease_id` is in the container.
    pub struct IpLeaseContainerIpLease in IpLeaseContainerIpLeases {
        pub ip_lease_container_id: Id,
        pub ip_lease_id: Id,
    }
}

impl Rules for IpLeaseContainerIpLease {}

record! {
    /// `ip_range_groups`: ranges that IP addresses are allocated from.
    pub struct IpRangeGroup in IpRangeGroups with uuid IpRangeGroup {
        /// Default [`AllocationType::IP_RANGE_GROUP_DEFAULT`] (incremental).
        pub allocation_type: AllocationType,
    }
}

impl Rules for IpRangeGroup {}

record! {
    /// `ip_ranges`: the addresses `begin..=end` of a range group.
    pub struct IpRange in IpRanges with uuid IpRange {
        pub ip_range_group_id: Id,
        pub begin_ipv4_address: Ipv4Addr,
        pub end_ipv4_address: Ipv4Addr,
    }
}

impl IpRange {
    /// The range, checked (`begin <= end`).
    pub fn range(&self) -> Result<Ipv4Range, ModelError> {
        Ipv4Range::new(self.begin_ipv4_address, self.end_ipv4_address).map_err(|_| {
            ModelError::invalid(
                "begin_ipv4_address",
                self.begin_ipv4_address,
                format!("after end_ipv4_address {}", self.end_ipv4_address),
            )
        })
    }
}

impl Rules for IpRange {
    fn check_rules(&self) -> Result<(), ModelError> {
        self.range().map(drop)
    }
}

record! {
    /// `mac_range_groups`: ranges that MAC addresses are allocated from.
    pub struct MacRangeGroup in MacRangeGroups with uuid MacRangeGroup {
        /// Default [`AllocationType::MAC_RANGE_GROUP_DEFAULT`] (random).
        pub allocation_type: AllocationType,
    }
}

impl Rules for MacRangeGroup {}

record! {
    /// `mac_ranges`: the MACs `begin..=end` of a range group.
    pub struct MacRange in MacRanges with uuid MacRange {
        pub mac_range_group_id: Id,
        pub begin_mac_address: MacAddr,
        pub end_mac_address: MacAddr,
    }
}

impl MacRange {
    /// The range, checked (`begin <= end`).
    pub fn range(&self) -> Result<MacAddrRange, ModelError> {
        MacAddrRange::new(self.begin_mac_address, self.end_mac_address).map_err(|_| {
            ModelError::invalid(
                "begin_mac_address",
                self.begin_mac_address,
                format!("after end_mac_address {}", self.end_mac_address),
            )
        })
    }
}

impl Rules for MacRange {
    fn check_rules(&self) -> Result<(), ModelError> {
        self.range().map(drop)
    }
}

record! {
    /// `ip_retention_containers`: leases retained here are released `lease_time` seconds after
    /// they were leased and destroyed `grace_time` seconds after release.
    pub struct IpRetentionContainer in IpRetentionContainers with uuid IpRetentionContainer {
        /// Seconds; `None` keeps leases indefinitely.
        pub lease_time: Option<i64>,
        /// Seconds; `None` keeps released leases indefinitely.
        pub grace_time: Option<i64>,
    }
}

impl Rules for IpRetentionContainer {
    fn check_rules(&self) -> Result<(), ModelError> {
        // The original checked grace_time twice, once under lease_time's name.
        for (field, value) in [
            ("lease_time", self.lease_time),
            ("grace_time", self.grace_time),
        ] {
            if let Some(v) = value.filter(|v| *v < 0) {
                return Err(ModelError::invalid(
                    field,
                    v,
                    "seconds; must not be negative",
                ));
            }
        }
        Ok(())
    }
}

record! {
    /// `ip_retentions`: lease `ip_lease_id` is retained by the container.
    pub struct IpRetention in IpRetentions {
        pub ip_lease_id: Id,
        pub ip_retention_container_id: Id,
        pub leased_at: Option<Timestamp>,
        pub released_at: Option<Timestamp>,
    }
}

impl Rules for IpRetention {}
