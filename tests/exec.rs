//! `healthprobe [OPTIONS] TARGET... -- COMMAND [ARG...]`: once healthy, the process becomes
//! COMMAND, proved on real processes (a C program that reports what it received), and
//! `--success-threshold`.

use crate::support;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::{BIN, Server, refused_port, run_command, scratch_dir};

/// `support/exec_report.c`, built once per test process into `dir`.
fn reporter(dir: &Path) -> PathBuf {
    support::compile_c(
        "cc",
        &["-O2"],
        "tests/support/exec_report.c",
        &dir.join("report"),
    )
    .expect("cc builds tests/support/exec_report.c")
}

/// What the reporter printed.
#[derive(Debug, Default)]
struct Received {
    pid: u32,
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    fds: Vec<String>,
    /// The ignored and blocked signal masks, in the kernel's hex.
    ignored: String,
    blocked: String,
}

fn received(stdout: &[u8]) -> Received {
    let unhex = |h: &str| {
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect::<Vec<u8>>()
    };
    let mut r = Received::default();
    for line in String::from_utf8_lossy(stdout).lines() {
        let (kind, value) = line.split_once(' ').unwrap_or((line, ""));
        match kind {
            "pid" => r.pid = value.parse().unwrap(),
            "arg" => r.args.push(unhex(value)),
            "env" => r.env.push(unhex(value)),
            "fd" => r.fds.push(value.to_string()),
            "sigign" => r.ignored = value.to_string(),
            "sigblk" => r.blocked = value.to_string(),
            _ => panic!("unexpected line {line:?}"),
        }
    }
    r
}

fn bytes(text: &[u8]) -> OsString {
    OsString::from_vec(text.to_vec())
}

#[test]
fn becomes_the_command_with_its_pid_arguments_environment_and_descriptors() {
    let dir = scratch_dir("exec-becomes");
    reporter(&dir);
    let server = Server::answering("200 OK", "{}");
    let args: Vec<OsString> = vec![
        "two words".into(),
        "\"quoted\" 'single'".into(),
        "line\nbreak".into(),
        bytes(b"not \xff\xfe utf-8"),
        "".into(),
        "--".into(),
        "-v".into(),
    ];
    let env: Vec<(OsString, OsString)> = vec![
        ("PATH".into(), dir.clone().into_os_string()),
        ("HEALTHPROBE_TIMEOUT".into(), "2s".into()),
        ("PORT".into(), "1234".into()),
        ("APP_SECRET".into(), "value=with=equals".into()),
        (bytes(b"RAW_BYTES"), bytes(b"\xc3\x28 \xff")),
        ("EMPTY".into(), "".into()),
    ];
    // Once, once with -q, and with --wait on `localhost` (the wait's signal handlers, the
    // resolver's rules) over TCP.
    let wait_url = format!("http://localhost:{}/health", server.port());
    for (quiet, wait) in [(false, false), (true, false), (false, true)] {
        let mut command = Command::new(BIN);
        command.env_clear().envs(env.iter().map(|(k, v)| (k, v)));
        if quiet {
            command.arg("-q");
        }
        if wait {
            command.args(["--wait", "5s", &wait_url]);
        } else {
            command.arg(server.url("/health"));
        }
        command
            .arg("--")
            .arg("report")
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // The probe starts with 0-2 alone (the harness's own, such as cargo's jobserver
        // pipes, are not the probe's to close): any other in the command is the probe's.
        use std::os::unix::process::CommandExt;
        // SAFETY: close_range(2) is async-signal-safe and touches no memory.
        unsafe {
            command.pre_exec(|| {
                libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
                Ok(())
            })
        };
        let child = command.spawn().unwrap();
        let pid = child.id();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let r = received(&out.stdout);
        assert_eq!(r.pid, pid, "the command keeps the probe's PID");
        assert_eq!(r.args[0], b"report");
        let sent: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        assert_eq!(r.args[1..], sent[..], "the arguments, byte for byte");
        let mut expected: Vec<Vec<u8>> = env
            .iter()
            .map(|(k, v)| [k.as_bytes(), b"=", v.as_bytes()].concat())
            .collect();
        let mut got = r.env.clone();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "the environment, whole and unchanged");
        assert_eq!(
            r.fds,
            ["0", "1", "2"],
            "no descriptor of the probe's survives"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        if quiet {
            assert_eq!(stderr, "", "-q silences the healthy report");
        } else {
            assert!(stderr.starts_with("healthy: 200 OK"), "{stderr}");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// The command gets the signal dispositions and mask the probe was started with, as a
/// shell's `exec` passes them on: `nohup healthprobe … -- app` keeps nohup. The parent
/// here ignores HUP, INT, QUIT, USR1, PIPE and TERM (as nohup or a supervisor does) and
/// blocks USR2; the reporter started through `sh -c 'exec report'` is the oracle.
/// Without and with `--wait` (whose stop handlers take TERM, INT and HUP only when they
/// are not ignored), and from a parent that ignores nothing.
#[test]
#[cfg_attr(
    feature = "portable-sys",
    ignore = "Linux's sys variant only (docs/platforms.md)"
)]
fn the_command_gets_the_signal_dispositions_and_mask_the_probe_was_started_with() {
    use std::os::unix::process::CommandExt;
    let dir = scratch_dir("exec-signals");
    let report = reporter(&dir);
    let server = Server::answering("200 OK", "{}");
    let started = |mut command: Command, ignore: bool| {
        // SAFETY: signal(2) and sigprocmask(2) are async-signal-safe and touch only the
        // child's own dispositions and mask, between fork and exec.
        unsafe {
            command.pre_exec(move || {
                for signum in [libc::SIGHUP, libc::SIGINT, libc::SIGQUIT, libc::SIGUSR1] {
                    libc::signal(signum, if ignore { libc::SIG_IGN } else { libc::SIG_DFL });
                }
                for signum in [libc::SIGPIPE, libc::SIGTERM] {
                    libc::signal(signum, if ignore { libc::SIG_IGN } else { libc::SIG_DFL });
                }
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                if ignore {
                    libc::sigaddset(&mut set, libc::SIGUSR2);
                }
                libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
                Ok(())
            })
        };
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        received(&out.stdout)
    };
    for ignore in [true, false] {
        let mut shell = Command::new("sh");
        shell.arg("-c").arg("exec \"$0\"").arg(&report);
        let oracle = started(shell, ignore);
        if ignore {
            // HUP, INT, QUIT, USR1, PIPE, TERM (and whatever this process was given).
            let ignored = u64::from_str_radix(oracle.ignored.trim(), 16).unwrap();
            assert_eq!(ignored & 0x5207, 0x5207, "{}", oracle.ignored);
            assert_eq!(oracle.blocked.trim(), "0000000000000800", "USR2");
        }
        for wait in [false, true] {
            let mut probe = Command::new(BIN);
            if wait {
                probe.args(["--wait", "5s"]);
            }
            probe.arg(server.url("/health")).arg("--").arg(&report);
            let got = started(probe, ignore);
            assert_eq!(
                (got.ignored.as_str(), got.blocked.as_str()),
                (oracle.ignored.as_str(), oracle.blocked.as_str()),
                "ignore {ignore}, wait {wait}"
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// The report goes to stderr in this form, in JSON too; stdout is the command's alone.
#[test]
fn the_report_goes_to_stderr() {
    let server = Server::answering("200 OK", "{}");
    let out = Command::new(BIN)
        .args([
            "--format",
            "json",
            &server.url("/health"),
            "--",
            "echo",
            "app",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"app\n");
    let json: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(json["result"], "healthy");
}

/// `PATH` as execvp searches it, its default when unset, and a shell's exit codes.
#[test]
fn path_lookup_not_found_and_not_executable() {
    let dir = scratch_dir("exec-path");
    let server = Server::answering("200 OK", "{}");
    let url = server.url("/health");
    let probe = |path: Option<&OsStr>, args: &[&str]| {
        let mut command = Command::new(BIN);
        command.env_clear();
        if let Some(path) = path {
            command.env("PATH", path);
        }
        command.arg(&url).arg("--").args(args);
        run_command(command)
    };
    // No PATH at all, as in a `scratch` image: /usr/local/bin:/bin:/usr/bin.
    let ran = probe(None, &["sh", "-c", "echo ran"]);
    assert_eq!(ran.code, Some(0));
    assert_eq!(ran.stdout, "ran\n");
    let ran = probe(
        Some(OsStr::new("/nowhere:/bin:/usr/bin")),
        &["sh", "-c", "echo ran"],
    );
    assert_eq!(ran.stdout, "ran\n");

    let missing = probe(Some(OsStr::new("/nowhere")), &["node", "dist/index.js"]);
    assert_eq!(missing.code, Some(127), "{missing:?}");
    assert_eq!(missing.stdout, "");
    assert!(
        missing
            .stderr
            .starts_with("error: cannot start \"node\": not found in PATH=/nowhere"),
        "{missing:?}"
    );
    assert_eq!(missing.stderr.lines().count(), 1, "one report: {missing:?}");

    std::fs::write(dir.join("app"), "#!/bin/sh\necho no\n").unwrap();
    let not_executable = probe(Some(dir.as_os_str()), &["app"]);
    assert_eq!(not_executable.code, Some(126), "{not_executable:?}");
    assert!(
        not_executable.stderr.contains("is not executable"),
        "{not_executable:?}"
    );
    let path = dir.join("app").display().to_string();
    let direct = probe(None, &[&path]);
    assert_eq!(direct.code, Some(126), "{direct:?}");
    let absent = probe(None, &["/no/such/app"]);
    assert_eq!(absent.code, Some(127), "{absent:?}");

    // A configuration error in this form goes to stderr too: stdout is the app's.
    let nothing = probe(None, &[]);
    assert_eq!(nothing.code, Some(1));
    assert_eq!(nothing.stdout, "", "{nothing:?}");
    assert!(
        nothing.stderr.starts_with("error: nothing after --"),
        "{nothing:?}"
    );
    let mut typo = Command::new(BIN);
    typo.args(["--tiemout", "1s", &url, "--", "true"]);
    let typo = run_command(typo);
    assert_eq!((typo.code, typo.stdout.as_str()), (Some(1), ""), "{typo:?}");
    assert!(typo.stderr.contains("did you mean --timeout?"), "{typo:?}");

    // A script without #!: execvp and shells would run it with /bin/sh; healthprobe
    // starts no shell, and says so at once, as the run's one report (126), nothing run.
    let script = dir.join("noshebang");
    std::fs::write(&script, "echo ran\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let no_shebang = probe(None, &[script.to_str().unwrap()]);
    assert_eq!(no_shebang.code, Some(126), "{no_shebang:?}");
    assert_eq!(no_shebang.stdout, "", "{no_shebang:?}");
    assert!(
        no_shebang
            .stderr
            .contains("neither a binary nor a script starting with #!"),
        "{no_shebang:?}"
    );
    assert_eq!(no_shebang.stderr.lines().count(), 1, "{no_shebang:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A typo in the command does not hide behind the wait: with the dependency down, the
/// command is looked up before the first attempt, and one that cannot start is the run's
/// one report at once (127, 126), with no `waiting:` line.
#[test]
fn a_command_that_cannot_start_is_said_before_the_wait() {
    let refused = format!("tcp://127.0.0.1:{}", refused_port());
    for (command, code) in [("nodee", 127), ("/etc/hostname", 126)] {
        let mut probe = Command::new(BIN);
        probe.args(["--wait", "30s", &refused, "--", command, "app.js"]);
        let run = run_command(probe);
        assert_eq!(run.code, Some(code), "{run:?}");
        assert!(run.stderr.starts_with("error: cannot start"), "{run:?}");
        assert_eq!(run.stderr.lines().count(), 1, "no waiting line: {run:?}");
        assert!(run.elapsed < Duration::from_millis(500), "{run:?}");
    }
}

/// A command `execve` refuses only once the healthy report is out (an ELF for another
/// machine: ENOEXEC) gets its report after it, and both fit in the 4096 bytes Docker
/// keeps, even after `-v` with sixteen targets.
#[test]
fn a_refused_command_after_a_full_report_stays_within_the_output_limit() {
    let dir = scratch_dir("exec-refused");
    let foreign = dir.join("foreign");
    std::fs::write(&foreign, b"\x7fELF\x02\x01\x01\0 not a real program").unwrap();
    std::fs::set_permissions(&foreign, std::fs::Permissions::from_mode(0o755)).unwrap();
    let server = Server::answering("200 OK", "a long enough body to be shown under -v");
    let urls: Vec<String> = (0..16)
        .map(|i| server.url(&format!("/a/long/path/to/make/the/report/long/{i:02}")))
        .collect();
    let mut command = Command::new(BIN);
    command.arg("-v").args(&urls).arg("--").arg(&foreign);
    let run = run_command(command);
    assert_eq!(run.code, Some(126), "{run:?}");
    assert!(run.stderr.starts_with("healthy: "), "{run:?}");
    let last = run.stderr.lines().last().unwrap();
    assert!(last.starts_with("error: cannot start"), "{run:?}");
    assert!(
        run.output_len() <= 4096,
        "{} bytes: {run:?}",
        run.output_len()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Not healthy, a wait that runs out, a signal during the wait: nothing is started.
#[test]
fn nothing_starts_unless_healthy() {
    let dir = scratch_dir("exec-nothing");
    let marker = dir.join("started");
    let touch = format!("touch {}", marker.display());
    let refused = format!("http://127.0.0.1:{}/health", refused_port());
    let down = Server::answering("503 Service Unavailable", "");
    for args in [
        vec![refused.as_str()],
        vec![&down.url("/health")],
        vec!["--wait", "300ms", "--interval", "50ms", &refused],
    ] {
        let mut command = Command::new(BIN);
        command.args(&args).args(["--", "sh", "-c", &touch]);
        let run = run_command(command);
        assert_eq!(run.code, Some(1), "{run:?}");
        assert!(!marker.exists(), "{args:?} started the command");
        assert!(run.stdout.is_empty(), "the report is on stderr: {run:?}");
    }
    // SIGTERM during the wait.
    let child = Command::new(BIN)
        .args(["--wait", "10s", &refused, "--", "sh", "-c", &touch])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: kill(2) with the child's PID, which has not been waited for.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    if cfg!(feature = "portable-sys") {
        // No stop report there: SIGTERM's default action ends the process.
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(libc::SIGTERM), "{out:?}");
    } else {
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("stopped by a signal"));
    }
    assert!(
        !marker.exists(),
        "SIGTERM during the wait started the command"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A server that answers 200 when `healthy(n)` holds of its n-th request (from 0), 503
/// otherwise, and counts the requests.
fn scripted(healthy: fn(usize) -> bool) -> (Server, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let server = Server::start(move |c| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        if healthy(n) {
            c.respond("200 OK", &[], b"ok");
        } else {
            c.respond("503 Service Unavailable", &[], b"");
        }
    });
    (server, count)
}

#[test]
fn success_threshold_counts_healthy_attempts_in_a_row() {
    // Healthy from the third request on: healthy after exactly three in a row.
    let (server, count) = scripted(|n| n >= 2);
    let threshold = |wait: &str, url: &str| {
        support::run(&[
            "--wait",
            wait,
            "--interval",
            "50ms",
            "--success-threshold",
            "3",
            url,
        ])
    };
    let run = threshold("10s", &server.url("/health"));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("(3 of 3 in a row)"), "{run:?}");
    assert!(run.stdout.contains("5 attempts"), "{run:?}");
    assert_eq!(count.load(Ordering::SeqCst), 5);
    assert!(
        run.stderr.contains("(1 of 3 in a row)"),
        "progress: {run:?}"
    );
    assert!(
        run.stderr.contains("(2 of 3 in a row)"),
        "progress: {run:?}"
    );

    // Alternating: never three in a row, so the wait runs out.
    let (server, _) = scripted(|n| n % 2 == 0);
    let run = threshold("1500ms", &server.url("/health"));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("gave up waiting"), "{run:?}");

    // Each counted attempt starts an interval after the one before: with a 5 s interval
    // a 1 s wait has one attempt at its start and one at its end, 0.8 s later, which
    // does not count; the wait runs out with one of the two.
    let (server, count) = scripted(|_| true);
    let run = support::run(&[
        "--wait",
        "1s",
        "--interval",
        "5s",
        "--success-threshold",
        "2",
        &server.url("/health"),
    ]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stdout
            .starts_with("timeout: healthy only 1 of the 2 times in a row asked"),
        "{run:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);

    // The variable, and the rules.
    let (server, _) = scripted(|_| true);
    let run = support::run_env(
        &["--wait", "5s", "--interval", "50ms", &server.url("/")],
        &[("HEALTHPROBE_SUCCESS_THRESHOLD", "2")],
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("(2 of 2 in a row)"), "{run:?}");
    support::run(&["--success-threshold", "3", &server.url("/")])
        .expect("error")
        .says("--success-threshold goes with --wait");
    support::run(&["--wait", "1s", "--success-threshold", "0", &server.url("/")])
        .expect("error")
        .says("is not a count from 1 to 1000");
}
