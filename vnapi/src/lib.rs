//! vnapi, the vnet REST API: OpenVNet's `/api/1.0` (reference §3) over HTTP, answered by
//! vnmgr over ZeroMQ RPC. It holds no state and never opens the database.
//!
//! **One table, two views.** Every route is a declaration in [`routes::route_table`] (built
//! from the resource declarations in [`resources`]): method, path, table, vnmgr operation and
//! parameters with the original's names and types. The axum router ([`server::router`]) and
//! the OpenAPI document ([`openapi::document`], served at `/api/1.0/openapi.json`) are both
//! generated from it, so they cannot disagree. Every route is served under `/api/1.0` and
//! under the `/api` alias.
//!
//! **Requests.** Parameters come from the query string, a form body or a JSON (or YAML) object body
//! (merged in that order); a name the route does not declare is 400 (code 110) listing the
//! accepted ones, a missing required one 111, a bad uuid 101. Values are converted to the
//! JSON vnmgr takes; `<x>_uuid` references go to vnmgr as they are (it resolves them).
//!
//! **Responses.** Rows as vnmgr serialises them (canonical uuids, dpid as `0x%016x`, IPv4
//! addresses dotted, MACs as strings); lists as `{total_count, offset, limit, items}`; DELETE
//! as `[uuid]`. Errors are `{error, message, code}` with the status of reference §3.1; vnmgr
//! unreachable is 503 (the RPC client reconnects by itself on the next request).
//!
//! **Authentication.** With a token configured, every request needs `Authorization: Bearer
//! <token>`; without it the answer is 401 and nothing is done.
//!
//! **Shapes.** Besides CRUD ([`routes::Resource`]) and uuid-named children
//! ([`routes::Child`]): associations ([`routes::Relation`], `POST`/`GET`/`DELETE
//! /datapaths/{uuid}/networks/{network_uuid}` → `Op::Relate`/`List`/`Unrelate`; interfaces'
//! `PUT …/networks/{network_uuid}?static=` sets or creates the row, and each `GET` answers
//! its own association table), rows owned by a parent and deleted by value
//! ([`routes::Owned`]: interface ports, filter statics, translation static addresses), and
//! vnmgr service calls ([`routes::ServiceRoute`]: lease allocate/attach/release). `POST
//! /interfaces` is the original's composite create (reference §2.3): one
//! `ServiceCall::CreateInterface`, so one transaction and one event, and nothing written
//! when any part fails.
//!
//! Creates that the original made write more than one row go to vnmgr as one operation, so
//! one transaction and one event: a `mac_address` given to a route link, a datapath relation
//! or a MAC lease, the `network_uuid` + `ipv4_address` of a new IP lease, a `topology_uuid`
//! given to a network, segment or route link, and relating an interface to a lease policy
//! (which allocates it a lease). Read-only lists of related rows ([`routes::Listing`]):
//! `GET /ip_lease_containers/{uuid}/ip_leases` (through the container's association rows)
//! and `/ip_retention_containers/{uuid}/ip_retentions`.
//!
//! **Formats.** A path may end in `.json` or `.yml` (reference §3.1), which picks the
//! response's format (YAML as `text/yaml`); request bodies may be YAML (`application/yaml`,
//! `text/yaml`) as well as JSON or a form.

#![forbid(unsafe_code)]

pub mod config;
pub mod error;
pub mod openapi;
pub mod params;
pub mod resources;
pub mod routes;
pub mod server;

use std::future::Future;
use std::sync::Arc;

pub use config::{Config, ConfigError, Flags};
pub use server::{AppState, router};

/// The state for `config`: a vnmgr client (which connects on the first request).
pub fn state(config: &Config) -> AppState {
    AppState {
        vnmgr: proto::RpcClient::new(&config.rpc_endpoint, config.rpc_timeout),
        token: config.token.as_deref().map(Arc::from),
    }
}

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
