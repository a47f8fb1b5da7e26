//! `tcp://` targets and `--wait`, against real sockets.

use crate::support;

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::{BIN, Server, blackhole, free_port, refused_port, run, run_env};

#[test]
fn tcp_targets_check_that_a_connection_is_accepted() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    run(&[&format!("tcp://127.0.0.1:{port}")])
        .expect("healthy")
        .says(&format!(
            "healthy: connected to 127.0.0.1:{port} (tcp://127.0.0.1:{port}) in "
        ));
    run(&[&format!("tcp://localhost:{port}")]).expect("healthy");
    if let Ok(v6) = TcpListener::bind("[::1]:0") {
        let port = v6.local_addr().unwrap().port();
        run(&[&format!("tcp://[::1]:{port}")]).expect("healthy");
        // localhost goes on to ::1 when 127.0.0.1 refuses.
        run(&[&format!("tcp://localhost:{port}")])
            .expect("healthy")
            .says("[::1]");
    }
    let refused = refused_port();
    run(&[&format!("tcp://127.0.0.1:{refused}")])
        .expect("unreachable")
        .says(&format!("connection refused by 127.0.0.1:{refused}"));
    let (addr, _held, _listener) = blackhole();
    let hung = run(&["-t", "300ms", &format!("tcp://{addr}")]);
    hung.expect("timeout").says("no connection to");
    assert!(hung.elapsed < Duration::from_millis(400), "{hung:#?}");
    let env = run_env(
        &[],
        &[("HEALTHPROBE_URL", &format!("tcp://127.0.0.1:{port}"))],
    );
    env.expect("healthy");
    drop(listener);
}

#[test]
fn tcp_targets_refuse_http_options() {
    for (args, fragment) in [
        (vec!["tcp://127.0.0.1"], "tcp://HOST:PORT"),
        (vec!["tcp://127.0.0.1:5432/db"], "tcp://HOST:PORT"),
        (vec!["--body", "ok", "tcp://127.0.0.1:5432"], "tcp://"),
        (vec!["-H", "X: y", "tcp://127.0.0.1:5432"], "(not tcp://"),
        (
            vec!["--method", "HEAD", "tcp://127.0.0.1:5432"],
            "--method: for http:// targets only",
        ),
    ] {
        run(&args).expect("error").says(fragment);
    }
}

/// An app that starts answering 200 on `port` after `delay`, for 5 s.
fn healthy_after(port: u16, delay: Duration) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        thread::sleep(delay);
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let server = Server::on(listener, |c| c.respond("200 OK", &[], b"ok"));
        thread::sleep(Duration::from_secs(5));
        drop(server);
    })
}

#[test]
fn wait_returns_once_the_target_is_healthy() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/health");
    let starter = healthy_after(port, Duration::from_millis(700));
    let run = run(&["--wait", "5s", "--interval", "200ms", &url]);
    run.expect("healthy");
    assert!(run.elapsed < Duration::from_secs(2), "{run:#?}");
    let progress: Vec<&str> = run.stderr.lines().collect();
    assert!(
        !progress.is_empty(),
        "one line per failed attempt: {run:#?}"
    );
    assert!(
        progress
            .iter()
            .all(|l| l.starts_with("waiting: unreachable: connection refused")),
        "{run:#?}"
    );
    drop(starter);
}

#[test]
fn wait_gives_up_when_time_runs_out() {
    let target = format!("tcp://127.0.0.1:{}", refused_port());
    let run = run_env(
        &[&target],
        &[
            ("HEALTHPROBE_WAIT", "1s"),
            ("HEALTHPROBE_INTERVAL", "250ms"),
        ],
    );
    // The last attempt starts 200 ms before the end: 0.8 s, after those at 0, 0.25, 0.5
    // and 0.75 s.
    run.expect("unreachable").says("(gave up waiting after 8");
    assert!(run.elapsed >= Duration::from_millis(800), "{run:#?}");
    assert!(run.elapsed < Duration::from_millis(1300), "{run:#?}");
    // The same failure each time: reported once on the way, counted in the verdict.
    assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
    let attempts: u32 = run
        .stdout
        .split(", ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!((3..=5).contains(&attempts), "{attempts} attempts: {run:#?}");
    // A hung server: each attempt keeps its deadline, and the wait still ends in time.
    let hung = Server::start(|c| c.hang());
    let run = run_env(
        &["-t", "400ms", &hung.url("/")],
        &[("HEALTHPROBE_WAIT", "1s")],
    );
    run.expect("timeout");
    assert!(run.elapsed < Duration::from_millis(1300), "{run:#?}");
    // Configuration errors are not retried.
    let error = support::run(&["--wait", "5s", "--status", "bad"]);
    error.expect("error");
    assert!(error.elapsed < Duration::from_secs(1));
    run_env(&["--interval", "1s"], &[])
        .expect("error")
        .says("--interval goes with --wait");
}

#[test]
#[cfg_attr(
    feature = "portable-sys",
    ignore = "Linux's sys variant only (docs/platforms.md)"
)]
fn a_signal_ends_the_wait_at_once_with_exit_1() {
    for signal in ["TERM", "INT"] {
        let target = format!("tcp://127.0.0.1:{}", refused_port());
        let mut child = Command::new(BIN)
            .args(["--wait", "30s", &target])
            .env_clear()
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        thread::sleep(Duration::from_millis(300));
        let sent = Instant::now();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = child.wait().unwrap();
        assert!(
            sent.elapsed() < Duration::from_millis(500),
            "{signal}: slow to stop"
        );
        assert_eq!(exit.code(), Some(1), "{signal}: {exit:?}");
        let mut out = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
        assert!(
            out.starts_with("timeout: the wait was stopped by a signal after "),
            "{out}"
        );
    }
}

/// A Unix-socket HTTP server that answers with the request line and Host it saw, or hangs.
fn unix_server(path: &std::path::Path, hang: bool) -> std::os::unix::net::UnixListener {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
    let serving = listener.try_clone().unwrap();
    thread::spawn(move || {
        for mut stream in serving.incoming().flatten() {
            let mut head = Vec::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                head.push(line.trim_end().to_string());
                line.clear();
            }
            if hang {
                thread::sleep(Duration::from_secs(5));
                continue;
            }
            let host = head
                .iter()
                .find_map(|l| l.to_lowercase().strip_prefix("host: ").map(str::to_string));
            let body = format!(
                "{{\"request\":\"{}\",\"host\":\"{}\"}}",
                head[0],
                host.unwrap_or_default()
            );
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    listener
}

#[test]
fn unix_socket_carries_the_request() {
    let dir = support::scratch_dir("unix");
    let sock = dir.join("app.sock");
    let _listener = unix_server(&sock, false);
    let path = sock.to_str().unwrap();
    // The URL gives Host and path, as curl's --unix-socket does.
    run(&[
        "--unix-socket",
        path,
        "--json",
        "/host=app.internal",
        "--json",
        "/request=GET /health/ready HTTP/1.1",
        "http://app.internal/health/ready",
    ])
    .expect("healthy")
    .says("200 OK from http://app.internal/health/ready");
    run_env(&["-v"], &[("HEALTHPROBE_UNIX_SOCKET", path)])
        .expect("healthy")
        .says(&format!("address: unix socket {path}"));
    run(&["--unix-socket", path, "tcp://127.0.0.1:5432"])
        .expect("error")
        .says("--unix-socket");

    // Nobody listening on an existing socket file, and no file at all.
    let stale = dir.join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    run(&["--unix-socket", stale.to_str().unwrap(), "/health"])
        .expect("unreachable")
        .says(&format!("connection refused by {}", stale.display()));
    let missing = dir.join("missing.sock");
    run(&["--unix-socket", missing.to_str().unwrap(), "/health"])
        .expect("unreachable")
        .says(&format!("no socket at {}", missing.display()));

    // A hung app behind the socket: the deadline holds.
    let hung = dir.join("hung.sock");
    let _hung = unix_server(&hung, true);
    let run = run(&[
        "-t",
        "300ms",
        "--unix-socket",
        hung.to_str().unwrap(),
        "/health",
    ]);
    run.expect("timeout")
        .says(&format!("no response head from {}", hung.display()));
    assert!(run.elapsed < Duration::from_millis(400), "{run:#?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unix_socket_permission_denied_is_unreachable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = support::scratch_dir("unix-perm");
    let sock = dir.join("private.sock");
    let _listener = unix_server(&sock, false);
    std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o600)).unwrap();
    let path = sock.to_str().unwrap();
    let mut command = if support::is_root() {
        // Root passes every permission check: probe as uid 1001, as in a container.
        let mut c = Command::new(which_setpriv());
        c.args(["--reuid=1001", "--regid=1001", "--clear-groups", BIN]);
        c
    } else {
        std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o000)).unwrap();
        Command::new(BIN)
    };
    command.args(["--unix-socket", path, "/health"]).env_clear();
    support::run_command(command)
        .expect("unreachable")
        .says(&format!("permission denied connecting to {path}"));
    std::fs::remove_dir_all(dir).unwrap();
}

fn which_setpriv() -> std::path::PathBuf {
    support::which("setpriv").expect("setpriv (util-linux)")
}

#[test]
fn several_targets_are_probed_concurrently_and_all_must_be_healthy() {
    let web = Server::answering("200 OK", "ok");
    let db = TcpListener::bind("127.0.0.1:0").unwrap();
    let db_url = format!("tcp://{}", db.local_addr().unwrap());
    run(&[&web.url("/health"), &db_url])
        .expect("healthy")
        .says("all 2 targets in");

    let refused = format!("tcp://127.0.0.1:{}", refused_port());
    let run2 = run(&[&web.url("/health"), &refused]);
    run2.expect("unreachable").says(&format!(
        "1 of 2 targets failing: {refused} unreachable: connection refused"
    ));
    assert!(
        !run2.stdout.contains(&web.url("/health")),
        "only failing targets are named"
    );

    // Two hung targets cost one deadline, not two.
    let hung_a = Server::start(|c| c.hang());
    let hung_b = Server::start(|c| c.hang());
    let slow = run(&["-t", "500ms", &hung_a.url("/"), &hung_b.url("/")]);
    slow.expect("timeout").says("2 of 2 targets failing");
    assert!(slow.elapsed < Duration::from_millis(700), "{slow:#?}");

    // JSON names each target.
    let json = run(&["--format", "json", &web.url("/health"), &refused]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["result"], "unreachable");
    assert_eq!(v["targets"][0]["result"], "healthy");
    assert_eq!(v["targets"][0]["status"], 200);
    assert_eq!(v["targets"][1]["result"], "unreachable");
    assert_eq!(v["targets"][1]["url"], refused.as_str());
    drop(db);
}

/// The wait lasts its whole duration: an app that comes up in the last interval is still
/// seen, by a last attempt at the end; a wait that gives up says how long it really took.
#[test]
fn wait_probes_until_its_very_end() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/health");
    // After the attempt at 1.5 s, before the wait's end at 2 s.
    let starter = healthy_after(port, Duration::from_millis(1650));
    let run = run(&["--wait", "2s", "--interval", "1.5s", &url]);
    run.expect("healthy").says(" attempts)");
    assert!(run.stdout.contains("(waited 1."), "{run:#?}");
    starter.join().unwrap();

    let target = format!("tcp://127.0.0.1:{}", refused_port());
    let run = run_env(
        &[&target],
        &[
            ("HEALTHPROBE_WAIT", "1s"),
            ("HEALTHPROBE_INTERVAL", "400ms"),
        ],
    );
    run.expect("unreachable").says("(gave up waiting after ");
    assert!(run.elapsed >= Duration::from_millis(800), "{run:#?}");
}

/// Durations as Docker and Kubernetes write them.
#[test]
fn durations_in_docker_and_kubernetes_forms() {
    let ok = Server::answering("200 OK", "ok");
    for timeout in ["1m30s", "1h", "2.5s", "500ms", "1s500ms", "2"] {
        run(&["-t", timeout, &ok.url("/")]).expect("healthy");
    }
    run(&["--wait", "1m", "--interval", "0.5s", &ok.url("/")])
        .expect("healthy")
        .says("(waited ");
}
