//! The exchanges' targets: whole HTTP and gRPC probes against the fuzzed peer, HPACK,
//! and each reply protocol's judge on the bounded reader.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use super::SECRET;
use super::peer::{options, probe_peer};
use super::report::{assert_no_run, assert_reports, shown_run};
use crate::judge::checks::Checks;
use crate::judge::status::StatusSet;
use crate::judge::verdict::{Judge, Verdict};
use crate::net::{Bounded, Clock, REPLY_CAP, Stream};
use crate::protocol::grpc::hpack;
use crate::protocol::scheme::Speak;
use crate::protocol::{self, SCHEMES};
use crate::report::{self, Format, Verbosity};
use crate::sanitize::Secrets;

/// The HTTP exchange as the probe reads it: `data` is everything the server sends.
pub(super) fn http(data: &[u8]) {
    let mut argv = options();
    argv.push(b"http://localhost/health".to_vec());
    probe_peer(argv, data, &[SECRET]);
}

/// `--body` and `--json` on a 200 response: `data` is the `--body` text, NUL, the
/// `--json` check, NUL, the body. Also checks the streaming JSON matcher against
/// serde_json's own pointer lookup wherever the body is a JSON document.
pub(super) fn body(data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == 0);
    let mut part = || parts.next().unwrap_or_default();
    let (contains, json, body) = (part(), part(), part());
    let mut argv = options();
    if !contains.is_empty() {
        argv.extend([b"--body".to_vec(), contains.to_vec()]);
    }
    if !json.is_empty() {
        argv.extend([b"--json".to_vec(), json.to_vec()]);
        agrees_with_serde(json, body);
    }
    argv.push(b"http://localhost/health".to_vec());
    let mut reply =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".to_vec();
    reply.extend_from_slice(body);
    // A report quotes the operator's own --body and --json: the secret is not looked
    // for where the operator wrote some of it there.
    let typed = [contains, json]
        .iter()
        .any(|t| shown_run(t, SECRET.as_bytes(), |_| Vec::new()).is_some());
    probe_peer(argv, &reply, if typed { &[] } else { &[SECRET] });
}

/// `--json`'s walk finds what serde_json's `Value::pointer` finds, in a body serde_json
/// reads as one document.
fn agrees_with_serde(check: &[u8], body: &[u8]) {
    let Ok(check) = std::str::from_utf8(check) else {
        return;
    };
    let Ok(check) = crate::judge::checks::JsonCheck::parse(check) else {
        return;
    };
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(body) else {
        return;
    };
    let found = crate::judge::find(body, &check.pointer, &check.expected).expect("a JSON body");
    use crate::judge::Found;
    match document.pointer(&check.pointer) {
        None => assert_eq!(found, Found::Missing),
        Some(value) if *value == check.expected => assert_eq!(found, Found::Equal),
        Some(_) => assert!(matches!(found, Found::Differs(_)), "{found:?}"),
    }
}

/// The gRPC health call as the probe makes it: `data` is everything the server sends
/// (HTTP/2 frames, HPACK blocks, the gRPC message).
pub(super) fn grpc(data: &[u8]) {
    let mut argv = options();
    argv.push(b"grpc://localhost/svc".to_vec());
    let Some(verdict) = probe_peer(argv, data, &[SECRET]) else {
        return;
    };
    // gRPC's transport encodings are shown decoded, so redaction saw the secret in them:
    // no `-bin` field's line shows it in base64, no grpc-message line percent-encoded.
    let shown = report::render(&verdict, Format::Text, Verbosity::Verbose);
    for line in shown.lines() {
        // `  < NAME: value`, the fields `-v` shows; other fields' values are shown as
        // sent, and an encoding in them is not looked for (the README says so).
        let Some((name, _)) = line
            .trim_start()
            .strip_prefix("< ")
            .and_then(|f| f.split_once(": "))
        else {
            continue;
        };
        let encoded = if name.ends_with("-bin") {
            base64_runs(SECRET.as_bytes())
        } else if name == "grpc-message" {
            let percent: String = SECRET.bytes().map(|b| format!("%{b:02X}")).collect();
            vec![percent.clone(), percent.to_ascii_lowercase()]
        } else {
            continue;
        };
        for form in encoded {
            assert_no_run(line.as_bytes(), form.as_bytes());
        }
    }
}

/// The base64 of `secret` as it reads at each of the three offsets it can start at
/// within a longer value, without the characters it shares with its neighbours.
fn base64_runs(secret: &[u8]) -> Vec<String> {
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..3)
        .map(|shift| {
            let mut bytes = vec![0u8; shift];
            bytes.extend_from_slice(secret);
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b))
                    << (8 * (3 - chunk.len()));
                for i in 0..=chunk.len() {
                    out.push(char::from(DIGITS[(n >> (18 - 6 * i) & 63) as usize]));
                }
            }
            // The first and last four characters also encode the neighbours' bits.
            out[4..out.len() - 4].to_string()
        })
        .collect()
}

/// A reply judge (`postgres`, `redis`, …, a SCHEMES name) on the bounded reader, as the
/// probe runs it once connected: `data` is everything the server sends. It reads at most
/// [`REPLY_CAP`] bytes, and its verdict's reports hold their promises.
pub(super) fn reply(scheme: &str, data: &[u8]) {
    let found = SCHEMES.iter().find(|s| s.fuzz_target() == Some(scheme));
    let Some(&Speak::Reply { protocol, check }) = found.map(|s| &s.speak) else {
        panic!("{scheme} is not a protocol judged on its reply");
    };
    // A socket pair holds a few hundred KiB; more than the cap is all a test needs.
    let data = &data[..data.len().min(16 * REPLY_CAP)];
    let (ours, mut theirs) = UnixStream::pair().expect("a socket pair");
    theirs.write_all(data).expect("the reply written");
    theirs
        .shutdown(std::net::Shutdown::Write)
        .expect("shutdown");
    let mut left_in = ours.try_clone().expect("a second handle");
    let timeout = Duration::from_secs(5);
    let clock = Clock::new(timeout);
    let mut io = Bounded::new(Stream::Unix(ours), clock);
    let peer = SocketAddr::from((Ipv4Addr::LOCALHOST, 1));
    let secrets = Secrets::new([SECRET]);
    let outcome = protocol::speak(&mut io, peer, &secrets, protocol, check);
    drop(io);
    // What the judge left unread is still in the socket: everything else it read.
    let mut left = Vec::new();
    left_in.set_nonblocking(true).expect("non-blocking");
    let _ = left_in.read_to_end(&mut left);
    let read = data.len() - left.len();
    assert!(read <= REPLY_CAP, "{protocol}: {read} bytes read");
    // A reply has no status: what is accepted does not matter.
    let checks = Checks {
        status: StatusSet::parse("200").expect("a status"),
        contains: None,
        json: Vec::new(),
    };
    let judge = Judge {
        checks: &checks,
        secrets: &secrets,
        timeout,
        quiet: false,
    };
    let url = format!("{scheme}://127.0.0.1:1");
    let verdict = Verdict::decide(&judge, url, outcome, clock.since_start());
    assert_reports(&verdict, &[SECRET]);
}

/// HPACK decoding (a response's header blocks): `data` is two blocks for one decoder
/// (its first byte the first block's length), so that the dynamic table carries over.
/// A decoded list stays within [`hpack::MAX_LIST`], and fields written by our own encoder
/// decode to themselves.
pub(super) fn hpack(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (one, two) = rest.split_at(usize::from(first).min(rest.len()));
    let mut decoder = hpack::Decoder::new();
    for block in [one, two] {
        let mut fields = Vec::new();
        let decoded = decoder.block(block, |name, value| {
            fields.push((name.to_vec(), value.to_vec()))
        });
        let listed: usize = fields.iter().map(|(n, v)| n.len() + v.len() + 32).sum();
        assert!(listed <= hpack::MAX_LIST, "{listed} bytes listed");
        if decoded.is_err() {
            return;
        }
        let mut again = Vec::new();
        for (name, value) in &fields {
            hpack::field(&mut again, name, value);
        }
        let mut copy = Vec::new();
        hpack::Decoder::new()
            .block(&again, |name, value| {
                copy.push((name.to_vec(), value.to_vec()))
            })
            .expect("our own encoding decodes");
        assert_eq!(copy, fields);
    }
}

// ---- Operators' bytes -----------------------------------------------------------------
