//! Probing: the run's [`Plan`], each target's exchange and verdict within one deadline,
//! several targets at once, and `--wait` ([`wait`]).

mod wait;

use std::time::Duration;

use crate::duration;
use crate::judge::checks::Checks;
use crate::judge::verdict::{Category, Judge, Verdict};
use crate::net::Clock;
use crate::protocol::http::HttpSpec;
use crate::protocol::target::Target;
use crate::protocol::tls::Tls;
use crate::protocol::{self, Request, Spec};
use crate::report::{self, Format, Verbosity};
use crate::sanitize::Secrets;

/// What the command line asked for, validated: the targets, what each exchange needs,
/// what the answers are judged by, and how the run goes (once or `--wait`) and reports.
pub struct Plan {
    /// At least one; several are probed at once, healthy only when all are.
    pub targets: Vec<Target>,
    /// One deadline for everything: resolve, connect, send, response head, body.
    pub timeout: Duration,
    pub checks: Checks,
    /// The hidden header values, as server text is searched for them (`sanitize`).
    pub secrets: Secrets,
    /// Headers and `--unix-socket`, for the targets that send a request.
    pub request: Request,
    /// TLS, for the TLS targets.
    pub tls: Option<Tls>,
    /// Method and when to read the body, for the HTTP targets.
    pub http: HttpSpec,
    /// `--wait`: how long to retry until healthy, and how often.
    pub wait: Option<Duration>,
    pub interval: Duration,
    /// `--success-threshold`: with `--wait`, this many healthy attempts in a row.
    pub success_threshold: u32,
    pub format: Format,
    pub verbosity: Verbosity,
    /// `-- COMMAND [ARG...]`: what the process becomes once healthy (`main`).
    pub exec: Option<Vec<std::ffi::OsString>>,
}

impl Plan {
    /// What `target`'s exchange needs, and no more.
    fn spec<'a>(&'a self, target: &'a Target) -> Spec<'a> {
        let verbose = self.verbosity == Verbosity::Verbose;
        let (request, tls, http) = (&self.request, self.tls.as_ref(), &self.http);
        Spec::new(target, &self.secrets, verbose, request, tls, http)
    }
}

/// The run: once, or with `--wait` until healthy.
pub fn run(plan: &Plan) -> Verdict {
    match plan.wait {
        Some(wait) => wait::until_healthy(plan, wait),
        None => once(plan, plan.timeout),
    }
}

/// A probe thread's stack. A probe needs little (the deepest path, a TLS handshake or a
/// `--json` walk of a body nested 128 deep, stays far below it), and std's default of
/// 2 MiB per thread made 16 targets reserve 32 MiB of address space, refused under a
/// tight `ulimit -v`.
const PROBE_STACK: usize = 256 * 1024;

/// Probes every target once, concurrently, within `timeout`.
fn once(plan: &Plan, timeout: Duration) -> Verdict {
    let clock = Clock::new(timeout);
    if let [target] = &plan.targets[..] {
        return probe_one(plan, target, clock, timeout);
    }
    let verdicts = std::thread::scope(|scope| {
        // A thread per target; where none can be had (a pids limit, `ulimit -u`), that
        // target is probed here, after the others have started, within the same deadline.
        let running: Vec<_> = (plan.targets.iter())
            .map(|target| {
                std::thread::Builder::new()
                    .stack_size(PROBE_STACK)
                    .spawn_scoped(scope, move || probe_one(plan, target, clock, timeout))
                    .map_err(|_| target)
            })
            .collect();
        // Every thread runs before any target is probed here, and is joined only after.
        let probed: Vec<_> = running
            .into_iter()
            // Boxed: a verdict is large, and this is the rare path.
            .map(|thread| thread.map_err(|target| Box::new(in_turn(plan, target, clock, timeout))))
            .collect();
        probed
            .into_iter()
            .map(|thread| match thread {
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|_| Verdict::config_error("a probe thread failed".to_string())),
                Err(probed_here) => *probed_here,
            })
            .collect()
    });
    Verdict::combine(verdicts, clock.since_start())
}

/// A target no thread could be had for, probed on this thread with what is left of the
/// deadline once the targets before it are done. A failure says so, and how much time it
/// had, so that an operator is not sent after a healthy service that was simply given
/// too little of the deadline.
fn in_turn(plan: &Plan, target: &Target, clock: Clock, whole: Duration) -> Verdict {
    let left = clock.left().unwrap_or_default();
    let mut verdict = probe_one(plan, target, Clock::new(left), left);
    if verdict.category != Category::Healthy {
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

/// One target's exchange, judged.
fn probe_one(plan: &Plan, target: &Target, clock: Clock, timeout: Duration) -> Verdict {
    let exchanged = protocol::exchange(&plan.spec(target), clock);
    let judge = Judge {
        checks: &plan.checks,
        secrets: &plan.secrets,
        timeout,
        quiet: !report::reported(Category::Healthy, plan.verbosity),
    };
    let mut verdict = Verdict::decide(
        &judge,
        target.shown(),
        exchanged.outcome,
        clock.since_start(),
    );
    verdict.details = exchanged.details;
    verdict
}
