//! Durations as Docker and Kubernetes write them: `250ms`, `2s`, `2.5s`, `1m30s`, `1h`, and
//! a bare number of seconds, `3`.

use std::time::Duration;

/// The longest duration accepted. A health probe that waits longer than an hour is a
/// configuration mistake, and the cap keeps every later `Instant + Duration` from overflowing.
pub const MAX: Duration = Duration::from_secs(3600);

/// What a bad duration's error shows.
const FORMS: &str = "forms: 500ms, 2s, 2.5s, 1m30s, 1h; a bare number is seconds";

/// Parses a positive duration: one or more number-unit pairs (`h`, `m`, `s`, `ms`, each
/// number with an optional fraction), or a bare number of seconds; from 1 ms to [`MAX`].
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad = || format!("{text:?} is not a duration ({FORMS})");
    let too_long = || format!("{text:?} is too long (at most {})", format(MAX));
    let mut rest = text;
    let mut micros: u64 = 0;
    loop {
        let split = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(split);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let micros_per_unit: u64 = match unit {
            // A bare number is seconds, but only on its own: `1m30` is a mistake.
            "" if number.len() == text.len() => 1_000_000,
            "h" => 3_600_000_000,
            "m" => 60_000_000,
            "s" => 1_000_000,
            "ms" => 1000,
            _ => return Err(bad()),
        };
        micros = micros
            .checked_add(pair_micros(number, micros_per_unit).ok_or_else(bad)?)
            .ok_or_else(too_long)?;
        if micros > MAX.as_micros() as u64 {
            return Err(too_long());
        }
        if after.is_empty() {
            break;
        }
        rest = after;
    }
    if micros < 1000 {
        return Err(format!("{text:?} is too short (at least 1ms)"));
    }
    Ok(Duration::from_micros(micros))
}

/// `number` (digits, an optional fraction) times `micros_per_unit`, in integer arithmetic:
/// exact for every value accepted, so 0.1s is 100ms, not 99.999ms. `None` if malformed; a
/// number too large comes back as `u64::MAX`, which the caller refuses as too long.
fn pair_micros(number: &str, micros_per_unit: u64) -> Option<u64> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !digits_ok(whole)
        || !digits_ok(fraction)
        || number.ends_with('.')
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else if whole.len() > 12 {
        return Some(u64::MAX);
    } else {
        whole.parse().ok()?
    };
    let mut micros = whole.saturating_mul(micros_per_unit);
    let mut scale = micros_per_unit;
    for digit in fraction.bytes().take(12) {
        scale /= 10;
        micros = micros.saturating_add(u64::from(digit - b'0') * scale);
    }
    Some(micros)
}

/// Formats a duration the way [`parse`] reads it, in the largest unit that keeps it exact
/// to the millisecond: `3s`, `250ms`, `1.5s`, `2m`.
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if ms >= 60_000 && ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else if ms >= 1000 {
        let text = format!("{}.{:03}", ms / 1000, ms % 1000);
        format!("{}s", text.trim_end_matches('0'))
    } else {
        format!("{ms}ms")
    }
}

/// Formats an elapsed time for people: `0.8 ms`, `12 ms`, `1.25 s`.
pub fn human(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_documented_form() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse(".5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("60m"), Ok(MAX));
        assert_eq!(parse("1h"), Ok(MAX));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("2.5s"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse("1s500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("59m59.999s"), Ok(MAX - Duration::from_millis(1)));
    }

    #[test]
    fn rejects_zero_negative_absurd_and_malformed() {
        for bad in [
            "",
            "0",
            "0s",
            "0.0001",
            "-1s",
            "1h1s",
            "2h",
            "61m",
            "1m30",
            "1m 30s",
            "5sec",
            "1d",
            "1e3",
            "1.",
            "s",
            "1..5",
            "9999999999999",
            "1 s",
            "ms",
            "0.5ms",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse("5sec").unwrap_err().contains("1m30s"));
    }

    #[test]
    fn formats_round_trip() {
        for text in ["3s", "250ms", "1.5s", "2m", "1.25s", "90s"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }
}
