//! JSON compatibility manifests: `json/manifest.json` with the catalog and
//! every runbook, one `json/runbooks/<slug>.json` per runbook, one
//! `json/routes/<route id>.json` per route, and the build's exact JSON
//! Schemas under `json/schema/`; the same files under `html/json/`, so
//! the site serves them.

use super::context::{RenderContext, RenderError};
use super::renderer::Renderer;
use super::sink::Sink;
use crate::manifest::{DataEntry, Generator, Manifest, RouteFile, RunbookEntry};
use crate::model::Book;
use crate::schema::SchemaKind;

pub const DIR: &str = crate::model::JSON_DIR;

pub struct Json;

/// Where a JSON file of the output goes: at its path, and at the same
/// path inside the HTML site, which is then the whole deployable folder.
/// Each file is rendered once and written to both.
fn copies(path: String) -> [String; 2] {
    let in_site = format!("{}/{path}", super::html::DIR);
    [path, in_site]
}

impl Renderer for Json {
    fn render(&self, book: &Book, ctx: &RenderContext, out: &dyn Sink) -> Result<(), RenderError> {
        use rayon::prelude::*;
        // The build's own schemas, exact for its catalog: published, and
        // what every file below is checked against before it is written.
        let schemas: Vec<(SchemaKind, serde_json::Value)> = SchemaKind::ALL
            .into_iter()
            .map(|kind| Ok((kind, crate::schema::tight(kind, book)?)))
            .collect::<Result<_, crate::schema::TightError>>()
            .map_err(|e| RenderError::ManifestSchema(e.to_string()))?;
        let schema = |kind| {
            schemas
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, s)| s)
                .ok_or_else(|| RenderError::ManifestSchema(format!("no {kind:?} schema")))
        };
        for (kind, value) in &schemas {
            out.put_copies(
                &copies(format!("{DIR}/schema/{}", kind.file_name())),
                crate::schema::pretty(value).into_bytes(),
            )?;
        }
        write_manifest(
            book,
            ctx,
            out,
            schema(SchemaKind::Manifest)?,
            schema(SchemaKind::Entry)?,
        )?;
        let route_check = SelfCheck::new(schema(SchemaKind::Route)?)?;
        (0..book.catalog.routes.len())
            .into_par_iter()
            .try_for_each(|i| {
                let file = RouteFile::new(book, i);
                let value = serde_json::to_value(&file)?;
                route_check.check(&value)?;
                out.put_copies(
                    &copies(crate::model::route_file_path(&file.id)),
                    pretty(&value)?,
                )
            })?;
        if let Some(history) = &book.history {
            let value = serde_json::to_value(crate::changes::Changes::new(history))?;
            SelfCheck::new(schema(SchemaKind::Changes)?)?.check(&value)?;
            out.put_copies(&copies(crate::model::changes_path()), pretty(&value)?)?;
        }
        Ok(())
    }
}

/// `json/manifest.json`: each entry is checked against its schema,
/// written to its own file and then into the manifest, a slice of
/// runbooks at a time: the manifest is never one big value (nor one big
/// text) in memory, and each entry is serialized once for each file. The
/// data's digest is taken on the way and written last.
fn write_manifest(
    book: &Book,
    ctx: &RenderContext,
    out: &dyn Sink,
    manifest_schema: &serde_json::Value,
    entry_schema: &serde_json::Value,
) -> Result<(), RenderError> {
    use rayon::prelude::*;
    use sha2::Digest;
    let entry_check = SelfCheck::new(entry_schema)?;
    let generator = Generator {
        name: ctx.generator_name.into(),
        version: ctx.generator_version.into(),
    };
    let shell = Manifest::new(book, generator, ctx.source_date_epoch, Vec::new());
    let mut shell = serde_json::to_value(shell)?;
    // `data` goes last, once the digest is known; the rest of the manifest
    // is written first, its runbooks in place of the empty list.
    let data_slot = shell.as_object_mut().and_then(|m| m.shift_remove("data"));
    if data_slot.is_none() {
        return Err(RenderError::ManifestSchema(
            "the manifest has no `data`".into(),
        ));
    }
    let head = pretty(&shell)?;
    let head = head.strip_suffix(EMPTY_RUNBOOKS).ok_or_else(|| {
        RenderError::ManifestSchema("the manifest does not end with its runbooks".into())
    })?;
    let mut digest = sha2::Sha256::new();
    // The data, not where it is published (`site`) nor how it was made.
    for key in ["catalog", "verification"] {
        if let Some(part) = shell.get(key) {
            digest.update(key.as_bytes());
            digest.update(serde_json::to_vec(part)?);
        }
    }
    let path = crate::model::manifest_path();
    let io = |source| RenderError::Write {
        path: path.clone(),
        source,
    };
    out.put_with(&copies(path.clone()), &mut |w| {
        w.write_all(head).map_err(io)?;
        w.write_all(b"  \"runbooks\": [").map_err(io)?;
        for (c, chunk) in book.runbooks.chunks(256).enumerate() {
            let texts: Vec<String> = chunk
                .par_iter()
                .map(|rb| {
                    let mut entry = RunbookEntry::new(book, rb);
                    let value = serde_json::to_value(&entry)?;
                    entry_check.check(&value)?;
                    let in_manifest = serde_json::to_string_pretty(&value)?;
                    entry.schema = Some(format!("../schema/{}", SchemaKind::Entry.file_name()));
                    let mut own = serde_json::to_vec_pretty(&entry)?;
                    own.push(b'\n');
                    out.put_copies(&copies(crate::model::entry_path(&entry.slug)), own)?;
                    Ok(in_manifest)
                })
                .collect::<Result<_, RenderError>>()?;
            for (i, text) in texts.iter().enumerate() {
                w.write_all(if c > 0 || i > 0 { b",\n" } else { b"\n" })
                    .map_err(io)?;
                digest.update(text.as_bytes());
                write_indented(w, text, "    ").map_err(io)?;
            }
        }
        let close: &[u8] = if book.runbooks.is_empty() {
            b"]"
        } else {
            b"\n  ]"
        };
        w.write_all(close).map_err(io)?;
        let digest = format!("sha256:{:x}", std::mem::take(&mut digest).finalize());
        let data = serde_json::to_value(DataEntry::new(book, digest))?;
        // The whole manifest but its runbooks (checked one by one above),
        // with its data, against the build's schema.
        let mut whole = shell.clone();
        if let Some(map) = whole.as_object_mut() {
            map.insert("data".into(), data.clone());
        }
        SelfCheck::new(manifest_schema)?.check(&whole)?;
        w.write_all(b",\n  \"data\": ").map_err(io)?;
        let data = serde_json::to_string_pretty(&data)?;
        write_indented(w, &data, "  ").map_err(io)?;
        w.write_all(b"\n}\n").map_err(io)
    })?;
    Ok(())
}

/// How a pretty manifest with no runbooks ends: the entries go there.
const EMPTY_RUNBOOKS: &[u8] = b"  \"runbooks\": []\n}\n";

/// A pretty value, indented as `serde_json`'s pretty printer prints it
/// at that depth of the manifest (an entry of `runbooks`, `data`): the
/// manifest comes out byte for byte as if printed whole. The first line
/// is indented only as a list item is.
fn write_indented(w: &mut dyn std::io::Write, value: &str, indent: &str) -> std::io::Result<()> {
    let first_indent = if indent.len() > 2 { indent } else { "" };
    for (j, line) in value.split('\n').enumerate() {
        if j > 0 {
            w.write_all(b"\n")?;
            w.write_all(indent.as_bytes())?;
        } else {
            w.write_all(first_indent.as_bytes())?;
        }
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn pretty(value: &serde_json::Value) -> Result<Vec<u8>, RenderError> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The build checks its own output against the schema it publishes.
struct SelfCheck(jsonschema::Validator);

impl SelfCheck {
    fn new(schema: &serde_json::Value) -> Result<Self, RenderError> {
        jsonschema::draft7::new(schema)
            .map(SelfCheck)
            .map_err(|e| RenderError::ManifestSchema(e.to_string()))
    }

    fn check(&self, value: &serde_json::Value) -> Result<(), RenderError> {
        let problems: Vec<String> = self
            .0
            .iter_errors(value)
            .map(|e| format!("{} at `{}`", e, e.instance_path().as_str()))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(RenderError::ManifestSchema(problems.join("; ")))
        }
    }
}
