//! vnapi's configuration: a TOML file, environment variables and command-line flags (a flag
//! beats the environment, which beats the file, which beats the default). The file is
//! `--config PATH` (or `VNAPI_CONFIG`), else `/etc/openvnet/vnapi.toml` when it exists. A key
//! the file does not know is an error naming it. Finding, reading and refusing the file is
//! [`conf`]'s, which vnmgr and vna share.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use conf::layered;
use serde::Deserialize;

pub use conf::ConfigError;

/// Where the configuration file is looked for when none is given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/openvnet/vnapi.toml";
/// The original's port, on loopback.
pub const DEFAULT_BIND: &str = "127.0.0.1:9090";
/// How long one call to vnmgr may take before the request answers 503 (ms).
pub const DEFAULT_RPC_TIMEOUT_MS: u64 = 5000;

/// Command-line flags; each also read from its `VNAPI_*` environment variable.
#[derive(Debug, Clone, Default, Parser)]
#[command(
    name = "vnapi",
    version,
    about = "The vnet REST API (OpenVNet /api/1.0)"
)]
pub struct Flags {
    /// TOML configuration file [default: /etc/openvnet/vnapi.toml if it exists]
    #[arg(long, env = "VNAPI_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// HTTP address to listen on [default: 127.0.0.1:9090]
    #[arg(long, env = "VNAPI_BIND", value_name = "ADDR")]
    pub bind: Option<String>,
    /// vnmgr's RPC endpoint [default: tcp://127.0.0.1:9102]
    #[arg(long, env = "VNAPI_RPC_ENDPOINT", value_name = "ENDPOINT")]
    pub rpc_endpoint: Option<String>,
    /// Milliseconds one vnmgr call may take before 503 [default: 5000]
    #[arg(long, env = "VNAPI_RPC_TIMEOUT_MS", value_name = "MS")]
    pub rpc_timeout_ms: Option<u64>,
    /// Bearer token every request must carry (none: no authentication)
    #[arg(
        long,
        env = "VNAPI_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

/// The configuration file's keys, all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub rpc_endpoint: Option<String>,
    pub rpc_timeout_ms: Option<u64>,
    pub token: Option<String>,
}

/// The effective configuration.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub bind: SocketAddr,
    pub rpc_endpoint: String,
    pub rpc_timeout: Duration,
    pub token: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("rpc_endpoint", &self.rpc_endpoint)
            .field("rpc_timeout", &self.rpc_timeout)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Config {
    /// Reads the file the flags name (or the default file when present) and merges.
    pub fn load(flags: Flags) -> Result<Self, ConfigError> {
        let file = conf::load_file(flags.config.as_deref(), Path::new(DEFAULT_CONFIG_PATH))?;
        Self::merge(flags, file)
    }

    pub fn merge(flags: Flags, file: FileConfig) -> Result<Self, ConfigError> {
        let bind = layered(flags.bind, file.bind, DEFAULT_BIND);
        let bind = bind.parse().map_err(|e| {
            ConfigError::invalid(
                "bind",
                format!("invalid address {bind:?} ({e}); expected e.g. {DEFAULT_BIND}"),
            )
        })?;
        let token = flags.token.or(file.token).filter(|t| !t.is_empty());
        Ok(Self {
            bind,
            rpc_endpoint: layered(
                flags.rpc_endpoint,
                file.rpc_endpoint,
                proto::DEFAULT_RPC_ENDPOINT,
            ),
            rpc_timeout: Duration::from_millis(layered(
                flags.rpc_timeout_ms,
                file.rpc_timeout_ms,
                DEFAULT_RPC_TIMEOUT_MS,
            )),
            token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_and_unknown_keys_are_refused() {
        let file = conf::parse_file::<FileConfig>(
            Path::new("x.toml"),
            "bind = \"0.0.0.0:80\"\ntoken = \"s\"\n",
        );
        let file = file.unwrap_or_default();
        let flags = Flags {
            bind: Some("127.0.0.1:1".to_owned()),
            ..Flags::default()
        };
        let config = Config::merge(flags, file).ok();
        assert_eq!(config.as_ref().map(|c| c.bind.port()), Some(1));
        assert_eq!(config.and_then(|c| c.token), Some("s".to_owned()));
        let refused = conf::parse_file::<FileConfig>(Path::new("x.toml"), "tokn = \"s\"");
        assert!(refused.is_err_and(|e| e.to_string().contains("tokn")));
    }
}
