//! `septet inspect`: the MIME structure of one message, as an indented tree
//! or as JSON.

use std::io::Write;
use std::path::PathBuf;

use septet::mime::{Flags, Message, Part};
use septet_mailbox::{sniff, Sniffed};
use serde::Serialize;

use crate::io::{Input, Output, CHUNK};
use crate::Failure;

/// Arguments of `septet inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The message file (standard input if absent or `-`).
    input: Option<PathBuf>,
    /// Print one JSON object per part, nested by `children`.
    #[arg(long)]
    json: bool,
}

/// One part in the JSON output.
#[derive(Debug, Serialize)]
struct PartJson {
    section: String,
    content_type: String,
    charset: Option<String>,
    transfer_encoding: String,
    disposition: Option<String>,
    filename: Option<String>,
    header_offset: usize,
    body_offset: usize,
    body_length: usize,
    decoded_length: usize,
    flags: Vec<&'static str>,
    children: Vec<PartJson>,
}

/// What is reported for every part, in either format.
struct Facts {
    json: PartJson,
    depth: usize,
}

fn facts(part: Part<'_, '_>) -> Facts {
    let ct = part.content_type();
    let mut flags = part.flags();
    let decoded_length = if part.is_leaf() {
        let (bytes, decode_flags) = part.decode_body();
        flags |= decode_flags;
        bytes.len()
    } else {
        part.body_raw().len()
    };
    Facts {
        depth: part.depth(),
        json: PartJson {
            section: part.section(),
            content_type: ct.mime_type(),
            charset: ct.charset().map(str::to_owned),
            transfer_encoding: part.transfer_encoding().as_str().to_owned(),
            disposition: part.disposition().map(|d| d.kind().to_owned()),
            filename: part.filename(),
            header_offset: part.range().start,
            body_offset: part.body_range().start,
            body_length: part.body_range().len(),
            decoded_length,
            flags: flag_names(flags),
            children: Vec::new(),
        },
    }
}

fn flag_names(flags: Flags) -> Vec<&'static str> {
    flags.names().collect()
}

/// Nests the parts by `children` without recursion: parts are depth-first,
/// so building from the last one up finds every child already built.
fn nest(msg: &Message<'_>) -> Option<PartJson> {
    let mut built: Vec<Option<PartJson>> = msg.parts().map(|_| None).collect();
    for part in msg.parts().rev() {
        let mut json = facts(part).json;
        json.children = part
            .children()
            .filter_map(|c| built[c.index()].take())
            .collect();
        built[part.index()] = Some(json);
    }
    built.into_iter().next().flatten()
}

fn line(part: Part<'_, '_>) -> String {
    let Facts { json: j, depth } = facts(part);
    let mut s = format!(
        "{}{} {}",
        "  ".repeat(depth),
        section_label(&j.section),
        j.content_type
    );
    if let Some(cs) = &j.charset {
        s.push_str(&format!("; charset={cs}"));
    }
    s.push_str(&format!("  {}", j.transfer_encoding));
    if let Some(d) = &j.disposition {
        s.push_str(&format!("  {d}"));
    }
    if let Some(f) = &j.filename {
        s.push_str(&format!("  {f:?}"));
    }
    s.push_str(&format!(
        "  headers@{} body@{}+{}",
        j.header_offset, j.body_offset, j.body_length
    ));
    if part.is_leaf() {
        s.push_str(&format!(" -> {} decoded", j.decoded_length));
    }
    if !j.flags.is_empty() {
        s.push_str(&format!("  [{}]", j.flags.join(", ")));
    }
    s.push('\n');
    s
}

fn section_label(section: &str) -> String {
    if section.is_empty() {
        "[root]".to_owned()
    } else {
        format!("[{section}]")
    }
}

/// The length of an mbox envelope line (`From sender date`) that `data`
/// starts with, if what follows it is one message (a header block, and no
/// further `From ` separator line: else it is an mbox, which
/// [`not_a_message`] warns about).
fn envelope(data: &[u8]) -> Option<usize> {
    let n = septet::downgrade::envelope_line(data)?;
    let rest = &data[n..];
    let another = rest.windows(6).enumerate().any(|(i, w)| {
        let before = &rest[..i];
        w == b"\nFrom " && (before.ends_with(b"\n") || before.ends_with(b"\n\r"))
    });
    (sniff(rest) == Sniffed::Message && !another).then_some(n)
}

/// A warning when `data` does not look like one message (the library's
/// [`sniff`](septet_mailbox::sniff) decides, as for `septet convert`); the
/// tree is printed anyway, since the parser reads anything.
fn not_a_message(data: &[u8]) -> Option<String> {
    match sniff(data) {
        Sniffed::Message => None,
        Sniffed::Empty => Some("the input is empty (no header block)".into()),
        Sniffed::Mbox => Some(
            "this looks like an mbox (it starts with a `From ` line), not one message; \
             use `septet convert IN --to maildir -o DIR` to split it into message files, \
             then inspect one of them"
                .into(),
        ),
        Sniffed::NotMail(reason) => Some(format!("this does not look like a message: {reason}")),
    }
}

fn read_all(input: &mut Input) -> Result<Vec<u8>, Failure> {
    let mut data = Vec::new();
    loop {
        let start = data.len();
        data.resize(start + CHUNK, 0);
        let n = input.read_chunk(&mut data[start..])?;
        data.truncate(start + n);
        if n < CHUNK {
            return Ok(data);
        }
    }
}

/// Parses the message and prints its tree.
pub fn run(args: Args) -> Result<(), Failure> {
    let mut input = Input::open(args.input.as_deref())?;
    let all = read_all(&mut input)?;
    // A message file saved from an mbox: its envelope line is not part of
    // the message (the parser would read it as the end of an empty header
    // block, and the headers as body text).
    let skip = envelope(&all).unwrap_or(0);
    let data = &all[skip..];
    let warning = if skip > 0 {
        Some(format!(
            "this looks like an mbox holding one message: skipped its `From ` envelope line \
             ({skip} bytes) and inspected the message after it (offsets count from there); \
             for a whole mbox, use `septet convert IN --to maildir -o DIR`"
        ))
    } else {
        not_a_message(data)
    };
    if let Some(warning) = warning {
        eprintln!("septet: inspect: warning: {warning}");
    }
    let msg = Message::parse(data).map_err(|e| Failure::Error(format!("inspect: {e}")))?;
    let mut out = Output::create(None)?;
    let text = if args.json {
        let root = nest(&msg);
        let mut json = simd_json::to_string(&root)
            .map_err(|e| Failure::Error(format!("inspect: JSON: {e}")))?;
        json.push('\n');
        json
    } else {
        msg.parts().map(line).collect()
    };
    out.write_all(text.as_bytes())
        .map_err(|e| out.write_failure(e))?;
    out.commit()
}
