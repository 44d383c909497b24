//! A changed multipart/signed part breaks its signature: `septet
//! downgrade` and `septet convert --downgrade` must say so on standard
//! error, not only in `--report`.
//!
//! Both the report field and the warning on standard error are tested.

mod common;

use std::fs;

use common::cli::{scratch, septet, stderr};

/// A signed message whose signed part is 8bit: the downgrade re-encodes it.
const SIGNED: &str = "From: a@example.org\nSubject: signed\nMIME-Version: 1.0\n\
Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256; boundary=\"b1\"\n\
\n--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
Gr\u{fc}\u{df}e\n--b1\nContent-Type: application/pgp-signature\n\n\
-----BEGIN PGP SIGNATURE-----\nxyz\n-----END PGP SIGNATURE-----\n--b1--\n";

#[test]
fn downgrade_report_flags_a_modified_signed_part() {
    let dir = scratch("signed-report");
    fs::write(dir.join("signed.eml"), SIGNED).unwrap();
    let out = septet(&dir, ["downgrade", "signed.eml", "--report", "r.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = fs::read_to_string(dir.join("r.json")).unwrap();
    assert!(report.contains(r#""signed_modified": true"#), "{report}");
}

#[test]
fn downgrade_warns_about_a_modified_signed_part() {
    let dir = scratch("signed-downgrade");
    fs::write(dir.join("signed.eml"), SIGNED).unwrap();
    let out = septet(&dir, ["downgrade", "signed.eml", "-o", "out.eml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let warning = stderr(&out);
    assert!(warning.contains("warning:"), "{warning}");
    assert!(warning.contains("multipart/signed"), "{warning}");
}

#[test]
fn convert_downgrade_warns_about_modified_signed_messages() {
    let dir = scratch("signed-convert");
    fs::write(
        dir.join("in.mbox"),
        format!("From a@b Mon Jan  1 00:00:00 2024\n{SIGNED}\n"),
    )
    .unwrap();
    let out = septet(
        &dir,
        ["convert", "in.mbox", "--downgrade", "-o", "out.mbox"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let warning = stderr(&out);
    assert!(warning.contains("warning:"), "{warning}");
    assert!(warning.contains("1 message"), "{warning}");
    assert!(warning.contains("multipart/signed"), "{warning}");
}
