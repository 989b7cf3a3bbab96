//! The HTTP edge, behind [`Transport`] so everything above it is tested without a server.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::request::ApiRequest;
use crate::spec::Method;

/// A response as vnctl needs it: status and body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot reach vnapi at {url}: {reason}")]
pub struct TransportError {
    pub url: String,
    pub reason: String,
}

/// Sends one request and returns whatever vnapi answered, error statuses included.
pub trait Transport {
    fn send(&self, request: &ApiRequest) -> Result<ApiResponse, TransportError>;
}

/// Plain HTTP/1.1 with `ureq` (no TLS: vnapi binds to a local or management address).
#[derive(Debug)]
pub struct HttpTransport {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
}

/// How long one request may take before vnctl gives up.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// ureq's buffers default to 128 KiB each, which malloc maps and unmaps and ureq zeroes at
/// every run: a tenth of a vnctl process's time. The output buffer holds only the request
/// head (vnctl sends no body), whose URI the `http` crate caps below 64 KiB; the input
/// buffer holds vnapi's response head (a few hundred bytes), and bodies stream through it.
const OUTPUT_BUFFER: usize = 65 * 1024;
const INPUT_BUFFER: usize = 16 * 1024;

impl HttpTransport {
    pub fn new(base: &str, token: Option<String>) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .output_buffer_size(OUTPUT_BUFFER)
            .input_buffer_size(INPUT_BUFFER)
            .max_response_header_size(INPUT_BUFFER)
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            DefaultConnector::default(),
            LiteralResolver::default(),
        );
        HttpTransport {
            agent,
            base: base.trim_end_matches('/').to_owned(),
            token,
        }
    }
}

/// Answers an address given as an IP literal (`--api http://10.0.0.1:9090`, the usual form)
/// at once and passes host names to ureq's own resolver. That one runs every lookup on a new
/// thread when a timeout is set, so that it can give up; the thread and its malloc arena
/// were a measurable part of a vnctl run that needs no lookup at all.
#[derive(Debug, Default)]
struct LiteralResolver(DefaultResolver);

impl Resolver for LiteralResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let literal = uri
            .host()
            .map(|host| host.trim_start_matches('[').trim_end_matches(']'))
            .and_then(|host| host.parse::<IpAddr>().ok());
        let port = uri.port_u16().or_else(|| match uri.scheme_str() {
            Some("http") => Some(80),
            Some("https") => Some(443),
            _ => None,
        });
        match (literal, port) {
            (Some(ip), Some(port)) => {
                let mut addresses = self.empty();
                addresses.push(SocketAddr::new(ip, port));
                Ok(addresses)
            }
            _ => self.0.resolve(uri, config, timeout),
        }
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: &ApiRequest) -> Result<ApiResponse, TransportError> {
        let url = format!("{}{}", self.base, request.path_and_query());
        let fail = |e: ureq::Error| TransportError {
            url: url.clone(),
            reason: e.to_string(),
        };
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let result = match request.method {
            Method::Get | Method::Delete => {
                let builder = if request.method == Method::Get {
                    self.agent.get(&url)
                } else {
                    self.agent.delete(&url)
                };
                match &auth {
                    Some(auth) => builder.header("Authorization", auth).call(),
                    None => builder.call(),
                }
            }
            Method::Post | Method::Put => {
                let builder = if request.method == Method::Post {
                    self.agent.post(&url)
                } else {
                    self.agent.put(&url)
                };
                match &auth {
                    Some(auth) => builder.header("Authorization", auth).send_empty(),
                    None => builder.send_empty(),
                }
            }
        };
        let mut response = result.map_err(fail)?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().map_err(fail)?;
        Ok(ApiResponse { status, body })
    }
}
