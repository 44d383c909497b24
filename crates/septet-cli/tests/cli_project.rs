//! What a new user checks before trusting the tool: the licence files
//! Cargo.toml promises, and exit statuses documented in `--help`.

mod common;

use std::path::Path;

use common::cli::{scratch, septet};

#[test]
fn licence_files_exist_for_the_promised_licence() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(manifest.contains(r#"license = "MIT OR Apache-2.0""#));
    let mit = std::fs::read_to_string(root.join("LICENSE-MIT")).unwrap();
    assert!(mit.contains("Copyright (c) the septet developers"));
    assert!(mit.contains("Permission is hereby granted, free of charge"));
    let apache = std::fs::read_to_string(root.join("LICENSE-APACHE")).unwrap();
    assert!(apache.contains("Apache License\n                        Version 2.0, January 2004"));
    assert!(apache.contains("END OF TERMS AND CONDITIONS"));
}

#[test]
fn help_lists_every_exit_status() {
    let help = septet(&scratch("help-exit"), ["--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    for status in [
        "0  success",
        "1  error",
        "2  usage error",
        "3  convert finished",
    ] {
        assert!(text.contains(status), "{status}: {text}");
    }
}
