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

/// Probes the target once, within `settings.timeout`.
pub fn probe(settings: &Settings) -> Verdict {
    let clock = net::Clock::new(settings.timeout);
    let exchanged = exchange::exchange(settings, clock);
    let mut verdict = Verdict::decide(settings, exchanged.outcome, clock.since_start());
    verdict.details = exchanged.details;
    verdict
}
