//! Validation: every file of a loaded tree checked against the schema, then
//! against the catalog and the rules a valid tree keeps. All problems of all
//! files are reported in one run. A tree with no errors becomes a [`Book`].

mod catalog;
mod runbook;
pub mod structure;
pub mod suggest;

use rayon::prelude::*;

use crate::diagnostic::{self, Diagnostic};
use crate::load::{Document, Tree};
use crate::model::Book;
use crate::schema::SchemaKind;
use crate::source::{ConfigSource, RunbookSource};
pub use structure::SchemaError;
use structure::StructureCheck;

/// The outcome of validating a tree.
#[derive(Debug)]
pub struct Validated {
    /// Present when there are no errors (warnings allowed).
    pub book: Option<Book>,
    /// Sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

pub fn validate(tree: &Tree) -> Result<Validated, SchemaError> {
    let checks = Checks::new()?;
    let (catalog, mut diagnostics) = checks.catalog(tree);
    // Each runbook is checked on its own (in parallel, order kept); the
    // checks that span files (titles, page names) run after.
    let checked: Vec<RunbookResult> = tree
        .runbooks
        .par_iter()
        .map(|doc| checks.runbook(doc, catalog.as_ref()))
        .collect();
    let mut runbooks = Vec::with_capacity(checked.len());
    for result in checked {
        diagnostics.extend(result.diagnostics);
        runbooks.extend(result.runbook);
    }
    diagnostics.extend(across(tree, catalog.as_ref()));
    diagnostics.extend(tree.diagnostics.iter().cloned());
    diagnostic::normalize(&mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let book = match catalog {
        Some(catalog) if !has_errors => Some(catalog.book(runbooks)),
        _ => None,
    };
    Ok(Validated { book, diagnostics })
}

/// The compiled schemas, kept to validate one file at a time (`gtdocs
/// serve` checks only what changed).
pub struct Checks {
    config: StructureCheck,
    runbook: StructureCheck,
}

/// One runbook's own problems, and the runbook when it has no errors.
#[derive(Debug, Clone)]
pub struct RunbookResult {
    pub diagnostics: Vec<Diagnostic>,
    pub runbook: Option<crate::model::Runbook>,
}

pub use catalog::CatalogCheck;

impl Checks {
    pub fn new() -> Result<Self, SchemaError> {
        Ok(Checks {
            config: StructureCheck::new(SchemaKind::Config)?,
            runbook: StructureCheck::new(SchemaKind::Source)?,
        })
    }

    /// `gtdocs.yaml`: the catalog, when it is usable, and its problems.
    pub fn catalog(&self, tree: &Tree) -> (Option<CatalogCheck>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let catalog = tree.config.as_ref().and_then(|doc| {
            let typed: Option<ConfigSource> = typed(doc, &self.config, &mut diagnostics);
            typed.map(|source| catalog::build(doc, source, &tree.themes, &mut diagnostics))
        });
        (catalog, diagnostics)
    }

    /// One runbook against the schema and the catalog.
    pub fn runbook(&self, doc: &Document, catalog: Option<&CatalogCheck>) -> RunbookResult {
        let mut diagnostics = Vec::new();
        let source: Option<RunbookSource> = typed(doc, &self.runbook, &mut diagnostics);
        let checked = runbook::check(doc, source, catalog, &mut diagnostics);
        RunbookResult {
            diagnostics,
            runbook: checked.map(|c| c.runbook),
        }
    }
}

/// The checks that need every runbook: unique titles, page names.
pub fn across(tree: &Tree, catalog: Option<&CatalogCheck>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    runbook::check_across(tree, catalog, &mut diagnostics);
    diagnostics
}

/// Schema check, then deserialization into the typed source.
fn typed<T: serde::de::DeserializeOwned>(
    doc: &Document,
    check: &StructureCheck,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<T> {
    let problems = check.check(doc);
    if !problems.is_empty() {
        diagnostics.extend(problems);
        return None;
    }
    match T::deserialize(&doc.value) {
        Ok(v) => Some(v),
        Err(e) => {
            // The schema is derived from T, so this means a gap between the
            // schema and serde: report it rather than panic.
            diagnostics.push(
                Diagnostic::error("invalid", format!("cannot read the file: {e}"))
                    .in_file(&doc.path, doc.spans.value("")),
            );
            None
        }
    }
}

/// Validates `gtdocs.yaml` alone, for commands that need only the catalog.
/// The catalog is `None` when it has errors.
pub fn catalog(tree: &Tree) -> Result<(Option<CatalogCheck>, Vec<Diagnostic>), SchemaError> {
    let (catalog, diagnostics) = Checks::new()?.catalog(tree);
    let catalog = catalog.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
    Ok((catalog, diagnostics))
}
