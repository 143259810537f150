//! Probe results as evidence (`probes/<slug>/results.json`, written by
//! `gtdocs probe`): a route a runbook marks as supported (`native`,
//! `gt_extension`) that its probe's client could not reach with the
//! runbook's documented config is a `probe-contradiction`, shown at that
//! route's verdict. Fixing the config (and probing again) or the verdict
//! clears it; `allow: {probe-contradiction: <reason>}` on the route
//! accepts it, with the reason shown. What each probe found is put on its
//! runbook ([`crate::model::Tested`]), for every output to show beside
//! the verdict.
//!
//! The findings are made from what the lints across runbooks read of each
//! file ([`LintFacts`]), before the `allow` entries are applied, and are
//! never cached: results change without a runbook changing.

use std::collections::BTreeMap;
use std::path::Path;

use super::catalog::CatalogCheck;
use super::lint_facts::{LintFacts, Linted};
use crate::diagnostic::{Diagnostic, visible};
use crate::load;
use crate::model::{Book, Tested};
use crate::probe::{DIR, Outcome, RESULTS_FILE, Results};
use crate::source::Support;

/// The largest results file read.
const MAX_RESULTS: u64 = 4 << 20;

/// Requests named in a finding.
const MAX_NAMED: usize = 3;

/// The probe results of a tree, by runbook slug.
#[derive(Debug, Default)]
pub struct Evidence {
    by_slug: BTreeMap<String, Results>,
    /// The runbooks whose results are stale ([`Evidence::judge`]): they
    /// are neither compared with the verdicts nor shown.
    stale: BTreeMap<String, Stale>,
}

/// Why a probe's results no longer stand for its runbook.
#[derive(Debug, Clone)]
enum Stale {
    /// The runbook documents another `config` than the probe ran with.
    Config,
    /// The runbook marks a route as supported that the probe did not call
    /// (its index in the runbook's routes).
    Unprobed(usize),
}

impl Evidence {
    /// Reads every `probes/<slug>/results.json` of the tree at `root`; a
    /// file that cannot be read is an error added to `diagnostics`, and
    /// one whose slug is none of `runbooks` (the runbooks' files, as
    /// shown) a warning: it would never be shown.
    pub fn read(
        root: &Path,
        runbooks: &[Linted<'_>],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Evidence {
        let mut by_slug = BTreeMap::new();
        let Ok(entries) = std::fs::read_dir(root.join(DIR)) else {
            return Evidence::default();
        };
        let mut slugs: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        slugs.sort();
        for slug in slugs {
            let rel = crate::probe::results_path(&slug);
            let bytes = match load::read_inside(root, &rel, MAX_RESULTS) {
                Ok(bytes) => bytes,
                Err(load::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    let shown = load::display_path(root, &rel);
                    diagnostics.push(e.diagnostic(root, &shown, "the probe results"));
                    continue;
                }
            };
            match serde_json::from_slice::<Results>(&bytes) {
                Ok(results) => {
                    by_slug.insert(slug, results);
                }
                Err(e) => diagnostics.push(unreadable(root, &rel, e.to_string())),
            }
        }
        if !by_slug.is_empty() {
            let slugs: std::collections::HashSet<&str> = (runbooks.iter())
                .filter_map(|(path, _)| path.file_stem()?.to_str())
                .collect();
            for slug in by_slug.keys().filter(|s| !slugs.contains(s.as_str())) {
                diagnostics.push(without_runbook(root, slug));
            }
        }
        Evidence {
            by_slug,
            stale: BTreeMap::new(),
        }
    }

    /// Sets aside the results that no longer stand for their runbook: it
    /// documents another `config` than the probe ran with, or marks a
    /// route as supported that the probe did not call.
    pub fn judge(&mut self, facts: &[Linted<'_>], catalog: Option<&CatalogCheck>) {
        self.stale.clear();
        let Some(catalog) = catalog else {
            return;
        };
        for (path, lint) in facts {
            let Some((slug, results)) = (path.file_stem().and_then(|s| s.to_str()))
                .and_then(|slug| Some((slug, self.by_slug.get(slug)?)))
            else {
                continue;
            };
            let stale = if lint.config != Some(results.config_fingerprint()) {
                Some(Stale::Config)
            } else {
                (lint.routes.iter())
                    .position(|m| {
                        supported(catalog, &m.verdict)
                            && !results.routes.iter().any(|r| r.route == m.route)
                    })
                    .map(Stale::Unprobed)
            };
            if let Some(stale) = stale {
                self.stale.insert(slug.to_owned(), stale);
            }
        }
    }

    /// A finding, with the index of its file in `facts`, for each route a
    /// runbook marks as supported that its probe did not reach, and for
    /// each runbook whose results are stale.
    pub fn contradictions(
        &self,
        facts: &[Linted<'_>],
        catalog: Option<&CatalogCheck>,
    ) -> Vec<(usize, Diagnostic)> {
        let mut found = Vec::new();
        let Some(catalog) = catalog.filter(|_| !self.by_slug.is_empty()) else {
            return found;
        };
        for (f, (path, lint)) in facts.iter().enumerate() {
            let Some((slug, results)) = (path.file_stem().and_then(|s| s.to_str()))
                .and_then(|slug| Some((slug, self.by_slug.get(slug)?)))
            else {
                continue;
            };
            if let Some(why) = self.stale.get(slug) {
                found.push((f, stale(path, lint, slug, results, why)));
                continue;
            }
            let missed = (results.routes.iter()).filter(|r| r.outcome != Outcome::Reached);
            for r in missed {
                let Some(mapping) = lint.routes.iter().find(|m| m.route == r.route) else {
                    continue;
                };
                if !supported(catalog, &mapping.verdict) {
                    continue;
                }
                let span = mapping.verdict_span;
                found.push((
                    f,
                    contradiction(path, span, slug, results, r, &mapping.verdict),
                ));
            }
        }
        found
    }

    /// Puts on each runbook of `book` what its probe found, unless stale
    /// (and nothing on the others: a book kept from an earlier update may
    /// carry results since removed).
    pub fn mark(&self, book: &mut Book) {
        for rb in &mut book.runbooks {
            let fresh = (self.by_slug.get(&rb.slug)).filter(|_| !self.stale.contains_key(&rb.slug));
            rb.tested = fresh.map(|results| {
                let mut reached = vec![None; book.catalog.routes.len()];
                for r in &results.routes {
                    if let Some(i) = book.catalog.routes.iter().position(|c| c.route == r.route) {
                        reached[i] = Some(r.outcome == Outcome::Reached);
                    }
                }
                Tested {
                    client: results.client.package.clone(),
                    version: results.client.version.clone(),
                    date: results.date.clone(),
                    routes: reached,
                }
            });
        }
    }
}

/// Whether verdict `id` of the catalog marks a route as supported.
fn supported(catalog: &CatalogCheck, id: &str) -> bool {
    (catalog.verdicts.get(id))
        .is_some_and(|&v| catalog.catalog.verdicts[v].support != Support::None)
}

fn stale(path: &Path, lint: &LintFacts, slug: &str, results: &Results, why: &Stale) -> Diagnostic {
    let (message, span, label) = match why {
        Stale::Config => (
            format!(
                "the probe of {} ran {} {} with another `config` than this runbook documents: what it found is not shown",
                visible(&results.date),
                visible(&results.client.package),
                visible(&results.client.version),
            ),
            lint.config_span,
            "changed since the probe ran",
        ),
        Stale::Unprobed(i) => {
            let route = &lint.routes[*i];
            (
                format!(
                    "`{}` is marked `{}`, but the probe of {} did not call it: what the probe found is not shown",
                    route.route,
                    route.verdict,
                    visible(&results.date),
                ),
                route.verdict_span,
                "not supported when the probe ran",
            )
        }
    };
    Diagnostic::warning("probe-stale", message)
        .in_file(path, span)
        .with_label(label)
        .with_hint(format!(
            "run `gtdocs probe {}` again and commit {DIR}/{}/{RESULTS_FILE}",
            visible(slug),
            visible(slug)
        ))
}

fn contradiction(
    path: &Path,
    span: Option<crate::diagnostic::Span>,
    slug: &str,
    results: &Results,
    r: &crate::probe::RouteResult,
    verdict: &str,
) -> Diagnostic {
    let seen: Vec<String> = (r.requests.iter().take(MAX_NAMED))
        .map(crate::probe::Request::summary)
        .collect();
    let more = r.requests.len().saturating_sub(MAX_NAMED);
    let requests = match (seen.is_empty(), more) {
        (true, _) => String::new(),
        (false, 0) => format!(": {}", seen.join(", ")),
        (false, n) => format!(": {} and {n} more", seen.join(", ")),
    };
    Diagnostic::warning(
        "probe-contradiction",
        format!(
            "`{}` is marked `{verdict}`, but {} {}, configured as documented, {} (probe of {}){requests}",
            r.route,
            visible(&results.client.package),
            visible(&results.client.version),
            match r.outcome {
                Outcome::WrongKey => "reached it without the right key",
                Outcome::NoRequest => "made no request for it",
                Outcome::Missed | Outcome::Reached => "did not reach it",
            },
            visible(&results.date),
        ),
    )
    .in_file(path, span)
    .with_label("what the probe found contradicts this verdict")
    .with_hint(format!(
        "fix the runbook's `config` (then run `gtdocs probe {}` again) or this verdict, or accept \
         it with `allow: {{probe-contradiction: <reason>}}` on this route; {DIR}/{}/{RESULTS_FILE} \
         has every request the stand-in saw",
        visible(slug),
        visible(slug),
    ))
}

fn without_runbook(root: &Path, slug: &str) -> Diagnostic {
    let rel = crate::probe::results_path(slug);
    Diagnostic::warning(
        "probe-without-runbook",
        format!(
            "probe results for `{}`, which no runbook is: they are not shown",
            visible(slug)
        ),
    )
    .in_file(load::display_path(root, &rel), None)
    .with_hint(format!(
        "a runbook renamed or removed? move {DIR}/{}/ with it, or remove it",
        visible(slug)
    ))
}

fn unreadable(root: &Path, rel: &Path, why: String) -> Diagnostic {
    Diagnostic::error(
        "probe-results",
        format!("the probe results cannot be read: {}", visible(&why)),
    )
    .in_file(load::display_path(root, rel), None)
    .with_hint("run `gtdocs probe` again to write them")
}
