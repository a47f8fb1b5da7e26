//! The command line and the environment, read into a [`Plan`]. Every option is a row of
//! [`flags::FLAGS`]; it is parsed here and nowhere else, and a flag wins over its
//! environment variable. Where each value takes effect: `probe::Plan`'s fields.

pub mod flags;
pub mod help;
mod suggest;

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use pico_args::Arguments;

use crate::duration;
use crate::judge::checks::{Checks, JsonCheck};
use crate::judge::status::StatusSet;
use crate::probe::Plan;
use crate::protocol::http::header::{self, Header};
use crate::protocol::http::{HttpSpec, Method};
use crate::protocol::target::{self, Target};
use crate::protocol::tls::{self, TlsOptions};
use crate::protocol::{Request, SCHEMES};
use crate::report::{Format, Verbosity};
use flags::{FLAGS, Flag, For, Keys};

/// What the process was asked to do.
pub enum Command {
    Help(String),
    Version,
    /// `--install PATH`: copy this binary there (`crate::install`); `--parents`.
    Install {
        path: PathBuf,
        parents: bool,
    },
    Probe(Box<Plan>),
}

/// A configuration error, with the format it should be reported in (when that much of
/// the configuration could be read).
#[derive(Debug)]
pub struct Rejected {
    pub reason: String,
    pub format: Format,
    /// Whether a `-- COMMAND` was given: then reports go to stderr, stdout being the
    /// app's, this one too.
    pub exec: bool,
}

/// Reads the arguments (without the program name) and the environment: `env` looks a
/// variable up, `names` are the names of the `HEALTHPROBE_*` variables set.
pub fn parse(
    args: Vec<OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
    names: &[String],
) -> Result<Command, Rejected> {
    let (args, command) = split_command(args);
    let exec = command.is_some();
    let reject = |reason, format| Rejected {
        reason,
        format,
        exec,
    };
    let mut cli = Cli::new(args);
    // The format comes first, so that every later error is reported in it.
    let format = cli.value(env, &flags::FORMAT).and_then(|f| {
        f.read(|value| match value {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            other => Err(format!("{:?} is not text or json", short(other))),
        })
    });
    let format = match format {
        Ok(format) => format,
        Err(reason) => return Err(reject(reason, Format::Text)),
    };
    if cli.flag(&flags::HELP) {
        return Ok(Command::Help(help::text()));
    }
    if cli.flag(&flags::VERSION) {
        return Ok(Command::Version);
    }
    // A typo in an image's ENV must not fall back to a default without a word.
    if let Some(name) = names
        .iter()
        .find(|n| !flags::is_known_variable(n) && !is_service_link(n, env))
    {
        let hint = unknown_variable_hint(name);
        let name = short(name);
        return Err(reject(format!("unknown variable {name}{hint}"), format));
    }
    if let Some(install) = cli
        .option(env, &flags::INSTALL)
        .map_err(|e| reject(e, format))?
    {
        return install_command(cli, install.value, exec).map_err(|e| reject(e, format));
    }
    plan(cli, env, format, command)
        .map(|plan| Command::Probe(Box::new(plan)))
        .map_err(|reason| reject(reason, format))
}

/// `--install PATH [--parents]`, alone: no TARGET, no `-- COMMAND`, no other option
/// (`-q`, `--format` aside) has a meaning there.
fn install_command(mut cli: Cli, path: String, exec: bool) -> Result<Command, String> {
    let parents = cli.flag(&flags::PARENTS);
    if exec {
        return Err("--install takes no -- COMMAND".to_string());
    }
    if let Some(other) = cli.args.finish().first() {
        return Err(format!(
            "--install takes nothing else: {:?}",
            short(&other.to_string_lossy())
        ));
    }
    if path.is_empty() {
        return Err("--install: the path is empty".to_string());
    }
    Ok(Command::Install {
        path: PathBuf::from(path),
        parents,
    })
}

/// What an unknown `HEALTHPROBE_*` (or `healthprobe_*`) variable was most likely meant to
/// be: ours in upper case (names are case-sensitive: a lower-case one would be ignored
/// without a word), the app's `PORT` (`HEALTHPROBE_PORT=8080`), else the nearest name.
fn unknown_variable_hint(name: &str) -> String {
    let upper = name.to_ascii_uppercase();
    if upper != name && flags::is_known_variable(&upper) {
        return format!("; variable names are upper case: {upper}");
    }
    if name.strip_prefix("HEALTHPROBE_") == Some(flags::PORT_VARIABLE) {
        let port = flags::PORT_VARIABLE;
        return format!("; did you mean {port}? (the app's port, which the default target uses)");
    }
    match suggest::nearest(&upper, flags::known_variables()) {
        Some(known) => format!("; did you mean {known}?"),
        None => " (see --help for the variables)".to_string(),
    }
}

/// The arguments before the first `--`, and the COMMAND and its arguments after it,
/// untouched: they are the command's, not ours (`healthprobe --wait 60s URL -- node -v`).
fn split_command(mut args: Vec<OsString>) -> (Vec<OsString>, Option<Vec<OsString>>) {
    match args.iter().position(|a| a == "--") {
        Some(at) => {
            let command = args.split_off(at + 1);
            args.pop();
            (args, Some(command))
        }
        None => (args, None),
    }
}

fn plan(
    mut cli: Cli,
    env: &dyn Fn(&str) -> Option<OsString>,
    format: Format,
    command: Option<Vec<OsString>>,
) -> Result<Plan, String> {
    if command.as_ref().is_some_and(Vec::is_empty) {
        return Err("nothing after --: give the command to become once healthy \
             (-- node dist/index.js)"
            .to_string());
    }
    if cli.flag(&flags::PARENTS) {
        return Err("--parents goes with --install".to_string());
    }
    let ready = cli.flag(&flags::READY);
    let quiet = cli.flag(&flags::QUIET);
    let verbose = cli.flag(&flags::VERBOSE);
    let verbosity = match (quiet, verbose) {
        (true, true) => return Err("-q and -v contradict each other; choose one".to_string()),
        (true, false) => Verbosity::Quiet,
        (false, true) => Verbosity::Verbose,
        (false, false) => Verbosity::Normal,
    };
    let timeout = cli.value(env, &flags::TIMEOUT)?.read(duration::parse)?;
    let status = cli.value(env, &flags::STATUS)?.read(StatusSet::parse)?;
    let contains = cli
        .option(env, &flags::BODY)?
        .map(|given| {
            given.read(|text| match text {
                "" => Err("the text to look for is empty".to_string()),
                text => Ok(text.to_string()),
            })
        })
        .transpose()?;
    let json = cli
        .repeated(&flags::JSON)?
        .iter()
        .map(|text| JsonCheck::parse(text).map_err(|e| format!("--json: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut headers = cli
        .repeated(&flags::HEADER)?
        .iter()
        .map(|text| Header::parse(text).map_err(|e| format!("--header: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let secret_headers = cli.repeated(&flags::SECRET_HEADER)?;
    let hidden = secret_headers.len() + headers.iter().filter(|h| h.is_hidden()).count();
    if hidden > header::MAX_HIDDEN {
        return Err(format!(
            "{hidden} secret or credential headers: at most {} in one run",
            header::MAX_HIDDEN
        ));
    }
    for text in secret_headers {
        headers.push(Header::parse_secret(&text).map_err(|e| format!("--secret-header: {e}"))?);
    }
    let method = cli.value(env, &flags::METHOD)?.read(|m| match m {
        m if m.eq_ignore_ascii_case("GET") => Ok(Method::Get),
        m if m.eq_ignore_ascii_case("HEAD") => Ok(Method::Head),
        m => Err(format!("{:?} is not GET or HEAD", short(m))),
    })?;
    let checks = Checks {
        status,
        contains,
        json,
    };
    if method == Method::Head && checks.need_body() {
        return Err("--body and --json need a body, which HEAD never has".to_string());
    }
    let wait = cli
        .option(env, &flags::WAIT)?
        .map(|given| given.read(duration::parse))
        .transpose()?;
    let interval = cli.value(env, &flags::INTERVAL)?;
    if wait.is_none() && interval.given {
        return Err(format!("{} goes with --wait", interval.from));
    }
    let interval = interval.read(duration::parse)?;
    let success_threshold = cli.value(env, &flags::SUCCESS_THRESHOLD)?;
    let n = success_threshold.read(|text| match text.parse::<u32>() {
        Ok(n) if (1..=1000).contains(&n) => Ok(n),
        _ => Err(format!("{:?} is not a count from 1 to 1000", short(text))),
    })?;
    if n > 1 && wait.is_none() {
        return Err(format!("{} goes with --wait", success_threshold.from));
    }
    let mut text = |flag| -> Result<Option<String>, String> {
        Ok(cli.option(env, flag)?.map(|given| given.value))
    };
    let unix_socket = text(&flags::UNIX_SOCKET)?.map(std::path::PathBuf::from);
    let cacert = text(&flags::CACERT)?;
    let servername = text(&flags::SERVERNAME)?;
    let cert = text(&flags::CERT)?;
    let key = text(&flags::KEY)?;
    let insecure = cli.switch(env, &flags::INSECURE)?;
    let tls_options = TlsOptions {
        cacert,
        insecure,
        servername,
        cert,
        key,
    };
    // pico-args hands back the free arguments only once every option has been taken.
    let given = std::mem::take(&mut cli.given);
    let targets = resolve_targets(cli.free_targets()?, ready, env)?;
    applies(&given, &targets)?;
    let tls = tls::load(&tls_options, targets.iter().any(Target::is_tls))?;
    #[cfg(windows)]
    if unix_socket.is_some() {
        return Err(crate::sys::unix_socket::UNAVAILABLE.to_string());
    }
    if targets.len() > 1 && unix_socket.is_some() {
        return Err("--unix-socket takes a single target".to_string());
    }
    // The body is read only when a check needs it and the status is one it would accept.
    let body_if = checks.need_body().then(|| checks.status.clone());
    Ok(Plan {
        targets,
        timeout,
        checks,
        secrets: header::secrets(&headers),
        request: Request {
            headers,
            unix_socket,
        },
        tls,
        http: HttpSpec { method, body_if },
        wait,
        interval,
        success_threshold: n,
        format,
        verbosity,
        exec: command,
    })
}

/// An option for HTTP (or HTTPS) targets, given with none among the targets, is a
/// mistake, not a no-op: the one place that rule is kept, for every row of the table.
fn applies(given: &[&'static Flag], targets: &[Target]) -> Result<(), String> {
    for flag in given {
        match flag.applies {
            For::Http if !targets.iter().any(Target::is_http) => {
                return Err(format!(
                    "{}: for http:// targets only (not gRPC, tcp://, file://, a database's or a \
                     broker's)",
                    flag.long()
                ));
            }
            For::Request if !targets.iter().any(Target::has_request) => {
                return Err(format!(
                    "{}: for http:// and grpc:// targets only (not tcp://, file://, a database's \
                     or a broker's)",
                    flag.long()
                ));
            }
            For::Tls if !targets.iter().any(Target::is_tls) => {
                return Err(format!(
                    "{} applies to https:// and grpcs:// targets only",
                    flag.long()
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// An option's value and where it came from: the flag as spelt in `--help`, or the
/// variable. An error about the value names that, not a flag the user never typed.
struct Given {
    value: String,
    from: &'static str,
    /// Whether the user gave it: `false` for the row's default.
    given: bool,
}

impl Given {
    /// The value as `read` reads it; its error prefixed with where the value came from.
    fn read<T>(&self, read: impl FnOnce(&str) -> Result<T, String>) -> Result<T, String> {
        read(&self.value).map_err(|e| self.blame(e))
    }

    /// `e` prefixed with where the value came from. Apart from `read`, so that its
    /// formatting is not repeated in every reader's copy of `read`.
    #[inline(never)]
    fn blame(&self, e: String) -> String {
        format!("{}: {e}", self.from)
    }
}

/// A switch's yes/no environment variable (`HEALTHPROBE_INSECURE=1`).
fn yes_or_no(env: &dyn Fn(&str) -> Option<OsString>, flag: &Flag) -> Result<bool, String> {
    let Some(name) = flag.variable else {
        return Ok(false);
    };
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

/// The command line being read: pico-args, asked about the table's options.
struct Cli {
    args: Arguments,
    /// The options the arguments name (`--timeout=5s` names `--timeout`); `None` when an
    /// argument is not UTF-8, and only pico-args can tell what it is. pico-args checks
    /// each option asked of it against every argument, UTF-8 validation included, so
    /// it is asked only about options that appear (see docs/performance.md).
    named: Option<Vec<String>>,
    /// The options given, by flag or variable, for the rule of which targets they are for.
    given: Vec<&'static Flag>,
    /// Every option asked about: in the unit tests, the free arguments are handed back
    /// only once every row of the table has been read.
    #[cfg(test)]
    asked: Vec<&'static str>,
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
            named,
            given: Vec::new(),
            #[cfg(test)]
            asked: Vec::new(),
        }
    }

    /// Whether no argument names `flag`: then pico-args need not be asked. Every read of
    /// an option starts here.
    fn absent(&mut self, flag: &'static Flag) -> bool {
        #[cfg(test)]
        self.asked.push(flag.long());
        self.named
            .as_ref()
            .is_some_and(|named| !named.iter().any(|n| flag.is(n)))
    }

    /// A switch such as `--ready`.
    fn flag(&mut self, flag: &'static Flag) -> bool {
        debug_assert!(flag.value.is_empty(), "{}", flag.long());
        let on = !self.absent(flag)
            && match flag.keys() {
                Keys::Two(keys) => self.args.contains(keys),
                Keys::One(key) => self.args.contains(key),
            };
        if on {
            self.given.push(flag);
        }
        on
    }

    /// A switch that its variable may also turn on: the flag, else the variable.
    fn switch(
        &mut self,
        env: &dyn Fn(&str) -> Option<OsString>,
        flag: &'static Flag,
    ) -> Result<bool, String> {
        if self.flag(flag) {
            return Ok(true);
        }
        let on = yes_or_no(env, flag)?;
        if on {
            self.given.push(flag);
        }
        Ok(on)
    }

    /// A single-valued option: the flag, else its environment variable.
    fn option(
        &mut self,
        env: &dyn Fn(&str) -> Option<OsString>,
        flag: &'static Flag,
    ) -> Result<Option<Given>, String> {
        debug_assert!(!flag.value.is_empty() && !flag.repeats, "{}", flag.long());
        let value = if self.absent(flag) {
            None
        } else {
            match flag.keys() {
                Keys::Two(keys) => self.args.opt_value_from_fn(keys, keep),
                Keys::One(key) => self.args.opt_value_from_fn(key, keep),
            }
            .map_err(|e| pico_reason(e, flag.long()))?
        };
        let given = match (value, flag.variable) {
            (Some(value), _) => Some(Given {
                value,
                from: flag.long(),
                given: true,
            }),
            (None, Some(name)) => variable(env, name)?.map(|value| Given {
                value,
                from: name,
                given: true,
            }),
            (None, None) => None,
        };
        if given.is_some() {
            self.given.push(flag);
        }
        Ok(given)
    }

    /// A single-valued option with a default: the flag, else its variable, else the
    /// row's default, read like a given value.
    fn value(
        &mut self,
        env: &dyn Fn(&str) -> Option<OsString>,
        flag: &'static Flag,
    ) -> Result<Given, String> {
        let default = flag.default.map(|value| Given {
            value: value.to_string(),
            from: flag.long(),
            given: false,
        });
        let given = self.option(env, flag)?.or(default);
        given.ok_or_else(|| format!("{}: no value and no default", flag.long()))
    }

    /// A repeatable option.
    fn repeated(&mut self, flag: &'static Flag) -> Result<Vec<String>, String> {
        debug_assert!(flag.repeats, "{}", flag.long());
        if self.absent(flag) {
            return Ok(Vec::new());
        }
        let values = match flag.keys() {
            Keys::Two(keys) => self.args.values_from_fn(keys, keep),
            Keys::One(key) => self.args.values_from_fn(key, keep),
        }
        .map_err(|e| pico_reason(e, flag.long()))?;
        if !values.is_empty() {
            self.given.push(flag);
        }
        Ok(values)
    }

    /// The free arguments, once every option has been taken (pico-args hands them back
    /// only then): the TARGETs. Anything that looks like an option is repeated or unknown.
    fn free_targets(self) -> Result<Vec<String>, String> {
        #[cfg(test)]
        for flag in FLAGS {
            assert!(
                self.asked.contains(&flag.long()),
                "{} is never read",
                flag.long()
            );
        }
        let mut targets = Vec::new();
        for arg in self.args.finish() {
            let arg = utf8(&arg, "TARGET")?;
            if arg.starts_with('-') && arg.len() > 1 {
                // Only the option's name is quoted, never a value given with it
                // (`--heder=Authorization: Bearer …`, `-HAuthorization:…`).
                let name = arg.split('=').next().unwrap_or(&arg);
                let attached = (!name.starts_with("--") && name.len() > 2)
                    .then(|| &name[..name.char_indices().nth(2).map_or(name.len(), |(i, _)| i)]);
                let spellings = FLAGS
                    .iter()
                    .flat_map(|f| std::iter::once(f.long()).chain(f.short()));
                return Err(if let Some(flag) = FLAGS.iter().find(|f| f.is(name)) {
                    format!("{} is given more than once", flag.long())
                } else if let Some(flag) = attached.and_then(|s| FLAGS.iter().find(|f| f.is(s))) {
                    let short = flag.short().unwrap_or_default();
                    format!(
                        "{short} with its value attached: write {short} and the value apart \
                         ({short} VALUE)"
                    )
                } else {
                    // `-Xrest`: what follows the letter may be a value.
                    let shown = attached.map_or(name.to_string(), |s| format!("{s}…"));
                    match suggest::nearest(name, spellings) {
                        Some(meant) => {
                            format!("unknown option {:?}; did you mean {meant}?", short(&shown))
                        }
                        None => format!("unknown option {:?} (see --help)", short(&shown)),
                    }
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
            variable(env, flags::URL_VARIABLE)?.into_iter().collect(),
            flags::URL_VARIABLE,
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
        match variable(env, flags::PORT_VARIABLE)? {
            Some(p) => target::parse_port(&p).map_err(|e| format!("PORT: {e}"))?,
            None => flags::DEFAULT_PORT,
        }
    } else {
        flags::DEFAULT_PORT
    };
    texts
        .iter()
        .map(|text| Target::parse(text, port, SCHEMES).map_err(|e| format!("{source}: {e}")))
        .collect()
}

/// Whether `name` is one of the variables Kubernetes gives every pod for each Service in
/// its namespace (`enableServiceLinks`, on by default), or Docker's legacy links give for
/// a linked container, for a Service or link whose name starts with `healthprobe`:
/// `<S>_SERVICE_HOST`, `<S>_SERVICE_PORT`, `<S>_SERVICE_PORT_<NAME>`, `<S>_PORT`,
/// `<S>_PORT_<n>_<PROTO>` and that with `_PROTO`, `_PORT` or `_ADDR`, and a legacy link's
/// `<S>_NAME` and `<S>_ENV_<VARIABLE>`. They are not ours
/// and are ignored: refused, a Service named `healthprobe` would fail every probe in its
/// namespace. No variable of ours has one of these shapes (a test walks them all). A bare
/// `<S>_PORT` counts only with the value Kubernetes and Docker give it
/// (`tcp://10.0.0.7:80`): `HEALTHPROBE_PORT=8080` is a mistake to report, not to ignore.
fn is_service_link(name: &str, env: &dyn Fn(&str) -> Option<OsString>) -> bool {
    // `<S>` is `HEALTHPROBE` and whatever follows up to the shape; the shapes are told
    // apart from the end.
    let Some(rest) = name.strip_prefix("HEALTHPROBE") else {
        return false;
    };
    if rest.ends_with("_SERVICE_HOST") || rest.ends_with("_SERVICE_PORT") {
        return true;
    }
    // A legacy link's `<S>_NAME=/<container>/<alias>` and `<S>_ENV_<VARIABLE>` (each
    // variable of the linked container's image).
    if rest.ends_with("_NAME") {
        return env(name).is_some_and(|value| value.as_encoded_bytes().starts_with(b"/"));
    }
    if let Some((_, variable)) = rest.split_once("_ENV_") {
        return !variable.is_empty();
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
        name == flags::PORT_VARIABLE || flags::is_known_variable(name),
        "{name} is read but in no row of the table"
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
    crate::sanitize::excerpt(&target::hide_userinfo(text), 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `plan` reads every row of the option table: a row added but never read would be
    /// accepted and do nothing (`free_targets` asserts it in the unit tests).
    #[test]
    fn plan_reads_every_row_of_the_table() {
        let none = |_: &str| None;
        assert!(matches!(
            parse(Vec::new(), &none, &[]),
            Ok(Command::Probe(_))
        ));
        let args = ["--wait", "1s", "-t", "1s", "/health"]
            .map(OsString::from)
            .to_vec();
        assert!(matches!(parse(args, &none, &[]), Ok(Command::Probe(_))));
    }

    /// No variable of ours may ever have a service-link shape: it would be ignored.
    #[test]
    fn no_variable_of_ours_looks_like_a_service_link() {
        let env = |_: &str| Some(OsString::from("tcp://10.0.0.7:80"));
        for name in flags::known_variables() {
            assert!(!is_service_link(name, &env), "{name}");
        }
    }
}
