//! Scripted HTTP/2 peers for `grpc://`: the frames a gRPC server sends, written by hand,
//! for the behaviours no real server shows (tests/grpc.rs) and for the platforms' tests.

use std::io::Read;
use std::time::Duration;

use super::{Conn, Server};

pub const SETTINGS: u8 = 4;

pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = (payload.len() as u32).to_be_bytes()[1..].to_vec();
    out.extend_from_slice(&[kind, flags]);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// An HPACK literal field without indexing, new name, no Huffman code.
pub fn literal(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.push(0);
    for bytes in [name.as_bytes(), value] {
        assert!(bytes.len() < 127);
        out.push(bytes.len() as u8);
        out.extend_from_slice(bytes);
    }
}

/// Reads the client's preface and frames up to its request's end (DATA, END_STREAM).
pub fn read_request(c: &mut Conn) -> bool {
    let _ = c.stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut preface = [0u8; 24];
    if c.stream.read_exact(&mut preface).is_err() || &preface[..3] != b"PRI" {
        return false;
    }
    loop {
        let mut head = [0u8; 9];
        if c.stream.read_exact(&mut head).is_err() {
            return false;
        }
        let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
        let mut payload = vec![0; len];
        if c.stream.read_exact(&mut payload).is_err() {
            return false;
        }
        if head[3] == 0 && head[4] & 1 == 1 {
            return true;
        }
    }
}

/// A peer that reads the request, then sends `answer` and keeps the connection open.
pub fn peer(answer: impl Fn() -> Vec<u8> + Send + Sync + 'static) -> Server {
    Server::raw(move |c| {
        if read_request(c) {
            c.send(&frame(SETTINGS, 0, 0, &[]));
            c.send(&answer());
            c.hang();
        }
    })
}

/// The response headers for stream 1 (`:status 200`, gRPC's content type).
pub fn response_headers() -> Vec<u8> {
    let mut block = Vec::new();
    literal(&mut block, ":status", b"200");
    literal(&mut block, "content-type", b"application/grpc");
    frame(1, 4, 1, &block)
}

pub fn trailers(status: &str, message: &[u8]) -> Vec<u8> {
    let mut block = Vec::new();
    literal(&mut block, "grpc-status", status.as_bytes());
    literal(&mut block, "grpc-message", message);
    frame(1, 4 | 1, 1, &block)
}

/// A peer that answers SERVING, as a gRPC health server does.
pub fn serving() -> Server {
    peer(|| {
        let mut out = response_headers();
        out.extend(frame(0, 0, 1, &[0, 0, 0, 0, 2, 0x08, 1]));
        out.extend(trailers("0", b""));
        out
    })
}
