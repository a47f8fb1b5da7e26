//! A blocking call that cannot be cancelled (getaddrinfo, a `stat` on a stuck network
//! file system), run on a thread of its own and waited for only until the deadline: past
//! it, the thread is left running and its answer, if it ever comes, kept for whoever asks
//! next (the next attempt of a `--wait`), so that such threads never pile up.
//! A mutex and a condition variable: std's channel links every flavour of itself into the
//! binary once a receiver is kept.

use std::io;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// Where a call's thread leaves its answer.
pub struct Pending<T> {
    found: Mutex<Option<T>>,
    ready: Condvar,
}

impl<T: Send + 'static> Pending<T> {
    /// Starts `call` on a thread with a small stack (one blocking system call needs
    /// little); an error when no thread can be had (a pids limit, `ulimit -u`).
    pub fn start(call: impl FnOnce() -> T + Send + 'static) -> io::Result<Arc<Pending<T>>> {
        let pending = Arc::new(Pending {
            found: Mutex::new(None),
            ready: Condvar::new(),
        });
        let answering = pending.clone();
        thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                let found = call();
                if let Ok(mut slot) = answering.found.lock() {
                    *slot = Some(found);
                    answering.ready.notify_all();
                }
            })?;
        Ok(pending)
    }

    /// The answer, if it comes within `wait`.
    pub fn wait(&self, wait: Duration) -> Option<T> {
        let found = self.found.lock().ok()?;
        let (mut found, _) = self
            .ready
            .wait_timeout_while(found, wait, |found| found.is_none())
            .ok()?;
        found.take()
    }
}
