//! Network services (DHCP, DNS, router) answered by the controller, and DNS data.

use std::net::Ipv4Addr;

use crate::check;
use crate::error::ModelError;
use crate::modes::NetworkServiceMode;
use crate::record::{Id, Rules, record};

record! {
    /// `network_services`: a service answered on behalf of (usually simulated) interface
    /// `interface_id`.
    pub struct NetworkService in NetworkServices with uuid NetworkService {
        pub display_name: Option<String>,
        pub mode: NetworkServiceMode,
        pub interface_id: Option<Id>,
        pub incoming_port: Option<u16>,
        pub outgoing_port: Option<u16>,
    }
}

impl Rules for NetworkService {
    fn check_rules(&self) -> Result<(), ModelError> {
        for (field, port) in [
            ("incoming_port", self.incoming_port),
            ("outgoing_port", self.outgoing_port),
        ] {
            if port == Some(0) {
                return Err(ModelError::invalid(field, 0, "accepted range: 1-65535"));
            }
        }
        Ok(())
    }
}

record! {
    /// `dns_services`: DNS on network service `network_service_id` (which must have mode
    /// `dns`), forwarding what it cannot answer to `public_dns`.
    pub struct DnsService in DnsServices with uuid DnsService {
        pub network_service_id: Id,
        /// Comma-separated IPv4 addresses of upstream resolvers, as the original stored them.
        pub public_dns: Option<String>,
    }
}

impl DnsService {
    /// The upstream resolvers listed in `public_dns`, in order; none when unset or blank.
    pub fn public_dns_addresses(&self) -> Result<Vec<Ipv4Addr>, ModelError> {
        let Some(list) = self.public_dns.as_deref().filter(|l| !l.trim().is_empty()) else {
            return Ok(Vec::new());
        };
        list.split(',')
            .map(|entry| {
                let entry = entry.trim();
                entry.parse::<Ipv4Addr>().map_err(|_| {
                    ModelError::invalid(
                        "public_dns",
                        list,
                        format!(
                            "\"{entry}\" is not an IPv4 address; expected a comma-separated list such as 192.0.2.53,198.51.100.53"
                        ),
                    )
                })
            })
            .collect()
    }

    /// Checks that `service`, the row `network_service_id` names, is a DNS service.
    pub fn check_network_service(&self, service: &NetworkService) -> Result<(), ModelError> {
        if service.mode == NetworkServiceMode::Dns {
            return Ok(());
        }
        Err(ModelError::invalid(
            "network_service_uuid",
            service.uuid,
            format!(
                "the network service has mode {}; a DNS service needs mode dns",
                service.mode
            ),
        ))
    }
}

impl Rules for DnsService {
    fn check_rules(&self) -> Result<(), ModelError> {
        self.public_dns_addresses().map(drop)
    }
}

/// The largest TTL a DNS record may carry (RFC 2181: a 31-bit value).
pub const MAX_DNS_TTL: u32 = i32::MAX.unsigned_abs();

record! {
    /// `dns_records`: an A record answered by the DNS service.
    pub struct DnsRecord in DnsRecords with uuid DnsRecord {
        pub dns_service_id: Id,
        pub name: String,
        pub ipv4_address: Ipv4Addr,
        /// Seconds; `None` uses the service's default.
        pub ttl: Option<u32>,
    }
}

impl Rules for DnsRecord {
    fn check_rules(&self) -> Result<(), ModelError> {
        check::check_dns_name("name", &self.name)?;
        if let Some(ttl) = self.ttl.filter(|t| *t > MAX_DNS_TTL) {
            return Err(ModelError::invalid(
                "ttl",
                ttl,
                format!("accepted range: 0-{MAX_DNS_TTL}"),
            ));
        }
        Ok(())
    }
}
