//! vnmgr's configuration: a TOML file, environment variables and command-line flags.
//!
//! Every key can be given in all three places; a flag beats the environment, which beats the
//! file, which beats the default. The file is `--config PATH` (or `VNMGR_CONFIG`), else
//! `/etc/openvnet/vnmgr.toml` when it exists, else none. A key the file does not know is an
//! error naming the key, so a typo never silently falls back to a default. Finding, reading and
//! refusing the file is [`conf`]'s, which vnapi and vna share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use conf::{layered, non_empty};
use model::{ResourceKind, Uuid};
use serde::Deserialize;

pub use conf::ConfigError;

/// Where the configuration file is looked for when none is given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/openvnet/vnmgr.toml";
/// The embedded default database.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:///var/lib/vnet/vnmgr.db?mode=rwc";
/// The node id vnmgr logs itself as (the original's DCell node id).
pub const DEFAULT_NODE_ID: &str = "vnmgr";
/// Heartbeat period (ms).
pub const DEFAULT_HEARTBEAT_MS: u64 = 1000;
/// How often the IP retention service runs (ms). The original checked every 60 s; expiry
/// times are in seconds, so once a second keeps them within a second of exact.
pub const DEFAULT_RETENTION_INTERVAL_MS: u64 = 1000;

/// Command-line flags; each also read from its `VNMGR_*` environment variable.
#[derive(Debug, Clone, Default, Parser)]
#[command(
    name = "vnmgr",
    version,
    about = "The vnet manager: database, RPC and events"
)]
pub struct Flags {
    /// TOML configuration file [default: /etc/openvnet/vnmgr.toml if it exists]
    #[arg(long, env = "VNMGR_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH?mode=rwc, sqlite::memory: or mysql://USER@HOST/DB
    #[arg(long, env = "VNMGR_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// ZeroMQ ROUTER endpoint for RPC [default: tcp://127.0.0.1:9102]
    #[arg(long, env = "VNMGR_RPC_ENDPOINT", value_name = "ENDPOINT")]
    pub rpc_endpoint: Option<String>,
    /// ZeroMQ PUB endpoint for events [default: tcp://127.0.0.1:9103]
    #[arg(long, env = "VNMGR_EVENT_ENDPOINT", value_name = "ENDPOINT")]
    pub event_endpoint: Option<String>,
    /// This node's id [default: vnmgr]
    #[arg(long, env = "VNMGR_NODE_ID", value_name = "ID")]
    pub node_id: Option<String>,
    /// MAC range group (mrg-…) that datapath networks, segments and route links get MACs from
    #[arg(long, env = "VNMGR_DATAPATH_MAC_GROUP", value_name = "UUID")]
    pub datapath_mac_group: Option<String>,
    /// Milliseconds between heartbeats [default: 1000]
    #[arg(long, env = "VNMGR_HEARTBEAT_MS", value_name = "MS")]
    pub heartbeat_ms: Option<u64>,
    /// Milliseconds between runs of the IP retention service [default: 1000]
    #[arg(long, env = "VNMGR_RETENTION_INTERVAL_MS", value_name = "MS")]
    pub retention_interval_ms: Option<u64>,
}

/// The configuration file's keys, all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub rpc_endpoint: Option<String>,
    pub event_endpoint: Option<String>,
    pub node_id: Option<String>,
    pub datapath_mac_group: Option<String>,
    pub heartbeat_ms: Option<u64>,
    pub retention_interval_ms: Option<u64>,
}

/// The effective configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub database_url: String,
    pub rpc_endpoint: String,
    pub event_endpoint: String,
    pub node_id: String,
    pub datapath_mac_group: Option<Uuid>,
    pub heartbeat: Duration,
    pub retention_interval: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            rpc_endpoint: proto::DEFAULT_RPC_ENDPOINT.to_owned(),
            event_endpoint: proto::DEFAULT_EVENT_ENDPOINT.to_owned(),
            node_id: DEFAULT_NODE_ID.to_owned(),
            datapath_mac_group: None,
            heartbeat: Duration::from_millis(DEFAULT_HEARTBEAT_MS),
            retention_interval: Duration::from_millis(DEFAULT_RETENTION_INTERVAL_MS),
        }
    }
}

impl Config {
    /// The configuration from `flags` (which clap has already merged with the environment)
    /// and the file they name, or the default file if it exists.
    pub fn load(flags: Flags) -> Result<Self, ConfigError> {
        let file = conf::load_file(flags.config.as_deref(), Path::new(DEFAULT_CONFIG_PATH))?;
        Self::merge(flags, file)
    }

    /// `flags` over `file` over the defaults.
    pub fn merge(flags: Flags, file: FileConfig) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let positive_ms = |key: &'static str, ms: Option<u64>, default: Duration| match ms {
            None => Ok(default),
            Some(0) => Err(ConfigError::invalid(
                key,
                "must be at least 1 (milliseconds)",
            )),
            Some(ms) => Ok(Duration::from_millis(ms)),
        };
        let datapath_mac_group = flags
            .datapath_mac_group
            .or(file.datapath_mac_group)
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                Uuid::parse_for(ResourceKind::MacRangeGroup, s.trim())
                    .map_err(|e| ConfigError::invalid("datapath_mac_group", e.to_string()))
            })
            .transpose()?;
        Ok(Self {
            database_url: non_empty(
                "database_url",
                layered(flags.database_url, file.database_url, defaults.database_url),
            )?,
            rpc_endpoint: non_empty(
                "rpc_endpoint",
                layered(flags.rpc_endpoint, file.rpc_endpoint, defaults.rpc_endpoint),
            )?,
            event_endpoint: non_empty(
                "event_endpoint",
                layered(
                    flags.event_endpoint,
                    file.event_endpoint,
                    defaults.event_endpoint,
                ),
            )?,
            node_id: non_empty(
                "node_id",
                layered(flags.node_id, file.node_id, defaults.node_id),
            )?,
            datapath_mac_group,
            heartbeat: positive_ms(
                "heartbeat_ms",
                flags.heartbeat_ms.or(file.heartbeat_ms),
                defaults.heartbeat,
            )?,
            retention_interval: positive_ms(
                "retention_interval_ms",
                flags.retention_interval_ms.or(file.retention_interval_ms),
                defaults.retention_interval,
            )?,
        })
    }
}

/// The file an `sqlite://PATH` URL names, if it names one (not `:memory:`).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Result<FileConfig, ConfigError> {
        conf::parse_file(Path::new("vnmgr.toml"), text)
    }

    #[test]
    fn defaults_without_file_or_flags() {
        let c = Config::merge(Flags::default(), FileConfig::default()).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.rpc_endpoint, "tcp://127.0.0.1:9102");
        assert_eq!(c.event_endpoint, "tcp://127.0.0.1:9103");
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.heartbeat, Duration::from_secs(1));
    }

    #[test]
    fn flags_beat_the_file_which_beats_the_defaults() {
        let f = file(
            "database_url = \"sqlite:///tmp/x.db\"\nnode_id = \"mgr1\"\nheartbeat_ms = 250\n\
             datapath_mac_group = \"mrg-dpg\"\n",
        )
        .unwrap();
        let flags = Flags {
            node_id: Some("mgr2".into()),
            ..Flags::default()
        };
        let c = Config::merge(flags, f).unwrap();
        assert_eq!(c.database_url, "sqlite:///tmp/x.db");
        assert_eq!(c.node_id, "mgr2");
        assert_eq!(c.heartbeat, Duration::from_millis(250));
        assert_eq!(c.datapath_mac_group.unwrap().to_string(), "mrg-dpg");
        assert_eq!(c.rpc_endpoint, proto::DEFAULT_RPC_ENDPOINT);
    }

    #[test]
    fn flags_come_from_the_environment_below_the_command_line() {
        // clap reads VNMGR_* itself; parse_from with an explicit flag must win over it.
        let flags = Flags::try_parse_from(["vnmgr", "--node-id", "cli"]).unwrap();
        assert_eq!(flags.node_id.as_deref(), Some("cli"));
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key() {
        let e = file("database_url = \"sqlite::memory:\"\nrpc_endpiont = \"x\"\n").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("rpc_endpiont"), "{text}");
        assert!(text.starts_with("config file vnmgr.toml: "), "{text}");
    }

    #[test]
    fn bad_values_are_errors_naming_the_key() {
        let e = Config::merge(
            Flags::default(),
            file("datapath_mac_group = \"nw-abc\"").unwrap(),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("datapath_mac_group: "), "{e}");
        let e = Config::merge(Flags::default(), file("heartbeat_ms = 0").unwrap()).unwrap_err();
        assert!(e.to_string().starts_with("heartbeat_ms: "), "{e}");
        let e = file("heartbeat_ms = \"fast\"").unwrap_err();
        assert!(e.to_string().contains("invalid type"), "{e}");
    }

    #[test]
    fn the_shipped_example_parses() {
        let f = file(include_str!("../dist/vnmgr.toml")).unwrap();
        let c = Config::merge(Flags::default(), f).unwrap();
        assert_eq!(c.rpc_endpoint, proto::DEFAULT_RPC_ENDPOINT);
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path(DEFAULT_DATABASE_URL),
            Some(PathBuf::from("/var/lib/vnet/vnmgr.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("mysql://root@localhost/vnet"), None);
        assert_eq!(
            sqlite_path("sqlite://rel/dir/x.db"),
            Some(PathBuf::from("rel/dir/x.db"))
        );
    }
}
