//! The checks of one file at a time, compiled once: `gtdocs.yaml` into a
//! catalog, each runbook against the schema and the catalog; and the
//! checks across runbooks.

use super::allow;
use super::catalog::{self, CatalogCheck};
use super::consistency;
use super::evidence::Evidence;
use super::lint_facts::Linted;
use super::overrides::SiteOverrides;
use super::runbook::{self, Facts};
use super::structure::{SchemaError, StructureCheck};
use super::text;
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
/// consistency lints, the probes' evidence), added to `diagnostics`,
/// every runbook's own; then the findings the runbooks accept are marked
/// (`allow`). The evidence read, for the book.
pub fn across(
    tree: &Tree,
    catalog: Option<&CatalogCheck>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Evidence {
    use rayon::prelude::*;
    let facts: Vec<Facts> = tree.runbooks.par_iter().map(Facts::of).collect();
    let config = tree.config.as_ref().map(|d| d.path.as_path());
    runbook::check_across(&facts, config, catalog, diagnostics);
    let linted: Vec<Linted<'_>> = facts.iter().map(|f| (f.path.as_path(), &f.lint)).collect();
    let evidence = Evidence::of(tree, &linted, catalog, diagnostics);
    let found = consistency::across(&linted, catalog)
        .into_iter()
        .chain(evidence.contradictions(&linted, catalog));
    diagnostics.extend(found.map(|(_, d)| d));
    allow::apply(&linted, diagnostics, &|path| evidence.judges(path));
    evidence
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::lint_facts::{LintFacts, RouteFacts, note_key};

    /// 20,000 runbooks with one note and one verdict vector, half of
    /// them with another verdict and level: every one is reported, each
    /// message names a bounded few, and grouping keeps it linear.
    #[test]
    fn runbooks_sharing_a_note_are_checked_in_linear_time() {
        const RUNBOOKS: usize = 20_000;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (tree, _) = crate::load::load_config(root).expect("bundled gtdocs.yaml");
        let (catalog, _) = catalog(&tree).expect("schemas");
        let c = catalog.expect("bundled catalog");
        // Half with another verdict on every route (a note conflict on
        // each), or with another level only (a vector conflict).
        let facts = |other_verdict: bool| -> Vec<(std::path::PathBuf, LintFacts)> {
            (0..RUNBOOKS)
                .map(|i| {
                    let rel = std::path::PathBuf::from(format!("runbooks/r-{i:05}.yaml"));
                    let (verdict, level) = match i % 2 {
                        0 => ("native", "native-openai"),
                        _ if other_verdict => ("not_supported", "native-openai"),
                        _ => ("native", "guided-openai"),
                    };
                    let routes = c
                        .catalog
                        .routes
                        .iter()
                        .map(|r| RouteFacts {
                            route: r.route.clone(),
                            verdict: verdict.into(),
                            note: Some(note_key("The same note")),
                            verdict_span: None,
                            bytes: None,
                        })
                        .collect();
                    (
                        rel,
                        LintFacts {
                            compatibility: Some(level.into()),
                            routes,
                            ..LintFacts::default()
                        },
                    )
                })
                .collect()
        };
        let routes = c.catalog.routes.len();
        for (other_verdict, code, expected) in [
            (true, "verdict-conflict", RUNBOOKS * routes),
            (false, "compatibility-mismatch", RUNBOOKS),
        ] {
            let owned = facts(other_verdict);
            let facts: Vec<Linted<'_>> = owned.iter().map(|(p, l)| (p.as_path(), l)).collect();
            let started = std::time::Instant::now();
            let found = consistency::across(&facts, Some(&c));
            let elapsed = started.elapsed();
            assert_eq!(found.len(), expected, "{code}");
            assert!(found.iter().all(|(_, d)| d.code == code));
            assert!(found.iter().all(|(_, d)| d.message.len() < 400), "bounded");
            assert!(
                found[0].1.message.contains("and 9997 more"),
                "{}",
                found[0].1.message
            );
            // Linear: about a second in debug; pairing every runbook with
            // every other would take minutes.
            assert!(
                elapsed < std::time::Duration::from_secs(20),
                "{elapsed:?} for {RUNBOOKS} runbooks"
            );
        }
    }
}
