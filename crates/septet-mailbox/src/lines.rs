//! Line and header-block helpers shared by the mbox reader, the detector
//! and the envelope code. Lines end in LF or CRLF; a line holding only
//! `\r` counts as empty.

/// How far a header block is searched for its end. Header blocks of real
/// mail are a few KiB; the bound keeps a hostile file (no blank line
/// anywhere) from making every message scan to the end of the archive.
pub(crate) const HEADER_SCAN_LIMIT: usize = 1 << 20;

/// The end of the line starting at `pos`: (end of its content, without
/// `\r\n` or `\n`; start of the next line, or `data.len()`).
pub(crate) fn line_at(data: &[u8], pos: usize) -> (usize, usize) {
    match memchr::memchr(b'\n', &data[pos..]) {
        Some(i) => {
            let nl = pos + i;
            let content_end = if nl > pos && data[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            (content_end, nl + 1)
        }
        None => (data.len(), data.len()),
    }
}

/// Whether `data[i..]` starts a line.
pub(crate) fn at_line_start(data: &[u8], i: usize) -> bool {
    i == 0 || data[i - 1] == b'\n'
}

/// Skips empty lines (`\n`, `\r\n`) from `pos`; returns the first offset
/// that is not part of one.
pub(crate) fn skip_blank_lines(data: &[u8], mut pos: usize) -> usize {
    loop {
        match data.get(pos..) {
            Some([b'\n', ..]) => pos += 1,
            Some([b'\r', b'\n', ..]) => pos += 2,
            _ => return pos,
        }
    }
}

/// If the line ending with the `\n` at `nl` is empty and starts at or
/// after `floor`, the offset where that empty line starts.
pub(crate) fn blank_line_ending_at(data: &[u8], nl: usize, floor: usize) -> Option<usize> {
    // The line is empty when the byte before it is a line end (or the
    // start of the data), optionally with a `\r` in between.
    let start = if nl >= 1 && data[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    };
    (start >= floor && at_line_start(data, start)).then_some(start)
}

/// The header block starting at `start`: `(end of the header lines, start
/// of the body)`. The header ends at the first empty line, which belongs
/// to neither. `None` when no empty line comes within `limit` bytes.
pub(crate) fn header_block(data: &[u8], start: usize, limit: usize) -> Option<(usize, usize)> {
    let stop = data.len().min(start.saturating_add(limit));
    let mut pos = start;
    while pos < stop {
        let (content_end, next) = line_at(data, pos);
        if content_end == pos {
            return Some((pos, next));
        }
        pos = next;
    }
    None
}

/// The value of the first header field called `name` (ASCII
/// case-insensitive) in `header`, without the leading whitespace and the
/// line terminator. Folded continuation lines are not included: the
/// fields read here (`Content-Length`, `Status`, `Return-Path`) are short.
pub(crate) fn header_value<'h>(header: &'h [u8], name: &[u8]) -> Option<&'h [u8]> {
    let mut pos = 0;
    while pos < header.len() {
        let (content_end, next) = line_at(header, pos);
        let line = &header[pos..content_end];
        if line.len() > name.len()
            && line[name.len()] == b':'
            && line[..name.len()].eq_ignore_ascii_case(name)
        {
            return Some(trim(&line[name.len() + 1..]));
        }
        pos = next;
    }
    None
}

/// `value` without leading and trailing spaces and tabs.
pub(crate) fn trim(value: &[u8]) -> &[u8] {
    let is_space = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |i| i + 1);
    &value[start..end]
}

/// A decimal number with nothing else around it, without overflow.
pub(crate) fn parse_decimal(value: &[u8]) -> Option<u64> {
    if value.is_empty() || value.len() > 20 {
        return None;
    }
    value.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_blank_lines() {
        let data = b"a\r\nb\n\n\r\nc";
        assert_eq!(line_at(data, 0), (1, 3));
        assert_eq!(line_at(data, 3), (4, 5));
        assert_eq!(line_at(data, 8), (9, 9));
        assert_eq!(skip_blank_lines(data, 5), 8);
        assert_eq!(blank_line_ending_at(data, 5, 0), Some(5));
        assert_eq!(blank_line_ending_at(data, 7, 0), Some(6));
        assert_eq!(blank_line_ending_at(data, 7, 7), None);
        assert_eq!(blank_line_ending_at(data, 4, 0), None);
    }

    #[test]
    fn header_blocks() {
        let msg = b"A: 1\r\nContent-Length:  12 \r\n\r\nbody";
        let (end, body) = header_block(msg, 0, 1000).unwrap();
        assert_eq!(&msg[body..], b"body");
        assert_eq!(
            header_value(&msg[..end], b"content-length"),
            Some(&b"12"[..])
        );
        assert_eq!(header_value(&msg[..end], b"content-type"), None);
        assert_eq!(header_block(b"\nbody", 0, 10), Some((0, 1)));
        assert_eq!(header_block(b"A: 1\nB: 2", 0, 100), None);
        assert_eq!(header_block(b"A: 1\nB: 2\n", 0, 100), None);
        assert_eq!(header_block(b"A: 1\nB: 2\n\n", 0, 3), None);
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal(b"0"), Some(0));
        assert_eq!(parse_decimal(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_decimal(b"18446744073709551616"), None);
        assert_eq!(parse_decimal(b"1 2"), None);
        assert_eq!(parse_decimal(b""), None);
        assert_eq!(trim(b" \t x y \t"), b"x y");
        assert_eq!(trim(b"  "), b"");
    }
}
