//! The README's YAML snippets parse, and say what they claim: exec probes with a
//! `timeoutSeconds` above the probe's deadline, a compose healthcheck others wait on.

use std::time::Duration;

use healthprobe::duration;
use yaml_rust2::{Yaml, YamlLoader};

fn yaml_blocks() -> Vec<Yaml> {
    let readme = include_str!("../README.md");
    readme
        .split("```yaml\n")
        .skip(1)
        .map(|block| {
            let text = block.split("```").next().unwrap();
            let mut docs =
                YamlLoader::load_from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
            assert_eq!(docs.len(), 1);
            docs.remove(0)
        })
        .collect()
}

/// The deadline an exec command runs with: its `--timeout`, else the 3s default.
fn deadline(command: &[Yaml]) -> Duration {
    let args: Vec<&str> = command.iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(args[0], "/usr/local/bin/healthprobe");
    args.iter()
        .position(|a| *a == "--timeout" || *a == "-t")
        .map(|i| duration::parse(args[i + 1]).unwrap())
        .unwrap_or(healthprobe::cli::DEFAULT_TIMEOUT)
}

#[test]
fn kubernetes_probes_give_the_probe_time_to_report() {
    let blocks = yaml_blocks();
    let mut probes = 0;
    for doc in &blocks {
        for kind in ["livenessProbe", "readinessProbe"] {
            let probe = &doc[kind];
            if probe.is_badvalue() {
                continue;
            }
            probes += 1;
            let command = probe["exec"]["command"].as_vec().expect("an exec probe");
            let kubelet = Duration::from_secs(probe["timeoutSeconds"].as_i64().unwrap() as u64);
            assert!(
                kubelet > deadline(command),
                "{kind}: timeoutSeconds must exceed --timeout"
            );
            if kind == "readinessProbe" {
                assert!(command.iter().any(|a| a.as_str() == Some("--ready")));
            }
        }
    }
    assert_eq!(
        probes, 3,
        "the app's liveness and readiness probes, and a gRPC one"
    );
}

#[test]
fn compose_healthcheck_is_waited_on() {
    let blocks = yaml_blocks();
    let compose = blocks
        .iter()
        .find(|d| !d["services"].is_badvalue())
        .expect("a compose file");
    let services = compose["services"].as_hash().unwrap();
    let (name, checked) = services
        .iter()
        .find(|(_, s)| !s["healthcheck"].is_badvalue())
        .expect("a service with a healthcheck");
    let test = checked["healthcheck"]["test"].as_vec().unwrap();
    assert_eq!(test[0].as_str(), Some("CMD"), "exec form: no shell needed");
    let timeout = duration::parse(checked["healthcheck"]["timeout"].as_str().unwrap()).unwrap();
    assert!(timeout > deadline(&test[1..]));
    let waits = services.values().any(|s| {
        s["depends_on"][name.as_str().unwrap()]["condition"].as_str() == Some("service_healthy")
    });
    assert!(waits, "another service waits for service_healthy");
}
