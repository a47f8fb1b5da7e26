//! The report: one line whose first word is the category (or one JSON object), plus the
//! `--verbose` details, never more than Docker keeps and never a secret.

use std::io::Write;

use crate::args::{Format, Verbosity};
use crate::checks::excerpt;
use crate::process;
use crate::verdict::{Category, Verdict};

/// Docker keeps only the first 4096 bytes of a probe's output.
pub const MAX_OUTPUT: usize = 4096;

/// What is printed for `verdict`, already cut to [`MAX_OUTPUT`]. Server text in it was
/// redacted where it entered (`sanitize`).
pub fn render(verdict: &Verdict, format: Format, verbosity: Verbosity) -> String {
    if !verdict.category.is_reported(verbosity) {
        return String::new();
    }
    let details: &[String] = if verbosity == Verbosity::Verbose {
        &verdict.details
    } else {
        &[]
    };
    match format {
        Format::Text => text(verdict, details),
        Format::Json => json(verdict, details, false),
    }
}

fn text(verdict: &Verdict, details: &[String]) -> String {
    let mut out = format!("{}: {}\n", verdict.category.word(), verdict.reason);
    for line in details {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    if out.len() <= MAX_OUTPUT {
        return out;
    }
    // Cut on a character boundary and keep the output a whole last line.
    let mut cut = excerpt(&out, MAX_OUTPUT - "…\n".len());
    cut.push('\n');
    cut
}

/// The JSON report; `waiting` marks a `--wait` progress line.
fn json(verdict: &Verdict, details: &[String], waiting: bool) -> String {
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
        if waiting {
            o["waiting"] = true.into();
        }
        if !details.is_empty() {
            o["details"] = details.iter().map(|d| d.as_str()).collect();
        }
        if !targets.is_empty() {
            o["targets"] = targets
                .iter()
                .map(|t| {
                    serde_json::json!({
                        "result": t.category.word(),
                        "url": t.url.as_deref().map(|u| excerpt(u, 300)),
                        "status": t.status,
                        "reason": excerpt(&t.reason, 300),
                    })
                })
                .collect();
        }
        format!("{o}\n")
    };
    let url = verdict.url.as_deref().unwrap_or("");
    let reason = &verdict.reason;
    let full = object(url.to_string(), reason.clone(), details, &verdict.targets);
    if full.len() <= MAX_OUTPUT {
        return full;
    }
    // Without the details and the per-target list, and with the two free-text fields
    // shortened until it fits: escaping can make a character up to six bytes (`\u0001`),
    // so no one length is safe, but at the last, empty-ish fields always fit.
    [900, 300, 100, 0]
        .into_iter()
        .map(|max| object(excerpt(url, max), excerpt(reason, max), &[], &[]))
        .find(|shorter| shorter.len() <= MAX_OUTPUT)
        .unwrap_or_default()
}

/// Writes the run's one report. A closed stdout must not change the exit code, so
/// errors are ignored (SIGPIPE is ignored, turning it into an error here). Where a
/// signal stopping a `--wait` has begun its own report, this one is never written and
/// the handler's exit ends the process.
pub fn write(text: &str) {
    if !process::claim_report() {
        process::wait_for_exit();
    }
    if text.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The report for a `--wait` stopped by SIGTERM or SIGINT, in two parts around the
/// milliseconds waited, which only the signal handler knows (`process::exit_on_termination`).
pub fn stopped(url: Option<String>, format: Format) -> (String, String) {
    const REASON: &str = "the wait was stopped by a signal";
    match format {
        Format::Text => (
            format!("{}: {REASON} after ", Category::Timeout.word()),
            " ms\n".to_string(),
        ),
        Format::Json => {
            // The object without its time, which the handler writes first.
            let mut object = serde_json::json!({
                "result": Category::Timeout.word(),
                "healthy": false,
                "url": url,
                "status": null,
                "reason": REASON,
            })
            .to_string();
            object.remove(0);
            ("{\"elapsed_ms\":".to_string(), format!(",{object}\n"))
        }
    }
}

/// `--wait`'s progress lines on stderr: the failures of attempts, in the report's format,
/// at most [`MAX_PROGRESS`] bytes in all however long the wait and however the failures
/// change (then one line says that the rest is not shown).
#[derive(Debug, Default)]
pub struct Progress {
    written: usize,
}

/// What all of one run's progress lines may take.
pub const MAX_PROGRESS: usize = 16 * 1024;

impl Progress {
    pub fn report(&mut self, verdict: &Verdict, format: Format) {
        const ENOUGH: &str = "further progress is not shown";
        if self.written >= MAX_PROGRESS {
            return;
        }
        let line = |verdict: &Verdict| match format {
            Format::Text => format!("waiting: {}", text(verdict, &[])),
            Format::Json => json(verdict, &[], true),
        };
        let next = line(verdict);
        // The last line fits in what is left, however long the last reason was.
        let line = if self.written + next.len() + 2 * ENOUGH.len() + 200 > MAX_PROGRESS {
            self.written = MAX_PROGRESS;
            line(&Verdict {
                reason: ENOUGH.to_string(),
                details: Vec::new(),
                targets: Vec::new(),
                ..verdict.clone()
            })
        } else {
            self.written += next.len();
            next
        };
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}
