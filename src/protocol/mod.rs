//! Speaking to one target: one dispatch on its scheme, then HTTP through ureq
//! ([`http`]), gRPC health over HTTP/2 ([`grpc`]), a bare connection (`tcp://`), or a
//! server's own first bytes ([`postgres`], [`redis`], [`mysql`], [`amqp`], [`nats`],
//! [`memcached`], [`mqtt`]) on the bounded reader every protocol shares. Each
//! sees only its part of the target's [`Spec`]; what went wrong is put into the words of
//! its phase ([`failure`]); [`crate::judge`] turns the outcome into a category.

mod amqp;
pub(crate) mod base64;
mod failure;
pub(crate) mod grpc;
pub mod http;
mod memcached;
mod mqtt;
mod mysql;
mod nats;
mod postgres;
mod redis;
pub mod tls;
mod verbose;

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::judge::outcome::{Answer, Failure};
use crate::net::{self, Bounded, Clock, Dialer, HostResolver, SharedTrace, Stream, Trace, Unread};
use crate::sanitize::Secrets;
use crate::target::{Check, Scheme, Speak, Target};

/// Every scheme a TARGET may have, and how each is spoken. Adding a protocol is a file
/// of this folder with its `check` (see `redis.rs`), its `mod` line above, and a row
/// here; nothing else changes (docs/design.md). The first row is the default targets'.
pub static SCHEMES: &[Scheme] = &[
    Scheme {
        names: &["http"],
        port: Some(80),
        speak: Speak::Http { tls: false },
    },
    #[cfg(feature = "tls")]
    Scheme {
        names: &["https"],
        port: Some(443),
        speak: Speak::Http { tls: true },
    },
    // HTTP/2's own ports, as grpc-go assumes 443 for a target without one; gRPC services
    // mostly listen elsewhere (50051 is common), so the port is usually given.
    Scheme {
        names: &["grpc"],
        port: Some(80),
        speak: Speak::Grpc { tls: false },
    },
    #[cfg(feature = "tls")]
    Scheme {
        names: &["grpcs"],
        port: Some(443),
        speak: Speak::Grpc { tls: true },
    },
    Scheme {
        names: &["tcp"],
        port: None,
        speak: Speak::Connect,
    },
    Scheme {
        names: &["postgres", "postgresql"],
        port: Some(5432),
        speak: Speak::Reply {
            protocol: "PostgreSQL",
            check: postgres::check,
        },
    },
    Scheme {
        names: &["redis"],
        port: Some(6379),
        speak: Speak::Reply {
            protocol: "Redis",
            check: redis::check,
        },
    },
    Scheme {
        names: &["mysql", "mariadb"],
        port: Some(3306),
        speak: Speak::Reply {
            protocol: "MySQL",
            check: mysql::check,
        },
    },
    Scheme {
        names: &["amqp"],
        port: Some(5672),
        speak: Speak::Reply {
            protocol: "AMQP",
            check: amqp::check,
        },
    },
    Scheme {
        names: &["nats"],
        port: Some(4222),
        speak: Speak::Reply {
            protocol: "NATS",
            check: nats::check,
        },
    },
    Scheme {
        names: &["memcached"],
        port: Some(11211),
        speak: Speak::Reply {
            protocol: "memcached",
            check: memcached::check,
        },
    },
    Scheme {
        names: &["mqtt"],
        port: Some(1883),
        speak: Speak::Reply {
            protocol: "MQTT",
            check: mqtt::check,
        },
    },
];

/// What one target's exchange needs, and no more.
pub struct Spec {
    pub target: Target,
    /// `--unix-socket`: connect here; the URL still gives the `Host` header and the path.
    pub unix_socket: Option<PathBuf>,
    /// Server text quoted in a reason or a `-v` line is redacted of these.
    pub secrets: Secrets,
    /// `-v`: keep what happened on the way, in lines.
    pub verbose: bool,
    /// What only an HTTP exchange uses.
    pub http: http::HttpSpec,
}

/// The outcome, and for `--verbose` what happened on the way.
pub struct Exchanged {
    pub outcome: Result<Answer, Failure>,
    pub details: Vec<String>,
}

/// Speaks to the target and reads what the checks need, all before `clock.deadline`.
pub fn exchange(spec: &Spec, clock: Clock) -> Exchanged {
    let trace: SharedTrace = Arc::new(Mutex::new(Trace::default()));
    let mut details = Vec::new();
    let mut reading_body = false;

    // The connection's or the HTTP exchange's errors are ureq's, put into words below;
    // a reply in a server's own protocol is judged on the spot.
    let spoken = match spec.target.scheme.speak {
        Speak::Http { .. } => {
            http::request(spec, clock, &trace, &mut details, &mut reading_body).map(Ok)
        }
        Speak::Grpc { .. } => grpc::call(spec, clock, &trace, &mut details),
        Speak::Connect => connect(spec, clock, &trace).map(|(_, peer)| Ok(Answer::Connected(peer))),
        Speak::Reply { protocol, check } => connect(spec, clock, &trace).map(|(stream, peer)| {
            let mut io = Bounded::new(Stream::Tcp(stream), clock);
            let judged = speak(&mut io, peer, &spec.secrets, protocol, check);
            if let Some(at) = io.first_byte() {
                net::record(&trace, |t| t.first_byte = Some(at));
            }
            judged
        }),
    };
    let trace = trace.lock().map(|t| t.clone()).unwrap_or_default();
    let outcome = spoken
        .map_err(|e| failure::describe(e, &trace, spec, reading_body))
        .and_then(|judged| judged);
    if spec.verbose {
        details.splice(0..0, verbose::trace_lines(&trace, spec, clock));
    }
    Exchanged { outcome, details }
}

/// Resolve and connect, for the protocols spoken on a bare connection: the stream, and
/// the address it is connected to (known from the dial, so not asked of the kernel).
fn connect(
    spec: &Spec,
    clock: Clock,
    trace: &SharedTrace,
) -> Result<(TcpStream, SocketAddr), ureq::Error> {
    let resolver = resolver(spec, clock, trace);
    dialer(spec, clock, trace).dial(&resolver.addresses()?)
}

/// A server's first bytes in its own protocol (`check`), on the bounded reader, and its
/// reply judged there. Its text is redacted of `secrets`, as HTTP text is.
pub(crate) fn speak(
    io: &mut Bounded,
    peer: SocketAddr,
    secrets: &Secrets,
    protocol: &'static str,
    check: Check,
) -> Result<Answer, Failure> {
    match check(io, secrets) {
        Ok(said) => Ok(Answer::Spoke {
            peer,
            protocol,
            said,
        }),
        Err(Unread::Silent) => Err(Failure::Timeout(format!("no {protocol} reply from {peer}"))),
        Err(Unread::Broken(why)) => Err(Failure::Unreachable(format!(
            "{peer} does not speak {protocol}: {why}"
        ))),
    }
}

/// A reply in another protocol.
const FOREIGN: Unread = Unread::Broken("the reply is in another protocol");

/// Server text in a reason: redacted of the run's secrets, printable and short.
fn text(secrets: &Secrets, bytes: &[u8]) -> String {
    secrets.show(bytes, 200)
}

/// The dialer of every protocol: the resolved addresses, or `--unix-socket`.
fn dialer(spec: &Spec, clock: Clock, trace: &SharedTrace) -> Dialer {
    Dialer {
        clock,
        trace: trace.clone(),
        unix_socket: spec.unix_socket.clone(),
    }
}

fn resolver(spec: &Spec, clock: Clock, trace: &SharedTrace) -> HostResolver {
    HostResolver {
        host: spec.target.host.clone(),
        port: spec.target.port,
        clock,
        trace: trace.clone(),
        unix_socket: spec.unix_socket.is_some(),
    }
}
