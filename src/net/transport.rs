//! One connection under ureq: its buffers, and every read and write bounded by the
//! deadline in short slices.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ureq::unversioned::transport::{Buffers, NextTimeout, Transport};
#[cfg(feature = "tls")]
use ureq::unversioned::transport::{ConnectionDetails, Connector};
use ureq::{Error, Timeout};

use super::{Clock, INPUT_BUFFER, OUTPUT_BUFFER, SharedTrace, record};
use crate::sys::unix_socket::UnixStream;

/// One connection to the target; every read and write waits at most until the deadline.
#[derive(Debug)]
pub struct Connection {
    socket: Socket,
    buffers: ProbeBuffers,
    clock: Clock,
    trace: SharedTrace,
}

impl Connection {
    pub(super) fn new(stream: Stream, clock: Clock, trace: SharedTrace) -> Connection {
        Connection {
            socket: Socket::new(stream),
            buffers: ProbeBuffers::default(),
            clock,
            trace,
        }
    }
}

/// ureq's buffers, allocated zeroed rather than zero-filled: ureq's own `LazyBuffers`
/// writes zeroes over all of them, a page fault per page (docs/performance.md). A zeroed
/// allocation from the arena touches no page until the socket fills it.
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

    pub(super) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => (&*s).read(buf),
            Stream::Unix(s) => (&*s).read(buf),
        }
    }

    pub(super) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => (&*s).write(buf),
            Stream::Unix(s) => (&*s).write(buf),
        }
    }
}

/// A stream and the socket timeouts last set on it, so each is set only when it changes.
#[derive(Debug)]
pub(super) struct Socket {
    stream: Stream,
    read_armed: Option<Duration>,
    write_armed: Option<Duration>,
}

impl Socket {
    pub(super) fn new(stream: Stream) -> Socket {
        Socket {
            stream,
            read_armed: None,
            write_armed: None,
        }
    }

    /// Runs one read or write, retrying in slices until it completes or the deadline passes.
    pub(super) fn wait<T>(
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
