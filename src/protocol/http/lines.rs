//! The HTTP part of `-v`: the request sent, the response head and the start of the body. Server text is redacted as it is read; a `Set-Cookie` value is a
//! credential and never shown.

use ureq::http::Response;

use super::header;
use super::{Exchange, Method};
use crate::judge::outcome::Body;
use crate::net::Trace;
use crate::sanitize::{REDACTED, Secrets};

/// The request, if it went out (nothing was sent to a server never reached).
pub(in crate::protocol) fn request(trace: &Trace, exchange: &Exchange) -> Vec<String> {
    let Exchange {
        spec,
        request,
        http,
        ..
    } = *exchange;
    if !trace.sent {
        return Vec::new();
    }
    let method = match http.method {
        Method::Get => "GET",
        Method::Head => "HEAD",
    };
    let path = crate::protocol::target::hide_query_credentials(&spec.target.path);
    let mut lines = vec![format!("> {method} {path} HTTP/1.1")];
    for h in &request.headers {
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
