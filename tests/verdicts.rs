//! Every category, against real loopback servers, through the real binary.

use crate::support;

use std::net::TcpListener;
use std::time::Duration;

use support::{Server, blackhole, refused_port, run, run_env};

#[test]
fn healthy_200_reports_status_url_and_time() {
    let server = Server::answering("200 OK", r#"{"status":"ok"}"#);
    let url = server.url("/health");
    run(&[&url])
        .expect("healthy")
        .says(&format!("healthy: 200 OK from {url} in "));
    assert!(server.requests()[0].starts_with("GET /health HTTP/1.1\r\n"));
}

#[test]
fn default_target_is_health_on_port() {
    let server = Server::answering("200 OK", "ok");
    let run = run_env(&[], &[("PORT", &server.port())]);
    run.expect("healthy")
        .says(&format!("http://127.0.0.1:{}/health", server.port()));
    assert!(server.requests()[0].starts_with("GET /health "));
}

/// The variables are read from a crowded environment (a Kubernetes pod gets several per
/// Service in its namespace) by their exact names: look-alikes without the HEALTHPROBE_
/// prefix and empty values of other variables change nothing.
#[test]
fn variables_are_found_by_exact_name_in_a_crowded_environment() {
    let server = Server::answering("200 OK", "ok");
    let port = server.port();
    let mut env: Vec<(String, String)> = (0..300)
        .map(|i| {
            (
                format!("SVC_{i}_SERVICE_HOST"),
                format!("10.0.{}.{}", i / 250, i % 250),
            )
        })
        .collect();
    for (name, value) in [
        ("PORTS", "1"),
        ("XPORT", "1"),
        ("PORT_", "1"),
        // HEALTHPROBE_URLS and the like are errors, not look-alikes (tests/cli.rs).
        ("HEALTHPROBE", "x"),
        ("XHEALTHPROBE_URL", "http://127.0.0.1:1/"),
        ("EMPTY", ""),
        ("PORT", &port),
        ("ZZZ_LAST", "1"),
    ] {
        env.push((name.to_string(), value.to_string()));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    run_env(&[], &env)
        .expect("healthy")
        .says(&format!("http://127.0.0.1:{port}/health"));
}

#[test]
fn default_port_is_3000() {
    let Ok(listener) = TcpListener::bind("127.0.0.1:3000") else {
        support::announce_skip(
            "default_port_is_3000",
            "port 3000 is in use on this machine",
        );
        return;
    };
    let server = Server::on(listener, |c| c.respond("200 OK", &[], b"ok"));
    run(&[])
        .expect("healthy")
        .says("http://127.0.0.1:3000/health");
    run(&["--ready"])
        .expect("healthy")
        .says("http://127.0.0.1:3000/health/ready");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn path_target_and_ready_use_the_default_base() {
    let server = Server::answering("200 OK", "ok");
    let env = [("PORT", server.port())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run_env(&["/live?full=1"], &env).expect("healthy");
    run_env(&["--ready"], &env).expect("healthy");
    let requests = server.requests();
    assert!(
        requests[0].starts_with("GET /live?full=1 HTTP/1.1"),
        "{requests:?}"
    );
    assert!(
        requests[1].starts_with("GET /health/ready HTTP/1.1"),
        "{requests:?}"
    );
}

#[test]
fn healthprobe_url_is_the_target_when_none_is_given() {
    let server = Server::answering("200 OK", "ok");
    run_env(&[], &[("HEALTHPROBE_URL", &server.url("/from-env"))]).expect("healthy");
    assert!(server.requests()[0].starts_with("GET /from-env "));
    // A TARGET argument wins over the variable.
    run_env(
        &[&server.url("/arg")],
        &[("HEALTHPROBE_URL", "http://127.0.0.1:1/x")],
    )
    .expect("healthy");
    assert!(server.requests()[1].starts_with("GET /arg "));
}

#[test]
fn unhealthy_503_names_status_and_accepted_list() {
    let server = Server::answering("503 Service Unavailable", "{}");
    let url = server.url("/health/ready");
    run(&[&url]).expect("unhealthy").says(&format!(
        "unhealthy: 503 Service Unavailable from {url} (accepted: 200-399)"
    ));
}

#[test]
fn status_lists_ranges_and_classes() {
    let s204 = Server::answering("204 No Content", "");
    let s302 = Server::start(|c| c.respond("302 Found", &["Location: /elsewhere"], b""));
    let s404 = Server::answering("404 Not Found", "");
    // The kubelet's default: 200-399, and a redirect is judged, never followed.
    run(&[&s302.url("/")]).expect("healthy").says("302 Found");
    assert_eq!(s302.requests().len(), 1, "the redirect was followed");
    run(&["--status", "200", &s302.url("/")])
        .expect("unhealthy")
        .says("(accepted: 200)");
    run(&["--status", "200-299,304", &s204.url("/")]).expect("healthy");
    run(&["--status", "2xx", &s204.url("/")]).expect("healthy");
    run(&["--status", "4xx", &s404.url("/")]).expect("healthy");
    run(&["--status", "2xx,3xx", &s404.url("/")])
        .expect("unhealthy")
        .says("(accepted: 2xx,3xx)");
    run_env(&[&s404.url("/")], &[("HEALTHPROBE_STATUS", "404")]).expect("healthy");
    // The flag wins over the variable.
    run_env(
        &["--status", "200", &s404.url("/")],
        &[("HEALTHPROBE_STATUS", "404")],
    )
    .expect("unhealthy");
}

#[test]
fn body_must_contain_text() {
    let server = Server::answering("200 OK", r#"{"status":"ok","db":"up"}"#);
    let url = server.url("/");
    run(&["--body", "\"db\":\"up\"", &url]).expect("healthy");
    run(&["--body", "down", &url])
        .expect("unhealthy")
        .says("but the body does not contain \"down\"");
    run_env(&[&url], &[("HEALTHPROBE_BODY", "ok")]).expect("healthy");
    run_env(&["--body", "nope", &url], &[("HEALTHPROBE_BODY", "ok")]).expect("unhealthy");
}

#[test]
fn body_checks_skip_bodies_of_rejected_statuses() {
    let server = Server::answering("500 Internal Server Error", r#"{"status":"ok"}"#);
    run(&["--body", "ok", &server.url("/")])
        .expect("unhealthy")
        .says("500 Internal Server Error");
}

#[test]
fn json_pointer_checks() {
    let server = Server::answering(
        "200 OK",
        r#"{"status":"ok","checks":{"db":true,"cache":{"ok":1}},"version":"1.2","list":[3,4]}"#,
    );
    let url = server.url("/");
    run(&["--json", "/status=ok", "--json", "/checks/db=true", &url]).expect("healthy");
    run(&["--json", "/checks/cache/ok=1", "--json", "/list/1=4", &url]).expect("healthy");
    run(&["--json", "/version=\"1.2\"", &url]).expect("healthy");
    run(&["--json", "/version=1.2", &url])
        .expect("unhealthy")
        .says("/version is \"1.2\", expected 1.2");
    run(&["--json", "/status=ok", "--json", "/checks/db=false", &url])
        .expect("unhealthy")
        .says("/checks/db is true, expected false");
    run(&["--json", "/checks/queue=true", &url])
        .expect("unhealthy")
        .says("/checks/queue is missing");
    let text = Server::answering("200 OK", "OK");
    run(&["--json", "/status=ok", &text.url("/")])
        .expect("unhealthy")
        .says("the body is not JSON");
    let empty = Server::answering("200 OK", "");
    run(&["--json", "/status=ok", &empty.url("/")])
        .expect("unhealthy")
        .says("the body is empty");
}

#[test]
fn body_check_on_an_oversized_body_is_unhealthy() {
    let big = "x".repeat(70 * 1024);
    let server = Server::start(move |c| c.respond("200 OK", &[], big.as_bytes()));
    run(&["--body", "x", &server.url("/")])
        .expect("unhealthy")
        .says("larger than 64 KiB");
}

#[test]
fn request_headers_default_and_extra() {
    let server = Server::answering("200 OK", "ok");
    run(&[
        "-H",
        "X-Probe: one",
        "--header",
        "Host: app.internal",
        &server.url("/"),
    ])
    .expect("healthy");
    let request = server.requests()[0].to_lowercase();
    for expected in [
        "x-probe: one\r\n",
        "host: app.internal\r\n",
        concat!(
            "user-agent: healthprobe/",
            env!("CARGO_PKG_VERSION"),
            "\r\n"
        ),
        "accept: */*\r\n",
        "connection: close\r\n",
    ] {
        assert!(
            request.contains(expected),
            "{expected:?} missing in {request:?}"
        );
    }
    assert_eq!(request.matches("host:").count(), 1, "{request:?}");
}

#[test]
fn secret_header_reaches_the_server_and_no_output() {
    let dir = support::scratch_dir("secret");
    let file = dir.join("token");
    std::fs::write(&file, "Bearer s3cr3t-t0ken\n").unwrap();
    let secret_arg = format!("Authorization:{}", file.display());
    // The server echoes the header back in its head and body, as a careless app might.
    let echo = Server::start(|c| {
        let auth = c
            .request
            .lines()
            .find(|l| l.to_lowercase().starts_with("authorization:"))
            .unwrap_or("")
            .to_string();
        let body = format!("{{\"seen\":\"{auth}\"}}");
        c.respond(
            "503 Service Unavailable",
            &[&format!("X-Echo: {auth}")],
            body.as_bytes(),
        );
    });
    let url = echo.url("/");
    for extra in [
        &[][..],
        &["-v"],
        &["--format", "json"],
        &["-v", "--format", "json"],
        &["-v", "--status", "5xx"],
    ] {
        let mut args: Vec<&str> = vec!["--secret-header", &secret_arg, &url];
        args.extend_from_slice(extra);
        let run = run(&args);
        assert!(
            !run.stdout.contains("s3cr3t") && !run.stderr.contains("s3cr3t"),
            "{run:#?}"
        );
    }
    let verbose = run(&[
        "--secret-header",
        &secret_arg,
        "-v",
        "--status",
        "5xx",
        &url,
    ]);
    verbose.expect("healthy").says("Authorization: [redacted]");
    assert!(
        echo.requests()[0]
            .to_lowercase()
            .contains("authorization: bearer s3cr3t-t0ken\r\n")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn head_method_sends_head_and_reads_no_body() {
    let server = Server::start(|c| c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"));
    run(&["--method", "HEAD", &server.url("/")]).expect("healthy");
    assert!(server.requests()[0].starts_with("HEAD / HTTP/1.1"));
}

#[test]
fn quiet_prints_nothing_on_success_only() {
    let ok = Server::answering("200 OK", "ok");
    let bad = Server::answering("500 Internal Server Error", "");
    let run_ok = run(&["-q", &ok.url("/")]);
    assert_eq!(
        (run_ok.code, run_ok.stdout.as_str(), run_ok.stderr.as_str()),
        (Some(0), "", "")
    );
    run(&["--quiet", &bad.url("/")]).expect("unhealthy");
}

#[test]
fn verbose_shows_address_timings_head_and_body() {
    let server = Server::start(|c| c.respond("200 OK", &["X-Custom: yes"], b"{\"status\":\"ok\"}"));
    let run = run(&["-v", &server.url("/health")]);
    run.expect("healthy")
        .says(&format!("address: {}\n", server.addr))
        .says("timings: connect ")
        .says("first byte ")
        .says("> GET /health HTTP/1.1")
        .says("< HTTP/1.1 200 OK")
        .says("< x-custom: yes")
        .says("body: {\"status\":\"ok\"}");
    assert!(
        run.stdout.starts_with("healthy: "),
        "the verdict comes first"
    );
}

/// `-v` tells only what happened: no request line when nothing was sent, "resolved" only
/// where a resolver was asked.
#[test]
fn verbose_tells_only_what_happened() {
    let refused = format!("http://127.0.0.1:{}/health", support::refused_port());
    let run = run(&["-v", &refused]);
    run.expect("unreachable");
    assert!(!run.stdout.contains("> GET"), "nothing was sent: {run:#?}");
    assert!(
        !run.stdout.contains("resolve"),
        "no resolver was asked: {run:#?}"
    );
    // One connect, to 127.0.0.1, is all that was tried: ::1 is not named.
    let app = Server::answering("200 OK", "ok");
    let run = run_env(&["-v"], &[("PORT", &app.port())]);
    run.expect("healthy")
        .says(&format!("\n  address: 127.0.0.1:{}\n", app.port()))
        .says("> GET /health HTTP/1.1");
    assert!(!run.stdout.contains("tried"), "{run:#?}");
    assert!(!run.stdout.contains("resolve"), "{run:#?}");
    // An app on ::1 alone: 127.0.0.1 refused first, then ::1; both were tried. The port
    // is held on 127.0.0.1 by a socket bound but not listening, which refuses every
    // connection: else another test's server could take that port on IPv4 meanwhile
    // (ports are handed out per family), and answer in the app's place.
    for _ in 0..20 {
        let Ok(listener) = std::net::TcpListener::bind("[::1]:0") else {
            return;
        };
        let port = listener.local_addr().unwrap().port();
        let Some(_held) = support::bound_only(libc::AF_INET, port) else {
            continue;
        };
        let v6 = Server::on(listener, |c| c.respond("200 OK", &[], b"ok"));
        let run = run_env(&["-v"], &[("PORT", &v6.port())]);
        run.expect("healthy")
            .says(&format!("(tried 127.0.0.1:{0}, [::1]:{0})", v6.port()));
        return;
    }
    panic!("no port free on both 127.0.0.1 and ::1");
}

#[test]
fn json_format_is_one_parseable_line() {
    let server = Server::answering("503 Service Unavailable", "");
    let url = server.url("/health");
    for (args, env) in [
        (vec!["--format", "json", url.as_str()], vec![]),
        (vec![url.as_str()], vec![("HEALTHPROBE_FORMAT", "json")]),
    ] {
        let run = run_env(&args, &env);
        assert_eq!(run.code, Some(1));
        assert_eq!(run.stdout.lines().count(), 1, "{run:#?}");
        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(v["result"], "unhealthy");
        assert_eq!(v["healthy"], false);
        assert_eq!(v["url"], url.as_str());
        assert_eq!(v["status"], 503);
        assert!(v["elapsed_ms"].as_f64().unwrap() >= 0.0);
        assert!(
            v["reason"]
                .as_str()
                .unwrap()
                .starts_with("503 Service Unavailable from")
        );
    }
    // Flag over variable, and the config errors in JSON too.
    let text = run_env(
        &["--format", "text", &url],
        &[("HEALTHPROBE_FORMAT", "json")],
    );
    assert!(text.stdout.starts_with("unhealthy: "));
    let error = run(&["--format", "json", "--timeout", "0"]);
    let v: serde_json::Value = serde_json::from_str(&error.stdout).unwrap();
    assert_eq!(
        (v["result"].as_str(), v["status"].is_null(), error.code),
        (Some("error"), true, Some(1))
    );
    let refused = run(&[
        "--format=json",
        &format!("http://127.0.0.1:{}/", refused_port()),
    ]);
    let v: serde_json::Value = serde_json::from_str(&refused.stdout).unwrap();
    assert_eq!(
        (v["result"].as_str(), v["healthy"].as_bool()),
        (Some("unreachable"), Some(false))
    );
}

#[test]
fn proxy_variables_are_ignored() {
    let server = Server::answering("200 OK", "ok");
    let proxy = format!("http://127.0.0.1:{}", refused_port());
    let env: Vec<(&str, &str)> = [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .iter()
    .map(|k| (*k, proxy.as_str()))
    .chain([("NO_PROXY", "nothing"), ("no_proxy", "nothing")])
    .collect();
    run_env(&[&server.url("/")], &env).expect("healthy");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn ipv6_literal() {
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        support::skip("ipv6_literal", "no IPv6 loopback on this machine");
        return;
    };
    let server = Server::on(listener, |c| c.respond("200 OK", &[], b"ok"));
    let url = format!("http://[::1]:{}/health", server.port());
    run(&[&url]).expect("healthy").says(&url);
}

#[test]
fn localhost_reaches_ipv4_only_and_ipv6_only_servers() {
    let v4 = Server::bind("127.0.0.1:0", |c| c.respond("200 OK", &[], b"ok"));
    run(&[&format!("http://localhost:{}/", v4.port())]).expect("healthy");
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        support::skip("localhost over IPv6", "no IPv6 loopback on this machine");
        return;
    };
    let v6 = Server::on(listener, |c| c.respond("200 OK", &[], b"ok"));
    // Nothing listens on 127.0.0.1 at that port: the probe must go on to ::1.
    run(&[&format!("http://localhost:{}/", v6.port())]).expect("healthy");
    assert_eq!(v6.requests().len(), 1);
}

#[test]
fn connection_refused_is_unreachable() {
    let port = refused_port();
    run(&[&format!("http://127.0.0.1:{port}/health")])
        .expect("unreachable")
        .says(&format!(
            "unreachable: connection refused by 127.0.0.1:{port}"
        ));
    run(&[&format!("http://localhost:{port}/")])
        .expect("unreachable")
        .says(&format!("tried 127.0.0.1:{port}, [::1]:{port}"));
}

#[test]
fn unknown_name_is_unreachable() {
    let run = run(&["-t", "2s", "http://no-such-host.invalid:3000/health"]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    // NXDOMAIN is unreachable; a resolver that never answers is a timeout in resolution.
    match run.word() {
        "unreachable" => assert!(run.stdout.contains("name not found: no-such-host.invalid")),
        "timeout" => assert!(
            run.stdout
                .contains("no answer from the resolver for no-such-host.invalid")
        ),
        _ => panic!("{run:#?}"),
    }
}

#[test]
fn not_http_is_unreachable() {
    let server = Server::start(|c| c.send(b"SSH-2.0-OpenSSH_9.2\r\n\r\n"));
    run(&[&server.url("/")])
        .expect("unreachable")
        .says("did not answer in HTTP");
    let closed = Server::start(|_| {});
    run(&[&closed.url("/")])
        .expect("unreachable")
        .says("connection closed by");
}

#[test]
fn hung_server_times_out_at_the_deadline() {
    let server = Server::start(|c| c.hang());
    let run = run(&["--timeout", "500ms", &server.url("/health")]);
    run.expect("timeout").says(&format!(
        "timeout: no response head from {} within 500ms",
        server.addr
    ));
    assert!(run.elapsed >= Duration::from_millis(500), "{run:#?}");
    assert!(run.elapsed < Duration::from_millis(600), "{run:#?}");
    let env = run_env(&[&server.url("/")], &[("HEALTHPROBE_TIMEOUT", "300ms")]);
    env.expect("timeout").says("within 300ms");
    let flag = run_env(
        &["-t", "200ms", &server.url("/")],
        &[("HEALTHPROBE_TIMEOUT", "5s")],
    );
    flag.expect("timeout").says("within 200ms");
}

#[test]
fn dropped_syns_time_out_in_the_connect_phase() {
    let (addr, _held, _listener) = blackhole();
    let run = run(&["-t", "400ms", &format!("http://{addr}/")]);
    run.expect("timeout")
        .says(&format!("no connection to {addr} within 400ms"));
    assert!(run.elapsed < Duration::from_millis(500), "{run:#?}");
}

/// The default target and `/path` targets reach an app bound to `::1` only (Hono's
/// `serve({hostname: '::1'})`), as the Node one-liner does through `localhost`.
#[test]
fn the_default_target_reaches_an_app_on_either_loopback_family() {
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        return support::skip(
            "the_default_target_reaches_an_app_on_either_loopback_family",
            "no IPv6 loopback on this machine",
        );
    };
    let v6 = Server::on(listener, |c| c.respond("200 OK", &[], b"ok"));
    let port = v6.port();
    run_env(&[], &[("PORT", &port)]).expect("healthy");
    run_env(&["/health/ready"], &[("PORT", &port)]).expect("healthy");
    run_env(&["--ready"], &[("PORT", &port)]).expect("healthy");
    assert_eq!(v6.requests().len(), 3);
    // Nothing on either family: refused, naming the address tried first.
    let refused = support::refused_port().to_string();
    run_env(&[], &[("PORT", &refused)])
        .expect("unreachable")
        .says("connection refused");
}
