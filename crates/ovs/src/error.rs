use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

/// Everything that can go wrong talking to Open vSwitch or running an instance of it.
///
/// Command failures quote the command line as it could be typed into a shell, its exit status
/// and its stderr, so the failure can be reproduced by hand.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A program or the database schema is not installed.
    #[error(
        "Open vSwitch is not installed (missing: {}); on Debian: apt-get install openvswitch-switch",
        missing.join(", ")
    )]
    NotInstalled {
        /// Program or file names that were not found.
        missing: Vec<String>,
    },
    /// A program could not be started at all.
    #[error("cannot run `{command}`")]
    Spawn {
        /// The command line.
        command: String,
        #[source]
        source: io::Error,
    },
    /// A program ran and exited with a failure status.
    #[error("`{command}` failed ({status}): {stderr}")]
    CommandFailed {
        /// The command line.
        command: String,
        /// How it exited.
        status: ExitStatus,
        /// What it wrote to stderr, trimmed.
        stderr: String,
    },
    /// A program succeeded but printed something this crate cannot read.
    #[error("cannot understand the output of `{command}`: {reason}; it printed: {output}")]
    BadOutput {
        /// The command line.
        command: String,
        /// What was wrong with the output.
        reason: String,
        /// The output (cut to a few hundred characters).
        output: String,
    },
    /// A bridge or port name that `ovs-vsctl` or Linux would reject or misread.
    #[error(
        "invalid {what} name {name:?}: {reason} (use 1 to 15 characters from A-Z a-z 0-9 _ . -, \
         not starting with '-')"
    )]
    InvalidName {
        /// "bridge", "port", ...
        what: &'static str,
        /// The rejected name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// A port exists but is not what the caller asked to ensure, and cannot be made so.
    #[error("port {port} exists on bridge {actual}, not on {expected}")]
    PortOnOtherBridge {
        /// The port.
        port: String,
        /// The bridge the caller named.
        expected: String,
        /// The bridge that holds it.
        actual: String,
    },
    /// A file or directory of an instance could not be created, read or removed.
    #[error("cannot use {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A daemon of an instance exited or did not become ready in time.
    #[error("{daemon} did not start: {reason}\n{log_tail}")]
    DaemonStart {
        /// `ovsdb-server` or `ovs-vswitchd`.
        daemon: &'static str,
        /// What happened.
        reason: String,
        /// The last lines of the instance's logs.
        log_tail: String,
    },
    /// A process could not be stopped by its pid.
    #[error("cannot stop {name} (pid {pid}): {reason}")]
    Stop {
        /// What the process is.
        name: String,
        /// Its pid.
        pid: u32,
        /// What went wrong.
        reason: String,
    },
}
