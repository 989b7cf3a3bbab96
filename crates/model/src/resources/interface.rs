//! Interfaces, the OVS ports they are bound to, and their static associations.

use crate::check;
use crate::error::ModelError;
use crate::modes::InterfaceMode;
use crate::record::{Id, Rules, record};

record! {
    /// `interfaces`: a VM NIC, a host uplink, a simulated service interface, ….
    pub struct Interface in Interfaces with uuid Interface {
        pub mode: InterfaceMode,
        pub display_name: Option<String>,
        /// Acts as a router interface (egress route flows, ARP for the gateway address).
        pub enable_routing: bool,
        /// Applies the interface's static-address translations.
        pub enable_route_translation: bool,
        /// Sends traffic through the interface's filters.
        pub enable_filtering: bool,
        pub enable_legacy_filtering: bool,
    }
}

impl Rules for Interface {}

record! {
    /// `interface_ports`: binds an interface to an OVS port name and optionally to one
    /// datapath. Unique `(interface_id, datapath_id)` and `(port_name, datapath_id, singular)`
    /// among live rows.
    pub struct InterfacePort in InterfacePorts {
        pub interface_id: Id,
        /// `None`: the port may appear on any datapath.
        pub datapath_id: Option<Id>,
        pub port_name: Option<String>,
        /// The original's column holds `true` or NULL (never false) so that its unique index
        /// ignores non-singular rows; the store writes NULL for `false`. Not singular with no
        /// datapath means the interface is present on every datapath (simulated interfaces).
        pub singular: bool as true_or_null,
        pub interface_mode: InterfaceMode,
    }
}

impl Rules for InterfacePort {
    fn check_rules(&self) -> Result<(), ModelError> {
        check::non_empty_if_set("port_name", self.port_name.as_deref())
    }
}

record! {
    /// `interface_networks`: the interface is on the network. With `static` the association
    /// stays even without an IP lease (promiscuous interfaces).
    pub struct InterfaceNetwork in InterfaceNetworks {
        pub interface_id: Id,
        pub network_id: Id,
        pub r#static: bool,
    }
}

impl Rules for InterfaceNetwork {}

record! {
    /// `interface_segments`: the interface is on the segment; `static` as for networks.
    pub struct InterfaceSegment in InterfaceSegments {
        pub interface_id: Id,
        pub segment_id: Id,
        pub r#static: bool,
    }
}

impl Rules for InterfaceSegment {}

record! {
    /// `interface_route_links`: the (router) interface is on the route link; `static` as for
    /// networks.
    pub struct InterfaceRouteLink in InterfaceRouteLinks {
        pub interface_id: Id,
        pub route_link_id: Id,
        pub r#static: bool,
    }
}

impl Rules for InterfaceRouteLink {}
