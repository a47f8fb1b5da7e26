//! `postgres://`, `redis://` and `mysql://` targets against the real servers (Debian's
//! `postgresql`, `redis-server`, `mariadb-server`, which CI installs), with `pg_isready`
//! run beside healthprobe as the oracle for every PostgreSQL state; scripted servers for
//! the states a real one cannot be held in (Redis LOADING, MySQL's error 1040), for
//! wrong-protocol and silent peers.

use crate::support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::{Run, Server, free_port, is_root, run, scratch_dir, skip, which};

/// Waits until `ready` holds, for at most 30 s.
pub(crate) fn until(what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what}: not after 30 s"
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// A PostgreSQL cluster of the test's own, run as the `postgres` user.
pub(crate) struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Postgres {
    pub(crate) fn new(test: &str) -> Result<Postgres, String> {
        if !is_root() {
            return Err("needs root (the server runs as the postgres user)".to_string());
        }
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| versions.flatten().map(|v| v.path().join("bin")).next())
            .filter(|bin| bin.join("initdb").exists())
            .ok_or("no PostgreSQL server (apt-get install postgresql)")?;
        which("pg_isready").ok_or("no pg_isready (apt-get install postgresql-client)")?;
        let dir = scratch_dir(&format!("pg-{test}"));
        let pg = Postgres {
            bin,
            dir,
            port: free_port(),
        };
        Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&pg.dir)
            .status()
            .unwrap();
        pg.as_postgres(&format!(
            "{} -D {} -A trust -U postgres",
            pg.bin.join("initdb").display(),
            pg.data().display()
        ));
        Ok(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn as_postgres(&self, command: &str) {
        let out = Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c", command])
            .current_dir("/tmp")
            .output()
            .unwrap();
        assert!(out.status.success(), "{command}: {out:?}");
    }

    /// Starts the server (without waiting for it to accept connections).
    pub(crate) fn start(&self, options: &str) {
        self.as_postgres(&format!(
            "{} -D {} -l {} -o '-p {} -k {} -c listen_addresses=127.0.0.1 {options}' start",
            self.bin.join("pg_ctl").display(),
            self.data().display(),
            self.dir.join("log").display(),
            self.port,
            self.dir.display()
        ));
    }

    fn stop(&self) {
        self.as_postgres(&format!(
            "{} -D {} -m immediate -w stop",
            self.bin.join("pg_ctl").display(),
            self.data().display()
        ));
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://127.0.0.1:{}", self.port)
    }

    /// pg_isready's exit code: 0 accepting, 1 rejecting, 2 no response.
    pub(crate) fn pg_isready(&self) -> i32 {
        Command::new("pg_isready")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-t", "3"])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .code()
            .unwrap()
    }

    /// healthprobe and pg_isready judge the server alike, and healthprobe says `says`.
    #[track_caller]
    fn agree(&self, word: &str, says: &str) -> Run {
        let probe = run(&["-t", "3s", &self.url()]);
        let oracle = self.pg_isready();
        let expected = match word {
            "healthy" => 0,
            "unhealthy" => 1,
            _ => 2,
        };
        assert_eq!(oracle, expected, "pg_isready, for {word}: {probe:#?}");
        probe.expect(word).says(says);
        probe
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c"])
            .arg(format!(
                "{} -D {} -m immediate -w stop",
                self.bin.join("pg_ctl").display(),
                self.data().display()
            ))
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn postgres_judged_as_pg_isready_judges_it() {
    let pg = match Postgres::new("states") {
        Ok(pg) => pg,
        Err(why) => return skip("postgres_judged_as_pg_isready_judges_it", &why),
    };
    // Stopped: nothing listens.
    pg.agree("unreachable", "connection refused");
    // Up, trusting everyone.
    pg.start("");
    until("postgres up", || pg.pg_isready() == 0);
    pg.agree("healthy", "PostgreSQL at 127.0.0.1:")
        .says(": accepting connections in ");
    // Password-protected: it asks for one, so it accepts connections.
    pg.stop();
    let hba = pg.data().join("pg_hba.conf");
    let text = std::fs::read_to_string(&hba).unwrap();
    std::fs::write(&hba, text.replace(" trust", " scram-sha-256")).unwrap();
    pg.start("");
    until("postgres up with passwords", || pg.pg_isready() == 0);
    pg.agree("healthy", "password authentication required");
    // In recovery without hot standby: 57P03, rejecting every connection.
    pg.stop();
    let signal = pg.data().join("standby.signal");
    std::fs::write(&signal, "").unwrap();
    Command::new("chown")
        .arg("postgres:postgres")
        .arg(&signal)
        .status()
        .unwrap();
    pg.start("-c hot_standby=off");
    until("postgres in recovery", || pg.pg_isready() == 1);
    pg.agree("unhealthy", "not accepting connections: ")
        .says("(SQLSTATE 57P03)");
    // Coming up during a --wait: it returns once the server accepts connections.
    pg.stop();
    std::fs::remove_file(&signal).unwrap();
    let url = pg.url();
    let waiting =
        thread::spawn(move || run(&["--wait", "20s", "--interval", "200ms", "-t", "1s", &url]));
    thread::sleep(Duration::from_millis(700));
    pg.start("");
    let waited = waiting.join().unwrap();
    waited.expect("healthy").says("attempts)");
    assert_eq!(pg.pg_isready(), 0, "healthy only once pg_isready agrees");
}

/// A Redis server of the test's own; `password` turns on `requirepass`.
struct Redis {
    port: u16,
    child: std::process::Child,
}

impl Redis {
    fn start(password: Option<&str>) -> Result<Redis, String> {
        which("redis-server").ok_or("no redis-server (apt-get install redis-server)")?;
        Ok(Redis::on(free_port(), password))
    }

    /// A server on `port`, answering once this returns.
    fn on(port: u16, password: Option<&str>) -> Redis {
        let mut command = Command::new(which("redis-server").unwrap());
        let port_text = port.to_string();
        command.args(["--port", &port_text, "--bind", "127.0.0.1", "--save", ""]);
        if let Some(password) = password {
            command.args(["--requirepass", password]);
        }
        let child = support::dies_with_test(&mut command)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let redis = Redis { port, child };
        until("redis up", || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn redis_pong_and_noauth() {
    let plain = match Redis::start(None) {
        Ok(redis) => redis,
        Err(why) => return skip("redis_pong_and_noauth", &why),
    };
    run(&[&plain.url()])
        .expect("healthy")
        .says("Redis at 127.0.0.1:")
        .says("accepting connections (PONG)");
    let locked = Redis::start(Some("a-long-password")).unwrap();
    run(&[&locked.url()])
        .expect("healthy")
        .says("accepting connections; authentication required");
    // JSON keeps its keys: status is null, the reason names the protocol.
    let json = run(&["--format", "json", &plain.url()]);
    assert_eq!(json.code, Some(0), "{json:#?}");
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["result"], "healthy");
    assert_eq!(report["status"], serde_json::Value::Null);
    assert_eq!(report["url"], plain.url());
    assert!(
        report["reason"]
            .as_str()
            .unwrap()
            .starts_with("Redis at 127.0.0.1:")
    );
    let url = plain.url();
    let port = plain.port;
    drop(plain);
    run(&[&url])
        .expect("unreachable")
        .says("connection refused");
    // Coming up during a --wait: healthy once it answers PING.
    let waiting = thread::spawn(move || run(&["--wait", "20s", "--interval", "200ms", &url]));
    thread::sleep(Duration::from_millis(600));
    let again = Redis::on(port, None);
    waiting.join().unwrap().expect("healthy").says("(PONG)");
    drop(again);
}

#[test]
fn mariadb_greeting() {
    let (Some(server), Some(install)) = (which("mariadbd"), which("mariadb-install-db")) else {
        return skip(
            "mariadb_greeting",
            "no MariaDB server (apt-get install mariadb-server)",
        );
    };
    if !is_root() {
        return skip("mariadb_greeting", "needs root (mariadbd --user=root)");
    }
    let dir = scratch_dir("mariadb");
    let data = dir.join("data");
    let status = Command::new(install)
        .arg(format!("--datadir={}", data.display()))
        .args(["--user=root", "--auth-root-authentication-method=normal"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let port = free_port();
    let url = format!("mysql://127.0.0.1:{port}");
    // Waited for while it comes up: healthy once it greets.
    let wait_url = url.clone();
    let waiting = thread::spawn(move || run(&["--wait", "25s", "--interval", "200ms", &wait_url]));
    let mut child = support::dies_with_test(&mut Command::new(server))
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", dir.join("sock").display()))
        .arg(format!("--port={port}"))
        .args(["--user=root", "--bind-address=127.0.0.1", "--skip-log-bin"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    waiting.join().unwrap().expect("healthy").says("attempts)");
    run(&[&url])
        .expect("healthy")
        .says("MySQL at 127.0.0.1:")
        .says("accepting connections (server ")
        .says("MariaDB");
    let mariadb = format!("mariadb://127.0.0.1:{port}");
    run(&[&mariadb]).expect("healthy");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}

/// The states a real server cannot be held in, scripted byte for byte.
#[test]
fn scripted_states_wrong_protocols_and_silence() {
    let loading = Server::raw(|c| {
        let mut buf = [0u8; 64];
        let _ = std::io::Read::read(&mut c.stream, &mut buf);
        c.send(b"-LOADING Redis is loading the dataset in memory\r\n");
    });
    run(&[&format!("redis://{}", loading.addr)])
        .expect("unhealthy")
        .says("not accepting commands: LOADING Redis is loading the dataset in memory");
    // MySQL's greeting replaced by error 1040, as a server at max_connections sends it.
    let full = Server::raw(|c| {
        let message = b"Too many connections";
        let mut payload = vec![0xFF, 0x10, 0x04];
        payload.extend_from_slice(b"#08004");
        payload.extend_from_slice(message);
        let mut packet = vec![payload.len() as u8, 0, 0, 0];
        packet.extend_from_slice(&payload);
        c.send(&packet);
    });
    run(&[&format!("mysql://{}", full.addr)])
        .expect("unhealthy")
        .says("not accepting connections: error 1040: Too many connections");
    // An HTTP server is none of them: it answers their bytes with 400.
    let http = Server::raw(|c| {
        let mut buf = [0u8; 64];
        let _ = std::io::Read::read(&mut c.stream, &mut buf);
        c.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
    for scheme in ["postgres", "redis"] {
        run(&[&format!("{scheme}://{}", http.addr)])
            .expect("unreachable")
            .says("does not speak ");
    }
    // MySQL's server speaks first; an SSH server does too, in its own words.
    let ssh = Server::raw(|c| c.send(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"));
    run(&[&format!("mysql://{}", ssh.addr)])
        .expect("unreachable")
        .says("does not speak MySQL: the reply is in another protocol");
    // A peer that accepts and stays silent: the deadline, in the protocol's words.
    let silent = Server::raw(|c| c.hang());
    for (scheme, protocol) in [
        ("postgres", "PostgreSQL"),
        ("redis", "Redis"),
        ("mysql", "MySQL"),
    ] {
        let probe = run(&["-t", "300ms", &format!("{scheme}://{}", silent.addr)]);
        probe
            .expect("timeout")
            .says(&format!("no {protocol} reply from "));
        assert!(probe.elapsed < Duration::from_millis(700), "{probe:#?}");
    }
    // A flood is read no further than 4 KiB, and judged within the deadline.
    let flood = Server::raw(|c| c.flood(&[b'x'; 1024], 1 << 30));
    let probe = run(&["-t", "1s", &format!("redis://{}", flood.addr)]);
    probe.expect("unreachable").says("longer than 4 KiB");
    assert!(probe.elapsed < Duration::from_millis(1300), "{probe:#?}");
}

#[test]
fn database_targets_take_no_http_options_and_no_path() {
    for (args, says) in [
        (
            vec!["--body", "ok", "postgres://127.0.0.1"],
            "for http:// targets",
        ),
        (
            vec!["-H", "X: y", "redis://127.0.0.1"],
            "for http:// and grpc:// targets",
        ),
        (
            vec!["postgres://127.0.0.1:5432/mydb"],
            "postgres:// targets are written postgres://HOST[:PORT]",
        ),
        (
            vec!["postgres://user:pw@127.0.0.1"],
            "credentials in the URL",
        ),
    ] {
        run(&args).expect("error").says(says);
    }
    // Default ports.
    for (url, port) in [
        ("postgres://127.0.0.1", 5432),
        ("postgresql://127.0.0.1", 5432),
        ("redis://127.0.0.1", 6379),
        ("mysql://127.0.0.1", 3306),
        ("mariadb://127.0.0.1", 3306),
    ] {
        let probe = run(&["-t", "300ms", url]);
        assert!(
            probe.stdout.contains(&format!("127.0.0.1:{port}")),
            "{url}: {probe:#?}"
        );
    }
}

/// A scripted PostgreSQL server that answers the startup message with a message of
/// `kind` declaring `len` bytes (itself included), and sends them all.
fn postgres_declaring(kind: u8, len: u32) -> Server {
    Server::raw(move |c| {
        let _ = std::io::Read::read(&mut c.stream, &mut [0u8; 256]);
        let mut message = vec![kind];
        message.extend_from_slice(&len.to_be_bytes());
        let mut body = match kind {
            // SASL authentication, its mechanism list padded out.
            b'R' => vec![0, 0, 0, 10],
            _ => b"SFATAL\0C28000\0M".to_vec(),
        };
        body.resize(len as usize - 4, b'x');
        if kind == b'E' {
            let end = body.len();
            body[end - 2] = 0;
            body[end - 1] = 0;
        }
        message.extend_from_slice(&body);
        c.send(&message);
        c.hang();
    })
}

/// Every length around the 4 KiB reply cap, for both message kinds PostgreSQL answers a
/// startup with, and the same around the cap for MySQL's packets and Redis's lines: a
/// verdict every time (one line, exit 0 or 1), never an abort. A length of exactly 4096
/// made the probe panic and exit 134.
#[test]
fn declared_lengths_around_the_cap_end_in_a_verdict() {
    for kind in *b"RE" {
        for len in 4090..=4100u32 {
            let server = postgres_declaring(kind, len);
            let probe = run(&["-t", "1s", &format!("postgres://{}", server.addr)]);
            assert!(
                matches!(probe.code, Some(0 | 1)),
                "{} {len}: {probe:#?}",
                kind as char
            );
            assert_eq!(probe.stdout.lines().count(), 1, "{probe:#?}");
            if len + 1 > 4096 {
                probe
                    .expect("unreachable")
                    .says("declares a message longer than 4 KiB");
            } else {
                probe.expect("healthy");
            }
        }
    }
    for len in 4088..=4100usize {
        let mysql = Server::raw(move |c| {
            let mut payload = vec![0xFF, 0x10, 0x04];
            payload.extend_from_slice(b"#08004");
            payload.resize(len, b'm');
            let mut packet = (len as u32).to_le_bytes()[..3].to_vec();
            packet.push(0);
            packet.extend_from_slice(&payload);
            c.send(&packet);
            c.hang();
        });
        let probe = run(&["-t", "1s", &format!("mysql://{}", mysql.addr)]);
        assert!(matches!(probe.code, Some(0 | 1)), "{len}: {probe:#?}");
        assert_eq!(probe.stdout.lines().count(), 1, "{probe:#?}");
        let redis = Server::raw(move |c| {
            let _ = std::io::Read::read(&mut c.stream, &mut [0u8; 64]);
            let mut line = b"-LOADING ".to_vec();
            line.resize(len - 2, b'r');
            line.extend_from_slice(b"\r\n");
            c.send(&line);
            c.hang();
        });
        let probe = run(&["-t", "1s", &format!("redis://{}", redis.addr)]);
        assert!(matches!(probe.code, Some(0 | 1)), "{len}: {probe:#?}");
        assert_eq!(probe.stdout.lines().count(), 1, "{probe:#?}");
    }
}

/// A MySQL "greeting" of protocol 10 with no version after it is not a greeting.
#[test]
fn a_greeting_without_a_version_is_not_mysql() {
    let short = Server::raw(|c| {
        c.send(&[1, 0, 0, 0, 10]);
        c.hang();
    });
    run(&["-t", "1s", &format!("mysql://{}", short.addr)])
        .expect("unreachable")
        .says("does not speak MySQL");
}

/// PostgreSQL's log after five probes with password (scram-sha-256), md5 and trust
/// authentication: not one line. A Terminate sent where the server asked for a password
/// made it log `FATAL: expected SASL response, got message type 88` per probe, 17,000
/// lines a day at a 5 s interval. pg_isready, run the same way, is the reference.
#[test]
fn postgres_logs_nothing_for_a_probe() {
    let pg = match Postgres::new("quiet") {
        Ok(pg) => pg,
        Err(why) => return skip("postgres_logs_nothing_for_a_probe", &why),
    };
    let hba = pg.data().join("pg_hba.conf");
    let original = std::fs::read_to_string(&hba).unwrap();
    let log = pg.dir.join("log");
    for method in ["scram-sha-256", "md5", "trust"] {
        std::fs::write(&hba, original.replace(" trust", &format!(" {method}"))).unwrap();
        pg.start("-c password_encryption=scram-sha-256");
        until("postgres up", || pg.pg_isready() == 0);
        // Let start-up finish its own lines.
        thread::sleep(Duration::from_millis(500));
        let before = std::fs::read_to_string(&log).unwrap_or_default();
        for _ in 0..5 {
            pg.pg_isready();
        }
        thread::sleep(Duration::from_millis(300));
        let after_oracle = std::fs::read_to_string(&log).unwrap_or_default();
        for _ in 0..5 {
            run(&["-t", "3s", &pg.url()]).expect("healthy");
        }
        thread::sleep(Duration::from_millis(300));
        let after = std::fs::read_to_string(&log).unwrap_or_default();
        assert_eq!(
            &after[after_oracle.len()..],
            "",
            "{method}: healthprobe made PostgreSQL log (pg_isready logged {:?})",
            &after_oracle[before.len()..]
        );
        pg.stop();
    }
}

/// `-- COMMAND` waits for PostgreSQL, then becomes the command: here pg_isready itself,
/// so the command's own exit code says the server accepted connections when it started.
#[test]
fn exec_form_starts_the_command_once_postgres_accepts() {
    let pg = match Postgres::new("exec") {
        Ok(pg) => pg,
        Err(why) => return skip("exec_form_starts_the_command_once_postgres_accepts", &why),
    };
    let port = pg.port.to_string();
    let mut command = Command::new(support::BIN);
    command.args(["--wait", "60s", "--interval", "100ms", &pg.url(), "--"]);
    command.args(["pg_isready", "-h", "127.0.0.1", "-p", &port, "-t", "1"]);
    let waiting = thread::spawn(move || support::run_command(command));
    thread::sleep(Duration::from_millis(1000));
    if waiting.is_finished() {
        panic!("started before the server: {:?}", waiting.join().unwrap());
    }
    pg.start("");
    let run = waiting.join().unwrap();
    assert_eq!(run.code, Some(0), "pg_isready said no: {run:?}");
    assert!(run.stdout.contains("accepting connections"), "{run:?}");
    let verdict = run.stderr.lines().last().unwrap_or("");
    assert!(verdict.starts_with("healthy: PostgreSQL at"), "{run:?}");
}
