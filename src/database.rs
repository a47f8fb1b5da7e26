//! Database readiness without drivers: `postgres://`, `redis://` and `mysql://` targets.
//! After the TCP connection, each speaks the first bytes of its protocol and judges the
//! first reply, as the database's own readiness tool would. No credentials are sent. Every
//! read is bounded in size ([`REPLY_CAP`]) and by the probe's one deadline.
//!
//! - PostgreSQL: a protocol-3.0 startup message for user and database `postgres` (the
//!   superuser and database every cluster starts with), judged as `pg_isready` (libpq's
//!   `PQping`) judges: an authentication request, or any error but SQLSTATE 57P03
//!   (`cannot_connect_now`: starting up, shutting down, in recovery without hot standby),
//!   means the server accepts connections. Like `pg_isready`, it sends nothing the server
//!   did not ask for, so the server logs nothing: after an authentication request it simply
//!   closes (a Terminate there made PostgreSQL log `FATAL: expected SASL response` on every
//!   probe); after a login that needed no password, it waits for ReadyForQuery and sends
//!   Terminate, as libpq does.
//! - Redis: `PING`. `+PONG`, or an authentication error, is ready; `-LOADING`,
//!   `-MASTERDOWN` and `-BUSY` are not.
//! - MySQL and MariaDB: the server speaks first. A protocol-10 greeting is ready; an error
//!   packet (1040 Too many connections, 1129 host blocked, …) is not.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::net::Clock;
use crate::sanitize::Secrets;
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
/// deadline. Server text in the judgement is redacted of `secrets`, as HTTP text is.
pub fn check(
    scheme: Scheme,
    stream: &mut TcpStream,
    clock: Clock,
    secrets: &Secrets,
) -> Result<Said, NoReply> {
    let mut reader = Bounded {
        stream,
        clock,
        got: Vec::new(),
        secrets,
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
    secrets: &'a Secrets,
}

impl Bounded<'_> {
    fn send(&mut self, bytes: &[u8]) -> Result<(), NoReply> {
        let left = self.clock.left().ok_or(NoReply::Silent)?;
        let _ = self.stream.set_write_timeout(Some(left));
        self.stream
            .write_all(bytes)
            .map_err(|_| NoReply::NotTheProtocol("the connection failed while sending"))
    }

    /// Reads until `got` holds at least `n` bytes. A length the server declared meets the
    /// cap here, once for every protocol: past it, the reply is refused rather than read
    /// (or sliced) short.
    fn fill(&mut self, n: usize) -> Result<(), NoReply> {
        if n > REPLY_CAP {
            return Err(TOO_LONG);
        }
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
            self.fill(self.got.len() + 1)
                .map_err(|e| if e == TOO_LONG { LONG_LINE } else { e })?;
        }
    }

    /// Server text in a report: redacted of the run's secrets, printable and short.
    fn text(&self, bytes: &[u8]) -> String {
        self.secrets.show(bytes, 200)
    }
}

/// A reply in another protocol.
const FOREIGN: NoReply = NoReply::NotTheProtocol("the reply is in another protocol");
/// A message whose declared length is past [`REPLY_CAP`].
const TOO_LONG: NoReply = NoReply::NotTheProtocol("the reply declares a message longer than 4 KiB");
/// A line with no end within [`REPLY_CAP`].
const LONG_LINE: NoReply = NoReply::NotTheProtocol("the reply is a line longer than 4 KiB");

fn postgres(io: &mut Bounded) -> Result<Said, NoReply> {
    let mut startup = Vec::with_capacity(80);
    startup.extend_from_slice(&[0, 0, 0, 0, 0, 3, 0, 0]); // length, protocol 3.0
    for part in [
        &b"user"[..],
        b"postgres",
        b"database",
        b"postgres",
        // Names the probe in pg_stat_activity and in any log line about it.
        b"application_name",
        b"healthprobe",
        b"",
    ] {
        startup.extend_from_slice(part);
        startup.push(0);
    }
    let len = u32::try_from(startup.len()).unwrap_or(u32::MAX);
    startup[..4].copy_from_slice(&len.to_be_bytes());
    io.send(&startup)?;
    let (kind, body) = postgres_message(io, 0)?;
    if kind == b'R' {
        let [a, b, c, d, ..] = body[..] else {
            return Err(FOREIGN);
        };
        if u32::from_be_bytes([a, b, c, d]) != 0 {
            // A password (or SASL) request: accepting connections. Closing now is what
            // PostgreSQL takes as a client that went away, silently; anything sent instead
            // of the answer it asked for is logged as a protocol violation.
            return Ok(Said {
                ready: true,
                what: "accepting connections; password authentication required".to_string(),
            });
        }
        // Logged in without a password: the server starts a session, then says
        // ReadyForQuery. Leaving before that, it would log a failed send; leaving after,
        // with Terminate, it logs nothing. Whatever follows, it accepted the connection.
        let mut at = 1 + body.len() + 4;
        while let Ok((kind, body)) = postgres_message(io, at) {
            at += 1 + body.len() + 4;
            if kind == b'Z' {
                let _ = io.send(&[b'X', 0, 0, 0, 4]);
                break;
            }
        }
        return Ok(Said {
            ready: true,
            what: "accepting connections".to_string(),
        });
    }
    // ErrorResponse: fields of a type byte and a NUL-ended string, then a NUL.
    let (mut code, mut message) = (&[][..], &[][..]);
    for field in body.split(|&b| b == 0) {
        match field.split_first() {
            Some((b'C', value)) => code = value,
            Some((b'M', value)) => message = value,
            _ => {}
        }
    }
    let said = format!("{} (SQLSTATE {})", io.text(message), io.text(code));
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

/// The PostgreSQL message at `at` in the reply: its type byte and its body. The first
/// (`at` 0) must be an authentication request or an error; any message's declared
/// length must fit in the reply cap.
fn postgres_message(io: &mut Bounded, at: usize) -> Result<(u8, Vec<u8>), NoReply> {
    // A message: type byte, length (itself included, so at least 4), body.
    io.fill(at + 5)?;
    let kind = io.got[at];
    let len = u32::from_be_bytes([
        io.got[at + 1],
        io.got[at + 2],
        io.got[at + 3],
        io.got[at + 4],
    ]);
    let len = usize::try_from(len).map_err(|_| TOO_LONG)?;
    let first_is_known = at > 0 || (matches!(kind, b'R' | b'E') && len >= 8);
    if len < 4 || !first_is_known {
        return Err(FOREIGN);
    }
    io.fill(at + 1 + len)?;
    Ok((kind, io.got[at + 5..at + 1 + len].to_vec()))
}

fn redis(io: &mut Bounded) -> Result<Said, NoReply> {
    io.send(b"*1\r\n$4\r\nPING\r\n")?;
    let line = io.line()?;
    let words = io.text(&line);
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
    if io.got[3] != 0 || len == 0 {
        return Err(FOREIGN);
    }
    io.fill(4 + len)?;
    let payload = &io.got[4..4 + len];
    match payload[0] {
        // A greeting names the server's version, NUL-ended, and goes on (connection id,
        // the first part of the scramble, …): a 10 with no version after it is not one.
        10 => match payload[1..].iter().position(|&b| b == 0) {
            Some(end) if end > 0 && payload.len() >= 1 + end + 1 + 4 => Ok(Said {
                ready: true,
                what: format!(
                    "accepting connections (server {})",
                    io.text(&payload[1..1 + end])
                ),
            }),
            _ => Err(FOREIGN),
        },
        0xFF if payload.len() >= 3 => {
            let code = u16::from_le_bytes([payload[1], payload[2]]);
            // After the code, protocol 4.1 puts `#` and a 5-character SQLSTATE.
            let message = match &payload[3..] {
                [b'#', rest @ ..] if rest.len() >= 5 => &rest[5..],
                rest => rest,
            };
            Ok(Said {
                ready: false,
                what: format!(
                    "not accepting connections: error {code}: {}",
                    io.text(message)
                ),
            })
        }
        _ => Err(FOREIGN),
    }
}
