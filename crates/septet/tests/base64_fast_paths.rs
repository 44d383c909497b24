//! The fast paths for regular input, against the reference paths:
//! - the MIME decoder's 76-column line path (lines two at a time) and its
//!   fallbacks: a bad byte at every position of the first lines, a line
//!   break one column early or late, LF-only and CR-only breaks;
//! - the one-shot decoder's inline ending (last quanta, padding, trailing
//!   whitespace) against the push decoder, which always runs the state
//!   machine;
//! - the MIME encoder's two-line step at every line count.
//!
//! Every kernel set the CPU runs is compared with the scalar one, results
//! and error offsets included.

use septet::base64::{Alphabet, Codec, DecodeError, MimeDecodeOptions};
use septet::simd::{self, Isa};

/// Reproducible bytes (xorshift64).
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}

fn codecs(alphabet: Alphabet) -> (Codec, Vec<Codec>) {
    let scalar = Codec::with_isa(alphabet, Isa::Scalar).unwrap();
    let simd = simd::available()
        .into_iter()
        .filter(|&isa| isa != Isa::Scalar)
        .map(|isa| Codec::with_isa(alphabet, isa).unwrap())
        .collect();
    (scalar, simd)
}

type Decoded = Result<Vec<u8>, DecodeError>;

/// MIME decode (strict and lenient) and plain decode of `text` with every
/// kernel set, checked against scalar.
fn same_everywhere(text: &[u8], what: &str) {
    for alphabet in [Alphabet::Standard, Alphabet::UrlSafe] {
        let (scalar, simd) = codecs(alphabet);
        for ignore_invalid in [false, true] {
            let options = MimeDecodeOptions { ignore_invalid };
            let want = scalar.decode_mime_with(text, options);
            for c in &simd {
                assert_eq!(
                    c.decode_mime_with(text, options),
                    want,
                    "{what}: {:?} ignore_invalid={ignore_invalid}",
                    c.isa()
                );
            }
        }
        let want = scalar.decode(text);
        for c in &simd {
            assert_eq!(c.decode(text), want, "{what}: plain, {:?}", c.isa());
        }
    }
}

/// The MIME encoding of `len` noise bytes.
fn mime_text(len: usize) -> Vec<u8> {
    let scalar = Codec::with_isa(Alphabet::Standard, Isa::Scalar).unwrap();
    scalar.encode_mime(&noise(len, len as u64)).into_bytes()
}

#[test]
fn bad_byte_at_every_position_of_regular_lines() {
    // Five full lines and a short one: pairs, an odd line, the general path.
    let text = mime_text(5 * 57 + 20);
    for pos in 0..text.len() {
        for b in [
            b'*', b'=', b' ', b'\n', b'\r', b'\t', 0x80, b'-', b'_', b'A',
        ] {
            let mut t = text.clone();
            t[pos] = b;
            same_everywhere(&t, &format!("{b:#x} at {pos}"));
        }
    }
}

#[test]
fn line_break_one_column_early_or_late() {
    let text = mime_text(8 * 57);
    for line in 0..8 {
        let at = line * 78 + 40;
        // One character fewer: a 75-column line (the quads shift).
        let mut short = text.clone();
        short.remove(at);
        same_everywhere(&short, &format!("75 columns at line {line}"));
        // Four fewer: a 72-column line, still whole quads.
        let mut shorter = text.clone();
        shorter.drain(at..at + 4);
        same_everywhere(&shorter, &format!("72 columns at line {line}"));
        // One more: a 77-column line.
        let mut long = text.clone();
        long.insert(at, b'Q');
        same_everywhere(&long, &format!("77 columns at line {line}"));
        // The CRLF moved by one, line length kept overall.
        let mut moved = text.clone();
        moved.swap(line * 78 + 75, line * 78 + 76);
        same_everywhere(&moved, &format!("CR before the last column, line {line}"));
    }
}

#[test]
fn lf_only_cr_only_and_mixed_breaks() {
    for lines in 0..=9 {
        for extra in [0, 1, 2, 30] {
            let text = mime_text(lines * 57 + extra);
            let lf: Vec<u8> = text.iter().copied().filter(|&b| b != b'\r').collect();
            same_everywhere(&lf, &format!("LF, {lines} lines + {extra}"));
            let cr: Vec<u8> = text.iter().copied().filter(|&b| b != b'\n').collect();
            same_everywhere(&cr, &format!("CR, {lines} lines + {extra}"));
            let mut mixed = Vec::new();
            for (n, line) in text.split(|&b| b == b'\n').enumerate() {
                mixed.extend_from_slice(line);
                if n % 3 == 1 {
                    mixed.pop(); // the CR: this break is LF only
                }
                mixed.push(b'\n');
            }
            mixed.truncate(text.len().min(mixed.len()));
            same_everywhere(&mixed, &format!("mixed, {lines} lines + {extra}"));
        }
    }
}

/// The push decoder never takes the one-shot fast path.
fn pushed(codec: &Codec, text: &[u8]) -> Decoded {
    let mut decoder = codec.decoder();
    let mut out = Vec::new();
    decoder.feed(text, &mut out)?;
    decoder.finish(&mut out)?;
    Ok(out)
}

#[test]
fn one_shot_endings_match_the_state_machine() {
    let endings: [&[u8]; 18] = [
        b"",
        b"QQ==",
        b"QUI=",
        b"QUJD",
        b"QQ==\r\n",
        b"QQ=\r\n=",
        b"QQ= =\r\n",
        b"QUI=\r\n\r\n \t",
        b"QR==",
        b"QUJ=",
        b"QQ==QQ==",
        b"QQ==\r\nA",
        b"Q===",
        b"QQ=A",
        b"QUJ",
        b"QU JD",
        b"QQ*=\r\n=",
        b"Q*Q==",
    ];
    for alphabet in [Alphabet::Standard, Alphabet::UrlSafe] {
        let mut all = codecs(alphabet).1;
        all.push(Codec::with_isa(alphabet, Isa::Scalar).unwrap());
        for body in [0, 3, 57, 60, 300, 1000] {
            for ending in endings {
                for mime in [false, true] {
                    let mut text = if mime {
                        mime_text(body)
                    } else {
                        let scalar = Codec::with_isa(alphabet, Isa::Scalar).unwrap();
                        scalar.encode(&noise(body, 7)).into_bytes()
                    };
                    // Replace the padding, if any, by whole quads only.
                    while text
                        .last()
                        .is_some_and(|&b| b == b'=' || b == b'\n' || b == b'\r')
                    {
                        text.pop();
                    }
                    text.truncate(text.len() / 4 * 4);
                    text.extend_from_slice(ending);
                    let variants = all.iter().flat_map(|c| {
                        let lenient = MimeDecodeOptions {
                            ignore_invalid: true,
                        };
                        [c.with_mime(mime), c.with_mime_options(lenient)]
                    });
                    for c in variants {
                        let one_shot = c.decode(&text);
                        assert_eq!(
                            one_shot,
                            pushed(&c, &text),
                            "{:?} mime={mime} body {body} ending {:?}",
                            c.isa(),
                            String::from_utf8_lossy(ending)
                        );
                        let mut out = vec![0u8; text.len()];
                        let sliced = c
                            .decode_to_slice(&text, &mut out)
                            .map(|n| out[..n].to_vec());
                        assert_eq!(sliced.ok(), one_shot.ok());
                    }
                }
            }
        }
    }
}

#[test]
fn mime_encode_every_line_count() {
    for alphabet in [Alphabet::Standard, Alphabet::UrlSafe] {
        let (scalar, simd) = codecs(alphabet);
        for lines in 0..=12 {
            for extra in [0, 1, 2, 3, 4, 5, 56] {
                let data = noise(lines * 57 + extra, (lines * 64 + extra) as u64);
                for start in [0, 1, 4] {
                    let data = &data[start.min(data.len())..];
                    let want = scalar.encode_mime(data);
                    for c in &simd {
                        assert_eq!(c.encode_mime(data), want, "{lines} lines + {extra}");
                        let mut out = vec![0xa5; want.len() + 8];
                        let n = c.encode_mime_to_slice(data, &mut out).unwrap();
                        assert_eq!(&out[..n], want.as_bytes());
                        assert!(out[n..].iter().all(|&b| b == 0xa5), "wrote past the end");
                    }
                }
            }
        }
    }
}
