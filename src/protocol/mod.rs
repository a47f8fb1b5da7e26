//! The schemes and speaking to one target: the protocol table ([`SCHEMES`], a row per
//! scheme, [`scheme`]) and the targets read against it ([`target`]); one dispatch on the
//! target's kind, then HTTP through ureq ([`http`]), gRPC health over HTTP/2 ([`grpc`]),
//! a bare connection ([`tcp`]), or a server's own first bytes ([`postgres`], [`redis`],
//! [`mysql`], [`amqp`], [`nats`], [`memcached`], [`mqtt`]) on the bounded reader every
//! protocol shares. Each sees only the settings of its kind of target ([`Kind`]); what went
//! wrong is put into the words of its phase ([`failure`]); [`crate::judge`] turns the
//! outcome into a category.

mod amqp;
pub(crate) mod base64;
mod failure;
pub mod file;
pub(crate) mod grpc;
pub mod http;
mod memcached;
mod mqtt;
mod mysql;
mod nats;
pub(crate) mod percent;
mod postgres;
mod redis;
pub mod scheme;
pub mod target;
mod tcp;
pub mod tls;
mod verbose;

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::judge::outcome::{Answer, Failure};
use crate::net::{self, Bounded, Clock, Dialer, HostResolver, SharedTrace, Stream, Trace, Unread};
use crate::sanitize::Secrets;
use http::HttpSpec;
use http::header::Header;
use scheme::{Check, Scheme, Speak};
use target::Target;
use tls::Tls;

/// Every scheme a TARGET may have: a row each, with everything true of it. Adding a
/// protocol is a file of this folder with its `check` (see `redis.rs`), its `mod` line
/// above, and a row here; `--help`, `--version`, the errors and the fuzz lists derive
/// from the row, and tests hold the rest (docs/design.md). The first row is the default
/// targets'. TLS rows are in every build; only the `tls` build speaks them.
pub static SCHEMES: &[Scheme] = &[
    Scheme {
        names: &["http"],
        port: Some(80),
        usage: "a full URL; HOST may be a name, 1.2.3.4 or [::1]",
        speak: Speak::Http { tls: false },
    },
    Scheme {
        names: &["https"],
        port: Some(443),
        usage: "the same over TLS, in the `tls` build",
        speak: Speak::Http { tls: true },
    },
    // HTTP/2's own ports, as grpc-go assumes 443 for a target without one; gRPC services
    // mostly listen elsewhere (50051 is common), so the port is usually given.
    Scheme {
        names: &["grpc"],
        port: Some(80),
        usage: "is gRPC service SERVICE (or the whole server) SERVING?\n\
                (grpc.health.v1; -H adds metadata)",
        speak: Speak::Grpc { tls: false },
    },
    Scheme {
        names: &["grpcs"],
        port: Some(443),
        usage: "the same over TLS, in the `tls` build",
        speak: Speak::Grpc { tls: true },
    },
    Scheme {
        names: &["tcp"],
        port: None,
        usage: "healthy when a TCP connection is accepted (databases, caches);\n\
                a hung or frozen app still accepts (the kernel completes the\n\
                handshake), so use HTTP for liveness",
        speak: Speak::Connect,
    },
    Scheme {
        names: &["file"],
        port: None,
        usage: "healthy when the file exists and, with max-age, was modified\n\
                within it (a worker's heartbeat); a stat, never a read",
        speak: Speak::File,
    },
    Scheme {
        names: &["postgres", "postgresql"],
        port: Some(5432),
        usage: "is PostgreSQL accepting connections, as pg_isready asks?",
        speak: Speak::Reply {
            protocol: "PostgreSQL",
            check: postgres::check,
        },
    },
    Scheme {
        names: &["redis"],
        port: Some(6379),
        usage: "is Redis answering PING?",
        speak: Speak::Reply {
            protocol: "Redis",
            check: redis::check,
        },
    },
    Scheme {
        names: &["mysql", "mariadb"],
        port: Some(3306),
        usage: "is MySQL/MariaDB greeting?",
        speak: Speak::Reply {
            protocol: "MySQL",
            check: mysql::check,
        },
    },
    Scheme {
        names: &["amqp"],
        port: Some(5672),
        usage: "is RabbitMQ (AMQP 0-9-1) answering with Connection.Start?",
        speak: Speak::Reply {
            protocol: "AMQP",
            check: amqp::check,
        },
    },
    Scheme {
        names: &["nats"],
        port: Some(4222),
        usage: "is NATS greeting, not in lame-duck mode?",
        speak: Speak::Reply {
            protocol: "NATS",
            check: nats::check,
        },
    },
    Scheme {
        names: &["memcached"],
        port: Some(11211),
        usage: "is memcached answering version?",
        speak: Speak::Reply {
            protocol: "memcached",
            check: memcached::check,
        },
    },
    Scheme {
        names: &["mqtt"],
        port: Some(1883),
        usage: "is the MQTT broker accepting a connection?",
        speak: Speak::Reply {
            protocol: "MQTT",
            check: mqtt::check,
        },
    },
];

/// What one target's exchange needs, and no more: borrowed from the run's plan.
pub struct Spec<'a> {
    pub target: &'a Target,
    /// Server text quoted in a reason or a `-v` line is redacted of these.
    pub secrets: &'a Secrets,
    /// `-v`: keep what happened on the way, in lines.
    pub verbose: bool,
    pub kind: Kind<'a>,
}

/// A target's settings, by its kind: HTTP's options reach HTTP targets only, a request's
/// headers and socket HTTP and gRPC, TLS a TLS target only; a bare connection and a
/// server's own reply get none of them.
pub enum Kind<'a> {
    Http {
        request: &'a Request,
        tls: Option<&'a Tls>,
        http: &'a HttpSpec,
    },
    Grpc {
        request: &'a Request,
        tls: Option<&'a Tls>,
    },
    Connect,
    File,
    Reply {
        protocol: &'static str,
        check: Check,
    },
}

/// A request with headers (HTTP's, or gRPC's metadata), and where it goes.
#[derive(Clone, Default)]
pub struct Request {
    pub headers: Vec<Header>,
    /// `--unix-socket`: connect here; the URL still gives the `Host` header and the path.
    pub unix_socket: Option<PathBuf>,
}

impl<'a> Spec<'a> {
    /// `target`'s spec: the run's request, TLS and HTTP settings, as far as its kind has
    /// them.
    pub fn new(
        target: &'a Target,
        secrets: &'a Secrets,
        verbose: bool,
        request: &'a Request,
        tls: Option<&'a Tls>,
        http: &'a HttpSpec,
    ) -> Spec<'a> {
        let kind = match target.scheme.speak {
            Speak::Http { tls: secure } => Kind::Http {
                request,
                tls: tls.filter(|_| secure),
                http,
            },
            Speak::Grpc { tls: secure } => Kind::Grpc {
                request,
                tls: tls.filter(|_| secure),
            },
            Speak::Connect => Kind::Connect,
            Speak::File => Kind::File,
            Speak::Reply { protocol, check } => Kind::Reply { protocol, check },
        };
        Spec {
            target,
            secrets,
            verbose,
            kind,
        }
    }

    /// `--unix-socket`, for the kinds that send a request.
    fn unix_socket(&self) -> Option<&'a Path> {
        match self.kind {
            Kind::Http { request, .. } | Kind::Grpc { request, .. } => {
                request.unix_socket.as_deref()
            }
            Kind::Connect | Kind::File | Kind::Reply { .. } => None,
        }
    }

    /// TLS, for a TLS target.
    fn tls(&self) -> Option<&'a Tls> {
        match self.kind {
            Kind::Http { tls, .. } | Kind::Grpc { tls, .. } => tls,
            Kind::Connect | Kind::File | Kind::Reply { .. } => None,
        }
    }
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
    let spoken = match spec.kind {
        Kind::Http { request, tls, http } => {
            let exchange = http::Exchange {
                spec,
                request,
                tls,
                http,
            };
            http::request(&exchange, clock, &trace, &mut details, &mut reading_body).map(Ok)
        }
        Kind::Grpc { request, tls } => grpc::call(spec, request, tls, clock, &trace, &mut details),
        Kind::Connect => tcp::connected(spec, clock, &trace),
        Kind::File => Ok(file::check(&spec.target.path, clock)),
        Kind::Reply { protocol, check } => reply(spec, clock, &trace, protocol, check),
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

/// A server's first bytes in its own protocol, judged. Out of line, as each kind's
/// exchange but HTTP's is: inlined, they made `exchange` 30 KB, which pushed the healthy
/// HTTP probe's code past three of the 64 KiB windows Linux pages a binary in by.
#[inline(never)]
fn reply(
    spec: &Spec,
    clock: Clock,
    trace: &SharedTrace,
    protocol: &'static str,
    check: Check,
) -> Result<Result<Answer, Failure>, ureq::Error> {
    connect(spec, clock, trace).map(|(stream, peer)| {
        let mut io = Bounded::new(Stream::Tcp(stream), clock);
        let judged = speak(&mut io, peer, spec.secrets, protocol, check);
        if let Some(at) = io.first_byte() {
            net::record(trace, |t| t.first_byte = Some(at));
        }
        judged
    })
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
        unix_socket: spec.unix_socket().map(Path::to_path_buf),
    }
}

fn resolver(spec: &Spec, clock: Clock, trace: &SharedTrace) -> HostResolver {
    HostResolver {
        host: spec.target.host.clone(),
        port: spec.target.port,
        clock,
        trace: trace.clone(),
        unix_socket: spec.unix_socket().is_some(),
    }
}
