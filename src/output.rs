//! Writing the site to disk atomically: every file goes into a temporary
//! folder beside the destination ([`Staging`], written while the site is
//! rendered), which is then swapped in. A failed build, or one killed
//! part-way, never leaves a half-written site.

use std::collections::HashSet;
use std::fs;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::render::{RenderError, Sink};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write `{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("refusing to write to `{}`: {reason}", .path.display())]
    UnsafeOut { path: PathBuf, reason: &'static str },
    #[error(
        "refusing to replace `{}`: it is not empty and gtdocs did not write it (no `{MARKER}` in it)",
        .path.display()
    )]
    NotOurs { path: PathBuf },
    #[error(
        "refusing to replace `{}`: its `{MARKER}` is {kind}, not the marker file gtdocs writes",
        .path.display()
    )]
    FalseMarker { path: PathBuf, kind: &'static str },
    #[error(
        "cannot replace `{}`: it is a mount point, and a build swaps its output folder whole",
        .path.display()
    )]
    MountPoint { path: PathBuf },
    #[error("`{path}` is not a safe relative output path")]
    UnsafePath { path: String },
    #[error("two outputs would write `{path}`")]
    Twice { path: String },
}

impl OutputError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            OutputError::UnsafeOut { .. } => Some("pass --out with a folder outside the sources"),
            OutputError::NotOurs { .. } | OutputError::FalseMarker { .. } => Some(
                "a build replaces its output folder whole: pass --out with a new or empty folder \
                 (or remove this one yourself if nothing in it is needed)",
            ),
            OutputError::MountPoint { .. } => {
                Some("pass --out with a folder inside the mount point, such as `<mount>/site`")
            }
            _ => None,
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Refuses an output folder that is the tree's root, holds it, or sits
/// inside one of its source folders: a build replaces the whole folder.
pub fn check_out_dir(root: &Path, out: &Path) -> Result<(), OutputError> {
    let root = absolute(root);
    let out_abs = absolute(out);
    let refuse = |reason| {
        Err(OutputError::UnsafeOut {
            path: out.to_path_buf(),
            reason,
        })
    };
    if out_abs == root {
        return refuse("it is the docs tree itself");
    }
    if root.starts_with(&out_abs) {
        return refuse("it contains the docs tree");
    }
    for source in [crate::load::RUNBOOKS_DIR, "themes"] {
        if out_abs.starts_with(root.join(source)) {
            return refuse("it is inside a source folder");
        }
    }
    check_replaceable(out)
}

/// The file at the top of every output folder gtdocs writes. A build
/// replaces a folder only if it has this file (or the layout of an earlier
/// version), is empty, or does not exist yet: never a folder of someone
/// else's files.
pub const MARKER: &str = ".gtdocs-output";
const MARKER_TEXT: &str = "This folder is written by `gtdocs build`, which replaces it whole on every build.\n\
    Anything put here by hand is lost at the next build.\n";

/// What an output of a version before the marker held at its top.
const LEGACY_FOLDERS: [&str; 3] = ["html", "json", "wiki"];

/// Refuses an existing `out` that a build may not replace: a symbolic
/// link, a file, a mount point, or a non-empty folder gtdocs did not write.
pub fn check_replaceable(out: &Path) -> Result<(), OutputError> {
    let refuse = |reason| {
        Err(OutputError::UnsafeOut {
            path: out.to_path_buf(),
            reason,
        })
    };
    let meta = match fs::symlink_metadata(out) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(out)(e)),
    };
    if meta.file_type().is_symlink() {
        return refuse(
            "it is a symbolic link, which a build would replace (pass the folder it leads to)",
        );
    }
    if !meta.is_dir() {
        return refuse("it is a file, not a folder");
    }
    if is_mount_point(out, &meta) {
        return Err(OutputError::MountPoint {
            path: out.to_path_buf(),
        });
    }
    if is_empty(out)? || written_by_gtdocs(out) {
        return Ok(());
    }
    match fs::symlink_metadata(out.join(MARKER)) {
        Ok(m) => Err(OutputError::FalseMarker {
            path: out.to_path_buf(),
            kind: if m.file_type().is_symlink() {
                "a symbolic link"
            } else if m.is_dir() {
                "a folder"
            } else {
                "not a regular file"
            },
        }),
        Err(_) => Err(OutputError::NotOurs {
            path: out.to_path_buf(),
        }),
    }
}

fn is_empty(dir: &Path) -> Result<bool, OutputError> {
    Ok(fs::read_dir(dir).map_err(io(dir))?.next().is_none())
}

/// A folder with the marker, or laid out as an output of an earlier
/// version: only `html/`, `json/`, `wiki/`, and a manifest that names
/// gtdocs as its generator (a folder of web files may well hold a
/// `json/manifest.json`).
fn written_by_gtdocs(dir: &Path) -> bool {
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

/// `out` as a path that ends in the folder's name: `.`, `..` or `a/..`
/// name no folder, and a build works beside its output (the staging
/// folder, the lock, the swap), so such a path is made absolute, with its
/// `.` and `..` worked out by name.
pub fn named(out: &Path) -> PathBuf {
    if out.file_name().is_some() {
        return out.to_path_buf();
    }
    lexical(out)
}

/// `path` made absolute, its `.` and `..` worked out by name (no link
/// followed).
fn lexical(path: &Path) -> PathBuf {
    let joined = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut normal = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

/// A mount point, a bind mount included (on the same device as its
/// parent): renaming it fails, so a build could never swap it.
fn is_mount_point(dir: &Path, meta: &fs::Metadata) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{AtFlags, CWD, StatxAttributes, StatxFlags, statx};
        if let Ok(r) = statx(
            CWD,
            dir,
            AtFlags::NO_AUTOMOUNT | AtFlags::SYMLINK_NOFOLLOW,
            StatxFlags::empty(),
        ) && r.stx_attributes_mask.contains(StatxAttributes::MOUNT_ROOT)
        {
            return r.stx_attributes.contains(StatxAttributes::MOUNT_ROOT);
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let parent = absolute(dir).parent().map(Path::to_path_buf);
        match parent.and_then(|p| fs::metadata(p).ok()) {
            Some(parent) => parent.dev() != meta.dev(),
            None => true,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, meta);
        false
    }
}

/// An absolute, lexically normalized path; symlinks resolved for the part
/// that exists.
fn absolute(path: &Path) -> PathBuf {
    let normal = lexical(path);
    // Resolve symlinks on the longest existing prefix.
    let mut existing = normal.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return normal,
        }
    }
    let mut resolved = fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        resolved.push(name);
    }
    resolved
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteStats {
    pub files: usize,
    pub bytes: usize,
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
    written: Mutex<HashSet<String>>,
    /// Folders known to exist below `dir`.
    folders: Mutex<HashSet<PathBuf>>,
    files: AtomicUsize,
    bytes: AtomicUsize,
}

impl Staging {
    pub fn new(out: &Path) -> Result<Self, OutputError> {
        let name = out
            .file_name()
            .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
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
        let marker = dir.path.join(MARKER);
        fs::write(&marker, MARKER_TEXT).map_err(io(&marker))?;
        Ok(Staging {
            _lock: lock,
            dir,
            out: out.to_path_buf(),
            written: Mutex::new(HashSet::new()),
            folders: Mutex::new(HashSet::new()),
            files: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
        })
    }

    /// Writes one file of the new site.
    pub fn write(&self, rel: &str, content: &[u8]) -> Result<(), OutputError> {
        let dest = self.reserve(rel)?;
        let mut f = fs::File::create(&dest).map_err(io(&dest))?;
        f.write_all(content).map_err(io(&dest))?;
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
        if let Some(folder) = dest.parent()
            && !lock(&self.folders).contains(folder)
        {
            fs::create_dir_all(folder).map_err(io(folder))?;
            lock(&self.folders).insert(folder.to_path_buf());
        }
        Ok(dest)
    }

    /// Swaps the new site in at `out`; the previous one is deleted.
    pub fn commit(self) -> Result<WriteStats, OutputError> {
        let stats = WriteStats {
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        };
        // Checked again under the lock, right before the old folder goes:
        // files may have been put there while the site was rendered.
        check_replaceable(&self.out)?;
        swap_in(self.dir, &self.out)?;
        Ok(stats)
    }
}

impl Sink for Staging {
    fn put(&self, path: String, content: Vec<u8>) -> Result<(), RenderError> {
        Ok(self.write(&path, &content)?)
    }

    fn put_copies(&self, paths: &[String], content: Vec<u8>) -> Result<(), RenderError> {
        for path in paths {
            self.write(path, &content)?;
        }
        Ok(())
    }

    fn put_with(
        &self,
        paths: &[String],
        write: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        // Each piece goes to every file as it comes: the file is never
        // held whole, however many paths it has.
        let mut copies = Vec::with_capacity(paths.len());
        for path in paths {
            let dest = self.reserve(path)?;
            let file = fs::File::create(&dest).map_err(io(&dest))?;
            copies.push(std::io::BufWriter::with_capacity(1 << 16, file));
        }
        let mut counted = Counted {
            inner: Tee(copies),
            bytes: 0,
        };
        write(&mut counted)?;
        counted.flush().map_err(|source| RenderError::Write {
            path: paths.join(", "),
            source,
        })?;
        self.files.fetch_add(paths.len(), Ordering::Relaxed);
        self.bytes
            .fetch_add(counted.bytes * paths.len(), Ordering::Relaxed);
        Ok(())
    }
}

/// A writer that writes everything to each of its writers.
struct Tee<W>(Vec<W>);

impl<W: std::io::Write> std::io::Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for w in &mut self.0 {
            w.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.iter_mut().try_for_each(std::io::Write::flush)
    }
}

/// A writer that counts what goes through it.
struct Counted<W> {
    inner: W,
    bytes: usize,
}

impl<W: std::io::Write> std::io::Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The staging folders of output `name` start with this (a build killed
/// part-way leaves one, holding a partial new site or the old one).
fn staging_prefix(name: &str) -> String {
    format!(".{}.tmp-", short(name))
}

/// At most 200 bytes of an output's name in the names beside it, so that
/// they fit in a file name (255 bytes) whatever the output's.
fn short(name: &str) -> &str {
    &name[..crate::diagnostic::floor_char_boundary(name, 200)]
}

/// The previous site's name inside its set-aside folder.
const ASIDE_SITE: &str = "site";

/// Where the fallback swap puts the old site aside.
fn aside_prefix(name: &str) -> String {
    format!(".{}.old-", short(name))
}

/// Removes the staging and set-aside folders of `name` in `parent` that a
/// killed build left. Run under the folder lock, so no other build is using
/// them. A folder that only looks like one (no marker, not the layout a
/// build leaves) is someone else's and stays.
fn remove_leftovers(parent: &Path, name: &str) {
    let (staging, aside) = (staging_prefix(name), aside_prefix(name));
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        // Never through a symbolic link.
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
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
fn left_aside(dir: &Path) -> bool {
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
fn lock_folder(folder: &Path) -> Option<std::fs::File> {
    let handle = fs::File::open(folder).ok()?;
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{FlockOperation, flock};
        flock(&handle, FlockOperation::LockExclusive).ok()?;
    }
    Some(handle)
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
/// in one step; the old site is then deleted with the staging handle.
fn swap_in(staging: Removal, out: &Path) -> Result<(), OutputError> {
    if !out.exists() {
        fs::rename(&staging.path, out).map_err(io(out))?;
        staging.disarm();
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        if renameat_with(CWD, &staging.path, CWD, out, RenameFlags::EXCHANGE).is_ok() {
            // `staging` now holds the previous site: marked (an earlier
            // version's was not), so a kill while it is deleted leaves a
            // folder the next build knows as its own; dropping it deletes it.
            let _ = fs::write(staging.path.join(MARKER), MARKER_TEXT);
            return Ok(());
        }
    }
    // Fallback: move the old site aside, move the new one in, delete the old.
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let aside = Removal::new(
        tempfile::Builder::new()
            .prefix(&aside_prefix(&out.file_name().map_or_else(
                || "site".into(),
                |n| n.to_string_lossy().into_owned(),
            )))
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
    Ok(())
}

/// A folder of gtdocs' own (a staging folder, an old site) deleted when
/// dropped, unless disarmed (it became the output).
struct Removal {
    path: PathBuf,
    armed: bool,
}

impl Removal {
    fn new(path: PathBuf) -> Self {
        Removal { path, armed: true }
    }

    fn disarm(mut self) {
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
fn remove_output(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name() == MARKER {
                continue;
            }
            // Never through a symbolic link.
            let _ = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                fs::remove_dir_all(entry.path())
            } else {
                fs::remove_file(entry.path())
            };
        }
    }
    let _ = fs::remove_file(dir.join(MARKER));
    let _ = fs::remove_dir(dir);
}
