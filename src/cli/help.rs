//! `--help`: the targets' lines come from the protocol table
//! ([`crate::protocol::SCHEMES`]) and the options' from the option table
//! ([`super::flags::FLAGS`]), so neither a scheme nor an option can be missing from it;
//! the rest is the contract around them.

use std::fmt::Write;

use super::flags::{DEFAULT_PORT, FLAGS, Flag, For};
use crate::protocol::SCHEMES;
use crate::protocol::scheme::{HELP_COLUMN as COLUMN, HELP_NEWLINE};

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
"
);

/// After the schemes' lines: the targets that are not URLs.
const TARGET_TAIL: &str =
    "    /PATH                     joined to http://127.0.0.1:$PORT ([::1] if 127.0.0.1 refuses)
    (omitted)                 $HEALTHPROBE_URL, else http://127.0.0.1:$PORT/health
    Several TARGETs are probed at once; healthy only when all are.
";

/// After the options; `{port}` is the app's default port.
const TAIL: &str = "
ENVIRONMENT:
    PORT                      the app's port, for the default and path targets [default {port}]
    HEALTHPROBE_URL and the variables named with each option above.
    Variables Kubernetes and Docker links make for a service named healthprobe* are ignored.
    Proxy variables (HTTP_PROXY, NO_PROXY, ...) are ignored: the probe talks to its target directly.

EXIT STATUS (the first word of the report is the category):
    0  healthy      every target said it is up: an accepted status and body (HTTP),
                    SERVING (gRPC), a connection (tcp://), a ready reply (the others)
    1  unhealthy    the server answered, but not so: the status or a body check failed,
                    not SERVING, a database or broker not ready
    1  unreachable  no usable answer (refused, reset, unknown name, another protocol)
    1  timeout      the deadline passed
    1  error        the configuration is wrong

EXAMPLES:
    HEALTHCHECK --interval=12s --timeout=5s CMD [\"/usr/local/bin/healthprobe\"]
    healthprobe --ready --json /checks/db=ok -t 2s
    healthprobe grpc://127.0.0.1:50051/orders.v1.Orders
    healthprobe --wait 60s postgres://db:5432 -- node dist/index.js
";

/// What `--version` prints: the version, which build this is (plain, or `tls` with
/// `https://` and `grpcs://`) for which target, and the schemes it probes, so that a
/// user can tell the plain and `-tls` artifacts apart.
pub fn version() -> String {
    let build = if cfg!(feature = "tls") {
        "tls"
    } else {
        "plain"
    };
    let schemes: Vec<String> = (SCHEMES.iter().filter(|s| s.available()))
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
    for scheme in SCHEMES {
        scheme.help_line(&mut out);
    }
    out.push_str(TARGET_TAIL);
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
    out.push_str(&TAIL.replace("{port}", &DEFAULT_PORT.to_string()));
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
    let mut help = flag.help.replace('\n', HELP_NEWLINE);
    if let Some(default) = flag.default {
        let _ = write!(help, "; default {default}");
    }
    let pad = COLUMN.max(usage.len() + 2);
    let _ = writeln!(out, "{usage:<pad$}{help}{bracket}");
}
