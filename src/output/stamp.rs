//! How a file or folder of an output is on disk (its stamp), and the
//! folder itself, by identity or open as a place to resolve paths from.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How a file or folder was on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: i64,
    mtime_ns: i64,
}

impl Stamp {
    #[cfg(unix)]
    pub(super) fn of(meta: &fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: meta.mtime(),
            mtime_ns: meta.mtime_nsec(),
        }
    }

    /// Elsewhere nothing is known to be unchanged: nothing is reused.
    #[cfg(not(unix))]
    pub(super) fn of(_: &fs::Metadata) -> Self {
        Stamp {
            dev: 0,
            ino: 0,
            size: u64::MAX,
            mtime: i64::MIN,
            mtime_ns: 0,
        }
    }

    /// The stamp of `path` now (its link, never followed).
    pub(super) fn read(path: &Path) -> Option<Self> {
        fs::symlink_metadata(path)
            .ok()
            .map(|m| Self::of(&m))
            .filter(|_| cfg!(unix))
    }

    /// The stamp of `rel` in folder `root` now (its link, never followed),
    /// read from the folder's descriptor, not walked from `/`.
    // `stat`'s field types vary by architecture: the same as the stamp's
    // on some.
    #[cfg(target_os = "linux")]
    #[allow(clippy::useless_conversion)]
    pub(super) fn at(root: &std::os::fd::OwnedFd, rel: &str) -> Option<Self> {
        let st = rustix::fs::statat(root, rel, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).ok()?;
        Some(Stamp {
            dev: st.st_dev.try_into().ok()?,
            ino: st.st_ino.try_into().ok()?,
            size: st.st_size.try_into().ok()?,
            mtime: st.st_mtime.try_into().ok()?,
            mtime_ns: st.st_mtime_nsec.try_into().ok()?,
        })
    }

    /// The file's size.
    pub(super) fn size(&self) -> u64 {
        self.size
    }
}

/// A folder of an output, open (Linux) as a place to resolve its entries'
/// paths from: tens of thousands of stamps and links per build, their
/// paths not walked from `/`. Where it could not be opened, paths are.
pub(super) struct Folder {
    pub(super) path: PathBuf,
    #[cfg(target_os = "linux")]
    fd: Option<std::os::fd::OwnedFd>,
}

impl Folder {
    pub(super) fn open(path: PathBuf) -> Self {
        Folder {
            #[cfg(target_os = "linux")]
            fd: open_path(&path),
            path,
        }
    }

    /// The stamp of `rel` below the folder now (its link, never
    /// followed); `""` is the folder itself.
    pub(super) fn stamp(&self, rel: &str) -> Option<Stamp> {
        #[cfg(target_os = "linux")]
        if let (Some(fd), false) = (&self.fd, rel.is_empty()) {
            return Stamp::at(fd, rel);
        }
        Stamp::read(&self.path.join(rel))
    }

    /// Links this folder's file `rel` at `rel` in folder `to`.
    pub(super) fn link(&self, rel: &str, to: &Folder) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        if let (Some(from), Some(into)) = (&self.fd, &to.fd) {
            return rustix::fs::linkat(from, rel, into, rel, rustix::fs::AtFlags::empty())
                .map_err(std::io::Error::from);
        }
        std::fs::hard_link(self.path.join(rel), to.path.join(rel))
    }

    /// Makes folder `rel` in this folder (the folder above it exists).
    pub(super) fn mkdir(&self, rel: &str) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.fd {
            let mode = rustix::fs::Mode::from_bits_truncate(0o777);
            return rustix::fs::mkdirat(fd, rel, mode).map_err(std::io::Error::from);
        }
        std::fs::create_dir(self.path.join(rel))
    }
}

/// Folder `dir`, open only as a place to resolve paths from.
#[cfg(target_os = "linux")]
pub(super) fn open_path(dir: &Path) -> Option<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    rustix::fs::open(dir, flags, Mode::empty()).ok()
}

/// The device and inode of folder `dir`.
pub(super) fn folder_id(dir: &Path) -> Option<(u64, u64)> {
    Stamp::read(dir).map(|s| (s.dev, s.ino))
}
