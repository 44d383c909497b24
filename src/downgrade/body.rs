//! Body transforms: the streaming base64 and quoted-printable encoders, the
//! line-break normaliser for bytes that are kept, and the first-window
//! classification that picks an encoding.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::base64;
use crate::qp::{self, EncodeOptions, Mode};

/// The longest line SMTP allows, CRLF excluded (RFC 5321 4.5.3.1.6).
pub(crate) const MAX_LINE: usize = 998;
/// Base64 input bytes per output line (76 characters).
const B64_LINE: usize = 57;
/// Whole lines encoded per block (bounds the temporary output).
const B64_BLOCK: usize = B64_LINE * 1024;

/// What the first bytes of a body look like.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Scan {
    pub eight_bit: usize,
    pub nul: bool,
    pub bare_cr: bool,
    pub long_line: bool,
    pub len: usize,
    pub valid_utf8: bool,
}

impl Scan {
    /// Scans `window` (the start of a body; `complete` if it is all of it).
    pub(crate) fn of(window: &[u8], complete: bool) -> Scan {
        let mut s = Scan {
            len: window.len(),
            ..Scan::default()
        };
        let mut col = 0;
        for (i, &b) in window.iter().enumerate() {
            match b {
                b'\n' => col = 0,
                b'\r' => {
                    // A CR at the end of an incomplete window may be half of CRLF.
                    match window.get(i + 1) {
                        Some(b'\n') => {}
                        None if !complete => {}
                        _ => s.bare_cr = true,
                    }
                }
                0 => s.nul = true,
                128.. => s.eight_bit += 1,
                _ => {}
            }
            if b != b'\n' && b != b'\r' {
                col += 1;
                s.long_line |= col > MAX_LINE;
            }
        }
        s.valid_utf8 = match std::str::from_utf8(window) {
            Ok(_) => true,
            // A character cut by the window's end is not an error.
            Err(e) => e.error_len().is_none() && !complete,
        };
        s
    }

    /// True if the bytes may be sent as 7bit.
    pub(crate) fn is_clean(&self) -> bool {
        self.eight_bit == 0 && !self.nul && !self.bare_cr && !self.long_line
    }

    /// True if quoted-printable suits these bytes (few 8-bit bytes, text lines).
    pub(crate) fn suits_qp(&self) -> bool {
        !self.nul && !self.bare_cr && self.eight_bit * 8 < self.len.max(1)
    }
}

/// A `Write` sink whose bytes the driver takes after each write (the QP
/// writer owns its sink; this shares it).
#[derive(Clone, Default)]
pub(crate) struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.take_into_lock(|v| v.extend_from_slice(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn take_into_lock(&self, f: impl FnOnce(&mut Vec<u8>)) {
        // A poisoned lock only means another thread panicked mid-push;
        // the bytes are still ours.
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g);
    }

    fn drain_into(&self, out: &mut Vec<u8>) {
        self.take_into_lock(|v| {
            out.extend_from_slice(v);
            v.clear();
        });
    }
}

/// A body being re-encoded.
pub(crate) enum Encoder {
    Base64 {
        carry: Vec<u8>,
    },
    Qp {
        writer: qp::EncoderWriter<Shared>,
        sink: Shared,
    },
}

impl Encoder {
    pub(crate) fn base64() -> Self {
        Encoder::Base64 {
            carry: Vec::with_capacity(B64_LINE),
        }
    }

    /// Quoted-printable for text: CRLF or LF line breaks become CRLF, a
    /// leading `.` and `From ` are escaped (safe for SMTP and mbox).
    pub(crate) fn qp() -> Self {
        let sink = Shared::default();
        let options = EncodeOptions {
            bare_lf_is_line_break: true,
            ..EncodeOptions::new(Mode::Text)
        };
        Encoder::Qp {
            writer: qp::EncoderWriter::new(sink.clone(), options),
            sink,
        }
    }

    /// Bytes held inside the encoder.
    pub(crate) fn buffered(&self) -> usize {
        match self {
            Encoder::Base64 { carry } => carry.len(),
            // The writer's fixed output block plus its few carried bytes.
            Encoder::Qp { .. } => 64 * 1024 + 16,
        }
    }

    pub(crate) fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        match self {
            Encoder::Base64 { carry } => {
                if !carry.is_empty() {
                    let take = (B64_LINE - carry.len()).min(input.len());
                    carry.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if carry.len() < B64_LINE {
                        return;
                    }
                    encode_lines(carry, out);
                    carry.clear();
                }
                while input.len() >= B64_LINE {
                    let n = (input.len() / B64_LINE * B64_LINE).min(B64_BLOCK);
                    encode_lines(&input[..n], out);
                    input = &input[n..];
                }
                carry.extend_from_slice(input);
            }
            Encoder::Qp { writer, sink } => {
                // Writing into a Vec-backed sink cannot fail.
                let _ = writer.write_all(input);
                let _ = writer.flush();
                sink.drain_into(out);
            }
        }
    }

    pub(crate) fn finish(self, out: &mut Vec<u8>) {
        match self {
            Encoder::Base64 { carry } => {
                if !carry.is_empty() {
                    out.extend_from_slice(base64::encode_mime(&carry).as_bytes());
                }
            }
            Encoder::Qp { writer, sink } => {
                let _ = writer.finish();
                sink.drain_into(out);
            }
        }
    }
}

/// Encodes whole 57-byte lines (76 characters + CRLF each).
fn encode_lines(input: &[u8], out: &mut Vec<u8>) {
    let at = out.len();
    out.resize(at + input.len() / B64_LINE * (76 + 2), 0);
    let n = base64::encode_mime_to_slice(input, &mut out[at..]);
    out.truncate(at + n);
}

/// Writes kept bytes with CRLF line breaks. With `repair`, bytes that have
/// no place in 7-bit data (8-bit, NUL, bare CR) become `?` and lines over
/// 998 octets are broken; each such change is counted.
#[derive(Debug, Default)]
pub(crate) struct Normalizer {
    pending_cr: bool,
    col: usize,
}

impl Normalizer {
    pub(crate) fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>, repair: bool) -> u64 {
        let mut changed = 0;
        while let Some(&first) = input.first() {
            if self.pending_cr {
                self.pending_cr = false;
                if first == b'\n' {
                    out.extend_from_slice(b"\r\n");
                    self.col = 0;
                    input = &input[1..];
                    continue;
                }
                changed += self.bare_cr(out, repair);
            }
            // Runs between line-break bytes are copied whole when clean.
            let end = memchr::memchr2(b'\r', b'\n', input).unwrap_or(input.len());
            let run = &input[..end];
            if !repair || (self.col + run.len() <= MAX_LINE && run.is_ascii() && !run.contains(&0))
            {
                out.extend_from_slice(run);
                self.col += run.len();
            } else {
                changed += self.repair_run(run, out);
            }
            match input.get(end) {
                Some(b'\r') => self.pending_cr = true,
                Some(_) => {
                    out.extend_from_slice(b"\r\n");
                    self.col = 0;
                }
                None => {}
            }
            input = input.get(end + 1..).unwrap_or_default();
        }
        changed
    }

    /// A run without line breaks that needs `?` or a line break inserted.
    fn repair_run(&mut self, run: &[u8], out: &mut Vec<u8>) -> u64 {
        let mut changed = 0;
        for &b in run {
            if self.col >= MAX_LINE {
                out.extend_from_slice(b"\r\n");
                self.col = 0;
                changed += 1;
            }
            if b == 0 || b >= 128 {
                out.push(b'?');
                changed += 1;
            } else {
                out.push(b);
            }
            self.col += 1;
        }
        changed
    }

    /// Called before bytes that do not pass through here: a CR still held
    /// is bare.
    pub(crate) fn flush(&mut self, out: &mut Vec<u8>, repair: bool) -> u64 {
        let mut changed = 0;
        if std::mem::take(&mut self.pending_cr) {
            changed = self.bare_cr(out, repair);
        }
        self.col = 0;
        changed
    }

    fn bare_cr(&mut self, out: &mut Vec<u8>, repair: bool) -> u64 {
        if repair {
            out.push(b'?');
            self.col += 1;
            1
        } else {
            out.push(b'\r');
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_any_split_matches_one_shot() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let want = base64::encode_mime(&data);
        for step in [1, 5, 56, 57, 58, 400] {
            let mut e = Encoder::base64();
            let mut out = Vec::new();
            for c in data.chunks(step) {
                e.push(c, &mut out);
            }
            e.finish(&mut out);
            assert_eq!(out, want.as_bytes(), "step {step}");
        }
    }

    #[test]
    fn normalizer_repairs() {
        let mut n = Normalizer::default();
        let mut out = Vec::new();
        assert_eq!(n.push(b"a\r", &mut out, true), 0);
        assert_eq!(n.push(b"\nb\n\xff\rc", &mut out, true), 2);
        assert_eq!(out, b"a\r\nb\r\n??c");
    }
}
