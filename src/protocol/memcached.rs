//! memcached: `version`. `VERSION x` is ready; `SERVER_ERROR …` (out of memory, too many
//! connections) is not.

use super::{FOREIGN, text};
use crate::judge::outcome::Said;
use crate::net::{Bounded, Unread};
use crate::sanitize::Secrets;

pub(super) fn check(io: &mut Bounded, secrets: &Secrets) -> Result<Said, Unread> {
    io.send(b"version\r\n")?;
    let line = io.line()?;
    let (ready, what) = if let Some(version) = line.strip_prefix(b"VERSION ") {
        let version = text(secrets, version);
        (true, format!("accepting connections (memcached {version})"))
    } else if let Some(error) = line.strip_prefix(b"SERVER_ERROR") {
        let error = text(secrets, error);
        (
            false,
            format!("not accepting commands: SERVER_ERROR{error}"),
        )
    } else {
        return Err(FOREIGN);
    };
    Ok(Said { ready, what })
}
