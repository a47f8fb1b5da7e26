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
    // The image's own copy, or one an init container installed.
    assert!(args[0].ends_with("/healthprobe"), "{args:?}");
    args.iter()
        .position(|a| *a == "--timeout" || *a == "-t")
        .map(|i| duration::parse(args[i + 1]).unwrap())
        .unwrap_or_else(|| {
            let default = healthprobe::cli::flags::TIMEOUT.default.unwrap();
            duration::parse(default).unwrap()
        })
}

#[test]
fn kubernetes_probes_give_the_probe_time_to_report() {
    let blocks = yaml_blocks();
    let mut probes = 0;
    // A container's fragment, or a whole Pod's containers.
    let containers = blocks.iter().flat_map(|doc| {
        let pod = doc["spec"]["containers"]
            .as_vec()
            .cloned()
            .unwrap_or_default();
        std::iter::once(doc.clone()).chain(pod)
    });
    for doc in containers {
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
        probes, 4,
        "the app's liveness and readiness probes, a gRPC one, and a vendor image's"
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

/// The README's option tables, row by row: the first cell (spellings and value), the
/// environment cell, and the meaning, each without its `|`s.
fn option_rows() -> Vec<[String; 3]> {
    let readme = include_str!("../README.md");
    let tables = readme.split("| option | environment | meaning |\n|---|---|---|\n");
    // The options' table, and the TLS options' (the `tls` build's).
    let tables: Vec<&str> = tables.skip(1).collect();
    assert_eq!(tables.len(), 2, "README's option tables");
    tables
        .iter()
        .flat_map(|table| table.lines().take_while(|line| line.starts_with('|')))
        .map(|line| {
            // `\|` stands for a `|` inside a cell (`GET\|HEAD`).
            let line = line.replace("\\|", "\u{1}");
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().replace('\u{1}', "|"))
                .collect();
            assert_eq!(cells.len(), 3, "{line}");
            [cells[0].clone(), cells[1].clone(), cells[2].clone()]
        })
        .collect()
}

/// The README's option table holds every row of the option table, with its spellings,
/// its value, its variable and its default, and nothing else; its environment column
/// names every variable healthprobe reads. `--help` derives from the same rows.
#[test]
fn readme_option_table_is_the_option_table() {
    use healthprobe::cli::flags::{self, FLAGS};
    let rows = option_rows();
    let mut used = vec![false; rows.len()];
    for flag in FLAGS {
        let usage = match flag.value {
            "" => format!("`{}`", flag.names),
            value => format!("`{} {value}`", flag.names),
        };
        let at = rows
            .iter()
            .position(|[option, ..]| {
                option
                    .split(", `")
                    .any(|u| u.trim_start_matches('`') == usage.trim_start_matches('`'))
            })
            .unwrap_or_else(|| panic!("README's option table has no row {usage}"));
        used[at] = true;
        let [_, environment, meaning] = &rows[at];
        // A switch's variable is set to turn it on, as `--help` writes it.
        let variable = match (flag.variable, flag.value) {
            (Some(v), "") => format!("`{v}=1`"),
            (Some(v), _) => format!("`{v}`"),
            (None, _) => String::new(),
        };
        assert_eq!(
            environment, &variable,
            "{usage}: README's environment column"
        );
        if let Some(default) = flag.default {
            assert!(
                meaning
                    .to_lowercase()
                    .contains(&format!("default `{}`", default.to_lowercase())),
                "{usage}: README does not say its default is `{default}`: {meaning}"
            );
        }
    }
    // The rows that are no option: the command, the targets' variable, the app's port.
    for (row, used) in rows.iter().zip(&used) {
        let [option, environment, meaning] = row;
        match (option.as_str(), environment.as_str()) {
            _ if *used => {}
            ("`-- COMMAND [ARG...]`", "") => {}
            ("`TARGET...`", "`HEALTHPROBE_URL`") => {
                assert_eq!(flags::URL_VARIABLE, "HEALTHPROBE_URL")
            }
            ("", "`PORT`") => assert!(
                meaning.contains(&format!("Default `{}`", flags::DEFAULT_PORT)),
                "{meaning}"
            ),
            _ => panic!("README's option table has a row no option has: {row:?}"),
        }
    }
    let documented: Vec<&str> = rows
        .iter()
        .map(|[_, environment, _]| environment.trim_matches('`').trim_end_matches("=1"))
        .filter(|v| !v.is_empty())
        .collect();
    for variable in flags::known_variables().chain([flags::PORT_VARIABLE]) {
        assert!(
            documented.contains(&variable),
            "README's option table lacks {variable}"
        );
    }
}

/// Every scheme of the protocol table is in the README, with its default port.
#[test]
fn readme_names_every_scheme() {
    let readme = include_str!("../README.md");
    for scheme in healthprobe::protocol::SCHEMES {
        let url = format!("{}://", scheme.name());
        assert!(readme.contains(&url), "README never names {url}");
    }
}
