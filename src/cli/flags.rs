//! Every option, once: its spellings, its variable, the value it takes, its help line,
//! and which targets it is for. The parser, the known variables, `--help`, the
//! did-you-mean candidates and the rule that an option for HTTP (or HTTPS) targets needs
//! one all derive from [`FLAGS`]; nothing else lists options.

/// What an option takes after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takes {
    /// A switch.
    Nothing,
    /// One value, named so in `--help`.
    One(&'static str),
    /// A value each time it is given (repeatable).
    Many(&'static str),
}

/// Which targets an option is for: given with none of them among the targets, it is an
/// error rather than silently ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum For {
    Any,
    /// `http://` and `https://` targets.
    Http,
    /// `https://` targets (the `tls` build).
    Https,
}

/// One option.
#[derive(Debug)]
pub struct Flag {
    pub long: &'static str,
    pub short: Option<&'static str>,
    /// The environment variable that stands in for it; the flag wins.
    pub variable: Option<&'static str>,
    pub takes: Takes,
    /// `--help`'s words for it (a `\n` continues under the same column).
    pub help: &'static str,
    /// The default, as `--help` shows it.
    pub default: Option<&'static str>,
    pub applies: For,
}

impl Flag {
    /// The spellings pico-args is asked for.
    pub fn keys(&self) -> Keys {
        match self.short {
            Some(short) => Keys::Two([short, self.long]),
            None => Keys::One(self.long),
        }
    }

    /// Whether `word` names this option.
    pub fn is(&self, word: &str) -> bool {
        word == self.long || self.short == Some(word)
    }
}

/// A flag's spellings, as pico-args takes them.
pub enum Keys {
    One(&'static str),
    Two([&'static str; 2]),
}

const fn flag(long: &'static str, takes: Takes, help: &'static str) -> Flag {
    Flag {
        long,
        short: None,
        variable: None,
        takes,
        help,
        default: None,
        applies: For::Any,
    }
}

pub const READY: Flag = flag(
    "--ready",
    Takes::Nothing,
    "probe /health/ready instead of /health (default target only)",
);
pub const TIMEOUT: Flag = Flag {
    short: Some("-t"),
    variable: Some("HEALTHPROBE_TIMEOUT"),
    default: Some("3s"),
    ..flag(
        "--timeout",
        Takes::One("DURATION"),
        "overall deadline, e.g. 500ms, 2s, 2.5s, 1m30s",
    )
};
pub const STATUS: Flag = Flag {
    variable: Some("HEALTHPROBE_STATUS"),
    default: Some("200-399"),
    applies: For::Http,
    ..flag(
        "--status",
        Takes::One("LIST"),
        "accepted codes, e.g. 200 or 200-299,304 or 2xx,3xx",
    )
};
pub const BODY: Flag = Flag {
    variable: Some("HEALTHPROBE_BODY"),
    applies: For::Http,
    ..flag("--body", Takes::One("TEXT"), "the body must contain TEXT")
};
pub const JSON: Flag = Flag {
    applies: For::Http,
    ..flag(
        "--json",
        Takes::Many("POINTER=VALUE"),
        "the JSON body's value at POINTER must equal VALUE (repeatable)",
    )
};
pub const HEADER: Flag = Flag {
    short: Some("-H"),
    applies: For::Http,
    ..flag(
        "--header",
        Takes::Many("'Name: value'"),
        "extra request header, Host included (repeatable)",
    )
};
pub const SECRET_HEADER: Flag = Flag {
    applies: For::Http,
    ..flag(
        "--secret-header",
        Takes::Many("'Name:/path'"),
        "header whose value is read from a file, never printed (repeatable)\n\
         headers, secret ones included, go to every HTTP target of the run",
    )
};
pub const METHOD: Flag = Flag {
    default: Some("GET"),
    applies: For::Http,
    ..flag("--method", Takes::One("GET|HEAD"), "request method")
};
pub const QUIET: Flag = Flag {
    short: Some("-q"),
    ..flag("--quiet", Takes::Nothing, "print nothing when healthy")
};
pub const VERBOSE: Flag = Flag {
    short: Some("-v"),
    ..flag(
        "--verbose",
        Takes::Nothing,
        "also print address, timings, response head and body start",
    )
};
pub const FORMAT: Flag = Flag {
    variable: Some("HEALTHPROBE_FORMAT"),
    default: Some("text"),
    ..flag("--format", Takes::One("text|json"), "report format")
};
pub const UNIX_SOCKET: Flag = Flag {
    variable: Some("HEALTHPROBE_UNIX_SOCKET"),
    applies: For::Http,
    ..flag(
        "--unix-socket",
        Takes::One("PATH"),
        "send the request over this Unix socket; the URL gives Host and path",
    )
};
pub const WAIT: Flag = Flag {
    variable: Some("HEALTHPROBE_WAIT"),
    ..flag(
        "--wait",
        Takes::One("DURATION"),
        "retry until healthy or DURATION has passed, a last attempt at its end;\n\
         SIGTERM/SIGINT/SIGHUP stop it",
    )
};
pub const INTERVAL: Flag = Flag {
    variable: Some("HEALTHPROBE_INTERVAL"),
    default: Some("1s"),
    ..flag(
        "--interval",
        Takes::One("DURATION"),
        "between --wait attempts",
    )
};
pub const HELP: Flag = Flag {
    short: Some("-h"),
    ..flag("--help", Takes::Nothing, "print this help")
};
pub const VERSION: Flag = Flag {
    short: Some("-V"),
    ..flag("--version", Takes::Nothing, "print the version")
};
pub const CACERT: Flag = Flag {
    variable: Some("HEALTHPROBE_CACERT"),
    applies: For::Https,
    ..flag(
        "--cacert",
        Takes::One("FILE"),
        "trust these PEM CA certificates instead of the built-in roots",
    )
};
pub const INSECURE: Flag = Flag {
    variable: Some("HEALTHPROBE_INSECURE"),
    applies: For::Https,
    ..flag(
        "--insecure",
        Takes::Nothing,
        "do not verify the server's certificate (the variable: 1/true/yes)",
    )
};
pub const SERVERNAME: Flag = Flag {
    variable: Some("HEALTHPROBE_SERVERNAME"),
    applies: For::Https,
    ..flag(
        "--servername",
        Takes::One("NAME"),
        "TLS name (SNI, certificate check, Host) when probing by IP",
    )
};
pub const CERT: Flag = Flag {
    variable: Some("HEALTHPROBE_CERT"),
    applies: For::Https,
    ..flag(
        "--cert",
        Takes::One("FILE"),
        "client certificate (PEM) for mTLS, with --key",
    )
};
pub const KEY: Flag = Flag {
    variable: Some("HEALTHPROBE_KEY"),
    applies: For::Https,
    ..flag("--key", Takes::One("FILE"), "its private key (PEM)")
};

/// Every option, in `--help`'s order.
pub const FLAGS: &[&Flag] = &[
    &READY,
    &TIMEOUT,
    &STATUS,
    &BODY,
    &JSON,
    &HEADER,
    &SECRET_HEADER,
    &METHOD,
    &QUIET,
    &VERBOSE,
    &FORMAT,
    &UNIX_SOCKET,
    &WAIT,
    &INTERVAL,
    &HELP,
    &VERSION,
    &CACERT,
    &INSECURE,
    &SERVERNAME,
    &CERT,
    &KEY,
];

/// The variable that stands for the TARGETs; no option takes its place.
pub const URL_VARIABLE: &str = "HEALTHPROBE_URL";
/// The app's own port, for the default and path targets.
pub const PORT_VARIABLE: &str = "PORT";

/// The environment variables healthprobe reads, as the starts of `NAME=value` entries: the
/// process keeps only these (`sys::process::variables`).
pub const VARIABLES: &[&str] = &["HEALTHPROBE_", "PORT="];

/// Whether `name` is a `HEALTHPROBE_*` variable healthprobe reads.
pub fn is_known_variable(name: &str) -> bool {
    name == URL_VARIABLE || FLAGS.iter().any(|f| f.variable == Some(name))
}

/// Every `HEALTHPROBE_*` variable read, for did-you-mean.
pub fn known_variables() -> impl Iterator<Item = &'static str> {
    std::iter::once(URL_VARIABLE).chain(FLAGS.iter().filter_map(|f| f.variable))
}
