//! Findings accepted on purpose: `allow: {<code>: <reason>}` on a runbook
//! or on one of its route mappings. An accepted finding is kept, marked
//! with its reason, and not counted; an entry that accepts nothing is
//! itself a warning.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::lint_facts::{ACCEPTABLE, Linted};
use super::suggest;
use crate::diagnostic::Diagnostic;
use crate::load::Document;

/// The finding made from probe results, which a tree may not have.
const PROBE_CODE: &str = "probe-contradiction";

/// An `allow` key that is no acceptable code: an error, with the closest.
pub fn check_codes(doc: &Document, diagnostics: &mut Vec<Diagnostic>) {
    let mut bases = vec![String::new()];
    let routes = doc.value.get("routes").and_then(Value::as_array);
    bases.extend((0..routes.map_or(0, Vec::len)).map(|i| format!("/routes/{i}")));
    for base in bases {
        let entries = doc
            .value
            .pointer(&format!("{base}/allow"))
            .and_then(Value::as_object);
        for code in entries.into_iter().flatten().map(|(code, _)| code) {
            if code == PROBE_CODE && base.is_empty() {
                // On the runbook, it would accept every route's finding,
                // those of probes to come too.
                let pointer = format!("/allow/{}", crate::load::yaml::pointer_token(code));
                diagnostics.push(
                    Diagnostic::error(
                        "misplaced-allow",
                        format!("`{code}` is accepted on a route, not on the runbook"),
                    )
                    .in_file(&doc.path, doc.spans.key(&pointer))
                    .with_label("accepts every route's finding")
                    .with_hint("move it under the route whose verdict the probe contradicts"),
                );
                continue;
            }
            if ACCEPTABLE.contains(&code.as_str()) {
                continue;
            }
            let known = suggest::list(ACCEPTABLE);
            let hint = match suggest::closest(code, ACCEPTABLE.iter().copied()) {
                Some(best) => format!("did you mean `{best}`? codes that can be accepted: {known}"),
                None => format!("codes that can be accepted: {known} (errors never are)"),
            };
            let pointer = format!("{base}/allow/{}", crate::load::yaml::pointer_token(code));
            diagnostics.push(
                Diagnostic::error("unknown-allow", format!("`{code}` cannot be accepted"))
                    .in_file(&doc.path, doc.spans.key(&pointer))
                    .with_label("not a lint's code")
                    .with_hint(hint),
            );
        }
    }
}

/// Marks each finding an `allow` entry of its runbook accepts (the
/// route's entry for a finding inside that route's mapping, else the
/// runbook's), and adds `unused-allow` for each entry that accepts none;
/// a `probe-contradiction` entry only in a runbook whose probe results
/// stand for it (`judged`: without them, no finding could be made).
/// The facts of a file with an entry or a finding must have their spans.
pub fn apply(
    facts: &[Linted<'_>],
    diagnostics: &mut Vec<Diagnostic>,
    judged: &dyn Fn(&Path) -> bool,
) {
    let by_path: HashMap<&Path, usize> = facts
        .iter()
        .enumerate()
        .filter(|(_, (_, lint))| !lint.allows.is_empty())
        .map(|(i, (path, _))| (*path, i))
        .collect();
    if by_path.is_empty() {
        return;
    }
    let mut used: HashMap<(usize, usize), bool> = HashMap::new();
    for d in diagnostics.iter_mut() {
        if d.is_error() || d.accepted.is_some() || !ACCEPTABLE.contains(&d.code) {
            continue;
        }
        let Some(&f) = d.file.as_deref().and_then(|p| by_path.get(p)) else {
            continue;
        };
        let lint = facts[f].1;
        let start = d.span.map(|s| s.start);
        let in_route = |r: usize| {
            let bytes = lint.routes.get(r).and_then(|route| route.bytes.clone());
            start.zip(bytes).is_some_and(|(s, b)| b.contains(&s))
        };
        let entry = lint
            .allows
            .iter()
            .position(|a| a.code == d.code && a.route.is_some_and(in_route))
            .or_else(|| {
                lint.allows
                    .iter()
                    .position(|a| a.code == d.code && a.route.is_none())
            });
        if let Some(a) = entry {
            d.accepted = Some(lint.allows[a].reason.clone());
            used.insert((f, a), true);
        }
    }
    for &f in by_path.values() {
        let (path, lint) = facts[f];
        for (a, allow) in lint.allows.iter().enumerate() {
            if used.contains_key(&(f, a)) || (allow.code == PROBE_CODE && !judged(path)) {
                continue;
            }
            let on = if allow.route.is_some() {
                "this route"
            } else {
                "this runbook"
            };
            diagnostics.push(
                Diagnostic::warning(
                    "unused-allow",
                    format!("`allow: {}` accepts no finding", allow.code),
                )
                .in_file(path, allow.span)
                .with_label(format!("no `{}` finding on {on}", allow.code))
                .with_hint("the finding it was written for is gone: remove the entry"),
            );
        }
    }
}
