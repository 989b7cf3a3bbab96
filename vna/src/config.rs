//! vna's configuration: a TOML file, environment variables (`VNA_*`) and flags.
//!
//! A flag beats the environment, which beats the file, which beats the default. The file is
//! `--config PATH` (or `VNA_CONFIG`), else `/etc/openvnet/vna.toml` when it exists. A key the
//! file does not know is an error naming the key. Finding, reading and refusing the file is
//! [`conf`]'s, which vnmgr and vnapi share.

use std::path::{Path, PathBuf};

use clap::Args;
use conf::{layered, non_empty};
use serde::Deserialize;

pub use conf::ConfigError;

pub const DEFAULT_CONFIG_PATH: &str = "/etc/openvnet/vna.toml";
/// Where OVS connects (`ovs-vsctl set-controller BR tcp:127.0.0.1:6633`).
pub const DEFAULT_OPENFLOW_LISTEN: &str = "tcp:127.0.0.1:6633";
pub const DEFAULT_OVSDB: &str = "unix:/var/run/openvswitch/db.sock";
pub const DEFAULT_BRIDGE: &str = "br0";

/// Flags of `vna run` (also read from `VNA_*`).
#[derive(Debug, Clone, Default, Args)]
pub struct Flags {
    /// TOML configuration file [default: /etc/openvnet/vna.toml if it exists]
    #[arg(long, env = "VNA_CONFIG", value_name = "PATH", global = true)]
    pub config: Option<PathBuf>,
    /// This hypervisor's node id; must equal its datapath's `node_id`
    #[arg(long, env = "VNA_NODE_ID", value_name = "ID")]
    pub node_id: Option<String>,
    /// vnmgr's RPC endpoint [default: tcp://127.0.0.1:9102]
    #[arg(long, env = "VNA_RPC_ENDPOINT", value_name = "ENDPOINT")]
    pub rpc_endpoint: Option<String>,
    /// vnmgr's event endpoint [default: tcp://127.0.0.1:9103]
    #[arg(long, env = "VNA_EVENT_ENDPOINT", value_name = "ENDPOINT")]
    pub event_endpoint: Option<String>,
    /// Where OVS connects to vna [default: tcp:127.0.0.1:6633]
    #[arg(long, env = "VNA_OPENFLOW_LISTEN", value_name = "tcp:IP:PORT")]
    pub openflow_listen: Option<String>,
    /// Connect to the switch instead, which then listens: unix:PATH or tcp:IP:PORT (vna
    /// sets the bridge's controller to punix:PATH or ptcp:PORT:IP)
    #[arg(
        long,
        env = "VNA_OPENFLOW_CONNECT",
        value_name = "unix:PATH|tcp:IP:PORT"
    )]
    pub openflow_connect: Option<String>,
    /// The local OVSDB [default: unix:/var/run/openvswitch/db.sock]
    #[arg(long, env = "VNA_OVSDB", value_name = "unix:PATH|tcp:IP:PORT")]
    pub ovsdb: Option<String>,
    /// The bridge vna manages [default: br0]
    #[arg(long, env = "VNA_BRIDGE", value_name = "NAME")]
    pub bridge: Option<String>,
}

/// The file's keys, all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub node_id: Option<String>,
    pub rpc_endpoint: Option<String>,
    pub event_endpoint: Option<String>,
    pub openflow_listen: Option<String>,
    pub openflow_connect: Option<String>,
    pub ovsdb: Option<String>,
    pub bridge: Option<String>,
    /// `netdev` (userspace) or `system` (kernel); unset leaves the bridge's as it is.
    pub datapath_type: Option<String>,
    /// Whether vna sets the bridge up (controller, fail-mode=secure, OpenFlow13, no in-band)
    /// and manages its GRE ports through OVSDB. Default true.
    pub manage_bridge: Option<bool>,
}

/// The effective configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub node_id: String,
    pub rpc_endpoint: String,
    pub event_endpoint: String,
    /// `IP:PORT` to listen on for OpenFlow (parsed from `tcp:IP:PORT`).
    pub openflow_listen: std::net::SocketAddr,
    /// When set, vna connects to the switch here (`unix:PATH` or `tcp:IP:PORT`) and the
    /// switch listens; `openflow_listen` is then unused.
    pub openflow_connect: Option<String>,
    pub ovsdb: String,
    pub bridge: String,
    pub datapath_type: Option<String>,
    pub manage_bridge: bool,
}

/// Checks `unix:/ABSOLUTE/PATH` or `tcp:IP:PORT`.
pub fn parse_connect(text: &str) -> Result<String, ConfigError> {
    let ok = match text.split_once(':') {
        Some(("unix", path)) => path.starts_with('/'),
        Some(("tcp", addr)) => addr.parse::<std::net::SocketAddr>().is_ok(),
        _ => false,
    };
    if ok {
        Ok(text.to_owned())
    } else {
        Err(ConfigError::invalid(
            "openflow_connect",
            format!(
                "{text:?} is not unix:/ABSOLUTE/PATH or tcp:IP:PORT (e.g. unix:/var/run/openvswitch/br0.vna)"
            ),
        ))
    }
}

/// Parses `tcp:IP:PORT` (the OVS syntax) or plain `IP:PORT`.
pub fn parse_listen(text: &str) -> Result<std::net::SocketAddr, ConfigError> {
    let bare = text.strip_prefix("tcp:").unwrap_or(text);
    bare.parse().map_err(|_| {
        ConfigError::invalid(
            "openflow_listen",
            format!("{text:?} is not tcp:IP:PORT (e.g. tcp:127.0.0.1:6633)"),
        )
    })
}

impl Config {
    /// `flags` (merged with the environment by clap) over the file they name (or the default
    /// file) over the defaults.
    pub fn load(flags: Flags) -> Result<Config, ConfigError> {
        let file = conf::load_file(flags.config.as_deref(), Path::new(DEFAULT_CONFIG_PATH))?;
        Config::merge(flags, file)
    }

    pub fn merge(flags: Flags, file: FileConfig) -> Result<Config, ConfigError> {
        let node_id = flags.node_id.or(file.node_id).ok_or_else(|| {
            ConfigError::invalid(
                "node_id",
                "missing: the node id of this hypervisor's datapath (datapaths.node_id)",
            )
        })?;
        let datapath_type = file.datapath_type;
        if let Some(t) = &datapath_type
            && !matches!(t.as_str(), "netdev" | "system")
        {
            return Err(ConfigError::invalid(
                "datapath_type",
                format!("{t:?} is not one of netdev, system"),
            ));
        }
        Ok(Config {
            node_id: non_empty("node_id", node_id)?,
            rpc_endpoint: non_empty(
                "rpc_endpoint",
                layered(
                    flags.rpc_endpoint,
                    file.rpc_endpoint,
                    proto::DEFAULT_RPC_ENDPOINT,
                ),
            )?,
            event_endpoint: non_empty(
                "event_endpoint",
                layered(
                    flags.event_endpoint,
                    file.event_endpoint,
                    proto::DEFAULT_EVENT_ENDPOINT,
                ),
            )?,
            openflow_listen: parse_listen(&non_empty(
                "openflow_listen",
                layered(
                    flags.openflow_listen,
                    file.openflow_listen,
                    DEFAULT_OPENFLOW_LISTEN,
                ),
            )?)?,
            openflow_connect: flags
                .openflow_connect
                .or(file.openflow_connect)
                .filter(|t| !t.is_empty())
                .map(|t| parse_connect(&t))
                .transpose()?,
            ovsdb: non_empty("ovsdb", layered(flags.ovsdb, file.ovsdb, DEFAULT_OVSDB))?,
            bridge: non_empty("bridge", layered(flags.bridge, file.bridge, DEFAULT_BRIDGE))?,
            datapath_type,
            manage_bridge: file.manage_bridge.unwrap_or(true),
        })
    }

    /// The controller target OVS is given: `tcp:IP:PORT` where vna listens, or where the
    /// switch listens for vna (`punix:PATH`, `ptcp:PORT:IP`).
    pub fn controller_target(&self) -> String {
        match self
            .openflow_connect
            .as_deref()
            .and_then(|t| t.split_once(':'))
        {
            Some(("unix", path)) => format!("punix:{path}"),
            Some((_, addr)) => match addr.parse::<std::net::SocketAddr>() {
                Ok(a) => format!("ptcp:{}:{}", a.port(), a.ip()),
                Err(_) => format!("ptcp:{addr}"),
            },
            None => format!("tcp:{}", self.openflow_listen),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(text: &str) -> Result<FileConfig, ConfigError> {
        conf::parse_file(Path::new("vna.toml"), text)
    }

    #[test]
    fn defaults_and_overrides() {
        let file: FileConfig = parse("node_id = \"vna1\"\nbridge = \"brv\"").unwrap();
        let c = Config::merge(Flags::default(), file.clone()).unwrap();
        assert_eq!(c.node_id, "vna1");
        assert_eq!(c.bridge, "brv");
        assert_eq!(c.openflow_listen.to_string(), "127.0.0.1:6633");
        assert_eq!(c.controller_target(), "tcp:127.0.0.1:6633");
        let flags = Flags {
            bridge: Some("br9".into()),
            ..Flags::default()
        };
        assert_eq!(Config::merge(flags, file).unwrap().bridge, "br9");
    }

    #[test]
    fn bad_input_is_named() {
        let e = parse("nodeid = \"x\"").unwrap_err();
        assert!(e.to_string().contains("nodeid"), "{e}");
        let e = Config::merge(Flags::default(), FileConfig::default()).unwrap_err();
        assert!(e.to_string().starts_with("node_id: missing"), "{e}");
        let file = FileConfig {
            node_id: Some("n".into()),
            openflow_listen: Some("tcp:localhost".into()),
            ..FileConfig::default()
        };
        let e = Config::merge(Flags::default(), file).unwrap_err();
        assert!(e.to_string().contains("tcp:localhost"), "{e}");
        for bad in ["unix:relative", "tcp:localhost:6653", "ptcp:6653"] {
            let file = FileConfig {
                node_id: Some("n".into()),
                openflow_connect: Some(bad.into()),
                ..FileConfig::default()
            };
            let e = Config::merge(Flags::default(), file).unwrap_err();
            assert!(e.to_string().starts_with("openflow_connect"), "{e}");
            assert!(e.to_string().contains(bad), "{e}");
        }
    }

    #[test]
    fn connecting_makes_the_switch_listen() {
        let file = FileConfig {
            node_id: Some("n".into()),
            openflow_connect: Some("unix:/run/openvswitch/br0.vna".into()),
            ..FileConfig::default()
        };
        let c = Config::merge(Flags::default(), file).unwrap();
        assert_eq!(c.controller_target(), "punix:/run/openvswitch/br0.vna");
        let flags = Flags {
            openflow_connect: Some("tcp:127.0.0.1:6653".into()),
            ..Flags::default()
        };
        let file = FileConfig {
            node_id: Some("n".into()),
            ..FileConfig::default()
        };
        let c = Config::merge(flags, file).unwrap();
        assert_eq!(c.controller_target(), "ptcp:6653:127.0.0.1");
    }
}

#[cfg(test)]
mod shipped {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_example_config_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/vna.toml");
        let file: FileConfig = conf::read_file(&path).unwrap();
        let c = Config::merge(Flags::default(), file).unwrap();
        assert_eq!(c.node_id, "vna1");
        assert_eq!(c.controller_target(), "tcp:127.0.0.1:6633");
    }
}
