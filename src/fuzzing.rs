//! The fuzz targets' bodies (`fuzz/`, docs/fuzzing.md): each feeds bytes to the very
//! function the probe uses — a whole probe over a socket for HTTP and gRPC, a reply judge on
//! the bounded reader for the other protocols, the parsers of arguments and variables,
//! redaction — and asserts what the README promises of the result, not only that nothing
//! panicked. They live here, not in `fuzz/`, so that `tests/fuzz.rs` replays the committed
//! corpora and every kept finding through the same assertions on every test run.
//!
//! Not part of the probe: the binary links none of it.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;

use crate::cli::{self, Command};
use crate::duration;
use crate::judge::checks::Checks;
use crate::judge::status::StatusSet;
use crate::judge::verdict::{Judge, Verdict};
use crate::net::{Bounded, Clock, REPLY_CAP, Stream};
use crate::probe;
use crate::protocol::grpc::hpack;
use crate::protocol::http::header::{Header, is_credential};
use crate::protocol::{self, SCHEMES};
use crate::report::{self, Format, MAX_OUTPUT, Verbosity};
use crate::sanitize::{self, REDACTED, Secrets, WINDOW};
use crate::target::{Speak, Target, hide_userinfo};

/// The credential every fuzzed exchange sends (`-H 'Authorization: Bearer …'`) and the
/// seed corpora hold in server text, so that the fuzzer has it to echo back.
pub const SECRET: &str = "hp-fuzz-7d1c-secret";

/// The deadline of a fuzzed exchange: never reached, as every peer here closes after its
/// bytes; only a bug that waited for more would meet it (and libFuzzer's -timeout).
const DEADLINE: &str = "5s";

/// A fuzz target's body: bytes in, a panic when a promise does not hold.
pub type Harness = fn(&[u8]);

/// Every fuzz target, by the name of its binary in `fuzz/fuzz_targets/`, its corpus in
/// `fuzz/corpus/` and its kept findings in `tests/fuzz/`.
pub static TARGETS: &[(&str, Harness)] = &[
    ("http", http),
    ("body", body),
    ("grpc", grpc),
    ("hpack", hpack),
    ("postgres", |data| reply("postgres", data)),
    ("redis", |data| reply("redis", data)),
    ("mysql", |data| reply("mysql", data)),
    ("amqp", |data| reply("amqp", data)),
    ("nats", |data| reply("nats", data)),
    ("memcached", |data| reply("memcached", data)),
    ("mqtt", |data| reply("mqtt", data)),
    ("duration", duration),
    ("status", status),
    ("header", header),
    ("target", target),
    ("argv", argv),
    ("redaction", redaction),
];

/// Runs the target called `name` on `data` (what each fuzz target's binary does).
pub fn run(name: &str, data: &[u8]) {
    match TARGETS.iter().find(|(n, _)| *n == name) {
        Some((_, target)) => target(data),
        None => panic!("no fuzz target {name}"),
    }
}

/// Asserts what every report promises (README, Reliability): at most [`MAX_OUTPUT`] bytes;
/// text is one verdict line starting with a category word, then `-v`'s indented lines,
/// JSON one object on one line; nothing a terminal would act on (control characters,
/// Unicode format characters, line separators — escaping it again changes nothing); and
/// no run of [`WINDOW`] bytes of a secret.
pub fn assert_report(out: &str, format: Format, secrets: &[&str]) {
    assert!(out.len() <= MAX_OUTPUT, "{} bytes: {out:?}", out.len());
    if out.is_empty() {
        return;
    }
    assert!(out.ends_with('\n'), "not whole lines: {out:?}");
    let lines: Vec<&str> = out[..out.len() - 1].split('\n').collect();
    for line in &lines {
        assert_eq!(sanitize::escape(line), *line, "unescaped: {out:?}");
        assert!(
            !line.contains(char::is_control),
            "control character: {out:?}"
        );
    }
    match format {
        Format::Text => {
            let words = [
                "healthy: ",
                "unhealthy: ",
                "unreachable: ",
                "timeout: ",
                "error: ",
            ];
            assert!(words.iter().any(|w| lines[0].starts_with(w)), "{out:?}");
            assert!(lines[1..].iter().all(|l| l.starts_with("  ")), "{out:?}");
        }
        Format::Json => {
            assert_eq!(lines.len(), 1, "{out:?}");
            let value: serde_json::Value = serde_json::from_str(lines[0]).expect("valid JSON");
            assert!(value["result"].is_string(), "{out:?}");
        }
    }
    for secret in secrets {
        assert_no_run(out.as_bytes(), secret.as_bytes());
    }
}

/// No [`WINDOW`]-byte run of `secret` (ASCII case folded) stands in `text`, except where
/// it overlaps what the probe itself wrote there: a `[redacted]`, an escape (`\u{1a}`), a
/// cut's `…`. Those can complete a run of a secret that happens to hold their characters
/// without showing anything of it (the server's own bytes are checked before they are
/// escaped, in `redaction`).
fn assert_no_run(text: &[u8], secret: &[u8]) {
    if let Some(at) = shown_run(text, secret, |text| written_by_us(text, true)) {
        panic!(
            "a run of a secret shows at {at}: {:?}",
            String::from_utf8_lossy(text)
        );
    }
}

/// Where a run of `secret` stands in `text` outside what `ours` finds the probe wrote
/// there, if anywhere.
fn shown_run(
    text: &[u8],
    secret: &[u8],
    ours: impl Fn(&[u8]) -> Vec<std::ops::Range<usize>>,
) -> Option<usize> {
    let text = text.to_ascii_lowercase();
    let secret = secret.to_ascii_lowercase();
    // Runs as numbers, sorted: the check runs on every report of every fuzzed input.
    let number = |run: &[u8]| u64::from_le_bytes(run.try_into().expect("a run"));
    let mut runs: Vec<u64> = secret.windows(WINDOW).map(number).collect();
    runs.sort_unstable();
    let ours = ours(&text);
    let covered = |at: usize| ours.iter().any(|r| r.start < at + WINDOW && at < r.end);
    (text.windows(WINDOW).enumerate())
        .find(|&(at, run)| runs.binary_search(&number(run)).is_ok() && !covered(at))
        .map(|(at, _)| at)
}

/// Where `text` holds a `[redacted]`, and once `escaped` for a report, a `…` (after what
/// is left of a `[redacted]` it cut), a U+FFFD, or an escape of `sanitize::escape`'s kind
/// (`\n`, `\r`, `\t`, `\u{…}`).
fn written_by_us(text: &[u8], escaped: bool) -> Vec<std::ops::Range<usize>> {
    let mut ours = Vec::new();
    for at in 0..text.len() {
        let rest = &text[at..];
        // A cut may end a report inside a `[redacted]`: `[redac…`.
        let cut_marker = (1..REDACTED.len()).find(|&k| {
            escaped
                && rest.starts_with(&REDACTED.as_bytes()[..k])
                && rest[k..].starts_with("…".as_bytes())
        });
        let len = if rest.starts_with(REDACTED.as_bytes()) {
            REDACTED.len()
        } else if let Some(k) = cut_marker {
            k + "…".len()
        } else if !escaped {
            0
        } else if rest.starts_with("…".as_bytes()) {
            "…".len()
        } else if rest.starts_with("\u{FFFD}".as_bytes()) {
            // What a report shows for each byte of a server's that is not UTF-8.
            "\u{FFFD}".len()
        } else if rest.starts_with(b"\\") {
            escape_len(rest)
        } else {
            0
        };
        if len > 0 {
            ours.push(at..at + len);
        }
    }
    ours
}

/// The length of the escape `text` starts with (`\u{1b}`, `\n`), or of what a cut left
/// of one before its `…` (`\u{1…`); 0 if it starts with none.
fn escape_len(text: &[u8]) -> usize {
    if matches!(text.get(1), Some(b'n' | b'r' | b't')) {
        return 2;
    }
    let body = text[1..]
        .iter()
        .take_while(|b| b.is_ascii_hexdigit() || matches!(b, b'u' | b'{'))
        .count();
    let after = &text[1 + body..];
    if text[1..].starts_with(b"u{") && after.starts_with(b"}") {
        1 + body + 1
    } else if after.starts_with("…".as_bytes()) && body <= "u{10ffff".len() {
        1 + body + "…".len()
    } else {
        0
    }
}

/// Renders `verdict` every way a run can (text and JSON, normal and `-v`) and asserts
/// each report's promises.
fn assert_reports(verdict: &Verdict, secrets: &[&str]) {
    for format in [Format::Text, Format::Json] {
        for verbosity in [Verbosity::Normal, Verbosity::Verbose] {
            assert_report(&report::render(verdict, format, verbosity), format, secrets);
        }
    }
}

/// A configuration error as the run reports it, asserted.
fn assert_rejected(reason: String, secrets: &[&str]) {
    assert_reports(&Verdict::config_error(reason), secrets);
}

/// Whether `error` quotes `part` of the input: it holds `part`, and the error for the
/// input with `part` replaced (`changed`) does not, so words of the message that happen
/// to match `part` do not count.
fn quotes(error: &str, part: &str, changed: impl FnOnce() -> Option<String>) -> bool {
    part.len() >= WINDOW && error.contains(part) && !changed().is_some_and(|e| e.contains(part))
}

fn lossy(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

// ---- Servers' bytes -------------------------------------------------------------------

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
fn probe_peer(argv: Vec<Vec<u8>>, reply: &[u8], secrets: &[&str]) -> Option<Verdict> {
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
fn options() -> Vec<Vec<u8>> {
    let credential = format!("Authorization: Bearer {SECRET}");
    ["-v", "-H", &credential, "-t", DEADLINE]
        .iter()
        .map(|a| a.as_bytes().to_vec())
        .collect()
}

/// The HTTP exchange as the probe reads it: `data` is everything the server sends.
pub fn http(data: &[u8]) {
    let mut argv = options();
    argv.push(b"http://localhost/health".to_vec());
    probe_peer(argv, data, &[SECRET]);
}

/// `--body` and `--json` on a 200 response: `data` is the `--body` text, NUL, the
/// `--json` check, NUL, the body. Also checks the streaming JSON matcher against
/// serde_json's own pointer lookup wherever the body is a JSON document.
pub fn body(data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == 0);
    let mut part = || parts.next().unwrap_or_default();
    let (contains, json, body) = (part(), part(), part());
    let mut argv = options();
    if !contains.is_empty() {
        argv.extend([b"--body".to_vec(), contains.to_vec()]);
    }
    if !json.is_empty() {
        argv.extend([b"--json".to_vec(), json.to_vec()]);
        agrees_with_serde(json, body);
    }
    argv.push(b"http://localhost/health".to_vec());
    let mut reply =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".to_vec();
    reply.extend_from_slice(body);
    // A report quotes the operator's own --body and --json: the secret is not looked
    // for where the operator wrote some of it there.
    let typed = [contains, json]
        .iter()
        .any(|t| shown_run(t, SECRET.as_bytes(), |_| Vec::new()).is_some());
    probe_peer(argv, &reply, if typed { &[] } else { &[SECRET] });
}

/// `--json`'s walk finds what serde_json's `Value::pointer` finds, in a body serde_json
/// reads as one document.
fn agrees_with_serde(check: &[u8], body: &[u8]) {
    let Ok(check) = std::str::from_utf8(check) else {
        return;
    };
    let Ok(check) = crate::judge::checks::JsonCheck::parse(check) else {
        return;
    };
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(body) else {
        return;
    };
    let found = crate::judge::find(body, &check.pointer, &check.expected).expect("a JSON body");
    use crate::judge::Found;
    match document.pointer(&check.pointer) {
        None => assert_eq!(found, Found::Missing),
        Some(value) if *value == check.expected => assert_eq!(found, Found::Equal),
        Some(_) => assert!(matches!(found, Found::Differs(_)), "{found:?}"),
    }
}

/// The gRPC health call as the probe makes it: `data` is everything the server sends
/// (HTTP/2 frames, HPACK blocks, the gRPC message).
pub fn grpc(data: &[u8]) {
    let mut argv = options();
    argv.push(b"grpc://localhost/svc".to_vec());
    let Some(verdict) = probe_peer(argv, data, &[SECRET]) else {
        return;
    };
    // gRPC's transport encodings are shown decoded, so redaction saw the secret in them:
    // no `-bin` field's line shows it in base64, no grpc-message line percent-encoded.
    let shown = report::render(&verdict, Format::Text, Verbosity::Verbose);
    for line in shown.lines() {
        // `  < NAME: value`, the fields `-v` shows; other fields' values are shown as
        // sent, and an encoding in them is not looked for (the README says so).
        let Some((name, _)) = line
            .trim_start()
            .strip_prefix("< ")
            .and_then(|f| f.split_once(": "))
        else {
            continue;
        };
        let encoded = if name.ends_with("-bin") {
            base64_runs(SECRET.as_bytes())
        } else if name == "grpc-message" {
            let percent: String = SECRET.bytes().map(|b| format!("%{b:02X}")).collect();
            vec![percent.clone(), percent.to_ascii_lowercase()]
        } else {
            continue;
        };
        for form in encoded {
            assert_no_run(line.as_bytes(), form.as_bytes());
        }
    }
}

/// The base64 of `secret` as it reads at each of the three offsets it can start at
/// within a longer value, without the characters it shares with its neighbours.
fn base64_runs(secret: &[u8]) -> Vec<String> {
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..3)
        .map(|shift| {
            let mut bytes = vec![0u8; shift];
            bytes.extend_from_slice(secret);
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b))
                    << (8 * (3 - chunk.len()));
                for i in 0..=chunk.len() {
                    out.push(char::from(DIGITS[(n >> (18 - 6 * i) & 63) as usize]));
                }
            }
            // The first and last four characters also encode the neighbours' bits.
            out[4..out.len() - 4].to_string()
        })
        .collect()
}

/// A reply judge (`postgres`, `redis`, …, a SCHEMES name) on the bounded reader, as the
/// probe runs it once connected: `data` is everything the server sends. It reads at most
/// [`REPLY_CAP`] bytes, and its verdict's reports hold their promises.
pub fn reply(scheme: &str, data: &[u8]) {
    let found = SCHEMES.iter().find(|s| s.names.contains(&scheme));
    let Some(&Speak::Reply { protocol, check }) = found.map(|s| &s.speak) else {
        panic!("{scheme} is not a protocol judged on its reply");
    };
    // A socket pair holds a few hundred KiB; more than the cap is all a test needs.
    let data = &data[..data.len().min(16 * REPLY_CAP)];
    let (ours, mut theirs) = UnixStream::pair().expect("a socket pair");
    theirs.write_all(data).expect("the reply written");
    theirs
        .shutdown(std::net::Shutdown::Write)
        .expect("shutdown");
    let mut left_in = ours.try_clone().expect("a second handle");
    let timeout = Duration::from_secs(5);
    let clock = Clock::new(timeout);
    let mut io = Bounded::new(Stream::Unix(ours), clock);
    let peer = SocketAddr::from((Ipv4Addr::LOCALHOST, 1));
    let secrets = Secrets::new([SECRET]);
    let outcome = protocol::speak(&mut io, peer, &secrets, protocol, check);
    drop(io);
    // What the judge left unread is still in the socket: everything else it read.
    let mut left = Vec::new();
    left_in.set_nonblocking(true).expect("non-blocking");
    let _ = left_in.read_to_end(&mut left);
    let read = data.len() - left.len();
    assert!(read <= REPLY_CAP, "{protocol}: {read} bytes read");
    let checks = Checks::default();
    let judge = Judge {
        checks: &checks,
        secrets: &secrets,
        timeout,
        quiet: false,
    };
    let url = format!("{scheme}://127.0.0.1:1");
    let verdict = Verdict::decide(&judge, url, outcome, clock.since_start());
    assert_reports(&verdict, &[SECRET]);
}

/// HPACK decoding (a response's header blocks): `data` is two blocks for one decoder
/// (its first byte the first block's length), so that the dynamic table carries over.
/// A decoded list stays within [`hpack::MAX_LIST`], and fields written by our own encoder
/// decode to themselves.
pub fn hpack(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (one, two) = rest.split_at(usize::from(first).min(rest.len()));
    let mut decoder = hpack::Decoder::new();
    for block in [one, two] {
        let mut fields = Vec::new();
        let decoded = decoder.block(block, |name, value| {
            fields.push((name.to_vec(), value.to_vec()))
        });
        let listed: usize = fields.iter().map(|(n, v)| n.len() + v.len() + 32).sum();
        assert!(listed <= hpack::MAX_LIST, "{listed} bytes listed");
        if decoded.is_err() {
            return;
        }
        let mut again = Vec::new();
        for (name, value) in &fields {
            hpack::field(&mut again, name, value);
        }
        let mut copy = Vec::new();
        hpack::Decoder::new()
            .block(&again, |name, value| {
                copy.push((name.to_vec(), value.to_vec()))
            })
            .expect("our own encoding decodes");
        assert_eq!(copy, fields);
    }
}

// ---- Operators' bytes -----------------------------------------------------------------

/// A duration (`--timeout`, `--wait`, `--interval`): accepted ones lie in 1 ms..=1 h and
/// read back from how reports write them; errors report as one line.
pub fn duration(data: &[u8]) {
    let text = lossy(data);
    match duration::parse(&text) {
        Ok(d) => {
            assert!(d >= Duration::from_millis(1) && d <= duration::MAX, "{d:?}");
            // Reports write milliseconds; parsing that back gives the same milliseconds.
            let shown = duration::format(d);
            let back = duration::parse(&shown).expect("a formatted duration parses");
            assert_eq!(back.as_millis(), d.as_millis(), "{shown}");
        }
        Err(reason) => assert_rejected(reason, &[]),
    }
}

/// A status list (`--status`): what it accepts survives being written back as text, and
/// every code it accepts is one HTTP defines.
pub fn status(data: &[u8]) {
    let text = lossy(data);
    match StatusSet::parse(&text) {
        Ok(set) => {
            let again = StatusSet::parse(&set.to_string()).expect("a written list parses");
            for code in 0..=1000 {
                assert_eq!(set.accepts(code), again.accepts(code), "{code}");
                assert!(!set.accepts(code) || (100..=599).contains(&code), "{code}");
            }
        }
        Err(reason) => assert_rejected(reason, &[]),
    }
}

/// A header (`-H`): never a line break or NUL in what is sent, a credential's value never
/// in an error or in how reports show the header.
pub fn header(data: &[u8]) {
    let text = lossy(data);
    match Header::parse(&text) {
        Ok(header) => {
            assert!(!header.name.is_empty());
            assert!(!header.value.contains(['\r', '\n', '\0']), "{header:?}");
            if header.is_hidden() {
                assert_eq!(header.shown_value(), REDACTED);
            }
        }
        Err(reason) => {
            if let Some((name, value)) = text.split_once(':')
                && is_credential(name.trim())
            {
                let value = value.trim();
                let changed = || Header::parse(&format!("{name}: ********")).err();
                assert!(!quotes(&reason, value, changed), "{reason}");
            }
            assert_rejected(reason, &[]);
        }
    }
}

/// A TARGET with any scheme: an accepted one reads back from its own URL; an error never
/// quotes what stands before an `@` (a password from a DATABASE_URL).
pub fn target(data: &[u8]) {
    let text = lossy(data);
    match Target::parse(&text, 3000, SCHEMES) {
        Ok(target) => {
            // The URL shown is the URL probed: it reads back to itself. Except a path
            // target's with an `@` (`/users/@me`): a URL refuses any `@`, as a password
            // may hold what would end its authority early.
            let url = target.url();
            if !url.contains('@') {
                let again = Target::parse(&url, 3000, SCHEMES).expect("its own URL parses");
                assert_eq!(again.url(), url);
            }
        }
        Err(reason) => {
            if let Some(hidden) = userinfo(&text, &hide_userinfo(&text)) {
                let (userinfo, rest) = (&text[hidden.clone()], &text[hidden.end..]);
                let other = format!("{}********{rest}", &text[..hidden.start]);
                let changed = || Target::parse(&other, 3000, SCHEMES).err();
                assert!(!quotes(&reason, userinfo, changed), "{reason}");
            }
            assert_rejected(reason, &[]);
        }
    }
}

/// Where in `text` stands what [`hide_userinfo`] hid: the part before the last `@` that
/// `hidden` shows as `[redacted]`.
fn userinfo(text: &str, hidden: &str) -> Option<std::ops::Range<usize>> {
    let at = text.rfind('@')?;
    let from = hidden.find(REDACTED)?;
    text.get(from..at).map(|_| from..at)
}

/// A whole command line and environment: `data` is NUL-separated words, the last
/// `data[0] % 4` of them `NAME=value` variables. Parsing never touches the network; an
/// error is one report line that quotes no credential given with `-H`.
pub fn argv(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let words: Vec<&[u8]> = rest.split(|&b| b == 0).collect();
    let (args, vars) = words.split_at(words.len().saturating_sub(usize::from(first % 4)));
    let vars: Vec<(String, OsString)> = vars
        .iter()
        .filter_map(|v| {
            let at = v.iter().position(|&b| b == b'=')?;
            Some((lossy(&v[..at]), OsString::from_vec(v[at + 1..].to_vec())))
        })
        .collect();
    let parse = |args: Vec<OsString>| {
        let env = |name: &str| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        let names: Vec<String> = vars
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| n.to_ascii_uppercase().starts_with("HEALTHPROBE_"))
            .collect();
        cli::parse(args, &env, &names)
            .err()
            .map(|r| (r.reason, r.format))
    };
    let args: Vec<OsString> = args
        .iter()
        .map(|a| OsString::from_vec(a.to_vec()))
        .collect();
    let Some((reason, format)) = parse(args.clone()) else {
        return;
    };
    let report = report::render(
        &Verdict::config_error(reason.clone()),
        format,
        Verbosity::Normal,
    );
    assert_report(&report, format, &[]);
    // No error quotes the value of a credential given with -H.
    for (at, pair) in args.windows(2).enumerate() {
        let (Some("-H" | "--header"), Some(header)) = (pair[0].to_str(), pair[1].to_str()) else {
            continue;
        };
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        if !is_credential(name.trim()) {
            continue;
        }
        let value = value.trim();
        // The same command line with only this header's value changed: another argument
        // that happens to hold the same text may be quoted (an unknown TARGET, say).
        let changed = || {
            let mut args = args.clone();
            args[at + 1] = OsString::from(format!("{name}: ********"));
            parse(args).map(|(r, _)| r)
        };
        assert!(!quotes(&reason, value, changed), "{reason}");
    }
}

/// Redaction: `data` is up to three secrets and a text, NUL-separated (the text last). No
/// run of a secret survives in what a report would show, and it is never longer than
/// asked.
pub fn redaction(data: &[u8]) {
    let parts: Vec<&[u8]> = data.splitn(4, |&b| b == 0).collect();
    let Some((text, secrets)) = parts.split_last() else {
        return;
    };
    // As `-H` and `--secret-header` take them: UTF-8 text of at least WINDOW bytes.
    let secrets: Vec<&str> = secrets
        .iter()
        .filter_map(|s| std::str::from_utf8(s).ok())
        .filter(|s| s.len() >= WINDOW)
        .collect();
    let set = Secrets::new(secrets.iter().copied());
    let redacted = set.redact(text);
    // The server's bytes, redacted, before anything else is done to them: only a
    // `[redacted]` is the probe's there.
    let markers = |text: &[u8]| written_by_us(text, false);
    for secret in &secrets {
        assert_eq!(shown_run(&redacted, secret.as_bytes(), markers), None);
        // As a server that JSON-escapes what it echoes sends it.
        let quoted = serde_json::Value::from(*secret).to_string();
        let quoted = &quoted.as_bytes()[1..quoted.len() - 1];
        assert_eq!(shown_run(&redacted, quoted, markers), None);
    }
    for max in [0, 1, 7, 120, 200, 4096] {
        let out = set.show(text, max);
        assert!(
            out.len() <= max + "…".len(),
            "{} bytes for {max}",
            out.len()
        );
        assert_eq!(sanitize::escape(&out), out);
        for secret in &secrets {
            assert_no_run(out.as_bytes(), secret.as_bytes());
        }
    }
}
