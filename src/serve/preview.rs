//! Building the previewed site: the first build, then a rebuild per change.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::ServeError;
use super::state::Snapshot;
use super::watch::Change;
use crate::diagnostic::{self, Diagnostic, Sources};
use crate::render::{self, RenderContext, html, search};

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

pub struct Preview {
    root: PathBuf,
    ctx: RenderContext,
    epoch: u64,
    base_url: String,
    last_good: Arc<BTreeMap<String, Vec<u8>>>,
}

impl Preview {
    pub fn new(root: PathBuf) -> Result<Self, ServeError> {
        let ctx = RenderContext::from_env().map_err(|e| ServeError::Signal(e.to_string()))?;
        Ok(Preview {
            root,
            ctx,
            epoch: 0,
            base_url: "/".into(),
            last_good: Arc::default(),
        })
    }

    /// `base_url` of the last good build.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Builds the site again; on failure the last good files stay.
    pub fn rebuild(&mut self, change: Option<&Change>) -> (Rebuilt, Snapshot) {
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
        match crate::compile(&self.root) {
            Err(e) => outcome.error = Some(e.to_string()),
            Ok(compiled) => {
                outcome.diagnostics = compiled.diagnostics;
                outcome.sources = compiled.sources;
                if let Some(book) = compiled.book {
                    match render::render_with(&book, &self.ctx, &[&html::Html, &search::Search]) {
                        Ok(output) => {
                            let files: BTreeMap<String, Vec<u8>> = output
                                .files()
                                .filter_map(|(p, c)| {
                                    p.strip_prefix(&format!("{}/", html::DIR))
                                        .map(|p| (p.to_string(), c.to_vec()))
                                })
                                .collect();
                            outcome.pages = files.keys().filter(|p| p.ends_with(".html")).count();
                            outcome.total_pages = outcome.pages;
                            self.base_url = book.site.base_url.clone();
                            self.last_good = Arc::new(files);
                            outcome.ok = true;
                        }
                        Err(e) => outcome.error = Some(render_error(&e)),
                    }
                }
            }
        }
        if outcome.total_pages == 0 {
            outcome.total_pages = self
                .last_good
                .keys()
                .filter(|p| p.ends_with(".html"))
                .count();
        }
        outcome.elapsed = started.elapsed();
        let snapshot = Snapshot {
            epoch: self.epoch,
            files: Arc::clone(&self.last_good),
            ok: outcome.ok,
            status: status_json(self.epoch, &outcome),
        };
        (outcome, snapshot)
    }
}

fn render_error(e: &render::RenderError) -> String {
    match e {
        render::RenderError::Template {
            file,
            line: Some(line),
            message,
        } => format!("{file}:{line}: {message}"),
        other => other.to_string(),
    }
}

/// `__gtdocs/status`: the epoch and the diagnostics, each with its source
/// line, for the overlay.
fn status_json(epoch: u64, outcome: &Rebuilt) -> String {
    let (errors, warnings) = diagnostic::counts(&outcome.diagnostics);
    let mut list: Vec<serde_json::Value> = outcome
        .diagnostics
        .iter()
        .map(|d| {
            let snippet = match (&d.file, d.span) {
                (Some(file), Some(span)) => outcome
                    .sources
                    .get(file)
                    .and_then(|text| text.lines().nth(span.line.saturating_sub(1) as usize))
                    .map(|line| format!("{:>4} | {line}", span.line)),
                _ => None,
            };
            json!({
                "severity": d.severity,
                "code": d.code,
                "file": d.file.as_ref().map(|f| f.to_string_lossy().replace('\\', "/")),
                "line": d.span.map(|s| s.line),
                "column": d.span.map(|s| s.column),
                "message": d.message,
                "hint": d.hint,
                "snippet": snippet,
            })
        })
        .collect();
    if let Some(error) = &outcome.error {
        list.push(json!({ "severity": "error", "code": "build", "file": null, "line": null, "column": null,
            "message": error, "hint": null, "snippet": null }));
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
