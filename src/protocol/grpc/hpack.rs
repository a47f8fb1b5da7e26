//! HPACK (RFC 7541) for one call: the request's fields written as literals that the
//! server need not index (so its dynamic table is never asked to hold anything of ours),
//! and the response's header blocks decoded by `loona-hpack` (Huffman code and dynamic
//! table) under the size bounds of a hostile peer.

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
    string(out, name);
    string(out, value);
}

/// A string literal, not Huffman-coded.
fn string(out: &mut Vec<u8>, bytes: &[u8]) {
    integer(out, 7, 0, bytes.len());
    out.extend_from_slice(bytes);
}

/// An integer with an N-bit prefix (RFC 7541 5.1).
fn integer(out: &mut Vec<u8>, prefix: u32, first: u8, n: usize) {
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

/// The decoding side of the connection: one per connection, since the dynamic table
/// carries from one header block to the next.
pub struct Decoder {
    inner: loona_hpack::Decoder<'static>,
}

impl Decoder {
    pub fn new() -> Decoder {
        let mut inner = loona_hpack::Decoder::new();
        inner.set_max_allowed_table_size(TABLE);
        Decoder { inner }
    }

    /// Decodes a whole header block, handing each field to `each`. A list past
    /// [`MAX_LIST`] is refused; the fields before it have been handed on.
    pub fn block(
        &mut self,
        block: &[u8],
        mut each: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), &'static str> {
        let mut size = 0usize;
        self.inner
            .decode_with_cb(block, |name: Cow<[u8]>, value: Cow<[u8]>| {
                size = size.saturating_add(name.len() + value.len() + 32);
                if size <= MAX_LIST {
                    each(&name, &value);
                }
            })
            .map_err(|_| "a header block that is not valid HPACK")?;
        if size > MAX_LIST {
            return Err("a header list larger than 16 KiB");
        }
        Ok(())
    }
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
        d.inner.set_max_table_size(256);
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
        string(&mut block, b"x");
        string(&mut block, "y".repeat(4000).as_bytes());
        block.extend(std::iter::repeat_n(0xbe, 4000)); // index 62: that entry
        let mut d = Decoder::new();
        let mut seen = 0;
        let result = d.block(&block, |_, _| seen += 1);
        assert_eq!(result, Err("a header list larger than 16 KiB"));
        assert!(seen <= 5, "{seen}");
    }

    /// A table size update past our SETTINGS is refused.
    #[test]
    fn a_table_past_our_settings_is_refused() {
        let mut block = Vec::new();
        integer(&mut block, 5, 0x20, 1 << 20);
        block.push(0x82);
        let mut d = Decoder::new();
        assert!(d.block(&block, |_, _| {}).is_err());
    }
}
