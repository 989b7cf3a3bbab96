//! Topologies: vnmgr turns their members into `datapath_*` rows (reference §5.14).
//!
//! A `simple_underlay` topology holds datapaths (with their host interface and IP lease),
//! MAC range groups, networks and segments; every datapath × network (or segment) gets a
//! `datapath_networks` (`datapath_segments`) row. A `simple_overlay` topology holds networks,
//! segments and route links and is linked to underlays, whose datapaths, host interfaces and
//! MAC range groups it uses.

use std::fmt;

use crate::error::{Field, ModelError};
use crate::modes::TopologyMode;
use crate::record::{Id, Rules, record};

/// What can be added to a topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopologyMember {
    Datapaths,
    Networks,
    Segments,
    RouteLinks,
    MacRangeGroups,
    /// Underlay topologies linked below this one.
    Underlays,
    /// Overlay topologies linked above this one.
    Overlays,
}

impl TopologyMember {
    pub const ALL: &'static [Self] = &[
        Self::Datapaths,
        Self::Networks,
        Self::Segments,
        Self::RouteLinks,
        Self::MacRangeGroups,
        Self::Underlays,
        Self::Overlays,
    ];

    /// The name used in the API's paths (`/topologies/:uuid/route_links/...`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Datapaths => "datapaths",
            Self::Networks => "networks",
            Self::Segments => "segments",
            Self::RouteLinks => "route_links",
            Self::MacRangeGroups => "mac_range_groups",
            Self::Underlays => "underlays",
            Self::Overlays => "overlays",
        }
    }
}

impl fmt::Display for TopologyMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TopologyMode {
    /// Whether a topology of this mode can hold `member` (the original's `MODES_WITH_*`).
    pub fn accepts(self, member: TopologyMember) -> bool {
        use TopologyMember as M;
        match self {
            Self::SimpleUnderlay => matches!(
                member,
                M::Datapaths | M::Networks | M::Segments | M::MacRangeGroups | M::Overlays
            ),
            Self::SimpleOverlay => matches!(
                member,
                M::Networks | M::Segments | M::RouteLinks | M::Underlays
            ),
        }
    }
}

record! {
    /// `topologies`.
    pub struct Topology in Topologies with uuid Topology {
        pub mode: TopologyMode,
    }
}

impl Topology {
    /// Checks that this topology, given in `field`, can hold `member`; the error says which
    /// modes can. (The original's checks never fired: they tested `include?(...).nil?`.)
    pub fn check_accepts(
        &self,
        field: impl Into<Field>,
        member: TopologyMember,
    ) -> Result<(), ModelError> {
        if self.mode.accepts(member) {
            return Ok(());
        }
        let modes: Vec<&str> = TopologyMode::ALL
            .iter()
            .filter(|m| m.accepts(member))
            .map(|m| m.as_str())
            .collect();
        Err(ModelError::invalid(
            field,
            self.uuid,
            format!(
                "a {} topology has no {member}; only {} topologies do",
                self.mode,
                modes.join(" and ")
            ),
        ))
    }
}

impl Rules for Topology {}

record! {
    /// `topology_datapaths`: a datapath of an underlay, with its host interface and the IP
    /// lease used as its tunnel endpoint.
    pub struct TopologyDatapath in TopologyDatapaths {
        pub topology_id: Id,
        pub datapath_id: Id,
        pub interface_id: Id,
        pub ip_lease_id: Id,
    }
}

impl Rules for TopologyDatapath {}

record! {
    /// `topology_networks`.
    pub struct TopologyNetwork in TopologyNetworks {
        pub topology_id: Id,
        pub network_id: Id,
    }
}

impl Rules for TopologyNetwork {}

record! {
    /// `topology_segments`.
    pub struct TopologySegment in TopologySegments {
        pub topology_id: Id,
        pub segment_id: Id,
    }
}

impl Rules for TopologySegment {}

record! {
    /// `topology_route_links` (overlays only).
    pub struct TopologyRouteLink in TopologyRouteLinks {
        pub topology_id: Id,
        pub route_link_id: Id,
    }
}

impl Rules for TopologyRouteLink {}

record! {
    /// `topology_mac_range_groups` (underlays only): where generated `datapath_*` MACs come from.
    pub struct TopologyMacRangeGroup in TopologyMacRangeGroups {
        pub topology_id: Id,
        pub mac_range_group_id: Id,
    }
}

impl Rules for TopologyMacRangeGroup {}

record! {
    /// `topology_layers`: overlay topology `overlay_id` runs on underlay topology `underlay_id`.
    pub struct TopologyLayer in TopologyLayers {
        pub overlay_id: Id,
        pub underlay_id: Id,
    }
}

impl TopologyLayer {
    /// Checks the two topologies the ids name: an overlay over an underlay.
    pub fn check_layers(overlay: &Topology, underlay: &Topology) -> Result<(), ModelError> {
        overlay.check_accepts("uuid", TopologyMember::Underlays)?;
        underlay.check_accepts("underlay_uuid", TopologyMember::Overlays)
    }
}

impl Rules for TopologyLayer {
    fn check_rules(&self) -> Result<(), ModelError> {
        if self.overlay_id == self.underlay_id {
            return Err(ModelError::InvalidId {
                field: "underlay_id".into(),
                id: self.underlay_id,
                reason: "a topology cannot be its own underlay".into(),
            });
        }
        Ok(())
    }
}
