//! Probe results as evidence (`probes/<slug>/results.json`, written by
//! `gtdocs probe`): a route a runbook marks as supported (`native`,
//! `gt_extension`) that its probe's client could not reach with the
//! runbook's documented config is a `probe-contradiction`, shown at that
//! route's verdict. Fixing the config (and probing again) or the verdict
//! clears it. What each probe found is put on its runbook
//! ([`crate::model::Tested`]), for every output to show beside the verdict.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Sources, visible};
use crate::load::{self, Loaded};
use crate::model::{Book, Tested};
use crate::probe::{DIR, Outcome, Results};
use crate::source::Support;

/// The largest results file read.
const MAX_RESULTS: u64 = 4 << 20;

/// Requests named in a finding.
const MAX_NAMED: usize = 3;

/// Adds a finding for each contradiction between the verdicts of `book`
/// and the probe results of the tree at `root`, with the text of each
/// file it shows to `sources`, and puts on each probed runbook what its
/// probe found.
pub fn check(
    root: &Path,
    book: &mut Book,
    diagnostics: &mut Vec<Diagnostic>,
    sources: &mut Sources,
) {
    // A book kept from an earlier update (`gtdocs serve`) still has what
    // results since removed said.
    for rb in &mut book.runbooks {
        rb.tested = None;
    }
    let Ok(entries) = std::fs::read_dir(root.join(DIR)) else {
        return;
    };
    let mut slugs: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    slugs.sort();
    let positions: std::collections::HashMap<String, usize> = (book.runbooks.iter().enumerate())
        .map(|(i, rb)| (rb.slug.clone(), i))
        .collect();
    for slug in slugs {
        let Some(&position) = positions.get(slug.as_str()) else {
            continue;
        };
        let rb = &book.runbooks[position];
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
        let results: Results = match serde_json::from_slice(&bytes) {
            Ok(r) => r,
            Err(e) => {
                diagnostics.push(unreadable(root, &rel, e.to_string()));
                continue;
            }
        };
        let mut doc = None;
        let mut reached = vec![None; book.catalog.routes.len()];
        for r in &results.routes {
            let Some(index) = book.catalog.routes.iter().position(|c| c.route == r.route) else {
                continue;
            };
            reached[index] = Some(r.outcome == Outcome::Reached);
            let Some(verdict) = rb.routes[index].verdict.map(|v| &book.catalog.verdicts[v]) else {
                continue;
            };
            if verdict.support == Support::None || r.outcome == Outcome::Reached {
                continue;
            }
            // The runbook, read again for the place of the verdict.
            let doc =
                doc.get_or_insert_with(|| match load::load_runbook(root, rb.source.clone()) {
                    Loaded::Parsed(doc) => Some(doc),
                    Loaded::Failed { .. } => None,
                });
            let span = doc.as_ref().and_then(|doc| {
                let k = (doc.value["routes"].as_array()?.iter())
                    .position(|e| e["route"].as_str() == Some(r.route.as_str()))?;
                doc.spans.value(&format!("/routes/{k}/verdict"))
            });
            if let Some(doc) = doc {
                sources.insert(doc.path.clone(), doc.text.clone());
            }
            let seen: Vec<String> = (r.requests.iter().take(MAX_NAMED))
                .map(crate::probe::Request::summary)
                .collect();
            let more = r.requests.len().saturating_sub(MAX_NAMED);
            let requests = match (seen.is_empty(), more) {
                (true, _) => String::new(),
                (false, 0) => format!(": {}", seen.join(", ")),
                (false, n) => format!(": {} and {n} more", seen.join(", ")),
            };
            diagnostics.push(
                Diagnostic::warning(
                    "probe-contradiction",
                    format!(
                        "`{}` is marked `{}`, but {} {}, configured as documented, {} (probe of {}){requests}",
                        r.route,
                        verdict.id,
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
                .in_file(load::display_path(root, &rb.source), span)
                .with_label("what the probe found contradicts this verdict")
                .with_hint(format!(
                    "fix the runbook's `config` (then run `gtdocs probe {slug}` again) or this verdict; {} has every request the stand-in saw",
                    rel.display()
                )),
            );
        }
        book.runbooks[position].tested = Some(Tested {
            client: results.client.package,
            version: results.client.version,
            date: results.date,
            routes: reached,
        });
    }
}

fn unreadable(root: &Path, rel: &Path, why: String) -> Diagnostic {
    Diagnostic::error(
        "probe-results",
        format!("the probe results cannot be read: {}", visible(&why)),
    )
    .in_file(load::display_path(root, rel), None)
    .with_hint("run `gtdocs probe` again to write them")
}
