//! The verdict: one category per run, decided here from what the exchange and the checks
//! found. The exit code and the first word of every report derive from the category.

use std::time::Duration;

use super::checks::Checks;
use super::outcome::{Answer, Failure};
use crate::duration;
use crate::sanitize::Secrets;

/// Every run ends in exactly one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Every target answered as a healthy one does: HTTP with an accepted status and
    /// every body check holding, gRPC SERVING, `tcp://` a connection, a database, cache
    /// or broker its ready reply.
    Healthy,
    /// The server answered, but not as a healthy one: the status or a body check failed,
    /// a gRPC service not SERVING, a database or broker not ready.
    Unhealthy,
    /// No usable answer: unknown name, refused, reset, another protocol.
    Unreachable,
    /// The deadline passed.
    Timeout,
    /// The configuration is wrong.
    Error,
}

impl Category {
    /// Every category: what a report's first word may be.
    pub const ALL: [Category; 5] = [
        Category::Healthy,
        Category::Unhealthy,
        Category::Unreachable,
        Category::Timeout,
        Category::Error,
    ];

    /// The first word of every report.
    pub fn word(self) -> &'static str {
        match self {
            Category::Healthy => "healthy",
            Category::Unhealthy => "unhealthy",
            Category::Unreachable => "unreachable",
            Category::Timeout => "timeout",
            Category::Error => "error",
        }
    }

    /// 0 for healthy, 1 for everything else: Docker reserves 2, and the kubelet reads any
    /// non-zero code as failure, so a finer code would only mislead.
    pub fn exit_code(self) -> i32 {
        i32::from(self != Category::Healthy)
    }
}

/// What a server answered, as a JSON report's `status` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// An HTTP status code: `200`.
    Http(u16),
    /// A gRPC health answer: `"SERVING"`, `"NOT_SERVING"`, `"NOT_FOUND"`, …
    Grpc(&'static str),
}

impl serde::Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, to: S) -> Result<S::Ok, S::Error> {
        match self {
            Status::Http(code) => to.serialize_u16(*code),
            Status::Grpc(name) => to.serialize_str(name),
        }
    }
}

/// What one target's outcome is judged by.
pub(crate) struct Judge<'a> {
    pub checks: &'a Checks,
    /// Server text quoted in a reason is redacted of these.
    pub secrets: &'a Secrets,
    /// The attempt's deadline, as a timeout's reason names it.
    pub timeout: Duration,
    /// A healthy verdict is not printed (`-q`), so its reason is not even formatted.
    pub quiet: bool,
}

/// The outcome of a run, ready to report.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub category: Category,
    /// What follows the category word in the text report.
    pub reason: String,
    pub url: Option<String>,
    /// The HTTP status, or a gRPC health answer's status name; in JSON as `status`.
    pub status: Option<Status>,
    pub elapsed: Duration,
    /// Extra lines for `--verbose`.
    pub details: Vec<String>,
    /// With several targets: each one's own verdict.
    pub targets: Vec<Verdict>,
}

impl Verdict {
    /// A configuration error: nothing was sent.
    pub fn config_error(reason: String) -> Verdict {
        Verdict {
            category: Category::Error,
            reason,
            url: None,
            status: None,
            elapsed: Duration::ZERO,
            details: Vec::new(),
            targets: Vec::new(),
        }
    }

    /// Several targets probed together: healthy only when all are; otherwise the category
    /// of the first failing target, in the order given, and each failing one named.
    pub(crate) fn combine(verdicts: Vec<Verdict>, elapsed: Duration) -> Verdict {
        let url = |v: &Verdict| v.url.clone().unwrap_or_default();
        let failing: Vec<&Verdict> = verdicts
            .iter()
            .filter(|v| v.category != Category::Healthy)
            .collect();
        let (category, reason) = match failing.first() {
            None => (
                Category::Healthy,
                format!(
                    "all {} targets in {}: {}",
                    verdicts.len(),
                    duration::human(elapsed),
                    verdicts.iter().map(url).collect::<Vec<_>>().join(", ")
                ),
            ),
            Some(first) => (
                first.category,
                format!(
                    "{} of {} targets failing: {}",
                    failing.len(),
                    verdicts.len(),
                    failing
                        .iter()
                        .map(|v| format!("{} {}: {}", url(v), v.category.word(), v.reason))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ),
        };
        Verdict {
            category,
            reason,
            url: None,
            status: None,
            elapsed,
            details: verdicts
                .iter()
                .flat_map(|v| v.details.iter().map(move |d| format!("[{}] {d}", url(v))))
                .collect(),
            targets: verdicts,
        }
    }

    /// The one place where an exchange and the checks become a category.
    pub(crate) fn decide(
        judge: &Judge,
        url: String,
        outcome: Result<Answer, Failure>,
        elapsed: Duration,
    ) -> Verdict {
        // A healthy verdict that will not be reported has its reason, the status line, the
        // URL and the time taken, not even formatted.
        let silent = judge.quiet;
        let (category, status, reason) =
            match outcome {
                Err(Failure::Timeout(phase)) => (
                    Category::Timeout,
                    None,
                    format!("{phase} within {}", duration::format(judge.timeout)),
                ),
                Err(Failure::Unreachable(reason)) => (Category::Unreachable, None, reason),
                Err(Failure::Config(reason)) => (Category::Error, None, reason),
                Ok(Answer::Connected(_)) if silent => (Category::Healthy, None, String::new()),
                Ok(Answer::Connected(peer)) => (
                    Category::Healthy,
                    None,
                    format!(
                        "connected to {peer} ({url}) in {}",
                        duration::human(elapsed)
                    ),
                ),
                Ok(Answer::Spoke { said, .. }) if silent && said.ready => {
                    (Category::Healthy, None, String::new())
                }
                Ok(Answer::Spoke {
                    peer,
                    protocol,
                    said,
                }) => {
                    let category = if said.ready {
                        Category::Healthy
                    } else {
                        Category::Unhealthy
                    };
                    let took = if said.ready {
                        format!(" in {}", duration::human(elapsed))
                    } else {
                        String::new()
                    };
                    let what = &said.what;
                    (
                        category,
                        None,
                        format!("{protocol} at {peer} ({url}): {what}{took}"),
                    )
                }
                Ok(Answer::File(said)) if silent && said.ready => {
                    (Category::Healthy, None, String::new())
                }
                Ok(Answer::File(said)) => {
                    let category = match said.ready {
                        true => Category::Healthy,
                        false => Category::Unhealthy,
                    };
                    (category, None, format!("{url} {}", said.what))
                }
                Ok(Answer::Grpc(health)) => {
                    let status = Some(Status::Grpc(health.status));
                    let name = health.status;
                    match (health.ready, silent) {
                        (true, true) => (Category::Healthy, status, String::new()),
                        (true, false) => (
                            Category::Healthy,
                            status,
                            format!("{name} from {url} in {}", duration::human(elapsed)),
                        ),
                        (false, _) => (
                            Category::Unhealthy,
                            status,
                            format!("{name} from {url}{}", health.what),
                        ),
                    }
                }
                Ok(Answer::Http(answer)) => {
                    let status = Some(Status::Http(answer.status));
                    let head = || format!("{} from {url}", answer.status_line());
                    if !judge.checks.status.accepts(answer.status) {
                        let accepted = &judge.checks.status;
                        (
                            Category::Unhealthy,
                            status,
                            format!("{} (accepted: {accepted})", head()),
                        )
                    } else if let Some(why) = answer.body.as_ref().and_then(|b| {
                        (judge.checks).body_failure(&b.bytes, b.truncated, judge.secrets)
                    }) {
                        (
                            Category::Unhealthy,
                            status,
                            format!("{}, but {why}", head()),
                        )
                    } else if silent {
                        (Category::Healthy, status, String::new())
                    } else {
                        (
                            Category::Healthy,
                            status,
                            format!("{} in {}", head(), duration::human(elapsed)),
                        )
                    }
                }
            };
        Verdict {
            category,
            reason,
            url: Some(url),
            status,
            elapsed,
            details: Vec::new(),
            targets: Vec::new(),
        }
    }
}
