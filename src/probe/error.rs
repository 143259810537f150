//! What can go wrong in a probe.

use std::path::{Path, PathBuf};

/// A probe's error.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The stand-in could not listen on loopback.
    #[error("the GT API stand-in cannot listen on 127.0.0.1: {0}")]
    Listen(#[source] std::io::Error),
    #[error("cannot read `{}`: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` names no runbook: a probe's folder is named after its runbook's slug", .0.display())]
    NoRunbook(PathBuf),
    #[error("`{}`: {message}", .path.display())]
    Declaration { path: PathBuf, message: String },
    #[error("the probe cache `{}`: {source}", .path.display())]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{package}` is pinned at {pinned}, but {installed} was installed")]
    Version {
        package: String,
        pinned: String,
        installed: String,
    },
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("`{command}` failed ({status}): {output}")]
    Install {
        command: String,
        status: String,
        output: String,
    },
    #[error("cannot write `{}`: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Date(#[from] crate::date::DateError),
}

impl ProbeError {
    /// The error of an I/O on `path` in the probe cache.
    pub(super) fn cache(path: &Path) -> impl FnOnce(std::io::Error) -> ProbeError {
        let path = path.to_path_buf();
        move |source| ProbeError::Cache { path, source }
    }
}
