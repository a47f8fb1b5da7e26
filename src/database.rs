//! Database readiness without drivers: `postgres://`, `redis://` and `mysql://` targets.
//! After the TCP connection, each speaks the first bytes of its protocol and judges the
//! first reply, as the database's own readiness tool would. No credentials are sent. Every
//! read is bounded in size ([`REPLY_CAP`]) and by the probe's one deadline.
//!
//! - PostgreSQL: a protocol-3.0 startup message for user and database `healthprobe`, then
//!   Terminate. Judged as `pg_isready` (libpq's `PQping`) judges: an authentication request,
//!   or any error but SQLSTATE 57P03 (`cannot_connect_now`: starting up, shutting down, in
//!   recovery without hot standby), means the server accepts connections.
//! - Redis: `PING`. `+PONG`, or an authentication error, is ready; `-LOADING`,
//!   `-MASTERDOWN` and `-BUSY` are not.
//! - MySQL and MariaDB: the server speaks first. A protocol-10 greeting is ready; an error
//!   packet (1040 Too many connections, 1129 host blocked, …) is not.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::net::Clock;
use crate::sanitize::printable;
use crate::target::Scheme;

/// The most of a reply that is read: a greeting or an error fits in a few hundred bytes.
pub const REPLY_CAP: usize = 4096;

/// What the server said, judged.
#[derive(Debug, PartialEq, Eq)]
pub struct Said {
    /// Accepting connections.
    pub ready: bool,
    /// In words, with the server's own text (sanitised) where it gave one.
    pub what: String,
}

/// Why there is nothing to judge.
#[derive(Debug, PartialEq, Eq)]
pub enum NoReply {
    /// The deadline passed before a reply came.
    Silent,
    /// The reply is not the protocol's, or the connection ended first: why, in words.
    NotTheProtocol(&'static str),
}

/// The protocol's name, as reports give it.
pub fn protocol(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Postgres => "PostgreSQL",
        Scheme::Redis => "Redis",
        _ => "MySQL",
    }
}

/// Speaks `scheme`'s first bytes on `stream` and judges the reply, before `clock`'s
/// deadline.
pub fn check(scheme: Scheme, stream: &mut TcpStream, clock: Clock) -> Result<Said, NoReply> {
    let mut reader = Bounded {
        stream,
        clock,
        got: Vec::new(),
    };
    match scheme {
        Scheme::Postgres => postgres(&mut reader),
        Scheme::Redis => redis(&mut reader),
        _ => mysql(&mut reader),
    }
}

/// Reads from the stream into `got`, never past [`REPLY_CAP`] nor past the deadline.
struct Bounded<'a> {
    stream: &'a mut TcpStream,
    clock: Clock,
    got: Vec<u8>,
}

impl Bounded<'_> {
    fn send(&mut self, bytes: &[u8]) -> Result<(), NoReply> {
        let left = self.clock.left().ok_or(NoReply::Silent)?;
        let _ = self.stream.set_write_timeout(Some(left));
        self.stream
            .write_all(bytes)
            .map_err(|_| NoReply::NotTheProtocol("the connection failed while sending"))
    }

    /// Reads until `got` holds at least `n` bytes.
    fn fill(&mut self, n: usize) -> Result<(), NoReply> {
        let n = n.min(REPLY_CAP);
        let mut buf = [0u8; 512];
        while self.got.len() < n {
            // Re-armed before every read, sliced so that a dripping server cannot stretch
            // the deadline (as in `net`).
            let left = self.clock.left().ok_or(NoReply::Silent)?;
            let _ = self
                .stream
                .set_read_timeout(Some(left.min(Duration::from_millis(50))));
            let room = (REPLY_CAP - self.got.len()).min(buf.len());
            match self.stream.read(&mut buf[..room]) {
                Ok(0) => {
                    return Err(NoReply::NotTheProtocol(
                        "the server closed the connection without a reply",
                    ));
                }
                Ok(k) => self.got.extend_from_slice(&buf[..k]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => {
                    return Err(NoReply::NotTheProtocol(
                        "the connection failed while reading",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Reads until a CRLF-ended line is in, and returns it without the CRLF.
    fn line(&mut self) -> Result<Vec<u8>, NoReply> {
        loop {
            if let Some(end) = self.got.windows(2).position(|w| w == b"\r\n") {
                return Ok(self.got[..end].to_vec());
            }
            if self.got.len() >= REPLY_CAP {
                return Err(NoReply::NotTheProtocol(
                    "the reply is a line longer than 4 KiB",
                ));
            }
            self.fill(self.got.len() + 1)?;
        }
    }
}

/// A reply in another protocol.
const FOREIGN: NoReply = NoReply::NotTheProtocol("the reply is in another protocol");

/// Server text in a report: printable and short.
fn text(bytes: &[u8]) -> String {
    printable(bytes, 200)
}

fn postgres(io: &mut Bounded) -> Result<Said, NoReply> {
    let mut startup = Vec::with_capacity(64);
    startup.extend_from_slice(&[0, 0, 0, 0, 0, 3, 0, 0]); // length, protocol 3.0
    for part in [
        &b"user"[..],
        b"healthprobe",
        b"database",
        b"healthprobe",
        b"",
    ] {
        startup.extend_from_slice(part);
        startup.push(0);
    }
    let len = u32::try_from(startup.len()).unwrap_or(u32::MAX);
    startup[..4].copy_from_slice(&len.to_be_bytes());
    io.send(&startup)?;
    // A message: type byte, length (itself included), body.
    io.fill(5)?;
    let kind = io.got[0];
    let len = u32::from_be_bytes([io.got[1], io.got[2], io.got[3], io.got[4]]) as usize;
    if !matches!(kind, b'R' | b'E') || !(8..=REPLY_CAP).contains(&len) {
        return Err(FOREIGN);
    }
    io.fill(1 + len)?;
    let body = io.got[5..1 + len].to_vec();
    // Terminate: polite, and the server logs no "unexpected EOF".
    let _ = io.send(&[b'X', 0, 0, 0, 4]);
    if kind == b'R' {
        let code = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
        return Ok(Said {
            ready: true,
            what: match code {
                0 => "accepting connections".to_string(),
                _ => "accepting connections; password authentication required".to_string(),
            },
        });
    }
    // ErrorResponse: fields of a type byte and a NUL-ended string, then a NUL.
    let (mut code, mut message) = (Vec::new(), Vec::new());
    for field in body.split(|&b| b == 0) {
        match field.split_first() {
            Some((b'C', value)) => code = value.to_vec(),
            Some((b'M', value)) => message = value.to_vec(),
            _ => {}
        }
    }
    let said = format!("{} (SQLSTATE {})", text(&message), text(&code));
    Ok(if code == b"57P03" {
        Said {
            ready: false,
            what: format!("not accepting connections: {said}"),
        }
    } else {
        Said {
            ready: true,
            what: format!("accepting connections; it answered a login with: {said}"),
        }
    })
}

fn redis(io: &mut Bounded) -> Result<Said, NoReply> {
    io.send(b"*1\r\n$4\r\nPING\r\n")?;
    let line = io.line()?;
    let words = text(&line);
    let first = words.split(' ').next().unwrap_or("");
    match first {
        "+PONG" => Ok(Said {
            ready: true,
            what: "accepting connections (PONG)".to_string(),
        }),
        "-NOAUTH" | "-WRONGPASS" | "-NOPERM" => Ok(Said {
            ready: true,
            what: "accepting connections; authentication required".to_string(),
        }),
        "-LOADING" | "-MASTERDOWN" | "-BUSY" => Ok(Said {
            ready: false,
            what: format!("not accepting commands: {}", &words[1..]),
        }),
        _ => Err(FOREIGN),
    }
}

fn mysql(io: &mut Bounded) -> Result<Said, NoReply> {
    // A packet: 3-byte little-endian length, sequence number, payload.
    io.fill(4)?;
    let len = usize::from(io.got[0]) | usize::from(io.got[1]) << 8 | usize::from(io.got[2]) << 16;
    if io.got[3] != 0 || !(1..REPLY_CAP - 4).contains(&len) {
        return Err(FOREIGN);
    }
    io.fill(4 + len)?;
    let payload = &io.got[4..4 + len];
    match payload[0] {
        10 => {
            let version = payload[1..].split(|&b| b == 0).next().unwrap_or_default();
            Ok(Said {
                ready: true,
                what: format!("accepting connections (server {})", text(version)),
            })
        }
        0xFF if payload.len() >= 3 => {
            let code = u16::from_le_bytes([payload[1], payload[2]]);
            // After the code, protocol 4.1 puts `#` and a 5-character SQLSTATE.
            let message = match &payload[3..] {
                [b'#', rest @ ..] if rest.len() >= 5 => &rest[5..],
                rest => rest,
            };
            Ok(Said {
                ready: false,
                what: format!("not accepting connections: error {code}: {}", text(message)),
            })
        }
        _ => Err(FOREIGN),
    }
}
