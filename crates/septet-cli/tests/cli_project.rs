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

/// The README's main job, as written there (its `/tmp` paths moved to a
/// scratch folder), succeeds from the repository root: exit status 0, the
/// one refused corpus message set aside in the rejects file.
#[test]
fn the_readme_main_job_exits_0() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("cargo run --release -q -- convert")
        .expect("the README shows the main job");
    let mut command = String::new();
    for line in readme[start..].lines() {
        let (text, more) = match line.trim_end().strip_suffix('\\') {
            Some(text) => (text, true),
            None => (line, false),
        };
        command.push_str(text);
        command.push(' ');
        if !more {
            break;
        }
    }
    let dir = scratch("readme-main-job");
    let args: Vec<String> = command
        .split_whitespace()
        .skip(5) // cargo run --release -q --
        .map(|a| a.replace("/tmp/", &format!("{}/", dir.display())))
        .collect();
    assert_eq!(
        args.first().map(String::as_str),
        Some("convert"),
        "{command}"
    );
    let out = septet(&root, &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rejects = std::fs::read(dir.join("septet-rejects.mbox")).unwrap();
    assert!(rejects.starts_with(b"From "));
    assert!(dir.join("septet-corpus.mbox").exists());
    assert!(dir.join("septet-report.json").exists());
}
