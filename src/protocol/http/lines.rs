//! The HTTP part of `-v`: the TLS handshake, the request sent, the response head and the
//! start of the body. Server text is redacted as it is read; a `Set-Cookie` value is a
//! credential and never shown.

use ureq::http::Response;

use super::Method;
use super::header;
use crate::judge::outcome::Body;
use crate::net::Trace;
use crate::protocol::Spec;
use crate::sanitize::{REDACTED, Secrets};

/// The TLS line, and the request if it went out (nothing was sent to a server never
/// reached).
pub(in crate::protocol) fn request(trace: &Trace, spec: &Spec) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(tls) = &spec.http.tls {
        lines.push(format!(
            "tls: handshake {}{}",
            if trace.handshake { "done" } else { "not done" },
            if tls.insecure {
                "; certificate NOT verified (--insecure)"
            } else {
                "; certificate verified"
            }
        ));
    }
    let method = match spec.http.method {
        Method::Get => "GET",
        Method::Head => "HEAD",
    };
    // The request only if it went out: nothing was sent to a server never reached.
    if !spec.target.is_http() || !trace.sent {
        return lines;
    }
    let path = crate::target::hide_query_credentials(&spec.target.path);
    lines.push(format!("> {method} {path} HTTP/1.1"));
    for h in &spec.http.headers {
        lines.push(format!("> {}: {}", h.name, h.shown_value()));
    }
    lines
}

/// The response head for `-v`: names and values are server text, redacted as they are
/// read; a `Set-Cookie` value is a credential and never shown.
pub(super) fn head(response: &Response<ureq::Body>, secrets: &Secrets) -> Vec<String> {
    let mut lines = vec![format!("< {:?} {}", response.version(), response.status())];
    for (name, value) in response.headers() {
        let value = if header::is_credential(name.as_str()) {
            REDACTED.to_string()
        } else {
            secrets.show(value.as_bytes(), 300)
        };
        lines.push(format!(
            "< {}: {value}",
            secrets.show(name.as_str().as_bytes(), 300)
        ));
    }
    lines
}

pub(super) fn body(body: &Body, secrets: &Secrets) -> String {
    let more = if body.truncated {
        " (more follows)"
    } else {
        ""
    };
    format!("body: {}{more}", secrets.show(&body.bytes, 300))
}
