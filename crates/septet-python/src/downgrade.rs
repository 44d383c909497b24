//! `downgrade(data)` and the streaming `Downgrader` class: the SMTP
//! 8bit-to-7bit downgrade, with its report as a dict.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use septet::downgrade::{self as dg, Action, LineEnding, Options, Report};

use crate::codecs::kind_name;
use crate::errors::{raise, Class};
use crate::input::{run, Input};

/// The options from the keyword arguments.
fn options(line_ending: &str, refuse_signed: bool, repair_late_8bit: bool) -> PyResult<Options> {
    let line_ending = match line_ending.to_ascii_lowercase().as_str() {
        "crlf" => LineEnding::Crlf,
        "lf" => LineEnding::Lf,
        other => {
            return Err(raise(
                Class::Base,
                format!("line_ending must be \"crlf\" or \"lf\", not {other:?}"),
                None,
                "InvalidArgument",
            ))
        }
    };
    Ok(Options {
        line_ending,
        refuse_signed,
        repair_late_8bit,
        ..Options::default()
    })
}

/// A downgrade error as `septet.DowngradeError`, with its offset.
pub(crate) fn downgrade_error(e: dg::Error) -> PyErr {
    let offset = e.offset();
    raise(Class::Downgrade, e.to_string(), offset, &kind_name(&e))
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Kept => "kept",
        Action::QuotedPrintable => "quoted-printable",
        Action::Base64 => "base64",
        Action::Relabelled => "relabelled",
    }
}

/// The report as a dict, with the same keys as the serde form the CLI
/// writes (`parts` a list of dicts).
pub(crate) fn report_dict<'py>(py: Python<'py>, report: &Report) -> PyResult<Bound<'py, PyDict>> {
    let parts = PyList::empty(py);
    for p in &report.parts {
        let d = PyDict::new(py);
        d.set_item("section", &p.section)?;
        d.set_item("content_type", &p.content_type)?;
        d.set_item("action", action_name(p.action))?;
        d.set_item("header_encoded", p.header_encoded)?;
        d.set_item("body_in", p.body_in)?;
        d.set_item("body_out", p.body_out)?;
        d.set_item("repaired", p.repaired)?;
        d.set_item("malformed_encoded_words", p.malformed_encoded_words)?;
        d.set_item("signed_modified", p.signed_modified)?;
        parts.append(d)?;
    }
    let d = PyDict::new(py);
    d.set_item("parts", parts)?;
    d.set_item(
        "preamble_epilogue_replaced",
        report.preamble_epilogue_replaced,
    )?;
    d.set_item("input_bytes", report.input_bytes)?;
    d.set_item("output_bytes", report.output_bytes)?;
    d.set_item("signed_modified", report.signed_modified)?;
    d.set_item("envelope_line", report.envelope_line)?;
    d.set_item("unchanged", report.unchanged())?;
    Ok(d)
}

/// Downgrades a whole message to 7-bit form: returns `(output, report)`.
/// The output is in wire form (CRLF) unless `line_ending="lf"`. A part
/// that turns 8-bit after its first 4 KiB is re-encoded (the whole
/// message is at hand), never refused. Raises `septet.DowngradeError`
/// with the byte offset when the message has no lossless 7-bit form.
#[pyfunction]
#[pyo3(signature = (data, *, line_ending = "crlf", refuse_signed = false))]
pub(crate) fn downgrade<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    line_ending: &str,
    refuse_signed: bool,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
    let opts = options(line_ending, refuse_signed, false)?;
    let input = Input::new(data)?;
    let input = input.as_slice();
    let (out, report) = run(py, input.len(), || {
        let mut out = Vec::with_capacity(input.len() + input.len() / 2 + 1024);
        dg::downgrade_buffer(input, opts, &mut out).map(|r| (out, r))
    })
    .map_err(downgrade_error)?;
    Ok((PyBytes::new(py, &out), report_dict(py, &report)?))
}

/// A streaming downgrade: `feed(chunk) -> bytes` returns the output ready
/// so far, `finish() -> (bytes, report)` the rest. Memory stays bounded
/// whatever the message size. A part labelled 7bit whose first 4 KiB are
/// 7-bit has already been sent when later 8-bit bytes show up: that is a
/// `septet.DowngradeError` (kind `LateEightBit`) unless
/// `repair_late_8bit=True` (such bytes become `?`, counted in the report).
#[pyclass(name = "Downgrader", module = "septet")]
pub(crate) struct PyDowngrader {
    inner: Option<dg::Downgrader>,
}

impl PyDowngrader {
    fn inner(&mut self) -> PyResult<&mut dg::Downgrader> {
        self.inner
            .as_mut()
            .ok_or_else(|| downgrade_error(dg::Error::Failed))
    }
}

#[pymethods]
impl PyDowngrader {
    /// A new downgrader.
    #[new]
    #[pyo3(signature = (*, line_ending = "crlf", refuse_signed = false, repair_late_8bit = false))]
    fn new(line_ending: &str, refuse_signed: bool, repair_late_8bit: bool) -> PyResult<Self> {
        let opts = options(line_ending, refuse_signed, repair_late_8bit)?;
        Ok(PyDowngrader {
            inner: Some(dg::Downgrader::new(opts)),
        })
    }

    /// Feeds the next chunk of the message; returns the output ready.
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let input = Input::new(data)?;
        let input = input.as_slice();
        let inner = self.inner()?;
        let out = run(py, input.len(), || {
            let mut out = Vec::with_capacity(input.len() + input.len() / 2 + 64);
            inner.feed(input, &mut out).map(|()| out)
        })
        .map_err(downgrade_error)?;
        Ok(PyBytes::new(py, &out))
    }

    /// Ends the message: returns `(rest of the output, report)`. The
    /// downgrader cannot be used afterwards.
    fn finish<'py>(
        &mut self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
        let inner = self
            .inner
            .take()
            .ok_or_else(|| downgrade_error(dg::Error::Failed))?;
        let mut out = Vec::new();
        let report = inner.finish(&mut out).map_err(downgrade_error)?;
        Ok((PyBytes::new(py, &out), report_dict(py, &report)?))
    }

    /// Input bytes held inside (bounded by the header-block limit plus a
    /// small lookahead).
    fn buffered_bytes(&mut self) -> PyResult<usize> {
        Ok(self.inner()?.buffered_bytes())
    }
}
