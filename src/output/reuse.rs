//! What lets a build reuse the files of earlier ones: an index of every
//! output folder gtdocs keeps (the output, and the previous output kept in
//! the cache folder), which says for each file its content's fingerprint
//! and how it was on disk when written (inode, size, modification time),
//! and which files each rendered unit (a runbook's page, a part of the
//! search index) made, under the fingerprint of what the unit was made
//! from.
//!
//! A file is reused only if it is still as written: a file changed,
//! replaced or removed since (by hand, by another tool) is written again.
//! A folder whose modification time moved has its entries listed, and
//! anything the index does not name is removed (the output is gtdocs'
//! own, and its marker says so).

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::index::{
    CURRENT, Entry, Index, Indexes, PREVIOUS, PREVIOUS_DIR, PathSet, Spans, Unusable,
};
use super::marker::written_by_gtdocs;
use super::removal::{Removal, remove_output};
use super::stamp::{Folder, Stamp, folder_id};
use crate::cache::{self, Fingerprint, Ignored, Table};

/// A map by fingerprint: hashed with foldhash (tens of thousands of
/// units and fragments are put in one at every build).
type ByKey<V> = HashMap<Fingerprint, V, foldhash::fast::RandomState>;

/// An index made usable: files by path (sorted, found by binary
/// search: no second copy of 60,000 paths), units by fingerprint.
pub(super) struct Known {
    /// The folder: each file's stamp is read from there.
    pub folder: Folder,
    files: Vec<Entry>,
    units: ByKey<Vec<u32>>,
    dirs: Vec<(String, Stamp)>,
    fragments: Vec<(String, Spans)>,
    derived: ByKey<Fingerprint>,
}

impl Known {
    pub(super) fn new(dir: PathBuf, index: Index) -> Self {
        let mut files = index.files;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Known {
            folder: Folder::open(dir),
            files,
            units: index.units.into_iter().collect(),
            dirs: index.dirs,
            fragments: index.fragments,
            derived: index.derived.into_iter().collect(),
        }
    }

    /// The files made of fragments that are still as written, open for
    /// reading, with their fragments by key.
    pub(super) fn fragment_files(&self) -> HashMap<String, Fragments> {
        self.fragments
            .iter()
            .filter(|(path, _)| self.unchanged(path).is_some())
            .filter_map(|(path, list)| {
                let file = fs::File::open(self.folder.path.join(path)).ok()?;
                let spans = list.iter().map(|(k, at, len)| (*k, (*at, *len))).collect();
                Some((path.clone(), Fragments { file, spans }))
            })
            .collect()
    }

    fn get(&self, path: &str) -> Option<&Entry> {
        self.files
            .binary_search_by(|e| e.path.as_str().cmp(path))
            .ok()
            .and_then(|i| self.files.get(i))
    }

    /// Every file's path.
    pub(super) fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|e| e.path.as_str())
    }

    /// Whether `entry`'s file is still as written.
    fn is_unchanged(&self, entry: &Entry) -> bool {
        self.folder.stamp(&entry.path) == Some(entry.stamp)
    }

    /// The entry of `path` if the file is still as written.
    pub(super) fn unchanged(&self, path: &str) -> Option<&Entry> {
        self.get(path).filter(|entry| self.is_unchanged(entry))
    }

    /// Whether the index names unit `key`.
    pub(super) fn has_unit(&self, key: Fingerprint) -> bool {
        self.units.contains_key(&key)
    }

    /// The files of unit `key`, if it is known and each is still as
    /// written.
    pub(super) fn unit(&self, key: Fingerprint) -> Option<Vec<Entry>> {
        self.units
            .get(&key)?
            .iter()
            .map(|&i| {
                let entry = self.files.get(i as usize)?;
                self.is_unchanged(entry).then(|| entry.clone())
            })
            .collect()
    }

    /// Removes what was put in the folder since it was indexed: in each
    /// folder whose modification time moved, every entry the index does
    /// not name.
    pub(super) fn remove_strays(&self) {
        use rayon::prelude::*;
        let moved: Vec<&str> = self
            .dirs
            .par_iter()
            .filter(|(dir, stamp)| self.folder.stamp(dir) != Some(*stamp))
            .map(|(dir, _)| dir.as_str())
            .collect();
        if moved.is_empty() {
            return;
        }
        let named: HashSet<&str> = self
            .paths()
            .chain(self.dirs.iter().map(|(d, _)| d.as_str()))
            .collect();
        for dir in moved {
            let path = self.folder.path.join(dir);
            for entry in fs::read_dir(&path).into_iter().flatten().flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else {
                    remove_any(&entry.path());
                    continue;
                };
                let rel = if dir.is_empty() {
                    name.to_string()
                } else {
                    format!("{dir}/{name}")
                };
                if dir.is_empty() && name == super::marker::MARKER {
                    continue;
                }
                if !named.contains(rel.as_str()) {
                    remove_any(&entry.path());
                }
            }
        }
    }
}

/// A file made of fragments, open, and where each fragment sits in it.
pub(super) struct Fragments {
    file: fs::File,
    spans: ByKey<(u64, u64)>,
}

impl Fragments {
    fn read(&self, key: Fingerprint) -> Option<Vec<u8>> {
        let (at, len) = *self.spans.get(&key)?;
        read_at(&self.file, usize::try_from(len).ok()?, at).ok()
    }
}

/// `len` bytes of `file` from offset `at`, read into memory that is not
/// zeroed first (the fragments of a manifest and `llms-full.txt`: over
/// 100 MB per build at 10,000 runbooks).
#[cfg(target_os = "linux")]
fn read_at(file: &fs::File, len: usize, at: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(len);
    while buf.len() < len {
        let from = at + buf.len() as u64;
        if rustix::io::pread(file, rustix::buffer::spare_capacity(&mut buf), from)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
    // The capacity may exceed `len`, and the reads with it.
    buf.truncate(len);
    Ok(buf)
}

#[cfg(all(unix, not(target_os = "linux")))]
fn read_at(file: &fs::File, len: usize, at: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0; len];
    std::os::unix::fs::FileExt::read_exact_at(file, &mut buf, at)?;
    Ok(buf)
}

#[cfg(not(unix))]
fn read_at(_: &fs::File, _: usize, _: u64) -> std::io::Result<Vec<u8>> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Removes a file, a link or a whole folder.
pub(super) fn remove_any(path: &Path) {
    let is_dir = fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
    let _ = if is_dir {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    };
}

/// An earlier build's output, reused through the cache folder.
pub(super) struct Reuse {
    pub(super) cache: PathBuf,
    /// The previous output, which became this staging folder: its files
    /// as that build wrote them (`None`: it was not usable).
    pub(super) recycled: Option<Known>,
    /// The output being replaced: its files can be linked in.
    pub(super) current: Option<Known>,
    /// Every file of the new output.
    pub(super) entries: Mutex<Vec<Entry>>,
    /// Every unit of the new output, and its files.
    pub(super) units: Mutex<Vec<(Fingerprint, Vec<String>)>>,
    /// The files of the new output made of fragments, and where they sit.
    pub(super) fragments: Mutex<Vec<(String, Spans)>>,
    /// Keys derived from others, for the new output's index.
    pub(super) derived: Mutex<Vec<(Fingerprint, Fingerprint)>>,
    /// The fragments of the output being replaced, by file.
    pub(super) sources: HashMap<String, Fragments>,
    /// What was found, for `-v`.
    pub(super) found: String,
}

impl Reuse {
    /// Opens the cache folder `cache` of output `out`, which the build
    /// made its cache first ([`super::prepare_cache_dir`]); `staging` is
    /// the new, empty staging folder, which the previous output replaces
    /// when it can be reused.
    pub(super) fn open(cache: &Path, out: &Path, staging: &Path, indexes: Indexes) -> Self {
        cache::remove_leftovers(cache);
        let mut found = Vec::new();
        // Read before the build took the lock on the output: each index
        // must still describe its folder now, the previous output's once
        // it is the staging folder (it keeps its inode).
        let Indexes { current, previous } = indexes;
        let previous_dir = cache.join(PREVIOUS_DIR);
        let previous_table = Table::new(cache, PREVIOUS);
        let current = current
            .and_then(|index| index.describing(out))
            .or_else(|_| Index::read(&Table::new(cache, CURRENT), out));
        let current = match current {
            Ok(index) => Some(Known::new(out.to_path_buf(), index)),
            Err(Unusable::Table(Ignored::Missing)) => None,
            Err(why) => {
                found.push(format!("the output's index: {why}"));
                None
            }
        };
        let mut recycled = None;
        if fs::symlink_metadata(&previous_dir).is_ok_and(|m| m.is_dir())
            && written_by_gtdocs(&previous_dir)
        {
            match previous {
                // Renamed onto the new staging folder, which is empty.
                Ok(index) if fs::rename(&previous_dir, staging).is_ok() => {
                    // Replaced by another build since it was read: its
                    // index is read again.
                    let index = index
                        .describing(staging)
                        .or_else(|_| Index::read(&previous_table, staging));
                    match index {
                        Ok(index) => {
                            let known = Known::new(staging.to_path_buf(), index);
                            known.remove_strays();
                            recycled = Some(known);
                        }
                        // Unknown files: the staging folder starts empty.
                        Err(why) => {
                            found.push(format!("the previous output's index: {why}"));
                            remove_output(staging);
                            let _ = fs::create_dir(staging);
                        }
                    }
                }
                other => {
                    if let Err(why) = other {
                        found.push(format!("the previous output's index: {why}"));
                    }
                    remove_output(&previous_dir);
                }
            }
        }
        let _ = fs::remove_file(previous_table.path());
        let found = if found.is_empty() {
            format!(
                "reused: previous output {}, current output {}",
                if recycled.is_some() { "yes" } else { "no" },
                if current.is_some() { "yes" } else { "no" }
            )
        } else {
            found.join("; ")
        };
        let sources = current
            .as_ref()
            .map(Known::fragment_files)
            .unwrap_or_default();
        Reuse {
            sources,
            cache: cache.to_path_buf(),
            recycled,
            current,
            entries: Mutex::new(Vec::new()),
            units: Mutex::new(Vec::new()),
            fragments: Mutex::new(Vec::new()),
            derived: Mutex::new(Vec::new()),
            found,
        }
    }

    /// The key an earlier build derived from `from`.
    pub(super) fn derived_key(&self, from: Fingerprint) -> Option<Fingerprint> {
        [&self.recycled, &self.current]
            .into_iter()
            .flatten()
            .find_map(|known| known.derived.get(&from).copied())
    }

    /// Fragment `key` of file `path` of the output being replaced.
    pub(super) fn fragment(&self, path: &str, key: Fingerprint) -> Option<Vec<u8>> {
        self.sources.get(path)?.read(key)
    }

    /// The new output's index, once every file is written: the previous
    /// output's files this build did not write or keep are removed first,
    /// and the folders it no longer has.
    pub(super) fn finish(&mut self, dir: &Path, written: PathSet) -> Index {
        use rayon::prelude::*;
        // What was read of the earlier outputs is freed on the pool (idle
        // by now), beside the work below, not one allocation at a time
        // before it.
        if let Some(current) = self.current.take() {
            rayon::spawn(move || drop(current));
        }
        self.sources.clear();
        let old = self.recycled.take();
        if let Some(old) = &old {
            let stale: Vec<&str> = old.paths().filter(|p| !written.contains(*p)).collect();
            stale.par_iter().for_each(|p| {
                let _ = fs::remove_file(dir.join(p));
            });
        }
        drop(written);
        let old_dirs = old
            .map(|mut old| {
                let dirs = std::mem::take(&mut old.dirs);
                rayon::spawn(move || drop(old));
                dirs
            })
            .unwrap_or_default();
        let mut files = std::mem::take(&mut *lock(&self.entries));
        // Every folder above a file, each named once: a file's parents are
        // walked up only as far as the first one already found.
        let mut dirs: Vec<String> = {
            let mut found: HashSet<&str> = HashSet::from([""]);
            for entry in &files {
                let mut path = entry.path.as_str();
                while let Some((parent, _)) = path.rsplit_once('/') {
                    if !found.insert(parent) {
                        break;
                    }
                    path = parent;
                }
            }
            found.into_iter().map(str::to_owned).collect()
        };
        // Paths are unique (the staging folder refuses a second write).
        rayon::join(
            || files.par_sort_unstable_by(|a, b| a.path.cmp(&b.path)),
            || dirs.sort_unstable(),
        );
        let keep: HashSet<&str> = dirs.iter().map(String::as_str).collect();
        let mut gone: Vec<&str> = old_dirs
            .iter()
            .map(|(d, _)| d.as_str())
            .filter(|d| !keep.contains(d))
            .collect();
        // Deepest first.
        gone.sort_by_key(|d| std::cmp::Reverse(d.len()));
        for d in gone {
            let _ = fs::remove_dir(dir.join(d));
        }
        drop(keep);
        drop(old_dirs);
        let folder = Folder::open(dir.to_path_buf());
        let dirs = dirs
            .into_par_iter()
            .filter_map(|d| folder.stamp(&d).map(|s| (d, s)))
            .collect();
        let position = |path: &str| {
            files
                .binary_search_by(|e| e.path.as_str().cmp(path))
                .ok()
                .map(|i| i as u32)
        };
        let mut units: Vec<(Fingerprint, Vec<u32>)> = std::mem::take(&mut *lock(&self.units))
            .into_par_iter()
            .map(|(key, paths)| (key, paths.iter().filter_map(|p| position(p)).collect()))
            .collect();
        units.par_sort_unstable();
        units.dedup_by(|a, b| a.0 == b.0);
        let mut fragments = std::mem::take(&mut *lock(&self.fragments));
        fragments.sort_by(|a, b| a.0.cmp(&b.0));
        let mut derived = std::mem::take(&mut *lock(&self.derived));
        derived.sort_unstable();
        derived.dedup_by(|a, b| a.0 == b.0);
        Index {
            folder: folder_id(dir),
            files,
            dirs,
            units,
            fragments,
            derived,
        }
    }

    /// After the swap: the replaced output (`old`) is kept as the previous
    /// output with its index, and the new output's index written. With no
    /// replaced output to keep, a twin of the new output (`out`) is made
    /// the previous output instead ([`super::twin`]). A step that fails
    /// leaves no index that could describe the wrong folder.
    pub(super) fn keep(self, out: &Path, old: Option<Removal>, had_current: bool, index: &Index) {
        let previous_dir = self.cache.join(PREVIOUS_DIR);
        let current = Table::new(&self.cache, CURRENT);
        // The replaced output's index describes it by its inode, wherever
        // it is: it moves with it. Killed between two steps, the next
        // build finds an index of another folder, or none: never a wrong
        // one.
        if let Some(old) = old
            && had_current
            && fs::rename(&old.path, &previous_dir).is_ok()
        {
            old.disarm();
            let _ = fs::rename(current.path(), self.cache.join(PREVIOUS));
            let _ = current.write_encoded(Fingerprint::default(), index);
            return;
        }
        // `old`, when not kept, is deleted here. The twin's index is
        // written last: a twin left part-made has none, and the next build
        // removes it.
        let _ = rayon::join(
            || current.write_encoded(Fingerprint::default(), index),
            || {
                let (folder, dirs) = super::twin::make(out, &previous_dir, index)?;
                let previous = Table::new(&self.cache, PREVIOUS);
                let twin = index.twin(folder, &dirs);
                previous.write_encoded(Fingerprint::default(), &twin).ok()
            },
        );
    }
}

/// Removes what is at `path` (a file of the previous output, maybe a link
/// shared with the output) so that a new file is written, never an old
/// one's content changed in place.
pub(super) fn remove_existing(path: &Path) {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => remove_any(path),
        _ => {}
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
