//! What a row of the protocol table ([`super::SCHEMES`]) says of a scheme, and what is
//! derived from it: the URL's shape (in `--help` and in the error for a target written
//! otherwise), `--help`'s TARGET line, whether this build speaks it, and its fuzz target.

use crate::judge::outcome::Said;
use crate::net::{Bounded, Unread};
use crate::sanitize::Secrets;

/// How a scheme is spoken: the kind of target it makes.
#[derive(Debug)]
pub enum Speak {
    /// HTTP through ureq; `tls` for `https://` (the `tls` build).
    Http { tls: bool },
    /// Nothing at all: healthy when a TCP connection is accepted.
    Connect,
    /// The gRPC health service (`grpc.health.v1.Health/Check`) over HTTP/2; `tls` for
    /// `grpcs://` (the `tls` build). The URL's path names the service asked about.
    Grpc { tls: bool },
    /// A file's state (`file://`): a `stat`, nothing read.
    File,
    /// A server's own first bytes (`protocol`, as reports name it), judged by `check`.
    Reply {
        protocol: &'static str,
        check: Check,
    },
}

/// A protocol's check: its first bytes on the bounded reader, and the reply judged. Server
/// text in the judgement is redacted of the secrets.
pub type Check = fn(&mut Bounded, &Secrets) -> Result<Said, Unread>;

/// A row of the protocol table: everything that is true of a scheme.
#[derive(Debug)]
pub struct Scheme {
    /// The URL schemes; the first is the one shown, the others are aliases.
    pub names: &'static [&'static str],
    /// The port a URL without one means (`None`: a port must be given).
    pub port: Option<u16>,
    /// `--help`'s words for it (a `\n` continues under the same column).
    pub usage: &'static str,
    pub speak: Speak,
}

impl Scheme {
    pub fn name(&self) -> &'static str {
        self.names[0]
    }

    /// Whether TLS is spoken (`https://`, `grpcs://`).
    pub fn is_tls(&self) -> bool {
        matches!(
            self.speak,
            Speak::Http { tls: true } | Speak::Grpc { tls: true }
        )
    }

    /// Whether this build speaks it: TLS only with the `tls` feature.
    pub fn available(&self) -> bool {
        cfg!(feature = "tls") || !self.is_tls()
    }

    /// How a URL of this scheme is written: `postgres://HOST[:PORT]`,
    /// `tcp://HOST:PORT`, `grpc://HOST[:PORT][/SERVICE]`, `http://HOST[:PORT]/PATH`.
    pub fn shape(&self) -> String {
        if let Speak::File = self.speak {
            return format!("{}:///PATH[?max-age=DURATION]", self.name());
        }
        let port = match self.port {
            Some(_) => "[:PORT]",
            None => ":PORT",
        };
        let after = match self.speak {
            Speak::Http { .. } => "/PATH",
            Speak::Grpc { .. } => "[/SERVICE]",
            Speak::Connect | Speak::File | Speak::Reply { .. } => "",
        };
        format!("{}://HOST{port}{after}", self.name())
    }

    /// `--help`'s TARGET line: the shape, the words, the aliases and the default port.
    pub fn help_line(&self, out: &mut String) {
        use std::fmt::Write;
        let shape = self.shape();
        let _ = match shape.len() + 2 > HELP_COLUMN - 4 {
            true => write!(out, "    {shape}{HELP_NEWLINE}"),
            false => write!(out, "    {shape:<0$}", HELP_COLUMN - 4),
        };
        out.push_str(&self.usage.replace('\n', HELP_NEWLINE));
        let mut open = " (";
        for alias in &self.names[1..] {
            let _ = write!(out, "{open}also {alias}://");
            open = ", ";
        }
        if let Some(port) = self.port {
            let _ = write!(out, "{open}default port {port}");
            open = ", ";
        }
        if open == ", " {
            out.push(')');
        }
        out.push('\n');
    }

    /// The fuzz target (`fuzz/fuzz_targets/`) that drives this scheme's exchange: a whole
    /// probe for HTTP and gRPC, the reply's judge for the others; none for `tcp://` and
    /// `file://`, which read nothing (a `file://` URL is the `target` target's).
    pub fn fuzz_target(&self) -> Option<&'static str> {
        match self.speak {
            Speak::Http { .. } => Some("http"),
            Speak::Grpc { .. } => Some("grpc"),
            Speak::Reply { .. } => Some(self.name()),
            Speak::Connect | Speak::File => None,
        }
    }
}

/// Where the words of `--help`'s TARGET and OPTIONS lines start.
pub const HELP_COLUMN: usize = 30;
/// A line break in `--help`'s words: the next line starts at [`HELP_COLUMN`].
pub const HELP_NEWLINE: &str = "\n                              ";

/// Rows are told apart by their names.
impl PartialEq for Scheme {
    fn eq(&self, other: &Scheme) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Scheme {}
