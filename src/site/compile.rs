//! A docs tree loaded and validated: the [`Book`] every output is made
//! from, or every problem of every file.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Sources};
use crate::load::{self, LoadError};
use crate::model::Book;
use crate::validate::{self, SchemaError, SiteOverrides};

/// A loaded and validated tree.
pub struct Compiled {
    /// Source files read (`gtdocs.yaml` and every runbook file).
    pub files: usize,
    /// Runbook files with no error of their own (see
    /// [`validate::Validated::runbooks_valid`]).
    pub runbooks_valid: usize,
    pub book: Option<Book>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
    /// What the validation cache did (`None`: no cache).
    pub cache: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

impl CompileError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            CompileError::Load(e) => e.hint(),
            CompileError::Schema(_) => None,
        }
    }
}

/// Loads and validates the tree at `root`.
pub fn compile(root: &Path) -> Result<Compiled, CompileError> {
    compile_with(root, &SiteOverrides::default(), true)
}

/// Loads and validates the tree at `root`, with `site` replacing settings
/// of its `gtdocs.yaml` (`--base-url`, `--site-url`).
/// `locate_accepted`: the accepted findings are shown, so need their line
/// (see [`validate::validate_streaming`]).
pub fn compile_with(
    root: &Path,
    site: &SiteOverrides,
    locate_accepted: bool,
) -> Result<Compiled, CompileError> {
    compile_cached(root, site, locate_accepted, None)
}

/// [`compile_with`], with the validation cache of cache folder `cache`
/// (`None`: none): the runbook files unchanged since it was written are
/// not checked again (see [`validate::validate_cached`]).
pub fn compile_cached(
    root: &Path,
    site: &SiteOverrides,
    locate_accepted: bool,
    cache: Option<&Path>,
) -> Result<Compiled, CompileError> {
    let (tree, runbooks) = load::load_config(root)?;
    validated(tree, runbooks, site, locate_accepted, cache)
}

/// Loads and validates the tree at `root` without reading the probes'
/// results: what `gtdocs probe` runs from, to write them again.
pub fn compile_without_probe_results(root: &Path) -> Result<Compiled, CompileError> {
    let (mut tree, runbooks) = load::load_config(root)?;
    tree.without_probe_results = true;
    validated(tree, runbooks, &SiteOverrides::default(), true, None)
}

fn validated(
    mut tree: load::Tree,
    runbooks: Vec<std::path::PathBuf>,
    site: &SiteOverrides,
    locate_accepted: bool,
    cache: Option<&Path>,
) -> Result<Compiled, CompileError> {
    let files = 1 + runbooks.len();
    let validated = validate::validate_cached(&mut tree, runbooks, site, locate_accepted, cache)?;
    Ok(Compiled {
        files,
        runbooks_valid: validated.runbooks_valid,
        book: validated.book,
        diagnostics: validated.diagnostics,
        sources: tree.sources,
        cache: validated.cache,
    })
}
