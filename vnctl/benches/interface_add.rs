//! The control-plane part of "vnctl interfaces add → flows on the switch" (issue 5's latency
//! budget), without namespaces or Open vSwitch: vnmgr (SQLite in a temporary directory) and
//! vnapi in this process on 127.0.0.1, the small topology (`tests/datasets/base.vnctl` and
//! `simple_nw.vnctl`) and then, on a fresh stack, the same with 1,000 networks, 10,000
//! interfaces and 100 datapaths (`testkit::datasets::large`).
//! 50 trials each (`BENCH_TRIALS` changes it) of the composite `POST /api/1.0/interfaces`:
//!
//! * **a** the built `vnctl` binary running `interfaces add` (process start to exit);
//! * **b** the same request from this process (vnctl's own request and HTTP client, one
//!   kept-alive connection), request sent to answer read;
//! * **c** the request sent (in **b**) to its change event decoded by an [`EventSubscriber`],
//!   as vna receives it; **c'** the same from the vnctl process's start (in **a**).
//!
//! Between trials the interface is deleted again (untimed). Prints p50/p95; asserts nothing
//! about them. It lives in vnctl's package because only there does Cargo hand a bench the
//! path of the `vnctl` binary it built.
//!
//! Run: `cargo bench -p vnctl --bench interface_add`. `BENCH_ONLY=small|large` runs one size.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss
)]

use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use vnctl::cli::{self, Action};
use vnctl::transport::{HttpTransport, Transport};

const BASE: &str = include_str!("../../tests/datasets/base.vnctl");
const SIMPLE_NW: &str = include_str!("../../tests/datasets/simple_nw.vnctl");

/// The command the agent bench times, but for the uuid.
const ADD_ARGS: [&str; 14] = [
    "interfaces",
    "add",
    "--mode",
    "vif",
    "--owner-datapath-uuid",
    "dp-1",
    "--mac-address",
    "02:00:00:00:00:01",
    "--network-uuid",
    "nw-vnet1",
    "--ipv4-address",
    "10.101.0.10",
    "--port-name",
    "vif-vm1",
];

#[path = "../tests/support/services.rs"]
mod services;

/// vnmgr and vnapi on a runtime of their own, and an event subscriber that reports when each
/// event arrived.
struct Stack {
    url: String,
    events: mpsc::Receiver<(Instant, String)>,
    _services: services::Services,
}

impl Stack {
    fn start() -> Stack {
        let (sender, events) = mpsc::channel();
        let services = services::start(None, Some(sender));
        Stack {
            url: services.url.clone(),
            events,
            _services: services,
        }
    }

    /// Runs batch `text` through vnctl's library, `threads` slices of it at once.
    fn load(&self, text: &str, threads: usize) {
        let lines: Vec<&str> = text.lines().collect();
        let chunk = lines.len().div_ceil(threads.max(1)).max(1);
        std::thread::scope(|scope| {
            for slice in lines.chunks(chunk) {
                let batch = slice.join("\n");
                let url = self.url.clone();
                scope.spawn(move || {
                    let transport = HttpTransport::new(&url, None);
                    vnctl::run_batch(&batch, cli::Format::Json, &transport, &mut std::io::sink())
                        .unwrap();
                });
            }
        });
    }

    /// Sends one vnctl command from this process; panics unless vnapi answered 2xx.
    fn send(&self, transport: &HttpTransport, args: &[&str]) {
        let invocation = cli::parse(std::iter::once("vnctl").chain(args.iter().copied())).unwrap();
        let Action::Api { requests, .. } = &invocation.action else {
            panic!("{args:?} is not a resource command");
        };
        for request in requests {
            let response = transport.send(request).unwrap();
            assert!(
                (200..300).contains(&response.status),
                "{args:?}: {} {}",
                response.status,
                response.body
            );
        }
    }

    /// When the next `interface_created_item` event arrives (others before it are skipped).
    fn created_event(&self) -> Instant {
        loop {
            let (at, kind) = self
                .events
                .recv_timeout(Duration::from_secs(10))
                .expect("no interface_created_item event within 10 s");
            if kind == "interface_created_item" {
                return at;
            }
        }
    }

    fn drain_events(&self) {
        while self.events.try_recv().is_ok() {}
    }
}

fn summary(what: &str, ms: Vec<f64>) {
    println!("  {}", testkit::stats::summary(what, ms, 2));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn trials(stack: &Stack, label: &str, trials: usize) {
    let transport = HttpTransport::new(&stack.url, None);
    stack.send(&transport, &["interfaces", "del", "if-v1"]);
    let add = |uuid: &str| {
        let mut args = vec!["interfaces", "add", "--uuid", uuid];
        args.extend_from_slice(&ADD_ARGS[2..]);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let (mut a, mut b, mut c, mut c_from_vnctl) = (vec![], vec![], vec![], vec![]);
    for k in 0..trials {
        let uuid = format!("if-lat{k}");
        stack.drain_events();
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_vnctl"))
            .arg("--api")
            .arg(&stack.url)
            .args(add(&uuid))
            .env_clear()
            .output()
            .unwrap();
        let ended = Instant::now();
        assert!(
            out.status.success(),
            "vnctl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        a.push(ms(ended - started));
        c_from_vnctl.push(ms(stack.created_event() - started));
        stack.send(&transport, &["interfaces", "del", &uuid]);

        let uuid = format!("if-lbt{k}");
        let args = add(&uuid);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let invocation = cli::parse(std::iter::once("vnctl").chain(args.iter().copied())).unwrap();
        let Action::Api { requests, .. } = &invocation.action else {
            unreachable!("interfaces add is a resource command");
        };
        stack.drain_events();
        let sent = Instant::now();
        let response = transport.send(&requests[0]).unwrap();
        let answered = Instant::now();
        assert_eq!(response.status, 200, "{}", response.body);
        b.push(ms(answered - sent));
        c.push(ms(stack.created_event() - sent));
        stack.send(&transport, &["interfaces", "del", &uuid]);
    }
    println!("{label}:");
    summary("a  vnctl interfaces add (process)", a);
    summary("b  POST /api/1.0/interfaces (in process)", b);
    summary("c  POST sent -> event received", c);
    summary("c' vnctl started -> event received", c_from_vnctl);
}

fn main() {
    let count: usize = std::env::var("BENCH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    for large in [false, true] {
        let part = if large { "large" } else { "small" };
        if !only.is_empty() && only != part {
            continue;
        }
        let stack = Stack::start();
        stack.load(BASE, 1);
        stack.load(SIMPLE_NW, 1);
        let label = if large {
            let started = Instant::now();
            let phases = testkit::datasets::large(1000, 10_000, 100);
            for phase in &phases {
                stack.load(phase, 4);
            }
            println!(
                "loaded 1,000 networks / 10,000 interfaces / 100 datapaths ({} commands) in {:.1} s",
                phases.iter().map(|p| p.lines().count()).sum::<usize>(),
                started.elapsed().as_secs_f64()
            );
            "large model (1,000 networks / 10,000 interfaces / 100 datapaths)"
        } else {
            "small model (base + simple_nw)"
        };
        trials(&stack, label, count);
    }
}
