//! The corpus (corpus/generate.py): every message in LF and CRLF form gives
//! the same structure, flags, names and bodies (modulo CR), and the
//! structure matches corpus/expected.txt (regenerate it with
//! `SEPTET_BLESS=1 cargo test --test mime_corpus` after a deliberate change).

use septet::mime::Message;

fn corpus(form: &str) -> Vec<(String, Vec<u8>)> {
    let dir = format!("{}/../../corpus/{form}", env!("CARGO_MANIFEST_DIR"));
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    entries.sort();
    entries
        .into_iter()
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// One line per part: what must not depend on the line-break form.
fn describe(name: &str, data: &[u8]) -> Vec<String> {
    let msg = Message::parse(data).unwrap();
    msg.parts()
        .map(|p| {
            let (body, decode_flags) = p.decode_body();
            let body: Vec<u8> = body.iter().copied().filter(|&b| b != b'\r').collect();
            let header_text: String = p
                .headers()
                .filter(|h| h.is("subject") || h.is("from"))
                .map(|h| format!(" {}={:?}", h.name_str(), h.decoded()))
                .collect();
            format!(
                "{name} [{}] {} {:?} flags=[{}] decoded={}B fnv={:016x}{}{}",
                p.section(),
                p.content_type().mime_type(),
                p.kind(),
                p.flags() | decode_flags,
                body.len(),
                fnv(&body),
                p.filename()
                    .map(|f| format!(" filename={f:?}"))
                    .unwrap_or_default(),
                header_text,
            )
        })
        .collect()
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[test]
fn lf_and_crlf_forms_agree() {
    let lf = corpus("lf");
    let crlf = corpus("crlf");
    assert_eq!(lf.len(), crlf.len());
    assert!(lf.len() >= 30);
    for ((name, a), (name2, b)) in lf.iter().zip(&crlf) {
        assert_eq!(name, name2);
        assert_eq!(describe(name, a), describe(name, b), "{name}");
    }
}

#[test]
fn structure_matches_expected() {
    let actual: String = corpus("lf")
        .iter()
        .flat_map(|(name, data)| describe(name, data))
        .map(|l| l + "\n")
        .collect();
    let path = format!("{}/../../corpus/expected.txt", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("SEPTET_BLESS").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected =
        std::fs::read_to_string(&path).expect("corpus/expected.txt (SEPTET_BLESS=1 writes it)");
    if expected != actual {
        for (e, a) in expected.lines().zip(actual.lines()) {
            if e != a {
                panic!("corpus structure changed:\n expected: {e}\n   actual: {a}");
            }
        }
        panic!("corpus structure changed: different number of parts");
    }
}

#[test]
fn corpus_stays_small() {
    let total: usize = ["lf", "crlf"]
        .iter()
        .flat_map(|f| corpus(f))
        .map(|(_, d)| d.len())
        .sum();
    assert!(total < 1 << 20, "corpus is {total} bytes");
}
