//! The agent's benchmarks on the namespace datacenter (issue 5), release binaries, real OVS.
//! Figures, not a timed test: `sudo cargo bench -p integration --bench agent`.
//!
//! 1. **Latency** from `vnctl interfaces add` (a vif whose port already exists on a running
//!    hypervisor; the VMs have static neighbour entries, so ARP timers do not count) to its flows
//!    being acknowledged by the switch, and to the first ping reply across hosts (vm1 on host1
//!    to vm3 on host2, MAC2MAC): p50 and p95 over 50 trials, on the small topology and with
//!    1,000 networks / 10,000 interfaces over 100 datapaths loaded.
//! 2. **vna's memory**: peak and current RSS of host1's vna, small and loaded.
//! 3. **Restart**: pings at 100 per second across hosts while vna on both hosts is killed and
//!    restarted, then vnmgr is, with at least 15,000 flows on the restarted hosts: lost packets
//!    and how long the restarted vna took to be in sync.
//!
//! "Flows acknowledged" is the time vna logs "flows applied" (after the switch's bundle commit
//! reply); the first reply is when the prober (echo requests every millisecond from vm1, see
//! `integration::Prober`) received it. Both clocks are this machine's.
//! `BENCH_TRIALS` changes the number of trials; `BENCH_ONLY=latency|small|large|restart` runs one part.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss
)]

use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use integration::stack::{Bins, Database, Stack};
use integration::{Datacenter, Options};

const VM1_MAC: &str = "02:00:00:00:00:01";
const VM3_MAC: &str = "02:00:00:00:00:03";

fn main() {
    let Some(tools) = integration::require().unwrap() else {
        eprintln!("skipped: the benchmark needs root and Open vSwitch");
        return;
    };
    let bins = Bins::build_release().unwrap();
    let trials: usize = std::env::var("BENCH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    for large in [false, true] {
        let part = if large { "large" } else { "small" };
        if only.is_empty() || only == "latency" || only == part {
            latency(&tools, &bins, large, trials);
        }
    }
    if only.is_empty() || only == "restart" {
        restart(&tools, &bins);
    }
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// `2026-11-26T03:32:25.115015Z` as nanoseconds since the epoch.
fn parse_rfc3339(ts: &str) -> Option<u128> {
    let (date, time) = ts.trim_end_matches('Z').split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|p| p.parse::<i64>());
    let (h, mi, s) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + s;
    let frac_ns: u128 = format!("{frac:0<9}")[..9].parse().ok()?;
    Some(u128::try_from(secs).ok()? * 1_000_000_000 + frac_ns)
}

/// Times (ns) of the log lines of `name` that contain `needle`.
fn log_times(dc: &mut Datacenter, name: &str, needle: &str) -> Vec<u128> {
    log_lines(dc, name, needle)
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

/// The log lines of `name` that contain `needle`, with their times (ns).
fn log_lines(dc: &mut Datacenter, name: &str, needle: &str) -> Vec<(u128, String)> {
    dc.process(name)
        .unwrap()
        .log()
        .lines()
        .filter(|l| l.contains(needle))
        .filter_map(|l| {
            let t = l.split_whitespace().next().and_then(parse_rfc3339)?;
            Some((t, l.to_owned()))
        })
        .collect()
}

/// The value of `key=N` in a log line.
fn field(line: &str, key: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

fn summary(what: &str, ms: Vec<f64>) -> String {
    testkit::stats::summary(what, ms, 1)
}

/// Networks spanning dp-1, dp-2 and dp-3 only (for many flows on each real switch).
fn wide_dataset(networks: usize) -> String {
    let mut b = String::new();
    for n in 0..networks {
        writeln!(
            b,
            "networks add --uuid nw-w{n} --ipv4-network 10.{}.{}.0 --ipv4-prefix 24 --network-mode virtual",
            100 + n / 250,
            n % 250
        )
        .unwrap();
        for d in 1..=3 {
            let m = n * 3 + d;
            writeln!(
                b,
                "datapaths networks add dp-{d} nw-w{n} --interface-uuid if-dp{d}eth0 --mac-address 0e:00:00:{:02x}:{:02x}:{:02x}",
                m >> 16, (m >> 8) & 0xff, m & 0xff
            )
            .unwrap();
        }
    }
    b
}

fn load_text(dc: &Datacenter, stack: &Stack, name: &str, text: &str) {
    let path = dc.dir().join(format!("{name}.vnctl"));
    std::fs::write(&path, text).unwrap();
    let started = Instant::now();
    stack.vnctl(dc, &["batch", path.to_str().unwrap()]).unwrap();
    println!(
        "  loaded {name} ({} commands) in {:.1} s",
        text.lines().count(),
        started.elapsed().as_secs_f64()
    );
}

/// Waits until vna `name` has logged nothing new for `quiet`.
fn wait_quiet(dc: &mut Datacenter, name: &str, quiet: Duration) {
    let mut last = String::new();
    let mut since = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        let log = dc.process(name).unwrap().log();
        if log.len() != last.len() {
            last = log;
            since = Instant::now();
        } else if since.elapsed() >= quiet {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// vnctl from the root namespace, as an operator's shell runs it (the datacenter gives the root
/// namespace an address on the management network).
fn vnctl_root(stack: &Stack, args: &[&str]) {
    let api = format!(
        "http://{}:{}",
        integration::layout::MGMT_SERVER_IP,
        integration::stack::VNAPI_PORT
    );
    let out = std::process::Command::new(&stack.bins.vnctl)
        .arg("--api")
        .arg(api)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "vnctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn base_stack(tools: &integration::Tools, bins: &Bins) -> (Datacenter, Stack) {
    let options = Options {
        root_mgmt_ip: Some((
            std::net::Ipv4Addr::new(203, 0, 113, 252),
            integration::layout::MGMT_PREFIX_LEN,
        )),
        ..Options::default()
    };
    let mut dc = Datacenter::build(tools, options).unwrap();
    let stack = Stack::start(&mut dc, bins.clone(), Database::Sqlite).unwrap();
    stack.start_all_vnas(&mut dc).unwrap();
    for d in ["base", "simple_nw"] {
        stack.load(&dc, d).unwrap();
    }
    (dc, stack)
}

fn latency(tools: &integration::Tools, bins: &Bins, large: bool, trials: usize) {
    let label = if large {
        "1,000 networks / 10,000 interfaces / 100 datapaths"
    } else {
        "small topology (simple_nw)"
    };
    println!("latency, {label}:");
    let (mut dc, stack) = base_stack(tools, bins);
    if large {
        load_text(
            &dc,
            &stack,
            "large",
            &testkit::datasets::large(1000, 10_000, 100).concat(),
        );
    }
    wait_quiet(&mut dc, "vna-host1", Duration::from_secs(2));
    let vna_pid = dc.process("vna-host1").unwrap().pid();
    let (hwm, rss) = testkit::proc::rss_kib(vna_pid);
    println!(
        "  vna on host1: peak RSS {:.1} MiB, RSS now {:.1} MiB",
        hwm as f64 / 1024.0,
        rss as f64 / 1024.0
    );
    let flows = dc
        .host("host1")
        .unwrap()
        .ofctl("dump-aggregate", &[])
        .unwrap_or_default();
    println!(
        "  host1's switch: {}",
        flows.lines().last().unwrap_or("").trim()
    );

    let vm3_ip = dc.vm("vm3").unwrap().ip.unwrap().0;
    let vm1_ip = dc.vm("vm1").unwrap().ip.unwrap().0;
    dc.add_vm_neighbour("vm1", vm3_ip, VM3_MAC).unwrap();
    dc.add_vm_neighbour("vm3", vm1_ip, VM1_MAC).unwrap();
    // Both hosts learn where the other VM lives once; then vm1's interface leaves the model.
    assert!(
        dc.ping("vm1", vm3_ip, 3, Duration::from_secs(10)).unwrap() > 0,
        "vm1 → vm3 before the trials"
    );
    stack.vnctl(&dc, &["interfaces", "del", "if-v1"]).unwrap();
    std::thread::sleep(Duration::from_millis(500));

    let mut to_flows = Vec::new();
    let mut to_reply = Vec::new();
    let mut vnctl_ms = Vec::new();
    let mut vna_ms = Vec::new();
    let mut ack_to_reply = Vec::new();
    let mut compute_ms = Vec::new();
    for k in 0..trials {
        // Echo requests every millisecond, whether or not replies come (`ping -i` would slow
        // to one per 10 ms while unanswered).
        let netns = dc.vm_netns("vm1").unwrap();
        let prober = integration::Prober::start(&netns, vm3_ip, Duration::from_millis(1)).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let uuid = format!("if-lat{k}");
        let t0 = now_ns();
        vnctl_root(
            &stack,
            &[
                "interfaces",
                "add",
                "--uuid",
                &uuid,
                "--mode",
                "vif",
                "--owner-datapath-uuid",
                "dp-1",
                "--mac-address",
                VM1_MAC,
                "--network-uuid",
                "nw-vnet1",
                "--ipv4-address",
                &vm1_ip.to_string(),
                "--port-name",
                "vif-vm1",
            ],
        );
        vnctl_ms.push((now_ns() - t0) as f64 / 1e6);
        // The first reply comes within milliseconds; a second is plenty to see it.
        std::thread::sleep(Duration::from_millis(1000));
        let reply = prober.stop().unwrap().into_iter().find(|t| *t > t0);
        let applied = log_lines(&mut dc, "vna-host1", "flows applied")
            .into_iter()
            .find(|(t, _)| *t > t0);
        if let Some((t, line)) = &applied {
            to_flows.push((t - t0) as f64 / 1e6);
            if let Some(us) = field(line, "total_us") {
                vna_ms.push(us / 1e3);
            }
            if let Some(us) = field(line, "compute_us") {
                compute_ms.push(us / 1e3);
            }
        }
        if let Some(t) = reply {
            to_reply.push((t - t0) as f64 / 1e6);
            if let Some((a, _)) = applied {
                ack_to_reply.push((t as f64 - a as f64) / 1e6);
            }
        }
        let before = log_times(&mut dc, "vna-host1", "flows applied").len();
        stack.vnctl(&dc, &["interfaces", "del", &uuid]).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while log_times(&mut dc, "vna-host1", "flows applied").len() == before
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        // Each trial starts on a quiet system: the deletion's aftermath (the active-state
        // report 50 ms later and every vna's handling of it) is over.
        std::thread::sleep(Duration::from_millis(400));
    }
    println!(
        "  {}",
        summary("vnctl interfaces add → flows acknowledged", to_flows)
    );
    println!(
        "    of which: {}",
        summary("the vnctl command (vnapi, vnmgr, SQLite)", vnctl_ms)
    );
    println!(
        "    of which: {}",
        summary("vna's reconcile (plan, diff, bundle)", vna_ms)
    );
    println!(
        "      of which: {}",
        summary("updating the plan (Planner::update)", compute_ms)
    );
    println!(
        "  {}",
        summary(
            "vnctl interfaces add → first ping reply (host1 → host2)",
            to_reply
        )
    );
    println!(
        "    of which: {}",
        summary(
            "host1's flows acknowledged → first ping reply (a request every 1 ms)",
            ack_to_reply
        )
    );
    let (hwm, rss) = testkit::proc::rss_kib(vna_pid);
    println!(
        "  vna on host1 after the trials: peak RSS {:.1} MiB, RSS {:.1} MiB",
        hwm as f64 / 1024.0,
        rss as f64 / 1024.0
    );
}

fn restart(tools: &integration::Tools, bins: &Bins) {
    println!("restart with many flows installed:");
    let (mut dc, stack) = base_stack(tools, bins);
    load_text(&dc, &stack, "wide", &wide_dataset(1500));
    wait_quiet(&mut dc, "vna-host1", Duration::from_secs(2));
    wait_quiet(&mut dc, "vna-host2", Duration::from_secs(1));
    for host in ["host1", "host2"] {
        let agg = dc
            .host(host)
            .unwrap()
            .ofctl("dump-aggregate", &[])
            .unwrap_or_default();
        println!(
            "  {host}'s switch: {}",
            agg.lines().last().unwrap_or("").trim()
        );
    }
    let vm3 = dc.vm("vm3").unwrap().ip.unwrap().0;
    assert!(dc.ping("vm1", vm3, 3, Duration::from_secs(10)).unwrap() > 0);
    let stream = dc
        .ping_stream("vm1", vm3, Duration::from_millis(10))
        .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let mut restarted = Vec::new();
    let mut killed_at = Vec::new();
    for host in ["host1", "host2"] {
        dc.kill_process(&format!("vna-{host}")).unwrap();
        killed_at.push(now_ns());
    }
    for host in ["host1", "host2"] {
        restarted.push((stack.start_vna(&mut dc, host).unwrap(), now_ns()));
    }
    for (name, started) in &restarted {
        integration::stack::wait_for_line(&mut dc, name, "switch in sync").unwrap();
        let synced = log_times(&mut dc, name, "switch in sync")[0];
        let connected = log_times(&mut dc, name, "switch connected")
            .into_iter()
            .next()
            .unwrap_or(synced);
        let changed = dc
            .process(name)
            .unwrap()
            .log()
            .lines()
            .any(|l| l.contains("flows applied"));
        println!(
            "  {name}: in sync {:.0} ms after vna started: switch connected after {:.0} ms \
             (vna connects to the switch's socket), then flows read back and compared in {:.0} ms; \
             flows changed: {}",
            (synced.saturating_sub(*started)) as f64 / 1e6,
            (connected.saturating_sub(*started)) as f64 / 1e6,
            (synced.saturating_sub(connected)) as f64 / 1e6,
            if changed { "yes" } else { "none" }
        );
    }
    dc.kill_process("vnmgr").unwrap();
    std::thread::sleep(Duration::from_secs(1));
    stack.start_vnmgr(&mut dc).unwrap();
    std::thread::sleep(Duration::from_secs(4));
    let stats = stream.stop().unwrap();
    println!(
        "  pings vm1 → vm3 at 100/s through both restarts: {} sent, {} answered, {} lost",
        stats.transmitted, stats.received, stats.lost
    );
}
