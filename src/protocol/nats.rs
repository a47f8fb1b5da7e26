//! NATS: the server speaks first. An `INFO {…}` line is ready (its server name and
//! version quoted), unless it says `"ldm": true`, lame-duck mode: the server is draining
//! its clients to shut down. `-ERR '…'` is not ready. Nothing is sent: no CONNECT, so
//! no credentials either.

use super::{FOREIGN, text};
use crate::judge::outcome::Said;
use crate::net::{Bounded, Unread};
use crate::sanitize::Secrets;

pub(super) fn check(io: &mut Bounded, secrets: &Secrets) -> Result<Said, Unread> {
    let line = io.line()?;
    if let Some(error) = line.strip_prefix(b"-ERR") {
        return Ok(Said {
            ready: false,
            what: format!("not accepting connections: -ERR{}", text(secrets, error)),
        });
    }
    let info = line
        .strip_prefix(b"INFO ")
        .and_then(|json| serde_json::from_slice::<serde_json::Value>(json).ok())
        .filter(serde_json::Value::is_object)
        .ok_or(FOREIGN)?;
    let field = |name: &str| info[name].as_str().map(|v| text(secrets, v.as_bytes()));
    let server = match (field("server_name"), field("version")) {
        (Some(name), Some(version)) => format!(" ({name}, nats-server {version})"),
        (None, Some(version)) => format!(" (nats-server {version})"),
        (Some(name), None) => format!(" ({name})"),
        (None, None) => String::new(),
    };
    if info["ldm"] == true {
        return Ok(Said {
            ready: false,
            what: format!("in lame-duck mode, shutting down{server}"),
        });
    }
    Ok(Said {
        ready: true,
        what: format!("accepting connections{server}"),
    })
}
