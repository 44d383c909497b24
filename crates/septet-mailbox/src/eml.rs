//! Folders of `.eml` files (one message per file).

use std::fs;
use std::path::Path;

use super::{Error, MailFile};

/// The `.eml` files of `dir` (extension compared ASCII case-insensitively;
/// regular files and symlinks to them; names starting with `.` skipped),
/// sorted by file name. Other files are ignored.
pub fn list_eml(dir: &Path) -> Result<Vec<MailFile>, Error> {
    let mut files = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, "listing", e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, "listing", e))?;
        let name = entry.file_name();
        let bytes = name.as_encoded_bytes();
        let is_eml = bytes.len() > 4 && bytes[bytes.len() - 4..].eq_ignore_ascii_case(b".eml");
        if !is_eml || bytes.first() == Some(&b'.') {
            continue;
        }
        let path = entry.path();
        if let Some(file) =
            MailFile::stat(path.clone(), None).map_err(|e| Error::io(&path, "reading", e))?
        {
            files.push(file);
        }
    }
    files.sort_by(|a, b| a.path.file_name().cmp(&b.path.file_name()));
    Ok(files)
}
