//! Every option, once: its spellings, its variable, the value it takes, its help line,
//! and which targets it is for. The parser, the known variables, `--help`, the
//! did-you-mean candidates and the rule that an option for HTTP (or HTTPS) targets needs
//! one all derive from [`FLAGS`]; nothing else lists options.

/// Which targets an option is for: given with none of them among the targets, it is an
/// error rather than silently ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum For {
    Any,
    /// `http://` and `https://` targets: what is judged of an HTTP response.
    Http,
    /// Targets that send a request with headers: HTTP's, and gRPC's (its metadata).
    Request,
    /// `https://` and `grpcs://` targets (the `tls` build).
    Tls,
}

/// One option.
pub struct Flag {
    /// Its spellings as `--help` writes them: `"-t, --timeout"`, or `"--ready"`.
    pub names: &'static str,
    /// The environment variable that stands in for it; the flag wins.
    pub variable: Option<&'static str>,
    /// The value it takes, as `--help` names it; empty for a switch.
    pub value: &'static str,
    /// Whether it is given once per value (repeatable).
    pub repeats: bool,
    /// `--help`'s words for it (a `\n` continues under the same column).
    pub help: &'static str,
    /// The value it has when given neither by flag nor by variable, read as a given one
    /// is; `--help` and the README state it.
    pub default: Option<&'static str>,
    pub applies: For,
}

impl Flag {
    /// The long spelling, `--timeout`: how errors name the option.
    pub fn long(&self) -> &'static str {
        self.split().1
    }

    /// The short spelling, `-t`, if it has one.
    pub fn short(&self) -> Option<&'static str> {
        self.split().0
    }

    fn split(&self) -> (Option<&'static str>, &'static str) {
        match self.names.split_once(", ") {
            Some((short, long)) => (Some(short), long),
            None => (None, self.names),
        }
    }

    /// The spellings pico-args is asked for.
    pub fn keys(&self) -> Keys {
        match self.split() {
            (Some(short), long) => Keys::Two([short, long]),
            (None, long) => Keys::One(long),
        }
    }

    /// Whether `word` names this option.
    pub fn is(&self, word: &str) -> bool {
        let (short, long) = self.split();
        word == long || short == Some(word)
    }
}

/// A flag's spellings, as pico-args takes them.
pub enum Keys {
    One(&'static str),
    Two([&'static str; 2]),
}

/// A switch, or an option with one `value`, for any target; the rest by `..`.
const fn flag(names: &'static str, value: &'static str, help: &'static str) -> Flag {
    Flag {
        names,
        variable: None,
        value,
        repeats: false,
        help,
        default: None,
        applies: For::Any,
    }
}

pub static READY: Flag = flag(
    "--ready",
    "",
    "probe /health/ready instead of /health (default target only)",
);
pub static TIMEOUT: Flag = Flag {
    default: Some("3s"),
    variable: Some("HEALTHPROBE_TIMEOUT"),
    ..flag(
        "-t, --timeout",
        "DURATION",
        "overall deadline, e.g. 500ms, 2s, 2.5s, 1m30s",
    )
};
pub static STATUS: Flag = Flag {
    default: Some("200-399"),
    variable: Some("HEALTHPROBE_STATUS"),
    applies: For::Http,
    ..flag(
        "--status",
        "LIST",
        "accepted codes, e.g. 200 or 200-299,304 or 2xx,3xx",
    )
};
pub static BODY: Flag = Flag {
    variable: Some("HEALTHPROBE_BODY"),
    applies: For::Http,
    ..flag("--body", "TEXT", "the body must contain TEXT")
};
pub static JSON: Flag = Flag {
    applies: For::Http,
    repeats: true,
    ..flag(
        "--json",
        "POINTER=VALUE",
        "the JSON body's value at POINTER must equal VALUE (repeatable)",
    )
};
pub static HEADER: Flag = Flag {
    applies: For::Request,
    repeats: true,
    ..flag(
        "-H, --header",
        "'Name: value'",
        "extra request header or gRPC metadata, Host included (repeatable)",
    )
};
pub static SECRET_HEADER: Flag = Flag {
    applies: For::Request,
    repeats: true,
    ..flag(
        "--secret-header",
        "'Name:/path'",
        "header whose value is read from a file, never printed (repeatable)\n\
         headers, secret ones included, go to every HTTP and gRPC target",
    )
};
pub static METHOD: Flag = Flag {
    default: Some("GET"),
    applies: For::Http,
    ..flag("--method", "GET|HEAD", "request method")
};
pub static QUIET: Flag = Flag {
    ..flag("-q, --quiet", "", "print nothing when healthy")
};
pub static VERBOSE: Flag = Flag {
    ..flag(
        "-v, --verbose",
        "",
        "also print address, timings, response head and body start",
    )
};
pub static FORMAT: Flag = Flag {
    default: Some("text"),
    variable: Some("HEALTHPROBE_FORMAT"),
    ..flag("--format", "text|json", "report format")
};
pub static UNIX_SOCKET: Flag = Flag {
    variable: Some("HEALTHPROBE_UNIX_SOCKET"),
    applies: For::Request,
    ..flag(
        "--unix-socket",
        "PATH",
        "send the request over this Unix socket; the URL gives Host and path",
    )
};
pub static WAIT: Flag = Flag {
    variable: Some("HEALTHPROBE_WAIT"),
    ..flag(
        "--wait",
        "DURATION",
        "retry until healthy or DURATION has passed, a last attempt at its end;\n\
         SIGTERM/SIGINT/SIGHUP stop it",
    )
};
pub static INTERVAL: Flag = Flag {
    default: Some("1s"),
    variable: Some("HEALTHPROBE_INTERVAL"),
    ..flag("--interval", "DURATION", "between --wait attempts")
};
pub static SUCCESS_THRESHOLD: Flag = Flag {
    default: Some("1"),
    variable: Some("HEALTHPROBE_SUCCESS_THRESHOLD"),
    ..flag(
        "--success-threshold",
        "N",
        "with --wait: healthy only after N healthy attempts in a row",
    )
};
pub static HELP: Flag = Flag {
    ..flag("-h, --help", "", "print this help")
};
pub static VERSION: Flag = Flag {
    ..flag("-V, --version", "", "print the version")
};
pub static INSTALL: Flag = flag(
    "--install",
    "PATH",
    "copy this binary to PATH (atomically, mode 0755) and exit: to seed a volume\n\
     that an image without healthprobe mounts",
);
pub static PARENTS: Flag = flag(
    "--parents",
    "",
    "with --install: create PATH's missing directories",
);
pub static CACERT: Flag = Flag {
    variable: Some("HEALTHPROBE_CACERT"),
    applies: For::Tls,
    ..flag(
        "--cacert",
        "FILE",
        "trust these PEM CA certificates instead of the built-in roots",
    )
};
pub static INSECURE: Flag = Flag {
    variable: Some("HEALTHPROBE_INSECURE"),
    applies: For::Tls,
    ..flag("--insecure", "", "do not verify the server's certificate")
};
pub static SERVERNAME: Flag = Flag {
    variable: Some("HEALTHPROBE_SERVERNAME"),
    applies: For::Tls,
    ..flag(
        "--servername",
        "NAME",
        "TLS name (SNI, certificate check, Host) when probing by IP",
    )
};
pub static CERT: Flag = Flag {
    variable: Some("HEALTHPROBE_CERT"),
    applies: For::Tls,
    ..flag(
        "--cert",
        "FILE",
        "client certificate (PEM) for mTLS, with --key",
    )
};
pub static KEY: Flag = Flag {
    variable: Some("HEALTHPROBE_KEY"),
    applies: For::Tls,
    ..flag("--key", "FILE", "its private key (PEM)")
};

/// Every option, in `--help`'s order.
pub static FLAGS: &[&Flag] = &[
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
    &SUCCESS_THRESHOLD,
    &INSTALL,
    &PARENTS,
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
/// That port when `PORT` is not set: Node's (and Express's examples') usual 3000.
pub const DEFAULT_PORT: u16 = 3000;

/// The environment variables healthprobe reads, as the starts of `NAME=value` entries: the
/// process keeps only these (`sys::process::variables`). `PATH` is read only to find a
/// `-- COMMAND`, which gets the whole environment; `healthprobe_` only to say that
/// variable names are upper case.
pub const VARIABLES: &[&str] = &["HEALTHPROBE_", "PORT=", "PATH=", "healthprobe_"];

/// Whether `name` is a `HEALTHPROBE_*` variable healthprobe reads.
pub fn is_known_variable(name: &str) -> bool {
    name == URL_VARIABLE || FLAGS.iter().any(|f| f.variable == Some(name))
}

/// Every `HEALTHPROBE_*` variable read, for did-you-mean.
pub fn known_variables() -> impl Iterator<Item = &'static str> {
    std::iter::once(URL_VARIABLE).chain(FLAGS.iter().filter_map(|f| f.variable))
}
