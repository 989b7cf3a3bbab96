//! The table map (reference §5.2, the original's HEAD numbering), so `ovs-ofctl dump-flows`
//! reads like the original's.

macro_rules! tables {
    ($( $(#[$doc:meta])* $name:ident = $num:literal, )+) => {
        $( $(#[$doc])* pub const $name: u8 = $num; )+

        /// Every table's number and constant name, in order.
        pub const ALL: &[(u8, &str)] = &[ $( ($num, stringify!($name)), )+ ];
    };
}

tables! {
    /// Classifies by in_port.
    CLASSIFIER = 0,
    /// in_port is a GRE port.
    TUNNEL_PORTS = 3,
    /// tun_id → network, segment or route link.
    TUNNEL_IDS = 4,
    /// Packets re-injected by the controller.
    CONTROLLER_PORT = 5,
    /// Packets from the bridge LOCAL port.
    LOCAL_PORT = 6,
    /// Packets from a promiscuous port.
    PROMISCUOUS_PORT = 7,
    /// Traffic arriving on host (uplink) interfaces.
    INTERFACE_INGRESS_CLASSIFIER = 10,
    INTERFACE_INGRESS_MAC = 11,
    INTERFACE_INGRESS_SEG_IF = 12,
    INTERFACE_INGRESS_SEG_DPSEG = 13,
    INTERFACE_INGRESS_NW_IF = 14,
    INTERFACE_INGRESS_NW_DPNW = 15,
    INTERFACE_INGRESS_ROUTE_LINK = 16,
    /// Traffic leaving a managed interface (VM → network).
    INTERFACE_EGRESS_CLASSIFIER = 17,
    INTERFACE_EGRESS_STATEFUL = 18,
    INTERFACE_EGRESS_FILTER = 19,
    INTERFACE_EGRESS_VALIDATE = 20,
    INTERFACE_EGRESS_ROUTES = 21,
    INTERFACE_EGRESS_MAC = 22,
    SEGMENT_SRC_CLASSIFIER = 25,
    NETWORK_CONNECTION = 26,
    NETWORK_SRC_CLASSIFIER = 27,
    ROUTE_INGRESS_INTERFACE = 30,
    ROUTE_INGRESS_TRANSLATION = 31,
    ROUTER_INGRESS_LOOKUP = 32,
    ROUTER_CLASSIFIER = 33,
    ROUTER_EGRESS_LOOKUP = 34,
    ROUTE_EGRESS_LOOKUP = 35,
    ROUTE_EGRESS_TRANSLATION = 36,
    ROUTE_EGRESS_INTERFACE = 37,
    ARP_TABLE = 40,
    ARP_LOOKUP = 41,
    NETWORK_DST_CLASSIFIER = 42,
    NETWORK_DST_MAC_LOOKUP = 43,
    SEGMENT_DST_CLASSIFIER = 44,
    SEGMENT_DST_MAC_LOOKUP = 45,
    INTERFACE_INGRESS_FILTER = 46,
    INTERFACE_INGRESS_FILTER_LOOKUP = 47,
    FLOOD_SIMULATED = 50,
    FLOOD_LOCAL = 51,
    FLOOD_TUNNELS = 52,
    FLOOD_SEGMENT = 53,
    LOOKUP_IF_NW_TO_DP_NW = 70,
    LOOKUP_IF_RL_TO_DP_RL = 72,
    LOOKUP_DP_NW_TO_DP_NETWORK = 73,
    LOOKUP_DP_SEG_TO_DP_SEGMENT = 74,
    LOOKUP_DP_RL_TO_DP_ROUTE_LINK = 75,
    LOOKUP_NETWORK_TO_HOST_IF_EGRESS = 76,
    LOOKUP_SEGMENT_TO_HOST_IF_EGRESS = 77,
    OUTPUT_DP_NETWORK_DST_IF = 80,
    OUTPUT_DP_NETWORK_SRC_IF = 81,
    OUTPUT_DP_SEGMENT_DST_IF = 82,
    OUTPUT_DP_SEGMENT_SRC_IF = 83,
    OUTPUT_DP_ROUTE_LINK_DST_IF = 84,
    OUTPUT_DP_ROUTE_LINK_SRC_IF = 85,
    OUTPUT_DP_OVER_MAC2MAC = 86,
    OUTPUT_DP_OVER_TUNNEL = 87,
    OUTPUT_DP_TO_CONTROLLER = 88,
    OUT_PORT_INTERFACE_INGRESS = 90,
    OUT_PORT_INTERFACE_EGRESS = 91,
    OUT_PORT_TUNNEL = 92,
}

/// The constant name of table `n`, or `None` for a table the pipeline does not use.
pub fn name(n: u8) -> Option<&'static str> {
    ALL.iter().find(|(num, _)| *num == n).map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_order() {
        assert_eq!(name(0), Some("CLASSIFIER"));
        assert_eq!(name(43), Some("NETWORK_DST_MAC_LOOKUP"));
        assert_eq!(name(92), Some("OUT_PORT_TUNNEL"));
        assert_eq!(name(1), None);
        assert!(ALL.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)));
    }
}
