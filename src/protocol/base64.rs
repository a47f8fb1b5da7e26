//! Base64 read back, for the two places a server's or an operator's bytes come base64-
//! encoded and redaction must see them decoded: gRPC's `-bin` fields, and the
//! `user:password` of an `Authorization: Basic` header.

/// The bytes `text` stands for, padded or not (gRPC accepts both); `None` for anything
/// that is not base64.
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let digit = |b: u8| match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let text = text
        .strip_suffix(b"==")
        .or(text.strip_suffix(b"="))
        .unwrap_or(text);
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0);
    for &b in text {
        bits = bits << 6 | u32::from(digit(b)?);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    // A lone sixth of a byte left over is no base64.
    (count < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_padded_and_unpadded() {
        assert_eq!(decode(b"aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(decode(b"aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(decode(b"aGVsbG8h"), Some(b"hello!".to_vec()));
        assert_eq!(
            decode(b"dXNlcjpwYXNzd29yZA=="),
            Some(b"user:password".to_vec())
        );
        assert_eq!(decode(b""), Some(Vec::new()));
        assert_eq!(decode(b"a"), None);
        assert_eq!(decode(b"not base64!"), None);
    }
}
