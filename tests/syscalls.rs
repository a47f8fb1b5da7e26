//! A healthy probe stays within 30 system calls (issue #5; 14 when this was written) and
//! starts no thread: the deadline is held by socket timeouts, not by a watchdog.
//!
//! Counted by `strace -f -c` on the real binary against a real loopback server, with the
//! environment a container gives it.

use crate::support;

use support::{BIN, Server, strace_calls, strace_summary, which};

#[test]
fn a_healthy_probe_makes_at_most_30_system_calls_and_no_thread() {
    if which("strace").is_none() {
        support::skip(
            "a_healthy_probe_makes_at_most_30_system_calls_and_no_thread",
            "strace is not installed",
        );
        return;
    }
    let server = Server::answering("200 OK", r#"{"status":"ok"}"#);
    let port = server.port();
    let env = [
        ("PATH", "/usr/bin:/bin"),
        ("HOME", "/home/app"),
        ("PORT", &port),
    ];
    let out = support::scratch_dir("syscalls").join("strace.txt");
    let summary = strace_summary(&[BIN, "-q", &server.url("/health")], Some(&env), &out)
        .expect("strace ran a healthy probe");
    let total = strace_calls(&summary, "total");
    assert!(
        (1..=30).contains(&total),
        "{total} system calls:\n{summary}"
    );
    let threads = strace_calls(&summary, "clone") + strace_calls(&summary, "clone3");
    assert_eq!(threads, 0, "a healthy probe started a thread:\n{summary}");
}
