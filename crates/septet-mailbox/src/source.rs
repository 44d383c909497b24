//! Input formats, and opening an input path as a sequence of messages
//! (detecting the format when asked to).

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::detect::FromIndex;
use super::pages::Releaser;
use super::{
    list_eml, list_maildir, sniff, Detection, Envelope, Error, LineEnding, MailFile, Mbox,
    MboxVariant, Message, NotMailReason, Sniffed, Split,
};

/// An archive format septet reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// mbox, `From ` lines quoted once (ambiguous).
    Mboxo,
    /// mbox, reversible quoting.
    Mboxrd,
    /// mbox with `Content-Length`, mboxo quoting.
    Mboxcl,
    /// mbox with `Content-Length`, no quoting.
    Mboxcl2,
    /// A Maildir folder (`cur/`, `new/`, `tmp/`).
    Maildir,
    /// One message per file: a `.eml` file, or a folder of them.
    Eml,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 6] = [
        Format::Mboxo,
        Format::Mboxrd,
        Format::Mboxcl,
        Format::Mboxcl2,
        Format::Maildir,
        Format::Eml,
    ];

    /// The lowercase name (`"maildir"`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Mboxo => "mboxo",
            Format::Mboxrd => "mboxrd",
            Format::Mboxcl => "mboxcl",
            Format::Mboxcl2 => "mboxcl2",
            Format::Maildir => "maildir",
            Format::Eml => "eml",
        }
    }

    /// Whether the format is a folder (Maildir) rather than a file (mbox).
    /// `.eml` is either.
    pub fn is_folder(self) -> bool {
        self == Format::Maildir
    }

    /// The mbox variant, for an mbox format.
    pub fn mbox_variant(self) -> Option<MboxVariant> {
        match self {
            Format::Mboxo => Some(MboxVariant::Mboxo),
            Format::Mboxrd => Some(MboxVariant::Mboxrd),
            Format::Mboxcl => Some(MboxVariant::Mboxcl),
            Format::Mboxcl2 => Some(MboxVariant::Mboxcl2),
            Format::Maildir | Format::Eml => None,
        }
    }
}

impl From<MboxVariant> for Format {
    fn from(v: MboxVariant) -> Format {
        match v {
            MboxVariant::Mboxo => Format::Mboxo,
            MboxVariant::Mboxrd => Format::Mboxrd,
            MboxVariant::Mboxcl => Format::Mboxcl,
            MboxVariant::Mboxcl2 => Format::Mboxcl2,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Format::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown archive format {s:?}"))
    }
}

/// Reads a message file whole (files are single messages, small next to
/// an archive; the batch driver reads them in parallel).
pub fn read_file_message(file: &MailFile, index: u64) -> Result<Message<'static>, Error> {
    let data = std::fs::read(&file.path).map_err(|e| Error::io(&file.path, "reading", e))?;
    let envelope = match &file.maildir {
        Some(name) => Envelope::Maildir {
            name: name.clone(),
            mtime: file.mtime,
        },
        None => Envelope::File { mtime: file.mtime },
    };
    Ok(Message {
        index,
        offset: 0,
        envelope,
        line_ending: LineEnding::of_first_line(&data),
        data: Cow::Owned(data),
    })
}

/// Where an opened input's messages come from.
#[derive(Debug)]
pub(crate) enum Source {
    /// With the index detection made, if any.
    Mbox(Mbox, MboxVariant, Option<FromIndex>),
    Files(Vec<MailFile>),
}

/// An input, opened and classified.
#[derive(Debug)]
pub(crate) struct OpenInput {
    pub(crate) path: PathBuf,
    pub(crate) format: Format,
    pub(crate) source: Source,
    /// Total bytes of the archive (file size, or sum of message files).
    pub(crate) bytes: u64,
    pub(crate) detection: Option<Detection>,
}

impl OpenInput {
    /// Opens `path` as `format`, or detects the format (`None`).
    pub(crate) fn open(path: &Path, format: Option<Format>) -> Result<OpenInput, Error> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, "opening", e))?;
        let mismatch = |format| Error::FormatMismatch {
            path: path.to_owned(),
            format,
        };
        let not_mail = |reason| Error::NotMail {
            path: path.to_owned(),
            reason,
        };
        if !meta.is_dir() && !meta.is_file() {
            // A pipe or device has no size to map: refuse rather than read
            // it as an empty archive.
            let e = std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file or folder (archives are memory-mapped)",
            );
            return Err(Error::io(path, "opening", e));
        }
        let (format, source, detection) = if meta.is_dir() {
            match format {
                None if super::is_maildir(path) => {
                    (Format::Maildir, Source::Files(list_maildir(path)?), None)
                }
                Some(Format::Maildir) => {
                    (Format::Maildir, Source::Files(list_maildir(path)?), None)
                }
                None | Some(Format::Eml) => (Format::Eml, eml_folder(path)?, None),
                Some(other) => return Err(mismatch(other)),
            }
        } else {
            match format {
                Some(Format::Maildir) => return Err(mismatch(Format::Maildir)),
                Some(Format::Eml) => {
                    // Asked for a message: refuse only what is plainly no
                    // text at all (the caller vouched for the rest).
                    let mbox = Mbox::open(path)?;
                    if let Sniffed::NotMail(
                        reason @ (NotMailReason::Compressed(_) | NotMailReason::Binary { .. }),
                    ) = sniff(mbox.bytes())
                    {
                        return Err(not_mail(reason));
                    }
                    (Format::Eml, single_file(path)?, None)
                }
                Some(other) => {
                    let variant = other.mbox_variant().ok_or_else(|| mismatch(other))?;
                    let mbox = Mbox::open(path)?;
                    if let Sniffed::NotMail(reason @ NotMailReason::Compressed(_)) =
                        sniff(mbox.bytes())
                    {
                        return Err(not_mail(reason));
                    }
                    // Fail now, before any output exists, if it is no mbox.
                    mbox.split(variant)?;
                    (other, Source::Mbox(mbox, variant, None), None)
                }
                None => {
                    let mbox = Mbox::open(path)?;
                    match sniff(mbox.bytes()) {
                        Sniffed::Message => (Format::Eml, single_file(path)?, None),
                        Sniffed::NotMail(reason) => return Err(not_mail(reason)),
                        // An empty file is an empty mbox.
                        Sniffed::Mbox | Sniffed::Empty => {
                            let (detection, index) = mbox.detect_indexed()?;
                            let variant = detection.variant;
                            let source = Source::Mbox(mbox, variant, index);
                            (variant.into(), source, Some(detection))
                        }
                    }
                }
            }
        };
        let bytes = match &source {
            Source::Mbox(mbox, ..) => mbox.bytes().len() as u64,
            Source::Files(files) => files.iter().map(|f| f.len).sum(),
        };
        Ok(OpenInput {
            path: path.to_owned(),
            format,
            source,
            bytes,
            detection,
        })
    }

    /// A page releaser following the conversion pass, for an mbox input.
    pub(crate) fn releaser(&self) -> Option<Releaser<'_>> {
        match &self.source {
            Source::Mbox(mbox, ..) => Some(Releaser::new(mbox)),
            Source::Files(_) => None,
        }
    }

    /// The mbox splitter, for an mbox input.
    pub(crate) fn split(&self) -> Result<Option<Split<'_>>, Error> {
        match &self.source {
            Source::Mbox(mbox, variant, index) => {
                mbox.split_indexed(*variant, index.as_ref()).map(Some)
            }
            Source::Files(_) => Ok(None),
        }
    }
}

/// The `.eml` files of a folder; none is an error, since a folder of
/// other things (or an empty one) is far more likely a wrong path than an
/// empty archive.
fn eml_folder(path: &Path) -> Result<Source, Error> {
    let files = list_eml(path)?;
    if files.is_empty() {
        return Err(Error::NoMessages {
            path: path.to_owned(),
        });
    }
    Ok(Source::Files(files))
}

fn single_file(path: &Path) -> Result<Source, Error> {
    let file = MailFile::stat(path.to_owned(), None)
        .map_err(|e| Error::io(path, "reading", e))?
        .ok_or_else(|| {
            let e = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file");
            Error::io(path, "reading", e)
        })?;
    Ok(Source::Files(vec![file]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Compression, NotMailReason};

    /// A scratch folder for one test, removed at the end.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir =
                std::env::temp_dir().join(format!("septet-source-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn refuses_what_is_not_mail_with_the_path() {
        let dir = Scratch::new("not-mail");
        let gz = dir.0.join("in.mbox.gz");
        std::fs::write(&gz, b"\x1f\x8b\x08\x00").unwrap();
        for format in [None, Some(Format::Eml), Some(Format::Mboxrd)] {
            match OpenInput::open(&gz, format) {
                Err(Error::NotMail { path, reason }) => {
                    assert_eq!(path, gz);
                    assert_eq!(reason, NotMailReason::Compressed(Compression::Gzip));
                }
                other => panic!("{format:?}: {other:?}"),
            }
        }
        let text = dir.0.join("notes.txt");
        std::fs::write(&text, b"no header here\n").unwrap();
        assert!(matches!(
            OpenInput::open(&text, None),
            Err(Error::NotMail {
                reason: NotMailReason::NoHeader { offset: 0 },
                ..
            })
        ));
        // Forced, a text file is taken as the message it was said to be.
        assert!(OpenInput::open(&text, Some(Format::Eml)).is_ok());
        let empty = dir.0.join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(matches!(
            OpenInput::open(&empty, None),
            Err(Error::NoMessages { path }) if path == empty
        ));
        // An empty file is an empty mbox.
        let nothing = dir.0.join("nothing");
        std::fs::write(&nothing, b"").unwrap();
        assert!(OpenInput::open(&nothing, None).is_ok());
    }
}
