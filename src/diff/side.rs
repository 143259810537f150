//! One side of a comparison, and what finding one can fail with.

use serde_json::Value;

use crate::git::GitError;

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("`{0}` is not a manifest file, a docs tree or a git revision")]
    Unresolved(String),
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("`{path}` is not JSON: {source}")]
    NotJson {
        path: String,
        source: serde_json::Error,
    },
    #[error("`{path}` is not a gtdocs manifest: {detail}")]
    NotManifest { path: String, detail: String },
    #[error("the sources at `{label}` do not build: {detail}")]
    Invalid { label: String, detail: String },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("cannot unpack the sources at `{label}`: {source}")]
    Unpack {
        label: String,
        source: std::io::Error,
    },
}

impl DiffError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            DiffError::Unresolved(_) => Some(
                "pass a manifest (site/json/manifest.json), a folder with gtdocs.yaml, \
                 or a revision of the git repository that holds --root (main, HEAD~1, a tag)",
            ),
            DiffError::Invalid { .. } => Some(
                "run `gtdocs check` on those sources to see every problem \
                 (for a revision, check it out first)",
            ),
            DiffError::Git(e) => e.hint(),
            _ => None,
        }
    }
}

/// One side of a comparison: a label for people and the manifest.
#[derive(Debug, Clone)]
pub struct Side {
    pub label: String,
    pub manifest: Value,
}
