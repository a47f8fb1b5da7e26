//! The fuzzed peer the whole-probe targets talk to, over a Unix socket.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;

use super::report::{assert_rejected, assert_reports};
use super::{DEADLINE, SECRET};
use crate::cli::{self, Command};
use crate::judge::verdict::Verdict;
use crate::probe;

/// The fuzzed peer: one thread, for the whole process, on a Unix socket; each answer it is
/// handed goes to the next connection. One thread rather than one per input: a thread
/// that ends frees its thread-locals after it is joined, which LeakSanitizer may see first.
struct Peer {
    path: PathBuf,
    answers: mpsc::Sender<Vec<u8>>,
    /// Locked for a whole exchange: one probe at a time.
    served: Mutex<mpsc::Receiver<()>>,
}

fn peer() -> &'static Peer {
    static PEER: OnceLock<Peer> = OnceLock::new();
    PEER.get_or_init(|| {
        // A probe that closes early must fail the peer's write with EPIPE, not kill the
        // process.
        crate::sys::process::ignore_sigpipe();
        let path =
            std::env::temp_dir().join(format!("healthprobe-fuzz-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).expect("a Unix socket in the temporary folder");
        let (answers, answer) = mpsc::channel::<Vec<u8>>();
        let (serve, served) = mpsc::channel();
        std::thread::spawn(move || {
            for reply in answer {
                if let Ok((mut stream, _)) = listener.accept() {
                    // Only a probe that hung would leave the peer reading past this.
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    let _ = stream.write_all(&reply);
                    let _ = stream.shutdown(std::net::Shutdown::Write);
                    let _ = std::io::copy(&mut stream, &mut std::io::sink());
                }
                let _ = serve.send(());
            }
        });
        Peer {
            path,
            answers,
            served: Mutex::new(served),
        }
    })
}

/// Runs the probe `argv` asks for (with `--unix-socket`, the fuzzed peer's) while the
/// peer answers its connection with `reply` and closes; asserts the reports.
pub(super) fn probe_peer(argv: Vec<Vec<u8>>, reply: &[u8], secrets: &[&str]) -> Option<Verdict> {
    let peer = peer();
    let mut args = vec![OsString::from("--unix-socket"), peer.path.clone().into()];
    args.extend(argv.into_iter().map(OsString::from_vec));
    let none = |_: &str| None;
    let plan = match cli::parse(args, &none, &[]) {
        Ok(Command::Probe(plan)) => plan,
        Ok(_) => return None,
        Err(rejected) => {
            assert_rejected(rejected.reason, secrets);
            return None;
        }
    };
    let served = peer.served.lock().expect("one probe at a time");
    peer.answers.send(reply.to_vec()).expect("the peer runs");
    let verdict = probe::run(&plan);
    // The connection is over before the next exchange begins.
    served
        .recv_timeout(Duration::from_secs(60))
        .expect("the probe connected to the peer");
    assert_reports(&verdict, secrets);
    Some(verdict)
}

/// The options of every fuzzed exchange: `-v` (its lines are reports too), a credential
/// the server may echo, the deadline.
pub(super) fn options() -> Vec<Vec<u8>> {
    let credential = format!("Authorization: Bearer {SECRET}");
    ["-v", "-H", &credential, "-t", DEADLINE]
        .iter()
        .map(|a| a.as_bytes().to_vec())
        .collect()
}
