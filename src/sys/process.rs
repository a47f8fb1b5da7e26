//! The process entry: what std's runtime start would do, minus what a probe never needs.
//!
//! std's `main` start-up installs a stack-overflow handler (an alternate signal stack
//! and four signal actions), polls the three standard descriptors and unblocks signals:
//! system calls a probe never needs, undone again at exit (docs/performance.md has what
//! they cost). The binary therefore starts at C's `main`
//! (`#![no_main]`) and does here the things it does need: read its arguments and the
//! environment variables it looks at, and ignore SIGPIPE so that a closed stdout is an
//! error to ignore rather than a death.
//! Without the handler a stack overflow still ends in SIGSEGV at the kernel's guard gap,
//! only without std's message; the probe's recursion is bounded (serde_json's depth cap).
//! It also ends through `_exit`, for the reason given at [`exit`].

use std::ffi::{CStr, OsStr, OsString, c_char, c_int, c_ulong, c_void};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Instant;

pub use super::reports::{claim_report, report_fd, report_in_json, report_to_stderr};

unsafe extern "C" {
    /// The C runtime's environment: a null-terminated array of `NAME=value` strings.
    static mut environ: *const *const c_char;
    /// libc's `signal(2)` wrapper; the handler is a plain address (`SIG_IGN` is 1).
    fn signal(signum: c_int, handler: usize) -> usize;
    /// Only to read a disposition (`act` null): [`SigAction`] is musl's `struct sigaction`.
    fn sigaction(signum: c_int, act: *const SigAction, old: *mut SigAction) -> c_int;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    fn poll(fds: *mut c_void, count: c_ulong, timeout: c_int) -> c_int;
    fn execve(path: *const c_char, argv: *const *const c_char, envp: *const *const c_char)
    -> c_int;
    fn _exit(status: c_int) -> !;
}

const SIGHUP: c_int = 1;
const SIGINT: c_int = 2;
const SIGPIPE: c_int = 13;
const SIGTERM: c_int = 15;
const SIG_DFL: usize = 0;
const SIG_IGN: usize = 1;

/// musl's `struct sigaction`, the same on every architecture it supports (the kernel's
/// differing layouts are musl's own business): the handler, a 128-byte signal set, the
/// flags and the restorer.
#[repr(C)]
struct SigAction {
    handler: usize,
    mask: [c_ulong; 128 / std::mem::size_of::<c_ulong>()],
    flags: c_int,
    restorer: usize,
}

/// Whether the process was started with SIGPIPE ignored, which `execve` keeps: then the
/// command gets it ignored too, as a shell's `exec` would pass it on.
static SIGPIPE_INHERITED_IGNORED: AtomicBool = AtomicBool::new(false);

/// The signals (bit `1 << signum`) whose disposition `--wait`'s stop handler replaced:
/// each was at its default action before, and is given it back before `execve`.
static STOP_HANDLED: AtomicU32 = AtomicU32::new(0);

/// The arguments after the program name, as the C runtime passed them to `main`.
///
/// # Safety
/// `argc` and `argv` must be those the C runtime passed to `main`: `argv` holds `argc`
/// pointers to NUL-terminated strings that live for the whole process.
unsafe fn args(argc: c_int, argv: *const *const c_char) -> Vec<OsString> {
    let count = usize::try_from(argc).unwrap_or(0);
    (1..count)
        .map(|i| {
            // SAFETY: i < argc, and each of those entries is a valid C string (see above).
            let arg = unsafe { CStr::from_ptr(*argv.add(i)) };
            OsStr::from_bytes(arg.to_bytes()).to_os_string()
        })
        .collect()
}

/// The environment variables that start with one of `kept` (`NAME=value` entries, so
/// `"PORT="` keeps `PORT` alone), as the C runtime passed them to `main`, in one pass.
///
/// `std::env::var_os` has libc's `getenv` compare the name with every variable, once per
/// lookup. A probe looks up a dozen names, and a Kubernetes pod's environment holds
/// several variables for every Service in its namespace, so the lookups grow with every
/// variable (docs/performance.md). Here most variables cost one byte compared per
/// prefix.
///
/// # Safety
/// `envp` must be the environment the C runtime passed to `main`: a null-terminated array
/// of NUL-terminated strings that live for the whole process (the probe never calls
/// `setenv`, and even that would not free them); and no prefix in `kept` holds a NUL.
unsafe fn variables(envp: *const *const c_char, kept: &[&str]) -> Variables {
    let mut found = Vec::new();
    for i in 0.. {
        // SAFETY: the array is null-terminated and `i` stops at the null (see above).
        let entry = unsafe { *envp.add(i) };
        if entry.is_null() {
            break;
        }
        let starts_with = |prefix: &&str| {
            (prefix.bytes().enumerate()).all(|(at, byte)| {
                // SAFETY: the comparison stops at the first byte that differs, at the
                // latest at the string's NUL, which no prefix holds; so no byte past the
                // NUL is read.
                let read = unsafe { *entry.add(at) };
                read as u8 == byte
            })
        };
        if kept.iter().any(starts_with) {
            // SAFETY: a NUL-terminated string that lives as long as the process (above).
            let entry: &'static [u8] = unsafe { CStr::from_ptr(entry) }.to_bytes();
            if let Some(at) = entry.iter().position(|&b| b == b'=') {
                found.push((&entry[..at], &entry[at + 1..]));
            }
        }
    }
    Variables(found)
}

/// Empties the process's environment, once [`variables`] has kept what the probe reads, so
/// that nothing else acts on a variable the probe does not document.
///
/// ureq reads and parses eight proxy variables whenever its configuration is made, only
/// for the probe to switch proxies off: a scan of the whole environment per variable,
/// so more in a crowded one (docs/performance.md). The strings stay where they are; only
/// the array libc and std search is replaced by an empty one.
///
/// # Safety
/// No other thread may be running (nothing reads `environ` while it is written).
unsafe fn clear_environment() {
    /// An empty environment: the terminating null alone.
    static EMPTY: [usize; 1] = [0];
    // SAFETY: single-threaded (see above); EMPTY is a null-terminated array of pointers
    // (a null pointer is all-zero bits), static, and never written through.
    unsafe { environ = EMPTY.as_ptr().cast() };
}

/// The variables [`variables`] kept, first occurrence first (as `getenv` finds them).
pub struct Variables(Vec<(&'static [u8], &'static [u8])>);

impl Variables {
    pub fn get(&self, name: &str) -> Option<OsString> {
        self.0
            .iter()
            .find(|(n, _)| *n == name.as_bytes())
            .map(|(_, value)| OsStr::from_bytes(value).to_os_string())
    }

    /// The names of the `HEALTHPROBE_*` (and `healthprobe_*`) variables kept (a name that
    /// is not UTF-8 cannot be one healthprobe reads, and is shown lossily).
    pub fn names(&self) -> Vec<String> {
        self.0
            .iter()
            .filter(|(name, _)| name.to_ascii_uppercase().starts_with(b"HEALTHPROBE_"))
            .map(|(name, _)| String::from_utf8_lossy(name).into_owned())
            .collect()
    }
}

/// Ends the process now. libc's `exit` would run C's at-exit work, none of which a probe
/// has (the report is written and flushed, and nothing registers at-exit handlers), and
/// `_fini`, whose few bytes sit at the far end of the code: calling it paged in one more
/// window of the binary, peak RSS for nothing.
pub fn exit(code: c_int) -> ! {
    // SAFETY: _exit(2) has no preconditions; nothing is left to flush (see above).
    unsafe { _exit(code) }
}

/// Writes to a closed pipe then fail with EPIPE, which the report ignores, instead of
/// killing the process before it can exit with its verdict. What it replaces is kept for
/// [`exec`].
pub fn ignore_sigpipe() {
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions and touches
    // no memory of ours.
    let inherited = unsafe { signal(SIGPIPE, SIG_IGN) };
    SIGPIPE_INHERITED_IGNORED.store(inherited == SIG_IGN, Ordering::Relaxed);
}

/// Whether `signum` is ignored now: the parent's choice, as `nohup` ignores SIGHUP.
fn ignored(signum: c_int) -> bool {
    // SAFETY: all-zero bytes are a valid `SigAction` (integers and an array of them).
    let mut old: SigAction = unsafe { std::mem::zeroed() };
    // SAFETY: a null `act` only reads the disposition into `old`, a valid, writable
    // `struct sigaction` of musl's layout (above).
    let read = unsafe { sigaction(signum, std::ptr::null(), &mut old) };
    read == 0 && old.handler == SIG_IGN
}

/// The report the signal handler writes: `before`, the milliseconds waited, `after`.
struct StopReport {
    started: Instant,
    before: String,
    after: String,
}

static STOP_REPORT: OnceLock<StopReport> = OnceLock::new();

/// Ends the run when memory cannot be had (an address-space limit, `ulimit -v`, a
/// container's memory limit): one `error:` report, or its JSON object, and exit 1 —
/// not std's "memory allocation failed" and an abort (exit 134, no verdict). Called by
/// the allocator (`arena`) instead of returning null, so no caller has to handle it.
pub fn out_of_memory() -> ! {
    if claim_report() {
        let text = super::reports::out_of_memory();
        // SAFETY: write(2) with a pointer and length of a static string.
        unsafe { write(report_fd(), text.as_ptr().cast(), text.len()) };
    }
    exit(1)
}

/// Makes every allocation failure the run's out-of-memory verdict ([`out_of_memory`]),
/// including those of the allocations std makes with the system allocator rather than
/// the global one: a thread's handle (`std::thread::Thread`) comes from musl's malloc,
/// which under a tight address-space limit (`prlimit --as=1792000`, two targets) failed
/// with std's "memory allocation of 64 bytes failed" and an abort (exit 134, no verdict).
/// The arena itself never fails (`arena::or_exit`). Needs std's unstable hook, so only
/// where the toolchain is a nightly (build.rs): a stable build still aborts there.
fn report_allocation_failures() {
    #[cfg(alloc_error_hook)]
    std::alloc::set_alloc_error_hook(|_| out_of_memory());
}

/// Never returns: for a thread that lost [`claim_report`] to the signal handler, which
/// ends the process.
pub fn wait_for_exit() -> ! {
    loop {
        std::thread::park();
    }
}

/// During `--wait`, SIGTERM, SIGINT and SIGHUP (a closed terminal) end the wait at once
/// with exit 1 and one report, `before` + milliseconds waited + `after` (in the run's
/// format), rather than killing the process with no verdict. A signal the process was
/// started with ignored stays ignored: the parent chose that (`nohup` for SIGHUP, a
/// supervisor for SIGINT), and it passes on to a command.
pub fn exit_on_termination(before: String, after: String) {
    extern "C" fn stop(_: c_int) {
        if !claim_report() {
            // The final report is being written, and the process exits after it.
            return;
        }
        if let Some(report) = STOP_REPORT.get() {
            // No allocation here: the digits go into a buffer on the stack.
            let mut digits = [0u8; 20];
            let mut at = digits.len();
            let mut ms = report.started.elapsed().as_millis();
            loop {
                at -= 1;
                digits[at] = b'0' + (ms % 10) as u8;
                ms /= 10;
                if ms == 0 || at == 0 {
                    break;
                }
            }
            for part in [
                report.before.as_bytes(),
                &digits[at..],
                report.after.as_bytes(),
            ] {
                // SAFETY: write(2) is async-signal-safe; `part` is valid for its length.
                unsafe { write(report_fd(), part.as_ptr().cast(), part.len()) };
            }
        }
        // SAFETY: _exit(2) is async-signal-safe.
        unsafe { _exit(1) };
    }
    let _ = STOP_REPORT.set(StopReport {
        started: Instant::now(),
        before,
        after,
    });
    for signum in [SIGTERM, SIGINT, SIGHUP] {
        if ignored(signum) {
            continue;
        }
        STOP_HANDLED.fetch_or(1 << signum, Ordering::Relaxed);
        // SAFETY: `stop` is an `extern "C" fn(c_int)`, the handler type signal(2) expects,
        // and does only async-signal-safe things: atomics, reading a set OnceLock, the
        // monotonic clock, write(2) and _exit(2).
        unsafe { signal(signum, stop as extern "C" fn(c_int) as usize) };
    }
}

/// Gives each of the standard descriptors 0–2 that the process was started without
/// something to point at: `/dev/null`, or where that cannot be opened (an empty root, a
/// `scratch` image without `/dev`) a pipe. Otherwise the probe's socket would be given
/// descriptor 1, and the report — or a signal's stop report — would be sent to the
/// server instead of the runtime. One poll(2) tells which are closed (POLLNVAL); a new
/// descriptor takes the lowest free number, so each one made fills the next closed one.
fn open_standard_descriptors() {
    #[repr(C)]
    struct PollFd {
        fd: c_int,
        events: i16,
        revents: i16,
    }
    const POLLNVAL: i16 = 0x20;
    let mut fds = [0, 1, 2].map(|fd| PollFd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `fds` is an array of three initialised pollfd structs, alive for the call;
    // a zero timeout returns at once.
    if unsafe { poll(fds.as_mut_ptr().cast(), 3, 0) } < 0 {
        return;
    }
    // Which of 0–2 a pipe made below has filled already.
    let mut filled = [false; 3];
    for fd in fds.iter().filter(|fd| fd.revents & POLLNVAL != 0) {
        let at = fd.fd as usize;
        if filled[at] {
            continue;
        }
        let opened = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null");
        match opened {
            // Kept open for the life of the process: it *is* descriptor `fd` now.
            Ok(file) if file.as_raw_fd() == fd.fd => std::mem::forget(file),
            Ok(_) => return,
            Err(_) => {
                // Both ends of a pipe: the first takes `fd`, the second is kept only if it
                // fills another closed standard descriptor. A report written to a pipe's
                // read end fails, one written to its write end stays in the pipe: either
                // way it reaches no socket.
                let Ok((reader, writer)) = std::io::pipe() else {
                    return;
                };
                for end in [OwnedFd::from(reader), OwnedFd::from(writer)] {
                    match usize::try_from(end.as_raw_fd()) {
                        Ok(n) if n <= 2 => {
                            filled[n] = true;
                            std::mem::forget(end);
                        }
                        _ => drop(end),
                    }
                }
            }
        }
    }
}

/// Gives the signals `--wait`'s handler took back their default actions, once the
/// process is to become a command: a signal between the verdict and the `execve` must
/// end the process, starting nothing, rather than meet the handler, which stays quiet
/// once the verdict is being reported. The others it never touched: the command gets
/// every disposition the probe was started with.
pub fn default_termination() {
    let handled = STOP_HANDLED.load(Ordering::Relaxed);
    for signum in [SIGTERM, SIGINT, SIGHUP] {
        if handled & 1 << signum != 0 {
            // SAFETY: setting a signal's disposition to SIG_DFL has no preconditions and
            // touches no memory of ours.
            unsafe { signal(signum, SIG_DFL) };
        }
    }
}

/// Replaces the process with `path`, given `args` (COMMAND first) and the environment
/// the process was started with, SIGPIPE's disposition as the process was started with
/// it. Returns only when `execve` fails, with its error.
///
/// # Safety
/// `envp` must be the environment the C runtime passed to `main`: a null-terminated
/// array of NUL-terminated strings that live for the whole process. Other threads may
/// run: `execve` ends them.
unsafe fn exec(path: &Path, args: &[OsString], envp: *const *const c_char) -> std::io::Error {
    let c_string = |bytes: &[u8]| std::ffi::CString::new(bytes.to_vec()).ok();
    let program = c_string(path.as_os_str().as_bytes());
    let argv: Option<Vec<std::ffi::CString>> =
        args.iter().map(|a| c_string(a.as_bytes())).collect();
    let (Some(program), Some(argv)) = (program, argv) else {
        // The C runtime's arguments hold no NUL; only a caller's own could.
        return std::io::ErrorKind::InvalidInput.into();
    };
    let mut pointers: Vec<*const c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    pointers.push(std::ptr::null());
    // SIGPIPE, which the probe ignores, would stay ignored across execve: the command gets
    // back what the probe was given, the default unless the parent ignored it. (Only now:
    // a report to a closed pipe must not kill the probe.)
    if !SIGPIPE_INHERITED_IGNORED.load(Ordering::Relaxed) {
        // SAFETY: setting a signal's disposition has no preconditions.
        unsafe { signal(SIGPIPE, SIG_DFL) };
    }
    // SAFETY: `program` is a NUL-terminated string, `pointers` a null-terminated array of
    // NUL-terminated strings, both alive for the call; `envp` is the runtime's (above).
    unsafe { execve(program.as_ptr(), pointers.as_ptr(), envp) };
    std::io::Error::last_os_error()
}

/// What the process does once its run is decided: exit with a code, or become a command
/// (`-- COMMAND`); should `execve` fail, `failed` reports why and gives the exit code.
pub enum Then {
    Exit(c_int),
    Become {
        path: std::path::PathBuf,
        command: Vec<OsString>,
        failed: Box<dyn FnOnce(&std::io::Error) -> c_int>,
    },
}

/// The whole process from C's `main`: the start-up a probe needs (SIGPIPE ignored,
/// allocation failures reported, the standard descriptors open), the arguments and the
/// variables kept, the environment cleared, then `run`, and its exit or `execve`.
///
/// # Safety
/// `argc`, `argv` and `envp` must be those the C runtime passed to `main` (see [`args`],
/// [`variables`] and [`exec`]), and no other thread may run yet.
pub unsafe fn start(
    argc: c_int,
    argv: *const *const c_char,
    envp: *const *const c_char,
    kept: &[&str],
    run: fn(Vec<OsString>, &Variables) -> Then,
) -> c_int {
    ignore_sigpipe();
    report_allocation_failures();
    open_standard_descriptors();
    // SAFETY: the caller passes the C runtime's own arguments and environment, with no
    // other thread running.
    let (argv, variables) = unsafe {
        let kept = (args(argc, argv), variables(envp, kept));
        clear_environment();
        kept
    };
    match run(argv, &variables) {
        Then::Exit(code) => exit(code),
        Then::Become {
            path,
            command,
            failed,
        } => {
            // SAFETY: `envp` is the runtime's environment (above): its array and strings
            // live for the whole process (`clear_environment` replaced only `environ`,
            // the pointer libc searches).
            let error = unsafe { exec(&path, &command, envp) };
            exit(failed(&error))
        }
    }
}

/// The binary's entry point and allocator, for `src/main.rs`: C's `main`, which hands the
/// process to [`start`] with `run` and the variables `kept`, and the
/// [`arena`](super::arena) as the global allocator, in the section `link/arena.ld` places
/// after every other static. A macro, so that this `unsafe` stays in `sys/` while the
/// symbols are the binary's own.
#[macro_export]
macro_rules! entry {
    ($run:path, $kept:expr) => {
        /// See `healthprobe::sys::arena`: no system call per allocation, fewer pages
        /// touched.
        #[global_allocator]
        #[allow(unsafe_code)]
        #[unsafe(link_section = ".bss.~arena")]
        static ALLOCATOR: $crate::sys::arena::Arena = $crate::sys::arena::Arena::new();

        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        extern "C" fn main(
            argc: ::std::ffi::c_int,
            argv: *const *const ::std::ffi::c_char,
            envp: *const *const ::std::ffi::c_char,
        ) -> ::std::ffi::c_int {
            // SAFETY: these are the arguments and the environment the C runtime passed to
            // this very `main`, and no other thread runs yet.
            unsafe { $crate::sys::process::start(argc, argv, envp, $kept, $run) }
        }
    };
}
