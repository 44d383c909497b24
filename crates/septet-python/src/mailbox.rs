//! The archive helpers a distributed converter needs, from
//! septet-mailbox: splitting an mbox, the archive downgrade of
//! `septet convert --downgrade`, and mboxrd records.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use septet_mailbox::{
    detect_mbox, downgrade_message, split, synthesize_from_line, LineEnding, MboxWriter,
};

use crate::codecs::kind_name;
use crate::downgrade::downgrade_error;
use crate::errors::{raise, Class};
use crate::input::{run, Input};

fn mbox_error(e: septet_mailbox::Error) -> PyErr {
    let offset = match &e {
        septet_mailbox::Error::NotMbox { offset, .. } => Some(*offset),
        _ => None,
    };
    raise(Class::Mbox, e.to_string(), offset, &kind_name(&e))
}

/// Splits a whole mbox file (any variant: mboxo, mboxrd, mboxcl, mboxcl2,
/// detected as `septet convert` does) into a list of
/// `(from_line, message, crlf)`: the separator line without its line
/// break, the message unquoted, and whether the separator line ends in
/// CRLF. Raises `septet.MboxError` (with the offset) if `data` does not
/// start with a `From ` line.
#[pyfunction]
pub(crate) fn split_mbox<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let input = Input::new(data)?;
    let input = input.as_slice();
    type Record<'a> = (&'a [u8], Cow<'a, [u8]>, bool);
    let records: Vec<Record<'_>> = run(py, input.len(), || {
        let detection = detect_mbox(input)?;
        Ok::<_, septet_mailbox::Error>(
            split(input, detection.variant)?
                .map(|r| {
                    let crlf = r.line_ending == LineEnding::CrLf;
                    (r.from_line, r.unquoted(), crlf)
                })
                .collect(),
        )
    })
    .map_err(mbox_error)?;
    let list = PyList::empty(py);
    for (from_line, message, crlf) in records {
        list.append((
            PyBytes::new(py, from_line),
            PyBytes::new(py, &message),
            crlf,
        ))?;
    }
    Ok(list)
}

/// The message as `septet convert --downgrade` writes it into an archive:
/// 7-bit, in its own line ends (LF stays LF), a top-level
/// `Content-Length` made true. A message that needs no change is returned
/// as it is. Raises `septet.DowngradeError` with the offset.
#[pyfunction]
pub(crate) fn archive_downgrade<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let input = Input::new(data)?;
    let slice = input.as_slice();
    let out = run(py, slice.len(), || {
        downgrade_message(slice).map(|out| match out {
            Cow::Borrowed(_) => None,
            Cow::Owned(new) => Some(new),
        })
    })
    .map_err(downgrade_error)?;
    Ok(match (out, &input) {
        (Some(new), _) => PyBytes::new(py, &new).into_any(),
        // Unchanged: the argument itself when it was bytes, no copy.
        (None, Input::Borrowed(_)) => data.clone(),
        (None, Input::Copied(copy)) => copy.clone().into_any(),
    })
}

/// One mboxrd record: `from_line`, its line break, the message with every
/// `>*From ` line quoted with one more `>`, a final line break if it has
/// none, and the empty line that ends the record (what the writer of
/// `septet convert` writes). Line breaks are CRLF if `crlf`, else LF;
/// `crlf=None` takes the message's first line break.
#[pyfunction]
#[pyo3(signature = (from_line, message, crlf = None))]
pub(crate) fn mboxrd_record<'py>(
    py: Python<'py>,
    from_line: &[u8],
    message: &Bound<'py, PyAny>,
    crlf: Option<bool>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Input::new(message)?;
    let message = input.as_slice();
    let line_ending = match crlf {
        Some(true) => LineEnding::CrLf,
        Some(false) => LineEnding::Lf,
        None => LineEnding::of_first_line(message),
    };
    let mut writer = MboxWriter::new(Vec::with_capacity(message.len() + from_line.len() + 64));
    writer
        .write_message(from_line, message, line_ending)
        .map_err(|e| raise(Class::Base, e.to_string(), None, "InvalidFromLine"))?;
    Ok(PyBytes::new(py, &writer.into_inner()))
}

/// A separator line for a message that has none (from a Maildir or an
/// `.eml` file), as `septet convert` makes it: the `Return-Path` address
/// (or `MAILER-DAEMON`) and `time` (Unix seconds, UTC; the epoch if None).
#[pyfunction]
#[pyo3(signature = (message, time = None))]
pub(crate) fn from_line_for<'py>(
    py: Python<'py>,
    message: &Bound<'py, PyAny>,
    time: Option<i64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Input::new(message)?;
    Ok(PyBytes::new(
        py,
        &synthesize_from_line(input.as_slice(), time),
    ))
}
