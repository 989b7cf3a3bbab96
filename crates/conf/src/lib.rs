//! The part of a vnet daemon's configuration that every daemon does the same way.
//!
//! A daemon's configuration has four layers: a command-line flag beats its environment variable,
//! which beats the TOML file, which beats the default. clap already merges the first two (each
//! flag is declared with `env = "…"`), so a daemon keeps three structs of its own — its flags,
//! its file's keys (all `Option`, with `#[serde(deny_unknown_fields)]`) and the effective
//! configuration — and uses this crate for the rest:
//!
//! * [`load_file`] finds the file (the one named by `--config`, which must exist, else the
//!   daemon's default path when it exists, else none) and parses it with [`parse_file`]; a key
//!   the file does not know, or a value of the wrong type, is a [`ConfigError::Parse`] naming
//!   the file and the key, so a typo never silently falls back to a default;
//! * [`layered`] picks one key's value: flag (or environment), else file, else default;
//! * [`non_empty`] and [`ConfigError::invalid`] refuse a value the types allow but the daemon
//!   cannot use, naming the key.
//!
//! Adding a key to a daemon therefore touches only that daemon: a field in each of its three
//! structs and one [`layered`] line. The crate knows no daemon's keys, does no environment
//! reading of its own and holds no defaults.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read (missing, unreadable).
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML, has a key the daemon does not know, or a value of the wrong type.
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// A value, from whichever layer, that the daemon cannot use.
    #[error("{key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl ConfigError {
    /// `key`'s value is refused; `message` says what was given and what would be accepted.
    pub fn invalid(key: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            key,
            message: message.into(),
        }
    }
}

/// The file's keys: from `explicit` (`--config` or its environment variable), which must exist,
/// else from `default_path` when it exists, else `T::default()` (no file: every key unset).
pub fn load_file<T: DeserializeOwned + Default>(
    explicit: Option<&Path>,
    default_path: &Path,
) -> Result<T, ConfigError> {
    match explicit {
        Some(path) => read_file(path),
        None if default_path.exists() => read_file(default_path),
        None => Ok(T::default()),
    }
}

/// Reads and parses the file at `path`.
pub fn read_file<T: DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_file(path, &text)
}

/// Parses `text`, the contents of the file at `path` (which errors name).
///
/// The message is one line: the key whose value is wrong, toml's description and the line, e.g.
/// ``config file vnmgr.toml: heartbeat_ms: invalid type: string "fast", expected u64 (line 3)``
/// or ``config file vnmgr.toml: unknown field `rpc_endpiont`, expected one of … (line 2)``.
pub fn parse_file<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, ConfigError> {
    let parse_error = |message: String, error: &toml::de::Error| {
        let message = match error.span() {
            Some(span) => {
                let line = text.get(..span.start).unwrap_or(text).matches('\n').count() + 1;
                format!("{message} (line {line})")
            }
            None => message,
        };
        ConfigError::Parse {
            path: path.to_owned(),
            message,
        }
    };
    let document =
        toml::Deserializer::parse(text).map_err(|e| parse_error(e.message().to_owned(), &e))?;
    serde_path_to_error::deserialize(document).map_err(|e| {
        let message = e.inner().message();
        let key = e.path().to_string();
        // "." is the top level. An unknown key's message already names it: "unknown field `k`".
        if key == "." || message.contains(&format!("`{key}`")) {
            parse_error(message.to_owned(), e.inner())
        } else {
            parse_error(format!("{key}: {message}"), e.inner())
        }
    })
}

/// One key's value: the flag (which clap has already filled from the environment variable when
/// the flag is absent), else the file's, else `default`.
pub fn layered<T>(flag: Option<T>, file: Option<T>, default: impl Into<T>) -> T {
    flag.or(file).unwrap_or_else(|| default.into())
}

/// `value`, unless it is empty or only blanks.
pub fn non_empty(key: &'static str, value: String) -> Result<String, ConfigError> {
    if value.trim().is_empty() {
        Err(ConfigError::invalid(key, "must not be empty"))
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A daemon's file keys, as a daemon declares them.
    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct FileKeys {
        endpoint: Option<String>,
        interval_ms: Option<u64>,
    }

    fn parse(text: &str) -> Result<FileKeys, ConfigError> {
        parse_file(Path::new("/etc/d.toml"), text)
    }

    #[test]
    fn a_flag_beats_the_file_which_beats_the_default() {
        let file = parse("endpoint = \"file\"\n").unwrap();
        let from_flag = layered(Some("flag".to_owned()), file.endpoint.clone(), "default");
        assert_eq!(from_flag, "flag");
        let from_file = layered(None, file.endpoint, "default");
        assert_eq!(from_file, "file");
        let from_default = layered(None, file.interval_ms, 1000u64);
        assert_eq!(from_default, 1000);
    }

    #[test]
    fn the_named_file_must_exist_the_default_one_may_not() {
        let dir = tempfile::tempdir().unwrap();
        let absent = dir.path().join("absent.toml");
        let e = load_file::<FileKeys>(Some(&absent), Path::new("/nonexistent")).unwrap_err();
        assert!(matches!(e, ConfigError::Read { .. }), "{e}");
        assert!(e.to_string().contains("absent.toml"), "{e}");
        let none = load_file::<FileKeys>(None, &absent).unwrap();
        assert_eq!(none, FileKeys::default());

        let default_file = dir.path().join("d.toml");
        std::fs::write(&default_file, "interval_ms = 5\n").unwrap();
        let found = load_file::<FileKeys>(None, &default_file).unwrap();
        assert_eq!(found.interval_ms, Some(5));
        let named = dir.path().join("named.toml");
        std::fs::write(&named, "interval_ms = 7\n").unwrap();
        let chosen = load_file::<FileKeys>(Some(&named), &default_file).unwrap();
        assert_eq!(chosen.interval_ms, Some(7));
    }

    #[test]
    fn an_unknown_key_is_refused_naming_the_key_and_the_file() {
        let e = parse("endpoint = \"x\"\nendpiont = \"y\"\n").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("config file /etc/d.toml: "), "{text}");
        assert!(
            text.ends_with(
                "unknown field `endpiont`, expected `endpoint` or `interval_ms` (line 2)"
            ),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused_naming_the_key_and_the_value() {
        let e = parse("interval_ms = \"fast\"\n").unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("config file /etc/d.toml: interval_ms: invalid type"),
            "{text}"
        );
        assert!(text.contains("\"fast\""), "{text}");
        let e = parse("interval_ms = -1\n").unwrap_err();
        assert!(e.to_string().contains("interval_ms: "), "{e}");
    }

    #[test]
    fn text_that_is_not_toml_names_the_file() {
        let e = parse("\nendpoint = \n").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("config file /etc/d.toml: "), "{text}");
        assert!(text.ends_with("(line 2)"), "{text}");
    }

    #[test]
    fn blank_values_are_refused_naming_the_key() {
        assert_eq!(non_empty("endpoint", "tcp://x".into()).unwrap(), "tcp://x");
        let e = non_empty("endpoint", "  ".into()).unwrap_err();
        assert_eq!(e.to_string(), "endpoint: must not be empty");
    }
}
