//! The report: one line whose first word is the category (or one JSON object), plus the
//! `--verbose` details, never more than Docker keeps and never a secret.

use std::io::Write;

use crate::args::{Format, Verbosity};
use crate::checks::excerpt;
use crate::header::{self, Header};
use crate::verdict::{Category, Verdict};

/// Docker keeps only the first 4096 bytes of a probe's output.
pub const MAX_OUTPUT: usize = 4096;

/// What is printed for `verdict`, already cut to [`MAX_OUTPUT`] and scrubbed of secrets.
pub fn render(
    verdict: &Verdict,
    format: Format,
    verbosity: Verbosity,
    headers: &[Header],
) -> String {
    if !verdict.category.is_reported(verbosity) {
        return String::new();
    }
    let details: &[String] = if verbosity == Verbosity::Verbose {
        &verdict.details
    } else {
        &[]
    };
    match format {
        Format::Text => text(verdict, details, headers),
        Format::Json => json(verdict, details, headers),
    }
}

fn text(verdict: &Verdict, details: &[String], headers: &[Header]) -> String {
    let mut out = format!("{}: {}\n", verdict.category.word(), verdict.reason);
    for line in details {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    let out = header::scrub(&out, headers);
    if out.len() <= MAX_OUTPUT {
        return out;
    }
    // Cut on a character boundary and keep the output a whole last line.
    let mut cut = excerpt(&out, MAX_OUTPUT - "…\n".len());
    cut.push('\n');
    cut
}

fn json(verdict: &Verdict, details: &[String], headers: &[Header]) -> String {
    let scrub = |s: &str| header::scrub(s, headers);
    let elapsed_ms = (verdict.elapsed.as_secs_f64() * 10_000.0).round() / 10.0;
    let object = |url: String, reason: String, details: &[String], targets: &[Verdict]| {
        let mut o = serde_json::json!({
            "result": verdict.category.word(),
            "healthy": verdict.category == Category::Healthy,
            "url": verdict.url.as_deref().map(|_| url),
            "status": verdict.status,
            "elapsed_ms": elapsed_ms,
            "reason": reason,
        });
        if !details.is_empty() {
            o["details"] = details.iter().map(|d| scrub(d)).collect();
        }
        if !targets.is_empty() {
            o["targets"] = targets
                .iter()
                .map(|t| {
                    serde_json::json!({
                        "result": t.category.word(),
                        "url": t.url.as_deref().map(|u| excerpt(&scrub(u), 300)),
                        "status": t.status,
                        "reason": excerpt(&scrub(&t.reason), 300),
                    })
                })
                .collect();
        }
        format!("{o}\n")
    };
    let url = scrub(verdict.url.as_deref().unwrap_or(""));
    let reason = scrub(&verdict.reason);
    let full = object(url.clone(), reason.clone(), details, &verdict.targets);
    if full.len() <= MAX_OUTPUT {
        return full;
    }
    // Without the details and the per-target list, and with the two free-text fields
    // shortened, it always fits: printable() leaves only quotes and backslashes to escape.
    object(excerpt(&url, 900), excerpt(&reason, 900), &[], &[])
}

/// Writes the report. A closed stdout must not change the exit code, so errors are
/// ignored (Rust already ignores SIGPIPE, turning it into an error here).
pub fn write(text: &str) {
    if text.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// One progress line on stderr for a failed attempt of `--wait`: the category and the
/// reason, scrubbed and cut like any report.
pub fn progress(verdict: &Verdict, headers: &[Header]) {
    let line = text(verdict, &[], headers);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(format!("waiting: {line}").as_bytes());
}

/// Server-supplied bytes made safe for a one-line report: invalid UTF-8 replaced, control
/// characters escaped (no terminal tricks, no fake lines), length capped near `max` bytes.
pub fn printable(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(max * 4)]);
    let mut out = String::with_capacity(text.len().min(max));
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    excerpt(&out, max)
}
