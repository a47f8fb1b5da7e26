//! The release's publishing path, run here: `scripts/image` (what the release workflow
//! calls) pushes the plain and `tls` indexes of every platform to a real registry on
//! loopback (Debian's `docker-registry`, the reference implementation); the test reads
//! every tag back with skopeo, pulls each platform's image, runs its binary (under qemu
//! for foreign ones), and checks the SBOM and provenance attached to each.
//!
//! CI pushes the eight plain images and the amd64 and arm64 `tls` ones (the artifacts it
//! builds, docs/platforms.md); with `HEALTHPROBE_ALL_PLATFORMS=1` all sixteen.

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::dependencies::embedded_runtime;
use support::{dies_with_test, dist, skip, which};

/// Docker's platform, the artifact's slug, the OCI architecture and variant, and qemu's
/// emulator where the platform is foreign.
const PLATFORMS: [(&str, &str, &str, &str, Option<&str>); 8] = [
    ("linux/amd64", "amd64", "amd64", "", None),
    (
        "linux/arm64",
        "arm64",
        "arm64",
        "",
        Some("qemu-aarch64-static"),
    ),
    (
        "linux/arm/v7",
        "armv7",
        "arm",
        "v7",
        Some("qemu-arm-static"),
    ),
    (
        "linux/arm/v6",
        "armv6",
        "arm",
        "v6",
        Some("qemu-arm-static"),
    ),
    ("linux/386", "386", "386", "", Some("qemu-i386-static")),
    (
        "linux/ppc64le",
        "ppc64le",
        "ppc64le",
        "",
        Some("qemu-ppc64le-static"),
    ),
    (
        "linux/s390x",
        "s390x",
        "s390x",
        "",
        Some("qemu-s390x-static"),
    ),
    (
        "linux/riscv64",
        "riscv64",
        "riscv64",
        "",
        Some("qemu-riscv64-static"),
    ),
];

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A registry serving from a directory of its own, ended with the test.
struct Registry {
    child: Child,
    addr: String,
}

impl Registry {
    fn start(program: &Path, dir: &Path) -> Registry {
        let addr = format!("127.0.0.1:{}", support::free_port());
        let config = dir.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
                dir.join("data").display()
            ),
        )
        .unwrap();
        let child = dies_with_test(Command::new(program).arg("serve").arg(&config))
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "no registry");
            std::thread::sleep(Duration::from_millis(20));
        }
        Registry { child, addr }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn skopeo(args: &[&str]) -> Vec<u8> {
    let out = Command::new("skopeo").args(args).output().unwrap();
    assert!(out.status.success(), "skopeo {args:?}: {out:?}");
    out.stdout
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

/// The blob `digest` of an image copied with skopeo into the `dir:` layout `dir`.
fn blob(dir: &Path, digest: &str) -> Vec<u8> {
    std::fs::read(dir.join(digest.trim_start_matches("sha256:"))).unwrap()
}

#[test]
fn the_image_is_pushed_pulled_and_run_for_every_platform_with_sbom_and_provenance() {
    let test = "publish";
    let (Some(registry), Some(_)) = (which("docker-registry"), which("skopeo")) else {
        return skip(
            test,
            "no docker-registry or skopeo (apt-get install docker-registry skopeo)",
        );
    };
    if which("cargo-zigbuild").is_none() {
        return skip(
            test,
            "no cargo-zigbuild (pip install cargo-zigbuild ziglang)",
        );
    }
    for (_, _, _, _, emulator) in PLATFORMS {
        if let Some(emulator) = emulator.filter(|e| which(e).is_none()) {
            return skip(
                test,
                &format!("no {emulator} (apt-get install qemu-user-static)"),
            );
        }
    }
    let all = std::env::var("HEALTHPROBE_ALL_PLATFORMS").as_deref() == Ok("1");
    let tls_platforms: Vec<_> = PLATFORMS
        .iter()
        .filter(|p| all || p.1 == "amd64" || p.1 == "arm64")
        .collect();
    if !all {
        support::announce_skip(
            "publish: the six other tls images",
            "pushed with HEALTHPROBE_ALL_PLATFORMS=1 only (the release workflow)",
        );
    }
    for (name, slug, ..) in PLATFORMS {
        dist(name, slug, false);
    }
    for (name, slug, ..) in &tls_platforms {
        dist(name, slug, true);
    }

    let scratch = support::scratch_dir("publish");
    let registry = Registry::start(&registry, &scratch);
    let repository = format!("{}/healthprobe", registry.addr);
    let names = |platforms: &mut dyn Iterator<Item = &str>| platforms.collect::<Vec<_>>().join(",");
    let pushed = Command::new(Path::new(ROOT).join("scripts/image"))
        .args(["--platform", &names(&mut PLATFORMS.iter().map(|p| p.0))])
        .args([
            "--tls-platform",
            &names(&mut tls_platforms.iter().map(|p| p.0)),
        ])
        .args(["--push", &repository, "--insecure", VERSION])
        .output()
        .unwrap();
    assert!(pushed.status.success(), "{pushed:?}");
    let pushed = String::from_utf8(pushed.stdout).unwrap();

    // Every tag: the version, its minor and major, latest; -tls for the tls build; each
    // variant's tags name one index.
    let (major, minor) = {
        let parts: Vec<&str> = VERSION.split('.').collect();
        (parts[0].to_string(), format!("{}.{}", parts[0], parts[1]))
    };
    for (variant, platforms) in [
        ("", PLATFORMS.iter().collect::<Vec<_>>()),
        ("-tls", tls_platforms.clone()),
    ] {
        let mut digests = BTreeSet::new();
        for tag in [VERSION, &minor, &major, "latest"] {
            let reference = format!("{repository}:{tag}{variant}");
            let line = pushed
                .lines()
                .find(|l| l.starts_with(&format!("{reference} ")))
                .unwrap_or_else(|| panic!("{reference} not pushed: {pushed}"));
            let digest = line.split(' ').nth(1).unwrap().to_string();
            let raw = skopeo(&[
                "inspect",
                "--tls-verify=false",
                "--raw",
                &format!("docker://{reference}"),
            ]);
            assert_eq!(
                digest,
                format!("sha256:{}", support::sha256_hex(&raw)),
                "{reference}"
            );
            digests.insert(digest);
        }
        assert_eq!(digests.len(), 1, "{variant}: {digests:?}");
        let reference = format!("{repository}:{VERSION}{variant}");
        let index = json(&skopeo(&[
            "inspect",
            "--tls-verify=false",
            "--raw",
            &format!("docker://{reference}"),
        ]));
        let manifests = index["manifests"].as_array().unwrap();
        assert_eq!(manifests.len(), 2 * platforms.len(), "{index:#}");
        for (name, slug, arch, os_variant, emulator) in platforms {
            let image = manifests
                .iter()
                .find(|m| {
                    m["platform"]["architecture"] == *arch
                        && m["platform"]["variant"].as_str().unwrap_or("") == *os_variant
                })
                .unwrap_or_else(|| panic!("no {name} in {index:#}"));
            let digest = image["digest"].as_str().unwrap();

            // Pull it and run it.
            let pulled = scratch.join(format!("{slug}{variant}"));
            let mut copy = vec![
                "copy",
                "--quiet",
                "--src-tls-verify=false",
                "--override-os",
                "linux",
                "--override-arch",
                arch,
            ];
            if !os_variant.is_empty() {
                copy.extend(["--override-variant", os_variant]);
            }
            let from = format!("docker://{reference}");
            let to = format!("dir:{}", pulled.display());
            copy.extend([from.as_str(), to.as_str()]);
            skopeo(&copy);
            let manifest = json(&std::fs::read(pulled.join("manifest.json")).unwrap());
            let config = json(&blob(
                &pulled,
                manifest["config"]["digest"].as_str().unwrap(),
            ));
            assert_eq!(config["config"]["User"], "65532:65532");
            assert_eq!(
                config["config"]["Entrypoint"],
                serde_json::json!(["/healthprobe"])
            );
            let labels = &config["config"]["Labels"];
            assert_eq!(labels["org.opencontainers.image.version"], VERSION);
            let layer = manifest["layers"][0]["digest"].as_str().unwrap();
            let unpacked = pulled.join("rootfs");
            std::fs::create_dir_all(&unpacked).unwrap();
            let untar = Command::new("tar")
                .arg("-xzf")
                .arg(pulled.join(layer.trim_start_matches("sha256:")))
                .arg("-C")
                .arg(&unpacked)
                .status()
                .unwrap();
            assert!(untar.success());
            let binary = unpacked.join("healthprobe");
            let artifact = dist_path(slug, variant);
            assert!(
                std::fs::read(&binary).unwrap() == std::fs::read(&artifact).unwrap(),
                "{name}{variant}: the image holds another binary than {}",
                artifact.display()
            );
            let mut run = match emulator {
                Some(emulator) => {
                    let mut c = Command::new(which(emulator).unwrap());
                    c.arg(&binary);
                    c
                }
                None => Command::new(&binary),
            };
            let out = run.arg("--version").output().unwrap();
            assert!(out.status.success(), "{name}{variant}: {out:?}");
            assert!(
                String::from_utf8_lossy(&out.stdout).contains(VERSION),
                "{out:?}"
            );

            // Its attestations: an SPDX SBOM listing the crates the binary embeds, and
            // provenance naming the artifact, both about this very manifest.
            let attestation = manifests
                .iter()
                .find(|m| m["annotations"]["vnd.docker.reference.digest"] == digest)
                .unwrap_or_else(|| panic!("no attestation for {name}{variant}"));
            assert_eq!(
                attestation["annotations"]["vnd.docker.reference.type"],
                "attestation-manifest"
            );
            assert_eq!(attestation["platform"]["os"], "unknown");
            let attested = scratch.join(format!("{slug}{variant}-attestation"));
            let from = format!(
                "docker://{repository}@{}",
                attestation["digest"].as_str().unwrap()
            );
            skopeo(&[
                "copy",
                "--quiet",
                "--src-tls-verify=false",
                &from,
                &format!("dir:{}", attested.display()),
            ]);
            let manifest = json(&std::fs::read(attested.join("manifest.json")).unwrap());
            let mut predicates = BTreeSet::new();
            for layer in manifest["layers"].as_array().unwrap() {
                assert_eq!(layer["mediaType"], "application/vnd.in-toto+json");
                let statement = json(&blob(&attested, layer["digest"].as_str().unwrap()));
                let kind = statement["predicateType"].as_str().unwrap().to_string();
                assert_eq!(
                    layer["annotations"]["in-toto.io/predicate-type"],
                    kind.as_str()
                );
                assert_eq!(
                    format!(
                        "sha256:{}",
                        statement["subject"][0]["digest"]["sha256"]
                            .as_str()
                            .unwrap()
                    ),
                    digest
                );
                let predicate = &statement["predicate"];
                match kind.as_str() {
                    "https://spdx.dev/Document" => {
                        assert_eq!(predicate["spdxVersion"], "SPDX-2.3");
                        let listed: BTreeSet<(String, String)> = predicate["packages"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|p| {
                                let field = |k: &str| p[k].as_str().unwrap().to_string();
                                (field("name"), field("versionInfo"))
                            })
                            .collect();
                        for runtime in embedded_runtime(&artifact) {
                            assert!(listed.contains(&runtime), "{name}{variant}: {runtime:?}");
                        }
                    }
                    "https://slsa.dev/provenance/v0.2" => {
                        let materials = predicate["materials"].to_string();
                        let sum = support::sha256_hex(&std::fs::read(&artifact).unwrap());
                        assert!(materials.contains(&sum), "{materials}");
                    }
                    other => panic!("unexpected predicate {other}"),
                }
                predicates.insert(kind);
            }
            assert_eq!(predicates.len(), 2, "{predicates:?}");
        }
    }
    drop(registry);
    std::fs::remove_dir_all(scratch).unwrap();
}

fn dist_path(slug: &str, variant: &str) -> PathBuf {
    Path::new(ROOT).join(format!("dist/healthprobe-linux-{slug}{variant}"))
}
