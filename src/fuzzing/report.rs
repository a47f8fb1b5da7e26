//! What every report promises, asserted: its size, its lines, escaping, and no run of a
//! secret.

use crate::judge::verdict::{Category, Verdict};
use crate::report::{self, Format, MAX_OUTPUT, Verbosity};
use crate::sanitize::{self, REDACTED, WINDOW};

/// Asserts what every report promises (README, Reliability): at most [`MAX_OUTPUT`] bytes;
/// text is one verdict line starting with a category word, then `-v`'s indented lines,
/// JSON one object on one line; nothing a terminal would act on (control characters,
/// Unicode format characters, line separators — escaping it again changes nothing); and
/// no run of [`WINDOW`] bytes of a secret.
pub fn assert_report(out: &str, format: Format, secrets: &[&str]) {
    assert!(out.len() <= MAX_OUTPUT, "{} bytes: {out:?}", out.len());
    if out.is_empty() {
        return;
    }
    assert!(out.ends_with('\n'), "not whole lines: {out:?}");
    let lines: Vec<&str> = out[..out.len() - 1].split('\n').collect();
    for line in &lines {
        assert_eq!(sanitize::escape(line), *line, "unescaped: {out:?}");
        assert!(
            !line.contains(char::is_control),
            "control character: {out:?}"
        );
    }
    match format {
        Format::Text => {
            let starts = |c: &Category| lines[0].starts_with(&format!("{}: ", c.word()));
            assert!(Category::ALL.iter().any(starts), "{out:?}");
            assert!(lines[1..].iter().all(|l| l.starts_with("  ")), "{out:?}");
        }
        Format::Json => {
            assert_eq!(lines.len(), 1, "{out:?}");
            let value: serde_json::Value = serde_json::from_str(lines[0]).expect("valid JSON");
            assert!(value["result"].is_string(), "{out:?}");
        }
    }
    for secret in secrets {
        assert_no_run(out.as_bytes(), secret.as_bytes());
    }
}

/// No [`WINDOW`]-byte run of `secret` (ASCII case folded) stands in `text`, except where
/// it overlaps what the probe itself wrote there: a `[redacted]`, an escape (`\u{1a}`), a
/// cut's `…`. Those can complete a run of a secret that happens to hold their characters
/// without showing anything of it (the server's own bytes are checked before they are
/// escaped, in `redaction`).
pub(super) fn assert_no_run(text: &[u8], secret: &[u8]) {
    if let Some(at) = shown_run(text, secret, |text| written_by_us(text, true)) {
        panic!(
            "a run of a secret shows at {at}: {:?}",
            String::from_utf8_lossy(text)
        );
    }
}

/// Where a run of `secret` stands in `text` outside what `ours` finds the probe wrote
/// there, if anywhere.
pub(super) fn shown_run(
    text: &[u8],
    secret: &[u8],
    ours: impl Fn(&[u8]) -> Vec<std::ops::Range<usize>>,
) -> Option<usize> {
    let text = text.to_ascii_lowercase();
    let secret = secret.to_ascii_lowercase();
    // Runs as numbers, sorted: the check runs on every report of every fuzzed input.
    let number = |run: &[u8]| u64::from_le_bytes(run.try_into().expect("a run"));
    let mut runs: Vec<u64> = secret.windows(WINDOW).map(number).collect();
    runs.sort_unstable();
    let ours = ours(&text);
    let covered = |at: usize| ours.iter().any(|r| r.start < at + WINDOW && at < r.end);
    (text.windows(WINDOW).enumerate())
        .find(|&(at, run)| runs.binary_search(&number(run)).is_ok() && !covered(at))
        .map(|(at, _)| at)
}

/// Where `text` holds a `[redacted]`, and once `escaped` for a report, a `…` (after what
/// is left of a `[redacted]` it cut), a U+FFFD, or an escape of `sanitize::escape`'s kind
/// (`\n`, `\r`, `\t`, `\u{…}`).
pub(super) fn written_by_us(text: &[u8], escaped: bool) -> Vec<std::ops::Range<usize>> {
    let mut ours = Vec::new();
    for at in 0..text.len() {
        let rest = &text[at..];
        // A cut may end a report inside a `[redacted]`: `[redac…`.
        let cut_marker = (1..REDACTED.len()).find(|&k| {
            escaped
                && rest.starts_with(&REDACTED.as_bytes()[..k])
                && rest[k..].starts_with("…".as_bytes())
        });
        let len = if rest.starts_with(REDACTED.as_bytes()) {
            REDACTED.len()
        } else if let Some(k) = cut_marker {
            k + "…".len()
        } else if !escaped {
            0
        } else if rest.starts_with("…".as_bytes()) {
            "…".len()
        } else if rest.starts_with("\u{FFFD}".as_bytes()) {
            // What a report shows for each byte of a server's that is not UTF-8.
            "\u{FFFD}".len()
        } else if rest.starts_with(b"\\") {
            escape_len(rest)
        } else {
            0
        };
        if len > 0 {
            ours.push(at..at + len);
        }
    }
    ours
}

/// The length of the escape `text` starts with (`\u{1b}`, `\n`), or of what a cut left
/// of one before its `…` (`\u{1…`); 0 if it starts with none.
fn escape_len(text: &[u8]) -> usize {
    if matches!(text.get(1), Some(b'n' | b'r' | b't')) {
        return 2;
    }
    let body = text[1..]
        .iter()
        .take_while(|b| b.is_ascii_hexdigit() || matches!(b, b'u' | b'{'))
        .count();
    let after = &text[1 + body..];
    if text[1..].starts_with(b"u{") && after.starts_with(b"}") {
        1 + body + 1
    } else if after.starts_with("…".as_bytes()) && body <= "u{10ffff".len() {
        1 + body + "…".len()
    } else {
        0
    }
}

/// Renders `verdict` every way a run can (text and JSON, normal and `-v`) and asserts
/// each report's promises.
pub(super) fn assert_reports(verdict: &Verdict, secrets: &[&str]) {
    for format in [Format::Text, Format::Json] {
        for verbosity in [Verbosity::Normal, Verbosity::Verbose] {
            assert_report(&report::render(verdict, format, verbosity), format, secrets);
        }
    }
}

/// A configuration error as the run reports it, asserted.
pub(super) fn assert_rejected(reason: String, secrets: &[&str]) {
    assert_reports(&Verdict::config_error(reason), secrets);
}

/// Whether `error` quotes `part` of the input: it holds `part`, and the error for the
/// input with `part` replaced (`changed`) does not, so words of the message that happen
/// to match `part` do not count.
pub(super) fn quotes(error: &str, part: &str, changed: impl FnOnce() -> Option<String>) -> bool {
    part.len() >= WINDOW && error.contains(part) && !changed().is_some_and(|e| e.contains(part))
}

pub(super) fn lossy(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

// ---- Servers' bytes -------------------------------------------------------------------
