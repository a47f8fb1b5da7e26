//! The process on every system but Linux (macOS, Windows; and Linux with the test feature
//! `portable-sys`): std's own start-up and allocator, where Linux's variant
//! (`../process.rs`) replaces them to save system calls and pages on every probe.
//!
//! What std's start-up does here in place of Linux's own: it ignores SIGPIPE on Unix (a
//! closed stdout is an error, not a death) and gives closed standard descriptors
//! `/dev/null`; Windows has neither problem. What this variant leaves out, and why
//! (docs/platforms.md): the environment is not cleared (nothing of the probe reads a
//! variable it does not document, and a command started with `-- COMMAND` inherits it as
//! is); and a signal during `--wait` ends the process by its default action, without the
//! stop report Linux's handler writes (a person at a terminal pressed Ctrl-C; container
//! runtimes run the Linux build).

use std::ffi::{OsString, c_int};
use std::io::Write;
use std::path::PathBuf;

pub use super::reports::{claim_report, report_fd, report_in_json, report_to_stderr};

/// The variables of the environment whose `NAME=` starts with one of `kept` (`"PORT="`
/// keeps `PORT` alone), in the environment's order. Windows's names are upper-cased
/// first: there `Path` and `healthprobe_timeout` are the same variables as `PATH` and
/// `HEALTHPROBE_TIMEOUT`.
fn variables(kept: &[&str]) -> Variables {
    Variables(
        std::env::vars_os()
            .map(|(mut name, value)| {
                if cfg!(windows) {
                    name.make_ascii_uppercase();
                }
                (name, value)
            })
            .filter(|(name, _)| {
                let mut entry = name.as_encoded_bytes().to_vec();
                entry.push(b'=');
                kept.iter()
                    .any(|prefix| entry.starts_with(prefix.as_bytes()))
            })
            .collect(),
    )
}

/// The variables [`variables`] kept, first occurrence first.
pub struct Variables(Vec<(OsString, OsString)>);

impl Variables {
    pub fn get(&self, name: &str) -> Option<OsString> {
        self.0
            .iter()
            .find(|(n, _)| n.as_encoded_bytes() == name.as_bytes())
            .map(|(_, value)| value.clone())
    }

    /// The names of the `HEALTHPROBE_*` (and `healthprobe_*`) variables kept (a name that
    /// is not UTF-8 cannot be one healthprobe reads, and is shown lossily).
    pub fn names(&self) -> Vec<String> {
        self.0
            .iter()
            .filter(|(name, _)| {
                (name.as_encoded_bytes().to_ascii_uppercase()).starts_with(b"HEALTHPROBE_")
            })
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect()
    }
}

/// Ends the process now, with `code`.
pub fn exit(code: c_int) -> ! {
    std::process::exit(code)
}

/// std's start-up ignores SIGPIPE on Unix already (Windows has none): for the fuzz
/// harness's peer, which Linux's variant must ask for it.
pub fn ignore_sigpipe() {}

/// Ends the run when memory cannot be had: one `error:` report, or its JSON object, and
/// exit 1, as Linux's variant does (its text is theirs). Should std's stdout need memory
/// for its buffer, the hook comes back here, finds the report claimed, and exits 1.
pub fn out_of_memory() -> ! {
    if claim_report() {
        let text = super::reports::out_of_memory();
        let _ = match report_fd() {
            2 => std::io::stderr().write_all(text.as_bytes()),
            _ => {
                let mut out = std::io::stdout();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
        };
    }
    exit(1)
}

/// Never returns: for a thread that lost [`claim_report`].
pub fn wait_for_exit() -> ! {
    loop {
        std::thread::park();
    }
}

/// Linux's variant stops a `--wait` on SIGTERM, SIGINT or SIGHUP with a report; here the
/// signal's default action ends the process (see the module's notes).
pub fn exit_on_termination(_before: String, _after: String) {}

/// Nothing to give back: [`exit_on_termination`] replaced no disposition.
pub fn default_termination() {}

/// What the process does once its run is decided: exit with a code, or become a command
/// (`-- COMMAND`, Unix only); should that fail, `failed` reports why and gives the exit
/// code.
pub enum Then {
    Exit(c_int),
    Become {
        path: PathBuf,
        command: Vec<OsString>,
        failed: Box<dyn FnOnce(&std::io::Error) -> c_int>,
    },
}

/// Replaces the process with `path`, given `command` (COMMAND first) and the process's
/// environment. Returns only when that fails, with its error.
#[cfg(unix)]
fn become_command(path: &std::path::Path, command: &[OsString]) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    std::process::Command::new(path)
        .arg0(&command[0])
        .args(&command[1..])
        .exec()
}

/// Windows cannot replace a process (`exec::find` refuses `-- COMMAND` there first).
#[cfg(not(unix))]
fn become_command(_: &std::path::Path, _: &[OsString]) -> std::io::Error {
    std::io::ErrorKind::Unsupported.into()
}

/// The whole process from std's `main`: allocation failures reported, the arguments and
/// the variables kept, then `run`, and its exit or the command it becomes.
pub fn start(kept: &[&str], run: fn(Vec<OsString>, &Variables) -> Then) -> ! {
    #[cfg(alloc_error_hook)]
    std::alloc::set_alloc_error_hook(|_| out_of_memory());
    let argv = std::env::args_os().skip(1).collect();
    match run(argv, &variables(kept)) {
        Then::Exit(code) => exit(code),
        Then::Become {
            path,
            command,
            failed,
        } => exit(failed(&become_command(&path, &command))),
    }
}

/// The binary's entry point, for `src/main.rs`: std's `main`, which hands the process to
/// [`start`] with `run` and the variables `kept`. The allocator is std's.
#[macro_export]
macro_rules! entry {
    ($run:path, $kept:expr) => {
        fn main() {
            $crate::sys::process::start($kept, $run)
        }
    };
}
