//! `--unix-socket` off Linux. macOS: std's blocking connect, which cannot hang there, as
//! Linux's could on a full backlog (`../unix_socket.rs`): Darwin's kernel refuses a
//! connect to a listener with no room at once (ECONNREFUSED, which is what a hung app's
//! full backlog then reports: `unreachable`, not `timeout` as on Linux). Windows: none; std has no AF_UNIX there, and the
//! command line refuses the option first ([`UNAVAILABLE`]).

use std::io;
use std::path::Path;
use std::time::Instant;

#[cfg(unix)]
pub use std::os::unix::net::UnixStream;

/// Why `--unix-socket` cannot be used on Windows.
#[cfg(not(unix))]
pub const UNAVAILABLE: &str = "--unix-socket: the Windows build has no Unix domain sockets \
                               (Rust's std offers none there); probe the app's TCP port";

/// Connects to the socket at `path`. Never past the deadline: Darwin refuses at once.
#[cfg(unix)]
pub fn connect_within(path: &Path, _deadline: Instant) -> io::Result<UnixStream> {
    UnixStream::connect(path)
}

/// No Unix socket can be connected on Windows: a stream that cannot exist.
#[cfg(not(unix))]
#[derive(Debug)]
pub enum UnixStream {}

#[cfg(not(unix))]
impl UnixStream {
    pub fn set_read_timeout(&self, _: Option<std::time::Duration>) -> io::Result<()> {
        match *self {}
    }

    pub fn set_write_timeout(&self, _: Option<std::time::Duration>) -> io::Result<()> {
        match *self {}
    }
}

#[cfg(not(unix))]
impl io::Read for &UnixStream {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match **self {}
    }
}

#[cfg(not(unix))]
impl io::Write for &UnixStream {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        match **self {}
    }

    fn flush(&mut self) -> io::Result<()> {
        match **self {}
    }
}

#[cfg(not(unix))]
pub fn connect_within(_: &Path, _: Instant) -> io::Result<UnixStream> {
    Err(io::Error::new(io::ErrorKind::Unsupported, UNAVAILABLE))
}
