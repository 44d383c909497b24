//! The downgrade pipeline for message transfer: framing in ([`DataReader`]
//! or [`BdatReader`]), [`Downgrader`], framing out ([`DotStuffer`]), over
//! the caller's output buffer. Sans-IO, like the rest of this module.

use std::fmt;

use super::{BdatChunk, BdatReader, DataReader, DataStatus, DotStuffer, Error, Limits};
use crate::downgrade::{self, Downgrader, LineEnding, Report};

/// How the message arrives at [`DowngradePipeline::feed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// The message itself; it ends when [`DowngradePipeline::finish`] is
    /// called.
    Raw,
    /// DATA wire form: dot-stuffed, ending with `CRLF.CRLF`.
    Data(Limits),
    /// BDAT chunks (RFC 3030): each announced with
    /// [`DowngradePipeline::start_chunk`]; the message ends with the
    /// `LAST` chunk.
    Bdat(Limits),
}

/// How the downgraded message leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The message itself (line ending from the downgrade options).
    Raw,
    /// DATA wire form: CRLF, dot-stuffed, and `.` CRLF written by
    /// [`DowngradePipeline::finish`].
    Data,
}

/// What [`DowngradePipeline::feed`] reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipelineStatus {
    /// The message continues: feed more.
    NeedMore,
    /// A BDAT chunk is complete; more chunks follow.
    ChunkDone,
    /// The end of the message was read (`CRLF.CRLF`, or the `LAST`
    /// chunk): call [`DowngradePipeline::finish`].
    Done,
}

/// Why the pipeline stopped. Offsets: [`Framing`](Self::Framing) and
/// [`Incomplete`](Self::Incomplete) count wire bytes from the first byte
/// fed; [`Downgrade`](Self::Downgrade) counts message bytes (after
/// dot-unstuffing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PipelineError {
    /// The framing was refused: a line or the message too long, a chunk
    /// after `LAST`.
    Framing(Error),
    /// The message cannot be downgraded.
    Downgrade(downgrade::Error),
    /// The input ended before the end of the data (`CRLF.CRLF` or the
    /// `LAST` chunk).
    Incomplete {
        /// Wire bytes read.
        offset: u64,
    },
    /// [`DowngradePipeline::start_chunk`] was called with a framing other
    /// than [`Framing::Bdat`].
    NoChunk {
        /// Wire bytes read.
        offset: u64,
    },
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::Framing(e) => e.fmt(f),
            PipelineError::Downgrade(e) => e.fmt(f),
            PipelineError::Incomplete { offset } => write!(
                f,
                "input ended before the end of the data (CRLF.CRLF or BDAT LAST) at byte {offset}"
            ),
            PipelineError::NoChunk { offset } => {
                write!(
                    f,
                    "BDAT chunk in a message not framed by BDAT at byte {offset}"
                )
            }
        }
    }
}

impl std::error::Error for PipelineError {}

impl From<Error> for PipelineError {
    fn from(e: Error) -> Self {
        PipelineError::Framing(e)
    }
}

impl From<downgrade::Error> for PipelineError {
    fn from(e: downgrade::Error) -> Self {
        PipelineError::Downgrade(e)
    }
}

enum Reader {
    Raw,
    Data(DataReader),
    Bdat(BdatReader),
}

/// One message through the downgrade, between SMTP framings: bytes as
/// received go in, the downgraded message (dot-stuffed, for a relay's
/// DATA) comes out. Any split of the input gives the same output. Errors
/// are sticky: once one is returned, every later call returns it.
///
/// ```
/// use septet::downgrade::Options;
/// use septet::smtp::{DowngradePipeline, Framing, Limits, Output, PipelineStatus};
///
/// let mut p = DowngradePipeline::new(Framing::Data(Limits::default()), Output::Data, Options::default());
/// let wire = "Subject: x\r\n\r\n..Grüße\r\n.\r\nQUIT\r\n".as_bytes();
/// let mut out = Vec::new();
/// let (used, status) = p.feed(wire, &mut out).unwrap();
/// assert_eq!(status, PipelineStatus::Done);
/// assert_eq!(&wire[used..], b"QUIT\r\n");
/// p.finish(&mut out).unwrap();
/// assert!(out.is_ascii() && out.ends_with(b"\r\n.\r\n"));
/// ```
pub struct DowngradePipeline {
    reader: Reader,
    downgrader: Downgrader,
    stuffer: Option<DotStuffer>,
    /// Unstuffed message bytes between the reader and the downgrader.
    message: Vec<u8>,
    /// Downgraded bytes before stuffing.
    plain: Vec<u8>,
    /// Wire bytes read.
    consumed: u64,
    done: bool,
    error: Option<PipelineError>,
}

impl DowngradePipeline {
    /// A pipeline at the start of a message. With [`Output::Data`] the
    /// output is always CRLF, whatever `options.line_ending` says.
    pub fn new(framing: Framing, output: Output, mut options: downgrade::Options) -> Self {
        let reader = match framing {
            Framing::Raw => Reader::Raw,
            Framing::Data(limits) => Reader::Data(DataReader::new(limits)),
            Framing::Bdat(limits) => Reader::Bdat(BdatReader::new(limits)),
        };
        let stuffer = match output {
            Output::Raw => None,
            Output::Data => {
                options.line_ending = LineEnding::Crlf;
                Some(DotStuffer::new())
            }
        };
        DowngradePipeline {
            reader,
            downgrader: Downgrader::new(options),
            stuffer,
            message: Vec::new(),
            plain: Vec::new(),
            consumed: 0,
            done: false,
            error: None,
        }
    }

    /// Wire bytes read so far (the end marker included once done).
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// True once the end of the message was read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Announces the next BDAT chunk (`size` bytes, `last` for `BDAT n
    /// LAST`); see [`BdatReader::parse_command`]. An error with another
    /// framing.
    pub fn start_chunk(&mut self, size: u64, last: bool) -> Result<(), PipelineError> {
        self.check()?;
        let result = match &mut self.reader {
            Reader::Bdat(r) => r.start(size, last).map_err(PipelineError::from),
            _ => Err(PipelineError::NoChunk {
                offset: self.consumed,
            }),
        };
        self.stick(result)
    }

    /// Reads `wire`, appending downgraded output to `out`. Returns how many
    /// bytes of `wire` belong to the message (what follows the end of the
    /// data or of a BDAT chunk is the next command) and how far it got.
    pub fn feed(
        &mut self,
        wire: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(usize, PipelineStatus), PipelineError> {
        self.check()?;
        let result = self.run(wire, out);
        self.stick(result)
    }

    /// Ends the message: the downgrade's last bytes and, for
    /// [`Output::Data`], the end marker go to `out`. Fails with
    /// [`PipelineError::Incomplete`] if the framing's end was not read.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<Report, PipelineError> {
        self.check()?;
        if !self.done && !matches!(self.reader, Reader::Raw) {
            return Err(PipelineError::Incomplete {
                offset: self.consumed,
            });
        }
        let mut plain = std::mem::take(&mut self.plain);
        plain.clear();
        let report = match &mut self.stuffer {
            None => self.downgrader.finish(out)?,
            Some(stuffer) => {
                let report = self.downgrader.finish(&mut plain)?;
                stuffer.feed(&plain, out);
                report
            }
        };
        if let Some(stuffer) = self.stuffer {
            stuffer.finish(out);
        }
        Ok(report)
    }

    fn check(&self) -> Result<(), PipelineError> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    fn stick<T>(&mut self, result: Result<T, PipelineError>) -> Result<T, PipelineError> {
        if let Err(e) = &result {
            self.error = Some(e.clone());
        }
        result
    }

    fn run(
        &mut self,
        wire: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(usize, PipelineStatus), PipelineError> {
        if self.done {
            return Ok((0, PipelineStatus::Done));
        }
        self.message.clear();
        let (used, status) = match &mut self.reader {
            Reader::Raw => (wire.len(), PipelineStatus::NeedMore),
            Reader::Data(r) => {
                let (used, status) = r.feed(wire, &mut self.message)?;
                let status = match status {
                    DataStatus::NeedMore => PipelineStatus::NeedMore,
                    DataStatus::Done => PipelineStatus::Done,
                };
                (used, status)
            }
            Reader::Bdat(r) => {
                if r.is_done() {
                    return Ok((0, PipelineStatus::Done));
                }
                let (used, status) = r.feed(wire, &mut self.message)?;
                let status = match status {
                    BdatChunk::NeedMore(_) => PipelineStatus::NeedMore,
                    BdatChunk::ChunkDone => PipelineStatus::ChunkDone,
                    BdatChunk::MessageDone => PipelineStatus::Done,
                };
                (used, status)
            }
        };
        self.consumed += used as u64;
        self.done = status == PipelineStatus::Done;
        let message = match self.reader {
            Reader::Raw => wire,
            _ => &self.message[..],
        };
        match &mut self.stuffer {
            None => self.downgrader.feed(message, out)?,
            Some(stuffer) => {
                self.plain.clear();
                self.downgrader.feed(message, &mut self.plain)?;
                stuffer.feed(&self.plain, out);
            }
        }
        Ok((used, status))
    }
}
