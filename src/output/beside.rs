//! The folders a build makes beside the output, by name: its staging
//! folder, the old site's set-aside folder, the default cache; the lock
//! one build at a time holds; what a killed build left there.

use std::fs;
use std::path::{Path, PathBuf};

use super::folder::is_empty;
use super::marker::written_by_gtdocs;
use super::removal::{entries, is_dir, remove_output};

/// The staging folders of output `name` start with this (a build killed
/// part-way leaves one, holding a partial new site or the old one).
pub(super) fn staging_prefix(name: &str) -> String {
    format!(".{}.tmp-", short(name))
}

/// The name of output folder `out` (`site` when its path names none).
pub(super) fn output_name(out: &Path) -> String {
    out.file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned())
}

/// The build cache of output folder `out`, when no other is named:
/// `.<name>.cache` beside it (on the same file system, so the previous
/// output it keeps can be swapped in), its name shortened as the staging
/// folder's.
pub fn default_cache_dir(out: &Path) -> PathBuf {
    let parent = out.parent().unwrap_or(Path::new(""));
    parent.join(format!(".{}.cache", short(&output_name(out))))
}

/// At most 200 bytes of an output's name in the names beside it, so that
/// they fit in a file name (255 bytes) whatever the output's.
pub(super) fn short(name: &str) -> &str {
    &name[..crate::diagnostic::floor_char_boundary(name, 200)]
}

/// The previous site's name inside its set-aside folder.
pub(super) const ASIDE_SITE: &str = "site";

/// Where the fallback swap puts the old site aside.
pub(super) fn aside_prefix(name: &str) -> String {
    format!(".{}.old-", short(name))
}

/// Removes the staging and set-aside folders of `name` in `parent` that a
/// killed build left. Run under the folder lock, so no other build is using
/// them. A folder that only looks like one (no marker, not the layout a
/// build leaves) is someone else's and stays.
pub(super) fn remove_leftovers(parent: &Path, name: &str) {
    let (staging, aside) = (staging_prefix(name), aside_prefix(name));
    for entry in entries(parent) {
        if !is_dir(&entry) {
            continue;
        }
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let path = entry.path();
        let ours = if file_name.starts_with(&staging) {
            // A staging folder gets the marker first thing.
            is_empty(&path).unwrap_or(false) || written_by_gtdocs(&path)
        } else if file_name.starts_with(&aside) {
            // A set-aside folder holds the previous site as `site`, or nothing.
            left_aside(&path)
        } else {
            false
        };
        if ours {
            // The old site inside a set-aside folder first, its marker last.
            remove_output(&path.join(ASIDE_SITE));
            remove_output(&path);
        }
    }
}

/// What the fallback swap leaves if killed: an empty folder, or one whose
/// only entry is the previous site (a folder gtdocs wrote, or an empty one).
pub(super) fn left_aside(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    let entries: Vec<_> = entries.take(2).collect();
    match entries.as_slice() {
        [] => true,
        [Ok(only)] => {
            only.file_name() == ASIDE_SITE
                && only.file_type().is_ok_and(|t| t.is_dir())
                && (is_empty(&only.path()).unwrap_or(false) || written_by_gtdocs(&only.path()))
        }
        _ => false,
    }
}

/// An exclusive lock on `folder` (flock on the folder itself: no lock file
/// to leave behind), released when the handle is dropped. Best effort: a
/// file system without locks builds unlocked.
pub(super) fn lock_folder(folder: &Path) -> Option<std::fs::File> {
    let handle = fs::File::open(folder).ok()?;
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{FlockOperation, flock};
        flock(&handle, FlockOperation::LockExclusive).ok()?;
    }
    Some(handle)
}
