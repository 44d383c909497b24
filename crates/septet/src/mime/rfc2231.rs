//! RFC 2231 parameter values: continuations (`name*0`, `name*1*`...),
//! percent-encoding and `charset'language'` prefixes.
//!
//! Sections are joined as bytes first and converted from the charset once,
//! so a multibyte character split across sections decodes. Sections may come
//! in any order; a repeated section number keeps its first value. When both
//! `name` and an RFC 2231 form are present, the RFC 2231 form wins (it is the
//! one that carries the charset).

use std::borrow::Cow;
use std::collections::HashMap;

use encoding_rs::Encoding;

use super::params::RawParam;
use super::{charset, rfc2047, Flags};

/// A parameter value with its continuations joined, before charset decoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Joined<'a> {
    /// The bytes (percent-decoded where the sections were extended).
    pub bytes: Cow<'a, [u8]>,
    /// The charset from `charset'language'`, if any.
    pub charset: Option<Vec<u8>>,
    /// True when an RFC 2231 form was used.
    pub rfc2231: bool,
}

impl Joined<'_> {
    /// Decodes the value to text: with its RFC 2231 charset, else as RFC 2047
    /// encoded words (common in `name=` and `filename=`, though not
    /// standard), else as UTF-8 with the legacy fallback.
    pub(crate) fn text(&self, legacy: &'static Encoding, flags: &mut Flags) -> String {
        match &self.charset {
            Some(label) => charset::decode(label, &self.bytes, legacy, flags),
            None if !self.rfc2231 && memchr::memmem::find(&self.bytes, b"=?").is_some() => {
                rfc2047::decode(&self.bytes, legacy, flags)
            }
            None => charset::decode_utf8_or_legacy(&self.bytes, legacy, flags),
        }
    }
}

/// One parameter's pieces, gathered while scanning the list once.
#[derive(Default)]
struct Group<'a> {
    plain: Option<Cow<'a, [u8]>>,
    sections: Vec<(u32, bool, Cow<'a, [u8]>)>,
}

impl<'a> Group<'a> {
    fn add(&mut self, p: RawParam<'a>) {
        match (p.section, p.extended) {
            (None, false) => {
                if self.plain.is_none() {
                    self.plain = Some(p.value);
                }
            }
            (None, true) => self.sections.push((0, true, p.value)),
            (Some(n), ext) => self.sections.push((n, ext, p.value)),
        }
    }

    fn join(mut self) -> Option<Joined<'a>> {
        if self.sections.is_empty() {
            return self.plain.map(|bytes| Joined {
                bytes,
                charset: None,
                rfc2231: false,
            });
        }
        // Stable: among equal numbers the first written stays first.
        self.sections.sort_by_key(|s| s.0);
        self.sections.dedup_by_key(|s| s.0);
        let mut charset = None;
        let mut out: Vec<u8> = Vec::new();
        for (i, (n, extended, value)) in self.sections.iter().enumerate() {
            let mut value: &[u8] = value;
            if !*extended {
                out.extend_from_slice(value);
                continue;
            }
            if i == 0 && *n == 0 {
                if let Some((cs, rest)) = split_charset(value) {
                    if !cs.is_empty() {
                        charset = Some(cs.to_vec());
                    }
                    value = rest;
                }
            }
            percent_decode_into(value, &mut out);
        }
        Some(Joined {
            bytes: Cow::Owned(out),
            charset,
            rfc2231: true,
        })
    }
}

/// Splits `charset'language'value` at the first two apostrophes; a third
/// apostrophe belongs to the value.
fn split_charset(v: &[u8]) -> Option<(&[u8], &[u8])> {
    let first = memchr::memchr(b'\'', v)?;
    let second = memchr::memchr(b'\'', &v[first + 1..])? + first + 1;
    Some((&v[..first], &v[second + 1..]))
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `%XX` to bytes; a `%` without two hex digits stays literal.
fn percent_decode_into(v: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'%' && i + 2 < v.len() {
            if let (Some(h), Some(l)) = (hex(v[i + 1]), hex(v[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(v[i]);
        i += 1;
    }
}

/// The value of parameter `name` (case-insensitive) in the list `text`.
pub(crate) fn lookup<'a>(text: &'a [u8], name: &[u8]) -> Option<Joined<'a>> {
    let mut group = Group::default();
    let mut seen = false;
    for p in super::params::params(text) {
        if p.name.eq_ignore_ascii_case(name) {
            seen = true;
            group.add(p);
        }
    }
    if seen {
        group.join()
    } else {
        None
    }
}

/// Every parameter in `text`, joined, in order of first appearance, names
/// lowercased. Linear in the number of parameters (one hash map pass).
pub(crate) fn all(text: &[u8]) -> Vec<(String, Joined<'_>)> {
    let mut order: Vec<(String, Group<'_>)> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    for p in super::params::params(text) {
        let key = p.name.to_ascii_lowercase();
        let slot = *index.entry(key).or_insert_with_key(|k| {
            order.push((String::from_utf8_lossy(k).into_owned(), Group::default()));
            order.len() - 1
        });
        order[slot].1.add(p);
    }
    order
        .into_iter()
        .filter_map(|(name, g)| g.join().map(|j| (name, j)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(list: &str, name: &str) -> (String, Flags) {
        let mut flags = Flags::empty();
        let s = lookup(list.as_bytes(), name.as_bytes())
            .unwrap()
            .text(charset::DEFAULT_LEGACY, &mut flags);
        (s, flags)
    }

    #[test]
    fn continuations_joined_before_charset() {
        // "é" (C3 A9) split across two sections.
        let list = "; title*1*=%A9t%C3%A9; title*0*=utf-8'fr'caf%C3; title=ignored";
        assert_eq!(text(list, "TITLE").0, "cafété");
    }

    #[test]
    fn plain_and_mixed_sections() {
        assert_eq!(text("; n*0=\"a b\"; n*1*=%41; n*2=c", "n").0, "a bAc");
        assert_eq!(text("; n*=''x%2", "n").0, "x%2");
        assert_eq!(text("; n*=utf-8''a'b", "n").0, "a'b");
        assert_eq!(text("; n*=iso-8859-1'en'%E9", "n").0, "é");
    }

    #[test]
    fn unknown_charset_flags() {
        let (s, f) = text("; n*=x-nope''%41", "n");
        assert_eq!(s, "A");
        assert!(f.contains(Flags::UNKNOWN_CHARSET));
    }

    #[test]
    fn encoded_words_in_plain_values() {
        assert_eq!(text("; name=\"=?utf-8?B?w6k=?=.txt\"", "name").0, "é.txt");
    }

    #[test]
    fn all_groups_once() {
        let v = all(b"; a=1; B*0=x; b*1=y; a=2; c*=utf-8''%C3%A9");
        let names: Vec<_> = v.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(&*v[1].1.bytes, b"xy");
    }
}
