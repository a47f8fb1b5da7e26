//! Connecting to the resolved addresses, or to a Unix socket, within the deadline.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};

use ureq::unversioned::transport::{ConnectionDetails, Connector};
use ureq::{Error, Timeout};

use super::transport::{Connection, Stream};
use super::{Clock, SharedTrace, record};
use crate::sys::unix_socket::UnixStream;

/// Connects to the resolved addresses in turn, sharing what is left of the deadline
/// between those not yet tried, and moving on when one refuses.
#[derive(Debug)]
pub struct Dialer {
    pub clock: Clock,
    pub trace: SharedTrace,
    /// `--unix-socket`: connect here instead of to the resolved addresses.
    pub unix_socket: Option<PathBuf>,
}

impl Dialer {
    /// Connects to the first of `addrs` that accepts, recorded in the trace; returns the
    /// stream and the address it is connected to.
    pub fn dial(&self, addrs: &[SocketAddr]) -> Result<(TcpStream, SocketAddr), Error> {
        let mut last: Option<io::Error> = None;
        for (i, addr) in addrs.iter().enumerate() {
            let Some(left) = self.clock.left() else { break };
            let share = left / u32::try_from(addrs.len() - i).unwrap_or(1);
            match TcpStream::connect_timeout(addr, share) {
                Ok(stream) => {
                    record(&self.trace, |t| {
                        t.peer = Some(*addr);
                        t.connected = Some(self.clock.since_start());
                    });
                    return Ok((stream, *addr));
                }
                Err(e) => {
                    record(&self.trace, |t| t.refusals.push((*addr, e.kind())));
                    // A family this host has no address for (::1 in a container with IPv6
                    // off, where the default target goes on after 127.0.0.1) says nothing
                    // about the app: the error that does is the one reported.
                    let says_nothing = matches!(
                        e.kind(),
                        io::ErrorKind::AddrNotAvailable | io::ErrorKind::NetworkUnreachable
                    );
                    if last.is_none() || !says_nothing {
                        last = Some(e);
                    }
                }
            }
        }
        let last = last.unwrap_or_else(|| io::Error::from(io::ErrorKind::ConnectionRefused));
        if self.clock.left().is_none() || last.kind() == io::ErrorKind::TimedOut {
            return Err(Error::Timeout(Timeout::Connect));
        }
        Err(Error::Io(last))
    }
}

impl Dialer {
    /// Connects to a Unix domain socket, within the deadline (see `sys::unix_socket`).
    pub fn dial_unix(&self, path: &Path) -> Result<UnixStream, Error> {
        let stream = crate::sys::unix_socket::connect_within(path, self.clock.deadline).map_err(
            |e| match e.kind() {
                io::ErrorKind::TimedOut => Error::Timeout(Timeout::Connect),
                _ => Error::Io(e),
            },
        )?;
        record(&self.trace, |t| {
            t.connected = Some(self.clock.since_start())
        });
        Ok(stream)
    }
}

impl Connector for Dialer {
    type Out = Connection;

    fn connect(
        &self,
        details: &ConnectionDetails,
        _: Option<()>,
    ) -> Result<Option<Connection>, Error> {
        let stream = match &self.unix_socket {
            Some(path) => Stream::Unix(self.dial_unix(path)?),
            None => {
                let (stream, _) = self.dial(&details.addrs)?;
                // A TLS handshake is several small writes in a row: without NODELAY,
                // Nagle's algorithm meets the server's delayed ACK and stalls ~40 ms. A
                // plain request is one write, which Nagle never holds back.
                if details.needs_tls() {
                    stream.set_nodelay(true).map_err(Error::Io)?;
                }
                Stream::Tcp(stream)
            }
        };
        Ok(Some(Connection::new(
            stream,
            self.clock,
            self.trace.clone(),
        )))
    }
}
