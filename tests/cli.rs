//! The command line and environment contract: help, version, and configuration errors.

use crate::support;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;

use support::{BIN, Server, run, run_command, run_env};

/// `--help`'s contract around the tables: the options and the schemes are walked row by
/// row in `every_row_of_the_option_table_is_parsed_documented_and_checked` and
/// `help_lists_every_scheme_with_its_default_port`.
#[test]
fn help_lists_the_exit_codes_and_the_variables_of_no_option() {
    for flag in ["-h", "--help"] {
        let run = run(&[flag]);
        assert_eq!(run.code, Some(0));
        for needle in [
            "PORT",
            "HEALTHPROBE_URL",
            "healthy",
            "unhealthy",
            "unreachable",
            "timeout",
            "error",
            "EXAMPLES",
        ] {
            assert!(run.stdout.contains(needle), "help lacks {needle}");
        }
        // tcp:// cannot see a hung app: the kernel completes the handshake for it.
        assert!(
            run.stdout.contains("a hung or frozen app still accepts")
                && run.stdout.contains("use HTTP for liveness"),
            "help lacks the tcp:// caveat"
        );
        assert!(
            run.stdout.contains("1m30s"),
            "help shows the duration forms"
        );
    }
}

/// `--help`'s TARGET section is the protocol table's: every scheme this build speaks,
/// with its aliases and default port, and the URL shape its errors name.
#[test]
fn help_lists_every_scheme_with_its_default_port() {
    let help = run(&["--help"]).stdout;
    for scheme in healthprobe::protocol::SCHEMES {
        let shape = scheme.shape();
        let line = help
            .lines()
            .position(|l| l.trim_start().starts_with(&format!("{shape} ")) || l.trim() == shape)
            .unwrap_or_else(|| panic!("help lacks {shape}"));
        // The notes close the row's last line.
        let row: String = help
            .lines()
            .skip(line)
            .take(4)
            .collect::<Vec<_>>()
            .join("\n");
        if let Some(port) = scheme.port {
            assert!(row.contains(&format!("default port {port}")), "{row}");
        }
        for alias in &scheme.names[1..] {
            assert!(row.contains(&format!("also {alias}://")), "{row}");
        }
    }
}

/// `--version` says which build it is, for which target, and what it probes: the plain
/// and `-tls` artifacts are told apart.
#[test]
fn version() {
    let plain = concat!(
        "healthprobe ",
        env!("CARGO_PKG_VERSION"),
        " (plain build, x86_64-unknown-linux-musl)\n",
        "targets: http:// grpc:// tcp:// file:// postgres:// redis:// mysql:// amqp:// nats:// ",
        "memcached:// mqtt://\n"
    );
    for flag in ["-V", "--version"] {
        let run = run(&[flag]);
        assert_eq!(run.code, Some(0));
        assert_eq!(run.stdout, plain);
    }
    let tls = Command::new(support::tls_binary())
        .arg("--version")
        .output()
        .unwrap();
    let tls = String::from_utf8(tls.stdout).unwrap();
    assert!(
        tls.starts_with(concat!(
            "healthprobe ",
            env!("CARGO_PKG_VERSION"),
            " (tls build, x86_64-unknown-linux-musl)\ntargets: http:// https:// grpc:// grpcs:// "
        )),
        "{tls}"
    );
}

/// Arguments, environment, and a fragment the one-line reason must contain.
/// Arguments, environment, and a fragment the one `error:` line must hold.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

/// Each case ends in exit 1 and one `error:` line holding its fragment.
#[track_caller]
fn each_is_one_error_line_saying(cases: &[Case]) {
    for (args, env, fragment) in cases {
        let run = run_env(args, env);
        run.expect("error");
        assert_eq!(run.stdout.lines().count(), 1, "{args:?}: {run:#?}");
        assert!(
            run.stdout.contains(fragment),
            "{args:?} {env:?}: expected {fragment:?} in {run:#?}"
        );
    }
}

#[test]
fn configuration_errors_are_one_line_and_exit_1() {
    let missing = "/nonexistent/healthprobe/secret";
    let cases: &[Case] = &[
        (
            &["--status", "2oo"],
            &[],
            "--status: \"2oo\" is not a status code",
        ),
        (&["--status", "300-200"], &[], "empty range"),
        (&[], &[("HEALTHPROBE_STATUS", "600")], "HEALTHPROBE_STATUS:"),
        (&["--timeout", "0"], &[], "--timeout:"),
        (&["--timeout", "-1s"], &[], "--timeout:"),
        (&["-t", "99999h"], &[], "--timeout:"),
        (&["-t", "soon"], &[], "is not a duration"),
        (&["-t", "2d"], &[], "is not a duration"),
        (&["--timeout"], &[], "--timeout needs a value"),
        (
            &[],
            &[("HEALTHPROBE_TIMEOUT", "")],
            "HEALTHPROBE_TIMEOUT is set but empty",
        ),
        (
            &[],
            &[("HEALTHPROBE_TIMEOUT", "1e9")],
            "HEALTHPROBE_TIMEOUT:",
        ),
        (&["--format", "yaml"], &[], "--format:"),
        (&[], &[("HEALTHPROBE_FORMAT", "xml")], "HEALTHPROBE_FORMAT:"),
        (&["--method", "POST"], &[], "--method:"),
        (&["--method", "HEAD", "--body", "ok"], &[], "HEAD never has"),
        (&["--json", "status=ok"], &[], "--json:"),
        (&["--json", "/status"], &[], "--json:"),
        (&["--json", "/a~2=1"], &[], "--json:"),
        (&["--body", ""], &[], "--body:"),
        (&["-H", "NoColon"], &[], "--header:"),
        (&["-H", "X-A: b\r\nX-Injected: 1"], &[], "CR, LF or NUL"),
        (&["-H", "Bad Name: x"], &[], "not a header name"),
        (
            &["--secret-header", "Authorization"],
            &[],
            "--secret-header:",
        ),
        (
            &["--secret-header", &format!("Authorization:{missing}")],
            &[],
            "no such file",
        ),
        (&["--secret-header", "Authorization:/"], &[], "cannot read"),
        (&["--ready", "http://127.0.0.1:1/health"], &[], "--ready"),
        (
            &["--ready"],
            &[("HEALTHPROBE_URL", "http://127.0.0.1:1/x")],
            "--ready",
        ),
        (
            &[
                "/a", "/b", "/c", "/d", "/e", "/f", "/g", "/h", "/i", "/j", "/k", "/l", "/m", "/n",
                "/o", "/p", "/q",
            ],
            &[],
            "at most 16 targets",
        ),
        (
            &["--unix-socket", "/run/a.sock", "/a", "/b"],
            &[],
            "single target",
        ),
        (&["--bogus"], &[], "unknown option \"--bogus\""),
        (
            &["-t", "1s", "-t", "2s"],
            &[],
            "--timeout is given more than once",
        ),
        (&["-q", "-v"], &[], "contradict"),
        (
            &["--wait", "1s", "--wait", "2s"],
            &[],
            "--wait is given more than once",
        ),
        (
            &["--unix-socket=/a", "--unix-socket=/b"],
            &[],
            "--unix-socket is given more than once",
        ),
        (
            &["--insecure", "--insecure"],
            &[],
            "--insecure is given more than once",
        ),
        (&["ftp://host/x"], &[], "only http://"),
        (&["http://user:pw@host/x"], &[], "credentials"),
        (&["http://[::1/x"], &[], "unclosed ["),
        (&["http://host:70000/"], &[], "not a port number"),
        (&["http://exa mple/"], &[], "not a host name"),
        (&["localhost:3000/health"], &[], "neither a URL"),
        (
            &["/health"],
            &[("PORT", "http")],
            "PORT: \"http\" is not a port number",
        ),
        (&[], &[("PORT", "0")], "PORT:"),
        (&[], &[("PORT", "")], "PORT is set but empty"),
        (&[], &[("HEALTHPROBE_URL", "db:5432")], "HEALTHPROBE_URL:"),
        (&["/a b"], &[], "percent-encoded"),
    ];
    each_is_one_error_line_saying(cases);
    assert!(cases.len() >= 12);
}

#[test]
fn https_and_tls_options_need_the_tls_build() {
    // The default build: https:// names the feature to build with; TLS options need https.
    run(&["https://host/x"])
        .expect("error")
        .says("`tls` feature");
    run(&["--insecure", "http://127.0.0.1:1/"])
        .expect("error")
        .says("https:// and grpcs:// targets only");
    run_env(
        &["http://127.0.0.1:1/"],
        &[("HEALTHPROBE_CACERT", "/ca.pem")],
    )
    .expect("error")
    .says("--cacert applies to https:// and grpcs:// targets only");
    run_env(&[], &[("HEALTHPROBE_INSECURE", "maybe")])
        .expect("error")
        .says("HEALTHPROBE_INSECURE");
}

#[test]
fn secret_file_errors_never_print_the_value() {
    let dir = support::scratch_dir("cli");
    let file = dir.join("bad");
    std::fs::write(&file, "top-secret\r\nInjected: 1\n").unwrap();
    let run = run(&["--secret-header", &format!("X-Token:{}", file.display())]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.starts_with("error: --secret-header: X-Token: "),
        "{run:#?}"
    );
    assert!(!run.stdout.contains("top-secret"), "{run:#?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn non_utf8_arguments_and_environment_are_errors() {
    let bad = OsStr::from_bytes(b"/he\xffalth");
    let mut command = Command::new(BIN);
    command.env_clear().arg(bad);
    let run = run_command(command);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.starts_with("error: ") && run.stdout.contains("UTF-8"),
        "{run:#?}"
    );

    let mut command = Command::new(BIN);
    command.env_clear().arg("--body").arg(bad);
    let run = run_command(command);
    assert!(
        run.stdout.starts_with("error: --body") && run.code == Some(1),
        "{run:#?}"
    );

    let mut command = Command::new(BIN);
    command.env_clear().env("HEALTHPROBE_STATUS", bad);
    let run = run_command(command);
    assert!(
        run.stdout.starts_with("error: HEALTHPROBE_STATUS") && run.code == Some(1),
        "{run:#?}"
    );
}

#[test]
fn very_long_and_absurd_values_are_errors() {
    let long_value = format!("X-Long: {}", "v".repeat(100_000));
    let long_path = format!("/{}", "p".repeat(100_000));
    let many_codes = vec!["200"; 25_000].join(",");
    for (args, fragment) in [
        (vec!["-H", long_value.as_str()], "longer than 8 KiB"),
        (vec![long_path.as_str()], "longer than 8 KiB"),
        (vec!["-t", "184467440737095516160000s"], "too long"),
        (vec!["--status", "99999999999999999999"], "--status:"),
        (
            vec!["--status", many_codes.as_str(), "--timeout", "0.0000001"],
            "--timeout:",
        ),
    ] {
        let run = run(&args);
        assert_eq!(run.code, Some(1), "{run:#?}");
        assert!(
            run.stdout.starts_with("error: ") && run.stdout.contains(fragment),
            "{run:#?}"
        );
        assert!(run.output_len() <= 4096, "{}", run.output_len());
    }
}

#[test]
fn equals_form_of_options() {
    let server = Server::answering("204 No Content", "");
    run(&[
        "--status=204",
        "--timeout=2s",
        "--format=text",
        &server.url("/"),
    ])
    .expect("healthy");
}

#[test]
fn a_bad_port_does_not_matter_when_the_url_is_complete() {
    let server = Server::answering("200 OK", "ok");
    run_env(&[&server.url("/")], &[("PORT", "not-a-port")]).expect("healthy");
}

/// Common mistakes get the fix in the one error line.
#[test]
fn mistakes_are_answered_with_the_fix() {
    let cases: &[Case] = &[
        (
            &["localhost:3000/health"],
            &[],
            "try http://localhost:3000/health",
        ),
        (&["127.0.0.1:3000"], &[], "try http://127.0.0.1:3000/health"),
        // grpc_health_probe's habit (-addr=HOST:PORT): gRPC and TCP are suggested too.
        (
            &["127.0.0.1:50051"],
            &[],
            "try http://127.0.0.1:50051/health, grpc://127.0.0.1:50051 or tcp://127.0.0.1:50051",
        ),
        (
            &["3000"],
            &[],
            "set PORT=3000, or give http://127.0.0.1:3000/health",
        ),
        (&["health"], &[], "try /health"),
        (&["http://::1:3000/health"], &[], "write [::1]:3000"),
        (&["--tiemout", "2s"], &[], "did you mean --timeout?"),
        (&["--stauts", "200"], &[], "did you mean --status?"),
        // A value from a variable names the variable, not a flag never typed.
        (
            &[],
            &[("HEALTHPROBE_TIMEOUT", "5sec")],
            "HEALTHPROBE_TIMEOUT: \"5sec\" is not a duration (forms: 500ms, 2s, 2.5s, 1m30s, 1h",
        ),
        (
            &[],
            &[("HEALTHPROBE_BODY", "")],
            "HEALTHPROBE_BODY is set but empty",
        ),
        (
            &[],
            &[("HEALTHPROBE_INTERVAL", "1s")],
            "HEALTHPROBE_INTERVAL goes with --wait",
        ),
        (&["--timeout", "5sec"], &[], "--timeout: \"5sec\""),
        // A typo in an image's ENV is not silently a default.
        (
            &[],
            &[("HEALTHPROBE_TIMOUT", "5s")],
            "unknown variable HEALTHPROBE_TIMOUT; did you mean HEALTHPROBE_TIMEOUT?",
        ),
        (
            &[],
            &[("HEALTHPROBE_URLS", "http://127.0.0.1:1/")],
            "unknown variable HEALTHPROBE_URLS; did you mean HEALTHPROBE_URL?",
        ),
        (
            &[],
            &[("HEALTHPROBE_FROB", "1")],
            "unknown variable HEALTHPROBE_FROB",
        ),
    ];
    each_is_one_error_line_saying(cases);
    // No suggestion repeats what may be a password.
    let run = run(&["user:secret@host:3000"]);
    run.expect("error");
    assert!(!run.stdout.contains("secret"), "{run:#?}");
}

/// HTTP options given with only `tcp://` or database targets are errors, `--status` and
/// `HEALTHPROBE_STATUS` included (they were silently ignored, and the probe reported
/// healthy whatever status was asked for).
#[test]
fn http_options_with_no_http_target_are_errors() {
    for target in [
        "tcp://127.0.0.1:1",
        "redis://127.0.0.1",
        "postgres://127.0.0.1",
        "mysql://127.0.0.1",
    ] {
        for args in [
            vec!["--status", "500", target],
            vec!["--body", "ok", target],
            vec!["--json", "/a=1", target],
            vec!["-H", "X-A: b", target],
            vec!["--method", "HEAD", target],
        ] {
            run(&args).expect("error").says("for http://");
        }
        run_env(&[target], &[("HEALTHPROBE_STATUS", "500")])
            .expect("error")
            .says("--status: for http:// targets");
    }
}

/// The variables Kubernetes gives every pod for a Service named `healthprobe` (or
/// `healthprobe-api`), and Docker's legacy links alike, are ignored; a typo of one of ours
/// is still an error, and so is `HEALTHPROBE_PORT` with a value no runtime gives it.
#[test]
fn service_link_variables_are_ignored_and_typos_are_not() {
    let port = support::refused_port().to_string();
    let links = [
        ("HEALTHPROBE_SERVICE_HOST", "10.0.0.7"),
        ("HEALTHPROBE_SERVICE_PORT", "80"),
        ("HEALTHPROBE_SERVICE_PORT_HTTP", "80"),
        ("HEALTHPROBE_SERVICE_PORT_METRICS_PORT", "9090"),
        ("HEALTHPROBE_PORT", "tcp://10.0.0.7:80"),
        ("HEALTHPROBE_PORT_80_TCP", "tcp://10.0.0.7:80"),
        ("HEALTHPROBE_PORT_80_TCP_PROTO", "tcp"),
        ("HEALTHPROBE_PORT_80_TCP_PORT", "80"),
        ("HEALTHPROBE_PORT_80_TCP_ADDR", "10.0.0.7"),
        ("HEALTHPROBE_PORT_53_UDP_ADDR", "10.0.0.7"),
        ("HEALTHPROBE_API_SERVICE_HOST", "10.0.0.8"),
        ("HEALTHPROBE_API_PORT_8080_SCTP_PORT", "8080"),
        // A legacy link (`docker run --link web:healthprobe`).
        ("HEALTHPROBE_NAME", "/web/healthprobe"),
        ("HEALTHPROBE_ENV_FOO", "bar"),
        ("HEALTHPROBE_ENV_NODE_VERSION", "20.11.1"),
        ("PORT", port.as_str()),
    ];
    run_env(&["-t", "300ms"], &links)
        .expect("unreachable")
        .says("connection refused");
    for (typo, says) in [
        ("HEALTHPROBE_TIMOUT", "did you mean HEALTHPROBE_TIMEOUT?"),
        // The app's port is PORT, not a near name of ours (it suggested HEALTHPROBE_CERT).
        (
            "HEALTHPROBE_PORT",
            "unknown variable HEALTHPROBE_PORT; did you mean PORT?",
        ),
        // Names are case-sensitive: a lower-case one is not silently ignored.
        (
            "healthprobe_timeout",
            "unknown variable healthprobe_timeout; variable names are upper case: HEALTHPROBE_TIMEOUT",
        ),
        ("HEALTHPROBE_NAME", "unknown variable HEALTHPROBE_NAME"),
        ("HEALTHPROBE_ENV_", "unknown variable HEALTHPROBE_ENV_"),
        (
            "HEALTHPROBE_SERVICE_HOSTS",
            "unknown variable HEALTHPROBE_SERVICE_HOSTS",
        ),
        (
            "HEALTHPROBE_PORT_80_TCP_HOST",
            "unknown variable HEALTHPROBE_PORT_80_TCP_HOST",
        ),
        (
            "HEALTHPROBE_PORT_HTTP_TCP",
            "unknown variable HEALTHPROBE_PORT_HTTP_TCP",
        ),
    ] {
        let mut env = links.to_vec();
        env.retain(|(name, _)| *name != typo);
        env.push((typo, "8080"));
        run_env(&[], &env).expect("error").says(says);
    }
}

/// Walks the option table the parser, `--help`, the known variables and the HTTP-only
/// rule all derive from: every row is in the help with its spellings and variable, its
/// variable is accepted, and a row for HTTP (or HTTPS) targets given with only a
/// `tcp://` target is an error naming it.
#[test]
fn every_row_of_the_option_table_is_parsed_documented_and_checked() {
    use healthprobe::cli::flags::{FLAGS, For};
    let help = run(&["--help"]).stdout;
    let tcp = format!("tcp://127.0.0.1:{}", support::refused_port());
    let dir = support::scratch_dir("table");
    std::fs::write(dir.join("token"), "a-long-enough-token").unwrap();
    let secret = format!("X-Token:{}", dir.join("token").display());
    for flag in FLAGS {
        assert!(help.contains(flag.long()), "help lacks {}", flag.long());
        if let Some(short) = flag.short() {
            assert!(
                help.contains(&format!("{short}, {}", flag.long())),
                "{short}"
            );
        }
        if let Some(variable) = flag.variable {
            assert!(help.contains(variable), "help lacks {variable}");
            // Known: whatever it says, it is not an unknown variable.
            let value = if flag.value.is_empty() { "1" } else { "x" };
            let said = run_env(&["-t", "100ms", &tcp], &[(variable, value)]).stdout;
            assert!(!said.contains("unknown variable"), "{variable}: {said}");
        }
        let value = match flag.value {
            "" => None,
            _ => Some(match flag.long() {
                "--json" => "/a=1",
                "--header" => "X-A: b",
                "--method" => "HEAD",
                "--secret-header" => &secret,
                _ => "200",
            }),
        };
        if flag.applies == For::Any {
            continue;
        }
        let mut args = vec![flag.long()];
        args.extend(value);
        args.push(&tcp);
        let said = run(&args);
        match flag.applies {
            For::Http => {
                said.expect("error")
                    .says(&format!("{}: for http:// targets", flag.long()));
            }
            For::Request => {
                said.expect("error")
                    .says(&format!("{}: for http:// and grpc:// targets", flag.long()));
            }
            For::Tls => {
                said.expect("error").says(&format!(
                    "{} applies to https:// and grpcs:// targets only",
                    flag.long()
                ));
            }
            For::Any => {}
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A header value that is not ASCII is a configuration error found before any
/// connection, for HTTP and gRPC alike (ureq refused it only once connected, and the
/// server was blamed; gRPC sent it raw): one rule for both.
#[test]
fn a_non_ascii_header_value_is_refused_before_connecting() {
    let server = support::Server::answering("200 OK", "");
    for target in [server.url("/health"), format!("grpc://{}", server.addr)] {
        run(&["-H", "X-Name: Zoë", &target])
            .expect("error")
            .says("--header: X-Name: the value is not ASCII");
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}
