//! The checks of one file at a time, compiled once: `gtdocs.yaml` into a
//! catalog, each runbook against the schema and the catalog; and the
//! checks across runbooks.

use super::catalog::{self, CatalogCheck};
use super::overrides::SiteOverrides;
use super::runbook::{self, Facts};
use super::structure::{SchemaError, StructureCheck};
use super::text;
use super::{allow, lints};
use crate::diagnostic::Diagnostic;
use crate::load::{Document, Tree};
use crate::model::Runbook;
use crate::schema::SchemaKind;
use crate::source::{ConfigSource, RunbookSource};

/// The compiled schemas, kept to validate one file at a time (`gtdocs
/// serve` checks only what changed).
pub struct Checks {
    config: StructureCheck,
    runbook: StructureCheck,
    site: SiteOverrides,
}

/// One runbook's own problems, and the runbook when it has no errors.
#[derive(Debug, Clone)]
pub struct RunbookResult {
    pub diagnostics: Vec<Diagnostic>,
    pub runbook: Option<Runbook>,
}

impl Checks {
    pub fn new() -> Result<Self, SchemaError> {
        Ok(Checks {
            config: StructureCheck::new(SchemaKind::Config)?,
            runbook: StructureCheck::new(SchemaKind::Source)?,
            site: SiteOverrides::default(),
        })
    }

    /// The same checks, with `site` replacing settings of `gtdocs.yaml`.
    pub fn overriding(self, site: SiteOverrides) -> Self {
        Checks { site, ..self }
    }

    /// `gtdocs.yaml`: the catalog, when it is usable, and its problems.
    pub fn catalog(&self, tree: &Tree) -> (Option<CatalogCheck>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let catalog = tree.config.as_ref().and_then(|doc| {
            text::check(doc, text::config_field, &mut diagnostics);
            let typed: Option<ConfigSource> = typed(doc, &self.config, &mut diagnostics);
            typed.map(|mut source: ConfigSource| {
                // The file's own values were checked above, as written.
                self.site.apply(&mut source.site);
                catalog::build(doc, source, &tree.themes, &mut diagnostics)
            })
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

/// The checks that need every runbook (unique titles, page names, the
/// consistency lints), added to `diagnostics`, every runbook's own; then
/// the findings the runbooks accept are marked (`allow`).
pub fn across(tree: &Tree, catalog: Option<&CatalogCheck>, diagnostics: &mut Vec<Diagnostic>) {
    let facts: Vec<Facts> = tree.runbooks.iter().map(Facts::of).collect();
    let config = tree.config.as_ref().map(|d| d.path.as_path());
    runbook::check_across(&facts, config, catalog, diagnostics);
    diagnostics.extend(lints::across(&facts, catalog).into_iter().map(|(_, d)| d));
    allow::apply(&facts, diagnostics);
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
