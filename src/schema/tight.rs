//! The schemas a build publishes in `json/schema/`: the generic ones made
//! exact for that build's catalog. Every verdict, compatibility level,
//! category, key preset, evidence kind, route and route id becomes an enum
//! of the catalog's values, and a runbook's routes a list of exactly the
//! catalog's length, so that a consumer's validator rejects `nativ` or an
//! unknown level in data that claims to be this build's. The generic
//! schemas (`gtdocs schema`, the repository's `schemas/`) stay for tools
//! that read any tree's data.

use serde_json::{Map, Value, json};

use super::kind::{SchemaKind, with_id};
use crate::model::{Book, SupportLevel, Term, UNKNOWN};

#[derive(Debug, thiserror::Error)]
pub enum TightError {
    /// The generic schema has no node where a restriction goes: the
    /// types changed and the list below did not follow.
    #[error("the {file} schema has no `{pointer}` to restrict")]
    Missing { file: &'static str, pointer: String },
    #[error("the {file} schema's `{pointer}` is not a list or a string")]
    Shape { file: &'static str, pointer: String },
}

/// What a node of the schema may hold.
enum Only {
    /// One of these strings.
    Values(Vec<String>),
    /// An object whose `id` is one of these.
    Ids(Vec<String>),
    /// A list of exactly these items, in this order: each item's fields
    /// named here have these values (a route's place in a runbook, the
    /// catalog's own entries).
    Each(Vec<Map<String, Value>>),
    /// An object whose field `.0`, when it has one of these values, has
    /// the paired value in field `.1` (a verdict's support level, a route
    /// file's route for its id).
    Pairs(&'static str, &'static str, Vec<(String, String)>),
}

/// The schema of `kind` for the data of `book`, with its `$id`: absolute
/// under `site.url` when set, else rooted at `base_url`.
pub fn tight(kind: SchemaKind, book: &Book) -> Result<Value, TightError> {
    let mut schema = kind.generic();
    if matches!(
        kind,
        SchemaKind::Manifest | SchemaKind::Entry | SchemaKind::Route
    ) {
        close_objects(&mut schema);
    }
    for (pointer, only) in restrictions(kind, book) {
        let node = schema
            .pointer_mut(&pointer)
            .ok_or_else(|| TightError::Missing {
                file: kind.file_name(),
                pointer: pointer.clone(),
            })?;
        if !restrict(node, &only) {
            return Err(TightError::Shape {
                file: kind.file_name(),
                pointer,
            });
        }
    }
    let id = book.site_link(&format!(
        "{}/schema/{}",
        crate::model::JSON_DIR,
        kind.file_name()
    ));
    Ok(with_id(schema, &id))
}

fn restrictions(kind: SchemaKind, book: &Book) -> Vec<(String, Only)> {
    let c = &book.catalog;
    let ids = |terms: &[Term]| terms.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
    let route_ids = || c.routes.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    let routes = || c.routes.iter().map(|r| r.route.clone()).collect::<Vec<_>>();
    let verdicts = || c.verdicts.iter().map(|v| v.id.clone()).collect::<Vec<_>>();
    // Each verdict's support level, `unknown`'s too.
    let supports = || {
        let mut pairs: Vec<(String, String)> = c
            .verdicts
            .iter()
            .map(|v| {
                (
                    v.id.clone(),
                    SupportLevel::from(v.support).as_str().to_owned(),
                )
            })
            .collect();
        pairs.push((
            UNKNOWN.to_owned(),
            SupportLevel::Unknown.as_str().to_owned(),
        ));
        pairs
    };
    let fields = |pairs: &[(&str, &str)]| -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect()
    };
    let terms = |terms: &[Term]| {
        Only::Each(
            terms
                .iter()
                .map(|t| fields(&[("id", &t.id), ("label", &t.label)]))
                .collect(),
        )
    };
    // A runbook's routes: the catalog's, in its order.
    let runbook_routes = || {
        Only::Each(
            c.routes
                .iter()
                .map(|r| fields(&[("route", &r.route), ("route_id", &r.id)]))
                .collect(),
        )
    };
    let d = |def: &str, prop: &str| format!("/definitions/{def}/properties/{prop}");
    // A client's verdict for a route (a runbook entry's, a route file's):
    // a catalog verdict or `unknown`, with its own support level.
    let verdict_parts = |def: &str| {
        let pairs = supports();
        let verdict_ids = pairs.iter().map(|(id, _)| id.clone()).collect();
        [
            (d(def, "verdict"), Only::Values(verdict_ids)),
            (
                format!("/definitions/{def}"),
                Only::Pairs("verdict", "support", pairs),
            ),
            (
                d("VerificationEntry", "evidence"),
                Only::Ids(ids(&c.evidence)),
            ),
        ]
    };
    // The runbook entry is the root of its own schema and a definition of
    // the manifest's.
    let entry = |root: bool, prop: &str| {
        if root {
            format!("/properties/{prop}")
        } else {
            d("RunbookEntry", prop)
        }
    };
    let entry_parts = |root: bool| {
        vec![
            (
                entry(root, "compatibility"),
                Only::Ids(ids(&c.compatibility)),
            ),
            (entry(root, "category"), Only::Ids(ids(&c.categories))),
            (entry(root, "key_preset"), Only::Ids(ids(&c.key_presets))),
            (entry(root, "evidence"), Only::Ids(ids(&c.evidence))),
            (entry(root, "routes"), runbook_routes()),
            (d("RouteVerdict", "route"), Only::Values(routes())),
            (d("RouteVerdict", "route_id"), Only::Values(route_ids())),
        ]
        .into_iter()
        .chain(verdict_parts("RouteVerdict"))
        .collect::<Vec<_>>()
    };
    match kind {
        SchemaKind::Manifest => {
            let mut all = vec![
                (d("RouteEntry", "id"), Only::Values(route_ids())),
                (d("RouteEntry", "route"), Only::Values(routes())),
                (d("VerdictEntry", "id"), Only::Values(verdicts())),
                (
                    d("CatalogEntry", "routes"),
                    Only::Each(
                        c.routes
                            .iter()
                            .map(|r| fields(&[("id", &r.id), ("route", &r.route)]))
                            .collect(),
                    ),
                ),
                (
                    d("CatalogEntry", "verdicts"),
                    Only::Each(
                        c.verdicts
                            .iter()
                            .map(|v| {
                                let support = v.support.as_str();
                                fields(&[("id", &v.id), ("label", &v.label), ("support", support)])
                            })
                            .collect(),
                    ),
                ),
                (d("CatalogEntry", "compatibility"), terms(&c.compatibility)),
                (d("CatalogEntry", "categories"), terms(&c.categories)),
                (d("CatalogEntry", "key_presets"), terms(&c.key_presets)),
                (d("CatalogEntry", "evidence"), terms(&c.evidence)),
            ];
            all.extend(entry_parts(false));
            all
        }
        SchemaKind::Entry => entry_parts(true),
        SchemaKind::Route => vec![
            ("/properties/id".into(), Only::Values(route_ids())),
            ("/properties/route".into(), Only::Values(routes())),
            (
                String::new(),
                Only::Pairs(
                    "id",
                    "route",
                    c.routes
                        .iter()
                        .map(|r| (r.id.clone(), r.route.clone()))
                        .collect(),
                ),
            ),
        ]
        .into_iter()
        .chain(verdict_parts("RouteClient"))
        .collect(),
        SchemaKind::Source => vec![
            (
                "/properties/compatibility".into(),
                Only::Values(ids(&c.compatibility)),
            ),
            (
                "/properties/category".into(),
                Only::Values(ids(&c.categories)),
            ),
            (
                "/properties/key_preset".into(),
                Only::Values(ids(&c.key_presets)),
            ),
            (
                "/properties/evidence".into(),
                Only::Values(ids(&c.evidence)),
            ),
            (d("RouteMappingSource", "route"), Only::Values(routes())),
            (d("RouteMappingSource", "verdict"), Only::Values(verdicts())),
            (
                d("VerificationSource", "evidence"),
                Only::Values(ids(&c.evidence)),
            ),
        ],
        // The catalog itself, a diff between any two builds, a history
        // that may name verdicts the catalog no longer has, and probes
        // written before this catalog: generic.
        SchemaKind::Config
        | SchemaKind::Diff
        | SchemaKind::Changes
        | SchemaKind::Probe
        | SchemaKind::ProbeResults => Vec::new(),
    }
}

/// The data of one build has no field its types do not name: every object
/// the schema defines (and the root) allows no other property. The
/// generic schemas stay open, so that a reader of one format version
/// accepts the fields a later minor version adds.
fn close_objects(schema: &mut Value) {
    let close = |node: &mut Value| {
        if let Some(map) = node.as_object_mut()
            && map.contains_key("properties")
            && !map.contains_key("additionalProperties")
        {
            map.insert("additionalProperties".into(), Value::Bool(false));
        }
    };
    if let Some(Value::Object(definitions)) = schema.get_mut("definitions") {
        definitions.values_mut().for_each(close);
    }
    close(schema);
}

/// Restricts `node` (a string, a reference to an object, a list of
/// either, or one of them or null); false when it is none of those.
fn restrict(node: &mut Value, only: &Only) -> bool {
    let Some(map) = node.as_object_mut() else {
        return false;
    };
    if let Only::Each(items) = only {
        let Some(item) = map.get("items").filter(|_| is_array(map)).cloned() else {
            return false;
        };
        let each: Vec<Value> = items
            .iter()
            .map(|fields| {
                let consts: Map<String, Value> = fields
                    .iter()
                    .map(|(k, v)| (k.clone(), json!({ "const": v })))
                    .collect();
                json!({ "allOf": [item], "properties": consts })
            })
            .collect();
        map.insert("minItems".into(), json!(items.len()));
        map.insert("maxItems".into(), json!(items.len()));
        map.insert("items".into(), Value::Array(each));
        map.insert("additionalItems".into(), Value::Bool(false));
        return true;
    }
    if let Only::Pairs(key, paired, pairs) = only {
        if !map.contains_key("properties") {
            return false;
        }
        let rules: Vec<Value> = pairs
            .iter()
            .map(|(a, b)| {
                json!({
                    "if": { "properties": { *key: { "const": a } }, "required": [key] },
                    "then": { "properties": { *paired: { "const": b } } }
                })
            })
            .collect();
        map.insert("allOf".into(), Value::Array(rules));
        return true;
    }
    if let Some(Value::Array(branches)) = map.get_mut("anyOf") {
        let mut any = false;
        for branch in branches
            .iter_mut()
            .filter(|b| b.get("type") != Some(&json!("null")))
        {
            any |= restrict(branch, only);
        }
        return any;
    }
    if is_array(map) {
        return map
            .get_mut("items")
            .is_some_and(|items| restrict(items, only));
    }
    match only {
        Only::Ids(ids) if map.contains_key("$ref") => {
            // A `$ref`'s siblings are ignored in draft 7: the restriction
            // joins the reference in an `allOf`.
            let reference = std::mem::take(map);
            map.insert("allOf".into(), json!([Value::Object(reference)]));
            map.insert("properties".into(), json!({ "id": { "enum": ids } }));
            true
        }
        Only::Values(values) if is_string(map) => {
            let mut allowed: Vec<Value> = values.iter().map(|v| json!(v)).collect();
            if map
                .get("type")
                .is_some_and(|t| t.as_array().is_some_and(|a| a.contains(&json!("null"))))
            {
                allowed.push(Value::Null);
            }
            map.insert("enum".into(), Value::Array(allowed));
            true
        }
        _ => false,
    }
}

fn is_array(map: &Map<String, Value>) -> bool {
    map.get("type") == Some(&json!("array"))
}

fn is_string(map: &Map<String, Value>) -> bool {
    match map.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.contains(&json!("string")),
        _ => false,
    }
}
