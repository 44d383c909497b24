//! SEARCH keys (RFC 3501 6.4.4), the common ones: ALL, flags, sequence
//! and UID sets, FROM/TO/CC/SUBJECT/BODY/TEXT/HEADER substrings,
//! SINCE/BEFORE/ON, LARGER/SMALLER, NOT, OR and parenthesized lists.

use super::parse::{Bad, Cursor, SeqSet};

/// A parsed search key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    /// Every key must match.
    And(Vec<Key>),
    /// Either matches.
    Or(Box<Key>, Box<Key>),
    /// Does not match.
    Not(Box<Key>),
    /// Matches everything.
    All,
    /// Has the Maildir flag letter.
    Flag(char),
    /// Lacks the Maildir flag letter.
    NoFlag(char),
    /// `\Recent`.
    Recent,
    /// NEW: recent and unseen.
    New,
    /// A sequence set.
    Seq(SeqSet),
    /// `UID set`.
    Uid(SeqSet),
    /// A header field contains the text (case-insensitive).
    Header(String, String),
    /// The body contains the text.
    Body(String),
    /// Header or body contains the text.
    Text(String),
    /// Internal date (days since the epoch) is before, on, or since.
    Before(i64),
    /// Internal date on that day.
    On(i64),
    /// Internal date on or after that day.
    Since(i64),
    /// RFC822.SIZE larger than.
    Larger(u64),
    /// RFC822.SIZE smaller than.
    Smaller(u64),
}

impl Key {
    /// Whether evaluating needs the message contents.
    pub fn needs_data(&self) -> bool {
        match self {
            Key::And(v) => v.iter().any(Key::needs_data),
            Key::Or(a, b) => a.needs_data() || b.needs_data(),
            Key::Not(k) => k.needs_data(),
            Key::Header(..) | Key::Body(_) | Key::Text(_) | Key::Larger(_) | Key::Smaller(_) => {
                true
            }
            _ => false,
        }
    }
}

/// Parses the keys up to the end (an implicit AND).
pub fn parse(c: &mut Cursor<'_>) -> Result<Key, Bad> {
    if c.eat_word("CHARSET ") {
        let cs = c.astring_text()?;
        if !cs.eq_ignore_ascii_case("UTF-8") && !cs.eq_ignore_ascii_case("US-ASCII") {
            return Err(c.bad("[BADCHARSET (UTF-8 US-ASCII)]"));
        }
        c.sp()?;
    }
    let mut keys = vec![key(c)?];
    while c.eat(b' ') {
        keys.push(key(c)?);
    }
    c.end()?;
    Ok(Key::And(keys))
}

fn key(c: &mut Cursor<'_>) -> Result<Key, Bad> {
    if c.eat(b'(') {
        let mut keys = vec![key(c)?];
        while c.eat(b' ') {
            keys.push(key(c)?);
        }
        return if c.eat(b')') {
            Ok(Key::And(keys))
        } else {
            Err(c.bad(")"))
        };
    }
    if c.peek().is_some_and(|b| b.is_ascii_digit() || b == b'*') {
        return Ok(Key::Seq(c.sequence_set()?));
    }
    let word = c.atom()?.to_ascii_uppercase();
    let flag = |l| Ok(Key::Flag(l));
    let noflag = |l| Ok(Key::NoFlag(l));
    match word.as_str() {
        "ALL" => Ok(Key::All),
        "ANSWERED" => flag('R'),
        "DELETED" => flag('T'),
        "DRAFT" => flag('D'),
        "FLAGGED" => flag('F'),
        "SEEN" => flag('S'),
        "UNANSWERED" => noflag('R'),
        "UNDELETED" => noflag('T'),
        "UNDRAFT" => noflag('D'),
        "UNFLAGGED" => noflag('F'),
        "UNSEEN" => noflag('S'),
        "RECENT" => Ok(Key::Recent),
        "NEW" => Ok(Key::New),
        "OLD" => Ok(Key::Not(Box::new(Key::Recent))),
        "NOT" => {
            c.sp()?;
            Ok(Key::Not(Box::new(key(c)?)))
        }
        "OR" => {
            c.sp()?;
            let a = key(c)?;
            c.sp()?;
            Ok(Key::Or(Box::new(a), Box::new(key(c)?)))
        }
        "UID" => {
            c.sp()?;
            Ok(Key::Uid(c.sequence_set()?))
        }
        "FROM" | "TO" | "CC" | "BCC" | "SUBJECT" => {
            c.sp()?;
            Ok(Key::Header(
                word.to_ascii_lowercase(),
                c.astring_text()?.to_lowercase(),
            ))
        }
        "HEADER" => {
            c.sp()?;
            let name = c.astring_text()?.to_ascii_lowercase();
            c.sp()?;
            Ok(Key::Header(name, c.astring_text()?.to_lowercase()))
        }
        "BODY" => {
            c.sp()?;
            Ok(Key::Body(c.astring_text()?.to_lowercase()))
        }
        "TEXT" => {
            c.sp()?;
            Ok(Key::Text(c.astring_text()?.to_lowercase()))
        }
        "BEFORE" | "ON" | "SINCE" | "SENTBEFORE" | "SENTON" | "SENTSINCE" => {
            c.sp()?;
            let at = c.bad("date (d-Mon-yyyy)");
            let text = c.astring_text()?;
            let day = parse_date(&text).ok_or(at)?;
            Ok(match word.trim_start_matches("SENT") {
                "BEFORE" => Key::Before(day),
                "ON" => Key::On(day),
                _ => Key::Since(day),
            })
        }
        "LARGER" | "SMALLER" => {
            c.sp()?;
            let n = u64::from(c.number()?);
            Ok(if word == "LARGER" {
                Key::Larger(n)
            } else {
                Key::Smaller(n)
            })
        }
        // Keywords are not stored: no message has one.
        "KEYWORD" => {
            c.sp()?;
            c.atom()?;
            Ok(Key::Not(Box::new(Key::All)))
        }
        "UNKEYWORD" => {
            c.sp()?;
            c.atom()?;
            Ok(Key::All)
        }
        _ => Err(c.bad("search key")),
    }
}

/// `d-Mon-yyyy` as days since 1970-01-01.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.split('-');
    let d: i64 = it.next()?.parse().ok()?;
    let mon = it.next()?;
    let y: i64 = it.next()?.parse().ok()?;
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let m = months.iter().position(|m| m.eq_ignore_ascii_case(mon))? as i64 + 1;
    if !(1..=31).contains(&d) || it.next().is_some() {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Howard Hinnant's days-from-civil.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// What a key is evaluated against.
pub struct Candidate<'a> {
    /// Sequence number.
    pub seq: u32,
    /// UID.
    pub uid: u32,
    /// The largest sequence number and UID (for `*`).
    pub max_seq: u32,
    /// The largest UID.
    pub max_uid: u32,
    /// Maildir flag letters.
    pub flags: &'a str,
    /// `\Recent`.
    pub recent: bool,
    /// Internal date, Unix seconds.
    pub date: u64,
    /// The message in CRLF form, when the key needs it.
    pub data: Option<&'a [u8]>,
}

fn contains_ci(hay: &[u8], needle: &str) -> bool {
    let hay = String::from_utf8_lossy(hay).to_lowercase();
    hay.contains(needle)
}

/// Whether `c` matches `key`.
pub fn matches(key: &Key, c: &Candidate<'_>) -> bool {
    let day = (c.date / 86_400) as i64;
    let data = c.data.unwrap_or(&[]);
    let split = memchr::memmem::find(data, b"\r\n\r\n").map_or(data.len(), |i| i + 4);
    match key {
        Key::And(v) => v.iter().all(|k| matches(k, c)),
        Key::Or(a, b) => matches(a, c) || matches(b, c),
        Key::Not(k) => !matches(k, c),
        Key::All => true,
        Key::Flag(l) => c.flags.contains(*l),
        Key::NoFlag(l) => !c.flags.contains(*l),
        Key::Recent => c.recent,
        Key::New => c.recent && !c.flags.contains('S'),
        Key::Seq(s) => s.contains(c.seq, c.max_seq),
        Key::Uid(s) => s.contains(c.uid, c.max_uid),
        Key::Header(name, text) => septet::mime::Message::parse(data).is_ok_and(|m| {
            m.root().headers_named(name).any(|h| {
                contains_ci(&h.unfolded(), text)
                    || h.decoded().to_lowercase().contains(text.as_str())
            })
        }),
        Key::Body(text) => contains_ci(&data[split..], text),
        Key::Text(text) => contains_ci(data, text),
        Key::Before(d) => day < *d,
        Key::On(d) => day == *d,
        Key::Since(d) => day >= *d,
        Key::Larger(n) => data.len() as u64 > *n,
        Key::Smaller(n) => (data.len() as u64) < *n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_match() {
        let k = parse(&mut Cursor::new(
            b"UNSEEN FROM \"alice\" SINCE 1-Jan-2020 NOT DELETED",
        ))
        .unwrap();
        assert!(k.needs_data());
        let data = b"From: Alice <a@x>\r\n\r\nbody";
        let mut c = Candidate {
            seq: 1,
            uid: 5,
            max_seq: 1,
            max_uid: 5,
            flags: "F",
            recent: false,
            date: 1_700_000_000,
            data: Some(data),
        };
        assert!(matches(&k, &c));
        c.flags = "S";
        assert!(!matches(&k, &c));
        let k = parse(&mut Cursor::new(b"OR UID 1:4 (BODY body SEEN)")).unwrap();
        assert!(matches(&k, &c));
        assert_eq!(parse_date("1-Jan-1970"), Some(0));
        assert!(parse(&mut Cursor::new(b"BOGUS")).is_err());
    }
}
