//! The start of a probe and its one deadline.

use std::time::{Duration, Instant};

/// The start of the probe and its deadline, for every bounded step.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub start: Instant,
    pub deadline: Instant,
}

impl Clock {
    pub fn new(timeout: Duration) -> Clock {
        let start = Instant::now();
        Clock {
            start,
            deadline: start + timeout,
        }
    }

    /// Time left, or `None` once the deadline has passed.
    pub fn left(&self) -> Option<Duration> {
        Some(self.deadline.saturating_duration_since(Instant::now())).filter(|d| !d.is_zero())
    }

    pub fn since_start(&self) -> Duration {
        self.start.elapsed()
    }
}
