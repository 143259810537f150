//! The new site written into a folder beside the destination while it is
//! rendered, then swapped in whole.

use std::fs;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::beside::{
    ASIDE_SITE, aside_prefix, lock_folder, output_name, remove_leftovers, staging_prefix,
};
use super::error::{OutputError, io};
use super::folder::check_replaceable;
use super::index::{Entry, Indexes, PathSet};
use super::marker::{MARKER, MARKER_TEXT};
use super::removal::{Removal, remove_output};
use super::reuse::{Known, Reuse, remove_existing};
use super::stamp::{Folder, Stamp};
use crate::cache::{self, Fingerprint};

/// What a write did.
#[derive(Debug, Clone, Default)]
pub struct WriteStats {
    pub files: usize,
    pub bytes: usize,
    /// Files of an earlier build kept as they were (counted in `files`
    /// and `bytes` too).
    pub reused: usize,
    /// What the build cache gave (`None`: no cache).
    pub cache: Option<String>,
}

/// The new site, written file by file into a temporary folder beside `out`
/// while it is rendered, then swapped in whole by [`Staging::commit`].
/// Dropped without a commit (an error, a panic), it deletes itself, and
/// `out` is untouched. Files are written from many threads at once.
pub struct Staging {
    /// Held until the staging folder is gone: one build at a time per
    /// output folder.
    _lock: Option<std::fs::File>,
    dir: Removal,
    out: PathBuf,
    /// Paths written so far (a second write of one is a bug, reported).
    written: Mutex<PathSet>,
    /// Folders known to exist below `dir`, relative, with `/`.
    folders: Mutex<PathSet>,
    files: AtomicUsize,
    bytes: AtomicUsize,
    reused: AtomicUsize,
    /// What an earlier build left to reuse (`None`: no cache).
    reuse: Option<Reuse>,
    /// `dir`, open to link files into.
    folder: Folder,
}

impl Staging {
    /// A staging folder for `out`, with nothing reused.
    pub fn new(out: &Path) -> Result<Self, OutputError> {
        Self::create(out, None)
    }

    /// A staging folder for `out` that reuses what the builds before kept
    /// in the cache folder `cache` (made the build's cache first:
    /// [`super::prepare_cache_dir`]): the previous output becomes the
    /// staging folder (its unchanged files stay), and files of the
    /// current output are linked in.
    /// `indexes`: the cache's indexes, read with [`Indexes::read`] (while
    /// the build validated its sources).
    pub fn with_cache(out: &Path, cache: &Path, indexes: Indexes) -> Result<Self, OutputError> {
        Self::create(out, Some((cache, indexes)))
    }

    fn create(out: &Path, cache: Option<(&Path, Indexes)>) -> Result<Self, OutputError> {
        let name = output_name(out);
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io(&parent))?;
        // Another build into the same folder finishes first; then whatever
        // a killed build left beside the output is removed.
        let lock = lock_folder(&parent);
        check_replaceable(out)?;
        remove_leftovers(&parent, &name);
        let dir = Removal::new(
            tempfile::Builder::new()
                .prefix(&staging_prefix(&name))
                .tempdir_in(&parent)
                .map_err(io(&parent))?
                .keep(),
        );
        let reuse = cache.map(|(cache, indexes)| Reuse::open(cache, out, &dir.path, indexes));
        let marker = dir.path.join(MARKER);
        fs::write(&marker, MARKER_TEXT).map_err(io(&marker))?;
        let folder = Folder::open(dir.path.clone());
        Ok(Staging {
            _lock: lock,
            dir,
            out: out.to_path_buf(),
            written: Mutex::new(PathSet::default()),
            folders: Mutex::new(PathSet::default()),
            files: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            reused: AtomicUsize::new(0),
            reuse,
            folder,
        })
    }

    /// Keeps the files unit `key` made in an earlier build, if they are
    /// still as written: `true` when they are, and the unit need not be
    /// rendered.
    pub fn keep_unit(&self, key: Fingerprint) -> Result<bool, OutputError> {
        let Some(reuse) = &self.reuse else {
            return Ok(false);
        };
        // In the previous output, which this folder is: nothing to do.
        if let Some(entries) = reuse.recycled.as_ref().and_then(|old| old.unit(key)) {
            for entry in &entries {
                self.claim(&entry.path)?;
            }
            self.kept(reuse, key, entries);
            return Ok(true);
        }
        // In the output being replaced: linked in.
        if let Some(current) = &reuse.current
            && let Some(entries) = current.unit(key)
        {
            let mut linked = Vec::with_capacity(entries.len());
            for entry in &entries {
                let dest = self.reserve(&entry.path)?;
                self.make_room(&dest);
                if self.link_from(current, &entry.path).is_err() {
                    // Undone: the unit is rendered instead.
                    for dest in linked {
                        let _ = fs::remove_file(dest);
                    }
                    let mut written = lock(&self.written);
                    for entry in &entries {
                        written.remove(&entry.path);
                    }
                    return Ok(false);
                }
                linked.push(dest);
            }
            self.kept(reuse, key, entries);
            return Ok(true);
        }
        Ok(false)
    }

    /// Clears `dest`, a path of this folder, for a new file: a recycled
    /// folder may hold an older file there, maybe a link shared with the
    /// output, which is never written in place; a new one holds nothing.
    fn make_room(&self, dest: &Path) {
        if self.reuse.as_ref().is_some_and(|r| r.recycled.is_some()) {
            remove_existing(dest);
        }
    }

    /// Links file `rel` of the output being replaced (`current`) at `rel`
    /// in this folder.
    fn link_from(&self, current: &Known, rel: &str) -> std::io::Result<()> {
        current.folder.link(rel, &self.folder)
    }

    /// Whether an earlier build's index names unit `key` (its files are
    /// not checked: see [`Staging::keep_unit`]).
    pub fn knows(&self, key: Fingerprint) -> bool {
        self.reuse.as_ref().is_some_and(|reuse| {
            [&reuse.recycled, &reuse.current]
                .into_iter()
                .flatten()
                .any(|known| known.has_unit(key))
        })
    }

    /// Unit `key`'s files, kept: counted, and recorded with the unit.
    fn kept(&self, reuse: &Reuse, key: Fingerprint, entries: Vec<Entry>) {
        let paths = entries.iter().map(|e| e.path.clone()).collect();
        self.kept_files(reuse, entries);
        lock(&reuse.units).push((key, paths));
    }

    /// Files of an earlier build kept as they are: counted as written,
    /// and in the new output's index.
    fn kept_files(&self, reuse: &Reuse, entries: Vec<Entry>) {
        let bytes: u64 = entries.iter().map(Entry::size).sum();
        self.files.fetch_add(entries.len(), Ordering::Relaxed);
        self.reused.fetch_add(entries.len(), Ordering::Relaxed);
        self.bytes.fetch_add(bytes as usize, Ordering::Relaxed);
        lock(&reuse.entries).extend(entries);
    }

    /// The bytes of `rel`, a file kept from an earlier build by
    /// [`Staging::keep_unit`]; `None` for any other.
    pub fn read_kept_file(&self, rel: &str) -> Option<Vec<u8>> {
        self.reuse.as_ref()?;
        if !lock(&self.written).contains(rel) {
            return None;
        }
        fs::read(self.dir.path.join(safe_relative(rel).ok()?)).ok()
    }

    /// Fragment `key` of file `rel` of the output being replaced.
    pub fn read_fragment(&self, rel: &str, key: Fingerprint) -> Option<Vec<u8>> {
        self.reuse.as_ref()?.fragment(rel, key)
    }

    /// The key an earlier build derived from key `from`.
    pub fn derived_key(&self, from: Fingerprint) -> Option<Fingerprint> {
        self.reuse.as_ref()?.derived_key(from)
    }

    /// Records that key `from` derives key `to`, for the next build.
    pub fn derive_key(&self, from: Fingerprint, to: Fingerprint) {
        if let Some(reuse) = &self.reuse {
            lock(&reuse.derived).push((from, to));
        }
    }

    /// Records where fragments of `rel`, written by this build, sit in it.
    pub fn record_fragments(&self, rel: &str, fragments: Vec<(Fingerprint, u64, u64)>) {
        if let Some(reuse) = &self.reuse {
            lock(&reuse.fragments).push((rel.to_owned(), fragments));
        }
    }

    /// Records that unit `key` made the files at `paths` (written by this
    /// build), for the next build to keep.
    pub fn record_unit(&self, key: Fingerprint, paths: Vec<String>) {
        if let Some(reuse) = &self.reuse {
            lock(&reuse.units).push((key, paths));
        }
    }

    /// Claims `rel` for a file kept as it is.
    fn claim(&self, rel: &str) -> Result<(), OutputError> {
        if !lock(&self.written).insert(rel.to_owned()) {
            return Err(OutputError::Twice {
                path: rel.to_owned(),
            });
        }
        Ok(())
    }

    /// Writes one file of the new site (or keeps the previous output's,
    /// when it is the same and unchanged).
    pub fn write(&self, rel: &str, content: &[u8]) -> Result<(), OutputError> {
        self.write_linked(rel, content, self.content_hash(content), None)
    }

    /// The fingerprint a file is kept by, with a cache.
    fn content_hash(&self, content: &[u8]) -> Option<Fingerprint> {
        self.reuse.as_ref().map(|_| cache::fingerprint(content))
    }

    /// Writes the same file at each of `paths`: the first, then a hard
    /// link to it at every other path (a copy where the file system has no
    /// links).
    pub fn write_copies(&self, paths: &[String], content: &[u8]) -> Result<(), OutputError> {
        let Some((first, others)) = paths.split_first() else {
            return Ok(());
        };
        let hash = self.content_hash(content);
        self.write_linked(first, content, hash, None)?;
        let first = self.dir.path.join(safe_relative(first)?);
        others
            .iter()
            .try_for_each(|rel| self.write_linked(rel, content, hash, Some(&first)))
    }

    /// [`Staging::write`] of `content`, of fingerprint `hash` (with a
    /// cache), the file linked to `twin` (a staged file with the same
    /// content) when it is not kept.
    fn write_linked(
        &self,
        rel: &str,
        content: &[u8],
        hash: Option<Fingerprint>,
        twin: Option<&Path>,
    ) -> Result<(), OutputError> {
        let linked = |dest: &Path| twin.is_some_and(|twin| fs::hard_link(twin, dest).is_ok());
        let (Some(reuse), Some(hash)) = (&self.reuse, hash) else {
            let dest = self.reserve(rel)?;
            if !linked(&dest) {
                let mut f = fs::File::create(&dest).map_err(io(&dest))?;
                f.write_all(content).map_err(io(&dest))?;
            }
            self.files.fetch_add(1, Ordering::Relaxed);
            self.bytes.fetch_add(content.len(), Ordering::Relaxed);
            return Ok(());
        };
        if let Some(old) = &reuse.recycled
            && let Some(entry) = old.unchanged(rel).filter(|e| e.content == hash)
        {
            self.claim(rel)?;
            self.kept_files(reuse, vec![entry.clone()]);
            return Ok(());
        }
        let dest = self.reserve(rel)?;
        self.make_room(&dest);
        // The same file in the output being replaced: linked in.
        if let Some(current) = &reuse.current
            && let Some(entry) = current.unchanged(rel).filter(|e| e.content == hash)
            && self.link_from(current, rel).is_ok()
        {
            self.kept_files(reuse, vec![entry.clone()]);
            return Ok(());
        }
        let stamp = if linked(&dest) {
            Stamp::of(&fs::metadata(&dest).map_err(io(&dest))?)
        } else {
            let mut f = fs::File::create(&dest).map_err(io(&dest))?;
            f.write_all(content).map_err(io(&dest))?;
            Stamp::of(&f.metadata().map_err(io(&dest))?)
        };
        lock(&reuse.entries).push(Entry {
            path: rel.to_owned(),
            content: hash,
            stamp,
        });
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(content.len(), Ordering::Relaxed);
        Ok(())
    }

    /// The staged path of `rel`, its folder made; each path once.
    fn reserve(&self, rel: &str) -> Result<PathBuf, OutputError> {
        let relative = safe_relative(rel)?;
        if !lock(&self.written).insert(rel.to_owned()) {
            return Err(OutputError::Twice {
                path: rel.to_owned(),
            });
        }
        let dest = self.dir.path.join(relative);
        if let Some((folder, _)) = rel.rsplit_once('/')
            && !lock(&self.folders).contains(folder)
            && let Some(path) = dest.parent()
        {
            fs::create_dir_all(path).map_err(io(path))?;
            lock(&self.folders).insert(folder.to_owned());
        }
        Ok(dest)
    }

    /// Opens one file of the new site, to be written piece by piece at
    /// each of `paths` (a file too large to hold whole).
    pub fn create_copies(&self, paths: &[String]) -> Result<Copies<'_>, OutputError> {
        let mut dests = Vec::with_capacity(paths.len());
        for path in paths {
            let dest = self.reserve(path)?;
            self.make_room(&dest);
            dests.push(dest);
        }
        let file = match dests.first() {
            Some(first) => Some(fs::File::create(first).map_err(io(first))?),
            None => None,
        };
        Ok(Copies {
            staging: self,
            paths: paths.to_vec(),
            file: file.map(|file| std::io::BufWriter::with_capacity(1 << 16, file)),
            dests,
            bytes: 0,
            hasher: self
                .reuse
                .as_ref()
                .map(|_| Box::new(xxhash_rust::xxh3::Xxh3::new())),
        })
    }

    /// Swaps the new site in at `out`. The previous one is deleted, or,
    /// with a cache, kept there for the next build to reuse.
    pub fn commit(self) -> Result<WriteStats, OutputError> {
        let mut stats = WriteStats {
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            reused: self.reused.load(Ordering::Relaxed),
            cache: None,
        };
        // Checked again under the lock, right before the old folder goes:
        // files may have been put there while the site was rendered.
        check_replaceable(&self.out)?;
        let Some(mut reuse) = self.reuse else {
            // The previous site, if any, is deleted as it is dropped.
            swap_in(self.dir, &self.out)?;
            return Ok(stats);
        };
        let written = self
            .written
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let had_current = reuse.current.is_some();
        let index = reuse.finish(&self.dir.path, written);
        stats.cache = Some(reuse.found.clone());
        let old = swap_in(self.dir, &self.out)?;
        reuse.keep(&self.out, old, had_current, &index);
        Ok(stats)
    }
}

/// One file of the new site at several paths ([`Staging::create_copies`]):
/// written at the first as it comes, so it is never held whole, then
/// linked at the others.
pub struct Copies<'a> {
    staging: &'a Staging,
    paths: Vec<String>,
    /// The first path's file (none without paths).
    file: Option<std::io::BufWriter<fs::File>>,
    /// Where each path is staged.
    dests: Vec<PathBuf>,
    /// Bytes of one copy.
    bytes: usize,
    /// The content's fingerprint, as it comes (with a cache).
    hasher: Option<Box<xxhash_rust::xxh3::Xxh3>>,
}

impl Copies<'_> {
    /// Flushes every copy; only then do they count as written.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.flush()?;
        if let Some((first, others)) = self.dests.split_first() {
            for dest in others {
                if fs::hard_link(first, dest).is_err() {
                    fs::copy(first, dest)?;
                }
            }
        }
        if let (Some(hasher), Some(reuse)) = (&self.hasher, &self.staging.reuse) {
            let content = Fingerprint(hasher.digest128());
            for (path, dest) in self.paths.iter().zip(&self.dests) {
                let stamp = Stamp::of(&fs::metadata(dest)?);
                lock(&reuse.entries).push(Entry {
                    path: path.clone(),
                    content,
                    stamp,
                });
            }
        }
        let copies = self.dests.len();
        self.staging.files.fetch_add(copies, Ordering::Relaxed);
        self.staging
            .bytes
            .fetch_add(self.bytes * copies, Ordering::Relaxed);
        Ok(())
    }
}

impl std::io::Write for Copies<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(file) = &mut self.file {
            file.write_all(buf)?;
        }
        if let Some(hasher) = &mut self.hasher {
            hasher.update(buf);
        }
        self.bytes += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().map_or(Ok(()), std::io::Write::flush)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A rendered path as a relative path with no `..`, root or prefix.
fn safe_relative(rel: &str) -> Result<PathBuf, OutputError> {
    let path = Path::new(rel);
    let ok = !rel.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    if ok {
        Ok(path.to_path_buf())
    } else {
        Err(OutputError::UnsafePath {
            path: rel.to_string(),
        })
    }
}

/// Puts the staged folder at `out`. On Linux the two folders are exchanged
/// in one step, and the old site is returned (deleted when dropped);
/// otherwise it is moved aside and deleted.
fn swap_in(staging: Removal, out: &Path) -> Result<Option<Removal>, OutputError> {
    if !out.exists() {
        fs::rename(&staging.path, out).map_err(io(out))?;
        staging.disarm();
        return Ok(None);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        if renameat_with(CWD, &staging.path, CWD, out, RenameFlags::EXCHANGE).is_ok() {
            // `staging` now holds the previous site: marked (an earlier
            // version's was not), so a kill while it is deleted leaves a
            // folder the next build knows as its own; dropping it deletes it.
            let _ = fs::write(staging.path.join(MARKER), MARKER_TEXT);
            return Ok(Some(staging));
        }
    }
    // Fallback: move the old site aside, move the new one in, delete the old.
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let aside = Removal::new(
        tempfile::Builder::new()
            .prefix(&aside_prefix(&output_name(out)))
            .tempdir_in(parent)
            .map_err(io(parent))?
            .keep(),
    );
    let aside_path = aside.path.join(ASIDE_SITE);
    // A mount point the checks could not tell (an old kernel) fails here,
    // with nothing moved: say what it is.
    fs::rename(out, &aside_path).map_err(|e| match e.raw_os_error() {
        Some(libc::EBUSY) => OutputError::MountPoint {
            path: out.to_path_buf(),
        },
        _ => io(out)(e),
    })?;
    if let Err(e) = fs::rename(&staging.path, out) {
        let _ = fs::rename(&aside_path, out);
        return Err(OutputError::Io {
            path: out.to_path_buf(),
            source: e,
        });
    }
    staging.disarm();
    let _ = fs::write(aside_path.join(MARKER), MARKER_TEXT);
    remove_output(&aside_path);
    drop(aside);
    Ok(None)
}
