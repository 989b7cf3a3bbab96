//! A flow as vna wants it installed, and the set of them for one datapath.
//!
//! A switch identifies a flow by `(table, priority, match)`; so does [`FlowSet`], with the
//! match in canonical form ([`Match::canonical`]) so that field order and full masks do not
//! make two equal flows look different. Everything else (cookie, instructions, timeouts) is the
//! flow's content: when it differs from what is installed, the flow is modified.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use openflow::{FlowMod, Instruction, Match};

use crate::cookie;

/// One flow.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flow {
    pub table: u8,
    pub priority: u16,
    pub cookie: u64,
    pub match_: Match,
    pub instructions: Vec<Instruction>,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
}

/// What identifies a flow in a switch.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    pub table: u8,
    pub priority: u16,
    /// The canonical match, encoded (encodings of canonical matches compare like the matches).
    pub match_bytes: Vec<u8>,
}

impl Flow {
    pub fn new(table: u8, priority: u16, cookie: u64, match_: Match) -> Flow {
        Flow {
            table,
            priority,
            cookie,
            match_,
            instructions: Vec::new(),
            idle_timeout: 0,
            hard_timeout: 0,
        }
    }

    #[must_use]
    pub fn instruction(mut self, i: Instruction) -> Flow {
        self.instructions.push(i);
        self
    }

    pub fn key(&self) -> FlowKey {
        let mut match_bytes = Vec::new();
        // A match of at most a few hundred bytes always encodes; an impossible failure leaves
        // the key empty, which only merges such flows.
        let _ = self.match_.canonical().encode(&mut match_bytes);
        FlowKey {
            table: self.table,
            priority: self.priority,
            match_bytes,
        }
    }

    /// Whether the switch created this flow at run time (learned), so it is not reconciled.
    pub fn is_dynamic(&self) -> bool {
        self.cookie & cookie::DYNAMIC != 0
    }

    /// The FLOW_MOD that adds this flow.
    pub fn to_add(&self) -> FlowMod {
        let mut fm = FlowMod::add(self.table)
            .priority(self.priority)
            .cookie(self.cookie)
            .match_(self.match_.clone())
            .timeouts(self.idle_timeout, self.hard_timeout);
        fm.instructions = self.instructions.clone();
        fm
    }

    /// The FLOW_MOD that deletes exactly this flow (strict: table, priority and match).
    pub fn to_delete(&self) -> FlowMod {
        FlowMod::delete_strict(self.table)
            .priority(self.priority)
            .match_(self.match_.clone())
    }

    /// Whether two versions of one flow (same key) would act the same.
    pub fn same_content(&self, other: &Flow) -> bool {
        self.cookie == other.cookie
            && self.instructions == other.instructions
            && self.idle_timeout == other.idle_timeout
            && self.hard_timeout == other.hard_timeout
    }
}

/// The flows of one datapath, by key. Adding a flow whose key is already present replaces it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowSet {
    flows: HashMap<FlowKey, Flow, BuildHasherDefault<KeyHasher>>,
}

impl FlowSet {
    pub fn new() -> FlowSet {
        FlowSet::default()
    }

    /// An empty set with room for `n` flows (growing a large set rehashes it repeatedly).
    pub fn with_capacity(n: usize) -> FlowSet {
        FlowSet {
            flows: HashMap::with_capacity_and_hasher(n, BuildHasherDefault::default()),
        }
    }

    pub fn insert(&mut self, flow: Flow) {
        self.flows.insert(flow.key(), flow);
    }

    /// Inserts a flow whose key the caller has already computed.
    pub(crate) fn insert_keyed(&mut self, key: FlowKey, flow: Flow) {
        self.flows.insert(key, flow);
    }

    pub fn remove(&mut self, key: &FlowKey) -> Option<Flow> {
        self.flows.remove(key)
    }

    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    pub fn get(&self, key: &FlowKey) -> Option<&Flow> {
        self.flows.get(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&FlowKey, &Flow)> {
        self.flows.iter()
    }

    pub fn flows(&self) -> impl Iterator<Item = &Flow> {
        self.flows.values()
    }

    /// The flows sorted by table, then priority (highest first), then match: a stable order
    /// for dumps and tests.
    pub fn sorted(&self) -> Vec<&Flow> {
        let mut v: Vec<(&FlowKey, &Flow)> = self.flows.iter().collect();
        v.sort_by(|(a, _), (b, _)| {
            a.table
                .cmp(&b.table)
                .then(b.priority.cmp(&a.priority))
                .then(a.match_bytes.cmp(&b.match_bytes))
        });
        v.into_iter().map(|(_, f)| f).collect()
    }
}

impl FromIterator<Flow> for FlowSet {
    fn from_iter<I: IntoIterator<Item = Flow>>(iter: I) -> FlowSet {
        let mut set = FlowSet::new();
        for f in iter {
            set.insert(f);
        }
        set
    }
}

impl Extend<Flow> for FlowSet {
    fn extend<I: IntoIterator<Item = Flow>>(&mut self, iter: I) {
        for f in iter {
            self.insert(f);
        }
    }
}

/// FNV-1a over the key's bytes: keys are our own flows' encodings, not attacker-chosen, so
/// the DoS resistance of the default SipHash buys nothing and costs a third of a diff.
#[derive(Debug, Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// What must change in a switch holding `installed` so it holds `desired`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowDiff {
    /// Flows to add (new keys).
    pub add: Vec<Flow>,
    /// Flows to replace (same key, other content): sent as adds, which overwrite.
    pub modify: Vec<Flow>,
    /// Installed flows not desired (strict deletes). Dynamic flows are never here.
    pub delete: Vec<Flow>,
}

impl FlowDiff {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.modify.is_empty() && self.delete.is_empty()
    }

    pub fn len(&self) -> usize {
        self.add.len() + self.modify.len() + self.delete.len()
    }
}

/// The difference between what is installed and what is desired. Installed dynamic flows
/// (cookie flag [`cookie::DYNAMIC`]) are left alone.
pub fn diff(installed: &FlowSet, desired: &FlowSet) -> FlowDiff {
    let mut d = FlowDiff::default();
    for (key, want) in &desired.flows {
        match installed.flows.get(key) {
            None => d.add.push(want.clone()),
            Some(have) if !have.same_content(want) => d.modify.push(want.clone()),
            Some(_) => {}
        }
    }
    for (key, have) in &installed.flows {
        if !have.is_dynamic() && !desired.flows.contains_key(key) {
            d.delete.push(have.clone());
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use openflow::Oxm;

    fn f(table: u8, prio: u16, port: u32, goto: u8) -> Flow {
        Flow::new(
            table,
            prio,
            0x0900_0000_0000_0000,
            Match::new().with(Oxm::InPort(port)),
        )
        .instruction(Instruction::GotoTable(goto))
    }

    #[test]
    fn diff_adds_modifies_and_deletes_but_leaves_dynamic_flows() {
        let installed: FlowSet = [f(0, 1, 1, 17), f(0, 1, 2, 17), {
            let mut l = f(43, 35, 9, 90);
            l.cookie |= cookie::DYNAMIC;
            l
        }]
        .into_iter()
        .collect();
        let desired: FlowSet = [f(0, 1, 1, 17), f(0, 1, 3, 17), f(0, 1, 2, 10)]
            .into_iter()
            .collect();
        let d = diff(&installed, &desired);
        assert_eq!(d.add, vec![f(0, 1, 3, 17)]);
        assert_eq!(d.modify, vec![f(0, 1, 2, 10)]);
        assert!(d.delete.is_empty());
        let d = diff(&desired, &FlowSet::new());
        assert_eq!(d.delete.len(), 3);
        assert!(diff(&desired, &desired).is_empty());
    }

    #[test]
    fn keys_ignore_field_order_and_full_masks() {
        let a = Flow::new(
            1,
            1,
            0,
            Match::new()
                .with(Oxm::Metadata(5, Some(u64::MAX)))
                .with(Oxm::InPort(1)),
        );
        let b = Flow::new(
            1,
            1,
            0,
            Match::new()
                .with(Oxm::InPort(1))
                .with(Oxm::Metadata(5, None)),
        );
        assert_eq!(a.key(), b.key());
    }
}
