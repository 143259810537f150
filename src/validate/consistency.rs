//! The lints across runbooks: one note of a route with two verdicts
//! (`verdict-conflict`), one verdict vector with two levels
//! (`compatibility-mismatch`), grouped so that the cost stays linear.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::catalog::CatalogCheck;
use super::lint_facts::Linted;
use crate::diagnostic::Diagnostic;

/// The most runbooks a finding names; the others are counted, so that a
/// note or a verdict vector shared by thousands makes short messages.
const NAMED: usize = 3;

/// The runbooks named in a finding: the first few paths, the others
/// counted.
fn named(paths: &[&std::path::Path]) -> String {
    let mut names: Vec<String> = paths
        .iter()
        .take(NAMED)
        .map(|p| format!("`{}`", p.display()))
        .collect();
    if paths.len() > NAMED {
        names.push(format!("{} more", paths.len() - NAMED));
    }
    match names.len() {
        0 => String::new(),
        1 => names.remove(0),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// The lints across runbooks, each finding with the index of its file in
/// `facts`: one note of a route with two verdicts (`verdict-conflict`),
/// one verdict vector with two levels (`compatibility-mismatch`). Linear:
/// runbooks are grouped by note and by vector, and each finding names at
/// most [`NAMED`] others per verdict or level.
pub fn across(facts: &[Linted<'_>], catalog: Option<&CatalogCheck>) -> Vec<(usize, Diagnostic)> {
    let Some(c) = catalog else {
        return Vec::new();
    };
    // The two lints side by side; their findings in the same order.
    let (mut found, vectors) = rayon::join(
        || {
            let mut found = Vec::new();
            shared_note(facts, c, &mut found);
            found
        },
        || {
            let mut found = Vec::new();
            shared_vector(facts, c, &mut found);
            found
        },
    );
    found.extend(vectors);
    found
}

/// Members of a group, by the value that should have been one (a verdict,
/// a level), in first-seen order.
type Split = IndexMap<String, Vec<(usize, usize)>, Hasher>;

/// The groups' hasher: notes are long and there is one per route of every
/// runbook (90,000 at 10,000 runbooks), which SipHash made a third of the
/// time these lints took.
type Hasher = foldhash::fast::RandomState;

/// Adds `member` to `split`'s group of `value`.
fn join(split: &mut Split, value: &str, member: (usize, usize)) {
    match split.get_mut(value) {
        Some(members) => members.push(member),
        None => {
            split.insert(value.to_owned(), vec![member]);
        }
    }
}

fn shared_note(facts: &[Linted<'_>], c: &CatalogCheck, found: &mut Vec<(usize, Diagnostic)>) {
    let mut groups: HashMap<(usize, &str), Split, Hasher> = HashMap::default();
    for (f, (_, lint)) in facts.iter().enumerate() {
        for (r, route) in lint.routes.iter().enumerate() {
            let (Some(&ri), Some(note)) = (c.routes.get(&route.route), route.note.as_deref())
            else {
                continue;
            };
            if !c.verdicts.contains_key(&route.verdict) {
                continue;
            }
            join(
                groups.entry((ri, note)).or_default(),
                &route.verdict,
                (f, r),
            );
        }
    }
    let mut groups: Vec<_> = groups.into_iter().filter(|(_, s)| s.len() > 1).collect();
    groups.sort_by_key(|((ri, note), _)| (*ri, *note));
    for ((ri, _), split) in groups {
        let route_id = &c.catalog.routes[ri].route;
        for (verdict, members) in &split {
            let others = others(&split, verdict, "in", facts);
            for &(f, r) in members {
                let (path, lint) = facts[f];
                found.push((
                    f,
                    Diagnostic::warning(
                        "verdict-conflict",
                        format!(
                            "`{route_id}` is `{verdict}` here, and {} with the same note",
                            others.join("; ")
                        ),
                    )
                    .in_file(path, lint.routes[r].verdict_span)
                    .with_label("same note, another verdict")
                    .with_hint(
                        "one of the verdicts is wrong, or the notes should say what differs; \
                         or accept it with `allow: {verdict-conflict: <reason>}` on this route",
                    ),
                ));
            }
        }
    }
}

fn shared_vector(facts: &[Linted<'_>], c: &CatalogCheck, found: &mut Vec<(usize, Diagnostic)>) {
    let routes = c.catalog.routes.len();
    let mut groups: HashMap<Vec<&str>, Split, Hasher> = HashMap::default();
    for (f, (_, lint)) in facts.iter().enumerate() {
        let Some(level) = lint
            .compatibility
            .as_deref()
            .filter(|l| c.compatibility.contains_key(*l))
        else {
            continue;
        };
        let mut vector: Vec<Option<&str>> = vec![None; routes];
        let mut whole = lint.routes.len() == routes;
        for route in &lint.routes {
            match c.routes.get(&route.route) {
                Some(&ri) if vector[ri].is_none() && c.verdicts.contains_key(&route.verdict) => {
                    vector[ri] = Some(route.verdict.as_str());
                }
                _ => whole = false,
            }
        }
        let Some(vector) = vector
            .into_iter()
            .collect::<Option<Vec<&str>>>()
            .filter(|_| whole)
        else {
            continue;
        };
        join(groups.entry(vector).or_default(), level, (f, 0));
    }
    let mut groups: Vec<_> = groups.into_iter().filter(|(_, s)| s.len() > 1).collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, split) in groups {
        for (level, members) in &split {
            let others = others(&split, level, "for", facts);
            for &(f, _) in members {
                let (path, lint) = facts[f];
                found.push((
                    f,
                    Diagnostic::warning(
                        "compatibility-mismatch",
                        format!(
                            "level `{level}` here, and {} with the same verdict on every route",
                            others.join("; ")
                        ),
                    )
                    .in_file(path, lint.compatibility_span)
                    .with_label("same verdicts, another level")
                    .with_hint(
                        "a level should follow from the verdicts: give these runbooks one level, \
                         or state the levels' rules in gtdocs.yaml (`compatibility.<id>.rule`); \
                         or accept it with `allow: {compatibility-mismatch: <reason>}`",
                    ),
                ));
            }
        }
    }
}

/// The other values of a group and who holds each: "`native` in a.yaml,
/// b.yaml" (`word`: "in", "for"), for a finding on a holder of `this`.
fn others(split: &Split, this: &str, word: &str, facts: &[Linted<'_>]) -> Vec<String> {
    split
        .iter()
        .filter(|(value, _)| value.as_str() != this)
        .map(|(value, members)| {
            let paths: Vec<&std::path::Path> = members.iter().map(|(f, _)| facts[*f].0).collect();
            format!("`{value}` {word} {}", named(&paths))
        })
        .collect()
}
