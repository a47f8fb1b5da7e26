//! Every report line the README shows is one the probe prints: each line (in code, starting
//! with a category word or `waiting:`) is run as the situation it describes, against a
//! real or scripted server, and the README's line must match what the probe printed, its
//! values aside: addresses and ports (`localhost:3000`, `[::1]:3000`), numbers (times,
//! counts, statuses written as digits) and `…` stand for whatever the run filled in. A
//! README line with no scenario here fails the test, so a new one gets one.

use crate::support;

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use healthprobe::judge::verdict::Category;
use support::h2::{frame, peer, response_headers, trailers};
use support::{BIN, Server, refused_port, run, run_command, run_env};

/// The README's report lines, as written.
fn readme_lines() -> Vec<String> {
    let readme = include_str!("../README.md");
    let words: Vec<String> = (Category::ALL.iter().map(|c| c.word()))
        .chain(["waiting"])
        .map(|word| format!("{word}: "))
        .collect();
    let mut lines = Vec::new();
    for code in readme.split('`').skip(1).step_by(2) {
        for line in code.lines() {
            if words.iter().any(|w| line.starts_with(w)) && !lines.contains(&line.to_string()) {
                lines.push(line.to_string());
            }
        }
    }
    lines
}

/// `text` with its values made placeholders: an address with a port (in a URL too) is
/// `ADDR`, a run of digits (with `.` between them) `N`, and (in the README) `…` a `*`.
fn shape(text: &str) -> String {
    let mut out = Vec::new();
    for word in text.split(' ') {
        let start = word.find(|c: char| c != '(').unwrap_or(0);
        let end = word.trim_end_matches([',', ')', ';', ':']).len().max(start);
        let (lead, core, trail) = (&word[..start], &word[start..end], &word[end..]);
        let core = match core.split_once("://") {
            Some((scheme, rest)) => {
                let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                format!(
                    "{scheme}://{}{path}",
                    address(authority).unwrap_or(authority)
                )
            }
            None => address(core).unwrap_or(core).to_string(),
        };
        out.push(format!("{lead}{}{trail}", numbers(&core)));
    }
    out.join(" ").replace('…', "*")
}

/// `ADDR` for `host:port`.
fn address(text: &str) -> Option<&'static str> {
    let (host, port) = text.rsplit_once(':')?;
    (!host.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        .then_some("ADDR")
}

fn numbers(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || *c == '.')
            {
                chars.next();
            }
            out.push('N');
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `text` matches `pattern`, where `*` stands for any text.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let Some(rest) = text.strip_prefix(parts[0]) else {
        return false;
    };
    let mut rest = rest;
    for (i, part) in parts.iter().enumerate().skip(1) {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// A server that accepts and never answers.
fn hung() -> Server {
    Server::raw(|c| c.hang())
}

/// What the probe prints (every line, stdout then stderr) for the situation the README
/// line describes; `None` when no scenario is known for it.
fn scenario(line: &str) -> Option<String> {
    let ok = || Server::answering("200 OK", "ok");
    let out = |r: support::Run| format!("{}{}", r.stdout, r.stderr);
    let refused = refused_port().to_string();
    Some(match line {
        l if l.starts_with("healthy: 200 OK") => out(run(&[&ok().url("/health")])),
        l if l.starts_with("healthy: SERVING from grpc://") => {
            let server = support::h2::serving();
            out(run(&[&format!("grpc://{}/orders.v1.Orders", server.addr)]))
        }
        l if l.starts_with("healthy: … (3 of 3 in a row)") => {
            let count = Arc::new(AtomicUsize::new(0));
            let seen = count.clone();
            let server = Server::start(move |c| match seen.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => c.respond("503 Service Unavailable", &[], b""),
                _ => c.respond("200 OK", &[], b"ok"),
            });
            let url = server.url("/health");
            out(run(&[
                "--wait",
                "20s",
                "--interval",
                "400ms",
                "--success-threshold",
                "3",
                &url,
            ]))
        }
        l if l.starts_with("healthy: … (waited") || l.starts_with("waiting: ") => {
            let count = Arc::new(AtomicUsize::new(0));
            let seen = count.clone();
            let server = Server::start(move |c| match seen.fetch_add(1, Ordering::SeqCst) {
                0..=3 => c.respond("503 Service Unavailable", &[], b""),
                _ => c.respond("200 OK", &[], b"ok"),
            });
            let url = server.url("/health");
            out(run(&["--wait", "20s", "--interval", "400ms", &url]))
        }
        l if l.starts_with("unhealthy: 503 Service Unavailable … (accepted: 200)") => {
            let server = Server::answering("503 Service Unavailable", "");
            out(run(&["--status", "200", &server.url("/health")]))
        }
        l if l.starts_with("unhealthy: 503 Service Unavailable from") => {
            let server = Server::answering("503 Service Unavailable", "");
            out(run_env(&["--ready"], &[("PORT", &server.port())]))
        }
        l if l.starts_with("unhealthy: 404 Not Found") => {
            out(run(&[
                &Server::answering("404 Not Found", "").url("/health")
            ]))
        }
        l if l.starts_with("unhealthy: 302 Found") => {
            // The README's column for `--status 200`, as strict as the Node one-liner.
            let server = Server::start(|c| c.respond("302 Found", &["Location: /login"], b""));
            out(run(&["--status", "200", &server.url("/health")]))
        }
        l if l.starts_with("unhealthy: NOT_FOUND from grpc://") => {
            let server = peer(|| {
                let mut answer = response_headers();
                answer.extend(trailers("5", b""));
                answer
            });
            out(run(&[&format!("grpc://{}/nope", server.addr)]))
        }
        l if l.starts_with("unreachable: connection refused by localhost") => {
            out(run(&[&format!("http://localhost:{refused}/health")]))
        }
        l if l.starts_with("unreachable: connection refused by") => {
            out(run(&[&format!("http://127.0.0.1:{refused}/health")]))
        }
        l if l.starts_with("unreachable: 1 of 3 targets failing") => {
            let db = TcpListener::bind("127.0.0.1:0").unwrap();
            let db = format!("tcp://{}", db.local_addr().unwrap());
            let http = ok();
            out(run(&[
                &http.url("/health"),
                &db,
                &format!("tcp://127.0.0.1:{refused}"),
            ]))
        }
        l if l.contains("reset the stream (REFUSED_STREAM)") => {
            let server = peer(|| frame(3, 0, 1, &[0, 0, 0, 7]));
            out(run(&[&format!("grpc://{}", server.addr)]))
        }
        l if l.starts_with("timeout: no HTTP/2 SETTINGS") => {
            out(run(&[&format!("grpc://{}", hung().addr)]))
        }
        l if l.starts_with("timeout: no gRPC response") => {
            out(run(&[&format!("grpc://{}", peer(Vec::new).addr)]))
        }
        l if l.starts_with("timeout: no gRPC status (trailers)") => {
            out(run(&[&format!("grpc://{}", peer(response_headers).addr)]))
        }
        l if l.starts_with("timeout: no response head") || l == "timeout: …" => {
            out(run(&[&hung().url("/health")]))
        }
        l if l.starts_with("timeout: the TLS handshake") => {
            let mut command = Command::new(support::tls_binary());
            command.arg(format!("https://{}/health", hung().addr));
            out(run_command(command))
        }
        l if l.starts_with("timeout: the wait was stopped by a signal") => {
            let child = Command::new(BIN)
                .args([
                    "--wait",
                    "30s",
                    &format!("http://127.0.0.1:{refused}/health"),
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(2400));
            // SAFETY: kill(2) with the child's PID, which has not been waited for.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let out = child.wait_with_output().unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
        l if l.starts_with("error: cannot start") => {
            let mut command = Command::new(BIN);
            command
                .env_clear()
                .env("PATH", "/nowhere")
                .arg(ok().url("/health"))
                .args(["--", "node", "dist/index.js"]);
            out(run_command(command))
        }
        l if l.starts_with("error: --status") => out(run(&["--status", "2oo"])),
        l if l.starts_with("timeout: no answer from the file system") => {
            // A FUSE file system that never answers: tests/files.rs's stuck_fs.py.
            let dir = support::scratch_dir("readme-stuck");
            let mountpoint = dir.join("mnt");
            std::fs::create_dir(&mountpoint).unwrap();
            let script =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/stuck_fs.py");
            let beat = mountpoint.join("heartbeat");
            let mut command = Command::new("unshare");
            command
                .args(["--mount", "--propagation", "private", "python3"])
                .arg(&script)
                .arg(&mountpoint)
                .args([BIN, &format!("file://{}", beat.display())]);
            let printed = run_command(command).stdout;
            printed
                .lines()
                .next()
                .unwrap_or("")
                .replace(&beat.display().to_string(), "/tmp/heartbeat")
        }
        // The README's path stands for the heartbeat this run writes.
        l if l.starts_with("healthy: file://") || l.starts_with("unhealthy: file://") => {
            let stale = l.starts_with("unhealthy");
            let dir = support::scratch_dir(&format!("readme-heartbeat-{stale}"));
            let beat = dir.join("heartbeat");
            std::fs::write(&beat, "").unwrap();
            let ago = Duration::from_secs(if stale { 47 } else { 2 });
            let file = std::fs::File::options().write(true).open(&beat).unwrap();
            let times = std::fs::FileTimes::new().set_modified(std::time::SystemTime::now() - ago);
            file.set_times(times).unwrap();
            let url = format!("file://{}?max-age=30s", beat.display());
            out(run(&[&url])).replace(&beat.display().to_string(), "/tmp/heartbeat")
        }
        _ => return None,
    })
}

#[test]
fn every_report_line_in_the_readme_is_one_the_probe_prints() {
    let lines = readme_lines();
    assert!(lines.len() >= 20, "{lines:?}");
    // Each line's scenario in a thread of its own: several wait out a 3 s deadline.
    let printed: Vec<Option<String>> = std::thread::scope(|scope| {
        let runs: Vec<_> = lines
            .iter()
            .map(|line| scope.spawn(move || scenario(line)))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for (line, printed) in lines.iter().zip(printed) {
        let printed = printed.unwrap_or_else(|| panic!("no scenario for the README's {line:?}"));
        let pattern = shape(line);
        assert!(
            printed.lines().any(|l| glob(&pattern, &shape(l))),
            "the README shows {line:?} ({pattern:?}); the probe printed:\n{printed}"
        );
    }
}
