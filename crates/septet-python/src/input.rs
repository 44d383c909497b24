//! Arguments: bytes are borrowed in place; str (ASCII only, as `base64`
//! accepts it) and other buffers (bytearray, memoryview) are copied once
//! into a bytes object. Large inputs are processed without the GIL.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyMemoryView, PyString};

/// Inputs at least this long are processed with the GIL released, so other
/// Python threads run meanwhile; below it, releasing and taking the GIL
/// back costs more than it gives.
pub(crate) const GIL_RELEASE_THRESHOLD: usize = 64 * 1024;

/// The bytes of an argument.
pub(crate) enum Input<'a, 'py> {
    /// A `bytes` argument, read in place.
    Borrowed(&'a [u8]),
    /// A copy of any other argument.
    Copied(Bound<'py, PyBytes>),
}

impl<'a, 'py> Input<'a, 'py> {
    /// Reads `obj`: bytes in place; str as ASCII (UnicodeEncodeError, a
    /// ValueError, otherwise); any other buffer (bytearray, memoryview,
    /// array) copied through `memoryview(obj).tobytes()`.
    pub(crate) fn new(obj: &'a Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(bytes) = obj.cast::<PyBytes>() {
            return Ok(Input::Borrowed(bytes.as_bytes()));
        }
        let copy = if obj.is_instance_of::<PyString>() {
            obj.call_method1("encode", ("ascii",))?
        } else {
            // Through a memoryview, so that only buffers are accepted
            // (`bytes(12)` would make 12 zero bytes of an int).
            obj.py()
                .get_type::<PyMemoryView>()
                .call1((obj,))?
                .call_method0("tobytes")?
        };
        Ok(Input::Copied(copy.cast_into::<PyBytes>()?))
    }

    /// The bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Input::Borrowed(b) => b,
            Input::Copied(b) => b.as_bytes(),
        }
    }
}

/// Runs `f`, with the GIL released when `len` is at least
/// [`GIL_RELEASE_THRESHOLD`].
pub(crate) fn run<T, F>(py: Python<'_>, len: usize, f: F) -> T
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    if len >= GIL_RELEASE_THRESHOLD {
        py.detach(f)
    } else {
        f()
    }
}
