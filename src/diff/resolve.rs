//! Finding a side: a manifest file, read and checked; a docs tree or a
//! git revision of one, built in memory as `gtdocs build` writes it.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::revision;
use super::side::{DiffError, Side};
use crate::render::json::Json;

/// Finds `spec`: an existing file is a manifest, an existing folder a docs
/// tree, anything else a revision of the git repository holding `root`.
pub fn resolve(spec: &str, root: &Path) -> Result<Side, DiffError> {
    let path = Path::new(spec);
    if path.is_file() {
        return manifest_file(path);
    }
    if path.is_dir() {
        return tree(path, spec.to_owned());
    }
    let unpacked = revision::unpack(spec, root)?;
    // The loader checks every path it reads against the tree's boundary
    // too: that check, not the unpacking's, is the guarantee.
    let dir = unpacked.path();
    tree(dir, unpacked.label.clone()).map_err(|e| match e {
        // Paths in the tree's messages as in the revision, not in the
        // temporary folder.
        DiffError::Invalid { label, detail } => DiffError::Invalid {
            label,
            detail: detail.replace(&format!("{}/", dir.display()), ""),
        },
        other => other,
    })
}

/// A manifest read from a file and checked against the manifest schema.
fn manifest_file(path: &Path) -> Result<Side, DiffError> {
    let label = path.display().to_string();
    let text = std::fs::read(path).map_err(|source| DiffError::Read {
        path: label.clone(),
        source,
    })?;
    let manifest: Value = serde_json::from_slice(&text).map_err(|source| DiffError::NotJson {
        path: label.clone(),
        source,
    })?;
    check_manifest(&manifest).map_err(|detail| DiffError::NotManifest {
        path: label.clone(),
        detail,
    })?;
    Ok(Side { label, manifest })
}

/// The first schema violation of `manifest`, if any.
pub fn check_manifest(manifest: &Value) -> Result<(), String> {
    // Any 1.x manifest: one older than this gtdocs lacks what later minor
    // versions added (and a newer major version fails the check).
    let version = manifest
        .get("schema_version")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let major = |v: &str| v.split('.').next().map(str::to_owned);
    if !version.is_empty() && major(version) != major(crate::manifest::SCHEMA_VERSION) {
        return Err(format!(
            "its format is version {version}; this gtdocs reads format {}.x",
            major(crate::manifest::SCHEMA_VERSION).unwrap_or_default()
        ));
    }
    let schema = crate::schema::manifest_schema_for(version);
    let validator = jsonschema::draft7::new(&schema).map_err(|e| e.to_string())?;
    if let Some(e) = validator.iter_errors(manifest).next() {
        let at = e.instance_path().to_string();
        return Err(if at.is_empty() {
            e.to_string()
        } else {
            format!("at `{at}`: {e}")
        });
    }
    // Runbooks are compared by slug: a second runbook of the same slug
    // would hide the first one's changes (a downgrade among them).
    let mut seen = HashMap::new();
    let books = manifest.get("runbooks").and_then(Value::as_array);
    for (i, book) in books.into_iter().flatten().enumerate() {
        let Some(slug) = book.get("slug").and_then(Value::as_str) else {
            continue;
        };
        if let Some(first) = seen.insert(slug, i) {
            return Err(format!(
                "at `/runbooks/{i}`: the slug `{slug}` is used twice (first at `/runbooks/{first}`); \
                 a slug names one runbook"
            ));
        }
    }
    Ok(())
}

/// The manifest of the docs tree at `root`, built in memory.
fn tree(root: &Path, label: String) -> Result<Side, DiffError> {
    let invalid = |detail: String| DiffError::Invalid {
        label: label.clone(),
        detail,
    };
    let built = crate::site::build_in_memory(root, &[&Json]).map_err(|e| invalid(e.to_string()))?;
    let Some(output) = built.output else {
        let (errors, _) = crate::diagnostic::counts(&built.diagnostics);
        let first = built
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .map_or_else(String::new, |d| format!(", the first: {}", d.message));
        return Err(invalid(format!("{errors} error(s){first}")));
    };
    let path = crate::model::manifest_path();
    let manifest = output
        .get(&path)
        .ok_or_else(|| invalid(format!("no `{path}` was rendered")))?;
    let manifest = serde_json::from_slice(manifest).map_err(|e| invalid(e.to_string()))?;
    Ok(Side { label, manifest })
}
