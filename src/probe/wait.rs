//! `--wait`: probe again until healthy or the wait runs out — for entrypoints, init
//! containers and CI scripts ("wait for the database, then start").

use std::thread;
use std::time::{Duration, Instant};

use super::{Plan, once};
use crate::duration;
use crate::judge::verdict::{Category, Verdict};
use crate::report::{self, Progress, Verbosity};
use crate::sys::process;

/// A failure that stays the same is reported again only this often.
const REPEAT_AFTER: Duration = Duration::from_secs(10);

/// The last attempt starts this long before the wait ends (or the `--timeout` before, if
/// shorter), whatever the interval: an app that comes up in the wait's last interval is
/// still seen, and the attempt has time to get an answer from it.
const LAST_ATTEMPT: Duration = Duration::from_millis(200);

/// Probes every `plan.interval` until a probe is healthy (`--success-threshold` times in a
/// row, each an interval after the one before; a failure starts the count again) or `wait` has passed,
/// with a last attempt at the end of the wait. Each attempt keeps its own `--timeout`, cut short
/// where the wait ends first. Failed attempts but the last are reported on stderr when
/// the failure changes, and a failure that stays the same every [`REPEAT_AFTER`]; `-q`
/// reports none. SIGTERM and SIGINT end the wait with a report of their own. Returns the
/// last attempt's verdict, saying how long the wait took and how many attempts.
pub fn until_healthy(plan: &Plan, wait: Duration) -> Verdict {
    let url = match &plan.targets[..] {
        [target] => Some(target.shown()),
        _ => None,
    };
    let (before, after) = report::stopped(url, plan.format);
    process::exit_on_termination(before, after);
    let started = Instant::now();
    let give_up = started + wait;
    // Where the last attempt starts, at the latest.
    let last = give_up - LAST_ATTEMPT.min(plan.timeout).min(wait);
    let mut attempts = 0u32;
    // Healthy attempts in a row, for `--success-threshold`, and when the last one counted
    // started: each counts only an interval after the one before (the wait's last
    // attempt, pulled to its end, may come sooner).
    let mut in_a_row = 0u32;
    let mut counted_at: Option<Instant> = None;
    let needed = plan.success_threshold;
    let mut progress = Progress::default();
    let mut last_shown: Option<(Category, String, Instant)> = None;
    loop {
        attempts += 1;
        let left = give_up.saturating_duration_since(Instant::now());
        let timeout = plan.timeout.min(left).max(Duration::from_millis(1));
        let attempt_started = Instant::now();
        let mut verdict = once(plan, timeout);
        let now = Instant::now();
        let too_soon =
            counted_at.is_some_and(|at| attempt_started.duration_since(at) < plan.interval);
        in_a_row = match verdict.category {
            Category::Healthy if in_a_row > 0 && too_soon => in_a_row,
            Category::Healthy => {
                counted_at = Some(attempt_started);
                in_a_row + 1
            }
            _ => 0,
        };
        // How a timeout's reason ends: its attempt's deadline.
        let within = format!(" within {}", duration::format(timeout));
        let ended = match verdict.category {
            // A configuration error is not retried, and not a wait that gave up.
            Category::Error => return verdict,
            Category::Healthy if in_a_row >= needed => Some("waited"),
            // This attempt reached into the last stretch of the wait: nothing is left.
            _ if now >= last => Some("gave up waiting after"),
            _ => None,
        };
        if needed > 1 && verdict.category == Category::Healthy {
            verdict.reason = if in_a_row < needed && ended.is_some() {
                // Healthy, but not as many times in a row as asked, when the wait ran out.
                verdict.category = Category::Timeout;
                format!(
                    "healthy only {in_a_row} of the {needed} times in a row asked: {}",
                    verdict.reason
                )
            } else {
                format!("{} ({in_a_row} of {needed} in a row)", verdict.reason)
            };
        }
        if let Some(ended) = ended {
            // The last attempt's deadline was cut to what was left of the wait: said so,
            // rather than "within 199ms" beside "gave up waiting after 30.00 s".
            if timeout < plan.timeout
                && let Some(phase) = verdict.reason.strip_suffix(&within)
            {
                verdict.reason =
                    format!("{phase} in the wait's last {}", duration::format(timeout));
            }
            let attempts = match attempts {
                1 => "1 attempt".to_string(),
                n => format!("{n} attempts"),
            };
            let waited = duration::human(now - started);
            verdict.reason = format!("{} ({ended} {waited}, {attempts})", verdict.reason);
            verdict.elapsed = now - started;
            return verdict;
        }
        // One condition is one line: a timeout's "within …" changes as the wait's end
        // cuts the attempts' deadlines, and does not make another condition.
        let condition = verdict
            .reason
            .strip_suffix(&within)
            .unwrap_or(&verdict.reason);
        let repeated = last_shown.as_ref().is_some_and(|(category, reason, at)| {
            *category == verdict.category
                && reason == condition
                && now.duration_since(*at) < REPEAT_AFTER
        });
        if plan.verbosity != Verbosity::Quiet && !repeated {
            last_shown = Some((verdict.category, condition.to_string(), now));
            progress.report(&verdict, plan.format);
        }
        let next = (now + plan.interval).min(last);
        thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}
