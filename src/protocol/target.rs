//! The target URL: what a TARGET argument, `HEALTHPROBE_URL` or the defaults name, read
//! against the rows of [`super::SCHEMES`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::scheme::{Scheme, Speak};
pub use crate::net::Host;

/// A target, validated: its scheme's row, host, port and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scheme: &'static Scheme,
    pub host: Host,
    pub port: u16,
    /// Whether the port was written out, so the URL is shown the way the user wrote it.
    explicit_port: bool,
    /// Path and query, starting with `/`.
    pub path: String,
}

/// The base a path target is joined to: the app in the same container, over `http`, the
/// first row of `schemes`.
fn default_base(port: u16, schemes: &'static [Scheme]) -> Target {
    Target {
        scheme: &schemes[0],
        host: Host::Loopback,
        port,
        explicit_port: true,
        path: "/".to_string(),
    }
}

impl Target {
    /// Reads a TARGET: a URL of one of `schemes`, or a path joined to [`default_base`].
    pub fn parse(text: &str, port: u16, schemes: &'static [Scheme]) -> Result<Target, String> {
        if text.starts_with('/') {
            return Ok(Target {
                path: path(text)?,
                ..default_base(port, schemes)
            });
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(format!(
                "{:?} is neither a URL (http://host:port/path) nor a path (/health){}",
                shorten(text),
                meant(text, port, schemes)
            ));
        };
        let asked = scheme.to_ascii_lowercase();
        let Some(scheme) = schemes.iter().find(|s| s.names.contains(&asked.as_str())) else {
            let names: Vec<String> = (schemes.iter().filter(|s| s.available()))
                .map(|s| format!("{}://", s.name()))
                .collect();
            return Err(format!(
                "{:?}: only {} URLs are supported",
                shorten(text),
                names.join(", ")
            ));
        };
        if !scheme.available() {
            return Err(format!(
                "{:?}: {asked}:// targets need a build with the `tls` feature \
                 (cargo build --release --features tls, or the -tls artifact)",
                shorten(text)
            ));
        }
        if let Speak::File = scheme.speak {
            return file_target(text, rest, scheme);
        }
        // Userinfo, however it is spelt. A password may hold `/`, `?`, `#` or `:` (a
        // generated one pasted from a DATABASE_URL often does), which would end the
        // authority early and put the password's tail in a port, a host or a path that
        // an error then quotes; so any `@` refuses the URL, and this error quotes none of
        // it. An `@` that belongs to a path or query is written `%40`.
        if rest.contains('@') {
            return Err(credentials(scheme));
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (host, port) = split_host_port(authority)?;
        let tail = tail.split('#').next().unwrap_or("");
        let path = match tail {
            "" => "/".to_string(),
            t if t.starts_with('?') => path(&format!("/{t}"))?,
            t => path(t)?,
        };
        let name = scheme.name();
        let explicit_port = port.is_some();
        let port = port.or(scheme.port).unwrap_or(0);
        let (path_fits, after) = match scheme.speak {
            Speak::Http { .. } => (true, ""),
            Speak::Grpc { .. } => (is_service(&path), ""),
            Speak::Connect | Speak::File | Speak::Reply { .. } => {
                (path == "/", ", nothing after it")
            }
        };
        if port == 0 || !path_fits {
            return Err(format!(
                "{:?}: {name}:// targets are written {}{after}",
                shorten(text),
                scheme.shape()
            ));
        }
        Ok(Target {
            scheme,
            host,
            port,
            explicit_port,
            path,
        })
    }

    /// Whether TLS is spoken (`https://`, `grpcs://`): TLS options apply to these only.
    pub fn is_tls(&self) -> bool {
        self.scheme.is_tls()
    }

    /// Whether HTTP/1.1 is spoken: the options about its response apply to these only.
    pub fn is_http(&self) -> bool {
        matches!(self.scheme.speak, Speak::Http { .. })
    }

    /// Whether a request with headers is sent (HTTP, and gRPC's metadata): `-H`,
    /// `--secret-header` and `--unix-socket` apply to these only.
    pub fn has_request(&self) -> bool {
        matches!(self.scheme.speak, Speak::Http { .. } | Speak::Grpc { .. })
    }

    /// The gRPC service asked about: the path without its `/` (empty: the whole server).
    pub fn service(&self) -> &str {
        self.path.strip_prefix('/').unwrap_or(&self.path)
    }

    /// `host:port` as shown in reasons: `127.0.0.1:3000`, `[::1]:3000`.
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The URL, also what ureq is asked to fetch.
    pub fn url(&self) -> String {
        self.url_for(&self.host.to_string())
    }

    /// The URL as reports show it: the values of query parameters that carry credentials
    /// hidden ([`hide_query_credentials`]).
    pub fn shown(&self) -> String {
        hide_query_credentials(&self.url()).into_owned()
    }

    /// The URL with another host name: with `--servername`, ureq is asked for that name
    /// (its SNI, certificate check and `Host`) while the resolver still answers with the
    /// target's own address, as curl's `--resolve` does.
    pub fn url_for(&self, host: &str) -> String {
        let scheme = self.scheme.name();
        if let Speak::File = self.scheme.speak {
            return format!("{scheme}://{}", self.path);
        }
        if matches!(self.scheme.speak, Speak::Grpc { .. }) {
            let service = self.service();
            let slash = if service.is_empty() { "" } else { "/" };
            return format!("{scheme}://{host}:{}{slash}{service}", self.port);
        }
        if !self.is_http() {
            return format!("{scheme}://{host}:{}", self.port);
        }
        if self.explicit_port {
            format!("{scheme}://{host}:{}{}", self.port, self.path)
        } else {
            format!("{scheme}://{host}{}", self.path)
        }
    }
}

/// A `file://` target: `rest`, what follows `file://`, is an absolute path (no host), with
/// at most `?max-age=DURATION` after it. An `@` is a path's, not userinfo.
fn file_target(text: &str, rest: &str, scheme: &'static Scheme) -> Result<Target, String> {
    if !rest.starts_with('/') {
        return Err(format!(
            "{:?}: {}:// targets are written {}: an absolute path, no host",
            shorten(text),
            scheme.name(),
            scheme.shape()
        ));
    }
    let path = path(rest)?;
    super::file::heartbeat(&path).map_err(|e| format!("{:?}: {e}", shorten(text)))?;
    Ok(Target {
        scheme,
        host: Host::Loopback,
        port: 0,
        explicit_port: false,
        path,
    })
}

/// A gRPC service name after the `/`: a fully qualified protobuf name
/// (`orders.v1.Orders`), or nothing for the server as a whole. A query, a second `/` or
/// a percent sign is refused rather than guessed at.
fn is_service(path: &str) -> bool {
    let name = path.strip_prefix('/').unwrap_or(path);
    name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Why a URL with userinfo is refused, in the terms of its scheme; it quotes nothing of
/// the URL.
fn credentials(scheme: &Scheme) -> String {
    let name = scheme.name();
    if !matches!(scheme.speak, Speak::Http { .. } | Speak::Grpc { .. }) {
        format!(
            "credentials in the URL: a {name}:// target takes none (it logs in to nothing, \
             only asks whether the server accepts connections); remove `user:password@`"
        )
    } else {
        "credentials in the URL would end up in the report; send them with --secret-header \
         (an @ in a path or query is written %40)"
            .to_string()
    }
}

/// Parses the `PORT` the app itself listens on.
pub fn parse_port(text: &str) -> Result<u16, String> {
    match text.trim().parse::<u16>() {
        Ok(port) if port > 0 && text.trim().bytes().all(|b| b.is_ascii_digit()) => Ok(port),
        _ => Err(format!(
            "{:?} is not a port number (1-65535)",
            shorten(text)
        )),
    }
}

/// What a target that is neither a URL nor a path probably meant, as the end of its error:
/// a port alone, a URL without its scheme, a path without its slash. Nothing is suggested
/// for text that may hold credentials, which the error must not repeat.
fn meant(text: &str, port: u16, schemes: &'static [Scheme]) -> String {
    if text.is_empty() || text.len() > 200 || text.contains('@') {
        return String::new();
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return format!(
            "; for the app's port, set PORT={text}, or give http://127.0.0.1:{text}/health"
        );
    }
    // No port and no dot: a path (`health`), not a host.
    if !text.contains([':', '.']) {
        return format!("; try /{text}");
    }
    let url = format!("http://{text}");
    match Target::parse(&url, port, schemes) {
        // `127.0.0.1:3000` means the app's health check, not its front page; with a port
        // and nothing after it, it may be a gRPC server (grpc_health_probe's `-addr`) or
        // a bare TCP service.
        Ok(target) if !text.contains('/') && target.explicit_port => format!(
            "; try {}health, grpc://{text} or tcp://{text}",
            target.url()
        ),
        Ok(target) if !text.contains('/') => format!("; try {}health", target.url()),
        Ok(_) => format!("; try {url}"),
        Err(_) => String::new(),
    }
}

fn split_host_port(authority: &str) -> Result<(Host, Option<u16>), String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((literal, after)) = rest.split_once(']') else {
            return Err(format!("{:?}: unclosed [ in the host", shorten(authority)));
        };
        let ip: Ipv6Addr = literal
            .parse()
            .map_err(|_| format!("{:?} is not an IPv6 address", shorten(literal)))?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| {
                format!("{:?}: expected :port after the address", shorten(authority))
            })?),
        };
        (Host::Ip(IpAddr::V6(ip)), port)
    } else {
        let (name, port) = match authority.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (authority, None),
        };
        // `::1:3000`: an IPv6 address needs brackets to be told from its port.
        if name.contains(':') {
            let bracketed = match (name.parse::<Ipv6Addr>(), port.map(parse_port)) {
                (Ok(_), Some(Ok(_))) => format!("; write [{name}]:{}", port.unwrap_or_default()),
                _ if authority.parse::<Ipv6Addr>().is_ok() => format!("; write [{authority}]"),
                _ => String::new(),
            };
            return Err(format!(
                "{:?}: an IPv6 address goes in brackets{bracketed}",
                shorten(authority)
            ));
        }
        (host_name(name)?, port)
    };
    let port = port.map(parse_port).transpose()?;
    Ok((host, port))
}

fn host_name(name: &str) -> Result<Host, String> {
    if name.is_empty() {
        return Err("the URL has no host".to_string());
    }
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        return Ok(Host::Ip(IpAddr::V4(ip)));
    }
    let valid = name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !valid {
        return Err(format!("{:?} is not a host name", shorten(name)));
    }
    let name = name.to_ascii_lowercase();
    Ok(match name.trim_end_matches('.') {
        "localhost" => Host::Localhost,
        _ => Host::Name(name),
    })
}

/// Validates a path and query. Non-ASCII is percent-encoded, as a browser would send it;
/// spaces and control characters are refused rather than guessed at.
fn path(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => break,
            c if c.is_ascii_control() || c == ' ' => {
                return Err(format!(
                    "{:?}: spaces and control characters in a path must be percent-encoded",
                    shorten(text)
                ));
            }
            c if c.is_ascii() => out.push(c),
            c => {
                let mut bytes = [0; 4];
                for b in c.encode_utf8(&mut bytes).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    if out.len() > 8192 {
        return Err("the path is longer than 8 KiB".to_string());
    }
    Ok(out)
}

/// Keeps a user's value short enough to quote in a one-line reason, without the
/// credentials a URL may carry.
fn shorten(text: &str) -> String {
    crate::sanitize::excerpt(&hide_query_credentials(&hide_userinfo(text)), 200)
}

/// The words that mark a query parameter as a credential, wherever they stand in its
/// name once lower-cased and stripped of `-` and `_`: `password`, `pass`, `passwd`, `pwd`,
/// `secret`, `token`, `key` (`apikey`, `api_key`), `auth`, `credential`, `session`,
/// `sig` (`signature`, `X-Amz-Signature`), as libpq's and redis-py's URIs, API keys and
/// signed URLs carry them.
const CREDENTIAL_WORDS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "auth",
    "credential",
    "session",
    "sig",
];

/// `text` (a URL, or a path with its query) with the value of every query parameter
/// whose name marks a credential replaced by `[redacted]`: `?password=S3cret&ssl=1`
/// shows as `?password=[redacted]&ssl=1`. A report or an error never quotes one; the
/// request still carries it.
pub fn hide_query_credentials(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(start) = text.find('?') else {
        return text.into();
    };
    let (head, query) = text.split_at(start + 1);
    let credential = |name: &str| {
        let name: String = name
            .chars()
            .filter(|c| !matches!(c, '-' | '_'))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        CREDENTIAL_WORDS.iter().any(|word| name.contains(word))
    };
    if !query
        .split(['&', ';', '#'])
        .any(|p| credential(p.split('=').next().unwrap_or("")))
    {
        return text.into();
    }
    let mut shown = head.to_string();
    let mut rest = query;
    while !rest.is_empty() {
        let end = rest.find(['&', ';', '#']).unwrap_or(rest.len());
        let (pair, after) = rest.split_at(end);
        match pair.split_once('=') {
            Some((name, _)) if credential(name) => {
                shown.push_str(name);
                shown.push_str("=[redacted]");
            }
            _ => shown.push_str(pair),
        }
        let (separator, after) = after.split_at(after.len().min(1));
        shown.push_str(separator);
        rest = after;
    }
    shown.into()
}

/// `text` with whatever stands before its last `@` in the authority (from `//`, or from
/// the start when there is none) replaced: `ftp://user:pass@host/`, `http//u:p@h/` and
/// `u:p@h:3000` all keep their password out of an error. Targets often come from
/// `HEALTHPROBE_URL`, filled from a Secret, and errors end up in Events and logs; so
/// anything that might be userinfo is hidden, even at the cost of hiding a little more.
pub fn hide_userinfo(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(at) = text.rfind('@') else {
        return text.into();
    };
    let from = match text.find("//") {
        Some(slashes) if slashes < at => slashes + 2,
        _ => 0,
    };
    format!("{}[redacted]{}", &text[..from], &text[at..]).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::SCHEMES;

    #[test]
    fn full_urls() {
        let t = Target::parse("http://[::1]:8080/health?x=1#frag", 3000, SCHEMES).unwrap();
        assert_eq!(t.host, Host::Ip("::1".parse().unwrap()));
        assert_eq!((t.port, t.path.as_str()), (8080, "/health?x=1"));
        assert_eq!(t.url(), "http://[::1]:8080/health?x=1");
        let t = Target::parse("HTTP://LocalHost/", 3000, SCHEMES).unwrap();
        assert_eq!((t.host, t.port), (Host::Localhost, 80));
        let t = Target::parse("http://db.internal:5000", 3000, SCHEMES).unwrap();
        assert_eq!(t.url(), "http://db.internal:5000/");
        let t = Target::parse("tcp://[::1]:5432", 3000, SCHEMES).unwrap();
        assert_eq!(
            (t.scheme.names[0], t.url()),
            ("tcp", "tcp://[::1]:5432".to_string())
        );
    }

    #[test]
    fn paths_join_the_default_base() {
        let t = Target::parse("/health/ready", 4000, SCHEMES).unwrap();
        assert_eq!(t.url(), "http://127.0.0.1:4000/health/ready");
    }

    #[test]
    fn bad_targets() {
        for bad in [
            "health",
            "ftp://x/",
            "http://",
            "http://:80/",
            "http://a b/",
            "http://[::1/",
            "http://[nope]/",
            "http://h:0/",
            "http://h:99999/",
            "http://u:p@h/",
            "ftp://u:p@h/",
            "/a b",
            "http://h:/",
            "tcp://db/",
            "tcp://db:5432/path",
        ] {
            assert!(
                Target::parse(bad, 3000, SCHEMES).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn errors_never_quote_userinfo() {
        for bad in [
            "ftp://user:hunter22@h/",
            "http//user:hunter22@h/health",
            "user:hunter22@h:3000/health",
            "gopher://user:hunter22@h/a@b",
        ] {
            let error = Target::parse(bad, 3000, SCHEMES).unwrap_err();
            assert!(!error.contains("hunter22"), "{error}");
        }
    }
}
