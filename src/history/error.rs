//! What stops reading the history (never the build: the build goes on
//! without it, and says why).

use crate::git::GitError;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("cannot talk to `git cat-file`: {0}")]
    Io(#[from] std::io::Error),
    #[error("unexpected output of `git log`: {0}")]
    Log(String),
    #[error("unexpected output of `git cat-file`: {0}")]
    Batch(String),
}
