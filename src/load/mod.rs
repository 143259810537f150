//! Loading a docs tree: `gtdocs.yaml` and `runbooks/*.yaml`, read in sorted
//! order and parsed into JSON values that remember their source spans.
//! Nothing here knows the meaning of a field; that is `validate`'s job.

pub mod theme;
pub mod yaml;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Sources, Span};
pub use yaml::SpanMap;

/// The site settings and catalog file, at the root of a tree.
pub const CONFIG_FILE: &str = "gtdocs.yaml";
/// The folder of runbook sources.
pub const RUNBOOKS_DIR: &str = "runbooks";
/// Largest source file accepted. A runbook is a few kilobytes.
pub const MAX_SOURCE_BYTES: u64 = 1024 * 1024;
/// Most runbooks one tree may hold.
pub const MAX_RUNBOOKS: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no {CONFIG_FILE} in `{}`", .0.display())]
    NoConfig(PathBuf),
    #[error("cannot read `{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl LoadError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            LoadError::NoConfig(_) => Some(
                "run gtdocs in a docs tree (a folder with gtdocs.yaml and runbooks/), or pass --root DIR",
            ),
            LoadError::Io { .. } => None,
        }
    }
}

/// One parsed source file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as shown to the user (the root joined with `rel`).
    pub path: PathBuf,
    /// The path relative to the tree's root.
    pub rel: PathBuf,
    pub value: Value,
    pub spans: SpanMap,
    /// The source text (shared with the diagnostics' snippet sources).
    pub text: Arc<str>,
}

/// A loaded tree: the documents that parsed, the problems of those that did
/// not, and the source text of every file for diagnostics.
#[derive(Debug, Default)]
pub struct Tree {
    pub root: PathBuf,
    pub config: Option<Document>,
    pub runbooks: Vec<Document>,
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
    /// Every folder under `themes/`, by name.
    pub themes: std::collections::BTreeMap<String, crate::model::Theme>,
}

/// Reads and parses a tree. Per-file problems become diagnostics; only a
/// missing root or config file, or an unreadable folder, is an error.
pub fn load(root: &Path) -> Result<Tree, LoadError> {
    let (mut tree, rels) = load_config(root)?;
    let loaded: Vec<Loaded> = rels
        .into_par_iter()
        .map(|rel| load_runbook(root, rel))
        .collect();
    for one in loaded {
        if let Some(doc) = tree.keep(one) {
            tree.runbooks.push(doc);
        }
    }
    Ok(tree)
}

/// The tree without its runbooks: `gtdocs.yaml`, the themes, and the
/// runbook files to read (relative to the root, sorted), for a caller that
/// reads them one by one ([`load_runbook`]).
pub fn load_config(root: &Path) -> Result<(Tree, Vec<PathBuf>), LoadError> {
    let config_path = root.join(CONFIG_FILE);
    if !config_path.is_file() {
        return Err(LoadError::NoConfig(root.to_path_buf()));
    }
    let mut tree = Tree {
        root: root.to_path_buf(),
        ..Tree::default()
    };
    tree.themes = theme::load_all(root, &mut tree.diagnostics);
    let rels = runbook_files(root, &mut tree.diagnostics)?;
    let config = load_file(root, PathBuf::from(CONFIG_FILE), true);
    tree.config = tree.keep(config);
    Ok((tree, rels))
}

/// One source file, read and parsed.
#[derive(Debug)]
pub enum Loaded {
    Parsed(Document),
    /// It could not be read or parsed: the problem, and the text when
    /// there is one to show it in.
    Failed {
        path: PathBuf,
        text: Option<Arc<str>>,
        diagnostic: Diagnostic,
    },
}

/// Reads and parses one runbook file (relative to the root), with the
/// source span of every value.
pub fn load_runbook(root: &Path, rel: PathBuf) -> Loaded {
    load_file(root, rel, true)
}

/// [`load_runbook`] without the spans (an empty [`SpanMap`]): faster, for
/// a first pass that reparses only the files with a problem to show.
pub fn load_runbook_fast(root: &Path, rel: PathBuf) -> Loaded {
    load_file(root, rel, false)
}

fn load_file(root: &Path, rel: PathBuf, spans: bool) -> Loaded {
    let path = display_path(root, &rel);
    match read_and_parse(&root.join(&rel), &path, spans) {
        Outcome::Parsed { text, value, spans } => Loaded::Parsed(Document {
            path,
            rel,
            value,
            spans,
            text: text.into(),
        }),
        Outcome::Failed { text, diagnostic } => Loaded::Failed {
            path,
            text: text.map(Into::into),
            diagnostic,
        },
    }
}

impl Tree {
    /// Records a loaded file's text (for diagnostics) and, if it failed,
    /// its problem; returns the document when it parsed.
    fn keep(&mut self, loaded: Loaded) -> Option<Document> {
        match loaded {
            Loaded::Parsed(doc) => {
                self.sources.insert(doc.path.clone(), Arc::clone(&doc.text));
                Some(doc)
            }
            Loaded::Failed {
                path,
                text,
                diagnostic,
            } => {
                if let Some(text) = text {
                    self.sources.insert(path, text);
                }
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }

    /// Reads the given runbook files again (relative to the root): each
    /// may have changed, appeared or gone. Their old documents, sources and
    /// load diagnostics are replaced; the order stays sorted by file name.
    pub fn reload_runbooks(&mut self, rels: &[PathBuf]) {
        for rel in rels {
            let path = display_path(&self.root, rel);
            self.diagnostics
                .retain(|d| d.file.as_deref() != Some(path.as_path()));
            self.sources.remove(&path);
            self.runbooks.retain(|d| &d.rel != rel);
            let file = self.root.join(rel);
            if !file.is_file() {
                continue;
            }
            if rel.extension().is_some_and(|e| e == "yml") {
                self.diagnostics.push(yml_warning(&path, rel));
                continue;
            }
            if file.is_symlink()
                && let Some(d) = link_outside(&self.root, &file, &path)
            {
                self.diagnostics.push(d);
                continue;
            }
            match read_and_parse(&file, &path, true) {
                Outcome::Parsed { text, value, spans } => {
                    let text: Arc<str> = text.into();
                    self.sources.insert(path.clone(), Arc::clone(&text));
                    let at = self.runbooks.partition_point(|d| d.rel < *rel);
                    let doc = Document {
                        path,
                        rel: rel.clone(),
                        value,
                        spans,
                        text,
                    };
                    self.runbooks.insert(at, doc);
                }
                Outcome::Failed { text, diagnostic } => {
                    if let Some(text) = text {
                        self.sources.insert(path, text.into());
                    }
                    self.diagnostics.push(diagnostic);
                }
            }
        }
    }
}

fn yml_warning(shown: &Path, rel: &Path) -> Diagnostic {
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Diagnostic::warning(
        "ignored-file",
        format!("`{name}` is ignored: runbook files end in `.yaml`"),
    )
    .in_file(shown, None)
    .with_hint(format!(
        "rename it to `{}.yaml`",
        name.trim_end_matches(".yml")
    ))
}

/// `runbooks/*.yaml`, sorted by file name. Other files are skipped; a
/// `.yml` file gets a warning since it is almost certainly meant to count.
fn runbook_files(
    root: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<PathBuf>, LoadError> {
    let dir = root.join(RUNBOOKS_DIR);
    if !dir.is_dir() {
        diagnostics.push(
            Diagnostic::warning(
                "no-runbooks",
                format!("no `{RUNBOOKS_DIR}/` folder: the tree has no runbooks"),
            )
            .in_file(display_path(root, Path::new(CONFIG_FILE)), None)
            .with_hint("run `gtdocs new <slug>` to write a first runbook"),
        );
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&dir)
        .min_depth(1)
        .max_depth(1)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| LoadError::Io {
            path: dir.clone(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("walk error")),
        })?;
        let name = entry.file_name().to_string_lossy();
        if name.starts_with('.') || !entry.file_type().is_file() && !entry.path_is_symlink() {
            continue;
        }
        let rel = Path::new(RUNBOOKS_DIR).join(entry.file_name());
        if entry.path_is_symlink()
            && let Some(d) = link_outside(root, entry.path(), &display_path(root, &rel))
        {
            diagnostics.push(d);
            continue;
        }
        if name.ends_with(".yaml") {
            files.push(rel);
        } else if name.ends_with(".yml") {
            diagnostics.push(yml_warning(&display_path(root, &rel), &rel));
        }
    }
    if files.len() > MAX_RUNBOOKS {
        diagnostics.push(
            Diagnostic::error(
                "too-many-runbooks",
                format!(
                    "{} runbooks found; a tree may hold at most {MAX_RUNBOOKS}",
                    files.len()
                ),
            )
            .in_file(display_path(root, Path::new(RUNBOOKS_DIR)), None)
            .with_hint("split the runbooks into several docs trees"),
        );
        // Reading them anyway would take the time and memory the limit is
        // there to bound.
        files.clear();
    }
    Ok(files)
}

/// `runbooks/x.yaml` under the root as the user named it (`./` left out).
pub fn display_path(root: &Path, rel: &Path) -> PathBuf {
    if root.as_os_str().is_empty() || root == Path::new(".") {
        rel.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// A file read and parsed, or why not (with its text when it was readable,
/// so the diagnostic can show the line).
enum Outcome {
    Parsed {
        text: String,
        value: Value,
        spans: SpanMap,
    },
    Failed {
        text: Option<String>,
        diagnostic: Diagnostic,
    },
}

fn read_and_parse(file: &Path, shown: &Path, spans: bool) -> Outcome {
    let fail = |d: Diagnostic| Outcome::Failed {
        text: None,
        diagnostic: d.in_file(shown, None),
    };
    let bytes = match read_limited(file, MAX_SOURCE_BYTES) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return fail(
                Diagnostic::error(
                    "file-too-large",
                    format!("file is larger than {MAX_SOURCE_BYTES} bytes"),
                )
                .with_hint(
                    "a runbook is a few kilobytes; split the content or remove generated data",
                ),
            );
        }
        Err(e) => return fail(Diagnostic::error("io", format!("cannot read file: {e}"))),
    };
    let text = match decode(&bytes) {
        Ok(text) => text,
        Err(d) => {
            return Outcome::Failed {
                text: None,
                diagnostic: d.in_file_keep_span(shown),
            };
        }
    };
    if text.trim().is_empty()
        || text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        let what = if text.trim().is_empty() {
            "file is empty"
        } else {
            "file holds only comments"
        };
        let d = Diagnostic::error(
            "empty-file",
            format!("{what}: expected a mapping of fields"),
        )
        .in_file(shown, Some(Span::new(1, 1, 0, 0)))
        .with_hint("`gtdocs new <slug>` writes a complete runbook skeleton");
        return Outcome::Failed {
            text: Some(text),
            diagnostic: d,
        };
    }
    if !spans && let Ok(value) = yaml::parse_plain(&text) {
        return Outcome::Parsed {
            text,
            value,
            spans: SpanMap::default(),
        };
    }
    // With spans (or to say where the plain parse failed).
    match yaml::parse(&text) {
        Ok((value, spans)) => Outcome::Parsed { text, value, spans },
        Err(e) => Outcome::Failed {
            diagnostic: Diagnostic::error(e.code, e.message)
                .in_file(shown, e.span)
                .with_optional_hint(e.hint),
            text: Some(text),
        },
    }
}

/// The problem with a symbolic link at `path` that leads outside the tree
/// (or nowhere): sources come from the tree, never from elsewhere on the
/// machine. `None` for a link to a file inside the tree.
pub(crate) fn link_outside(root: &Path, path: &Path, shown: &Path) -> Option<Diagnostic> {
    let target = std::fs::read_link(path).unwrap_or_default();
    let inside = match (std::fs::canonicalize(path), std::fs::canonicalize(root)) {
        (Ok(resolved), Ok(root)) => resolved.starts_with(&root),
        _ => false,
    };
    (!inside).then(|| {
        Diagnostic::error(
            "unsafe-link",
            format!(
                "`{}` is a symbolic link to `{}`, outside the docs tree (or to nothing)",
                shown.display(),
                target.display()
            ),
        )
        .in_file(shown, None)
        .with_hint("copy the file into the tree, or link to a file inside it")
    })
}

/// A source file's text as the loader reads it (size limit, encoding
/// checks), or `None` when it cannot be read as one.
pub(crate) fn read_text(file: &Path) -> Option<String> {
    let bytes = read_limited(file, MAX_SOURCE_BYTES).ok()??;
    decode(&bytes).ok()
}

/// Reads a file unless it is larger than the limit (`Ok(None)`); reads at
/// most one byte past the limit whatever the metadata says.
pub(crate) fn read_limited(file: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let f = std::fs::File::open(file)?;
    let mut bytes = Vec::new();
    f.take(max + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// UTF-8 with an optional BOM; anything else is an error at the first bad byte.
/// A lone CR (old Mac line ends) becomes LF: YAML reads it as a line break,
/// and so must every line count after the parser (the "only comments"
/// check, spans, snippets). Byte offsets are unchanged.
fn decode(bytes: &[u8]) -> Result<String, Box<Diagnostic>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(lone_cr_to_lf(text)),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() as u32 + 1;
            let byte = bytes[e.valid_up_to()];
            Err(Box::new(
                Diagnostic::error(
                    "encoding",
                    format!("file is not valid UTF-8: invalid byte 0x{byte:02X} at line {line}, column {column}"),
                )
                .in_file(PathBuf::new(), Some(Span::new(line, column, 0, 0)))
                .with_hint("save the file as UTF-8"),
            ))
        }
    }
}

/// `text` with each CR that is not followed by LF replaced by LF.
fn lone_cr_to_lf(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    let mut bytes = text.as_bytes().to_vec();
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            bytes[i] = b'\n';
        }
    }
    // Only ASCII CR bytes were replaced by ASCII LF: still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

impl Diagnostic {
    /// Sets the file, keeping a span already set.
    fn in_file_keep_span(self, file: &Path) -> Diagnostic {
        let span = self.span;
        self.in_file(file, span)
    }
}
