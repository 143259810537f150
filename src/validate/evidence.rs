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

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::catalog::CatalogCheck;
use super::lint_facts::{LintFacts, Linted};
use crate::diagnostic::{Diagnostic, visible};
use crate::load::{self, Tree};
use crate::model::{Book, Tested};
use crate::probe::{DIR, Outcome, RESULTS_FILE, Results};
use crate::source::Support;

/// The largest results file read.
const MAX_RESULTS: u64 = 4 << 20;

/// Requests named in a finding.
const MAX_NAMED: usize = 3;

/// Folders of `probes/` named for no runbook that are told one by one;
/// the rest are counted in one more finding.
const MAX_ORPHANS_TOLD: usize = 20;

/// The probe results of a tree, by runbook slug.
#[derive(Debug, Default)]
pub struct Evidence {
    by_slug: BTreeMap<String, Held>,
    /// The runbooks whose probe now pins other packages than its results
    /// name ([`Evidence::read`] tells it).
    repinned: BTreeSet<String>,
    /// The runbooks whose results are stale ([`Evidence::judge`]): they
    /// are neither compared with the verdicts nor shown.
    stale: BTreeMap<String, Stale>,
}

/// A results file as kept: its requests cut to those a finding names, and
/// how many each route had (a file may hold thousands).
#[derive(Debug)]
struct Held {
    results: Results,
    requests: Vec<usize>,
}

impl Held {
    fn new(mut results: Results) -> Held {
        let requests = (results.routes.iter_mut())
            .map(|r| {
                let n = r.requests.len();
                r.requests.truncate(MAX_NAMED);
                n
            })
            .collect();
        Held { results, requests }
    }
}

/// Why a probe's results no longer stand for its runbook.
#[derive(Debug, Clone)]
enum Stale {
    /// The runbook documents another `config` than the probe ran with.
    Config,
    /// The runbook marks this route as supported, and the probe did not
    /// call it.
    Unprobed(String),
    /// The probe pins other packages now (told at its declaration).
    Pins,
    /// The results are another runbook's (a folder copied or renamed).
    Runbook,
}

impl Evidence {
    /// The evidence of `tree` (none when it is read without its probes'
    /// results), judged against `facts`, what the lints across runbooks
    /// read of its runbook files ([`Evidence::judge`]).
    pub fn of(
        tree: &Tree,
        facts: &[Linted<'_>],
        catalog: Option<&CatalogCheck>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Evidence {
        if tree.without_probe_results {
            return Evidence::default();
        }
        let mut evidence = Evidence::read(&tree.root, &tree.runbook_files, diagnostics);
        evidence.judge(facts, catalog);
        evidence
    }

    /// Reads the results of the probes of the tree at `root` whose folder
    /// names one of its runbooks (`runbook_files`, relative to the root):
    /// `probes/<slug>/results.json`. A results file that cannot be read
    /// is an error added to `diagnostics`; a folder with results named
    /// for no runbook, or a probe that now pins other packages than its
    /// results name, a warning.
    fn read(
        root: &Path,
        runbook_files: &BTreeSet<PathBuf>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Evidence {
        let mut evidence = Evidence::default();
        let Ok(entries) = std::fs::read_dir(root.join(DIR)) else {
            return evidence;
        };
        let runbooks: HashSet<&str> = (runbook_files.iter())
            .filter_map(|p| p.file_stem()?.to_str())
            .collect();
        // Folders: a file such as probes/README.md is none of ours, and a
        // link is not followed (`gtdocs serve` could not watch where it
        // goes), which is told.
        let mut slugs: Vec<String> = Vec::new();
        let mut links: Vec<String> = Vec::new();
        for e in entries.flatten() {
            let (Ok(kind), Ok(name)) = (e.file_type(), e.file_name().into_string()) else {
                continue;
            };
            if kind.is_dir() {
                slugs.push(name);
            } else if kind.is_symlink() && runbooks.contains(name.as_str()) {
                links.push(name);
            }
        }
        slugs.sort();
        links.sort();
        for name in links {
            diagnostics.push(
                Diagnostic::warning(
                    "probe-link",
                    format!(
                        "{DIR}/{} is a symbolic link: the probe's results are not read there",
                        visible(&name)
                    ),
                )
                .in_file(
                    load::display_path(root, &PathBuf::from(DIR).join(&name)),
                    None,
                )
                .with_hint("make it a folder of the tree"),
            );
        }
        let mut orphans = Vec::new();
        for slug in slugs {
            let rel = crate::probe::results_path(&slug);
            if !runbooks.contains(slug.as_str()) {
                // A tree past the limit on runbooks lists none: no finding.
                if !runbooks.is_empty() && root.join(&rel).is_file() {
                    orphans.push(slug);
                }
                continue;
            }
            let bytes = match load::read_inside(root, &rel, MAX_RESULTS) {
                Ok(bytes) => bytes,
                Err(load::ReadError::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                    ) =>
                {
                    continue;
                }
                Err(e) => {
                    let shown = load::display_path(root, &rel);
                    diagnostics.push(e.diagnostic(root, &shown, "the probe results file"));
                    continue;
                }
            };
            let results = match serde_json::from_slice::<Results>(&bytes) {
                Ok(results) => results,
                Err(e) => {
                    diagnostics.push(unreadable(root, &rel, e.to_string()));
                    continue;
                }
            };
            if let Err(why) = sound(&results) {
                diagnostics.push(unreadable(root, &rel, why));
                continue;
            }
            if results.runbook == slug
                && let Some(pins) = declared_pins(root, &slug)
                && pins != results.packages
            {
                diagnostics.push(repinned(root, &slug, &pins, &results));
                evidence.repinned.insert(slug.clone());
            }
            evidence.by_slug.insert(slug, Held::new(results));
        }
        for slug in orphans.iter().take(MAX_ORPHANS_TOLD) {
            diagnostics.push(without_runbook(root, slug));
        }
        if orphans.len() > MAX_ORPHANS_TOLD {
            diagnostics.push(
                Diagnostic::warning(
                    "probe-without-runbook",
                    format!(
                        "and {} more folders of {DIR}/ with results for no runbook",
                        orphans.len() - MAX_ORPHANS_TOLD
                    ),
                )
                .in_file(load::display_path(root, Path::new(DIR)), None),
            );
        }
        evidence
    }

    /// Sets aside the results that no longer stand for their runbook: it
    /// documents another `config` than the probe ran with, or marks a
    /// route as supported that the probe did not call, or its probe pins
    /// other packages now.
    fn judge(&mut self, facts: &[Linted<'_>], catalog: Option<&CatalogCheck>) {
        self.stale.clear();
        let Some(catalog) = catalog else {
            return;
        };
        for (path, lint) in facts {
            let Some((slug, held)) = self.held(path) else {
                continue;
            };
            let results = &held.results;
            let stale = if self.repinned.contains(slug) {
                Some(Stale::Pins)
            } else if results.runbook != slug {
                Some(Stale::Runbook)
            } else if lint.config != Some(results.config_fingerprint()) {
                Some(Stale::Config)
            } else {
                (lint.routes.iter())
                    .find(|m| {
                        supported(catalog, &m.verdict)
                            && !results.routes.iter().any(|r| r.route == m.route)
                    })
                    .map(|m| Stale::Unprobed(m.route.clone()))
            };
            if let Some(stale) = stale {
                self.stale.insert(slug.to_owned(), stale);
            }
        }
    }

    /// Whether the runbook at `path` (as shown) has results that stand for
    /// it: only then can its `allow: {probe-contradiction}` entries be
    /// found to accept nothing.
    pub fn judges(&self, path: &Path) -> bool {
        self.held(path)
            .is_some_and(|(slug, _)| !self.stale.contains_key(slug))
    }

    /// The slug of the runbook file at `path` (as shown), and its results.
    fn held<'p>(&self, path: &'p Path) -> Option<(&'p str, &Held)> {
        let slug = path.file_stem()?.to_str()?;
        Some((slug, self.by_slug.get(slug)?))
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
            let Some((slug, held)) = self.held(path) else {
                continue;
            };
            let results = &held.results;
            match self.stale.get(slug) {
                // Told at the declaration.
                Some(Stale::Pins) => continue,
                Some(why) => {
                    found.push((f, stale(path, lint, slug, results, why)));
                    continue;
                }
                None => {}
            }
            let missed = (results.routes.iter().zip(&held.requests))
                .filter(|(r, _)| r.outcome != Outcome::Reached);
            for (r, &requests) in missed {
                let Some(mapping) = lint.routes.iter().find(|m| m.route == r.route) else {
                    continue;
                };
                if !supported(catalog, &mapping.verdict) {
                    continue;
                }
                let span = mapping.verdict_span;
                found.push((
                    f,
                    contradiction(path, span, slug, results, (r, requests), &mapping.verdict),
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
            rb.tested = fresh.map(|Held { results, .. }| {
                let mut reached = vec![None; book.catalog.routes.len()];
                for r in &results.routes {
                    let Some(i) = book.catalog.routes.iter().position(|c| c.route == r.route)
                    else {
                        continue;
                    };
                    // Only where the runbook supports the route now: a verdict
                    // made `not_supported` since takes the evidence with it.
                    let verdict = rb.routes.get(i).and_then(|m| m.verdict);
                    let supported =
                        verdict.is_some_and(|v| book.catalog.verdicts[v].support != Support::None);
                    if supported {
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
        Stale::Unprobed(route) => {
            let mapping = lint.routes.iter().find(|m| m.route == *route);
            (
                format!(
                    "`{route}` is marked `{}`, but the probe of {} did not call it: what the probe found is not shown",
                    mapping.map_or("", |m| m.verdict.as_str()),
                    visible(&results.date),
                ),
                mapping.and_then(|m| m.verdict_span),
                "not supported when the probe ran",
            )
        }
        Stale::Runbook => (
            format!(
                "the probe results in {DIR}/{}/ are those of runbook `{}`: what they found is not shown",
                visible(slug),
                visible(&results.runbook),
            ),
            lint.config_span,
            "probed as another runbook",
        ),
        Stale::Pins => (
            format!(
                "the probe now pins other packages than the probe of {} ran: what it found is not shown",
                visible(&results.date)
            ),
            None,
            "",
        ),
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
    (r, requests): (&crate::probe::RouteResult, usize),
    verdict: &str,
) -> Diagnostic {
    let seen: Vec<String> = (r.requests.iter().take(MAX_NAMED))
        .map(crate::probe::Request::summary)
        .collect();
    let more = requests.saturating_sub(seen.len());
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
                // Exit 2: the script has no call for the route.
                Outcome::NoRequest if r.exit == Some(2) =>
                    "was not called for it: the probe's script has no call for this route",
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

/// Whether results read are what `gtdocs probe` writes: a day; each route
/// once; no text longer than a name or a request line can be (each is
/// shown on every page of its routes), none with a character runbook
/// text refuses (a control or bidirectional one would forge what is
/// printed or shown).
fn sound(results: &Results) -> Result<(), String> {
    if crate::date::Date::parse(&results.date).is_none() {
        return Err(format!(
            "`date` is `{}`, not a day (YYYY-MM-DD)",
            visible(&results.date)
        ));
    }
    let mut routes = HashSet::new();
    if let Some(r) = (results.routes.iter()).find(|r| !routes.insert(r.route.as_str())) {
        return Err(format!("`{}` is listed twice", visible(&r.route)));
    }
    let json = serde_json::to_value(results).unwrap_or_default();
    match bad_text(&json) {
        Some(why) => Err(why.into()),
        None => Ok(()),
    }
}

/// The longest text of a results file read.
const MAX_TEXT: usize = 2048;

fn bad_text(value: &serde_json::Value) -> Option<&'static str> {
    match value {
        serde_json::Value::String(s) if s.len() > MAX_TEXT => Some("a text in them is too long"),
        serde_json::Value::String(s) => (s.chars())
            .any(|c| c.is_control() || super::text::refused_in_text(c))
            .then_some("a text in them has a control or bidirectional character"),
        serde_json::Value::Array(items) => items.iter().find_map(bad_text),
        serde_json::Value::Object(map) => map.values().find_map(bad_text),
        _ => None,
    }
}

/// The pins of runbook `slug`'s probe as declared now, when its
/// declaration reads (`gtdocs probe` reports one that does not).
fn declared_pins(root: &Path, slug: &str) -> Option<Vec<String>> {
    crate::probe::declaration(root, slug).ok().map(|p| p.pins())
}

fn repinned(root: &Path, slug: &str, pins: &[String], results: &Results) -> Diagnostic {
    let list = |p: &[String]| visible(&p.join(" ")).into_owned();
    Diagnostic::warning(
        "probe-stale",
        format!(
            "the probe pins {}, and its results are from {} ({}): what it found is not shown",
            list(pins),
            list(&results.packages),
            visible(&results.date),
        ),
    )
    .in_file(
        load::display_path(root, &crate::probe::declaration_path(slug)),
        None,
    )
    .with_hint(format!(
        "run `gtdocs probe {}` again and commit {DIR}/{}/{RESULTS_FILE}",
        visible(slug),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A route with thousands of requests is kept as the three a finding
    /// names and their count, and the finding says how many more there
    /// were.
    #[test]
    fn requests_are_kept_as_named_and_counted() {
        let request = |i: usize| {
            serde_json::json!({"method": "POST", "path": format!("/x/{i}"), "route": null,
                "status": 404, "key": "right", "content_type": "", "body": "empty"})
        };
        let results: Results = serde_json::from_value(serde_json::json!({
            "runbook": "a", "runtime": "python",
            "client": {"package": "c", "version": "1.0.0"},
            "packages": ["c==1.0.0"], "date": "2026-12-05", "base_url": null, "config": [],
            "routes": [{"route": "POST /v1/embeddings", "verdict": "native", "outcome": "missed",
                "exit": 1, "requests": (0..5000).map(request).collect::<Vec<_>>()}]
        }))
        .expect("results");
        let held = Held::new(results);
        assert_eq!(held.requests, [5000]);
        assert_eq!(held.results.routes[0].requests.len(), MAX_NAMED);
        let route = &held.results.routes[0];
        let d = contradiction(
            Path::new("runbooks/a.yaml"),
            None,
            "a",
            &held.results,
            (route, held.requests[0]),
            "native",
        );
        assert!(
            d.message
                .ends_with("POST /x/0 -> 404, POST /x/1 -> 404, POST /x/2 -> 404 and 4997 more"),
            "{}",
            d.message
        );
    }
}
