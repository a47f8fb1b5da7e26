//! Shared by the integration tests: run the real binary, and serve it from real loopback
//! sockets with scripted behaviour.

pub mod dependencies;
pub mod elf;
pub mod example;
pub mod h2;
pub mod objects;
pub mod pki;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The binary under test: the release musl build when run as the README says.
pub const BIN: &str = env!("CARGO_BIN_EXE_healthprobe");

/// The build with `--features tls`: the amd64 `-tls` release artifact.
pub fn tls_binary() -> &'static std::path::Path {
    static BIN: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| dist("linux/amd64", "amd64", true))
}

/// A release artifact as users get it: `scripts/dist` builds `platform` (Docker's name,
/// e.g. `linux/arm64`; cargo makes it a no-op when current) and this returns
/// `dist/healthprobe-<os>-<slug>[.exe]`, or its `-tls` sibling.
pub fn dist(platform: &str, slug: &str, tls: bool) -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dist = Command::new(root.join("scripts/dist"));
    if !tls {
        dist.arg("--plain");
    }
    let status = dist.arg(platform).status().expect("scripts/dist runs");
    assert!(status.success(), "scripts/dist {platform} failed");
    let suffix = if tls { "-tls" } else { "" };
    let os = platform.split('/').next().unwrap_or_default();
    let exe = if os == "windows" { ".exe" } else { "" };
    root.join(format!("dist/healthprobe-{os}-{slug}{suffix}{exe}"))
}

/// An empty directory `healthprobe-{name}-{pid}` under the system's temporary directory,
/// cleared of anything an earlier run left there. Each test runs in a process of its own,
/// so the name is the test's alone.
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("healthprobe-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Makes the server `command` starts die with the test process. A test that fails
/// aborts (panic = "abort"), so no Drop stops what it started; the kernel does, by
/// sending SIGTERM when the test's thread is gone (PR_SET_PDEATHSIG).
pub fn dies_with_test(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe, touches no memory of the parent, and is all
    // the closure does between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        })
    }
}

/// `out`, once it is known to be a success; else the test fails with `what` and its
/// standard error (an engine's `docker …` or `podman …`).
pub fn succeeded(what: impl std::fmt::Debug, out: std::process::Output) -> std::process::Output {
    assert!(
        out.status.success(),
        "{what:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A program on PATH, by its full path.
pub fn which(program: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Compiles one C file of this repository (`source`, relative to its root) to `out` with
/// `compiler` and `flags`; `None` if that fails (no compiler, say).
pub fn compile_c(
    compiler: &str,
    flags: &[&str],
    source: &str,
    out: &std::path::Path,
) -> Option<std::path::PathBuf> {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(source);
    // Each test runs in a process of its own (panic-abort-tests), so another one may be
    // running `out` right now: writing over it would fail with "text file busy", while a
    // rename replaces it atomically and leaves the running copy alone.
    let fresh = out.with_extension(format!("new-{}", std::process::id()));
    let status = Command::new(compiler)
        .args(flags)
        .arg("-o")
        .arg(&fresh)
        .arg(source)
        .status();
    (status.is_ok_and(|s| s.success()) && std::fs::rename(&fresh, out).is_ok())
        .then(|| out.to_path_buf())
}

/// No test run may take longer than this, whatever the binary does.
const HARD_LIMIT: Duration = Duration::from_secs(20);

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// The category word the report starts with.
    pub fn word(&self) -> &str {
        self.stdout.split(':').next().unwrap_or("")
    }

    /// Asserts the exit code and the category word together.
    #[track_caller]
    pub fn expect(&self, word: &str) -> &Self {
        let code = if word == "healthy" { 0 } else { 1 };
        assert_eq!(
            (self.code, self.word()),
            (Some(code), word),
            "expected {word}, got {self:#?}"
        );
        self
    }

    #[track_caller]
    pub fn says(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "output should contain {text:?}: {self:#?}"
        );
        self
    }

    pub fn output_len(&self) -> usize {
        self.stdout.len() + self.stderr.len()
    }
}

/// Runs the binary with exactly `env` as its environment, as a container runtime would.
pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(BIN);
    command.args(args).env_clear().envs(env.iter().copied());
    run_command(command)
}

pub fn run(args: &[&str]) -> Run {
    run_env(args, &[])
}

/// Runs a prepared command, killing it if it outlives [`HARD_LIMIT`].
pub fn run_command(mut command: Command) -> Run {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > HARD_LIMIT {
            let _ = child.kill();
            panic!("the binary ran past {HARD_LIMIT:?}");
        }
        thread::sleep(Duration::from_millis(2));
    };
    let elapsed = started.elapsed();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), None, "the binary died of a signal");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        elapsed,
    }
}

/// A connection accepted by a [`Server`], with the request head already read.
pub struct Conn {
    pub stream: TcpStream,
    pub request: String,
}

impl Conn {
    pub fn send(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
    }

    /// A complete response with a `Content-Length`.
    pub fn respond(&mut self, status: &str, headers: &[&str], body: &[u8]) {
        let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
        for h in headers {
            head.push_str(h);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        self.send(head.as_bytes());
        self.send(body);
    }

    /// Writes `chunk` over and over, up to `limit` bytes or until the probe goes away.
    pub fn flood(&mut self, chunk: &[u8], limit: usize) {
        let mut sent = 0;
        while sent < limit && self.stream.write_all(chunk).is_ok() {
            sent += chunk.len();
        }
    }

    /// Keeps the connection open without answering, until the probe goes away.
    pub fn hang(&mut self) {
        let _ = self.stream.set_read_timeout(Some(Duration::from_secs(15)));
        let mut sink = [0u8; 1024];
        while matches!(self.stream.read(&mut sink), Ok(n) if n > 0) {}
    }
}

/// A loopback HTTP server whose every connection is handled by a script.
pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(handler: impl Fn(&mut Conn) + Send + Sync + 'static) -> Server {
        Server::bind("127.0.0.1:0", handler)
    }

    pub fn bind(addr: &str, handler: impl Fn(&mut Conn) + Send + Sync + 'static) -> Server {
        Server::on(
            TcpListener::bind(addr).expect("bind a loopback port"),
            handler,
        )
    }

    pub fn on(
        listener: TcpListener,
        handler: impl Fn(&mut Conn) + Send + Sync + 'static,
    ) -> Server {
        Server::serve(listener, true, handler)
    }

    /// A server that hands over each connection without reading the request first.
    pub fn raw(handler: impl Fn(&mut Conn) + Send + Sync + 'static) -> Server {
        Server::serve(TcpListener::bind("127.0.0.1:0").unwrap(), false, handler)
    }

    fn serve(
        listener: TcpListener,
        read_request: bool,
        handler: impl Fn(&mut Conn) + Send + Sync + 'static,
    ) -> Server {
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let handler = Arc::new(handler);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = handler.clone();
                let seen = seen.clone();
                thread::spawn(move || {
                    let request = if read_request {
                        read_head(&stream)
                    } else {
                        String::new()
                    };
                    seen.lock().unwrap().push(request.clone());
                    handler(&mut Conn { stream, request });
                });
            }
        });
        Server { addr, requests }
    }

    /// Answers every request with `status` and `body`.
    pub fn answering(status: &'static str, body: &'static str) -> Server {
        Server::start(move |c| {
            c.respond(status, &["Content-Type: application/json"], body.as_bytes())
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// The request heads received so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn read_head(stream: &TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                head.push_str(&line);
                if line == "\r\n" {
                    break;
                }
            }
        }
    }
    head
}

/// A loopback address whose connects hang: a listener that never accepts, its accept queue
/// filled so that the kernel drops new SYNs. Keep the returned value alive while in use.
pub fn blackhole() -> (SocketAddr, Vec<TcpStream>, TcpListener) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    for _ in 0..1000 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(s) => held.push(s),
            Err(_) => return (addr, held, listener),
        }
    }
    panic!("the accept queue never filled");
}

/// A free loopback port, for a server to take: bound and released.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A loopback port that refuses connections for the rest of the test's process: held on
/// 127.0.0.1 and on ::1 (where there is IPv6) by sockets bound and never listening, so
/// that no other server (another test's, or a scenario's on another thread) can take it
/// and answer in its place. Each test is a process of its own: the sockets go with it.
pub fn refused_port() -> u16 {
    for _ in 0..50 {
        let Some((v4, port)) = bound_only(libc::AF_INET, 0) else {
            continue;
        };
        let v6 = bound_only(libc::AF_INET6, port);
        if v6.is_none() && TcpListener::bind("[::1]:0").is_ok() {
            // IPv6 is there, and the port is taken on it: another one.
            continue;
        }
        std::mem::forget((v4, v6));
        return port;
    }
    panic!("no loopback port free on both 127.0.0.1 and ::1");
}

/// A TCP socket bound to the loopback address of `family` at `port` (0: any), never
/// listening, so connections to it are refused and no other socket can take the port;
/// and the port it got. `None` when the port is taken.
pub fn bound_only(family: libc::c_int, port: u16) -> Option<(std::os::fd::OwnedFd, u16)> {
    use std::os::fd::{AsRawFd, FromRawFd};
    // SAFETY: socket(2) returns a new descriptor or -1, owned by exactly one OwnedFd;
    // setsockopt, bind and getsockname read or write only the locals they are given, with
    // their sizes.
    unsafe {
        let fd = libc::socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return None;
        }
        let owned = std::os::fd::OwnedFd::from_raw_fd(fd);
        let mut storage: libc::sockaddr_storage = std::mem::zeroed();
        let len = if family == libc::AF_INET {
            let addr = (&raw mut storage).cast::<libc::sockaddr_in>();
            (*addr).sin_family = libc::AF_INET as libc::sa_family_t;
            (*addr).sin_port = port.to_be();
            (*addr).sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, 1]).to_be();
            std::mem::size_of::<libc::sockaddr_in>()
        } else {
            let only: libc::c_int = 1;
            libc::setsockopt(
                fd,
                libc::IPPROTO_IPV6,
                libc::IPV6_V6ONLY,
                (&raw const only).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
            let addr = (&raw mut storage).cast::<libc::sockaddr_in6>();
            (*addr).sin6_family = libc::AF_INET6 as libc::sa_family_t;
            (*addr).sin6_port = port.to_be();
            (*addr).sin6_addr.s6_addr = std::net::Ipv6Addr::LOCALHOST.octets();
            std::mem::size_of::<libc::sockaddr_in6>()
        };
        let len = len as libc::socklen_t;
        if libc::bind(fd, (&raw const storage).cast(), len) != 0 {
            return None;
        }
        let mut got = len;
        if libc::getsockname(owned.as_raw_fd(), (&raw mut storage).cast(), &mut got) != 0 {
            return None;
        }
        let port = if family == libc::AF_INET {
            u16::from_be((*(&raw const storage).cast::<libc::sockaddr_in>()).sin_port)
        } else {
            u16::from_be((*(&raw const storage).cast::<libc::sockaddr_in6>()).sin6_port)
        };
        Some((owned, port))
    }
}

/// A test that cannot run here says so, and under CI (`CI=true`) fails instead: a
/// missing prerequisite there is a broken CI, not a pass.
pub fn skip(test: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test} cannot run: {why} (CI=true: every prerequisite must be present)");
    }
    announce_skip(test, why);
}

/// Says that `test` did not run, where the test output shows it. Each test runs in a
/// process of its own (`panic-abort-tests`), whose whole output the harness captures and
/// shows only for failing tests; so the line goes to the harness's own standard error,
/// the parent's descriptor 2, which is cargo's output. A newcomer's "ok" beside a skipped
/// test is then not taken for a pass.
pub fn announce_skip(test: &str, why: &str) {
    use std::io::Write;
    let line = format!("SKIP {test}: {why}\n");
    match harness_stderr() {
        Some(mut harness) => {
            let _ = harness.write_all(line.as_bytes());
        }
        None => eprint!("{line}"),
    }
}

/// The harness's standard error. Taken with pidfd_getfd(2) where allowed (root, or no
/// Yama restriction), which shares the harness's open file and so its offset: into a log
/// file (`cargo test > log 2>&1`) the line lands among the others instead of being written
/// over. Else opened afresh through /proc, which is right for the pipes and terminals
/// cargo's output usually goes to.
fn harness_stderr() -> Option<std::fs::File> {
    use std::os::fd::FromRawFd;
    let parent = std::os::unix::process::parent_id();
    // SAFETY: pidfd_open and pidfd_getfd take plain integers and return a new descriptor
    // or -1; each descriptor returned is owned by exactly one File, which closes it.
    unsafe {
        let pidfd = libc::syscall(libc::SYS_pidfd_open, parent, 0);
        if pidfd >= 0 {
            let pidfd = std::fs::File::from_raw_fd(pidfd as i32);
            use std::os::fd::AsRawFd;
            let fd = libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), 2, 0);
            if fd >= 0 {
                return Some(std::fs::File::from_raw_fd(fd as i32));
            }
        }
    }
    std::fs::OpenOptions::new()
        .append(true)
        .open(format!("/proc/{parent}/fd/2"))
        .ok()
}

/// Whether the tests run as root (namespaces, chroot, setuid).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// `strace -f -c`'s summary of one run of `argv`, written through `out`, with only `env`
/// for environment when given; None when strace is not installed or the run failed.
pub fn strace_summary(
    argv: &[&str],
    env: Option<&[(&str, &str)]>,
    out: &std::path::Path,
) -> Option<String> {
    let mut traced = Command::new(which("strace")?);
    traced
        .args(["-f", "-c", "-o"])
        .arg(out)
        .args(argv)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(env) = env {
        traced.env_clear().envs(env.iter().copied());
    }
    traced.status().ok()?.success().then_some(())?;
    std::fs::read_to_string(out).ok()
}

/// The calls counted on a summary's line for `name` (`total` for all): "100.00 0.000162 4
/// 14 1 total" has them in the fourth column.
pub fn strace_calls(summary: &str, name: &str) -> u64 {
    summary
        .lines()
        .filter(|l| l.split_whitespace().last() == Some(name))
        .filter_map(|l| l.split_whitespace().nth(3)?.parse::<u64>().ok())
        .sum()
}

/// The SHA-256 of `bytes` in hex, as sha256sum prints it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut sum = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    sum.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = sum.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}
