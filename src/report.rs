//! The report: one line whose first word is the category (or one JSON object), plus the
//! `--verbose` details, never more than Docker keeps and never a secret.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::judge::verdict::{Category, Verdict};
use crate::sanitize::{escape, excerpt};
use crate::sys::process;

/// How much a report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// Whether a run ending in `category` prints a report at this verbosity: `-q` silences a
/// healthy one.
pub fn reported(category: Category, verbosity: Verbosity) -> bool {
    !(verbosity == Verbosity::Quiet && category == Category::Healthy)
}

/// Docker keeps only the first 4096 bytes of a probe's standard output and error
/// together: the whole output of a run, `--wait`'s progress included, stays within it.
pub const MAX_OUTPUT: usize = 4096;

/// The bytes of [`MAX_OUTPUT`] that `--wait`'s progress lines have used: the final report
/// gets what is left, so that it is complete and last within what Docker keeps.
static SPENT: AtomicUsize = AtomicUsize::new(0);

/// What the final report may take.
fn room() -> usize {
    MAX_OUTPUT.saturating_sub(SPENT.load(Ordering::Relaxed))
}

/// What is printed for `verdict`, already cut to what is left of [`MAX_OUTPUT`]. Server
/// text in it was redacted where it entered (`sanitize`); every string in it is escaped
/// here, whatever it came from.
pub fn render(verdict: &Verdict, format: Format, verbosity: Verbosity) -> String {
    if !reported(verdict.category, verbosity) {
        return String::new();
    }
    let details: &[String] = if verbosity == Verbosity::Verbose {
        &verdict.details
    } else {
        &[]
    };
    match format {
        Format::Text => text(verdict, details, room()),
        Format::Json => json(verdict, details, false, room()),
    }
}

fn text(verdict: &Verdict, details: &[String], room: usize) -> String {
    let mut out = format!("{}: {}\n", verdict.category.word(), escape(&verdict.reason));
    for line in details {
        out.push_str("  ");
        out.push_str(&escape(line));
        out.push('\n');
    }
    if out.len() <= room {
        return out;
    }
    // Cut on a character boundary and keep the output a whole last line.
    let mut cut = excerpt(&out, room.saturating_sub("…\n".len()));
    // A cut at a line's end or inside the next line's indent marks that line, rather
    // than standing as a line of its own that is neither the verdict nor a `-v` line.
    if let Some(end) = cut.rfind('\n')
        && cut[end + 1..].trim_start() == "…"
    {
        cut = format!("{}…", &cut[..end]);
    }
    cut.push('\n');
    cut
}

/// The JSON report, at most `room` bytes; `waiting` marks a `--wait` progress line.
fn json(verdict: &Verdict, details: &[String], waiting: bool, room: usize) -> String {
    let elapsed_ms = (verdict.elapsed.as_secs_f64() * 10_000.0).round() / 10.0;
    let object = |url: String, reason: String, details: &[String], targets: &[Verdict]| {
        let mut o = serde_json::json!({
            "result": verdict.category.word(),
            "healthy": verdict.category == Category::Healthy,
            "url": verdict.url.as_deref().map(|_| url),
            "status": verdict.status,
            "elapsed_ms": elapsed_ms,
            "reason": escape(&reason),
        });
        if waiting {
            o["waiting"] = true.into();
        }
        if !details.is_empty() {
            o["details"] = details.iter().map(|d| escape(d)).collect();
        }
        if !targets.is_empty() {
            o["targets"] = targets
                .iter()
                .map(|t| {
                    serde_json::json!({
                        "result": t.category.word(),
                        "url": t.url.as_deref().map(|u| excerpt(&escape(u), 300)),
                        "status": t.status,
                        "reason": excerpt(&escape(&t.reason), 300),
                    })
                })
                .collect();
        }
        format!("{o}\n")
    };
    let url = escape(verdict.url.as_deref().unwrap_or(""));
    let reason = &verdict.reason;
    let full = object(url.to_string(), reason.clone(), details, &verdict.targets);
    if full.len() <= room {
        return full;
    }
    // Without the details and the per-target list, and with the two free-text fields
    // shortened until it fits: escaping can make a character up to six bytes (`\u0001`),
    // so no one length is safe, but at the last, empty-ish fields always fit.
    [900, 300, 100, 0]
        .into_iter()
        .map(|max| object(excerpt(&url, max), excerpt(reason, max), &[], &[]))
        .find(|shorter| shorter.len() <= room)
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
    let _ = match process::report_fd() {
        2 => std::io::stderr().lock().write_all(text.as_bytes()),
        _ => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        }
    };
}

/// What is kept of [`MAX_OUTPUT`] for [`write_after`] in the `-- COMMAND` form: a
/// healthy report with `-v` and sixteen targets took it all, and the report of a command
/// `execve` refused came on top (4,165 bytes).
const EXEC_FAILURE_ROOM: usize = 512;

/// Keeps [`EXEC_FAILURE_ROOM`] out of what the final report may take.
pub fn reserve_for_exec_failure() {
    SPENT.fetch_add(EXEC_FAILURE_ROOM, Ordering::Relaxed);
}

/// Writes `verdict` after the run's one report, within the room kept for it: only for a
/// `-- COMMAND` that `execve` refused after the healthy report was out (`main`).
pub fn write_after(verdict: &Verdict, format: Format) {
    let text = match format {
        Format::Text => text(verdict, &[], EXEC_FAILURE_ROOM),
        Format::Json => json(verdict, &[], false, EXEC_FAILURE_ROOM),
    };
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// The report for a `--wait` stopped by SIGTERM or SIGINT, in two parts around the
/// milliseconds waited, which only the signal handler knows (`process::exit_on_termination`).
pub(crate) fn stopped(url: Option<String>, format: Format) -> (String, String) {
    // Short, so that it fits beside the progress lines in what Docker keeps.
    let url = url.map(|url| excerpt(&escape(&url), 300));
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
/// change (then one line says that the rest is not shown). The rest of [`MAX_OUTPUT`] is
/// the final report's.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    written: usize,
}

/// What all of one run's progress lines may take: half of what Docker keeps.
pub(crate) const MAX_PROGRESS: usize = MAX_OUTPUT / 2;
/// The most the line saying that further progress is not shown takes.
const CLOSING: usize = 512;

impl Progress {
    pub(crate) fn report(&mut self, verdict: &Verdict, format: Format) {
        const ENOUGH: &str = "further progress is not shown";
        if self.written >= MAX_PROGRESS {
            return;
        }
        const PREFIX: &str = "waiting: ";
        // A line of at most `room` bytes, prefix included.
        let line = |verdict: &Verdict, room: usize| match format {
            Format::Text => format!("{PREFIX}{}", text(verdict, &[], room - PREFIX.len())),
            Format::Json => json(verdict, &[], true, room),
        };
        let next = line(verdict, MAX_PROGRESS / 2);
        // Room is kept for the closing line, which is made only when it is due.
        let line = if self.written + next.len() + CLOSING > MAX_PROGRESS {
            self.written = MAX_PROGRESS;
            let ending = Verdict {
                reason: ENOUGH.to_string(),
                details: Vec::new(),
                targets: Vec::new(),
                ..verdict.clone()
            };
            line(&ending, CLOSING)
        } else {
            self.written += next.len();
            next
        };
        SPENT.store(self.written, Ordering::Relaxed);
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}
