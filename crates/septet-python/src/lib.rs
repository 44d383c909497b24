//! The `septet` Python module: septet's codecs, MIME parser, downgrade and
//! mbox helpers for Python (PyO3, abi3: one wheel for CPython 3.8+).
//!
//! Built with maturin (`pip install ./crates/septet-python`); tested with
//! pytest (`crates/septet-python/tests`, run by `scripts/ci_python.sh`).
//! Every function takes bytes (read in place; str and other buffers are
//! copied), releases the GIL for inputs of 64 KiB and more, and raises
//! `septet.Error` subclasses (ValueError) carrying `.offset`.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

use pyo3::prelude::*;

mod codecs;
mod downgrade;
mod errors;
mod input;
mod mailbox;
mod parse;

/// The module.
#[pymodule]
#[pyo3(name = "septet")]
fn septet_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_function(wrap_pyfunction!(codecs::b64encode, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::b64decode, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::qp_encode, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::qp_decode, m)?)?;
    m.add_function(wrap_pyfunction!(downgrade::downgrade, m)?)?;
    m.add_class::<downgrade::PyDowngrader>()?;
    m.add_function(wrap_pyfunction!(parse::parse, m)?)?;
    m.add_function(wrap_pyfunction!(mailbox::split_mbox, m)?)?;
    m.add_function(wrap_pyfunction!(mailbox::archive_downgrade, m)?)?;
    m.add_function(wrap_pyfunction!(mailbox::mboxrd_record, m)?)?;
    m.add_function(wrap_pyfunction!(mailbox::from_line_for, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("GIL_RELEASE_THRESHOLD", input::GIL_RELEASE_THRESHOLD)?;
    Ok(())
}
