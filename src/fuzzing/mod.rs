//! The fuzz targets' bodies (`fuzz/`, docs/fuzzing.md): each feeds bytes to the very
//! function the probe uses — a whole probe over a socket for HTTP and gRPC
//! ([`exchanges`], with the peer of [`peer`]), a reply judge on the bounded reader for
//! the other protocols, the parsers of arguments and variables and redaction
//! ([`parsers`]) — and asserts what the README promises of the result ([`report`]), not
//! only that nothing panicked. They live here, not in `fuzz/`, so that `tests/fuzz.rs`
//! replays the committed corpora and every kept finding through the same assertions on
//! every test run.
//!
//! A test harness, not part of the probe's flow: the binary links none of it.

mod exchanges;
mod parsers;
mod peer;
mod report;

pub use report::assert_report;

use crate::protocol::SCHEMES;
use crate::protocol::scheme::Speak;

/// The credential every fuzzed exchange sends (`-H 'Authorization: Bearer …'`) and the
/// seed corpora hold in server text, so that the fuzzer has it to echo back.
pub const SECRET: &str = "hp-fuzz-7d1c-secret";

/// The deadline of a fuzzed exchange: never reached, as every peer here closes after its
/// bytes; only a bug that waited for more would meet it (and libFuzzer's -timeout).
const DEADLINE: &str = "5s";

/// A fuzz target's body: bytes in, a panic when a promise does not hold.
type Harness = fn(&[u8]);

/// The fuzz targets that are not a scheme's reply judge, by the name of their binary in
/// `fuzz/fuzz_targets/`, their corpus in `fuzz/corpus/` and their kept findings in
/// `tests/fuzz/`. A reply protocol's target is its row's ([`targets`]).
static OWN: &[(&str, Harness)] = &[
    ("http", exchanges::http),
    ("body", exchanges::body),
    ("grpc", exchanges::grpc),
    ("hpack", exchanges::hpack),
    ("duration", parsers::duration),
    ("status", parsers::status),
    ("header", parsers::header),
    ("target", parsers::target),
    ("argv", parsers::argv),
    ("redaction", parsers::redaction),
];

/// Every fuzz target's name: [`OWN`]'s, then each reply protocol's, from its row.
pub fn targets() -> Vec<&'static str> {
    let replies = SCHEMES.iter().filter_map(|s| match s.speak {
        Speak::Reply { .. } => s.fuzz_target(),
        _ => None,
    });
    OWN.iter().map(|(name, _)| *name).chain(replies).collect()
}

/// Runs the target called `name` on `data` (what each fuzz target's binary does).
pub fn run(name: &str, data: &[u8]) {
    match OWN.iter().find(|(n, _)| *n == name) {
        Some((_, target)) => target(data),
        None => exchanges::reply(name, data),
    }
}
