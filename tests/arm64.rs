//! The arm64 build: cross-compiled from this amd64 machine, static, and run under
//! `qemu-aarch64` user emulation through every category, the deadline, and `localhost`
//! in an empty root. Skips, saying so, where qemu-user is not installed.

mod support;

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::{Run, Server, arm64_binary, is_root, refused_port, run_command, which};

use support::qemu_aarch64 as qemu;

fn probe(qemu: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(qemu);
    command.arg(arm64_binary()).args(args).env_clear();
    run_command(command)
}

#[test]
fn arm64_binary_is_static_aarch64() {
    let elf = std::fs::read(arm64_binary()).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF");
    assert_eq!(
        u16::from_le_bytes([elf[0x12], elf[0x13]]),
        183,
        "e_machine is not AArch64"
    );
    assert!(
        !elf.windows(7).any(|w| w == b"ld-musl"),
        "an interpreter path"
    );
    eprintln!("arm64 binary: {} bytes", elf.len());
}

#[test]
fn arm64_binary_gives_every_verdict_under_qemu() {
    let Some(qemu) = qemu() else {
        eprintln!(
            "SKIP arm64_binary_gives_every_verdict_under_qemu: no qemu-aarch64 (apt-get install qemu-user-static)"
        );
        return;
    };
    let ok = Server::answering("200 OK", r#"{"status":"ok"}"#);
    let down = Server::answering("503 Service Unavailable", "");
    let hung = Server::start(|c| c.hang());
    probe(&qemu, &["--json", "/status=ok", &ok.url("/health")]).expect("healthy");
    probe(&qemu, &[&format!("http://localhost:{}/health", ok.port())]).expect("healthy");
    probe(&qemu, &[&down.url("/health")])
        .expect("unhealthy")
        .says("503 Service Unavailable");
    probe(&qemu, &[&format!("http://127.0.0.1:{}/", refused_port())]).expect("unreachable");
    probe(&qemu, &["--status", "2oo"]).expect("error");
    let run = probe(&qemu, &["-t", "500ms", &hung.url("/")]);
    run.expect("timeout").says("no response head from");
    // The deadline holds under emulation too; qemu's own start-up takes tens of ms.
    assert!(run.elapsed < Duration::from_millis(500 + 250), "{run:#?}");
}

#[test]
fn arm64_binary_resolves_localhost_in_an_empty_root() {
    let Some(qemu) = qemu() else {
        eprintln!("SKIP arm64_binary_resolves_localhost_in_an_empty_root: no qemu-aarch64");
        return;
    };
    if !is_root() {
        eprintln!(
            "SKIP arm64_binary_resolves_localhost_in_an_empty_root: needs root (chroot); CI runs it"
        );
        return;
    }
    // The root holds the probe and the (static) emulator only: no /etc, no libc.
    let root = support::scratch_dir("arm64-root");
    std::fs::copy(arm64_binary(), root.join("healthprobe")).unwrap();
    std::fs::copy(&qemu, root.join("qemu")).unwrap();
    let app = Server::on(TcpListener::bind("127.0.0.1:0").unwrap(), |c| {
        c.respond("200 OK", &[], b"ok")
    });
    let mut command = Command::new(which("chroot").expect("chroot"));
    command
        .arg("--userspec=1001:1001")
        .arg(&root)
        .args(["/qemu", "/healthprobe"])
        .env_clear()
        .env("PORT", app.port());
    run_command(command).expect("healthy").says("/health");
    let url = format!("http://localhost:{}/health", app.port());
    let mut command = Command::new(which("chroot").expect("chroot"));
    command
        .arg("--userspec=1001:1001")
        .arg(&root)
        .args(["/qemu", "/healthprobe", &url])
        .env_clear();
    run_command(command).expect("healthy");
    std::fs::remove_dir_all(root).unwrap();
}
