//! Name resolution within the deadline.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};

use super::abandon::Pending;

use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;
use ureq::{Error, Timeout};

use super::{Clock, SharedTrace, record};

/// The host of a target, classified once so that the network code never guesses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// An IP literal: connected to directly, no resolver involved.
    Ip(IpAddr),
    /// `localhost`: 127.0.0.1 and ::1, without `/etc/hosts` or DNS, which a `scratch`
    /// image does not have.
    Localhost,
    /// The default base's host: 127.0.0.1, then ::1 when that is refused, as for
    /// `localhost` (an app may listen on either family: Node's `listen({host: '::1'})`).
    /// Shown as 127.0.0.1, the address tried first.
    Loopback,
    /// Any other name, for the system resolver.
    Name(String),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Host::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
            Host::Localhost => f.write_str("localhost"),
            Host::Loopback => f.write_str("127.0.0.1"),
            Host::Name(name) => f.write_str(name),
        }
    }
}

/// Resolves the target's host: IP literals directly, `localhost` to both loopback
/// addresses with no `/etc/hosts` needed, other names by the system resolver in a thread
/// that the deadline can abandon.
#[derive(Debug)]
pub struct HostResolver {
    pub host: Host,
    pub port: u16,
    pub clock: Clock,
    pub trace: SharedTrace,
    /// With `--unix-socket` the host only names the `Host` header: nothing to resolve.
    pub unix_socket: bool,
}

impl HostResolver {
    /// The target's addresses, recorded in the trace.
    pub fn addresses(&self) -> Result<Vec<SocketAddr>, Error> {
        let found = match &self.host {
            // ureq wants an address all the same; the dialer never uses it.
            _ if self.unix_socket => vec![SocketAddr::new(
                IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                self.port,
            )],
            Host::Ip(ip) => vec![SocketAddr::new(*ip, self.port)],
            // IPv4 first: most apps bind 0.0.0.0 or 127.0.0.1; Node's `::` takes both.
            Host::Localhost | Host::Loopback => vec![
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.port),
                SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), self.port),
            ],
            Host::Name(name) => lookup(name, self.port, self.clock)?,
        };
        record(&self.trace, |t| {
            t.addrs = found.clone();
            t.resolved = Some(self.clock.since_start());
        });
        Ok(found)
    }
}

impl Resolver for HostResolver {
    fn resolve(
        &self,
        _: &Uri,
        _: &ureq::config::Config,
        _: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, Error> {
        let mut addrs = self.empty();
        // ureq keeps at most 16 addresses, more than any probe target has.
        for addr in self.addresses()?.into_iter().take(16) {
            addrs.push(addr);
        }
        Ok(addrs)
    }
}

/// A name lookup under way: its query, and where its thread leaves the answer.
struct Lookup {
    query: (String, u16),
    answer: Arc<Pending<io::Result<Vec<SocketAddr>>>>,
}

/// Lookups that outlived the attempt that started them. The next attempt of a `--wait`
/// waits for the same lookup rather than starting another: against a resolver that never
/// answers, a thread per attempt would pile up for the whole wait.
static IN_FLIGHT: Mutex<Vec<Lookup>> = Mutex::new(Vec::new());

/// The system resolver: getaddrinfo cannot be cancelled, so it runs in a thread that is
/// waited for until the deadline, and left running (and kept for the next attempt) after.
fn lookup(name: &str, port: u16, clock: Clock) -> Result<Vec<SocketAddr>, Error> {
    let query = (name.to_string(), port);
    let pending = IN_FLIGHT.lock().ok().and_then(|mut in_flight| {
        let at = in_flight.iter().position(|l| l.query == query)?;
        Some(in_flight.swap_remove(at))
    });
    let lookup = match pending {
        Some(lookup) => lookup,
        None => start_lookup(query)?,
    };
    let answer = clock.left().and_then(|left| lookup.answer.wait(left));
    match answer {
        Some(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Some(Ok(_)) => Err(Error::HostNotFound),
        Some(Err(e)) if no_such_name(&e) => Err(Error::HostNotFound),
        // The resolver gave up without an answer (musl's EAI_AGAIN once its own timeouts
        // ran out, a server failure): the same condition as a lookup still under way at
        // the deadline, in the same words, so that a `--wait`'s progress does not flap
        // between the two.
        Some(Err(_)) => Err(Error::Timeout(Timeout::Resolve)),
        None => {
            if let Ok(mut in_flight) = IN_FLIGHT.lock() {
                in_flight.push(lookup);
            }
            Err(Error::Timeout(Timeout::Resolve))
        }
    }
}

/// Whether getaddrinfo's error says the name does not exist (musl's EAI_NONAME, "Name does
/// not resolve"; glibc's, Darwin's and Windows's words too), rather than that no answer
/// came.
fn no_such_name(error: &io::Error) -> bool {
    let said = error.to_string();
    NO_SUCH_NAME.iter().any(|words| said.contains(words))
}

/// What the system's resolver says of a name that does not exist.
#[cfg(target_os = "linux")]
const NO_SUCH_NAME: [&str; 3] = [
    "Name does not resolve",
    "Name or service not known",
    "No address associated",
];
/// Darwin's EAI_NONAME; Windows's WSAHOST_NOT_FOUND.
#[cfg(not(target_os = "linux"))]
const NO_SUCH_NAME: [&str; 2] = ["nodename nor servname", "No such host is known"];

/// The resolver a lookup asked, as a report names it: the first nameserver of
/// `/etc/resolv.conf`, or musl's fallback when there is none (read only for a report).
pub fn resolver_named() -> String {
    match crate::sys::file::read_limited("/etc/resolv.conf", 64 * 1024) {
        Err(_) => "no /etc/resolv.conf: musl asks 127.0.0.1:53".to_string(),
        Ok(conf) => {
            let conf = String::from_utf8_lossy(&conf);
            let server = conf.lines().find_map(|line| {
                let mut words = line.split_whitespace();
                (words.next() == Some("nameserver")).then(|| words.next())?
            });
            match server {
                Some(server) => format!(
                    "nameserver {} from /etc/resolv.conf",
                    crate::sanitize::printable(server.as_bytes(), 64)
                ),
                None => "/etc/resolv.conf names no nameserver: musl asks 127.0.0.1:53".to_string(),
            }
        }
    }
}

fn start_lookup(query: (String, u16)) -> Result<Lookup, Error> {
    let asked = query.clone();
    let answer = Pending::start(move || asked.to_socket_addrs().map(Iterator::collect))
        .map_err(|e| Error::Other(Box::new(NoThread(e))))?;
    Ok(Lookup { query, answer })
}

/// No thread could be started for a name lookup: a process or thread limit (a
/// container's pids limit, `ulimit -u`) was reached.
#[derive(Debug)]
pub struct NoThread(pub io::Error);

impl std::fmt::Display for NoThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no thread could be started for the name lookup ({}; a pids or process limit?)",
            self.0
        )
    }
}

impl std::error::Error for NoThread {}
