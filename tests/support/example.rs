//! Dockerfile.example as the engine tests (`tests/docker.rs`, `tests/podman.rs`) build it:
//! its lines around the static stand-in app (`support/standin.c`), and the app's state,
//! which the stand-in reads on each connection.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What the test takes from Dockerfile.example: the lines a user copies, and the
/// HEALTHCHECKs of the runner (liveness, and the commented readiness variant).
pub struct Example {
    /// `ARG HEALTHPROBE_IMAGE=…` and `FROM ${HEALTHPROBE_IMAGE} AS healthprobe`.
    pub stage: Vec<String>,
    /// The runner's `COPY --from=healthprobe`, `ENV` and `USER` lines.
    pub runner: Vec<String>,
    pub liveness: String,
    pub readiness: String,
}

pub fn example() -> Example {
    let text = std::fs::read_to_string(Path::new(ROOT).join("Dockerfile.example")).unwrap();
    let lines: Vec<String> = text
        .replace("\\\n", " ")
        .lines()
        .map(str::to_string)
        .collect();
    let first_from = lines.iter().position(|l| l.starts_with("FROM ")).unwrap();
    let arg = lines[..first_from]
        .iter()
        .find(|l| l.starts_with("ARG HEALTHPROBE_IMAGE="))
        .expect("ARG HEALTHPROBE_IMAGE=<reference> before the first FROM");
    // The published reference users get by default is the release of this version.
    assert!(
        arg.ends_with(&format!(":{}", env!("CARGO_PKG_VERSION"))),
        "{arg}"
    );
    assert_eq!(
        lines[first_from], "FROM ${HEALTHPROBE_IMAGE} AS healthprobe",
        "the binary's stage is the image, nothing built"
    );
    assert!(
        !text.contains("cargo") && !text.contains("rust"),
        "no Rust toolchain in the app's build"
    );
    let runner: Vec<&String> = lines
        .iter()
        .skip_while(|l| !(l.starts_with("FROM ") && l.ends_with(" AS runner")))
        .collect();
    let healthcheck = |commented: bool| -> String {
        runner
            .iter()
            .map(|l| l.as_str())
            .filter_map(|l| {
                if commented {
                    l.strip_prefix("# ")
                } else {
                    Some(l)
                }
            })
            .find(|l| l.starts_with("HEALTHCHECK ") && (l.contains("--ready") == commented))
            .expect("a HEALTHCHECK, and a commented --ready variant")
            .to_string()
    };
    Example {
        stage: vec![arg.clone(), lines[first_from].clone()],
        runner: runner
            .iter()
            .filter(|l| {
                l.starts_with("COPY --from=healthprobe ")
                    || l.starts_with("ENV ")
                    || l.starts_with("USER ")
            })
            .map(|l| l.to_string())
            .collect(),
        liveness: healthcheck(false),
        readiness: healthcheck(true),
    }
}

/// The example's HEALTHCHECK with Docker's waits shortened for a test; `--timeout` and
/// `--retries` as the example has them.
pub fn shortened(healthcheck: &str) -> String {
    healthcheck
        .split(' ')
        .map(|word| {
            if word.starts_with("--interval=") {
                "--interval=1s"
            } else if word.starts_with("--start-period=") {
                "--start-period=1s"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The app's behaviour, read by the stand-in on each connection (`support/standin.c`).
pub struct State(pub PathBuf);

impl State {
    /// A state directory for `name`, readable by the example's USER (uid 1001), the app
    /// answering 200.
    pub fn new(name: &str) -> State {
        use std::os::unix::fs::PermissionsExt;
        let state = State(super::scratch_dir(&format!("{name}-state")));
        std::fs::set_permissions(&state.0, std::fs::Permissions::from_mode(0o755)).unwrap();
        state.set("mode", "200");
        state
    }

    /// The engine's `-v` argument: the directory, read-only, at `/state`.
    pub fn mount(&self) -> String {
        format!("{}:/state:ro", self.0.display())
    }

    pub fn set(&self, file: &str, word: &str) {
        let fresh = self.0.join(format!(".{file}"));
        std::fs::write(&fresh, format!("{word}\n")).unwrap();
        std::fs::rename(fresh, self.0.join(file)).unwrap();
    }
}

/// The app image's Dockerfile from the example's lines around the stand-in, with one of
/// the example's HEALTHCHECKs, its waits shortened.
pub fn from_example(pick: impl Fn(&Example) -> &String) -> String {
    let example = example();
    let mut dockerfile = example.stage.join("\n");
    dockerfile.push_str("\nFROM scratch\nCOPY standin /app\n");
    dockerfile.push_str(&example.runner.join("\n"));
    dockerfile.push_str(&format!(
        "\n{}\nCMD [\"/app\"]\n",
        shortened(pick(&example))
    ));
    dockerfile
}

/// How the engine tests run the app: detached, named `app`, with no network (the image
/// and the engine's arguments follow).
pub const RUN_APP: &[&str] = &["run", "-d", "--name", "app", "--network", "none"];

/// A build context for `name`: the stand-in app, compiled static as `standin`, and
/// `dockerfile`.
pub fn context(name: &str, dockerfile: &str) -> PathBuf {
    let context = super::scratch_dir(&format!("{name}-context"));
    super::compile_c(
        "cc",
        &["-static", "-O2"],
        "tests/support/standin.c",
        &context.join("standin"),
    )
    .expect("cc -static builds the stand-in");
    std::fs::write(context.join("Dockerfile"), dockerfile).unwrap();
    context
}
