//! JSON Schemas (draft-07, the draft YAML editors validate with), derived
//! from the loader's and the manifest's own Rust types.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::manifest::{ENTRY_SCHEMA_FILE, MANIFEST_SCHEMA_FILE, Manifest, RunbookEntry};
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
}

impl SchemaKind {
    pub const ALL: [SchemaKind; 6] = [
        SchemaKind::Source,
        SchemaKind::Config,
        SchemaKind::Manifest,
        SchemaKind::Entry,
        SchemaKind::Diff,
        SchemaKind::Changes,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            SchemaKind::Source => "runbook.schema.json",
            SchemaKind::Config => "config.schema.json",
            SchemaKind::Manifest => MANIFEST_SCHEMA_FILE,
            SchemaKind::Entry => ENTRY_SCHEMA_FILE,
            SchemaKind::Diff => "diff.schema.json",
            SchemaKind::Changes => crate::changes::CHANGES_SCHEMA_FILE,
        }
    }

    pub fn schema(self) -> Value {
        match self {
            SchemaKind::Source => schema_for::<RunbookSource>(),
            SchemaKind::Config => schema_for::<ConfigSource>(),
            SchemaKind::Manifest => schema_for::<Manifest>(),
            SchemaKind::Entry => schema_for::<RunbookEntry>(),
            SchemaKind::Diff => schema_for::<crate::diff::report::Report>(),
            SchemaKind::Changes => schema_for::<crate::changes::Changes>(),
        }
    }

    /// The schema as published: pretty JSON with a final newline.
    pub fn to_pretty(self) -> String {
        let mut s = serde_json::to_string_pretty(&self.schema()).unwrap_or_default();
        s.push('\n');
        s
    }
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
    fn schemas_are_draft_07_with_no_remote_id() {
        for kind in SchemaKind::ALL {
            let s = kind.schema();
            assert_eq!(
                s["$schema"], "http://json-schema.org/draft-07/schema#",
                "{kind:?}"
            );
            assert!(s.get("$id").is_none(), "{kind:?}");
            assert!(jsonschema::draft7::meta::is_valid(&s), "{kind:?}");
        }
    }
}
