//! The fuzz targets' inputs, replayed on every test run without cargo-fuzz: each committed
//! corpus (`fuzz/corpus/`: real servers' bytes, hand-written cases, and what the fuzzer
//! found new coverage with here) and each kept finding (`tests/fuzz/TARGET/`: an input
//! that once failed, named for what it found), through the same assertions the fuzzer
//! checks (`healthprobe::fuzzing`). `scripts/fuzz` runs the fuzzer itself (docs/fuzzing.md).

use std::path::Path;

use healthprobe::fuzzing::TARGETS;
use healthprobe::protocol::SCHEMES;
use healthprobe::target::Speak;

/// The files of `dir`, sorted (none if it does not exist).
fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Every target's corpus and kept findings, through its assertions.
#[test]
fn corpora_and_findings_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, target) in TARGETS {
        let corpus = inputs(&root.join("fuzz/corpus").join(name));
        assert!(!corpus.is_empty(), "fuzz/corpus/{name} has no seeds");
        for file in corpus
            .iter()
            .chain(&inputs(&root.join("tests/fuzz").join(name)))
        {
            // Named before it runs: a failed assertion aborts the process.
            eprintln!("{}", file.display());
            target(&std::fs::read(file).unwrap());
        }
    }
}

/// Every target has its binary for cargo-fuzz (and nothing there lacks a target), and
/// every protocol judged on its reply has a target: a new one cannot go unfuzzed.
#[test]
fn every_target_has_a_fuzz_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut binaries: Vec<String> = inputs(&root.join("fuzz/fuzz_targets"))
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    binaries.sort();
    let mut names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    names.sort();
    assert_eq!(binaries, names);
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
    for name in &names {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "{name}");
    }
    for scheme in SCHEMES {
        if let Speak::Reply { .. } = scheme.speak {
            assert!(
                names.contains(&scheme.names[0]),
                "no fuzz target for {}",
                scheme.names[0]
            );
        }
    }
}
