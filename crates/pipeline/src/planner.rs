//! The plan of one datapath, kept up to date change by change.
//!
//! A plan is made of **sections**, each a pure function of a small input read from the model:
//! the switch's defaults, each uplink, each GRE port, each local VM interface (its port and
//! attachments) and each L2 domain (its local ports and its span across hosts). vna records
//! which interfaces and domains a model change may touch ([`Changes::touch`]); [`Planner::update`]
//! re-reads only those inputs, rebuilds the flows of the sections whose input differs, and
//! returns the difference in flows. A change to what every section depends on (the datapath,
//! a host interface, the switch's ports) rebuilds the whole plan, as does the first update.
//!
//! Two sections may ask for a flow with the same key (table, priority, match) only when the
//! model is inconsistent (two local interfaces with one MAC, say); the lowest section then
//! wins, the same way whatever the order of changes, so an updated plan always equals the plan
//! computed from scratch (checked by the tests below and in `tests/incremental.rs`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasherDefault;
use std::net::Ipv4Addr;

use model::modes::{InterfaceMode, NetworkMode};
use model::record::Record;
use model::{AnyRecord, Id};
use openflow::MacAddr;

use crate::compute::{
    Attachment, Builder, Domain, GrePort, LocalDp, Peer, Plan, Span, gre_port_name,
};
use crate::flow::{Flow, FlowDiff, FlowKey, FlowSet, KeyHasher, diff};
use crate::view::{Model, SwitchPorts};

/// What may have changed in the model since the planner last looked: the interfaces and L2
/// domains whose flows may differ, or everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    all: bool,
    interfaces: BTreeSet<Id>,
    domains: BTreeSet<Domain>,
}

impl Changes {
    /// Everything may have changed (a new snapshot, a reconnected switch).
    pub fn all() -> Changes {
        Changes {
            all: true,
            ..Changes::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.all && self.interfaces.is_empty() && self.domains.is_empty()
    }

    pub fn mark_all(&mut self) {
        *self = Changes::all();
    }

    /// Records what a change of `row` may touch. Call it with the model as it is before the
    /// row is applied and again after, so both the old and the new references count.
    pub fn touch(&mut self, model: &Model, row: &AnyRecord) {
        if self.all {
            return;
        }
        let ix = &model.index;
        match row {
            AnyRecord::Datapath(_) => self.all = true,
            AnyRecord::DatapathNetwork(r) => {
                self.domains.insert(Domain::Network(r.network_id));
            }
            AnyRecord::DatapathSegment(r) => {
                self.domains.insert(Domain::Segment(r.segment_id));
            }
            AnyRecord::Interface(r) => {
                if is_host(r.mode) {
                    self.all = true;
                } else {
                    self.interface(model, r.id());
                }
            }
            AnyRecord::InterfacePort(r) => {
                if is_host(r.interface_mode) {
                    self.all = true;
                } else {
                    self.interface(model, r.interface_id);
                }
            }
            AnyRecord::InterfaceSegment(r) => {
                self.domains.insert(Domain::Segment(r.segment_id));
                self.interface(model, r.interface_id);
            }
            AnyRecord::MacAddress(r) => {
                let leases: Vec<Id> = ix
                    .mac_leases_by_address
                    .get(&r.id())
                    .into_iter()
                    .flatten()
                    .filter_map(|id| model.mac_leases.get(id)?.interface_id)
                    .collect();
                for iface in leases {
                    self.interface(model, iface);
                }
                for id in ix.dp_networks_by_mac.get(&r.id()).into_iter().flatten() {
                    if let Some(d) = model.datapath_networks.get(id) {
                        self.domains.insert(Domain::Network(d.network_id));
                    }
                }
                for id in ix.dp_segments_by_mac.get(&r.id()).into_iter().flatten() {
                    if let Some(d) = model.datapath_segments.get(id) {
                        self.domains.insert(Domain::Segment(d.segment_id));
                    }
                }
            }
            AnyRecord::MacLease(r) => {
                if let Some(iface) = r.interface_id {
                    self.interface(model, iface);
                }
            }
            AnyRecord::IpAddress(r) => {
                self.domains.insert(Domain::Network(r.network_id));
                self.address_holders(model, r.id());
            }
            AnyRecord::IpLease(r) => {
                if let Some(a) = model.ip_addresses.get(&r.ip_address_id) {
                    self.domains.insert(Domain::Network(a.network_id));
                }
                if let Some(iface) = r.interface_id {
                    self.interface(model, iface);
                }
            }
            AnyRecord::Network(r) => {
                self.domains.insert(Domain::Network(r.id()));
                let addresses: Vec<Id> = ix
                    .ip_addresses_by_network
                    .get(&r.id())
                    .into_iter()
                    .flatten()
                    .copied()
                    .collect();
                for a in addresses {
                    self.address_holders(model, a);
                }
            }
            AnyRecord::Segment(r) => {
                self.domains.insert(Domain::Segment(r.id()));
                let members: Vec<Id> = ix
                    .interface_segments_by_segment
                    .get(&r.id())
                    .into_iter()
                    .flatten()
                    .filter_map(|id| model.interface_segments.get(id))
                    .map(|s| s.interface_id)
                    .collect();
                for iface in members {
                    self.interface(model, iface);
                }
            }
            _ => {}
        }
    }

    /// The interfaces leasing IP address `address`.
    fn address_holders(&mut self, model: &Model, address: Id) {
        let holders: Vec<Id> = model
            .index
            .ip_leases_by_address
            .get(&address)
            .into_iter()
            .flatten()
            .filter_map(|id| model.ip_leases.get(id)?.interface_id)
            .collect();
        for iface in holders {
            self.interface(model, iface);
        }
    }

    /// Interface `iface` and the domains it is attached to; a host interface (by its mode,
    /// its port's, or a datapath_network or datapath_segment naming it) touches everything:
    /// every span goes through one.
    fn interface(&mut self, model: &Model, iface: Id) {
        if self.all {
            return;
        }
        let ix = &model.index;
        let named =
            |m: &crate::view::Multi<Id>| m.get(&iface).is_some_and(|mut i| i.next().is_some());
        let host = model
            .interfaces
            .get(&iface)
            .is_some_and(|i| is_host(i.mode))
            || ix
                .ports_by_interface
                .get(&iface)
                .into_iter()
                .flatten()
                .filter_map(|id| model.interface_ports.get(id))
                .any(|p| is_host(p.interface_mode))
            || named(&ix.dp_networks_by_interface)
            || named(&ix.dp_segments_by_interface);
        if host {
            self.all = true;
            return;
        }
        self.interfaces.insert(iface);
        for id in ix.ip_leases_by_interface.get(&iface).into_iter().flatten() {
            if let Some(a) = model
                .ip_leases
                .get(id)
                .and_then(|l| model.ip_addresses.get(&l.ip_address_id))
            {
                self.domains.insert(Domain::Network(a.network_id));
            }
        }
        for id in ix
            .interface_segments_by_interface
            .get(&iface)
            .into_iter()
            .flatten()
        {
            if let Some(s) = model.interface_segments.get(id) {
                self.domains.insert(Domain::Segment(s.segment_id));
            }
        }
    }
}

fn is_host(mode: InterfaceMode) -> bool {
    matches!(mode, InterfaceMode::Host | InterfaceMode::Patch)
}

/// A part of the plan whose flows are a function of its own input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Section {
    Switch,
    Uplink(Id),
    Gre(Id),
    Vif(Id),
    Domain(Domain),
}

/// A local VM interface: its port (once the switch has it) and its attachments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct VifPart {
    port: Option<u32>,
    attachments: Vec<Attachment>,
    /// Per attachment, whether its domain spans hosts (from the domain's part).
    spanned: Vec<bool>,
    notes: Vec<String>,
}

impl VifPart {
    /// Equal as read from the model (`spanned` comes from the domains).
    fn same_input(&self, other: &VifPart) -> bool {
        self.port == other.port
            && self.attachments == other.attachments
            && self.notes == other.notes
    }

    fn flows(&self, iface: Id) -> Vec<Flow> {
        let mut b = Builder::default();
        if let Some(port) = self.port {
            b.vif_port(iface, port);
        }
        for (i, a) in self.attachments.iter().enumerate() {
            b.attachment(a, self.spanned.get(i).copied().unwrap_or(false));
        }
        b.flows
    }
}

/// An L2 domain on this datapath: its local VM ports and its span across hosts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct DomainPart {
    local_ports: BTreeSet<u32>,
    span: Option<Span>,
    notes: Vec<String>,
}

impl DomainPart {
    fn flows(&self, d: Domain) -> Vec<Flow> {
        let mut b = Builder::default();
        if !self.local_ports.is_empty() || self.span.is_some() {
            b.domain(d, &self.local_ports, self.span.as_ref());
        }
        b.flows
    }
}

/// Who asks for a flow: the winning section (the lowest) and how many ask.
#[derive(Debug, Clone, Copy)]
struct Owner {
    winner: Section,
    count: u32,
}

/// The flows as they were before an update, for the keys the update touched.
#[derive(Debug, Default)]
struct Track {
    enabled: bool,
    before: HashMap<FlowKey, Option<Flow>, BuildHasherDefault<KeyHasher>>,
    /// Keys whose winning section stopped asking while others still do.
    contested: Vec<FlowKey>,
}

impl Track {
    fn note(&mut self, flows: &FlowSet, key: &FlowKey) {
        if self.enabled && !self.before.contains_key(key) {
            self.before.insert(key.clone(), flows.get(key).cloned());
        }
    }

    fn finish(self, flows: &FlowSet) -> FlowDiff {
        let mut d = FlowDiff::default();
        for (key, before) in self.before {
            match (before, flows.get(&key)) {
                (None, Some(now)) => d.add.push(now.clone()),
                (Some(was), Some(now)) if !was.same_content(now) => d.modify.push(now.clone()),
                (Some(was), None) => d.delete.push(was),
                _ => {}
            }
        }
        d
    }
}

/// The plan of one datapath, kept current by [`Planner::update`].
#[derive(Debug, Clone, Default)]
pub struct Planner {
    dpid: u64,
    built: bool,
    dp: Option<Id>,
    ports: SwitchPorts,
    /// This datapath's host interfaces with the number of their port.
    uplinks: BTreeMap<Id, u32>,
    vifs: BTreeMap<Id, VifPart>,
    domains: BTreeMap<Domain, DomainPart>,
    /// (domain, interface) for every local attachment.
    attached: BTreeSet<(Domain, Id)>,
    /// The GRE ports the spans need, by remote datapath.
    gre: BTreeMap<Id, GrePort>,
    /// Those of them on the switch, with their numbers.
    gre_numbers: BTreeMap<Id, u32>,
    notes: Vec<String>,
    flows: FlowSet,
    owners: HashMap<FlowKey, Owner, BuildHasherDefault<KeyHasher>>,
}

impl Planner {
    /// An empty plan for datapath `dpid`; the first update computes it.
    pub fn new(dpid: u64) -> Planner {
        Planner {
            dpid,
            ..Planner::default()
        }
    }

    /// The dpid of the datapath planned for.
    pub fn dpid(&self) -> u64 {
        self.dpid
    }

    /// The datapath's flows.
    pub fn flows(&self) -> &FlowSet {
        &self.flows
    }

    /// The model's id of the datapath, if it has one with this dpid.
    pub fn datapath_id(&self) -> Option<Id> {
        self.dp
    }

    /// The GRE ports the datapath needs (vna deletes other `t-` ports).
    pub fn gre_ports(&self) -> Vec<GrePort> {
        self.gre.values().cloned().collect()
    }

    /// What the plan could not do, for an operator.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = self.notes.clone();
        notes.extend(self.vifs.values().flat_map(|v| v.notes.iter().cloned()));
        notes.extend(self.domains.values().flat_map(|d| d.notes.iter().cloned()));
        notes
    }

    /// The whole plan.
    pub fn into_plan(self) -> Plan {
        let gre_ports = self.gre_ports();
        let notes = self.notes();
        Plan {
            datapath_id: self.dp,
            flows: self.flows,
            gre_ports,
            notes,
        }
    }

    /// A copy of the whole plan.
    pub fn plan(&self) -> Plan {
        Plan {
            datapath_id: self.dp,
            flows: self.flows.clone(),
            gre_ports: self.gre_ports(),
            notes: self.notes(),
        }
    }

    /// Brings the plan up to date with `model` and `ports`, given what changed since the last
    /// update, and returns how its flows changed.
    pub fn update(&mut self, model: &Model, ports: &SwitchPorts, changes: &Changes) -> FlowDiff {
        let dp = model.datapath_by_dpid(self.dpid).map(|d| d.id);
        let port_changes = match dp {
            Some(dp) if self.built && !changes.all && self.dp == Some(dp) => {
                self.port_changes(model, dp, ports)
            }
            _ => None,
        };
        let (Some(dp), Some(port_changes)) = (dp, port_changes) else {
            let fresh = Planner::new(self.dpid).rebuilt(model, ports);
            let d = diff(&self.flows, &fresh.flows);
            *self = fresh;
            return d;
        };
        self.ports.clone_from(ports);
        let mut interfaces = changes.interfaces.clone();
        interfaces.extend(port_changes);
        let lk = Lookup { model, dp };
        let mut track = Track {
            enabled: true,
            ..Track::default()
        };

        // Interfaces whose input changed, with their part before.
        let mut old_vifs: BTreeMap<Id, Option<VifPart>> = BTreeMap::new();
        let mut dirty: BTreeSet<Domain> = changes.domains.clone();
        for iface in interfaces {
            let new = lk.vif_part(iface, ports);
            let old = self.vifs.get(&iface);
            let same = match (old, &new) {
                (Some(a), Some(b)) => a.same_input(b),
                (None, None) => true,
                _ => false,
            };
            if same {
                continue;
            }
            for a in old.iter().flat_map(|p| &p.attachments) {
                dirty.insert(a.domain);
                self.attached.remove(&(a.domain, iface));
            }
            for a in new.iter().flat_map(|p| &p.attachments) {
                dirty.insert(a.domain);
                self.attached.insert((a.domain, iface));
            }
            let old = match new {
                Some(p) => self.vifs.insert(iface, p),
                None => self.vifs.remove(&iface),
            };
            old_vifs.insert(iface, old);
        }

        // Domains whose input changed, with their part before.
        let mut old_domains: BTreeMap<Domain, Option<DomainPart>> = BTreeMap::new();
        for d in dirty {
            let new = lk.domain_part(d, self.local_ports(d), &self.uplinks, ports);
            let old = self.domains.get(&d);
            if old == new.as_ref() {
                continue;
            }
            let spans_before = old.is_some_and(|p| p.span.is_some());
            let spans_now = new.as_ref().is_some_and(|p| p.span.is_some());
            if spans_before != spans_now {
                // Its VMs' flows say whether they are reached from other hosts.
                let members: Vec<Id> = self.members(d).collect();
                for iface in members {
                    old_vifs
                        .entry(iface)
                        .or_insert_with(|| self.vifs.get(&iface).cloned());
                }
            }
            let old = match new {
                Some(p) => self.domains.insert(d, p),
                None => self.domains.remove(&d),
            };
            old_domains.insert(d, old);
        }

        for (iface, old) in old_vifs {
            self.refresh_spanned(iface);
            let new = self.vifs.get(&iface);
            if old.as_ref() == new {
                continue;
            }
            let before = old.map(|p| p.flows(iface)).unwrap_or_default();
            let after = new.map(|p| p.flows(iface)).unwrap_or_default();
            self.set_section(Section::Vif(iface), before, after, &mut track);
        }
        let domains_changed = !old_domains.is_empty();
        for (d, old) in old_domains {
            let before = old.map(|p| p.flows(d)).unwrap_or_default();
            let after = self.domains.get(&d).map(|p| p.flows(d)).unwrap_or_default();
            self.set_section(Section::Domain(d), before, after, &mut track);
        }
        if domains_changed {
            self.refresh_gre(&mut track);
        }
        self.resolve(&mut track);
        track.finish(&self.flows)
    }

    /// The VM interfaces whose port appeared, left or changed number on the switch; `None`
    /// when an uplink or a GRE port did, which every span depends on.
    fn port_changes(&self, model: &Model, dp: Id, ports: &SwitchPorts) -> Option<BTreeSet<Id>> {
        let (old, new) = (&self.ports.by_name, &ports.by_name);
        let names: BTreeSet<&str> = old
            .iter()
            .filter(|(name, no)| new.get(*name) != Some(*no))
            .chain(new.iter().filter(|(name, no)| old.get(*name) != Some(*no)))
            .map(|(name, _)| name.as_str())
            .collect();
        let mut interfaces = BTreeSet::new();
        if names.is_empty() {
            return Some(interfaces);
        }
        if names.iter().any(|n| n.starts_with("t-")) {
            return None;
        }
        let ix = &model.index;
        for p in [Some(dp), None]
            .iter()
            .flat_map(|key| ix.ports_by_datapath.get(key).into_iter().flatten())
            .filter_map(|id| model.interface_ports.get(id))
        {
            if p.port_name.as_deref().is_some_and(|n| names.contains(n)) {
                let host = is_host(p.interface_mode)
                    || model
                        .interfaces
                        .get(&p.interface_id)
                        .is_some_and(|i| is_host(i.mode));
                if host {
                    return None;
                }
                interfaces.insert(p.interface_id);
            }
        }
        Some(interfaces)
    }

    /// This planner, computed from scratch.
    pub(crate) fn rebuilt(mut self, model: &Model, ports: &SwitchPorts) -> Planner {
        self.built = true;
        self.ports = ports.clone();
        let Some(dp) = model.datapath_by_dpid(self.dpid).map(|d| d.id) else {
            self.notes.push(format!(
                "no datapath with dpid {:#018x} in the model: the switch gets no flows",
                self.dpid
            ));
            return self;
        };
        self.dp = Some(dp);
        let lk = Lookup { model, dp };
        let mut track = Track::default();

        let ix = &model.index;
        let candidates: BTreeSet<Id> = [Some(dp), None]
            .iter()
            .flat_map(|key| ix.ports_by_datapath.get(key).into_iter().flatten())
            .filter_map(|id| model.interface_ports.get(id))
            .map(|p| p.interface_id)
            .collect();
        for iface in candidates {
            let Some(row) = model.interfaces.get(&iface) else {
                continue;
            };
            if is_host(row.mode) {
                if let Some((name, true)) = lk.local_port(iface)
                    && let Some(no) = ports.number(name)
                {
                    self.uplinks.insert(iface, no);
                }
            } else if let Some(part) = lk.vif_part(iface, ports) {
                for a in &part.attachments {
                    self.attached.insert((a.domain, iface));
                }
                self.vifs.insert(iface, part);
            }
        }

        let mut domains: BTreeSet<Domain> = self.attached.iter().map(|(d, _)| *d).collect();
        domains.extend(
            ix.dp_networks_by_datapath
                .get(&dp)
                .into_iter()
                .flatten()
                .filter_map(|id| model.datapath_networks.get(id))
                .map(|r| Domain::Network(r.network_id)),
        );
        domains.extend(
            ix.dp_segments_by_datapath
                .get(&dp)
                .into_iter()
                .flatten()
                .filter_map(|id| model.datapath_segments.get(id))
                .map(|r| Domain::Segment(r.segment_id)),
        );
        for d in domains {
            if let Some(part) = lk.domain_part(d, self.local_ports(d), &self.uplinks, ports) {
                self.domains.insert(d, part);
            }
        }

        // About a dozen flows per local VM and per domain: sized once, not grown.
        let expected = 64 + 16 * (self.vifs.len() + self.domains.len());
        self.flows = FlowSet::with_capacity(expected);
        self.owners.reserve(expected);
        let mut b = Builder::default();
        b.defaults();
        self.set_section(Section::Switch, Vec::new(), b.flows, &mut track);
        let uplinks: Vec<(Id, u32)> = self.uplinks.iter().map(|(i, p)| (*i, *p)).collect();
        for (iface, port) in uplinks {
            let mut b = Builder::default();
            b.uplink_port(iface, port);
            self.set_section(Section::Uplink(iface), Vec::new(), b.flows, &mut track);
        }
        let vifs: Vec<Id> = self.vifs.keys().copied().collect();
        for iface in vifs {
            self.refresh_spanned(iface);
            let flows = self
                .vifs
                .get(&iface)
                .map(|p| p.flows(iface))
                .unwrap_or_default();
            self.set_section(Section::Vif(iface), Vec::new(), flows, &mut track);
        }
        let domains: Vec<(Domain, Vec<Flow>)> = self
            .domains
            .iter()
            .map(|(d, p)| (*d, p.flows(*d)))
            .collect();
        for (d, flows) in domains {
            self.set_section(Section::Domain(d), Vec::new(), flows, &mut track);
        }
        self.refresh_gre(&mut track);
        self.resolve(&mut track);
        self
    }

    /// The interfaces attached to domain `d` here.
    fn members(&self, d: Domain) -> impl Iterator<Item = Id> + '_ {
        self.attached
            .range((d, Id::MIN)..=(d, Id::MAX))
            .map(|(_, iface)| *iface)
    }

    /// The ports of domain `d`'s local VMs.
    fn local_ports(&self, d: Domain) -> BTreeSet<u32> {
        self.members(d)
            .filter_map(|iface| self.vifs.get(&iface))
            .flat_map(|p| &p.attachments)
            .filter(|a| a.domain == d)
            .map(|a| a.port)
            .collect()
    }

    fn refresh_spanned(&mut self, iface: Id) {
        let domains = &self.domains;
        if let Some(p) = self.vifs.get_mut(&iface) {
            p.spanned = p
                .attachments
                .iter()
                .map(|a| domains.get(&a.domain).is_some_and(|d| d.span.is_some()))
                .collect();
        }
    }

    /// The GRE ports the spans need, and the flows of those on the switch.
    fn refresh_gre(&mut self, track: &mut Track) {
        let mut gre: BTreeMap<Id, GrePort> = BTreeMap::new();
        for span in self.domains.values().filter_map(|p| p.span.as_ref()) {
            for (remote, peer) in &span.peers {
                if let Peer::Gre {
                    name,
                    local_ip,
                    remote_ip,
                    ..
                } = peer
                {
                    gre.entry(*remote).or_insert_with(|| GrePort {
                        name: name.clone(),
                        remote_datapath_id: *remote,
                        remote_ip: *remote_ip,
                        local_ip: *local_ip,
                    });
                }
            }
        }
        let numbers: BTreeMap<Id, u32> = gre
            .iter()
            .filter_map(|(r, g)| self.ports.number(&g.name).map(|p| (*r, p)))
            .collect();
        let remotes: BTreeSet<Id> = numbers
            .keys()
            .chain(self.gre_numbers.keys())
            .copied()
            .collect();
        for remote in remotes {
            let (was, now) = (self.gre_numbers.get(&remote), numbers.get(&remote));
            if was == now {
                continue;
            }
            let flows = |port: Option<&u32>| {
                let mut b = Builder::default();
                if let Some(p) = port {
                    b.gre_port(remote, *p);
                }
                b.flows
            };
            self.set_section(Section::Gre(remote), flows(was), flows(now), track);
        }
        self.gre = gre;
        self.gre_numbers = numbers;
    }

    /// Replaces what section `s` asks for (`before`) with `after`.
    fn set_section(&mut self, s: Section, before: Vec<Flow>, after: Vec<Flow>, track: &mut Track) {
        let before = keyed(before);
        let mut before = before.iter().peekable();
        for (key, flow) in keyed(after) {
            // Keys only `before` has, up to this one: no longer asked for.
            while let Some((kb, _)) = before.next_if(|(kb, _)| *kb < key) {
                self.release(s, kb, track);
            }
            match before.next_if(|(kb, _)| *kb == key) {
                Some((_, was)) if was.same_content(&flow) => {}
                Some(_) => self.ask(s, key, flow, true, track),
                None => self.ask(s, key, flow, false, track),
            }
        }
        for (kb, _) in before {
            self.release(s, kb, track);
        }
    }

    /// Section `s` asks for `flow` (`again`: it asked for this key before too).
    fn ask(&mut self, s: Section, key: FlowKey, flow: Flow, again: bool, track: &mut Track) {
        match self.owners.get_mut(&key) {
            None => {
                track.note(&self.flows, &key);
                self.owners.insert(
                    key.clone(),
                    Owner {
                        winner: s,
                        count: 1,
                    },
                );
                self.flows.insert_keyed(key, flow);
            }
            Some(o) => {
                if !again {
                    o.count += 1;
                }
                if s <= o.winner {
                    o.winner = s;
                    track.note(&self.flows, &key);
                    self.flows.insert_keyed(key, flow);
                }
            }
        }
    }

    /// Section `s` no longer asks for `key`.
    fn release(&mut self, s: Section, key: &FlowKey, track: &mut Track) {
        let Some(o) = self.owners.get_mut(key) else {
            return;
        };
        o.count = o.count.saturating_sub(1);
        if o.count == 0 {
            self.owners.remove(key);
            track.note(&self.flows, key);
            self.flows.remove(key);
        } else if o.winner == s {
            track.contested.push(key.clone());
        }
    }

    /// Gives each contested key to the lowest section still asking for it. Only an
    /// inconsistent model (one MAC on two local interfaces, say) gets here, so every section
    /// is rebuilt from its input to find them.
    fn resolve(&mut self, track: &mut Track) {
        if track.contested.is_empty() {
            return;
        }
        let mut sections: Vec<(Section, Vec<(FlowKey, Flow)>)> = Vec::new();
        let mut b = Builder::default();
        b.defaults();
        sections.push((Section::Switch, keyed(b.flows)));
        for (iface, port) in &self.uplinks {
            let mut b = Builder::default();
            b.uplink_port(*iface, *port);
            sections.push((Section::Uplink(*iface), keyed(b.flows)));
        }
        for (remote, port) in &self.gre_numbers {
            let mut b = Builder::default();
            b.gre_port(*remote, *port);
            sections.push((Section::Gre(*remote), keyed(b.flows)));
        }
        for (iface, p) in &self.vifs {
            sections.push((Section::Vif(*iface), keyed(p.flows(*iface))));
        }
        for (d, p) in &self.domains {
            sections.push((Section::Domain(*d), keyed(p.flows(*d))));
        }
        sections.sort_by_key(|(s, _)| *s);
        for key in std::mem::take(&mut track.contested) {
            let found = sections.iter().find_map(|(s, flows)| {
                let i = flows.binary_search_by(|(k, _)| k.cmp(&key)).ok()?;
                Some((*s, flows.get(i)?.1.clone()))
            });
            track.note(&self.flows, &key);
            match found {
                Some((s, flow)) => {
                    if let Some(o) = self.owners.get_mut(&key) {
                        o.winner = s;
                    }
                    self.flows.insert_keyed(key, flow);
                }
                None => {
                    self.owners.remove(&key);
                    self.flows.remove(&key);
                }
            }
        }
    }
}

/// A section's flows by key, sorted, one per key (the last asked for wins, as when inserting
/// them into a [`FlowSet`] one by one).
fn keyed(flows: Vec<Flow>) -> Vec<(FlowKey, Flow)> {
    let mut v: Vec<(FlowKey, Flow)> = flows.into_iter().rev().map(|f| (f.key(), f)).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v.dedup_by(|a, b| a.0 == b.0);
    v
}

/// Lookups over the model for one datapath, through the model's reverse indexes.
struct Lookup<'a> {
    model: &'a Model,
    dp: Id,
}

impl<'a> Lookup<'a> {
    /// The port interface `iface` has on this datapath: (port name, bound to this datapath by
    /// id rather than to any datapath).
    fn local_port(&self, iface: Id) -> Option<(&'a str, bool)> {
        let m = self.model;
        let ports: Vec<_> = m
            .index
            .ports_by_interface
            .get(&iface)
            .into_iter()
            .flatten()
            .filter_map(|id| m.interface_ports.get(id))
            .collect();
        if let Some(name) = ports
            .iter()
            .filter(|p| p.datapath_id == Some(self.dp))
            .filter_map(|p| p.port_name.as_deref())
            .next_back()
        {
            return Some((name, true));
        }
        // Bound to "any datapath" unless another row binds it to a particular other one.
        if ports
            .iter()
            .any(|q| q.datapath_id.is_some_and(|d| d != self.dp))
        {
            return None;
        }
        ports
            .iter()
            .filter(|p| p.datapath_id.is_none())
            .find_map(|p| p.port_name.as_deref())
            .map(|name| (name, false))
    }

    /// A local VM interface's port and attachments; `None` if it is not a VM here.
    fn vif_part(&self, iface: Id, ports: &SwitchPorts) -> Option<VifPart> {
        let m = self.model;
        let (name, here) = self.local_port(iface)?;
        let row = m
            .interfaces
            .get(&iface)
            .filter(|i| i.mode == InterfaceMode::Vif)?;
        let uuid = row
            .record_uuid()
            .map(ToString::to_string)
            .unwrap_or_default();
        let mut part = VifPart::default();
        let Some(port) = ports.number(name) else {
            if !here {
                return None;
            }
            part.notes.push(format!(
                "interface {uuid}: port {name:?} is not on the switch yet; no flows until it appears"
            ));
            return Some(part);
        };
        part.port = Some(port);
        let macs = self.macs(iface);
        if macs.is_empty() {
            part.notes.push(format!(
                "interface {uuid}: no MAC lease; its port {name:?} gets no flows"
            ));
        }
        let ips = self.ips(iface);
        for (lease_id, mac, _) in &macs {
            for (_, ip, nw) in ips
                .iter()
                .filter(|(ml, _, _)| ml.is_none_or(|ml| ml == *lease_id))
            {
                match m.networks.get(nw) {
                    Some(n) if n.mode == NetworkMode::Virtual => part.attachments.push(Attachment {
                        iface,
                        port,
                        mac: *mac,
                        ip: Some(*ip),
                        domain: Domain::Network(*nw),
                    }),
                    Some(n) => part.notes.push(format!(
                        "interface {uuid}: network {} is {}; only virtual networks are carried so far",
                        n.record_uuid().map(ToString::to_string).unwrap_or_default(),
                        n.mode
                    )),
                    None => {}
                }
            }
        }
        for is in m
            .index
            .interface_segments_by_interface
            .get(&iface)
            .into_iter()
            .flatten()
            .filter_map(|sid| m.interface_segments.get(sid))
        {
            if !m.segments.contains_key(&is.segment_id) {
                continue;
            }
            for (_, mac, seg) in &macs {
                if seg.is_none_or(|s| s == is.segment_id) {
                    part.attachments.push(Attachment {
                        iface,
                        port,
                        mac: *mac,
                        ip: None,
                        domain: Domain::Segment(is.segment_id),
                    });
                }
            }
        }
        Some(part)
    }

    /// Domain `d` on this datapath; `None` if it has neither local VMs nor a span to report.
    fn domain_part(
        &self,
        d: Domain,
        local_ports: BTreeSet<u32>,
        uplinks: &BTreeMap<Id, u32>,
        ports: &SwitchPorts,
    ) -> Option<DomainPart> {
        let mut notes = Vec::new();
        let span = self.span(d, uplinks, ports, &mut notes);
        if local_ports.is_empty() && span.is_none() && notes.is_empty() {
            return None;
        }
        Some(DomainPart {
            local_ports,
            span,
            notes,
        })
    }

    /// How domain `d` spans hosts from this datapath, if this datapath has a row for it.
    fn span(
        &self,
        d: Domain,
        uplinks: &BTreeMap<Id, u32>,
        ports: &SwitchPorts,
        notes: &mut Vec<String>,
    ) -> Option<Span> {
        let m = self.model;
        let ix = &m.index;
        // (row id, datapath, host interface, MAC address id) of the domain's rows.
        let rows: Vec<(Id, Id, Option<Id>, Id)> = match d {
            Domain::Network(nw) => {
                if m.networks
                    .get(&nw)
                    .is_none_or(|n| n.mode != NetworkMode::Virtual)
                {
                    return None;
                }
                ix.dp_networks_by_network
                    .get(&nw)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| m.datapath_networks.get(id))
                    .map(|r| (r.id(), r.datapath_id, r.interface_id, r.mac_address_id))
                    .collect()
            }
            Domain::Segment(seg) => {
                if !m.segments.contains_key(&seg) {
                    return None;
                }
                ix.dp_segments_by_segment
                    .get(&seg)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| m.datapath_segments.get(id))
                    .map(|r| (r.id(), r.datapath_id, r.interface_id, r.mac_address_id))
                    .collect()
            }
        };
        let dp = self.dp;
        let local = rows.iter().find(|r| r.1 == dp)?;
        let Some(host_if) = self.host_interface(local.2, dp) else {
            notes.push(format!(
                "{}: this datapath's row names no host interface and none is bound here",
                d.name()
            ));
            return None;
        };
        let Some(&uplink) = uplinks.get(&host_if) else {
            notes.push(format!(
                "{}: the host interface's port is not on the switch yet",
                d.name()
            ));
            return None;
        };
        let mac = self.mac(local.3)?;
        let local_ip = self.first_ip(host_if);
        let mut peers = Vec::new();
        let mut missing = Vec::new();
        for remote in rows.iter().filter(|r| r.1 != dp) {
            let Some(remote_dp) = m.datapaths.get(&remote.1) else {
                continue;
            };
            let Some(remote_if) = self.host_interface(remote.2, remote.1) else {
                continue;
            };
            let remote_ip = self.first_ip(remote_if);
            match (local_ip, remote_ip) {
                (Some((_, a)), Some((_, b))) if a == b => {
                    if let Some(rmac) = self.mac(remote.3) {
                        peers.push((remote.1, Peer::Mac2Mac { uplink, mac: rmac }));
                    }
                }
                (Some((lip, _)), Some((rip, _))) => {
                    let suffix = remote_dp
                        .record_uuid()
                        .map(|u| u.suffix().to_string())
                        .unwrap_or_else(|| remote.1.to_string());
                    let name = gre_port_name(&suffix);
                    let port = ports.number(&name);
                    if port.is_none() {
                        missing.push(name.clone());
                    }
                    peers.push((
                        remote.1,
                        Peer::Gre {
                            port,
                            name,
                            local_ip: lip,
                            remote_ip: rip,
                        },
                    ));
                }
                _ => notes.push(format!(
                    "{}: no underlay IP lease on the host interfaces of this datapath or of datapath {}; \
                     cannot choose MAC2MAC or GRE",
                    d.name(),
                    remote_dp.record_uuid().map(ToString::to_string).unwrap_or_default()
                )),
            }
        }
        if !missing.is_empty() {
            notes.push(format!(
                "{}: GRE port(s) {} not on the switch yet",
                d.name(),
                missing.join(", ")
            ));
        }
        Some(Span {
            local: LocalDp {
                row_id: local.0,
                mac,
            },
            remote_macs: self.remote_macs(d),
            peers,
        })
    }

    /// An interface's MAC leases: (lease id, MAC, segment of the address).
    fn macs(&self, iface: Id) -> Vec<(Id, MacAddr, Option<Id>)> {
        let m = self.model;
        m.index
            .mac_leases_by_interface
            .get(&iface)
            .into_iter()
            .flatten()
            .filter_map(|id| m.mac_leases.get(id))
            .filter_map(|l| {
                let a = m.mac_addresses.get(&l.mac_address_id)?;
                Some((l.id(), MacAddr(a.mac_address.octets()), a.segment_id))
            })
            .collect()
    }

    /// An interface's IP leases: (MAC lease, address, network).
    fn ips(&self, iface: Id) -> Vec<(Option<Id>, Ipv4Addr, Id)> {
        let m = self.model;
        m.index
            .ip_leases_by_interface
            .get(&iface)
            .into_iter()
            .flatten()
            .filter_map(|id| m.ip_leases.get(id))
            .filter_map(|l| {
                let a = m.ip_addresses.get(&l.ip_address_id)?;
                Some((l.mac_lease_id, a.ipv4_address, a.network_id))
            })
            .collect()
    }

    fn mac(&self, mac_address_id: Id) -> Option<MacAddr> {
        self.model
            .mac_addresses
            .get(&mac_address_id)
            .map(|a| MacAddr(a.mac_address.octets()))
    }

    /// The first IP lease of an interface: (address, network).
    fn first_ip(&self, iface: Id) -> Option<(Ipv4Addr, Id)> {
        self.ips(iface).first().map(|(_, ip, nw)| (*ip, *nw))
    }

    /// The datapath a VM interface is bound to by id, when it is not this one.
    fn bound_elsewhere(&self, iface: Id) -> Option<Id> {
        let m = self.model;
        m.index
            .ports_by_interface
            .get(&iface)
            .into_iter()
            .flatten()
            .filter_map(|id| m.interface_ports.get(id))
            .filter(|p| p.interface_mode == InterfaceMode::Vif)
            .find_map(|p| p.datapath_id.filter(|d| *d != self.dp))
    }

    /// The VMs of a domain on other datapaths, from the model: (interface, MAC, datapath).
    fn remote_macs(&self, d: Domain) -> Vec<(Id, MacAddr, Id)> {
        let m = self.model;
        let mut out = Vec::new();
        match d {
            Domain::Network(nw) => {
                let leases = m
                    .index
                    .ip_addresses_by_network
                    .get(&nw)
                    .into_iter()
                    .flatten()
                    .flat_map(|a| m.index.ip_leases_by_address.get(a).into_iter().flatten())
                    .filter_map(|id| m.ip_leases.get(id));
                for lease in leases {
                    let Some(iface) = lease.interface_id else {
                        continue;
                    };
                    let Some(remote) = self.bound_elsewhere(iface) else {
                        continue;
                    };
                    for (ml, mac, _) in self.macs(iface) {
                        if lease.mac_lease_id.is_none_or(|l| l == ml) {
                            out.push((iface, mac, remote));
                        }
                    }
                }
            }
            Domain::Segment(seg) => {
                let members = m
                    .index
                    .interface_segments_by_segment
                    .get(&seg)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| m.interface_segments.get(id));
                for is in members {
                    let Some(remote) = self.bound_elsewhere(is.interface_id) else {
                        continue;
                    };
                    for (_, mac, s) in self.macs(is.interface_id) {
                        if s.is_none_or(|s| s == seg) {
                            out.push((is.interface_id, mac, remote));
                        }
                    }
                }
            }
        }
        out
    }

    /// The host interface of datapath `dp`: the one given, else a host-mode interface bound
    /// to `dp`.
    fn host_interface(&self, given: Option<Id>, dp: Id) -> Option<Id> {
        given.or_else(|| {
            self.model
                .index
                .ports_by_datapath
                .get(&Some(dp))
                .into_iter()
                .flatten()
                .filter_map(|id| self.model.interface_ports.get(id))
                .find(|p| is_host(p.interface_mode))
                .map(|p| p.interface_id)
        })
    }
}
