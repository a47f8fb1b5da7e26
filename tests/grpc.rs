//! `grpc://` and `grpcs://` targets against real gRPC servers: Python's gRPC (grpcio with
//! grpcio-health-checking), whose own health client runs beside healthprobe as the
//! oracle on every state; Node's @grpc/grpc-js with grpc-health-check; etcd, which serves
//! the health protocol out of the box. Scripted HTTP/2 peers do what real servers do not:
//! GOAWAY, resets, oversized frames, HPACK bombs, CONTINUATION floods, huge message
//! lengths, silence, HTTP/1.1.

use crate::support;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread;
use std::time::{Duration, Instant};

use support::h2::{SETTINGS, frame, peer, read_request, response_headers, trailers};
use support::pki::Pki;
use support::{Run, Server, free_port, refused_port, run, run_command, scratch_dir, skip, which};

const SUPPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support");

/// A gRPC server the test started, killed when dropped (and with the test, if it aborts).
pub(crate) struct Grpc {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Grpc {
    /// Python's gRPC, or why it cannot run here.
    pub(crate) fn python(args: &[&str]) -> Result<Grpc, String> {
        let ok = Command::new("python3")
            .args(["-c", "import grpc, grpc_health.v1.health"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("no Python gRPC (pip install grpcio grpcio-health-checking)".to_string());
        }
        let mut command = Command::new("python3");
        command.arg(format!("{SUPPORT}/grpc_server.py")).args(args);
        Grpc::start(command)
    }

    /// Node's @grpc/grpc-js with grpc-health-check (installed globally), or why not.
    fn node(args: &[&str]) -> Result<Grpc, String> {
        let root = Command::new("npm")
            .args(["root", "-g"])
            .output()
            .map_err(|_| "no npm".to_string())?;
        let root = String::from_utf8_lossy(&root.stdout).trim().to_string();
        if !Path::new(&root).join("grpc-health-check").exists() {
            return Err(
                "no grpc-health-check (npm install --global @grpc/grpc-js grpc-health-check)"
                    .to_string(),
            );
        }
        let mut command = Command::new("node");
        command
            .env("NODE_PATH", root)
            .arg(format!("{SUPPORT}/grpc_server.js"))
            .args(args);
        Grpc::start(command)
    }

    fn start(mut command: Command) -> Result<Grpc, String> {
        support::dies_with_test(&mut command);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut grpc = Grpc {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        };
        grpc.expect("ready");
        Ok(grpc)
    }

    /// Waits (30 s at most) for a line of the server's that contains `text`.
    fn expect(&mut self, text: &str) {
        let start = Instant::now();
        while !self.seen.iter().any(|l| l.contains(text)) {
            let left = Duration::from_secs(30).saturating_sub(start.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("the gRPC server never said {text:?}: {:?}", self.seen),
            }
        }
    }

    fn set(&mut self, service: &str, status: &str) {
        let service = if service.is_empty() { "-" } else { service };
        writeln!(self.stdin, "{service} {status}").unwrap();
        self.expect(&format!("set {service} {status}"));
    }
}

impl Drop for Grpc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on 127.0.0.1 and its `listen` argument.
pub(crate) fn listen() -> (u16, String) {
    let port = free_port();
    (port, format!("127.0.0.1:{port}"))
}

/// The gRPC project's own health client's answer: a serving status or a code's name.
fn oracle(target: &str, service: &str, tls: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(format!("{SUPPORT}/grpc_client.py"))
        .args([target, service])
        .args(tls)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// healthprobe's JSON `status` and category for one target.
fn judged(run: &Run) -> (String, String) {
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect(&run.stdout);
    (
        json["status"].as_str().unwrap_or("").to_string(),
        json["result"].as_str().unwrap().to_string(),
    )
}

/// Every state a health service can answer, judged by healthprobe as the oracle judges.
fn states_match_the_oracle(server: Result<Grpc, String>, port: u16, test: &str) {
    let _server = match server {
        Ok(s) => s,
        Err(why) => return skip(test, &why),
    };
    for (service, expected) in [
        ("", "SERVING"),
        ("orders.v1.Orders", "SERVING"),
        ("users.v1.Users", "NOT_SERVING"),
        ("jobs.v1.Jobs", "UNKNOWN"),
        ("nope.v1.Nope", "NOT_FOUND"),
    ] {
        let url = format!("grpc://127.0.0.1:{port}/{service}");
        let probe = run(&["--format", "json", url.trim_end_matches('/')]);
        let (status, result) = judged(&probe);
        let oracle = oracle(&format!("127.0.0.1:{port}"), service, &[]);
        assert_eq!(oracle, expected, "the oracle on {service:?}");
        assert_eq!(status, oracle, "{service:?}: {}", probe.stdout);
        let healthy = oracle == "SERVING";
        assert_eq!(result == "healthy", healthy, "{}", probe.stdout);
        assert_eq!(probe.code, Some(if healthy { 0 } else { 1 }));
    }
    let url = format!("grpc://127.0.0.1:{port}/nope.v1.Nope");
    run(&[&url])
        .expect("unhealthy")
        .says("NOT_FOUND from")
        .says("does not know the service \"nope.v1.Nope\"");
}

const STATES: [&str; 8] = [
    "--status",
    "=SERVING",
    "--status",
    "orders.v1.Orders=SERVING",
    "--status",
    "users.v1.Users=NOT_SERVING",
    "--status",
    "jobs.v1.Jobs=UNKNOWN",
];

#[test]
fn python_states_match_the_oracle() {
    let (port, addr) = listen();
    let mut args = vec!["--listen", &addr];
    args.extend(STATES);
    states_match_the_oracle(Grpc::python(&args), port, "python_states_match_the_oracle");
}

#[test]
fn node_states_match_the_oracle() {
    let (port, addr) = listen();
    let mut args = vec!["--listen", &addr];
    args.extend(STATES);
    if Grpc::python(&["--listen", "127.0.0.1:1", "--no-health"]).is_err() {
        return skip(
            "node_states_match_the_oracle",
            "no Python gRPC for the oracle",
        );
    }
    states_match_the_oracle(Grpc::node(&args), port, "node_states_match_the_oracle");
}

/// A server without the health service: UNIMPLEMENTED, as the oracle says.
#[test]
fn no_health_service_is_unimplemented() {
    for (name, server) in [
        ("python", Grpc::python as fn(&[&str]) -> _),
        ("node", Grpc::node),
    ] {
        let (_, addr) = listen();
        let _server = match server(&["--listen", &addr, "--no-health"]) {
            Ok(s) => s,
            Err(why) => {
                skip(
                    &format!("no_health_service_is_unimplemented ({name})"),
                    &why,
                );
                continue;
            }
        };
        assert_eq!(oracle(&addr, "", &[]), "UNIMPLEMENTED");
        let url = format!("grpc://{addr}");
        let probe = run(&["--format", "json", &url]);
        assert_eq!(judged(&probe), ("UNIMPLEMENTED".into(), "unhealthy".into()));
        run(&[&url])
            .expect("unhealthy")
            .says("UNIMPLEMENTED from")
            .says("has no health service");
    }
}

/// Several services of one server in one run, one of them failing.
#[test]
fn several_services_in_one_run() {
    let (port, addr) = listen();
    let mut args = vec!["--listen", &addr];
    args.extend(STATES);
    let _server = match Grpc::python(&args) {
        Ok(s) => s,
        Err(why) => return skip("several_services_in_one_run", &why),
    };
    let orders = format!("grpc://127.0.0.1:{port}/orders.v1.Orders");
    let users = format!("grpc://127.0.0.1:{port}/users.v1.Users");
    run(&[&orders, &format!("grpc://localhost:{port}")])
        .expect("healthy")
        .says("all 2 targets");
    run(&[&orders, &users])
        .expect("unhealthy")
        .says("1 of 2 targets failing")
        .says(&format!("{users} unhealthy: NOT_SERVING"));
}

/// A status that turns SERVING while `--wait` runs.
#[test]
fn wait_until_serving() {
    for (name, server) in [
        ("python", Grpc::python as fn(&[&str]) -> _),
        ("node", Grpc::node),
    ] {
        let (port, addr) = listen();
        let mut server = match server(&["--listen", &addr, "--status", "orders=NOT_SERVING"]) {
            Ok(s) => s,
            Err(why) => {
                skip(&format!("wait_until_serving ({name})"), &why);
                continue;
            }
        };
        let url = format!("grpc://127.0.0.1:{port}/orders");
        let mut probe = Command::new(support::BIN);
        probe.args(["--wait", "20s", "--interval", "100ms", &url]);
        let waiting = thread::spawn(move || run_command(probe));
        thread::sleep(Duration::from_millis(1500));
        assert!(
            !waiting.is_finished(),
            "{name}: the wait ended while NOT_SERVING"
        );
        server.set("orders", "SERVING");
        let done = waiting.join().unwrap();
        done.expect("healthy").says("SERVING from");
        assert!(
            done.elapsed < Duration::from_secs(10),
            "{name}: {:?}",
            done.elapsed
        );
    }
}

/// Metadata from `-H` and `--secret-header` reaches the server; the secret is not shown.
#[test]
fn metadata_reaches_the_server() {
    let (port, addr) = listen();
    let mut server = match Grpc::python(&["--listen", &addr, "--status", "=SERVING"]) {
        Ok(s) => s,
        Err(why) => return skip("metadata_reaches_the_server", &why),
    };
    let dir = scratch_dir("grpc-metadata");
    let secret = dir.join("token");
    std::fs::write(&secret, "s3cr3t-t0ken-value").unwrap();
    let url = format!("grpc://127.0.0.1:{port}");
    let header = format!("X-Token:{}", secret.display());
    let probe = run(&[
        "-v",
        "-H",
        "X-Tenant: acme",
        "--secret-header",
        &header,
        &url,
    ]);
    probe.expect("healthy");
    assert!(!probe.stdout.contains("s3cr3t"), "{}", probe.stdout);
    server.expect("metadata x-tenant=acme");
    server.expect("metadata x-token=s3cr3t-t0ken-value");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A server that fails the call with UNAUTHENTICATED and quotes the token back, in
/// gRPC's own encodings: percent-encoded in grpc-message (a token with `%` in it) and
/// base64 in grpc-status-details-bin (gRPC's rich-error trailer). Redaction sees the
/// decoded bytes, so no 8-byte run of the token shows in any output mode.
#[test]
fn a_token_echoed_in_grpc_encodings_is_redacted() {
    let (port, addr) = listen();
    let _server = match Grpc::python(&["--listen", &addr, "--echo-credentials"]) {
        Ok(s) => s,
        Err(why) => return skip("a_token_echoed_in_grpc_encodings_is_redacted", &why),
    };
    let dir = scratch_dir("grpc-echo");
    let token = "Bearer a%b%c%d-t0k3n%value-1234";
    std::fs::write(dir.join("token"), token).unwrap();
    let header = format!("Authorization:{}", dir.join("token").display());
    let url = format!("grpc://127.0.0.1:{port}");
    for args in [vec!["-v"], vec!["-v", "--format", "json"], vec![]] {
        let mut args = args.clone();
        args.extend(["--secret-header", &header, &url]);
        let probe = run(&args);
        let unhealthy = probe.stdout.starts_with("unhealthy: UNAUTHENTICATED")
            || probe
                .stdout
                .contains("\"result\":\"unhealthy\",\"status\":\"UNAUTHENTICATED\"");
        assert!(unhealthy && probe.code == Some(1), "{probe:#?}");
        for piece in token.as_bytes().windows(8) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(!probe.stdout.contains(piece), "{piece:?}: {}", probe.stdout);
        }
        // ...and neither does its percent-encoding or base64, since the fields are shown
        // decoded.
        assert!(!probe.stdout.contains("%25"), "{}", probe.stdout);
        assert!(
            probe.stdout.contains("invalid credentials: [redacted]"),
            "{}",
            probe.stdout
        );
        if args[0] == "-v" {
            assert!(
                probe.stdout.contains("grpc-status-details-bin: "),
                "{}",
                probe.stdout
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A Unix socket (`--unix-socket`), the URL giving the service.
#[test]
fn unix_socket() {
    let dir = scratch_dir("grpc-unix");
    let socket = dir.join("grpc.sock");
    let listen = format!("unix:{}", socket.display());
    let _server = match Grpc::python(&["--listen", &listen, "--status", "orders=SERVING"]) {
        Ok(s) => s,
        Err(why) => return skip("unix_socket", &why),
    };
    assert_eq!(oracle(&listen, "orders", &[]), "SERVING");
    let path = socket.display().to_string();
    run(&["--unix-socket", &path, "grpc://localhost/orders"])
        .expect("healthy")
        .says("SERVING from grpc://localhost:80/orders");
    run(&["--unix-socket", &path, "grpc://localhost/other"])
        .expect("unhealthy")
        .says("NOT_FOUND");
    std::fs::remove_dir_all(dir).unwrap();
}

/// etcd serves grpc.health.v1 on its client port; `--wait` covers it coming up.
#[test]
fn etcd_serves_health() {
    let Some(etcd) = which("etcd") else {
        return skip(
            "etcd_serves_health",
            "no etcd (apt-get install etcd-server)",
        );
    };
    let dir = scratch_dir("grpc-etcd");
    let (client, peer) = (free_port(), free_port());
    let client_url = format!("http://127.0.0.1:{client}");
    let peer_url = format!("http://127.0.0.1:{peer}");
    let mut command = Command::new(etcd);
    command
        .args(["--name", "probe", "--data-dir"])
        .arg(dir.join("data"))
        .args(["--listen-client-urls", &client_url])
        .args(["--advertise-client-urls", &client_url])
        .args(["--listen-peer-urls", &peer_url])
        .args(["--initial-advertise-peer-urls", &peer_url])
        .args(["--initial-cluster", &format!("probe={peer_url}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    support::dies_with_test(&mut command);
    let url = format!("grpc://127.0.0.1:{client}");
    let mut etcd = command.spawn().unwrap();
    let probe = run(&["--wait", "30s", "--interval", "100ms", &url]);
    probe.expect("healthy").says("SERVING from");
    let json = run(&["--format", "json", &url]);
    assert_eq!(judged(&json), ("SERVING".into(), "healthy".into()));
    let _ = etcd.kill();
    let _ = etcd.wait();
    std::fs::remove_dir_all(dir).unwrap();
}

/// `grpcs://` with a private CA, a wrong CA, `--servername`, and mTLS, on the `tls`
/// artifact, judged as the oracle judges.
#[test]
fn tls_with_a_private_ca_and_mtls() {
    if Grpc::python(&["--listen", "127.0.0.1:1", "--no-health"]).is_err() {
        return skip("tls_with_a_private_ca_and_mtls", "no Python gRPC");
    }
    let bin = support::tls_binary();
    let pki = Pki::new("grpc");
    let leaf = pki.leaf(&["localhost", "api.internal"], false);
    let cert = pki.write("server.pem", &leaf.cert_pem);
    let key = pki.write("server.key", &leaf.key_pem);
    let ca = pki.path("ca.pem");
    let (port, addr) = listen();
    let _server = Grpc::python(&[
        "--listen", &addr, "--status", "=SERVING", "--tls", &cert, &key,
    ])
    .unwrap();
    let probe = |args: &[&str]| {
        let mut command = Command::new(bin);
        command.args(args);
        run_command(command)
    };
    let url = format!("grpcs://localhost:{port}");
    assert_eq!(
        oracle(&format!("localhost:{port}"), "", &["--tls", &ca]),
        "SERVING"
    );
    probe(&["--cacert", &ca, &url])
        .expect("healthy")
        .says("SERVING from grpcs://");
    probe(&[&url]).expect("unreachable").says("unknown issuer");
    let by_ip = format!("grpcs://127.0.0.1:{port}");
    probe(&["--cacert", &ca, "--servername", "api.internal", &by_ip]).expect("healthy");
    probe(&["--insecure", &by_ip]).expect("healthy");
    // The plain protocol on a TLS port is no HTTP/2 answer.
    run(&["-t", "2s", &format!("grpc://127.0.0.1:{port}")]).expect("unreachable");

    let client_pki = Pki::new("grpc-client");
    let client = client_pki.leaf(&["probe"], false);
    let client_cert = client_pki.write("client.pem", &client.cert_pem);
    let client_key = client_pki.write("client.key", &client.key_pem);
    let (port, addr) = listen();
    let _mtls = Grpc::python(&[
        "--listen",
        &addr,
        "--status",
        "=SERVING",
        "--tls",
        &cert,
        &key,
        "--client-ca",
        &client_pki.path("ca.pem"),
    ])
    .unwrap();
    let url = format!("grpcs://localhost:{port}");
    let target = format!("localhost:{port}");
    assert_eq!(
        oracle(&target, "", &["--tls", &ca, &client_cert, &client_key]),
        "SERVING"
    );
    probe(&[
        "--cacert",
        &ca,
        "--cert",
        &client_cert,
        "--key",
        &client_key,
        &url,
    ])
    .expect("healthy");
    let without = probe(&["--cacert", &ca, &url]);
    assert_ne!(oracle(&target, "", &["--tls", &ca]), "SERVING");
    assert!(
        matches!(without.word(), "unreachable" | "timeout"),
        "{}",
        without.stdout
    );
}

/// A TLS server that does not choose ALPN h2 is no gRPC server.
#[test]
fn tls_without_alpn_h2_is_unreachable() {
    let bin = support::tls_binary();
    let pki = Pki::new("grpc-alpn");
    let leaf = pki.leaf(&["localhost"], false);
    let addr = support::pki::https_server(&leaf, None);
    let mut command = Command::new(bin);
    command.args([
        "--cacert",
        &pki.path("ca.pem"),
        &format!("grpcs://localhost:{}", addr.port()),
    ]);
    run_command(command)
        .expect("unreachable")
        .says("did not choose HTTP/2 in the TLS handshake (no ALPN h2)");
}

// Scripted HTTP/2 peers (tests/support/h2.rs).

/// Runs the probe on a scripted peer under `-t 2s`: its word, a reason containing
/// `says`, within the deadline and the output bound.
fn probed(server: &Server, word: &str, says: &str) {
    let url = format!("grpc://{}", server.addr);
    for format in ["text", "json"] {
        let probe = run(&["-t", "2s", "--format", format, &url]);
        if format == "text" {
            probe.expect(word).says(says);
        } else {
            let json: serde_json::Value = serde_json::from_str(&probe.stdout).unwrap();
            assert_eq!(json["result"], word, "{}", probe.stdout);
            let reason = json["reason"].as_str().unwrap();
            assert!(reason.contains(says), "{reason}");
        }
        assert!(probe.output_len() <= 4096, "{}", probe.output_len());
        assert!(
            probe.elapsed < Duration::from_millis(2900),
            "{:?}",
            probe.elapsed
        );
    }
}

#[test]
fn a_serving_answer_from_a_scripted_peer() {
    probed(&support::h2::serving(), "healthy", "SERVING from");
}

#[test]
fn goaway_at_once() {
    let server = Server::raw(|c| {
        if read_request(c) {
            c.send(&frame(SETTINGS, 0, 0, &[]));
            let mut goaway = vec![0, 0, 0, 0, 0, 0, 0, 11];
            goaway.extend_from_slice(b"calm down");
            c.send(&frame(7, 0, 0, &goaway));
            c.hang();
        }
    });
    probed(
        &server,
        "unreachable",
        "GOAWAY (ENHANCE_YOUR_CALM): \"calm down\" before answering",
    );
}

#[test]
fn rst_stream() {
    let server = peer(|| frame(3, 0, 1, &[0, 0, 0, 7]));
    probed(&server, "unreachable", "reset the stream (REFUSED_STREAM)");
}

#[test]
fn oversized_frame() {
    let server = peer(|| {
        let mut out = frame(0, 0, 1, &[]);
        out[..3].copy_from_slice(&[0xff, 0xff, 0xff]);
        out.extend(vec![0; 100_000]);
        out
    });
    probed(&server, "unreachable", "a frame of 16777215 bytes");
}

/// One 4000-byte entry in the dynamic table, then thousands of references to it.
#[test]
fn hpack_bomb() {
    let server = peer(|| {
        // Literal with incremental indexing, name "x", a 4000-byte value (7-bit prefix
        // 127, then 3873 in two bytes).
        let rest = 4000u32 - 127;
        let mut block = vec![
            0x40,
            1,
            b'x',
            0x7f,
            (0x80 | (rest % 128)) as u8,
            (rest / 128) as u8,
        ];
        block.extend(vec![b'y'; 4000]);
        block.extend(vec![0xbe; 10_000]);
        frame(1, 4, 1, &block)
    });
    probed(&server, "unreachable", "a header list larger than 16 KiB");
}

#[test]
fn continuation_flood() {
    let server = Server::raw(|c| {
        if read_request(c) {
            c.send(&frame(SETTINGS, 0, 0, &[]));
            c.send(&frame(1, 0, 1, &[0x88]));
            let continuation = frame(9, 0, 1, &[0x88; 1000]);
            c.flood(&continuation, 10 << 20);
            c.hang();
        }
    });
    probed(&server, "unreachable", "a header block longer than 16 KiB");
}

#[test]
fn a_4_gib_message_length() {
    let server = peer(|| {
        let mut out = response_headers();
        out.extend(frame(0, 0, 1, &[0, 0xff, 0xff, 0xff, 0xff, 0x08]));
        out
    });
    probed(&server, "unreachable", "a message of 4294967295 bytes");
}

#[test]
fn silence_after_settings() {
    let server = peer(Vec::new);
    probed(&server, "timeout", "no gRPC response from");
}

#[test]
fn silence_after_the_headers() {
    let server = peer(response_headers);
    probed(&server, "timeout", "no gRPC status (trailers) from");
}

#[test]
fn silence_before_settings() {
    let server = Server::raw(|c| c.hang());
    probed(&server, "timeout", "no HTTP/2 SETTINGS from");
}

#[test]
fn an_http_1_1_reply() {
    let server = Server::raw(|c| {
        let mut buf = [0u8; 64];
        let _ = c.stream.read(&mut buf);
        c.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        c.hang();
    });
    probed(
        &server,
        "unreachable",
        "not HTTP/2: an HTTP/1.x server answered (\"HTTP/1.1 400 Bad Request\")",
    );
}

#[test]
fn a_ping_flood_ends_at_the_read_bound() {
    let server = Server::raw(|c| {
        if read_request(c) {
            c.send(&frame(SETTINGS, 0, 0, &[]));
            c.flood(&frame(6, 0, 0, &[7; 8]), 10 << 20);
        }
    });
    probed(&server, "unreachable", "more than 64 KiB without an answer");
}

/// What a server says back (`grpc-message`, GOAWAY's debug data) is redacted of the run's
/// secrets and escaped.
#[test]
fn server_text_is_redacted_and_escaped() {
    let dir = scratch_dir("grpc-redact");
    let secret = dir.join("token");
    std::fs::write(&secret, "Bearer hunter2-hunter2").unwrap();
    let server = peer(|| {
        let mut out = response_headers();
        out.extend(trailers(
            "16",
            b"bad token Bearer hunter2-hunter2 \x1b[31m%0Aforged",
        ));
        out
    });
    let header = format!("Authorization:{}", secret.display());
    let url = format!("grpc://{}", server.addr);
    for format in ["text", "json"] {
        let probe = run(&["--secret-header", &header, "--format", format, &url]);
        assert_eq!(probe.code, Some(1));
        assert!(probe.stdout.contains("UNAUTHENTICATED"), "{}", probe.stdout);
        assert!(!probe.stdout.contains("hunter2"), "{}", probe.stdout);
        assert!(!probe.stdout.contains('\x1b'), "{}", probe.stdout);
        assert_eq!(probe.stdout.lines().count(), 1, "{}", probe.stdout);
        // Escaped once: the text report shows `\u{1b}`, not `\\u{1b}` (a second
        // escaping of the escape by a debug quote); JSON escapes its backslash once more.
        let once = if format == "text" {
            "\"bad token [redacted] \\u{1b}[31m\\n"
        } else {
            "bad token [redacted] \\\\u{1b}[31m"
        };
        assert!(probe.stdout.contains(once), "{}", probe.stdout);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// An HTTP status other than 200 fails the call whatever grpc-status and the message
/// say (the gRPC over HTTP/2 spec): `:status 503` with grpc-status 0 and SERVING is
/// UNAVAILABLE, as grpcio's client judges it.
#[test]
fn a_non_200_status_fails_the_call_whatever_its_grpc_status() {
    let server = peer(|| {
        let mut block = Vec::new();
        support::h2::literal(&mut block, ":status", b"503");
        support::h2::literal(&mut block, "content-type", b"application/grpc");
        let mut out = frame(1, 4, 1, &block);
        out.extend(frame(0, 0, 1, &[0, 0, 0, 0, 2, 0x08, 1]));
        out.extend(trailers("0", b""));
        out
    });
    probed(&server, "unhealthy", "UNAVAILABLE from grpc://");
    let probe = run(&["-t", "2s", &format!("grpc://{}", server.addr)]);
    probe.says("HTTP status 503 not 200, so its gRPC status does not count");
}

/// gRPC options and targets on the command line.
#[test]
fn grpc_targets_on_the_command_line() {
    run(&["grpc://api:50051/orders.v1.Orders?x=1"])
        .expect("error")
        .says("grpc:// targets are written grpc://HOST[:PORT][/SERVICE]");
    run(&["grpc://user:pw@api:50051"])
        .expect("error")
        .says("credentials in the URL");
    run(&["--status", "200", "grpc://api:50051"])
        .expect("error")
        .says("--status: for http:// targets");
    run(&["grpcs://api:50051"])
        .expect("error")
        .says("grpcs:// targets need a build with the `tls` feature");
    run(&["--cacert", "x", "grpc://api:50051"])
        .expect("error")
        .says("--cacert applies to https:// and grpcs:// targets only");
    let refused = format!("grpc://127.0.0.1:{}/orders.v1.Orders", refused_port());
    run(&["-t", "1s", &refused])
        .expect("unreachable")
        .says("connection refused");
    support::run_env(&["-t", "1s"], &[("HEALTHPROBE_URL", &refused)])
        .expect("unreachable")
        .says("connection refused");
}
