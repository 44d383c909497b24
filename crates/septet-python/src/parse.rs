//! `parse(data)`: the MIME part tree, as nested dicts with byte ranges.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use septet::mime::{Kind, Message, ParseError};

use crate::codecs::kind_name;
use crate::errors::{raise, Class};
use crate::input::{run, Input};

fn kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Leaf => "leaf",
        Kind::Multipart => "multipart",
        Kind::Message => "message",
    }
}

fn parse_error(e: ParseError) -> PyErr {
    raise(Class::Parse, e.to_string(), None, &kind_name(&e))
}

/// Parses a message (never fails on malformed MIME: defects are kept as
/// they are) and returns its root part as a dict:
///
/// - `index` (pre-order, root 0), `section` (IMAP, `""` for the root),
///   `depth`, `kind` (`"leaf"`, `"multipart"`, `"message"`),
/// - `content_type` (`"text/plain"`, lower case), `charset` (or None),
///   `filename` (decoded, or None), `transfer_encoding` (`"base64"`, ...),
/// - `range`, `header`, `body`: `(start, end)` byte offsets into `data`
///   (the whole part; its header fields; its raw body),
/// - `children`: the list of child part dicts.
#[pyfunction]
pub(crate) fn parse<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let input = Input::new(data)?;
    let input = input.as_slice();
    let message = run(py, input.len(), || Message::parse(input)).map_err(parse_error)?;
    // Built flat in pre-order, then each part appended to its parent's
    // list: no recursion, whatever the nesting depth.
    let mut dicts: Vec<Bound<'py, PyDict>> = Vec::with_capacity(message.part_count());
    let mut children: Vec<Bound<'py, PyList>> = Vec::with_capacity(message.part_count());
    for part in message.parts() {
        let d = PyDict::new(py);
        d.set_item("index", part.index())?;
        d.set_item("section", part.section())?;
        d.set_item("depth", part.depth())?;
        d.set_item("kind", kind(part.kind()))?;
        let ct = part.content_type();
        d.set_item("content_type", ct.mime_type())?;
        d.set_item("charset", ct.charset())?;
        d.set_item("filename", part.filename())?;
        d.set_item("transfer_encoding", part.transfer_encoding().as_str())?;
        let r = part.range();
        d.set_item("range", (r.start, r.end))?;
        let r = part.header_range();
        d.set_item("header", (r.start, r.end))?;
        let r = part.body_range();
        d.set_item("body", (r.start, r.end))?;
        let list = PyList::empty(py);
        d.set_item("children", &list)?;
        if let Some(parent) = part.parent() {
            if let Some(siblings) = children.get(parent.index()) {
                siblings.append(&d)?;
            }
        }
        dicts.push(d);
        children.push(list);
    }
    dicts.into_iter().next().ok_or_else(|| {
        raise(
            Class::Parse,
            "the parser returned no parts".to_owned(),
            None,
            "Internal",
        )
    })
}
