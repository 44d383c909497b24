//! The output line-ending option: the downgrade works in SMTP wire form
//! (CRLF), and an LF output has its line breaks rewritten at the sink,
//! in place, right after each call wrote them (while they are in cache).
//!
//! Lossless: wire form holds no bare CR or LF (a CR or LF that is data is
//! base64 or `=0D`/`=0A`), so a reader that turns each LF back into CRLF
//! gets the wire form exactly.

/// The line break the downgrade writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum LineEnding {
    /// `\r\n`: SMTP wire form (RFC 5321 2.3.8), the default.
    #[default]
    Crlf,
    /// `\n`: the local form of mbox archives and Unix tools. No CR from a
    /// line break appears in the output (and no CR that is data does
    /// either: such bytes are always encoded).
    Lf,
}

impl LineEnding {
    /// The line break's bytes.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Crlf => b"\r\n",
            LineEnding::Lf => b"\n",
        }
    }

    /// The line break of the first line of `data`: CRLF if that line ends
    /// in CR LF, else LF (also when `data` has no line break at all).
    pub fn of_first_line(data: &[u8]) -> LineEnding {
        match memchr::memchr(b'\n', data) {
            Some(nl) if nl > 0 && data[nl - 1] == b'\r' => LineEnding::Crlf,
            _ => LineEnding::Lf,
        }
    }

    /// Rewrites `buf[from..]`, text in wire form (every line break CRLF),
    /// into this line ending, in place: for [`Lf`](Self::Lf) every CR LF
    /// becomes LF; for [`Crlf`](Self::Crlf) nothing changes. A CR not
    /// followed by LF, and an LF not preceded by CR, are kept. Returns the
    /// bytes removed.
    pub fn apply_to_wire_form(self, buf: &mut Vec<u8>, from: usize) -> usize {
        match self {
            LineEnding::Crlf => 0,
            LineEnding::Lf => crlf_to_lf(buf, from.min(buf.len())),
        }
    }
}

/// The output sink's line-end state between calls: with LF output, a CR
/// ending one call's output is held back until the next byte is known.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Sink {
    ending: LineEnding,
    held_cr: bool,
    /// Bytes taken out of the wire form so far.
    removed: u64,
}

impl Sink {
    pub(super) fn new(ending: LineEnding) -> Self {
        Sink {
            ending,
            held_cr: false,
            removed: 0,
        }
    }

    /// Maps what one call appended (`out[from..]`, wire form).
    pub(super) fn map(&mut self, out: &mut Vec<u8>, from: usize) {
        if self.ending == LineEnding::Crlf {
            return;
        }
        if std::mem::take(&mut self.held_cr) {
            // The CR held from the last call was half of a CR LF unless
            // this output does not start with LF (never in wire form).
            if out.get(from) == Some(&b'\n') {
                self.removed += 1;
            } else {
                out.insert(from, b'\r');
            }
        }
        self.removed += crlf_to_lf(out, from) as u64;
        if out.len() > from && out.last() == Some(&b'\r') {
            out.pop();
            self.held_cr = true;
        }
    }

    /// Ends the output: a CR still held is written (wire form never ends
    /// in one). Returns the bytes the mapping took out in all.
    pub(super) fn finish(&mut self, out: &mut Vec<u8>) -> u64 {
        if std::mem::take(&mut self.held_cr) {
            out.push(b'\r');
        }
        self.removed
    }
}

/// Turns every CR LF in `buf[from..]` into LF, in place, in one pass: each
/// line break is found with memchr and the run of bytes before it moved
/// down once (nothing moves before the first CR is dropped). Returns the
/// bytes removed.
fn crlf_to_lf(buf: &mut Vec<u8>, from: usize) -> usize {
    // Invariant: `buf[..write]` is the output so far; `buf[read..]` is
    // input not yet moved, still as it was (writes land below `read`).
    let (mut write, mut read, mut search) = (from, from, from);
    while let Some(i) = memchr::memchr(b'\n', &buf[search..]) {
        let nl = search + i;
        search = nl + 1;
        if nl > read && buf[nl - 1] == b'\r' {
            let cr = nl - 1;
            if write != read {
                buf.copy_within(read..cr, write);
            }
            write += cr - read;
            // The LF starts the next run.
            read = nl;
        }
    }
    let removed = read - write;
    if removed != 0 {
        let len = buf.len();
        buf.copy_within(read..len, write);
        buf.truncate(len - removed);
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: every CR that has an LF after it dropped.
    fn byte_loop(input: &[u8]) -> Vec<u8> {
        let pairs = |i: usize| input[i] == b'\r' && input.get(i + 1) == Some(&b'\n');
        (0..input.len())
            .filter(|&i| !pairs(i))
            .map(|i| input[i])
            .collect()
    }

    #[test]
    fn crlf_becomes_lf() {
        let cases: [(&[u8], &[u8]); 9] = [
            (b"", b""),
            (b"abc", b"abc"),
            (b"a\r\nb\r\n", b"a\nb\n"),
            (b"\r\n\r\n\r\n", b"\n\n\n"),
            (b"a\nb\r\nc", b"a\nb\nc"),
            (b"\r\r\n\r", b"\r\n\r"),
            (b"x\ry\r\nz\n\n", b"x\ry\nz\n\n"),
            (b"\n\r\n", b"\n\n"),
            (b"head\r\n\r\nbody", b"head\n\nbody"),
        ];
        for (input, want) in cases {
            let mut buf = b"\r".to_vec();
            buf.extend_from_slice(input);
            let removed = crlf_to_lf(&mut buf, 1);
            assert_eq!(&buf[1..], want, "{:?}", String::from_utf8_lossy(input));
            assert_eq!(removed, input.len() - want.len());
        }
        // Every string of up to 7 bytes over {a, CR, LF}, against a naive
        // byte loop.
        for len in 0..=7u32 {
            for code in 0..3usize.pow(len) {
                let input: Vec<u8> = (0..len)
                    .map(|k| b"a\r\n"[code / 3usize.pow(k) % 3])
                    .collect();
                let mut buf = input.clone();
                LineEnding::Lf.apply_to_wire_form(&mut buf, 0);
                assert_eq!(buf, byte_loop(&input), "{input:?}");
            }
        }
    }

    #[test]
    fn long_random_text_against_a_byte_loop() {
        let mut state = 0x5eed_u64;
        for len in 0..300 {
            for density in [2, 9, 40] {
                let input: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1);
                        match (state >> 33) % density {
                            0 => b'\r',
                            1 => b'\n',
                            _ => b'a',
                        }
                    })
                    .collect();
                let mut buf = input.clone();
                LineEnding::Lf.apply_to_wire_form(&mut buf, 0);
                assert_eq!(buf, byte_loop(&input), "{input:?}");
                // From an offset: the bytes before it stay as they are.
                let from = len / 3;
                let mut buf = input.clone();
                LineEnding::Lf.apply_to_wire_form(&mut buf, from);
                let mut tail = input[from..].to_vec();
                LineEnding::Lf.apply_to_wire_form(&mut tail, 0);
                assert_eq!(&buf[..from], &input[..from]);
                assert_eq!(&buf[from..], &tail[..]);
            }
        }
    }

    #[test]
    fn a_crlf_split_between_calls() {
        let wire = b"a\r\nb\r\n\r\nc";
        for split in 0..=wire.len() {
            let mut sink = Sink::new(LineEnding::Lf);
            let mut out = Vec::new();
            out.extend_from_slice(&wire[..split]);
            sink.map(&mut out, 0);
            let at = out.len();
            out.extend_from_slice(&wire[split..]);
            sink.map(&mut out, at);
            sink.finish(&mut out);
            assert_eq!(out, b"a\nb\n\nc", "split {split}");
        }
        let mut sink = Sink::new(LineEnding::Lf);
        let mut out = b"x\r\r\n".to_vec();
        sink.map(&mut out, 0);
        assert_eq!(sink.finish(&mut out), 1);
        assert_eq!(out, b"x\r\n");
    }

    #[test]
    fn first_line() {
        assert_eq!(LineEnding::of_first_line(b"a\r\nb\n"), LineEnding::Crlf);
        assert_eq!(LineEnding::of_first_line(b"a\nb\r\n"), LineEnding::Lf);
        assert_eq!(LineEnding::of_first_line(b"\n"), LineEnding::Lf);
        assert_eq!(LineEnding::of_first_line(b"abc"), LineEnding::Lf);
    }
}
