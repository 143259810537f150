//! What loading a tree gives: its documents, parsed with their spans, the
//! sources for diagnostics, and the limits a tree is held to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use super::yaml::SpanMap;
use crate::diagnostic::{Diagnostic, Sources};
use crate::model::Theme;

/// The site settings and catalog file, at the root of a tree.
pub const CONFIG_FILE: &str = "gtdocs.yaml";
/// The folder of runbook sources.
pub const RUNBOOKS_DIR: &str = "runbooks";
/// Largest source file accepted. A runbook is a few kilobytes.
pub const MAX_SOURCE_BYTES: u64 = 1024 * 1024;
/// Most runbooks one tree may hold.
pub const MAX_RUNBOOKS: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no {CONFIG_FILE} in `{}`", .0.display())]
    NoConfig(PathBuf),
    #[error("cannot read `{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl LoadError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            LoadError::NoConfig(_) => Some(
                "run gtdocs in a docs tree (a folder with gtdocs.yaml and runbooks/), or pass --root DIR",
            ),
            LoadError::Io { .. } => None,
        }
    }
}

/// One parsed source file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as shown to the user (the root joined with `rel`).
    pub path: PathBuf,
    /// The path relative to the tree's root.
    pub rel: PathBuf,
    pub value: Value,
    pub spans: SpanMap,
    /// The source text (shared with the diagnostics' snippet sources).
    pub text: Arc<str>,
}

/// A loaded tree: the documents that parsed, the problems of those that did
/// not, and the source text of every file for diagnostics.
#[derive(Debug, Default)]
pub struct Tree {
    pub root: PathBuf,
    pub config: Option<Document>,
    pub runbooks: Vec<Document>,
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
    /// Every folder under `themes/`, by name; only the one `gtdocs.yaml`
    /// selects is read, the others are empty (named for hints).
    pub themes: BTreeMap<String, Theme>,
    /// The runbook files listed (relative to the root), kept as runbooks
    /// come and go ([`Tree::reload_runbooks`]) to hold them to the limit.
    pub runbook_files: BTreeSet<PathBuf>,
    /// The probes' results (`probes/<slug>/results.json`) are not read as
    /// evidence: `gtdocs probe`, which writes them again, must not be
    /// stopped by a stale or broken one.
    pub without_probe_results: bool,
}

/// One source file, read and parsed.
#[derive(Debug)]
pub enum Loaded {
    Parsed(Document),
    /// It could not be read or parsed: the problem, and the text when
    /// there is one to show it in.
    Failed {
        path: PathBuf,
        text: Option<Arc<str>>,
        diagnostic: Diagnostic,
    },
}
