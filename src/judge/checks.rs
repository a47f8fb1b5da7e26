//! The checks a response must pass to be healthy: its status, and optionally its body.

use serde_json::Value;

use super::json::{self, Found};
use super::status::StatusSet;
use crate::sanitize::{Secrets, excerpt, printable};

/// How many body bytes a body check may read. Health endpoints answer in a few hundred
/// bytes; the cap bounds memory and time whatever the server sends.
pub const BODY_CAP: usize = 64 * 1024;

/// Everything a response is judged by.
#[derive(Debug, Clone)]
pub struct Checks {
    pub status: StatusSet,
    /// The body must contain this text (`--body`).
    pub contains: Option<String>,
    /// Each of these must hold on the body parsed as JSON (`--json`).
    pub json: Vec<JsonCheck>,
}

/// `--json POINTER=VALUE`: the value at an RFC 6901 pointer must equal an expected value.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonCheck {
    pub pointer: String,
    pub expected: Value,
}

impl JsonCheck {
    /// Splits at the first `=`; the value is JSON when it parses as JSON, else a string, so
    /// that `/status=ok` and `/checks/db=true` both mean what they say.
    pub fn parse(text: &str) -> Result<JsonCheck, String> {
        let Some((pointer, value)) = text.split_once('=') else {
            return Err(format!("{text:?} is not POINTER=VALUE (e.g. /status=ok)"));
        };
        validate_pointer(pointer)?;
        let expected = serde_json::from_str(value).unwrap_or_else(|_| Value::from(value));
        Ok(JsonCheck {
            pointer: pointer.to_string(),
            expected,
        })
    }

    /// Why the body fails this check, or `None` when it holds. The value found is server
    /// text: redacted before it is shortened.
    fn failure(&self, body: &[u8], secrets: &Secrets) -> Option<String> {
        match json::find(body, &self.pointer, &self.expected) {
            Ok(Found::Equal) => None,
            Ok(Found::Missing) => Some(format!("{} is missing", self.shown_pointer())),
            Ok(Found::Differs(found)) => Some(format!(
                "{} is {}, expected {}",
                self.shown_pointer(),
                secrets.show(found.as_bytes(), 120),
                excerpt(&self.expected.to_string(), 120)
            )),
            Err(e) if e.is_eof() && body.iter().all(u8::is_ascii_whitespace) => {
                Some("the body is empty, not JSON".to_string())
            }
            Err(e) => Some(format!("the body is not JSON ({e})")),
        }
    }

    /// The operator's pointer, escaped like any text in a one-line report.
    fn shown_pointer(&self) -> String {
        if self.pointer.is_empty() {
            "the document".to_string()
        } else {
            printable(self.pointer.as_bytes(), 200)
        }
    }
}

fn validate_pointer(pointer: &str) -> Result<(), String> {
    if !(pointer.is_empty() || pointer.starts_with('/')) {
        return Err(format!(
            "{pointer:?} is not a JSON pointer (it starts with /, e.g. /status)"
        ));
    }
    let mut rest = pointer;
    while let Some(at) = rest.find('~') {
        rest = &rest[at + 1..];
        if !(rest.starts_with('0') || rest.starts_with('1')) {
            return Err(format!(
                "{pointer:?}: ~ must be followed by 0 or 1 (RFC 6901)"
            ));
        }
    }
    Ok(())
}

impl Checks {
    /// Whether the body must be read at all: without a body check it never is.
    pub fn need_body(&self) -> bool {
        self.contains.is_some() || !self.json.is_empty()
    }

    /// Judges a body already read (at most [`BODY_CAP`] bytes, `truncated` when there was
    /// more). Returns why it fails, or `None` when every body check holds.
    pub fn body_failure(&self, body: &[u8], truncated: bool, secrets: &Secrets) -> Option<String> {
        if !self.need_body() {
            return None;
        }
        if truncated {
            return Some(format!(
                "the body is larger than {} KiB, too large for a body check",
                BODY_CAP / 1024
            ));
        }
        if let Some(text) = &self.contains {
            // Byte search: a body need not be UTF-8 for a plain substring to be present.
            if !text.is_empty() && !body.windows(text.len()).any(|w| w == text.as_bytes()) {
                return Some(format!(
                    "the body does not contain {:?}",
                    excerpt(text, 120)
                ));
            }
        }
        self.json
            .iter()
            .find_map(|check| check.failure(body, secrets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks(json: &[&str]) -> Checks {
        Checks {
            status: StatusSet::parse("200").unwrap(),
            contains: None,
            json: json.iter().map(|c| JsonCheck::parse(c).unwrap()).collect(),
        }
    }

    #[test]
    fn json_values_are_json_when_they_parse() {
        let body = br#"{"status":"ok","checks":{"db":true},"n":3,"gone":null}"#;
        assert_eq!(
            checks(&["/status=ok", "/checks/db=true", "/n=3.0", "/gone=null"]).body_failure(
                body,
                false,
                &Secrets::default()
            ),
            None
        );
        assert_eq!(
            checks(&["/status=\"ok\""]).body_failure(body, false, &Secrets::default()),
            None,
            "a quoted JSON string equals the bare word"
        );
        assert_eq!(
            checks(&["/checks/db=false"])
                .body_failure(body, false, &Secrets::default())
                .unwrap(),
            "/checks/db is true, expected false"
        );
        assert_eq!(
            checks(&["/x=1"])
                .body_failure(body, false, &Secrets::default())
                .unwrap(),
            "/x is missing"
        );
        assert!(
            checks(&["/status=ok"])
                .body_failure(b"ok", false, &Secrets::default())
                .unwrap()
                .starts_with("the body is not JSON")
        );
    }

    #[test]
    fn pointers_are_validated() {
        assert!(JsonCheck::parse("status=ok").is_err());
        assert!(JsonCheck::parse("/a~2b=1").is_err());
        assert!(JsonCheck::parse("/a~1b=1").is_ok());
        assert!(JsonCheck::parse("/status").is_err());
        assert_eq!(
            JsonCheck::parse("/a=b=c").unwrap().expected,
            Value::from("b=c")
        );
    }
}
