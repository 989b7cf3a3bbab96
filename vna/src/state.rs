//! What vna keeps of the model: the pipeline's tables, plus the active state rows of its own
//! datapath, kept current by the replica client of `crates/proto`.

use std::collections::BTreeMap;

use model::record::Record;
use model::resources::{ActiveInterface, ActivePort};
use model::{AnyRecord, Id};
use pipeline::{Changes, Model, ModelBuilder};
use proto::{ChangeOp, Event, ReplicaState, SnapshotBuilder};

/// The replica's state.
#[derive(Debug, Clone, Default)]
pub struct AgentState {
    pub model: Model,
    pub active_interfaces: BTreeMap<Id, ActiveInterface>,
    pub active_ports: BTreeMap<Id, ActivePort>,
    /// Bumped by every change that touches the pipeline's tables, so the agent recomputes
    /// flows only when they may differ.
    pub generation: u64,
    /// What those changes may touch, since the agent last took them.
    pub changes: Changes,
}

impl AgentState {
    fn upsert(&mut self, row: AnyRecord) -> bool {
        match row {
            AnyRecord::ActiveInterface(r) => {
                self.active_interfaces.insert(r.id(), r);
                false
            }
            AnyRecord::ActivePort(r) => {
                self.active_ports.insert(r.id(), r);
                false
            }
            other => {
                if !Model::reads(other.table()) {
                    return false;
                }
                // The row as the model held it and as it comes, before and after: the
                // planner rebuilds what either version points at.
                if let Some(old) = self.model.row(other.table(), other.id()) {
                    self.changes.touch(&self.model, &old);
                }
                self.changes.touch(&self.model, &other);
                let row = other.clone();
                self.model.upsert(other);
                self.changes.touch(&self.model, &row);
                true
            }
        }
    }

    fn remove(&mut self, row: &AnyRecord) -> bool {
        match row {
            AnyRecord::ActiveInterface(r) => {
                self.active_interfaces.remove(&r.id());
                false
            }
            AnyRecord::ActivePort(r) => {
                self.active_ports.remove(&r.id());
                false
            }
            other => {
                let Some(old) = self.model.row(other.table(), other.id()) else {
                    return false;
                };
                self.changes.touch(&self.model, &old);
                self.model.remove(other.table(), other.id());
                self.changes.touch(&self.model, &old);
                true
            }
        }
    }
}

/// An [`AgentState`] being loaded from a snapshot's pages: the pipeline's rows are kept in
/// their compact form as each page arrives (the page's full records are dropped with the
/// page), and sorted and indexed once at the end.
#[derive(Debug, Default)]
pub struct AgentStateBuilder {
    model: ModelBuilder,
    active_interfaces: BTreeMap<Id, ActiveInterface>,
    active_ports: BTreeMap<Id, ActivePort>,
}

impl SnapshotBuilder<AnyRecord> for AgentStateBuilder {
    type State = AgentState;

    fn add_page(&mut self, rows: Vec<AnyRecord>) {
        for row in rows {
            match row {
                AnyRecord::ActiveInterface(r) => {
                    self.active_interfaces.insert(r.id(), r);
                }
                AnyRecord::ActivePort(r) => {
                    self.active_ports.insert(r.id(), r);
                }
                other => {
                    self.model.push(other);
                }
            }
        }
    }

    fn finish(self) -> AgentState {
        AgentState {
            model: self.model.finish(),
            active_interfaces: self.active_interfaces,
            active_ports: self.active_ports,
            generation: 0,
            // Everything is new: no row needs to say what it touches.
            changes: Changes::all(),
        }
    }
}

impl ReplicaState<AnyRecord> for AgentState {
    type Builder = AgentStateBuilder;

    fn start_snapshot(_epoch: u64, _seq: u64) -> AgentStateBuilder {
        AgentStateBuilder::default()
    }

    /// The loaded state, one generation after this one (so the agent recomputes).
    fn replace(&mut self, loaded: AgentState) {
        let generation = self.generation;
        *self = loaded;
        self.generation = generation.wrapping_add(1);
    }

    fn apply(&mut self, event: &Event<AnyRecord>) {
        let mut touched = false;
        for change in &event.changes {
            // A soft-deleted row arrives as an update with `deleted_at` set in some paths;
            // either way it is gone for the pipeline.
            let gone = change.op == ChangeOp::Deleted || change.row.deleted_at().is_some();
            touched |= if gone {
                self.remove(&change.row)
            } else {
                self.upsert(change.row.clone())
            };
        }
        if touched {
            self.generation = self.generation.wrapping_add(1);
        }
    }
}
