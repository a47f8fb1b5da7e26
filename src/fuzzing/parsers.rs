//! The parsers' targets: durations, statuses, headers, targets, the whole command line
//! with its variables, and redaction.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;

use super::report::{
    assert_no_run, assert_rejected, assert_report, lossy, quotes, shown_run, written_by_us,
};
use crate::cli::{self};
use crate::duration;
use crate::judge::status::StatusSet;
use crate::judge::verdict::Verdict;
use crate::protocol::SCHEMES;
use crate::protocol::http::header::{Header, is_credential};
use crate::protocol::target::{Target, hide_userinfo};
use crate::report::{self, Verbosity};
use crate::sanitize::{self, REDACTED, Secrets, WINDOW};

/// A duration (`--timeout`, `--wait`, `--interval`): accepted ones lie in 1 ms..=1 h and
/// read back from how reports write them; errors report as one line.
pub(super) fn duration(data: &[u8]) {
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
pub(super) fn status(data: &[u8]) {
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
pub(super) fn header(data: &[u8]) {
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
pub(super) fn target(data: &[u8]) {
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
pub(super) fn argv(data: &[u8]) {
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
pub(super) fn redaction(data: &[u8]) {
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
