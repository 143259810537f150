//! A twin of the output: a folder of hard links to its files, kept in the
//! cache folder as the previous output when a build has no replaced
//! output to keep there (the first build with a cache, or one whose
//! output was not indexed).
//!
//! The next build recycles the previous output as its staging folder and
//! keeps every file whose unit did not change. Without a previous output
//! it must link each file of the output into a new folder instead (at
//! 10,000 runbooks, 62,000 links and 11,000 folders: a third of a
//! one-runbook rebuild). A build that writes every file anyway makes that
//! folder now, so that the first edit after it costs what every other
//! edit costs.

use std::fs;
use std::path::Path;

use super::index::Index;
use super::marker::{MARKER, MARKER_TEXT};
use super::removal::remove_output;
use super::stamp::Stamp;
#[cfg(unix)]
use super::stamp::{Folder, folder_id};

/// What a twin's index has of its own: its folder's identity, and the
/// stamps of its folders.
pub(super) type Own = (Option<(u64, u64)>, Vec<(String, Stamp)>);

/// Makes folder `dir` (which must not exist) a twin of output `out`,
/// whose index is `index`: every folder made, every file linked. Returns
/// what the twin's index has of its own ([`Index::twin`]); `None` when a
/// step failed (the file system has no hard links, it is full): nothing
/// is left at `dir` then.
pub(super) fn make(out: &Path, dir: &Path, index: &Index) -> Option<Own> {
    fs::create_dir(dir).ok()?;
    let made = fs::write(dir.join(MARKER), MARKER_TEXT)
        .ok()
        .and_then(|()| fill(out, dir, index));
    if made.is_none() {
        remove_output(dir);
    }
    made
}

/// Fills the new folder `dir` (holding only its marker) with the folders
/// and links of `out`, then stamps its folders.
#[cfg(unix)]
fn fill(out: &Path, dir: &Path, index: &Index) -> Option<Own> {
    use rayon::prelude::*;
    let (out, twin) = (
        Folder::open(out.to_path_buf()),
        Folder::open(dir.to_path_buf()),
    );
    let made = |result: std::io::Result<()>| match result {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    };
    // One link first: a file system without hard links fails here, before
    // thousands of folders are made for nothing.
    if let Some((first, rest)) = index.files.split_first() {
        let parents = first.path.match_indices('/').map(|(i, _)| &first.path[..i]);
        for parent in parents {
            made(twin.mkdir(parent)).ok()?;
        }
        out.link(&first.path, &twin).ok()?;
        // Folders by depth, each level side by side: a folder's parent is
        // always made before it (the first file's are there already).
        let mut levels: Vec<Vec<&str>> = Vec::new();
        for (d, _) in &index.dirs {
            if d.is_empty() {
                continue;
            }
            let depth = d.matches('/').count();
            if levels.len() <= depth {
                levels.resize_with(depth + 1, Vec::new);
            }
            levels[depth].push(d);
        }
        for level in &levels {
            level
                .par_iter()
                .try_for_each(|d| made(twin.mkdir(d)))
                .ok()?;
        }
        rest.par_iter()
            .try_for_each(|e| out.link(&e.path, &twin))
            .ok()?;
    }
    let dirs = index
        .dirs
        .par_iter()
        .map(|(d, _)| twin.stamp(d).map(|s| (d.clone(), s)))
        .collect::<Option<Vec<_>>>()?;
    Some((folder_id(dir), dirs))
}

/// Elsewhere no file is known to be unchanged (see [`Stamp::of`]): a twin
/// would never be reused.
#[cfg(not(unix))]
fn fill(_: &Path, _: &Path, _: &Index) -> Option<Own> {
    None
}
