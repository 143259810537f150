//! `gtdocs diff`: what changed between two compatibility manifests.
//! Runbooks added and removed, route verdicts upgraded, downgraded or
//! reclassified, and every other field changed, as a [`Report`] that renders
//! to Markdown (a pull-request comment, a job summary) or JSON.
//!
//! A side is a manifest file, a docs tree, or a git revision of the docs
//! tree ([`resolve`]); trees and revisions are validated and their manifest
//! rendered in memory, exactly as `gtdocs build` would write it.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::git::{Git, GitError};
use crate::model::SupportLevel;
use crate::render::markdown::{self, Place};
use crate::schema::SchemaKind;

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("`{0}` is not a manifest file, a docs tree or a git revision")]
    Unresolved(String),
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("`{path}` is not JSON: {source}")]
    NotJson {
        path: String,
        source: serde_json::Error,
    },
    #[error("`{path}` is not a gtdocs manifest: {detail}")]
    NotManifest { path: String, detail: String },
    #[error("the sources at `{label}` do not build: {detail}")]
    Invalid { label: String, detail: String },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("cannot unpack the sources at `{label}`: {source}")]
    Unpack {
        label: String,
        source: std::io::Error,
    },
}

impl DiffError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            DiffError::Unresolved(_) => Some(
                "pass a manifest (site/json/manifest.json), a folder with gtdocs.yaml, \
                 or a revision of the git repository that holds --root (main, HEAD~1, a tag)",
            ),
            DiffError::Invalid { .. } => Some(
                "run `gtdocs check` on those sources to see every problem \
                 (for a revision, check it out first)",
            ),
            DiffError::Git(e) => e.hint(),
            _ => None,
        }
    }
}

/// One side of a comparison: a label for people and the manifest.
#[derive(Debug, Clone)]
pub struct Side {
    pub label: String,
    pub manifest: Value,
}

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
    revision(spec, root)
}

/// A manifest read from a file and checked against the manifest schema.
pub fn manifest_file(path: &Path) -> Result<Side, DiffError> {
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
    let schema = SchemaKind::Manifest.schema();
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

fn tree(root: &Path, label: String) -> Result<Side, DiffError> {
    let invalid = |detail: String| DiffError::Invalid {
        label: label.clone(),
        detail,
    };
    let compiled = crate::compile(root).map_err(|e| invalid(e.to_string()))?;
    let (errors, _) = crate::diagnostic::counts(&compiled.diagnostics);
    let book = match compiled.book {
        Some(book) if errors == 0 => book,
        _ => {
            let first = compiled
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .map_or_else(String::new, |d| format!(", the first: {}", d.message));
            return Err(invalid(format!("{errors} error(s){first}")));
        }
    };
    let ctx = crate::render::RenderContext::from_env().map_err(|e| invalid(e.to_string()))?;
    let generator = crate::manifest::Generator {
        name: ctx.generator_name.into(),
        version: ctx.generator_version.into(),
    };
    let runbooks = book
        .runbooks
        .iter()
        .map(|rb| crate::manifest::RunbookEntry::new(&book, rb))
        .collect();
    let manifest =
        crate::manifest::Manifest::new(&book, generator, ctx.source_date_epoch, runbooks);
    let manifest = serde_json::to_value(manifest).map_err(|e| invalid(e.to_string()))?;
    Ok(Side { label, manifest })
}

/// The docs tree at a git revision, unpacked from `git archive` into a
/// temporary folder (no checkout, the work tree is untouched).
fn revision(spec: &str, root: &Path) -> Result<Side, DiffError> {
    let unresolved = || DiffError::Unresolved(spec.to_owned());
    // Not a repository, or not a revision: the argument means nothing here.
    let here = Git::new(root);
    let prefix = here
        .text(&["rev-parse", "--show-prefix"])
        .map_err(|_| unresolved())?;
    let top = here
        .text(&["rev-parse", "--show-toplevel"])
        .map_err(|_| unresolved())?;
    // Paths below are relative to the repository's top, whatever --root is.
    let git = here.in_dir(top);
    let commit = git
        .text(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{spec}^{{commit}}"),
        ])
        .map_err(|_| unresolved())?;
    let short = commit.get(..12).unwrap_or(&commit);
    let is_hash = spec.len() >= 4 && spec.bytes().all(|b| b.is_ascii_hexdigit());
    let label = if is_hash && commit.starts_with(&spec.to_ascii_lowercase()) {
        short.to_owned()
    } else {
        format!("{spec} ({short})")
    };
    let treeish = format!("{commit}:{}", prefix.trim_end_matches('/'));
    let listed = git.text(&["ls-tree", "--name-only", &treeish])?;
    let wanted: Vec<&str> = listed
        .lines()
        .filter(|name| matches!(*name, "gtdocs.yaml" | "runbooks" | "themes"))
        .collect();
    if !wanted.contains(&"gtdocs.yaml") {
        return Err(DiffError::Invalid {
            label,
            detail: format!("there is no gtdocs.yaml in `{treeish}`"),
        });
    }
    let mut args = vec!["archive", "--format=tar", treeish.as_str(), "--"];
    args.extend(wanted);
    let dir = tempfile::Builder::new()
        .prefix(".gtdocs-diff-")
        .tempdir()
        .map_err(|source| DiffError::Unpack {
            label: label.clone(),
            source,
        })?;
    // Streamed from git into the folder, each entry within the loader's
    // own limit and the whole within MAX_REVISION_BYTES: never held whole.
    git.stream(&args, |out| {
        unpack(std::io::BufReader::new(out), dir.path())
    })
    .map_err(|e| match e {
        Unpacked::Git(e) => DiffError::Git(e),
        Unpacked::Io(source) => DiffError::Unpack {
            label: label.clone(),
            source,
        },
        Unpacked::LinkOut { path, target } => DiffError::Invalid {
            label: label.clone(),
            detail: format!(
                "`{}` is a symbolic link to `{}`, outside the docs tree",
                path.display(),
                target.display()
            ),
        },
        Unpacked::FileTooLarge { path, max } => DiffError::Invalid {
            label: label.clone(),
            detail: format!(
                "`{}` is larger than {max} bytes, the most gtdocs reads of such a file",
                path.display()
            ),
        },
        Unpacked::TreeTooLarge => DiffError::Invalid {
            label: label.clone(),
            detail: format!(
                "the docs tree (gtdocs.yaml, runbooks/ and themes/) is larger than \
                 {MAX_REVISION_BYTES} bytes in all"
            ),
        },
    })?;
    // The loader checks every path it reads against the tree's boundary
    // too: that check, not this one, is the guarantee.
    tree(dir.path(), label).map_err(|e| match e {
        // Paths in the tree's messages as in the revision, not in the
        // temporary folder.
        DiffError::Invalid { label, detail } => DiffError::Invalid {
            label,
            detail: detail.replace(&format!("{}/", dir.path().display()), ""),
        },
        other => other,
    })
}

/// Most bytes of a revision's docs tree `diff` unpacks (the files and
/// their tar headers): far above a real tree (thousands of runbooks of a
/// few kilobytes, a theme of at most 64 MiB), a bound on disk and time.
pub const MAX_REVISION_BYTES: u64 = 512 * 1024 * 1024;

enum Unpacked {
    Git(GitError),
    Io(std::io::Error),
    LinkOut {
        path: PathBuf,
        target: PathBuf,
    },
    /// An entry larger than the loader reads for its kind of file.
    FileTooLarge {
        path: PathBuf,
        max: u64,
    },
    /// More than [`MAX_REVISION_BYTES`] in all.
    TreeTooLarge,
}

impl From<GitError> for Unpacked {
    fn from(e: GitError) -> Self {
        Unpacked::Git(e)
    }
}

impl From<std::io::Error> for Unpacked {
    fn from(e: std::io::Error) -> Self {
        Unpacked::Io(e)
    }
}

/// Unpacks `git archive`'s tar into `dir`. A symbolic link committed in
/// the sources is kept only when its target stays inside the archive
/// (read as written, from the link's folder); one that leads out, or an
/// entry of any other kind than a file, folder or link, is refused. A file
/// larger than the loader would read (a source file, a theme file), or a
/// tree larger than [`MAX_REVISION_BYTES`], is refused before it is written.
fn unpack(archive: impl std::io::Read, dir: &Path) -> Result<(), Unpacked> {
    use tar::EntryType;
    let mut total: u64 = 0;
    for entry in tar::Archive::new(archive).entries()? {
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        let size = entry.size();
        // A tar header is 512 bytes: counting them bounds the entries too.
        total = total.saturating_add(size.saturating_add(512));
        if total > MAX_REVISION_BYTES {
            return Err(Unpacked::TreeTooLarge);
        }
        let path = entry.path()?.into_owned();
        let max = if path.starts_with(crate::load::theme::THEMES_DIR) {
            crate::load::theme::MAX_THEME_FILE_BYTES
        } else {
            crate::load::MAX_SOURCE_BYTES
        };
        if size > max {
            return Err(Unpacked::FileTooLarge { path, max });
        }
        match kind {
            EntryType::Regular | EntryType::Directory | EntryType::XGlobalHeader => {}
            EntryType::Symlink => {
                let target = entry
                    .link_name()?
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                if !link_stays_inside(&path, &target) {
                    return Err(Unpacked::LinkOut { path, target });
                }
            }
            _ => {
                return Err(Unpacked::Io(std::io::Error::other(format!(
                    "`{}` is a {kind:?} entry, not a file, folder or link",
                    entry.path()?.display()
                ))));
            }
        }
        entry.unpack_in(dir)?;
    }
    Ok(())
}

/// Whether a relative link at `path` to `target` stays inside the folder
/// `path` is relative to (no absolute target, never above the top).
fn link_stays_inside(path: &Path, target: &Path) -> bool {
    use std::path::Component;
    let mut depth = path.components().count().saturating_sub(1) as isize;
    for part in target.components() {
        match part {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    !target.as_os_str().is_empty()
}

/// Everything that changed from `old` to `new`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "gtdocs manifest diff")]
pub struct Report {
    pub old: SideSummary,
    pub new: SideSummary,
    pub counts: Counts,
    /// Runbooks only in the new manifest, by slug.
    pub added: Vec<RunbookRef>,
    /// Runbooks only in the old manifest, by slug.
    pub removed: Vec<RunbookRef>,
    /// Routes whose support level rose (none → partial → full).
    pub upgraded: Vec<VerdictChange>,
    /// Routes whose support level fell.
    pub downgraded: Vec<VerdictChange>,
    /// Verdicts that changed with no order between them: to or from
    /// `unknown`, or another verdict of the same support level.
    pub reclassified: Vec<VerdictChange>,
    /// Other fields of runbooks present on both sides.
    pub fields: Vec<FieldChange>,
    /// Site settings and the catalog (routes, verdicts, terms).
    pub catalog: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SideSummary {
    pub label: String,
    pub runbooks: usize,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Counts {
    pub added: usize,
    pub removed: usize,
    pub upgraded: usize,
    pub downgraded: usize,
    pub reclassified: usize,
    pub fields: usize,
    pub catalog: usize,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunbookRef {
    pub slug: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VerdictChange {
    pub slug: String,
    pub title: String,
    pub route: String,
    pub from: String,
    pub to: String,
}

/// One value that changed. A field only on one side has `from` or `to`
/// missing; an item added to or removed from a list of texts is reported
/// on its own, at `field[]`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FieldChange {
    /// The runbook (absent for site and catalog changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Where the value is: `title`, `config[OPENAI_API_KEY].value`,
    /// `routes[POST /v1/embeddings].integration`, `caveats[]`.
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
}

/// What `--fail-on` fails on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// a route verdict whose support level fell
    Downgrade,
    /// any change at all
    Any,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.counts == Counts::default()
    }

    pub fn fails(&self, on: FailOn) -> bool {
        match on {
            FailOn::Downgrade => !self.downgraded.is_empty(),
            FailOn::Any => !self.is_empty(),
        }
    }
}

/// Manifest keys that say how, not what: they never count as a change.
const IGNORED_TOP: [&str; 5] = [
    "$schema",
    "schema_version",
    "generator",
    "generated_at",
    "runbooks",
];

/// Compares two manifests (both valid against the manifest schema).
pub fn compare(old: &Side, new: &Side) -> Report {
    let old_books = runbooks(&old.manifest);
    let new_books = runbooks(&new.manifest);
    let mut report = Report {
        old: SideSummary {
            label: old.label.clone(),
            runbooks: old_books.len(),
        },
        new: SideSummary {
            label: new.label.clone(),
            runbooks: new_books.len(),
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

/// Longest value shown in a Markdown cell; the JSON report has them whole.
const CELL_CHARS: usize = 160;

impl Report {
    /// The report as GitHub-flavoured Markdown, `##` headings and below.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let (old, new) = (&self.old.label, &self.new.label);
        let _ = writeln!(
            md,
            "## Runbook changes: {} → {}\n",
            markdown::code(old, Place::Inline),
            markdown::code(new, Place::Inline)
        );
        if self.is_empty() {
            let _ = writeln!(
                md,
                "No changes: the {} runbooks are the same on both sides.",
                self.new.runbooks
            );
            return md;
        }
        let c = &self.counts;
        let _ = writeln!(
            md,
            "{} → {} runbooks: {} added, {} removed; verdicts {} upgraded, {} downgraded, \
             {} reclassified; {}; {}.",
            self.old.runbooks,
            self.new.runbooks,
            c.added,
            c.removed,
            c.upgraded,
            c.downgraded,
            c.reclassified,
            plural(c.fields, "field changed", "fields changed"),
            plural(
                c.catalog,
                "site or catalog change",
                "site or catalog changes"
            ),
        );
        verdict_table(&mut md, "Downgraded verdicts", &self.downgraded);
        verdict_table(&mut md, "Upgraded verdicts", &self.upgraded);
        verdict_table(&mut md, "Reclassified verdicts", &self.reclassified);
        runbook_list(&mut md, "Added runbooks", &self.added);
        runbook_list(&mut md, "Removed runbooks", &self.removed);
        if !self.fields.is_empty() {
            let _ = writeln!(
                md,
                "\n### Changed fields\n\n| Runbook | Field | Before | After |\n| --- | --- | --- | --- |"
            );
            for f in &self.fields {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} |",
                    markdown::code(f.slug.as_deref().unwrap_or_default(), Place::Cell),
                    markdown::code(&f.field, Place::Cell),
                    cell(f.from.as_ref()),
                    cell(f.to.as_ref())
                );
            }
        }
        if !self.catalog.is_empty() {
            let _ = writeln!(
                md,
                "\n### Site and catalog\n\n| Field | Before | After |\n| --- | --- | --- |"
            );
            for f in &self.catalog {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} |",
                    markdown::code(&f.field, Place::Cell),
                    cell(f.from.as_ref()),
                    cell(f.to.as_ref())
                );
            }
        }
        // Manifests are untrusted (a file from anywhere): what no terminal
        // may show raw is escaped, in the whole report at once (the
        // report's own text has none).
        crate::diagnostic::visible(&md).into_owned()
    }

    /// The report as pretty JSON with a final newline; unprintable
    /// characters escaped (`\u202e`), the values unchanged.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        crate::diagnostic::json_escape_unprintable(&s)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn verdict_table(md: &mut String, heading: &str, changes: &[VerdictChange]) {
    if changes.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\n### {heading}\n\n| Runbook | Route | Before | After |\n| --- | --- | --- | --- |"
    );
    for v in changes {
        let _ = writeln!(
            md,
            "| {} ({}) | {} | {} | {} |",
            markdown::inline(&v.title, Place::Cell),
            markdown::code(&v.slug, Place::Cell),
            markdown::code(&v.route, Place::Cell),
            markdown::code(&v.from, Place::Cell),
            markdown::code(&v.to, Place::Cell)
        );
    }
}

fn runbook_list(md: &mut String, heading: &str, runbooks: &[RunbookRef]) {
    if runbooks.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n### {heading}\n");
    for r in runbooks {
        let _ = writeln!(
            md,
            "- {} ({})",
            markdown::inline(&r.title, Place::Inline),
            markdown::code(&r.slug, Place::Inline)
        );
    }
}

/// A value in a table cell: texts exactly as written (shortened), other
/// values as compact JSON in a code span, a missing value as `—`.
fn cell(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "—".to_owned();
    };
    match value {
        Value::String(s) => markdown::verbatim(&shorten(s), Place::Cell),
        other => markdown::code(&shorten(&other.to_string()), Place::Cell),
    }
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(CELL_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}
