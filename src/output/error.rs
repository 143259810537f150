//! What writing the site can fail with.

use std::path::{Path, PathBuf};

use super::marker::MARKER;

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
    #[error("refusing to use `{}` as the build cache: {reason}", .path.display())]
    UnsafeCache { path: PathBuf, reason: &'static str },
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
            OutputError::UnsafeCache { .. } => Some(
                "pass --cache-dir with a new or empty folder outside the output, or --no-cache",
            ),
            OutputError::MountPoint { .. } => {
                Some("pass --out with a folder inside the mount point, such as `<mount>/site`")
            }
            _ => None,
        }
    }
}

pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}
