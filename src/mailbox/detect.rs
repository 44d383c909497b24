//! Telling the mbox variants apart (the heuristic is in the [module
//! docs](super#detection)).

use super::lines::at_line_start;
use super::mbox::split;
use super::quote::{gt_run_start, FROM};
use super::{Error, LineEnding, MboxVariant};

/// `From ` lines found inside messages (separators excluded), by the
/// number of `>` before them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FromLineCounts {
    /// Lines starting `From ` that are not separators: an unquoted body
    /// line (fine in mboxcl2, a writer's bug elsewhere).
    pub bare: u64,
    /// Lines starting `>From `.
    pub quoted: u64,
    /// Lines starting `>>From `, `>>>From `, ...
    pub deep: u64,
}

impl FromLineCounts {
    fn add(&mut self, raw: &[u8]) {
        for f in FROM.find_iter(raw) {
            let q = gt_run_start(raw, f);
            if at_line_start(raw, q) {
                match f - q {
                    0 => self.bare += 1,
                    1 => self.quoted += 1,
                    _ => self.deep += 1,
                }
            }
        }
    }
}

/// What [`detect_mbox`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Detection {
    /// The variant to read the file as.
    pub variant: MboxVariant,
    /// How many messages that variant finds.
    pub messages: u64,
    /// The first separator line's terminator.
    pub line_ending: LineEnding,
    /// Whether every message has a consistent `Content-Length`.
    pub content_length: bool,
    /// `From ` lines inside the messages as `variant` splits them.
    pub from_lines: FromLineCounts,
}

/// Detects the variant of the mbox `data`; fails like [`split`](super::split)
/// when `data` does not start with a `From ` line. An empty file is mboxo
/// with no messages.
///
/// ```
/// use septet::mailbox::{detect_mbox, MboxVariant};
/// let rd = b"From a\n\n>>From quoted twice\n";
/// assert_eq!(detect_mbox(rd).unwrap().variant, MboxVariant::Mboxrd);
/// let cl2 = b"From a\nContent-Length: 7\n\nFrom x\n\n";
/// assert_eq!(detect_mbox(cl2).unwrap().variant, MboxVariant::Mboxcl2);
/// ```
pub fn detect_mbox(data: &[u8]) -> Result<Detection, Error> {
    // Walking by lengths stops at the first message without a usable
    // Content-Length, so a plain mbox pays for one header only.
    let mut by_length = FromLineCounts::default();
    let mut messages = 0;
    let mut line_ending = None;
    let mut consistent = true;
    for record in split(data, MboxVariant::Mboxcl2)? {
        if record.content_length_fallback {
            consistent = false;
            break;
        }
        line_ending.get_or_insert(record.line_ending);
        by_length.add(record.raw);
        messages += 1;
    }
    if consistent && messages > 0 {
        let variant = if by_length.bare > 0 {
            MboxVariant::Mboxcl2
        } else if by_length.quoted + by_length.deep > 0 {
            MboxVariant::Mboxcl
        } else {
            MboxVariant::Mboxcl2
        };
        return Ok(Detection {
            variant,
            messages,
            line_ending: line_ending.unwrap_or(LineEnding::Lf),
            content_length: true,
            from_lines: by_length,
        });
    }

    let mut counts = FromLineCounts::default();
    let mut messages = 0;
    let mut line_ending = None;
    for record in split(data, MboxVariant::Mboxo)? {
        line_ending.get_or_insert(record.line_ending);
        counts.add(record.raw);
        messages += 1;
    }
    Ok(Detection {
        variant: if counts.deep > 0 {
            MboxVariant::Mboxrd
        } else {
            MboxVariant::Mboxo
        },
        messages,
        line_ending: line_ending.unwrap_or(LineEnding::Lf),
        content_length: false,
        from_lines: counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(data: &[u8]) -> MboxVariant {
        detect_mbox(data).unwrap().variant
    }

    #[test]
    fn heuristic() {
        assert_eq!(variant(b""), MboxVariant::Mboxo);
        assert_eq!(variant(b"From a\n\nplain\n"), MboxVariant::Mboxo);
        assert_eq!(variant(b"From a\n\n>From x\n"), MboxVariant::Mboxo);
        assert_eq!(
            variant(b"From a\n\n>From x\n>>From y\n"),
            MboxVariant::Mboxrd
        );
        let cl = b"From a\nContent-Length: 8\n\n>From x\n\nFrom b\nContent-Length: 0\n\n";
        assert_eq!(variant(cl), MboxVariant::Mboxcl);
        let cl2 = b"From a\r\nContent-Length: 8\r\n\r\nFrom x\r\n\r\n";
        let d = detect_mbox(cl2).unwrap();
        assert_eq!(d.variant, MboxVariant::Mboxcl2);
        assert_eq!(d.line_ending, LineEnding::CrLf);
        assert_eq!(d.from_lines.bare, 1);
        // One message without Content-Length: the separator rule decides.
        let mixed = b"From a\nContent-Length: 3\n\nab\n\nFrom b\n\n>>From c\n";
        assert_eq!(variant(mixed), MboxVariant::Mboxrd);
        assert!(detect_mbox(b"Subject: no\n").is_err());
    }
}
