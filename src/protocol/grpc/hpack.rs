//! HPACK (RFC 7541) for one call: the request's fields written as literals that the
//! server need not index (so its dynamic table is never asked to hold anything of ours),
//! and the response's header blocks decoded — Huffman code, static and dynamic table —
//! under the size bounds of a hostile peer. Its own rather than a crate's: the one the
//! loona project keeps built hash maps for every Huffman-coded string, 0.5 ms of a
//! probe's CPU on nginx's answer (docs/design.md).

use std::borrow::Cow;

/// Our decoder's dynamic table: the default size, which our SETTINGS never raises, so a
/// table size update past it is an error (the decoder refuses it).
const TABLE: usize = 4096;

/// The most a decoded header list may hold, counted as RFC 9113 counts it (name, value
/// and 32 per field), and announced in our SETTINGS. A health answer's is a few hundred
/// bytes; an HPACK "bomb" of indexed references to a large table entry stops here.
pub const MAX_LIST: usize = 16 * 1024;

/// Appends one field as a literal without indexing, with a new name (RFC 7541 6.2.2).
pub fn field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.push(0);
    put_string(out, name);
    put_string(out, value);
}

/// A string literal, not Huffman-coded.
fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    put_integer(out, 7, 0, bytes.len());
    out.extend_from_slice(bytes);
}

/// An integer with an N-bit prefix (RFC 7541 5.1).
fn put_integer(out: &mut Vec<u8>, prefix: u32, first: u8, n: usize) {
    let max = (1usize << prefix) - 1;
    if n < max {
        out.push(first | n as u8);
        return;
    }
    out.push(first | max as u8);
    let mut rest = n - max;
    while rest >= 128 {
        out.push((rest % 128) as u8 | 128);
        rest /= 128;
    }
    out.push(rest as u8);
}

/// The fields of RFC 7541's static table (Appendix A), indexed from 1.
const STATIC: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

/// HPACK's Huffman code (RFC 7541 Appendix B) is canonical: codes of one length are
/// consecutive, in the order of their symbols, after all shorter ones. So the code is
/// these two tables: how many codes each length (1 to 30 bits) has, and the symbols in
/// code order; the last code of all, thirty 1-bits, is EOS.
const COUNTS: [u16; 31] = [
    0, 0, 0, 0, 0, 10, 26, 32, 6, 0, 5, 3, 2, 6, 2, 3, 0, 0, 0, 3, 8, 13, 26, 29, 12, 4, 15, 19,
    29, 0, 4,
];
const SYMBOLS: [u8; 256] = [
    48, 49, 50, 97, 99, 101, 105, 111, 115, 116, 32, 37, 45, 46, 47, 51, 52, 53, 54, 55, 56, 57,
    61, 65, 95, 98, 100, 102, 103, 104, 108, 109, 110, 112, 114, 117, 58, 66, 67, 68, 69, 70, 71,
    72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 89, 106, 107, 113, 118, 119,
    120, 121, 122, 38, 42, 44, 59, 88, 90, 33, 34, 40, 41, 63, 39, 43, 124, 35, 62, 0, 36, 64, 91,
    93, 126, 94, 125, 60, 96, 123, 92, 195, 208, 128, 130, 131, 162, 184, 194, 224, 226, 153, 161,
    167, 172, 176, 177, 179, 209, 216, 217, 227, 229, 230, 129, 132, 133, 134, 136, 146, 154, 156,
    160, 163, 164, 169, 170, 173, 178, 181, 185, 186, 187, 189, 190, 196, 198, 228, 232, 233, 1,
    135, 137, 138, 139, 140, 141, 143, 147, 149, 150, 151, 152, 155, 157, 158, 165, 166, 168, 174,
    175, 180, 182, 183, 188, 191, 197, 231, 239, 9, 142, 144, 145, 148, 159, 171, 206, 215, 225,
    236, 237, 199, 207, 234, 235, 192, 193, 200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242,
    243, 255, 203, 204, 211, 212, 214, 221, 222, 223, 241, 244, 245, 246, 247, 248, 250, 251, 252,
    253, 254, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28,
    29, 30, 31, 127, 220, 249, 10, 13, 22,
];

/// Decodes a Huffman-coded string (RFC 7541 5.2) onto `out`, a bit at a time as a
/// canonical code is read: no table to build, nothing allocated but the output.
fn huffman(bytes: &[u8], out: &mut Vec<u8>) -> Result<(), &'static str> {
    const BAD: &str = "a header block that is not valid HPACK (Huffman code)";
    // The code read so far, its length, the first code of that length, and the index in
    // SYMBOLS of that first code.
    let (mut code, mut len, mut first, mut index) = (0u32, 0usize, 0u32, 0usize);
    for byte in bytes {
        for shift in (0..8).rev() {
            code = (code << 1) | u32::from((byte >> shift) & 1);
            len += 1;
            let count = u32::from(*COUNTS.get(len).ok_or(BAD)?);
            if code - first < count {
                let at = index + (code - first) as usize;
                out.push(*SYMBOLS.get(at).ok_or(BAD)?); // past the symbols: EOS
                (code, len, first, index) = (0, 0, 0, 0);
            } else {
                index += count as usize;
                first = (first + count) << 1;
            }
        }
    }
    // Padding: fewer than 8 bits, all ones (a prefix of EOS).
    if len > 7 || code != (1 << len) - 1 {
        return Err(BAD);
    }
    Ok(())
}

/// The decoding side of the connection: one per connection, since the dynamic table
/// carries from one header block to the next.
pub struct Decoder {
    /// Newest first.
    table: std::collections::VecDeque<(Vec<u8>, Vec<u8>)>,
    /// Its size as RFC 7541 counts it (name, value and 32 per entry).
    size: usize,
    /// Its bound: [`TABLE`], or less if the server said so.
    max: usize,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder {
            table: std::collections::VecDeque::new(),
            size: 0,
            max: TABLE,
        }
    }

    /// Decodes a whole header block, handing each field to `each`. A list past
    /// [`MAX_LIST`] is refused as soon as it passes, whatever the block still holds.
    pub fn block(
        &mut self,
        mut block: &[u8],
        mut each: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), &'static str> {
        const BAD: &str = "a header block that is not valid HPACK";
        let mut listed = 0usize;
        let mut first = true;
        while let Some(&byte) = block.first() {
            if byte & 0xe0 == 0x20 {
                // A table size update, only before the block's first field, never past
                // what our SETTINGS allow.
                let max = integer(&mut block, 5)?;
                if !first || max > TABLE {
                    return Err(BAD);
                }
                self.max = max;
                self.evict(0);
                continue;
            }
            first = false;
            let (name, value, index);
            if byte & 0x80 != 0 {
                let (n, v) = self.entry(integer(&mut block, 7)?)?;
                (name, value, index) = (Cow::Borrowed(n), Cow::Borrowed(v), false);
            } else {
                let indexing = byte & 0xc0 == 0x40;
                let at = integer(&mut block, if indexing { 6 } else { 4 })?;
                name = match at {
                    0 => Cow::Owned(string(&mut block)?),
                    at => Cow::Owned(self.entry(at)?.0.to_vec()),
                };
                value = Cow::Owned(string(&mut block)?);
                index = indexing;
            }
            listed = listed.saturating_add(name.len() + value.len() + 32);
            if listed > MAX_LIST {
                return Err("a header list larger than 16 KiB");
            }
            each(&name, &value);
            if index {
                let (name, value) = (name.into_owned(), value.into_owned());
                self.evict(name.len() + value.len() + 32);
                // An entry larger than the whole table empties it and is not kept.
                if name.len() + value.len() + 32 <= self.max {
                    self.size += name.len() + value.len() + 32;
                    self.table.push_front((name, value));
                }
            }
        }
        Ok(())
    }

    /// The field at `index` of the static then the dynamic table.
    fn entry(&self, index: usize) -> Result<(&[u8], &[u8]), &'static str> {
        const OUT: &str = "a header block that is not valid HPACK (an index past the table)";
        match index {
            0 => Err(OUT),
            1..=61 => {
                let (n, v) = STATIC[index - 1];
                Ok((n.as_bytes(), v.as_bytes()))
            }
            _ => (self.table.get(index - 62))
                .map(|(n, v)| (&n[..], &v[..]))
                .ok_or(OUT),
        }
    }

    /// Evicts the oldest entries until `room` more fits.
    fn evict(&mut self, room: usize) {
        while self.size + room > self.max {
            let Some((n, v)) = self.table.pop_back() else {
                self.size = 0;
                return;
            };
            self.size -= n.len() + v.len() + 32;
        }
    }
}

/// An integer with an N-bit prefix (RFC 7541 5.1), taken off the front of `block`. Past
/// 2^28 it is refused: no length or index of ours comes near.
fn integer(block: &mut &[u8], prefix: u32) -> Result<usize, &'static str> {
    const BAD: &str = "a header block that is not valid HPACK (an integer)";
    let max = (1usize << prefix) - 1;
    let (&first, mut rest) = block.split_first().ok_or(BAD)?;
    let mut value = usize::from(first) & max;
    if value == max {
        let mut shift = 0;
        loop {
            let (&b, after) = rest.split_first().ok_or(BAD)?;
            rest = after;
            value += usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
            if shift > 21 {
                return Err(BAD);
            }
        }
    }
    *block = rest;
    Ok(value)
}

/// A string literal (RFC 7541 5.2), Huffman-coded or not, taken off the front of `block`.
fn string(block: &mut &[u8]) -> Result<Vec<u8>, &'static str> {
    let huffman_coded = block.first().is_some_and(|b| b & 0x80 != 0);
    let len = integer(block, 7)?;
    let bytes = block
        .get(..len)
        .ok_or("a header block that is not valid HPACK (a string past its end)")?;
    *block = &block[len..];
    if !huffman_coded {
        return Ok(bytes.to_vec());
    }
    let mut out = Vec::with_capacity(len + len / 2);
    huffman(bytes, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `hex` on `decoder` into `name: value` lines.
    fn decoded(decoder: &mut Decoder, hex: &str) -> Vec<String> {
        let hex: String = hex.split_whitespace().collect();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let mut out = Vec::new();
        decoder
            .block(&bytes, |n, v| {
                out.push(format!(
                    "{}: {}",
                    String::from_utf8_lossy(n),
                    String::from_utf8_lossy(v)
                ))
            })
            .unwrap();
        out
    }

    /// RFC 7541 C.4: three requests with the Huffman code, one dynamic table.
    #[test]
    fn rfc_7541_c4_requests_with_huffman() {
        let mut d = Decoder::new();
        assert_eq!(
            decoded(&mut d, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"),
            [
                ":method: GET",
                ":scheme: http",
                ":path: /",
                ":authority: www.example.com"
            ]
        );
        assert_eq!(
            decoded(&mut d, "8286 84be 5886 a8eb 1064 9cbf"),
            [
                ":method: GET",
                ":scheme: http",
                ":path: /",
                ":authority: www.example.com",
                "cache-control: no-cache"
            ]
        );
        assert_eq!(
            decoded(
                &mut d,
                "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"
            ),
            [
                ":method: GET",
                ":scheme: https",
                ":path: /index.html",
                ":authority: www.example.com",
                "custom-key: custom-value"
            ]
        );
    }

    /// RFC 7541 C.6: three responses with the Huffman code, evicting from a 256-byte
    /// table (set by a size update, as the example's encoder would after SETTINGS).
    #[test]
    fn rfc_7541_c6_responses_with_huffman_and_eviction() {
        let mut d = Decoder::new();
        d.max = 256;
        assert_eq!(
            decoded(
                &mut d,
                "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 \
                 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"
            ),
            [
                ":status: 302",
                "cache-control: private",
                "date: Mon, 21 Oct 2013 20:13:21 GMT",
                "location: https://www.example.com"
            ]
        );
        assert_eq!(
            decoded(&mut d, "4883 640e ffc1 c0bf"),
            [
                ":status: 307",
                "cache-control: private",
                "date: Mon, 21 Oct 2013 20:13:21 GMT",
                "location: https://www.example.com"
            ]
        );
        assert_eq!(
            decoded(
                &mut d,
                "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab \
                 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f \
                 9587 3160 65c0 03ed 4ee5 b106 3d50 07"
            ),
            [
                ":status: 200",
                "cache-control: private",
                "date: Mon, 21 Oct 2013 20:13:22 GMT",
                "location: https://www.example.com",
                "content-encoding: gzip",
                "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"
            ]
        );
    }

    /// What `field` writes, the decoder reads back; lengths past one prefix byte too.
    #[test]
    fn literals_round_trip() {
        let long = "v".repeat(300);
        let mut block = Vec::new();
        field(&mut block, b":path", b"/grpc.health.v1.Health/Check");
        field(&mut block, b"x-long", long.as_bytes());
        let mut d = Decoder::new();
        let mut got = Vec::new();
        d.block(&block, |n, v| got.push((n.to_vec(), v.to_vec())))
            .unwrap();
        assert_eq!(got[0].1, b"/grpc.health.v1.Health/Check");
        assert_eq!(got[1].1, long.as_bytes());
    }

    /// A bomb: one 4000-byte entry in the table, then thousands of one-byte references
    /// to it. The list stops at its bound, not at 16 MB.
    #[test]
    fn an_indexed_bomb_stops_at_the_list_bound() {
        let mut block = Vec::new();
        block.push(0x40); // literal with incremental indexing, new name
        put_string(&mut block, b"x");
        put_string(&mut block, "y".repeat(4000).as_bytes());
        block.extend(std::iter::repeat_n(0xbe, 4000)); // index 62: that entry
        let mut d = Decoder::new();
        let mut seen = 0;
        let result = d.block(&block, |_, _| seen += 1);
        assert_eq!(result, Err("a header list larger than 16 KiB"));
        assert!(seen <= 4, "{seen}");
    }

    /// Huffman strings that end in EOS, in padding longer than 7 bits, or in padding that
    /// is not EOS's ones, are refused (RFC 7541 5.2).
    #[test]
    fn bad_huffman_padding_is_refused() {
        let mut out = Vec::new();
        assert_eq!(huffman(&[0x07], &mut out), Ok(())); // '0' (00000), then 111
        assert_eq!(out, b"0");
        assert!(huffman(&[0x07, 0xff], &mut Vec::new()).is_err()); // 11 bits of padding
        assert!(huffman(&[0x00], &mut Vec::new()).is_err()); // padding of zeroes
        assert!(huffman(&[0xff, 0xff, 0xff, 0xfc], &mut Vec::new()).is_err()); // EOS
    }

    /// A table size update past our SETTINGS is refused.
    #[test]
    fn a_table_past_our_settings_is_refused() {
        let mut block = Vec::new();
        put_integer(&mut block, 5, 0x20, 1 << 20);
        block.push(0x82);
        let mut d = Decoder::new();
        assert!(d.block(&block, |_, _| {}).is_err());
    }
}
