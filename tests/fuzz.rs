//! The fuzz targets' inputs, replayed on every test run without cargo-fuzz: each committed
//! corpus (`fuzz/corpus/`: real servers' bytes, hand-written cases, and what the fuzzer
//! found new coverage with here) and each kept finding (`tests/fuzz/TARGET/`: an input
//! that once failed, named for what it found), through the same assertions the fuzzer
//! checks (`healthprobe::fuzzing`). `scripts/fuzz` runs the fuzzer itself (docs/fuzzing.md).

use std::path::Path;

use healthprobe::fuzzing;
use healthprobe::protocol::SCHEMES;
use healthprobe::protocol::scheme::Speak;

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
    for name in fuzzing::targets() {
        let corpus = inputs(&root.join("fuzz/corpus").join(name));
        assert!(!corpus.is_empty(), "fuzz/corpus/{name} has no seeds");
        for file in corpus
            .iter()
            .chain(&inputs(&root.join("tests/fuzz").join(name)))
        {
            // Named before it runs: a failed assertion aborts the process.
            eprintln!("{}", file.display());
            fuzzing::run(name, &std::fs::read(file).unwrap());
        }
    }
}

/// Every target has its binary for cargo-fuzz (and nothing there lacks a target).
#[test]
fn every_target_has_a_fuzz_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut binaries: Vec<String> = inputs(&root.join("fuzz/fuzz_targets"))
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    binaries.sort();
    let mut names = fuzzing::targets();
    names.sort();
    assert_eq!(binaries, names);
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
    for name in &names {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "{name}");
    }
}

/// The suites that start real servers: a scheme is proved against the real thing in one
/// of them (a new broker's test goes in brokers.rs, a database's in databases.rs).
const REAL_SERVER_SUITES: &[&str] = &[
    "verdicts.rs",
    "tls.rs",
    "grpc.rs",
    "beyond_http.rs",
    "databases.rs",
    "brokers.rs",
    "files.rs",
];

/// What a row of the protocol table needs beyond the row: a fuzz target with a seeded
/// corpus (but for `tcp://`, which reads nothing), and a test against a real server.
#[test]
fn every_scheme_is_fuzzed_and_tested_against_a_real_server() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let targets = fuzzing::targets();
    let suites: Vec<String> = REAL_SERVER_SUITES
        .iter()
        .map(|suite| std::fs::read_to_string(root.join("tests").join(suite)).unwrap())
        .collect();
    for scheme in SCHEMES {
        let name = scheme.name();
        match scheme.fuzz_target() {
            Some(target) => {
                assert!(targets.contains(&target), "{name}:// has no fuzz target");
                let corpus = inputs(&root.join("fuzz/corpus").join(target));
                assert!(
                    !corpus.is_empty(),
                    "{name}://: fuzz/corpus/{target} is empty"
                );
            }
            None => assert!(
                matches!(scheme.speak, Speak::Connect | Speak::File),
                "{name}://"
            ),
        }
        let url = format!("{name}://");
        assert!(
            suites.iter().any(|suite| suite.contains(&url)),
            "{name}:// is in no test against a real server ({REAL_SERVER_SUITES:?})"
        );
    }
}
