//! The OpenFlow listening socket and the registry of switches by datapath id.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::Config;
use super::conn::{self, Conn};
use super::error::SwitchError;
use super::handle::{Shared, SwitchHandle};
use super::ports::PortTable;

/// How often [`Listener::connect`] tries again.
pub const RECONNECT_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);
/// How long connecting may fail before it is logged as a warning rather than at debug level
/// (OVS opens its listening socket a moment after being told to).
const QUIET_CONNECT_FAILURES: std::time::Duration = std::time::Duration::from_secs(3);

/// Switches first seen and not yet taken with [`Listener::next_switch`]; more are dropped from
/// that queue (they stay reachable with [`Listener::switch`]).
const NEW_SWITCH_QUEUE: usize = 64;

/// Accepts OpenFlow connections; owns every switch's connection. Dropping it closes them all.
#[derive(Debug)]
pub struct Listener {
    local_addr: SocketAddr,
    registry: Arc<Registry>,
    new_switches: mpsc::Receiver<SwitchHandle>,
    shutdown: CancellationToken,
    accept: JoinHandle<()>,
}

/// The switches by datapath id.
#[derive(Debug)]
pub(crate) struct Registry {
    config: Arc<Config>,
    switches: Mutex<HashMap<u64, (Arc<Shared>, bool)>>,
    new_switches: mpsc::Sender<SwitchHandle>,
}

/// Listens for switches on `addr`: `tcp:127.0.0.1:6633` (the OVS target syntax) or
/// `127.0.0.1:6633`; port 0 picks a free one ([`Listener::local_addr`] says which).
pub async fn serve(addr: &str, config: Config) -> Result<Listener, SwitchError> {
    Listener::bind(addr, config).await
}

impl Listener {
    /// See [`serve`].
    pub async fn bind(addr: &str, config: Config) -> Result<Listener, SwitchError> {
        let bind_err = |source| SwitchError::Bind {
            addr: addr.to_owned(),
            source,
        };
        let plain = addr.strip_prefix("tcp:").unwrap_or(addr);
        let socket = TcpListener::bind(plain).await.map_err(bind_err)?;
        let local_addr = socket.local_addr().map_err(bind_err)?;
        info!(%local_addr, "listening for OpenFlow switches");
        Ok(Listener::start(local_addr, config, |registry, shutdown| {
            accept_loop(socket, registry, shutdown)
        }))
    }

    /// A listener whose connections `connections` makes (accepting or connecting), each
    /// served with the registry until `shutdown`.
    fn start<F>(
        local_addr: SocketAddr,
        config: Config,
        connections: impl FnOnce(Arc<Registry>, CancellationToken) -> F,
    ) -> Listener
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(NEW_SWITCH_QUEUE);
        let registry = Arc::new(Registry {
            config: Arc::new(config),
            switches: Mutex::new(HashMap::new()),
            new_switches: tx,
        });
        let shutdown = CancellationToken::new();
        let accept = tokio::spawn(connections(Arc::clone(&registry), shutdown.clone()));
        Listener {
            local_addr,
            registry,
            new_switches: rx,
            shutdown,
            accept,
        }
    }

    /// Connects to a switch that listens (OVS's `ptcp:` or `punix:` controller target) at
    /// `target`, `tcp:IP:PORT` or `unix:PATH`, and connects again whenever the connection
    /// ends or cannot be made, every [`RECONNECT_INTERVAL`]: a restarted vna reaches its switch
    /// at once instead of waiting out the switch's reconnect backoff.
    pub fn connect(target: &str, config: Config) -> Result<Listener, SwitchError> {
        let remote = Remote::parse(target)?;
        let local_addr = match &remote {
            Remote::Tcp(a) => *a,
            Remote::Unix(_) => SocketAddr::from(([0, 0, 0, 0], 0)),
        };
        info!(target, "connecting to the OpenFlow switch");
        Ok(Listener::start(local_addr, config, |registry, shutdown| {
            connect_loop(remote, registry, shutdown)
        }))
    }

    /// The address switches connect to; for [`Listener::connect`], the switch's TCP address
    /// (`0.0.0.0:0` for a Unix socket).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The next switch that connects for the first time (each datapath id once).
    pub async fn next_switch(&mut self) -> Option<SwitchHandle> {
        self.new_switches.recv().await
    }

    /// The handle for `dpid`, whether or not that switch has connected yet: vna knows its
    /// datapath's dpid from the model and waits on it ([`SwitchHandle::wait_connected`]).
    pub fn switch(&self, dpid: u64) -> SwitchHandle {
        SwitchHandle::new(self.registry.shared(dpid, false).0)
    }

    /// The datapath ids seen or asked for so far.
    pub fn dpids(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.registry.lock().keys().copied().collect();
        v.sort_unstable();
        v
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.shutdown.cancel();
        self.accept.abort();
    }
}

impl Registry {
    pub(crate) fn config(&self) -> &Arc<Config> {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, (Arc<Shared>, bool)>> {
        self.switches.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The state of `dpid`, created if new; with `connecting`, also whether this is the first
    /// connection ever of that dpid.
    fn shared(&self, dpid: u64, connecting: bool) -> (Arc<Shared>, bool) {
        let mut map = self.lock();
        let entry = map
            .entry(dpid)
            .or_insert_with(|| (Arc::new(Shared::new(dpid, Arc::clone(&self.config))), false));
        let first = connecting && !entry.1;
        if connecting {
            entry.1 = true;
        }
        (Arc::clone(&entry.0), first)
    }

    /// A connection finished its handshake: it becomes its switch's connection.
    pub(crate) fn attach(&self, conn: Arc<Conn>, ports: PortTable) -> Arc<Shared> {
        let (shared, first) = self.shared(conn.dpid, true);
        shared.attach(conn, ports);
        if first
            && self
                .new_switches
                .try_send(SwitchHandle::new(Arc::clone(&shared)))
                .is_err()
        {
            debug!("no one takes new switches from the listener; use Listener::switch(dpid)");
        }
        shared
    }
}

async fn accept_loop(socket: TcpListener, registry: Arc<Registry>, shutdown: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return,
            a = socket.accept() => a,
        };
        match accepted {
            Ok((stream, peer)) => {
                debug!(%peer, "OpenFlow connection");
                tokio::spawn(conn::run(
                    tcp_halves(stream),
                    peer.to_string(),
                    Arc::clone(&registry),
                    shutdown.child_token(),
                ));
            }
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                warn!("accepting an OpenFlow connection failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

fn tcp_halves(stream: TcpStream) -> (conn::ReadHalf, conn::WriteHalf) {
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    (Box::new(rd), Box::new(wr))
}

/// A switch's listening socket.
#[derive(Debug, Clone)]
enum Remote {
    Tcp(SocketAddr),
    Unix(std::path::PathBuf),
}

impl Remote {
    fn parse(target: &str) -> Result<Remote, SwitchError> {
        let bad = || SwitchError::Bind {
            addr: target.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not tcp:IP:PORT or unix:PATH",
            ),
        };
        if let Some(path) = target.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(bad());
            }
            return Ok(Remote::Unix(path.into()));
        }
        let addr = target.strip_prefix("tcp:").ok_or_else(bad)?;
        addr.parse().map(Remote::Tcp).map_err(|_| bad())
    }

    async fn connect(&self) -> std::io::Result<((conn::ReadHalf, conn::WriteHalf), String)> {
        match self {
            Remote::Tcp(addr) => Ok((
                tcp_halves(TcpStream::connect(addr).await?),
                addr.to_string(),
            )),
            Remote::Unix(path) => {
                let (rd, wr) = UnixStream::connect(path).await?.into_split();
                let halves: (conn::ReadHalf, conn::WriteHalf) = (Box::new(rd), Box::new(wr));
                Ok((halves, format!("unix:{}", path.display())))
            }
        }
    }
}

async fn connect_loop(remote: Remote, registry: Arc<Registry>, shutdown: CancellationToken) {
    let mut failing_since: Option<tokio::time::Instant> = None;
    loop {
        let connected = tokio::select! {
            _ = shutdown.cancelled() => return,
            c = remote.connect() => c,
        };
        match connected {
            Ok((halves, peer)) => {
                failing_since = None;
                debug!(%peer, "connected to the switch");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    () = conn::run(halves, peer, Arc::clone(&registry), shutdown.child_token()) => {}
                }
            }
            Err(e) => {
                let since = *failing_since.get_or_insert_with(tokio::time::Instant::now);
                if since.elapsed() < QUIET_CONNECT_FAILURES {
                    debug!(?remote, "cannot connect to the switch yet: {e}");
                } else {
                    warn!(?remote, "cannot connect to the switch: {e}");
                    failing_since = Some(tokio::time::Instant::now());
                }
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            () = tokio::time::sleep(RECONNECT_INTERVAL) => {}
        }
    }
}
