//! `vna flows`: the bridge's flows as the pipeline names them (the original's
//! vnflows-monitor): table names, decoded cookies and metadata, one flow per line.
//!
//! It reads them over the bridge's OpenFlow management socket (`<rundir>/<bridge>.mgmt`), the
//! one `ovs-ofctl` uses, so it works whether or not vna is running.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use futures::{SinkExt as _, StreamExt as _};
use openflow::codec::OfCodec;
use openflow::multipart::{
    FlowStatsRequest, MultipartReplyBody, MultipartRequestBody, OFPMPF_MORE,
};
use openflow::{Hello, Message, MessageBody, MultipartRequest};
use tokio::net::UnixStream;
use tokio_util::codec::Framed;

use crate::config::{Config, DEFAULT_BRIDGE, Flags};

/// Options of `vna flows`.
#[derive(Debug, Clone, clap::Args)]
pub struct FlowsArgs {
    /// The bridge's management socket [default: next to the OVSDB socket, <bridge>.mgmt]
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Only this table (number).
    #[arg(long, value_name = "N")]
    pub table: Option<u8>,
}

const TIMEOUT: Duration = Duration::from_secs(10);

/// Prints the flows.
pub async fn print(flags: Flags, args: FlowsArgs) -> anyhow::Result<()> {
    let socket = match args.socket {
        Some(s) => s,
        None => {
            // The node id is not needed to read flows; use the config only for paths.
            let (ovsdb, bridge) = match Config::load(flags.clone()) {
                Ok(c) => (c.ovsdb, c.bridge),
                Err(_) => (
                    flags
                        .ovsdb
                        .clone()
                        .unwrap_or_else(|| crate::config::DEFAULT_OVSDB.into()),
                    flags
                        .bridge
                        .clone()
                        .unwrap_or_else(|| DEFAULT_BRIDGE.into()),
                ),
            };
            let Some(path) = ovsdb.strip_prefix("unix:") else {
                bail!("the OVSDB target {ovsdb:?} is not a unix socket; give --socket PATH");
            };
            let dir = PathBuf::from(path);
            let dir = dir.parent().map(PathBuf::from).unwrap_or_default();
            dir.join(format!("{bridge}.mgmt"))
        }
    };
    let stats = tokio::time::timeout(TIMEOUT, dump(&socket, args.table))
        .await
        .with_context(|| format!("{} did not answer within {TIMEOUT:?}", socket.display()))??;
    print!("{}", pipeline::describe::flow_stats_list(&stats));
    Ok(())
}

async fn dump(
    socket: &PathBuf,
    table: Option<u8>,
) -> anyhow::Result<Vec<openflow::multipart::FlowStats>> {
    let stream = UnixStream::connect(socket)
        .await
        .with_context(|| format!("cannot connect to {}", socket.display()))?;
    let mut framed = Framed::new(stream, OfCodec::new());
    framed
        .send(Message::new(1, MessageBody::Hello(Hello::of13())))
        .await?;
    let mut request = FlowStatsRequest::all();
    if let Some(t) = table {
        request.table_id = t;
    }
    framed
        .send(Message::new(
            2,
            MessageBody::MultipartRequest(MultipartRequest {
                flags: 0,
                body: MultipartRequestBody::Flow(request),
            }),
        ))
        .await?;
    let mut out = Vec::new();
    while let Some(item) = framed.next().await {
        let msg = match item {
            Ok(Ok(msg)) => msg,
            Ok(Err(bad)) => bail!("undecodable message from the switch: {bad}"),
            Err(e) => return Err(e.into()),
        };
        match msg.body {
            MessageBody::MultipartReply(reply) if msg.xid == 2 => {
                if let MultipartReplyBody::Flow(flows) = reply.body {
                    out.extend(flows);
                }
                if reply.flags & OFPMPF_MORE == 0 {
                    return Ok(out);
                }
            }
            MessageBody::Error(e) => bail!("the switch refused: {e}"),
            MessageBody::EchoRequest(data) => {
                framed
                    .send(Message::new(msg.xid, MessageBody::EchoReply(data)))
                    .await?;
            }
            _ => {}
        }
    }
    bail!("the switch closed the connection before answering")
}
