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
use super::lint_facts::Linted;
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
            return Evidence { by_slug };
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
        Evidence { by_slug }
    }

    /// A finding, with the index of its file in `facts`, for each route a
    /// runbook marks as supported that its probe did not reach.
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
            for r in results
                .routes
                .iter()
                .filter(|r| r.outcome != Outcome::Reached)
            {
                let Some(mapping) = lint.routes.iter().find(|m| m.route == r.route) else {
                    continue;
                };
                let Some(verdict) =
                    (catalog.verdicts.get(&mapping.verdict)).map(|&v| &catalog.catalog.verdicts[v])
                else {
                    continue;
                };
                if verdict.support == Support::None {
                    continue;
                }
                let span = mapping.verdict_span;
                found.push((f, contradiction(path, span, slug, results, r, &verdict.id)));
            }
        }
        found
    }

    /// Puts on each runbook of `book` what its probe found (and nothing on
    /// the others: a book kept from an earlier update may carry results
    /// since removed).
    pub fn mark(&self, book: &mut Book) {
        for rb in &mut book.runbooks {
            rb.tested = self.by_slug.get(&rb.slug).map(|results| {
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
