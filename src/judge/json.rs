//! `--json` matching without building the document: the body is walked along the pointer,
//! everything off the path is skipped, and the value found is compared as it streams by.
//!
//! A parsed `serde_json::Value` of a 64 KiB body can take several MiB (every object is a
//! map with its own nodes); walking keeps memory to the depth of the document, which
//! serde_json itself caps at 128.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// What a pointer found in a document.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    Missing,
    Equal,
    /// A different value, described for the report (`"down"`, `false`, `an object`): a
    /// scalar whole, as JSON, for the caller to redact and shorten.
    Differs(String),
}

/// Looks up `pointer` (RFC 6901, already validated) in `body` and compares the value
/// there with `expected`. Errors when the body is not JSON.
pub fn find(body: &[u8], pointer: &str, expected: &Value) -> Result<Found, serde_json::Error> {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut document = serde_json::Deserializer::from_slice(body);
    let found = Walk {
        tokens: &tokens,
        expected,
    }
    .deserialize(&mut document)?;
    document.end()?;
    Ok(found)
}

/// Descends along the remaining pointer tokens.
struct Walk<'a> {
    tokens: &'a [String],
    expected: &'a Value,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = Found;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Found, D::Error> {
        if self.tokens.is_empty() {
            Matcher(self.expected).deserialize(d)
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = Found;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if found.is_none() && key == self.tokens[0] {
                let next = Walk {
                    tokens: &self.tokens[1..],
                    expected: self.expected,
                };
                found = Some(map.next_value_seed(next)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found.unwrap_or(Found::Missing))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Found, A::Error> {
        // RFC 6901: an index is 0 or digits without a leading zero.
        let token = &self.tokens[0];
        let index = match token.parse::<usize>() {
            Ok(i) if token == "0" || !token.starts_with('0') => Some(i),
            _ => None,
        };
        let mut found = None;
        let mut i = 0;
        loop {
            if Some(i) == index && found.is_none() {
                let next = Walk {
                    tokens: &self.tokens[1..],
                    expected: self.expected,
                };
                match seq.next_element_seed(next)? {
                    Some(f) => found = Some(f),
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(found.unwrap_or(Found::Missing))
    }

    // A scalar has nothing inside it to point at.
    fn visit_bool<E>(self, _: bool) -> Result<Found, E> {
        Ok(Found::Missing)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Found, E> {
        Ok(Found::Missing)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Found, E> {
        Ok(Found::Missing)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Found, E> {
        Ok(Found::Missing)
    }
    fn visit_str<E>(self, _: &str) -> Result<Found, E> {
        Ok(Found::Missing)
    }
    fn visit_unit<E>(self) -> Result<Found, E> {
        Ok(Found::Missing)
    }
}

/// Compares the value under the cursor with the expected one, streaming.
struct Matcher<'a>(&'a Value);

impl<'de> DeserializeSeed<'de> for Matcher<'_> {
    type Value = Found;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Found, D::Error> {
        d.deserialize_any(self)
    }
}

impl Matcher<'_> {
    fn scalar(&self, found: Value) -> Found {
        let equal = match (self.0, &found) {
            // Numbers compare by value: 3 equals 3.0.
            (Value::Number(a), Value::Number(b)) => match (a.as_i128(), b.as_i128()) {
                (Some(a), Some(b)) => a == b,
                _ => a.as_f64() == b.as_f64(),
            },
            (expected, found) => expected == found,
        };
        if equal {
            Found::Equal
        } else {
            Found::Differs(found.to_string())
        }
    }
}

impl<'de> Visitor<'de> for Matcher<'_> {
    type Value = Found;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Found, E> {
        Ok(self.scalar(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Found, E> {
        Ok(self.scalar(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Found, E> {
        Ok(self.scalar(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Found, E> {
        Ok(self.scalar(Value::from(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Found, E> {
        Ok(self.scalar(Value::from(v)))
    }
    fn visit_unit<E>(self) -> Result<Found, E> {
        Ok(self.scalar(Value::Null))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found, A::Error> {
        let expected = self.0.as_object();
        let mut equal = expected.is_some();
        let mut seen = 0;
        while let Some(key) = map.next_key::<String>()? {
            match expected.and_then(|e| e.get(&key)) {
                Some(value) if equal => {
                    seen += 1;
                    equal = map.next_value_seed(Matcher(value))? == Found::Equal;
                }
                _ => {
                    equal = false;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let equal = equal && expected.is_some_and(|e| e.len() == seen);
        Ok(if equal {
            Found::Equal
        } else {
            Found::Differs("an object".to_string())
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Found, A::Error> {
        let expected = self.0.as_array();
        let mut equal = expected.is_some();
        let mut i = 0;
        loop {
            match expected.and_then(|e| e.get(i)) {
                Some(value) if equal => match seq.next_element_seed(Matcher(value))? {
                    Some(f) => equal = f == Found::Equal,
                    None => break,
                },
                _ => {
                    if seq.next_element::<IgnoredAny>()?.is_none() {
                        break;
                    }
                    equal = false;
                }
            }
            i += 1;
        }
        let equal = equal && expected.is_some_and(|e| e.len() == i);
        Ok(if equal {
            Found::Equal
        } else {
            Found::Differs("an array".to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DOC: &[u8] = br#"{"status":"ok","n":3,"a":[1,{"x/y":true,"t~":null}],"o":{"k":[1,2]}}"#;

    #[test]
    fn finds_along_the_pointer() {
        assert_eq!(find(DOC, "/status", &json!("ok")).unwrap(), Found::Equal);
        assert_eq!(find(DOC, "/n", &json!(3.0)).unwrap(), Found::Equal);
        assert_eq!(find(DOC, "/a/1/x~1y", &json!(true)).unwrap(), Found::Equal);
        assert_eq!(find(DOC, "/a/1/t~0", &json!(null)).unwrap(), Found::Equal);
        assert_eq!(
            find(DOC, "/o", &json!({"k": [1, 2]})).unwrap(),
            Found::Equal
        );
        assert_eq!(
            find(DOC, "", &serde_json::from_slice(DOC).unwrap()).unwrap(),
            Found::Equal
        );
    }

    #[test]
    fn reports_what_differs_or_is_missing() {
        assert_eq!(
            find(DOC, "/status", &json!("down")).unwrap(),
            Found::Differs("\"ok\"".into())
        );
        assert_eq!(
            find(DOC, "/o", &json!({"k": [1]})).unwrap(),
            Found::Differs("an object".into())
        );
        assert_eq!(
            find(DOC, "/o", &json!({})).unwrap(),
            Found::Differs("an object".into())
        );
        assert_eq!(
            find(DOC, "/a", &json!([1])).unwrap(),
            Found::Differs("an array".into())
        );
        assert_eq!(find(DOC, "/a/2", &json!(1)).unwrap(), Found::Missing);
        assert_eq!(find(DOC, "/a/01", &json!(1)).unwrap(), Found::Missing);
        assert_eq!(find(DOC, "/status/x", &json!(1)).unwrap(), Found::Missing);
        assert_eq!(find(DOC, "/nope", &json!(1)).unwrap(), Found::Missing);
    }

    #[test]
    fn rejects_what_is_not_json() {
        assert!(find(b"{\"a\":1} trailing", "/a", &json!(1)).is_err());
        assert!(find(&[b'['; 1000], "/a", &json!(1)).is_err());
        assert!(find(b"", "", &json!(1)).is_err());
    }
}
