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
    let mut diagnostics = tree.diagnostics.clone();
    let config_check = StructureCheck::new(SchemaKind::Config)?;
    let runbook_check = StructureCheck::new(SchemaKind::Source)?;

    let catalog = tree.config.as_ref().and_then(|doc| {
        let typed: Option<ConfigSource> = typed(doc, &config_check, &mut diagnostics);
        typed.map(|source| catalog::build(doc, source, &tree.themes, &mut diagnostics))
    });

    // Each runbook is checked on its own (in parallel, order kept); the
    // checks that span files (titles, page names) run after.
    let checked: Vec<(Vec<Diagnostic>, Option<runbook::Checked>)> = tree
        .runbooks
        .par_iter()
        .map(|doc| {
            let mut local = Vec::new();
            let source: Option<RunbookSource> = typed(doc, &runbook_check, &mut local);
            let checked = runbook::check(doc, source, catalog.as_ref(), &mut local);
            (local, checked)
        })
        .collect();
    let mut runbooks = Vec::with_capacity(checked.len());
    for (local, rb) in checked {
        diagnostics.extend(local);
        runbooks.extend(rb);
    }
    runbook::check_across(tree, catalog.as_ref(), &mut diagnostics);

    diagnostic::normalize(&mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let book = match catalog {
        Some(catalog) if !has_errors => {
            Some(catalog.into_book(runbooks.into_iter().map(|c| c.runbook).collect()))
        }
        _ => None,
    };
    Ok(Validated { book, diagnostics })
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
pub fn catalog(tree: &Tree) -> Result<(Option<CatalogView>, Vec<Diagnostic>), SchemaError> {
    let mut diagnostics = Vec::new();
    let check = StructureCheck::new(SchemaKind::Config)?;
    let view = tree.config.as_ref().and_then(|doc| {
        let typed: Option<ConfigSource> = typed(doc, &check, &mut diagnostics);
        typed.map(|source| catalog::build(doc, source, &tree.themes, &mut diagnostics))
    });
    let view = view
        .filter(|_| !diagnostics.iter().any(Diagnostic::is_error))
        .map(|c| CatalogView {
            catalog: c.catalog,
            wiki: c.wiki,
        });
    Ok((view, diagnostics))
}

/// The validated catalog and wiki settings, without any runbook.
pub struct CatalogView {
    pub catalog: crate::model::Catalog,
    pub wiki: crate::model::WikiSettings,
}
