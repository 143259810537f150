//! How a file or folder of an output is on disk (its stamp), and the
//! folder itself, by identity or open as a place to resolve paths from.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// How a file or folder was on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Stamp {
    pub(super) dev: u64,
    pub(super) ino: u64,
    pub(super) size: u64,
    pub(super) mtime: i64,
    pub(super) mtime_ns: i64,
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
