//! The Windows amd64 artifacts, as `scripts/dist` makes them, run under wine (Debian's
//! wine64) against the real servers the Linux suite uses, on loopback: every category,
//! the deadline against a hung app, `tcp://`, PostgreSQL, a gRPC health service,
//! `--wait`, JSON, `file://`, a bad option, what Windows cannot do said as `error`; and the
//! `tls` build against a TLS server with a private CA. wine runs the program on this
//! machine's own sockets, so its loopback is the servers'.
//!
//! wine 8 lacks one DLL every Windows 10 has (`support/wine/bcryptprimitives.c` says
//! which and why); the test builds a stand-in with MinGW beside the artifact.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::databases::{Postgres, until};
use crate::grpc::{Grpc, listen};
use crate::platforms::WINDOWS_AMD64;
use crate::support::pki::{Pki, https_server};
use crate::support::{self, Run, Server, refused_port, run_command, scratch_dir, skip, which};

/// A wine prefix of the test's own, its wineserver kept running (and so not started by
/// the first probe with the probe's output pipes, holding them open after it exits), and
/// the artifact beside the DLL it needs.
struct Wine {
    wine: PathBuf,
    dir: PathBuf,
    exe: PathBuf,
    env: Vec<(String, String)>,
}

impl Wine {
    /// The artifact (`tls` or plain) ready to run, or why it cannot run here.
    fn new(test: &str, tls: bool) -> Result<Wine, String> {
        let wine = which("wine")
            .or_else(|| Some(PathBuf::from("/usr/lib/wine/wine64")).filter(|w| w.exists()))
            .ok_or("no wine (apt-get install wine64)")?;
        let mingw = which("x86_64-w64-mingw32-gcc")
            .ok_or("no MinGW C compiler (apt-get install gcc-mingw-w64-x86-64)")?;
        let artifact = WINDOWS_AMD64.artifact(tls)?;
        let dir = scratch_dir(&format!("wine-{test}"));
        let exe = dir.join("healthprobe.exe");
        std::fs::copy(&artifact, &exe).unwrap();
        let dll = Command::new(mingw)
            .args(["-shared", "-O2", "-o"])
            .arg(dir.join("bcryptprimitives.dll"))
            .arg(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/wine/bcryptprimitives.c"),
            )
            .arg("-ladvapi32")
            .output()
            .unwrap();
        assert!(dll.status.success(), "{dll:?}");
        let env = vec![
            (
                "WINEPREFIX".to_string(),
                dir.join("prefix").display().to_string(),
            ),
            ("WINEDEBUG".to_string(), "-all".to_string()),
            (
                "PATH".to_string(),
                std::env::var("PATH").unwrap_or_default(),
            ),
        ];
        let wine = Wine {
            wine,
            dir,
            exe,
            env,
        };
        // The prefix's server kept (-p) until `drop`, with no pipe of ours; wine fills
        // the prefix on the first run.
        std::fs::create_dir_all(wine.dir.join("prefix")).unwrap();
        assert!(wine.quietly(&wine.server(), &["-p"]), "wineserver -p");
        // The first run fills the prefix and starts wine's services, which outlive it and
        // would hold a probe's output pipes open: run with none of ours.
        let exe = wine.exe.display().to_string();
        assert!(
            wine.quietly(&wine.wine, &[&exe, "--version"]),
            "the first run under wine"
        );
        Ok(wine)
    }

    /// wine's server, beside wine.
    fn server(&self) -> PathBuf {
        let server = self.wine.with_file_name("wineserver");
        if server.exists() {
            server
        } else {
            PathBuf::from("wineserver")
        }
    }

    /// Runs `program` with wine's environment and none of our descriptors: whether it
    /// succeeded.
    fn quietly(&self, program: &Path, args: &[&str]) -> bool {
        Command::new(program)
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The artifact run under wine with `args` and, besides wine's own, exactly `env`.
    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(&self.wine);
        command
            .arg(&self.exe)
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(env.iter().copied());
        run_command(command)
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }
}

impl Drop for Wine {
    fn drop(&mut self) {
        self.quietly(&self.server(), &["-k"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn windows_amd64_under_wine() {
    let wine = match Wine::new("plain", false) {
        Ok(wine) => wine,
        Err(why) => return skip("windows_amd64_under_wine", &why),
    };
    wine.run(&["--version"])
        .says("(plain build, x86_64-pc-windows-gnu)");

    // HTTP: every category, and the deadline against an app that accepts and never answers.
    let ok = Server::answering("200 OK", r#"{"status":"ok"}"#);
    let down = Server::answering("503 Service Unavailable", "");
    let hung = Server::start(|c| c.hang());
    wine.run(&["--json", "/status=ok", &ok.url("/health")])
        .expect("healthy")
        .says("200 OK");
    wine.run_env(&[], &[("PORT", &ok.port())])
        .expect("healthy")
        .says("/health");
    wine.run(&[&down.url("/health")])
        .expect("unhealthy")
        .says("503 Service Unavailable");
    let refused = format!("127.0.0.1:{}", refused_port());
    wine.run(&[&format!("http://{refused}/")])
        .expect("unreachable")
        .says("connection refused");
    let hang = wine.run(&["-t", "1s", &hung.url("/")]);
    hang.expect("timeout").says("no response head from");
    // wine's own start-up takes a few hundred milliseconds of that.
    assert!(
        hang.elapsed < Duration::from_millis(1000 + 1500),
        "{hang:#?}"
    );
    // Windows's variable names know no case: healthprobe_timeout is HEALTHPROBE_TIMEOUT.
    wine.run_env(&[&hung.url("/")], &[("healthprobe_timeout", "700ms")])
        .expect("timeout")
        .says("within 700ms");

    // tcp://, and --wait for a port that opens later.
    let db = TcpListener::bind("127.0.0.1:0").unwrap();
    wine.run(&[&format!("tcp://{}", db.local_addr().unwrap())])
        .expect("healthy");
    wine.run(&[&format!("tcp://{refused}")])
        .expect("unreachable");
    let later = support::free_port();
    let opener = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        TcpListener::bind(("127.0.0.1", later)).unwrap()
    });
    let url = format!("tcp://127.0.0.1:{later}");
    wine.run(&["--wait", "15s", "--interval", "200ms", &url])
        .expect("healthy")
        .says("attempts");
    drop(opener.join());

    // JSON reports.
    let json = wine.run(&["--format", "json", &down.url("/")]);
    let report: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(
        (
            json.code,
            report["result"].as_str(),
            report["status"].as_u64()
        ),
        (Some(1), Some("unhealthy"), Some(503)),
        "{json:#?}"
    );

    // file://, with a drive letter as Windows spells a path (wine's Z: is /).
    let beat = wine.dir.join("heartbeat");
    File::create(&beat).unwrap();
    wine.run(&[&format!("file:///Z:{}?max-age=1m", beat.display())])
        .expect("healthy")
        .says("modified");
    wine.run(&[&format!("file:///Z:{}/missing", wine.dir.display())])
        .expect("unreachable")
        .says("no file at");

    // Bad input, and what Windows cannot do: one line each, exit 1.
    wine.run(&["--status", "2oo"]).expect("error");
    wine.run(&["--bogus", &ok.url("/")])
        .expect("error")
        .says("unknown option");
    wine.run(&["--unix-socket", "/tmp/app.sock", "http://localhost/"])
        .expect("error")
        .says("no Unix domain sockets");
    let exec = wine.run(&[&ok.url("/"), "--", "app.exe"]);
    assert_eq!(exec.code, Some(1), "{exec:#?}");
    assert!(
        exec.stderr
            .contains("error: -- COMMAND: Windows has no exec"),
        "{exec:#?}"
    );
    wine.run(&["--install", "C:/healthprobe.exe"])
        .expect("error")
        .says("on Windows, copy healthprobe.exe");

    // A real gRPC health service, and real PostgreSQL.
    let (_, addr) = listen();
    match Grpc::python(&["--listen", &addr, "--status", "orders=SERVING"]) {
        Err(why) => skip("windows_amd64_under_wine grpc", &why),
        Ok(_server) => {
            wine.run(&[&format!("grpc://{addr}/orders")])
                .expect("healthy")
                .says("SERVING from");
            wine.run(&[&format!("grpc://{addr}/other")])
                .expect("unhealthy")
                .says("NOT_FOUND");
        }
    }
    match Postgres::new("wine") {
        Err(why) => skip("windows_amd64_under_wine postgres", &why),
        Ok(pg) => {
            wine.run(&[&pg.url()]).expect("unreachable");
            pg.start("");
            until("postgres up", || pg.pg_isready() == 0);
            wine.run(&["-t", "3s", &pg.url()])
                .expect("healthy")
                .says("accepting connections");
        }
    }
}

#[test]
fn windows_amd64_tls_under_wine() {
    let wine = match Wine::new("tls", true) {
        Ok(wine) => wine,
        Err(why) => return skip("windows_amd64_tls_under_wine", &why),
    };
    wine.run(&["--version"])
        .says("(tls build, x86_64-pc-windows-gnu)");
    let pki = Pki::new("wine");
    let addr = https_server(&pki.leaf(&["127.0.0.1"], false), None);
    let url = format!("https://{addr}/health");
    // The CA file by its Windows path (wine's Z: is /).
    let ca = format!("Z:{}", pki.path("ca.pem"));
    wine.run(&["-v", "--cacert", &ca, &url])
        .expect("healthy")
        .says("certificate verified");
    wine.run(&[&url])
        .expect("unreachable")
        .says("unknown issuer");
}
