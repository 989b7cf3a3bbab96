//! `vna`: the vnet agent. `vna [run]` controls the local bridge until SIGTERM; `vna flows`
//! prints the bridge's flows with table names and decoded cookies and metadata.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use vna::config::{Config, Flags};

#[derive(Debug, Parser)]
#[command(
    name = "vna",
    version,
    about = "The vnet agent: OpenFlow 1.3 controller of the local Open vSwitch bridge"
)]
struct Cli {
    #[command(flatten)]
    flags: Flags,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the agent (the default).
    Run,
    /// Print the bridge's flows with table names, decoded cookies and metadata.
    Flows(vna::flows::FlowsArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match cli.command {
        Some(Command::Flows(args)) => runtime.block_on(vna::flows::print(cli.flags, args)),
        None | Some(Command::Run) => {
            let config = Config::load(cli.flags).context("invalid configuration")?;
            runtime.block_on(vna::agent::run(config, shutdown_signal()))
        }
    }
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
