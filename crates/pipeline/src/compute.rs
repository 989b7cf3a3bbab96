//! `plan(model, dpid, ports)`: the flows one datapath should hold, and the GRE ports it needs.
//!
//! A pure function of the model and the switch's ports, so vna can recompute it after any
//! change and send only the difference (ARCHITECTURE.md §2).
//!
//! # The L2 pipeline
//!
//! Tables, cookies and metadata follow the original (reference §5); the walk of a frame:
//!
//! * **From a VM** (vif port): table 0 writes `INTERFACE:i LOCAL` → 17 → 20, where the frame
//!   is accepted only from a leased MAC with its leased IP (or 0.0.0.0), ARP only with
//!   `arp_sha`/`arp_spa` equal to the lease; accepted frames get `NETWORK:n LOCAL` → 26 → 27
//!   → 30 → 42 → 43 (segments: `SEGMENT:s LOCAL` → 25 → 44 → 45).
//! * **Destination lookup** (43/45): a local MAC writes `INTERFACE:i` → 46 (filter bypass) →
//!   90, which outputs to the VM's port. Group (multicast/broadcast) MACs go to the flood
//!   tables 50–53. A MAC learned from another host (OVS `learn`, dynamic cookie) outputs where
//!   it was learned: the uplink (MAC2MAC) or a GRE port (with the tunnel key); below those, a
//!   VM the model places on another datapath is sent to that datapath the same way, so the
//!   first frame to it needs no broadcast to have been seen. An unknown
//!   unicast from a local VM goes to every remote host of the network, once each (raw out of
//!   the uplink for MAC2MAC peers, on the GRE ports otherwise); from a remote host, it is
//!   dropped.
//! * **Flooding**: 51 outputs to the network's local VM ports; 52 drops what came from another
//!   host (split horizon: a remote broadcast is never re-flooded) and sends the rest on the GRE
//!   ports with the tunnel key; 53 sends one copy per MAC2MAC peer, out of the uplink with
//!   `eth_dst` rewritten to that peer's datapath_network MAC.
//! * **From another host over MAC2MAC** (the uplink, a host interface): table 0 writes
//!   `INTERFACE:h REMOTE` → 10. A frame for this host's datapath_network MAC is a broadcast:
//!   `eth_dst` goes back to ff:ff:ff:ff:ff:ff and the network is written → 15. Otherwise 11
//!   drops frames claiming a local VM's MAC as source, and takes frames for a local VM's MAC
//!   into that VM's network → 15. Table 15 learns the sender (for 43) and goes on to 27.
//! * **From another host over GRE**: table 0 (GRE port) → 3 → 4, which maps the tunnel key to
//!   the network (key = network id) or segment (key = segment id | 0x80000000) → 15 / 13.
//!
//! Deviations from the original, for a reason: multicast (not only broadcast) is flooded, so
//! IPv6 neighbour discovery would work on segments; unknown unicast from a local VM is sent to
//! the GRE peers instead of dropped, so traffic over GRE survives a switch that lost its
//! learned flows; learned flows match only traffic from local VMs (`LOCAL`), so a host never bounces
//! a remote frame to a third host.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use model::Id;
use openflow::action::Action;
use openflow::nicira::{self, Learn, LearnSpec, NxAction};
use openflow::{Instruction, MacAddr, Match, Oxm};

use crate::cookie::{self, Prefix};
use crate::flow::{Flow, FlowSet};
use crate::metadata::{self, flag, kind};
use crate::planner::Planner;
use crate::tables::*;
use crate::view::{Model, SwitchPorts};

/// `tun_id` bit that marks a segment's key (reference §5.5).
pub const TUNNEL_SEGMENT: u64 = 0x8000_0000;
/// Priority of the flows to VMs the model places on other datapaths (43/45): below learned
/// flows, which follow a VM that moved before the model says so.
pub const PRIORITY_REMOTE_KNOWN: u16 = 34;
/// Priority of the flows learned in 43/45.
pub const PRIORITY_LEARNED: u16 = 35;
/// Idle timeout of learned flows (the original's 36 000 s).
pub const LEARNED_IDLE_TIMEOUT: u16 = 36_000;
/// The filter bypass priority (`PRIORITY_FILTER_SKIP`).
pub const PRIORITY_FILTER_SKIP: u16 = 4311;

const ETH_TYPE_IPV4: u16 = 0x0800;
const ETH_TYPE_ARP: u16 = 0x0806;
/// The group bit: multicast and broadcast destinations.
const GROUP_MAC: MacAddr = MacAddr([1, 0, 0, 0, 0, 0]);

/// A GRE port the datapath needs: `t-<suffix>` to one remote datapath.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GrePort {
    pub name: String,
    pub remote_datapath_id: Id,
    pub remote_ip: Ipv4Addr,
    pub local_ip: Ipv4Addr,
}

/// What one datapath should hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// The datapath the plan is for, if the model has one with the dpid.
    pub datapath_id: Option<Id>,
    pub flows: FlowSet,
    /// GRE ports to create (vna deletes other `t-` ports).
    pub gre_ports: Vec<GrePort>,
    /// Things an operator should know: interfaces that get no flows and why (the original
    /// was silent about these, its issue #275).
    pub notes: Vec<String>,
}

/// The flows datapath `dpid` should hold.
pub fn desired_flows(model: &Model, dpid: u64, ports: &SwitchPorts) -> FlowSet {
    plan(model, dpid, ports).flows
}

/// The name of the GRE port towards a datapath: `t-` and the datapath uuid's suffix, or a
/// hash of it when it would not fit an interface name (15 characters).
pub fn gre_port_name(datapath_uuid_suffix: &str) -> String {
    let clean = datapath_uuid_suffix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if clean && !datapath_uuid_suffix.is_empty() && datapath_uuid_suffix.len() <= 13 {
        return format!("t-{datapath_uuid_suffix}");
    }
    // FNV-1a: stable across runs and builds.
    let mut h: u32 = 0x811c_9dc5;
    for b in datapath_uuid_suffix.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("t-{h:08x}")
}

/// An L2 domain: a network or a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Domain {
    Network(Id),
    Segment(Id),
}

impl Domain {
    fn id(self) -> Id {
        match self {
            Domain::Network(id) | Domain::Segment(id) => id,
        }
    }

    fn kind(self) -> u64 {
        match self {
            Domain::Network(_) => kind::NETWORK,
            Domain::Segment(_) => kind::SEGMENT,
        }
    }

    fn prefix(self) -> Prefix {
        match self {
            Domain::Network(_) => Prefix::NETWORK,
            Domain::Segment(_) => Prefix::SEGMENT,
        }
    }

    fn dp_prefix(self) -> Prefix {
        match self {
            Domain::Network(_) => Prefix::DP_NETWORK,
            Domain::Segment(_) => Prefix::DP_SEGMENT,
        }
    }

    /// The table that learns senders from other hosts.
    fn learn_table(self) -> u8 {
        match self {
            Domain::Network(_) => INTERFACE_INGRESS_NW_DPNW,
            Domain::Segment(_) => INTERFACE_INGRESS_SEG_DPSEG,
        }
    }

    /// Where a frame goes once its source side is classified.
    fn src_table(self) -> u8 {
        match self {
            Domain::Network(_) => NETWORK_SRC_CLASSIFIER,
            Domain::Segment(_) => SEGMENT_SRC_CLASSIFIER,
        }
    }

    fn dst_classifier(self) -> u8 {
        match self {
            Domain::Network(_) => NETWORK_DST_CLASSIFIER,
            Domain::Segment(_) => SEGMENT_DST_CLASSIFIER,
        }
    }

    fn mac_lookup(self) -> u8 {
        match self {
            Domain::Network(_) => NETWORK_DST_MAC_LOOKUP,
            Domain::Segment(_) => SEGMENT_DST_MAC_LOOKUP,
        }
    }

    fn tun_id(self) -> u64 {
        match self {
            Domain::Network(id) => cookie::id_bits(id),
            Domain::Segment(id) => cookie::id_bits(id) | TUNNEL_SEGMENT,
        }
    }

    /// Typed metadata with LOCAL or REMOTE, everything else cleared.
    fn metadata(self, side: u64) -> (u64, u64) {
        metadata::clear_all(metadata::typed_flags(self.kind(), self.id(), side, 0))
    }

    /// The match on the domain (type and value only).
    fn matches(self) -> Oxm {
        let (v, m) = metadata::typed(self.kind(), self.id());
        Oxm::Metadata(v, Some(m))
    }

    fn matches_side(self, side: u64) -> Oxm {
        let (v, m) = metadata::typed_flags(self.kind(), self.id(), side, 0);
        Oxm::Metadata(v, Some(m))
    }

    pub(crate) fn name(self) -> String {
        match self {
            Domain::Network(id) => format!("network {id}"),
            Domain::Segment(id) => format!("segment {id}"),
        }
    }
}

/// A VM's attachment: interface `iface` on port `port`, sending from `mac` (and `ip`, for
/// networks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attachment {
    pub(crate) iface: Id,
    pub(crate) port: u32,
    pub(crate) mac: MacAddr,
    pub(crate) ip: Option<Ipv4Addr>,
    pub(crate) domain: Domain,
}

/// How this datapath reaches one remote datapath of a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Peer {
    /// Raw out of `uplink`; broadcasts to the peer's datapath_network `mac`.
    Mac2Mac { uplink: u32, mac: MacAddr },
    /// On GRE port `name` (number `port` once the switch has it), from `local_ip` to
    /// `remote_ip`.
    Gre {
        port: Option<u32>,
        name: String,
        local_ip: Ipv4Addr,
        remote_ip: Ipv4Addr,
    },
}

/// A domain that spans hosts, seen from this datapath.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) local: LocalDp,
    /// The other datapaths of the domain and how to reach them.
    pub(crate) peers: Vec<(Id, Peer)>,
    /// The domain's VMs on other datapaths: (interface, MAC, datapath).
    pub(crate) remote_macs: Vec<(Id, MacAddr, Id)>,
}

/// The local side of a domain that spans hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalDp {
    pub(crate) row_id: Id,
    pub(crate) mac: MacAddr,
}

/// The plan for datapath `dpid`, computed from scratch.
pub fn plan(model: &Model, dpid: u64, ports: &SwitchPorts) -> Plan {
    Planner::new(dpid).rebuilt(model, ports).into_plan()
}

/// Collects the flows of one section of the plan.
#[derive(Default)]
pub(crate) struct Builder {
    pub(crate) flows: Vec<Flow>,
}

fn goto(t: u8) -> Instruction {
    Instruction::GotoTable(t)
}

fn write_md((metadata, mask): (u64, u64)) -> Instruction {
    Instruction::WriteMetadata { metadata, mask }
}

fn apply(actions: Vec<Action>) -> Instruction {
    Instruction::ApplyActions(actions)
}

fn output(port: u32) -> Action {
    Action::Output { port, max_len: 0 }
}

fn md((v, m): (u64, u64)) -> Oxm {
    Oxm::Metadata(v, Some(m))
}

fn interface_md(iface: Id, side: u64) -> (u64, u64) {
    metadata::clear_all(metadata::typed_flags(kind::INTERFACE, iface, side, 0))
}

impl Builder {
    fn add(&mut self, flow: Flow) {
        self.flows.push(flow);
    }

    fn switch(&mut self, table: u8, priority: u16, m: Match) -> Flow {
        Flow::new(table, priority, cookie::cookie(Prefix::SWITCH, 0), m)
    }

    /// Default drops and pass-throughs (reference §5.2).
    pub(crate) fn defaults(&mut self) {
        for t in [
            CLASSIFIER,
            TUNNEL_PORTS,
            TUNNEL_IDS,
            INTERFACE_INGRESS_CLASSIFIER,
            INTERFACE_INGRESS_MAC,
            INTERFACE_INGRESS_SEG_DPSEG,
            INTERFACE_INGRESS_NW_DPNW,
            INTERFACE_EGRESS_CLASSIFIER,
            INTERFACE_EGRESS_VALIDATE,
            SEGMENT_SRC_CLASSIFIER,
            NETWORK_SRC_CLASSIFIER,
            NETWORK_DST_CLASSIFIER,
            NETWORK_DST_MAC_LOOKUP,
            SEGMENT_DST_CLASSIFIER,
            SEGMENT_DST_MAC_LOOKUP,
            INTERFACE_INGRESS_FILTER,
            FLOOD_LOCAL,
            FLOOD_SEGMENT,
            OUT_PORT_INTERFACE_INGRESS,
        ] {
            let f = self.switch(t, 0, Match::new());
            self.add(f);
        }
        for (from, to) in [
            (NETWORK_CONNECTION, NETWORK_SRC_CLASSIFIER),
            (ROUTE_INGRESS_INTERFACE, NETWORK_DST_CLASSIFIER),
            (FLOOD_SIMULATED, FLOOD_LOCAL),
            (FLOOD_TUNNELS, FLOOD_SEGMENT),
        ] {
            let f = self.switch(from, 0, Match::new()).instruction(goto(to));
            self.add(f);
        }
        // Uplink frames that are not for this datapath's MACs: on to the per-MAC table.
        let f = self
            .switch(INTERFACE_INGRESS_CLASSIFIER, 1, Match::new())
            .instruction(goto(INTERFACE_INGRESS_MAC));
        self.add(f);
        // Split horizon: what came from another host is never flooded to other hosts.
        let (v, m) = metadata::flags(flag::REMOTE, 0);
        let f = self.switch(FLOOD_TUNNELS, 10, Match::new().with(md((v, m))));
        self.add(f);
        let f = self.switch(FLOOD_SEGMENT, 10, Match::new().with(md((v, m))));
        self.add(f);
        // Group destinations flood.
        for t in [NETWORK_DST_MAC_LOOKUP, SEGMENT_DST_MAC_LOOKUP] {
            let f = self
                .switch(
                    t,
                    30,
                    Match::new().with(Oxm::EthDst(GROUP_MAC, Some(GROUP_MAC))),
                )
                .instruction(goto(FLOOD_SIMULATED));
            self.add(f);
        }
    }

    /// A VM's port: classification, egress classifier, filter bypass and delivery.
    pub(crate) fn vif_port(&mut self, iface: Id, port: u32) {
        let c = cookie::cookie(Prefix::INTERFACE, iface);
        self.add(
            Flow::new(CLASSIFIER, 2, c, Match::new().with(Oxm::InPort(port)))
                .instruction(write_md(interface_md(iface, flag::LOCAL)))
                .instruction(goto(INTERFACE_EGRESS_CLASSIFIER)),
        );
        let is_iface = md(metadata::typed(kind::INTERFACE, iface));
        self.add(
            Flow::new(
                INTERFACE_EGRESS_CLASSIFIER,
                1,
                c,
                Match::new().with(is_iface.clone()),
            )
            .instruction(goto(INTERFACE_EGRESS_VALIDATE)),
        );
        self.add(
            Flow::new(
                INTERFACE_INGRESS_FILTER,
                PRIORITY_FILTER_SKIP,
                cookie::with_tag(
                    Prefix::INTERFACE,
                    iface,
                    cookie::interface_tag::tag(cookie::interface_tag::DISABLED_FILTERING),
                ),
                Match::new().with(is_iface.clone()),
            )
            .instruction(goto(OUT_PORT_INTERFACE_INGRESS)),
        );
        self.add(
            Flow::new(
                OUT_PORT_INTERFACE_INGRESS,
                1,
                c,
                Match::new().with(is_iface),
            )
            .instruction(apply(vec![output(port)])),
        );
    }

    /// A host interface's port (the uplink to the underlay L2).
    pub(crate) fn uplink_port(&mut self, iface: Id, port: u32) {
        let c = cookie::cookie(Prefix::INTERFACE, iface);
        self.add(
            Flow::new(CLASSIFIER, 2, c, Match::new().with(Oxm::InPort(port)))
                .instruction(write_md(interface_md(iface, flag::REMOTE)))
                .instruction(goto(INTERFACE_INGRESS_CLASSIFIER)),
        );
    }

    /// A GRE port to datapath `remote`.
    pub(crate) fn gre_port(&mut self, remote: Id, port: u32) {
        let c = cookie::cookie(Prefix::TUNNEL, remote);
        self.add(
            Flow::new(CLASSIFIER, 2, c, Match::new().with(Oxm::InPort(port)))
                .instruction(write_md(metadata::flags(flag::REMOTE, 0)))
                .instruction(goto(TUNNEL_PORTS)),
        );
        self.add(
            Flow::new(TUNNEL_PORTS, 1, c, Match::new().with(Oxm::InPort(port)))
                .instruction(goto(TUNNEL_IDS)),
        );
    }

    /// One (interface, MAC, IP, domain): anti-spoofing, delivery, and acceptance from remote.
    pub(crate) fn attachment(&mut self, a: &Attachment, spans: bool) {
        let c = cookie::cookie(Prefix::INTERFACE, a.iface);
        let is_iface = md(metadata::typed(kind::INTERFACE, a.iface));
        let accept = |f: Flow| {
            f.instruction(write_md(a.domain.metadata(flag::LOCAL)))
                .instruction(goto(match a.domain {
                    Domain::Network(_) => NETWORK_CONNECTION,
                    Domain::Segment(_) => SEGMENT_SRC_CLASSIFIER,
                }))
        };
        let base = Match::new().with(is_iface).with(Oxm::EthSrc(a.mac, None));
        match a.ip {
            Some(ip) => {
                for src in [ip, Ipv4Addr::UNSPECIFIED] {
                    self.add(accept(Flow::new(
                        INTERFACE_EGRESS_VALIDATE,
                        40,
                        c,
                        base.clone()
                            .with(Oxm::EthType(ETH_TYPE_IPV4))
                            .with(Oxm::Ipv4Src(src, None)),
                    )));
                }
                self.add(accept(Flow::new(
                    INTERFACE_EGRESS_VALIDATE,
                    40,
                    c,
                    base.clone()
                        .with(Oxm::EthType(ETH_TYPE_ARP))
                        .with(Oxm::ArpSpa(ip, None))
                        .with(Oxm::ArpSha(a.mac, None)),
                )));
            }
            None => {
                // L2 only: any frame from the MAC, but ARP must not claim another MAC.
                self.add(accept(Flow::new(
                    INTERFACE_EGRESS_VALIDATE,
                    42,
                    c,
                    base.clone()
                        .with(Oxm::EthType(ETH_TYPE_ARP))
                        .with(Oxm::ArpSha(a.mac, None)),
                )));
                self.add(Flow::new(
                    INTERFACE_EGRESS_VALIDATE,
                    41,
                    c,
                    base.clone().with(Oxm::EthType(ETH_TYPE_ARP)),
                ));
                self.add(accept(Flow::new(INTERFACE_EGRESS_VALIDATE, 40, c, base)));
            }
        }
        // Delivery: this MAC in this domain is the interface.
        self.add(
            Flow::new(
                a.domain.mac_lookup(),
                60,
                c,
                Match::new()
                    .with(a.domain.matches())
                    .with(Oxm::EthDst(a.mac, None)),
            )
            .instruction(write_md(interface_md(a.iface, 0)))
            .instruction(goto(INTERFACE_INGRESS_FILTER)),
        );
        // From other hosts: nobody else may use a local VM's MAC; frames for it are taken in.
        self.add(Flow::new(
            INTERFACE_INGRESS_MAC,
            50,
            c,
            Match::new().with(Oxm::EthSrc(a.mac, None)),
        ));
        self.add(Flow::new(
            INTERFACE_INGRESS_MAC,
            50,
            c,
            Match::new()
                .with(Oxm::EthType(ETH_TYPE_ARP))
                .with(Oxm::ArpSha(a.mac, None)),
        ));
        if spans {
            self.add(
                Flow::new(
                    INTERFACE_INGRESS_MAC,
                    40,
                    c,
                    Match::new().with(Oxm::EthDst(a.mac, None)),
                )
                .instruction(write_md(a.domain.metadata(flag::REMOTE)))
                .instruction(goto(a.domain.learn_table())),
            );
        }
    }

    /// The per-domain chain, flooding, and the flows of its span across hosts.
    pub(crate) fn domain(&mut self, d: Domain, local_ports: &BTreeSet<u32>, span: Option<&Span>) {
        let c = cookie::cookie(d.prefix(), d.id());
        let is_d = Match::new().with(d.matches());
        if let Domain::Network(_) = d {
            self.add(
                Flow::new(NETWORK_SRC_CLASSIFIER, 1, c, is_d.clone())
                    .instruction(goto(ROUTE_INGRESS_INTERFACE)),
            );
        } else {
            self.add(
                Flow::new(SEGMENT_SRC_CLASSIFIER, 1, c, is_d.clone())
                    .instruction(goto(SEGMENT_DST_CLASSIFIER)),
            );
        }
        self.add(
            Flow::new(d.dst_classifier(), 1, c, is_d.clone()).instruction(goto(d.mac_lookup())),
        );
        let local_out: Vec<Action> = local_ports.iter().map(|p| output(*p)).collect();
        let mut f = Flow::new(FLOOD_LOCAL, 1, c, is_d.clone());
        if !local_out.is_empty() {
            f = f.instruction(apply(local_out));
        }
        self.add(f.instruction(goto(FLOOD_TUNNELS)));

        let Some(Span {
            local,
            peers,
            remote_macs,
        }) = span
        else {
            return;
        };
        // VMs the model places on other datapaths: sent straight to their host, before any
        // frame of theirs was seen (learning still covers what the model does not say).
        for (iface, mac, remote_dp) in remote_macs {
            let actions = match peers.iter().find(|(d, _)| d == remote_dp) {
                Some((_, Peer::Mac2Mac { uplink, .. })) => vec![output(*uplink)],
                Some((_, Peer::Gre { port: Some(p), .. })) => vec![
                    Action::SetField(Oxm::TunnelId(d.tun_id(), None)),
                    output(*p),
                ],
                _ => continue,
            };
            self.add(
                Flow::new(
                    d.mac_lookup(),
                    PRIORITY_REMOTE_KNOWN,
                    cookie::cookie(Prefix::INTERFACE, *iface),
                    Match::new()
                        .with(d.matches_side(flag::LOCAL))
                        .with(Oxm::EthDst(*mac, None)),
                )
                .instruction(apply(actions)),
            );
        }
        let dc = cookie::cookie(d.dp_prefix(), local.row_id);
        // Broadcasts from MAC2MAC peers arrive for this datapath's MAC.
        self.add(
            Flow::new(
                INTERFACE_INGRESS_CLASSIFIER,
                30,
                dc,
                Match::new().with(Oxm::EthDst(local.mac, None)),
            )
            .instruction(apply(vec![Action::SetField(Oxm::EthDst(
                MacAddr::BROADCAST,
                None,
            ))]))
            .instruction(write_md(d.metadata(flag::REMOTE)))
            .instruction(goto(d.learn_table())),
        );
        // Nothing local may use the datapath's MAC.
        for field in [Oxm::EthSrc(local.mac, None), Oxm::EthDst(local.mac, None)] {
            self.add(Flow::new(
                d.src_table(),
                90,
                dc,
                Match::new().with(d.matches()).with(field),
            ));
        }
        // Learn remote senders; the learned flow serves local VMs only.
        let n_bits_value = 31;
        let specs = vec![
            LearnSpec {
                src: nicira::LearnSrc::immediate(u128::from(cookie::id_bits(d.id())), n_bits_value),
                dst: nicira::LearnDst::Match {
                    field: nicira::METADATA,
                    ofs: 0,
                },
                n_bits: n_bits_value,
            },
            LearnSpec {
                src: nicira::LearnSrc::immediate(u128::from(d.kind()), 8),
                dst: nicira::LearnDst::Match {
                    field: nicira::METADATA,
                    ofs: 56,
                },
                n_bits: 8,
            },
            LearnSpec {
                src: nicira::LearnSrc::immediate(1, 1),
                dst: nicira::LearnDst::Match {
                    field: nicira::METADATA,
                    ofs: 42,
                },
                n_bits: 1,
            },
            LearnSpec::match_field(nicira::ETH_DST, nicira::ETH_SRC),
            LearnSpec::load_value(u128::from(d.tun_id()), nicira::TUN_ID, 0, 64),
            LearnSpec::output(nicira::IN_PORT),
        ];
        let mut learn = Learn::new(d.mac_lookup());
        learn.priority = PRIORITY_LEARNED;
        learn.idle_timeout = LEARNED_IDLE_TIMEOUT;
        learn.cookie = dc | cookie::DYNAMIC;
        learn.specs = specs;
        self.add(
            Flow::new(d.learn_table(), 1, dc, is_d.clone())
                .instruction(apply(vec![Action::Nx(NxAction::Learn(learn))]))
                .instruction(goto(d.src_table())),
        );

        // Tunnel key from GRE peers.
        let gre_ports: Vec<u32> = peers
            .iter()
            .filter_map(|(_, p)| match p {
                Peer::Gre { port, .. } => *port,
                Peer::Mac2Mac { .. } => None,
            })
            .collect();
        let set_tun = Action::SetField(Oxm::TunnelId(d.tun_id(), None));
        if !gre_ports.is_empty() {
            self.add(
                Flow::new(
                    TUNNEL_IDS,
                    1,
                    c,
                    Match::new().with(Oxm::TunnelId(d.tun_id(), None)),
                )
                .instruction(write_md(d.metadata(flag::REMOTE)))
                .instruction(goto(d.learn_table())),
            );
            let mut acts = vec![set_tun.clone()];
            acts.extend(gre_ports.iter().map(|p| output(*p)));
            self.add(
                Flow::new(FLOOD_TUNNELS, 1, c, is_d.clone())
                    .instruction(apply(acts))
                    .instruction(goto(FLOOD_SEGMENT)),
            );
        }
        let mac2mac: Vec<(u32, MacAddr)> = peers
            .iter()
            .filter_map(|(_, p)| match p {
                Peer::Mac2Mac { uplink, mac } => Some((*uplink, *mac)),
                Peer::Gre { .. } => None,
            })
            .collect();
        if !mac2mac.is_empty() {
            let mut acts = Vec::new();
            for (uplink, mac) in &mac2mac {
                acts.push(Action::SetField(Oxm::EthDst(*mac, None)));
                acts.push(output(*uplink));
            }
            self.add(Flow::new(FLOOD_SEGMENT, 1, c, is_d.clone()).instruction(apply(acts)));
        }
        // Unknown unicast from a local VM: to the GRE peers, whose tunnel key names the
        // network, so the receiver delivers it only within it. Not raw over MAC2MAC, where the
        // receiver knows the network only by the destination MAC: a VM could otherwise reach a
        // VM of another network on another host by naming its MAC. MAC2MAC peers are reached
        // through learned flows, as in the original.
        if !gre_ports.is_empty() {
            let mut acts = vec![set_tun];
            acts.extend(gre_ports.iter().map(|p| output(*p)));
            self.add(
                Flow::new(
                    d.mac_lookup(),
                    20,
                    c,
                    Match::new().with(d.matches_side(flag::LOCAL)),
                )
                .instruction(apply(acts)),
            );
        }
    }
}
