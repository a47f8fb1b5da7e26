//! The run's one report, as both `process` variants keep it: whether it has begun (a
//! signal's stop report or the out-of-memory one may take it first), where it goes, and
//! the out-of-memory report in the run's format, which is written without allocating.

use std::ffi::c_int;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// Whether the run's one report has begun: by [`claim_report`], from the final report, the
/// out-of-memory one or Linux's signal handler. Whichever comes first writes and exits;
/// the others stay silent, so that no run says two verdicts.
static REPORTED: AtomicBool = AtomicBool::new(false);

/// Claims the run's one report. `false` when another has begun: the process is about to
/// exit, and nothing more may be written.
pub fn claim_report() -> bool {
    !REPORTED.swap(true, Ordering::SeqCst)
}

/// Where reports go: standard output, or standard error when the process is to become a
/// command (`-- COMMAND`), whose standard output is the app's.
static REPORT_FD: AtomicI32 = AtomicI32::new(1);

/// Sends every report of the run, a signal handler's included, to standard error.
pub fn report_to_stderr() {
    REPORT_FD.store(2, Ordering::Relaxed);
}

/// The descriptor reports go to: 1, or 2 after [`report_to_stderr`].
pub fn report_fd() -> c_int {
    REPORT_FD.load(Ordering::Relaxed)
}

/// Whether the run reports in JSON, for the one report that must be written without
/// allocating ([`out_of_memory`]).
static JSON_REPORTS: AtomicBool = AtomicBool::new(false);

/// Tells [`out_of_memory`] the run's report format, once it is known.
pub fn report_in_json(json: bool) {
    JSON_REPORTS.store(json, Ordering::Relaxed);
}

/// The out-of-memory report's reason, in both formats.
macro_rules! reason {
    () => {
        "out of memory (the memory or address-space limit is too low for the probe: \
         ulimit -v, a container's memory limit?)"
    };
}

/// The out-of-memory report, in the run's format: put together at compile time, so that
/// writing it needs no memory.
pub fn out_of_memory() -> &'static str {
    if JSON_REPORTS.load(Ordering::Relaxed) {
        // The keys in the order every JSON report has them.
        concat!(
            "{\"elapsed_ms\":0.0,\"healthy\":false,\"reason\":\"",
            reason!(),
            "\",\"result\":\"error\",\"status\":null,\"url\":null}\n"
        )
    } else {
        concat!("error: ", reason!(), "\n")
    }
}
