//! Header line lengths (RFC 5322 2.1.1): a line SHOULD be at most 78
//! characters and MUST be at most 998, CRLF excluded. Folding inserts a
//! CRLF before existing white space, which unfolding (removing every CRLF
//! that precedes white space, RFC 5322 2.2.3) undoes exactly: it is the
//! only rewrite of a field that is lossless for every field syntax.

/// The length a folded line aims at.
pub(crate) const SOFT: usize = 78;
/// The longest line SMTP allows (RFC 5321 4.5.3.1.6).
pub(crate) const HARD: usize = super::body::MAX_LINE;

fn blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Lines of `field` (CRLF line breaks), each without its CRLF.
fn lines(field: &[u8]) -> impl Iterator<Item = &[u8]> {
    let field = field.strip_suffix(b"\r\n").unwrap_or(field);
    field
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// True if no line of `field` (CRLF form) is longer than `limit`.
pub(crate) fn fits(field: &[u8], limit: usize) -> bool {
    lines(field).all(|l| l.len() <= limit)
}

/// `field` (CRLF form, ending in CRLF) with every line longer than `limit`
/// folded before runs of white space, aiming at [`SOFT`]. Lines that are
/// short enough are kept as they are. The first line is never folded
/// before its colon nor right after it (a field must not start with an
/// empty value line). A line with too few fold points stays longer than
/// `limit`; the caller checks with [`fits`].
pub(crate) fn refold(field: &[u8], limit: usize) -> Vec<u8> {
    let colon = field.iter().position(|&b| b == b':').unwrap_or(0);
    let mut out = Vec::with_capacity(field.len() + field.len() / 32);
    for (i, line) in lines(field).enumerate() {
        if line.len() <= limit {
            out.extend_from_slice(line);
        } else {
            // A point must leave text before it on the line.
            let min = if i == 0 { colon + 2 } else { 1 };
            fold_line(line, min, &mut out);
        }
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Writes `line` with a CRLF before some of its fold points (the first
/// blank of a run of blanks at or after `min` with text after it): greedy,
/// each folded line as long as possible up to [`SOFT`], or up to the first
/// fold point when a word alone passes [`SOFT`].
fn fold_line(line: &[u8], min: usize, out: &mut Vec<u8>) {
    let last_text = line.iter().rposition(|&b| !blank(b)).unwrap_or(0);
    let points = (min.max(1)..last_text).filter(|&i| blank(line[i]) && !blank(line[i - 1]));
    let mut breaks = Vec::new();
    let (mut start, mut best) = (0, None);
    for point in points {
        loop {
            if point - start <= SOFT {
                best = Some(point);
                break;
            }
            match best.take() {
                Some(b) => {
                    breaks.push(b);
                    start = b;
                }
                None => {
                    breaks.push(point);
                    start = point;
                    break;
                }
            }
        }
    }
    if line.len() - start > SOFT {
        breaks.extend(best);
    }
    let mut from = 0;
    for b in breaks {
        out.extend_from_slice(&line[from..b]);
        out.extend_from_slice(b"\r\n");
        from = b;
    }
    out.extend_from_slice(&line[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unfold(v: &[u8]) -> Vec<u8> {
        let s = String::from_utf8(v.to_vec()).unwrap();
        s.replace("\r\n ", " ").replace("\r\n\t", "\t").into_bytes()
    }

    #[test]
    fn short_lines_are_kept() {
        let f = b"Subject: a b c\r\n d e\r\n";
        assert_eq!(refold(f, SOFT), f);
        assert!(fits(f, 14));
        assert!(!fits(f, 13));
    }

    #[test]
    fn long_line_folds_near_78_and_unfolds_back() {
        let mut f = b"Subject:".to_vec();
        for i in 0..300 {
            f.extend_from_slice(format!(" w{i}").as_bytes());
        }
        f.extend_from_slice(b"\r\n");
        let out = refold(&f, HARD);
        assert!(fits(&out, SOFT), "{}", String::from_utf8_lossy(&out));
        assert!(lines(&out).all(|l| l.len() > 60 || l == lines(&out).last().unwrap()));
        assert_eq!(unfold(&out), f);
    }

    #[test]
    fn long_words_get_their_own_lines_and_runs_of_blanks_stay_whole() {
        let word = "x".repeat(500);
        let f = format!("X: a {word}  \t{word} b   \r\n");
        let out = refold(f.as_bytes(), HARD);
        let text = String::from_utf8(out.clone()).unwrap();
        assert_eq!(text, format!("X: a\r\n {word}\r\n  \t{word}\r\n b   \r\n"));
        assert_eq!(unfold(&out), f.as_bytes());
    }

    #[test]
    fn no_fold_point_leaves_the_line() {
        let f = format!("X: {}\r\n", "y".repeat(1200));
        assert_eq!(refold(f.as_bytes(), HARD), f.as_bytes());
        assert!(!fits(f.as_bytes(), HARD));
        // Nor a fold right after the colon or inside the name.
        let f = format!("{}: {}\r\n", "N".repeat(10), "y".repeat(1200));
        assert_eq!(refold(f.as_bytes(), HARD), f.as_bytes());
    }
}
