//! MQTT 3.1.1: a CONNECT with a clean session, a client id of the probe's own and no
//! credentials. CONNACK 0 is ready, and so are 4 and 5 (bad credentials, not authorised):
//! the broker is up and answering, as `pg_isready` judges a password request. 3 (server
//! unavailable) is not, nor 1 (another protocol level) or 2 (the id refused). An accepted
//! session is ended with DISCONNECT, so the broker logs a clean disconnect.

use super::FOREIGN;
use crate::judge::outcome::Said;
use crate::net::{Bounded, Unread};
use crate::sanitize::Secrets;

pub(super) fn check(io: &mut Bounded, _: &Secrets) -> Result<Said, Unread> {
    // A client id of its own per probe: a broker drops the older of two sessions with
    // one id, so probes (or another client) must never share it.
    let id = format!("healthprobe-{}-{}", std::process::id(), nanos());
    let mut body = Vec::with_capacity(16 + id.len());
    body.extend_from_slice(&[0, 4, b'M', b'Q', b'T', b'T', 4]); // protocol name, level 4
    body.push(0x02); // clean session; no will, no user name, no password
    body.extend_from_slice(&10u16.to_be_bytes()); // keep-alive, seconds
    body.extend_from_slice(&u16::try_from(id.len()).unwrap_or(0).to_be_bytes());
    body.extend_from_slice(id.as_bytes());
    let mut connect = vec![0x10, u8::try_from(body.len()).unwrap_or(0)]; // < 128: one byte
    connect.extend_from_slice(&body);
    io.send(&connect)?;
    // CONNACK: type 2, remaining length 2, session-present flags, return code.
    io.fill(4)?;
    let &[0x20, 2, flags, code, ..] = io.got() else {
        return Err(FOREIGN);
    };
    if flags & 0xfe != 0 {
        return Err(FOREIGN);
    }
    let (ready, what) = match code {
        0 => (true, "accepting connections"),
        4 | 5 => (true, "accepting connections; authentication required"),
        1 => (false, "refused: it does not speak MQTT 3.1.1 (CONNACK 1)"),
        2 => (false, "refused the client id (CONNACK 2)"),
        3 => (
            false,
            "not accepting connections: server unavailable (CONNACK 3)",
        ),
        _ => return Err(FOREIGN),
    };
    if code == 0 {
        // DISCONNECT; the verdict does not depend on it.
        let _ = io.send(&[0xe0, 0]);
    }
    Ok(Said {
        ready,
        what: what.to_string(),
    })
}

/// The clock's nanoseconds, to tell apart two probes of one PID (a PID namespace's
/// PID 1, probing every few seconds).
fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}
