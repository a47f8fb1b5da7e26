//! gRPC health checking (`grpc://`, `grpcs://`): one `grpc.health.v1.Health/Check` call
//! over HTTP/2 ([`h2`], [`hpack`]) on the shared bounded reader, TLS with ALPN `h2` for
//! `grpcs://`, and the answer judged as the gRPC project's own health client judges it.

mod h2;
pub(crate) mod hpack;

use super::tls::Tls;
use super::{Request, Spec, connect, failure};
use crate::judge::outcome::{Answer, Failure, Health};
use crate::net::{Bounded, Clock, SharedTrace, Stream, record};
use crate::sanitize::Secrets;

use h2::{Ended, Stage};

const PATH: &[u8] = b"/grpc.health.v1.Health/Check";

/// The call: connect (TCP or `--unix-socket`), TLS for `grpcs://`, the request, and the
/// answer judged. Errors of the connection and the handshake are ureq's, for
/// [`failure::describe`] to put into words as for every protocol.
// Out of line, as every kind's exchange but HTTP's (`protocol::reply` says why).
#[inline(never)]
pub(super) fn call(
    spec: &Spec,
    sent: &Request,
    tls: Option<&Tls>,
    clock: Clock,
    trace: &SharedTrace,
    details: &mut Vec<String>,
) -> Result<Result<Answer, Failure>, ureq::Error> {
    let (stream, peer) = match &sent.unix_socket {
        Some(path) => {
            let dialer = super::dialer(spec, clock, trace);
            (
                Stream::Unix(dialer.dial_unix(path)?),
                failure::endpoint(spec),
            )
        }
        None => {
            let (stream, addr) = connect(spec, clock, trace)?;
            // The request, then SETTINGS' and PINGs' acknowledgements: small writes that
            // Nagle's algorithm would hold back behind the server's delayed ACK.
            stream.set_nodelay(true).map_err(ureq::Error::Io)?;
            (Stream::Tcp(stream), addr.to_string())
        }
    };
    let mut io = Bounded::with_room(stream, clock, h2::MAX_READ);
    if let Some(tls) = tls {
        if let Err(refused) = secure(&mut io, spec, tls, &peer)? {
            return Ok(Err(refused));
        }
        record(trace, |t| t.handshake = true);
    }
    let request = match request(spec, sent, tls, clock) {
        Ok(request) => request,
        Err(why) => return Ok(Err(Failure::Config(why))),
    };
    record(trace, |t| t.sent = true);
    let service = spec.target.service();
    if spec.verbose {
        details.push(format!(
            "> POST {} service {:?}",
            String::from_utf8_lossy(PATH),
            service
        ));
    }
    let called = h2::call(&mut io, &request, spec.secrets);
    if let Some(at) = io.first_byte() {
        record(trace, |t| t.first_byte = Some(at));
    }
    let answer = match called {
        Ok(answer) => answer,
        Err(Ended::Silent(stage)) => return Ok(Err(Failure::Timeout(missed(stage, &peer)))),
        Err(Ended::Broken(why)) => return Ok(Err(Failure::Unreachable(format!("{peer}: {why}")))),
    };
    if spec.verbose {
        details.extend(answer.fields.iter().map(|f| format!("< {f}")));
    }
    Ok(judge(&answer, service, spec.secrets)
        .map_err(|why| Failure::Unreachable(format!("{peer}: {why}"))))
}

/// What did not come in time.
fn missed(stage: Stage, peer: &str) -> String {
    match stage {
        Stage::Sending => format!("could not send the request to {peer}"),
        Stage::Settings => format!("no HTTP/2 SETTINGS from {peer}"),
        Stage::Headers => format!("no gRPC response from {peer}"),
        Stage::Trailers => format!("no gRPC status (trailers) from {peer}"),
    }
}

/// The request's bytes: headers, metadata from `-H`, and the HealthCheckRequest.
fn request(
    spec: &Spec,
    sent: &Request,
    tls: Option<&Tls>,
    clock: Clock,
) -> Result<Vec<u8>, String> {
    let target = spec.target;
    let mut authority = match tls.and_then(|t| t.servername.as_deref()) {
        Some(name) => format!("{name}:{}", target.port),
        None => target.authority(),
    };
    let mut metadata = Vec::new();
    for h in &sent.headers {
        let name = h.name.to_ascii_lowercase();
        match name.as_str() {
            "host" => authority.clone_from(&h.value),
            _ => hpack::field(&mut metadata, name.as_bytes(), h.value.as_bytes()),
        }
    }
    // What is left of the deadline, so the server gives up when we do.
    let left = clock
        .left()
        .unwrap_or_default()
        .as_millis()
        .clamp(1, 99_999_999);
    let scheme: &[u8] = if target.is_tls() { b"https" } else { b"http" };
    let mut block = Vec::with_capacity(256 + metadata.len());
    for (name, value) in [
        (&b":method"[..], &b"POST"[..]),
        (b":scheme", scheme),
        (b":path", PATH),
        (b":authority", authority.as_bytes()),
        (b"content-type", b"application/grpc"),
        (b"te", b"trailers"),
        (b"grpc-timeout", format!("{left}m").as_bytes()),
        (
            b"user-agent",
            concat!("healthprobe/", env!("CARGO_PKG_VERSION")).as_bytes(),
        ),
    ] {
        hpack::field(&mut block, name, value);
    }
    block.extend_from_slice(&metadata);
    if block.len() > h2::MAX_FRAME {
        return Err("the request's headers and metadata pass 16 KiB".to_string());
    }
    // HealthCheckRequest { string service = 1; }, the field left out when empty.
    let service = target.service().as_bytes();
    let mut message = Vec::with_capacity(3 + service.len());
    if !service.is_empty() {
        message.push(0x0a);
        let mut len = service.len();
        while len >= 0x80 {
            message.push((len as u8) | 0x80);
            len >>= 7;
        }
        message.push(len as u8);
        message.extend_from_slice(service);
    }
    Ok(h2::request(&block, &message))
}

/// The TLS handshake, with ALPN `h2`: a server that does not choose it does not speak
/// gRPC. The certificate's name is `--servername`'s, else the target's host.
#[cfg(feature = "tls")]
fn secure(
    io: &mut Bounded,
    spec: &Spec,
    tls: &Tls,
    peer: &str,
) -> Result<Result<(), Failure>, ureq::Error> {
    use crate::protocol::target::Host;
    use rustls::pki_types::ServerName;
    let config = match super::tls::h2_config(tls) {
        Ok(config) => config,
        Err(why) => return Ok(Err(Failure::Config(why))),
    };
    let name = match (&tls.servername, &spec.target.host) {
        (Some(name), _) => ServerName::try_from(name.clone()),
        (None, Host::Ip(ip)) => Ok(ServerName::from(*ip)),
        (None, host) => ServerName::try_from(host.to_string()),
    };
    let Ok(name) = name else {
        return Ok(Err(Failure::Config(
            "the TLS name is not a host name".to_string(),
        )));
    };
    let connection = rustls::ClientConnection::new(config, name)
        .map_err(|e| ureq::Error::Io(std::io::Error::other(e)))?;
    io.secure(connection)?;
    if io.alpn() != Some(b"h2") {
        return Ok(Err(Failure::Unreachable(format!(
            "{peer} did not choose HTTP/2 in the TLS handshake (no ALPN h2): not a gRPC server"
        ))));
    }
    Ok(Ok(()))
}

#[cfg(not(feature = "tls"))]
fn secure(_: &mut Bounded, _: &Spec, _: &Tls, _: &str) -> Result<Result<(), Failure>, ureq::Error> {
    // Target parsing refuses grpcs:// without the feature.
    Ok(Err(Failure::Config(
        "grpcs:// targets need the `tls` build".to_string(),
    )))
}

/// The answer judged: serving or not, or why it is no gRPC answer at all.
fn judge(answer: &h2::Answer, service: &str, secrets: &Secrets) -> Result<Answer, String> {
    let said = answer
        .grpc_message
        .as_deref()
        .filter(|m| !m.is_empty())
        .map(|m| {
            let shown = secrets.show(&super::percent::decode(m), 200);
            format!(" (grpc-message {})", crate::sanitize::quoted(&shown))
        })
        .unwrap_or_default();
    let code = match (answer.grpc_status, answer.status) {
        (Some(code), Some(200) | None) => code,
        (None, None) => return Err("an answer without :status".to_string()),
        (None, Some(200)) => {
            return Err("the call ended without a gRPC status: not a gRPC server".to_string());
        }
        // Another HTTP status fails the call whatever its grpc-status says (the gRPC over
        // HTTP/2 spec; grpcio's client says UNAVAILABLE for a 503 with grpc-status 0):
        // the HTTP status stands for a gRPC one, as gRPC clients map it.
        (grpc_status, Some(status)) => {
            let code = match status {
                400 => 13,
                401 => 16,
                403 => 7,
                404 => 12,
                429 | 502..=504 => 14,
                _ => 2,
            };
            let why = if grpc_status.is_some() {
                "not 200, so its gRPC status does not count"
            } else {
                "without a gRPC status"
            };
            return Ok(unhealthy(
                code_name(code),
                format!(": HTTP status {status} {why}{said}"),
            ));
        }
    };
    let what = match code {
        0 => return serving(&answer.message),
        5 => format!(": the server does not know the service {service:?}{said}"),
        12 => format!(": the server has no health service (grpc.health.v1.Health){said}"),
        _ => format!(": the call failed{said}"),
    };
    Ok(unhealthy(code_name(code), what))
}

fn unhealthy(status: &'static str, what: String) -> Answer {
    Answer::Grpc(Health {
        status,
        ready: false,
        what,
    })
}

/// `HealthCheckResponse { ServingStatus status = 1; }`, in its length-prefixed message.
fn serving(message: &[u8]) -> Result<Answer, String> {
    let [flag, a, b, c, d, ref body @ ..] = message[..] else {
        return Err("a gRPC OK without a health answer".to_string());
    };
    if flag != 0 {
        return Err("a compressed message, which the request did not offer to read".to_string());
    }
    if u32::from_be_bytes([a, b, c, d]) as usize != body.len() {
        return Err("a health answer whose length is not its prefix's".to_string());
    }
    let status = field_one(body).ok_or("a health answer that is not a HealthCheckResponse")?;
    let (name, ready) = match status {
        0 => ("UNKNOWN", false),
        1 => ("SERVING", true),
        2 => ("NOT_SERVING", false),
        3 => ("SERVICE_UNKNOWN", false),
        _ => ("an unknown serving status", false),
    };
    Ok(Answer::Grpc(Health {
        status: name,
        ready,
        what: String::new(),
    }))
}

/// The varint of field 1, other fields skipped; 0 when it is absent (proto3's default).
fn field_one(mut bytes: &[u8]) -> Option<u64> {
    let mut found = 0;
    while !bytes.is_empty() {
        let key = varint(&mut bytes)?;
        match (key >> 3, key & 7) {
            (1, 0) => found = varint(&mut bytes)?,
            (_, 0) => {
                varint(&mut bytes)?;
            }
            (_, 1) => bytes = bytes.get(8..)?,
            (_, 2) => {
                let len = usize::try_from(varint(&mut bytes)?).ok()?;
                bytes = bytes.get(len..)?;
            }
            (_, 5) => bytes = bytes.get(4..)?,
            _ => return None,
        }
    }
    Some(found)
}

fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// A header or trailer field's value as `-v` shows it: in the bytes gRPC's transport
/// encodings stand for, so that redaction sees what the server said, not an encoding of
/// it (a token echoed in `grpc-status-details-bin`, base64, or in a percent-encoded
/// `grpc-message`). A `-bin` value that is not base64 is not shown, only its length:
/// shown as sent, base64 of a secret in it would pass redaction (the fuzzer sent one).
pub(super) fn shown_value(name: &[u8], value: &[u8], secrets: &Secrets) -> String {
    if name.ends_with(b"-bin") {
        return match crate::protocol::base64::decode(value) {
            Some(decoded) => secrets.show(&decoded, 200),
            None => format!("({} bytes, not base64: not shown)", value.len()),
        };
    }
    if name == b"grpc-message" {
        return secrets.show(&super::percent::decode(value), 200);
    }
    secrets.show(value, 200)
}

/// A gRPC status code's name.
fn code_name(code: u32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    NAMES
        .get(code as usize)
        .copied()
        .unwrap_or("an unknown gRPC status")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_answers() {
        let answer = |body: &[u8]| {
            let mut m = vec![0, 0, 0, 0, body.len() as u8];
            m.extend_from_slice(body);
            match serving(&m) {
                Ok(Answer::Grpc(h)) => Ok((h.status, h.ready)),
                Ok(_) => unreachable!(),
                Err(e) => Err(e),
            }
        };
        assert_eq!(answer(&[0x08, 1]), Ok(("SERVING", true)));
        assert_eq!(answer(&[0x08, 2]), Ok(("NOT_SERVING", false)));
        assert_eq!(answer(&[]), Ok(("UNKNOWN", false)));
        // An unknown field before it is skipped.
        assert_eq!(answer(&[0x12, 1, b'x', 0x08, 1]), Ok(("SERVING", true)));
        assert!(answer(&[0x08]).is_err());
        assert!(answer(&[0x12, 9, b'x']).is_err());
        assert!(serving(&[1, 0, 0, 0, 2, 0x08, 1]).is_err());
        assert!(serving(&[0, 0, 0, 0, 3, 0x08, 1]).is_err());
    }

    #[test]
    fn grpc_messages_are_percent_decoded() {
        assert_eq!(
            crate::protocol::percent::decode(b"unknown%20service%"),
            b"unknown service%"
        );
        assert_eq!(
            crate::protocol::percent::decode(b"%e2%9c%93 ok %zz"),
            "✓ ok %zz".as_bytes()
        );
    }
}
