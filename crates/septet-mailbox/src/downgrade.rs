//! The archive downgrade transform: a message of an archive in 7-bit form,
//! in its own line ends, with a true `Content-Length`.

use std::borrow::Cow;

use septet::downgrade::{self, needs_downgrade, LineEnding, Options};

use super::content_length::{fix_content_length_in_place, Stored};

/// `message` rewritten in 7-bit form by [`septet::downgrade`], for an
/// archive: what `septet convert --downgrade` writes.
///
/// - A message that needs no change (7-bit, one line-ending form, short
///   lines, nothing labelled 8bit; see [`needs_downgrade`]) is returned
///   borrowed, after one scan and no copy. So is one whose downgrade turns
///   out to be byte-identical to it.
/// - The message keeps its own line ends: one whose first line break is a
///   bare LF (or that has none) is written with LF, one whose first line
///   break is CRLF with CRLF (see [line ends](crate#line-ends)). LF output
///   is lossless: the downgrade encodes every CR and LF that is data, so a
///   reader that turns LF into CRLF gets the wire form exactly.
/// - A changed message's top-level `Content-Length` field, if any, is set
///   to the length of its new body (substituted in place, the rest of the
///   message is not copied again). [`convert`](crate::convert) adjusts it
///   further for a final line break the mbox writer adds.
///
/// Errors are the downgrade's: a message with no lossless 7-bit form (an
/// 8-bit address, a header line that cannot be folded, ...), with its
/// byte offset.
///
/// ```
/// use std::borrow::Cow;
/// use septet_mailbox::downgrade_message;
/// let plain = b"Subject: hi\n\nplain\n";
/// assert!(matches!(downgrade_message(plain), Ok(Cow::Borrowed(_))));
/// let out = downgrade_message("Subject: hi\nContent-Length: 7\n\nGrüße\n".as_bytes()).unwrap();
/// assert!(out.is_ascii() && !out.contains(&b'\r'));
/// ```
pub fn downgrade_message(message: &[u8]) -> Result<Cow<'_, [u8]>, downgrade::Error> {
    downgrade_message_counted(message).map(|(out, _)| out)
}

/// What [`downgrade_message_counted`] reports beside the message, for a
/// caller to warn about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DowngradeNotes {
    /// Bytes with no 7-bit form outside any part (preamble, epilogue,
    /// delimiter or envelope lines, which no reader decodes and no encoding
    /// can carry) replaced by `?`
    /// ([`Report::preamble_epilogue_replaced`](downgrade::Report)): the only
    /// change the downgrade makes that is not lossless.
    pub replaced: u64,
    /// Content under a multipart/signed had to change, so its signature no
    /// longer verifies ([`Report::signed_modified`](downgrade::Report)).
    pub signed_modified: bool,
}

/// [`downgrade_message`], also returning [`DowngradeNotes`].
pub fn downgrade_message_counted(
    message: &[u8],
) -> Result<(Cow<'_, [u8]>, DowngradeNotes), downgrade::Error> {
    if !needs_downgrade(message) {
        return Ok((Cow::Borrowed(message), DowngradeNotes::default()));
    }
    let opts = Options {
        line_ending: LineEnding::of_first_line(message),
        ..Options::default()
    };
    // Room for the wire form of a body re-encoded as base64 (57 bytes
    // become 76 and CRLF: x1.368) and encoded header words, so the usual
    // message costs one allocation and no reallocating copy.
    let mut out = Vec::with_capacity(message.len() + message.len() * 3 / 8 + 1024);
    // The whole message is here: a part that is 7-bit at first but not
    // later is encoded rather than refused.
    let report = downgrade::downgrade_buffer(message, opts, &mut out)?;
    let notes = DowngradeNotes {
        replaced: report.preamble_epilogue_replaced,
        signed_modified: report.signed_modified,
    };
    if out == message {
        return Ok((Cow::Borrowed(message), notes));
    }
    fix_content_length_in_place(&mut out, Stored::File);
    Ok((Cow::Owned(out), notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_line_ends_and_fixes_the_length() {
        let lf = "Content-Length: 99\nSubject: x\n\nGrüße\n".as_bytes();
        let out = downgrade_message(lf).unwrap().into_owned();
        assert!(out.is_ascii() && !out.contains(&b'\r'));
        let body = &out[out.windows(2).position(|w| w == b"\n\n").unwrap() + 2..];
        let field = format!("Content-Length: {}\n", body.len());
        assert!(out.starts_with(field.as_bytes()));
        let crlf = "Subject: x\r\n\r\nGrüße\r\n".as_bytes();
        let out = downgrade_message(crlf).unwrap();
        assert!(out.ends_with(b"\r\n") && !out.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
    }

    #[test]
    fn unchanged_messages_are_borrowed() {
        for m in [
            &b"Subject: x\r\n\r\nbody\r\n"[..],
            b"Subject: x\n\nbody\n",
            // Needs a look, and turns out unchanged.
            b"Subject: x\n\nno final line break",
        ] {
            assert!(matches!(downgrade_message(m), Ok(Cow::Borrowed(b)) if b == m));
        }
        assert!(downgrade_message("To: jörg@example.org\n\nx\n".as_bytes()).is_err());
    }
}
