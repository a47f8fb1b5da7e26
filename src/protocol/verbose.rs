//! What `-v` shows of every exchange: the address connected to and the phase timings. The
//! HTTP lines (TLS, the request, the response head and body) are `http::lines`'.

use std::io;

use super::failure::endpoint;
use super::{Spec, http};
use crate::duration;
use crate::net::{Clock, Trace};
use crate::sanitize::io_text;
use crate::target::Host;

pub(super) fn trace_lines(trace: &Trace, spec: &Spec, clock: Clock) -> Vec<String> {
    let mut lines = Vec::new();
    match &spec.unix_socket {
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
        Host::Name(_) if spec.unix_socket.is_none() => {
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
    lines.extend(http::lines::request(trace, spec));
    lines
}
