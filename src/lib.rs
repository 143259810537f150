//! gtdocs compiles structured YAML runbook sources into GitHub wiki pages
//! and JSON compatibility manifests, after validating every source.
//!
//! The pipeline: [`load`] (YAML with spans) → [`validate`] (diagnostics) →
//! [`model`] (the validated book) → [`render`] (wiki, json) → [`output`]
//! (atomic write). [`cli`] sits on top.

pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod git;
pub mod load;
pub mod manifest;
pub mod model;
pub mod output;
pub mod publish;
pub mod render;
pub mod schema;
pub mod serve;
pub mod source;
pub mod validate;

use std::path::Path;

use diagnostic::{Diagnostic, Sources};
use model::Book;

/// A loaded and validated tree.
pub struct Compiled {
    /// Source files read (`gtdocs.yaml` and every runbook file).
    pub files: usize,
    pub book: Option<Book>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error(transparent)]
    Load(#[from] load::LoadError),
    #[error(transparent)]
    Schema(#[from] validate::SchemaError),
}

/// Loads and validates the tree at `root`.
pub fn compile(root: &Path) -> Result<Compiled, CompileError> {
    compile_with(root, &validate::SiteOverrides::default())
}

/// Loads and validates the tree at `root`, with `site` replacing settings
/// of its `gtdocs.yaml` (`--base-url`, `--site-url`).
pub fn compile_with(root: &Path, site: &validate::SiteOverrides) -> Result<Compiled, CompileError> {
    let (mut tree, runbooks) = load::load_config(root)?;
    let files = 1 + runbooks.len();
    let validated = validate::validate_streaming(&mut tree, runbooks, site)?;
    Ok(Compiled {
        files,
        book: validated.book,
        diagnostics: validated.diagnostics,
        sources: tree.sources,
    })
}
