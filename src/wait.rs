//! `--wait`: probe again until healthy or the wait runs out — for entrypoints, init
//! containers and CI scripts ("wait for the database, then start").

use std::thread;
use std::time::{Duration, Instant};

use crate::args::Settings;
use crate::verdict::{Category, Verdict};
use crate::{duration, probe, report};

/// Probes every `settings.interval` until a probe is healthy or `wait` has passed. Each
/// attempt keeps its own `--timeout`, cut short where the wait ends first; every failed
/// attempt but the last is reported on stderr. Returns the last attempt's verdict.
pub fn until_healthy(settings: &Settings, wait: Duration) -> Verdict {
    let started = Instant::now();
    let give_up = started + wait;
    let mut attempts = 0u32;
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
        report::progress(&verdict, &settings.headers);
        thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}
