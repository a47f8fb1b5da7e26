//! `--wait`: probe again until healthy or the wait runs out — for entrypoints, init
//! containers and CI scripts ("wait for the database, then start").

use std::thread;
use std::time::{Duration, Instant};

use crate::args::{Settings, Verbosity};
use crate::report::{self, Progress};
use crate::verdict::{Category, Verdict};
use crate::{duration, probe, process};

/// A failure that stays the same is reported again only this often.
const REPEAT_AFTER: Duration = Duration::from_secs(10);

/// Probes every `settings.interval` until a probe is healthy or `wait` has passed. Each
/// attempt keeps its own `--timeout`, cut short where the wait ends first. Failed attempts
/// but the last are reported on stderr when the failure changes, and a failure that stays
/// the same every [`REPEAT_AFTER`]; `-q` reports none. SIGTERM and SIGINT end the wait
/// with a report of their own. Returns the last attempt's verdict.
pub fn until_healthy(settings: &Settings, wait: Duration) -> Verdict {
    let url = settings.also.is_empty().then(|| settings.target.url());
    let (before, after) = report::stopped(url, settings.format);
    process::exit_on_termination(before, after);
    let started = Instant::now();
    let give_up = started + wait;
    let mut attempts = 0u32;
    let mut progress = Progress::default();
    let mut last_shown: Option<(Category, String, Instant)> = None;
    loop {
        attempts += 1;
        let left = give_up.saturating_duration_since(Instant::now());
        let mut attempt = settings.clone();
        attempt.timeout = settings.timeout.min(left).max(Duration::from_millis(1));
        let mut verdict = probe(&attempt);
        let next = Instant::now() + settings.interval;
        let settled = matches!(verdict.category, Category::Healthy | Category::Error);
        if settled || next >= give_up {
            // A configuration error is not retried, and not a wait that gave up.
            if !settled {
                verdict.reason = format!(
                    "{} (gave up waiting after {}, {attempts} attempts)",
                    verdict.reason,
                    duration::format(wait)
                );
            }
            verdict.elapsed = started.elapsed();
            return verdict;
        }
        let now = Instant::now();
        let repeated = last_shown.as_ref().is_some_and(|(category, reason, at)| {
            *category == verdict.category
                && *reason == verdict.reason
                && now.duration_since(*at) < REPEAT_AFTER
        });
        if settings.verbosity != Verbosity::Quiet && !repeated {
            progress.report(&verdict, settings.format);
            last_shown = Some((verdict.category, verdict.reason.clone(), now));
        }
        thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}
