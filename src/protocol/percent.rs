//! Percent-encoding read back, for the two places text comes percent-encoded: gRPC's
//! `grpc-message` (the gRPC over HTTP/2 spec), which redaction must see decoded, and a
//! `file://` URL's path.

/// The bytes `text` stands for: each `%XX` decoded, anything else (a `%` without two hex
/// digits after it included) kept as it is.
pub fn decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            text[i],
            text.get(i + 1).copied().and_then(hex),
            text.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}
