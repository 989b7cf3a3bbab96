//! Stopping a process by its pid when this process did not start it (or no longer holds its
//! `Child`): a daemon of a kept sandbox, found through its pidfile.
//!
//! Linux only: state is read from `/proc`. A pid is checked against the expected command name
//! before it is signalled, so a recycled pid is left alone.

use std::fs;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

use crate::Error;

/// How often a waiting loop looks at `/proc` again.
const POLL: Duration = Duration::from_millis(10);

/// The process's short command name (`/proc/PID/comm`, at most 15 bytes), if it exists.
pub fn comm(pid: u32) -> Option<String> {
    fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|name| name.trim_end().to_owned())
}

/// Whether `pid` is a live process: it exists and is not a zombie waiting to be reaped (a
/// process whose parent is gone may stay a zombie forever where init does not reap).
pub fn is_running(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // "PID (COMM) STATE ...": COMM may hold spaces and parentheses, so look after the last ')'.
    let state = stat
        .rfind(')')
        .and_then(|end| stat.get(end + 1..))
        .and_then(|rest| rest.trim_start().chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

/// Reads a pidfile as OVS and most daemons write it (the pid, then a newline).
pub fn read_pidfile(path: &Path) -> Result<Option<u32>, Error> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(text.trim().parse().ok()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Waits up to `timeout` for `pid` to stop running; returns whether it did.
pub fn wait_gone(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while is_running(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(POLL);
    }
    true
}

/// Stops `pid`: SIGTERM, then SIGKILL if it is still running after `grace`. Does nothing if
/// it is not running, or if `expected_comm` is given and the process is something else (the
/// pid was reused). `name` is only for the error message.
pub fn terminate(
    name: &str,
    pid: u32,
    expected_comm: Option<&str>,
    grace: Duration,
) -> Result<(), Error> {
    if !is_running(pid) {
        return Ok(());
    }
    if let Some(expected) = expected_comm
        && comm(pid).as_deref() != Some(truncate_comm(expected))
    {
        return Ok(());
    }
    let error = |reason: String| Error::Stop {
        name: name.to_owned(),
        pid,
        reason,
    };
    let target = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| error("not a valid pid".to_owned()))?;
    match kill_process(target, Signal::TERM) {
        Ok(()) => {}
        Err(rustix::io::Errno::SRCH) => return Ok(()),
        Err(errno) => return Err(error(format!("SIGTERM: {errno}"))),
    }
    if wait_gone(pid, grace) {
        return Ok(());
    }
    match kill_process(target, Signal::KILL) {
        Ok(()) | Err(rustix::io::Errno::SRCH) => {}
        Err(errno) => return Err(error(format!("SIGKILL: {errno}"))),
    }
    if wait_gone(pid, grace) {
        Ok(())
    } else {
        Err(error(format!("still running {grace:?} after SIGKILL")))
    }
}

/// `/proc/PID/comm` holds at most 15 bytes of the program name.
fn truncate_comm(name: &str) -> &str {
    let file_name = name.rsplit('/').next().unwrap_or(name);
    file_name.get(..15).unwrap_or(file_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn stops_a_process_by_pid_and_leaves_a_stranger_alone() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id();
        assert!(is_running(pid));
        assert_eq!(comm(pid).as_deref(), Some("sleep"));
        // Wrong name: treated as a recycled pid, not signalled.
        terminate("sleeper", pid, Some("ovs-vswitchd"), Duration::from_secs(1)).unwrap();
        assert!(is_running(pid));
        // A reaper for the zombie, as a parent would; `is_running` also ignores zombies.
        let reaper = thread::spawn(move || child.wait());
        terminate("sleeper", pid, Some("/bin/sleep"), Duration::from_secs(5)).unwrap();
        assert!(!is_running(pid));
        assert!(!reaper.join().unwrap().unwrap().success());
        // Already gone: nothing to do.
        terminate("sleeper", pid, None, Duration::from_secs(1)).unwrap();
    }

    #[test]
    fn reads_pidfiles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.pid");
        assert_eq!(read_pidfile(&path).unwrap(), None);
        fs::write(&path, "1234\n").unwrap();
        assert_eq!(read_pidfile(&path).unwrap(), Some(1234));
        fs::write(&path, "garbage").unwrap();
        assert_eq!(read_pidfile(&path).unwrap(), None);
    }

    #[test]
    fn comm_names_are_cut_like_the_kernel_does() {
        assert_eq!(truncate_comm("/usr/sbin/ovs-vswitchd"), "ovs-vswitchd");
        assert_eq!(truncate_comm("a-very-long-program-name"), "a-very-long-pro");
    }
}
