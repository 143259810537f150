//! The schemas of each kind, derived from the loader's and the manifest's
//! own Rust types, and how a reader of an older manifest applies them.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::manifest::{
    ENTRY_SCHEMA_FILE, MANIFEST_SCHEMA_FILE, Manifest, ROUTE_SCHEMA_FILE, RouteFile, RunbookEntry,
};
use crate::source::{ConfigSource, RunbookSource};

/// The schemas gtdocs publishes, with their file names under `json/schema/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaKind {
    /// a runbook source file, `runbooks/<slug>.yaml`
    #[value(aliases = ["runbook", "runbook.schema.json"])]
    Source,
    /// the site settings and catalog, `gtdocs.yaml`
    #[value(alias = "config.schema.json")]
    Config,
    /// the compatibility manifest, `json/manifest.json`
    #[value(alias = "manifest.schema.json")]
    Manifest,
    /// one runbook's manifest entry, `json/runbooks/<slug>.json`
    #[value(aliases = ["runbook-entry", "runbook-entry.schema.json"])]
    Entry,
    /// the report of `gtdocs diff --format json`
    #[value(alias = "diff.schema.json")]
    Diff,
    /// the history of verdicts, `json/changes.json`
    #[value(alias = "changes.schema.json")]
    Changes,
    /// every client's verdict for one route, `json/routes/<route id>.json`
    #[value(aliases = ["route", "route.schema.json"])]
    Route,
    /// a runbook's probe, `probes/<slug>/probe.yaml`
    #[value(alias = "probe.schema.json")]
    Probe,
    /// what a probe found, `probes/<slug>/results.json`
    #[value(alias = "probe-results.schema.json")]
    ProbeResults,
}

impl SchemaKind {
    pub const ALL: [SchemaKind; 9] = [
        SchemaKind::Source,
        SchemaKind::Config,
        SchemaKind::Manifest,
        SchemaKind::Entry,
        SchemaKind::Route,
        SchemaKind::Diff,
        SchemaKind::Changes,
        SchemaKind::Probe,
        SchemaKind::ProbeResults,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            SchemaKind::Source => "runbook.schema.json",
            SchemaKind::Config => "config.schema.json",
            SchemaKind::Manifest => MANIFEST_SCHEMA_FILE,
            SchemaKind::Entry => ENTRY_SCHEMA_FILE,
            SchemaKind::Diff => "diff.schema.json",
            SchemaKind::Changes => crate::changes::CHANGES_SCHEMA_FILE,
            SchemaKind::Route => ROUTE_SCHEMA_FILE,
            SchemaKind::Probe => "probe.schema.json",
            SchemaKind::ProbeResults => "probe-results.schema.json",
        }
    }

    /// The generic schema, for any tree: its `$id` is its file name,
    /// resolved against wherever it is read from.
    pub fn schema(self) -> Value {
        with_id(self.generic(), self.file_name())
    }

    pub(super) fn generic(self) -> Value {
        match self {
            SchemaKind::Source => schema_for::<RunbookSource>(),
            SchemaKind::Config => schema_for::<ConfigSource>(),
            SchemaKind::Manifest => schema_for::<Manifest>(),
            SchemaKind::Entry => schema_for::<RunbookEntry>(),
            SchemaKind::Diff => schema_for::<crate::diff::report::Report>(),
            SchemaKind::Changes => schema_for::<crate::changes::Changes>(),
            SchemaKind::Route => schema_for::<RouteFile>(),
            SchemaKind::Probe => schema_for::<crate::probe::ProbeSource>(),
            SchemaKind::ProbeResults => schema_for::<crate::probe::Results>(),
        }
    }

    /// The schema as published: pretty JSON with a final newline.
    pub fn to_pretty(self) -> String {
        pretty(&self.schema())
    }
}

/// The generic manifest schema as a reader of a manifest of format
/// `version` applies it: the fields a later minor version added are not
/// required of it (`manifest::ADDED_FIELDS`).
pub fn manifest_schema_for(version: &str) -> Value {
    let mut schema = SchemaKind::Manifest.schema();
    let older = |since: &str| match (semver_parts(version), semver_parts(since)) {
        (Some(v), Some(s)) => v < s,
        _ => false,
    };
    for (since, definition, field) in crate::manifest::ADDED_FIELDS {
        if !older(since) {
            continue;
        }
        let pointer = if definition.is_empty() {
            "/required".to_owned()
        } else {
            format!("/definitions/{definition}/required")
        };
        if let Some(Value::Array(required)) = schema.pointer_mut(&pointer) {
            required.retain(|r| r != field);
        }
    }
    schema
}

/// `major.minor.patch` of a semver, pre-release and build left out.
fn semver_parts(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// A schema as published: pretty JSON with a final newline.
pub fn pretty(schema: &Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).unwrap_or_default();
    s.push('\n');
    s
}

/// `schema` with `$id`, placed after `$schema`.
pub(super) fn with_id(schema: Value, id: &str) -> Value {
    let Value::Object(map) = schema else {
        return schema;
    };
    let mut ordered = serde_json::Map::new();
    for (key, value) in map {
        let first = key == "$schema";
        if key != "$id" {
            ordered.insert(key, value);
        }
        if first {
            ordered.insert("$id".into(), Value::String(id.into()));
        }
    }
    if !ordered.contains_key("$id") {
        ordered.insert("$id".into(), Value::String(id.into()));
    }
    Value::Object(ordered)
}

fn schema_for<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let value = generator.into_root_schema_for::<T>().to_value();
    // `$schema`, `title` and `description` first: the file reads top-down.
    let Value::Object(mut map) = value else {
        return value;
    };
    let mut ordered = serde_json::Map::new();
    for key in ["$schema", "title", "description"] {
        if let Some(v) = map.shift_remove(key) {
            ordered.insert(key.to_string(), v);
        }
    }
    ordered.extend(map);
    Value::Object(ordered)
}

/// Names of the properties a schema object allows, following one `$ref`.
pub fn property_names<'a>(root: &'a Value, schema: &'a Value) -> Vec<&'a str> {
    let schema = resolve_ref(root, schema);
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| props.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Follows a local `$ref` (`#/definitions/X`), if any.
pub fn resolve_ref<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(pointer) => root.pointer(pointer).unwrap_or(schema),
        None => schema,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_draft_07_with_their_file_name_as_id() {
        for kind in SchemaKind::ALL {
            let s = kind.schema();
            assert_eq!(
                s["$schema"], "http://json-schema.org/draft-07/schema#",
                "{kind:?}"
            );
            assert_eq!(s["$id"], kind.file_name(), "{kind:?}");
            assert!(jsonschema::draft7::meta::is_valid(&s), "{kind:?}");
        }
    }
}
