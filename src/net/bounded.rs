//! The bounded reader every protocol that speaks on a raw connection shares: each read
//! and write waits in the same short slices as ureq's transport (`transport::Socket`),
//! never past the deadline, and never reads past the cap. A length a server declares
//! meets the cap here, once for every protocol.

use std::net::TcpStream;

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

/// A connection and what has been read from it, at most [`REPLY_CAP`] bytes.
pub struct Bounded {
    socket: Socket,
    clock: Clock,
    got: Vec<u8>,
}

impl Bounded {
    pub fn new(stream: TcpStream, clock: Clock) -> Bounded {
        Bounded {
            socket: Socket::new(Stream::Tcp(stream)),
            clock,
            got: Vec::new(),
        }
    }

    /// What has been read so far.
    pub fn got(&self) -> &[u8] {
        &self.got
    }

    /// Sends all of `bytes`.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Unread> {
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

    /// Reads until at least `n` bytes are in; `n` past the cap is refused, not read short.
    pub fn fill(&mut self, n: usize) -> Result<(), Unread> {
        if n > REPLY_CAP {
            return Err(TOO_LONG);
        }
        let mut buf = [0u8; 512];
        while self.got.len() < n {
            let room = (REPLY_CAP - self.got.len()).min(buf.len());
            let k = self
                .socket
                .wait(self.clock, Timeout::RecvResponse, false, |s| {
                    s.read(&mut buf[..room])
                })
                .map_err(|e| unread(e, "the connection failed while reading"))?;
            if k == 0 {
                return Err(Unread::Broken(
                    "the server closed the connection without a reply",
                ));
            }
            self.got.extend_from_slice(&buf[..k]);
        }
        Ok(())
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
}

fn unread(error: Error, failed: &'static str) -> Unread {
    match error {
        Error::Timeout(_) => Unread::Silent,
        _ => Unread::Broken(failed),
    }
}
