//! `--help`: the options' lines come from the table ([`super::flags::FLAGS`]), so an
//! option cannot be missing from it; the rest is the contract around them.

use std::fmt::Write;

use super::flags::{FLAGS, Flag, For};

const HEAD: &str = concat!(
    "healthprobe ",
    env!("CARGO_PKG_VERSION"),
    " - is this service healthy? Exit 0 if so, 1 if not.

USAGE:
    healthprobe [OPTIONS] [TARGET...]
    healthprobe [OPTIONS] [TARGET...] -- COMMAND [ARG...]
        once healthy, become COMMAND (same PID, the environment as given); the report
        goes to stderr, and COMMAND not found or not executable exits 127 or 126

TARGET (first match wins):
    http://HOST[:PORT]/PATH   a full URL; HOST may be a name, 1.2.3.4 or [::1] (https:// with `tls`)
    tcp://HOST:PORT           healthy when a TCP connection is accepted (databases, caches);
                              a hung or frozen app still accepts (the kernel completes the
                              handshake), so use HTTP for liveness
    postgres://HOST[:PORT]    is PostgreSQL accepting connections? (as pg_isready; also postgresql://, default 5432)
    redis://HOST[:PORT]       is Redis answering PING? (default 6379)
    mysql://HOST[:PORT]       is MySQL/MariaDB greeting? (also mariadb://, default 3306)
    amqp://HOST[:PORT]        is RabbitMQ (AMQP 0-9-1) answering with Connection.Start? (default 5672)
    nats://HOST[:PORT]        is NATS greeting, not in lame-duck mode? (default 4222)
    memcached://HOST[:PORT]   is memcached answering version? (default 11211)
    mqtt://HOST[:PORT]        is the MQTT broker accepting a connection? (default 1883)
    grpc://HOST[:PORT][/SVC]  is gRPC service SVC (or the whole server) SERVING? (grpc.health.v1;
                              default port 80, grpcs:// 443 with `tls`; -H adds metadata)
    /PATH                     joined to http://127.0.0.1:$PORT ([::1] if 127.0.0.1 refuses)
    (omitted)                 $HEALTHPROBE_URL, else http://127.0.0.1:$PORT/health
    Several TARGETs are probed at once; healthy only when all are.
"
);

const TAIL: &str = "
ENVIRONMENT:
    PORT                      the app's port, for the default and path targets [default 3000]
    HEALTHPROBE_URL and the variables named with each option above.
    Variables Kubernetes and Docker links make for a service named healthprobe* are ignored.
    Proxy variables (HTTP_PROXY, NO_PROXY, ...) are ignored: the probe talks to its target directly.

EXIT STATUS (the first word of the report is the category):
    0  healthy      the status is accepted and every body check holds
    1  unhealthy    the server answered, but the status or a body check failed, or not SERVING
    1  unreachable  no usable answer (refused, reset, unknown name, another protocol)
    1  timeout      the deadline passed
    1  error        the configuration is wrong

EXAMPLES:
    HEALTHCHECK --interval=12s --timeout=5s CMD [\"/usr/local/bin/healthprobe\"]
    healthprobe --ready --json /checks/db=ok -t 2s
    healthprobe grpc://127.0.0.1:50051/orders.v1.Orders
    healthprobe --wait 60s postgres://db:5432 -- node dist/index.js
";

/// Where the words of an option's line start.
const COLUMN: usize = 30;

/// What `--version` prints: the version, which build this is (plain, or `tls` with
/// `https://` and `grpcs://`) for which target, and the schemes it probes, so that a
/// user can tell the plain and `-tls` artifacts apart.
pub fn version() -> String {
    let build = if cfg!(feature = "tls") {
        "tls"
    } else {
        "plain"
    };
    let schemes: Vec<String> = crate::protocol::SCHEMES
        .iter()
        .map(|s| format!("{}://", s.name()))
        .collect();
    format!(
        "healthprobe {} ({build} build, {})\ntargets: {}\n",
        env!("CARGO_PKG_VERSION"),
        env!("BUILD_TARGET_TRIPLE"),
        schemes.join(" ")
    )
}

/// The whole `--help` text.
pub fn text() -> String {
    let mut out = String::from(HEAD);
    out.push_str("\nOPTIONS (flag wins over its environment variable):\n");
    FLAGS
        .iter()
        .filter(|f| f.applies != For::Tls)
        .for_each(|f| line(&mut out, f));
    out.push_str("\nTLS (builds with the `tls` feature; https:// and grpcs:// targets only):\n");
    FLAGS
        .iter()
        .filter(|f| f.applies == For::Tls)
        .for_each(|f| line(&mut out, f));
    out.push_str(TAIL);
    out
}

fn line(out: &mut String, flag: &Flag) {
    let mut usage = match flag.short() {
        Some(_) => format!("    {}", flag.names),
        None => format!("        {}", flag.names),
    };
    if !flag.value.is_empty() {
        usage.push(' ');
        usage.push_str(flag.value);
    }
    // A switch's variable is set to turn it on (1, true or yes).
    let bracket = match (flag.variable, flag.value) {
        (Some(variable), "") => format!(" [{variable}=1]"),
        (Some(variable), _) => format!(" [{variable}]"),
        (None, _) => String::new(),
    };
    let indent = " ".repeat(COLUMN);
    let help = flag.help.replace('\n', &format!("\n{indent}"));
    let pad = COLUMN.max(usage.len() + 2);
    let _ = writeln!(out, "{usage:<pad$}{help}{bracket}");
}
