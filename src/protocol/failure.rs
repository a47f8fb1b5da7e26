//! What went wrong, in the words of the phase it went wrong in: resolving, connecting,
//! the TLS handshake, sending, the response head or the body.

use std::io;

use super::Spec;
use crate::judge::outcome::Failure;
use crate::net::{self, Trace};
use crate::sanitize::{io_text, printable};

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
    /// The phase a timeout names: `net` knows whether it was resolving, connecting,
    /// sending or receiving; the trace only tells a TLS handshake from the request it
    /// carries, and the body from the head. A timeout of ureq's own clock says nothing,
    /// and the trace says how far things got.
    fn of_timeout(timeout: ureq::Timeout, trace: &Trace, spec: &Spec, reading_body: bool) -> Phase {
        use ureq::Timeout;
        let handshaking = spec.target.is_tls() && !trace.handshake;
        match timeout {
            Timeout::Resolve => Phase::Resolving,
            Timeout::Connect => Phase::Connecting,
            Timeout::SendRequest | Timeout::RecvResponse if handshaking => Phase::Handshake,
            Timeout::SendRequest => Phase::Sending,
            Timeout::RecvResponse if reading_body => Phase::Body,
            Timeout::RecvResponse => Phase::Head,
            _ => Phase::of(trace, spec, reading_body),
        }
    }

    /// How far the trace says an exchange got, for an error that does not name its phase.
    fn of(trace: &Trace, spec: &Spec, reading_body: bool) -> Phase {
        if trace.resolved.is_none() {
            Phase::Resolving
        } else if trace.connected.is_none() {
            Phase::Connecting
        } else if spec.target.is_tls() && !trace.handshake {
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
    fn missed(self, spec: &Spec, endpoint: &str, peer: &str) -> String {
        match self {
            Phase::Resolving => format!(
                "no answer from the resolver for {} ({})",
                spec.target.host,
                net::resolver_named()
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
// Out of line: only a failed exchange runs it (`protocol::reply` says why that matters).
#[inline(never)]
pub(super) fn describe(
    error: ureq::Error,
    trace: &Trace,
    spec: &Spec,
    reading_body: bool,
) -> Failure {
    let endpoint = endpoint(spec);
    let peer = trace
        .peer
        .map_or_else(|| endpoint.clone(), |p| p.to_string());
    let phase = Phase::of(trace, spec, reading_body);
    let doing = phase.doing();
    match error {
        ureq::Error::Timeout(timeout) => Failure::Timeout(
            Phase::of_timeout(timeout, trace, spec, reading_body).missed(spec, &endpoint, &peer),
        ),
        ureq::Error::Other(e) if e.is::<net::NoThread>() => {
            Failure::Unreachable(format!("cannot resolve {}: {e}", spec.target.host))
        }
        ureq::Error::HostNotFound => Failure::Unreachable(format!(
            "name not found: {} ({})",
            spec.target.host,
            net::resolver_named()
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
            Failure::Unreachable(super::tls::describe(&e, &peer).unwrap_or_default())
        }
        ureq::Error::Protocol(e) => Failure::Unreachable(format!(
            "{peer} did not answer in HTTP/1.x ({})",
            spec.secrets.show(e.to_string().as_bytes(), 200)
        )),
        ureq::Error::LargeResponseHeader(_, max) => Failure::Unreachable(format!(
            "the response head from {peer} is larger than {} KiB",
            max / 1024
        )),
        ureq::Error::Http(e) => Failure::Config(format!("the request cannot be built: {e}")),
        other => Failure::Unreachable(format!(
            "{peer}: {} while {doing}",
            spec.secrets.show(other.to_string().as_bytes(), 200)
        )),
    }
}

/// A TLS failure (certificate, alert) carried in an I/O error, in words.
fn tls_failure(e: &io::Error, peer: &str) -> Option<String> {
    #[cfg(feature = "tls")]
    return super::tls::describe(e.get_ref()?, peer);
    #[cfg(not(feature = "tls"))]
    {
        let _ = (e, peer);
        None
    }
}

/// Where the probe connects: the target's `host:port`, or the `--unix-socket` path.
pub(super) fn endpoint(spec: &Spec) -> String {
    match spec.unix_socket() {
        // The operator's path, escaped like any text in a one-line report.
        Some(path) => printable(path.as_os_str().as_encoded_bytes(), 300),
        None => spec.target.authority(),
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
