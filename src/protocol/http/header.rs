//! Extra request headers: `-H 'Name: value'` and `--secret-header 'Name:/path/to/file'`.

use std::fmt;

use crate::sanitize::{REDACTED, Secrets, WINDOW};
use crate::sys::file;

/// The longest header value accepted, from a file or the command line.
const MAX_VALUE: usize = 8192;

/// A request header. A secret one keeps its value out of every report.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
    pub secret: bool,
}

/// Deliberately never prints a secret value, so that no `{:?}` can leak one.
impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.shown_value())
    }
}

impl Header {
    /// Parses `Name: value`.
    pub fn parse(text: &str) -> Result<Header, String> {
        let (name, value) = split(text, "Name: value")?;
        check_value(value).map_err(|why| format!("{name}: the value {why}"))?;
        Ok(Header {
            name: name.to_string(),
            value: value.to_string(),
            secret: false,
        })
    }

    /// Parses `Name:/path/to/file` and reads the value from the file, trimmed of the
    /// spaces, tabs and line ends around it (as `echo` or a secrets manager leaves them,
    /// and as a server trims what it echoes). Errors name the file, never the value.
    pub fn parse_secret(text: &str) -> Result<Header, String> {
        let (name, path) = split(text, "Name:/path/to/file")?;
        if path.is_empty() {
            return Err(format!("{name}: no file named (Name:/path/to/file)"));
        }
        // A path that is no path (`Authorization: Bearer …`, a value given instead of a
        // file) would be the secret itself: only what starts like a path is quoted.
        let bytes = file::read_limited(path, MAX_VALUE as u64).map_err(|e| {
            if path.starts_with(['/', '.']) {
                format!("{name}: {e}")
            } else {
                format!(
                    "{name}: no readable file is named after the colon (not quoted: a value \
                     given instead of a path would be the secret); write {name}:/path/to/file"
                )
            }
        })?;
        let value =
            String::from_utf8(bytes).map_err(|_| format!("{name}: {path:?} is not UTF-8 text"))?;
        let value = value.trim_matches([' ', '\t', '\r', '\n']);
        if value.is_empty() {
            return Err(format!("{name}: {path:?} is empty"));
        }
        check_value(value).map_err(|why| format!("{name}: the value in {path:?} {why}"))?;
        if value.len() < WINDOW {
            return Err(format!(
                "{name}: the value in {path:?} is shorter than {WINDOW} bytes, too short to \
                 redact safely (it could stand inside ordinary words of a report); use a longer secret"
            ));
        }
        Ok(Header {
            name: name.to_string(),
            value: value.to_string(),
            secret: true,
        })
    }

    /// Whether reports must never show the value: a `--secret-header`, or a credential
    /// given with `-H` (`Authorization`, `Proxy-Authorization`, `Cookie`).
    pub fn is_hidden(&self) -> bool {
        self.secret || is_credential(&self.name)
    }

    /// The value as reports may show it.
    pub fn shown_value(&self) -> &str {
        if self.is_hidden() {
            REDACTED
        } else {
            &self.value
        }
    }
}

/// Headers whose values are credentials, in requests and (`Set-Cookie`) responses.
pub fn is_credential(name: &str) -> bool {
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    ]
    .iter()
    .any(|c| name.eq_ignore_ascii_case(c))
}

/// The most hidden headers a run takes: each adds its runs, in every escaped form, to
/// the table redaction searches, which is built before a probe starts; bounded, it takes
/// a few milliseconds at most (256 secrets of 8 KiB took 919 ms and 139 MB).
pub const MAX_HIDDEN: usize = 8;

/// What a server might echo back and no report may show: every hidden header value long
/// enough to redact (a `--secret-header` always is; see [`Header::parse_secret`]), and
/// for `Basic` credentials what they encode, `user:password` and the password alone, as
/// a server that decodes them may quote them (a password shorter than [`WINDOW`] bytes
/// cannot be redacted safely, and is not).
pub fn secrets(headers: &[Header]) -> Secrets {
    let mut values: Vec<String> = Vec::new();
    for h in headers.iter().filter(|h| h.is_hidden()) {
        values.push(h.value.clone());
        let basic = h
            .value
            .get(..6)
            .filter(|s| s.eq_ignore_ascii_case("basic "));
        if let Some(decoded) = basic
            .and_then(|_| crate::protocol::base64::decode(h.value[6..].trim().as_bytes()))
            .and_then(|bytes| String::from_utf8(bytes).ok())
        {
            if let Some((_, password)) = decoded.split_once(':') {
                values.push(password.to_string());
            }
            values.push(decoded);
        }
    }
    Secrets::new(
        values
            .iter()
            .filter(|v| v.len() >= WINDOW)
            .map(String::as_str),
    )
}

fn split<'a>(text: &'a str, form: &str) -> Result<(&'a str, &'a str), String> {
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    let is_name = |name: &str| !name.is_empty() && name.len() <= 256 && name.bytes().all(is_token);
    // An error names the header where it can, and quotes nothing else of the text: what
    // follows the name is a value, often a credential (`Authorization Bearer …`).
    let Some((name, value)) = text.split_once(':') else {
        let first = text.split([' ', '\t']).next().unwrap_or("");
        return Err(if is_name(first) && first.len() < text.len() {
            format!("{first}: not written {form} (a colon goes after the header name)")
        } else {
            format!("a header not written {form} (not quoted: it may hold a credential)")
        });
    };
    let name = name.trim();
    if !is_name(name) {
        return Err(format!(
            "a header whose name (before the first colon) is not a header name: letters, \
             digits and -, written {form} (not quoted: it may hold a credential)"
        ));
    }
    Ok((name, value.trim()))
}

/// Refuses what would end the header early (CR, LF: header injection) or that no server
/// accepts (other control characters).
///
/// And what is not ASCII: ureq refuses to send it, only once connected (so the server was
/// blamed), and gRPC metadata that is not `-bin` must be printable ASCII. One rule for
/// both, found before any connection.
fn check_value(value: &str) -> Result<(), &'static str> {
    if value.contains(['\r', '\n', '\0']) {
        return Err("contains CR, LF or NUL");
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err("contains control characters");
    }
    if !value.is_ascii() {
        return Err(
            "is not ASCII (HTTP headers and gRPC metadata carry ASCII: percent-encode or \
             base64 it)",
        );
    }
    if value.len() > MAX_VALUE {
        return Err("is longer than 8 KiB");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values() {
        let h = Header::parse("X-Probe:  yes ").unwrap();
        assert_eq!((h.name.as_str(), h.value.as_str()), ("X-Probe", "yes"));
        assert_eq!(Header::parse("Empty:").unwrap().value, "");
        for bad in [
            "NoColon",
            ": v",
            "Bad Name: v",
            "X: a\r\nEvil: 1",
            "X: a\nb",
            "X: \0",
            "Bad\u{e9}: v",
        ] {
            assert!(Header::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn secret_debug_is_redacted() {
        let h = Header {
            name: "A".into(),
            value: "s3cret".into(),
            secret: true,
        };
        assert!(!format!("{h:?}").contains("s3cret"));
    }
}
