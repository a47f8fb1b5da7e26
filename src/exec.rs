//! `-- COMMAND [ARG...]`: once healthy, the process becomes COMMAND, as an entrypoint's
//! `exec` would, without a shell: found here as `execvp` finds it, then started by
//! `main` with `execve` (`sys::process::exec`) in place of the probe, so it keeps the PID (PID 1 in a
//! container, where `docker stop`'s SIGTERM reaches it), the environment the probe was
//! started with, and the standard descriptors; every other descriptor is close-on-exec.

use std::ffi::{OsStr, c_int};
#[cfg(unix)]
use std::os::unix::{ffi::OsStrExt, fs::PermissionsExt};
use std::path::{Path, PathBuf};

use crate::sanitize::{io_text, printable};

/// Why COMMAND could not be started: a shell's exit code for it (127 not found, 126
/// found but not executable) and the reason, in words.
pub struct Unstartable {
    pub code: c_int,
    pub reason: String,
}

/// The default PATH when the environment has none, as musl's `execvp` has it (a
/// `scratch` image sets no PATH unless its Dockerfile does).
#[cfg(unix)]
const DEFAULT_PATH: &[u8] = b"/usr/local/bin:/bin:/usr/bin";

/// Where COMMAND is: itself when it holds a `/`, else the first executable file of that
/// name in the directories of `path` (`PATH`; an empty entry is the current directory),
/// as `execvp` searches. Looked up before the verdict is reported, so that a command
/// that cannot start is the run's one report, not a second one after "healthy".
#[cfg(unix)]
pub fn find(command: &OsStr, path: Option<&OsStr>) -> Result<PathBuf, Unstartable> {
    let found = search(command, path)?;
    starts_as_a_program(&found)?;
    Ok(found)
}

/// Refuses, before the verdict, a file `execve` would refuse with ENOEXEC: one that is
/// neither a binary (ELF) nor a script whose first line names its interpreter (`#!`).
/// `execvp` and shells run such a file with `/bin/sh`; healthprobe starts no shell (a
/// `scratch` or distroless image has none, and an entrypoint that silently needed one
/// would break there), so it says what to add. A file it cannot read is left to `execve`.
#[cfg(unix)]
fn starts_as_a_program(found: &Path) -> Result<(), Unstartable> {
    use std::io::Read;
    let mut head = [0u8; 4];
    let Ok(read) = std::fs::File::open(found).and_then(|mut f| f.read(&mut head)) else {
        return Ok(());
    };
    if head[..read].starts_with(b"\x7fELF") || head[..read].starts_with(b"#!") {
        return Ok(());
    }
    Err(Unstartable {
        code: 126,
        reason: format!(
            "cannot start {:?}: neither a binary nor a script starting with #! (a shell \
             would run it with /bin/sh; healthprobe starts no shell: make #!/bin/sh its \
             first line)",
            printable(found.as_os_str().as_bytes(), 300)
        ),
    })
}

/// [`find`]'s search, as `execvp`'s.
#[cfg(unix)]
fn search(command: &OsStr, path: Option<&OsStr>) -> Result<PathBuf, Unstartable> {
    let shown = printable(command.as_bytes(), 200);
    let runnable = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if command.as_bytes().contains(&b'/') {
        let p = PathBuf::from(command);
        return match p.metadata() {
            Err(_) => Err(Unstartable {
                code: 127,
                reason: format!("cannot start {shown:?}: no such file"),
            }),
            Ok(_) if runnable(&p) => Ok(p),
            Ok(_) => Err(Unstartable {
                code: 126,
                reason: format!("cannot start {shown:?}: not an executable file"),
            }),
        };
    }
    let path = path.map_or(DEFAULT_PATH, OsStr::as_bytes);
    let mut not_executable = None;
    for dir in path.split(|&b| b == b':') {
        let dir: &[u8] = if dir.is_empty() { b"." } else { dir };
        let candidate = Path::new(OsStr::from_bytes(dir)).join(command);
        if runnable(&candidate) {
            return Ok(candidate);
        }
        if candidate.is_file() {
            not_executable.get_or_insert(candidate);
        }
    }
    let searched = printable(path, 300);
    Err(match not_executable {
        Some(found) => Unstartable {
            code: 126,
            reason: format!(
                "cannot start {shown:?}: {} is not executable (PATH={searched})",
                printable(found.as_os_str().as_bytes(), 300)
            ),
        },
        None => Unstartable {
            code: 127,
            reason: format!("cannot start {shown:?}: not found in PATH={searched}"),
        },
    })
}

/// On Windows a process cannot become another (no `execve`): the form is refused before
/// any probe, as a command that cannot start is.
#[cfg(windows)]
pub fn find(_: &OsStr, _: Option<&OsStr>) -> Result<PathBuf, Unstartable> {
    Err(Unstartable {
        code: 1,
        reason: "-- COMMAND: Windows has no exec, so healthprobe cannot become the command; \
                 run it after the probe instead: healthprobe URL && COMMAND"
            .to_string(),
    })
}

/// Why `execve` of `path` failed, once [`find`] had found it.
pub fn failed(path: &Path, error: &std::io::Error) -> Unstartable {
    Unstartable {
        code: 126,
        reason: format!(
            "cannot start {:?}: {}",
            printable(path.as_os_str().as_encoded_bytes(), 300),
            io_text(error)
        ),
    }
}
