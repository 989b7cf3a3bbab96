use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

/// What can go wrong building, driving or tearing down a datacenter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A command could not be started.
    #[error("cannot run `{command}`")]
    Spawn {
        /// The command line.
        command: String,
        #[source]
        source: io::Error,
    },
    /// A command exited with a failure status.
    #[error("`{command}` failed ({status}): {stderr}")]
    CommandFailed {
        /// The command line.
        command: String,
        /// How it exited.
        status: ExitStatus,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// Open vSwitch refused or failed something.
    #[error(transparent)]
    Ovs(#[from] ovs::Error),
    /// A file or directory could not be used.
    #[error("cannot use {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The saved state of a kept datacenter cannot be read.
    #[error("cannot read the datacenter state in {}", path.display())]
    State {
        /// The state file.
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// Something the harness needs is missing (root, a program).
    #[error("the integration harness cannot run: {0}")]
    Unavailable(String),
    /// A name the caller used does not exist in the datacenter.
    #[error("no {what} named {name:?} in this datacenter (known: {known})")]
    Unknown {
        /// "host", "vm", "process".
        what: &'static str,
        /// The name asked for.
        name: String,
        /// The names that exist.
        known: String,
    },
    /// Output of a tool (ping) that the harness cannot read.
    #[error("cannot understand the output of `{command}`: {output}")]
    BadOutput {
        /// The command line.
        command: String,
        /// What it printed.
        output: String,
    },
}

/// The harness's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
