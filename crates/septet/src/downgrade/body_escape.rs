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
}
