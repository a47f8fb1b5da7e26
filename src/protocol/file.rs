//! `file:///PATH[?max-age=DURATION]`: a worker's heartbeat or a readiness file. Healthy
//! when the file exists and, with `max-age`, was modified within it. Only a `stat` of the
//! path: the file is never opened, so a FIFO or a device cannot block the probe; and the
//! `stat` runs on a thread of its own, abandoned at the deadline (`net::Pending`), so that
//! a stuck file system (a hung NFS or FUSE mount) cannot hold the probe past it either.

use std::fs::Metadata;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::duration;
use crate::judge::outcome::{Answer, Failure, Said};
use crate::net::{Clock, Pending};
use crate::sanitize::{io_text, printable};

/// What a `file://` target asks: the path, and how old the file may be.
#[derive(Debug, PartialEq, Eq)]
pub struct Heartbeat {
    pub path: PathBuf,
    pub max_age: Option<Duration>,
}

/// Reads a `file://` target's path and query (`/run/worker.heartbeat?max-age=30s`):
/// an absolute path, percent-encoded as in any URL (`%20` for a space; a `%` without two
/// hex digits after it is itself), and `max-age`,
/// the one parameter. Target parsing refuses what this refuses; the exchange reads it
/// again.
pub fn heartbeat(path_and_query: &str) -> Result<Heartbeat, String> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    let mut max_age = None;
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        match pair.split_once('=') {
            Some(("max-age", age)) if max_age.is_none() => {
                max_age = Some(duration::parse(age).map_err(|e| format!("max-age: {e}"))?);
            }
            _ => {
                return Err(format!(
                    "{:?}: the one parameter is max-age=DURATION, once",
                    printable(pair.as_bytes(), 100)
                ));
            }
        }
    }
    let bytes = super::percent::decode(path.as_bytes());
    if bytes.contains(&0) {
        return Err("the path holds %00, which no file name can".to_string());
    }
    Ok(Heartbeat {
        path: path_from(bytes)?,
        max_age,
    })
}

/// The path a URL's decoded bytes name: any bytes on Unix.
#[cfg(unix)]
fn path_from(bytes: Vec<u8>) -> Result<PathBuf, String> {
    use std::os::unix::ffi::OsStringExt;
    Ok(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

/// The path a URL's decoded bytes name on Windows: UTF-8 (as a URL's are), and a drive's
/// path without the slash before it (`file:///C:/app/ready` is `C:/app/ready`).
#[cfg(windows)]
fn path_from(bytes: Vec<u8>) -> Result<PathBuf, String> {
    let path = String::from_utf8(bytes).map_err(|_| "the path is not UTF-8".to_string())?;
    let drive = path.as_bytes().get(1..3).is_some_and(|at| at[1] == b':')
        && path.as_bytes()[1].is_ascii_alphabetic();
    Ok(PathBuf::from(if drive { &path[1..] } else { &path[..] }))
}

/// A `stat` that outlived the attempt that started it (a stuck file system), for the next
/// attempt of a `--wait` to wait on rather than start another thread.
type Stat = Arc<Pending<io::Result<Metadata>>>;
static IN_FLIGHT: Mutex<Option<(PathBuf, Stat)>> = Mutex::new(None);

/// The file's state, judged: a `stat` within the deadline.
// Out of line, as every kind's exchange but HTTP's (`protocol::reply` says why).
#[inline(never)]
pub(super) fn check(path_and_query: &str, clock: Clock) -> Result<Answer, Failure> {
    let beat = heartbeat(path_and_query).map_err(Failure::Config)?;
    let shown = printable(beat.path.as_os_str().as_encoded_bytes(), 300);
    let pending = IN_FLIGHT
        .lock()
        .ok()
        .and_then(|mut kept| kept.take_if(|(path, _)| *path == beat.path));
    let stat = match pending {
        Some((_, stat)) => Ok(stat),
        None => {
            let path = beat.path.clone();
            Pending::start(move || std::fs::metadata(path))
        }
    };
    let metadata = match stat {
        Ok(stat) => match clock.left().and_then(|left| stat.wait(left)) {
            Some(metadata) => metadata,
            None => {
                if let Ok(mut kept) = IN_FLIGHT.lock() {
                    *kept = Some((beat.path.clone(), stat));
                }
                return Err(Failure::Timeout(format!(
                    "no answer from the file system about {shown}"
                )));
            }
        },
        // No thread to be had (a pids limit): the stat is made here, without the guard
        // against a stuck file system.
        Err(_) => std::fs::metadata(&beat.path),
    };
    let metadata = metadata.map_err(|e| {
        Failure::Unreachable(match e.kind() {
            io::ErrorKind::NotFound => format!("no file at {shown}"),
            _ => format!("cannot stat {shown}: {}", io_text(&e)),
        })
    })?;
    let Some(max) = beat.max_age else {
        return Ok(Answer::File(Said {
            ready: true,
            what: "exists".to_string(),
        }));
    };
    let modified = metadata.modified().map_err(|e| {
        Failure::Unreachable(format!("{shown}: no modification time ({})", io_text(&e)))
    })?;
    let max_text = duration::format(max);
    Ok(Answer::File(
        match SystemTime::now().duration_since(modified) {
            Ok(age) => Said {
                ready: age <= max,
                what: format!("modified {} ago (max {max_text})", duration::human(age)),
            },
            // The writer's clock, or this host's, is wrong: the age means nothing.
            Err(ahead) => Said {
                ready: false,
                what: format!(
                    "modified {} in the future (max {max_text}): a clock is wrong, the writer's \
                 or this host's",
                    duration::human(ahead.duration())
                ),
            },
        },
    ))
}
