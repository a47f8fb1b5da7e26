//! Podman, a second real engine (Debian's `podman`, rootful, `vfs` storage in a root of
//! the test's own): it builds the project's image from the release artifacts and an app
//! image from Dockerfile.example's lines around the stand-in app, and `podman healthcheck
//! run` judges the example's HEALTHCHECK while the app misbehaves. Podman builds the OCI
//! image format by default, which has no HEALTHCHECK: the test proves the README's advice
//! (`--format docker`) is needed and enough. Needs root and `podman` (CI installs it).

use crate::support;

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
        // The engine's temporary state is the test's own too: by default every instance
        // shares /run/libpod, which one test's `system reset` empties under another
        // running at the same time (its `healthcheck run` then fails with 125).
        std::fs::write(
            dir.join("containers.conf"),
            format!(
                "[containers]\n\
                 default_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]\n\
                 [engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n\
                 tmp_dir = \"{}/tmp\"\n",
                dir.display()
            ),
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

    /// The project's image, `healthprobe:local`, built from dist/ by the top-level
    /// Dockerfile (TARGETARCH set).
    fn project_image(&self) {
        dist("linux/amd64", "amd64", false);
        self.ok(&[
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
    }

    /// The container's health state: `.State.Health`, spelt `Healthcheck` by some of
    /// Podman's versions.
    fn health(&self, container: &str) -> Value {
        let state = &self.inspect("container", container)["State"];
        match state["Health"].is_null() {
            true => state["Healthcheck"].clone(),
            false => state["Health"].clone(),
        }
    }

    /// `podman healthcheck run CONTAINER` once: its exit code and what it printed.
    fn check(&self, container: &str) -> (i32, String) {
        let run = self.podman(&["healthcheck", "run", container]);
        let out = String::from_utf8_lossy(&run.stdout).into_owned()
            + &String::from_utf8_lossy(&run.stderr);
        (run.status.code().unwrap_or(-1), out)
    }

    /// [`Podman::check`] until it exits `want`, for at most 30 s.
    fn check_until(&self, container: &str, want: i32) {
        let start = std::time::Instant::now();
        loop {
            let (code, out) = self.check(container);
            if code == want {
                return;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(30),
                "podman healthcheck run: {code} {out}"
            );
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
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
        let _ = self.podman(&["system", "reset", "--force"]);
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
    let (code, _) = podman.check("app");
    let output = podman.health("app")["Log"]
        .as_array()
        .and_then(|log| log.last())
        .and_then(|entry| entry["Output"].as_str())
        .unwrap_or("")
        .to_string();
    (code, output)
}

#[test]
fn the_example_healthcheck_in_podman() {
    let podman = match Podman::start("example") {
        Ok(p) => p,
        Err(why) => return skip("the_example_healthcheck_in_podman", &why),
    };
    podman.project_image();
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
        let health = podman.health("app");
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

/// `podman kube play`, as the README's recipe says: it turns a Pod's exec `livenessProbe`
/// into a shell-form check (`CMD-SHELL … || exit 1`), drops the image's own HEALTHCHECK,
/// ignores `readinessProbe`, and without systemd runs no check by itself. So the check
/// works where the image has `/bin/sh` (as `node:20-slim` does; here a static busybox
/// stands in for it) and is run with `podman healthcheck run`, which judges the app
/// healthy, then unhealthy with healthprobe's reason; in an image without a shell the same
/// Pod's check fails whatever the app does, as the README says.
#[test]
fn kube_play_runs_the_liveness_probe_through_a_shell() {
    const TEST: &str = "kube_play_runs_the_liveness_probe_through_a_shell";
    let podman = match Podman::start("kube") {
        Ok(p) => p,
        Err(why) => return skip(TEST, &why),
    };
    let Some(busybox) = which("busybox").filter(|b| {
        // Static (no interpreter), so that it runs in a FROM scratch image.
        let elf = support::elf::Elf::read(b);
        elf.program_headers()
            .iter()
            .all(|h| h.0 != support::elf::PT_INTERP)
    }) else {
        return skip(TEST, "no static busybox (apt-get install busybox-static)");
    };
    podman.project_image();
    let dockerfile = from_example(|e| &e.liveness);
    let shelled = format!("{dockerfile}\nCOPY busybox /bin/sh\n");
    for (tag, dockerfile) in [("app:shell", &shelled), ("app:noshell", &dockerfile)] {
        let context = context(&format!("kube-{}", &tag[4..]), dockerfile);
        std::fs::copy(&busybox, context.join("busybox")).unwrap();
        let context = context.display().to_string();
        podman.ok(&[
            "build",
            "--quiet",
            "--format",
            "docker",
            "--build-arg",
            "HEALTHPROBE_IMAGE=healthprobe:local",
            "-t",
            tag,
            &context,
        ]);
    }
    let state = State::new("kube");
    let port = support::free_port().to_string();
    let play = |image: &str| {
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostNetwork: true\n  \
             containers:\n    - name: app\n      image: localhost/{image}\n      \
             env:\n        - name: PORT\n          value: \"{port}\"\n      \
             volumeMounts:\n        - name: state\n          mountPath: /state\n      \
             livenessProbe:\n        exec:\n          command: [\"/usr/local/bin/healthprobe\"]\n        \
             periodSeconds: 12\n        timeoutSeconds: 5\n        failureThreshold: 3\n      \
             readinessProbe:\n        exec:\n          command: [\"/usr/local/bin/healthprobe\", \"--ready\"]\n  \
             volumes:\n    - name: state\n      hostPath:\n        path: {}\n",
            state.0.display()
        );
        let file = podman.dir.join("pod.yaml");
        std::fs::write(&file, pod).unwrap();
        let _ = podman.podman(&["kube", "down", file.to_str().unwrap()]);
        podman.ok(&["kube", "play", file.to_str().unwrap()]);
        // The container kube play made: <pod>-<container>.
        let check = podman.inspect("container", "web-app");
        let test = check["Config"]["Healthcheck"]["Test"].clone();
        let test: Vec<String> = serde_json::from_value(test).unwrap_or_default();
        assert_eq!(
            test.first().map(String::as_str),
            Some("CMD-SHELL"),
            "{test:?}"
        );
        // The liveness probe's command alone: the readiness probe's is not in it.
        assert!(!test.join(" ").contains("--ready"), "{test:?}");
        file
    };
    let file = play("app:shell");
    podman.check_until("web-app", 0);
    state.set("mode", "503");
    podman.check_until("web-app", 1);
    let log = podman.health("web-app")["Log"].to_string();
    assert!(log.contains("unhealthy: 503 Service Unavailable"), "{log}");
    podman.ok(&["kube", "down", file.to_str().unwrap()]);

    // No shell in the image: the shell-form check cannot run, healthy app or not.
    state.set("mode", "200");
    let file = play("app:noshell");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (code, out) = podman.check("web-app");
    assert_ne!(code, 0, "{out}");
    podman.ok(&["kube", "down", file.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&state.0);
}

/// The README's pattern for an image you do not build, played by `podman kube play`: an
/// init container from the healthprobe image installs the probe into an `emptyDir`, and
/// the app's container (an image with no healthprobe in it) mounts it and is probed
/// through it by an exec liveness probe, which Podman judges healthy, then unhealthy with
/// healthprobe's reason. (kube play runs the probe through `/bin/sh`, so the app's image
/// has one, as node:20-slim does; a static busybox stands in for it. The init container
/// is of Podman's `always` type, kept after it ran: Podman 4.3 removes a `once` one
/// while it may still count as running and fails the play, containers/podman#18477.)
#[test]
fn kube_play_seeds_an_empty_dir_from_an_init_container() {
    const TEST: &str = "kube_play_seeds_an_empty_dir_from_an_init_container";
    let podman = match Podman::start("seed") {
        Ok(p) => p,
        Err(why) => return skip(TEST, &why),
    };
    let Some(busybox) = which("busybox") else {
        return skip(TEST, "no static busybox (apt-get install busybox-static)");
    };
    podman.project_image();
    let context = context(
        "kube-vendor",
        "FROM scratch\nCOPY standin /app\nCOPY busybox /bin/sh\nENTRYPOINT [\"/app\"]\n",
    );
    std::fs::copy(&busybox, context.join("busybox")).unwrap();
    let context = context.display().to_string();
    podman.ok(&[
        "build",
        "--quiet",
        "--format",
        "docker",
        "-t",
        "vendor:app",
        &context,
    ]);
    let state = State::new("kube-seed");
    let port = support::free_port();
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: vendor\n  annotations:\n    \
         io.podman.annotations.init.container.type: always\nspec:\n  hostNetwork: true\n  \
         initContainers:\n    - name: healthprobe\n      image: localhost/healthprobe:local\n      \
         args: [\"--install\", \"/probe/healthprobe\"]\n      \
         volumeMounts:\n        - {{ name: probe, mountPath: /probe }}\n  \
         containers:\n    - name: app\n      image: localhost/vendor:app\n      \
         env:\n        - {{ name: PORT, value: \"{port}\" }}\n      \
         volumeMounts:\n        - {{ name: state, mountPath: /state }}\n        \
         - {{ name: probe, mountPath: /probe, readOnly: true }}\n      \
         livenessProbe:\n        exec:\n          command: [\"/probe/healthprobe\", \"--timeout\", \
         \"2s\", \"http://127.0.0.1:{port}/health\"]\n        periodSeconds: 12\n        \
         timeoutSeconds: 5\n  \
         volumes:\n    - name: state\n      hostPath:\n        path: {}\n    \
         - name: probe\n      emptyDir: {{}}\n",
        state.0.display()
    );
    let file = podman.dir.join("pod.yaml");
    std::fs::write(&file, pod).unwrap();
    podman.ok(&["kube", "play", file.to_str().unwrap()]);
    podman.check_until("vendor-app", 0);
    state.set("mode", "503");
    podman.check_until("vendor-app", 1);
    let log = podman.health("vendor-app")["Log"].to_string();
    assert!(log.contains("unhealthy: 503 Service Unavailable"), "{log}");
    podman.ok(&["kube", "down", file.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&state.0);
}
