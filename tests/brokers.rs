//! `amqp://`, `nats://`, `memcached://` and `mqtt://` targets against the real servers
//! (Debian's `rabbitmq-server`, `nats-server`, `memcached`, `mosquitto`, which CI
//! installs), and scripted servers for wrong protocols, silence, floods and declared
//! lengths at and past the 4 KiB cap.

use crate::support;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::{Server, free_port, is_root, run, scratch_dir, skip, which};

/// A server the test started, killed when dropped (and with the test, if it aborts).
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command`, dying with the test, and waits (30 s at most) for `port` to listen.
fn start(mut command: Command, port: u16) -> Daemon {
    support::dies_with_test(&mut command);
    let daemon = Daemon(
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts"),
    );
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "not listening on {port}"
        );
        thread::sleep(Duration::from_millis(50));
    }
    daemon
}

/// The program, or a visible skip saying which package provides it.
fn program(test: &str, name: &str, package: &str) -> Option<std::path::PathBuf> {
    let found = which(name);
    if found.is_none() {
        skip(test, &format!("no {name} (apt-get install {package})"));
    }
    found
}

#[test]
fn memcached_version() {
    let Some(memcached) = program("memcached_version", "memcached", "memcached") else {
        return;
    };
    let port = free_port();
    let mut command = Command::new(memcached);
    command.args(["-l", "127.0.0.1", "-p", &port.to_string(), "-U", "0"]);
    if is_root() {
        command.args(["-u", "root"]);
    }
    let _server = start(command, port);
    run(&[&format!("memcached://127.0.0.1:{port}")])
        .expect("healthy")
        .says("memcached at 127.0.0.1:")
        .says("accepting connections (memcached 1.");
}

#[test]
fn nats_info_and_lame_duck_mode() {
    let Some(nats) = program("nats_info_and_lame_duck_mode", "nats-server", "nats-server") else {
        return;
    };
    let dir = scratch_dir("nats");
    let port = free_port();
    let config = dir.join("nats.conf");
    std::fs::write(
        &config,
        format!(
            "host: 127.0.0.1\nport: {port}\nserver_name: probe-test\n\
             lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"10s\"\n"
        ),
    )
    .unwrap();
    let mut command = Command::new(&nats);
    command.arg("-c").arg(&config);
    let server = start(command, port);
    let url = format!("nats://127.0.0.1:{port}");
    run(&[&url])
        .expect("healthy")
        .says("accepting connections (probe-test, nats-server 2.");
    // Lame-duck mode, by the server's own signal: it stops accepting new clients.
    let status = Command::new(&nats)
        .arg("--signal")
        .arg(format!("ldm={}", server.0.id()))
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    loop {
        let probe = run(&["-t", "1s", &url]);
        if probe.word() != "healthy" {
            probe.expect("unreachable");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still healthy in lame-duck mode"
        );
        thread::sleep(Duration::from_millis(100));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn mosquitto_anonymous_and_with_passwords() {
    let test = "mosquitto_anonymous_and_with_passwords";
    let Some(mosquitto) = program(test, "mosquitto", "mosquitto") else {
        return;
    };
    let dir = scratch_dir("mosquitto");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for anonymous in [true, false] {
        let port = free_port();
        let config = dir.join(format!("mosquitto-{anonymous}.conf"));
        let mut text = format!("listener {port} 127.0.0.1\nallow_anonymous {anonymous}\n");
        if !anonymous {
            // A password file with one user; the probe sends no credentials at all.
            let passwords = dir.join("passwords");
            std::fs::write(&passwords, "").unwrap();
            let made = Command::new(which("mosquitto_passwd").unwrap())
                .args(["-b"])
                .arg(&passwords)
                .args(["app", "s3cret-pass"])
                .status()
                .unwrap();
            assert!(made.success());
            std::fs::set_permissions(&passwords, std::fs::Permissions::from_mode(0o644)).unwrap();
            text.push_str(&format!("password_file {}\n", passwords.display()));
        }
        std::fs::write(&config, text).unwrap();
        let mut command = Command::new(&mosquitto);
        command.arg("-c").arg(&config);
        let _server = start(command, port);
        let probe = run(&[&format!("mqtt://127.0.0.1:{port}")]);
        probe.expect("healthy").says("MQTT at 127.0.0.1:");
        if anonymous {
            assert!(
                probe.stdout.contains(": accepting connections in "),
                "{probe:?}"
            );
        } else {
            probe.says("accepting connections; authentication required");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// RabbitMQ in a PID namespace of its own (its wrapper starts a daemonized epmd, which
/// ends with the namespace), on its own ports and directories; `--wait` covers its boot.
#[test]
fn rabbitmq_connection_start() {
    let test = "rabbitmq_connection_start";
    let server = Path::new("/usr/lib/rabbitmq/bin/rabbitmq-server");
    if !server.exists() {
        return skip(test, "no RabbitMQ (apt-get install rabbitmq-server)");
    }
    if !is_root() {
        return skip(
            test,
            "needs root (a PID namespace for RabbitMQ and its epmd)",
        );
    }
    let dir = scratch_dir("rabbitmq");
    std::fs::write(dir.join("enabled_plugins"), "[].\n").unwrap();
    let (port, dist, epmd) = (free_port(), free_port(), free_port());
    let at = |leaf: &str| dir.join(leaf).display().to_string();
    let mut command = Command::new("unshare");
    command
        .args(["--pid", "--fork", "--kill-child"])
        .arg(server)
        .env("HOME", &dir)
        .env("RABBITMQ_NODENAME", format!("probe{port}@localhost"))
        .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
        .env("RABBITMQ_NODE_PORT", port.to_string())
        .env("RABBITMQ_DIST_PORT", dist.to_string())
        .env("ERL_EPMD_PORT", epmd.to_string())
        .env("RABBITMQ_MNESIA_BASE", at("mnesia"))
        .env("RABBITMQ_LOG_BASE", at("log"))
        .env("RABBITMQ_ENABLED_PLUGINS_FILE", at("enabled_plugins"))
        .env("RABBITMQ_PID_FILE", at("pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    support::dies_with_test(&mut command);
    let _rabbitmq = Daemon(command.spawn().expect("unshare starts RabbitMQ"));
    let url = format!("amqp://127.0.0.1:{port}");
    run(&["--wait", "60s", "--interval", "200ms", &url])
        .expect("healthy")
        .says("AMQP at 127.0.0.1:")
        .says("accepting connections (RabbitMQ 3.");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A scripted server answering `reply` to whatever it is sent.
fn replying(reply: &'static [u8]) -> Server {
    Server::raw(move |c| {
        use std::io::Read;
        let _ = c.stream.set_read_timeout(Some(Duration::from_millis(300)));
        let mut buf = [0u8; 256];
        let _ = c.stream.read(&mut buf);
        c.send(reply);
        c.hang();
    })
}

/// Each scheme on scripted servers: its other answers, another protocol, silence, and a
/// flood, within the deadline and the output bound.
#[test]
fn scripted_answers_wrong_protocols_and_silence() {
    // A Connection.Start frame declaring the largest size: refused, not read.
    const HUGE: &[u8] = b"\x01\x00\x00\xff\xff\xff\xf0\x00\x0a\x00\x0a";
    let cases: Vec<(&str, &'static [u8], &str, &str)> = vec![
        (
            "amqp",
            b"AMQP\x00\x01\x00\x00",
            "unhealthy",
            "speaks AMQP 1-0-0 only, not 0-9-1",
        ),
        ("amqp", HUGE, "unreachable", "longer than 4 KiB"),
        (
            "amqp",
            b"HTTP/1.1 400 Bad Request\r\n\r\n",
            "unreachable",
            "does not speak AMQP",
        ),
        (
            "nats",
            b"INFO {\"server_name\":\"n1\",\"version\":\"2.10.0\",\"ldm\":true}\r\n",
            "unhealthy",
            "in lame-duck mode, shutting down (n1, nats-server 2.10.0)",
        ),
        (
            "nats",
            b"-ERR 'maximum connections exceeded'\r\n",
            "unhealthy",
            "-ERR 'maximum connections exceeded'",
        ),
        (
            "nats",
            b"INFO not json\r\n",
            "unreachable",
            "does not speak NATS",
        ),
        (
            "memcached",
            b"SERVER_ERROR out of memory\r\n",
            "unhealthy",
            "SERVER_ERROR out of memory",
        ),
        (
            "memcached",
            b"ERROR\r\n",
            "unreachable",
            "does not speak memcached",
        ),
        (
            "mqtt",
            b"\x20\x02\x00\x03",
            "unhealthy",
            "server unavailable (CONNACK 3)",
        ),
        (
            "mqtt",
            b"\x20\x02\x00\x05",
            "healthy",
            "accepting connections; authentication required",
        ),
        (
            "mqtt",
            b"\x20\x02\x00\x01",
            "unhealthy",
            "does not speak MQTT 3.1.1",
        ),
        (
            "mqtt",
            b"\x30\x02\x00\x00",
            "unreachable",
            "does not speak MQTT",
        ),
    ];
    for (scheme, reply, word, says) in cases {
        let server = replying(reply);
        let url = format!("{scheme}://{}", server.addr);
        let probe = run(&["-t", "2s", &url]);
        probe.expect(word).says(says);
    }
    // Silence, and a line that never ends.
    for scheme in ["amqp", "nats", "memcached", "mqtt"] {
        let silent = Server::raw(|c| c.hang());
        let probe = run(&["-t", "500ms", &format!("{scheme}://{}", silent.addr)]);
        probe.expect("timeout").says("reply from");
        let flood =
            Server::raw(|c| c.flood(b"INFO aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1 << 20));
        let probe = run(&["-t", "2s", &format!("{scheme}://{}", flood.addr)]);
        probe.expect("unreachable");
        assert!(probe.output_len() <= 4096);
    }
}

/// Broker URLs: default ports, no path, no credentials, no HTTP options.
#[test]
fn broker_targets_on_the_command_line() {
    for (url, port) in [
        ("amqp://127.0.0.1", 5672),
        ("nats://127.0.0.1", 4222),
        ("memcached://127.0.0.1", 11211),
        ("mqtt://127.0.0.1", 1883),
    ] {
        let probe = run(&["-t", "1s", url]);
        assert_ne!(probe.word(), "error", "{probe:?}");
        if probe.word() == "unreachable" {
            probe.says(&format!("127.0.0.1:{port}"));
        }
    }
    run(&["amqp://guest:guest@rabbit:5672"])
        .expect("error")
        .says("credentials in the URL");
    run(&["amqp://rabbit:5672/vhost"])
        .expect("error")
        .says("amqp:// targets are written amqp://HOST[:PORT], nothing after it");
    run(&["--status", "200", "nats://127.0.0.1:4222"])
        .expect("error")
        .says("--status: for http://");
}

/// A `Connection.Start` frame of exactly `total` bytes, its properties table padded.
fn connection_start(total: usize) -> Vec<u8> {
    // Frame header (7), class and method (4), versions (2), table length (4), the
    // entry's name length and name (8), its type (1) and value length (4), frame end (1).
    let pad = total - (7 + 4 + 2 + 4 + 8 + 1 + 4 + 1);
    let mut table = vec![7];
    table.extend_from_slice(b"product");
    table.push(b'S');
    table.extend_from_slice(&u32::try_from(pad).unwrap().to_be_bytes());
    table.extend(std::iter::repeat_n(b'x', pad));
    let mut payload = vec![0, 10, 0, 10, 0, 9];
    payload.extend_from_slice(&u32::try_from(table.len()).unwrap().to_be_bytes());
    payload.extend_from_slice(&table);
    let mut frame = vec![1, 0, 0];
    frame.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes());
    frame.extend_from_slice(&payload);
    frame.push(0xce);
    assert_eq!(frame.len(), total);
    frame
}

/// Replies whose declared or line length is at the 4 KiB cap are read and judged; one
/// byte past it, refused without reading on.
#[test]
fn lengths_at_and_past_the_cap() {
    for (total, word) in [(4096, "healthy"), (4097, "unreachable")] {
        let frame: &'static [u8] = connection_start(total).leak();
        let server = replying(frame);
        let probe = run(&["-t", "2s", &format!("amqp://{}", server.addr)]);
        probe.expect(word);
        if word == "unreachable" {
            probe.says("longer than 4 KiB");
        }
        for scheme in ["nats", "memcached"] {
            // A line of `total` bytes, CRLF included.
            let start: &[u8] = if scheme == "nats" {
                b"INFO {\"x\":\""
            } else {
                b"VERSION "
            };
            let end: &[u8] = if scheme == "nats" {
                b"\"}\r\n"
            } else {
                b"\r\n"
            };
            let mut line = start.to_vec();
            line.extend(std::iter::repeat_n(b'1', total - start.len() - end.len()));
            line.extend_from_slice(end);
            let server = replying(line.leak());
            let probe = run(&["-t", "2s", &format!("{scheme}://{}", server.addr)]);
            probe.expect(word);
            if word == "unreachable" {
                probe.says("a line longer than 4 KiB");
            }
        }
    }
}
