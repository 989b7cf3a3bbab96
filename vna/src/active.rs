//! Reports what is live on this datapath back to vnmgr: the original's `active_interfaces`
//! (an interface whose port is on the switch) and `active_ports` (every port of the bridge).
//!
//! The rows are written through vnmgr's RPC like any other, so they come back in the event
//! stream; the reporter compares what the replica holds for this datapath with what is live
//! and creates or deletes the difference. It runs beside the reconciler, never in its way: a
//! slow or absent vnmgr delays the report, not the flows.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use model::modes::{ActivePortMode, InterfaceMode};
use model::record::Record;
use model::{Id, Table};
use pipeline::{Model, SwitchPorts};
use proto::{Key, Replica, RpcClient};
use serde_json::json;
use tokio::sync::watch;
use tracing::{debug, warn};

use crate::state::AgentState;

/// The bridge's LOCAL port.
const OFPP_LOCAL: u32 = 0xffff_fffe;
/// Wait before retrying a report vnmgr did not take.
const RETRY: Duration = Duration::from_secs(2);
/// How long after a change the report waits: the write, and every vna's handling of its
/// event, then stay out of the moments right after the flows changed, when a VM's first
/// packets cross the hosts; a burst of changes (a VM booting) makes one report.
const SETTLE: Duration = Duration::from_millis(50);

/// What is live on the datapath.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalState {
    pub datapath_id: Id,
    pub datapath_uuid: String,
    /// interface id → (interface uuid, port name, port number).
    pub interfaces: BTreeMap<Id, (String, String, u32)>,
    /// port name → (number, mode).
    pub ports: BTreeMap<String, (u32, ActivePortMode)>,
}

/// The live state of datapath `dp` given the switch's ports.
pub fn local_state(dp: Id, model: &Model, ports: &SwitchPorts) -> LocalState {
    let mut interfaces = BTreeMap::new();
    let mut bound: BTreeSet<&str> = BTreeSet::new();
    // Through the index: this runs after every reconcile, with every datapath's ports in
    // the model.
    let rows = [Some(dp), None]
        .into_iter()
        .flat_map(|key| {
            model
                .index
                .ports_by_datapath
                .get(&key)
                .into_iter()
                .flatten()
        })
        .filter_map(|id| model.interface_ports.get(id));
    for p in rows {
        let Some(name) = p.port_name.as_deref() else {
            continue;
        };
        let Some(number) = ports.number(name) else {
            continue;
        };
        let Some(iface) = model.interfaces.get(&p.interface_id) else {
            continue;
        };
        if matches!(iface.mode, InterfaceMode::Simulated) {
            continue;
        }
        bound.insert(name);
        let uuid = iface
            .record_uuid()
            .map(ToString::to_string)
            .unwrap_or_default();
        interfaces.insert(iface.id(), (uuid, name.to_owned(), number));
    }
    let ports = ports
        .by_name
        .iter()
        .map(|(name, &number)| {
            let mode = if number == OFPP_LOCAL {
                ActivePortMode::Local
            } else if name.starts_with("t-") {
                ActivePortMode::Tunnel
            } else if bound.contains(name.as_str()) {
                ActivePortMode::Interface
            } else {
                ActivePortMode::Unknown
            };
            (name.clone(), (number, mode))
        })
        .collect();
    let datapath_uuid = model
        .datapaths
        .get(&dp)
        .and_then(|d| d.record_uuid().map(ToString::to_string))
        .unwrap_or_default();
    LocalState {
        datapath_id: dp,
        datapath_uuid,
        interfaces,
        ports,
    }
}

/// Keeps vnmgr's active rows for this datapath equal to the latest [`LocalState`].
pub async fn report(
    rpc: RpcClient,
    replica: Arc<Replica<AgentState>>,
    mut latest: watch::Receiver<Option<LocalState>>,
) {
    loop {
        tokio::time::sleep(SETTLE).await;
        let want = latest.borrow_and_update().clone();
        if let Some(want) = want {
            let todo = changes(&replica, &want);
            if !todo.is_empty() {
                if let Err(e) = execute(&rpc, todo).await {
                    warn!("cannot report active interfaces and ports to vnmgr (will retry): {e}");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
                // Our own writes come back through the event stream; compare again only once
                // they are in the replica, or rows would be created twice.
                let deadline = tokio::time::Instant::now() + RETRY;
                while !changes(&replica, &want).is_empty() && tokio::time::Instant::now() < deadline
                {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        if latest.changed().await.is_err() {
            return;
        }
    }
}

/// One write to vnmgr.
#[derive(Debug)]
enum Write {
    Delete(Table, Id),
    Create(Table, serde_json::Value),
}

/// What must be written so vnmgr's rows for the datapath say what `want` says.
fn changes(replica: &Replica<AgentState>, want: &LocalState) -> Vec<Write> {
    let dp = want.datapath_id;
    let st = replica.state();
    let mut todo = Vec::new();
    let mut kept = BTreeSet::new();
    for a in st
        .active_interfaces
        .values()
        .filter(|a| a.datapath_id == dp)
    {
        match want.interfaces.get(&a.interface_id) {
            Some((_, n, p))
                if Some(n) == a.port_name.as_ref()
                    && Some(*p) == a.port_number
                    && kept.insert(a.interface_id) => {}
            _ => todo.push(Write::Delete(Table::ActiveInterfaces, a.id())),
        }
    }
    for (iface, (uuid, name, number)) in &want.interfaces {
        if !kept.contains(iface) {
            todo.push(Write::Create(
                Table::ActiveInterfaces,
                json!({
                    "interface_uuid": uuid,
                    "datapath_uuid": want.datapath_uuid,
                    "singular": true,
                    "port_name": name,
                    "port_number": number,
                }),
            ));
        }
    }
    let mut kept_ports = BTreeSet::new();
    for a in st.active_ports.values().filter(|a| a.datapath_id == dp) {
        match want.ports.get(&a.port_name) {
            Some((n, m))
                if *n == a.port_number
                    && *m == a.mode
                    && kept_ports.insert(a.port_name.clone()) => {}
            _ => todo.push(Write::Delete(Table::ActivePorts, a.id())),
        }
    }
    for (name, (number, mode)) in &want.ports {
        if !kept_ports.contains(name) {
            todo.push(Write::Create(
                Table::ActivePorts,
                json!({
                    "datapath_uuid": want.datapath_uuid,
                    "port_name": name,
                    "port_number": number,
                    "mode": mode.to_string(),
                }),
            ));
        }
    }
    todo
}

/// Deletes first, so a port number that moved to another name can be taken.
async fn execute(rpc: &RpcClient, todo: Vec<Write>) -> Result<(), proto::RpcError> {
    for w in &todo {
        if let Write::Delete(table, id) = w {
            debug!(%table, id, "active row gone");
            rpc.delete(*table, Key::Id(*id)).await?;
        }
    }
    for w in todo {
        if let Write::Create(table, row) = w {
            rpc.create(table, row).await?;
        }
    }
    Ok(())
}
