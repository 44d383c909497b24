//! Parsing a message into its part tree, reported part by part.

use std::ffi::{c_char, c_void};

use septet::mime::{Kind, Message, ParseError, Part};

use crate::ffi::{guard, input, septet_result, septet_status};

/// Part kind: a leaf with a body of bytes.
pub const SEPTET_PART_LEAF: u32 = 0;
/// Part kind: a multipart container.
pub const SEPTET_PART_MULTIPART: u32 = 1;
/// Part kind: message/rfc822 or message/global (one nested message).
pub const SEPTET_PART_MESSAGE: u32 = 2;

/// One part of a parsed message, as passed to the callback of
/// [`septet_parse`]. Ranges are byte offsets into the input, `[start, end)`.
/// The strings are NUL-terminated and also have lengths; they are valid
/// only during the callback.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct septet_part {
    /// Index in document order (the root is 0).
    pub index: usize,
    /// Index of the parent part; `SIZE_MAX` for the root.
    pub parent: usize,
    /// Nesting depth (the root is 0).
    pub depth: usize,
    /// `SEPTET_PART_LEAF`, `_MULTIPART` or `_MESSAGE`.
    pub kind: u32,
    /// The whole part: header block and body.
    pub start: usize,
    /// End of the whole part.
    pub end: usize,
    /// The header block (with its final empty line).
    pub header_start: usize,
    /// End of the header block.
    pub header_end: usize,
    /// The body, as written (still transfer-encoded).
    pub body_start: usize,
    /// End of the body.
    pub body_end: usize,
    /// `type/subtype`, lower case (the default when absent or unparsable).
    pub content_type: *const c_char,
    /// Length of `content_type` without the NUL.
    pub content_type_len: usize,
    /// The Content-Transfer-Encoding as written in lower case (`7bit` if absent).
    pub transfer_encoding: *const c_char,
    /// Length of `transfer_encoding`.
    pub transfer_encoding_len: usize,
    /// The file name (Content-Disposition `filename`, else Content-Type
    /// `name`, RFC 2231/2047 decoded to UTF-8), or NULL.
    pub filename: *const c_char,
    /// Length of `filename` (0 when NULL).
    pub filename_len: usize,
    /// The IMAP section number (`1.2`; empty for the root).
    pub section: *const c_char,
    /// Length of `section`.
    pub section_len: usize,
}

/// The callback for [`septet_parse`]: return 0 to go on, anything else to
/// stop with `SEPTET_CALLBACK_FAILED`.
pub type septet_part_cb =
    Option<unsafe extern "C" fn(ctx: *mut c_void, part: *const septet_part) -> i32>;

/// Parses a message and calls `cb` once per part, in document order
/// (parents before children). OK: `read == in_len`, `written` the number
/// of parts. INVALID_INPUT: the input is over the parser's size limit
/// (`error_offset` is the limit).
/// Defects inside a message never fail a parse.
///
/// # Safety
/// `in` must point to `in_len` readable bytes (or be NULL when 0); `cb`
/// must be safe to call with `ctx`.
#[no_mangle]
pub unsafe extern "C" fn septet_parse(
    r#in: *const u8,
    in_len: usize,
    cb: septet_part_cb,
    ctx: *mut c_void,
) -> septet_result {
    guard(|| {
        // SAFETY: the caller guarantees `in` holds `in_len` readable bytes.
        let src = match unsafe { input(r#in, in_len) } {
            Ok(s) => s,
            Err(e) => return e.into(),
        };
        let Some(cb) = cb else {
            return septet_result::status(septet_status::SEPTET_NULL_POINTER);
        };
        let msg = match Message::parse(src) {
            Ok(m) => m,
            Err(ParseError::InputTooLarge { max, .. }) => {
                return septet_result::invalid(max as u64)
            }
        };
        for part in msg.parts() {
            let strings = Strings::of(&part);
            let view = strings.view(&part);
            // SAFETY: `view` and the strings it points to live until the
            // end of this iteration; the caller vouches for `cb` and `ctx`.
            if unsafe { cb(ctx, &view) } != 0 {
                return septet_result::status(septet_status::SEPTET_CALLBACK_FAILED);
            }
        }
        septet_result::ok(src.len(), msg.part_count())
    })
}

/// The NUL-terminated strings of one part, owned while its callback runs.
struct Strings {
    content_type: Vec<u8>,
    transfer_encoding: Vec<u8>,
    filename: Option<Vec<u8>>,
    section: Vec<u8>,
}

fn nul_terminated(s: impl Into<Vec<u8>>) -> Vec<u8> {
    let mut v = s.into();
    v.push(0);
    v
}

impl Strings {
    fn of(part: &Part<'_, '_>) -> Self {
        Strings {
            content_type: nul_terminated(part.content_type().mime_type().to_ascii_lowercase()),
            transfer_encoding: nul_terminated(
                part.transfer_encoding().as_str().to_ascii_lowercase(),
            ),
            filename: part.filename().map(nul_terminated),
            section: nul_terminated(part.section()),
        }
    }

    fn view(&self, part: &Part<'_, '_>) -> septet_part {
        let (range, head, body) = (part.range(), part.header_range(), part.body_range());
        let text = |v: &Vec<u8>| (v.as_ptr().cast::<c_char>(), v.len() - 1);
        let (content_type, content_type_len) = text(&self.content_type);
        let (transfer_encoding, transfer_encoding_len) = text(&self.transfer_encoding);
        let (section, section_len) = text(&self.section);
        let (filename, filename_len) = self.filename.as_ref().map_or((std::ptr::null(), 0), text);
        septet_part {
            index: part.index(),
            parent: part.parent().map_or(usize::MAX, |p| p.index()),
            depth: part.depth(),
            kind: match part.kind() {
                Kind::Leaf => SEPTET_PART_LEAF,
                Kind::Multipart => SEPTET_PART_MULTIPART,
                Kind::Message => SEPTET_PART_MESSAGE,
            },
            start: range.start,
            end: range.end,
            header_start: head.start,
            header_end: head.end,
            body_start: body.start,
            body_end: body.end,
            content_type,
            content_type_len,
            transfer_encoding,
            transfer_encoding_len,
            filename,
            filename_len,
            section,
            section_len,
        }
    }
}
