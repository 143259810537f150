//! Deleting gtdocs' own folders: a staging folder a build gave up, the
//! site a build replaced, the leftovers of a killed build.

use std::fs;
use std::path::{Path, PathBuf};

use super::marker::MARKER;

/// A folder of gtdocs' own (a staging folder, an old site) deleted when
/// dropped, unless disarmed (it became the output).
pub(super) struct Removal {
    pub(super) path: PathBuf,
    armed: bool,
}

impl Removal {
    pub(super) fn new(path: PathBuf) -> Self {
        Removal { path, armed: true }
    }

    pub(super) fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Removal {
    fn drop(&mut self) {
        if self.armed {
            remove_output(&self.path);
        }
    }
}

/// Deletes an output folder with its marker last: a build killed part-way
/// through leaves a folder that still says it is gtdocs', which the next
/// build removes, never one it would have to leave as someone else's.
pub(super) fn remove_output(dir: &Path) {
    use rayon::prelude::*;
    // The entries two levels down, deleted side by side on every core (a
    // site's files sit in a few folders of thousands of entries each),
    // then the folders above them.
    let mut tops = Vec::new();
    let mut below = Vec::new();
    for entry in entries(dir) {
        if entry.file_name() == MARKER {
            continue;
        }
        if is_dir(&entry) {
            below.extend(entries(&entry.path()));
            tops.push(entry.path());
        } else {
            let _ = fs::remove_file(entry.path());
        }
    }
    below.par_iter().for_each(|entry| {
        let _ = if is_dir(entry) {
            fs::remove_dir_all(entry.path())
        } else {
            fs::remove_file(entry.path())
        };
    });
    for top in tops {
        let _ = fs::remove_dir_all(top);
    }
    let _ = fs::remove_file(dir.join(MARKER));
    let _ = fs::remove_dir(dir);
}

/// Whether `entry` is a folder, as the listing says (a symbolic link to
/// one is not: never followed, and no second look at the file).
pub(super) fn is_dir(entry: &fs::DirEntry) -> bool {
    entry.file_type().is_ok_and(|t| t.is_dir())
}

/// The entries of folder `dir`, none if it cannot be read.
pub(super) fn entries(dir: &Path) -> impl Iterator<Item = fs::DirEntry> {
    fs::read_dir(dir).into_iter().flatten().flatten()
}
