//! Filters (per-interface static rules) and translations (one-to-one static NAT).

use std::net::Ipv4Addr;

use crate::error::ModelError;
use crate::ipv4::{Ipv4Prefix, MAX_PREFIX_LEN};
use crate::modes::{FilterAction, FilterMode, FilterProtocol, TranslationMode};
use crate::record::{Id, Rules, record};

record! {
    /// `filters`: a set of static rules on interface `interface_id`, with the default for
    /// traffic no rule matches in each direction.
    pub struct Filter in Filters with uuid Filter {
        pub mode: FilterMode,
        pub interface_id: Option<Id>,
        /// Unmatched ingress traffic passes (else it is dropped).
        pub ingress_passthrough: bool,
        /// Unmatched egress traffic passes (else it is dropped).
        pub egress_passthrough: bool,
    }
}

impl Rules for Filter {}

record! {
    /// `filter_statics`: one rule. `src_*` is the remote peer, `dst_*` the local side; an
    /// all-zero address (with prefix 0) means any address, port 0 any port. Unique on all the
    /// match columns among live rows.
    pub struct FilterStatic in FilterStatics {
        pub filter_id: Id,
        pub src_address: Ipv4Addr,
        pub dst_address: Ipv4Addr,
        pub src_prefix: u8,
        pub dst_prefix: u8,
        /// Set (0 = any) for tcp and udp, `None` for the other protocols.
        pub port_src: Option<u16>,
        /// Set (0 = any) for tcp and udp, `None` for the other protocols.
        pub port_dst: Option<u16>,
        pub protocol: FilterProtocol,
        pub action: FilterAction,
    }
}

impl FilterStatic {
    /// The remote side's network, checked.
    pub fn src(&self) -> Result<Ipv4Prefix, ModelError> {
        rule_network(
            "src_address",
            self.src_address,
            "src_prefix",
            self.src_prefix,
        )
    }

    /// The local side's network, checked.
    pub fn dst(&self) -> Result<Ipv4Prefix, ModelError> {
        rule_network(
            "dst_address",
            self.dst_address,
            "dst_prefix",
            self.dst_prefix,
        )
    }
}

/// A rule's address and prefix: the original's rules (any address is 0.0.0.0 with prefix 0),
/// plus no host bits, so the flow's masked match says what the rule says.
fn rule_network(
    addr_field: &'static str,
    addr: Ipv4Addr,
    len_field: &'static str,
    len: u8,
) -> Result<Ipv4Prefix, ModelError> {
    if len > MAX_PREFIX_LEN {
        return Err(ModelError::invalid(
            len_field,
            len,
            format!("accepted range: 0-{MAX_PREFIX_LEN}"),
        ));
    }
    if addr.is_unspecified() && len != 0 {
        return Err(ModelError::invalid(
            len_field,
            len,
            format!("must be 0 with {addr_field} 0.0.0.0 (any address)"),
        ));
    }
    Ipv4Prefix::new(addr, len).map_err(|e| {
        ModelError::invalid(
            addr_field,
            addr,
            format!("with {len_field} {len}: {}", e.reason()),
        )
    })
}

impl Rules for FilterStatic {
    fn check_rules(&self) -> Result<(), ModelError> {
        self.src()?;
        self.dst()?;
        for (field, port) in [("port_src", self.port_src), ("port_dst", self.port_dst)] {
            match (self.protocol.has_ports(), port) {
                (true, None) => {
                    return Err(ModelError::invalid(
                        field,
                        "none",
                        format!("{} rules need a port (0 for any)", self.protocol),
                    ));
                }
                (false, Some(p)) => {
                    return Err(ModelError::invalid(
                        field,
                        p,
                        format!("{} rules have no ports", self.protocol),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

record! {
    /// `translations`: static NAT applied on interface `interface_id` (which needs
    /// `enable_route_translation`).
    pub struct Translation in Translations with uuid Translation {
        pub mode: TranslationMode,
        pub interface_id: Option<Id>,
        /// Untranslated traffic passes through (else only translated traffic does).
        pub passthrough: bool,
    }
}

impl Rules for Translation {}

record! {
    /// `translation_static_addresses`: ingress address (and port) ⇄ egress address (and port),
    /// optionally over route link `route_link_id`. The ports go together: both or neither.
    pub struct TranslationStaticAddress in TranslationStaticAddresses {
        pub translation_id: Id,
        pub route_link_id: Option<Id>,
        pub ingress_ipv4_address: Ipv4Addr,
        pub egress_ipv4_address: Ipv4Addr,
        pub ingress_port_number: Option<u16>,
        pub egress_port_number: Option<u16>,
    }
}

impl Rules for TranslationStaticAddress {
    fn check_rules(&self) -> Result<(), ModelError> {
        let ports = [
            ("ingress_port_number", self.ingress_port_number),
            ("egress_port_number", self.egress_port_number),
        ];
        for (field, port) in ports {
            if port == Some(0) {
                return Err(ModelError::invalid(field, 0, "accepted range: 1-65535"));
            }
        }
        // The original silently ignored an address with only one port; refuse it instead.
        match (self.ingress_port_number, self.egress_port_number) {
            (Some(p), None) => Err(ModelError::invalid(
                "ingress_port_number",
                p,
                "egress_port_number must be given too: a port translates to a port",
            )),
            (None, Some(p)) => Err(ModelError::invalid(
                "egress_port_number",
                p,
                "ingress_port_number must be given too: a port translates to a port",
            )),
            _ => Ok(()),
        }
    }
}
