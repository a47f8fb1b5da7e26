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

/// The shortest run of a secret that counts as showing it, and so the shortest secret
/// accepted: a shorter one could stand inside the probe's own words (`OK`, `GET`,
/// `Content-Length`), and where `[redacted]` appeared would tell it.
pub const WINDOW: usize = 8;

/// What replaces each run of a secret.
pub const REDACTED: &str = "[redacted]";

/// The secrets as they are looked for: every [`WINDOW`]-byte run of each secret, as sent
/// and as JSON would escape it, lower-cased, in a hash set. The text is then read once,
/// each of its runs looked up in the set: time linear in the text however many and
/// however long the secrets are (comparing each run of the text with each run of every
/// secret took seconds for a 16 KiB head and four 8 KiB secrets under `-v`).
#[derive(Clone, Default)]
pub struct Secrets(Option<Arc<Windows>>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the runs themselves: they are the secrets.
        let runs = self.0.as_ref().map_or(0, |w| w.len);
        write!(f, "Secrets({runs} runs)")
    }
}

/// An open-addressing set of 8-byte runs read as `u64`. Zero marks a free slot: a run
/// of eight NUL bytes cannot come from a secret (header values refuse NUL). The hash is
/// fixed rather than seeded from the kernel (one system call fewer): the server, which
/// chooses the text, does not know the secrets, so it cannot aim at their slots.
struct Windows {
    slots: Vec<u64>,
    len: usize,
}

impl Windows {
    fn with_room(runs: usize) -> Windows {
        // At most half full, so a lookup that misses stops after a few slots.
        let size = (runs * 2).next_power_of_two().max(16);
        Windows {
            slots: vec![0; size],
            len: 0,
        }
    }

    fn slot(&self, run: u64) -> usize {
        // Fibonacci hashing: the high bits of the product, as many as the table needs.
        let bits = self.slots.len().trailing_zeros();
        (run.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    fn insert(&mut self, run: u64) {
        let mask = self.slots.len() - 1;
        let mut at = self.slot(run);
        while self.slots[at] != 0 {
            if self.slots[at] == run {
                return;
            }
            at = (at + 1) & mask;
        }
        self.slots[at] = run;
        self.len += 1;
    }

    fn contains(&self, run: u64) -> bool {
        let mask = self.slots.len() - 1;
        let mut at = self.slot(run);
        loop {
            match self.slots[at] {
                0 => return false,
                found if found == run => return true,
                _ => at = (at + 1) & mask,
            }
        }
    }
}

/// `value` as sent and as a server that echoes it back may have escaped it: JSON as
/// serde writes it, with `/` as `\/` (PHP's json_encode), with `&`, `<`, `>` as `\u0026`,
/// `\u003c`, `\u003e` (Go's encoding/json), and HTML's entities (`&amp;`, `&lt;`,
/// `&gt;`, `&quot;`, `&#39;` or `&#x27;`). A form that escaped nothing is the value again,
/// and counts once. Other encodings (base64, hex, percent outside gRPC) are not searched.
fn escaped_forms(value: &str) -> Vec<Vec<u8>> {
    let quoted = serde_json::Value::from(value).to_string();
    let json = &quoted[1..quoted.len() - 1];
    let go = |text: &str| {
        text.replace('&', "\\u0026")
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
    };
    let php = json.replace('/', "\\/");
    let html = |apostrophe: &str| {
        value
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', apostrophe)
    };
    let mut forms = vec![value.to_string(), json.to_string(), go(json), php];
    forms.extend([html("&#39;"), html("&#x27;")]);
    let mut unique: Vec<Vec<u8>> = Vec::new();
    for form in forms {
        if !unique.iter().any(|u| u == form.as_bytes()) {
            unique.push(form.into_bytes());
        }
    }
    unique
}

/// A run of [`WINDOW`] bytes, ASCII case folded, as one number.
fn folded(window: &[u8]) -> u64 {
    let mut run = [0; WINDOW];
    run.copy_from_slice(&window[..WINDOW]);
    run.make_ascii_lowercase();
    u64::from_le_bytes(run)
}

impl Secrets {
    /// The runs of `values` (each at least [`WINDOW`] bytes; shorter ones cannot be
    /// redacted safely and are the caller's to refuse): as sent, and in each form
    /// [`escaped_forms`] names.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Secrets {
        let forms: Vec<Vec<u8>> = values.into_iter().flat_map(escaped_forms).collect();
        let runs: usize = forms
            .iter()
            .map(|f| f.len().saturating_sub(WINDOW - 1))
            .sum();
        if runs == 0 {
            return Secrets(None);
        }
        let mut windows = Windows::with_room(runs);
        for form in &forms {
            for window in form.windows(WINDOW) {
                windows.insert(folded(window));
            }
        }
        Secrets(Some(Arc::new(windows)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// `bytes` with every run of a secret in it replaced by [`REDACTED`]; overlapping and
    /// adjacent runs become one.
    pub fn redact<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let Some(windows) = self.0.as_deref() else {
            return Cow::Borrowed(bytes);
        };
        // Marked spans as [start, end), merged as they are found left to right.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (at, window) in bytes.windows(WINDOW).enumerate() {
            if !windows.contains(folded(window)) {
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

/// Text a report quotes, already made printable ([`Secrets::show`], [`escape`]), in
/// double quotes: only a `"` in it is escaped. `{:?}` would escape the backslashes of
/// the escapes it holds a second time (`"\\u{1b}"`).
pub fn quoted(shown: &str) -> String {
    format!("\"{}\"", shown.replace('"', "\\\""))
}

/// Shortens `text` to about `max` bytes on a character boundary.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// How many input bytes [`printable`] reads to show at most `max` bytes.
fn printable_input(max: usize) -> usize {
    max.saturating_mul(4)
}

/// Bytes made safe for a one-line report: invalid UTF-8 replaced, [`escape`]d, length
/// capped near `max` bytes.
pub fn printable(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(printable_input(max))]);
    excerpt(&escape(&text), max)
}

/// Text with control characters, Unicode format characters (bidirectional overrides such
/// as U+202E, zero-width ones) and the line and paragraph separators escaped (`\u{1b}`):
/// no terminal tricks, no forged lines. Every report passes through it whole, whatever
/// its text came from (a server, an operator's argument or variable, a suggestion), so no
/// path to the output can skip it; escaping what it already escaped changes nothing.
pub fn escape(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() || is_format_or_separator(c);
    if !text.contains(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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

/// The OS's words without the `(os error 111)` suffix. They are ASCII (musl's strerror):
/// ASCII lower-casing keeps Unicode's case tables out of the binary (~4 KB).
pub fn io_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_ascii_lowercase(),
        None => text.to_ascii_lowercase(),
    }
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
