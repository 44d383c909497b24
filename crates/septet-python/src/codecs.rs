//! `b64encode`, `b64decode`, `qp_encode`, `qp_decode`.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use septet::base64;
use septet::codec::{DecodeError, EncodeSliceError, ErrorKind};
use septet::qp;

use crate::errors::{raise, Class};
use crate::input::{run, Input};

/// The short name of an error kind: its variant name (`InvalidByte`).
pub(crate) fn kind_name(kind: &impl std::fmt::Debug) -> String {
    let text = format!("{kind:?}");
    let end = text
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(text.len());
    text[..end].to_owned()
}

/// A decode error as `septet.DecodeError` (or `septet.Error` when the
/// kernels are unusable: a bad `SEPTET_FORCE_ISA`).
fn decode_error<K: ErrorKind>(e: DecodeError<K>) -> PyErr {
    let class = if e.kind.isa_error().is_some() {
        Class::Base
    } else {
        Class::Decode
    };
    raise(class, e.to_string(), Some(e.offset), &kind_name(&e.kind))
}

fn encode_error(e: EncodeSliceError) -> PyErr {
    raise(Class::Base, e.to_string(), None, &kind_name(&e))
}

fn base64_codec(url: bool, mime: bool) -> PyResult<base64::Codec> {
    match (url, mime) {
        (false, false) => Ok(base64::STANDARD),
        (true, false) => Ok(base64::URL_SAFE),
        (false, true) => Ok(base64::MIME),
        (true, true) => Err(raise(
            Class::Base,
            "url=True and mime=True cannot be combined: MIME base64 uses the standard alphabet"
                .to_owned(),
            None,
            "InvalidArgument",
        )),
    }
}

/// base64-encodes `data`: RFC 4648 (standard alphabet, padded), or with
/// `url=True` the URL-safe alphabet (padded), or with `mime=True` RFC 2045
/// lines of 76 characters, each ending in CRLF.
#[pyfunction]
#[pyo3(signature = (data, *, url = false, mime = false))]
pub(crate) fn b64encode<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    url: bool,
    mime: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let codec = base64_codec(url, mime)?;
    let input = Input::new(data)?;
    let input = input.as_slice();
    let len = if mime {
        base64::mime_encoded_len(input.len())
    } else {
        base64::encoded_len(input.len())
    };
    // The encoding is written straight into the new bytes object.
    PyBytes::new_with(py, len, |out| {
        let written = run(py, input.len(), || {
            if mime {
                codec.encode_mime_to_slice(input, out)
            } else {
                codec.encode_to_slice(input, out)
            }
        })
        .map_err(encode_error)?;
        if written != len {
            return Err(raise(
                Class::Base,
                format!("internal error: encoded {written} bytes, expected {len}"),
                None,
                "Internal",
            ));
        }
        Ok(())
    })
}

/// Decodes base64 `data` (bytes, or an ASCII str). Plain and `url=True`
/// decoding is strict RFC 4648 (padding required, no whitespace);
/// `mime=True` skips CR, LF, space and tab anywhere. Raises
/// `septet.DecodeError` with the byte offset of the first problem.
#[pyfunction]
#[pyo3(signature = (data, *, url = false, mime = false))]
pub(crate) fn b64decode<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    url: bool,
    mime: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let codec = base64_codec(url, mime)?;
    let input = Input::new(data)?;
    let input = input.as_slice();
    // Valid input decodes to a length known from the input: then the
    // bytes are decoded straight into the new bytes object. Anything else
    // (invalid input, or a guess that does not hold) takes the path below,
    // which reports the error or the exact result.
    if let Some(len) = decoded_len(input, mime) {
        let direct = PyBytes::new_with(py, len, |out| {
            match run(py, input.len(), || codec.decode_to_slice(input, out)) {
                Ok(written) if written == len => Ok(()),
                _ => Err(raise(Class::Base, String::new(), None, "Retry")),
            }
        });
        if let Ok(bytes) = direct {
            return Ok(bytes);
        }
    }
    let out = run(py, input.len(), || {
        let mut out = Vec::with_capacity(base64::decoded_len_estimate(input.len()));
        codec.decode_into(input, &mut out).map(|()| out)
    })
    .map_err(decode_error)?;
    Ok(PyBytes::new(py, &out))
}

/// The CR, LF, space and tab bytes in `input`. Counted per 255 bytes in a
/// `u8`, a loop the compiler vectorizes (a `usize` per byte would not be).
fn count_blanks(input: &[u8]) -> usize {
    input
        .chunks(255)
        .map(|chunk| {
            let n: u8 = chunk
                .iter()
                .map(|&b| u8::from(b == b'\r' || b == b'\n' || b == b' ' || b == b'\t'))
                .fold(0u8, |a, x| a.wrapping_add(x));
            usize::from(n)
        })
        .sum()
}

/// The decoded length of `input` if it is valid base64: from the count of
/// alphabet characters (whitespace skipped for MIME) and padding.
fn decoded_len(input: &[u8], mime: bool) -> Option<usize> {
    let skipped = |b: &u8| mime && matches!(b, b'\r' | b'\n' | b' ' | b'\t');
    let blanks = if mime { count_blanks(input) } else { 0 };
    let chars = input.len() - blanks;
    if !chars.is_multiple_of(4) {
        return None;
    }
    let padding = input
        .iter()
        .rev()
        .filter(|b| !skipped(b))
        .take(2)
        .take_while(|&&b| b == b'=')
        .count();
    Some(chars / 4 * 3 - padding.min(chars / 4 * 3))
}

/// Quoted-printable-encodes `data` (RFC 2045 6.7): CRLF is a line break,
/// any other CR or LF is encoded, unless `lf_breaks=True` makes a bare LF
/// a line break too (written CRLF); `binary=True` encodes every CR and LF.
/// A `.` or `From ` at a line start is escaped.
#[pyfunction]
#[pyo3(signature = (data, *, binary = false, lf_breaks = false))]
pub(crate) fn qp_encode<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    binary: bool,
    lf_breaks: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let mode = if binary {
        qp::Mode::Binary
    } else {
        qp::Mode::Text
    };
    let options = qp::EncodeOptions {
        bare_lf_is_line_break: lf_breaks,
        ..qp::EncodeOptions::new(mode)
    };
    let input = Input::new(data)?;
    let input = input.as_slice();
    let out = run(py, input.len(), || {
        let mut out = Vec::with_capacity(input.len() + input.len() / 8 + 16);
        qp::TEXT.encode_into_with(input, options, &mut out);
        out
    });
    Ok(PyBytes::new(py, &out))
}

/// Decodes quoted-printable `data`. Lenient by default (as mail readers
/// are: lower-case hex, stray `=` kept, trailing blanks removed); with
/// `strict=True` the first RFC 2045 violation raises `septet.DecodeError`
/// with its byte offset.
#[pyfunction]
#[pyo3(signature = (data, *, strict = false))]
pub(crate) fn qp_decode<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    strict: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let options = qp::DecodeOptions { strict };
    let input = Input::new(data)?;
    let input = input.as_slice();
    let out = run(py, input.len(), || {
        let mut out = Vec::with_capacity(input.len());
        qp::TEXT
            .decode_into_with(input, options, &mut out)
            .map(|()| out)
    })
    .map_err(decode_error)?;
    Ok(PyBytes::new(py, &out))
}
