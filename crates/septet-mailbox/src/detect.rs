//! Telling the mbox variants apart (the heuristic is in the [module
//! docs](super#detection)).

use std::ops::Range;

use rayon::prelude::*;

use super::lines::{at_line_start, blank_line_ending_at, skip_blank_lines};
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
/// use septet_mailbox::{detect_mbox, MboxVariant};
/// let rd = b"From a\n\n>>From quoted twice\n";
/// assert_eq!(detect_mbox(rd).unwrap().variant, MboxVariant::Mboxrd);
/// let cl2 = b"From a\nContent-Length: 7\n\nFrom x\n\n";
/// assert_eq!(detect_mbox(cl2).unwrap().variant, MboxVariant::Mboxcl2);
/// ```
pub fn detect_mbox(data: &[u8]) -> Result<Detection, Error> {
    detect_mbox_with(data, &|_| {}).map(|(detection, _)| detection)
}

/// Every line of an mbox that matches `>*From `, as the detection walk
/// classified them: the conversion splits and unquotes with it instead of
/// searching the bytes again (two fewer passes over the archive).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FromIndex {
    /// Offsets of the separator lines after the first, increasing.
    pub(crate) separators: Vec<usize>,
    /// The other lines, increasing.
    pub(crate) lines: Vec<FromLine>,
}

/// A line inside a message that matches `>*From `.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FromLine {
    /// Offset of the line start in the file.
    pub(crate) start: usize,
    /// How many `>` precede `From `.
    pub(crate) depth: usize,
}

/// Most index entries per scanned byte (one per 1 KiB): past that (an
/// archive of tiny messages, or of `From ` lines) the index is dropped and
/// the conversion searches the bytes instead, so its memory stays small
/// next to the archive whatever the input.
const INDEX_DENSITY: usize = 1024;

/// Bytes of `data` each task of the parallel separator walk scans.
const CHUNK: usize = 16 << 20;

/// [`detect_mbox`], calling `done` with ranges of `data` it has finished
/// reading (from several threads), so that the caller can release their
/// pages. The scan without Content-Length framing (the whole file, for
/// most archives) runs on rayon's current pool, a chunk per task.
/// Also returns the [`FromIndex`] of a file read by separators, when it
/// stayed small.
pub(crate) fn detect_mbox_with(
    data: &[u8],
    done: &(dyn Fn(Range<usize>) + Sync),
) -> Result<(Detection, Option<FromIndex>), Error> {
    let mut released = 0;
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
        let end = record.span.end as usize;
        if end - released >= CHUNK {
            done(released..end);
            released = end;
        }
    }
    done(released..data.len());
    if consistent && messages > 0 {
        let variant = if by_length.bare > 0 {
            MboxVariant::Mboxcl2
        } else if by_length.quoted + by_length.deep > 0 {
            MboxVariant::Mboxcl
        } else {
            MboxVariant::Mboxcl2
        };
        let detection = Detection {
            variant,
            messages,
            line_ending: line_ending.unwrap_or(LineEnding::Lf),
            content_length: true,
            from_lines: by_length,
        };
        return Ok((detection, None));
    }

    let (messages, line_ending, counts, index) = separator_walk(data, CHUNK, done)?;
    let detection = Detection {
        variant: if counts.deep > 0 {
            MboxVariant::Mboxrd
        } else {
            MboxVariant::Mboxo
        },
        messages,
        line_ending,
        content_length: false,
        from_lines: counts,
    };
    Ok((detection, index))
}

/// What one chunk of the separator walk found.
#[derive(Default)]
struct Found {
    separators: u64,
    counts: FromLineCounts,
    /// `None` once it grew past [`INDEX_DENSITY`].
    index: Option<FromIndex>,
}

/// What splitting `data` by separators and counting the `From ` lines of
/// each message finds (message count, first separator's terminator,
/// counts, index), in one scan for `From ` instead of two: a `From ` at a line
/// start, with no `>` before it, that follows an empty line (or is the
/// first separator) is a separator, exactly as [`split`] decides; every
/// other one at a line start belongs to a body. Each decision looks only
/// at the bytes just before the hit, so chunks are scanned in parallel.
fn separator_walk(
    data: &[u8],
    chunk: usize,
    done: &(dyn Fn(Range<usize>) + Sync),
) -> Result<(u64, LineEnding, FromLineCounts, Option<FromIndex>), Error> {
    // Validates the start as the split would.
    split(data, MboxVariant::Mboxo)?;
    let first = skip_blank_lines(data, 0);
    if first >= data.len() {
        let index = Some(FromIndex::default());
        return Ok((0, LineEnding::Lf, FromLineCounts::default(), index));
    }
    let line_ending = LineEnding::of_first_line(&data[first..]);
    // Chunk `k` holds the hits starting in [k * chunk, (k + 1) * chunk),
    // after the first separator; aligned chunks release whole pages.
    let chunk = chunk.max(1);
    let scan = |k: usize| {
        let start = (k * chunk).max(first + 1);
        let end = data.len().min((k + 1) * chunk);
        let mut found = Found {
            index: Some(FromIndex::default()),
            ..Found::default()
        };
        if start >= end {
            return found;
        }
        let cap = ((end - start) / INDEX_DENSITY).max(64);
        // Hits starting in [start, end); the window reaches 4 bytes
        // further so that a `From ` cut by `end` is found.
        let window = &data[start..data.len().min(end + 4)];
        for f in FROM.find_iter(window).map(|f| f + start) {
            if f >= end {
                break;
            }
            classify(data, first, f, &mut found);
            if found
                .index
                .as_ref()
                .is_some_and(|i| i.separators.len() + i.lines.len() > cap)
            {
                found.index = None;
            }
        }
        done(k * chunk..end);
        found
    };
    let chunks: Vec<Found> = (0..data.len().div_ceil(chunk))
        .into_par_iter()
        .map(scan)
        .collect();
    let mut separators = 0;
    let mut counts = FromLineCounts::default();
    let mut index = Some(FromIndex::default());
    for c in chunks {
        separators += c.separators;
        counts.bare += c.counts.bare;
        counts.quoted += c.counts.quoted;
        counts.deep += c.counts.deep;
        index = match (index, c.index) {
            (Some(mut all), Some(part)) => {
                all.separators.extend(part.separators);
                all.lines.extend(part.lines);
                Some(all)
            }
            _ => None,
        };
    }
    Ok((1 + separators, line_ending, counts, index))
}

/// Counts the `From ` at `f` (after the first separator at `first`) as a
/// separator or a body line of its depth.
fn classify(data: &[u8], first: usize, f: usize, found: &mut Found) {
    let q = gt_run_start(data, f);
    if !at_line_start(data, q) {
        return;
    }
    let counts = &mut found.counts;
    let depth = f - q;
    match depth {
        // The empty line cannot start before `first`: the separator line
        // before it is not empty.
        0 if blank_line_ending_at(data, f - 1, first).is_some() => {
            found.separators += 1;
            if let Some(index) = &mut found.index {
                index.separators.push(f);
            }
            return;
        }
        0 => counts.bare += 1,
        1 => counts.quoted += 1,
        _ => counts.deep += 1,
    }
    if let Some(index) = &mut found.index {
        index.lines.push(FromLine { start: q, depth });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MboxRecord;

    fn variant(data: &[u8]) -> MboxVariant {
        detect_mbox(data).unwrap().variant
    }

    /// The two-pass walk that `separator_walk` replaces.
    fn by_split(data: &[u8]) -> (u64, FromLineCounts) {
        let mut counts = FromLineCounts::default();
        let mut messages = 0;
        for record in split(data, MboxVariant::Mboxo).unwrap() {
            counts.add(record.raw);
            messages += 1;
        }
        (messages, counts)
    }

    #[test]
    fn one_scan_agrees_with_split() {
        let cases: &[&[u8]] = &[
            b"",
            b"\n\r\n",
            b"From a",
            b"From a\nFrom b\n",
            b"From a\n\nFrom b\n\n\nFrom c",
            b"\n\nFrom a\r\n\r\nFrom b\r\n>From c\r\n\r\n>>From d\r\n",
            b"From a From b\n \nFrom c\n\r\nFrom d\nx>From e\n\n>From f\n\nFrom ",
            b"From a\n\n\rFrom b\n\n>\nFrom c\n",
        ];
        for &data in cases {
            for chunk in [1, 2, 3, 5, 7, CHUNK] {
                let (messages, _, counts, _) = separator_walk(data, chunk, &|_| {}).unwrap();
                assert_eq!(
                    (messages, counts),
                    by_split(data),
                    "{:?}",
                    String::from_utf8_lossy(data)
                );
            }
        }
        // Random token strings after a first separator.
        let tokens: [&[u8]; 7] = [b"\n", b"\r\n", b"\r", b">", b"From ", b"x", b" "];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..5000 {
            let mut data = b"From a\n".to_vec();
            for _ in 0..24 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                data.extend_from_slice(tokens[(seed % tokens.len() as u64) as usize]);
            }
            let chunk = 1 + (seed % 9) as usize;
            let (messages, _, counts, _) = separator_walk(&data, chunk, &|_| {}).unwrap();
            assert_eq!(
                (messages, counts),
                by_split(&data),
                "{:?}",
                String::from_utf8_lossy(&data)
            );
        }
    }

    /// Records as the indexed split makes them, and as the plain one does.
    fn both_splits<'a>(
        data: &'a [u8],
        index: &'a FromIndex,
    ) -> Vec<(MboxRecord<'a>, MboxRecord<'a>)> {
        let mut out = Vec::new();
        for variant in [MboxVariant::Mboxo, MboxVariant::Mboxrd] {
            let plain = split(data, variant).unwrap();
            let indexed = split(data, variant).unwrap().with_index(Some(index));
            assert_eq!(plain.clone().count(), indexed.clone().count());
            for (a, b) in indexed.zip(plain) {
                out.push((a, b));
            }
        }
        out
    }

    #[test]
    fn indexed_split_agrees_with_searching() {
        let tokens: [&[u8]; 9] = [
            b"\n", b"\r\n", b"\r", b">", b"From ", b"x", b" ", b"\n\n", b">>From ",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..5000 {
            let mut data = b"From a\n".to_vec();
            for _ in 0..32 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                data.extend_from_slice(tokens[(seed % tokens.len() as u64) as usize]);
            }
            let chunk = 1 + (seed % 11) as usize;
            let (_, _, _, index) = separator_walk(&data, chunk, &|_| {}).unwrap();
            let index = index.expect("small inputs stay indexed");
            let pairs = both_splits(&data, &index);
            assert_eq!(pairs.len() % 2, 0);
            for (a, b) in pairs {
                let shown = String::from_utf8_lossy(&data);
                assert!(a.from_lines.is_some(), "{shown:?}");
                assert_eq!(
                    (a.offset, a.raw, &a.span, a.from_line),
                    (b.offset, b.raw, &b.span, b.from_line),
                    "{shown:?}"
                );
                assert_eq!(a.unquoted(), b.unquoted(), "{shown:?}");
                // The index knows no more than the search, never less.
                assert!(!a.no_bare_from || b.no_bare_from, "{shown:?}");
                assert_eq!(a.no_bare_from, b.no_bare_from, "{shown:?}");
                // Copied through only when that is what quoting makes.
                if a.stored_as_mboxrd() {
                    let unquoted = a.unquoted();
                    let mut requoted = Vec::new();
                    let mut last = 0;
                    for p in crate::quote_positions(&unquoted) {
                        requoted.extend_from_slice(&unquoted[last..p]);
                        requoted.push(b'>');
                        last = p;
                    }
                    requoted.extend_from_slice(&unquoted[last..]);
                    assert_eq!(requoted, a.raw, "{shown:?}");
                }
            }
        }
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
