//! healthprobe: is this service healthy? One HTTP request with a hard deadline, judged by
//! its status and optionally its body, reported in one line whose first word is the
//! category, and an exit code Docker's HEALTHCHECK and Kubernetes exec probes understand.
//!
//! The flow is `args` → [`probe`] → `report`; each module owns one idea.
// Unsafe code is denied everywhere but in `arena` (an allocator cannot be written
// without it) and `process` (the C entry point); each says why it is worth it.
#![deny(unsafe_code)]

pub mod arena;
pub mod args;
pub mod checks;
pub mod duration;
pub mod exchange;
pub mod header;
pub mod json;
pub mod net;
pub mod process;
pub mod report;
pub mod status;
pub mod target;
pub mod tls;
pub mod verdict;
pub mod wait;

use args::Settings;
use verdict::Verdict;

/// Probes the target (and `also` targets, concurrently) once, within `settings.timeout`.
pub fn probe(settings: &Settings) -> Verdict {
    if settings.also.is_empty() {
        return probe_one(settings);
    }
    let started = std::time::Instant::now();
    let targets = std::iter::once(&settings.target).chain(&settings.also);
    let verdicts = std::thread::scope(|scope| {
        let running: Vec<_> = targets
            .map(|target| {
                let one = Settings {
                    target: target.clone(),
                    also: Vec::new(),
                    ..settings.clone()
                };
                scope.spawn(move || probe_one(&one))
            })
            .collect();
        running
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Verdict::config_error("a probe thread failed".to_string()))
            })
            .collect()
    });
    Verdict::combine(verdicts, started.elapsed())
}

fn probe_one(settings: &Settings) -> Verdict {
    let clock = net::Clock::new(settings.timeout);
    let exchanged = exchange::exchange(settings, clock);
    let mut verdict = Verdict::decide(settings, exchanged.outcome, clock.since_start());
    verdict.details = exchanged.details;
    verdict
}
