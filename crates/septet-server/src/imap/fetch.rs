//! FETCH items (RFC 3501 6.4.5): parsing the item list, and serving
//! `BODY[section]<partial>` from the byte ranges of septet's parse.

use septet::mime::{Kind, Message, Part};

use super::parse::{Bad, Cursor};

/// What part of a message a section names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SectionText {
    /// The part itself (`BODY[]`, `BODY[1.2]`).
    Whole,
    /// `HEADER`.
    Header,
    /// `HEADER.FIELDS (..)` or, with `true`, `HEADER.FIELDS.NOT (..)`.
    Fields(Vec<String>, bool),
    /// `TEXT`.
    Text,
    /// `MIME`: the part's own header.
    Mime,
}

/// A `BODY[...]` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The part numbers (`1.2` → `[1, 2]`).
    pub part: Vec<u32>,
    /// What of the part.
    pub text: SectionText,
    /// The spec as the client wrote it, echoed in the response.
    pub spec: String,
    /// `<origin.count>`.
    pub partial: Option<(u32, u32)>,
    /// BODY.PEEK: do not set `\Seen`.
    pub peek: bool,
}

/// One FETCH item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `FLAGS`.
    Flags,
    /// `UID`.
    Uid,
    /// `RFC822.SIZE`.
    Size,
    /// `INTERNALDATE`.
    InternalDate,
    /// `ENVELOPE`.
    Envelope,
    /// `BODYSTRUCTURE`.
    BodyStructure,
    /// `BODY` (no section).
    Body,
    /// `BODY[...]` / `BODY.PEEK[...]`.
    Section(Section),
    /// `RFC822` (sets `\Seen`).
    Rfc822,
    /// `RFC822.HEADER`.
    Rfc822Header,
    /// `RFC822.TEXT` (sets `\Seen`).
    Rfc822Text,
}

impl Item {
    /// Whether the item needs the message's contents (not only its metadata).
    pub fn needs_data(&self) -> bool {
        matches!(
            self,
            Item::Section(_) | Item::Rfc822 | Item::Rfc822Header | Item::Rfc822Text
        )
    }

    /// Whether fetching it sets `\Seen`.
    pub fn sets_seen(&self) -> bool {
        matches!(self, Item::Rfc822 | Item::Rfc822Text)
            || matches!(self, Item::Section(s) if !s.peek)
    }
}

/// Parses the items after the sequence set: one item, a macro, or a
/// parenthesized list.
pub fn parse_items(c: &mut Cursor<'_>) -> Result<Vec<Item>, Bad> {
    if c.eat_word("ALL") {
        return Ok(vec![
            Item::Flags,
            Item::InternalDate,
            Item::Size,
            Item::Envelope,
        ]);
    }
    if c.eat_word("FAST") {
        return Ok(vec![Item::Flags, Item::InternalDate, Item::Size]);
    }
    if c.eat_word("FULL") {
        return Ok(vec![
            Item::Flags,
            Item::InternalDate,
            Item::Size,
            Item::Envelope,
            Item::Body,
        ]);
    }
    if !c.eat(b'(') {
        return Ok(vec![parse_item(c)?]);
    }
    let mut items = Vec::new();
    while !c.eat(b')') {
        if !items.is_empty() {
            c.sp()?;
        }
        items.push(parse_item(c)?);
    }
    if items.is_empty() {
        return Err(c.bad("fetch item"));
    }
    Ok(items)
}

fn parse_item(c: &mut Cursor<'_>) -> Result<Item, Bad> {
    // Longest names first: the prefixes overlap.
    for (word, item) in [
        ("RFC822.SIZE", Item::Size),
        ("RFC822.HEADER", Item::Rfc822Header),
        ("RFC822.TEXT", Item::Rfc822Text),
        ("RFC822", Item::Rfc822),
        ("FLAGS", Item::Flags),
        ("UID", Item::Uid),
        ("INTERNALDATE", Item::InternalDate),
        ("ENVELOPE", Item::Envelope),
        ("BODYSTRUCTURE", Item::BodyStructure),
    ] {
        if c.eat_word(word) {
            return Ok(item);
        }
    }
    if c.eat_word("BODY.PEEK[") {
        return section(c, true);
    }
    if c.eat_word("BODY[") {
        return section(c, false);
    }
    if c.eat_word("BODY") {
        return Ok(Item::Body);
    }
    Err(c.bad("fetch item"))
}

fn section(c: &mut Cursor<'_>, peek: bool) -> Result<Item, Bad> {
    let mut part = Vec::new();
    let mut spec = String::new();
    while c.peek().is_some_and(|b| b.is_ascii_digit()) {
        let n = c.number()?;
        if n == 0 {
            return Err(c.bad("part number"));
        }
        part.push(n);
        spec.push_str(&n.to_string());
        if c.eat(b'.') {
            spec.push('.');
        } else {
            break;
        }
    }
    let text = if c.eat_word("HEADER.FIELDS.NOT") {
        spec.push_str("HEADER.FIELDS.NOT");
        SectionText::Fields(field_names(c, &mut spec)?, true)
    } else if c.eat_word("HEADER.FIELDS") {
        spec.push_str("HEADER.FIELDS");
        SectionText::Fields(field_names(c, &mut spec)?, false)
    } else if c.eat_word("HEADER") {
        spec.push_str("HEADER");
        SectionText::Header
    } else if c.eat_word("TEXT") {
        spec.push_str("TEXT");
        SectionText::Text
    } else if c.eat_word("MIME") && !part.is_empty() {
        spec.push_str("MIME");
        SectionText::Mime
    } else if spec.ends_with('.') {
        return Err(c.bad("section text"));
    } else {
        SectionText::Whole
    };
    if !c.eat(b']') {
        return Err(c.bad("]"));
    }
    let partial = if c.eat(b'<') {
        let origin = c.number()?;
        if !c.eat(b'.') {
            return Err(c.bad("."));
        }
        let count = c.number()?;
        if !c.eat(b'>') {
            return Err(c.bad(">"));
        }
        Some((origin, count))
    } else {
        None
    };
    Ok(Item::Section(Section {
        part,
        text,
        spec,
        partial,
        peek,
    }))
}

fn field_names(c: &mut Cursor<'_>, spec: &mut String) -> Result<Vec<String>, Bad> {
    c.sp()?;
    if !c.eat(b'(') {
        return Err(c.bad("("));
    }
    let mut names = Vec::new();
    while !c.eat(b')') {
        if !names.is_empty() {
            c.sp()?;
        }
        names.push(c.astring_text()?);
    }
    spec.push_str(&format!(" ({})", names.join(" ")));
    Ok(names)
}

/// The bytes a section names in `data` (the message in CRLF form), or
/// empty when the part does not exist (RFC 3501 returns an empty string).
pub fn section_bytes(data: &[u8], s: &Section) -> Vec<u8> {
    let Ok(msg) = Message::parse(data) else {
        return match (&s.text, s.part.is_empty()) {
            (SectionText::Whole, true) => data.to_vec(),
            _ => Vec::new(),
        };
    };
    let root = msg.root();
    let part = if s.part.is_empty() {
        Some(root)
    } else {
        find_part(&root, &s.part)
    };
    let Some(part) = part else { return Vec::new() };
    // HEADER/TEXT/fields of a part address its message/rfc822 content.
    let message = if s.part.is_empty() {
        Some(part)
    } else if part.kind() == Kind::Message {
        part.children().next()
    } else {
        None
    };
    match &s.text {
        SectionText::Whole if s.part.is_empty() => data.to_vec(),
        SectionText::Whole => part.body_raw().to_vec(),
        SectionText::Mime => head_with_blank(data, &part).to_vec(),
        SectionText::Header => message
            .map(|m| head_with_blank(data, &m).to_vec())
            .unwrap_or_default(),
        SectionText::Text => message.map(|m| m.body_raw().to_vec()).unwrap_or_default(),
        SectionText::Fields(names, not) => message
            .map(|m| {
                let mut out = Vec::new();
                for h in m.headers() {
                    let wanted = names.iter().any(|n| h.is(n));
                    if wanted != *not {
                        out.extend_from_slice(&data[h.range()]);
                    }
                }
                out.extend_from_slice(b"\r\n");
                out
            })
            .unwrap_or_default(),
    }
}

/// The header block and its blank line.
fn head_with_blank<'a>(data: &'a [u8], part: &Part<'_, '_>) -> &'a [u8] {
    let r = part.range();
    let b = part.body_range();
    let end = if b.start > r.start {
        b.start
    } else {
        part.header_range().end
    };
    &data[r.start..end.min(data.len())]
}

/// The part a section number names (RFC 3501 6.4.5): a single-part
/// message's body is part 1; the parts of a message/rfc822 part's content
/// are numbered under it.
fn find_part<'m, 'a>(root: &Part<'m, 'a>, path: &[u32]) -> Option<Part<'m, 'a>> {
    let mut cur = *root;
    for &n in path {
        // Inside a message/rfc822 part, numbering continues in its content.
        if cur.kind() == Kind::Message {
            cur = cur.children().next()?;
        }
        if cur.kind() == Kind::Multipart && !cur.is_leaf() {
            cur = cur.children().nth(n as usize - 1)?;
        } else if n == 1 {
            // A non-multipart's only part is itself.
        } else {
            return None;
        }
    }
    Some(cur)
}

/// Applies `<origin.count>`.
pub fn partial(bytes: &[u8], p: Option<(u32, u32)>) -> &[u8] {
    match p {
        None => bytes,
        Some((origin, count)) => {
            let start = (origin as usize).min(bytes.len());
            let end = start.saturating_add(count as usize).min(bytes.len());
            &bytes[start..end]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(spec: &str) -> Section {
        let text = format!("BODY[{spec}]");
        let mut c = Cursor::new(text.as_bytes());
        match parse_items(&mut c).unwrap().remove(0) {
            Item::Section(s) => s,
            other => panic!("{other:?}"),
        }
    }

    const MSG: &[u8] = b"Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhello\r\n--b\r\n\
Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--b--\r\n";

    #[test]
    fn items_and_macros() {
        let mut c =
            Cursor::new(b"(FLAGS UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (From To)]<0.10> BODY)");
        let items = parse_items(&mut c).unwrap();
        assert!(c.at_end());
        assert_eq!(items.len(), 5);
        let Item::Section(s) = &items[3] else {
            panic!()
        };
        assert!(s.peek);
        assert_eq!(s.spec, "HEADER.FIELDS (From To)");
        assert_eq!(s.partial, Some((0, 10)));
        assert_eq!(parse_items(&mut Cursor::new(b"ALL")).unwrap().len(), 4);
        assert!(parse_items(&mut Cursor::new(b"(BOGUS)")).is_err());
    }

    #[test]
    fn sections_from_ranges() {
        assert_eq!(section_bytes(MSG, &sec("1")), b"hello");
        assert_eq!(
            section_bytes(MSG, &sec("2")),
            b"Subject: inner\r\n\r\ninner body"
        );
        assert_eq!(
            section_bytes(MSG, &sec("2.HEADER")),
            b"Subject: inner\r\n\r\n"
        );
        assert_eq!(section_bytes(MSG, &sec("2.TEXT")), b"inner body");
        assert_eq!(
            section_bytes(MSG, &sec("2.MIME")),
            b"Content-Type: message/rfc822\r\n\r\n"
        );
        assert_eq!(
            section_bytes(MSG, &sec("HEADER.FIELDS (SUBJECT)")),
            b"Subject: s\r\n\r\n"
        );
        assert!(section_bytes(MSG, &sec("3")).is_empty());
        assert_eq!(section_bytes(MSG, &sec("")), MSG);
        assert_eq!(partial(b"abcdef", Some((2, 3))), b"cde");
        assert_eq!(partial(b"abc", Some((5, 3))), b"");
    }
}
