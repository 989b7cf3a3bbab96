//! The switch's ports as it reports them (PORT_DESC at connect, PORT_STATUS afterwards).

use std::collections::BTreeMap;

use openflow::Port;
use openflow::message::{PortStatus, port_reason};
use pipeline::SwitchPorts;

/// Every port of the switch by number, with the name → number view the pipeline reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortTable {
    ports: BTreeMap<u32, Port>,
    names: SwitchPorts,
}

/// How a port changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortChange {
    /// A new port.
    Added,
    /// The port is gone.
    Deleted,
    /// Its state or configuration changed (link up/down, admin down, …).
    Modified,
}

impl PortTable {
    /// A table of these ports.
    pub fn from_ports(ports: impl IntoIterator<Item = Port>) -> PortTable {
        let mut t = PortTable::default();
        for p in ports {
            t.upsert(p);
        }
        t
    }

    /// The port with this number.
    pub fn get(&self, number: u32) -> Option<&Port> {
        self.ports.get(&number)
    }

    /// The port with this name (the switch's interface name).
    pub fn by_name(&self, name: &str) -> Option<&Port> {
        self.names.number(name).and_then(|n| self.ports.get(&n))
    }

    /// The ports in number order (the bridge's LOCAL port, 0xfffffffe, comes last).
    pub fn iter(&self) -> impl Iterator<Item = &Port> {
        self.ports.values()
    }

    /// How many ports.
    pub fn len(&self) -> usize {
        self.ports.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ports.is_empty()
    }

    /// Name → number, what `pipeline::desired_flows` takes.
    pub fn switch_ports(&self) -> &SwitchPorts {
        &self.names
    }

    /// Applies a PORT_STATUS; returns what changed, or `None` for an unknown reason code.
    pub fn apply(&mut self, status: &PortStatus) -> Option<PortChange> {
        match status.reason {
            port_reason::ADD => {
                self.upsert(status.port.clone());
                Some(PortChange::Added)
            }
            port_reason::MODIFY => {
                self.upsert(status.port.clone());
                Some(PortChange::Modified)
            }
            port_reason::DELETE => {
                self.remove(status.port.port_no);
                Some(PortChange::Deleted)
            }
            _ => None,
        }
    }

    fn upsert(&mut self, port: Port) {
        // A port renumbered or renamed must not leave its old name or number behind.
        if let Some(old) = self.ports.get(&port.port_no)
            && old.name != port.name
        {
            self.names.remove(&old.name);
        }
        if let Some(n) = self.names.number(&port.name)
            && n != port.port_no
        {
            self.ports.remove(&n);
        }
        self.names.insert(port.name.clone(), port.port_no);
        self.ports.insert(port.port_no, port);
    }

    fn remove(&mut self, number: u32) {
        if let Some(old) = self.ports.remove(&number) {
            self.names.remove(&old.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(n: u32, name: &str) -> Port {
        Port {
            port_no: n,
            name: name.into(),
            ..Port::default()
        }
    }

    #[test]
    fn status_messages_keep_numbers_and_names_in_step() {
        let mut t = PortTable::from_ports([port(1, "p1"), port(2, "p2")]);
        let add = PortStatus {
            reason: port_reason::ADD,
            port: port(3, "p3"),
        };
        assert_eq!(t.apply(&add), Some(PortChange::Added));
        assert_eq!(t.switch_ports().number("p3"), Some(3));
        // p1 renumbered to 7: the old number goes.
        t.apply(&PortStatus {
            reason: port_reason::MODIFY,
            port: port(7, "p1"),
        });
        assert!(t.get(1).is_none());
        assert_eq!(t.by_name("p1").map(|p| p.port_no), Some(7));
        t.apply(&PortStatus {
            reason: port_reason::DELETE,
            port: port(2, "p2"),
        });
        assert_eq!(t.switch_ports().number("p2"), None);
        assert_eq!(t.len(), 2);
        assert_eq!(
            t.apply(&PortStatus {
                reason: 9,
                port: port(9, "x")
            }),
            None
        );
    }
}
