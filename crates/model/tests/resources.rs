//! Resources as the store and the protocol see them: rows in JSON with the original's column
//! names, validated, and checked against the rows they refer to.

// clippy.toml allows unwrap inside #[test] functions only; the fixture helpers here are test
// code too, and a fixture that does not decode should fail its test loudly.
#![allow(clippy::unwrap_used)]

use model::{
    ActiveInterface, ActivePort, Datapath, DnsRecord, DnsService, FilterStatic, HasUuid,
    InterfaceNetwork, IpAddress, IpRange, IpRetentionContainer, MacAddress, MacRange, ModelError,
    Network, NetworkService, Record, ResourceKind, Route, SecurityGroup, Table, Topology,
    TopologyLayer, TopologyMember, TranslationStaticAddress, Tunnel,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A live row: `fields` plus the standard columns.
fn row<T: DeserializeOwned>(fields: Value) -> T {
    let mut v = json!({ "id": 7, "created_at": 1_700_000_000, "updated_at": 1_700_000_100, "deleted_at": null });
    if let (Some(obj), Some(extra)) = (v.as_object_mut(), fields.as_object()) {
        obj.extend(extra.clone());
    }
    serde_json::from_value(v).unwrap()
}

fn network() -> Network {
    row(json!({
        "uuid": "nw-public", "display_name": "public", "ipv4_network": "10.0.0.0",
        "ipv4_prefix": 24, "mode": "virtual", "domain_name": "public.example", "segment_id": null,
    }))
}

fn invalid_message(err: ModelError) -> String {
    assert_eq!(err.code(), 110, "{err}");
    err.to_string()
}

#[test]
fn a_row_round_trips_through_json_with_the_original_column_names() {
    let dp: Datapath = row(json!({
        "uuid": "dp-node1", "display_name": "node1", "dpid": "0x0000aaaaaaaaaaaa",
        "node_id": "vna1", "enable_ovs_learn_action": true,
    }));
    assert!(dp.validate().is_ok());
    let out = serde_json::to_value(&dp).unwrap();
    assert_eq!(
        out,
        json!({
            "id": 7, "uuid": "dp-node1", "display_name": "node1", "dpid": "0x0000aaaaaaaaaaaa",
            "node_id": "vna1", "enable_ovs_learn_action": true,
            "created_at": 1_700_000_000, "updated_at": 1_700_000_100, "deleted_at": null,
        })
    );
    assert_eq!(serde_json::from_value::<Datapath>(out).unwrap(), dp);
    assert_eq!(Datapath::TABLE, Table::Datapaths);
    assert_eq!(Datapath::KIND, ResourceKind::Datapath);
    assert_eq!(dp.uuid().to_string(), "dp-node1");
}

#[test]
fn is_deleted_follows_deleted_at_like_the_original_column() {
    let mut nw = network();
    assert_eq!(nw.is_deleted(), 0);
    nw.deleted_at = Some(1_700_000_200);
    assert_eq!(nw.is_deleted(), 7);
}

#[test]
fn the_static_column_keeps_its_name() {
    let a: InterfaceNetwork = row(json!({ "interface_id": 1, "network_id": 2, "static": true }));
    assert!(a.r#static);
    let out = serde_json::to_value(&a).unwrap();
    assert_eq!(out.get("static"), Some(&json!(true)));
}

#[test]
fn bad_column_values_are_refused_while_decoding_with_the_accepted_ones() {
    let e = serde_json::from_value::<Network>(json!({
        "id": 1, "uuid": "nw-a", "display_name": "", "ipv4_network": "10.0.0.0", "ipv4_prefix": 24,
        "mode": "overlay", "domain_name": "a", "segment_id": null,
        "created_at": 0, "updated_at": 0, "deleted_at": null,
    }))
    .unwrap_err();
    assert!(
        e.to_string().starts_with(
            "invalid network mode \"overlay\": accepted values: virtual, physical, internal"
        ),
        "{e}"
    );
}

#[test]
fn a_uuid_of_the_wrong_kind_is_a_101() {
    let mut nw = network();
    nw.uuid = "if-public".parse().unwrap();
    let e = nw.validate().unwrap_err();
    assert_eq!(e.code(), 101);
    assert_eq!(
        e.to_string(),
        "uuid: invalid uuid \"if-public\": wrong kind: interface uuid, expected network uuid (nw-…)"
    );
}

#[test]
fn networks_need_a_real_subnet_and_a_domain_name() {
    assert!(network().validate().is_ok());
    assert_eq!(network().subnet().unwrap().to_string(), "10.0.0.0/24");

    let mut nw = network();
    nw.ipv4_prefix = 0;
    assert_eq!(
        invalid_message(nw.validate().unwrap_err()),
        "ipv4_prefix: invalid value \"0\": accepted range: 1-32"
    );
    let mut nw = network();
    nw.ipv4_network = "10.0.0.1".parse().unwrap();
    assert_eq!(
        invalid_message(nw.validate().unwrap_err()),
        "ipv4_network: invalid value \"10.0.0.1\": host bits are set for a /24 network; the network is 10.0.0.0/24"
    );
    let mut nw = network();
    nw.domain_name = "bad domain".into();
    assert_eq!(
        invalid_message(nw.validate().unwrap_err()),
        "domain_name: invalid value \"bad domain\": label \"bad domain\" has a character other than letters, digits, '-' and '_'"
    );
}

#[test]
fn addresses_must_lie_inside_their_networks_subnet() {
    let nw = network();
    assert!(
        nw.check_address("ipv4_address", "10.0.0.254".parse().unwrap())
            .is_ok()
    );
    let e = nw
        .check_address("ipv4_address", "10.0.1.5".parse().unwrap())
        .unwrap_err();
    assert_eq!(
        invalid_message(e),
        "ipv4_address: invalid value \"10.0.1.5\": not inside subnet 10.0.0.0/24 of network nw-public"
    );
    let ip: IpAddress = row(json!({ "network_id": 7, "ipv4_address": "192.168.0.1" }));
    assert_eq!(
        invalid_message(ip.check_in_network(&nw).unwrap_err()),
        "ipv4_address: invalid value \"192.168.0.1\": not inside subnet 10.0.0.0/24 of network nw-public"
    );
}

#[test]
fn routes_may_be_default_routes_but_not_sloppy_networks() {
    let route: Route = row(json!({
        "uuid": "r-default", "mode": "gateway", "interface_id": 3, "route_link_id": 1,
        "network_id": 7, "ipv4_network": "0.0.0.0", "ipv4_prefix": 0, "ingress": true, "egress": true,
    }));
    assert!(route.validate().is_ok());
    let mut bad = route.clone();
    bad.ipv4_network = "10.1.2.0".parse().unwrap();
    bad.ipv4_prefix = 16;
    assert_eq!(
        invalid_message(bad.validate().unwrap_err()),
        "ipv4_network: invalid value \"10.1.2.0\": host bits are set for a /16 network; the network is 10.1.0.0/16"
    );
    bad.ipv4_prefix = 40;
    assert_eq!(
        invalid_message(bad.validate().unwrap_err()),
        "ipv4_prefix: invalid value \"40\": accepted range: 0-32"
    );
}

#[test]
fn mac_addresses_must_be_unicast() {
    let ok: MacAddress =
        row(json!({ "uuid": "mac-a", "mac_address": "52:54:00:00:00:01", "segment_id": null }));
    assert!(ok.validate().is_ok());
    for bad in [
        "ff:ff:ff:ff:ff:ff",
        "01:00:5e:00:00:01",
        "00:00:00:00:00:00",
    ] {
        let m: MacAddress = row(json!({ "uuid": "mac-a", "mac_address": bad, "segment_id": null }));
        assert_eq!(
            invalid_message(m.validate().unwrap_err()),
            format!(
                "mac_address: invalid value \"{bad}\": must be a unicast address (not zero, not multicast or broadcast)"
            )
        );
    }
}

#[test]
fn ranges_run_forwards() {
    let r: IpRange = row(json!({
        "uuid": "ipr-a", "ip_range_group_id": 1,
        "begin_ipv4_address": "10.0.0.100", "end_ipv4_address": "10.0.0.10",
    }));
    assert_eq!(
        invalid_message(r.validate().unwrap_err()),
        "begin_ipv4_address: invalid value \"10.0.0.100\": after end_ipv4_address 10.0.0.10"
    );
    let m: MacRange = row(json!({
        "uuid": "mr-a", "mac_range_group_id": 1,
        "begin_mac_address": "00:99:96:00:00:00", "end_mac_address": "00:99:96:00:00:ff",
    }));
    assert_eq!(m.range().unwrap().len(), 256);
}

#[test]
fn retention_times_are_not_negative_and_the_right_one_is_named() {
    let c: IpRetentionContainer =
        row(json!({ "uuid": "irc-a", "lease_time": -1, "grace_time": 60 }));
    assert_eq!(
        invalid_message(c.validate().unwrap_err()),
        "lease_time: invalid value \"-1\": seconds; must not be negative"
    );
    let c: IpRetentionContainer =
        row(json!({ "uuid": "irc-a", "lease_time": 60, "grace_time": -5 }));
    assert!(
        c.validate()
            .unwrap_err()
            .to_string()
            .starts_with("grace_time:")
    );
    let c: IpRetentionContainer =
        row(json!({ "uuid": "irc-a", "lease_time": null, "grace_time": 0 }));
    assert!(c.validate().is_ok());
}

#[test]
fn dns_services_list_upstreams_and_sit_on_dns_network_services() {
    let dns: DnsService = row(json!({
        "uuid": "dnss-a", "network_service_id": 1, "public_dns": "192.0.2.53, 198.51.100.53",
    }));
    assert_eq!(
        dns.public_dns_addresses().unwrap(),
        [
            "192.0.2.53".parse::<std::net::Ipv4Addr>().unwrap(),
            "198.51.100.53".parse().unwrap()
        ]
    );
    let bad: DnsService = row(
        json!({ "uuid": "dnss-a", "network_service_id": 1, "public_dns": "192.0.2.53,dns.example" }),
    );
    assert_eq!(
        invalid_message(bad.validate().unwrap_err()),
        "public_dns: invalid value \"192.0.2.53,dns.example\": \"dns.example\" is not an IPv4 address; expected a comma-separated list such as 192.0.2.53,198.51.100.53"
    );
    let none: DnsService =
        row(json!({ "uuid": "dnss-a", "network_service_id": 1, "public_dns": null }));
    assert!(none.public_dns_addresses().unwrap().is_empty());

    let router: NetworkService = row(json!({
        "uuid": "ns-gw", "display_name": null, "mode": "router", "interface_id": 2,
        "incoming_port": null, "outgoing_port": null,
    }));
    assert_eq!(
        invalid_message(dns.check_network_service(&router).unwrap_err()),
        "network_service_uuid: invalid value \"ns-gw\": the network service has mode router; a DNS service needs mode dns"
    );
    let mut dns_service = router.clone();
    dns_service.mode = model::NetworkServiceMode::Dns;
    assert!(dns.check_network_service(&dns_service).is_ok());
}

#[test]
fn dns_records_need_a_name_and_a_sane_ttl() {
    let rec: DnsRecord = row(json!({
        "uuid": "dnsr-a", "dns_service_id": 1, "name": "vm1.example", "ipv4_address": "10.0.0.10", "ttl": 300,
    }));
    assert!(rec.validate().is_ok());
    let mut bad = rec.clone();
    bad.name = "vm1..example".into();
    assert_eq!(
        invalid_message(bad.validate().unwrap_err()),
        "name: invalid value \"vm1..example\": has an empty label (a leading dot or two dots in a row)"
    );
    let mut bad = rec;
    bad.ttl = Some(u32::MAX);
    assert_eq!(
        invalid_message(bad.validate().unwrap_err()),
        "ttl: invalid value \"4294967295\": accepted range: 0-2147483647"
    );
}

fn filter_rule(fields: Value) -> FilterStatic {
    let mut base = json!({
        "filter_id": 1, "src_address": "0.0.0.0", "dst_address": "0.0.0.0", "src_prefix": 0,
        "dst_prefix": 0, "port_src": 0, "port_dst": 22, "protocol": "tcp", "action": "pass",
    });
    if let (Some(obj), Some(extra)) = (base.as_object_mut(), fields.as_object()) {
        obj.extend(extra.clone());
    }
    row(base)
}

#[test]
fn filter_rules_follow_the_originals_rules_and_match_what_they_say() {
    assert!(filter_rule(json!({})).validate().is_ok());
    assert!(
        filter_rule(json!({ "src_address": "10.0.0.0", "src_prefix": 8, "action": "conn" }))
            .validate()
            .is_ok()
    );
    assert!(
        filter_rule(json!({ "protocol": "icmp", "port_src": null, "port_dst": null }))
            .validate()
            .is_ok()
    );
    let cases = [
        (
            json!({ "port_dst": null }),
            "port_dst: invalid value \"none\": tcp rules need a port (0 for any)",
        ),
        (
            json!({ "protocol": "arp", "port_src": null }),
            "port_dst: invalid value \"22\": arp rules have no ports",
        ),
        (
            json!({ "src_prefix": 8 }),
            "src_prefix: invalid value \"8\": must be 0 with src_address 0.0.0.0 (any address)",
        ),
        (
            json!({ "dst_address": "10.0.0.1", "dst_prefix": 24 }),
            "dst_address: invalid value \"10.0.0.1\": with dst_prefix 24: host bits are set; the network is 10.0.0.0/24",
        ),
        (
            json!({ "dst_address": "10.0.0.0", "dst_prefix": 33 }),
            "dst_prefix: invalid value \"33\": accepted range: 0-32",
        ),
    ];
    for (fields, message) in cases {
        let rule = filter_rule(fields.clone());
        assert_eq!(
            invalid_message(rule.validate().unwrap_err()),
            message,
            "{fields}"
        );
    }
}

#[test]
fn translated_ports_come_in_pairs() {
    let tsa = |ingress: Value, egress: Value| -> TranslationStaticAddress {
        row(json!({
            "translation_id": 1, "route_link_id": null,
            "ingress_ipv4_address": "10.0.0.5", "egress_ipv4_address": "192.0.2.5",
            "ingress_port_number": ingress, "egress_port_number": egress,
        }))
    };
    assert!(tsa(json!(null), json!(null)).validate().is_ok());
    assert!(tsa(json!(8080), json!(80)).validate().is_ok());
    assert_eq!(
        invalid_message(tsa(json!(8080), json!(null)).validate().unwrap_err()),
        "ingress_port_number: invalid value \"8080\": egress_port_number must be given too: a port translates to a port"
    );
    assert_eq!(
        invalid_message(tsa(json!(null), json!(80)).validate().unwrap_err()),
        "egress_port_number: invalid value \"80\": ingress_port_number must be given too: a port translates to a port"
    );
    assert_eq!(
        invalid_message(tsa(json!(0), json!(80)).validate().unwrap_err()),
        "ingress_port_number: invalid value \"0\": accepted range: 1-65535"
    );
}

#[test]
fn topology_modes_decide_their_members() {
    let overlay: Topology = row(json!({ "uuid": "topo-over", "mode": "simple_overlay" }));
    let underlay: Topology = row(json!({ "uuid": "topo-under", "mode": "simple_underlay" }));
    assert!(
        underlay
            .check_accepts("uuid", TopologyMember::Datapaths)
            .is_ok()
    );
    assert!(
        overlay
            .check_accepts("uuid", TopologyMember::RouteLinks)
            .is_ok()
    );
    assert!(
        overlay
            .check_accepts("uuid", TopologyMember::Networks)
            .is_ok()
    );
    assert!(
        underlay
            .check_accepts("uuid", TopologyMember::Segments)
            .is_ok()
    );
    assert_eq!(
        invalid_message(
            overlay
                .check_accepts("uuid", TopologyMember::Datapaths)
                .unwrap_err()
        ),
        "uuid: invalid value \"topo-over\": a simple_overlay topology has no datapaths; only simple_underlay topologies do"
    );
    assert_eq!(
        invalid_message(
            underlay
                .check_accepts("uuid", TopologyMember::RouteLinks)
                .unwrap_err()
        ),
        "uuid: invalid value \"topo-under\": a simple_underlay topology has no route_links; only simple_overlay topologies do"
    );
    assert!(TopologyLayer::check_layers(&overlay, &underlay).is_ok());
    assert_eq!(
        invalid_message(TopologyLayer::check_layers(&underlay, &overlay).unwrap_err()),
        "uuid: invalid value \"topo-under\": a simple_underlay topology has no underlays; only simple_overlay topologies do"
    );
    let layer: TopologyLayer = row(json!({ "overlay_id": 3, "underlay_id": 3 }));
    let e = layer.validate().unwrap_err();
    assert_eq!(e.code(), 103);
    assert_eq!(
        e.to_string(),
        "underlay_id: invalid id 3: a topology cannot be its own underlay"
    );
}

#[test]
fn active_interfaces_are_singular_or_labelled() {
    let ai = |label: Value, singular: bool| -> ActiveInterface {
        row(json!({
            "interface_id": 1, "datapath_id": 2, "label": label, "singular": singular,
            "port_name": "vif-a", "port_number": 3, "enable_routing": false,
        }))
    };
    assert!(ai(json!(null), true).validate().is_ok());
    assert!(ai(json!("shared"), false).validate().is_ok());
    assert_eq!(
        invalid_message(ai(json!("shared"), true).validate().unwrap_err()),
        "label: invalid value \"shared\": a singular active interface has no label"
    );
    let e = ai(json!(null), false).validate().unwrap_err();
    assert_eq!(e.code(), 111);
    assert_eq!(e.to_string(), "label: missing required argument");
}

#[test]
fn ports_and_tunnels() {
    let port: ActivePort =
        row(json!({ "datapath_id": 1, "port_name": "t-a", "port_number": 0, "mode": "tunnel" }));
    assert_eq!(
        invalid_message(port.validate().unwrap_err()),
        "port_number: invalid value \"0\": OpenFlow port numbers start at 1"
    );
    let local: ActivePort = row(
        json!({ "datapath_id": 1, "port_name": "br0", "port_number": 0xffff_fffe_u32, "mode": "local" }),
    );
    assert!(local.validate().is_ok());
    let tunnel: Tunnel = row(json!({
        "uuid": "t-a", "mode": "gre", "src_datapath_id": 1, "dst_datapath_id": 1,
        "src_interface_id": 4, "dst_interface_id": 5,
    }));
    let e = tunnel.validate().unwrap_err();
    assert_eq!(
        (e.code(), e.to_string().as_str()),
        (
            103,
            "dst_datapath_id: invalid id 1: a tunnel joins two different datapaths"
        )
    );
}

#[test]
fn security_groups_validate_their_rules_and_name_their_references() {
    let sg = |rules: &str| -> SecurityGroup {
        row(json!({ "uuid": "sg-web", "display_name": "web", "description": null, "rules": rules }))
    };
    let good = sg(
        "# web servers\ntcp:80:0.0.0.0/0, tcp:443:0.0.0.0/0\ntcp:22:sg-admin\ntcp:2222:sg-admin\nicmp:-1:sg-mon",
    );
    assert!(good.validate().is_ok());
    assert_eq!(good.parsed_rules().unwrap().len(), 5);
    let refs: Vec<String> = good
        .referenced_groups()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(refs, ["sg-admin", "sg-mon"]);

    let bad = sg("tcp:80:0.0.0.0/0\nudp:99999:10.0.0.0/24\nicmp:8:0.0.0.0");
    let e = bad.validate().unwrap_err();
    assert_eq!(e.code(), 110);
    assert!(
        e.to_string().ends_with(
            ": line 2: \"udp:99999:10.0.0.0/24\": port 99999 is out of range 1-65535; line 3: \"icmp:8:0.0.0.0\": icmp takes port -1 (any) or an empty port, not \"8\""
        ),
        "{e}"
    );
    assert!(e.to_string().starts_with("rules: invalid value "), "{e}");

    let mut unnamed = sg("");
    unnamed.display_name = " ".into();
    assert_eq!(
        invalid_message(unnamed.validate().unwrap_err()),
        "display_name: invalid value \" \": must not be empty"
    );
}
