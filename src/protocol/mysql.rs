//! MySQL and MariaDB: the server speaks first. A protocol-10 greeting is ready; an error
//! packet (1040 Too many connections, 1129 host blocked, …) is not.

use super::{FOREIGN, text};
use crate::judge::outcome::Said;
use crate::net::{Bounded, Unread};
use crate::sanitize::Secrets;

pub(super) fn check(io: &mut Bounded, secrets: &Secrets) -> Result<Said, Unread> {
    // A packet: 3-byte little-endian length, sequence number, payload.
    io.fill(4)?;
    let len =
        usize::from(io.got()[0]) | usize::from(io.got()[1]) << 8 | usize::from(io.got()[2]) << 16;
    if io.got()[3] != 0 || len == 0 {
        return Err(FOREIGN);
    }
    io.fill(4 + len)?;
    let payload = &io.got()[4..4 + len];
    match payload[0] {
        // A greeting names the server's version, NUL-ended, and goes on (connection id,
        // the first part of the scramble, …): a 10 with no version after it is not one.
        10 => match payload[1..].iter().position(|&b| b == 0) {
            Some(end) if end > 0 && payload.len() >= 1 + end + 1 + 4 => Ok(Said {
                ready: true,
                what: format!(
                    "accepting connections (server {})",
                    text(secrets, &payload[1..1 + end])
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
                    text(secrets, message)
                ),
            })
        }
        _ => Err(FOREIGN),
    }
}
