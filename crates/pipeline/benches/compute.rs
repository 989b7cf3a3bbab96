//! Desired-flow computation at scale (issue 5, benchmark 3): a model of 1,000 virtual networks
//! and 10,000 VM interfaces over 100 datapaths; prints the time to compute one datapath's
//! flows from scratch, the time to recompute after one interface change, and the process's
//! peak memory. Figures, not a timed test: `cargo bench -p pipeline --bench compute`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::indexing_slicing,
    clippy::cast_precision_loss
)]

use std::time::{Duration, Instant};

use model::AnyRecord;
use model::modes::NetworkMode;
use pipeline::compute::plan;
use pipeline::fixture::Fixture;
use pipeline::{Changes, Planner, SwitchPorts};

const DATAPATHS: usize = 100;
const NETWORKS: usize = 1_000;
const VMS_PER_NETWORK: usize = 10;

fn mac(prefix: u8, n: usize) -> String {
    format!(
        "{prefix:02x}:00:{:02x}:{:02x}:{:02x}:{:02x}",
        (n >> 24) & 0xff,
        (n >> 16) & 0xff,
        (n >> 8) & 0xff,
        n & 0xff
    )
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let rss_idle = peak_rss_kib();
    let mut f = Fixture::new();
    let underlay = f.network("nw-underlay", "192.0.2.0", 24, NetworkMode::Physical);
    let underlay2 = f.network("nw-underlay2", "198.51.100.0", 24, NetworkMode::Physical);
    let mut dps = Vec::new();
    let mut hosts = Vec::new();
    for d in 0..DATAPATHS {
        let dp = f.datapath(&format!("dp-{d}"), 0x1000 + d as u64, &format!("vna{d}"));
        // Half the hosts on each underlay: every datapath has MAC2MAC and GRE peers.
        let (ip, nw) = if d % 2 == 0 {
            (format!("192.0.2.{}", d / 2 + 1), underlay)
        } else {
            (format!("198.51.100.{}", d / 2 + 1), underlay2)
        };
        hosts.push(f.host_interface(&format!("if-host{d}"), dp, "eth0", &mac(0x02, d), &ip, nw));
        dps.push(dp);
    }
    let mut local_ports: Vec<(String, u32)> = vec![("eth0".into(), 1)];
    let mut vm = 0usize;
    for n in 0..NETWORKS {
        let nw = f.network(&format!("nw-v{n}"), "10.0.0.0", 16, NetworkMode::Virtual);
        for k in 0..VMS_PER_NETWORK {
            let d = (n + k * 11) % DATAPATHS;
            let port = format!("vif-{vm}");
            f.vif(
                &format!("if-vm{vm}"),
                dps[d],
                &port,
                &mac(0x52, vm),
                Some((&format!("10.0.{}.{}", k, n % 250 + 1), nw)),
            );
            if d == 0 {
                local_ports.push((port, 100 + vm as u32));
            }
            f.datapath_network(dps[d], nw, hosts[d], &mac(0x06, n * VMS_PER_NETWORK + k));
            vm += 1;
        }
    }
    let gre_ports: Vec<(String, u32)> = (0..DATAPATHS)
        .filter(|d| d % 2 == 1)
        .map(|d| {
            (
                pipeline::compute::gre_port_name(&d.to_string()),
                50_000 + d as u32,
            )
        })
        .collect();
    local_ports.extend(gre_ports);
    let ports: SwitchPorts = local_ports.into_iter().collect();
    let mut model = f.model;
    let dpid = 0x1000;
    let rss_model = peak_rss_kib();

    let first = Instant::now();
    let p = plan(&model, dpid, &ports);
    let first = first.elapsed();
    let mut full = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let p2 = plan(&model, dpid, &ports);
        full.push(t.elapsed());
        assert_eq!(p2.flows.len(), p.flows.len());
    }
    let rss_loaded = peak_rss_kib();

    // One change, as vna meets it: a new VM on this datapath in network 2 arrives row by row
    // (interface, port, MAC address and lease, IP address and lease); the model takes the
    // rows, the planner updates its plan and returns the difference.
    let mut planner = Planner::new(dpid);
    planner.update(&model, &ports, &Changes::all());
    let mut change = Vec::new();
    let mut ports2 = ports.clone();
    ports2
        .by_name
        .extend((0..20).map(|i| (format!("vif-new{i}"), 90_000 + i)));
    planner.update(&model, &ports2, &Changes::all());
    for i in 0..20u32 {
        let mut fx = Fixture::ids_after(1_000_000 + i64::from(i) * 100);
        let nw = *model.networks.keys().nth(2).unwrap();
        let port = format!("vif-new{i}");
        fx.vif(
            &format!("if-new{i}"),
            dps[0],
            &port,
            &mac(0x54, i as usize),
            Some(("10.0.9.9", nw)),
        );
        let rows: Vec<AnyRecord> = fx.model.rows();
        let t = Instant::now();
        let mut changes = Changes::default();
        for row in &rows {
            changes.touch(&model, row);
            model.upsert(row.clone());
            changes.touch(&model, row);
        }
        let d = planner.update(&model, &ports2, &changes);
        change.push(t.elapsed());
        assert!(!d.is_empty());
    }
    assert_eq!(planner.flows(), &plan(&model, dpid, &ports2).flows);

    println!(
        "model: {DATAPATHS} datapaths, {NETWORKS} networks, {} interfaces, {} rows",
        vm,
        model.len()
    );
    println!(
        "datapath dp-0: {} flows, {} GRE ports",
        p.flows.len(),
        p.gre_ports.len()
    );
    println!(
        "full computation: first {:.2} ms, median of 200 {:.2} ms",
        first.as_secs_f64() * 1e3,
        median(full).as_secs_f64() * 1e3
    );
    println!(
        "one interface change (model update + incremental plan + diff): median of 20 {:.3} ms, max {:.3} ms",
        median(change.clone()).as_secs_f64() * 1e3,
        change.iter().max().unwrap().as_secs_f64() * 1e3
    );
    println!(
        "peak RSS: {:.1} MiB at start, {:.1} MiB with the model, {:.1} MiB after computing",
        rss_idle as f64 / 1024.0,
        rss_model as f64 / 1024.0,
        rss_loaded as f64 / 1024.0
    );
}
