//! The command line and the environment, read into [`Settings`]. Every option is parsed here
//! and nowhere else; a flag wins over its environment variable.

use std::ffi::{OsStr, OsString};
use std::time::Duration;

use pico_args::Arguments;

use crate::checks::{Checks, JsonCheck};
use crate::duration;
use crate::header::{self, Header};
use crate::sanitize::Secrets;
use crate::status::StatusSet;
use crate::suggest;
use crate::target::{self, Target};
use crate::tls::{self, Tls, TlsOptions};

/// What the process was asked to do.
#[derive(Debug)]
pub enum Command {
    Help,
    Version,
    Probe(Box<Settings>),
}

/// One probe, fully validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub target: Target,
    /// Further targets, probed concurrently with `target`; healthy only when all are.
    pub also: Vec<Target>,
    /// One deadline for everything: resolve, connect, send, response head, body.
    pub timeout: Duration,
    pub checks: Checks,
    pub headers: Vec<Header>,
    /// The hidden header values, as server text is searched for them (`sanitize`).
    pub secrets: Secrets,
    pub method: Method,
    pub verbosity: Verbosity,
    pub format: Format,
    /// TLS for an `https://` target.
    pub tls: Option<Tls>,
    /// `--unix-socket`: the HTTP exchange goes over this socket; the URL still gives the
    /// `Host` header and the path, as with curl.
    pub unix_socket: Option<std::path::PathBuf>,
    /// `--wait`: how long to retry until healthy, and how often.
    pub wait: Option<Duration>,
    pub interval: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// A configuration error, with the format it should be reported in (when that much of
/// the configuration could be read).
#[derive(Debug)]
pub struct Rejected {
    pub reason: String,
    pub format: Format,
}

/// Safely under Docker's usual 5 s HEALTHCHECK timeout, so that Docker records our reason
/// rather than "Health check exceeded timeout".
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Between attempts of `--wait`.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
const DEFAULT_PORT: u16 = 3000;

/// Reads the arguments (without the program name) and the environment: `env` looks a
/// variable up, `names` are the names of the `HEALTHPROBE_*` variables set.
pub fn parse(
    args: Vec<OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
    names: &[String],
) -> Result<Command, Rejected> {
    let mut cli = Cli::new(args);
    // The format comes first, so that every later error is reported in it.
    let format = match cli.option(env, &["--format"], Some("HEALTHPROBE_FORMAT")) {
        Ok(None) => Format::Text,
        Ok(Some(f)) => match f.value.as_str() {
            "text" => Format::Text,
            "json" => Format::Json,
            other => {
                let reason = format!("{}: {:?} is not text or json", f.from, short(other));
                return Err(reject(reason, Format::Text));
            }
        },
        Err(reason) => return Err(reject(reason, Format::Text)),
    };
    if cli.flag(&["-h", "--help"]) {
        return Ok(Command::Help);
    }
    if cli.flag(&["-V", "--version"]) {
        return Ok(Command::Version);
    }
    // A typo in an image's ENV must not fall back to a default without a word.
    if let Some(name) = names
        .iter()
        .find(|n| !KNOWN_VARIABLES.contains(&n.as_str()) && !is_service_link(n, env))
    {
        let hint = match suggest::nearest(name, KNOWN_VARIABLES.iter().copied()) {
            Some(known) => format!("; did you mean {known}?"),
            None => " (see --help for the variables)".to_string(),
        };
        let name = short(name);
        return Err(reject(format!("unknown variable {name}{hint}"), format));
    }
    settings(cli, env, format)
        .map(|s| Command::Probe(Box::new(s)))
        .map_err(|reason| reject(reason, format))
}

fn settings(
    mut cli: Cli,
    env: &dyn Fn(&str) -> Option<OsString>,
    format: Format,
) -> Result<Settings, String> {
    let ready = cli.flag(&["--ready"]);
    let quiet = cli.flag(&["-q", "--quiet"]);
    let verbose = cli.flag(&["-v", "--verbose"]);
    let verbosity = match (quiet, verbose) {
        (true, true) => return Err("-q and -v contradict each other; choose one".to_string()),
        (true, false) => Verbosity::Quiet,
        (false, true) => Verbosity::Verbose,
        (false, false) => Verbosity::Normal,
    };
    let timeout = match cli.option(env, &["-t", "--timeout"], Some("HEALTHPROBE_TIMEOUT"))? {
        Some(given) => given.read(duration::parse)?,
        None => DEFAULT_TIMEOUT,
    };
    let status_given = cli.option(env, &["--status"], Some("HEALTHPROBE_STATUS"))?;
    let status = match &status_given {
        Some(given) => given.read(StatusSet::parse)?,
        None => StatusSet::default(),
    };
    let contains = cli
        .option(env, &["--body"], Some("HEALTHPROBE_BODY"))?
        .map(|given| {
            given.read(|text| match text {
                "" => Err("the text to look for is empty".to_string()),
                text => Ok(text.to_string()),
            })
        })
        .transpose()?;
    let json = cli
        .repeated(&["--json"])?
        .iter()
        .map(|text| JsonCheck::parse(text).map_err(|e| format!("--json: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut headers = cli
        .repeated(&["-H", "--header"])?
        .iter()
        .map(|text| Header::parse(text).map_err(|e| format!("--header: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    for text in cli.repeated(&["--secret-header"])? {
        headers.push(Header::parse_secret(&text).map_err(|e| format!("--secret-header: {e}"))?);
    }
    let method = match cli
        .option(env, &["--method"], None)?
        .map(|given| given.value)
    {
        None => Method::Get,
        Some(m) if m.eq_ignore_ascii_case("GET") => Method::Get,
        Some(m) if m.eq_ignore_ascii_case("HEAD") => Method::Head,
        Some(m) => return Err(format!("--method: {:?} is not GET or HEAD", short(&m))),
    };
    let checks = Checks {
        status,
        contains,
        json,
    };
    if method == Method::Head && checks.need_body() {
        return Err("--body and --json need a body, which HEAD never has".to_string());
    }
    let wait = cli
        .option(env, &["--wait"], Some("HEALTHPROBE_WAIT"))?
        .map(|given| given.read(duration::parse))
        .transpose()?;
    let interval = match cli.option(env, &["--interval"], Some("HEALTHPROBE_INTERVAL"))? {
        Some(given) if wait.is_some() => given.read(duration::parse)?,
        Some(given) => return Err(format!("{} goes with --wait", given.from)),
        None => DEFAULT_INTERVAL,
    };
    let mut text = |keys, variable| -> Result<Option<String>, String> {
        Ok(cli
            .option(env, keys, Some(variable))?
            .map(|given| given.value))
    };
    let unix_socket =
        text(&["--unix-socket"], "HEALTHPROBE_UNIX_SOCKET")?.map(std::path::PathBuf::from);
    let cacert = text(&["--cacert"], "HEALTHPROBE_CACERT")?;
    let servername = text(&["--servername"], "HEALTHPROBE_SERVERNAME")?;
    let cert = text(&["--cert"], "HEALTHPROBE_CERT")?;
    let key = text(&["--key"], "HEALTHPROBE_KEY")?;
    let insecure = cli.flag(&["--insecure"]);
    let tls_options = TlsOptions {
        cacert,
        insecure: insecure || switch(env, "HEALTHPROBE_INSECURE")?,
        servername,
        cert,
        key,
    };
    // pico-args hands back the free arguments only once every option has been taken.
    let mut targets = resolve_targets(cli.free_targets()?, ready, env)?;
    let tls = tls::load(&tls_options, targets.iter().any(Target::is_tls))?;
    if targets.len() > 1 && unix_socket.is_some() {
        return Err("--unix-socket takes a single target".to_string());
    }
    // HTTP options go to the HTTP targets; with none among the targets they are a mistake.
    if !targets.iter().any(Target::is_http) {
        let http_only = [
            (status_given.is_some(), "--status"),
            (checks.need_body(), "--body and --json"),
            (!headers.is_empty(), "--header and --secret-header"),
            (method == Method::Head, "--method"),
            (unix_socket.is_some(), "--unix-socket"),
        ];
        if let Some((_, what)) = http_only.iter().find(|(given, _)| *given) {
            return Err(format!(
                "{what}: for http:// targets, not tcp:// or a database's"
            ));
        }
    }
    let target = targets.remove(0);
    Ok(Settings {
        target,
        also: targets,
        timeout,
        checks,
        secrets: header::secrets(&headers),
        headers,
        method,
        verbosity,
        format,
        tls,
        unix_socket,
        wait,
        interval,
    })
}

/// An option's value and where it came from: the flag as spelt in `--help`, or the
/// variable. An error about the value names that, not a flag the user never typed.
struct Given {
    value: String,
    from: &'static str,
}

impl Given {
    /// The value as `read` reads it; its error prefixed with where the value came from.
    fn read<T>(&self, read: impl FnOnce(&str) -> Result<T, String>) -> Result<T, String> {
        read(&self.value).map_err(|e| format!("{}: {e}", self.from))
    }
}

/// A yes/no environment variable, for switches such as `--insecure`.
fn switch(env: &dyn Fn(&str) -> Option<OsString>, name: &str) -> Result<bool, String> {
    match variable(env, name)?.as_deref() {
        None | Some("0" | "false" | "no") => Ok(false),
        Some("1" | "true" | "yes") => Ok(true),
        Some(other) => Err(format!(
            "{name}: {:?} is not 1/true/yes or 0/false/no",
            short(other)
        )),
    }
}

/// The most targets one call probes: each is a thread and a connection.
const MAX_TARGETS: usize = 16;

/// The command line being read: pico-args, and every option spelling asked of it, so
/// that a leftover argument is known to be a repeated option or an unknown one without a
/// second list of options to keep in step.
struct Cli {
    args: Arguments,
    asked: Vec<&'static [&'static str]>,
    /// The options the arguments name (`--timeout=5s` names `--timeout`); `None` when an
    /// argument is not UTF-8, and only pico-args can tell what it is. pico-args checks
    /// each option asked of it against every argument, UTF-8 validation included: for the
    /// twenty options a probe asks about, most of them absent, that was two thirds of the
    /// parsing (`valgrind --tool=callgrind`), now spent only on options that appear.
    named: Option<Vec<String>>,
}

impl Cli {
    fn new(args: Vec<OsString>) -> Cli {
        let named = args
            .iter()
            .filter(|arg| arg.as_encoded_bytes().starts_with(b"-"))
            .map(|arg| {
                arg.to_str()
                    .map(|a| a.split('=').next().unwrap_or(a).to_string())
            })
            .collect();
        Cli {
            args: Arguments::from_vec(args),
            asked: Vec::new(),
            named,
        }
    }

    /// Whether no argument names any of `keys`: then pico-args need not be asked.
    fn absent(&self, keys: &[&str]) -> bool {
        self.named
            .as_ref()
            .is_some_and(|named| !named.iter().any(|n| keys.contains(&n.as_str())))
    }

    /// A switch such as `--ready`.
    fn flag(&mut self, keys: &'static [&'static str]) -> bool {
        self.asked.push(keys);
        if self.absent(keys) {
            return false;
        }
        match keys {
            [short, long] => self.args.contains([*short, *long]),
            _ => self.args.contains(keys[0]),
        }
    }

    /// A single-valued option: the flag, else its environment variable.
    fn option(
        &mut self,
        env: &dyn Fn(&str) -> Option<OsString>,
        keys: &'static [&'static str],
        variable_name: Option<&'static str>,
    ) -> Result<Option<Given>, String> {
        self.asked.push(keys);
        let flag = keys.last().copied().unwrap_or_default();
        let value = if self.absent(keys) {
            None
        } else {
            match keys {
                [short, long] => self.args.opt_value_from_fn([*short, *long], keep),
                _ => self.args.opt_value_from_fn(flag, keep),
            }
            .map_err(|e| pico_reason(e, flag))?
        };
        Ok(match (value, variable_name) {
            (Some(value), _) => Some(Given { value, from: flag }),
            (None, Some(name)) => variable(env, name)?.map(|value| Given { value, from: name }),
            (None, None) => None,
        })
    }

    /// A repeatable option.
    fn repeated(&mut self, keys: &'static [&'static str]) -> Result<Vec<String>, String> {
        self.asked.push(keys);
        if self.absent(keys) {
            return Ok(Vec::new());
        }
        let flag = keys.last().copied().unwrap_or_default();
        match keys {
            [short, long] => self.args.values_from_fn([*short, *long], keep),
            _ => self.args.values_from_fn(flag, keep),
        }
        .map_err(|e| pico_reason(e, flag))
    }

    /// The free arguments, once every option has been taken (pico-args hands them back
    /// only then): the TARGETs. Anything that looks like an option is repeated or unknown.
    fn free_targets(self) -> Result<Vec<String>, String> {
        let mut targets = Vec::new();
        for arg in self.args.finish() {
            let arg = utf8(&arg, "TARGET")?;
            if arg.starts_with('-') && arg.len() > 1 {
                let name = arg.split('=').next().unwrap_or(&arg);
                let known = self
                    .asked
                    .iter()
                    .find(|spellings| spellings.contains(&name));
                let spellings = self.asked.iter().flat_map(|s| s.iter().copied());
                return Err(if let Some(long) = known.and_then(|s| s.last()) {
                    format!("{long} is given more than once")
                } else if let Some(meant) = suggest::nearest(name, spellings) {
                    format!("unknown option {:?}; did you mean {meant}?", short(&arg))
                } else {
                    format!("unknown option {:?} (see --help)", short(&arg))
                });
            }
            targets.push(arg);
        }
        if targets.len() > MAX_TARGETS {
            return Err(format!(
                "at most {MAX_TARGETS} targets at a time, not {}",
                targets.len()
            ));
        }
        Ok(targets)
    }
}

/// The TARGETs, else `HEALTHPROBE_URL`, else `/health` (or `/health/ready`) on the app's
/// `PORT`.
fn resolve_targets(
    targets: Vec<String>,
    ready: bool,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Vec<Target>, String> {
    let (texts, source) = if targets.is_empty() {
        (
            variable(env, "HEALTHPROBE_URL")?.into_iter().collect(),
            "HEALTHPROBE_URL",
        )
    } else {
        (targets, "TARGET")
    };
    if ready && !texts.is_empty() {
        return Err(format!(
            "--ready probes /health/ready on the default base; it cannot be combined with {source}"
        ));
    }
    let texts = if texts.is_empty() {
        vec![if ready { "/health/ready" } else { "/health" }.to_string()]
    } else {
        texts
    };
    let port = if texts.iter().any(|t| t.starts_with('/')) {
        match variable(env, "PORT")? {
            Some(p) => target::parse_port(&p).map_err(|e| format!("PORT: {e}"))?,
            None => DEFAULT_PORT,
        }
    } else {
        DEFAULT_PORT
    };
    texts
        .iter()
        .map(|text| Target::parse(text, port).map_err(|e| format!("{source}: {e}")))
        .collect()
}

/// The environment variables healthprobe reads, as the starts of `NAME=value` entries: the
/// process keeps only these (`process::variables`).
pub const VARIABLES: &[&str] = &["HEALTHPROBE_", "PORT="];

/// Every `HEALTHPROBE_*` variable read; any other set is an error.
const KNOWN_VARIABLES: &[&str] = &[
    "HEALTHPROBE_URL",
    "HEALTHPROBE_TIMEOUT",
    "HEALTHPROBE_STATUS",
    "HEALTHPROBE_BODY",
    "HEALTHPROBE_FORMAT",
    "HEALTHPROBE_WAIT",
    "HEALTHPROBE_INTERVAL",
    "HEALTHPROBE_UNIX_SOCKET",
    "HEALTHPROBE_CACERT",
    "HEALTHPROBE_INSECURE",
    "HEALTHPROBE_SERVERNAME",
    "HEALTHPROBE_CERT",
    "HEALTHPROBE_KEY",
];

/// Whether `name` is one of the variables Kubernetes gives every pod for each Service in
/// its namespace (`enableServiceLinks`, on by default), or Docker's legacy links give for
/// a linked container, for a Service or link whose name starts with `healthprobe`:
/// `<S>_SERVICE_HOST`, `<S>_SERVICE_PORT`, `<S>_SERVICE_PORT_<NAME>`, `<S>_PORT`,
/// `<S>_PORT_<n>_<PROTO>` and that with `_PROTO`, `_PORT` or `_ADDR`. They are not ours
/// and are ignored: refused, a Service named `healthprobe` would fail every probe in its
/// namespace. No variable of ours has one of these shapes (a test walks them all). A bare
/// `<S>_PORT` counts only with the value Kubernetes and Docker give it
/// (`tcp://10.0.0.7:80`): `HEALTHPROBE_PORT=8080` is a mistake to report, not to ignore.
pub fn is_service_link(name: &str, env: &dyn Fn(&str) -> Option<OsString>) -> bool {
    // `<S>` is `HEALTHPROBE` and whatever follows up to the shape; the shapes are told
    // apart from the end.
    let Some(rest) = name.strip_prefix("HEALTHPROBE") else {
        return false;
    };
    if rest.ends_with("_SERVICE_HOST") || rest.ends_with("_SERVICE_PORT") {
        return true;
    }
    if let Some((_, port_name)) = rest.split_once("_SERVICE_PORT_") {
        return !port_name.is_empty();
    }
    // `_PORT_<n>_<PROTO>`, then perhaps `_PROTO`, `_PORT` or `_ADDR`; else a bare `_PORT`.
    let Some(at) = rest.rfind("_PORT_") else {
        return rest.ends_with("_PORT")
            && env(name).is_some_and(|value| {
                let value = value.as_encoded_bytes();
                value.starts_with(b"tcp://")
                    || value.starts_with(b"udp://")
                    || value.starts_with(b"sctp://")
            });
    };
    let shape = &rest[at + "_PORT_".len()..];
    let shape = ["_PROTO", "_PORT", "_ADDR"]
        .iter()
        .find_map(|end| shape.strip_suffix(end))
        .filter(|number_and_proto| number_and_proto.contains('_'))
        .unwrap_or(shape);
    match shape.split_once('_') {
        Some((number, proto)) => {
            !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
                && matches!(proto, "TCP" | "UDP" | "SCTP")
        }
        None => false,
    }
}

/// An environment variable; set but empty is a mistake worth reporting, not a default.
fn variable(env: &dyn Fn(&str) -> Option<OsString>, name: &str) -> Result<Option<String>, String> {
    debug_assert!(
        name == "PORT" || KNOWN_VARIABLES.contains(&name),
        "{name} is read but not in KNOWN_VARIABLES"
    );
    match env(name) {
        None => Ok(None),
        Some(value) if value.is_empty() => Err(format!("{name} is set but empty")),
        Some(value) => utf8(&value, name).map(Some),
    }
}

/// Takes values as text: pico-args reads `--flag=value` only through its `&str` methods.
fn keep(value: &str) -> Result<String, std::convert::Infallible> {
    Ok(value.to_string())
}

fn utf8(value: &OsStr, what: &str) -> Result<String, String> {
    value
        .to_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{what}: the value is not valid UTF-8"))
}

fn pico_reason(e: pico_args::Error, flag: &str) -> String {
    match e {
        pico_args::Error::OptionWithoutAValue(_) => format!("{flag} needs a value"),
        pico_args::Error::NonUtf8Argument => format!("{flag}: the value is not valid UTF-8"),
        other => format!("{flag}: {other}"),
    }
}

/// A value quoted in an error: short, and never with a URL's credentials.
fn short(text: &str) -> String {
    crate::checks::excerpt(&target::hide_userinfo(text), 100)
}

fn reject(reason: String, format: Format) -> Rejected {
    Rejected { reason, format }
}

/// `--help`: every option, every variable, the exit codes and examples.
pub const HELP: &str = concat!(
    "healthprobe ",
    env!("CARGO_PKG_VERSION"),
    " - is this service healthy? Exit 0 if so, 1 if not.

USAGE:
    healthprobe [OPTIONS] [TARGET...]

TARGET (first match wins):
    http://HOST[:PORT]/PATH   a full URL; HOST may be a name, 1.2.3.4 or [::1] (https:// with `tls`)
    tcp://HOST:PORT           healthy when a TCP connection is accepted (databases, caches);
                              a hung or frozen app still accepts (the kernel completes the
                              handshake), so use HTTP for liveness
    postgres://HOST[:PORT]    is PostgreSQL accepting connections? (as pg_isready; also postgresql://, default 5432)
    redis://HOST[:PORT]       is Redis answering PING? (default 6379)
    mysql://HOST[:PORT]       is MySQL/MariaDB greeting? (also mariadb://, default 3306)
    /PATH                     joined to http://127.0.0.1:$PORT ([::1] if 127.0.0.1 refuses)
    (omitted)                 $HEALTHPROBE_URL, else http://127.0.0.1:$PORT/health
    Several TARGETs are probed at once; healthy only when all are.

OPTIONS (flag wins over its environment variable):
        --ready               probe /health/ready instead of /health (default target only)
    -t, --timeout DURATION    overall deadline, e.g. 500ms, 2s, 2.5s, 1m30s [HEALTHPROBE_TIMEOUT, default 3s]
        --status LIST         accepted codes, e.g. 200 or 200-299,304 or 2xx,3xx [HEALTHPROBE_STATUS, default 200-399]
        --body TEXT           the body must contain TEXT [HEALTHPROBE_BODY]
        --json POINTER=VALUE  the JSON body's value at POINTER must equal VALUE (repeatable)
    -H, --header 'Name: value'          extra request header, Host included (repeatable)
        --secret-header 'Name:/path'    header whose value is read from a file, never printed (repeatable)
                              headers, secret ones included, go to every HTTP target of the run
        --method GET|HEAD     request method [default GET]
    -q, --quiet               print nothing when healthy
    -v, --verbose             also print address, timings, response head and body start
        --format text|json    report format [HEALTHPROBE_FORMAT, default text]
        --unix-socket PATH    send the request over this Unix socket; the URL gives Host and path [HEALTHPROBE_UNIX_SOCKET]
        --wait DURATION       retry until healthy or DURATION has passed, a last attempt at its end;
                              SIGTERM/SIGINT stop it [HEALTHPROBE_WAIT]
        --interval DURATION   between --wait attempts [HEALTHPROBE_INTERVAL, default 1s]
    -h, --help                print this help
    -V, --version             print the version

HTTPS (builds with the `tls` feature; https:// targets only):
        --cacert FILE         trust these PEM CA certificates instead of the built-in roots [HEALTHPROBE_CACERT]
        --insecure            do not verify the server's certificate [HEALTHPROBE_INSECURE=1]
        --servername NAME     TLS name (SNI, certificate check, Host) when probing by IP [HEALTHPROBE_SERVERNAME]
        --cert FILE, --key FILE   client certificate and key (PEM) for mTLS [HEALTHPROBE_CERT, HEALTHPROBE_KEY]

ENVIRONMENT:
    PORT                      the app's port, for the default and path targets [default 3000]
    HEALTHPROBE_URL and the variables named with each option above.
    Proxy variables (HTTP_PROXY, NO_PROXY, ...) are ignored: the probe talks to its target directly.

EXIT STATUS (the first word of the report is the category):
    0  healthy      the status is accepted and every body check holds
    1  unhealthy    the server answered, but the status or a body check failed
    1  unreachable  no usable HTTP answer (refused, reset, unknown name, not HTTP)
    1  timeout      the deadline passed
    1  error        the configuration is wrong

EXAMPLES:
    HEALTHCHECK --interval=12s --timeout=5s CMD [\"/usr/local/bin/healthprobe\"]
    healthprobe --ready --json /checks/db=ok -t 2s
"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// No variable of ours may ever have a service-link shape: it would be ignored.
    #[test]
    fn no_variable_of_ours_looks_like_a_service_link() {
        let env = |_: &str| Some(OsString::from("tcp://10.0.0.7:80"));
        for name in KNOWN_VARIABLES {
            assert!(!is_service_link(name, &env), "{name}");
        }
    }
}
