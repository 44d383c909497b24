//! The driver's decision for a leaf: pass it through as it is, or encode
//! it (quoted-printable or base64), from its first bytes.

use super::super::body::{Encoder, Scan};
use super::super::pending::{emit_headers, is_identity_spelling};
use super::super::{Action, Error};
use super::{Downgrader, State};
use crate::mime::Cte;

impl Downgrader {
    /// Chooses how the current leaf is written, from its first bytes.
    pub(super) fn decide(&mut self, complete: bool, out: &mut Vec<u8>) -> Result<(), Error> {
        let is_root = self.stack.len() == 1;
        // The body of a message/rfc822 part whose header block ended
        // without a blank line (at a line that is not a field): this
        // part's header block is empty there, and a field added to it
        // would be read as the enclosing part's, so a blank line goes
        // first, ending that part's block where it ended before.
        let after_headless = self
            .stack
            .len()
            .checked_sub(2)
            .is_some_and(|i| self.stack[i].message && self.stack[i].headless);
        let Some(open) = self.stack.last_mut() else {
            return Ok(());
        };
        let State::Deciding(mut p, mut window) = std::mem::replace(&mut open.state, State::Keep)
        else {
            return Ok(());
        };
        let rep = &mut self.report.parts[open.report];
        let scan = Scan::of(&window, complete);
        // An unknown label is kept over 7-bit data (RFC 2045 6.4: opaque
        // data, sent as it is).
        let seven = matches!(p.cte, None | Some(Cte::SevenBit | Cte::Other(_)));
        if matches!(p.cte, Some(Cte::Other(_)))
            && !scan.is_clean()
            && !is_identity_spelling(&p.label)
        {
            let first = window.iter().position(|&b| b == 0 || b >= 0x80);
            let offset = p.body_at.unwrap_or(open.start) + first.unwrap_or(0) as u64;
            return Err(Error::UnknownEncoding {
                offset,
                label: std::mem::take(&mut p.label),
            });
        }
        self.norm.flush(out, false);
        if seven && scan.is_clean() {
            open.state = State::KeepSevenBit;
            if self.whole {
                open.replay = Some((out.len(), p.clone()));
            }
            emit_headers(&p, out);
            rep.repaired += self.norm.push(&window, out, true);
            rep.body_out += window.len() as u64;
        } else {
            let (mut enc, name, action) = if p.text && scan.suits_qp() {
                (Encoder::qp(), "quoted-printable", Action::QuotedPrintable)
            } else {
                (Encoder::base64(), "base64", Action::Base64)
            };
            rep.action = action;
            // Fields added after the block's own, in this order.
            let mut added: [&[u8]; 2] = [b"", b""];
            if is_root && !p.has_mime_version {
                added[0] = b"MIME-Version: 1.0\r\n";
            }
            if is_root && !p.has_content_type {
                added[1] = if scan.valid_utf8(&window, complete) {
                    b"Content-Type: text/plain; charset=utf-8\r\n"
                } else {
                    b"Content-Type: text/plain; charset=unknown-8bit\r\n"
                };
            }
            p.set_cte(name);
            if after_headless && p.fields_end == 0 {
                out.extend_from_slice(b"\r\n");
                rep.header_encoded = true;
            }
            p.emit(&added, !window.is_empty(), out);
            let body_start = out.len();
            enc.push(&window, out);
            rep.body_out += (out.len() - body_start) as u64;
            open.state = State::Encode(enc);
        }
        self.spare_head = p.head;
        window.clear();
        self.spare_window = window;
        Ok(())
    }
}
