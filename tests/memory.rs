//! Peak memory stays bounded — under 4 MiB — whatever the server sends, and a healthy
//! probe's peak is at most 512 KiB.
//!
//! The peak is measured on the probe alone by `support/launch.c` (compiled here with the
//! machine's C compiler): it stops the child at exit with ptrace and reads VmHWM, the
//! high-water mark of the exec'd image. The harness's own memory is never counted.

use crate::support;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use support::{BIN, Server};

const LIMIT_KIB: u64 = 4096;

fn launcher() -> Option<&'static PathBuf> {
    static LAUNCHER: OnceLock<Option<PathBuf>> = OnceLock::new();
    LAUNCHER
        .get_or_init(|| {
            let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("launch");
            support::compile_c("cc", &["-O2"], "tests/support/launch.c", &out)
        })
        .as_ref()
}

/// (peak KiB, exit code) of one run of the probe.
fn peak(args: &[&str]) -> Option<(u64, i32)> {
    let launcher = launcher()?;
    let out = Command::new(launcher)
        .arg("rss")
        .arg(BIN)
        .args(args)
        .env_clear()
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let fields: Vec<i64> = text
        .split_whitespace()
        .map(|f| f.parse().unwrap())
        .collect();
    assert_eq!(fields.len(), 3, "launcher said {text:?}");
    assert_eq!(fields[2], 0, "the probe died of signal {}", fields[2]);
    assert!(fields[0] > 0, "no VmHWM read");
    Some((fields[0] as u64, fields[1] as i32))
}

#[test]
fn peak_memory_stays_under_4_mib() {
    if launcher().is_none() {
        support::skip(
            "peak_memory_stays_under_4_mib",
            "no C compiler (cc) to build the launcher",
        );
        return;
    }
    let healthy = Server::answering("200 OK", r#"{"status":"ok"}"#);
    let gigabyte = Server::start(|c| {
        c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n");
        c.flood(&[b'x'; 65536], 1 << 30);
    });
    let big_header = Server::start(|c| {
        c.send(b"HTTP/1.1 200 OK\r\nX-Big: ");
        c.flood(&[b'a'; 65536], 4 << 20);
        c.send(b"\r\n\r\n");
    });
    let nested = Server::start(|c| {
        let mut body = "[".repeat(32_000);
        body.push_str(&"]".repeat(32_000));
        c.respond("200 OK", &[], body.as_bytes());
    });
    let wide = Server::start(|c| {
        let items: Vec<String> = (0..6000).map(|i| format!("{{\"k\":{i}}}")).collect();
        let body = format!("{{\"status\":\"ok\",\"items\":[{}]}}", items.join(","));
        c.respond("200 OK", &[], &body.as_bytes()[..body.len().min(65_000)]);
    });
    let long_head = Server::start(|c| {
        let headers: Vec<String> = (0..100)
            .map(|i| format!("X-{i}: {}", "v".repeat(100)))
            .collect();
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        c.respond("200 OK", &refs, b"ok");
    });
    let cases: Vec<(&str, Vec<String>, i32)> = vec![
        ("healthy", vec![healthy.url("/")], 0),
        ("1 GiB body, no check", vec![gigabyte.url("/")], 0),
        (
            "1 GiB body, body check",
            vec![gigabyte.url("/"), "--body".into(), "ok".into()],
            1,
        ),
        ("4 MiB header line", vec![big_header.url("/")], 1),
        (
            "deeply nested JSON",
            vec![nested.url("/"), "--json".into(), "/a=1".into()],
            1,
        ),
        (
            "64 KiB of JSON",
            vec![
                wide.url("/"),
                "--json".into(),
                "/status=ok".into(),
                "-v".into(),
            ],
            0,
        ),
        (
            "long head, verbose",
            vec![
                long_head.url("/"),
                "-v".into(),
                "--format".into(),
                "json".into(),
            ],
            0,
        ),
    ];
    for (name, args, code) in cases {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["--timeout", "2s"]);
        let (kib, exit) = peak(&args).unwrap();
        eprintln!("peak memory, {name}: {kib} KiB");
        assert_eq!(exit, code, "{name}");
        assert!(kib < LIMIT_KIB, "{name}: peak {kib} KiB");
    }
}

/// A healthy `-q` probe, the case the benchmark measures, peaks at 512 KiB or less
/// (median of 15 runs: where the kernel loads the binary moves its 64 KiB fault-around
/// windows, so single runs vary by up to ~60 KiB). This holds only because `link/hot.ld`
/// lays out the code a probe runs together; if it fails after a code change, regenerate
/// that file with `python3 scripts/hot_text.py`.
#[test]
fn a_healthy_quiet_probe_peaks_at_512_kib_or_less() {
    if cfg!(debug_assertions) {
        support::skip(
            "a_healthy_quiet_probe_peaks_at_512_kib_or_less",
            "debug build; the figure is the release binary's (cargo test --release)",
        );
        return;
    }
    if launcher().is_none() {
        support::skip(
            "a_healthy_quiet_probe_peaks_at_512_kib_or_less",
            "no C compiler (cc) to build the launcher",
        );
        return;
    }
    let server = Server::answering("200 OK", r#"{"status":"ok"}"#);
    let url = server.url("/health");
    let mut peaks: Vec<u64> = (0..15)
        .map(|_| {
            let (kib, exit) = peak(&["-q", &url]).unwrap();
            assert_eq!(exit, 0);
            kib
        })
        .collect();
    peaks.sort_unstable();
    let median = peaks[peaks.len() / 2];
    eprintln!("peak memory of a healthy -q probe, KiB: {peaks:?}");
    assert!(
        median <= 512,
        "median peak {median} KiB > 512 KiB: is link/hot.ld stale? run python3 scripts/hot_text.py"
    );
}
