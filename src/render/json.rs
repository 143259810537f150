//! JSON compatibility manifests: `json/manifest.json` with the catalog and
//! every runbook, one `json/runbooks/<slug>.json` per runbook, one
//! `json/routes/<route id>.json` per route, and the build's exact JSON
//! Schemas under `json/schema/`; the same files under `html/json/`, so
//! the site serves them.

use std::io::Write as _;

use super::context::{RenderContext, RenderError};
use super::renderer::Renderer;
use super::sink::{Counting, Sink};
use crate::cache::Fingerprint;
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
        // The route files list every runbook's verdict, and show no
        // runbook's body: a unit an edit of a runbook's steps keeps, with
        // the changes (made from the history alone).
        let key = ctx.keys.as_ref().map(|k| k.summaries("json", &()));
        out.unit(key, &mut |out| {
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
        })
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
    let keys = ctx.keys.as_deref();
    let mut fragments = Vec::new();
    out.put_with(&copies(path.clone()), &mut |w| {
        let mut w = Counting {
            inner: w,
            written: 0,
        };
        let w = &mut w;
        w.write_all(head).map_err(io)?;
        w.write_all(b"  \"runbooks\": [").map_err(io)?;
        for (c, chunk) in book.runbooks.chunks(256).enumerate() {
            // Each runbook's entry, as the manifest holds it (indented):
            // from an earlier build's manifest when the runbook did not
            // change, else made, checked and written to its own files.
            let entries: Vec<Entry> = chunk
                .par_iter()
                .map(|rb| {
                    let key = keys.and_then(|k| k.runbook(book, rb, "json"));
                    let mut made = None;
                    out.unit(key, &mut |out| {
                        let (in_manifest, own) = entry_texts(book, rb, &entry_check)?;
                        out.put_copies(&copies(crate::model::entry_path(&rb.slug)), own)?;
                        made = Some(in_manifest);
                        Ok(())
                    })?;
                    if let Some(bytes) = key
                        .filter(|_| made.is_none())
                        .and_then(|key| out.fragment(&path, key))
                    {
                        return Ok((key, bytes, None));
                    }
                    let text = match made {
                        Some(text) => text,
                        None => entry_texts(book, rb, &entry_check)?.0,
                    };
                    Ok((key, indent(&text), Some(text)))
                })
                .collect::<Result<_, RenderError>>()?;
            for (i, (key, indented, text)) in entries.iter().enumerate() {
                w.write_all(if c > 0 || i > 0 { b",\n" } else { b"\n" })
                    .map_err(io)?;
                match text {
                    Some(text) => digest.update(text.as_bytes()),
                    None => unindent_into(indented, &mut |part| digest.update(part)),
                }
                if let Some(key) = key {
                    fragments.push((*key, w.written, indented.len() as u64));
                }
                w.write_all(indented).map_err(io)?;
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
    if keys.is_some() {
        out.put_fragments(&path, fragments);
    }
    Ok(())
}

/// A runbook's entry as the manifest holds it (not indented), and its own
/// file, checked against the entry's schema.
fn entry_texts(
    book: &Book,
    rb: &crate::model::Runbook,
    entry_check: &SelfCheck,
) -> Result<(String, Vec<u8>), RenderError> {
    let mut entry = RunbookEntry::new(book, rb);
    let value = serde_json::to_value(&entry)?;
    entry_check.check(&value)?;
    let in_manifest = serde_json::to_string_pretty(&value)?;
    entry.schema = Some(format!("../schema/{}", SchemaKind::Entry.file_name()));
    let mut own = serde_json::to_vec_pretty(&entry)?;
    own.push(b'\n');
    Ok((in_manifest, own))
}

/// An entry's text as the manifest holds it: see [`write_indented`].
fn indent(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    // Writing to a Vec does not fail.
    let _ = write_indented(&mut out, text, ENTRY_INDENT);
    out
}

/// The text [`indent`] was given, handed to `out` a line at a time (the
/// digest takes it without a copy): pretty JSON has a newline only between
/// its lines (never inside a string), each indented by [`ENTRY_INDENT`].
fn unindent_into(indented: &[u8], out: &mut dyn FnMut(&[u8])) {
    let pad = ENTRY_INDENT.as_bytes();
    let mut rest = indented.strip_prefix(pad).unwrap_or(indented);
    while let Some(i) = memchr::memchr(b'\n', rest) {
        out(&rest[..=i]);
        rest = &rest[i + 1..];
        rest = rest.strip_prefix(pad).unwrap_or(rest);
    }
    out(rest);
}

/// A runbook's entry in the manifest: its unit's key, its indented text,
/// and the text itself when it was made (not read back).
type Entry = (Option<Fingerprint>, Vec<u8>, Option<String>);

/// How deep a runbook's entry sits in the manifest.
const ENTRY_INDENT: &str = "    ";

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

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry read back from a manifest (indented) gives the digest the
    /// text it was made from gives: unindenting undoes indenting, for any
    /// pretty JSON, with indented lines, spaces in strings, one line.
    #[test]
    fn an_entry_read_back_unindents_to_its_text() {
        for text in [
            "{}",
            "{\n  \"a\": \"    four spaces\",\n  \"b\": [\n    1,\n    2\n  ]\n}",
            "{\n  \"x\": \"line\\nbreak\"\n}",
        ] {
            let indented = indent(text);
            assert!(indented.starts_with(ENTRY_INDENT.as_bytes()));
            let mut unindented = Vec::new();
            unindent_into(&indented, &mut |part| unindented.extend_from_slice(part));
            assert_eq!(unindented, text.as_bytes(), "{text}");
        }
    }
}
