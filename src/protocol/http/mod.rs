//! The HTTP exchange: one request through ureq over the probe's own resolver, dialer and
//! transport (`crate::net`), the response head, and the body when a check (or
//! `--verbose`) needs it.

pub mod header;
pub(super) mod lines;

use std::io::Read;

use ureq::Agent;
use ureq::http::Response;

use super::tls::Tls;
use super::{Request, Spec};
use crate::judge::checks::BODY_CAP;
use crate::judge::outcome::{Answer, Body, Reply};
use crate::judge::status::StatusSet;
use crate::net::{self, Clock, SharedTrace};

/// What only an HTTP exchange uses (its headers and TLS are the [`Request`]'s).
#[derive(Clone, Default)]
pub struct HttpSpec {
    pub method: Method,
    /// A body check's statuses: the body is read when the status is one of them.
    pub body_if: Option<StatusSet>,
}

/// An HTTP target's settings: the target's, its request's, its TLS and HTTP's own.
pub(super) struct Exchange<'a> {
    pub spec: &'a Spec<'a>,
    pub request: &'a Request,
    pub tls: Option<&'a Tls>,
    pub http: &'a HttpSpec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    #[default]
    Get,
    Head,
}

/// The HTTP exchange, and what of the body the checks or `--verbose` need.
pub(super) fn request(
    exchange: &Exchange,
    clock: Clock,
    trace: &SharedTrace,
    details: &mut Vec<String>,
    reading_body: &mut bool,
) -> Result<Answer, ureq::Error> {
    let Exchange { spec, http, .. } = *exchange;
    let verbose = spec.verbose;
    let agent = agent(exchange, clock, trace);
    send(exchange, &agent).and_then(|response| {
        let status = response.status().as_u16();
        if verbose {
            details.extend(lines::head(&response, spec.secrets));
        }
        let wanted = if http.body_if.as_ref().is_some_and(|s| s.accepts(status)) {
            BODY_CAP
        } else if verbose && http.method == Method::Get {
            PEEK
        } else {
            0
        };
        let mut body = None;
        if wanted > 0 {
            *reading_body = true;
            match read_body(response, wanted) {
                Ok(read) => {
                    if verbose {
                        details.push(lines::body(&read, spec.secrets));
                    }
                    body = (wanted == BODY_CAP).then_some(read);
                }
                // A body read only for show must not change the verdict.
                Err(e) if wanted == PEEK => details.push(format!("body: not read ({e})")),
                Err(e) => return Err(e),
            }
        } else if verbose {
            details.push("body: not read (no body check)".to_string());
        }
        Ok(Answer::Http(Reply { status, body }))
    })
}

/// How much body `--verbose` shows when no check needs the body.
const PEEK: usize = 1024;

fn agent(exchange: &Exchange, clock: Clock, trace: &SharedTrace) -> Agent {
    let spec = exchange.spec;
    let config = Agent::config_builder()
        // Every status is an answer to judge, and a redirect is judged, never followed.
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        // A probe talks to its target directly, as the kubelet does.
        .proxy(None)
        .user_agent(concat!("healthprobe/", env!("CARGO_PKG_VERSION")))
        .accept("*/*")
        .timeout_global(Some(clock.deadline.saturating_duration_since(clock.start)))
        .max_response_header_size(net::MAX_HEAD)
        .input_buffer_size(net::INPUT_BUFFER)
        .output_buffer_size(net::OUTPUT_BUFFER)
        .max_idle_connections(0);
    #[cfg(feature = "tls")]
    let config = match exchange.tls {
        Some(tls) => config.tls_config(tls.config.clone()),
        None => config,
    };
    let config = config.build();
    let resolver = super::resolver(spec, clock, trace);
    let dialer = super::dialer(spec, clock, trace);
    #[cfg(feature = "tls")]
    let dialer = {
        use ureq::unversioned::transport::{Connector, RustlsConnector};
        let handshaken = net::Handshaken {
            trace: trace.clone(),
        };
        dialer.chain(RustlsConnector::default()).chain(handshaken)
    };
    Agent::with_parts(config, dialer, resolver)
}

fn send(exchange: &Exchange, agent: &Agent) -> Result<Response<ureq::Body>, ureq::Error> {
    let Exchange {
        spec,
        request,
        tls,
        http,
    } = *exchange;
    let servername = tls.and_then(|t| t.servername.as_deref());
    let url = match servername {
        Some(name) => spec.target.url_for(name),
        None => spec.target.url(),
    };
    let headers = &request.headers;
    let mut request = match http.method {
        Method::Get => agent.get(&url),
        Method::Head => agent.head(&url),
    };
    for h in headers {
        request = request.header(&h.name, &h.value);
    }
    request.header("Connection", "close").call()
}

fn read_body(response: Response<ureq::Body>, cap: usize) -> Result<Body, ureq::Error> {
    let mut bytes = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX) + 1;
    response
        .into_body()
        .into_reader()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(ureq::Error::from)?;
    let truncated = bytes.len() > cap;
    bytes.truncate(cap);
    Ok(Body { bytes, truncated })
}
