//! The set of accepted HTTP status codes: `200`, `200-299,304`, `2xx,3xx`.

use std::fmt;

/// Accepted status codes, kept as the text the user wrote (for reports) and as ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSet {
    text: String,
    ranges: Vec<(u16, u16)>,
}

impl StatusSet {
    /// Parses a comma-separated list of codes (`204`), ranges (`200-299`) and classes
    /// (`2xx`). Every code must lie in 100..=599, the codes HTTP defines.
    pub fn parse(text: &str) -> Result<StatusSet, String> {
        let mut ranges = Vec::new();
        for item in text.split(',') {
            let item = item.trim();
            let range = match item.split_once('-') {
                Some((low, high)) => {
                    let (low, high) = (code(low.trim(), item)?, code(high.trim(), item)?);
                    if low > high {
                        return Err(format!("{item:?} is an empty range"));
                    }
                    (low, high)
                }
                None => match class(item) {
                    Some(class) => (class * 100, class * 100 + 99),
                    None => {
                        let single = code(item, item)?;
                        (single, single)
                    }
                },
            };
            ranges.push(range);
        }
        Ok(StatusSet {
            text: ranges
                .iter()
                .map(|&(low, high)| match (low, high) {
                    _ if low == high => low.to_string(),
                    _ if low % 100 == 0 && high == low + 99 => format!("{}xx", low / 100),
                    _ => format!("{low}-{high}"),
                })
                .collect::<Vec<_>>()
                .join(","),
            ranges,
        })
    }

    /// Whether `status` is one of the accepted codes.
    pub fn accepts(&self, status: u16) -> bool {
        self.ranges
            .iter()
            .any(|&(low, high)| (low..=high).contains(&status))
    }
}

impl fmt::Display for StatusSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn class(item: &str) -> Option<u16> {
    match item.as_bytes() {
        [digit @ b'1'..=b'5', b'x' | b'X', b'x' | b'X'] => Some(u16::from(digit - b'0')),
        _ => None,
    }
}

fn code(text: &str, item: &str) -> Result<u16, String> {
    let not_a_code =
        || format!("{item:?} is not a status code, range or class (e.g. 200, 200-299, 2xx)");
    if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_a_code());
    }
    match text.parse::<u16>() {
        Ok(code @ 100..=599) => Ok(code),
        _ => Err(format!("{item:?}: status codes run from 100 to 599")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_ranges_and_classes() {
        let set = StatusSet::parse("200-299, 304,5xx").unwrap();
        for ok in [200, 250, 299, 304, 500, 599] {
            assert!(set.accepts(ok), "{ok}");
        }
        for no in [199, 300, 303, 305, 404, 499] {
            assert!(!set.accepts(no), "{no}");
        }
        assert_eq!(set.to_string(), "2xx,304,5xx");
    }

    /// The default (`--status`'s row) is the kubelet's httpGet rule, so that Docker and
    /// Kubernetes agree on one app.
    #[test]
    fn default_is_the_kubelet_rule() {
        let default = crate::cli::flags::STATUS.default.unwrap();
        let set = StatusSet::parse(default).unwrap();
        assert!(set.accepts(200) && set.accepts(302) && set.accepts(399));
        assert!(!set.accepts(199) && !set.accepts(400));
        assert_eq!(set.to_string(), "200-399");
    }

    #[test]
    fn rejects_malformed_lists() {
        for bad in [
            "", "2oo", "20", "2000", "600", "099", "300-200", "2xx-3xx", ",", "200,", "6xx", "-",
            "200-", "+200",
        ] {
            assert!(StatusSet::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
