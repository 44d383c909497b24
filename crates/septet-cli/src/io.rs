//! The input and output of a subcommand: a file or standard input, a file
//! or standard output. Output files are replaced atomically.

use std::fs::File;
use std::io::{self, BufWriter, Read, StdoutLock, Write};
use std::path::Path;

use septet_mailbox::AtomicFile;

use crate::Failure;

/// How much input the subcommands read at a time: large enough that the
/// kernels run in long stretches and system calls are few, small enough
/// to stay in cache-friendly, constant memory.
pub const CHUNK: usize = 1 << 20;

/// Buffer in front of the output, for small writes. Smaller than the blocks
/// the codecs write (the encoder's 64 KiB, the decoder's 768 KiB), which
/// then bypass it instead of being copied through it.
const OUT_BUFFER: usize = 32 * 1024;

/// Where input comes from.
pub struct Input {
    reader: Box<dyn Read>,
    name: String,
}

impl Input {
    /// The file at `path`, or standard input for `None` or `-`.
    pub fn open(path: Option<&Path>) -> Result<Input, Failure> {
        match path {
            None => Ok(Self::stdin()),
            Some(p) if p == Path::new("-") => Ok(Self::stdin()),
            Some(p) => {
                let name = p.display().to_string();
                let file = File::open(p).map_err(|e| Failure::io(format!("opening {name}"), e))?;
                Ok(Input {
                    reader: Box::new(file),
                    name,
                })
            }
        }
    }

    fn stdin() -> Input {
        Input {
            reader: Box::new(io::stdin().lock()),
            name: "standard input".to_owned(),
        }
    }

    /// Fills `buf` as far as the input goes; returns the bytes read, which
    /// is less than `buf.len()` only at the end of the input (0 after it).
    pub fn read_chunk(&mut self, buf: &mut [u8]) -> Result<usize, Failure> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.reader.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Failure::io(format!("reading {}", self.name), e)),
            }
        }
        Ok(filled)
    }
}

/// Where output goes. Writes are buffered; call [`Output::commit`] at the end.
///
/// A regular output file is a [`septet_mailbox::AtomicFile`]: written to a
/// temporary file in the same directory, then fsynced and renamed over the
/// target by `commit`, so a run that fails (or is dropped without
/// `commit`) leaves any existing file untouched and no partial one behind.
/// Devices and pipes (`/dev/null`, a FIFO) are written in place, since
/// they cannot be replaced.
pub struct Output {
    sink: BufWriter<Sink>,
    name: String,
}

enum Sink {
    Stdout(StdoutLock<'static>),
    File(AtomicFile),
}

impl Output {
    /// The file at `path`, or standard output for `None` or `-`.
    pub fn create(path: Option<&Path>) -> Result<Output, Failure> {
        let (sink, name) = match path {
            None => (
                Sink::Stdout(io::stdout().lock()),
                "standard output".to_owned(),
            ),
            Some(p) if p == Path::new("-") => (
                Sink::Stdout(io::stdout().lock()),
                "standard output".to_owned(),
            ),
            Some(p) => {
                let name = p.display().to_string();
                let file = AtomicFile::create(p)
                    .map_err(|e| Failure::io(format!("creating {name}"), e))?;
                (Sink::File(file), name)
            }
        };
        Ok(Output {
            sink: BufWriter::with_capacity(OUT_BUFFER, sink),
            name,
        })
    }

    /// The failure for an error while writing this output.
    pub fn write_failure(&self, err: io::Error) -> Failure {
        write_failure(&self.name, err)
    }

    /// The display name of this output, for error messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Flushes, and puts an output file in place.
    pub fn commit(self) -> Result<(), Failure> {
        let name = self.name;
        let sink = self
            .sink
            .into_inner()
            .map_err(|e| write_failure(&name, e.into_error()))?;
        match sink {
            Sink::Stdout(mut out) => out.flush().map_err(|e| write_failure(&name, e)),
            Sink::File(file) => file
                .commit()
                .map_err(|e| Failure::io(format!("renaming the output into {name}"), e)),
        }
    }
}

/// The failure for an error while writing the output called `name`.
pub fn write_failure(name: &str, err: io::Error) -> Failure {
    Failure::io(format_args!("writing {name}"), err)
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sink.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.sink.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink.flush()
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(out) => out.write(buf),
            Sink::File(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(out) => out.flush(),
            Sink::File(file) => file.flush(),
        }
    }
}
