//! Validating a whole tree as `gtdocs build` and `check` do: every runbook
//! loaded and checked one at a time on every core, then the checks across
//! files, into a book when there is no error.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::allow;
use super::cached::{self, Cache, Row};
use super::catalog::CatalogCheck;
use super::checks::{Checks, RunbookResult};
use super::consistency;
use super::evidence::Evidence;
use super::lint_facts::Linted;
use super::overrides::SiteOverrides;
use super::runbook::{self, Facts};
use super::structure::SchemaError;
use crate::cache::Fingerprint;
use crate::diagnostic::{self, Diagnostic};
use crate::load::{self, Document, Loaded, Tree};
use crate::model::{Book, Runbook};

/// The outcome of validating a tree.
#[derive(Debug)]
pub struct Validated {
    /// Present when there are no errors (warnings allowed).
    pub book: Option<Book>,
    /// Sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Runbook files with no error of their own, checked against a catalog
    /// (none when `gtdocs.yaml` has no usable catalog).
    pub runbooks_valid: usize,
    /// What the validation cache did, in a line (`None`: no cache).
    pub cache: Option<String>,
}

/// Loads and validates every runbook of a tree whose config is loaded
/// ([`crate::load::load_config`]), one file at a time on every core: a
/// file's parsed document is dropped as soon as it is checked, and its text
/// kept only when it has something to show (a problem; findings it
/// accepts, when they are shown). Memory then grows with the validated
/// runbooks, not with the sources. `site` replaces settings of
/// `gtdocs.yaml` (command-line flags).
///
/// `locate_accepted`: whether the findings the runbooks accept are shown
/// (`-v`, the machine formats), so need their line. When they are not, a
/// file whose only findings across runbooks are accepted by its own
/// runbook-wide entries is not read again for its spans: at 10,000
/// runbooks that is most of them.
pub fn validate_streaming(
    tree: &mut Tree,
    rels: Vec<PathBuf>,
    site: &SiteOverrides,
    locate_accepted: bool,
) -> Result<Validated, SchemaError> {
    validate_cached(tree, rels, site, locate_accepted, None)
}

/// [`validate_streaming`] with the validation cache of cache folder
/// `cache` (its table, in parts `validate-NN.bin`): a file whose bytes
/// are those of a file that had no problem of its own the last time,
/// checked against the same inputs, is not parsed nor checked again; its
/// result is read back. The table is then replaced with the results of
/// the files there are now, unless it holds them already. Neither
/// reading nor writing it can fail the validation; [`Validated::cache`]
/// says what happened.
pub fn validate_cached(
    tree: &mut Tree,
    rels: Vec<PathBuf>,
    site: &SiteOverrides,
    locate_accepted: bool,
    cache: Option<&Path>,
) -> Result<Validated, SchemaError> {
    let checks = Checks::new()?.overriding(site.clone());
    let (catalog, mut diagnostics) = checks.catalog(tree);
    let root = tree.root.clone();
    let files = rels.len();
    let cache = cache.map(|dir| Cache::open(dir, cached::inputs(tree, site, catalog.as_ref())));
    let previous = cache.as_ref().map(Cache::previous);
    // A file's text is kept when it has something to show: a problem of
    // its own, or, when they are shown, findings its `allow` entries accept
    // (else it would be read again for them).
    let shows = |facts: &Facts, result: &RunbookResult| {
        !result.diagnostics.is_empty() || (locate_accepted && !facts.lint.allows.is_empty())
    };
    let check = |doc: &Document| -> Streamed {
        let result = checks.runbook(doc, catalog.as_ref());
        let facts = Facts::of(doc);
        let text = shows(&facts, &result).then(|| (doc.path.clone(), doc.text.clone()));
        (Some(facts), result, text)
    };
    let failed = |path: PathBuf, text: Option<Arc<str>>, diagnostic: Diagnostic| -> Streamed {
        let result = RunbookResult {
            diagnostics: vec![diagnostic],
            runbook: None,
        };
        (None, result, text.map(|t| (path, t)))
    };
    // A file still as it was when its row was made (its stamp) is not
    // read. Any other is read once: its bytes are fingerprinted, looked up
    // in the cache, and parsed only when they are not there.
    let now = std::time::SystemTime::now();
    // A file's own result read back: no problem of its own.
    let reused = |hit: cached::Hit| {
        let result = RunbookResult {
            diagnostics: Vec::new(),
            runbook: hit.runbook,
        };
        (hit.facts, result)
    };
    let checked: Vec<(Streamed, Option<Row<'_>>, bool)> = rels
        .into_par_iter()
        .map(|rel| {
            let path = load::display_path(&root, &rel);
            if let Some(previous) = &previous
                && let Some((hit, row)) =
                    previous.unchanged(&rel, &path, || load::Stamp::now(&root, &rel))
            {
                let (facts, result) = reused(hit);
                // A file with something to show is read for its text.
                if !shows(&facts, &result) {
                    return ((Some(facts), result, None), Some(row), true);
                }
            }
            let (bytes, stamp) = match load::read_runbook_stamped(&root, &rel) {
                Ok(read) => read,
                Err(diagnostic) => return (failed(path, None, *diagnostic), None, false),
            };
            let stamp = stamp.filter(|stamp| stamp.settled(now));
            let fingerprint = previous.as_ref().map(|_| crate::cache::fingerprint(&bytes));
            if let (Some(previous), Some(fingerprint)) = (&previous, fingerprint)
                && let Some((hit, row)) = previous.get(&rel, &path, fingerprint, stamp)
            {
                let (facts, result) = reused(hit);
                let text = shows(&facts, &result)
                    .then(|| load::text_of(&bytes))
                    .flatten()
                    .map(|text| (path, text.into()));
                return ((Some(facts), result, text), Some(row), true);
            }
            // A file is parsed without spans first; one with a problem
            // again, with them, so that each problem shows its place.
            match load::parse_runbook(&root, rel.clone(), &bytes, false) {
                Loaded::Parsed(doc) => {
                    let fast = check(&doc);
                    if fast.1.diagnostics.is_empty() {
                        let row = fingerprint.and_then(|fingerprint| {
                            let (facts, result, _) = &fast;
                            let facts = facts.as_ref()?;
                            cached::row(&rel, fingerprint, stamp, facts, result.runbook.as_ref())
                        });
                        return (fast, row, false);
                    }
                    drop(doc);
                    match load::parse_runbook(&root, rel, &bytes, true) {
                        Loaded::Parsed(doc) => (check(&doc), None, false),
                        Loaded::Failed { .. } => (fast, None, false),
                    }
                }
                Loaded::Failed {
                    path,
                    text,
                    diagnostic,
                } => (failed(path, text, diagnostic), None, false),
            }
        })
        .collect();
    let mut reused = 0;
    // The cache's rows, and the row of each of `facts`, if it has one.
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut row_of: Vec<Option<usize>> = Vec::with_capacity(checked.len());
    let mut runbooks = Vec::with_capacity(checked.len());
    let mut facts = Vec::with_capacity(checked.len());
    for ((fact, result, text), row, hit) in checked {
        reused += usize::from(hit);
        if let Some(fact) = fact {
            facts.push(fact);
            row_of.push(row.map(|row| {
                rows.push(row);
                rows.len() - 1
            }));
        }
        diagnostics.extend(result.diagnostics);
        runbooks.extend(result.runbook);
        if let Some((path, text)) = text {
            tree.sources.insert(path, text);
        }
    }
    // Titles used twice are reported where they are: find those places.
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(facts.len());
    for key in facts.iter().filter_map(|f| f.title_key.as_deref()) {
        *seen.entry(key).or_default() += 1;
    }
    let shared: Vec<usize> = facts
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.title_span.is_none()
                && f.title_key
                    .as_deref()
                    .is_some_and(|k| seen.get(k).is_some_and(|n| *n > 1))
        })
        .map(|(i, _)| i)
        .collect();
    drop(seen);
    for i in shared {
        let f = &mut facts[i];
        if let Loaded::Parsed(doc) = load::load_runbook(&root, f.rel.clone()) {
            f.title_span = doc.spans.value("/title");
        }
    }
    let config = tree.config.as_ref().map(|d| d.path.as_path());
    runbook::check_across(&facts, config, catalog.as_ref(), &mut diagnostics);
    // The probes' evidence (never cached: results change without a runbook
    // changing), found against the same facts as the lints.
    let evidence = Evidence::of(tree, &lint_view(&facts), catalog.as_ref(), &mut diagnostics);
    let across = |facts: &[Facts]| {
        let view = lint_view(facts);
        let mut found = consistency::across(&view, catalog.as_ref());
        found.extend(evidence.contradictions(&view, catalog.as_ref()));
        found
    };
    let mut found = across(&facts);
    // A lint's finding and an `allow` entry are shown at their place: the
    // files read without spans (no problem of their own) are read again.
    let mut reread: HashSet<usize> = found
        .iter()
        .map(|(f, _)| *f)
        .chain(
            facts
                .iter()
                .enumerate()
                .filter(|(_, f)| !f.lint.allows.is_empty())
                .map(|(i, _)| i),
        )
        .filter(|&i| !facts[i].lint.spanned)
        .collect();
    if !locate_accepted {
        reread = needing_spans(&facts, &diagnostics, &found, reread, &evidence);
    }
    if !reread.is_empty() {
        // What a file read again gives depends on its bytes only: its row
        // in the cache keeps it, for the next time.
        let mut to_read = Vec::with_capacity(reread.len());
        for i in reread {
            match row_of[i].and_then(|r| rows[r].spanned()) {
                Some(lint) => facts[i].lint = lint,
                None => to_read.push(i),
            }
        }
        let spanned: Vec<(usize, Option<Fingerprint>, Facts)> = to_read
            .into_par_iter()
            .filter_map(|i| {
                let rel = &facts[i].rel;
                let bytes = load::read_runbook(&root, rel).ok()?;
                let fingerprint = row_of[i].map(|_| crate::cache::fingerprint(&bytes));
                match load::parse_runbook(&root, rel.clone(), &bytes, true) {
                    Loaded::Parsed(doc) => Some((i, fingerprint, Facts::of(&doc))),
                    Loaded::Failed { .. } => None,
                }
            })
            .collect();
        for (i, fingerprint, fact) in spanned {
            if let Some(r) = row_of[i]
                && fingerprint == Some(rows[r].bytes())
            {
                rows[r].set_spanned(&fact.lint);
            }
            facts[i].lint = fact.lint;
        }
        found = across(&facts);
    }
    // The cache's table is written (40 MB at 10,000 runbooks) on a thread
    // of its own while the findings are settled and the book is made.
    let (cache_summary, mut validated) = std::thread::scope(|scope| {
        let rows = &rows;
        let (cache, previous) = (cache.as_ref(), previous.as_ref());
        let writer = scope.spawn(move || {
            cache.zip(previous).map(|(cache, previous)| {
                let written = cache.keep(previous, rows);
                cached::report(reused, files, previous.ignored(), written)
            })
        });
        diagnostics.extend(found.into_iter().map(|(_, d)| d));
        allow::apply(&lint_view(&facts), &mut diagnostics, &|path| {
            evidence.judges(path)
        });
        // A problem found across files is shown in its file: read the text
        // of those that had none of their own. Accepted findings that are
        // not shown need none (at 10,000 runbooks, 25 MB of text nobody
        // reads).
        let shown = diagnostics
            .iter()
            .filter(|d| locate_accepted || d.accepted.is_none());
        for (path, rel) in files_of(&facts, shown) {
            if !tree.sources.contains_key(path)
                && let Some(text) = load::read_text(&root, rel)
            {
                tree.sources.insert(path.to_path_buf(), text.into());
            }
        }
        diagnostics.extend(tree.diagnostics.iter().cloned());
        let runbooks_valid = if catalog.is_some() {
            let with_errors: HashSet<&Path> = diagnostics
                .iter()
                .filter(|d| d.is_error())
                .filter_map(|d| d.file.as_deref())
                .collect();
            facts
                .iter()
                .filter(|f| !with_errors.contains(f.path.as_path()))
                .count()
        } else {
            0
        };
        let validated = finish(catalog, runbooks, diagnostics, runbooks_valid, &evidence);
        let summary = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (summary, validated)
    });
    validated.cache = cache_summary;
    Ok(validated)
}

/// Of the files in `candidates`, those with something to show at its
/// place once the `allow` entries are applied: a finding no entry accepts,
/// or an entry that accepts none. Found by applying the entries to the
/// findings as read without spans, where a route's own entry never
/// matches (it needs the route's place): a file with one is kept, so this
/// errs towards reading a file again, never towards a finding without
/// its line.
fn needing_spans(
    facts: &[Facts],
    diagnostics: &[Diagnostic],
    found: &[(usize, Diagnostic)],
    candidates: HashSet<usize>,
    evidence: &Evidence,
) -> HashSet<usize> {
    if candidates.is_empty() {
        return candidates;
    }
    let mut trial: Vec<Diagnostic> = diagnostics
        .iter()
        .chain(found.iter().map(|(_, d)| d))
        .filter(|d| d.file.is_some())
        .cloned()
        .collect();
    allow::apply(&lint_view(facts), &mut trial, &|path| evidence.judges(path));
    let shown: HashSet<&Path> = trial
        .iter()
        .filter(|d| d.accepted.is_none())
        .filter_map(|d| d.file.as_deref())
        .collect();
    candidates
        .into_iter()
        .filter(|&i| {
            let f = &facts[i];
            shown.contains(f.path.as_path()) || f.lint.allows.iter().any(|a| a.route.is_some())
        })
        .collect()
}

/// The file of each diagnostic, as shown and as a path in the tree, for
/// those of `facts`' files. Indexed by path: there may be a diagnostic
/// for every file.
fn files_of<'a>(
    facts: &'a [Facts],
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
) -> impl Iterator<Item = (&'a Path, &'a Path)> {
    let rel_of: HashMap<&Path, &Path> = facts
        .iter()
        .map(|f| (f.path.as_path(), f.rel.as_path()))
        .collect();
    diagnostics.into_iter().filter_map(move |d| {
        let (path, rel) = rel_of.get_key_value(d.file.as_deref()?)?;
        Some((*path, *rel))
    })
}

/// Each file as the lints across runbooks and `allow` see it.
fn lint_view(facts: &[Facts]) -> Vec<Linted<'_>> {
    facts.iter().map(|f| (f.path.as_path(), &f.lint)).collect()
}

/// One runbook file, checked: what the checks across files need, its own
/// result, and its text when it has a problem to show.
type Streamed = (Option<Facts>, RunbookResult, Option<(PathBuf, Arc<str>)>);

fn finish(
    catalog: Option<CatalogCheck>,
    runbooks: Vec<Runbook>,
    mut diagnostics: Vec<Diagnostic>,
    runbooks_valid: usize,
    evidence: &Evidence,
) -> Validated {
    diagnostic::normalize(&mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let book = match catalog {
        Some(catalog) if !has_errors => {
            let mut book = catalog.book(runbooks);
            evidence.mark(&mut book);
            Some(book)
        }
        _ => None,
    };
    Validated {
        book,
        diagnostics,
        runbooks_valid,
        cache: None,
    }
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
                let rel = PathBuf::from(format!("runbooks/alpha-{i:06}.yaml"));
                Facts {
                    path: Path::new("tree").join(&rel),
                    rel,
                    title: Some("Alpha Chat".into()),
                    title_key: Some(runbook::title_key("Alpha Chat")),
                    title_span: None,
                    lint: Default::default(),
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
