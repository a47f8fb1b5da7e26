//! The network under every protocol: name resolution, connection, socket I/O and the
//! bounded reader, each bounded by the one deadline and each recording how far it got, so
//! that a timeout can name its phase and `--verbose` can show timings.
//!
//! ureq's own resolver spawns a thread for every lookup that has a timeout, IP literals
//! included, and its transport allocates 128 KiB buffers; a probe needs neither.

mod abandon;
mod bounded;
mod clock;
mod dial;
mod resolve;
mod transport;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use abandon::Pending;
pub use bounded::{Bounded, TOO_LONG, Unread};
// For the fuzz harness, which is Unix's.
#[cfg(unix)]
pub use bounded::REPLY_CAP;
pub use clock::Clock;
pub use dial::Dialer;
pub use resolve::{Host, HostResolver, NoThread, resolver_named};
#[cfg(feature = "tls")]
pub use transport::Handshaken;
pub use transport::Stream;

/// Bytes for the request head (ureq sends a larger one in pieces).
pub const OUTPUT_BUFFER: usize = 32 * 1024;
/// Bytes for reading; the response head must fit in [`MAX_HEAD`].
pub const INPUT_BUFFER: usize = 32 * 1024;
/// The largest response head accepted: far beyond any health endpoint's.
pub const MAX_HEAD: usize = 16 * 1024;

/// How far the exchange got, and when (measured from the start of the probe).
#[derive(Debug, Default, Clone)]
pub struct Trace {
    pub addrs: Vec<SocketAddr>,
    pub resolved: Option<Duration>,
    /// Why each address that failed to connect did.
    pub refusals: Vec<(SocketAddr, io::ErrorKind)>,
    pub peer: Option<SocketAddr>,
    pub connected: Option<Duration>,
    /// The TLS handshake completed (https:// only).
    pub handshake: bool,
    pub sent: bool,
    pub first_byte: Option<Duration>,
}

/// The trace, shared between the parts ureq owns and the probe that reads it afterwards.
pub type SharedTrace = Arc<Mutex<Trace>>;

pub fn record(trace: &SharedTrace, f: impl FnOnce(&mut Trace)) {
    // A poisoned lock cannot happen (panics abort), but a trace is never worth a crash.
    if let Ok(mut t) = trace.lock() {
        f(&mut t);
    }
}
