//! The verdict: one category per run, decided here from what the exchange and the checks
//! found. The exit code and the first word of every report derive from the category.

use std::time::Duration;

use crate::args::Settings;
use crate::duration;
use crate::exchange::{Answer, Failure};

/// Every run ends in exactly one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// The status is accepted and every body check holds.
    Healthy,
    /// The server answered, but the status or a body check failed.
    Unhealthy,
    /// No usable HTTP answer: unknown name, refused, reset, not HTTP.
    Unreachable,
    /// The deadline passed.
    Timeout,
    /// The configuration is wrong.
    Error,
}

impl Category {
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

/// The outcome of a run, ready to report.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub category: Category,
    /// What follows the category word in the text report.
    pub reason: String,
    pub url: Option<String>,
    pub status: Option<u16>,
    pub elapsed: Duration,
    /// Extra lines for `--verbose`.
    pub details: Vec<String>,
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
        }
    }

    /// The one place where an exchange and the checks become a category.
    pub fn decide(
        settings: &Settings,
        outcome: Result<Answer, Failure>,
        elapsed: Duration,
    ) -> Verdict {
        let url = settings.target.url();
        let within = duration::format(settings.timeout);
        let (category, status, reason) = match outcome {
            Err(Failure::Timeout(phase)) => {
                (Category::Timeout, None, format!("{phase} within {within}"))
            }
            Err(Failure::Unreachable(reason)) => (Category::Unreachable, None, reason),
            Err(Failure::Config(reason)) => (Category::Error, None, reason),
            Ok(Answer::Connected(peer)) => (
                Category::Healthy,
                None,
                format!(
                    "connected to {peer} ({url}) in {}",
                    duration::human(elapsed)
                ),
            ),
            Ok(Answer::Http(answer)) => {
                let status = Some(answer.status);
                let head = format!("{} from {url}", answer.status_line());
                if !settings.checks.status.accepts(answer.status) {
                    let accepted = &settings.checks.status;
                    (
                        Category::Unhealthy,
                        status,
                        format!("{head} (accepted: {accepted})"),
                    )
                } else if let Some(why) = answer
                    .body
                    .as_ref()
                    .and_then(|b| settings.checks.body_failure(&b.bytes, b.truncated))
                {
                    (Category::Unhealthy, status, format!("{head}, but {why}"))
                } else {
                    (
                        Category::Healthy,
                        status,
                        format!("{head} in {}", duration::human(elapsed)),
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
        }
    }
}
