//! State written by vna rather than by users: tunnels and the "active" tables that say what is
//! live where.

use crate::check;
use crate::error::ModelError;
use crate::modes::{ActivePortMode, TunnelMode};
use crate::record::{Id, Rules, record};

record! {
    /// `tunnels`: the path from one datapath's host interface to another's. The OVS GRE port
    /// is named after the uuid (`t-<suffix>`). Unique on all four ids among live rows.
    pub struct Tunnel in Tunnels with uuid Tunnel {
        pub mode: TunnelMode,
        pub src_datapath_id: Id,
        pub dst_datapath_id: Id,
        pub src_interface_id: Id,
        pub dst_interface_id: Id,
    }
}

impl Rules for Tunnel {
    fn check_rules(&self) -> Result<(), ModelError> {
        if self.src_datapath_id == self.dst_datapath_id {
            return Err(ModelError::InvalidId {
                field: "dst_datapath_id".into(),
                id: self.dst_datapath_id,
                reason: "a tunnel joins two different datapaths".into(),
            });
        }
        Ok(())
    }
}

record! {
    /// `active_interfaces`: interface `interface_id` is live on datapath `datapath_id`.
    ///
    /// Either singular (live on one datapath, no label) or labelled (may be live on several
    /// datapaths at once). Unique `(interface_id, datapath_id)`, `(interface_id, label)` and
    /// `(interface_id, singular)` among live rows.
    pub struct ActiveInterface in ActiveInterfaces {
        pub interface_id: Id,
        pub datapath_id: Id,
        pub label: Option<String>,
        /// Stored as `true` or NULL, like `interface_ports.singular`.
        pub singular: bool as true_or_null,
        pub port_name: Option<String>,
        /// The OpenFlow port number (a string column in the original).
        pub port_number: Option<u32>,
        pub enable_routing: bool,
    }
}

impl Rules for ActiveInterface {
    fn check_rules(&self) -> Result<(), ModelError> {
        match (&self.label, self.singular) {
            (Some(label), true) => Err(ModelError::invalid(
                "label",
                label,
                "a singular active interface has no label",
            )),
            (None, false) => Err(ModelError::missing("label")),
            (Some(label), false) => check::non_empty("label", label),
            (None, true) => Ok(()),
        }?;
        check::non_empty_if_set("port_name", self.port_name.as_deref())
    }
}

record! {
    /// `active_networks`: network `network_id` is in use on datapath `datapath_id`.
    pub struct ActiveNetwork in ActiveNetworks {
        pub network_id: Id,
        pub datapath_id: Id,
    }
}

impl Rules for ActiveNetwork {}

record! {
    /// `active_segments`: segment `segment_id` is in use on datapath `datapath_id`.
    pub struct ActiveSegment in ActiveSegments {
        pub segment_id: Id,
        pub datapath_id: Id,
    }
}

impl Rules for ActiveSegment {}

record! {
    /// `active_route_links`: route link `route_link_id` is in use on datapath `datapath_id`.
    pub struct ActiveRouteLink in ActiveRouteLinks {
        pub route_link_id: Id,
        pub datapath_id: Id,
    }
}

impl Rules for ActiveRouteLink {}

record! {
    /// `active_ports`: an OVS port vna found on datapath `datapath_id`. Unique
    /// `(datapath_id, port_name)` and `(datapath_id, port_number)` among live rows.
    pub struct ActivePort in ActivePorts {
        pub datapath_id: Id,
        pub port_name: String,
        /// 1..=0xffffffff (the reserved numbers such as LOCAL included).
        pub port_number: u32,
        pub mode: ActivePortMode,
    }
}

impl Rules for ActivePort {
    fn check_rules(&self) -> Result<(), ModelError> {
        check::non_empty("port_name", &self.port_name)?;
        if self.port_number == 0 {
            return Err(ModelError::invalid(
                "port_number",
                0,
                "OpenFlow port numbers start at 1",
            ));
        }
        Ok(())
    }
}
