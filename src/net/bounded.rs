//! The bounded reader every protocol that speaks on a raw connection shares: each read
//! and write waits in the same short slices as ureq's transport (`transport::Socket`),
//! never past the deadline, and never reads past its room. A length a server declares
//! meets the room here, once for every protocol; TLS (`grpcs://`) runs inside it, so
//! the same bounds hold under it.

#[cfg(feature = "tls")]
use std::io;

use std::time::Duration;

use ureq::{Error, Timeout};

use super::Clock;
use super::transport::{Socket, Stream};

/// The most of a reply that is read: a greeting or an error fits in a few hundred bytes.
pub const REPLY_CAP: usize = 4096;

/// Why a read or write gave nothing to judge.
#[derive(Debug, PartialEq, Eq)]
pub enum Unread {
    /// The deadline passed first.
    Silent,
    /// The connection failed, closed, or the reply would pass the cap: why, in words.
    Broken(&'static str),
}

/// A reply that declares (or needs) more than [`REPLY_CAP`] bytes.
pub const TOO_LONG: Unread = Unread::Broken("the reply declares a message longer than 4 KiB");

/// A connection, and what has been read from it and not yet consumed.
pub struct Bounded {
    socket: Socket,
    clock: Clock,
    got: Vec<u8>,
    /// How many more bytes may be read from the connection, in all.
    room: usize,
    /// When the first byte came, from the start of the probe (for `-v`'s timings).
    first_byte: Option<Duration>,
    #[cfg(feature = "tls")]
    tls: Option<Box<rustls::ClientConnection>>,
}

impl Bounded {
    /// A reader of at most [`REPLY_CAP`] bytes in all.
    pub fn new(stream: Stream, clock: Clock) -> Bounded {
        Bounded::with_room(stream, clock, REPLY_CAP)
    }

    /// A reader of at most `room` bytes in all, for a protocol that consumes what it reads.
    pub fn with_room(stream: Stream, clock: Clock, room: usize) -> Bounded {
        Bounded {
            socket: Socket::new(stream),
            clock,
            got: Vec::new(),
            room,
            first_byte: None,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// What has been read and not consumed.
    pub fn got(&self) -> &[u8] {
        &self.got
    }

    /// When the first byte came, measured from the start of the probe.
    pub fn first_byte(&self) -> Option<Duration> {
        self.first_byte
    }

    /// Drops the first `n` bytes read: their room is spent all the same.
    pub fn consume(&mut self, n: usize) {
        self.got.drain(..n.min(self.got.len()));
    }

    /// Sends all of `bytes`.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Unread> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &mut self.tls {
            use std::io::Write;
            tls.writer()
                .write_all(bytes)
                .map_err(|_| Unread::Broken("the connection failed while sending"))?;
            let mut wire = Wire::new(&mut self.socket, self.clock);
            while tls.wants_write() {
                tls.write_tls(&mut wire)
                    .map_err(|e| unread_io(&e, "the connection failed while sending"))?;
            }
            return Ok(());
        }
        let mut sent = 0;
        while sent < bytes.len() {
            let n = self
                .socket
                .wait(self.clock, Timeout::SendRequest, true, |s| {
                    s.write(&bytes[sent..])
                })
                .map_err(|e| unread(e, "the connection failed while sending"))?;
            if n == 0 {
                return Err(Unread::Broken("the connection failed while sending"));
            }
            sent += n;
        }
        Ok(())
    }

    /// Reads until at least `n` bytes are in; `n` past the room is refused, not read short.
    pub fn fill(&mut self, n: usize) -> Result<(), Unread> {
        if n > self.got.len().saturating_add(self.room) {
            return Err(TOO_LONG);
        }
        let mut buf = [0u8; 1024];
        while self.got.len() < n {
            let room = self.room.min(buf.len());
            let k = self.read(&mut buf[..room])?;
            if k == 0 {
                return Err(Unread::Broken(
                    "the server closed the connection without a reply",
                ));
            }
            self.room -= k;
            self.first_byte
                .get_or_insert_with(|| self.clock.since_start());
            self.got.extend_from_slice(&buf[..k]);
        }
        Ok(())
    }

    /// One read from the connection, through TLS where there is TLS.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Unread> {
        const FAILED: &str = "the connection failed while reading";
        #[cfg(feature = "tls")]
        if let Some(tls) = &mut self.tls {
            use std::io::Read;
            loop {
                match tls.reader().read(buf) {
                    Ok(n) => return Ok(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    // Closed without close_notify: as a plain connection closing.
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                    Err(_) => return Err(Unread::Broken(FAILED)),
                }
                let mut wire = Wire::new(&mut self.socket, self.clock);
                if tls.read_tls(&mut wire).map_err(|e| unread_io(&e, FAILED))? == 0 {
                    return Ok(0);
                }
                tls.process_new_packets()
                    .map_err(|_| Unread::Broken("the TLS session failed"))?;
            }
        }
        self.socket
            .wait(self.clock, Timeout::RecvResponse, false, |s| s.read(buf))
            .map_err(|e| unread(e, FAILED))
    }

    /// Reads until a CRLF-ended line is in, and returns it without the CRLF.
    pub fn line(&mut self) -> Result<Vec<u8>, Unread> {
        loop {
            if let Some(end) = self.got.windows(2).position(|w| w == b"\r\n") {
                return Ok(self.got[..end].to_vec());
            }
            self.fill(self.got.len() + 1).map_err(|e| match e {
                TOO_LONG => Unread::Broken("the reply is a line longer than 4 KiB"),
                other => other,
            })?;
        }
    }

    /// Runs the TLS handshake of `tls` on this connection, within the deadline; every
    /// read and write after it goes through TLS. The error is as ureq's transport would
    /// give it, for the exchange's failure to put into words.
    #[cfg(feature = "tls")]
    pub fn secure(&mut self, mut tls: rustls::ClientConnection) -> Result<(), Error> {
        let mut wire = Wire::new(&mut self.socket, self.clock);
        while tls.is_handshaking() {
            if let Err(e) = tls.complete_io(&mut wire) {
                return Err(match wire.late {
                    Some(phase) => Error::Timeout(phase),
                    None => Error::Io(e),
                });
            }
        }
        self.tls = Some(Box::new(tls));
        Ok(())
    }

    /// The protocol the server chose in the TLS handshake (ALPN), if any.
    #[cfg(feature = "tls")]
    pub fn alpn(&self) -> Option<&[u8]> {
        self.tls.as_ref().and_then(|t| t.alpn_protocol())
    }
}

fn unread(error: Error, failed: &'static str) -> Unread {
    match error {
        Error::Timeout(_) => Unread::Silent,
        _ => Unread::Broken(failed),
    }
}

#[cfg(feature = "tls")]
fn unread_io(error: &io::Error, failed: &'static str) -> Unread {
    match error.kind() {
        io::ErrorKind::TimedOut => Unread::Silent,
        _ => Unread::Broken(failed),
    }
}

/// The socket as rustls reads and writes it: in the deadline's slices, the deadline
/// itself an error of kind `TimedOut` (the slices' own timeouts never leave `wait`).
#[cfg(feature = "tls")]
struct Wire<'a> {
    socket: &'a mut Socket,
    clock: Clock,
    /// The phase the deadline passed in, when it did.
    late: Option<Timeout>,
}

#[cfg(feature = "tls")]
impl<'a> Wire<'a> {
    fn new(socket: &'a mut Socket, clock: Clock) -> Wire<'a> {
        Wire {
            socket,
            clock,
            late: None,
        }
    }

    fn run(
        &mut self,
        phase: Timeout,
        write: bool,
        op: impl FnMut(&Stream) -> io::Result<usize>,
    ) -> io::Result<usize> {
        self.socket
            .wait(self.clock, phase, write, op)
            .map_err(|e| match e {
                Error::Io(e) => e,
                Error::Timeout(phase) => {
                    self.late = Some(phase);
                    io::ErrorKind::TimedOut.into()
                }
                other => io::Error::other(other),
            })
    }
}

#[cfg(feature = "tls")]
impl io::Read for Wire<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.run(Timeout::RecvResponse, false, |s| s.read(buf))
    }
}

#[cfg(feature = "tls")]
impl io::Write for Wire<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.run(Timeout::SendRequest, true, |s| s.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
