//! vnmgr (on a temporary SQLite file) and vnapi (on 127.0.0.1:0) running on a runtime of their
//! own, for the tests and benchmarks that drive them with vnctl. Shared by `tests/live.rs` and
//! `benches/interface_add.rs` (included by path).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use model::AnyRecord;
use proto::{EventSubscriber, Notice};
use tempfile::TempDir;
use tokio::runtime::Runtime;

/// The running pair; dropping it stops both and removes the database.
pub struct Services {
    /// vnapi's base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    _runtime: Runtime,
    _dir: TempDir,
}

/// Starts vnmgr and vnapi (vnapi asking for `token`, if given). With `on_event`, every event
/// vnmgr publishes is sent there with its arrival time and kind, as a subscriber such as vna
/// sees it.
pub fn start(token: Option<&str>, on_event: Option<mpsc::Sender<(Instant, String)>>) -> Services {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = vnmgr::Config {
        database_url: format!("sqlite://{}/vnmgr.db?mode=rwc", dir.path().display()),
        rpc_endpoint: "tcp://127.0.0.1:0".to_owned(),
        event_endpoint: "tcp://127.0.0.1:0".to_owned(),
        ..vnmgr::Config::default()
    };
    let url = runtime.block_on(async {
        let server = vnmgr::Server::bind(&config).await.unwrap();
        let rpc = server.rpc_endpoint().to_owned();
        let events = server.event_endpoint().to_owned();
        tokio::spawn(server.run(std::future::pending()));
        if let Some(sender) = on_event {
            let mut subscriber = EventSubscriber::<AnyRecord>::connect(&events)
                .await
                .unwrap();
            assert!(subscriber.subscribed().await);
            tokio::spawn(async move {
                while let Some(notice) = subscriber.recv().await {
                    if let Ok(Notice::Event(event)) = notice
                        && sender.send((Instant::now(), event.kind)).is_err()
                    {
                        return;
                    }
                }
            });
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let api = vnapi::Config {
            bind: addr,
            rpc_endpoint: rpc,
            rpc_timeout: Duration::from_secs(10),
            token: token.map(str::to_owned),
        };
        tokio::spawn(vnapi::serve(
            listener,
            vnapi::state(&api),
            std::future::pending(),
        ));
        format!("http://{addr}")
    });
    Services {
        url,
        _runtime: runtime,
        _dir: dir,
    }
}
