//! Parity with the Node one-liner healthprobe replaces: the same verdict wherever the Node
//! probe gives one, and an exit inside the deadline where it hangs.

use crate::support;

use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use support::{Server, refused_port, run};

/// How long the Node probe may run before it counts as hung (Docker's --timeout=5s).
const HUNG_AFTER: Duration = Duration::from_secs(5);

/// The Node one-liner of the README's migration section, with the port made a parameter: Some(exit code), or None
/// when it hung.
fn node_probe(port: u16) -> Option<i32> {
    let script = format!(
        "require('http').get('http://localhost:{port}/health', r => process.exit(r.statusCode === 200 ? 0 : 1))"
    );
    let mut child = Command::new("node")
        .args(["-e", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < HUNG_AFTER {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn same_verdicts_as_the_node_one_liner() {
    if Command::new("node").arg("--version").output().is_err() {
        support::skip(
            "same_verdicts_as_the_node_one_liner",
            "node is not installed",
        );
        return;
    }
    let healthy = Server::answering("200 OK", r#"{"status":"ok"}"#);
    let unavailable = Server::answering("503 Service Unavailable", "");
    let missing = Server::answering("404 Not Found", "");
    let redirect = Server::start(|c| c.respond("302 Found", &["Location: /login"], b""));
    let hung = Server::start(|c| c.hang());
    let states = [
        ("healthy", healthy.addr.port()),
        ("503", unavailable.addr.port()),
        ("404", missing.addr.port()),
        ("302", redirect.addr.port()),
        ("down", refused_port()),
        ("hung", hung.addr.port()),
    ];
    for (state, port) in states {
        let node = node_probe(port);
        let url = format!("http://localhost:{port}/health");
        let ours = run(&["--status", "200", &url]);
        match node {
            Some(code) => assert_eq!(
                ours.code,
                Some(code),
                "{state}: node said {code}, we {ours:#?}"
            ),
            None => {
                assert_eq!(ours.code, Some(1), "{state}: {ours:#?}");
                assert!(
                    ours.elapsed < Duration::from_millis(3100),
                    "{state}: {ours:#?}"
                );
            }
        }
        eprintln!(
            "{state}: node {node:?}, healthprobe {:?}: {}",
            ours.code,
            ours.stdout.trim()
        );
    }
}
