//! What a security team's tools see in a release, proved offline on the artifacts
//! `scripts/dist` makes: the dependency list every artifact embeds (the `.dep-v0` section
//! of cargo auditable, read by `cargo audit bin`, Trivy, Grype and Syft) is the runtime
//! graph of its build; `cargo audit bin` sees every crate in it and finds no advisory that
//! applies, and does flag a crate the database lists; each artifact's CycloneDX SBOM is
//! schema-valid and lists the same crates; `cargo deny` holds the policy of deny.toml.
//! The advisory database is the one `HEALTHPROBE_ADVISORY_DB` names (`.ci/run`: a
//! RustSec snapshot where there is one, else a fresh clone).

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::dependencies::{
    Crate, advisory_db_in, advisory_dbs, embedded, embedded_runtime, runtime_graph,
};
use support::{dist, skip, which};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const TARGET: &str = "x86_64-unknown-linux-musl";

/// The amd64 artifacts, plain and `tls`, as users download them.
fn artifacts() -> [(PathBuf, bool); 2] {
    [
        (dist("linux/amd64", "amd64", false), false),
        (dist("linux/amd64", "amd64", true), true),
    ]
}

/// `cargo audit`, or `Err` saying it is missing.
fn cargo_audit() -> Result<Command, String> {
    which("cargo-audit").ok_or("no cargo-audit (cargo install --locked cargo-audit)")?;
    let mut command = Command::new(env!("CARGO"));
    command.arg("audit");
    Ok(command)
}

/// `cargo audit bin` of `binaries` against the database `db`, offline: its JSON report.
fn audit(db: &Path, binaries: &[&Path]) -> serde_json::Value {
    let mut command = cargo_audit().unwrap();
    command
        .args(["--no-fetch", "--stale", "--json", "--db"])
        .arg(db)
        .arg("bin")
        .args(binaries);
    let out = command.output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{out:?}"))
}

/// The crates a `cargo audit` report found vulnerable.
fn flagged(report: &serde_json::Value) -> BTreeSet<Crate> {
    report["vulnerabilities"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let p = &v["package"];
            let field = |k: &str| p[k].as_str().unwrap().to_string();
            (field("name"), field("version"))
        })
        .collect()
}

#[test]
fn artifacts_embed_the_runtime_graph_of_their_build() {
    for (binary, tls) in artifacts() {
        let runtime = embedded_runtime(&binary);
        assert_eq!(runtime, runtime_graph(TARGET, tls), "{}", binary.display());
        // Every crate at the version Cargo.lock pins.
        let lock = std::fs::read_to_string(Path::new(ROOT).join("Cargo.lock")).unwrap();
        for (name, version) in &runtime {
            let entry = format!("name = \"{name}\"\nversion = \"{version}\"\n");
            assert!(
                lock.contains(&entry),
                "{name} {version} is not in Cargo.lock"
            );
        }
        // The build scripts' crates are listed as such, never as runtime ones.
        let build: Vec<_> = embedded(&binary).into_iter().filter(|c| !c.1).collect();
        assert!(
            build.iter().any(|((name, _), _)| name == "miniz_oxide"),
            "{build:?}"
        );
    }
    // `tls` adds rustls and its crypto; the plain build has none of it.
    let [(plain, _), (tls, _)] = artifacts();
    let has = |binary: &Path, name: &str| embedded_runtime(binary).iter().any(|c| c.0 == name);
    assert!(!has(&plain, "rustls") && has(&tls, "rustls") && has(&tls, "ring"));
}

#[test]
fn cargo_audit_finds_every_crate_and_no_vulnerability() {
    let test = "cargo_audit_finds_every_crate_and_no_vulnerability";
    let db = match advisory_dbs().and_then(|dbs| cargo_audit().map(|_| advisory_db_in(&dbs))) {
        Ok(db) => db,
        Err(why) => return skip(test, &why),
    };
    for (binary, _) in artifacts() {
        let report = audit(&db, &[&binary]);
        assert_eq!(report["vulnerabilities"]["found"], false, "{report:#}");
        assert_eq!(
            report["lockfile"]["dependency-count"].as_u64().unwrap() as usize,
            embedded(&binary).len(),
            "{report:#}"
        );
        // It sees each crate by name and version: against a database with one advisory
        // per runtime crate, for exactly that version, it flags every one (healthprobe
        // itself, a local package, is in no registry's advisories).
        let mut runtime = embedded_runtime(&binary);
        runtime.retain(|c| c.0 != "healthprobe");
        let every = support::scratch_dir("advisory-every");
        for (i, (name, version)) in runtime.iter().enumerate() {
            let dir = every.join("crates").join(name);
            std::fs::create_dir_all(&dir).unwrap();
            let id = format!("RUSTSEC-2099-{:04}", i + 1);
            let advisory = format!(
                "```toml\n[advisory]\nid = \"{id}\"\npackage = \"{name}\"\ndate = \"2099-01-01\"\n\n\
                 [versions]\npatched = [\"> {version}\"]\nunaffected = [\"< {version}\"]\n```\n\n\
                 # A test advisory for {name} {version}\n\nOnly for the test.\n"
            );
            std::fs::write(dir.join(format!("{id}.md")), advisory).unwrap();
        }
        let report = audit(&every, &[&binary]);
        assert_eq!(flagged(&report), runtime, "{}", binary.display());
        std::fs::remove_dir_all(every).unwrap();
    }
}

/// A negative control: a throwaway binary whose dependency list is embedded by the same
/// code (`build/dependencies.rs`, `src/sys/dependencies.rs`), depending on smallvec 1.6.0,
/// which RUSTSEC-2021-0003 lists, is flagged.
#[test]
fn cargo_audit_flags_a_vulnerable_crate_built_the_same_way() {
    let test = "cargo_audit_flags_a_vulnerable_crate_built_the_same_way";
    let db = match advisory_dbs().and_then(|dbs| cargo_audit().map(|_| advisory_db_in(&dbs))) {
        Ok(db) => db,
        Err(why) => return skip(test, &why),
    };
    let control = Path::new(ROOT).join("tests/supply_chain/control");
    let target = Path::new(ROOT).join("target/control");
    let build = Command::new(env!("CARGO"))
        .current_dir(&control)
        .args(["build", "--release", "--locked", "--offline", "--quiet"])
        .arg("--target-dir")
        .arg(&target)
        .output()
        .unwrap();
    if !build.status.success() {
        let why = String::from_utf8_lossy(&build.stderr);
        if why.contains("offline") {
            // Its crates are fetched by .ci/run; tests download nothing.
            return skip(test, "smallvec 1.6.0 is not fetched (.ci/run fetches it)");
        }
        panic!("{build:?}");
    }
    let binary = target.join(TARGET).join("release/control");
    assert!(
        embedded_runtime(&binary).contains(&("smallvec".into(), "1.6.0".into())),
        "the control does not list smallvec"
    );
    let report = audit(&db, &[&binary]);
    assert_eq!(report["vulnerabilities"]["found"], true, "{report:#}");
    let ids: Vec<&str> = report["vulnerabilities"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["advisory"]["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"RUSTSEC-2021-0003"), "{ids:?}");
}

/// Each artifact's SBOM (`dist/<artifact>.cdx.json`) is valid CycloneDX 1.6, checked
/// against the schema by the CycloneDX project's own Python library, describes that very
/// file (its SHA-256), and lists as required exactly the crates it embeds.
#[test]
fn sboms_are_valid_cyclonedx_and_list_the_embedded_crates() {
    let validator = "from cyclonedx.validation.json import JsonStrictValidator\n\
        from cyclonedx.schema import SchemaVersion\nimport sys\n\
        errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\n\
        print(errors or '', end='')\nsys.exit(1 if errors else 0)\n";
    let have = Command::new("python3")
        .args(["-c", "import cyclonedx.validation.json"])
        .output()
        .is_ok_and(|o| o.status.success());
    for (binary, _) in artifacts() {
        let sbom_path = binary.with_file_name(format!(
            "{}.cdx.json",
            binary.file_name().unwrap().to_str().unwrap()
        ));
        let sbom: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&sbom_path).unwrap()).unwrap();
        let component = &sbom["metadata"]["component"];
        let digest = support::sha256_hex(&std::fs::read(&binary).unwrap());
        assert_eq!(component["hashes"][0]["content"], digest.as_str());
        let required: BTreeSet<Crate> = sbom["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["scope"] == "required")
            .map(|c| {
                let field = |k: &str| c[k].as_str().unwrap().to_string();
                (field("name"), field("version"))
            })
            .collect();
        let mut runtime = embedded_runtime(&binary);
        runtime.retain(|c| c.0 != "healthprobe");
        assert_eq!(required, runtime, "{}", sbom_path.display());
        if !have {
            return skip(
                "sboms_are_valid_cyclonedx (the schema check)",
                "no cyclonedx-python-lib (pip install 'cyclonedx-python-lib[json-validation]')",
            );
        }
        let check = Command::new("python3")
            .args(["-c", validator])
            .arg(&sbom_path)
            .output()
            .unwrap();
        assert!(check.status.success(), "{}: {check:?}", sbom_path.display());
    }
    // The validator is not a rubber stamp: a required field removed fails it.
    let broken = support::scratch_dir("sbom");
    let path = broken.join("broken.cdx.json");
    std::fs::write(
        &path,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"x"}]}"#,
    )
    .unwrap();
    let check = Command::new("python3")
        .args(["-c", validator])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!check.status.success(), "{check:?}");
    std::fs::remove_dir_all(broken).unwrap();
}

/// deny.toml's policy: licences allow-listed, crates.io the only source, duplicate
/// versions reported, advisories from the database offline.
#[test]
fn cargo_deny_holds_the_policy() {
    let test = "cargo_deny_holds_the_policy";
    if which("cargo-deny").is_none() {
        return skip(test, "no cargo-deny (cargo install --locked cargo-deny)");
    }
    let dbs = match advisory_dbs() {
        Ok(dbs) => dbs,
        Err(why) => return skip(test, &why),
    };
    let out = Command::new(env!("CARGO"))
        .current_dir(ROOT)
        .args(["deny", "--offline", "check"])
        .env("RUSTSEC_ADVISORY_DBS", dbs)
        .output()
        .unwrap();
    // Findings go to standard error, the summary line to standard output.
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.status.success(), "{report}");
    assert!(
        report.contains("advisories ok, bans ok, licenses ok, sources ok"),
        "{report}"
    );
}
