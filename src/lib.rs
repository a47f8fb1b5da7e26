//! healthprobe: is this service healthy? One HTTP request with a hard deadline, judged by
//! its status and optionally its body, reported in one line whose first word is the
//! category, and an exit code Docker's HEALTHCHECK and Kubernetes exec probes understand.
//!
//! The flow is `args` → [`probe`] → `report`; each module owns one idea.
// Unsafe code is denied everywhere but in `arena` (an allocator cannot be written
// without it), `process` (the C entry point) and `unix_socket` (a connect that cannot
// hang); each says why it is worth it.
#![deny(unsafe_code)]

pub mod arena;
pub mod args;
pub mod checks;
pub mod database;
pub mod duration;
pub mod exchange;
pub mod file;
pub mod header;
pub mod json;
pub mod net;
pub mod process;
pub mod report;
pub mod sanitize;
pub mod status;
pub mod suggest;
pub mod target;
pub mod tls;
pub mod unix_socket;
pub mod verdict;
pub mod wait;

use args::Settings;
use verdict::Verdict;

/// A probe thread's stack. A probe needs little (the deepest path, a TLS handshake or a
/// `--json` walk of a body nested 128 deep, stays far below it), and std's default of
/// 2 MiB per thread made 16 targets reserve 32 MiB of address space, refused under a
/// tight `ulimit -v`.
const PROBE_STACK: usize = 256 * 1024;

/// Probes the target (and `also` targets, concurrently) once, within `settings.timeout`.
pub fn probe(settings: &Settings) -> Verdict {
    let clock = net::Clock::new(settings.timeout);
    if settings.also.is_empty() {
        return probe_one(settings, clock);
    }
    let targets = std::iter::once(&settings.target).chain(&settings.also);
    let only = |target: &target::Target| Settings {
        target: target.clone(),
        also: Vec::new(),
        ..settings.clone()
    };
    let verdicts = std::thread::scope(|scope| {
        // A thread per target; where none can be had (a pids limit, `ulimit -u`), that
        // target is probed here, after the others have started, within the same deadline.
        let running: Vec<_> = targets
            .map(|target| {
                let one = only(target);
                std::thread::Builder::new()
                    .stack_size(PROBE_STACK)
                    .spawn_scoped(scope, move || probe_one(&one, clock))
                    .map_err(|_| target)
            })
            .collect();
        // Every thread runs before any target is probed here, and is joined only after.
        let probed: Vec<_> = running
            .into_iter()
            .map(|thread| thread.map_err(|target| in_turn(only(target), clock)))
            .collect();
        probed
            .into_iter()
            .map(|thread| match thread {
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|_| Verdict::config_error("a probe thread failed".to_string())),
                Err(probed_here) => probed_here,
            })
            .collect()
    });
    Verdict::combine(verdicts, clock.since_start())
}

/// A target no thread could be had for, probed on this thread with what is left of the
/// deadline once the targets before it are done. A failure says so, and how much time it
/// had, so that an operator is not sent after a healthy service that was simply given
/// too little of the deadline.
fn in_turn(mut one: Settings, clock: net::Clock) -> Verdict {
    let left = clock.left().unwrap_or_default();
    let whole = one.timeout;
    one.timeout = left;
    let mut verdict = probe_one(&one, net::Clock::new(left));
    if verdict.category != verdict::Category::Healthy {
        verdict.reason = format!(
            "{} (probed in turn, with {} of the {} deadline left: no thread could be started \
             for it; a pids or process limit?)",
            verdict.reason,
            duration::human(left),
            duration::format(whole)
        );
    }
    verdict
}

fn probe_one(settings: &Settings, clock: net::Clock) -> Verdict {
    let exchanged = exchange::exchange(settings, clock);
    let mut verdict = Verdict::decide(settings, exchanged.outcome, clock.since_start());
    verdict.details = exchanged.details;
    verdict
}
