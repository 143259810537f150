//! Validation: every file of a loaded tree checked against the schema, then
//! against the catalog and the rules a valid tree keeps. All problems of all
//! files are reported in one run. A tree with no errors becomes a [`Book`].

mod catalog;
mod names;
mod overrides;
mod runbook;
pub mod structure;
pub mod suggest;
mod text;

use rayon::prelude::*;

use crate::diagnostic::{self, Diagnostic};
use crate::load::{Document, Tree};
use crate::model::Book;
use crate::schema::SchemaKind;
use crate::source::{ConfigSource, RunbookSource};
pub use overrides::{OverrideError, SiteOverrides};
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
    Ok(finish(catalog, runbooks, diagnostics))
}

/// Loads and validates every runbook of a tree whose config is loaded
/// ([`crate::load::load_config`]), one file at a time on every core: a
/// file's parsed document is dropped as soon as it is checked, and its text
/// kept only when it has a problem to show. Memory then grows with the
/// validated runbooks, not with the sources. `site` replaces settings of
/// `gtdocs.yaml` (command-line flags).
pub fn validate_streaming(
    tree: &mut Tree,
    rels: Vec<std::path::PathBuf>,
    site: &SiteOverrides,
) -> Result<Validated, SchemaError> {
    use crate::load::{self, Loaded};
    let checks = Checks::new()?.overriding(site.clone());
    let (catalog, mut diagnostics) = checks.catalog(tree);
    let root = tree.root.clone();
    let check = |doc: &Document| -> Streamed {
        let result = checks.runbook(doc, catalog.as_ref());
        let text = (!result.diagnostics.is_empty()).then(|| (doc.path.clone(), doc.text.clone()));
        (Some(Facts::of(doc)), result, text)
    };
    let checked: Vec<Streamed> = rels
        .into_par_iter()
        // A file is parsed without spans first; one with a problem again,
        // with them, so that each problem shows its place.
        .map(|rel| match load::load_runbook_fast(&root, rel.clone()) {
            Loaded::Parsed(doc) => {
                let fast = check(&doc);
                if fast.1.diagnostics.is_empty() {
                    return fast;
                }
                match load::load_runbook(&root, rel) {
                    Loaded::Parsed(doc) => check(&doc),
                    Loaded::Failed { .. } => fast,
                }
            }
            Loaded::Failed {
                path,
                text,
                diagnostic,
            } => (
                None,
                RunbookResult {
                    diagnostics: vec![diagnostic],
                    runbook: None,
                },
                text.map(|t| (path, t)),
            ),
        })
        .collect();
    let mut runbooks = Vec::with_capacity(checked.len());
    let mut facts = Vec::with_capacity(checked.len());
    for (fact, result, text) in checked {
        facts.extend(fact);
        diagnostics.extend(result.diagnostics);
        runbooks.extend(result.runbook);
        if let Some((path, text)) = text {
            tree.sources.insert(path, text);
        }
    }
    // Titles used twice are reported where they are: find those places.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for f in facts.iter().filter_map(|f| f.title.as_deref()) {
        *seen.entry(runbook::title_key(f)).or_default() += 1;
    }
    for f in facts.iter_mut().filter(|f| f.title_span.is_none()) {
        let shared = f
            .title
            .as_deref()
            .is_some_and(|t| seen.get(&runbook::title_key(t)).is_some_and(|n| *n > 1));
        if shared && let Loaded::Parsed(doc) = load::load_runbook(&root, f.rel.clone()) {
            f.title_span = doc.spans.value("/title");
        }
    }
    let config = tree.config.as_ref().map(|d| d.path.as_path());
    let mut across_files = Vec::new();
    runbook::check_across(&facts, config, catalog.as_ref(), &mut across_files);
    // A problem found across files is shown in its file: read the text of
    // those that had none of their own.
    for (path, rel) in files_of(&facts, &across_files) {
        if !tree.sources.contains_key(path)
            && let Some(text) = load::read_text(&root, rel)
        {
            tree.sources.insert(path.to_path_buf(), text.into());
        }
    }
    diagnostics.extend(across_files);
    diagnostics.extend(tree.diagnostics.iter().cloned());
    Ok(finish(catalog, runbooks, diagnostics))
}

/// The file of each diagnostic, as shown and as a path in the tree, for
/// those of `facts`' files. Indexed by path: there may be a diagnostic
/// for every file.
fn files_of<'a>(
    facts: &'a [Facts],
    diagnostics: &'a [Diagnostic],
) -> impl Iterator<Item = (&'a std::path::Path, &'a std::path::Path)> {
    let rel_of: std::collections::HashMap<&std::path::Path, &std::path::Path> = facts
        .iter()
        .map(|f| (f.path.as_path(), f.rel.as_path()))
        .collect();
    diagnostics.iter().filter_map(move |d| {
        let (path, rel) = rel_of.get_key_value(d.file.as_deref()?)?;
        Some((*path, *rel))
    })
}

/// One runbook file, checked: what the checks across files need, its own
/// result, and its text when it has a problem to show.
type Streamed = (
    Option<Facts>,
    RunbookResult,
    Option<(std::path::PathBuf, std::sync::Arc<str>)>,
);

fn finish(
    catalog: Option<CatalogCheck>,
    runbooks: Vec<crate::model::Runbook>,
    mut diagnostics: Vec<Diagnostic>,
) -> Validated {
    diagnostic::normalize(&mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let book = match catalog {
        Some(catalog) if !has_errors => Some(catalog.book(runbooks)),
        _ => None,
    };
    Validated { book, diagnostics }
}

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
    pub runbook: Option<crate::model::Runbook>,
}

pub use catalog::CatalogCheck;
pub use runbook::Facts;

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

/// The checks that need every runbook: unique titles, page names.
pub fn across(tree: &Tree, catalog: Option<&CatalogCheck>) -> Vec<Diagnostic> {
    let facts: Vec<Facts> = tree.runbooks.iter().map(Facts::of).collect();
    let config = tree.config.as_ref().map(|d| d.path.as_path());
    let mut diagnostics = Vec::new();
    runbook::check_across(&facts, config, catalog, &mut diagnostics);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Many runbooks sharing a title: a problem in each file, whose file
    /// is found without scanning every file for each problem (scanning,
    /// 100,000 runbooks took minutes).
    #[test]
    fn the_file_of_each_problem_across_files_is_found_in_linear_time() {
        const RUNBOOKS: usize = 100_000;
        let facts: Vec<Facts> = (0..RUNBOOKS)
            .map(|i| {
                let rel = std::path::PathBuf::from(format!("runbooks/alpha-{i:06}.yaml"));
                Facts {
                    path: std::path::Path::new("tree").join(&rel),
                    rel,
                    title: Some("Alpha Chat".into()),
                    title_span: None,
                }
            })
            .collect();
        let mut found = Vec::new();
        runbook::check_across(&facts, None, None, &mut found);
        assert_eq!(found.len(), RUNBOOKS - 1);
        let started = std::time::Instant::now();
        let files: Vec<_> = files_of(&facts, &found).collect();
        let elapsed = started.elapsed();
        assert_eq!(files.len(), RUNBOOKS - 1);
        assert_eq!(
            files.last().map(|(_, rel)| *rel),
            Some(facts[RUNBOOKS - 1].rel.as_path())
        );
        // Linear: 0.3 to 2 s in debug, on machines from fast to slow and
        // busy; scanning took minutes.
        assert!(
            elapsed < std::time::Duration::from_secs(10),
            "{elapsed:?} to find the files of {} problems",
            found.len()
        );
    }
}
