//! Helpers shared by the edge-case tests.

use septet::mime::{Message, Part};

pub fn types(msg: &Message<'_>) -> Vec<String> {
    msg.parts().map(|p| p.content_type().mime_type()).collect()
}

pub fn leaves<'m, 'a>(msg: &'m Message<'a>) -> Vec<Part<'m, 'a>> {
    msg.parts().filter(|p| p.is_leaf()).collect()
}

pub fn decoded(p: &Part<'_, '_>) -> Vec<u8> {
    p.decoded_body().unwrap().into_owned()
}

pub fn nth<'m, 'a>(msg: &'m Message<'a>, i: usize) -> Part<'m, 'a> {
    msg.part(i).unwrap()
}

pub const NESTED: &str = "Content-Type: multipart/mixed; boundary=b\n\npre\n--b\nContent-Type: text/plain\n\nline 1\nline 2\n--b\nContent-Type: message/rfc822\n\nSubject: x\nContent-Type: multipart/alternative; boundary=c\n\n--c\n\nin\n--c\nContent-Transfer-Encoding: base64\n\naGk=\n--c--\n--b--\nepi\n";
