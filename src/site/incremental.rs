//! A docs tree kept loaded and validated between rebuilds, for the live
//! preview: after an edit of runbooks only, those files are read and
//! checked again alone (the others' results are kept) and the book is
//! patched in place; anything else loads and checks the whole tree again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{self, Diagnostic, Sources};
use crate::load::Tree;
use crate::model::Book;
use crate::validate::{self, CatalogCheck, Checks, RunbookResult, SchemaError};

/// What one update left: every diagnostic of the tree, the text of the
/// files they point into, and the book when there is no error.
pub struct Assembled {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
    pub book: Option<Arc<Book>>,
    /// The runbooks this update checked again alone (with edits held back
    /// while the tree had errors); `None` when the whole tree was.
    pub edited: Option<Vec<PathBuf>>,
}

pub struct Incremental {
    root: PathBuf,
    checks: Checks,
    loaded: Option<Loaded>,
    /// The last good book, patched in place for runbook edits.
    book: Option<Arc<Book>>,
    /// Runbooks edited since the last good book.
    pending: Vec<PathBuf>,
    /// The history of verdicts every new book is given (read once, by
    /// the preview, at its start).
    history: Option<crate::model::History>,
    /// The source commit every new book is given, read with the history.
    source: Option<crate::model::SourceCommit>,
}

/// The state kept between updates.
struct Loaded {
    tree: Tree,
    catalog: Option<CatalogCheck>,
    catalog_diagnostics: Vec<Diagnostic>,
    /// Each runbook's own result, by its path relative to the root.
    results: HashMap<PathBuf, RunbookResult>,
}

impl Incremental {
    pub fn new(root: PathBuf) -> Result<Self, SchemaError> {
        Ok(Incremental {
            root,
            checks: Checks::new()?,
            loaded: None,
            book: None,
            pending: Vec::new(),
            history: None,
            source: None,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Gives the current book, and every book made after it, `history`.
    pub fn set_history(
        &mut self,
        history: Option<crate::model::History>,
        source: Option<crate::model::SourceCommit>,
    ) {
        if let Some(book) = self.book.as_mut() {
            let book = Arc::make_mut(book);
            book.history = history.clone();
            book.source = source.clone();
        }
        self.history = history;
        self.source = source;
    }

    /// The current book, when the tree has no error.
    pub fn book(&self) -> Option<Arc<Book>> {
        self.book.clone()
    }

    /// Brings the tree up to date: `Some(runbooks)` when only those files
    /// changed, `None` for anything else. `Err` when the tree cannot be
    /// read at all.
    pub fn update(&mut self, runbooks: Option<&[PathBuf]>) -> Result<Assembled, String> {
        let edited = match (runbooks, self.loaded.as_mut()) {
            // A tree past the limit on runbooks read none: only a whole
            // load counts them again.
            (Some(rels), Some(loaded))
                if loaded.catalog.is_some() && !loaded.tree.has_too_many_runbooks() =>
            {
                loaded.tree.reload_runbooks(rels);
                if loaded.tree.has_too_many_runbooks() {
                    loaded.results.clear();
                }
                for rel in rels {
                    loaded.results.remove(rel);
                    if let Some(doc) = loaded.tree.runbooks.iter().find(|d| &d.rel == rel) {
                        loaded.results.insert(
                            rel.clone(),
                            self.checks.runbook(doc, loaded.catalog.as_ref()),
                        );
                    }
                }
                // Edits made while the tree had errors are applied with
                // the first good update after them.
                let mut rels = rels.to_vec();
                for rel in self.pending.drain(..) {
                    if !rels.contains(&rel) {
                        rels.push(rel);
                    }
                }
                Some(rels)
            }
            _ => {
                self.load_all()?;
                None
            }
        };
        let mut assembled = Assembled {
            diagnostics: Vec::new(),
            sources: Sources::new(),
            book: None,
            edited,
        };
        if self.assemble(&mut assembled) {
            assembled.book = self.book.clone();
        } else {
            self.pending = assembled.edited.take().unwrap_or_default();
        }
        Ok(assembled)
    }

    fn load_all(&mut self) -> Result<(), String> {
        let tree = crate::load::load(&self.root).map_err(|e| e.to_string())?;
        let (catalog, catalog_diagnostics) = self.checks.catalog(&tree);
        let results = {
            use rayon::prelude::*;
            tree.runbooks
                .par_iter()
                .map(|doc| (doc.rel.clone(), self.checks.runbook(doc, catalog.as_ref())))
                .collect::<Vec<_>>()
                .into_iter()
                .collect()
        };
        self.loaded = Some(Loaded {
            tree,
            catalog,
            catalog_diagnostics,
            results,
        });
        Ok(())
    }

    /// Diagnostics of the whole tree; when there is no error, the book is
    /// brought up to date: patched for edited runbooks (the others are
    /// kept as they are), built anew otherwise.
    fn assemble(&mut self, out: &mut Assembled) -> bool {
        let Some(loaded) = self.loaded.as_ref() else {
            return false;
        };
        let mut diagnostics = loaded.catalog_diagnostics.clone();
        diagnostics.extend(loaded.tree.diagnostics.iter().cloned());
        for result in loaded.results.values() {
            diagnostics.extend(result.diagnostics.iter().cloned());
        }
        let evidence = validate::across(&loaded.tree, loaded.catalog.as_ref(), &mut diagnostics);
        diagnostic::normalize(&mut diagnostics);
        if !diagnostics.is_empty() {
            out.sources = loaded.tree.sources.clone();
        }
        let has_errors = diagnostics.iter().any(Diagnostic::is_error);
        out.diagnostics = diagnostics;
        let Some(catalog) = loaded.catalog.as_ref().filter(|_| !has_errors) else {
            return false;
        };
        match (out.edited.as_deref(), self.book.as_mut()) {
            (Some(rels), Some(book)) => {
                let book = Arc::make_mut(book);
                book.runbooks.retain(|rb| !rels.contains(&rb.source));
                book.runbooks.extend(
                    rels.iter()
                        .filter_map(|rel| loaded.results.get(rel)?.runbook.clone()),
                );
                book.runbooks.sort_by(|a, b| a.slug.cmp(&b.slug));
            }
            _ => {
                let runbooks = loaded
                    .results
                    .values()
                    .filter_map(|r| r.runbook.clone())
                    .collect();
                let mut book = catalog.book(runbooks);
                book.history = self.history.clone();
                book.source = self.source.clone();
                self.book = Some(Arc::new(book));
            }
        }
        // What the probes found, read again on every update (a runbook
        // put back above has none yet).
        if let Some(book) = self.book.as_mut() {
            evidence.mark(Arc::make_mut(book));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_bundled(to: &Path) {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(repo.join("gtdocs.yaml"), to.join("gtdocs.yaml")).expect("copy config");
        std::fs::create_dir_all(to.join("runbooks")).expect("mkdir");
        for entry in std::fs::read_dir(repo.join("runbooks")).expect("runbooks") {
            let path = entry.expect("entry").path();
            if let Some(name) = path.file_name() {
                std::fs::copy(&path, to.join("runbooks").join(name)).expect("copy runbook");
            }
        }
        // What the bundled probes found: the LiteLLM runbook accepts a
        // finding it makes.
        let probes = repo.join(crate::probe::DIR);
        for entry in std::fs::read_dir(&probes).expect("probes") {
            let slug = entry.expect("entry").file_name();
            let results = Path::new(crate::probe::DIR).join(&slug);
            std::fs::create_dir_all(to.join(&results)).expect("mkdir");
            let file = results.join(crate::probe::RESULTS_FILE);
            std::fs::copy(repo.join(&file), to.join(&file)).expect("copy results");
        }
    }

    fn warnings(a: &Assembled) -> Vec<(String, PathBuf)> {
        a.diagnostics
            .iter()
            .filter(|d| !d.is_error() && d.accepted.is_none())
            .map(|d| (d.code.to_owned(), d.file.clone().unwrap_or_default()))
            .collect()
    }

    /// The preview checks an edited runbook alone, and the lints across
    /// runbooks still see every runbook: a level edited into a conflict
    /// with other runbooks' is reported, and cleared when edited back.
    /// (The bundled langchain's `allow` is followed by `category`.)
    #[test]
    fn the_lints_across_runbooks_follow_a_single_edit() {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_bundled(dir.path());
        let mut preview = Incremental::new(dir.path().to_path_buf()).expect("schemas");
        let first = preview.update(None).expect("loads");
        assert_eq!(warnings(&first), vec![]);
        assert_eq!(diagnostic::accepted(&first.diagnostics), 14);
        let rel = PathBuf::from("runbooks/langchain.yaml");
        let path = dir.path().join(&rel);
        let text = std::fs::read_to_string(&path).expect("read");
        // Its level made another, and no longer accepted.
        let allow = text.find("allow:\n").expect("an allow entry");
        let end = allow + text[allow..].find("\ncategory:").expect("category") + 1;
        let edited = format!("{}{}", &text[..allow], &text[end..]).replace(
            "compatibility: native-openai",
            "compatibility: guided-openai",
        );
        assert_ne!(edited, text);
        std::fs::write(&path, edited).expect("write");
        let after = preview
            .update(Some(std::slice::from_ref(&rel)))
            .expect("updates");
        assert_eq!(after.edited.as_deref(), Some(std::slice::from_ref(&rel)));
        let found = warnings(&after);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "compatibility-mismatch");
        assert!(found[0].1.ends_with(&rel), "{found:?}");
        std::fs::write(&path, text).expect("write back");
        let back = preview
            .update(Some(std::slice::from_ref(&rel)))
            .expect("updates");
        assert_eq!(warnings(&back), vec![]);
        assert_eq!(diagnostic::accepted(&back.diagnostics), 14);
    }
}
