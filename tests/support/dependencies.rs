//! What a scanner reads in an artifact: the dependency list its build embeds in `.dep-v0`
//! (build/dependencies.rs), and the runtime graph `cargo tree` gives for the same target
//! and features, to hold the one to the other.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use super::elf::Elf;

/// A crate as a scanner names it: name and version.
pub type Crate = (String, String);

/// The embedded list of `binary`: each package's name, version, and whether it is a
/// runtime one (not only a build script's), as cargo auditable's JSON says.
pub fn embedded(binary: &Path) -> Vec<(Crate, bool)> {
    let elf = Elf::read(binary);
    let compressed = elf
        .section(".dep-v0")
        .unwrap_or_else(|| panic!("{} has no .dep-v0 section", binary.display()));
    let json = miniz_oxide::inflate::decompress_to_vec_zlib(compressed).expect("zlib data");
    let list: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    list["packages"]
        .as_array()
        .expect("a package list")
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap().to_string();
            let version = p["version"].as_str().unwrap().to_string();
            let runtime = p.get("kind").is_none_or(|k| k == "runtime");
            ((name, version), runtime)
        })
        .collect()
}

/// The runtime crates of `binary`'s embedded list.
pub fn embedded_runtime(binary: &Path) -> BTreeSet<Crate> {
    embedded(binary)
        .into_iter()
        .filter_map(|(c, runtime)| runtime.then_some(c))
        .collect()
}

/// `cargo tree`'s runtime graph (normal edges only, so no build script's or test's
/// crates) of the binary for `target`, with the `tls` feature or without.
pub fn runtime_graph(target: &str, tls: bool) -> BTreeSet<Crate> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut tree = Command::new(env!("CARGO"));
    tree.current_dir(root)
        .args(["tree", "--locked", "--offline", "--edges", "normal"])
        .args(["--prefix", "none", "--format", "{p}", "--target", target]);
    if tls {
        tree.args(["--features", "tls"]);
    }
    let out = tree.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut words = line.split(' ');
            let name = words.next().unwrap().to_string();
            let version = words.next().unwrap().trim_start_matches('v').to_string();
            (name, version)
        })
        .collect()
}

/// The folder of advisory databases the scanner tests read, in cargo deny's layout:
/// `RUSTSEC_ADVISORY_DBS`, which `.ci/run` lays out. `Err` says what is missing.
pub fn advisory_dbs() -> Result<std::path::PathBuf, String> {
    let dbs = std::env::var_os("RUSTSEC_ADVISORY_DBS")
        .ok_or("RUSTSEC_ADVISORY_DBS names no advisory database folder (.ci/run sets it)")?;
    let dbs = std::path::PathBuf::from(dbs);
    if !advisory_db_in(&dbs).join("crates").is_dir() {
        return Err(format!(
            "{} holds no RustSec advisory database",
            dbs.display()
        ));
    }
    Ok(dbs)
}

/// RustSec's advisory database in `dbs`: the folder cargo deny names for its URL
/// (deny.toml's db-urls), which `cargo audit --db` reads as well.
pub fn advisory_db_in(dbs: &Path) -> std::path::PathBuf {
    dbs.join("advisory-db-3157b0e258782691")
}
