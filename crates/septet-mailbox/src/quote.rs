//! `From ` line quoting: what reading removes (per variant) and where the
//! mboxrd writer adds a `>`. Both search with memmem for the rare pattern
//! and look back to the line start, so clean messages cost one scan and no
//! copy.

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::detect::FromLine;
use super::lines::at_line_start;
use super::MboxVariant;

/// Finds the last `>` of a quoted line: rarer than a bare `From `, so
/// unquoting scans fast through prose.
static QUOTED_FROM: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b">From "));
/// Finds every `From `, for quoting.
pub(crate) static FROM: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"From "));

/// Where the run of `>` that ends just before `from` (the `F` of `From `)
/// starts; equal to `from` when there is none.
pub(crate) fn gt_run_start(data: &[u8], from: usize) -> usize {
    let mut q = from;
    while q > 0 && data[q - 1] == b'>' {
        q -= 1;
    }
    q
}

/// The offsets of the `>` bytes that reading `variant` removes from
/// `data` (one per quoted line), in increasing order.
fn unquote_positions(data: &[u8], variant: MboxVariant) -> impl Iterator<Item = usize> + '_ {
    let (any_depth, active) = match variant {
        MboxVariant::Mboxrd => (true, true),
        MboxVariant::Mboxo | MboxVariant::Mboxcl => (false, true),
        MboxVariant::Mboxcl2 => (false, false),
    };
    let hits = if active {
        Some(QUOTED_FROM.find_iter(data))
    } else {
        None
    };
    hits.into_iter().flatten().filter(move |&p| {
        // `p` is the `>` right before `From `; the line qualifies when only
        // `>` bytes stand between the line start and `From `.
        let q = gt_run_start(data, p + 1);
        at_line_start(data, q) && (any_depth || q == p)
    })
}

/// The message as it was before `variant`'s writer quoted it: one `>`
/// removed from each quoted `From ` line (see the [module
/// docs](super#variants-and-quoting) for which lines). Borrows `data` when
/// nothing is quoted.
///
/// ```
/// use septet_mailbox::{unquote, MboxVariant};
/// let stored = b"Subject: x\n\n>From a\n>>From b\n";
/// assert_eq!(&unquote(stored, MboxVariant::Mboxrd)[12..], b"From a\n>From b\n");
/// assert_eq!(&unquote(stored, MboxVariant::Mboxo)[12..], b"From a\n>>From b\n");
/// assert_eq!(&unquote(stored, MboxVariant::Mboxcl2)[12..], b">From a\n>>From b\n");
/// ```
pub fn unquote(data: &[u8], variant: MboxVariant) -> Cow<'_, [u8]> {
    let mut positions = unquote_positions(data, variant).peekable();
    if positions.peek().is_none() {
        return Cow::Borrowed(data);
    }
    let mut out = Vec::with_capacity(data.len());
    let mut last = 0;
    for p in positions {
        out.extend_from_slice(&data[last..p]);
        last = p + 1;
    }
    out.extend_from_slice(&data[last..]);
    Cow::Owned(out)
}

/// [`unquote`] of the `data` that starts at offset `base` of its file,
/// given `lines`: every line of `data` that matches `>*From ` (line start
/// as a file offset, and the number of `>`), as the detection walk found
/// them, so that nothing is searched. Lines that do not match the bytes
/// make it search after all.
pub(crate) fn unquote_lines<'d>(
    data: &'d [u8],
    variant: MboxVariant,
    lines: &[FromLine],
    base: usize,
) -> Cow<'d, [u8]> {
    let removed = |l: &&FromLine| match variant {
        MboxVariant::Mboxrd => l.depth > 0,
        MboxVariant::Mboxo | MboxVariant::Mboxcl => l.depth == 1,
        MboxVariant::Mboxcl2 => false,
    };
    let mut positions = lines.iter().filter(removed).peekable();
    if positions.peek().is_none() {
        return Cow::Borrowed(data);
    }
    let mut out = Vec::with_capacity(data.len());
    let mut last = 0;
    for l in positions {
        // The last `>` of the run (any one would do).
        let p = l.start.wrapping_sub(base).wrapping_add(l.depth - 1);
        if p < last || data.get(p) != Some(&b'>') {
            return unquote(data, variant);
        }
        out.extend_from_slice(&data[last..p]);
        last = p + 1;
    }
    out.extend_from_slice(&data[last..]);
    Cow::Owned(out)
}

/// The offsets in `data` before which the mboxrd writer inserts one `>`:
/// the `F` of every `From ` that starts a line after zero or more `>`.
/// The first byte of `data` counts as a line start.
///
/// ```
/// use septet_mailbox::quote_positions;
/// let body = b"From a\nx From b\n>>From c\n";
/// assert_eq!(quote_positions(body).collect::<Vec<_>>(), [0, 18]);
/// ```
pub fn quote_positions(data: &[u8]) -> impl Iterator<Item = usize> + '_ {
    FROM.find_iter(data)
        .filter(move |&f| at_line_start(data, gt_run_start(data, f)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut last = 0;
        for p in quote_positions(data) {
            out.extend_from_slice(&data[last..p]);
            out.push(b'>');
            last = p;
        }
        out.extend_from_slice(&data[last..]);
        out
    }

    #[test]
    fn mboxrd_round_trips_every_depth() {
        let cases: &[&[u8]] = &[
            b"From x",
            b">From x",
            b">>From x\r\n",
            b"a\nFrom x\n>From y\n>>>From z\nlast From w\n",
            b"a\r\n>From x\r\nFrom \r\n",
            b"",
            b">",
            b">From",
            b"x>From y\n",
        ];
        for &case in cases {
            let quoted = quote(case);
            assert_eq!(&*unquote(&quoted, MboxVariant::Mboxrd), case, "{case:?}");
        }
    }

    #[test]
    fn mboxo_removes_exactly_single_quotes() {
        assert_eq!(
            &*unquote(b">From a\n>>From b\n", MboxVariant::Mboxo),
            b"From a\n>>From b\n"
        );
        assert_eq!(
            &*unquote(b"x >From a\n", MboxVariant::Mboxcl),
            b"x >From a\n"
        );
        assert!(matches!(
            unquote(b"plain\n", MboxVariant::Mboxrd),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn quotes_only_at_line_starts() {
        assert_eq!(
            quote(b"From a\nx From b\n>From c"),
            b">From a\nx From b\n>>From c"
        );
        assert_eq!(quote(b"a>From b\n"), b"a>From b\n");
    }
}
