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
    for p in model.interface_ports.values() {
        let (Some(name), true) = (
            p.port_name.as_deref(),
            p.datapath_id.is_none_or(|d| d == dp),
        ) else {
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
        let want = latest.borrow_and_update().clone();
        if let Some(want) = want {
            if let Err(e) = sync(&rpc, &replica, &want).await {
                warn!("cannot report active interfaces and ports to vnmgr (will retry): {e}");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        }
        if latest.changed().await.is_err() {
            return;
        }
    }
}

async fn sync(
    rpc: &RpcClient,
    replica: &Replica<AgentState>,
    want: &LocalState,
) -> Result<(), proto::RpcError> {
    let dp = want.datapath_id;
    let (have_ifs, have_ports) = {
        let st = replica.state();
        let ifs: Vec<(Id, Id, Option<String>, Option<u32>)> = st
            .active_interfaces
            .values()
            .filter(|a| a.datapath_id == dp)
            .map(|a| (a.id(), a.interface_id, a.port_name.clone(), a.port_number))
            .collect();
        let ports: Vec<(Id, String, u32, ActivePortMode)> = st
            .active_ports
            .values()
            .filter(|a| a.datapath_id == dp)
            .map(|a| (a.id(), a.port_name.clone(), a.port_number, a.mode))
            .collect();
        (ifs, ports)
    };
    let mut kept = BTreeSet::new();
    for (row, iface, name, number) in have_ifs {
        match want.interfaces.get(&iface) {
            Some((_, n, p))
                if Some(n) == name.as_ref() && Some(*p) == number && kept.insert(iface) => {}
            _ => {
                debug!(row, iface, "active interface gone");
                rpc.delete(Table::ActiveInterfaces, Key::Id(row)).await?;
            }
        }
    }
    for (iface, (uuid, name, number)) in &want.interfaces {
        if kept.contains(iface) {
            continue;
        }
        rpc.create(
            Table::ActiveInterfaces,
            json!({
                "interface_uuid": uuid,
                "datapath_uuid": want.datapath_uuid,
                "singular": true,
                "port_name": name,
                "port_number": number,
            }),
        )
        .await?;
    }
    let mut kept_ports = BTreeSet::new();
    for (row, name, number, mode) in have_ports {
        match want.ports.get(&name) {
            Some((n, m)) if *n == number && *m == mode && kept_ports.insert(name.clone()) => {}
            _ => {
                rpc.delete(Table::ActivePorts, Key::Id(row)).await?;
            }
        }
    }
    for (name, (number, mode)) in &want.ports {
        if kept_ports.contains(name) {
            continue;
        }
        rpc.create(
            Table::ActivePorts,
            json!({
                "datapath_uuid": want.datapath_uuid,
                "port_name": name,
                "port_number": number,
                "mode": mode.to_string(),
            }),
        )
        .await?;
    }
    Ok(())
}
