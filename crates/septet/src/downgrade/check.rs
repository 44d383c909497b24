//! Deciding, without producing output, that a message needs no downgrade:
//! one census pass over its bytes, then the MIME tokenizer's events
//! (no copying, no encoding) for the labels that force a rewrite.

use super::body::MAX_LINE;
use super::Options;
use crate::mime::{Event, Flags, Step, Tokenizer, TransferEncoding};

/// True if `message` may need changes from the downgrade; `false` only if
/// the downgrade with default [`Options`] would write `message` back
/// byte for byte, given the line ending the message uses throughout.
///
/// `false` guarantees: every byte is 7-bit and not NUL; every line break
/// is CRLF, or every one is a bare LF (so
/// [`LineEnding::of_first_line`](super::LineEnding::of_first_line) names
/// it); no line is over 998 octets; the message ends with a line break; no
/// part is labelled 8bit or binary; no parser limit is reached. Then
/// [`Downgrader`](super::Downgrader) with that line ending outputs exactly
/// `message`. The converse does not hold: `true` is also the answer for
/// some messages the downgrade leaves alone (a body without a final line
/// break, an empty message), so run the downgrade then.
///
/// Costs one vectorised pass over the bytes and one walk of the MIME
/// structure (header fields and delimiter lines only), with no allocation
/// beyond the tokenizer's frame stack.
///
/// ```
/// use septet::downgrade::needs_downgrade;
/// assert!(!needs_downgrade(b"Subject: hi\n\nplain text\n"));
/// assert!(needs_downgrade("Subject: hi\n\nGrüße\n".as_bytes()));
/// assert!(needs_downgrade(b"Content-Transfer-Encoding: 8bit\n\nascii\n"));
/// ```
pub fn needs_downgrade(message: &[u8]) -> bool {
    !(bytes_are_clean(message) && structure_is_clean(message))
}

/// Counts over each byte and the one after it, in fixed-size chunks with
/// byte-wide counters: a loop shape the compiler vectorises.
fn bytes_are_clean(message: &[u8]) -> bool {
    const CHUNK: usize = 128;
    let Some((&last, _)) = message.split_last() else {
        return false;
    };
    if last != b'\n' {
        return false;
    }
    let (this, next) = (&message[..message.len() - 1], &message[1..]);
    let (mut cr, mut crlf, mut lf) = (0usize, 0usize, 1usize);
    for (a, b) in this.chunks(CHUNK).zip(next.chunks(CHUNK)) {
        let (mut c_cr, mut c_crlf, mut c_lf, mut bad) = (0u8, 0u8, 0u8, 0u8);
        for (&x, &y) in a.iter().zip(b) {
            bad |= (x & 0x80) | u8::from(x == 0);
            c_cr += u8::from(x == b'\r');
            c_crlf += u8::from(x == b'\r') & u8::from(y == b'\n');
            c_lf += u8::from(x == b'\n');
        }
        // Most messages that need the downgrade show it early (an 8-bit
        // header or the first body line): stop there.
        if bad != 0 || c_cr != c_crlf {
            return false;
        }
        cr += usize::from(c_cr);
        crlf += usize::from(c_crlf);
        lf += usize::from(c_lf);
    }
    // No bare CR; and either no CR at all (LF form) or a CR before every
    // LF (CRLF form).
    cr == crlf && (cr == 0 || crlf == lf) && short_lines(message)
}

/// No line holds more than [`MAX_LINE`] octets before its line break.
fn short_lines(message: &[u8]) -> bool {
    // If every `SEGMENT` bytes hold an LF, no two LFs are `MAX_LINE`
    // apart: the usual case, settled with a memchr per segment.
    const SEGMENT: usize = MAX_LINE / 2;
    if message
        .chunks(SEGMENT)
        .all(|s| memchr::memchr(b'\n', s).is_some())
    {
        return true;
    }
    let mut start = 0;
    memchr::memchr_iter(b'\n', message).all(|nl| {
        let line = &message[start..nl];
        start = nl + 1;
        let text = line.strip_suffix(b"\r").unwrap_or(line);
        text.len() <= MAX_LINE
    })
}

/// No part labelled 8bit or binary (its label would be rewritten), and no
/// parser limit reached (past one the downgrade refuses, or relabels a
/// container too deep to parse), as the downgrade's own tokenizer sees
/// the message.
fn structure_is_clean(message: &[u8]) -> bool {
    let limit = Flags::DEPTH_LIMIT | Flags::HEADER_LIMIT | Flags::PART_LIMIT;
    let mut tok = Tokenizer::new(Options::default().limits);
    loop {
        let at = usize::try_from(tok.offset()).unwrap_or(usize::MAX);
        let Some(rest) = message.get(at..) else {
            return false;
        };
        match tok.next_event(rest, true) {
            Step::Event(Event::Field { name, value, .. }) => {
                let name = span_bytes(message, name.start, name.end);
                if name.eq_ignore_ascii_case(b"content-transfer-encoding") {
                    let value = span_bytes(message, value.start, value.end);
                    if matches!(
                        TransferEncoding::parse(value),
                        TransferEncoding::EightBit | TransferEncoding::Binary
                    ) {
                        return false;
                    }
                }
            }
            Step::Event(Event::HeadersEnd { flags, .. } | Event::PartEnd { flags, .. }) => {
                if flags.bits() & limit.bits() != 0 {
                    return false;
                }
            }
            Step::Event(_) => {}
            Step::Done => return true,
            // Not returned with `eof`; a stop is a safe answer.
            Step::NeedInput => return false,
        }
    }
}

fn span_bytes(message: &[u8], start: u64, end: u64) -> &[u8] {
    let (start, end) = (
        usize::try_from(start).unwrap_or(usize::MAX),
        usize::try_from(end).unwrap_or(usize::MAX),
    );
    message.get(start..end).unwrap_or_default()
}
