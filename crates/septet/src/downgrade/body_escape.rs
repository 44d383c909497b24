//! Escape mode of the [`Normalizer`], for bodies labelled
//! quoted-printable that hold bytes with no 7-bit form.

use super::{Normalizer, MAX_LINE};

/// The longest line written in a quoted-printable body being escaped:
/// room for one more `=XX` while a soft break waits until it cannot
/// split an escape (at most two bytes), then the `=` of the soft break.
const QP_LINE: usize = MAX_LINE - 8;

impl Normalizer {
    /// Like [`push`](Self::push) with repair, for a body labelled
    /// quoted-printable: instead of `?`, a byte with no 7-bit form (8-bit,
    /// NUL, bare CR) becomes its `=XX` escape and an over-long line gets
    /// soft breaks (`=` CRLF), never inside an `=XX` already there. A
    /// lenient decoder reads a raw byte in quoted-printable as itself, so
    /// this is lossless. Returns the bytes escaped plus the breaks added.
    pub(crate) fn push_qp(&mut self, input: &[u8], out: &mut Vec<u8>) -> u64 {
        self.escape = true;
        let n = self.push(input, out, true);
        self.escape = false;
        self.cr_escape = self.pending_cr;
        n
    }

    /// The longest line the current mode writes.
    pub(super) fn limit(&self) -> usize {
        if self.escape {
            QP_LINE
        } else {
            MAX_LINE
        }
    }

    /// [`repair_run`](Self::repair_run) in escape mode.
    pub(super) fn escape_run(&mut self, run: &[u8], out: &mut Vec<u8>) -> u64 {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut changed = 0;
        for &b in run {
            let wide = b == 0 || b >= 0x80 || b == b'\r';
            let width = if wide { 3 } else { 1 };
            // An `=` in the last two bytes may start an escape of the
            // input's own (`=4` `1`): a break there would change it.
            let n = out.len();
            let splits =
                (self.col >= 1 && out[n - 1] == b'=') || (self.col >= 2 && out[n - 2] == b'=');
            if self.col + width > QP_LINE && !splits {
                out.extend_from_slice(b"=\r\n");
                self.col = 0;
                changed += 1;
            }
            if wide {
                out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
                changed += 1;
            } else {
                out.push(b);
            }
            self.col += width;
        }
        changed
    }

    /// Escape mode, a CR held and the input going on with `=`: matches
    /// `=` LF LF, a soft break whose line is followed by an empty line,
    /// the two line breaks bare LFs (a message in LF form). The CR then
    /// decodes to sit right before a line break, and in LF form a CR LF is
    /// one line break: the raw bytes outside quoted-printable are read the
    /// same way (a CR LF pair is a line break, not a CR of data), and so
    /// is the decoded text by every reader that maps LF form to CRLF
    /// (Python's `email` among them). So the CR is dropped and the line
    /// break written as CRLF, which decodes to that one CRLF. Any other
    /// continuation makes the CR data: escaped, then the bytes held
    /// written as they are. Returns the input bytes used (the bytes may
    /// end mid-pattern: they stay held for the next call) and the changes.
    pub(super) fn qp_cr(&mut self, input: &[u8], out: &mut Vec<u8>) -> (usize, u64) {
        const PATTERN: &[u8; 3] = b"=\n\n";
        let mut used = 0;
        while let Some(&want) = PATTERN.get(usize::from(self.qp_hold)) {
            let Some(&b) = input.get(used) else {
                return (used, 0);
            };
            if b != want {
                return (used, self.release_qp_hold(out));
            }
            self.qp_hold += 1;
            used += 1;
        }
        self.qp_hold = 0;
        self.pending_cr = false;
        self.cr_escape = false;
        (used, 1 + self.runs(PATTERN, out, true))
    }

    /// The CR held (and any bytes of `=` LF LF after it) turned out to be
    /// data: writes it escaped and the held bytes after it.
    pub(super) fn release_qp_hold(&mut self, out: &mut Vec<u8>) -> u64 {
        if self.qp_hold == 0 {
            return 0;
        }
        let held = usize::from(std::mem::take(&mut self.qp_hold));
        self.pending_cr = false;
        self.cr_escape = false;
        let escape = std::mem::replace(&mut self.escape, true);
        let mut changed = self.escape_run(b"\r", out);
        changed += self.runs(&b"=\n\n"[..held], out, true);
        self.escape = escape;
        changed
    }
}
