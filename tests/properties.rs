//! Property tests of every parser: arbitrary input never panics (a panic is a SIGABRT and
//! an empty reason under `panic = "abort"`), and values round-trip where they should.

use std::ffi::OsString;
use std::time::Duration;

use healthprobe::cli::{self as args, Command};
use healthprobe::duration;
use healthprobe::fuzzing;
use healthprobe::judge::checks::{Checks, JsonCheck};
use healthprobe::judge::status::StatusSet;
use healthprobe::judge::verdict::{Category, Status, Verdict};
use healthprobe::protocol::SCHEMES;
use healthprobe::protocol::http::header::Header;
use healthprobe::protocol::target::{Target, parse_port};
use healthprobe::report::{self, Format, Verbosity};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn durations_never_panic(text in "\\PC{0,24}") {
        let _ = duration::parse(&text);
    }

    #[test]
    fn durations_of_digits_and_units_never_panic(text in "[0-9.]{0,30}(ms|s|m|h|)") {
        if let Ok(d) = duration::parse(&text) {
            prop_assert!(d >= Duration::from_millis(1) && d <= duration::MAX);
        }
    }

    #[test]
    fn durations_round_trip(ms in 1u64..=3_600_000) {
        let d = Duration::from_millis(ms);
        prop_assert_eq!(duration::parse(&duration::format(d)), Ok(d));
    }

    #[test]
    fn status_lists_never_panic(text in "[0-9xX, -]{0,40}|\\PC{0,40}") {
        let _ = StatusSet::parse(&text);
    }

    #[test]
    fn status_lists_round_trip(items in prop::collection::vec((100u16..600, 0u16..50, 0u8..3), 1..6)) {
        let text: Vec<String> = items
            .iter()
            .map(|&(code, width, kind)| match kind {
                0 => code.to_string(),
                1 => format!("{}-{}", code, (code + width).min(599)),
                _ => format!("{}xx", code / 100),
            })
            .collect();
        let set = StatusSet::parse(&text.join(",")).unwrap();
        let again = StatusSet::parse(&set.to_string()).unwrap();
        for code in 100..600 {
            prop_assert_eq!(set.accepts(code), again.accepts(code));
        }
        for &(code, _, _) in &items {
            prop_assert!(set.accepts(code));
        }
    }

    #[test]
    fn json_checks_never_panic(text in "\\PC{0,40}", body in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(check) = JsonCheck::parse(&text) {
            let checks = Checks { status: StatusSet::parse("200").unwrap(), contains: None, json: vec![check] };
            let _ = checks.body_failure(&body, false, &Default::default());
        }
    }

    #[test]
    fn json_checks_hold_on_the_value_they_name(key in "[a-z~/]{1,8}", value in "[a-z0-9]{1,8}") {
        let pointer = format!("/{}", key.replace('~', "~0").replace('/', "~1"));
        let check = JsonCheck::parse(&format!("{pointer}={value}")).unwrap();
        let document = serde_json::json!({ key: check.expected.clone() });
        let checks = Checks { status: StatusSet::parse("200").unwrap(), contains: None, json: vec![check] };
        prop_assert_eq!(checks.body_failure(document.to_string().as_bytes(), false, &Default::default()), None);
    }

    #[test]
    fn headers_never_panic_and_never_carry_line_breaks(text in "\\PC{0,60}|[a-zA-Z:\\r\\n\\x00 -]{0,30}") {
        if let Ok(header) = Header::parse(&text) {
            prop_assert!(!header.value.contains(['\r', '\n', '\0']));
            prop_assert!(!header.name.is_empty());
        }
    }

    #[test]
    fn headers_round_trip(name in "[A-Za-z][A-Za-z0-9-]{0,20}", value in "[ -~]{0,40}") {
        let header = Header::parse(&format!("{name}: {value}")).unwrap();
        prop_assert_eq!(header.name, name);
        prop_assert_eq!(header.value, value.trim());
    }

    #[test]
    fn targets_never_panic(text in "\\PC{0,60}|http://[a-z0-9.:\\[\\]@/?#%-]{0,40}") {
        let _ = Target::parse(&text, 3000, SCHEMES);
        let _ = parse_port(&text);
    }

    #[test]
    fn targets_round_trip(
        host in "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,5})?|127\\.0\\.0\\.[0-9]{1,2}|\\[::1\\]|localhost",
        port in proptest::option::of(1u16..),
        path in "(/[a-zA-Z0-9._~-]{0,10}){0,3}(\\?[a-z]=[0-9])?",
    ) {
        let port_text = port.map(|p| format!(":{p}")).unwrap_or_default();
        let url = format!("http://{host}{port_text}{path}");
        let target = Target::parse(&url, 3000, SCHEMES).unwrap();
        prop_assert_eq!(Target::parse(&target.url(), 3000, SCHEMES).unwrap(), target.clone());
        prop_assert_eq!(target.port, port.unwrap_or(80));
    }

    #[test]
    fn argument_parsing_never_panics(
        argv in prop::collection::vec(
            "-[a-zA-Z]|--[a-z-]{1,14}(=\\PC{0,8})?|\\PC{0,12}|/[a-z]{0,5}|http://\\PC{0,10}", 0..6),
        env in prop::collection::vec(
            ("(PORT|HEALTHPROBE_(URL|TIMEOUT|STATUS|BODY|FORMAT))", "\\PC{0,10}"), 0..4),
    ) {
        let lookup = |name: &str| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| OsString::from(v))
        };
        let argv: Vec<OsString> = argv.into_iter().map(OsString::from).collect();
        let names: Vec<String> = env.iter().map(|(k, _)| k.clone()).filter(|k| k.starts_with("HEALTHPROBE_")).collect();
        if let Err(rejected) = args::parse(argv, &lookup, &names) {
            // A configuration error always reports in one line.
            let verdict = Verdict::config_error(rejected.reason);
            let text = report::render(&verdict, rejected.format, Verbosity::Normal);
            // One line, within the limit, escaped (what the fuzz targets hold reports to).
            fuzzing::assert_report(&text, rejected.format, &[]);
            prop_assert_eq!(text.lines().count(), 1);
            prop_assert!(text.starts_with("error: ") || text.starts_with('{'), "{text}");
        }
    }

    #[test]
    fn reports_stay_within_the_output_limit(reason in "\\PC{0,6000}", detail in "\\PC{0,3000}", json in any::<bool>()) {
        let verdict = Verdict {
            category: Category::Unhealthy,
            reason,
            url: Some("http://127.0.0.1:3000/health".to_string()),
            status: Some(Status::Http(503)),
            elapsed: Duration::from_millis(3),
            details: vec![detail; 3],
            targets: Vec::new(),
        };
        let format = if json { Format::Json } else { Format::Text };
        let text = report::render(&verdict, format, Verbosity::Verbose);
        fuzzing::assert_report(&text, format, &[]);
        if json {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(value["result"].as_str(), Some("unhealthy"));
        }
    }
}

/// Arbitrary JSON documents, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z~/ ]{0,6}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z~/]{0,4}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every pointer into `v`, escaped as RFC 6901 says.
fn pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                pointers(child, format!("{at}/{}", escape(k)), out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    /// The streaming matcher agrees with serde_json's own pointer lookup.
    #[test]
    fn json_walk_agrees_with_serde_pointer(doc in json_value(), other in json_value()) {
        use healthprobe::judge::{Found, find};
        let body = doc.to_string();
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        all.push("/not-there/0".to_string());
        for pointer in all {
            let found = find(body.as_bytes(), &pointer, &other).unwrap();
            match doc.pointer(&pointer) {
                None => prop_assert_eq!(found, Found::Missing),
                Some(value) => {
                    prop_assert_eq!(find(body.as_bytes(), &pointer, value).unwrap(), Found::Equal);
                    prop_assert_eq!(found == Found::Equal, value == &other);
                }
            }
        }
    }
}

#[test]
fn help_and_version_parse() {
    let none = |_: &str| None;
    assert!(matches!(
        args::parse(vec!["--help".into()], &none, &[]),
        Ok(Command::Help(_))
    ));
    assert!(matches!(
        args::parse(vec!["-V".into()], &none, &[]),
        Ok(Command::Version)
    ));
}
