//! The planner kept up to date change by change equals the plan computed from scratch, after
//! every one of many random changes (rows removed, put back, moved between datapaths and
//! ports), on the three datapaths of a topology with networks, segments, MAC2MAC and GRE; and
//! the difference it returns turns the flows before into the flows after.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::needless_range_loop,
    clippy::cast_possible_truncation
)]

use std::collections::BTreeSet;

use model::AnyRecord;
use model::modes::NetworkMode;
use pipeline::compute::{gre_port_name, plan};
use pipeline::fixture::{DPIDS, Fixture};
use pipeline::{Changes, FlowDiff, FlowSet, Model, Planner, SwitchPorts};

/// Three datapaths (1 and 2 on one underlay, 3 on another), two networks with the same
/// subnet and a segment, three VMs per datapath (one of them on the segment, one with two
/// leases), and a VM bound to any datapath.
fn topology() -> Model {
    let mut f = Fixture::new();
    let public1 = f.network("nw-public1", "192.0.2.0", 24, NetworkMode::Physical);
    let public2 = f.network("nw-public2", "198.51.100.0", 24, NetworkMode::Physical);
    let vnet1 = f.network("nw-vnet1", "10.101.0.0", 24, NetworkMode::Virtual);
    let vnet2 = f.network("nw-vnet2", "10.101.0.0", 24, NetworkMode::Virtual);
    let seg = f.segment("seg-vseg1");
    for host in 0..3 {
        let n = host + 1;
        let dp = f.datapath(&format!("dp-{n}"), DPIDS[host], &format!("vna{n}"));
        let (ip, underlay) = if n < 3 {
            (format!("192.0.2.{n}"), public1)
        } else {
            (format!("198.51.100.{n}"), public2)
        };
        let h = f.host_interface(
            &format!("if-dp{n}eth0"),
            dp,
            "eth0",
            &format!("02:00:00:00:0{n}:00"),
            &ip,
            underlay,
        );
        let a = f.vif(
            &format!("if-a{n}"),
            dp,
            &format!("vif-a{n}"),
            &format!("52:54:00:00:0a:0{n}"),
            Some((&format!("10.101.0.{}", 10 + n), vnet1)),
        );
        f.ip_lease(a, None, &format!("10.101.0.{}", 20 + n), vnet1);
        f.vif(
            &format!("if-b{n}"),
            dp,
            &format!("vif-b{n}"),
            &format!("52:54:00:00:0b:0{n}"),
            Some((&format!("10.101.0.{}", 10 + n), vnet2)),
        );
        let c = f.vif(
            &format!("if-c{n}"),
            dp,
            &format!("vif-c{n}"),
            &format!("52:54:00:00:0c:0{n}"),
            None,
        );
        f.interface_segment(c, seg);
        f.datapath_network(dp, vnet1, h, &format!("02:00:00:01:0{n}:01"));
        f.datapath_network(dp, vnet2, h, &format!("02:00:00:01:0{n}:02"));
        f.datapath_segment(dp, seg, h, &format!("02:00:00:02:0{n}:01"));
    }
    f.interface(
        "if-anywhere",
        model::modes::InterfaceMode::Vif,
        None,
        Some("vif-any"),
        "52:54:00:00:0d:01",
        Some(("10.101.0.99", vnet1)),
    );
    f.model
}

fn ports(host: usize) -> SwitchPorts {
    let n = host + 1;
    let mut p = SwitchPorts::new();
    p.insert("eth0", 1);
    p.insert(format!("vif-a{n}"), 2);
    p.insert(format!("vif-b{n}"), 3);
    p.insert(format!("vif-c{n}"), 4);
    p.insert("vif-any", 5);
    // Peers' GRE ports (named after the datapath uuid's suffix).
    for peer in 0..3 {
        if peer != host {
            p.insert(gre_port_name(&(peer + 1).to_string()), 20 + peer as u32);
        }
    }
    p
}

fn apply(flows: &FlowSet, d: &FlowDiff) -> FlowSet {
    let mut out = flows.clone();
    for f in &d.delete {
        assert!(
            out.remove(&f.key()).is_some(),
            "deleted a flow not there: {f:?}"
        );
    }
    for f in &d.modify {
        assert!(
            out.get(&f.key()).is_some(),
            "modified a flow not there: {f:?}"
        );
        out.insert(f.clone());
    }
    for f in &d.add {
        assert!(
            out.get(&f.key()).is_none(),
            "added a flow already there: {f:?}"
        );
        out.insert(f.clone());
    }
    out
}

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Another version of `row`: a port moved to another datapath or port name, a lease given
/// another address, a network switched between virtual and physical.
fn variant(row: &AnyRecord, model: &Model, rng: &mut Rng) -> Option<AnyRecord> {
    let dps: Vec<_> = model.datapaths.keys().copied().collect();
    // Another interface: a change that moves a row between interfaces must touch both.
    let ifaces: Vec<_> = model.interfaces.keys().copied().collect();
    let other_iface = |rng: &mut Rng| (!ifaces.is_empty()).then(|| ifaces[rng.below(ifaces.len())]);
    match row {
        AnyRecord::InterfacePort(p) if p.interface_mode == model::modes::InterfaceMode::Vif => {
            let mut p = p.clone();
            match rng.below(4) {
                0 if !dps.is_empty() => p.datapath_id = Some(dps[rng.below(dps.len())]),
                1 => p.datapath_id = None,
                2 => p.interface_id = other_iface(rng).unwrap_or(p.interface_id),
                _ => p.port_name = Some(format!("vif-a{}", 1 + rng.below(3))),
            }
            Some(AnyRecord::InterfacePort(p))
        }
        AnyRecord::MacLease(l) if !model.mac_addresses.is_empty() => {
            let macs: Vec<_> = model.mac_addresses.keys().copied().collect();
            let mut l = l.clone();
            if rng.below(2) == 0 {
                l.mac_address_id = macs[rng.below(macs.len())];
            } else {
                l.interface_id = other_iface(rng).or(l.interface_id);
            }
            Some(AnyRecord::MacLease(l))
        }
        AnyRecord::IpLease(l) => {
            let mut l = l.clone();
            let addresses: Vec<_> = model.ip_addresses.keys().copied().collect();
            if rng.below(2) == 0 && !addresses.is_empty() {
                l.ip_address_id = addresses[rng.below(addresses.len())];
            } else {
                l.interface_id = other_iface(rng).or(l.interface_id);
            }
            Some(AnyRecord::IpLease(l))
        }
        AnyRecord::Network(n) if n.mode != NetworkMode::Physical || rng.below(4) == 0 => {
            let mut n = n.clone();
            n.mode = if n.mode == NetworkMode::Virtual {
                NetworkMode::Physical
            } else {
                NetworkMode::Virtual
            };
            Some(AnyRecord::Network(n))
        }
        _ => None,
    }
}

fn check(seed: u64, steps: usize) {
    let all = topology().rows();
    let mut model = Model::from_rows(all.clone());
    let mut rng = Rng(seed);
    let mut planners: Vec<Planner> = DPIDS.iter().map(|d| Planner::new(*d)).collect();
    // The switches' ports: VM ports and GRE ports come and go too.
    let mut switch: Vec<SwitchPorts> = (0..3).map(ports).collect();
    for (i, p) in planners.iter_mut().enumerate() {
        p.update(&model, &switch[i], &Changes::all());
    }
    for step in 0..steps {
        let mut changes = Changes::default();
        // One to three row changes per step, as one event may carry several.
        for _ in 0..1 + rng.below(3) {
            let row = &all[rng.below(all.len())];
            let present = model
                .rows()
                .into_iter()
                .find(|r| r.table() == row.table() && r.id() == row.id());
            let next = match &present {
                Some(cur) if rng.below(3) == 0 => variant(cur, &model, &mut rng),
                Some(_) => None,
                None => Some(row.clone()),
            };
            // As vna does: the row as the model held it and as it comes, before and after.
            if let Some(old) = &present {
                changes.touch(&model, old);
            }
            let new = next.as_ref().unwrap_or(row);
            changes.touch(&model, new);
            match &next {
                Some(r) => {
                    model.upsert(r.clone());
                }
                None => {
                    model.remove(row.table(), row.id());
                }
            }
            changes.touch(&model, new);
        }
        if rng.below(4) == 0 {
            let i = rng.below(3);
            let mut all: Vec<(String, u32)> = ports(i).by_name.into_iter().collect();
            all.sort();
            let (name, no) = &all[rng.below(all.len())];
            if switch[i].number(name).is_some() {
                switch[i].remove(name);
            } else {
                switch[i].insert(name.clone(), *no + 100 * rng.below(2) as u32);
            }
        }
        for (i, p) in planners.iter_mut().enumerate() {
            let before = p.flows().clone();
            let d = p.update(&model, &switch[i], &changes);
            let fresh = plan(&model, DPIDS[i], &switch[i]);
            if p.flows() != &fresh.flows {
                let dd = pipeline::diff(p.flows(), &fresh.flows);
                eprintln!(
                    "ports {:?}\nadd {:#?}\nmodify {:#?}\ndelete {:#?}",
                    switch[i], dd.add, dd.modify, dd.delete
                );
            }
            assert!(
                p.flows() == &fresh.flows,
                "seed {seed} step {step} dp {i}: incremental flows differ from a fresh plan"
            );
            assert_eq!(
                p.gre_ports(),
                fresh.gre_ports,
                "seed {seed} step {step} dp {i}"
            );
            let notes: BTreeSet<String> = p.notes().into_iter().collect();
            let fresh_notes: BTreeSet<String> = fresh.notes.into_iter().collect();
            assert_eq!(notes, fresh_notes, "seed {seed} step {step} dp {i}");
            assert!(
                apply(&before, &d) == fresh.flows,
                "seed {seed} step {step} dp {i}: the returned difference does not lead to the new flows"
            );
        }
    }
}

#[test]
fn updates_equal_a_fresh_plan_after_every_change() {
    for seed in (1..40).chain([0x9e37_79b9, 7_777]) {
        check(seed, 300);
    }
}

#[test]
fn a_change_to_one_vm_touches_only_its_flows() {
    let model = topology();
    let mut p = Planner::new(DPIDS[0]);
    p.update(&model, &ports(0), &Changes::all());
    let mut model2 = model.clone();
    // vm b1 loses its IP lease: its network flows go, nothing else changes.
    let lease = model2
        .ip_leases
        .values()
        .find(|l| {
            l.interface_id
                .and_then(|i| model2.interfaces.get(&i))
                .is_some_and(|i| i.uuid.to_string().ends_with("b1"))
        })
        .map(|l| l.id)
        .unwrap();
    let lease = model2.row(model::Table::IpLeases, lease).unwrap();
    let mut changes = Changes::default();
    changes.touch(&model2, &lease);
    model2.remove(model::Table::IpLeases, lease.id());
    changes.touch(&model2, &lease);
    let d = p.update(&model2, &ports(0), &changes);
    assert!(d.add.is_empty(), "{:?}", d.add);
    assert!(!d.delete.is_empty());
    assert_eq!(p.flows(), &plan(&model2, DPIDS[0], &ports(0)).flows);
}
