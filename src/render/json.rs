//! JSON compatibility manifests: `json/manifest.json` with the catalog and
//! every runbook, one `json/runbooks/<slug>.json` per runbook, and the JSON
//! Schemas under `json/schema/`; the same files under `html/json/`, so
//! the site serves them.

use super::context::{RenderContext, RenderError};
use super::renderer::Renderer;
use super::sink::Sink;
use crate::manifest::{Generator, Manifest, RunbookEntry};
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
        // Each entry is checked against its schema, written to its own file
        // and then into the manifest, a slice of runbooks at a time: the
        // manifest is never one big value (nor one big text) in memory, and
        // each entry is serialized once for each file.
        let entry_check = SelfCheck::new(SchemaKind::Entry)?;
        let generator = Generator {
            name: ctx.generator_name.into(),
            version: ctx.generator_version.into(),
        };
        let shell = Manifest::new(book, generator, ctx.source_date_epoch, Vec::new());
        let shell = serde_json::to_value(shell)?;
        // The entries are checked one by one; the rest of the manifest is
        // checked here, with the same schema.
        SelfCheck::new(SchemaKind::Manifest)?.check(&shell)?;
        let shell = pretty(&shell)?;
        let head = shell.strip_suffix(EMPTY_RUNBOOKS).ok_or_else(|| {
            RenderError::ManifestSchema("the manifest does not end with its runbooks".into())
        })?;
        let path = crate::model::manifest_path();
        let io = |source| RenderError::Write {
            path: path.clone(),
            source,
        };
        out.put_with(&copies(path.clone()), &mut |w| {
            if book.runbooks.is_empty() {
                return w.write_all(&shell).map_err(io);
            }
            w.write_all(head).map_err(io)?;
            w.write_all(b"  \"runbooks\": [\n").map_err(io)?;
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
                    if c > 0 || i > 0 {
                        w.write_all(b",\n").map_err(io)?;
                    }
                    write_indented(w, text).map_err(io)?;
                }
            }
            w.write_all(b"\n  ]\n}\n").map_err(io)
        })?;
        if let Some(history) = &book.history {
            let value = serde_json::to_value(crate::changes::Changes::new(history))?;
            SelfCheck::new(SchemaKind::Changes)?.check(&value)?;
            out.put_copies(&copies(crate::model::changes_path()), pretty(&value)?)?;
        }
        for kind in SchemaKind::ALL {
            out.put_copies(
                &copies(format!("{DIR}/schema/{}", kind.file_name())),
                kind.to_pretty().into_bytes(),
            )?;
        }
        Ok(())
    }
}

/// How a pretty manifest with no runbooks ends: the entries go there.
const EMPTY_RUNBOOKS: &[u8] = b"  \"runbooks\": []\n}\n";

/// One pretty entry, indented as `serde_json`'s pretty printer prints it
/// inside the manifest's `runbooks` array: the manifest comes out byte for
/// byte as if printed whole.
fn write_indented(w: &mut dyn std::io::Write, entry: &str) -> std::io::Result<()> {
    for (j, line) in entry.split('\n').enumerate() {
        if j > 0 {
            w.write_all(b"\n")?;
        }
        w.write_all(b"    ")?;
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
    fn new(kind: SchemaKind) -> Result<Self, RenderError> {
        jsonschema::draft7::new(&kind.schema())
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
