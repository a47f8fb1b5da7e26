//! The HTTP/2 (RFC 9113) of one unary call: the client preface with our SETTINGS, one
//! request stream, and the frames of its answer read on the shared bounded reader. The
//! peer's SETTINGS and PINGs are answered; a frame, a header block, the message and the
//! whole read are each bounded; RST_STREAM and GOAWAY end the call.

use super::hpack::{self, Decoder};
use crate::net::{Bounded, TOO_LONG, Unread};
use crate::sanitize::Secrets;

/// The largest frame accepted: the default SETTINGS_MAX_FRAME_SIZE, which we never raise.
pub const MAX_FRAME: usize = 16_384;
/// The largest header block, CONTINUATION frames included: a flood of them ends here.
const MAX_BLOCK: usize = 16_384;
/// The most read on the connection in all: a health answer is a few hundred bytes; a
/// peer that keeps sending (PINGs, frames of other streams, padding) ends here.
pub const MAX_READ: usize = 64 * 1024;
/// The largest gRPC message accepted, with its 5-byte prefix: the answer is 2 bytes.
const MAX_MESSAGE: usize = 4096;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

const DATA: u8 = 0;
const HEADERS: u8 = 1;
const RST_STREAM: u8 = 3;
const SETTINGS: u8 = 4;
const PUSH_PROMISE: u8 = 5;
const PING: u8 = 6;
const GOAWAY: u8 = 7;
const CONTINUATION: u8 = 9;

const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;

/// Our one stream.
const STREAM: u32 = 1;

/// Appends one frame.
pub fn frame(out: &mut Vec<u8>, kind: u8, flags: u8, stream: u32, payload: &[u8]) {
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(&[kind, flags]);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
}

/// The whole request, to be sent in one write: the preface and our SETTINGS (no server
/// push; the header list bound), the HEADERS of stream 1, and its one DATA frame.
pub fn request(block: &[u8], message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + block.len() + message.len());
    out.extend_from_slice(PREFACE);
    let mut settings = Vec::new();
    for (id, value) in [(2u16, 0u32), (6, hpack::MAX_LIST as u32)] {
        settings.extend_from_slice(&id.to_be_bytes());
        settings.extend_from_slice(&value.to_be_bytes());
    }
    frame(&mut out, SETTINGS, 0, 0, &settings);
    frame(&mut out, HEADERS, END_HEADERS, STREAM, block);
    let mut data = Vec::with_capacity(5 + message.len());
    data.push(0); // not compressed
    data.extend_from_slice(&u32::try_from(message.len()).unwrap_or(0).to_be_bytes());
    data.extend_from_slice(message);
    frame(&mut out, DATA, END_STREAM, STREAM, &data);
    out
}

/// What the server answered on our stream.
#[derive(Default)]
pub struct Answer {
    /// `:status`.
    pub status: Option<u16>,
    pub grpc_status: Option<u32>,
    /// `grpc-message`, as sent (percent-encoded).
    pub grpc_message: Option<Vec<u8>>,
    /// The DATA of the stream: the length-prefixed message.
    pub message: Vec<u8>,
    /// Every field received, `name: value`, redacted and escaped, for `-v`.
    pub fields: Vec<String>,
}

/// How far the call got, for a timeout to name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Sending,
    Settings,
    Headers,
    Trailers,
}

/// Why the call ended without an answer.
pub enum Ended {
    /// The deadline passed at this stage.
    Silent(Stage),
    /// Not HTTP/2, a broken frame, a bound passed, a reset or GOAWAY: why, in words.
    Broken(String),
}

fn broken(why: &str) -> Ended {
    Ended::Broken(why.to_string())
}

/// Sends `request` and reads the answer to stream 1, to its end.
pub fn call(io: &mut Bounded, request: &[u8], secrets: &Secrets) -> Result<Answer, Ended> {
    let mut stage = Stage::Sending;
    io.send(request).map_err(|e| lost(e, stage))?;
    stage = Stage::Settings;
    let mut decoder = Decoder::new();
    let mut answer = Answer::default();
    // A header block in CONTINUATION frames, and whether its HEADERS ended the stream.
    let mut block: Option<(Vec<u8>, bool)> = None;
    loop {
        let (kind, flags, stream, payload) = next(io, stage, secrets)?;
        if let Some((mut fragments, ends)) = block.take() {
            if kind != CONTINUATION || stream != STREAM {
                return Err(broken("a header block interrupted by another frame"));
            }
            fragments.extend_from_slice(&payload);
            if fragments.len() > MAX_BLOCK {
                return Err(broken("a header block longer than 16 KiB"));
            }
            if flags & END_HEADERS == 0 {
                block = Some((fragments, ends));
                continue;
            }
            headers(&mut decoder, &fragments, &mut answer, secrets)?;
            if ends {
                return Ok(answer);
            }
            stage = Stage::Trailers;
            continue;
        }
        match kind {
            SETTINGS if stream != 0 || payload.len() % 6 != 0 => {
                return Err(broken("a malformed SETTINGS frame"));
            }
            SETTINGS if flags & ACK == 0 => {
                let mut ack = Vec::with_capacity(9);
                frame(&mut ack, SETTINGS, ACK, 0, &[]);
                io.send(&ack).map_err(|e| lost(e, stage))?;
                if stage == Stage::Settings {
                    stage = Stage::Headers;
                }
            }
            PING if payload.len() != 8 => return Err(broken("a malformed PING frame")),
            PING if flags & ACK == 0 => {
                let mut pong = Vec::with_capacity(17);
                frame(&mut pong, PING, ACK, 0, &payload);
                io.send(&pong).map_err(|e| lost(e, stage))?;
            }
            GOAWAY => {
                let [a, b, c, d, e, f, g, h, ref debug @ ..] = payload[..] else {
                    return Err(broken("a malformed GOAWAY frame"));
                };
                let last = u32::from_be_bytes([a, b, c, d]) & 0x7fff_ffff;
                let code = u32::from_be_bytes([e, f, g, h]);
                // A graceful GOAWAY that covers our stream: the answer still comes.
                if code == 0 && last >= STREAM {
                    continue;
                }
                let debug = if debug.is_empty() {
                    String::new()
                } else {
                    format!(": {}", crate::sanitize::quoted(&secrets.show(debug, 200)))
                };
                return Err(Ended::Broken(format!(
                    "the server sent GOAWAY ({}){debug} before answering",
                    error_name(code)
                )));
            }
            RST_STREAM if stream == STREAM => {
                let code = payload
                    .get(..4)
                    .map_or(0, |c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
                return Err(Ended::Broken(format!(
                    "the server reset the stream ({}) before answering",
                    error_name(code)
                )));
            }
            PUSH_PROMISE => return Err(broken("a server push, which our SETTINGS refused")),
            CONTINUATION => return Err(broken("a CONTINUATION frame without HEADERS")),
            HEADERS if stream == STREAM => {
                let fragment = unpad(flags, &payload, true)?;
                let ends = flags & END_STREAM != 0;
                if flags & END_HEADERS == 0 {
                    block = Some((fragment.to_vec(), ends));
                    continue;
                }
                headers(&mut decoder, fragment, &mut answer, secrets)?;
                if ends {
                    return Ok(answer);
                }
                stage = Stage::Trailers;
            }
            DATA if stream == STREAM => {
                answer
                    .message
                    .extend_from_slice(unpad(flags, &payload, false)?);
                message_fits(&answer.message)?;
                if flags & END_STREAM != 0 {
                    return Ok(answer);
                }
            }
            // WINDOW_UPDATE, PRIORITY, frames of other streams, and frame types this
            // client does not know are ignored, as RFC 9113 asks. Flow control needs
            // nothing of ours: all we accept fits the initial 64 KiB window.
            _ => {}
        }
    }
}

/// The next frame: its type, flags, stream and payload.
fn next(
    io: &mut Bounded,
    stage: Stage,
    secrets: &Secrets,
) -> Result<(u8, u8, u32, Vec<u8>), Ended> {
    io.fill(9).map_err(|e| lost(e, stage))?;
    let head = &io.got()[..9];
    if stage == Stage::Settings {
        // The server's preface is a SETTINGS frame; an HTTP/1.x server answers the
        // preface's `PRI *` with a status line.
        if head.starts_with(b"HTTP/") {
            let _ = io.line();
            let text = io.got().split(|&b| b == b'\r').next().unwrap_or_default();
            return Err(Ended::Broken(format!(
                "not HTTP/2: an HTTP/1.x server answered ({})",
                crate::sanitize::quoted(&secrets.show(text, 80))
            )));
        }
        if head[3] != SETTINGS {
            return Err(broken("not HTTP/2: the server did not begin with SETTINGS"));
        }
    }
    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
    let (kind, flags) = (head[3], head[4]);
    let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
    if len > MAX_FRAME {
        return Err(Ended::Broken(format!(
            "a frame of {len} bytes, past the 16 KiB our SETTINGS allow"
        )));
    }
    io.fill(9 + len).map_err(|e| lost(e, stage))?;
    let payload = io.got()[9..9 + len].to_vec();
    io.consume(9 + len);
    Ok((kind, flags, stream, payload))
}

/// A frame's payload without its padding, and for HEADERS without its priority.
fn unpad(flags: u8, payload: &[u8], headers: bool) -> Result<&[u8], Ended> {
    let mut body = payload;
    let mut pad = 0;
    if flags & PADDED != 0 {
        let [first, ref rest @ ..] = body[..] else {
            return Err(broken("a padded frame without its pad length"));
        };
        pad = usize::from(first);
        body = rest;
    }
    if headers && flags & PRIORITY != 0 {
        body = body
            .get(5..)
            .ok_or_else(|| broken("a malformed HEADERS frame"))?;
    }
    body.get(..body.len().wrapping_sub(pad))
        .filter(|_| pad <= body.len())
        .ok_or_else(|| broken("padding longer than its frame"))
}

/// Decodes a header block into the answer.
fn headers(
    decoder: &mut Decoder,
    block: &[u8],
    answer: &mut Answer,
    secrets: &Secrets,
) -> Result<(), Ended> {
    decoder
        .block(block, |name, value| {
            match name {
                b":status" => {
                    answer.status = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok());
                }
                b"grpc-status" => {
                    answer.grpc_status =
                        std::str::from_utf8(value).ok().and_then(|v| v.parse().ok());
                }
                b"grpc-message" => answer.grpc_message = Some(value.to_vec()),
                _ => {}
            }
            if answer.fields.len() < 20 {
                let mut line = secrets.show(name, 60);
                line.push_str(": ");
                line.push_str(&super::shown_value(name, value, secrets));
                answer.fields.push(line);
            }
        })
        .map_err(broken)
}

/// Refuses a message whose declared length passes its bound, as soon as the prefix is in.
fn message_fits(message: &[u8]) -> Result<(), Ended> {
    if let [_, a, b, c, d, ..] = message[..] {
        let declared = u32::from_be_bytes([a, b, c, d]) as u64;
        if declared + 5 > MAX_MESSAGE as u64 {
            return Err(Ended::Broken(format!(
                "a message of {declared} bytes, past the 4 KiB a health answer may have"
            )));
        }
    }
    if message.len() > MAX_MESSAGE {
        return Err(broken("more DATA than a 4 KiB health answer"));
    }
    Ok(())
}

fn lost(e: Unread, stage: Stage) -> Ended {
    match e {
        Unread::Silent => Ended::Silent(stage),
        TOO_LONG => broken("more than 64 KiB without an answer"),
        Unread::Broken(why) => broken(why),
    }
}

/// An HTTP/2 error code's name (RFC 9113 section 7).
fn error_name(code: u32) -> String {
    const NAMES: [&str; 14] = [
        "NO_ERROR",
        "PROTOCOL_ERROR",
        "INTERNAL_ERROR",
        "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT",
        "STREAM_CLOSED",
        "FRAME_SIZE_ERROR",
        "REFUSED_STREAM",
        "CANCEL",
        "COMPRESSION_ERROR",
        "CONNECT_ERROR",
        "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY",
        "HTTP_1_1_REQUIRED",
    ];
    match NAMES.get(code as usize) {
        Some(name) => (*name).to_string(),
        None => format!("error code {code}"),
    }
}
