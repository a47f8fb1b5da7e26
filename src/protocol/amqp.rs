//! AMQP 0-9-1 (RabbitMQ): the protocol header `AMQP 0 0 9 1`. A `Connection.Start` method
//! frame is ready, naming the server's product and version from its properties; a
//! protocol header back means the server speaks another version, and is not. The probe
//! then just closes: going on to `Connection.Start-Ok` would need credentials, and a
//! `Connection.Close` before it is not allowed; RabbitMQ logs the closed connection
//! either way (docs/design.md).

use super::{FOREIGN, text};
use crate::judge::outcome::Said;
use crate::net::{Bounded, TOO_LONG, Unread};
use crate::sanitize::Secrets;

pub(super) fn check(io: &mut Bounded, secrets: &Secrets) -> Result<Said, Unread> {
    io.send(b"AMQP\x00\x00\x09\x01")?;
    io.fill(8)?;
    if let [b'A', b'M', b'Q', b'P', _, major, minor, revision] = io.got()[..8] {
        return Ok(Said {
            ready: false,
            what: format!("speaks AMQP {major}-{minor}-{revision} only, not 0-9-1"),
        });
    }
    // A frame: type (1, a method), channel (0), payload size, payload, 0xCE.
    let got = io.got();
    let (kind, channel) = (got[0], u16::from_be_bytes([got[1], got[2]]));
    let size = u32::from_be_bytes([got[3], got[4], got[5], got[6]]);
    if kind != 1 || channel != 0 {
        return Err(FOREIGN);
    }
    let end = usize::try_from(size)
        .ok()
        .and_then(|s| s.checked_add(8))
        .ok_or(TOO_LONG)?;
    io.fill(end)?;
    let frame = &io.got()[..end];
    // Connection (class 10) . Start (method 10), version-major, version-minor.
    let [0, 10, 0, 10, _, _, ref properties @ ..] = frame[7..end - 1] else {
        return Err(FOREIGN);
    };
    if frame[end - 1] != 0xce {
        return Err(FOREIGN);
    }
    let product = field(properties, b"product").map(|p| text(secrets, p));
    let version = field(properties, b"version").map(|v| text(secrets, v));
    let server = match (product, version) {
        (Some(product), Some(version)) => format!(" ({product} {version})"),
        (Some(one), None) | (None, Some(one)) => format!(" ({one})"),
        (None, None) => String::new(),
    };
    Ok(Said {
        ready: true,
        what: format!("accepting connections{server}"),
    })
}

/// A long-string value of the server-properties table, which starts `table`: its 4-byte
/// length, then entries of a short-string name, a type byte and a value. Entries of
/// other types are stepped over while their size is known; an unknown type ends the
/// search.
fn field<'a>(table: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let (len, rest) = table.split_first_chunk::<4>()?;
    let mut entries = rest.get(..usize::try_from(u32::from_be_bytes(*len)).ok()?)?;
    while let Some((&name_len, rest)) = entries.split_first() {
        let (key, rest) = rest.split_at_checked(usize::from(name_len))?;
        let (&kind, rest) = rest.split_first()?;
        let size = match kind {
            // Long string, field table, field array, byte array: a 4-byte length first.
            b'S' | b'F' | b'A' | b'x' => {
                let (len, _) = rest.split_first_chunk::<4>()?;
                4 + usize::try_from(u32::from_be_bytes(*len)).ok()?
            }
            b't' | b'b' | b'B' => 1,
            b's' | b'u' | b'U' => 2,
            b'I' | b'i' | b'f' => 4,
            b'l' | b'L' | b'd' | b'T' => 8,
            b'D' => 5,
            b'V' => 0,
            _ => return None,
        };
        let (value, rest) = rest.split_at_checked(size)?;
        if key == name && kind == b'S' {
            return value.get(4..);
        }
        entries = rest;
    }
    None
}
