//! HTTPS, on the binary built with `--features tls` (built here, the way it ships, into a
//! target directory of its own), against real rustls servers on loopback with
//! certificates made for each run: every option and every failure reason.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use support::{Run, Server, arm64_tls_binary, qemu_aarch64, run_command, tls_binary, which};

fn probe(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(tls_binary());
    command.args(args).env_clear().envs(env.iter().copied());
    run_command(command)
}

/// A CA, and what it signs.
struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
    dir: PathBuf,
}

/// A certificate and its key, in rustls's and in PEM form.
struct Leaf {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    cert_pem: String,
    key_pem: String,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            format!("healthprobe test {name} CA"),
        );
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let dir = support::scratch_dir(&format!("tls-{name}"));
        let pki = Pki { ca, dir };
        pki.write("ca.pem", &pki.ca.pem());
        pki
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// A certificate for `names` (DNS names or IP addresses), valid now unless `expired`.
    fn leaf(&self, names: &[&str], expired: bool) -> Leaf {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.subject_alt_names = names
            .iter()
            .map(|n| match n.parse() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*n).try_into().unwrap()),
            })
            .collect();
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        Leaf {
            chain: vec![cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// A loopback HTTPS server answering 200 with the request's Host header in the body.
fn https_server(leaf: &Leaf, client_ca: Option<&Pki>) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        Some(pki) => {
            let mut roots = RootCertStore::empty();
            roots.add(pki.ca.der().clone()).unwrap();
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = Arc::new(
        builder
            .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let config = config.clone();
            thread::spawn(move || {
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok(conn) = ServerConnection::new(config) else {
                    return;
                };
                let mut tls = StreamOwned::new(conn, tcp);
                let mut host = String::new();
                let mut reader = BufReader::new(&mut tls);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    if let Some(h) = line.to_lowercase().strip_prefix("host: ") {
                        host = h.trim().to_string();
                    }
                    line.clear();
                }
                let body = format!("{{\"status\":\"ok\",\"host\":\"{host}\"}}");
                let _ = write!(
                    tls,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    addr
}

#[test]
fn https_with_a_private_ca() {
    let pki = Pki::new("private");
    let leaf = pki.leaf(&["localhost", "127.0.0.1"], false);
    let addr = https_server(&leaf, None);
    let url = format!("https://127.0.0.1:{}/health", addr.port());
    let ca = pki.path("ca.pem");
    let run = probe(&["--cacert", &ca, "-v", &url], &[]);
    run.expect("healthy")
        .says(&format!("healthy: 200 OK from {url}"))
        .says("certificate verified");
    probe(
        &[&format!("https://localhost:{}/health", addr.port())],
        &[("HEALTHPROBE_CACERT", &ca)],
    )
    .expect("healthy");
    // The built-in roots do not know this CA.
    probe(&[&url], &[])
        .expect("unreachable")
        .says("unknown issuer");
    // --insecure skips verification, and says so.
    probe(&["--insecure", "-v", &url], &[])
        .expect("healthy")
        .says("NOT verified");
    probe(&["-v", &url], &[("HEALTHPROBE_INSECURE", "1")])
        .expect("healthy")
        .says("NOT verified");
}

#[test]
fn certificate_problems_are_named() {
    let pki = Pki::new("problems");
    let ca = pki.path("ca.pem");
    let expired = https_server(&pki.leaf(&["127.0.0.1"], true), None);
    probe(&["--cacert", &ca, &format!("https://{expired}/")], &[])
        .expect("unreachable")
        .says("has expired");
    let other = https_server(&pki.leaf(&["api.internal"], false), None);
    let by_ip = format!("https://{other}/health");
    probe(&["--cacert", &ca, &by_ip], &[])
        .expect("unreachable")
        .says("not valid for the name");
    // --servername: SNI, certificate name and Host become api.internal; the address stays.
    let host = format!("/host=api.internal:{}", other.port());
    let run = probe(
        &[
            "--cacert",
            &ca,
            "--servername",
            "api.internal",
            "--json",
            &host,
            &by_ip,
        ],
        &[],
    );
    run.expect("healthy");
    probe(
        &["--cacert", &ca, &by_ip],
        &[("HEALTHPROBE_SERVERNAME", "api.internal")],
    )
    .expect("healthy");
    // Plain HTTP where TLS was expected.
    let plain = Server::answering("200 OK", "ok");
    probe(&[&format!("https://{}/", plain.addr)], &[]).expect("unreachable");
}

#[test]
fn mutual_tls() {
    let pki = Pki::new("mtls");
    let clients = Pki::new("clients");
    let addr = https_server(&pki.leaf(&["127.0.0.1"], false), Some(&clients));
    let url = format!("https://{addr}/health");
    let ca = pki.path("ca.pem");
    probe(&["--cacert", &ca, &url], &[])
        .expect("unreachable")
        .says("TLS handshake");
    let client = clients.leaf(&["probe.internal"], false);
    let cert = clients.write("client.pem", &client.cert_pem);
    let key = clients.write("client.key", &client.key_pem);
    probe(
        &["--cacert", &ca, "--cert", &cert, "--key", &key, &url],
        &[],
    )
    .expect("healthy");
    probe(
        &["--cacert", &ca, &url],
        &[("HEALTHPROBE_CERT", &cert), ("HEALTHPROBE_KEY", &key)],
    )
    .expect("healthy");
    // A client certificate from a CA the server does not trust.
    let stranger = Pki::new("stranger").leaf(&["x"], false);
    let cert = clients.write("stranger.pem", &stranger.cert_pem);
    let key = clients.write("stranger.key", &stranger.key_pem);
    probe(
        &["--cacert", &ca, "--cert", &cert, "--key", &key, &url],
        &[],
    )
    .expect("unreachable");
}

#[test]
fn the_deadline_covers_the_handshake() {
    let silent = Server::raw(|c| c.hang());
    let run = probe(&["-t", "500ms", &format!("https://{}/", silent.addr)], &[]);
    run.expect("timeout")
        .says("TLS handshake with")
        .says("did not finish within 500ms");
    assert!(run.elapsed < Duration::from_millis(600), "{run:#?}");
}

#[test]
fn tls_configuration_errors() {
    let pki = Pki::new("errors");
    let ca = pki.path("ca.pem");
    let not_pem = pki.write("not.pem", "hello");
    let cert_only = pki.write("cert-only.pem", &pki.leaf(&["x"], false).cert_pem);
    let url = "https://127.0.0.1:1/";
    for (args, fragment) in [
        (
            vec!["--insecure", "--cacert", ca.as_str(), url],
            "contradict",
        ),
        (vec!["--cert", ca.as_str(), url], "go together"),
        (vec!["--cacert", "/nonexistent.pem", url], "cannot read"),
        (
            vec!["--cacert", not_pem.as_str(), url],
            "holds no certificate",
        ),
        (
            vec![
                "--cert",
                cert_only.as_str(),
                "--key",
                cert_only.as_str(),
                url,
            ],
            "holds no private key",
        ),
        (vec!["--servername", "bad name", url], "not a host name"),
        (
            vec!["--cacert", ca.as_str(), "http://127.0.0.1:1/"],
            "https:// targets only",
        ),
    ] {
        let run = probe(&args, &[]);
        run.expect("error").says(fragment);
    }
}

#[test]
fn tls_binary_is_static_and_within_size() {
    let elf = std::fs::read(tls_binary()).unwrap();
    assert!(
        !elf.windows(b"ld-musl".len()).any(|w| w == b"ld-musl"),
        "an interpreter path"
    );
    let size = elf.len();
    eprintln!("TLS binary: {size} bytes");
    assert!(
        size <= 1_887_437,
        "the TLS build is {size} bytes, over 1.8 MiB"
    );
}

#[test]
fn arm64_tls_build_probes_https_under_qemu() {
    let (Some(qemu), Some(_)) = (qemu_aarch64(), which("clang")) else {
        eprintln!("SKIP arm64_tls_build_probes_https_under_qemu: needs qemu-aarch64 and clang");
        return;
    };
    let pki = Pki::new("arm64");
    let addr = https_server(&pki.leaf(&["127.0.0.1"], false), None);
    let url = format!("https://{addr}/health");
    let mut command = Command::new(&qemu);
    command
        .arg(arm64_tls_binary())
        .args(["--cacert", &pki.path("ca.pem"), &url])
        .env_clear();
    run_command(command).expect("healthy");
    let mut command = Command::new(qemu);
    command.arg(arm64_tls_binary()).arg(&url).env_clear();
    run_command(command)
        .expect("unreachable")
        .says("unknown issuer");
}
