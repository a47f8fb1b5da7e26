//! Extra request headers: `-H 'Name: value'` and `--secret-header 'Name:/path/to/file'`.

use std::fmt;
use std::fs;

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

    /// Parses `Name:/path/to/file` and reads the value from the file, trimming one trailing
    /// newline as `echo` or a secrets manager leaves it. Errors name the file, never the
    /// value.
    pub fn parse_secret(text: &str) -> Result<Header, String> {
        let (name, path) = split(text, "Name:/path/to/file")?;
        if path.is_empty() {
            return Err(format!("{name}: no file named (Name:/path/to/file)"));
        }
        let bytes = fs::read(path)
            .map_err(|e| format!("{name}: cannot read {path:?}: {}", io_reason(&e)))?;
        if bytes.len() > 8192 {
            return Err(format!("{name}: {path:?} is larger than 8 KiB"));
        }
        let value =
            String::from_utf8(bytes).map_err(|_| format!("{name}: {path:?} is not UTF-8 text"))?;
        let value = value
            .strip_suffix('\n')
            .map(|v| v.strip_suffix('\r').unwrap_or(v))
            .unwrap_or(&value);
        if value.trim().is_empty() {
            return Err(format!("{name}: {path:?} is empty"));
        }
        check_value(value).map_err(|why| format!("{name}: the value in {path:?} {why}"))?;
        Ok(Header {
            name: name.to_string(),
            value: value.to_string(),
            secret: true,
        })
    }

    /// The value as reports may show it.
    pub fn shown_value(&self) -> &str {
        if self.secret {
            "[redacted]"
        } else {
            &self.value
        }
    }
}

/// Replaces every secret header value in `text`: a server may echo a request header back,
/// and nothing that reaches a report may carry a secret.
pub fn scrub(text: &str, headers: &[Header]) -> String {
    headers
        .iter()
        .filter(|h| h.secret && !h.value.is_empty())
        .fold(text.to_string(), |text, h| {
            text.replace(&h.value, "[redacted]")
        })
}

fn split<'a>(text: &'a str, form: &str) -> Result<(&'a str, &'a str), String> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(format!(
            "{:?} is not {form}",
            crate::checks::excerpt(text, 100)
        ));
    };
    let name = name.trim();
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || name.len() > 256 || !name.bytes().all(is_token) {
        return Err(format!(
            "{:?} is not a header name",
            crate::checks::excerpt(name, 100)
        ));
    }
    Ok((name, value.trim()))
}

/// Refuses what would end the header early (CR, LF: header injection) or that no server
/// accepts (other control characters).
fn check_value(value: &str) -> Result<(), &'static str> {
    if value.contains(['\r', '\n', '\0']) {
        return Err("contains CR, LF or NUL");
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err("contains control characters");
    }
    if value.len() > 8192 {
        return Err("is longer than 8 KiB");
    }
    Ok(())
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
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
