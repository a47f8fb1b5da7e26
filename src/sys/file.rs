//! Files the operator names (`--secret-header`'s value, `--cacert`, `--cert`, `--key`):
//! regular files only, read up to a limit, never waited on.
//!
//! A FIFO in their place would block `open` until a writer came (past any deadline), and a
//! device such as `/dev/zero` would be read until memory ran out (an OOM kill in a
//! container). The file is opened without blocking and judged by what was opened, so it
//! cannot be swapped between a check and the read.

use std::fs::OpenOptions;
use std::io::{self, Read};
#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;
#[cfg(windows)]
use std::os::windows::fs::OpenOptionsExt;

/// `O_NONBLOCK` on every Linux platform healthprobe ships for (x86, ARM, POWER, s390x,
/// RISC-V; only Alpha, MIPS, PA-RISC and SPARC differ): opening a FIFO returns at once.
#[cfg(target_os = "linux")]
const O_NONBLOCK: i32 = 0o4000;
/// Darwin's.
#[cfg(target_os = "macos")]
const O_NONBLOCK: i32 = 0x0004;
/// None on Windows, whose open no FIFO can block (a named pipe with no server refuses at
/// once).
#[cfg(windows)]
const O_NONBLOCK: u32 = 0;

/// The contents of the regular file at `path`, at most `limit` bytes; errors are
/// one-line reasons that name the path, never the contents.
pub fn read_limited(path: &str, limit: u64) -> Result<Vec<u8>, String> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("cannot read {path:?}: {}", reason(&e)))?;
    let metadata = file
        .metadata()
        .map_err(|e| format!("cannot read {path:?}: {}", reason(&e)))?;
    if metadata.is_dir() {
        return Err(format!("cannot read {path:?}: it is a directory"));
    }
    if !metadata.is_file() {
        return Err(format!(
            "{path:?} is not a regular file (a FIFO or device could block or never end)"
        ));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {path:?}: {}", reason(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{path:?} is larger than {}", size(limit)));
    }
    Ok(bytes)
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// The OS's reason, in the words a user expects for the common cases.
pub fn reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}
