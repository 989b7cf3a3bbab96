//! The agent: keeps a replica of the model, and makes the local switch hold the flows the
//! pipeline computes from it (ARCHITECTURE.md §2).
//!
//! One loop, woken by the replica (a change that touches the pipeline's tables), by the switch
//! (a (re)connection or a port change) or by a retry timer:
//!
//! 1. bring the plan for the switch's datapath up to date (`pipeline::Planner`, which rebuilds
//!    only what the model's changes touch);
//! 2. make the bridge's GRE ports (`t-…`) those the plan needs, through OVSDB;
//! 3. apply the difference in one bundle: after every (re)connection, the plan's flows against
//!    the flows read back from the switch; otherwise the difference the update returned. Learned
//!    flows (dynamic cookie) are never touched.
//!
//! Nothing is done before the first snapshot of the model arrived: a vna that starts while
//! vnmgr is away leaves the switch's flows as they are (`fail-mode=secure` keeps them
//! forwarding). A restart of vna or of vnmgr therefore changes no flow that is still right.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use model::AnyRecord;
use pipeline::Planner;
use pipeline::compute::GrePort;
use proto::{EventSubscriber, Replica, ReplicaConfig, RpcClient};
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::active::{self, LocalState};
use crate::config::Config;
use crate::state::AgentState;
use crate::switch::{self, SwitchEvent, SwitchHandle};

/// Wait before trying again after a failed apply or OVSDB call.
const RETRY_DELAY: Duration = Duration::from_millis(500);
/// RPC timeout towards vnmgr.
const RPC_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the agent until `shutdown` completes.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let listener = match &config.openflow_connect {
        Some(target) => switch::Listener::connect(target, switch::Config::default())?,
        None => {
            let l = switch::serve(&config.controller_target(), switch::Config::default())
                .await
                .with_context(|| {
                    format!("cannot listen for OpenFlow on {}", config.openflow_listen)
                })?;
            info!(listen = %config.openflow_listen, "listening for the switch");
            l
        }
    };

    let bridge = if config.manage_bridge {
        Some(Bridge::new(&config)?)
    } else {
        None
    };
    if let Some(b) = &bridge {
        b.setup().await?;
    }

    let rpc = RpcClient::new(&config.rpc_endpoint, RPC_TIMEOUT);
    let subscriber = EventSubscriber::<AnyRecord>::connect(&config.event_endpoint)
        .await
        .with_context(|| {
            format!(
                "cannot subscribe to vnmgr events at {}",
                config.event_endpoint
            )
        })?;
    let fetch_rpc = rpc.clone();
    let replica = Arc::new(Replica::start_paged(
        subscriber,
        move |cursor| {
            let rpc = fetch_rpc.clone();
            async move { rpc.snapshot_page::<AnyRecord>(cursor).await }
        },
        AgentState::default(),
        ReplicaConfig::default(),
    ));

    let mut listener = listener;
    tokio::pin!(shutdown);
    let sw = tokio::select! {
        sw = listener.next_switch() => match sw {
            Some(sw) => sw,
            None => anyhow::bail!("the OpenFlow listener stopped"),
        },
        () = &mut shutdown => return Ok(()),
    };
    // Later connections (the same switch reconnecting) attach to `sw` by themselves; keep
    // accepting them.
    tokio::spawn(async move { while listener.next_switch().await.is_some() {} });

    let (local_tx, local_rx) = watch::channel(None::<LocalState>);
    tokio::spawn(active::report(rpc.clone(), Arc::clone(&replica), local_rx));

    let mut reconciler = Reconciler {
        sw: sw.clone(),
        bridge,
        planner: None,
        in_sync: false,
        gre: None,
        notes: BTreeSet::new(),
        local_tx,
    };
    let mut status = replica.status();
    let mut events = sw.events();
    let mut retry_at: Option<tokio::time::Instant> = None;
    // Whether something the flows depend on may have changed since the last reconcile.
    let mut dirty = true;
    let mut generation = None;
    loop {
        let ready = status.borrow().snapshots > 0 && sw.is_connected();
        let now_generation = replica.state().generation;
        if generation != Some(now_generation) {
            dirty = true;
        }
        if ready && dirty {
            generation = Some(now_generation);
            match reconciler.reconcile(&replica).await {
                Ok(()) => {
                    retry_at = None;
                    dirty = false;
                }
                Err(e) => {
                    warn!("reconcile failed, retrying: {e:#}");
                    reconciler.in_sync = false;
                    retry_at = Some(tokio::time::Instant::now() + RETRY_DELAY);
                }
            }
        }
        let retry = async {
            match retry_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = status.changed() => if r.is_err() { anyhow::bail!("the replica client stopped") },
            ev = events.next() => match ev {
                Some(SwitchEvent::PacketIn(_)) => {}
                Some(SwitchEvent::PortStatus { .. }) => dirty = true,
                Some(SwitchEvent::Connected(dpid)) => {
                    dirty = true;
                    info!(dpid = format_args!("{dpid:#018x}"), "switch connected");
                    reconciler.in_sync = false;
                }
                Some(SwitchEvent::Disconnected(dpid)) => {
                    dirty = true;
                    info!(dpid = format_args!("{dpid:#018x}"), "switch disconnected; its flows stay");
                    reconciler.in_sync = false;
                }
                Some(SwitchEvent::Lost(n)) => {
                    dirty = true;
                    debug!("{n} switch events dropped; re-reading the switch");
                    reconciler.in_sync = false;
                }
                None => anyhow::bail!("the switch connection handler stopped"),
            },
            () = retry => {}
            () = &mut shutdown => break,
        }
    }
    info!("stopping; the switch keeps its flows");
    Ok(())
}

struct Reconciler {
    sw: SwitchHandle,
    bridge: Option<Bridge>,
    /// The plan for the switch's datapath, kept up to date change by change.
    planner: Option<Planner>,
    /// Whether the switch holds the planner's flows (false: read them back first).
    in_sync: bool,
    /// The GRE ports last made.
    gre: Option<Vec<GrePort>>,
    /// The plan's notes last logged.
    notes: BTreeSet<String>,
    local_tx: watch::Sender<Option<LocalState>>,
}

impl Reconciler {
    async fn reconcile(&mut self, replica: &Replica<AgentState>) -> anyhow::Result<()> {
        let started = Instant::now();
        let dpid = self.sw.dpid();
        let ports = self.sw.ports().borrow().switch_ports().clone();
        let planner = match &mut self.planner {
            Some(p) if p.dpid() == dpid => p,
            other => other.insert(Planner::new(dpid)),
        };
        let changed = {
            let mut state = replica.state();
            let changes = std::mem::take(&mut state.changes);
            planner.update(&state.model, &ports, &changes)
        };
        let computed = started.elapsed();
        // What the plan could not do (an interface without its port, a peer without an
        // underlay address): said once when it appears, not on every change.
        let notes: BTreeSet<String> = planner.notes().into_iter().collect();
        for note in notes.difference(&self.notes) {
            warn!("{note}");
        }
        self.notes = notes;
        let gre_ports = planner.gre_ports();
        if let Some(bridge) = &self.bridge
            && self.gre.as_ref() != Some(&gre_ports)
        {
            bridge.sync_gre_ports(&gre_ports, &ports).await?;
            self.gre = Some(gre_ports);
        }
        let read_back = !self.in_sync;
        let diff = if read_back {
            let installed = self
                .sw
                .read_flows()
                .await
                .context("reading the switch's flows")?;
            debug!(flows = installed.len(), "read the switch's flows back");
            // Learned flows the switch holds are left alone: diff never deletes them.
            pipeline::diff(&installed, planner.flows())
        } else {
            changed
        };
        let flows = planner.flows().len();
        let datapath = planner.datapath_id();
        if !diff.is_empty() {
            self.sw
                .apply(&diff)
                .await
                .context("applying flows to the switch")?;
            info!(
                changed = diff.len(),
                flows,
                compute_us = computed.as_micros(),
                total_us = started.elapsed().as_micros(),
                "flows applied"
            );
        }
        if read_back {
            info!(
                flows,
                changed = diff.len(),
                "switch in sync after reading its flows back"
            );
        }
        self.in_sync = true;
        if let Some(dp) = datapath {
            let local = active::local_state(dp, &replica.state().model, &ports);
            self.local_tx.send_replace(Some(local));
        }
        Ok(())
    }
}

/// The bridge vna manages, through OVSDB.
struct Bridge {
    vsctl: ovs::Vsctl,
    name: String,
    controller: String,
    /// The configured datapath type; `None` keeps the bridge's own (`system` for a new one).
    datapath_type: Option<String>,
}

impl Bridge {
    fn new(config: &Config) -> anyhow::Result<Bridge> {
        let tools = ovs::Tools::locate().context("Open vSwitch tools")?;
        let vsctl = ovs::Vsctl::from_tools(&tools, config.ovsdb.clone())
            // vna restarts in well under a second; OVS's default backoff (8 s) would leave
            // the switch waiting long after it is back.
            .controller_max_backoff_ms(1000);
        Ok(Bridge {
            vsctl,
            name: config.bridge.clone(),
            controller: config.controller_target(),
            datapath_type: config.datapath_type.clone(),
        })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(ovs::Vsctl) -> Result<T, ovs::Error> + Send + 'static,
    ) -> anyhow::Result<T> {
        let vsctl = self.vsctl.clone();
        Ok(tokio::task::spawn_blocking(move || f(vsctl)).await??)
    }

    /// Controller, fail-mode=secure, OpenFlow13, no in-band.
    async fn setup(&self) -> anyhow::Result<()> {
        let (name, controller) = (self.name.clone(), self.controller.clone());
        let configured = self.datapath_type.clone();
        let change = self
            .blocking(move |v| {
                let datapath_type = match configured {
                    Some(t) => t,
                    None => {
                        let current =
                            v.run(&["--if-exists", "get", "bridge", &name, "datapath_type"])?;
                        match current.trim().trim_matches('"') {
                            "" => "system".to_owned(),
                            t => t.to_owned(),
                        }
                    }
                };
                v.datapath_type(datapath_type)
                    .ensure_bridge(&name, None, &controller)
            })
            .await
            .with_context(|| format!("setting up bridge {}", self.name))?;
        info!(bridge = %self.name, ?change, "bridge set up");
        Ok(())
    }

    /// Creates or updates the GRE ports in `want` and deletes other `t-` ports.
    async fn sync_gre_ports(
        &self,
        want: &[GrePort],
        ports: &pipeline::SwitchPorts,
    ) -> anyhow::Result<()> {
        let wanted: BTreeSet<String> = want.iter().map(|g| g.name.clone()).collect();
        let stale: Vec<String> = ports
            .by_name
            .keys()
            .filter(|n| n.starts_with("t-") && !wanted.contains(*n))
            .cloned()
            .collect();
        let want = want.to_vec();
        let bridge = self.name.clone();
        self.blocking(move |v| {
            for g in &want {
                let change = v.ensure_gre_port(&bridge, &g.name, g.remote_ip, Some(g.local_ip))?;
                if change != ovs::Change::Unchanged {
                    info!(port = %g.name, remote = %g.remote_ip, ?change, "GRE port");
                }
            }
            for name in &stale {
                info!(port = %name, "deleting a GRE port no datapath needs");
                v.delete_port(&bridge, name)?;
            }
            Ok(())
        })
        .await
    }
}
