//! What the tokenizer remembers of a header block, and the one decision of
//! how a part's body is structured.

use std::borrow::Cow;

use super::super::head::{self, Cte, FieldRole, HeadInfo, MediaTypeSpans};
use super::super::{rfc2231, Flags, Kind, Limits};
use super::delimiter::MAX_BOUNDARY;

/// The structural meaning of a Content-Type value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TypeClass {
    /// multipart/*, with its boundary if one is usable.
    Multipart {
        boundary: Option<Box<[u8]>>,
        digest: bool,
    },
    /// message/rfc822 or message/global.
    Message,
    /// Anything else (a leaf).
    Other,
}

/// Classifies a raw Content-Type value whose first byte is at absolute
/// offset `at`; `None` if it does not parse.
pub(crate) fn classify(value: &[u8], at: u64) -> Option<(TypeClass, MediaTypeSpans)> {
    let (mut spans, t) = head::media_type(value, at)?;
    if t.main.eq_ignore_ascii_case(b"multipart") {
        let boundary = rfc2231::lookup(t.params, b"boundary").and_then(|j| {
            // Python and RFC 2046 agree: a boundary cannot end in a blank.
            let b = j.bytes.trim_ascii_end();
            if b.is_empty() || b.len() > MAX_BOUNDARY || b.contains(&b'\n') || b.contains(&b'\r') {
                return None;
            }
            if let Cow::Borrowed(raw) = &j.bytes {
                // Written in one piece: publish where.
                let b = &raw[..b.len()];
                spans.boundary = head::offset_in(value, b).map(|_| head::span_in(value, b, at));
            }
            Some(b.into())
        });
        let class = TypeClass::Multipart {
            boundary,
            digest: t.sub.eq_ignore_ascii_case(b"digest"),
        };
        return Some((class, spans));
    }
    if t.main.eq_ignore_ascii_case(b"message")
        && (t.sub.eq_ignore_ascii_case(b"rfc822") || t.sub.eq_ignore_ascii_case(b"global"))
    {
        return Some((TypeClass::Message, spans));
    }
    Some((TypeClass::Other, spans))
}

/// The first Content-Type of a header block.
#[derive(Clone, Debug, Default)]
enum Ct {
    #[default]
    Absent,
    Invalid,
    Valid(TypeClass),
}

/// Facts gathered from the fields of the part being read.
#[derive(Clone, Debug, Default)]
pub(crate) struct PartAcc {
    /// Bytes of header block so far.
    pub header_bytes: u64,
    /// Fields so far.
    pub fields: usize,
    /// Defects found in the header block.
    pub flags: Flags,
    /// The parent is a multipart/digest (default type message/rfc822).
    pub in_digest: bool,
    ct: Ct,
    media: Option<MediaTypeSpans>,
    cte: Option<Cte>,
}

impl PartAcc {
    pub(crate) fn new(in_digest: bool) -> Self {
        PartAcc {
            in_digest,
            ..PartAcc::default()
        }
    }

    /// Records a complete field whose value starts at absolute offset
    /// `value_at`, and says what it is to the structure. The first
    /// Content-Type and the first Content-Transfer-Encoding count (as in
    /// Python and mailparse); later ones are flagged.
    pub(crate) fn field(
        &mut self,
        name: &[u8],
        value: &[u8],
        value_at: u64,
        len: u64,
    ) -> FieldRole {
        self.fields += 1;
        self.header_bytes += len;
        if name_is(name, b"content-type") {
            if !matches!(self.ct, Ct::Absent) {
                self.flags.insert(Flags::DUPLICATE_CONTENT_TYPE);
                return FieldRole::Other;
            }
            let Some((class, spans)) = classify(value, value_at) else {
                self.flags.insert(Flags::INVALID_CONTENT_TYPE);
                self.ct = Ct::Invalid;
                return FieldRole::ContentType(None);
            };
            self.ct = Ct::Valid(class);
            self.media = Some(spans);
            return FieldRole::ContentType(Some(spans));
        }
        if name_is(name, b"content-transfer-encoding") {
            if self.cte.is_some() {
                self.flags.insert(Flags::DUPLICATE_TRANSFER_ENCODING);
                return FieldRole::Other;
            }
            let cte = Cte::parse(value, value_at);
            self.cte = Some(cte);
            return FieldRole::TransferEncoding(cte);
        }
        FieldRole::Other
    }
}

/// How the body of a part is structured.
/// `name` (a field name: bytes 33..=126 only) is `lower` (lowercase
/// letters and `-`) ignoring ASCII case. Setting bit 5 lowercases a letter
/// and leaves `-` alone; among name bytes only the letters map onto a
/// letter, and only `-` onto `-` (0x0d would, but is not a name byte). A
/// reduction, so the compiler vectorizes it: every part's every field name
/// is compared with these two.
fn name_is(name: &[u8], lower: &[u8]) -> bool {
    name.len() == lower.len()
        && name
            .iter()
            .zip(lower)
            .fold(0u8, |acc, (&a, &b)| acc | ((a | 0x20) ^ b))
            == 0
}

pub(crate) struct Decision {
    pub kind: Kind,
    pub flags: Flags,
    /// What the header block said, as the tokenizer read it.
    pub head: HeadInfo,
    /// For a multipart: its boundary and whether it is a digest.
    pub boundary: Option<(Box<[u8]>, bool)>,
}

/// Decides the structure of a part whose header block just ended.
///
/// `depth` is the number of containers around the part; `parts_full` says
/// whether the part-count limit leaves no room for a nested message.
pub(crate) fn decide(acc: PartAcc, depth: usize, parts_full: bool, limits: &Limits) -> Decision {
    let mut flags = acc.flags;
    let class = match acc.ct {
        Ct::Valid(c) => c,
        // RFC 2045 5.2: an invalid type means the default type.
        Ct::Absent | Ct::Invalid if acc.in_digest => TypeClass::Message,
        Ct::Absent | Ct::Invalid => TypeClass::Other,
    };
    let cte = acc.cte.unwrap_or_default();
    if let Cte::Other(_) = cte {
        flags.insert(Flags::UNKNOWN_TRANSFER_ENCODING);
    }
    let head = HeadInfo {
        content_type: acc.media,
        transfer_encoding: cte,
    };
    let leaf = |flags| Decision {
        kind: Kind::Leaf,
        flags,
        head,
        boundary: None,
    };
    match class {
        TypeClass::Other => leaf(flags),
        TypeClass::Multipart { boundary, digest } => {
            let Some(boundary) = boundary else {
                return leaf(flags | Flags::MISSING_BOUNDARY);
            };
            if depth >= limits.max_depth {
                return leaf(flags | Flags::DEPTH_LIMIT);
            }
            // A multipart's delimiters are plain text whatever its CTE
            // claims (RFC 2045 6.4 forbids other encodings): parse it, flag it.
            if !cte.is_identity() {
                flags.insert(Flags::ENCODED_COMPOSITE);
            }
            Decision {
                kind: Kind::Multipart,
                flags,
                head,
                boundary: Some((boundary, digest)),
            }
        }
        TypeClass::Message => {
            if !cte.is_identity() {
                return leaf(flags | Flags::ENCODED_COMPOSITE);
            }
            if depth >= limits.max_depth {
                return leaf(flags | Flags::DEPTH_LIMIT);
            }
            if parts_full {
                return leaf(flags | Flags::PART_LIMIT);
            }
            Decision {
                kind: Kind::Message,
                flags,
                head,
                boundary: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::Span;

    #[test]
    fn name_is_agrees_with_eq_ignore_ascii_case() {
        for want in [&b"content-type"[..], b"content-transfer-encoding"] {
            for b in 33u8..=126 {
                for i in 0..want.len() {
                    let mut name = want.to_vec();
                    name[i] = b;
                    assert_eq!(name_is(&name, want), name.eq_ignore_ascii_case(want));
                }
            }
            assert!(!name_is(&want[1..], want));
        }
        assert!(name_is(b"CONTENT-Type", b"content-type"));
    }

    #[test]
    fn boundaries() {
        let b = |v: &[u8]| match classify(v, 0) {
            Some((TypeClass::Multipart { boundary, .. }, _)) => boundary.map(|b| b.to_vec()),
            _ => panic!("not multipart"),
        };
        assert_eq!(b(b"multipart/mixed; boundary=\"x  \""), Some(b"x".to_vec()));
        assert_eq!(b(b"multipart/mixed; boundary=\"\""), None);
        assert_eq!(b(b"multipart/mixed"), None);
        assert_eq!(
            b(b"multipart/mixed; boundary*0=a; boundary*1=b"),
            Some(b"ab".to_vec())
        );
        assert_eq!(b(b"multipart/mixed; boundary=---"), Some(b"---".to_vec()));
        let class = |v: &[u8]| classify(v, 0).map(|(c, _)| c);
        assert_eq!(class(b"message/global"), Some(TypeClass::Message));
        assert_eq!(class(b"message/partial"), Some(TypeClass::Other));
        assert_eq!(class(b"nonsense"), None);
    }

    #[test]
    fn boundary_spans() {
        let at = |v: &[u8]| classify(v, 10).and_then(|(_, m)| m.boundary);
        // `multipart/mixed; boundary=` is 26 bytes.
        assert_eq!(
            at(b"multipart/mixed; boundary=abc"),
            Some(Span::new(36, 39))
        );
        assert_eq!(
            at(b"multipart/mixed; boundary=\"x  \""),
            Some(Span::new(37, 38))
        );
        assert_eq!(at(b"multipart/mixed; boundary*0=a; boundary*1=b"), None);
        assert_eq!(at(b"multipart/mixed; boundary=\"a\\b\""), None);
        assert_eq!(at(b"text/plain; boundary=abc"), None);
    }
}
