//! Which folder a build may replace: never the sources, never a folder
//! of someone else's files, never a mount point.

use std::fs;
use std::path::{Component, Path, PathBuf};

use super::error::{OutputError, io};
use super::marker::{MARKER, written_by_gtdocs};

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

/// Refuses an existing `out` that a build may not replace: a symbolic
/// link, a file, a mount point, or a non-empty folder gtdocs did not write.
pub(super) fn check_replaceable(out: &Path) -> Result<(), OutputError> {
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

pub(super) fn is_empty(dir: &Path) -> Result<bool, OutputError> {
    Ok(fs::read_dir(dir).map_err(io(dir))?.next().is_none())
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

/// Refuses a cache folder gtdocs may not write in: the output folder or
/// a folder inside it (a build replaces it whole), one that holds the
/// output, or an existing folder of someone else's files (not empty, and
/// no cache tag of gtdocs').
pub fn check_cache_dir(cache: &Path, out: &Path) -> Result<(), OutputError> {
    let (cache_abs, out_abs) = (absolute(cache), absolute(out));
    let refuse = |reason| {
        Err(OutputError::UnsafeCache {
            path: cache.to_path_buf(),
            reason,
        })
    };
    if cache_abs.starts_with(&out_abs) {
        return refuse("it is inside the output folder, which a build replaces");
    }
    if out_abs.starts_with(&cache_abs) {
        return refuse("it holds the output folder");
    }
    match fs::symlink_metadata(cache) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(cache)(e)),
        Ok(meta) if !meta.is_dir() => refuse("it is not a folder"),
        Ok(_) => {
            let tagged = fs::read_to_string(cache.join("CACHEDIR.TAG"))
                .is_ok_and(|t| t.contains("created by gtdocs"));
            if tagged || is_empty(cache)? {
                Ok(())
            } else {
                refuse("it is not empty and is not a gtdocs cache (no CACHEDIR.TAG of gtdocs)")
            }
        }
    }
}

/// Makes `cache` the build cache of output `out`: refused as
/// [`check_cache_dir`] says, else created and tagged, before anything is
/// written into it.
pub fn prepare_cache_dir(cache: &Path, out: &Path) -> Result<(), OutputError> {
    check_cache_dir(cache, out)?;
    fs::create_dir_all(cache).map_err(io(cache))?;
    crate::cache::mark(cache);
    Ok(())
}
