//! The enumerated columns (`mode`, `protocol`, `allocation_type`, …) and their allowed values.
//!
//! Each enum's text is exactly the original's value (its `constants/*.rb`), used by serde, by
//! `Display` and by `FromStr`, whose error lists the accepted values. Values the original
//! once had and removed are refused with a hint at what replaced them.

use std::borrow::Cow;

/// Defines an enum of string values: `ALL`, `as_str`, `Display`, `FromStr`, serde.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident as $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
        $( retired { $( $old:literal => $hint:literal, )+ } )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The text of every value, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The value as stored and sent.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::ParseError;

            fn from_str(s: &str) -> Result<Self, $crate::error::ParseError> {
                match s {
                    $( $text => Ok(Self::$variant), )+
                    $($( $old => Err($crate::error::ParseError::new($what, s, $hint)), )+)?
                    _ => Err($crate::error::ParseError::new(
                        $what,
                        s,
                        $crate::modes::accepted_values(Self::ALL.iter().map(|v| v.as_str())),
                    )),
                }
            }
        }

        $crate::serde_str::serde_as_str!($name, concat!($what, " (a string)"));
    };
}

pub(crate) use string_enum;

/// `accepted values: a, b, c`, the reason of every enum parse error.
pub(crate) fn accepted_values<'a>(values: impl Iterator<Item = &'a str>) -> Cow<'static, str> {
    let list: Vec<&str> = values.collect();
    Cow::Owned(format!("accepted values: {}", list.join(", ")))
}

string_enum! {
    /// `networks.mode` (the original's `network_mode` before migration 0015).
    pub enum NetworkMode as "network mode" {
        /// An overlay network carried between hosts by MAC2MAC or GRE.
        Virtual = "virtual",
        /// A network on the physical L2 segment; unknown unicast leaves through the uplink.
        Physical = "physical",
        /// Like physical, but flooding stays on the host.
        Internal = "internal",
    }
}

string_enum! {
    /// `segments.mode`.
    pub enum SegmentMode as "segment mode" {
        Virtual = "virtual",
        Physical = "physical",
    }
}

string_enum! {
    /// `interfaces.mode` and `interface_ports.interface_mode`.
    pub enum InterfaceMode as "interface mode" {
        /// A VM's NIC.
        Vif = "vif",
        /// The hypervisor's uplink carrying the underlay IP and MAC; MAC2MAC and GRE endpoint.
        Host = "host",
        /// No port: the controller answers for it (DHCP, DNS and router interfaces).
        Simulated = "simulated",
        /// Traffic on the bridge's LOCAL port.
        Internal = "internal",
        /// A host-like interface on an OVS patch port.
        Patch = "patch",
        /// An L2 bridge to an external physical segment (replaced VNet Edge).
        Promiscuous = "promiscuous",
        /// A constant the original defined without behaviour behind it.
        Remote = "remote",
    }
    retired {
        "edge" => "mode edge (VNet Edge) was removed from OpenVNet; use promiscuous with static interface_networks or interface_segments",
    }
}

string_enum! {
    /// `network_services.mode` (the original's `type` before migration 0007).
    pub enum NetworkServiceMode as "network service mode" {
        Dhcp = "dhcp",
        Dns = "dns",
        Router = "router",
    }
}

string_enum! {
    /// `filters.mode`.
    pub enum FilterMode as "filter mode" {
        Static = "static",
    }
}

string_enum! {
    /// `filter_statics.protocol`.
    pub enum FilterProtocol as "filter protocol" {
        Tcp = "tcp",
        Udp = "udp",
        Icmp = "icmp",
        Arp = "arp",
        Ip = "ip",
    }
}

impl FilterProtocol {
    /// Whether rules of this protocol carry ports (tcp and udp).
    pub fn has_ports(self) -> bool {
        matches!(self, Self::Tcp | Self::Udp)
    }
}

string_enum! {
    /// `filter_statics.action`.
    pub enum FilterAction as "filter action" {
        /// Let matching packets through.
        Pass = "pass",
        /// Drop matching packets.
        Drop = "drop",
        /// Stateful: egress opens a connection entry whose return traffic passes.
        Conn = "conn",
    }
}

string_enum! {
    /// `translations.mode`.
    pub enum TranslationMode as "translation mode" {
        /// One-to-one static NAT.
        StaticAddress = "static_address",
    }
    retired {
        "vnet_edge" => "mode vnet_edge (VNet Edge) was removed from OpenVNet; use promiscuous interfaces",
    }
}

string_enum! {
    /// `topologies.mode`.
    pub enum TopologyMode as "topology mode" {
        SimpleOverlay = "simple_overlay",
        SimpleUnderlay = "simple_underlay",
    }
}

string_enum! {
    /// `lease_policies.mode`.
    pub enum LeasePolicyMode as "lease policy mode" {
        Simple = "simple",
    }
}

impl Default for LeasePolicyMode {
    /// The column default.
    fn default() -> Self {
        Self::Simple
    }
}

string_enum! {
    /// `lease_policies.timing`: when the policy allocates.
    pub enum LeasePolicyTiming as "lease policy timing" {
        /// When an interface is added to the policy.
        Immediate = "immediate",
        /// When the interface asks by DHCP.
        Dhcp = "dhcp",
    }
}

impl Default for LeasePolicyTiming {
    /// The column default.
    fn default() -> Self {
        Self::Immediate
    }
}

string_enum! {
    /// `ip_range_groups.allocation_type` and `mac_range_groups.allocation_type`.
    pub enum AllocationType as "allocation type" {
        /// Upwards from the last address handed out.
        Incremental = "incremental",
        /// Downwards from the last address handed out.
        Decremental = "decremental",
        /// Anywhere in the ranges (the original never implemented it for IP ranges).
        Random = "random",
    }
}

impl AllocationType {
    /// The default of `ip_range_groups.allocation_type`.
    pub const IP_RANGE_GROUP_DEFAULT: Self = Self::Incremental;
    /// The default of `mac_range_groups.allocation_type`.
    pub const MAC_RANGE_GROUP_DEFAULT: Self = Self::Random;
}

string_enum! {
    /// `tunnels.mode`.
    pub enum TunnelMode as "tunnel mode" {
        Gre = "gre",
        Mac2Mac = "mac2mac",
        Unknown = "unknown",
    }
}

string_enum! {
    /// `active_ports.mode`: what vna found behind an OVS port.
    pub enum ActivePortMode as "active port mode" {
        Interface = "interface",
        Local = "local",
        Tunnel = "tunnel",
        Unknown = "unknown",
    }
}

string_enum! {
    /// `routes.mode`.
    pub enum RouteMode as "route mode" {
        Gateway = "gateway",
    }
}

impl Default for RouteMode {
    /// The column default.
    fn default() -> Self {
        Self::Gateway
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;
    use std::str::FromStr;

    use super::*;
    use crate::error::ParseError;

    #[test]
    fn values_are_the_originals() {
        let texts = |all: &[&str]| all.join(",");
        assert_eq!(
            texts(
                &NetworkMode::ALL
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
            ),
            "virtual,physical,internal"
        );
        assert_eq!(
            texts(
                &InterfaceMode::ALL
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
            ),
            "vif,host,simulated,internal,patch,promiscuous,remote"
        );
        assert_eq!(
            texts(
                &FilterProtocol::ALL
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
            ),
            "tcp,udp,icmp,arp,ip"
        );
        assert_eq!(
            texts(
                &TopologyMode::ALL
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
            ),
            "simple_overlay,simple_underlay"
        );
        assert_eq!(TunnelMode::Mac2Mac.to_string(), "mac2mac");
        assert_eq!(TranslationMode::StaticAddress.to_string(), "static_address");
        assert_eq!(LeasePolicyTiming::default(), LeasePolicyTiming::Immediate);
        assert_eq!(
            AllocationType::MAC_RANGE_GROUP_DEFAULT,
            AllocationType::Random
        );
        assert_eq!(
            AllocationType::IP_RANGE_GROUP_DEFAULT,
            AllocationType::Incremental
        );
    }

    #[test]
    fn every_value_round_trips() {
        fn check<T>(all: &[T])
        where
            T: Copy + fmt::Display + FromStr<Err = ParseError> + PartialEq + fmt::Debug,
        {
            for v in all {
                assert_eq!(v.to_string().parse::<T>().unwrap(), *v);
            }
        }
        check(NetworkMode::ALL);
        check(SegmentMode::ALL);
        check(InterfaceMode::ALL);
        check(NetworkServiceMode::ALL);
        check(FilterMode::ALL);
        check(FilterProtocol::ALL);
        check(FilterAction::ALL);
        check(TranslationMode::ALL);
        check(TopologyMode::ALL);
        check(LeasePolicyMode::ALL);
        check(LeasePolicyTiming::ALL);
        check(AllocationType::ALL);
        check(TunnelMode::ALL);
        check(ActivePortMode::ALL);
        check(RouteMode::ALL);
    }

    #[test]
    fn unknown_values_list_the_accepted_ones() {
        let e = "overlay".parse::<NetworkMode>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid network mode \"overlay\": accepted values: virtual, physical, internal"
        );
        assert_eq!(
            e.for_field("mode").to_string(),
            "mode: invalid value \"overlay\": not a valid network mode: accepted values: virtual, physical, internal"
        );
        let e = "Virtual".parse::<NetworkMode>().unwrap_err();
        assert_eq!(e.value(), "Virtual");
        let e = "".parse::<FilterAction>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid filter action \"\": accepted values: pass, drop, conn"
        );
    }

    #[test]
    fn retired_values_point_at_their_replacement() {
        let e = "edge".parse::<InterfaceMode>().unwrap_err();
        assert_eq!(
            e.reason(),
            "mode edge (VNet Edge) was removed from OpenVNet; use promiscuous with static interface_networks or interface_segments"
        );
        let e = "vnet_edge".parse::<TranslationMode>().unwrap_err();
        assert!(e.reason().contains("was removed"), "{e}");
    }

    #[test]
    fn serde_uses_the_text() {
        assert_eq!(
            serde_json::to_string(&TopologyMode::SimpleUnderlay).unwrap(),
            "\"simple_underlay\""
        );
        assert_eq!(
            serde_json::from_str::<InterfaceMode>("\"promiscuous\"").unwrap(),
            InterfaceMode::Promiscuous
        );
        let e = serde_json::from_str::<InterfaceMode>("\"bridge\"").unwrap_err();
        assert!(
            e.to_string().starts_with(
                "invalid interface mode \"bridge\": accepted values: vif, host, simulated, internal, patch, promiscuous, remote"
            ),
            "{e}"
        );
    }
}
