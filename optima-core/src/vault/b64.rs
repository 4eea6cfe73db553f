//! Standard base64 with padding, for the payload of sealed text only.
//!
//! The `base64` crate's general-purpose engine costs about as much as AES-GCM itself on a short value
//! (it is built for streaming and configurability); these two loops are what the vault needs, strict
//! (canonical padding and trailing bits, as `base64::engine::general_purpose::STANDARD` decodes) and
//! tested against that engine. Payloads are ciphertext, so table lookups leak nothing.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const INVALID: u8 = 0xFF;

const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Length of the encoding of `len` bytes.
pub(crate) const fn encoded_len(len: usize) -> usize {
    len.div_ceil(3) * 4
}

/// Each 12-bit value's two symbols: one lookup per pair of symbols instead of one per symbol.
const PAIRS: [[u8; 2]; 4096] = {
    let mut table = [[0u8; 2]; 4096];
    let mut i = 0;
    while i < 4096 {
        table[i] = [ALPHABET[i >> 6], ALPHABET[i & 63]];
        i += 1;
    }
    table
};

/// Appends the padded encoding of `input` to `out`.
pub(crate) fn encode_into(input: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encoded_len(input.len()), 0);
    let dst = &mut out[start..];
    let pair = |n: u64, shift: u32| PAIRS[((n >> shift) & 0xFFF) as usize];
    // Six bytes to eight symbols at a time, then three to four, then the padded tail.
    let (wide_dst, dst) = dst.split_at_mut(input.len() / 6 * 8);
    let mut wide_in = input.chunks_exact(6);
    for (c, o) in (&mut wide_in).zip(wide_dst.chunks_exact_mut(8)) {
        let n = u64::from_be_bytes([0, 0, c[0], c[1], c[2], c[3], c[4], c[5]]);
        let ([a, b], [c, d], [e, f], [g, h]) = (pair(n, 36), pair(n, 24), pair(n, 12), pair(n, 0));
        o.copy_from_slice(&[a, b, c, d, e, f, g, h]);
    }
    let chunks = wide_in.remainder().chunks_exact(3);
    let rest = chunks.remainder();
    let mut dst_chunks = dst.chunks_exact_mut(4);
    for (c, o) in chunks.zip(&mut dst_chunks) {
        let n = u64::from_be_bytes([0, 0, 0, 0, 0, c[0], c[1], c[2]]);
        let ([a, b], [c, d]) = (pair(n, 12), pair(n, 0));
        o.copy_from_slice(&[a, b, c, d]);
    }
    let sym = |n: u32, shift: u32| ALPHABET[((n >> shift) & 63) as usize];
    let tail = match *rest {
        [a] => {
            let n = u32::from(a) << 16;
            [sym(n, 18), sym(n, 12), b'=', b'=']
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            [sym(n, 18), sym(n, 12), sym(n, 6), b'=']
        }
        _ => return,
    };
    if let Some(o) = dst_chunks.next() {
        o.copy_from_slice(&tail);
    }
}

/// Upper bound of the decoded length of `len` characters.
pub(crate) const fn decoded_len_bound(len: usize) -> usize {
    len / 4 * 3
}

/// Decodes padded standard base64 into `out` (at least [`decoded_len_bound`] long), returning the
/// decoded length; `None` for anything that is not canonical base64.
pub(crate) fn decode_into(input: &[u8], out: &mut [u8]) -> Option<usize> {
    if input.is_empty()
        || !input.len().is_multiple_of(4)
        || out.len() < decoded_len_bound(input.len())
    {
        return None;
    }
    let (body, last) = input.split_at(input.len() - 4);
    let mut written = 0;
    // Eight symbols to six bytes at a time, with one validity check per eight.
    let mut wide = body.chunks_exact(8);
    for (c, o) in (&mut wide).zip(out.chunks_exact_mut(6)) {
        let v: [u8; 8] = std::array::from_fn(|i| DECODE[c[i] as usize]);
        if (v[0] | v[1] | v[2] | v[3] | v[4] | v[5] | v[6] | v[7]) & 0xC0 != 0 {
            return None;
        }
        let n = v.iter().fold(0u64, |n, &sym| (n << 6) | u64::from(sym));
        o.copy_from_slice(&n.to_be_bytes()[2..]);
        written += 6;
    }
    for (c, o) in wide
        .remainder()
        .chunks_exact(4)
        .zip(out[written..].chunks_exact_mut(3))
    {
        let (a, b, cc, d) = (
            DECODE[c[0] as usize],
            DECODE[c[1] as usize],
            DECODE[c[2] as usize],
            DECODE[c[3] as usize],
        );
        if (a | b | cc | d) & 0xC0 != 0 {
            return None;
        }
        let n = (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(cc) << 6) | u32::from(d);
        o[0] = (n >> 16) as u8;
        o[1] = (n >> 8) as u8;
        o[2] = n as u8;
        written += 3;
    }
    let a = DECODE[last[0] as usize];
    let b = DECODE[last[1] as usize];
    if (a | b) & 0xC0 != 0 {
        return None;
    }
    let n = (u32::from(a) << 18) | (u32::from(b) << 12);
    match (last[2], last[3]) {
        (b'=', b'=') => {
            // Canonical: the unused low bits of the second symbol are zero.
            if b & 0x0F != 0 {
                return None;
            }
            out[written] = (n >> 16) as u8;
            Some(written + 1)
        }
        (c, b'=') => {
            let cc = DECODE[c as usize];
            if cc & 0xC0 != 0 || cc & 0x03 != 0 {
                return None;
            }
            let n = n | (u32::from(cc) << 6);
            out[written..written + 2].copy_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]);
            Some(written + 2)
        }
        (c, d) => {
            let (cc, dd) = (DECODE[c as usize], DECODE[d as usize]);
            if (cc | dd) & 0xC0 != 0 {
                return None;
            }
            let n = n | (u32::from(cc) << 6) | u32::from(dd);
            out[written..written + 3].copy_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
            Some(written + 3)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use proptest::prelude::*;

    fn decode(s: &[u8]) -> Option<Vec<u8>> {
        let mut out = vec![0u8; decoded_len_bound(s.len())];
        let n = decode_into(s, &mut out)?;
        out.truncate(n);
        Some(out)
    }

    #[test]
    fn known_vectors() {
        for (plain, enc) in [
            (&b"f"[..], "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
            (&[0xFB, 0xFF], "+/8="),
        ] {
            let mut out = Vec::new();
            encode_into(plain, &mut out);
            assert_eq!(out, enc.as_bytes());
            assert_eq!(decode(enc.as_bytes()).unwrap(), plain);
        }
        for bad in [
            "", "Zg=", "Zh==", "Zm9=", "Z===", "Zg==Zg==", "Zm9v\n", "Zm-v", "=Zm9",
        ] {
            assert_eq!(decode(bad.as_bytes()), None, "{bad}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn matches_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut out = Vec::new();
            encode_into(&bytes, &mut out);
            let reference = STANDARD.encode(&bytes);
            prop_assert_eq!(&out, reference.as_bytes());
            if !bytes.is_empty() {
                prop_assert_eq!(decode(&out), Some(bytes));
            }
        }

        #[test]
        fn decodes_exactly_what_the_base64_crate_accepts(s in "[A-Za-z0-9+/=]{0,40}|[ -~]{0,24}") {
            let ours = decode(s.as_bytes());
            let theirs = STANDARD.decode(&s).ok().filter(|v| !v.is_empty());
            prop_assert_eq!(ours, theirs);
        }
    }
}
