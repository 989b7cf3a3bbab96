//! Datapaths (one OVS bridge each, owned by the vna whose `node_id` it names) and the
//! per-datapath rows that put a network, segment or route link on a datapath.

use crate::check;
use crate::dpid::Dpid;
use crate::error::ModelError;
use crate::record::{Id, Rules, record};

record! {
    /// `datapaths`: an OVS bridge. Unique `(dpid, node_id)` among live rows.
    pub struct Datapath in Datapaths with uuid Datapath {
        pub display_name: String,
        pub dpid: Dpid,
        /// The vna that controls the bridge; equals that vna's configured node id.
        pub node_id: String,
        /// Whether learning uses OVS `learn()` flows (`false` for hardware switches).
        pub enable_ovs_learn_action: bool,
    }
}

impl Rules for Datapath {
    fn check_rules(&self) -> Result<(), ModelError> {
        check::non_empty("display_name", &self.display_name)?;
        check::non_empty("node_id", &self.node_id)
    }
}

record! {
    /// `datapath_networks`: network `network_id` is present on datapath `datapath_id`.
    /// Unique `(datapath_id, network_id)` among live rows.
    pub struct DatapathNetwork in DatapathNetworks {
        pub datapath_id: Id,
        pub network_id: Id,
        /// The datapath's host (uplink) interface for this network.
        pub interface_id: Option<Id>,
        /// The per-datapath "broadcast" MAC of this network, the carrier of MAC2MAC.
        pub mac_address_id: Id,
        /// The host interface's lease used as the tunnel endpoint.
        pub ip_lease_id: Option<Id>,
        /// Set when a topology created the row.
        pub topology_id: Option<Id>,
        pub topology_layer_id: Option<Id>,
        pub topology_mac_range_group_id: Option<Id>,
    }
}

impl Rules for DatapathNetwork {}

record! {
    /// `datapath_segments`: segment `segment_id` is present on datapath `datapath_id`.
    pub struct DatapathSegment in DatapathSegments {
        pub datapath_id: Id,
        pub segment_id: Id,
        pub interface_id: Option<Id>,
        pub mac_address_id: Id,
        pub ip_lease_id: Option<Id>,
        pub topology_id: Option<Id>,
        pub topology_layer_id: Option<Id>,
        pub topology_mac_range_group_id: Option<Id>,
    }
}

impl Rules for DatapathSegment {}

record! {
    /// `datapath_route_links`: route link `route_link_id` reaches datapath `datapath_id`; the
    /// MAC identifies the datapath on the route link.
    pub struct DatapathRouteLink in DatapathRouteLinks {
        pub datapath_id: Id,
        pub route_link_id: Id,
        pub interface_id: Option<Id>,
        pub mac_address_id: Id,
        pub ip_lease_id: Option<Id>,
        pub topology_id: Option<Id>,
        pub topology_layer_id: Option<Id>,
        pub topology_mac_range_group_id: Option<Id>,
    }
}

impl Rules for DatapathRouteLink {}
