//! Where vnapi is and how to authenticate: flag, then environment, then `~/.vnctl.toml`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::{Format, GlobalArgs};

/// `host:port` of vnapi, as the original vnctl read it.
pub const ENV_WEBAPI: &str = "VNET_WEBAPI";
/// Bearer token vnctl sends to vnapi (`Authorization: Bearer ...`). This is the client-side
/// name; vnapi reads the token it expects from its own `VNAPI_TOKEN` (or `token` in
/// `vnapi.toml`). On a host running both, set the two to the same value.
pub const ENV_TOKEN: &str = "VNET_API_TOKEN";
/// Used when nothing else names vnapi; vnapi's default bind address.
pub const DEFAULT_API: &str = "http://127.0.0.1:9090";
/// Name of the per-user configuration file in `$HOME`.
pub const CONFIG_FILE: &str = ".vnctl.toml";

/// Contents of `~/.vnctl.toml`; every key is optional.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// vnapi base URL or `host:port`.
    pub api: Option<String>,
    pub token: Option<String>,
    pub output: Option<Format>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("config file {path} is not valid (accepted keys: api, token, output): {reason}")]
    Parse { path: PathBuf, reason: String },
}

/// Everything needed to talk to vnapi.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:9090`.
    pub api: String,
    pub token: Option<String>,
    pub output: Format,
}

/// Reads the config file: the one given with `--config` must exist; `~/.vnctl.toml` may not.
pub fn load_file(explicit: Option<&Path>, home: Option<&Path>) -> Result<ConfigFile, ConfigError> {
    let (path, must_exist) = match (explicit, home) {
        (Some(path), _) => (path.to_path_buf(), true),
        (None, Some(home)) => (home.join(CONFIG_FILE), false),
        (None, None) => return Ok(ConfigFile::default()),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if !must_exist && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(ConfigFile::default());
        }
        Err(e) => {
            return Err(ConfigError::Read {
                path,
                reason: e.to_string(),
            });
        }
    };
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path,
        reason: e.message().to_owned(),
    })
}

/// Merges flag, environment and file, in that order of precedence.
pub fn resolve(
    globals: &GlobalArgs,
    env: impl Fn(&str) -> Option<String>,
    file: ConfigFile,
) -> Settings {
    let api = globals.api.clone().or_else(|| env(ENV_WEBAPI)).or(file.api);
    Settings {
        api: api
            .map(|a| normalize_api(&a))
            .unwrap_or_else(|| DEFAULT_API.to_owned()),
        token: globals
            .token
            .clone()
            .or_else(|| env(ENV_TOKEN))
            .or(file.token),
        output: globals.output.or(file.output).unwrap_or(Format::Table),
    }
}

/// `host:port` becomes `http://host:port`; a trailing slash is dropped.
pub fn normalize_api(api: &str) -> String {
    let api = api.trim().trim_end_matches('/');
    if api.contains("://") {
        api.to_owned()
    } else {
        format!("http://{api}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn flag_beats_env_beats_file() {
        let file = || ConfigFile {
            api: Some("file:1".into()),
            token: Some("ft".into()),
            output: Some(Format::Yaml),
        };
        let flags = GlobalArgs {
            api: Some("http://flag:2/".into()),
            ..GlobalArgs::default()
        };
        let env = env_of(&[(ENV_WEBAPI, "envhost:9091"), (ENV_TOKEN, "et")]);
        let s = resolve(&flags, &env, file());
        assert_eq!(
            (s.api.as_str(), s.token.as_deref(), s.output),
            ("http://flag:2", Some("et"), Format::Yaml)
        );
        let s = resolve(&GlobalArgs::default(), &env, file());
        assert_eq!(s.api, "http://envhost:9091");
        let s = resolve(&GlobalArgs::default(), env_of(&[]), file());
        assert_eq!(
            (s.api.as_str(), s.token.as_deref()),
            ("http://file:1", Some("ft"))
        );
        let s = resolve(&GlobalArgs::default(), env_of(&[]), ConfigFile::default());
        assert_eq!(
            (s.api.as_str(), s.token, s.output),
            (DEFAULT_API, None, Format::Table)
        );
    }

    #[test]
    fn config_file_reading() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            load_file(None, Some(dir.path())).unwrap(),
            ConfigFile::default()
        );
        assert!(matches!(
            load_file(Some(&dir.path().join("x.toml")), None),
            Err(ConfigError::Read { .. })
        ));
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "api = \"h:1\"\ntoken = \"t\"\noutput = \"json\"\n",
        )
        .unwrap();
        let file = load_file(None, Some(dir.path())).unwrap();
        assert_eq!(file.output, Some(Format::Json));
        std::fs::write(dir.path().join(CONFIG_FILE), "url = \"h:1\"\n").unwrap();
        let err = load_file(None, Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("accepted keys"), "{err}");
    }
}
