//! Security groups: ingress whitelists shared by the interfaces that belong to the group.
//!
//! The original had them from v0.7 to v0.9 (migration 0016 dropped the tables); vnet brings
//! them back. The rules stay text, as in the original's `rules` column, so users keep their
//! comments and layout; [`crate::sg_rules`] turns them into typed rules.

use std::collections::BTreeSet;

use crate::check;
use crate::error::ModelError;
use crate::record::{Id, Rules, record};
use crate::sg_rules::{self, SgRule, SgSource};
use crate::uuid::Uuid;

record! {
    /// `security_groups`.
    pub struct SecurityGroup in SecurityGroups with uuid SecurityGroup {
        pub display_name: String,
        pub description: Option<String>,
        /// The rules text (see [`crate::sg_rules`]); the original's column default is `""`.
        pub rules: String,
    }
}

impl SecurityGroup {
    /// The rules, typed; the error (code 110, field `rules`) lists every bad rule by line.
    pub fn parsed_rules(&self) -> Result<Vec<SgRule>, ModelError> {
        sg_rules::parse_rules(&self.rules).map_err(|e| e.for_field("rules", &self.rules))
    }

    /// The groups the valid rules refer to, each once, in order. The store checks that they
    /// exist (the original refused unknown ones with "Unknown security group uuid in rule").
    pub fn referenced_groups(&self) -> Vec<Uuid> {
        let (rules, _errors) = sg_rules::parse_rules_lossy(&self.rules);
        let groups: BTreeSet<Uuid> = rules
            .iter()
            .filter_map(|r| match r.source {
                SgSource::Group(g) => Some(g),
                SgSource::Cidr(_) => None,
            })
            .collect();
        groups.into_iter().collect()
    }
}

impl Rules for SecurityGroup {
    fn check_rules(&self) -> Result<(), ModelError> {
        check::non_empty("display_name", &self.display_name)?;
        self.parsed_rules().map(drop)
    }
}

record! {
    /// `security_group_interfaces`: interface `interface_id` belongs to the group. Unique
    /// `(interface_id, security_group_id)` among live rows.
    pub struct SecurityGroupInterface in SecurityGroupInterfaces {
        pub security_group_id: Id,
        pub interface_id: Id,
    }
}

impl Rules for SecurityGroupInterface {}
