//! The file that marks a folder as gtdocs' own output, which a build may
//! replace.

use std::fs;
use std::path::Path;

/// The file at the top of every output folder gtdocs writes. A build
/// replaces a folder only if it has this file (or the layout of an earlier
/// version), is empty, or does not exist yet: never a folder of someone
/// else's files.
pub(super) const MARKER: &str = ".gtdocs-output";
pub(super) const MARKER_TEXT: &str = "This folder is written by `gtdocs build`, which replaces it whole on every build.\n\
    Anything put here by hand is lost at the next build.\n";

/// What an output of a version before the marker held at its top.
const LEGACY_FOLDERS: [&str; 3] = ["html", "json", "wiki"];

/// A folder with the marker, or laid out as an output of an earlier
/// version: only `html/`, `json/`, `wiki/`, and a manifest that names
/// gtdocs as its generator (a folder of web files may well hold a
/// `json/manifest.json`).
pub(super) fn written_by_gtdocs(dir: &Path) -> bool {
    if fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file()) {
        return true;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    for entry in entries {
        let Ok(entry) = entry else { return false };
        let legacy = LEGACY_FOLDERS.iter().any(|f| entry.file_name() == *f)
            && entry.file_type().is_ok_and(|t| t.is_dir());
        if !legacy {
            return false;
        }
    }
    let manifest = dir.join("json").join("manifest.json");
    if !fs::symlink_metadata(&manifest).is_ok_and(|m| m.is_file()) {
        return false;
    }
    // Its head is enough: `generator` is the third key of every version's.
    let mut head = Vec::with_capacity(4096);
    let read = fs::File::open(&manifest)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 4096), &mut head));
    read.is_ok() && generator_is_gtdocs(&String::from_utf8_lossy(&head))
}

fn generator_is_gtdocs(head: &str) -> bool {
    static GENERATOR: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"^\s*\{[^{}]*"generator"\s*:\s*\{\s*"name"\s*:\s*"gtdocs""#).ok()
    });
    GENERATOR.as_ref().is_some_and(|re| re.is_match(head))
}
