//! Building the previewed site: a full build first, then a rebuild per
//! change that does only what the change needs. An edited runbook is read,
//! parsed and validated again alone (the others' results are kept). What
//! is rendered is decided as a build's cache decides it: every page, its
//! Markdown twin, each part of the search index, the JSON and the
//! LLM-ready listings are units keyed by what they are made from
//! ([`render::Memo`], the same [`crate::render::Keys`]), and a unit whose
//! key the last render made is taken from it, not rendered again. An edit
//! of a runbook's steps renders its page and twin; one of its summary or
//! a verdict, also the list pages that show it. The pages are published
//! first; the search index, the JSON the site serves (`json/`: the
//! manifest holds every runbook) and the files that list every runbook
//! (`llms.txt`, the route twins, `llms-full.txt`) follow, so the reload
//! does not wait for them. A catalog or theme change changes every key;
//! a source folder coming or going, or a change the watcher could not
//! follow, reads every source again.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use serde_json::json;

use super::change::Change;
use super::error::ServeError;
use super::state::{Files, Snapshot};
use crate::diagnostic::{self, Diagnostic, JsonDiagnostic, Sources};
use crate::history::Skipped;
use crate::model::Book;
use crate::render::{self, Output, RenderContext, html, json, llms, search};
use crate::site::incremental::Incremental;
use crate::site::template;

/// What one rebuild did, for the terminal.
pub struct Rebuilt {
    /// What changed ("runbook runbooks/x.yaml"), or `None` for the first build.
    pub change: Option<String>,
    pub ok: bool,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
    /// Pages rendered by this rebuild, and the site's total.
    pub pages: usize,
    pub total_pages: usize,
    pub elapsed: Duration,
    /// An error that is not about a source (a template, the search index).
    pub error: Option<String>,
}

/// The search index, the JSON and the LLM-ready listings still to build
/// for a published epoch (the files [`later`] names). It runs on the
/// [`SearchWorker`]'s thread, so the next edit's rebuild does not wait for
/// it.
pub struct SearchJob {
    epoch: u64,
    book: Arc<Book>,
    /// The units of the last job, reused where their inputs are the same
    /// (the search index's parts whose pages did not change).
    memo: Arc<Mutex<render::Memo>>,
}

/// A finished search job.
pub struct SearchDone {
    epoch: u64,
    output: Result<Output, render::RenderError>,
}

impl SearchJob {
    pub fn run(self, ctx: &RenderContext) -> SearchDone {
        let output = self
            .memo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .render(
                &self.book,
                ctx,
                &[&search::Search, &json::Json, &llms::Listings],
            );
        SearchDone {
            epoch: self.epoch,
            output,
        }
    }
}

/// The one thread that builds search indexes. It holds at most one job
/// besides the one it runs: a newer job replaces a waiting one, whose
/// index would be thrown away anyway. So a burst of saves costs one
/// thread and two books, not a thread and a book per save.
pub struct SearchWorker {
    next: Arc<(Mutex<Option<SearchJob>>, Condvar)>,
}

impl SearchWorker {
    /// Starts the thread; finished jobs go to `done`. The thread is
    /// detached: Ctrl-C does not wait for it.
    pub fn start(ctx: RenderContext, done: mpsc::Sender<SearchDone>) -> std::io::Result<Self> {
        let next: Arc<(Mutex<Option<SearchJob>>, Condvar)> = Arc::default();
        let queue = Arc::clone(&next);
        std::thread::Builder::new()
            .name("gtdocs-search".into())
            .spawn(move || {
                loop {
                    let job = {
                        let (slot, ready) = &*queue;
                        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
                        loop {
                            if let Some(job) = slot.take() {
                                break job;
                            }
                            slot = ready.wait(slot).unwrap_or_else(PoisonError::into_inner);
                        }
                    };
                    if done.send(job.run(&ctx)).is_err() {
                        return;
                    }
                }
            })?;
        Ok(SearchWorker { next })
    }

    /// Queues `job` in place of any job not started yet.
    pub fn submit(&self, job: SearchJob) {
        let (slot, ready) = &*self.next;
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(job);
        ready.notify_one();
    }
}

pub struct Preview {
    /// The tree, loaded and validated, kept between rebuilds.
    site: Incremental,
    ctx: RenderContext,
    epoch: u64,
    base_url: String,
    /// The last good site.
    last_good: Arc<Files>,
    /// `__gtdocs/status` of the current epoch.
    status: String,
    /// The pages and Markdown twins of the last render, each a unit keyed
    /// by what it is made from, as a build's cache keys it: a page whose
    /// inputs did not change is taken from it, not rendered again.
    pages: render::Memo,
    /// The units of the last search job (see [`SearchJob`]).
    memo: Arc<Mutex<render::Memo>>,
    /// The history of verdicts was read (with the first good book, and
    /// again whenever HEAD moves).
    history_read: bool,
    /// HEAD when it was read; `None` outside git or before any commit.
    history_head: Option<String>,
    /// The tree is in a git work tree, so HEAD is worth watching.
    in_git: bool,
}

impl Preview {
    pub fn new(root: PathBuf) -> Result<Self, ServeError> {
        let ctx = RenderContext::from_env()?;
        let site = Incremental::new(root).map_err(|e| ServeError::Compile(e.into()))?;
        Ok(Preview {
            site,
            ctx,
            epoch: 0,
            base_url: "/".into(),
            last_good: Arc::default(),
            status: String::new(),
            pages: render::Memo::default(),
            memo: Arc::default(),
            history_read: false,
            history_head: None,
            in_git: false,
        })
    }

    /// `base_url` of the last good build.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Builds what `change` needs (`None`: everything); on failure the last
    /// good files stay. The search index, when pages changed, is left to
    /// the returned [`SearchJob`] and [`Preview::accept_search`].
    pub fn rebuild(&mut self, change: Option<&Change>) -> (Rebuilt, Snapshot, Option<SearchJob>) {
        let started = Instant::now();
        self.epoch += 1;
        let mut outcome = Rebuilt {
            change: change.map(Change::describe),
            ok: false,
            diagnostics: Vec::new(),
            sources: Sources::new(),
            pages: 0,
            total_pages: 0,
            elapsed: Duration::ZERO,
            error: None,
        };
        let runbooks_only = match change {
            Some(Change::Runbooks(rels)) => Some(rels.as_slice()),
            // Only the evidence, read again with every update.
            Some(Change::Evidence) => Some(&[][..]),
            _ => None,
        };
        let mut job = None;
        match self.site.update(runbooks_only) {
            Err(e) => outcome.error = Some(e),
            Ok(assembled) => {
                outcome.diagnostics = assembled.diagnostics;
                outcome.sources = assembled.sources;
                if let Some(mut book) = assembled.book {
                    if !self.history_read || self.head_moved() {
                        book = self.read_history(book, &mut outcome.diagnostics);
                    }
                    job = self.render(book, &mut outcome);
                }
            }
        }
        // What the watcher could not follow: everything was read again, and
        // the terminal and the status say why.
        outcome
            .diagnostics
            .extend(change.map_or(&[][..], Change::lost).iter().map(|what| {
                Diagnostic::warning("watch", what.clone()).with_hint(
                    "every source was read again, so the preview is up to date; \
                     if it ever looks stale, restart gtdocs serve",
                )
            }));
        outcome.total_pages = self
            .last_good
            .keys()
            .filter(|p| p.ends_with(".html"))
            .count();
        outcome.elapsed = started.elapsed();
        self.status = status_json(self.epoch, &outcome);
        let snapshot = Snapshot {
            epoch: self.epoch,
            files: Arc::clone(&self.last_good),
            ok: outcome.ok,
            status: self.status.clone(),
        };
        (outcome, snapshot, job)
    }

    /// The rendering settings, for search jobs run elsewhere.
    pub fn context(&self) -> RenderContext {
        self.ctx.clone()
    }

    /// Takes in the search index built for `epoch`; the snapshot to
    /// publish, unless a newer rebuild has superseded it.
    pub fn accept_search(&mut self, done: SearchDone) -> Option<Snapshot> {
        if done.epoch != self.epoch {
            return None;
        }
        let out = match done.output {
            Ok(out) => out,
            Err(e) => {
                // It may quote a source: escaped as every printed text.
                eprintln!("error: {}", crate::diagnostic::visible(&e.to_string()));
                return None;
            }
        };
        let mut files: Files = self
            .last_good
            .iter()
            .filter(|(p, _)| !later(p))
            .map(|(p, c)| (p.clone(), Arc::clone(c)))
            .collect();
        files.extend(html_files(&out));
        self.last_good = Arc::new(files);
        Some(Snapshot {
            epoch: self.epoch,
            files: Arc::clone(&self.last_good),
            ok: true,
            status: self.status.clone(),
        })
    }

    /// The commit HEAD names now, if any.
    fn head(&self) -> Option<String> {
        crate::git::Git::new(self.site.root())
            .text(&["rev-parse", "--verify", "--quiet", "HEAD"])
            .ok()
    }

    /// Whether HEAD moved since the history was read (a commit, a
    /// checkout, a reset): the preview's history is then out of date.
    /// One `git rev-parse`; nothing outside a git work tree.
    pub fn head_moved(&self) -> bool {
        self.history_read && self.in_git && self.head() != self.history_head
    }

    /// Reads the history of verdicts from git: later books are given the
    /// same history until HEAD moves.
    fn read_history(&mut self, book: Arc<Book>, diagnostics: &mut Vec<Diagnostic>) -> Arc<Book> {
        self.history_read = true;
        let read =
            crate::history::read(self.site.root(), book.site.max_history_commits, Some(&book));
        self.history_head = read.head.clone();
        self.in_git = read.history.is_some() || read.skipped == Some(Skipped::NoCommit);
        diagnostics.extend(read.diagnostics);
        self.site.set_history(read.history, read.source);
        self.site.book().unwrap_or(book)
    }

    /// Renders the pages and twins (those whose inputs changed); the
    /// search job for the rest.
    fn render(&mut self, book: Arc<Book>, outcome: &mut Rebuilt) -> Option<SearchJob> {
        let rendered = self
            .pages
            .render(&book, &self.ctx, &[&html::Html, &llms::Twins]);
        let out = match rendered {
            Ok(out) => out,
            // A template's error, or its loop out of fuel, is a diagnostic
            // as `build` and `check` show it.
            Err(e) => {
                match template::diagnostic(self.site.root(), &book, &e, &mut outcome.sources) {
                    Some(d) => outcome.diagnostics.push(d),
                    None => outcome.error = Some(e.to_string()),
                }
                return None;
            }
        };
        let pages = self
            .pages
            .made()
            .iter()
            .filter(|p| p.ends_with(".html"))
            .count();
        // The search index, the JSON and the listings of the last job
        // stay until the new ones are ready.
        let mut files: Files = self
            .last_good
            .iter()
            .filter(|(p, _)| later(p))
            .map(|(p, c)| (p.clone(), Arc::clone(c)))
            .collect();
        files.extend(html_files(&out));
        let first = self.last_good.is_empty();
        self.last_good = Arc::new(files);
        self.base_url = book.site.base_url.clone();
        outcome.pages = pages;
        outcome.ok = true;
        let job = SearchJob {
            epoch: self.epoch,
            book,
            memo: Arc::clone(&self.memo),
        };
        if first {
            // The first build serves search from the start.
            let ctx = self.ctx.clone();
            self.accept_search(job.run(&ctx));
            return None;
        }
        Some(job)
    }
}

/// The folders of the site (below `html/`) the [`SearchJob`] builds.
const LATER: [&str; 2] = [search::DIR, json::DIR];

/// Whether the [`SearchJob`] builds this file of the site: in a folder of
/// [`LATER`], or one of the LLM-ready listings.
fn later(path: &str) -> bool {
    llms::lists_every_runbook(path)
        || LATER
            .iter()
            .any(|dir| path.strip_prefix(dir).is_some_and(|p| p.starts_with('/')))
}

/// The `html/` files of an output, by their path below it.
fn html_files(out: &Output) -> impl Iterator<Item = (String, Arc<[u8]>)> + '_ {
    let prefix = format!("{}/", html::DIR);
    out.shared_files().filter_map(move |(p, c)| {
        p.strip_prefix(&prefix)
            .map(|p| (p.to_string(), Arc::clone(c)))
    })
}

/// The diagnostics `__gtdocs/status` carries, at most, and its size: it
/// is fetched by every open page, and a source can hold any number of
/// problems on lines of any length. The counts stay whole; a last entry
/// says how many were left out (`gtdocs check` lists them all).
const STATUS_DIAGNOSTICS: usize = 100;
const STATUS_BYTES: usize = 512 * 1024;

/// `__gtdocs/status`: the epoch and the diagnostics, each with its source
/// line, for the overlay; bounded by [`STATUS_DIAGNOSTICS`] and
/// [`STATUS_BYTES`].
fn status_json(epoch: u64, outcome: &Rebuilt) -> String {
    let (errors, warnings) = diagnostic::counts(&outcome.diagnostics);
    // A finding accepted on purpose (`allow`) is no problem to fix: the
    // overlay leaves it out, `gtdocs check -v` lists it.
    let problems: std::borrow::Cow<'_, [Diagnostic]> =
        if outcome.diagnostics.iter().any(|d| d.accepted.is_some()) {
            outcome
                .diagnostics
                .iter()
                .filter(|d| d.accepted.is_none())
                .cloned()
                .collect::<Vec<_>>()
                .into()
        } else {
            outcome.diagnostics.as_slice().into()
        };
    let mut list: Vec<serde_json::Value> = Vec::new();
    let mut bytes = 0;
    for d in JsonDiagnostic::with_snippets(&problems, &outcome.sources).take(STATUS_DIAGNOSTICS) {
        let mut value = serde_json::to_value(d).unwrap_or_default();
        let mut size = value.to_string().len();
        if bytes + size > STATUS_BYTES {
            // The place and message without the (long) source line.
            if let Some(snippet) = value.get_mut("snippet") {
                *snippet = serde_json::Value::Null;
            }
            size = value.to_string().len();
            if bytes + size > STATUS_BYTES {
                break;
            }
        }
        bytes += size;
        list.push(value);
    }
    let left_out = problems.len() - list.len();
    if let Some(error) = &outcome.error {
        let message: String = error.chars().take(4096).collect();
        list.push(json!({ "severity": "error", "code": "build", "file": null, "line": null, "column": null,
            "message": message, "hint": null, "snippet": null }));
    }
    if left_out > 0 {
        list.push(
            json!({ "severity": "note", "code": "more", "file": null, "line": null, "column": null,
            "message": format!("and {left_out} more (`gtdocs check` lists them all)"),
            "hint": null, "snippet": null }),
        );
    }
    json!({
        "epoch": epoch,
        "ok": outcome.ok,
        "errors": errors + usize::from(outcome.error.is_some()),
        "warnings": warnings,
        "diagnostics": list,
    })
    .to_string()
}
