//! A scripted misbehaving server, one behaviour per case: whatever the server or the
//! network does, the probe ends by itself with 0 or 1 and its category word, no later
//! than the deadline plus 100 ms, and prints at most 4096 bytes.

use crate::support;

use std::io::Write;
use std::thread::sleep;
use std::time::Duration;

use support::{Conn, Run, Server, blackhole, run};

const DEADLINE_MS: u64 = 500;
const SLACK_MS: u64 = 100;

/// Writes `bytes` one at a time, `gap` apart, until the probe goes away.
fn drip(c: &mut Conn, bytes: &[u8], gap: Duration) {
    for b in bytes.iter().cycle() {
        if c.stream.write_all(&[*b]).is_err() {
            return;
        }
        sleep(gap);
    }
}

struct Case {
    name: &'static str,
    handler: fn(&mut Conn),
    args: &'static [&'static str],
    word: &'static str,
    says: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "accepts and never answers",
            handler: |c| c.hang(),
            args: &[],
            word: "timeout",
            says: "no response head from",
        },
        Case {
            name: "status line dripping a byte every 20 ms",
            handler: |c| drip(c, b"HTTP/1.1 200 OK\r\nX-Slow: ", Duration::from_millis(20)),
            args: &[],
            word: "timeout",
            says: "no response head from",
        },
        Case {
            name: "endless headers, fast",
            handler: |c| {
                c.send(b"HTTP/1.1 200 OK\r\n");
                c.flood(
                    b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
                    64 << 20,
                );
            },
            args: &[],
            word: "unreachable",
            says: "too many headers",
        },
        Case {
            name: "endless headers, dripping",
            handler: |c| {
                c.send(b"HTTP/1.1 200 OK\r\n");
                drip(c, b"X-Filler: a\r\n", Duration::from_millis(5));
            },
            args: &[],
            word: "timeout",
            says: "no response head from",
        },
        Case {
            name: "a megabyte header line",
            handler: |c| {
                c.send(b"HTTP/1.1 200 OK\r\nX-Big: ");
                c.flood(&[b'a'; 4096], 1 << 20);
                c.send(b"\r\n\r\n");
            },
            args: &[],
            word: "unreachable",
            says: "larger than 16 KiB",
        },
        Case {
            name: "1 GiB body, no body check: not read",
            handler: |c| {
                c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n");
                c.flood(&[b'x'; 65536], 1 << 30);
            },
            args: &[],
            word: "healthy",
            says: "200 OK",
        },
        Case {
            name: "1 GiB body with a body check",
            handler: |c| {
                c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n");
                c.flood(&[b'x'; 65536], 1 << 30);
            },
            args: &["--body", "ok"],
            word: "unhealthy",
            says: "larger than 64 KiB",
        },
        Case {
            name: "endless chunked body with a JSON check",
            handler: |c| {
                c.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                c.flood(b"10\r\n{\"a\":[[[[[[[[[[[\r\n", 1 << 30);
            },
            args: &["--json", "/status=ok"],
            word: "unhealthy",
            says: "larger than 64 KiB",
        },
        Case {
            name: "body dripping with a body check",
            handler: |c| {
                c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
                drip(c, b"ok", Duration::from_millis(10));
            },
            args: &["--body", "ok"],
            word: "timeout",
            says: "no complete body from",
        },
        Case {
            name: "body dripping, no body check",
            handler: |c| {
                c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
                drip(c, b"ok", Duration::from_millis(10));
            },
            args: &[],
            word: "healthy",
            says: "200 OK",
        },
        Case {
            name: "not HTTP at all",
            handler: |c| c.send(b"220 smtp.example.com ESMTP ready\r\n"),
            args: &[],
            word: "unreachable",
            says: "did not answer in HTTP",
        },
        Case {
            name: "binary garbage",
            handler: |c| c.send(&[0, 159, 146, 150, 255, 13, 10, 13, 10, 27, 91, 50, 74]),
            args: &[],
            word: "unreachable",
            says: "did not answer in HTTP/1.x",
        },
        Case {
            name: "closed before anything",
            handler: |_| {},
            args: &[],
            word: "unreachable",
            says: "connection closed by",
        },
        Case {
            name: "closed inside the status line",
            handler: |c| c.send(b"HTTP/1.1 20"),
            args: &[],
            word: "unreachable",
            says: "connection closed by",
        },
        Case {
            name: "closed inside the body, with a body check",
            handler: |c| c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nok"),
            args: &["--body", "ok"],
            word: "unreachable",
            says: "while reading the body",
        },
        Case {
            name: "informational 1xx responses before the final one",
            handler: |c| {
                c.send(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n");
                c.respond("200 OK", &[], b"{\"status\":\"ok\"}");
            },
            args: &["--json", "/status=ok"],
            word: "healthy",
            says: "200 OK",
        },
        Case {
            name: "HTTP/1.0 reply without a length",
            handler: |c| c.send(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall good"),
            args: &["--body", "good"],
            word: "healthy",
            says: "200 OK",
        },
        Case {
            name: "HTTP/1.0 reply without a length that never ends",
            handler: |c| {
                c.send(b"HTTP/1.0 200 OK\r\n\r\n");
                drip(c, b"still going ", Duration::from_millis(5));
            },
            args: &["--body", "never-there"],
            word: "timeout",
            says: "no complete body from",
        },
        Case {
            name: "deeply nested JSON",
            handler: |c| {
                let mut body = "[".repeat(30_000);
                body.push_str(&"]".repeat(30_000));
                c.respond("200 OK", &[], body.as_bytes());
            },
            args: &["--json", "/status=ok"],
            word: "unhealthy",
            // Valid JSON: skipped without recursion, so no depth limit is needed here.
            says: "/status is missing",
        },
        Case {
            name: "a lying Content-Length",
            handler: |c| {
                c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nok")
            },
            args: &["--body", "ok"],
            word: "unreachable",
            says: "did not answer in HTTP/1.x (content-length",
        },
        Case {
            name: "huge verbose head stays within the output limit",
            handler: |c| {
                let headers: Vec<String> = (0..60)
                    .map(|i| format!("X-H{i}: {}", "v".repeat(200)))
                    .collect();
                let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
                c.respond("200 OK", &refs, "\u{1b}[2J\u{7}".repeat(2000).as_bytes());
            },
            args: &["-v"],
            word: "healthy",
            says: "200 OK",
        },
        Case {
            name: "terminal escapes in the body are escaped",
            handler: |c| c.respond("200 OK", &[], b"\x1b[31mred\x1b[0m\r\nfake: line"),
            args: &["-v"],
            word: "healthy",
            says: "\\u{1b}[31mred",
        },
    ]
}

#[test]
fn a_reset_connection_is_unreachable() {
    // Closing with the request still unread makes the kernel send RST rather than FIN.
    let server = Server::raw(|_| sleep(Duration::from_millis(50)));
    let reset = run(&["-t", "500ms", &server.url("/")]);
    reset.expect("unreachable").says("connection reset by");
    check_bounds("reset", &reset);
    let partial = Server::raw(|c| {
        sleep(Duration::from_millis(50));
        c.send(b"HTTP/1.1 200 OK\r\nContent-Le");
    });
    let reset = run(&["-t", "500ms", &partial.url("/")]);
    reset.expect("unreachable").says("connection reset by");
    check_bounds("reset mid-head", &reset);
}

#[track_caller]
fn check_bounds(name: &str, run: &Run) {
    assert!(
        run.output_len() <= 4096,
        "{name}: {} bytes of output",
        run.output_len()
    );
    assert!(
        run.elapsed <= Duration::from_millis(DEADLINE_MS + SLACK_MS),
        "{name}: took {:?}",
        run.elapsed
    );
}

#[test]
fn every_misbehaviour_ends_in_a_category_within_the_deadline() {
    let timeout = format!("{DEADLINE_MS}ms");
    for case in cases() {
        let server = Server::start(case.handler);
        let url = server.url("/health");
        let mut args = vec!["--timeout", &timeout, &url];
        args.extend_from_slice(case.args);
        let run = run(&args);
        let code = if case.word == "healthy" { 0 } else { 1 };
        assert_eq!(
            (run.code, run.word()),
            (Some(code), case.word),
            "{}: {run:#?}",
            case.name
        );
        assert!(
            run.stdout.contains(case.says),
            "{}: expected {:?} in {run:#?}",
            case.name,
            case.says
        );
        assert!(
            !run.stdout.contains('\u{1b}'),
            "{}: raw escape in output",
            case.name
        );
        check_bounds(case.name, &run);
    }
}

#[test]
fn dropped_syns_end_at_the_deadline() {
    let (addr, _held, _listener) = blackhole();
    let run = run(&[
        "-t",
        &format!("{DEADLINE_MS}ms"),
        &format!("http://{addr}/"),
    ]);
    run.expect("timeout").says("no connection to");
    check_bounds("dropped SYNs", &run);
    assert!(run.elapsed >= Duration::from_millis(DEADLINE_MS));
}

#[test]
fn a_long_url_is_cut_to_the_output_limit() {
    let server = Server::answering("503 Service Unavailable", "");
    let long = server.url(&format!("/{}", "p".repeat(8000)));
    for format in ["text", "json"] {
        let run = run(&["--format", format, "-v", &long]);
        assert_eq!(run.code, Some(1));
        assert!(run.output_len() <= 4096, "{format}: {}", run.output_len());
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            assert_eq!(v["result"], "unhealthy");
        } else {
            run.expect("unhealthy");
        }
    }
}

#[test]
fn a_closed_or_full_stdout_keeps_the_exit_code() {
    use std::process::{Command, Stdio};
    let ok = Server::answering("200 OK", "ok");
    let bad = Server::answering("500 Internal Server Error", "");
    for (url, code) in [(ok.url("/"), 0), (bad.url("/"), 1)] {
        // A pipe whose reader is gone: the write fails with EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let status = Command::new(support::BIN)
            .arg(&url)
            .arg("-v")
            .env_clear()
            .stdout(Stdio::from(writer))
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(code), "EPIPE: {status:?}");
        // A full device: the write fails with ENOSPC.
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let status = Command::new(support::BIN)
            .arg(&url)
            .env_clear()
            .stdout(Stdio::from(full))
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(code), "ENOSPC: {status:?}");
    }
}
