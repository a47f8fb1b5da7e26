//! HTTPS, on the binary built with `--features tls` (built here, the way it ships, into a
//! target directory of its own), against real rustls servers on loopback with
//! certificates made for each run: every option and every failure reason.

use crate::support;

use std::process::Command;
use std::time::Duration;

use support::pki::{Pki, https_server};
use support::{Run, Server, run_command, tls_binary};

fn probe(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(tls_binary());
    command.args(args).env_clear().envs(env.iter().copied());
    run_command(command)
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

/// `-v` says only what is true of each target: a TLS line under a TLS target alone, and
/// nothing about a certificate that no handshake got to.
#[test]
fn verbose_tells_tls_only_of_tls_targets() {
    let pki = Pki::new("verbose");
    let leaf = pki.leaf(&["127.0.0.1"], false);
    let addr = https_server(&leaf, None);
    let ca = pki.path("ca.pem");
    let https = format!("https://127.0.0.1:{}/health", addr.port());
    let refused = format!("https://127.0.0.1:{}/", support::refused_port());
    let postgres = format!("postgres://127.0.0.1:{}", support::refused_port());
    let run = probe(&["-v", "--cacert", &ca, &https, &refused, &postgres], &[]);
    run.expect("unreachable")
        .says(&format!(
            "[{https}] tls: handshake done; certificate verified"
        ))
        .says(&format!("[{refused}] tls: handshake not done\n"));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        !lines
            .iter()
            .any(|l| l.contains(&format!("[{postgres}] tls"))),
        "{run:#?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains(&format!("[{refused}]")) && l.contains("certificate")),
        "{run:#?}"
    );
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
    // The report names the name checked and the names the certificate holds.
    probe(&["--cacert", &ca, &by_ip], &[])
        .expect("unreachable")
        .says("is not valid for 127.0.0.1 (it names api.internal; see --servername)");
    probe(
        &["--cacert", &ca, "--servername", "wrong.name", &by_ip],
        &[],
    )
    .expect("unreachable")
    .says("is not valid for wrong.name (it names api.internal; see --servername)");
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
            "https:// and grpcs:// targets only",
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
