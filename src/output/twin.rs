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
use super::stamp::{Stamp, folder_id};

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
    let at = Folders::open(out, dir)?;
    // One link first: a file system without hard links fails here, before
    // thousands of folders are made for nothing.
    if let Some((first, rest)) = index.files.split_first() {
        make_parents(&at, &first.path)?;
        at.link(&first.path).ok()?;
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
                .try_for_each(|d| match at.mkdir(d) {
                    Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
                    _ => Ok(()),
                })
                .ok()?;
        }
        rest.par_iter().try_for_each(|e| at.link(&e.path)).ok()?;
    }
    let dirs = index
        .dirs
        .par_iter()
        .map(|(d, _)| at.stamp(d).map(|s| (d.clone(), s)))
        .collect::<Option<Vec<_>>>()?;
    Some((folder_id(dir), dirs))
}

/// Elsewhere no file is known to be unchanged (see [`Stamp::of`]): a twin
/// would never be reused.
#[cfg(not(unix))]
fn fill(_: &Path, _: &Path, _: &Index) -> Option<Own> {
    None
}

/// The folders of `path`'s parents that `make` has not made yet (the
/// first file's, before the others are made level by level).
#[cfg(unix)]
fn make_parents(at: &Folders, path: &str) -> Option<()> {
    let mut end = 0;
    while let Some(i) = path[end..].find('/') {
        end += i;
        match at.mkdir(&path[..end]) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(_) => return None,
        }
        end += 1;
    }
    Some(())
}

/// The output and its twin, each open as a place to resolve relative
/// paths from (Linux: tens of thousands of paths not walked from `/`).
#[cfg(unix)]
struct Folders<'a> {
    #[cfg(not(target_os = "linux"))]
    out: &'a Path,
    dir: &'a Path,
    #[cfg(target_os = "linux")]
    fds: (std::os::fd::OwnedFd, std::os::fd::OwnedFd),
}

#[cfg(unix)]
impl<'a> Folders<'a> {
    fn open(out: &'a Path, dir: &'a Path) -> Option<Self> {
        Some(Folders {
            #[cfg(not(target_os = "linux"))]
            out,
            dir,
            #[cfg(target_os = "linux")]
            fds: (super::stamp::open_path(out)?, super::stamp::open_path(dir)?),
        })
    }

    /// Links the output's file `rel` at `rel` in the twin.
    fn link(&self, rel: &str) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            let (out, dir) = &self.fds;
            rustix::fs::linkat(out, rel, dir, rel, rustix::fs::AtFlags::empty())
                .map_err(std::io::Error::from)
        }
        #[cfg(not(target_os = "linux"))]
        fs::hard_link(self.out.join(rel), self.dir.join(rel))
    }

    /// Makes folder `rel` in the twin (the folder above it exists).
    fn mkdir(&self, rel: &str) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            let mode = rustix::fs::Mode::from_bits_truncate(0o777);
            rustix::fs::mkdirat(&self.fds.1, rel, mode).map_err(std::io::Error::from)
        }
        #[cfg(not(target_os = "linux"))]
        fs::create_dir(self.dir.join(rel))
    }

    /// The stamp of folder `rel` of the twin ("": the twin itself).
    fn stamp(&self, rel: &str) -> Option<Stamp> {
        #[cfg(target_os = "linux")]
        if !rel.is_empty() {
            return Stamp::at(&self.fds.1, rel);
        }
        Stamp::read(&self.dir.join(rel))
    }
}
