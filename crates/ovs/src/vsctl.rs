//! `ovs-vsctl` with typed errors and the idempotent operations vna needs.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::Error;
use crate::ovsdb_json::{self, Row};
use crate::tools::{Tools, find_program};

/// `--timeout` given to `ovs-vsctl` unless the caller picks another: long enough for a loaded
/// machine, short enough that a wedged database fails a call instead of hanging it.
pub const DEFAULT_TIMEOUT_SECS: u32 = 30;
/// The datapath vnet uses by default: userspace, no kernel module needed.
pub const DEFAULT_DATAPATH_TYPE: &str = "netdev";
/// The only OpenFlow version vna speaks.
const OPENFLOW_VERSION: &str = "OpenFlow13";
/// Bridges vna manages forward nothing on their own when the controller is away, and keep
/// the flows they have (ARCHITECTURE.md §2, rule 5).
const FAIL_MODE: &str = "secure";
/// Linux limits interface names to 15 bytes (IFNAMSIZ - 1); OVS ports become interfaces.
const MAX_NAME_LEN: usize = 15;

/// What an `ensure_*` call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The thing did not exist and was created.
    Created,
    /// It existed with other settings, which were changed.
    Updated,
    /// It existed as asked; nothing was written.
    Unchanged,
}

/// One interface of a bridge, as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInfo {
    /// Port and interface name (vnet uses one interface per port).
    pub name: String,
    /// OVS interface type: empty for a system device (veth, NIC), `internal`, `patch`, `gre`…
    pub port_type: String,
    /// OpenFlow port number; `None` while unassigned or when the interface failed (`-1`).
    pub ofport: Option<u32>,
    /// The interface's `options` column (`peer`, `remote_ip`, `key`…).
    pub options: BTreeMap<String, String>,
    /// The MAC the interface uses, when it has one.
    pub mac_in_use: Option<String>,
    /// Why the interface failed, when it did.
    pub error: Option<String>,
}

/// Columns read for [`PortInfo`].
const PORT_COLUMNS: &str = "name,type,ofport,options,mac_in_use,error";
/// Columns read to compare a bridge with what [`Vsctl::ensure_bridge`] asks for.
const BRIDGE_COLUMNS: &str = "name,datapath_type,protocols,fail_mode,other_config";

/// Runs `ovs-vsctl --db=TARGET --timeout=N …`, optionally inside a network namespace.
///
/// Cheap to clone; each call starts one `ovs-vsctl` process and blocks until it exits. By
/// default `ovs-vsctl` waits until `ovs-vswitchd` has applied a change (so an added port has its
/// OpenFlow number when the call returns); [`Vsctl::no_wait`] turns that off for a database
/// without a switch.
#[derive(Debug, Clone)]
pub struct Vsctl {
    program: PathBuf,
    ip: Option<PathBuf>,
    db: String,
    timeout_secs: u32,
    netns: Option<String>,
    datapath_type: String,
    controller_max_backoff_ms: Option<u32>,
    wait_for_switch: bool,
}

impl Vsctl {
    /// `program` is the `ovs-vsctl` to run; `db` an OVSDB target such as
    /// `unix:/run/openvswitch/db.sock`.
    pub fn new(program: impl Into<PathBuf>, db: impl Into<String>) -> Vsctl {
        Vsctl {
            program: program.into(),
            ip: None,
            db: db.into(),
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            netns: None,
            datapath_type: DEFAULT_DATAPATH_TYPE.to_owned(),
            controller_max_backoff_ms: None,
            wait_for_switch: true,
        }
    }

    /// Uses the located tools' `ovs-vsctl` (and `ip`, for [`Vsctl::netns`]).
    pub fn from_tools(tools: &Tools, db: impl Into<String>) -> Vsctl {
        let mut vsctl = Vsctl::new(&tools.ovs_vsctl, db);
        vsctl.ip.clone_from(&tools.ip);
        vsctl
    }

    /// `ovs-vsctl --timeout` in seconds (0: wait forever).
    pub fn timeout_secs(mut self, seconds: u32) -> Vsctl {
        self.timeout_secs = seconds;
        self
    }

    /// Runs every call as `ip netns exec NAMESPACE ovs-vsctl …`, for a database reached by a
    /// TCP target inside that namespace.
    pub fn netns(mut self, namespace: impl Into<String>) -> Vsctl {
        self.netns = Some(namespace.into());
        self
    }

    /// The `datapath_type` [`Vsctl::ensure_bridge`] sets (default `netdev`; `system` for the
    /// kernel datapath).
    pub fn datapath_type(mut self, datapath_type: impl Into<String>) -> Vsctl {
        self.datapath_type = datapath_type.into();
        self
    }

    /// The controller's `max_backoff` (ms) [`Vsctl::ensure_bridge`] sets when it sets a
    /// controller. OVS's default is 8 s between reconnection attempts; a small value brings
    /// the switch back quickly after the controller restarts.
    pub fn controller_max_backoff_ms(mut self, milliseconds: u32) -> Vsctl {
        self.controller_max_backoff_ms = Some(milliseconds);
        self
    }

    /// Does not wait for `ovs-vswitchd` to apply changes (`--no-wait`).
    pub fn no_wait(mut self) -> Vsctl {
        self.wait_for_switch = false;
        self
    }

    /// The OVSDB target.
    pub fn db(&self) -> &str {
        &self.db
    }

    /// Runs `ovs-vsctl` with `args` after the global options and returns its stdout.
    pub fn run(&self, args: &[&str]) -> Result<String, Error> {
        let db = format!("--db={}", self.db);
        let timeout = format!("--timeout={}", self.timeout_secs);
        let mut argv: Vec<&OsStr> = Vec::new();
        let ip;
        if let Some(namespace) = &self.netns {
            ip = match &self.ip {
                Some(ip) => ip.clone(),
                None => find_program("ip").ok_or_else(|| Error::NotInstalled {
                    missing: vec!["ip (iproute2)".to_owned()],
                })?,
            };
            argv.extend([
                ip.as_os_str(),
                OsStr::new("netns"),
                OsStr::new("exec"),
                OsStr::new(namespace.as_str()),
            ]);
        }
        argv.extend([
            self.program.as_os_str(),
            OsStr::new(&db),
            OsStr::new(&timeout),
        ]);
        if !self.wait_for_switch {
            argv.push(OsStr::new("--no-wait"));
        }
        argv.extend(args.iter().map(OsStr::new));
        run_command(&argv)
    }

    /// Makes bridge `name` exist the way vna expects: the configured datapath type,
    /// `protocols=OpenFlow13`, `fail-mode=secure`, `other-config:disable-in-band=true`, the
    /// datapath id if given, and `controller` (an OVS target such as `tcp:127.0.0.1:6633`; empty
    /// for none) as its only controller. Reads the bridge first and writes only what differs,
    /// so a controller already connected stays connected. Other `other-config` keys are kept.
    pub fn ensure_bridge(
        &self,
        name: &str,
        dpid: Option<u64>,
        controller: &str,
    ) -> Result<Change, Error> {
        validate_name("bridge", name)?;
        let desired = DesiredBridge {
            datapath_type: &self.datapath_type,
            dpid,
        };
        let rows = self.find("bridge", BRIDGE_COLUMNS, &format!("name={name}"))?;
        let current = match rows.first() {
            Some(row) => Some(
                BridgeSettings::from_row(row)
                    .map_err(|reason| self.bad_output("find bridge", reason, ""))?,
            ),
            None => None,
        };
        let settings = bridge_assignments(current.as_ref(), &desired);
        let controllers = if current.is_some() {
            self.run(&["get-controller", name])?
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect()
        } else {
            Vec::new()
        };
        let controller_differs = match controller {
            "" => !controllers.is_empty(),
            target => controllers != [target],
        };

        let mut args: Vec<String> = Vec::new();
        if current.is_none() {
            args.extend(["--may-exist", "add-br", name].map(str::to_owned));
        }
        if !settings.is_empty() {
            if !args.is_empty() {
                args.push("--".to_owned());
            }
            args.extend(["set", "bridge", name].map(str::to_owned));
            args.extend(settings);
        }
        if controller_differs {
            if !args.is_empty() {
                args.push("--".to_owned());
            }
            if controller.is_empty() {
                args.extend(["del-controller", name].map(str::to_owned));
            } else {
                args.extend(["set-controller", name, controller].map(str::to_owned));
                if let Some(backoff) = self.controller_max_backoff_ms {
                    args.extend(["--", "set", "controller", name].map(str::to_owned));
                    args.push(format!("max_backoff={backoff}"));
                }
            }
        }
        if args.is_empty() {
            return Ok(Change::Unchanged);
        }
        self.run(&args.iter().map(String::as_str).collect::<Vec<_>>())?;
        Ok(if current.is_none() {
            Change::Created
        } else {
            Change::Updated
        })
    }

    /// Makes GRE port `name` exist on `bridge` with `options:key=flow` (the tunnel key is set
    /// per packet by flows), `options:remote_ip` and, if given, `options:local_ip`. An existing
    /// port whose type or options differ gets exactly these options (others are removed). Fails
    /// with [`Error::PortOnOtherBridge`] if another bridge holds a port of that name.
    pub fn ensure_gre_port(
        &self,
        bridge: &str,
        name: &str,
        remote_ip: Ipv4Addr,
        local_ip: Option<Ipv4Addr>,
    ) -> Result<Change, Error> {
        validate_name("bridge", bridge)?;
        validate_name("port", name)?;
        let desired = gre_options(remote_ip, local_ip);
        let assignments: Vec<String> = std::iter::once("type=gre".to_owned())
            .chain(
                desired
                    .iter()
                    .map(|(key, value)| format!("options:{key}={value}")),
            )
            .collect();
        let existing = self.port(name)?;
        let Some(existing) = existing else {
            let mut args = vec![
                "--may-exist",
                "add-port",
                bridge,
                name,
                "--",
                "set",
                "interface",
                name,
            ];
            args.extend(assignments.iter().map(String::as_str));
            self.run(&args)?;
            return Ok(Change::Created);
        };
        let holder = self.run(&["iface-to-br", name])?.trim().to_owned();
        if holder != bridge {
            return Err(Error::PortOnOtherBridge {
                port: name.to_owned(),
                expected: bridge.to_owned(),
                actual: holder,
            });
        }
        if existing.port_type == "gre" && existing.options == desired {
            return Ok(Change::Unchanged);
        }
        let mut args = vec![
            "clear",
            "interface",
            name,
            "options",
            "--",
            "set",
            "interface",
            name,
        ];
        args.extend(assignments.iter().map(String::as_str));
        self.run(&args)?;
        Ok(Change::Updated)
    }

    /// Removes port `name` from `bridge`; nothing happens if there is no such port.
    pub fn delete_port(&self, bridge: &str, name: &str) -> Result<(), Error> {
        validate_name("bridge", bridge)?;
        validate_name("port", name)?;
        self.run(&["--if-exists", "del-port", bridge, name])?;
        Ok(())
    }

    /// The interfaces of `bridge`, sorted by name, without the bridge's own internal port.
    pub fn list_ports(&self, bridge: &str) -> Result<Vec<PortInfo>, Error> {
        validate_name("bridge", bridge)?;
        let names: Vec<String> = self
            .run(&["list-ifaces", bridge])?
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        // One read of the whole Interface table rather than one call per name: an interface
        // removed in between is simply missing instead of failing the call.
        let output = self.run(&[
            "--format=json",
            "--data=json",
            &format!("--columns={PORT_COLUMNS}"),
            "find",
            "interface",
        ])?;
        let mut ports = parse_ports(&output)
            .map_err(|reason| self.bad_output("find interface", reason, &output))?;
        ports.retain(|port| names.contains(&port.name));
        ports.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(ports)
    }

    /// The interface `name`, if it exists.
    pub fn port(&self, name: &str) -> Result<Option<PortInfo>, Error> {
        validate_name("port", name)?;
        let output = self.run(&[
            "--format=json",
            "--data=json",
            &format!("--columns={PORT_COLUMNS}"),
            "find",
            "interface",
            &format!("name={name}"),
        ])?;
        let ports = parse_ports(&output)
            .map_err(|reason| self.bad_output("find interface", reason, &output))?;
        Ok(ports.into_iter().next())
    }

    /// The OpenFlow port number of interface `name`: `None` if there is no such interface, it
    /// has no number yet, or it failed (see [`PortInfo::error`]).
    pub fn ofport(&self, name: &str) -> Result<Option<u32>, Error> {
        Ok(self.port(name)?.and_then(|port| port.ofport))
    }

    fn find(&self, table: &str, columns: &str, condition: &str) -> Result<Vec<Row>, Error> {
        let output = self.run(&[
            "--format=json",
            "--data=json",
            &format!("--columns={columns}"),
            "find",
            table,
            condition,
        ])?;
        ovsdb_json::parse_table(&output)
            .map_err(|reason| self.bad_output(&format!("find {table}"), reason, &output))
    }

    fn bad_output(&self, what: &str, reason: String, output: &str) -> Error {
        Error::BadOutput {
            command: format!("{} --db={} {what}", self.program.display(), self.db),
            reason,
            output: output.chars().take(400).collect(),
        }
    }
}

/// Checks that `name` is usable as a bridge or port name: 1–15 characters from
/// `A-Z a-z 0-9 _ . -`, not starting with `-` (it would read as an option).
pub fn validate_name(what: &'static str, name: &str) -> Result<(), Error> {
    let invalid = |reason| {
        Err(Error::InvalidName {
            what,
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return invalid("it is empty");
    }
    if name.len() > MAX_NAME_LEN {
        return invalid("it is longer than 15 characters");
    }
    if name.starts_with('-') {
        return invalid("it starts with '-'");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return invalid("it has a character other than A-Z a-z 0-9 _ . -");
    }
    Ok(())
}

/// What [`Vsctl::ensure_bridge`] wants a bridge to be.
struct DesiredBridge<'a> {
    datapath_type: &'a str,
    dpid: Option<u64>,
}

/// The parts of a bridge row [`Vsctl::ensure_bridge`] compares.
#[derive(Debug, PartialEq, Eq)]
struct BridgeSettings {
    datapath_type: String,
    protocols: Vec<String>,
    fail_mode: Option<String>,
    other_config: BTreeMap<String, String>,
}

impl BridgeSettings {
    fn from_row(row: &Row) -> Result<BridgeSettings, String> {
        let datapath_type = ovsdb_json::column(row, "datapath_type")?
            .as_str()
            .ok_or("datapath_type is not a string")?
            .to_owned();
        Ok(BridgeSettings {
            datapath_type,
            protocols: ovsdb_json::string_set(ovsdb_json::column(row, "protocols")?)?,
            fail_mode: ovsdb_json::optional_string(ovsdb_json::column(row, "fail_mode")?)?,
            other_config: ovsdb_json::string_map(ovsdb_json::column(row, "other_config")?)?,
        })
    }
}

/// The `set bridge` assignments that turn `current` (absent: a new bridge) into `desired`.
fn bridge_assignments(current: Option<&BridgeSettings>, desired: &DesiredBridge) -> Vec<String> {
    let mut assignments = Vec::new();
    if current.is_none_or(|bridge| bridge.datapath_type != desired.datapath_type) {
        assignments.push(format!("datapath_type={}", desired.datapath_type));
    }
    if current.is_none_or(|bridge| bridge.protocols != [OPENFLOW_VERSION]) {
        assignments.push(format!("protocols={OPENFLOW_VERSION}"));
    }
    if current.is_none_or(|bridge| bridge.fail_mode.as_deref() != Some(FAIL_MODE)) {
        assignments.push(format!("fail_mode={FAIL_MODE}"));
    }
    let other_config = |key: &str| current.and_then(|bridge| bridge.other_config.get(key));
    if other_config("disable-in-band").map(String::as_str) != Some("true") {
        assignments.push("other-config:disable-in-band=true".to_owned());
    }
    if let Some(dpid) = desired.dpid {
        let dpid = format!("{dpid:016x}");
        if other_config("datapath-id") != Some(&dpid) {
            assignments.push(format!("other-config:datapath-id={dpid}"));
        }
    }
    assignments
}

/// The options of a vnet GRE port.
fn gre_options(remote_ip: Ipv4Addr, local_ip: Option<Ipv4Addr>) -> BTreeMap<String, String> {
    let mut options = BTreeMap::from([
        ("key".to_owned(), "flow".to_owned()),
        ("remote_ip".to_owned(), remote_ip.to_string()),
    ]);
    if let Some(local_ip) = local_ip {
        options.insert("local_ip".to_owned(), local_ip.to_string());
    }
    options
}

/// Reads `find interface` output with [`PORT_COLUMNS`].
fn parse_ports(output: &str) -> Result<Vec<PortInfo>, String> {
    ovsdb_json::parse_table(output)?
        .iter()
        .map(|row| {
            let text = |name: &str| -> Result<String, String> {
                ovsdb_json::column(row, name)?
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{name} is not a string"))
            };
            let ofport = ovsdb_json::optional_integer(ovsdb_json::column(row, "ofport")?)?
                .and_then(|number| u32::try_from(number).ok());
            Ok(PortInfo {
                name: text("name")?,
                port_type: text("type")?,
                ofport,
                options: ovsdb_json::string_map(ovsdb_json::column(row, "options")?)?,
                mac_in_use: ovsdb_json::optional_string(ovsdb_json::column(row, "mac_in_use")?)?,
                error: ovsdb_json::optional_string(ovsdb_json::column(row, "error")?)?,
            })
        })
        .collect()
}

/// Runs `argv` with no stdin and returns stdout, or a typed error quoting the command.
pub(crate) fn run_command(argv: &[&OsStr]) -> Result<String, Error> {
    let command_line = || display_command(argv);
    let Some((program, args)) = argv.split_first() else {
        return Err(Error::Spawn {
            command: String::new(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"),
        });
    };
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            command: command_line(),
            source,
        })?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(Error::CommandFailed {
            command: command_line(),
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// A command line as it could be pasted into a shell.
pub(crate) fn display_command(argv: &[&OsStr]) -> String {
    let words: Vec<String> = argv
        .iter()
        .map(|word| word.to_string_lossy().into_owned())
        .collect();
    shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(fail_mode: Option<&str>, other: &[(&str, &str)]) -> BridgeSettings {
        BridgeSettings {
            datapath_type: "netdev".to_owned(),
            protocols: vec!["OpenFlow13".to_owned()],
            fail_mode: fail_mode.map(str::to_owned),
            other_config: other
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn a_new_bridge_gets_every_setting() {
        let desired = DesiredBridge {
            datapath_type: "netdev",
            dpid: Some(0xaaaa_aaaa_aaaa),
        };
        assert_eq!(
            bridge_assignments(None, &desired),
            [
                "datapath_type=netdev",
                "protocols=OpenFlow13",
                "fail_mode=secure",
                "other-config:disable-in-band=true",
                "other-config:datapath-id=0000aaaaaaaaaaaa",
            ]
        );
    }

    #[test]
    fn a_bridge_as_asked_needs_nothing() {
        let current = settings(
            Some("secure"),
            &[
                ("disable-in-band", "true"),
                ("datapath-id", "0000aaaaaaaaaaaa"),
                ("hwaddr", "02:00:00:00:00:01"),
            ],
        );
        let desired = DesiredBridge {
            datapath_type: "netdev",
            dpid: Some(0xaaaa_aaaa_aaaa),
        };
        assert!(bridge_assignments(Some(&current), &desired).is_empty());
        // Without a dpid the switch's own choice stands.
        let desired = DesiredBridge {
            datapath_type: "netdev",
            dpid: None,
        };
        assert!(bridge_assignments(Some(&current), &desired).is_empty());
    }

    #[test]
    fn only_differences_are_written() {
        let mut current = settings(Some("standalone"), &[("disable-in-band", "true")]);
        current.protocols = vec!["OpenFlow10".to_owned(), "OpenFlow13".to_owned()];
        let desired = DesiredBridge {
            datapath_type: "system",
            dpid: Some(1),
        };
        assert_eq!(
            bridge_assignments(Some(&current), &desired),
            [
                "datapath_type=system",
                "protocols=OpenFlow13",
                "fail_mode=secure",
                "other-config:datapath-id=0000000000000001",
            ]
        );
    }

    #[test]
    fn reads_a_bridge_row() {
        let text = r#"{"data":[["br0","netdev","OpenFlow13","secure",["map",[["datapath-id","0000aaaaaaaaaaaa"],["disable-in-band","true"]]]]],
                       "headings":["name","datapath_type","protocols","fail_mode","other_config"]}"#;
        let rows = ovsdb_json::parse_table(text).unwrap();
        let bridge = BridgeSettings::from_row(&rows[0]).unwrap();
        assert_eq!(
            bridge,
            settings(
                Some("secure"),
                &[
                    ("datapath-id", "0000aaaaaaaaaaaa"),
                    ("disable-in-band", "true")
                ]
            )
        );
        let text = r#"{"data":[["br0","",["set",[]],["set",[]],["map",[]]]],
                       "headings":["name","datapath_type","protocols","fail_mode","other_config"]}"#;
        let rows = ovsdb_json::parse_table(text).unwrap();
        let bridge = BridgeSettings::from_row(&rows[0]).unwrap();
        assert_eq!(bridge.fail_mode, None);
        assert!(bridge.protocols.is_empty());
    }

    #[test]
    fn reads_ports_as_ovs_vsctl_prints_them() {
        // Captured from ovs-vsctl 3.1 (`--format=json --data=json --columns=... find interface`).
        let text = r#"{"data":[["vif-vm1","",2,["map",[]],"1a:bf:42:a4:7b:dc",["set",[]]],
            ["eth0","patch",1,["map",[["peer","patch-br0"]]],["set",[]],["set",[]]],
            ["t-h3","gre",3,["map",[["key","flow"],["remote_ip","198.51.100.3"]]],"6e:1b:87:65:7b:9b",["set",[]]],
            ["broken","",-1,["map",[]],["set",[]],"could not open network device broken (No such device)"],
            ["new","internal",["set",[]],["map",[]],["set",[]],["set",[]]]],
            "headings":["name","type","ofport","options","mac_in_use","error"]}"#;
        let ports = parse_ports(text).unwrap();
        assert_eq!(ports.len(), 5);
        assert_eq!(
            ports[2],
            PortInfo {
                name: "t-h3".to_owned(),
                port_type: "gre".to_owned(),
                ofport: Some(3),
                options: gre_options(Ipv4Addr::new(198, 51, 100, 3), None),
                mac_in_use: Some("6e:1b:87:65:7b:9b".to_owned()),
                error: None,
            }
        );
        assert_eq!(ports[0].port_type, "");
        assert_eq!(ports[1].options["peer"], "patch-br0");
        assert_eq!(ports[3].ofport, None);
        assert!(
            ports[3]
                .error
                .as_deref()
                .unwrap()
                .contains("No such device")
        );
        assert_eq!(ports[4].ofport, None);
    }

    #[test]
    fn gre_options_carry_the_local_ip_only_when_given() {
        let options = gre_options(
            Ipv4Addr::new(192, 0, 2, 2),
            Some(Ipv4Addr::new(192, 0, 2, 1)),
        );
        assert_eq!(options["local_ip"], "192.0.2.1");
        assert_eq!(options["remote_ip"], "192.0.2.2");
        assert_eq!(options["key"], "flow");
        assert_eq!(options.len(), 3);
    }

    #[test]
    fn names_that_would_break_a_command_are_refused() {
        for good in ["br0", "t-0a1b", "vif-vm1", "a.b_c", "fifteen-chars15"] {
            assert!(validate_name("port", good).is_ok(), "{good}");
        }
        for bad in ["", "-br0", "sixteen-chars-16", "br 0", "br0;rm", "a=b", "é"] {
            let error = validate_name("port", bad).unwrap_err();
            assert!(
                error.to_string().contains("invalid port name"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn failures_quote_the_command_status_and_stderr() {
        let error = run_command(&[
            OsStr::new("sh"),
            OsStr::new("-c"),
            OsStr::new("echo 'ovs-vsctl: no bridge named br9' >&2; exit 1"),
        ])
        .unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("`sh -c \"echo"), "{message}");
        assert!(message.contains("exit status: 1"), "{message}");
        assert!(
            message.ends_with("ovs-vsctl: no bridge named br9"),
            "{message}"
        );
        let error = run_command(&[OsStr::new("/nonexistent/ovs-vsctl")]).unwrap_err();
        assert!(matches!(error, Error::Spawn { .. }), "{error}");
    }
}
