//! PostgreSQL: is it accepting connections? A protocol-3.0 startup message for user and
//! database `postgres` (the superuser and database every cluster starts with), judged as
//! `pg_isready` (libpq's `PQping`) judges: an authentication request, or any error but
//! SQLSTATE 57P03 (`cannot_connect_now`: starting up, shutting down, in recovery without
//! hot standby), means the server accepts connections. Like `pg_isready`, it sends
//! nothing the server did not ask for, so the server logs nothing: after an
//! authentication request it simply closes (a Terminate there made PostgreSQL log
//! `FATAL: expected SASL response` on every probe); after a login that needed no
//! password, it waits for ReadyForQuery and sends Terminate, as libpq does.

use super::{FOREIGN, text};
use crate::judge::outcome::Said;
use crate::net::{Bounded, TOO_LONG, Unread};
use crate::sanitize::Secrets;

pub(super) fn check(io: &mut Bounded, secrets: &Secrets) -> Result<Said, Unread> {
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
    let said = format!(
        "{} (SQLSTATE {})",
        text(secrets, message),
        text(secrets, code)
    );
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
fn postgres_message(io: &mut Bounded, at: usize) -> Result<(u8, Vec<u8>), Unread> {
    // A message: type byte, length (itself included, so at least 4), body.
    io.fill(at + 5)?;
    let kind = io.got()[at];
    let len = u32::from_be_bytes([
        io.got()[at + 1],
        io.got()[at + 2],
        io.got()[at + 3],
        io.got()[at + 4],
    ]);
    let len = usize::try_from(len).map_err(|_| TOO_LONG)?;
    let first_is_known = at > 0 || (matches!(kind, b'R' | b'E') && len >= 8);
    if len < 4 || !first_is_known {
        return Err(FOREIGN);
    }
    // Checked: a declared length near 4 GiB wraps a 32-bit usize past the cap's check.
    let end = (at + 1).checked_add(len).ok_or(TOO_LONG)?;
    io.fill(end)?;
    Ok((kind, io.got()[at + 5..end].to_vec()))
}
