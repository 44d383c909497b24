//! Deciding whether bytes are mail at all, before anything is converted:
//! an mbox, a single message, or something else (a compressed archive, a
//! binary file, plain text), so a wrong input is refused with a reason
//! instead of being wrapped into an archive as a "message".

use std::fmt;

use super::lines::skip_blank_lines;

/// How much of a header block is scanned for NUL bytes: the parser's own
/// header-block limit, so a plausible block is never cut short.
const HEADER_SCAN: usize = 64 * 1024;

/// What the start of a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// Nothing but blank lines (or nothing at all): an empty mbox.
    Empty,
    /// An mbox: the first line that is not blank starts with `From `.
    Mbox,
    /// A single message: it starts with a header field line.
    Message,
    /// Not mail, and why.
    NotMail(NotMailReason),
}

/// Why bytes are not mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotMailReason {
    /// A compressed file (by its magic bytes); decompress it first.
    Compressed(Compression),
    /// A NUL byte in what would be the header block: binary data.
    Binary {
        /// Offset of the first NUL byte.
        offset: u64,
    },
    /// The first line is neither a header field (`Name: value`, the name
    /// made of RFC 5322 field-name characters) nor an mbox `From ` line.
    NoHeader {
        /// Offset of the first line that is not blank.
        offset: u64,
    },
}

/// A compression format recognised by its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// gzip (`1f 8b`).
    Gzip,
    /// bzip2 (`BZh`).
    Bzip2,
    /// xz (`fd 37 7a 58 5a 00`).
    Xz,
    /// Zstandard (`28 b5 2f fd`).
    Zstd,
    /// A zip archive (`PK 03 04`).
    Zip,
}

impl Compression {
    /// The format's name and the usual command that undoes it.
    fn name_and_tool(self) -> (&'static str, &'static str) {
        match self {
            Compression::Gzip => ("gzip", "gunzip"),
            Compression::Bzip2 => ("bzip2", "bunzip2"),
            Compression::Xz => ("xz", "unxz"),
            Compression::Zstd => ("zstd", "unzstd"),
            Compression::Zip => ("zip", "unzip"),
        }
    }

    fn of(data: &[u8]) -> Option<Compression> {
        const MAGIC: [(&[u8], Compression); 5] = [
            (b"\x1f\x8b", Compression::Gzip),
            (b"BZh", Compression::Bzip2),
            (b"\xfd7zXZ\x00", Compression::Xz),
            (b"\x28\xb5\x2f\xfd", Compression::Zstd),
            (b"PK\x03\x04", Compression::Zip),
        ];
        MAGIC
            .iter()
            .find(|(magic, _)| data.starts_with(magic))
            .map(|&(_, c)| c)
    }
}

impl fmt::Display for NotMailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotMailReason::Compressed(c) => {
                let (name, tool) = c.name_and_tool();
                write!(f, "{name}-compressed: decompress it first (`{tool}`)")
            }
            NotMailReason::Binary { offset } => {
                write!(f, "binary data (a NUL byte at offset {offset})")
            }
            NotMailReason::NoHeader { offset } => write!(
                f,
                "no header block: the line at byte {offset} is neither a header field \
                 (`Name: value`) nor an mbox `From ` line"
            ),
        }
    }
}

/// Classifies `data`, the start of a file (or all of it): an mbox when the
/// first line that is not blank starts with `From ` (the rule the mbox
/// reader splits by); a message when the very first line is a header field
/// (the parser reads a leading blank line as "no header block", which no
/// real message file has) and its header block holds no NUL byte; else
/// not mail. Compressed files are named by their magic bytes.
pub fn sniff(data: &[u8]) -> Sniffed {
    if let Some(c) = Compression::of(data) {
        return Sniffed::NotMail(NotMailReason::Compressed(c));
    }
    let first = skip_blank_lines(data, 0);
    if first >= data.len() {
        return Sniffed::Empty;
    }
    if data[first..].starts_with(b"From ") {
        return Sniffed::Mbox;
    }
    let block = if first == 0 && is_field_line(data) {
        &data[..header_block_end(data)]
    } else {
        // Say "binary" rather than "no header" when it plainly is.
        let head = &data[..data.len().min(HEADER_SCAN)];
        return Sniffed::NotMail(match memchr::memchr(0, head) {
            Some(nul) => NotMailReason::Binary { offset: nul as u64 },
            None => NotMailReason::NoHeader {
                offset: first as u64,
            },
        });
    };
    match memchr::memchr(0, block) {
        Some(nul) => Sniffed::NotMail(NotMailReason::Binary { offset: nul as u64 }),
        None => Sniffed::Message,
    }
}

/// Whether `data` starts with `name:` where `name` is one or more RFC 5322
/// field-name characters (printable ASCII but `:`), optionally followed by
/// blanks before the colon (obsolete syntax the parser accepts).
fn is_field_line(data: &[u8]) -> bool {
    let name = data
        .iter()
        .take_while(|&&b| (33..=126).contains(&b) && b != b':')
        .count();
    let blanks = data[name..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    name > 0 && data.get(name + blanks) == Some(&b':')
}

/// Where the header block starting at 0 ends: at its empty line, or at
/// [`HEADER_SCAN`] bytes (or the end) if none comes first.
fn header_block_end(data: &[u8]) -> usize {
    let scan = &data[..data.len().min(HEADER_SCAN)];
    let mut pos = 0;
    for nl in memchr::memchr_iter(b'\n', scan) {
        let line = &scan[pos..nl];
        if line.is_empty() || line == b"\r" {
            return pos;
        }
        pos = nl + 1;
    }
    scan.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(b"\n\r\n"), Sniffed::Empty);
        assert_eq!(sniff(b"\nFrom a b\nX: y\n"), Sniffed::Mbox);
        assert_eq!(sniff(b"Subject: hi\r\n\r\nbody"), Sniffed::Message);
        assert_eq!(sniff(b"X-Odd : obsolete\n\nbody"), Sniffed::Message);
        assert_eq!(sniff(b"Subject: no body"), Sniffed::Message);
        assert_eq!(
            sniff(b"\x1f\x8b\x08\x00"),
            Sniffed::NotMail(NotMailReason::Compressed(Compression::Gzip))
        );
        assert_eq!(
            sniff(b"hello world\n"),
            Sniffed::NotMail(NotMailReason::NoHeader { offset: 0 })
        );
        assert_eq!(
            sniff(b"\nSubject: after a blank line\n"),
            Sniffed::NotMail(NotMailReason::NoHeader { offset: 1 })
        );
        assert_eq!(
            sniff(b": no name\n"),
            Sniffed::NotMail(NotMailReason::NoHeader { offset: 0 })
        );
        assert_eq!(
            sniff(b"A:\x00\x01\n\nbody"),
            Sniffed::NotMail(NotMailReason::Binary { offset: 2 })
        );
        assert_eq!(
            sniff(b"\x8f\x03zz\x00"),
            Sniffed::NotMail(NotMailReason::Binary { offset: 4 })
        );
        // A NUL in the body is the parser's business, not a reason to refuse.
        assert_eq!(sniff(b"A: b\n\n\x00"), Sniffed::Message);
    }

    #[test]
    fn reasons_read_well() {
        let gz = NotMailReason::Compressed(Compression::Gzip).to_string();
        assert_eq!(gz, "gzip-compressed: decompress it first (`gunzip`)");
    }
}
