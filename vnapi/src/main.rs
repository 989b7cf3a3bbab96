//! `vnapi`: reads the configuration, serves the REST API until SIGTERM or SIGINT.

use anyhow::Context as _;
use clap::Parser as _;
use tracing_subscriber::EnvFilter;
use vnapi::{Config, Flags};

fn main() -> anyhow::Result<()> {
    let flags = Flags::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let config = Config::load(flags).context("invalid configuration")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let bound = listener.local_addr().context("no local address")?;
        // One line on stdout once listening: tests and scripts wait for it.
        println!("vnapi ready http={bound} rpc={}", config.rpc_endpoint);
        vnapi::serve(listener, vnapi::state(&config), shutdown_signal())
            .await
            .context("HTTP server failed")
    })
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = interrupt => {}
                _ = terminate.recv() => {}
            }
        }
        Err(e) => {
            tracing::warn!("cannot listen for SIGTERM: {e}");
            let _ = interrupt.await;
        }
    }
}
