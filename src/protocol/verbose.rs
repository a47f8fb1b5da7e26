//! What `-v` shows of every exchange: the address connected to, the phase timings, and for
//! a TLS target the handshake. The HTTP lines (the request, the response head and body)
//! are `http::lines`'; a line is shown only where it is true of the target's kind.

use std::io;

use super::failure::endpoint;
use super::{Kind, Spec, http};
use crate::duration;
use crate::net::Host;
use crate::net::{Clock, Trace};
use crate::sanitize::io_text;

// Out of line: only `-v` runs it (`protocol::reply` says why that matters).
#[inline(never)]
pub(super) fn trace_lines(trace: &Trace, spec: &Spec, clock: Clock) -> Vec<String> {
    // A file is stated, not connected to: of the phases, only the time taken is true.
    if let Kind::File = spec.kind {
        return vec![format!(
            "timings: total {}",
            duration::human(clock.since_start())
        )];
    }
    let mut lines = Vec::new();
    match spec.unix_socket() {
        Some(_) => lines.push(format!("address: unix socket {}", endpoint(spec))),
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
            lines.push(match &spec.target.host {
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
    let resolve = match spec.target.host {
        Host::Name(_) if spec.unix_socket().is_none() => {
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
    // The certificate is verified during the handshake: of one not done, nothing is said.
    if let Some(tls) = spec.tls() {
        lines.push(match (trace.handshake, tls.insecure) {
            (false, _) => "tls: handshake not done".to_string(),
            (true, false) => "tls: handshake done; certificate verified".to_string(),
            (true, true) => {
                "tls: handshake done; certificate NOT verified (--insecure)".to_string()
            }
        });
    }
    if let Kind::Http { request, tls, http } = spec.kind {
        let exchange = http::Exchange {
            spec,
            request,
            tls,
            http,
        };
        lines.extend(http::lines::request(trace, &exchange));
    }
    lines
}
