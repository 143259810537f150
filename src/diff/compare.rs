//! Comparing two manifests, runbook by runbook and field by field.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::report::{Counts, FieldChange, Report, RunbookRef, SideSummary, VerdictChange};
use super::side::Side;
use crate::model::SupportLevel;

/// Manifest keys that say how, not what: they never count as a change.
const IGNORED_TOP: [&str; 6] = [
    "$schema",
    "schema_version",
    "generator",
    "generated_at",
    "runbooks",
    // What the data is (its digest and commit), not the data: the report
    // names it beside each side's label.
    "data",
];

/// A string of the manifest's `data`, when it has one.
fn data_field(manifest: &Value, key: &str) -> Option<String> {
    manifest
        .get("data")
        .and_then(|d| d.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Compares two manifests (both valid against the manifest schema).
pub fn compare(old: &Side, new: &Side) -> Report {
    let old_books = runbooks(&old.manifest);
    let new_books = runbooks(&new.manifest);
    let mut report = Report {
        old: SideSummary {
            label: old.label.clone(),
            runbooks: old_books.len(),
            digest: data_field(&old.manifest, "digest"),
            commit: data_field(&old.manifest, "commit"),
        },
        new: SideSummary {
            label: new.label.clone(),
            runbooks: new_books.len(),
            digest: data_field(&new.manifest, "digest"),
            commit: data_field(&new.manifest, "commit"),
        },
        counts: Counts::default(),
        added: Vec::new(),
        removed: Vec::new(),
        upgraded: Vec::new(),
        downgraded: Vec::new(),
        reclassified: Vec::new(),
        fields: Vec::new(),
        catalog: Vec::new(),
    };
    for (slug, book) in &new_books {
        if !old_books.contains_key(slug) {
            report.added.push(runbook_ref(slug, book));
        }
    }
    for (slug, before) in &old_books {
        let Some(after) = new_books.get(slug) else {
            report.removed.push(runbook_ref(slug, before));
            continue;
        };
        compare_runbook(slug, before, after, &mut report);
    }
    let mut changes = Vec::new();
    compare_values(
        String::new(),
        &without(&old.manifest, &IGNORED_TOP),
        &without(&new.manifest, &IGNORED_TOP),
        &mut changes,
    );
    report.catalog = changes
        .into_iter()
        .map(|(field, from, to)| FieldChange {
            slug: None,
            field,
            from,
            to,
        })
        .collect();
    report.counts = Counts {
        added: report.added.len(),
        removed: report.removed.len(),
        upgraded: report.upgraded.len(),
        downgraded: report.downgraded.len(),
        reclassified: report.reclassified.len(),
        fields: report.fields.len(),
        catalog: report.catalog.len(),
    };
    report
}

/// Runbooks by slug (sorted, so reports do not depend on manifest order).
fn runbooks(manifest: &Value) -> BTreeMap<String, &Value> {
    manifest
        .get("runbooks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r.get("slug")?.as_str()?.to_owned(), r)))
        .collect()
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn runbook_ref(slug: &str, book: &Value) -> RunbookRef {
    RunbookRef {
        slug: slug.to_owned(),
        title: text(book, "title").to_owned(),
    }
}

/// Support levels in order; `unknown` (and anything else: a manifest of
/// another version) has no rank.
fn rank(support: &str) -> Option<u8> {
    SupportLevel::parse(support).and_then(SupportLevel::rank)
}

fn compare_runbook(slug: &str, before: &Value, after: &Value, report: &mut Report) {
    let title = text(after, "title");
    let routes = |book: &Value| -> HashMap<String, (String, String)> {
        book.get("routes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    text(r, "route").to_owned(),
                    (text(r, "verdict").to_owned(), text(r, "support").to_owned()),
                )
            })
            .collect()
    };
    let old_routes = routes(before);
    // In the new manifest's (catalog) order.
    for route in after
        .get("routes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = text(route, "route");
        let Some((from, from_support)) = old_routes.get(name) else {
            continue;
        };
        let (to, to_support) = (text(route, "verdict"), text(route, "support"));
        if from == to {
            continue;
        }
        let change = VerdictChange {
            slug: slug.to_owned(),
            title: title.to_owned(),
            route: name.to_owned(),
            from: from.clone(),
            to: to.to_owned(),
        };
        match (rank(from_support), rank(to_support)) {
            (Some(a), Some(b)) if b > a => report.upgraded.push(change),
            (Some(a), Some(b)) if b < a => report.downgraded.push(change),
            _ => report.reclassified.push(change),
        }
    }
    let mut changes = Vec::new();
    compare_values(
        String::new(),
        &strip_verdicts(before),
        &strip_verdicts(after),
        &mut changes,
    );
    report
        .fields
        .extend(changes.into_iter().map(|(field, from, to)| FieldChange {
            slug: Some(slug.to_owned()),
            field,
            from,
            to,
        }));
}

/// A runbook without the verdicts (reported on their own) and `$schema`.
fn strip_verdicts(book: &Value) -> Value {
    let mut book = without(book, &["$schema", "slug"]);
    if let Some(routes) = book.get_mut("routes").and_then(Value::as_array_mut) {
        for route in routes.iter_mut().filter_map(Value::as_object_mut) {
            route.remove("verdict");
            route.remove("support");
        }
    }
    book
}

fn without(value: &Value, keys: &[&str]) -> Value {
    let mut value = value.clone();
    if let Some(map) = value.as_object_mut() {
        for key in keys {
            map.shift_remove(*key);
        }
    }
    value
}

type Change = (String, Option<Value>, Option<Value>);

/// Keys that identify the objects of a list, in order of preference.
const ITEM_KEYS: [&str; 4] = ["slug", "route", "field", "id"];

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn compare_values(path: String, old: &Value, new: &Value, out: &mut Vec<Change>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, before) in a {
                match b.get(key) {
                    Some(after) => compare_values(join(&path, key), before, after, out),
                    None => out.push((join(&path, key), Some(before.clone()), None)),
                }
            }
            for (key, after) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                out.push((join(&path, key), None, Some(after.clone())));
            }
        }
        (Value::Array(a), Value::Array(b)) => match item_key(a, b) {
            Some(key) => compare_keyed(&path, key, a, b, out),
            None => compare_list(path, a, b, out),
        },
        _ => out.push((path, Some(old.clone()), Some(new.clone()))),
    }
}

/// The key every object of both lists has, unique within each list.
fn item_key(a: &[Value], b: &[Value]) -> Option<&'static str> {
    if a.is_empty() && b.is_empty() {
        return None;
    }
    ITEM_KEYS.into_iter().find(|key| {
        [a, b].iter().all(|list| {
            let mut seen = std::collections::HashSet::new();
            list.iter().all(|v| {
                v.get(*key)
                    .and_then(Value::as_str)
                    .is_some_and(|k| seen.insert(k))
            })
        })
    })
}

fn compare_keyed(path: &str, key: &str, a: &[Value], b: &[Value], out: &mut Vec<Change>) {
    let id = |v: &Value| {
        v.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let at = |k: &str| format!("{path}[{k}]");
    let new_items: HashMap<String, &Value> = b.iter().map(|v| (id(v), v)).collect();
    let old_ids: std::collections::HashSet<String> = a.iter().map(id).collect();
    for before in a {
        let k = id(before);
        match new_items.get(&k) {
            Some(after) => compare_values(at(&k), before, after, out),
            None => out.push((at(&k), Some(before.clone()), None)),
        }
    }
    for after in b.iter().filter(|v| !old_ids.contains(&id(v))) {
        out.push((at(&id(after)), None, Some(after.clone())));
    }
}

/// A list of texts: items removed, then items added; when only the order
/// changed, the whole list once.
fn compare_list(path: String, a: &[Value], b: &[Value], out: &mut Vec<Change>) {
    let mut unmatched: Vec<&Value> = b.iter().collect();
    let mut removed = Vec::new();
    for item in a {
        match unmatched.iter().position(|v| *v == item) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => removed.push(item),
        }
    }
    if removed.is_empty() && unmatched.is_empty() {
        out.push((
            path,
            Some(Value::Array(a.to_vec())),
            Some(Value::Array(b.to_vec())),
        ));
        return;
    }
    let at = format!("{path}[]");
    for item in removed {
        out.push((at.clone(), Some(item.clone()), None));
    }
    for item in unmatched {
        out.push((at.clone(), None, Some(item.clone())));
    }
}
