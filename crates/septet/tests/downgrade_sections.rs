//! The downgrade report and the parsed tree describe the same parts the
//! same way: one section numbering (`mime::SectionPath`) and one reading
//! of Content-Type (the tokenizer's), for every corpus message and for
//! generated ones.

#[path = "common/downgrade_gen.rs"]
mod gen;
#[path = "common/downgrade_util.rs"]
mod util;

use septet::downgrade::Options;
use septet::mime::Message;

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    for form in ["crlf", "lf"] {
        let dir = format!("{}/../../corpus/{form}", env!("CARGO_MANIFEST_DIR"));
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        paths.sort();
        for p in paths {
            let name = format!("{form}/{}", p.file_name().unwrap().to_string_lossy());
            all.push((name, std::fs::read(&p).unwrap()));
        }
    }
    all
}

/// Asserts that the report of `data` lists the parts of its parse, with
/// the same sections and (where the part has a usable Content-Type) the
/// same media type. Returns false if the downgrade refused the message.
fn agree(name: &str, data: &[u8]) -> bool {
    let Ok((_, report)) = util::run_chunks([data]) else {
        return false;
    };
    let msg = Message::parse_with(data, Options::default().limits).unwrap();
    let parts: Vec<_> = msg.parts().collect();
    let sections: Vec<String> = parts.iter().map(|p| p.section()).collect();
    let reported: Vec<String> = report.parts.iter().map(|p| p.section.clone()).collect();
    assert_eq!(reported, sections, "{name}: sections");
    for (p, r) in parts.iter().zip(&report.parts) {
        let ct = p.content_type();
        if !ct.is_default() {
            assert_eq!(r.content_type, ct.mime_type(), "{name} [{}]", p.section());
        }
    }
    true
}

#[test]
fn corpus_sections_and_types_match_the_parse() {
    let corpus = corpus();
    let converted = corpus.iter().filter(|(n, d)| agree(n, d)).count();
    // Nearly all of the corpus downgrades; the refusals are deliberate cases.
    assert!(
        converted * 10 >= corpus.len() * 9,
        "{converted} of {}",
        corpus.len()
    );
}

#[test]
fn generated_sections_and_types_match_the_parse() {
    let mut g = gen::Gen::new(7);
    for round in 0..50 {
        for kind in 0..6 {
            for lf in [false, true] {
                let msg = gen::message(&mut g, kind, lf);
                agree(&format!("round {round} kind {kind} lf {lf}"), &msg);
            }
        }
    }
}

#[test]
fn nested_and_single_part_sections() {
    let nested = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n\
                   --b\r\nContent-Type: message/rfc822\r\n\r\n\
                   Subject: inner\r\n\r\nhello\r\n\
                   --b\r\nContent-Type: message/rfc822\r\n\r\n\
                   Content-Type: multipart/alternative; boundary=c\r\n\r\n\
                   --c\r\n\r\none\r\n--c\r\n\r\ntwo\r\n--c--\r\n\
                   --b--\r\n";
    let (_, report) = util::run(nested);
    let sections: Vec<&str> = report.parts.iter().map(|p| p.section.as_str()).collect();
    assert_eq!(sections, ["", "1", "1.1", "2", "2", "2.1", "2.2"]);
    assert!(agree("nested", nested));
    let (_, report) = util::run(b"Subject: x\r\n\r\nbody\r\n");
    assert_eq!(report.parts[0].section, "1");
}
