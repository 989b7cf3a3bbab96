//! Network namespaces by name (`ip netns`, files under `/run/netns`).

use std::fs::File;
use std::path::PathBuf;
use std::thread;

use crate::exec::{self, in_netns};
use crate::{Error, Result};

/// Where `ip netns` keeps its namespaces.
pub const NETNS_DIR: &str = "/run/netns";

/// Creates namespace `name` with its loopback up and IPv6 off (no router solicitations or
/// neighbour discovery to blur packet counts and MAC learning).
pub fn create(name: &str) -> Result<()> {
    exec::run(&["ip", "netns", "add", name])?;
    exec::run(&["ip", "-n", name, "link", "set", "lo", "up"])?;
    sysctl(
        name,
        &[
            "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1",
        ],
    )
}

/// Deletes namespace `name`; a missing one is not an error.
pub fn delete(name: &str) -> Result<()> {
    if !exists(name) {
        return Ok(());
    }
    exec::run(&["ip", "netns", "delete", name]).map(|_| ())
}

/// Whether namespace `name` exists.
pub fn exists(name: &str) -> bool {
    PathBuf::from(NETNS_DIR).join(name).exists()
}

/// The names of all namespaces that start with `prefix`.
pub fn list(prefix: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(NETNS_DIR) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(prefix))
        .collect();
    names.sort();
    names
}

/// Sets kernel parameters inside namespace `name` (`sysctl -qw KEY=VALUE…`).
pub fn sysctl(name: &str, settings: &[&str]) -> Result<()> {
    let mut argv = vec!["sysctl", "-qw"];
    argv.extend_from_slice(settings);
    exec::run(&in_netns(name, &argv)).map(|_| ())
}

/// Runs `work` on a new thread that has entered namespace `name`, and returns its result.
/// Sockets opened inside stay in that namespace, so a test can talk to a server that listens
/// only there (vnapi in the management namespace, say) without a helper program.
pub fn run_in<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    match spawn_in(name, work)?.join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Starts `work` on a new thread that has entered namespace `name`; joining it gives
/// `work`'s result, or the error entering the namespace.
pub fn spawn_in<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<thread::JoinHandle<Result<T>>> {
    let path = PathBuf::from(NETNS_DIR).join(name);
    let file = File::open(&path).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    Ok(thread::spawn(move || {
        rustix::thread::move_into_link_name_space(
            std::os::fd::AsFd::as_fd(&file),
            Some(rustix::thread::LinkNameSpaceType::Network),
        )
        .map_err(|errno| Error::Io {
            path,
            source: errno.into(),
        })?;
        Ok(work())
    }))
}
