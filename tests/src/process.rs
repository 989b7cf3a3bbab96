//! Processes the harness starts (vna, vnmgr, a continuous ping…): by pid, waited for, with
//! stdout and stderr in a log file.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

use crate::exec::display;
use crate::{Error, Result};

/// How long [`Process::stop`] waits after SIGTERM before SIGKILL, when dropped.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// A running child process. Dropping it stops it (SIGTERM, then SIGKILL) and waits for it.
#[derive(Debug)]
pub struct Process {
    name: String,
    child: Option<Child>,
    pid: u32,
    comm: String,
    log: PathBuf,
}

impl Process {
    /// Starts `argv` (inside `netns` if given, through `ip netns exec`, which execs so the pid
    /// is the program's own) with `env` added to this process's environment, stdout and stderr
    /// appended to `log`. With `parent_death_signal` (and `setpriv` installed) the process gets
    /// SIGTERM when the calling thread exits.
    pub fn spawn(
        name: &str,
        netns: Option<&str>,
        argv: &[&str],
        env: &[(String, String)],
        log: &Path,
        parent_death_signal: bool,
    ) -> Result<Process> {
        let mut full: Vec<&str> = Vec::new();
        let setpriv = ovs::find_program("setpriv");
        if parent_death_signal && let Some(setpriv) = setpriv.as_deref().and_then(Path::to_str) {
            full.extend([setpriv, "--pdeathsig", "TERM", "--"]);
        }
        if let Some(namespace) = netns {
            full.extend(["ip", "netns", "exec", namespace]);
        }
        full.extend_from_slice(argv);
        let Some((program, args)) = full.split_first() else {
            return Err(Error::Unavailable("an empty command line".to_owned()));
        };
        if let Some(dir) = log.parent() {
            fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        let open_log = || {
            fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .map_err(|source| Error::Io {
                    path: log.to_owned(),
                    source,
                })
        };
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(open_log()?)
            .stderr(open_log()?);
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().map_err(|source| Error::Spawn {
            command: display(&full),
            source,
        })?;
        let comm = argv
            .first()
            .map(|program| program.rsplit('/').next().unwrap_or(program))
            .unwrap_or_default();
        Ok(Process {
            name: name.to_owned(),
            pid: child.id(),
            child: Some(child),
            comm: comm.get(..15).unwrap_or(comm).to_owned(),
            log: log.to_owned(),
        })
    }

    /// The name it was started under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Its program's name as the kernel shows it (`/proc/PID/comm`).
    pub fn comm(&self) -> &str {
        &self.comm
    }

    /// The file its stdout and stderr go to.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The log's content so far.
    pub fn log(&self) -> String {
        fs::read(&self.log)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// Whether it is still running (reaps it if it has exited).
    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Sends `signal` (e.g. `Signal::INT`); a process that has exited is not an error.
    pub fn signal(&mut self, signal: Signal) -> Result<()> {
        if !self.is_running() {
            return Ok(());
        }
        let Some(pid) = i32::try_from(self.pid).ok().and_then(Pid::from_raw) else {
            return Ok(());
        };
        match kill_process(pid, signal) {
            Ok(()) | Err(rustix::io::Errno::SRCH) => Ok(()),
            Err(errno) => Err(Error::Io {
                path: PathBuf::from(format!("/proc/{}", self.pid)),
                source: errno.into(),
            }),
        }
    }

    /// Waits until it exits, for at most `timeout`; `None` if it is still running then.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<Option<ExitStatus>> {
        let Some(child) = &mut self.child else {
            return Ok(None);
        };
        let deadline = Instant::now() + timeout;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Ok(Some(status)),
                Ok(None) if Instant::now() >= deadline => return Ok(None),
                Ok(None) => thread::sleep(Duration::from_millis(5)),
                Err(source) => {
                    return Err(Error::Io {
                        path: PathBuf::from(format!("/proc/{}", self.pid)),
                        source,
                    });
                }
            }
        }
    }

    /// Stops it: SIGTERM, then SIGKILL after `grace`; waits for it and returns how it exited
    /// (`None` if it had already been stopped through this handle).
    pub fn stop(&mut self, grace: Duration) -> Result<Option<ExitStatus>> {
        if self.child.is_none() {
            return Ok(None);
        }
        self.signal(Signal::TERM)?;
        if let Some(status) = self.wait_timeout(grace)? {
            self.child = None;
            return Ok(Some(status));
        }
        self.kill().map(Some)
    }

    /// SIGKILL, the way a crash looks, and waits for it.
    pub fn kill(&mut self) -> Result<ExitStatus> {
        let Some(mut child) = self.child.take() else {
            return Err(Error::Unavailable(format!(
                "{} was already stopped",
                self.name
            )));
        };
        let _ = child.kill();
        child.wait().map_err(|source| Error::Io {
            path: PathBuf::from(format!("/proc/{}", self.pid)),
            source,
        })
    }

    /// Lets it run on after this handle is gone (for a kept datacenter); returns its pid and
    /// its current `/proc/PID/comm` (which changes if the program exec'd another).
    pub fn detach(mut self) -> (u32, String) {
        self.child = None;
        let comm = ovs::pid::comm(self.pid).unwrap_or_else(|| std::mem::take(&mut self.comm));
        (self.pid, comm)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.stop(STOP_GRACE);
    }
}
