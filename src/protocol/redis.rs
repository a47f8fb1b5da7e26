//! Redis: `PING`. `+PONG`, or an authentication error, is ready; `-LOADING`,
//! `-MASTERDOWN` and `-BUSY` are not.

use super::{FOREIGN, text};
use crate::judge::outcome::Said;
use crate::net::{Bounded, Unread};
use crate::sanitize::Secrets;

pub(super) fn check(io: &mut Bounded, secrets: &Secrets) -> Result<Said, Unread> {
    io.send(b"*1\r\n$4\r\nPING\r\n")?;
    let line = io.line()?;
    let words = text(secrets, &line);
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
