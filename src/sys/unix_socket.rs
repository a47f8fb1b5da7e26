//! Connecting to a Unix domain socket (`--unix-socket`) within the deadline.
//!
//! A blocking connect(2) to a Unix socket whose listener's backlog is full — a hung app
//! that still listens — waits for room, with no timeout std can set beforehand. Run in
//! a thread and abandoned at the deadline, every attempt of a `--wait` left one thread
//! and one descriptor behind: 886 threads and 890 descriptors in 18 s, until the probe
//! itself ran out of descriptors. A non-blocking socket instead fails at once with
//! EAGAIN while the backlog is full (Linux never answers EINPROGRESS for Unix sockets),
//! so the connect is simply tried again, with short pauses, until the deadline: no
//! thread, one descriptor. std cannot make an unconnected non-blocking Unix socket,
//! hence the two system calls below.

use std::ffi::c_int;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
pub use std::os::unix::net::UnixStream;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

unsafe extern "C" {
    fn socket(domain: c_int, kind: c_int, protocol: c_int) -> c_int;
    fn connect(fd: c_int, address: *const SockaddrUn, length: u32) -> c_int;
}

/// `struct sockaddr_un`: the family, then a NUL-terminated path of at most 107 bytes.
#[repr(C)]
struct SockaddrUn {
    family: u16,
    path: [u8; 108],
}

const AF_UNIX: c_int = 1;
// The same on every platform healthprobe ships for (x86, ARM, POWER, s390x, RISC-V).
const SOCK_STREAM: c_int = 1;
const SOCK_NONBLOCK: c_int = 0o4000;
const SOCK_CLOEXEC: c_int = 0o2000000;

/// The longest pause between two tries: a listener that makes room is noticed soon.
const MAX_PAUSE: Duration = Duration::from_millis(20);

/// Connects to the socket at `path`, trying again while its backlog is full, until
/// `deadline` (then `TimedOut`). The stream returned blocks again (reads and writes are
/// bounded by their own timeouts).
pub fn connect_within(path: &Path, deadline: Instant) -> io::Result<UnixStream> {
    let bytes = path.as_os_str().as_bytes();
    let mut address = SockaddrUn {
        family: AF_UNIX as u16,
        path: [0; 108],
    };
    if bytes.len() >= address.path.len() || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a Unix socket path is at most 107 bytes, without NUL",
        ));
    }
    address.path[..bytes.len()].copy_from_slice(bytes);
    let length = (std::mem::size_of::<u16>() + bytes.len() + 1) as u32;

    // SAFETY: socket(2) takes no pointers. A non-negative result is a new descriptor that
    // nothing else owns, so OwnedFd may own (and close) it.
    let socket = unsafe {
        let fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        OwnedFd::from_raw_fd(fd)
    };
    let mut pause = Duration::from_millis(1);
    loop {
        // SAFETY: `address` is an initialised sockaddr_un that outlives the call, and
        // `length` (family, path, its NUL) lies within it.
        if unsafe { connect(socket.as_raw_fd(), &address, length) } == 0 {
            break;
        }
        let error = io::Error::last_os_error();
        match error.kind() {
            // The backlog is full: room may come before the deadline.
            io::ErrorKind::WouldBlock => {}
            io::ErrorKind::Interrupted => continue,
            _ => return Err(error),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        thread::sleep(pause.min(left));
        pause = (pause * 2).min(MAX_PAUSE);
    }
    let stream = UnixStream::from(socket);
    stream.set_nonblocking(false)?;
    Ok(stream)
}
