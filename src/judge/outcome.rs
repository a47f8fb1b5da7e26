//! What an exchange found, for the verdict to judge: an answer, or why there is none.

use std::net::SocketAddr;

/// What the target gave.
#[derive(Debug)]
pub enum Answer {
    /// An HTTP response.
    Http(Reply),
    /// A TCP connection was accepted (`tcp://` targets), from this address.
    Connected(SocketAddr),
    /// A gRPC server answered the health check (`grpc://`, `grpcs://`).
    Grpc(Health),
    /// A file's state (`file://`), judged there.
    File(Said),
    /// A server answered the first bytes of its protocol (`crate::protocol`).
    Spoke {
        peer: SocketAddr,
        protocol: &'static str,
        said: Said,
    },
}

/// An HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Present when a body check needs it.
    pub body: Option<Body>,
}

#[derive(Debug)]
pub struct Body {
    /// At most [`super::checks::BODY_CAP`] bytes.
    pub bytes: Vec<u8>,
    /// Whether the body went on past the cap.
    pub truncated: bool,
}

impl Reply {
    /// `200 OK`: the standard reason phrase, never the server's own text.
    pub fn status_line(&self) -> String {
        let reason = ureq::http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        format!("{} {reason}", self.status).trim_end().to_string()
    }
}

/// Why there is no answer to judge.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The deadline passed; the text names the phase (`no response head from …`).
    Timeout(String),
    /// No usable HTTP answer.
    Unreachable(String),
    /// The request could not even be built.
    Config(String),
}

/// What a server said in its own protocol, judged there.
#[derive(Debug, PartialEq, Eq)]
pub struct Said {
    /// Accepting connections.
    pub ready: bool,
    /// In words, with the server's own text (redacted and escaped) where it gave one.
    pub what: String,
}

/// A gRPC health answer, judged there.
#[derive(Debug, PartialEq, Eq)]
pub struct Health {
    /// The serving status's name (`SERVING`, `NOT_SERVING`, …), or the failed call's
    /// status code's (`NOT_FOUND`, `UNIMPLEMENTED`, …).
    pub status: &'static str,
    /// `SERVING`.
    pub ready: bool,
    /// What follows `STATUS from URL` in a reason: the service, `grpc-message`.
    pub what: String,
}
