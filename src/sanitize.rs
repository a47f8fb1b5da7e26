//! Server text made fit for a report: secrets redacted where the text enters, on the raw
//! bytes, then control and format characters escaped and the length capped.
//!
//! Probe output is not private (Docker keeps it in `docker inspect`, the kubelet copies it
//! into Events), and a server may echo a request header back — in a header, a body, a JSON
//! value — trimmed, JSON-escaped, upper- or lower-cased, or cut short. So a secret is not
//! looked for as one string in the finished report, where escaping or a cut would hide it
//! from the search and still show it to a reader: every run of [`WINDOW`] bytes of a
//! secret, or of its JSON-escaped form, is found in the server's bytes (ASCII case
//! folded) before anything else is done to them, and replaced with `[redacted]`. What is
//! left holds no run of [`WINDOW`] bytes of any secret, however it is cut afterwards.

use std::borrow::Cow;
use std::sync::Arc;

use crate::checks::excerpt;

/// The shortest run of a secret that counts as showing it, and so the shortest secret
/// accepted: a shorter one could stand inside the probe's own words (`OK`, `GET`,
/// `Content-Length`), and where `[redacted]` appeared would tell it.
pub const WINDOW: usize = 8;

/// What replaces each run of a secret.
pub const REDACTED: &str = "[redacted]";

/// The secrets as they are looked for: each as sent and as JSON would escape it,
/// lower-cased. A report shows a few KiB of server text, and secrets are few and short,
/// so each run of the text is simply looked for in them: no index to build (a sorted
/// one cost 3 KB of sorting code; a hash set would seed itself from the kernel's random
/// source, one more system call).
#[derive(Clone, Default)]
pub struct Secrets(Arc<[Vec<u8>]>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the forms themselves: they are the secrets.
        write!(f, "Secrets({} forms)", self.0.len())
    }
}

impl Secrets {
    /// The forms of `values` (each at least [`WINDOW`] bytes; shorter ones cannot be
    /// redacted safely and are the caller's to refuse): as sent, and as JSON would
    /// escape them.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Secrets {
        let mut forms = Vec::new();
        for value in values {
            let quoted = serde_json::Value::from(value).to_string();
            let escaped = &quoted[1..quoted.len() - 1];
            forms.push(value.to_ascii_lowercase().into_bytes());
            if escaped != value {
                forms.push(escaped.to_ascii_lowercase().into_bytes());
            }
        }
        Secrets(forms.into())
    }

    /// Whether the `WINDOW` bytes of `window`, case folded, stand in some secret.
    fn holds(&self, window: &[u8]) -> bool {
        let run = folded(window);
        self.0
            .iter()
            .any(|form| form.windows(WINDOW).any(|w| w == run))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `bytes` with every run of a secret in it replaced by [`REDACTED`]; overlapping and
    /// adjacent runs become one.
    pub fn redact<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        if self.0.is_empty() || bytes.len() < WINDOW {
            return Cow::Borrowed(bytes);
        }
        // Marked spans as [start, end), merged as they are found left to right.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (at, window) in bytes.windows(WINDOW).enumerate() {
            if !self.holds(window) {
                continue;
            }
            match spans.last_mut() {
                Some((_, end)) if *end >= at => *end = at + WINDOW,
                _ => spans.push((at, at + WINDOW)),
            }
        }
        if spans.is_empty() {
            return Cow::Borrowed(bytes);
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut copied = 0;
        for (start, end) in spans {
            out.extend_from_slice(&bytes[copied..start]);
            out.extend_from_slice(REDACTED.as_bytes());
            copied = end;
        }
        out.extend_from_slice(&bytes[copied..]);
        Cow::Owned(out)
    }

    /// Server bytes as a report shows them: redacted, then [`printable`].
    pub fn show(&self, bytes: &[u8], max: usize) -> String {
        // Only what printable() can show is searched; a secret cut at that edge leaves
        // fewer than WINDOW of its bytes before the cut, or is found.
        let seen = &bytes[..bytes.len().min(printable_input(max))];
        printable(&self.redact(seen), max)
    }
}

fn folded(window: &[u8]) -> [u8; WINDOW] {
    let mut run = [0; WINDOW];
    run.copy_from_slice(window);
    run.make_ascii_lowercase();
    run
}

/// How many input bytes [`printable`] reads to show at most `max` bytes.
fn printable_input(max: usize) -> usize {
    max.saturating_mul(4)
}

/// Bytes made safe for a one-line report: invalid UTF-8 replaced; control characters,
/// Unicode format characters (bidirectional overrides such as U+202E, zero-width ones)
/// and the line and paragraph separators escaped (no terminal tricks, no fake lines);
/// length capped near `max` bytes.
pub fn printable(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(printable_input(max))]);
    let mut out = String::with_capacity(text.len().min(max));
    for c in text.chars() {
        if c.is_control() || is_format_or_separator(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    excerpt(&out, max)
}

/// Unicode's format characters (general category Cf) and the line and paragraph
/// separators (Zl, Zp): invisible, yet they reorder or break what a terminal or log
/// viewer shows. std exposes no general category, hence the table (Unicode 16).
fn is_format_or_separator(c: char) -> bool {
    const RANGES: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),
        (0x0600, 0x0605),
        (0x061C, 0x061C),
        (0x06DD, 0x06DD),
        (0x070F, 0x070F),
        (0x0890, 0x0891),
        (0x08E2, 0x08E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x2028, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
    ];
    let c = u32::from(c);
    c >= 0xAD && RANGES.iter().any(|&(low, high)| (low..=high).contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(secrets: &[&str], text: &str) -> String {
        String::from_utf8(
            Secrets::new(secrets.iter().copied())
                .redact(text.as_bytes())
                .into(),
        )
        .unwrap()
    }

    #[test]
    fn every_form_and_piece_of_a_secret_is_redacted() {
        let s = &["Bearer to\"ken\\with\ttab"];
        assert_eq!(
            redacted(s, "x Bearer to\"ken\\with\ttab y"),
            "x [redacted] y"
        );
        assert_eq!(
            redacted(s, r#"{"echo":"Bearer to\"ken\\with\ttab"}"#),
            r#"{"echo":"[redacted]"}"#,
            "JSON-escaped"
        );
        assert_eq!(redacted(s, "BEARER TO\"KEN"), "[redacted]", "case-folded");
        assert_eq!(redacted(s, "…Bearer t"), "…[redacted]", "a cut piece");
        assert_eq!(redacted(s, "Bearer "), "Bearer ", "fewer than 8 bytes");
        assert_eq!(redacted(&[], "Bearer to\"ken"), "Bearer to\"ken");
    }

    #[test]
    fn separate_runs_stay_separate() {
        assert_eq!(
            redacted(&["abcdefghij"], "abcdefgh and cdefghij"),
            "[redacted] and [redacted]"
        );
    }

    #[test]
    fn format_characters_are_escaped() {
        let shown = printable(
            "a\u{202e}b\u{2028}c\u{200b}d\u{feff}\u{e0041}".as_bytes(),
            100,
        );
        assert!(shown.is_ascii(), "{shown}");
        assert_eq!(printable("é ü 😀".as_bytes(), 100), "é ü 😀");
    }
}
