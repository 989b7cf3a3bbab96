//! Lease policies: automatic IP allocation for interfaces, and what the policy applies to.

use crate::check;
use crate::error::ModelError;
use crate::modes::{LeasePolicyMode, LeasePolicyTiming};
use crate::record::{Id, Rules, record};

record! {
    /// `lease_policies`.
    pub struct LeasePolicy in LeasePolicies with uuid LeasePolicy {
        pub mode: LeasePolicyMode,
        pub timing: LeasePolicyTiming,
    }
}

impl Rules for LeasePolicy {}

record! {
    /// `lease_policy_base_networks`: the policy allocates in network `network_id` from range
    /// group `ip_range_group_id`.
    pub struct LeasePolicyBaseNetwork in LeasePolicyBaseNetworks {
        pub lease_policy_id: Id,
        pub network_id: Id,
        pub ip_range_group_id: Id,
    }
}

impl Rules for LeasePolicyBaseNetwork {}

record! {
    /// `lease_policy_base_interfaces`: interface `interface_id` gets its leases from the policy.
    pub struct LeasePolicyBaseInterface in LeasePolicyBaseInterfaces {
        pub lease_policy_id: Id,
        pub interface_id: Id,
        pub label: Option<String>,
    }
}

impl Rules for LeasePolicyBaseInterface {
    fn check_rules(&self) -> Result<(), ModelError> {
        check::non_empty_if_set("label", self.label.as_deref())
    }
}

record! {
    /// `lease_policy_ip_lease_containers`: leases the policy allocates join the container.
    /// Unique `(lease_policy_id, ip_lease_container_id)` among live rows.
    pub struct LeasePolicyIpLeaseContainer in LeasePolicyIpLeaseContainers {
        pub lease_policy_id: Id,
        pub ip_lease_container_id: Id,
        pub label: Option<String>,
    }
}

impl Rules for LeasePolicyIpLeaseContainer {
    fn check_rules(&self) -> Result<(), ModelError> {
        check::non_empty_if_set("label", self.label.as_deref())
    }
}

record! {
    /// `lease_policy_ip_retention_containers`: leases the policy allocates are retained by the
    /// container. Unique `(lease_policy_id, ip_retention_container_id)` among live rows.
    pub struct LeasePolicyIpRetentionContainer in LeasePolicyIpRetentionContainers {
        pub lease_policy_id: Id,
        pub ip_retention_container_id: Id,
    }
}

impl Rules for LeasePolicyIpRetentionContainer {}
