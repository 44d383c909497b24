//! The exception hierarchy: `septet.Error(ValueError)` and one subclass per
//! failing operation, each instance carrying `.offset` (the byte offset of
//! the problem in the input, or `None`) and `.kind` (a short name).

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    septet,
    Error,
    PyValueError,
    "Base class of septet's errors: a ValueError with `.offset` and `.kind`."
);
create_exception!(
    septet,
    DecodeError,
    Error,
    "base64 or quoted-printable input that does not decode."
);
create_exception!(
    septet,
    DowngradeError,
    Error,
    "A message with no lossless 7-bit form (or a downgrader used after a failure)."
);
create_exception!(
    septet,
    ParseError,
    Error,
    "A message the MIME parser refuses (over its size limit)."
);
create_exception!(
    septet,
    MboxError,
    Error,
    "Data that is not an mbox (it does not start with a `From ` line)."
);

/// Which exception class to raise.
#[derive(Clone, Copy)]
pub(crate) enum Class {
    Base,
    Decode,
    Downgrade,
    Parse,
    Mbox,
}

/// An exception of `class` with `message`, `.offset` and `.kind` set.
pub(crate) fn raise(class: Class, message: String, offset: Option<u64>, kind: &str) -> PyErr {
    let err = match class {
        Class::Base => Error::new_err(message),
        Class::Decode => DecodeError::new_err(message),
        Class::Downgrade => DowngradeError::new_err(message),
        Class::Parse => ParseError::new_err(message),
        Class::Mbox => MboxError::new_err(message),
    };
    Python::attach(|py| {
        let value = err.value(py);
        // Setting attributes on a fresh exception instance cannot fail
        // short of memory exhaustion; the exception is raised either way.
        let _ = value.setattr("offset", offset);
        let _ = value.setattr("kind", kind);
    });
    err
}

/// Registers the exception classes on the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<Error>())?;
    m.add("DecodeError", py.get_type::<DecodeError>())?;
    m.add("DowngradeError", py.get_type::<DowngradeError>())?;
    m.add("ParseError", py.get_type::<ParseError>())?;
    m.add("MboxError", py.get_type::<MboxError>())?;
    Ok(())
}
