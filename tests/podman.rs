//! Podman, a second real engine (Debian's `podman`, rootful, `vfs` storage in a root of
//! the test's own): it builds the project's image from the release artifacts and an app
//! image from Dockerfile.example's lines around the stand-in app, and `podman healthcheck
//! run` judges the example's HEALTHCHECK while the app misbehaves. Podman builds the OCI
//! image format by default, which has no HEALTHCHECK: the test proves the README's advice
//! (`--format docker`) is needed and enough. Needs root and `podman` (CI installs it).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::example::{RUN_APP, State, context, from_example};
use support::{dist, is_root, skip, which};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Podman with a storage root, a run root and a configuration of the test's own; every
/// container is removed on drop.
struct Podman {
    program: PathBuf,
    dir: PathBuf,
}

impl Podman {
    fn start(test: &str) -> Result<Podman, String> {
        if !is_root() {
            return Err("rootful podman needs root".to_string());
        }
        let program = which("podman").ok_or("no podman (apt-get install podman)")?;
        let dir = PathBuf::from(format!("/tmp/hp-podman-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // runc here refuses Podman's default limits (open files, processes), which this
        // machine's container does not allow it to set; journald and systemd are not there.
        std::fs::write(
            dir.join("containers.conf"),
            "[containers]\n\
             default_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]\n\
             [engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("storage.conf"),
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/root\"\nrunroot = \"{0}/run\"\n",
                dir.display()
            ),
        )
        .unwrap();
        Ok(Podman { program, dir })
    }

    fn podman(&self, args: &[&str]) -> Output {
        Command::new(&self.program)
            .env("CONTAINERS_CONF", self.dir.join("containers.conf"))
            .env("CONTAINERS_STORAGE_CONF", self.dir.join("storage.conf"))
            .args(args)
            .output()
            .expect("podman runs")
    }

    fn ok(&self, args: &[&str]) -> Output {
        support::succeeded(("podman", args), self.podman(args))
    }

    fn inspect(&self, what: &str, name: &str) -> Value {
        let out = self.ok(&["inspect", "--type", what, name]);
        let all: Value = serde_json::from_slice(&out.stdout).unwrap();
        all[0].clone()
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        let _ = self.podman(&["rm", "--force", "--all", "--time", "0"]);
        let _ = Command::new(&self.program)
            .env("CONTAINERS_STORAGE_CONF", self.dir.join("storage.conf"))
            .args(["system", "reset", "--force"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The image's HEALTHCHECK command, when the image has one.
fn healthcheck(image: &Value) -> Option<Vec<String>> {
    // Podman puts it beside Config (spelt either way by its versions), Docker in it.
    let check = [
        &image["HealthCheck"],
        &image["Healthcheck"],
        &image["Config"]["Healthcheck"],
    ]
    .into_iter()
    .find(|c| !c.is_null())?;
    check["Test"].as_array().map(|test| {
        test.iter()
            .map(|t| t.as_str().unwrap_or("").to_string())
            .collect()
    })
}

/// `podman healthcheck run` once: its exit code and the health log's last output.
fn check_now(podman: &Podman) -> (i32, String) {
    let run = podman.podman(&["healthcheck", "run", "app"]);
    let health = &podman.inspect("container", "app")["State"];
    let health = if health["Health"].is_null() {
        &health["Healthcheck"]
    } else {
        &health["Health"]
    };
    let output = health["Log"]
        .as_array()
        .and_then(|log| log.last())
        .and_then(|entry| entry["Output"].as_str())
        .unwrap_or("")
        .to_string();
    (run.status.code().unwrap_or(-1), output)
}

#[test]
fn the_example_healthcheck_in_podman() {
    let podman = match Podman::start("example") {
        Ok(p) => p,
        Err(why) => return skip("the_example_healthcheck_in_podman", &why),
    };
    // The project's image, built from dist/ by the top-level Dockerfile (TARGETARCH set).
    dist("linux/amd64", "amd64", false);
    podman.ok(&[
        "build",
        "--quiet",
        "--format",
        "docker",
        "--platform",
        "linux/amd64",
        "--build-arg",
        "VARIANT=",
        "-t",
        "healthprobe:local",
        ROOT,
    ]);
    let context = context("podman", &from_example(|e| &e.liveness));
    let context = context.display().to_string();
    let build = |format: &str, tag: &str| {
        podman.ok(&[
            "build",
            "--format",
            format,
            "--build-arg",
            "HEALTHPROBE_IMAGE=healthprobe:local",
            "-t",
            tag,
            &context,
        ])
    };
    // Podman's default, OCI: the HEALTHCHECK is dropped with one warning.
    let oci = build("oci", "app:oci");
    let said = String::from_utf8_lossy(&oci.stderr) + String::from_utf8_lossy(&oci.stdout);
    assert!(
        said.contains("HEALTHCHECK is not supported for OCI image format"),
        "{said}"
    );
    assert_eq!(healthcheck(&podman.inspect("image", "app:oci")), None);
    // --format docker keeps it.
    build("docker", "app:docker");
    let image = podman.inspect("image", "app:docker");
    let test = healthcheck(&image).unwrap_or_else(|| panic!("no healthcheck: {image:#}"));
    assert_eq!(test[..2], ["CMD", "/usr/local/bin/healthprobe"], "{test:?}");

    let state = State::new("podman");
    let mount = state.mount();
    podman.ok(&[RUN_APP, &["-v", &mount, "app:docker"]].concat());
    let until = |want: i32, says: &str| {
        let start = std::time::Instant::now();
        loop {
            let (code, output) = check_now(&podman);
            if code == want && output.contains(says) {
                return output;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(30),
                "podman healthcheck run: {code}, {output:?}; wanted {want} and {says:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
    };
    until(0, "healthy: 200 OK");
    state.set("mode", "503");
    until(1, "unhealthy: 503 Service Unavailable");
    // After the example's retries, Podman judges the container unhealthy.
    let start = std::time::Instant::now();
    loop {
        let state = &podman.inspect("container", "app")["State"];
        let health = if state["Health"].is_null() {
            &state["Healthcheck"]
        } else {
            &state["Health"]
        };
        if health["Status"] == "unhealthy" {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "{health}"
        );
        let _ = check_now(&podman);
    }
    state.set("mode", "404");
    until(1, "unhealthy: 404 Not Found");
    state.set("mode", "hang");
    until(1, "timeout: no response head");
    state.set("mode", "200");
    until(0, "healthy: 200 OK");
    let _ = std::fs::remove_dir_all(&state.0);
    let _ = std::fs::remove_dir_all(Path::new(&context));
}
