//! The dependency list every build embeds, as `cargo auditable` does: the crates compiled
//! into this binary with their versions, as zlib-compressed JSON in the `.dep-v0` section
//! (`src/sys/dependencies.rs` places it), which `cargo audit bin`, Trivy, Grype and Syft
//! read. Embedded by the build itself rather than by the `cargo auditable` wrapper, so that
//! every way of building — `cargo build`, the tests, `cargo zigbuild` in `scripts/dist` —
//! ships a binary a scanner can see into, with nothing to install.
//!
//! The list is `cargo tree`'s for this very build (its target and features, no dev-
//! dependencies): that resolves features as the build does, where `cargo metadata`
//! (cargo auditable's source) would also count what the dev-dependencies switch on.
//! Packages only the build needs (build scripts' dependencies) are listed with
//! `"kind":"build"`, as cargo auditable lists them. No path or time goes in: two
//! checkouts embed the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// A package as the list names it: name, version, source.
type Package = (String, String, &'static str);

/// Writes the compressed list to `OUT_DIR/dep-v0`.
pub fn embed() {
    let runtime = tree("normal");
    let all = tree("normal,build");
    let runtime_packages: BTreeSet<&Package> = runtime.keys().collect();
    let index: BTreeMap<&Package, usize> = all.keys().enumerate().map(|(i, p)| (p, i)).collect();
    let mut json = String::from("{\"packages\":[");
    for (i, (package, dependencies)) in all.iter().enumerate() {
        let (name, version, source) = package;
        if i > 0 {
            json.push(',');
        }
        json += &format!("{{\"name\":\"{name}\",\"version\":\"{version}\",\"source\":\"{source}\"");
        if !runtime_packages.contains(package) {
            json += ",\"kind\":\"build\"";
        }
        if !dependencies.is_empty() {
            let mut indices: Vec<usize> = dependencies.iter().map(|d| index[d]).collect();
            indices.sort_unstable();
            let indices: Vec<String> = indices.iter().map(usize::to_string).collect();
            json += &format!(",\"dependencies\":[{}]", indices.join(","));
        }
        if *name == env("CARGO_PKG_NAME") && source == &"local" {
            json += ",\"root\":true";
        }
        json.push('}');
    }
    json += "]}";
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(json.as_bytes(), 10);
    std::fs::write(Path::new(&env("OUT_DIR")).join("dep-v0"), compressed).unwrap();
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build/dependencies.rs");
}

/// The packages of this build's graph over the `edges` cargo tree follows, each with
/// the packages it depends on.
fn tree(edges: &str) -> BTreeMap<Package, BTreeSet<Package>> {
    let manifest = Path::new(&env("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    // The features this build has: cargo sets CARGO_FEATURE_<NAME> for each.
    let features: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| k.strip_prefix("CARGO_FEATURE_").map(str::to_string))
        .filter(|f| f != "DEFAULT")
        .map(|f| f.to_lowercase().replace('_', "-"))
        .collect();
    let mut command = Command::new(env("CARGO"));
    command
        .args(["tree", "--offline", "--edges", edges, "--prefix", "depth"])
        .args([
            "--format",
            "{p}",
            "--no-default-features",
            "--target",
            &env("TARGET"),
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .args(["--package", &env("CARGO_PKG_NAME")]);
    if !features.is_empty() {
        command.args(["--features", &features.join(",")]);
    }
    let out = command.output().expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed, so the binary cannot list its dependencies: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each line is a depth and a package; a package's parent is the nearest line above
    // it one level up. A package already shown is marked (*) and not expanded again.
    let mut graph: BTreeMap<Package, BTreeSet<Package>> = BTreeMap::new();
    let mut path: Vec<Package> = Vec::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let digits = line.find(|c: char| !c.is_ascii_digit()).unwrap();
        let depth: usize = line[..digits].parse().unwrap();
        let package = parse(&line[digits..]);
        path.truncate(depth);
        if let Some(parent) = path.last() {
            graph.get_mut(parent).unwrap().insert(package.clone());
        }
        graph.entry(package.clone()).or_default();
        path.push(package);
    }
    graph
}

/// `name vVERSION` followed by cargo tree's notes: `(/path)` for a local package,
/// `(proc-macro)`, `(*)`, or a git source.
fn parse(text: &str) -> Package {
    let mut words = text.split(' ');
    let name = words.next().unwrap().to_string();
    let version = words.next().unwrap().trim_start_matches('v').to_string();
    let mut source = "crates.io";
    for note in words {
        if note.starts_with("(/") {
            source = "local";
        } else if note.contains("://") {
            source = if note.contains("git") {
                "git"
            } else {
                "registry"
            };
        }
    }
    (name, version, source)
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("cargo sets {name}"))
}
