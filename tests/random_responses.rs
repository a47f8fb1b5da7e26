//! Thousands of random and mutated HTTP responses, each served to the real binary: none
//! may kill it, outlive the deadline, or make it print more than 4096 bytes.
//!
//! `HEALTHPROBE_FUZZ_CASES` sets how many (default 3000, about 10 s here);
//! `HEALTHPROBE_FUZZ_SEED` replays a run (the seed is printed on failure).

use crate::support;

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime};

use support::{Server, run};

const DEADLINE_MS: u64 = 300;
const SLACK_MS: u64 = 100;

/// xorshift64*: small, seedable, good enough to explore byte strings.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const CORPUS: &[&[u8]] = &[
    b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\nContent-Type: application/json\r\n\r\n{\"status\":\"ok\"}",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nf\r\n{\"status\":\"ok\"}\r\n0\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\ndown",
    b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"status\":\"ok\",\"checks\":{\"db\":true}}",
];

const INTERESTING: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r",
    b":",
    b" ",
    b"\0",
    b"\xff",
    b"\xc3",
    b"{",
    b"\"",
    b"99999999999999999999",
    b"-1",
    b"0\r\n\r\n",
    b"HTTP/1.1 ",
    b"Transfer-Encoding: chunked\r\n",
    b"Content-Length: 0\r\n",
    b"\x1b[2J",
    b"\t",
];

fn mutate(rng: &mut Rng) -> Vec<u8> {
    if rng.below(10) == 0 {
        let len = rng.below(300);
        return (0..len).map(|_| rng.next() as u8).collect();
    }
    let mut bytes = CORPUS[rng.below(CORPUS.len())].to_vec();
    for _ in 0..1 + rng.below(5) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                bytes.splice(at..at, piece.iter().copied());
            }
            2 => {
                let end = (at + rng.below(20)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(40)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            4 => bytes.truncate(at),
            _ => {
                let b = rng.next() as u8;
                bytes.insert(at, b);
            }
        }
    }
    bytes
}

const ARG_SETS: &[&[&str]] = &[
    &[],
    &["--body", "ok"],
    &["--json", "/status=ok"],
    &["-v"],
    &["--format", "json", "-v"],
    &["--method", "HEAD"],
    &["--status", "2xx", "--json", "/checks/db=true"],
];

#[test]
fn random_responses_never_break_the_probe() {
    let cases: usize = std::env::var("HEALTHPROBE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let seed: u64 = std::env::var("HEALTHPROBE_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("random_responses: {cases} cases, HEALTHPROBE_FUZZ_SEED={seed}");
    let workers = 2;
    let handles: Vec<_> = (0..workers)
        .map(|worker| {
            thread::spawn(move || {
                let mut rng = Rng(seed.wrapping_add(worker as u64 * 0x9E37_79B9) | 1);
                let current = Arc::new(Mutex::new(Vec::new()));
                let serving = current.clone();
                let server = Server::start(move |c| {
                    let bytes = serving.lock().unwrap().clone();
                    c.send(&bytes);
                });
                let url = server.url("/health");
                let deadline = format!("{DEADLINE_MS}ms");
                for case in 0..cases / workers {
                    let response = mutate(&mut rng);
                    *current.lock().unwrap() = response.clone();
                    let mut args = vec!["-t", deadline.as_str(), url.as_str()];
                    args.extend_from_slice(ARG_SETS[rng.below(ARG_SETS.len())]);
                    let run = run(&args);
                    let context = || {
                        format!(
                            "seed {seed}, worker {worker}, case {case}, args {args:?}, response {:?}: {run:#?}",
                            String::from_utf8_lossy(&response)
                        )
                    };
                    assert!(matches!(run.code, Some(0 | 1)), "{}", context());
                    assert!(run.output_len() <= 4096, "{}", context());
                    assert!(
                        run.elapsed <= Duration::from_millis(DEADLINE_MS + SLACK_MS),
                        "{}",
                        context()
                    );
                    let word = if args.contains(&"json") {
                        let v: serde_json::Value = serde_json::from_str(&run.stdout)
                            .unwrap_or_else(|e| panic!("{e}: {}", context()));
                        v["result"].as_str().unwrap_or("").to_string()
                    } else {
                        run.word().to_string()
                    };
                    assert!(
                        ["healthy", "unhealthy", "unreachable", "timeout"].contains(&word.as_str()),
                        "{}",
                        context()
                    );
                    assert_eq!(run.code == Some(0), word == "healthy", "{}", context());
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
}
