//! The mbox envelope line (`From sender date`) that a message file saved
//! from an mbox often starts with.
//!
//! It is not a header field (`From ` with a blank and no colon after the
//! name), so a MIME parser given the file reads it as the end of an empty
//! header block and the real header block as body text. Mail readers
//! (Python's `email` among them) take it as the envelope instead. The
//! downgrade does the same: the line is written out as it is (with CRLF,
//! and `?` for any byte with no 7-bit form, counted like preamble bytes)
//! and the message after it is downgraded.

/// The longest envelope line recognised (SMTP's line limit).
const MAX: usize = 998;

/// What the start of an input says about an envelope line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Envelope {
    /// Not enough input to tell yet.
    Undecided,
    /// No envelope line.
    Absent,
    /// An envelope line of this many bytes, its line break included.
    Line(usize),
}

/// Looks at the start of `data` (all of the input if `eof`).
pub(crate) fn detect(data: &[u8], eof: bool) -> Envelope {
    const FROM: &[u8] = b"From ";
    let n = data.len().min(FROM.len());
    if data[..n] != FROM[..n] {
        return Envelope::Absent;
    }
    let Some(lf) = memchr::memchr(b'\n', &data[..data.len().min(MAX + 2)]) else {
        return match (eof, data.len() > MAX + 1) {
            (false, false) => Envelope::Undecided,
            // A last line without a break is still an envelope line.
            (true, false) if is_envelope(data) => Envelope::Line(data.len()),
            _ => Envelope::Absent,
        };
    };
    if is_envelope(&data[..lf]) {
        Envelope::Line(lf + 1)
    } else {
        Envelope::Absent
    }
}

/// `From ` then a sender (not a colon: `From : x` is an obsolete-syntax
/// field), on one line.
fn is_envelope(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"From ") else {
        return false;
    };
    let rest = rest.strip_suffix(b"\r").unwrap_or(rest);
    match rest.iter().find(|&&b| b != b' ' && b != b'\t') {
        Some(&b) => b != b':',
        None => false,
    }
}

/// The length of the mbox envelope line `data` starts with (its line break
/// included), if it starts with one: `From `, a sender that is not `:`,
/// and the rest of one line of at most 998 octets. The downgrade keeps
/// such a line as it is and converts the message after it; a tool showing
/// the message's structure can skip it the same way.
///
/// ```
/// use septet::downgrade::envelope_line;
/// let msg = b"From a@b.example Mon Dec  7 12:00:00 2026\nSubject: x\n\nbody\n";
/// assert_eq!(envelope_line(msg), Some(42));
/// assert_eq!(envelope_line(b"From: a@b.example\n\nx\n"), None);
/// ```
pub fn envelope_line(data: &[u8]) -> Option<usize> {
    match detect(data, true) {
        Envelope::Line(n) => Some(n),
        Envelope::Undecided | Envelope::Absent => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects() {
        assert_eq!(detect(b"Fro", false), Envelope::Undecided);
        assert_eq!(detect(b"Fro", true), Envelope::Absent);
        assert_eq!(detect(b"Frx", false), Envelope::Absent);
        assert_eq!(detect(b"From a b", false), Envelope::Undecided);
        assert_eq!(detect(b"From a b", true), Envelope::Line(8));
        assert_eq!(detect(b"From a b\r\nX: y\r\n", false), Envelope::Line(10));
        assert_eq!(detect(b"From : a\r\n", false), Envelope::Absent);
        assert_eq!(detect(b"From  \r\n", false), Envelope::Absent);
        assert_eq!(detect(b"From:a\r\n", false), Envelope::Absent);
        let long = [b"From a ".as_slice(), &[b'x'; 2000]].concat();
        assert_eq!(detect(&long, false), Envelope::Absent);
    }
}
