//! JSON compatibility manifests: `json/manifest.json` with the catalog and
//! every runbook, one `json/runbooks/<slug>.json` per runbook, and the JSON
//! Schemas under `json/schema/`; the same files under `html/json/`, so
//! the site serves them.

use schemars::JsonSchema;
use serde::Serialize;

use super::context::{RenderContext, RenderError};
use super::renderer::Renderer;
use super::sink::Sink;
use crate::model::{Book, Runbook, SupportLevel, Term};
use crate::schema::SchemaKind;

/// Semver of the manifest format. Bump the major version on any change a
/// consumer could trip over.
pub const SCHEMA_VERSION: &str = "1.0.0";
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
        let shell = serde_json::to_value(manifest_with(book, ctx, Vec::new()))?;
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
                        let mut entry = entry(book, rb);
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

/// The compatibility manifest: the catalog and every runbook's verdicts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "gtdocs compatibility manifest")]
pub struct Manifest {
    /// Relative path of this file's JSON Schema.
    #[serde(rename = "$schema")]
    pub schema: String,
    /// Semantic version of the manifest format.
    pub schema_version: String,
    pub generator: Generator,
    /// Build time (RFC 3339), only when `SOURCE_DATE_EPOCH` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    pub site: SiteEntry,
    pub catalog: CatalogEntry,
    /// Every runbook, sorted by slug.
    pub runbooks: Vec<RunbookEntry>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Generator {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SiteEntry {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub base_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CatalogEntry {
    /// GT API routes, in display order.
    pub routes: Vec<RouteEntry>,
    pub verdicts: Vec<VerdictEntry>,
    pub compatibility: Vec<TermEntry>,
    /// In display order.
    pub categories: Vec<TermEntry>,
    pub key_presets: Vec<TermEntry>,
    pub evidence: Vec<TermEntry>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RouteEntry {
    pub route: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VerdictEntry {
    pub id: String,
    pub support: crate::source::Support,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TermEntry {
    pub id: String,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A reference into a catalog vocabulary, with its label resolved.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TermRef {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "gtdocs runbook manifest entry")]
pub struct RunbookEntry {
    /// Relative path of the JSON Schema (in the per-runbook files only).
    #[serde(rename = "$schema", skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The source file's stem.
    pub slug: String,
    pub title: String,
    /// Source file, relative to the docs tree.
    pub source: String,
    /// Name of the GitHub wiki page.
    pub wiki_page: String,
    pub summary: String,
    pub intro: String,
    pub compatibility: TermRef,
    pub category: TermRef,
    pub key_preset: TermRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<TermRef>,
    pub docs: Vec<String>,
    pub config: Vec<ConfigEntry>,
    /// One entry per catalog route, in catalog order.
    pub routes: Vec<RouteVerdict>,
    pub not_supported: Vec<String>,
    pub prerequisites: Vec<String>,
    pub setup: Vec<String>,
    pub caveats: Vec<String>,
    pub checklist: Vec<String>,
    pub matrix: MatrixEntry,
    pub weight: i64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ConfigEntry {
    pub field: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RouteVerdict {
    pub route: String,
    /// A catalog verdict id, or `unknown`.
    pub verdict: String,
    pub support: SupportLevel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MatrixEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persistence: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

fn term_entries(terms: &[Term]) -> Vec<TermEntry> {
    terms
        .iter()
        .map(|t| TermEntry {
            id: t.id.clone(),
            label: t.label.clone(),
            description: t.description.clone(),
        })
        .collect()
}

fn term_ref(t: &Term) -> TermRef {
    TermRef {
        id: t.id.clone(),
        label: t.label.clone(),
    }
}

pub fn manifest(book: &Book, ctx: &RenderContext) -> Manifest {
    manifest_with(
        book,
        ctx,
        book.runbooks.iter().map(|rb| entry(book, rb)).collect(),
    )
}

fn manifest_with(book: &Book, ctx: &RenderContext, runbooks: Vec<RunbookEntry>) -> Manifest {
    let c = &book.catalog;
    Manifest {
        schema: format!("schema/{}", SchemaKind::Manifest.file_name()),
        schema_version: SCHEMA_VERSION.into(),
        generator: Generator {
            name: ctx.generator_name.into(),
            version: ctx.generator_version.into(),
        },
        generated_at: ctx.source_date_epoch.map(|secs| {
            humantime::format_rfc3339_seconds(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs),
            )
            .to_string()
        }),
        site: SiteEntry {
            title: book.site.title.clone(),
            description: book.site.description.clone(),
            base_url: book.site.base_url.clone(),
            repository: book.site.repository.clone(),
        },
        catalog: CatalogEntry {
            routes: c
                .routes
                .iter()
                .map(|r| RouteEntry {
                    route: r.route.clone(),
                    summary: r.summary.clone(),
                })
                .collect(),
            verdicts: c
                .verdicts
                .iter()
                .map(|v| VerdictEntry {
                    id: v.id.clone(),
                    support: v.support,
                    description: v.description.clone(),
                })
                .collect(),
            compatibility: term_entries(&c.compatibility),
            categories: term_entries(&c.categories),
            key_presets: term_entries(&c.key_presets),
            evidence: term_entries(&c.evidence),
        },
        runbooks,
    }
}

fn entry(book: &Book, rb: &Runbook) -> RunbookEntry {
    let c = &book.catalog;
    RunbookEntry {
        schema: None,
        slug: rb.slug.clone(),
        title: rb.title.clone(),
        source: rb.source.to_string_lossy().replace('\\', "/"),
        wiki_page: book.wiki_page(rb),
        summary: rb.summary.clone(),
        intro: rb.intro.clone(),
        compatibility: term_ref(&c.compatibility[rb.compatibility]),
        category: term_ref(&c.categories[rb.category]),
        key_preset: term_ref(&c.key_presets[rb.key_preset]),
        evidence: rb.evidence.map(|e| term_ref(&c.evidence[e])),
        docs: rb.docs.clone(),
        config: rb
            .config
            .iter()
            .map(|f| ConfigEntry {
                field: f.field.clone(),
                value: f.value.clone(),
            })
            .collect(),
        routes: c
            .routes
            .iter()
            .zip(&rb.routes)
            .map(|(route, m)| RouteVerdict {
                route: route.route.clone(),
                verdict: book.verdict_id(m).to_string(),
                support: book.support(m),
                integration: m.integration.clone(),
            })
            .collect(),
        not_supported: rb.not_supported.clone(),
        prerequisites: rb.prerequisites.clone(),
        setup: rb.setup.clone(),
        caveats: rb.caveats.clone(),
        checklist: rb.checklist.clone(),
        matrix: MatrixEntry {
            subtitle: rb.matrix.subtitle.clone(),
            chat: rb.matrix.chat.clone(),
            files: rb.matrix.files.clone(),
            persistence: rb.matrix.persistence.clone(),
            details: rb.matrix.details.clone(),
        },
        weight: rb.weight,
    }
}
