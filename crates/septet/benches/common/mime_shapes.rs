//! The two message shapes of the parse + decode comparisons (issue 12),
//! shared by `crates/septet/benches/mime.rs` (mail-parser 0.11, mailparse)
//! and `crates/septet-peer-bench/benches/mime.rs` (mail-parser 1.0.1), so
//! both measure the same bytes. Needs `septet` (to encode the attachment).

/// Deterministic filler bytes (xorshift32): incompressible like a real
/// attachment, identical on every run.
fn noise(len: usize, mut x: u32) -> Vec<u8> {
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// One small leaf part (after its delimiter line): plain text, UTF-8
/// quoted-printable or a one-to-four-line base64 attachment, by `i % 3`.
fn small_part(m: &mut Vec<u8>, i: usize) {
    match i % 3 {
        0 => m.extend_from_slice(
            format!(
                "Content-Type: text/plain; charset=us-ascii\r\n\r\n\
                 Part {i}: a short line of text.\r\nAnd a second one.\r\n"
            )
            .as_bytes(),
        ),
        1 => m.extend_from_slice(
            format!(
                "Content-Type: text/plain; charset=utf-8\r\n\
                 Content-Transfer-Encoding: quoted-printable\r\n\r\n\
                 Part {i}: gr=C3=BC=C3=9Fe aus K=C3=B6ln, soft=\r\nbreak.\r\n"
            )
            .as_bytes(),
        ),
        _ => small_base64(m, i),
    }
}

/// A small base64 attachment part: 57 to 228 decoded bytes (one to four
/// 76-column lines), with the usual name/filename parameters.
fn small_base64(m: &mut Vec<u8>, i: usize) {
    m.extend_from_slice(
        format!(
            "Content-Type: application/octet-stream; name=\"f{i}.bin\"\r\n\
             Content-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment; filename=\"f{i}.bin\"\r\n\r\n"
        )
        .as_bytes(),
    );
    let data = noise(57 * (1 + i % 4), 0x9e37_79b9 ^ i as u32);
    m.extend_from_slice(septet::base64::encode_mime(&data).as_bytes());
    // encode_mime ends without a line break; the delimiter needs one.
    m.extend_from_slice(b"\r\n");
}

/// About 20 MiB: a 4 MiB quoted-printable UTF-8 text part, 2,000 small
/// parts (text, quoted-printable, base64), a 15 MiB base64 attachment.
pub fn large() -> Vec<u8> {
    let mut m = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: large\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_large_boundary\"\r\n\r\n".to_vec();
    m.extend_from_slice(b"--=_large_boundary\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
    // Mostly literal with a few escapes and a soft break, like mail text.
    let line = "The quick brown fox jumps over the lazy dog -- 0123456789 gr=C3=BC=C3=9Fe=\r\n aus K=C3=B6ln, =3D and a tab=09here.\r\n";
    let text_end = m.len() + (4 << 20);
    while m.len() < text_end {
        m.extend_from_slice(line.as_bytes());
    }
    for i in 0..2_000 {
        m.extend_from_slice(b"\r\n--=_large_boundary\r\n");
        small_part(&mut m, i);
    }
    m.extend_from_slice(b"\r\n--=_large_boundary\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\n\r\n");
    let data = noise((15usize << 20) / 4 * 3, 0x9e37_79b9);
    m.extend_from_slice(septet::base64::encode_mime(&data).as_bytes());
    m.extend_from_slice(b"\r\n--=_large_boundary--\r\n");
    m
}

/// One message of 10,000 parts (the root and 9,999 small base64 parts),
/// where per-part cost decides. 10,000 is both parsers' default part limit;
/// one more part would be folded into the last one.
pub fn many_parts() -> Vec<u8> {
    let mut m = b"From: a@example.org\r\nSubject: many\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"many\"\r\n\r\n".to_vec();
    for i in 0..9_999 {
        m.extend_from_slice(b"--many\r\n");
        small_base64(&mut m, i);
    }
    m.extend_from_slice(b"--many--\r\n");
    m
}
