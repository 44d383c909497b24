//! Multipart delimiter lines (RFC 2046 section 5.1.1): the one place that
//! decides whether a line ends a part.
//!
//! A delimiter line is `--` + boundary, then `--` for the close delimiter,
//! then transport padding (spaces and tabs, at most [`MAX_PADDING`]), then a
//! line break or the end of the input. Anything else after the boundary
//! (`--boundaryXYZ`) means the line is not a delimiter of that boundary. The
//! line is checked against every open boundary, innermost first, so an
//! outer delimiter closes unterminated inner multiparts and boundaries that
//! are prefixes of each other are told apart.

/// Longest boundary accepted (RFC 2046 allows 70; real mail sometimes
/// exceeds it). Bounds the lookahead of a streaming driver.
pub(crate) const MAX_BOUNDARY: usize = 200;

/// Most transport padding after a boundary; a longer run of blanks means the
/// line is not a delimiter. Bounds the lookahead of a streaming driver.
pub(crate) const MAX_PADDING: usize = 998;

/// The most bytes of a line that may have to be buffered before it is known
/// whether it is a delimiter (plus the line break before it).
pub const MAX_DELIMITER_LOOKAHEAD: usize = 2 + MAX_BOUNDARY + 2 + MAX_PADDING + 2 + 2;

/// The answer for one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Match {
    /// Not a delimiter of any open boundary.
    No,
    /// The input ends before the answer is known.
    NeedMore,
    /// A delimiter of the open boundary at `index` (in the caller's list);
    /// `len` bytes from the line start belong to it: for the close
    /// delimiter up to the end of the padding, otherwise up to and including
    /// the line break.
    Yes {
        index: usize,
        close: bool,
        len: usize,
    },
}

/// Checks the line starting at `line[0]` against `open` boundaries, given
/// innermost first as `(index, boundary)`.
pub(crate) fn match_line<'b>(
    line: &[u8],
    open: impl Iterator<Item = (usize, &'b [u8])>,
    eof: bool,
) -> Match {
    match line {
        [b'-', b'-', ..] => {}
        [] | [b'-'] if !eof => return Match::NeedMore,
        _ => return Match::No,
    }
    let rest = &line[2..];
    for (index, boundary) in open {
        match after_boundary(rest, boundary, eof) {
            Match::No => continue,
            Match::Yes { close, len, .. } => {
                return Match::Yes {
                    index,
                    close,
                    len: len + 2,
                }
            }
            Match::NeedMore => return Match::NeedMore,
        }
    }
    Match::No
}

/// Matches `boundary [--] padding (CRLF | LF | end)` at the start of `rest`.
fn after_boundary(rest: &[u8], boundary: &[u8], eof: bool) -> Match {
    let more = if eof { Match::No } else { Match::NeedMore };
    if rest.len() < boundary.len() {
        return if boundary.starts_with(rest) {
            more
        } else {
            Match::No
        };
    }
    if !rest.starts_with(boundary) {
        return Match::No;
    }
    let mut i = boundary.len();
    let close = match rest.get(i..i + 2) {
        Some(b"--") => {
            i += 2;
            true
        }
        Some(_) => false,
        // One byte left: `-` may be the start of `--`.
        None if rest.get(i) == Some(&b'-') => return more,
        None => false,
    };
    let pad_start = i;
    while i < rest.len() && (rest[i] == b' ' || rest[i] == b'\t') {
        i += 1;
        if i - pad_start > MAX_PADDING {
            return Match::No;
        }
    }
    let end_of_padding = i;
    let line_end = match rest.get(i) {
        None if eof => i,
        None => return Match::NeedMore,
        Some(b'\n') => i + 1,
        Some(b'\r') => match rest.get(i + 1) {
            Some(b'\n') => i + 2,
            None if eof => i + 1,
            None => return Match::NeedMore,
            Some(_) => return Match::No,
        },
        Some(_) => return Match::No,
    };
    Match::Yes {
        index: 0,
        close,
        len: if close { end_of_padding } else { line_end },
    }
}

/// The offset of the next `\n` in `hay` that is followed by `--`.
///
/// A search for `-` alone (memchr's widest loop: base64 bodies, most of a
/// large message, have no dash at all, so they go by at its speed, faster
/// than a two-byte prefilter), then a look at the bytes around it. Only the
/// first dash of a run can follow a line break, so the rest of a run is
/// skipped without restarting the search.
pub(crate) fn next_candidate(hay: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = memchr::memchr(b'-', hay.get(from..)?) {
        let i = from + k;
        if i > 0 && hay[i - 1] == b'\n' && hay.get(i + 1) == Some(&b'-') {
            return Some(i - 1);
        }
        from = i + 1;
        while hay.get(from) == Some(&b'-') {
            from += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(line: &str, bounds: &[&str], eof: bool) -> Match {
        match_line(
            line.as_bytes(),
            bounds.iter().enumerate().map(|(i, b)| (i, b.as_bytes())),
            eof,
        )
    }

    fn yes(index: usize, close: bool, len: usize) -> Match {
        Match::Yes { index, close, len }
    }

    #[test]
    fn plain_and_close() {
        assert_eq!(m("--b\r\nx", &["b"], false), yes(0, false, 5));
        assert_eq!(m("--b--\r\nx", &["b"], false), yes(0, true, 5));
        assert_eq!(m("--b \t\nx", &["b"], false), yes(0, false, 6));
        assert_eq!(m("--b-- \t\r\n", &["b"], false), yes(0, true, 7));
        assert_eq!(m("--b", &["b"], true), yes(0, false, 3));
        assert_eq!(m("--b--", &["b"], true), yes(0, true, 5));
    }

    #[test]
    fn near_misses() {
        assert_eq!(m("--bX\n", &["b"], false), Match::No);
        assert_eq!(m("--b--X\n", &["b"], false), Match::No);
        assert_eq!(m("--b-\n", &["b"], false), Match::No);
        assert_eq!(m("--b x\n", &["b"], false), Match::No);
        assert_eq!(m("--b\rx", &["b"], false), Match::No);
        assert_eq!(m("-b\n", &["b"], false), Match::No);
        assert_eq!(m("--c\n", &["b"], false), Match::No);
        let long_pad = format!("--b{}\n", " ".repeat(MAX_PADDING + 1));
        assert_eq!(m(&long_pad, &["b"], false), Match::No);
    }

    #[test]
    fn partial_lines_need_more() {
        for line in [
            "", "-", "--", "--b", "--bo", "--bo-", "--bo--", "--bo  ", "--bo\r",
        ] {
            assert_eq!(m(line, &["bo"], false), Match::NeedMore, "{line:?}");
        }
        assert_eq!(m("--x", &["bo"], false), Match::No);
        assert_eq!(m("--b-", &["bo"], false), Match::No);
    }

    #[test]
    fn innermost_first_and_prefixes() {
        let open = ["xyz", "xy", "x"];
        assert_eq!(m("--x\n", &open, false), yes(2, false, 4));
        assert_eq!(m("--xy\n", &open, false), yes(1, false, 5));
        assert_eq!(m("--xyz--\n", &open, false), yes(0, true, 7));
        assert_eq!(m("--xyzw\n", &open, false), Match::No);
        // Undecided for the innermost: wait, even if an outer one matches.
        assert_eq!(m("--xy", &open, false), Match::NeedMore);
    }

    #[test]
    fn dash_only_boundaries() {
        assert_eq!(m("---\n", &["-"], false), yes(0, false, 4));
        assert_eq!(m("-----\n", &["-"], false), yes(0, true, 5));
        assert_eq!(m("----\n", &["-"], false), Match::No);
        assert_eq!(m("------\n", &["-"], false), Match::No);
    }

    #[test]
    fn candidates() {
        assert_eq!(next_candidate(b"abc\n-x\n--b"), Some(6));
        assert_eq!(next_candidate(b"--b"), None);
        assert_eq!(next_candidate(b"\n--"), Some(0));
        assert_eq!(next_candidate(b"\n-"), None);
        assert_eq!(next_candidate(b"a---\n---"), Some(4));
        assert_eq!(next_candidate(b"a-b\n-\n--"), Some(5));
    }

    /// The same answer as a plain search for `\n--`, on every short string
    /// over the bytes that matter.
    #[test]
    fn candidates_match_plain_search() {
        let alphabet = b"-\n-a\r";
        let mut x = 0x2545_f491_u32;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let len = (x % 14) as usize;
            let hay: Vec<u8> = (0..len)
                .map(|i| alphabet[((x >> (i % 29)) as usize + i * 3) % alphabet.len()])
                .collect();
            let want = hay.windows(3).position(|w| w == b"\n--");
            assert_eq!(next_candidate(&hay), want, "{hay:?}");
        }
    }
}
