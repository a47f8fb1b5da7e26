//! The HTTP exchange: one request through ureq, the response head, and the body when a
//! check (or `--verbose`) needs it. What went wrong is described here, in the words of
//! the phase it went wrong in; [`crate::verdict`] turns that into a category.

use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use ureq::Agent;
use ureq::http::Response;

use crate::args::{Method, Settings, Verbosity};
use crate::checks::BODY_CAP;
use crate::database::{self, NoReply};
use crate::duration;
use crate::header;
use crate::net::{self, Clock, Dialer, HostResolver, SharedTrace, Trace};
use crate::sanitize::{REDACTED, Secrets, printable};
use crate::target::{Host, Scheme};

/// What the target gave.
#[derive(Debug)]
pub enum Answer {
    /// An HTTP response.
    Http(Reply),
    /// A TCP connection was accepted (`tcp://` targets), from this address.
    Connected(SocketAddr),
    /// A database answered the first bytes of its protocol (`crate::database`).
    Database {
        peer: SocketAddr,
        protocol: &'static str,
        said: database::Said,
    },
}

/// An HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Present when a body check needs it.
    pub body: Option<Body>,
}

#[derive(Debug)]
pub struct Body {
    /// At most [`BODY_CAP`] bytes.
    pub bytes: Vec<u8>,
    /// Whether the body went on past the cap.
    pub truncated: bool,
}

impl Reply {
    /// `200 OK`: the standard reason phrase, never the server's own text.
    pub fn status_line(&self) -> String {
        let reason = ureq::http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        format!("{} {reason}", self.status).trim_end().to_string()
    }
}

/// Why there is no answer to judge.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The deadline passed; the text names the phase (`no response head from …`).
    Timeout(String),
    /// No usable HTTP answer.
    Unreachable(String),
    /// The request could not even be built.
    Config(String),
}

/// The outcome, and for `--verbose` what happened on the way.
pub struct Exchanged {
    pub outcome: Result<Answer, Failure>,
    pub details: Vec<String>,
}

/// Sends the request and reads what the checks need, all before `clock.deadline`.
pub fn exchange(settings: &Settings, clock: Clock) -> Exchanged {
    let trace: SharedTrace = Arc::new(Mutex::new(Trace::default()));
    let verbose = settings.verbosity == Verbosity::Verbose;
    let mut details = Vec::new();
    let mut reading_body = false;

    // The connection's or the HTTP exchange's errors are ureq's, put into words below;
    // a database's reply is judged on the spot.
    let spoken = match settings.target.scheme {
        Scheme::Tcp => connect(settings, clock, &trace).and_then(|stream| {
            let peer = stream.peer_addr().map_err(ureq::Error::Io)?;
            Ok(Ok(Answer::Connected(peer)))
        }),
        scheme if scheme.is_database() => connect(settings, clock, &trace)
            .map(|mut stream| speak_database(scheme, &mut stream, clock, &settings.secrets)),
        _ => request(
            settings,
            clock,
            &trace,
            verbose,
            &mut details,
            &mut reading_body,
        )
        .map(Ok),
    };
    let trace = trace.lock().map(|t| t.clone()).unwrap_or_default();
    let outcome = spoken
        .map_err(|e| failure(e, &trace, settings, reading_body))
        .and_then(|judged| judged);
    if verbose {
        details.splice(0..0, trace_lines(&trace, settings, clock));
    }
    Exchanged { outcome, details }
}

/// Resolve and connect, for `tcp://` and database targets.
fn connect(
    settings: &Settings,
    clock: Clock,
    trace: &SharedTrace,
) -> Result<std::net::TcpStream, ureq::Error> {
    let resolver = resolver(settings, clock, trace);
    let dialer = Dialer {
        clock,
        trace: trace.clone(),
        unix_socket: settings.unix_socket.clone(),
    };
    dialer.dial(&resolver.addresses()?)
}

/// A database target's first bytes, and its reply judged.
fn speak_database(
    scheme: Scheme,
    stream: &mut std::net::TcpStream,
    clock: Clock,
    secrets: &Secrets,
) -> Result<Answer, Failure> {
    let protocol = database::protocol(scheme);
    let peer = stream
        .peer_addr()
        .map_err(|e| Failure::Unreachable(format!("the connection failed: {e}")))?;
    match database::check(scheme, stream, clock, secrets) {
        Ok(said) => Ok(Answer::Database {
            peer,
            protocol,
            said,
        }),
        Err(NoReply::Silent) => Err(Failure::Timeout(format!("no {protocol} reply from {peer}"))),
        Err(NoReply::NotTheProtocol(why)) => Err(Failure::Unreachable(format!(
            "{peer} is not a {protocol} server: {why}"
        ))),
    }
}

/// The HTTP exchange, and what of the body the checks or `--verbose` need.
fn request(
    settings: &Settings,
    clock: Clock,
    trace: &SharedTrace,
    verbose: bool,
    details: &mut Vec<String>,
    reading_body: &mut bool,
) -> Result<Answer, ureq::Error> {
    let agent = agent(settings, clock, trace);
    send(settings, &agent).and_then(|response| {
        let status = response.status().as_u16();
        if verbose {
            details.extend(head_lines(&response, &settings.secrets));
        }
        let checks = &settings.checks;
        let wanted = if checks.need_body() && checks.status.accepts(status) {
            BODY_CAP
        } else if verbose && settings.method == Method::Get {
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
                        details.push(body_line(&read, &settings.secrets));
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

fn agent(settings: &Settings, clock: Clock, trace: &SharedTrace) -> Agent {
    let config = Agent::config_builder()
        // Every status is an answer to judge, and a redirect is judged, never followed.
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        // A probe talks to its target directly, as the kubelet does.
        .proxy(None)
        .user_agent(concat!("healthprobe/", env!("CARGO_PKG_VERSION")))
        .accept("*/*")
        .timeout_global(Some(settings.timeout))
        .max_response_header_size(net::MAX_HEAD)
        .input_buffer_size(net::INPUT_BUFFER)
        .output_buffer_size(net::OUTPUT_BUFFER)
        .max_idle_connections(0);
    #[cfg(feature = "tls")]
    let config = match &settings.tls {
        Some(tls) => config.tls_config(tls.config.clone()),
        None => config,
    };
    let config = config.build();
    let resolver = resolver(settings, clock, trace);
    let dialer = Dialer {
        clock,
        trace: trace.clone(),
        unix_socket: settings.unix_socket.clone(),
    };
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

fn resolver(settings: &Settings, clock: Clock, trace: &SharedTrace) -> HostResolver {
    HostResolver {
        host: settings.target.host.clone(),
        port: settings.target.port,
        clock,
        trace: trace.clone(),
        unix_socket: settings.unix_socket.is_some(),
    }
}

fn send(settings: &Settings, agent: &Agent) -> Result<Response<ureq::Body>, ureq::Error> {
    let servername = settings.tls.as_ref().and_then(|t| t.servername.as_deref());
    let url = match servername {
        Some(name) if settings.target.is_tls() => settings.target.url_for(name),
        _ => settings.target.url(),
    };
    let mut request = match settings.method {
        Method::Get => agent.get(&url),
        Method::Head => agent.head(&url),
    };
    for h in &settings.headers {
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

/// How far an exchange had got when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Resolving,
    Connecting,
    Handshake,
    Sending,
    Head,
    Body,
}

impl Phase {
    fn of(trace: &Trace, settings: &Settings, reading_body: bool) -> Phase {
        if trace.resolved.is_none() {
            Phase::Resolving
        } else if trace.connected.is_none() {
            Phase::Connecting
        } else if settings.target.is_tls() && !trace.handshake {
            Phase::Handshake
        } else if !trace.sent {
            Phase::Sending
        } else if reading_body {
            Phase::Body
        } else {
            Phase::Head
        }
    }

    /// What was under way, for "… while …".
    fn doing(self) -> &'static str {
        match self {
            Phase::Resolving | Phase::Connecting => "connecting",
            Phase::Handshake => "in the TLS handshake",
            Phase::Sending => "sending the request",
            Phase::Head => "waiting for the response head",
            Phase::Body => "reading the body",
        }
    }

    /// What did not happen in time, for "timeout: … within 3s".
    fn missed(self, settings: &Settings, endpoint: &str, peer: &str) -> String {
        match self {
            Phase::Resolving => format!(
                "could not resolve {}{}",
                settings.target.host,
                no_resolver_config()
            ),
            Phase::Connecting => format!("no connection to {endpoint}"),
            Phase::Handshake => format!("the TLS handshake with {peer} did not finish"),
            Phase::Sending => format!("could not send the request to {peer}"),
            Phase::Head => format!("no response head from {peer}"),
            Phase::Body => format!("no complete body from {peer}"),
        }
    }
}

/// Puts a ureq error into the words of the phase it happened in.
fn failure(error: ureq::Error, trace: &Trace, settings: &Settings, reading_body: bool) -> Failure {
    let endpoint = endpoint(settings);
    let peer = trace
        .peer
        .map_or_else(|| endpoint.clone(), |p| p.to_string());
    let phase = Phase::of(trace, settings, reading_body);
    let doing = phase.doing();
    match error {
        ureq::Error::Timeout(_) => Failure::Timeout(phase.missed(settings, &endpoint, &peer)),
        ureq::Error::Other(e) if e.is::<net::NoThread>() => {
            Failure::Unreachable(format!("cannot resolve {}: {e}", settings.target.host))
        }
        ureq::Error::HostNotFound => Failure::Unreachable(format!(
            "name not found: {}{}",
            settings.target.host,
            no_resolver_config()
        )),
        ureq::Error::Io(e) if trace.connected.is_none() => {
            Failure::Unreachable(connect_failure(&e, trace, &endpoint))
        }
        ureq::Error::Io(e) => {
            Failure::Unreachable(tls_failure(&e, &peer).unwrap_or_else(|| match e.kind() {
                io::ErrorKind::ConnectionReset => {
                    format!("connection reset by {peer} while {doing}")
                }
                io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe => {
                    format!("connection closed by {peer} while {doing}")
                }
                _ => format!("{peer}: {} while {doing}", io_text(&e)),
            }))
        }
        #[cfg(feature = "tls")]
        ureq::Error::Rustls(e) => {
            Failure::Unreachable(crate::tls::describe(&e, &peer).unwrap_or_default())
        }
        ureq::Error::Protocol(e) => Failure::Unreachable(format!(
            "{peer} did not answer in HTTP/1.x ({})",
            settings.secrets.show(e.to_string().as_bytes(), 200)
        )),
        ureq::Error::LargeResponseHeader(_, max) => Failure::Unreachable(format!(
            "the response head from {peer} is larger than {} KiB",
            max / 1024
        )),
        ureq::Error::Http(e) => Failure::Config(format!("the request cannot be built: {e}")),
        other => Failure::Unreachable(format!(
            "{peer}: {} while {doing}",
            settings.secrets.show(other.to_string().as_bytes(), 200)
        )),
    }
}

/// A TLS failure (certificate, alert) carried in an I/O error, in words.
fn tls_failure(e: &io::Error, peer: &str) -> Option<String> {
    #[cfg(feature = "tls")]
    return crate::tls::describe(e.get_ref()?, peer);
    #[cfg(not(feature = "tls"))]
    {
        let _ = (e, peer);
        None
    }
}

/// Where the probe connects: the target's `host:port`, or the `--unix-socket` path.
fn endpoint(settings: &Settings) -> String {
    match &settings.unix_socket {
        // The operator's path, escaped like any text in a one-line report.
        Some(path) => printable(path.as_os_str().as_encoded_bytes(), 300),
        None => settings.target.authority(),
    }
}

fn connect_failure(e: &io::Error, trace: &Trace, endpoint: &str) -> String {
    let what = match e.kind() {
        io::ErrorKind::ConnectionRefused => format!("connection refused by {endpoint}"),
        io::ErrorKind::NotFound => format!("no socket at {endpoint}"),
        io::ErrorKind::PermissionDenied => format!("permission denied connecting to {endpoint}"),
        _ => format!("cannot connect to {endpoint}: {}", io_text(e)),
    };
    if trace.refusals.len() > 1 {
        let tried: Vec<String> = trace.refusals.iter().map(|(a, _)| a.to_string()).collect();
        format!("{what} (tried {})", tried.join(", "))
    } else {
        what
    }
}

/// Why a lookup may have gone nowhere: in an image without `/etc/resolv.conf` (`scratch`,
/// some distroless ones) musl asks 127.0.0.1:53, where usually nothing answers. Said
/// only when it is so; the file is looked at only after a lookup has failed.
fn no_resolver_config() -> &'static str {
    if std::path::Path::new("/etc/resolv.conf").exists() {
        ""
    } else {
        " (no /etc/resolv.conf: musl asks 127.0.0.1:53)"
    }
}

/// The OS's words without the `(os error 111)` suffix. They are ASCII (musl's strerror):
/// ASCII lower-casing keeps Unicode's case tables out of the binary (~4 KB).
fn io_text(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_ascii_lowercase(),
        None => text.to_ascii_lowercase(),
    }
}

fn trace_lines(trace: &Trace, settings: &Settings, clock: Clock) -> Vec<String> {
    let mut lines = Vec::new();
    match &settings.unix_socket {
        Some(_) => lines.push(format!("address: unix socket {}", endpoint(settings))),
        None => {
            let peer = trace
                .peer
                .map_or_else(|| "none".to_string(), |p| p.to_string());
            let addrs: Vec<String> = trace.addrs.iter().map(ToString::to_string).collect();
            let addrs = if addrs.is_empty() {
                "nothing".to_string()
            } else {
                addrs.join(", ")
            };
            // Only the addresses a connect was really made to: those that failed, then
            // the one that answered.
            let tried: Vec<String> = (trace.refusals.iter().map(|(a, _)| a))
                .chain(&trace.peer)
                .map(ToString::to_string)
                .collect();
            // "Resolved" only where a resolver was asked: a literal is its own address,
            // localhost and the default base are 127.0.0.1 then ::1 without one.
            lines.push(match &settings.target.host {
                Host::Name(name) => format!("address: {peer} (resolved {name}: {addrs})"),
                Host::Localhost | Host::Loopback if tried.len() > 1 => {
                    format!("address: {peer} (tried {})", tried.join(", "))
                }
                Host::Ip(_) | Host::Localhost | Host::Loopback => format!("address: {peer}"),
            });
        }
    }
    for (addr, kind) in &trace.refusals {
        lines.push(format!(
            "connect {addr}: {}",
            io_text(&io::Error::from(*kind))
        ));
    }
    let at = |d: Option<std::time::Duration>| d.map_or_else(|| "-".to_string(), duration::human);
    let resolve = match settings.target.host {
        Host::Name(_) if settings.unix_socket.is_none() => {
            format!("resolve {}, ", at(trace.resolved))
        }
        _ => String::new(),
    };
    lines.push(format!(
        "timings: {resolve}connect {}, first byte {}, total {}",
        at(trace.connected),
        at(trace.first_byte),
        duration::human(clock.since_start())
    ));
    if let Some(tls) = &settings.tls {
        lines.push(format!(
            "tls: handshake {}{}",
            if trace.handshake { "done" } else { "not done" },
            if tls.insecure {
                "; certificate NOT verified (--insecure)"
            } else {
                "; certificate verified"
            }
        ));
    }
    let method = match settings.method {
        Method::Get => "GET",
        Method::Head => "HEAD",
    };
    // The request only if it went out: nothing was sent to a server never reached.
    if !settings.target.is_http() || !trace.sent {
        return lines;
    }
    lines.push(format!("> {method} {} HTTP/1.1", settings.target.path));
    for h in &settings.headers {
        lines.push(format!("> {}: {}", h.name, h.shown_value()));
    }
    lines
}

/// The response head for `-v`: names and values are server text, redacted as they are
/// read; a `Set-Cookie` value is a credential and never shown.
fn head_lines(response: &Response<ureq::Body>, secrets: &Secrets) -> Vec<String> {
    let mut lines = vec![format!("< {:?} {}", response.version(), response.status())];
    for (name, value) in response.headers() {
        let value = if header::is_credential(name.as_str()) {
            REDACTED.to_string()
        } else {
            secrets.show(value.as_bytes(), 300)
        };
        lines.push(format!(
            "< {}: {value}",
            secrets.show(name.as_str().as_bytes(), 300)
        ));
    }
    lines
}

fn body_line(body: &Body, secrets: &Secrets) -> String {
    let more = if body.truncated {
        " (more follows)"
    } else {
        ""
    };
    format!("body: {}{more}", secrets.show(&body.bytes, 300))
}
