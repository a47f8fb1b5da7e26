//! Durations as people write them on a command line: `250ms`, `2s`, `1.5s`, `1m`, `3`.

use std::time::Duration;

/// The longest duration accepted. A health probe that waits longer than an hour is a
/// configuration mistake, and the cap keeps every later `Instant + Duration` from overflowing.
pub const MAX: Duration = Duration::from_secs(3600);

/// Parses a positive duration. A bare number means seconds; the units are `ms`, `s`, `m`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let millis_per_unit: u64 = match unit {
        "" | "s" => 1000,
        "ms" => 1,
        "m" => 60_000,
        _ => {
            return Err(format!(
                "{text:?} is not a duration (try 250ms, 2s, 1.5s or 1m)"
            ));
        }
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !digits_ok(whole)
        || !digits_ok(fraction)
        || number.ends_with('.')
    {
        return Err(format!(
            "{text:?} is not a duration (try 250ms, 2s, 1.5s or 1m)"
        ));
    }
    // Integer arithmetic in microseconds: exact for every value we accept, and no float
    // surprises such as 0.1s becoming 99.999ms.
    let too_long = || format!("{text:?} is too long (at most {})", format(MAX));
    let max_micros = MAX.as_micros() as u64;
    let whole: u64 = if whole.is_empty() {
        0
    } else if whole.len() > 12 {
        return Err(too_long());
    } else {
        whole.parse().map_err(|_| too_long())?
    };
    let micros_per_unit = millis_per_unit * 1000;
    let mut micros = whole.checked_mul(micros_per_unit).ok_or_else(too_long)?;
    let mut scale = micros_per_unit;
    for digit in fraction.bytes().take(12) {
        scale /= 10;
        micros += u64::from(digit - b'0') * scale;
    }
    if micros > max_micros {
        return Err(too_long());
    }
    if micros < 1000 {
        return Err(format!("{text:?} is too short (at least 1ms)"));
    }
    Ok(Duration::from_micros(micros))
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
    }

    #[test]
    fn rejects_zero_negative_absurd_and_malformed() {
        for bad in [
            "",
            "0",
            "0s",
            "0.0001",
            "-1s",
            "1h",
            "61m",
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
    }

    #[test]
    fn formats_round_trip() {
        for text in ["3s", "250ms", "1.5s", "2m", "1.25s", "90s"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }
}
