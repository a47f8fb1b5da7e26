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

/// Every report line the README shows (`healthy: …`, `unhealthy: …`, `unreachable: …`,
/// `timeout: …`, `error: …`, `waiting: …` in code) is worded as the probe words it: each
/// run of two or more plain words in it, between the values a run fills in (addresses,
/// numbers, quoted text, `…`), stands in the probe's source. A wording the probe never
/// used, or no longer uses, fails here. It cannot tell which of the probe's wordings a
/// given failure gets (the gRPC silence row showed another phase's words); tests/grpc.rs
/// and the others hold each wording to the behaviour that prints it.
#[test]
fn the_readme_shows_only_report_wordings_the_probe_uses() {
    let readme = include_str!("../README.md");
    let source: String = [
        "src",
        "src/cli",
        "src/judge",
        "src/net",
        "src/probe",
        "src/protocol",
    ]
    .iter()
    .chain(&["src/protocol/grpc", "src/protocol/http", "src/sys"])
    .flat_map(|dir| std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + dir))
    .flatten()
    .filter_map(|entry| std::fs::read_to_string(entry.unwrap().path()).ok())
    .collect::<Vec<_>>()
    .join("\n")
    // A long format string is continued on the next line after `\`.
    .replace("\\\n", " ");
    let source: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
    use healthprobe::judge::verdict::Category;
    let mut words: Vec<String> = [
        Category::Healthy,
        Category::Unhealthy,
        Category::Unreachable,
        Category::Timeout,
        Category::Error,
    ]
    .iter()
    .map(|c| format!("{}: ", c.word()))
    .collect();
    // `--wait`'s progress lines.
    words.push("waiting: ".to_string());
    let mut lines = Vec::new();
    for code in readme.split('`').skip(1).step_by(2) {
        for line in code.lines() {
            if words.iter().any(|w| line.starts_with(w)) {
                lines.push(line);
            }
        }
    }
    assert!(lines.len() >= 20, "{lines:?}");
    for line in lines {
        let (_, said) = line.split_once(": ").unwrap();
        // A value: anything with a digit, a quote, `/`, `…`, `=` or brackets, or a
        // capitalised word (a status line's `Service Unavailable`, `SERVING`, `TLS`).
        let is_value = |word: &str| {
            word.chars()
                .any(|c| c.is_ascii_digit() || "\"'…/=[]".contains(c))
                || word.starts_with(|c: char| c.is_ascii_uppercase())
                // A category word the report fills in (`… tcp://… unreachable: …`).
                || words.iter().any(|w| w.trim_end_matches(": ") == word)
        };
        let mut run: Vec<&str> = Vec::new();
        let mut runs = Vec::new();
        for word in said.split_whitespace() {
            // Judged without the punctuation around it, kept with what stands inside.
            let bare = word.trim_matches(|c: char| "(),;:".contains(c));
            // A parenthesis is where one of the report's parts ends and another begins.
            // So is "within", which the verdict adds to every timeout's phase.
            if bare.is_empty() || is_value(bare) || word.starts_with('(') || bare == "within" {
                runs.push(std::mem::take(&mut run));
            }
            if !bare.is_empty() && !is_value(bare) {
                run.push(word);
            }
            if word.ends_with(')') {
                runs.push(std::mem::take(&mut run));
            }
        }
        runs.push(run);
        for run in runs.iter().filter(|r| r.len() >= 2) {
            let text = run.join(" ");
            assert!(
                source.contains(&text),
                "the README shows {line:?}, but the probe never says {text:?}"
            );
        }
    }
}
