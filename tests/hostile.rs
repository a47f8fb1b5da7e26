//! An operator's hostile or limited environment: a thread limit, a hung Unix socket
//! behind a long `--wait`, FIFOs and devices as files, signals racing the final report,
//! control characters in operator strings, closed standard descriptors, bidirectional
//! overrides from the server, and a wait whose failures never stop changing. Each ends
//! in one verdict, in its format, within bounds.

use crate::support;

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use support::{BIN, Server, run};

/// Runs the binary as uid 4242 (no other test uses it) with at most `nproc` processes and
/// threads for that user, as `ulimit -u` or a pids limit would; `None` unless root.
fn with_thread_limit(nproc: u32, args: &[&str]) -> Option<support::Run> {
    if !support::is_root() {
        support::skip(
            "thread limit",
            "needs root (setpriv to an unprivileged uid); CI runs it",
        );
        return None;
    }
    let mut command = Command::new(support::which("prlimit").expect("prlimit (util-linux)"));
    command
        .arg(format!("--nproc={nproc}:{nproc}"))
        .arg("--")
        .arg(support::which("setpriv").expect("setpriv (util-linux)"))
        .args(["--reuid=4242", "--regid=4242", "--clear-groups", BIN])
        .args(args)
        .env_clear();
    Some(support::run_command(command))
}

#[test]
fn targets_without_a_thread_are_probed_all_the_same() {
    let servers: Vec<Server> = (0..4).map(|_| Server::answering("200 OK", "ok")).collect();
    let urls: Vec<String> = servers.iter().map(|s| s.url("/")).collect();
    let mut args = vec!["-t", "1s"];
    args.extend(urls.iter().map(String::as_str));
    for nproc in [1, 3] {
        let Some(run) = with_thread_limit(nproc, &args) else {
            return;
        };
        run.expect("healthy").says("all 4 targets");
    }
}

#[test]
fn a_lookup_without_a_thread_says_so() {
    let server = Server::answering("200 OK", "ok");
    let args = [
        "-t",
        "1s",
        &server.url("/"),
        "http://db.invalid:5000/health",
    ];
    let Some(run) = with_thread_limit(1, &args) else {
        return;
    };
    run.expect("unreachable")
        .says("cannot resolve db.invalid: no thread could be started for the name lookup");
}

/// Threads and open descriptors of a running process, from /proc.
fn threads_and_fds(pid: u32) -> Option<(usize, usize)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))?
        .trim()
        .parse()
        .ok()?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    Some((threads, fds))
}

#[test]
fn a_full_unix_backlog_leaks_no_thread_or_descriptor_over_a_long_wait() {
    let dir = support::scratch_dir("backlog");
    let path = dir.join("hung.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    // Fill the backlog: connects succeed until it is full, then one blocks for good.
    let filling = path.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        // Ends when the listener goes (the blocked connect fails) or nobody receives.
        while let Ok(stream) = std::os::unix::net::UnixStream::connect(&filling) {
            if tx.send(stream).is_err() {
                return;
            }
        }
    });
    let mut held = Vec::new();
    while let Ok(stream) = rx.recv_timeout(Duration::from_millis(300)) {
        held.push(stream);
    }
    assert!(!held.is_empty());

    let mut child = Command::new(BIN)
        .args(["--wait", "2s", "--interval", "10ms", "-t", "10ms"])
        .args(["--unix-socket", path.to_str().unwrap(), "/health"])
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Descriptors the harness passed on count in both; only growth is a leak.
    let (mut most, mut least) = ((0, 0), (usize::MAX, usize::MAX));
    while child.try_wait().unwrap().is_none() {
        if let Some((threads, fds)) = threads_and_fds(child.id()) {
            most = (most.0.max(threads), most.1.max(fds));
            least = (least.0.min(threads), least.1.min(fds));
        }
        thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("timeout: no connection to"), "{stdout}");
    // One thread, and at most the one socket of the attempt under way.
    assert_eq!(most.0, 1, "threads grew: {most:?}");
    assert!(
        most.1 <= least.1 + 1,
        "descriptors grew: {least:?} to {most:?}"
    );
    drop(listener);
    std::fs::remove_dir_all(dir).unwrap();
}

/// `unshare`, for a test that runs a nameserver of its own in network and mount namespaces
/// (root, iproute2 and python3 needed); `None` when it cannot run, having said why.
fn nameserver_namespaces(test: &str) -> Option<std::path::PathBuf> {
    if !support::is_root() {
        support::skip(
            test,
            "needs root (network and mount namespaces); CI runs it",
        );
        return None;
    }
    match (
        support::which("unshare"),
        support::which("ip"),
        support::which("python3"),
    ) {
        (Some(unshare), Some(_), Some(_)) => Some(unshare),
        _ => {
            support::skip(test, "needs unshare, ip (iproute2) and python3");
            None
        }
    }
}

#[test]
fn a_silent_resolver_leaks_no_thread_over_a_long_wait() {
    let Some(unshare) = nameserver_namespaces("a_silent_resolver_leaks_no_thread_over_a_long_wait")
    else {
        return;
    };
    let dir = support::scratch_dir("silent-resolver");
    let resolv = dir.join("resolv.conf");
    std::fs::write(&resolv, "nameserver 127.0.0.1\n").unwrap();
    // In a network namespace of its own, a nameserver that reads every query and never
    // answers, and /etc/resolv.conf pointing at it (bind-mounted in a mount namespace).
    let script = format!(
        "ip link set lo up && mount --bind {resolv} /etc/resolv.conf && \
         (python3 -c 'import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); \
         s.bind((\"127.0.0.1\", 53)); time.sleep(15)' >/dev/null 2>&1 &) && sleep 0.3 && \
         exec {BIN} --wait 2s --interval 10ms -t 10ms http://app.example:3000/health",
        resolv = resolv.display()
    );
    let mut child = Command::new(unshare)
        .args(["--net", "--mount", "sh", "-c", &script])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut most = 0;
    while child.try_wait().unwrap().is_none() {
        let exe = std::fs::read_link(format!("/proc/{}/exe", child.id()));
        if exe.is_ok_and(|e| e.ends_with("healthprobe"))
            && let Some((threads, _)) = threads_and_fds(child.id())
        {
            most = most.max(threads);
        }
        thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with(
            "timeout: no answer from the resolver for app.example (nameserver 127.0.0.1 from /etc/resolv.conf)"
        ),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The probe's own thread and the one lookup still under way.
    assert!((1..=2).contains(&most), "{most} threads");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn fifos_and_devices_are_refused_as_files_at_once() {
    let dir = support::scratch_dir("fifo");
    let fifo = dir.join("secret.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    for file in [fifo, "/dev/zero"] {
        let run = run(&["-t", "300ms", "--secret-header", &format!("X-Token:{file}")]);
        run.expect("error").says("is not a regular file");
        assert!(run.elapsed < Duration::from_millis(300), "{run:#?}");
        let tls = support::tls_binary();
        for files in [vec!["--cacert", file], vec!["--cert", file, "--key", file]] {
            let mut command = Command::new(tls);
            command
                .args(["-t", "300ms", "https://127.0.0.1:1/"])
                .args(files);
            let run = support::run_command(command);
            run.expect("error").says("is not a regular file");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// `healthprobe --wait WAIT TARGET`, its report piped, in JSON or text.
fn start_wait(target: &str, wait: &str, json: bool) -> std::process::Child {
    let mut command = Command::new(BIN);
    command
        .args(["--wait", wait, target])
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if json {
        command.args(["--format", "json"]);
    }
    command.spawn().unwrap()
}

fn send(child: &std::process::Child, signal: i32) {
    // SAFETY: kill(2) on our own child, not yet reaped (so its pid is not reused).
    unsafe { libc::kill(i32::try_from(child.id()).unwrap(), signal) };
}

#[test]
#[cfg_attr(
    feature = "portable-sys",
    ignore = "Linux's sys variant only (docs/platforms.md)"
)]
fn a_signal_racing_the_final_report_never_adds_a_second_verdict() {
    let server = Server::answering("200 OK", "ok");
    let url = server.url("/");
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let (mut stopped, mut early) = (0, 0);
    for round in 0..600 {
        let json = round % 2 == 1;
        let child = start_wait(&url, "5s", json);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Around the time the probe is done and writes its report.
        thread::sleep(Duration::from_micros(seed % 1500));
        send(
            &child,
            if seed % 2 == 0 {
                libc::SIGTERM
            } else {
                libc::SIGINT
            },
        );
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        if std::os::unix::process::ExitStatusExt::signal(&output.status).is_some() {
            // Before the wait armed its handler the signal ends the process as it ends
            // any: no report, and the runtime sees the signal.
            assert_eq!(stdout, "", "round {round}");
            early += 1;
            continue;
        }
        assert_eq!(stdout.lines().count(), 1, "round {round}: {stdout:?}");
        let word = if json {
            let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            v["result"].as_str().unwrap().to_string()
        } else {
            stdout.split(':').next().unwrap().to_string()
        };
        let expected = if output.status.code() == Some(0) {
            "healthy"
        } else {
            stopped += 1;
            "timeout"
        };
        assert_eq!(
            word, expected,
            "round {round}: {stdout:?} {:?}",
            output.status
        );
    }
    assert!(
        stopped > 0,
        "no signal arrived in time: the race was never run"
    );
    assert!(
        early < 300,
        "{early} of 600 signals came before the wait began"
    );
}

#[test]
#[cfg_attr(
    feature = "portable-sys",
    ignore = "Linux's sys variant only (docs/platforms.md)"
)]
fn the_stop_report_is_in_the_chosen_format() {
    let refused = format!("tcp://127.0.0.1:{}", support::refused_port());
    // SIGHUP too: a terminal closed on a wait run by hand.
    for (json, signal) in [
        (false, libc::SIGTERM),
        (true, libc::SIGTERM),
        (false, libc::SIGHUP),
        (true, libc::SIGHUP),
    ] {
        let child = start_wait(&refused, "30s", json);
        thread::sleep(Duration::from_millis(300));
        send(&child, signal);
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&output.stdout);
        if json {
            let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(v["result"], "timeout");
            assert_eq!(v["healthy"], false);
            assert_eq!(v["url"], refused.as_str());
            assert!(v["elapsed_ms"].as_u64().unwrap() >= 200, "{v}");
            assert_eq!(v["reason"], "the wait was stopped by a signal");
        } else {
            assert!(
                stdout.starts_with("timeout: the wait was stopped by a signal after "),
                "{stdout}"
            );
        }
    }
}

#[test]
fn control_characters_in_operator_strings_keep_every_report_within_4096_bytes() {
    let server = Server::answering("200 OK", "{}");
    let pointer = format!("/{}", "\u{1}".repeat(3000));
    let check = format!("{pointer}=1");
    let path = format!("/tmp/{}", "\u{1b}".repeat(3000));
    for format in ["text", "json"] {
        for args in [
            vec![
                "--json",
                check.as_str(),
                "--format",
                format,
                &server.url("/"),
            ],
            vec![
                "--unix-socket",
                path.as_str(),
                "--format",
                format,
                "/health",
            ],
        ] {
            let run = run(&args);
            assert_eq!(run.code, Some(1), "{run:#?}");
            assert!(run.stdout.len() <= 4096, "{} bytes", run.stdout.len());
            assert!(
                !run.stdout.contains(['\u{1}', '\u{1b}']),
                "control characters printed raw: {run:#?}"
            );
            assert_eq!(run.stdout.lines().count(), 1);
            if format == "json" {
                serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap();
            }
        }
    }
}

#[test]
fn format_and_separator_characters_from_the_server_are_escaped() {
    let server = Server::start(|c| {
        c.respond(
            "503 Service Unavailable",
            &["X-Evil: a\u{202e}b\u{2028}c"],
            "{\"status\":\"ok\u{202e}\u{2029}\u{200b}\"}".as_bytes(),
        )
    });
    for args in [
        vec!["-v", "--status", "200"],
        vec!["--json", "/status=ok", "--status", "5xx"],
    ] {
        let mut args = args;
        let url = server.url("/");
        args.push(&url);
        let run = run(&args);
        assert_eq!(run.code, Some(1));
        for c in ['\u{202e}', '\u{2028}', '\u{2029}', '\u{200b}'] {
            assert!(!run.stdout.contains(c), "{c:?} printed raw: {run:#?}");
        }
        assert!(run.stdout.contains("\\u{202e}"), "{run:#?}");
    }
}

#[test]
fn a_socket_never_takes_a_closed_standard_descriptor() {
    // A socket given descriptor 1 would receive whatever is written as the report.
    let Some(strace) = support::which("strace") else {
        support::skip(
            "a_socket_never_takes_a_closed_standard_descriptor",
            "strace is not installed (apt-get install strace)",
        );
        return;
    };
    let server = Server::answering("200 OK", "ok");
    let log = support::scratch_dir("closed-fds").join("strace");
    let mut command = Command::new(strace);
    command
        .args(["-f", "-e", "trace=socket", "-o"])
        .arg(&log)
        .args([BIN, &server.url("/")])
        .env_clear()
        .stdin(Stdio::null());
    // Standard output and error closed, as a careless supervisor may start a process.
    // SAFETY: close(2) is async-signal-safe, as a pre_exec closure must be.
    unsafe {
        command.pre_exec(|| {
            libc::close(1);
            libc::close(2);
            Ok(())
        });
    }
    assert_eq!(command.status().unwrap().code(), Some(0));
    let trace = std::fs::read_to_string(&log).unwrap();
    let sockets: Vec<i64> = trace
        .lines()
        .filter(|l| l.contains("socket("))
        .filter_map(|l| l.rsplit("= ").next()?.trim().parse().ok())
        .collect();
    assert!(!sockets.is_empty(), "{trace}");
    assert!(sockets.iter().all(|&fd| fd > 2), "{trace}");
    std::fs::remove_dir_all(log.parent().unwrap()).unwrap();
}

#[test]
fn a_rotating_wait_prints_at_most_what_docker_keeps_with_the_verdict_last() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Every answer differs from the one before, so every attempt is a change.
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let server = Server::start(move |c| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let status = [
            "500 Internal Server Error",
            "503 Service Unavailable",
            "502 Bad Gateway",
            "504 Gateway Timeout",
        ][n % 4];
        c.respond(status, &[], b"");
    });
    for format in ["text", "json"] {
        let run = run(&[
            "--wait",
            "3s",
            "--interval",
            "20ms",
            "--format",
            format,
            &server.url("/"),
        ]);
        assert_eq!(run.code, Some(1), "{run:#?}");
        // Docker keeps the first 4096 bytes of stdout and stderr together.
        assert!(
            run.output_len() <= 4096,
            "{} bytes: {run:#?}",
            run.output_len()
        );
        assert!(
            run.stderr.contains("further progress is not shown"),
            "{run:#?}"
        );
        // The verdict is whole, one line, and written after every progress line.
        assert_eq!(run.stdout.lines().count(), 1, "{run:#?}");
        assert!(run.stdout.ends_with('\n'), "{run:#?}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            assert_eq!(v["result"], "unhealthy");
            assert!(
                v["reason"]
                    .as_str()
                    .unwrap()
                    .contains("gave up waiting after")
            );
        } else {
            assert!(run.stdout.starts_with("unhealthy: "), "{run:#?}");
            assert!(run.stdout.contains("gave up waiting after"), "{run:#?}");
        }
    }
    assert!(
        count.load(Ordering::SeqCst) > 50,
        "too few attempts to tell"
    );

    // A failure that stays the same is reported once (every 10 s at most).
    let same = Server::answering("503 Service Unavailable", "");
    let run = support::run(&["--wait", "1s", "--interval", "10ms", &same.url("/")]);
    assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
}

/// Two healthy targets that each take 1.2 s, a 2 s deadline, and no thread to be had
/// (`ulimit -u` 1): the second is probed after the first, with 0.8 s. Its failure must
/// say so, and how much of the deadline it had, so that nobody is sent after a healthy
/// service.
#[test]
fn a_target_probed_in_turn_says_so() {
    let slow = || {
        Server::start(|c| {
            thread::sleep(Duration::from_millis(1200));
            c.respond("200 OK", &[], b"ok");
        })
    };
    let (first, second) = (slow(), slow());
    let args = ["-t", "2s", &first.url("/"), &second.url("/")];
    let Some(run) = with_thread_limit(1, &args) else {
        return;
    };
    run.expect("timeout")
        .says(&format!("{} timeout: ", second.url("/")))
        .says("(probed in turn, with ")
        .says(" of the 2s deadline left: no thread could be started for it");
}

/// Every raw control, format or separator character an operator can put into a report —
/// an unknown variable's name, a target echoed in a suggestion, a `--json` value, a `-H`
/// value under `-v` — comes out escaped: a text report is its lines and nothing else, a
/// JSON report one object.
#[test]
fn operator_text_is_escaped_in_every_report() {
    let server = Server::answering("200 OK", "{\"status\":\"ok\"}");
    let url = server.url("/");
    let raw = [
        '\u{1b}', '\r', '\u{7f}', '\u{85}', '\u{9b}', '\u{202e}', '\u{2028}', '\u{2029}',
    ];
    let forged = "\u{1b}[2J\nhealthy: all good";
    let variable = format!("HEALTHPROBE_{forged}");
    let target = "ab\u{1b}[2Jc\rd";
    let json_check = "/status=\u{202e}x\u{2028}y\u{7f}z\u{85}w\u{9b}";
    let header = "X-Note: a\u{202e}b\u{2028}c\u{200b}d";
    for format in ["text", "json"] {
        type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);
        let cases: Vec<Case> = vec![
            (vec![], vec![(variable.as_str(), "1")]),
            (vec![target], vec![]),
            (vec!["--json", json_check, &url], vec![]),
            (vec!["-v", "-H", header, "--status", "500", &url], vec![]),
        ];
        for (mut args, env) in cases {
            args.extend(["--format", format]);
            let run = support::run_env(&args, &env);
            assert_eq!(run.code, Some(1), "{run:#?}");
            for c in raw {
                assert!(!run.stdout.contains(c), "{c:?} printed raw: {run:#?}");
            }
            if format == "json" {
                assert_eq!(run.stdout.lines().count(), 1, "{run:#?}");
                serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap();
            } else {
                // The first line is the verdict; any other is a `-v` detail, indented.
                let mut lines = run.stdout.lines();
                assert!(
                    lines
                        .next()
                        .is_some_and(|l| l.starts_with("unhealthy: ") || l.starts_with("error: "))
                );
                assert!(
                    lines.all(|l| l.starts_with("  ")),
                    "a forged line: {run:#?}"
                );
            }
        }
    }
}

/// An unknown option or variable of 120 KB is reported at once: the did-you-mean search
/// does not compare it with every option (that cost half a second). Bounded like every
/// run, well below what the comparison took.
#[test]
fn a_huge_unknown_name_is_reported_at_once() {
    let option = format!("--{}", "x".repeat(120_000));
    let variable = format!("HEALTHPROBE_{}", "X".repeat(120_000));
    for run in [run(&[&option]), support::run_env(&[], &[(&variable, "1")])] {
        run.expect("error");
        assert!(run.stdout.len() < 400, "{run:#?}");
        assert!(
            run.elapsed < Duration::from_millis(250),
            "{:?}",
            run.elapsed
        );
    }
}

/// Run in an empty root (no `/dev/null` to open) with standard output and error closed, a
/// `--wait` stopped by SIGTERM mid-attempt writes its stop report to something
/// that is not the probe's socket: the server receives the request and nothing else.
#[test]
#[cfg_attr(
    feature = "portable-sys",
    ignore = "Linux's sys variant only (docs/platforms.md)"
)]
fn in_an_empty_root_the_report_never_reaches_the_server() {
    use std::io::Read;
    if !support::is_root() {
        return support::skip(
            "in_an_empty_root_the_report_never_reaches_the_server",
            "needs root (chroot)",
        );
    }
    let root = support::scratch_dir("empty-root");
    std::fs::copy(BIN, root.join("healthprobe")).unwrap();
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let recorded = received.clone();
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let recorded = recorded.clone();
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    recorded.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
    });
    let root_c = std::ffi::CString::new(root.as_os_str().as_encoded_bytes()).unwrap();
    let mut command = Command::new("/healthprobe");
    command
        .args([
            "--wait",
            "20s",
            "-t",
            "10s",
            &format!("http://{addr}/health"),
        ])
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: chroot, chdir and close are async-signal-safe, and `root_c` was made before
    // the fork.
    unsafe {
        command.pre_exec(move || {
            if libc::chroot(root_c.as_ptr()) != 0 || libc::chdir(c"/".as_ptr()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Standard input stays open: the socket would take descriptor 1.
            libc::close(1);
            libc::close(2);
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    // Mid-attempt: the request is in, the answer never comes.
    for _ in 0..100 {
        if !received.lock().unwrap().is_empty() {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    thread::sleep(Duration::from_millis(200));
    send(&child, libc::SIGTERM);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{status:?}");
    thread::sleep(Duration::from_millis(200));
    let got = String::from_utf8_lossy(&received.lock().unwrap()).into_owned();
    assert!(got.starts_with("GET /health HTTP/1.1\r\n"), "{got:?}");
    assert!(
        got.ends_with("\r\n\r\n"),
        "the server received more: {got:?}"
    );
    assert!(
        !got.contains("timeout"),
        "the report reached the server: {got:?}"
    );
    std::fs::remove_dir_all(root).unwrap();
}

/// Under an address-space limit from 4 to 16 MB, 16 targets in JSON end in one verdict
/// and exit 0 or 1: out of memory is an `error` report, never an abort (exit 134).
#[test]
fn address_space_limits_end_in_a_verdict() {
    let prlimit = support::which("prlimit").expect("prlimit (util-linux)");
    let server = Server::answering("200 OK", "ok");
    let urls: Vec<String> = (0..16).map(|i| server.url(&format!("/{i}"))).collect();
    for mb in 4..=16 {
        let mut command = Command::new(&prlimit);
        command
            .arg(format!("--as={}", mb * 1_000_000))
            .args(["--", BIN, "--format", "json", "-t", "2s"])
            .args(&urls)
            .env_clear();
        let run = support::run_command(command);
        assert!(matches!(run.code, Some(0 | 1)), "{mb} MB: {run:#?}");
        assert_eq!(run.stdout.lines().count(), 1, "{mb} MB: {run:#?}");
        let v: serde_json::Value =
            serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{mb} MB: {e}: {run:#?}"));
        let healthy = v["result"] == "healthy";
        assert_eq!(run.code == Some(0), healthy, "{mb} MB: {run:#?}");
        assert!(
            !run.stderr.contains("memory allocation"),
            "{mb} MB: {run:#?}"
        );
    }
}

/// From the lowest address-space limit the binary can be started under (below it the
/// kernel's execve fails: nothing of ours runs) up by 4 KiB steps for 256 KiB: two
/// targets end in one verdict, exit 1. std takes a thread's handle from musl's malloc,
/// not the global allocator, and that failure aborted ("memory allocation of 64 bytes
/// failed", exit 134, at 1746–1764 KiB); it is now the out-of-memory `error`, where the
/// toolchain is a nightly (the shipped one).
#[test]
#[cfg_attr(
    feature = "portable-sys",
    ignore = "Linux's sys variant only (docs/platforms.md)"
)]
fn the_tightest_address_space_limits_end_in_a_verdict() {
    if !cfg!(alloc_error_hook) {
        // Not a missing prerequisite: std's hook is unstable (sys::process).
        return support::announce_skip(
            "the_tightest_address_space_limits_end_in_a_verdict",
            "a stable build has no allocation-failure hook, and still aborts there",
        );
    }
    let prlimit = support::which("prlimit").expect("prlimit (util-linux)");
    let refused = format!("tcp://127.0.0.1:{}", support::refused_port());
    let under = |kib: u64| {
        let mut command = Command::new(&prlimit);
        command
            .arg(format!("--as={}", kib * 1024))
            .args(["--", BIN, "-t", "1s", &refused, &refused])
            .env_clear();
        command
    };
    // The lowest limit at which the binary starts: below it execve fails and the kernel
    // kills the process with SIGSEGV before any of its code runs.
    let lowest = (1024..4096)
        .step_by(4)
        .find(|&kib| {
            use std::os::unix::process::ExitStatusExt;
            under(kib).output().unwrap().status.signal() != Some(libc::SIGSEGV)
        })
        .expect("the probe starts under 4 MiB");
    let run_under = |kib: u64| support::run_command(under(kib));
    let mut errors = 0;
    for kib in (lowest..lowest + 256).step_by(4) {
        let run = run_under(kib);
        assert_eq!(run.code, Some(1), "{kib} KiB: {run:#?}");
        assert_eq!(run.stdout.lines().count(), 1, "{kib} KiB: {run:#?}");
        assert!(
            !run.stderr.contains("memory allocation"),
            "{kib} KiB: {run:#?}"
        );
        errors += usize::from(run.stdout.starts_with("error: out of memory"));
    }
    // The sweep crosses the limits where memory runs out, and where it does not.
    assert!(errors > 0 && errors < 64, "{errors} of 64 out of memory");
}

/// Resolver failures say what happened, in one wording per condition: a nameserver that
/// answers NXDOMAIN is `unreachable: name not found`, naming it; one that never answers
/// is `timeout: no answer from the resolver`, whether the probe's deadline passed with
/// the lookup under way or musl's resolver gave up first (`options timeout:1
/// attempts:1`, so it does within the wait). Under `--wait` the progress says the one
/// condition once (it alternated between two wordings), and the final line words the
/// last attempt's cut deadline for the wait. Each nameserver runs in a network namespace
/// of the test's own, with /etc/resolv.conf bind-mounted in a mount namespace.
#[test]
fn resolver_failures_say_what_happened_once() {
    let Some(unshare) = nameserver_namespaces("resolver_failures_say_what_happened_once") else {
        return;
    };
    let dir = support::scratch_dir("resolver-words");
    let resolv = dir.join("resolv.conf");
    std::fs::write(
        &resolv,
        "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    )
    .unwrap();
    // A nameserver answering every query with NXDOMAIN (the query's id and question back,
    // QR RD RA and rcode 3), or reading every query and never answering. Each ends by
    // itself (15 s idle): nothing else would end it in its namespace.
    let nxdomain = "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); \
        s.bind((\"127.0.0.1\", 53)); s.settimeout(15)\nwhile True:\n q, a = s.recvfrom(512)\n \
        s.sendto(q[:2] + bytes([0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0]) + q[12:], a)";
    let silent = "import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); \
        s.bind((\"127.0.0.1\", 53)); time.sleep(15)";
    let probe = |server: &str, args: &str| {
        let script = format!(
            "ip link set lo up && mount --bind {resolv} /etc/resolv.conf && \
             (python3 -c '{server}' >/dev/null 2>&1 &) && sleep 0.3 && exec {BIN} {args}",
            resolv = resolv.display()
        );
        let output = Command::new(&unshare)
            .args(["--net", "--mount", "sh", "-c", &script])
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (stdout, _) = probe(nxdomain, "-t 2s http://db.example:5432/");
    assert_eq!(
        stdout,
        "unreachable: name not found: db.example (nameserver 127.0.0.1 from /etc/resolv.conf)\n"
    );
    let (stdout, progress) = probe(silent, "--wait 3s --interval 50ms tcp://db.example:5432");
    let said =
        "no answer from the resolver for db.example (nameserver 127.0.0.1 from /etc/resolv.conf)";
    assert!(
        stdout.starts_with(&format!("timeout: {said} in the wait's last ")),
        "{stdout}"
    );
    assert!(stdout.contains("(gave up waiting after "), "{stdout}");
    assert_eq!(
        progress.lines().count(),
        1,
        "one condition, one line: {progress}"
    );
    assert!(
        progress.starts_with(&format!("waiting: timeout: {said} within ")),
        "{progress}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
