//! Reading mbox files: the memory map, and the splitter that finds where
//! each message starts and ends (see the [module docs](super#mbox-separators)
//! for the rules).

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::LazyLock;

use memchr::memmem::Finder;
use memmap2::Mmap;

use super::detect::{detect_mbox_with, Detection, FromIndex, FromLine};
use super::lines::{
    at_line_start, blank_line_ending_at, header_block, header_value, line_at, parse_decimal,
    skip_blank_lines, HEADER_SCAN_LIMIT,
};
use super::pages::RELEASE_ALIGN;
use super::quote::{unquote, unquote_lines};
use super::{Envelope, Error, LineEnding, Message};

/// Every candidate separator is a line break followed by `From `.
static SEPARATOR: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\nFrom "));

/// The four mbox variants (see the [module docs](super#variants-and-quoting)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MboxVariant {
    /// Separators only; `From ` body lines quoted as `>From ` (ambiguous).
    Mboxo,
    /// Separators only; every `>*From ` body line gets one more `>`.
    Mboxrd,
    /// `Content-Length` gives the body length; quoted like mboxo.
    Mboxcl,
    /// `Content-Length` gives the body length; no quoting.
    Mboxcl2,
}

impl MboxVariant {
    /// Every variant, in the order of the module table.
    pub const ALL: [MboxVariant; 4] = [
        MboxVariant::Mboxo,
        MboxVariant::Mboxrd,
        MboxVariant::Mboxcl,
        MboxVariant::Mboxcl2,
    ];

    /// The lowercase name (`"mboxrd"`).
    pub fn name(self) -> &'static str {
        match self {
            MboxVariant::Mboxo => "mboxo",
            MboxVariant::Mboxrd => "mboxrd",
            MboxVariant::Mboxcl => "mboxcl",
            MboxVariant::Mboxcl2 => "mboxcl2",
        }
    }

    /// Whether message lengths come from `Content-Length`.
    pub fn uses_content_length(self) -> bool {
        matches!(self, MboxVariant::Mboxcl | MboxVariant::Mboxcl2)
    }
}

impl fmt::Display for MboxVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MboxVariant {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        MboxVariant::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown mbox variant {s:?}"))
    }
}

/// An mbox file, memory-mapped: messages borrow from the map, so the
/// archive is never read into one buffer; the kernel pages it in and out.
pub struct Mbox {
    /// `None` for an empty file, which cannot be mapped.
    map: Option<Mmap>,
    path: PathBuf,
}

impl fmt::Debug for Mbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mbox")
            .field("path", &self.path)
            .field("len", &self.bytes().len())
            .finish()
    }
}

impl Mbox {
    /// Maps the file at `path` (read-only; an empty file is not mapped).
    ///
    /// # File changes
    ///
    /// The file must not change while the `Mbox` or anything borrowed from
    /// it lives. If another process truncates it, reading the lost pages
    /// kills this process with SIGBUS; if another process writes to it,
    /// messages already handed out may change under their readers. Convert
    /// archives at rest: copy, lock or stop the delivery agent for an
    /// mbox that mail is still being appended to.
    pub fn open(path: &Path) -> Result<Mbox, Error> {
        let file = File::open(path).map_err(|e| Error::io(path, "opening", e))?;
        let len = file
            .metadata()
            .map_err(|e| Error::io(path, "reading the size of", e))?
            .len();
        let map = if len == 0 {
            None
        } else {
            // memmap2 requires that the mapped file is not modified or
            // truncated while the map lives, because `bytes()` hands out
            // `&[u8]` slices that Rust assumes immutable. Nothing in this
            // process writes to the file: it is opened read-only, and
            // outputs are new files renamed into place, so even an output
            // path equal to this input replaces the directory entry, not
            // the mapped inode. Another process could: a truncation then
            // makes page faults raise SIGBUS and a write changes bytes
            // under a borrowed slice. Reading through `read()` instead
            // would cost a copy of every message.
            // SAFETY: the file stays unmodified while mapped: the documented
            // contract of `Mbox::open` (archives are converted at rest).
            let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(path, "mapping", e))?;
            #[cfg(unix)]
            {
                // A hint only (read-ahead): failure changes nothing.
                let _ = map.advise(memmap2::Advice::Sequential);
            }
            Some(map)
        };
        Ok(Mbox {
            map,
            path: path.to_owned(),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    /// Detects the variant (see [`detect_mbox`](super::detect_mbox)),
    /// releasing the pages it has read as it goes (detection reads the
    /// whole file), on rayon's current pool.
    pub fn detect(&self) -> Result<Detection, Error> {
        self.detect_indexed().map(|(detection, _)| detection)
    }

    /// [`detect`](Self::detect), with the index of `From ` lines that lets
    /// [`split_indexed`](Self::split_indexed) skip its searches.
    pub(crate) fn detect_indexed(&self) -> Result<(Detection, Option<FromIndex>), Error> {
        detect_mbox_with(self.bytes(), &|range| self.release(range)).map_err(|e| self.with_path(e))
    }

    /// Drops this process's mapping of the whole pages inside `range`
    /// (rounded inwards to [`RELEASE_ALIGN`]): they stop counting in its
    /// resident set, and stay in the page cache for any later read.
    /// Callers release only what they have finished reading, but a later
    /// read is still correct: it faults the same file bytes back in.
    pub(crate) fn release(&self, range: Range<usize>) {
        #[cfg(unix)]
        if let Some(map) = &self.map {
            let start = range.start.next_multiple_of(RELEASE_ALIGN);
            let end = range.end.min(map.len()) / RELEASE_ALIGN * RELEASE_ALIGN;
            if start < end {
                // `MADV_DONTNEED` is unchecked because on a private writable
                // map it discards changes, so memory could change under a
                // live reference. The range lies inside the map (clamped
                // above) and is page-aligned (a multiple of `RELEASE_ALIGN`
                // from the page-aligned start of the map), so memmap2 does
                // not widen it. Failure is harmless (the pages simply stay
                // mapped), so it is ignored.
                // This map is read-only and `MAP_SHARED`, and the file does
                // not change (`Mbox::open`'s contract).
                // SAFETY: dropping pages of such a map only refaults the same
                // file bytes, so a still-borrowed slice reads the same bytes.
                let _ = unsafe {
                    map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start,
                        end - start,
                    )
                };
            }
        }
        #[cfg(not(unix))]
        let _ = range;
    }

    /// The messages as `variant` splits them, raw (still quoted).
    pub fn split(&self, variant: MboxVariant) -> Result<Split<'_>, Error> {
        split(self.bytes(), variant).map_err(|e| self.with_path(e))
    }

    /// [`split`](Self::split) by the `index` that detecting this file made
    /// (the same records, found without searching the bytes).
    pub(crate) fn split_indexed<'s>(
        &'s self,
        variant: MboxVariant,
        index: Option<&'s FromIndex>,
    ) -> Result<Split<'s>, Error> {
        Ok(self.split(variant)?.with_index(index))
    }

    /// The messages as `variant` reads them, unquoted.
    pub fn messages(
        &self,
        variant: MboxVariant,
    ) -> Result<impl Iterator<Item = Message<'_>> + '_, Error> {
        Ok(self.split(variant)?.map(|record| record.message()))
    }

    fn with_path(&self, err: Error) -> Error {
        match err {
            Error::NotMbox { offset, .. } => Error::NotMbox {
                path: Some(self.path.clone()),
                offset,
            },
            other => other,
        }
    }
}

/// One message as stored in an mbox, before unquoting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MboxRecord<'a> {
    /// Position in the file, from 0.
    pub index: u64,
    /// Byte offset of the separator line.
    pub offset: u64,
    /// The separator line, `From ` included, line terminator excluded.
    pub from_line: &'a [u8],
    /// The stored message: header and body, still quoted; without the
    /// empty line that precedes the next separator.
    pub raw: &'a [u8],
    /// Byte range of the record in the file: from the separator to the
    /// next separator (or the end), so consecutive spans tile the file
    /// from the first separator on.
    pub span: Range<u64>,
    /// The separator line's terminator.
    pub line_ending: LineEnding,
    /// The variant this record was split with.
    pub variant: MboxVariant,
    /// For the `Content-Length` variants: the length was missing or
    /// inconsistent, and the separator rule found the end instead.
    pub content_length_fallback: bool,
    /// The splitter saw every line of `raw` that starts with `From ` (it
    /// searches them for separators) and found none: with the mboxrd
    /// variant, `raw` is then exactly what the mboxrd writer makes of the
    /// unquoted message, and can be copied through. `false` when unknown.
    pub(crate) no_bare_from: bool,
    /// The `>*From ` lines of `raw`, when the split had an index.
    pub(crate) from_lines: Option<&'a [FromLine]>,
    /// Where `raw` starts in the file.
    pub(crate) raw_offset: usize,
}

impl<'a> MboxRecord<'a> {
    /// The message, unquoted according to the variant.
    pub fn message(&self) -> Message<'a> {
        Message {
            index: self.index,
            offset: self.offset,
            envelope: Envelope::Mbox {
                from_line: self.from_line,
            },
            data: self.unquoted(),
            line_ending: self.line_ending,
        }
    }

    /// Whether `raw` is exactly what the mboxrd writer makes of the
    /// unquoted message, so that it can be written through unchanged:
    /// always for mboxrd without bare `From ` lines, and for mboxo when
    /// the index shows no line quoted more than once either.
    pub(crate) fn stored_as_mboxrd(&self) -> bool {
        self.no_bare_from
            && match self.variant {
                MboxVariant::Mboxrd => true,
                MboxVariant::Mboxo => self
                    .from_lines
                    .is_some_and(|lines| lines.iter().all(|l| l.depth <= 1)),
                MboxVariant::Mboxcl | MboxVariant::Mboxcl2 => false,
            }
    }

    /// The stored bytes with the quoting removed (borrowed when none).
    pub fn unquoted(&self) -> Cow<'a, [u8]> {
        match self.from_lines {
            Some(lines) => unquote_lines(self.raw, self.variant, lines, self.raw_offset),
            None => unquote(self.raw, self.variant),
        }
    }
}

/// Splits `data` (a whole mbox) into messages.
///
/// Fails only if `data`, after leading blank lines, does not start with
/// `From `; every later byte belongs to some message. An empty (or blank)
/// `data` has no messages.
///
/// ```
/// use septet_mailbox::{split, MboxVariant};
/// let mbox = b"From a@x Mon Jan  1 00:00:00 2024\nSubject: 1\n\n>From here\n\n\
///              From b@x Mon Jan  1 00:00:01 2024\nSubject: 2\n\nbody\n";
/// let msgs: Vec<_> = split(mbox, MboxVariant::Mboxrd).unwrap().map(|r| r.message()).collect();
/// assert_eq!(msgs.len(), 2);
/// assert_eq!(&*msgs[0].data, b"Subject: 1\n\nFrom here\n");
/// assert_eq!(msgs[1].offset, 58);
/// ```
pub fn split(data: &[u8], variant: MboxVariant) -> Result<Split<'_>, Error> {
    let first = skip_blank_lines(data, 0);
    if first < data.len() && !data[first..].starts_with(b"From ") {
        return Err(Error::NotMbox {
            path: None,
            offset: first as u64,
        });
    }
    Ok(Split {
        data,
        pos: first,
        index: 0,
        variant,
        index_cursor: None,
    })
}

/// Iterator over the [`MboxRecord`]s of an mbox, from [`split`].
#[derive(Clone, Debug)]
pub struct Split<'a> {
    data: &'a [u8],
    /// The next separator line, or `data.len()`.
    pos: usize,
    index: u64,
    variant: MboxVariant,
    /// Where the split is in a [`FromIndex`], when it has one.
    index_cursor: Option<Cursor<'a>>,
}

impl<'a> Split<'a> {
    /// Splits by `index` (made by detecting the same data) instead of
    /// searching; Content-Length variants still search.
    pub(crate) fn with_index(mut self, index: Option<&'a FromIndex>) -> Self {
        if !self.variant.uses_content_length() {
            self.index_cursor = index.map(|index| Cursor {
                index,
                separator: 0,
                line: 0,
            });
        }
        self
    }
}

/// A position in a [`FromIndex`].
#[derive(Clone, Debug)]
struct Cursor<'a> {
    index: &'a FromIndex,
    /// The next separator to consider.
    separator: usize,
    /// The next line to consider.
    line: usize,
}

impl<'a> Cursor<'a> {
    /// The end of the message whose bytes start at `body` (as
    /// [`separator_end_scan`] finds it) and its `>*From ` lines; `None`
    /// if the index disagrees with the bytes (then it is not used again).
    fn next_end(&mut self, data: &[u8], body: usize) -> Option<(usize, usize, &'a [FromLine])> {
        let seps = &self.index.separators;
        while seps.get(self.separator).is_some_and(|&s| s < body) {
            self.separator += 1;
        }
        let (end, next) = match seps.get(self.separator) {
            Some(&s) => (blank_line_ending_at(data, s.checked_sub(1)?, body)?, s),
            None => (last_end(data, body), data.len()),
        };
        let lines = &self.index.lines;
        while lines.get(self.line).is_some_and(|l| l.start < body) {
            self.line += 1;
        }
        let from = self.line;
        while lines.get(self.line).is_some_and(|l| l.start < end) {
            self.line += 1;
        }
        Some((end, next, lines.get(from..self.line)?))
    }
}

impl<'a> Iterator for Split<'a> {
    type Item = MboxRecord<'a>;

    fn next(&mut self) -> Option<MboxRecord<'a>> {
        let data = self.data;
        let start = self.pos;
        if start >= data.len() {
            return None;
        }
        let (from_end, body) = line_at(data, start);
        let line_ending = LineEnding::of_first_line(&data[start..body]);
        let by_length = if self.variant.uses_content_length() {
            content_length_end(data, body)
        } else {
            None
        };
        let fallback = self.variant.uses_content_length() && by_length.is_none();
        let indexed = match (by_length, &mut self.index_cursor) {
            (None, Some(cursor)) => cursor.next_end(data, body),
            _ => None,
        };
        if indexed.is_none() {
            self.index_cursor = None;
        }
        let (end, next, bare, from_lines) = match (by_length, indexed) {
            (Some((end, next)), _) => (end, next, true, None),
            (None, Some((end, next, lines))) => {
                (end, next, lines.iter().any(|l| l.depth == 0), Some(lines))
            }
            (None, None) => {
                let (end, next, bare) = separator_end_scan(data, body);
                (end, next, bare, None)
            }
        };
        self.pos = next;
        let record = MboxRecord {
            index: self.index,
            offset: start as u64,
            from_line: &data[start..from_end],
            raw: &data[body..end],
            span: start as u64..next as u64,
            line_ending,
            variant: self.variant,
            content_length_fallback: fallback,
            no_bare_from: !bare && !data[body..end].starts_with(b"From "),
            from_lines,
            raw_offset: body,
        };
        self.index += 1;
        Some(record)
    }
}

/// Where the message whose bytes start at `body` ends by the separator
/// rule: `(end of the message, start of the next separator or data.len())`.
/// Also tells whether a `From ` line that is no separator was passed (one
/// inside the message: every `\nFrom ` before the separator lies in it).
fn separator_end_scan(data: &[u8], body: usize) -> (usize, usize, bool) {
    let mut search = body;
    let mut bare = false;
    while let Some(i) = SEPARATOR.find(&data[search..]) {
        let nl = search + i;
        if let Some(blank) = blank_line_ending_at(data, nl, body) {
            return (blank, nl + 1, bare);
        }
        bare = true;
        search = nl + 1;
    }
    (last_end(data, body), data.len(), bare)
}

/// Where the last message, whose bytes start at `body`, ends: a final
/// empty line is the separator's, as before any other separator.
fn last_end(data: &[u8], body: usize) -> usize {
    match data.len().checked_sub(1) {
        Some(nl) if data[nl] == b'\n' => blank_line_ending_at(data, nl, body).unwrap_or(data.len()),
        _ => data.len(),
    }
}

/// Where the message whose bytes start at `body` ends by its
/// `Content-Length`, if it has one that leads to the end of the data or to
/// a `From ` line, each optionally after one line break.
pub(crate) fn content_length_end(data: &[u8], body: usize) -> Option<(usize, usize)> {
    let (header_end, body_start) = header_block(data, body, HEADER_SCAN_LIMIT)?;
    let length = parse_decimal(header_value(&data[body..header_end], b"content-length")?)?;
    let end = usize::try_from(length).ok()?.checked_add(body_start)?;
    let rest = data.get(end..)?;
    let after_break = match rest {
        [b'\r', b'\n', ..] => 2,
        [b'\n', ..] => 1,
        _ => 0,
    };
    let next = end + after_break;
    if next == data.len() || (data[next..].starts_with(b"From ") && at_line_start(data, next)) {
        Some((end, next))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raws(data: &[u8], variant: MboxVariant) -> Vec<&[u8]> {
        split(data, variant).unwrap().map(|r| r.raw).collect()
    }

    #[test]
    fn separators_need_an_empty_line_before() {
        let data = b"From a\nX: 1\n\nbody\nFrom not a separator\n\nFrom b\n\nB\n\n";
        assert_eq!(
            raws(data, MboxVariant::Mboxo),
            [&b"X: 1\n\nbody\nFrom not a separator\n"[..], b"\nB\n"]
        );
    }

    #[test]
    fn crlf_and_leading_blank_lines() {
        let data = b"\r\n\r\nFrom a\r\nX: 1\r\n\r\nbody\r\n\r\nFrom b\r\n\r\nB\r\n";
        let records: Vec<_> = split(data, MboxVariant::Mboxrd).unwrap().collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].offset, 4);
        assert_eq!(records[0].from_line, b"From a");
        assert_eq!(records[0].line_ending, LineEnding::CrLf);
        assert_eq!(records[0].raw, b"X: 1\r\n\r\nbody\r\n");
        assert_eq!(records[1].raw, b"\r\nB\r\n");
        assert_eq!(records[0].span.end, records[1].span.start);
        assert_eq!(records[1].span.end, data.len() as u64);
    }

    #[test]
    fn edge_cases_never_panic() {
        for data in [
            &b""[..],
            b"\n\n",
            b"From ",
            b"From a",
            b"From a\n",
            b"From a\n\n",
            b"From a\n\nFrom b",
            b"From a\r\n\r\n",
            b"From a\nContent-Length: 99999999999999999999999\n\nx",
            b"From a\nContent-Length: 1\n",
        ] {
            for v in MboxVariant::ALL {
                let total: usize = split(data, v).unwrap().map(|r| r.raw.len()).sum();
                assert!(total <= data.len());
            }
        }
        assert_eq!(
            raws(b"From a\n\nFrom b", MboxVariant::Mboxo),
            [&b""[..], b""]
        );
        assert!(matches!(
            split(b"\nSubject: x\n", MboxVariant::Mboxo),
            Err(Error::NotMbox { offset: 1, .. })
        ));
    }

    #[test]
    fn content_length_bodies_may_hold_separators() {
        let data =
            b"From a\nContent-Length: 15\n\nx\n\nFrom inside\n\nFrom b\nContent-Length: 2\n\nB\n";
        let records: Vec<_> = split(data, MboxVariant::Mboxcl2).unwrap().collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].raw, b"Content-Length: 15\n\nx\n\nFrom inside\n");
        assert!(!records[0].content_length_fallback);
        assert_eq!(records[1].raw, b"Content-Length: 2\n\nB\n");
        // The same file split by separators sees three messages.
        assert_eq!(raws(data, MboxVariant::Mboxo).len(), 3);
    }

    #[test]
    fn wrong_content_length_falls_back() {
        let data = b"From a\nContent-Length: 5\n\nbody text\n\nFrom b\nContent-Length: 2\n\nB\n";
        let records: Vec<_> = split(data, MboxVariant::Mboxcl).unwrap().collect();
        assert_eq!(records.len(), 2);
        assert!(records[0].content_length_fallback);
        assert_eq!(records[0].raw, b"Content-Length: 5\n\nbody text\n");
        assert!(!records[1].content_length_fallback);
    }
}
