//! A private MariaDB server for tests: its own data directory and socket in a temporary
//! directory, no TCP port, killed (and waited for) when dropped.
//!
//! When `mariadbd` is not installed the tests that need it are skipped with a message, unless
//! `CI=true`, `VNET_REQUIRE_MARIADB` or `VNET_REQUIRE_OVS` is set: then they fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;
use tempfile::TempDir;

fn find_binary(name: &str, fallbacks: &[&str]) -> Option<PathBuf> {
    let in_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    in_path.or_else(|| fallbacks.iter().map(PathBuf::from).find(|p| p.is_file()))
}

fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var_os("VNET_REQUIRE_MARIADB").is_some()
        || std::env::var_os("VNET_REQUIRE_OVS").is_some()
}

/// A running private MariaDB server.
#[derive(Debug)]
pub struct MariaDb {
    dir: TempDir,
    server: PathBuf,
    child: Option<Child>,
}

impl MariaDb {
    /// Starts a server, or returns `None` (after saying why) when MariaDB is not installed
    /// and not required.
    pub async fn start() -> Option<Self> {
        let server = find_binary("mariadbd", &["/usr/sbin/mariadbd", "/usr/libexec/mariadbd"]);
        let install = find_binary("mariadb-install-db", &["/usr/bin/mariadb-install-db"]);
        let (Some(server), Some(install)) = (server, install) else {
            assert!(
                !required(),
                "MariaDB is required here (CI or VNET_REQUIRE_*) but mariadbd or mariadb-install-db is not installed"
            );
            eprintln!(
                "SKIPPED: mariadbd not installed (apt-get install mariadb-server); MariaDB tests do not run"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new(&install)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.path().join("data").display()))
            .arg("--auth-root-authentication-method=normal")
            .arg("--user=root")
            .arg("--skip-test-db")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "mariadb-install-db failed: {status}");
        let mut db = Self {
            dir,
            server,
            child: None,
        };
        db.spawn().await;
        Some(db)
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("mysqld.sock")
    }

    async fn spawn(&mut self) {
        let dir = self.dir.path();
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let child = Command::new(&self.server)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.join("data").display()))
            .arg(format!("--socket={}", self.socket().display()))
            .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
            .arg("--skip-networking")
            .arg("--user=root")
            .arg("--innodb-buffer-pool-size=16M")
            .arg("--innodb-log-file-size=8M")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self.socket().exists()
                && sqlx::mysql::MySqlConnection::connect(&self.url(""))
                    .await
                    .is_ok()
            {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!(
                    "mariadbd exited with {status}; see {}",
                    dir.join("server.log").display()
                );
            }
            assert!(
                Instant::now() < deadline,
                "mariadbd did not start within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The URL of `database` on this server (`""`: no database).
    pub fn url(&self, database: &str) -> String {
        format!(
            "mysql://root@localhost/{database}?socket={}",
            self.socket().display()
        )
    }

    /// Creates an empty database and returns its URL.
    pub async fn create_database(&self, name: &str) -> String {
        let mut conn = sqlx::mysql::MySqlConnection::connect(&self.url(""))
            .await
            .unwrap();
        let sql = format!("CREATE DATABASE `{name}`");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        self.url(name)
    }

    /// Stops the server (SIGKILL, like a crash or a pulled cable) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(self.socket());
    }

    /// Starts the stopped server again on the same data directory.
    pub async fn restart(&mut self) {
        self.stop();
        self.spawn().await;
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        self.stop();
    }
}
