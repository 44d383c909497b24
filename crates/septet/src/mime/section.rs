//! IMAP section numbers (RFC 3501 6.4.5): the one rule by which both the
//! parsed tree ([`Part::section`](super::Part::section)) and the streaming
//! downgrade report number parts.

use std::fmt;

use super::Kind;

/// A part's IMAP section number, built from the root down as a driver
/// meets parts (a part's own [`Kind`] is known once its header block ends).
///
/// - The root is `""` if it is a multipart, else `"1"`.
/// - The parts of a multipart at `s` are `s.1`, `s.2`... (`1`, `2`... below
///   a multipart root).
/// - The message inside a message/rfc822 part at `s` shares `s` if it is a
///   multipart, else its body is `s.1`.
///
/// ```
/// use septet::mime::{Kind, SectionPath};
/// let root = SectionPath::root(Kind::Multipart);
/// assert_eq!(root.to_string(), "");
/// let attached = root.child(2);
/// assert_eq!(attached.to_string(), "2");
/// assert_eq!(attached.nested(Kind::Leaf).to_string(), "2.1");
/// assert_eq!(attached.nested(Kind::Multipart).child(1).to_string(), "2.1");
/// assert_eq!(SectionPath::root(Kind::Leaf).to_string(), "1");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SectionPath {
    numbers: Vec<usize>,
}

impl SectionPath {
    /// The section of a message's root part of kind `kind`.
    pub fn root(kind: Kind) -> Self {
        SectionPath::default().nested(kind)
    }

    /// The section of part `n` (counted from 1) of the multipart at `self`.
    pub fn child(&self, n: usize) -> Self {
        let mut numbers = Vec::with_capacity(self.numbers.len() + 1);
        numbers.extend_from_slice(&self.numbers);
        numbers.push(n);
        SectionPath { numbers }
    }

    /// The section of the message of kind `kind` inside the
    /// message/rfc822 part at `self`.
    pub fn nested(&self, kind: Kind) -> Self {
        if kind == Kind::Multipart {
            // Its parts are numbered as if they were the container's.
            self.clone()
        } else {
            self.child(1)
        }
    }

    /// The numbers, outermost first (empty for a multipart root).
    pub fn numbers(&self) -> &[usize] {
        &self.numbers
    }
}

impl fmt::Display for SectionPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.numbers.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{n}")?;
        }
        Ok(())
    }
}
