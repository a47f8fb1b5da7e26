//! The network under ureq: name resolution, connection and socket I/O, each bounded by
//! the one deadline and each recording how far it got, so that a timeout can name its
//! phase and `--verbose` can show timings.
//!
//! ureq's own resolver spawns a thread for every lookup that has a timeout, IP literals
//! included, and its transport allocates 128 KiB buffers; a probe needs neither.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};
use ureq::{Error, Timeout};

use crate::target::Host;

/// Bytes for the request head (ureq sends a larger one in pieces).
pub const OUTPUT_BUFFER: usize = 32 * 1024;
/// Bytes for reading; the response head must fit in [`MAX_HEAD`].
pub const INPUT_BUFFER: usize = 32 * 1024;
/// The largest response head accepted: far beyond any health endpoint's.
pub const MAX_HEAD: usize = 16 * 1024;

/// How far the exchange got, and when (measured from the start of the probe).
#[derive(Debug, Default, Clone)]
pub struct Trace {
    pub addrs: Vec<SocketAddr>,
    pub resolved: Option<Duration>,
    /// Why each address that failed to connect did.
    pub refusals: Vec<(SocketAddr, io::ErrorKind)>,
    pub peer: Option<SocketAddr>,
    pub connected: Option<Duration>,
    /// The TLS handshake completed (https:// only).
    pub handshake: bool,
    pub sent: bool,
    pub first_byte: Option<Duration>,
}

/// The trace, shared between the parts ureq owns and the probe that reads it afterwards.
pub type SharedTrace = Arc<Mutex<Trace>>;

pub fn record(trace: &SharedTrace, f: impl FnOnce(&mut Trace)) {
    // A poisoned lock cannot happen (panics abort), but a trace is never worth a crash.
    if let Ok(mut t) = trace.lock() {
        f(&mut t);
    }
}

/// The start of the probe and its deadline, for every bounded step.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub start: Instant,
    pub deadline: Instant,
}

impl Clock {
    pub fn new(timeout: Duration) -> Clock {
        let start = Instant::now();
        Clock {
            start,
            deadline: start + timeout,
        }
    }

    /// Time left, or `None` once the deadline has passed.
    pub fn left(&self) -> Option<Duration> {
        Some(self.deadline.saturating_duration_since(Instant::now())).filter(|d| !d.is_zero())
    }

    pub fn since_start(&self) -> Duration {
        self.start.elapsed()
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
    answer: Arc<Answer>,
}

/// The answer of a lookup thread, once it has one. (A mutex and a condition variable:
/// std's channel links every flavour of itself into the binary once a receiver is kept.)
#[derive(Default)]
struct Answer {
    found: Mutex<Option<io::Result<Vec<SocketAddr>>>>,
    ready: Condvar,
}

impl Answer {
    /// The answer, if it comes within `wait`.
    fn wait(&self, wait: Duration) -> Option<io::Result<Vec<SocketAddr>>> {
        let found = self.found.lock().ok()?;
        let (mut found, _) = self
            .ready
            .wait_timeout_while(found, wait, |found| found.is_none())
            .ok()?;
        found.take()
    }
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
        Some(_) => Err(Error::HostNotFound),
        None => {
            if let Ok(mut in_flight) = IN_FLIGHT.lock() {
                in_flight.push(lookup);
            }
            Err(Error::Timeout(Timeout::Resolve))
        }
    }
}

fn start_lookup(query: (String, u16)) -> Result<Lookup, Error> {
    let answer = Arc::new(Answer::default());
    let (asked, answering) = (query.clone(), answer.clone());
    thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let found = asked.to_socket_addrs().map(Iterator::collect);
            if let Ok(mut slot) = answering.found.lock() {
                *slot = Some(found);
                answering.ready.notify_all();
            }
        })
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

/// Connects to the resolved addresses in turn, sharing what is left of the deadline
/// between those not yet tried, and moving on when one refuses.
#[derive(Debug)]
pub struct Dialer {
    pub clock: Clock,
    pub trace: SharedTrace,
    /// `--unix-socket`: connect here instead of to the resolved addresses.
    pub unix_socket: Option<PathBuf>,
}

impl Dialer {
    /// Connects to the first of `addrs` that accepts, recorded in the trace.
    pub fn dial(&self, addrs: &[SocketAddr]) -> Result<TcpStream, Error> {
        let mut last: Option<io::Error> = None;
        for (i, addr) in addrs.iter().enumerate() {
            let Some(left) = self.clock.left() else { break };
            let share = left / u32::try_from(addrs.len() - i).unwrap_or(1);
            match TcpStream::connect_timeout(addr, share) {
                Ok(stream) => {
                    record(&self.trace, |t| {
                        t.peer = Some(*addr);
                        t.connected = Some(self.clock.since_start());
                    });
                    return Ok(stream);
                }
                Err(e) => {
                    record(&self.trace, |t| t.refusals.push((*addr, e.kind())));
                    // A family this host has no address for (::1 in a container with IPv6
                    // off, where the default target goes on after 127.0.0.1) says nothing
                    // about the app: the error that does is the one reported.
                    let says_nothing = matches!(
                        e.kind(),
                        io::ErrorKind::AddrNotAvailable | io::ErrorKind::NetworkUnreachable
                    );
                    if last.is_none() || !says_nothing {
                        last = Some(e);
                    }
                }
            }
        }
        let last = last.unwrap_or_else(|| io::Error::from(io::ErrorKind::ConnectionRefused));
        if self.clock.left().is_none() || last.kind() == io::ErrorKind::TimedOut {
            return Err(Error::Timeout(Timeout::Connect));
        }
        Err(Error::Io(last))
    }
}

impl Dialer {
    /// Connects to a Unix domain socket, within the deadline (see `unix_socket`).
    pub fn dial_unix(&self, path: &Path) -> Result<UnixStream, Error> {
        let stream = crate::unix_socket::connect_within(path, self.clock)?;
        record(&self.trace, |t| {
            t.connected = Some(self.clock.since_start())
        });
        Ok(stream)
    }
}

impl Connector for Dialer {
    type Out = Connection;

    fn connect(
        &self,
        details: &ConnectionDetails,
        _: Option<()>,
    ) -> Result<Option<Connection>, Error> {
        let stream = match &self.unix_socket {
            Some(path) => Stream::Unix(self.dial_unix(path)?),
            None => {
                let stream = self.dial(&details.addrs)?;
                // A TLS handshake is several small writes in a row: without NODELAY,
                // Nagle's algorithm meets the server's delayed ACK and stalls ~40 ms. A
                // plain request is one write, which Nagle never holds back.
                if details.needs_tls() {
                    stream.set_nodelay(true).map_err(Error::Io)?;
                }
                Stream::Tcp(stream)
            }
        };
        Ok(Some(Connection {
            socket: Socket {
                stream,
                read_armed: None,
                write_armed: None,
            },
            buffers: ProbeBuffers::default(),
            clock: self.clock,
            trace: self.trace.clone(),
        }))
    }
}

/// One TCP connection; every read and write waits at most until the deadline.
#[derive(Debug)]
pub struct Connection {
    socket: Socket,
    buffers: ProbeBuffers,
    clock: Clock,
    trace: SharedTrace,
}

/// ureq's buffers, allocated zeroed rather than zero-filled: ureq's own `LazyBuffers`
/// writes zeroes over all 64 KiB, a page fault per page, a quarter of a healthy probe's
/// faults. A zeroed allocation from the arena touches no page until the socket fills it.
#[derive(Debug, Default)]
struct ProbeBuffers {
    input: Vec<u8>,
    /// The unconsumed input is `input[start..end]`.
    start: usize,
    end: usize,
    output: Vec<u8>,
    /// Whether the last consume made progress (ureq's contract for `can_use_input`).
    progress: bool,
}

impl ProbeBuffers {
    fn allocate(&mut self) {
        if self.input.is_empty() {
            self.input = vec![0; INPUT_BUFFER];
            self.output = vec![0; OUTPUT_BUFFER];
        }
    }
}

impl Buffers for ProbeBuffers {
    fn output(&mut self) -> &mut [u8] {
        self.allocate();
        &mut self.output
    }

    fn input(&self) -> &[u8] {
        &self.input[self.start..self.end]
    }

    fn input_append_buf(&mut self) -> &mut [u8] {
        self.allocate();
        if self.end == self.input.len() && self.start > 0 {
            // Full at the back: move what is unread to the front.
            self.input.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut self.input[self.end..]
    }

    fn input_appended(&mut self, amount: usize) {
        self.end = (self.end + amount).min(self.input.len());
    }

    fn input_consume(&mut self, amount: usize) {
        self.progress = amount > 0;
        self.start = (self.start + amount).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    fn tmp_and_output(&mut self) -> (&mut [u8], &mut [u8]) {
        // Scratch space for a request body; a probe sends none.
        self.allocate();
        (&mut self.input[self.end..], &mut self.output)
    }

    fn can_use_input(&self) -> bool {
        self.start < self.end && self.progress
    }
}

/// The longest single socket wait. SO_RCVTIMEO and SO_SNDTIMEO run on the kernel's timer
/// wheel, whose granularity grows with the timeout: a 3 s timeout fired up to 200 ms late
/// here. Waits of at most 50 ms stay on its finest level, so the deadline holds to a few
/// milliseconds; a healthy exchange never waits that long, so it costs nothing.
const SLICE: Duration = Duration::from_millis(50);

/// A connection to the target: TCP, or a Unix domain socket (`--unix-socket`).
#[derive(Debug)]
pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    fn set_timeout(&self, write: bool, timeout: Duration) -> io::Result<()> {
        match (self, write) {
            (Stream::Tcp(s), true) => s.set_write_timeout(Some(timeout)),
            (Stream::Tcp(s), false) => s.set_read_timeout(Some(timeout)),
            (Stream::Unix(s), true) => s.set_write_timeout(Some(timeout)),
            (Stream::Unix(s), false) => s.set_read_timeout(Some(timeout)),
        }
    }

    fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => (&*s).read(buf),
            Stream::Unix(s) => (&*s).read(buf),
        }
    }

    fn write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => (&*s).write(buf),
            Stream::Unix(s) => (&*s).write(buf),
        }
    }
}

/// A stream and the socket timeouts last set on it, so each is set only when it changes.
#[derive(Debug)]
struct Socket {
    stream: Stream,
    read_armed: Option<Duration>,
    write_armed: Option<Duration>,
}

impl Socket {
    /// Runs one read or write, retrying in slices until it completes or the deadline passes.
    fn wait<T>(
        &mut self,
        clock: Clock,
        phase: Timeout,
        write: bool,
        mut op: impl FnMut(&Stream) -> io::Result<T>,
    ) -> Result<T, Error> {
        loop {
            let slice = clock.left().ok_or(Error::Timeout(phase))?.min(SLICE);
            let armed = if write {
                &mut self.write_armed
            } else {
                &mut self.read_armed
            };
            if *armed != Some(slice) {
                self.stream.set_timeout(write, slice).map_err(Error::Io)?;
                *armed = Some(slice);
            }
            match op(&self.stream) {
                Ok(v) => return Ok(v),
                // A slice ran out, or a signal came: go round; the deadline ends the loop.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(Error::Io(e)),
            }
        }
    }
}

impl Transport for Connection {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, _: NextTimeout) -> Result<(), Error> {
        let output = &self.buffers.output()[..amount];
        let mut sent = 0;
        while sent < amount {
            let n = self
                .socket
                .wait(self.clock, Timeout::SendRequest, true, |s| {
                    s.write(&output[sent..])
                })?;
            if n == 0 {
                return Err(Error::Io(io::ErrorKind::WriteZero.into()));
            }
            sent += n;
        }
        record(&self.trace, |t| t.sent = true);
        Ok(())
    }

    fn await_input(&mut self, _: NextTimeout) -> Result<bool, Error> {
        let input = self.buffers.input_append_buf();
        let n = self
            .socket
            .wait(self.clock, Timeout::RecvResponse, false, |s| s.read(input))?;
        self.buffers.input_appended(n);
        if n > 0 {
            let at = self.clock.since_start();
            record(&self.trace, |t| {
                t.first_byte.get_or_insert(at);
            });
        }
        Ok(n > 0)
    }

    fn is_open(&mut self) -> bool {
        // Each probe makes one request and sends `Connection: close`: never reused.
        false
    }
}

/// Last in the connector chain: notes that the TLS handshake is done, so that a timeout
/// can tell a handshake that never finished from a response that never came.
#[cfg(feature = "tls")]
#[derive(Debug)]
pub struct Handshaken {
    pub trace: SharedTrace,
}

#[cfg(feature = "tls")]
impl<In: Transport> Connector<In> for Handshaken {
    type Out = In;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<In>, Error> {
        if details.needs_tls() && chained.is_some() {
            record(&self.trace, |t| t.handshake = true);
        }
        Ok(chained)
    }
}
