//! Header text with 8-bit bytes made 7-bit by changing only what must
//! change: the text is split the way a reader splits it (RFC 2047 encoded
//! words, blanks, other text), existing encoded words are kept as written,
//! and only 8-bit text becomes new encoded words.
//!
//! Encoded words are recognised as Python's `email` package (the reference
//! reader of the tests) recognises them: also glued to text and with
//! blanks inside. A reader drops the blanks between two encoded words
//! (RFC 2047 6.2), so where a new word comes to sit next to another one,
//! the blanks that separated them are carried inside the new word.
//!
//! An encoded word holding raw 8-bit bytes is malformed; readers decode
//! it anyway (Python keeps the raw bytes and decodes them in the word's
//! charset). It is written again in base64, same charset, same bytes, so
//! the text read from it does not change; [`Rewrite::malformed`] counts it.

use crate::base64;

/// Longest encoded word (RFC 2047 2).
const WORD_MAX: usize = 75;
/// Encoded-word overhead: `=?` charset `?B?` ... `?=`.
const WORD_OVERHEAD: usize = 7;
/// Text runs longer than this (without blanks, so no fold point) are
/// written as encoded words even if 7-bit, so that lines stay under 998
/// octets.
const LONG_RUN: usize = 900;
/// Marks "none" in the position tables.
const NONE: usize = usize::MAX;

fn blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// How a piece of header text reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Blank,
    /// An encoded word, as a reader recognises it.
    Word,
    Text,
}

#[derive(Clone, Copy, Debug)]
struct Item {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Position tables that keep the scan linear on floods of `=?` and `?`.
struct Tables {
    /// `next_q[i]`: the first `?` at or after `i`.
    next_q: Vec<usize>,
    /// `next_qe[i]`: the first `?=` starting at or after `i`.
    next_qe: Vec<usize>,
    /// `qs[i]`: the count of `?` before `i`.
    qs: Vec<usize>,
}

impl Tables {
    fn new(v: &[u8]) -> Self {
        let n = v.len();
        let (mut next_q, mut next_qe) = (vec![NONE; n + 2], vec![NONE; n + 2]);
        for i in (0..n).rev() {
            next_q[i] = if v[i] == b'?' { i } else { next_q[i + 1] };
            next_qe[i] = if v[i] == b'?' && v.get(i + 1) == Some(&b'=') {
                i
            } else {
                next_qe[i + 1]
            };
        }
        let mut qs = Vec::with_capacity(n + 1);
        qs.push(0);
        for &b in v {
            qs.push(qs[qs.len() - 1] + usize::from(b == b'?'));
        }
        Tables {
            next_q,
            next_qe,
            qs,
        }
    }

    fn q_count(&self, from: usize, to: usize) -> usize {
        self.qs[to] - self.qs[from]
    }
}

enum Word {
    /// An encoded word ending before this offset.
    End(usize),
    /// `=?...?=` that is not a valid word.
    Invalid,
    /// No `?=` follows at all.
    NotFound,
}

/// The encoded word starting at `pos` (where `v[pos..]` starts with `=?`),
/// delimited as Python's `get_encoded_word` delimits it: up to the first
/// `?=` (or the next one, when a Q escape `=XX` follows the cut), with
/// exactly charset, encoding and text between the `?`s.
fn word_at(v: &[u8], t: &Tables, pos: usize) -> Word {
    let k = t.next_qe[pos + 2];
    if k == NONE {
        return Word::NotFound;
    }
    let (mut tok_end, mut end) = (k, k + 2);
    let hex = |i: usize| v.get(i).is_some_and(u8::is_ascii_hexdigit);
    if hex(end) && hex(end + 1) && t.q_count(pos + 2, k) < 2 {
        match t.next_qe[end] {
            NONE => (tok_end, end) = (v.len(), v.len()),
            k2 => (tok_end, end) = (k2, k2 + 2),
        }
    }
    if t.q_count(pos + 2, tok_end) != 2 {
        return Word::Invalid;
    }
    let q1 = t.next_q[pos + 2];
    let q2 = t.next_q[q1 + 1];
    match &v[q1 + 1..q2] {
        [b'b' | b'B' | b'q' | b'Q'] => Word::End(end),
        _ => Word::Invalid,
    }
}

/// Whether `v[from..to]` holds `=?charset?B|Q?...?=` (Python's
/// `rfc2047_matcher`), which makes a reader cut text before its first `=?`.
fn holds_word(v: &[u8], t: &Tables, from: usize, to: usize) -> bool {
    (from..to.saturating_sub(1)).any(|i| {
        if v[i] != b'=' || v[i + 1] != b'?' {
            return false;
        }
        let j = t.next_q[i + 2];
        j != NONE
            && j + 2 < to
            && matches!(v[j + 1], b'b' | b'B' | b'q' | b'Q')
            && v[j + 2] == b'?'
            && t.next_qe[j + 3] != NONE
            && t.next_qe[j + 3] + 2 <= to
    })
}

/// Splits `v` as Python's `get_unstructured` does.
fn scan(v: &[u8]) -> Vec<Item> {
    let t = Tables::new(v);
    let mut items = Vec::new();
    let mut pos = 0;
    while pos < v.len() {
        if blank(v[pos]) {
            let end = v[pos..]
                .iter()
                .position(|&b| !blank(b))
                .map_or(v.len(), |e| pos + e);
            items.push(Item {
                kind: Kind::Blank,
                start: pos,
                end,
            });
            pos = end;
            continue;
        }
        let mut valid = true;
        if v[pos..].starts_with(b"=?") {
            match word_at(v, &t, pos) {
                Word::End(end) => {
                    items.push(Item {
                        kind: Kind::Word,
                        start: pos,
                        end,
                    });
                    pos = end;
                    continue;
                }
                Word::Invalid => valid = false,
                Word::NotFound => {}
            }
        }
        let tok_end = v[pos..]
            .iter()
            .position(|&b| blank(b))
            .map_or(v.len(), |e| pos + e);
        let mut end = tok_end;
        if valid && holds_word(v, &t, pos, tok_end) {
            end = memchr::memmem::find(&v[pos..tok_end], b"=?").map_or(tok_end, |e| pos + e);
            if end == pos {
                end = tok_end;
            }
        }
        items.push(Item {
            kind: Kind::Text,
            start: pos,
            end,
        });
        pos = end;
    }
    items
}

/// The charset and decoded bytes of a malformed word (raw 8-bit bytes
/// inside), as Python decodes it: Q keeps raw bytes; B skips bytes outside
/// the alphabet.
fn decode_malformed(raw: &[u8]) -> (&[u8], Vec<u8>) {
    let inner = raw.get(2..).unwrap_or_default();
    let inner = inner.strip_suffix(b"?=").unwrap_or(inner);
    let mut parts = inner.splitn(3, |&b| b == b'?');
    let (charset, cte, text) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let mut bytes = Vec::with_capacity(text.len());
    if cte.eq_ignore_ascii_case(b"q") {
        let mut i = 0;
        while i < text.len() {
            let pair = text.get(i + 1..i + 3);
            match (text[i], pair) {
                (b'_', _) => bytes.push(b' '),
                (b'=', Some(&[h, l])) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                    let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                    bytes.push(hex(h) << 4 | hex(l));
                    i += 2;
                }
                (b, _) => bytes.push(b),
            }
            i += 1;
        }
    } else {
        let six = |c: u8| match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        };
        let sextets: Vec<u8> = text
            .iter()
            .take_while(|&&c| c != b'=')
            .filter_map(|&c| six(c))
            .collect();
        if sextets.len() % 4 == 1 {
            // Python gives up and returns the text as it is.
            bytes.extend_from_slice(text);
        } else {
            let (mut acc, mut bits) = (0u32, 0);
            for s in sextets {
                acc = acc << 6 | u32::from(s);
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    bytes.push((acc >> bits) as u8);
                }
            }
        }
    }
    // A charset that is not a clean token cannot be written again; Python
    // reads an unknown charset as `unknown-8bit` reads it.
    let clean = !charset.is_empty() && charset.iter().all(|&b| b > b' ' && b < 0x7f);
    (if clean { charset } else { b"unknown-8bit" }, bytes)
}

/// The content of a quoted string with its UTF-8 (and US-ASCII) encoded
/// words decoded in place, blanks between two of them dropped. RFC 2047
/// 5(3) forbids words there, but readers (Python among them) decode them;
/// inlined, they join the text the phrase is encoded from, so no blank a
/// reader may or may not drop comes to sit between two words.
pub(crate) fn inline_utf8_words(v: &[u8]) -> Vec<u8> {
    let items = scan(v);
    let utf8 = |i: &Item| {
        i.kind == Kind::Word && {
            let (charset, _) = decode_malformed(&v[i.start..i.end]);
            let charset = charset.split(|&b| b == b'*').next().unwrap_or_default();
            charset.eq_ignore_ascii_case(b"utf-8") || charset.eq_ignore_ascii_case(b"us-ascii")
        }
    };
    let mut out = Vec::with_capacity(v.len());
    for (n, it) in items.iter().enumerate() {
        let bytes = &v[it.start..it.end];
        if utf8(it) {
            out.extend_from_slice(&decode_malformed(bytes).1);
        } else if it.kind == Kind::Blank
            && n > 0
            && items.get(n + 1).is_some_and(utf8)
            && utf8(&items[n - 1])
        {
            // Dropped between two words.
        } else {
            out.extend_from_slice(bytes);
        }
    }
    out
}

/// A piece of the output.
enum Seg {
    /// Input text kept as it is.
    Keep(usize, usize),
    /// Blanks between atoms, kept as they are.
    Blank(usize, usize),
    /// An encoded word kept as written.
    Old(usize, usize),
    /// Text written as new encoded words.
    New(Vec<u8>),
    /// A malformed word written again: charset, bytes.
    Again(Vec<u8>, Vec<u8>),
    /// A blank between two parts of one glued atom (readers drop it).
    Sep,
}

impl Seg {
    fn is_word(&self) -> bool {
        matches!(self, Seg::Old(..) | Seg::New(_) | Seg::Again(..))
    }
    fn was_word(&self) -> bool {
        matches!(self, Seg::Old(..) | Seg::Again(..))
    }
}

/// What [`rewrite`] did.
#[derive(Default)]
pub(crate) struct Rewrite {
    /// Malformed encoded words written again.
    pub malformed: u64,
}

/// Writes `v` (unfolded header text) in 7-bit form to `out`. Text with
/// 8-bit bytes or NUL, or longer than [`LONG_RUN`] (every text if `phrase`: a display name becomes
/// encoded words as a whole, RFC 2047 5(3)) becomes new encoded words;
/// other text and valid words stay as written. `phrase` also makes long
/// text split after blanks where it can (Python keeps the blank between
/// two words of a phrase, RFC 2047 drops it: splitting after a blank
/// reads the same to both, up to runs of blanks).
pub(crate) fn rewrite(v: &[u8], phrase: bool, out: &mut Vec<u8>) -> Rewrite {
    let items = scan(v);
    let mut rep = Rewrite::default();
    let needs = |i: &Item| {
        let b = &v[i.start..i.end];
        // A run too long for a line has no 7-bit form but encoded words.
        !b.is_ascii() || b.contains(&0) || (i.kind == Kind::Text && b.len() > LONG_RUN)
    };
    let mut segs: Vec<Seg> = Vec::with_capacity(items.len());
    let mut a = 0;
    while a < items.len() {
        if items[a].kind == Kind::Blank {
            segs.push(Seg::Blank(items[a].start, items[a].end));
            a += 1;
            continue;
        }
        // An atom: items glued together.
        let b = items[a..]
            .iter()
            .position(|i| i.kind == Kind::Blank)
            .map_or(items.len(), |e| a + e);
        let atom = &items[a..b];
        let changed = phrase || atom.iter().any(needs);
        for (n, it) in atom.iter().enumerate() {
            let bytes = &v[it.start..it.end];
            let seg = match it.kind {
                Kind::Word if needs(it) => {
                    rep.malformed += 1;
                    let (charset, decoded) = decode_malformed(bytes);
                    Seg::Again(charset.to_vec(), decoded)
                }
                Kind::Word => Seg::Old(it.start, it.end),
                _ if changed => Seg::New(bytes.to_vec()),
                _ => Seg::Keep(it.start, it.end),
            };
            if changed && n > 0 {
                if let (Seg::New(text), Some(Seg::New(prev))) = (&seg, segs.last_mut()) {
                    prev.extend_from_slice(text);
                    continue;
                }
                segs.push(Seg::Sep);
            }
            segs.push(seg);
        }
        a = b;
    }
    carry_blanks(v, &mut segs);
    emit(v, &segs, phrase, out);
    rep
}

/// A blank between two pieces that are words in the output but were not
/// both words in the input would be dropped by readers: it goes inside
/// the new word next to it (and new words on both sides merge).
fn carry_blanks(v: &[u8], segs: &mut Vec<Seg>) {
    let mut i = 1;
    while i + 1 < segs.len() {
        let Seg::Blank(s, e) = segs[i] else {
            i += 1;
            continue;
        };
        let (prev, next) = (&segs[i - 1], &segs[i + 1]);
        if !(prev.is_word() && next.is_word()) || (prev.was_word() && next.was_word()) {
            i += 1;
            continue;
        }
        let gap = &v[s..e];
        match segs.get_mut(i - 1..i + 2) {
            Some([Seg::New(p), _, Seg::New(n)]) => {
                p.extend_from_slice(gap);
                let n = std::mem::take(n);
                p.extend_from_slice(&n);
                segs.drain(i..i + 2);
                continue;
            }
            Some([Seg::New(p), _, _]) => p.extend_from_slice(gap),
            Some([_, _, Seg::New(n)]) => {
                let mut t = gap.to_vec();
                t.append(n);
                *n = t;
            }
            _ => {}
        }
        i += 1;
    }
}

fn emit(v: &[u8], segs: &[Seg], phrase: bool, out: &mut Vec<u8>) {
    for seg in segs {
        match seg {
            Seg::Keep(s, e) | Seg::Blank(s, e) | Seg::Old(s, e) => {
                out.extend_from_slice(&v[*s..*e]);
            }
            Seg::Sep => out.push(b' '),
            Seg::New(text) => {
                let charset: &[u8] = if std::str::from_utf8(text).is_ok() {
                    b"utf-8"
                } else {
                    b"unknown-8bit"
                };
                new_words(text, charset, phrase, out);
            }
            Seg::Again(charset, bytes) => {
                // Splitting is safe only where every piece decodes alone.
                if charset.eq_ignore_ascii_case(b"utf-8") && std::str::from_utf8(bytes).is_ok() {
                    new_words(bytes, charset, false, out);
                } else {
                    word(charset, bytes, out);
                }
            }
        }
    }
}

fn word(charset: &[u8], bytes: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"=?");
    out.extend_from_slice(charset);
    out.extend_from_slice(b"?B?");
    out.extend_from_slice(base64::encode(bytes).as_bytes());
    out.extend_from_slice(b"?=");
}

/// `text` as B words of at most [`WORD_MAX`] characters, separated by a
/// space (dropped by readers). The first word is shorter if the line
/// already holds text. UTF-8 is never split inside a character (RFC 2047
/// 5, rule 3).
fn new_words(text: &[u8], charset: &[u8], phrase: bool, out: &mut Vec<u8>) {
    let full = (WORD_MAX.saturating_sub(WORD_OVERHEAD + charset.len()) / 4 * 3).max(9);
    let col = out.len() - out.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let first = (super::fold::SOFT.saturating_sub(col + WORD_OVERHEAD + charset.len()) / 4 * 3)
        .max(9)
        .min(full);
    let utf8 = charset.eq_ignore_ascii_case(b"utf-8");
    let mut rest = text;
    let mut room = first;
    while !rest.is_empty() {
        let mut take = room.min(rest.len());
        if take < rest.len() {
            if utf8 {
                while take > 0 && (rest[take] & 0xC0) == 0x80 {
                    take -= 1;
                }
            }
            if phrase {
                if let Some(b) = rest[..take]
                    .iter()
                    .rposition(|&b| blank(b))
                    .filter(|&b| b > 0)
                {
                    take = b + 1;
                }
            }
            if take == 0 {
                take = rest.len().min(4);
            }
        }
        if rest.len() != text.len() {
            out.push(b' ');
        }
        word(charset, &rest[..take], out);
        rest = &rest[take..];
        room = full;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(v: &[u8]) -> (String, u64) {
        let mut out = Vec::new();
        let r = rewrite(v, false, &mut out);
        (String::from_utf8(out).unwrap(), r.malformed)
    }

    fn decoded(s: &str) -> String {
        crate::mime::decode_header_text(s.as_bytes()).0
    }

    #[test]
    fn existing_words_are_kept() {
        let (out, m) = rw("Grüße =?UTF-8?B?w6nDqW4=?= more".as_bytes());
        assert_eq!(m, 0);
        assert!(out.contains(" =?UTF-8?B?w6nDqW4=?= more"), "{out}");
        assert_eq!(decoded(&out), "Grüße één more");
    }

    #[test]
    fn ascii_words_stay_and_blanks_next_to_words_are_carried() {
        let (out, _) = rw("=?utf-8?q?a?= Köln =?utf-8?q?b?= plain".as_bytes());
        assert!(out.ends_with(" plain"), "{out}");
        assert!(out.starts_with("=?utf-8?q?a?= "), "{out}");
        assert_eq!(decoded(&out), "a Köln b plain");
    }

    #[test]
    fn malformed_word_is_written_again() {
        let (out, m) = rw(b"=?iso-8859-1?Q?K\xf6ln_x?= y");
        assert_eq!(m, 1);
        assert_eq!(out, "=?iso-8859-1?B?S/ZsbiB4?= y");
        let (out, m) = rw("=?utf-8?q?Jörg Müller?= x".as_bytes());
        assert_eq!(m, 1);
        assert_eq!(decoded(&out), "Jörg Müller x");
    }

    #[test]
    fn glued_text_becomes_words_too() {
        let (out, _) = rw("foo=?utf-8?q?x?=bär".as_bytes());
        assert!(out.is_ascii());
        assert_eq!(decoded(&out), "fooxbär");
    }

    #[test]
    fn utf8_words_in_quoted_strings_are_inlined() {
        let v = b"=?utf-8?q?Zo=C3=AB?= =?UTF-8*en?B?w6k=?=, z =?iso-8859-1?q?K=F6ln?=";
        assert_eq!(
            inline_utf8_words(v),
            "Zoëé, z =?iso-8859-1?q?K=F6ln?=".as_bytes()
        );
    }

    #[test]
    fn floods_stay_linear() {
        let mut v = "ü".as_bytes().to_vec();
        for _ in 0..30_000 {
            v.extend_from_slice(b"=?a?q?");
        }
        v.extend_from_slice(b"?=");
        let (out, _) = rw(&v);
        assert!(out.is_ascii());
    }
}
