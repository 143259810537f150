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
    /// Every folder under `themes/`, by name; only the one `gtdocs.yaml`
    /// selects is read, the others are empty (named for hints).
    pub themes: std::collections::BTreeMap<String, crate::model::Theme>,
    /// The runbook files listed (relative to the root), kept as runbooks
    /// come and go ([`Tree::reload_runbooks`]) to hold them to the limit.
    pub runbook_files: std::collections::BTreeSet<PathBuf>,
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
    // `symlink_metadata`: a link named gtdocs.yaml is the tree's config,
    // and the boundary check below says where it may lead.
    if std::fs::symlink_metadata(root.join(CONFIG_FILE)).is_err() {
        return Err(LoadError::NoConfig(root.to_path_buf()));
    }
    let mut tree = Tree {
        root: root.to_path_buf(),
        ..Tree::default()
    };
    let config = load_file(root, PathBuf::from(CONFIG_FILE), true);
    tree.config = tree.keep(config);
    // Only the theme the config selects is read (validation reports a
    // selected theme that does not exist).
    let selected = tree
        .config
        .as_ref()
        .and_then(|c| c.value.pointer("/site/theme"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    tree.themes = theme::load_all(root, selected.as_deref(), &mut tree.diagnostics);
    let rels = runbook_files(root, &mut tree.diagnostics)?;
    tree.runbook_files = rels.iter().cloned().collect();
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
    match read_and_parse(root, &rel, &path, spans) {
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
    /// A runbook added past [`MAX_RUNBOOKS`] fails the tree as at the first
    /// load: every runbook is dropped, with the same error.
    pub fn reload_runbooks(&mut self, rels: &[PathBuf]) {
        self.reload_runbooks_within(rels, MAX_RUNBOOKS);
    }

    /// Whether the tree holds more runbooks than it may: they were not
    /// read, and only a whole load counts them again.
    pub fn has_too_many_runbooks(&self) -> bool {
        self.diagnostics.iter().any(|d| d.code == TOO_MANY_RUNBOOKS)
    }

    fn reload_runbooks_within(&mut self, rels: &[PathBuf], max: usize) {
        if self.has_too_many_runbooks() {
            return;
        }
        for rel in rels {
            let exists = std::fs::symlink_metadata(self.root.join(rel)).is_ok_and(|m| !m.is_dir());
            if exists && rel.extension().is_some_and(|e| e == "yaml") {
                self.runbook_files.insert(rel.clone());
            } else {
                self.runbook_files.remove(rel);
            }
        }
        let shown_dir = display_path(&self.root, Path::new(RUNBOOKS_DIR));
        if let Some(error) = too_many_runbooks(self.runbook_files.len(), max, &shown_dir) {
            let files = std::mem::take(&mut self.runbook_files);
            for doc in std::mem::take(&mut self.runbooks) {
                self.sources.remove(&doc.path);
            }
            let dropped: Vec<PathBuf> = files.iter().map(|r| display_path(&self.root, r)).collect();
            self.diagnostics
                .retain(|d| d.file.as_ref().is_none_or(|f| !dropped.contains(f)));
            for path in &dropped {
                self.sources.remove(path);
            }
            self.diagnostics.push(error);
            return;
        }
        for rel in rels {
            let path = display_path(&self.root, rel);
            self.diagnostics
                .retain(|d| d.file.as_deref() != Some(path.as_path()));
            self.sources.remove(&path);
            self.runbooks.retain(|d| &d.rel != rel);
            // Gone (or a folder): nothing to read. Anything else, a link or
            // a FIFO included, is read as at the first load, and refused
            // the same way.
            match std::fs::symlink_metadata(self.root.join(rel)) {
                Ok(m) if !m.is_dir() => {}
                _ => continue,
            }
            if rel.extension().is_some_and(|e| e == "yml") {
                self.diagnostics.push(yml_warning(&path, rel));
                continue;
            }
            let loaded = load_file(&self.root, rel.clone(), true);
            if let Some(doc) = self.keep(loaded) {
                let at = self.runbooks.partition_point(|d| d.rel < *rel);
                self.runbooks.insert(at, doc);
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
    let shown_dir = display_path(root, Path::new(RUNBOOKS_DIR));
    let dir = match runbooks_dir(root) {
        Ok(Some(dir)) => dir,
        Ok(None) => {
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
        Err(d) => {
            diagnostics.push(*d);
            return Ok(Vec::new());
        }
    };
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
        // Links and special files (a FIFO, a socket) named like runbooks
        // are listed: reading them says what is wrong with them.
        if name.starts_with('.') || entry.file_type().is_dir() {
            continue;
        }
        let rel = Path::new(RUNBOOKS_DIR).join(entry.file_name());
        if name.ends_with(".yaml") {
            files.push(rel);
        } else if name.ends_with(".yml") {
            diagnostics.push(yml_warning(&display_path(root, &rel), &rel));
        }
    }
    if let Some(error) = too_many_runbooks(files.len(), MAX_RUNBOOKS, &shown_dir) {
        diagnostics.push(error);
        // Reading them anyway would take the time and memory the limit is
        // there to bound.
        files.clear();
    }
    Ok(files)
}

const TOO_MANY_RUNBOOKS: &str = "too-many-runbooks";

/// The error of a tree holding `count` runbook files, more than `max`: the
/// one check of the first load and of runbooks added while serving.
fn too_many_runbooks(count: usize, max: usize, shown_dir: &Path) -> Option<Diagnostic> {
    (count > max).then(|| {
        Diagnostic::error(
            TOO_MANY_RUNBOOKS,
            format!("{count} runbooks found; a tree may hold at most {max}"),
        )
        .in_file(shown_dir, None)
        .with_hint("split the runbooks into several docs trees")
    })
}

/// The runbooks folder, where it leads inside the tree; `None` when there
/// is none. The one check of that folder for reading (`runbook_files`) and
/// writing (`gtdocs new`): a link out of the tree, or a path there that is
/// not a folder, is an error.
pub(crate) fn runbooks_dir(root: &Path) -> Result<Option<PathBuf>, Box<Diagnostic>> {
    let rel = Path::new(RUNBOOKS_DIR);
    let shown = display_path(root, rel);
    let dir = match resolve_inside(root, rel) {
        Ok(dir) => dir,
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Box::new(e.diagnostic(root, &shown, "folder"))),
    };
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => Ok(Some(dir)),
        Ok(m) => Err(Box::new(
            Diagnostic::error(
                "not-a-folder",
                format!(
                    "`{}` is {}, not a folder",
                    shown.display(),
                    kind_of(&m.file_type())
                ),
            )
            .in_file(&shown, None)
            .with_hint(format!(
                "runbooks go in a folder `{RUNBOOKS_DIR}/` of `<slug>.yaml` files: \
                 rename or move that file, then run `gtdocs new <slug>`"
            )),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Box::new(
            Diagnostic::error("io", format!("cannot read folder: {e}")).in_file(&shown, None),
        )),
    }
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

fn read_and_parse(root: &Path, rel: &Path, shown: &Path, spans: bool) -> Outcome {
    let bytes = match read_inside(root, rel, MAX_SOURCE_BYTES) {
        Ok(bytes) => bytes,
        Err(e) => {
            let mut diagnostic = e.diagnostic(root, shown, "file");
            if let ReadError::TooLarge(_) = e {
                diagnostic = diagnostic.with_hint(if rel == Path::new(CONFIG_FILE) {
                    "gtdocs.yaml holds the site settings and the catalog, a few kilobytes; \
                     remove generated data from it"
                } else {
                    "a runbook is a few kilobytes; split the content or remove generated data"
                });
            }
            return Outcome::Failed {
                text: None,
                diagnostic,
            };
        }
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

/// Why a path of the tree was not read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// `link` (relative to the root) is a symbolic link to `target`, which
    /// is outside the tree or missing.
    Outside {
        link: PathBuf,
        target: PathBuf,
    },
    /// A folder, a FIFO, a socket or a device: what it is.
    NotRegular(&'static str),
    /// Larger than this many bytes.
    TooLarge(u64),
    Io(std::io::Error),
}

impl ReadError {
    /// The problem as a diagnostic in file `shown`; `what` names the kind
    /// of path read ("file", "theme file", "folder").
    pub(crate) fn diagnostic(&self, root: &Path, shown: &Path, what: &str) -> Diagnostic {
        let d = match self {
            ReadError::Outside { link, target } => {
                let link = display_path(root, link);
                Diagnostic::error(
                    "unsafe-link",
                    format!(
                        "`{}` is a symbolic link to `{}`, outside the docs tree (or to nothing)",
                        link.display(),
                        target.display()
                    ),
                )
                .with_hint(if link == shown {
                    format!("copy the {what} into the tree, or link to one inside it")
                } else {
                    format!(
                        "copy `{}` into the tree, or link to a place inside it",
                        link.display()
                    )
                })
            }
            ReadError::NotRegular(kind) => Diagnostic::error(
                "not-a-file",
                format!("`{}` is {kind}, not a regular file", shown.display()),
            )
            .with_hint("gtdocs reads only regular files: replace it with one, or remove it"),
            ReadError::TooLarge(max) => Diagnostic::error(
                "file-too-large",
                format!("{what} is larger than {max} bytes"),
            ),
            ReadError::Io(e) => Diagnostic::error("io", format!("cannot read {what}: {e}")),
        };
        d.in_file(shown, None)
    }
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Where `rel` (relative to the root) leads, when that is inside the tree:
/// the one check of every path gtdocs reads from a docs tree (the config,
/// the source folders, every runbook and theme file), so a symbolic link
/// anywhere on the way (the file, or a folder above it) may lead elsewhere
/// in the tree but never out of it. A link to nothing is refused too.
pub(crate) fn resolve_inside(root: &Path, rel: &Path) -> Result<PathBuf, ReadError> {
    // Plain names with no link among them are inside by construction: one
    // `lstat` a component, the common case.
    let mut linked = !rel
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    let mut prefix = root.to_path_buf();
    for part in rel.components() {
        if linked {
            break;
        }
        prefix.push(part);
        linked = std::fs::symlink_metadata(&prefix)?.file_type().is_symlink();
    }
    if !linked {
        return Ok(root.join(rel));
    }
    let top = std::fs::canonicalize(if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    })?;
    let resolved = std::fs::canonicalize(root.join(rel));
    if let Ok(path) = &resolved
        && path.starts_with(&top)
    {
        return Ok(path.clone());
    }
    // The first link on the way that leads out (or nowhere).
    let mut prefix = PathBuf::new();
    for part in rel.components() {
        prefix.push(part);
        let at = root.join(&prefix);
        let is_link = std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink());
        if is_link && !std::fs::canonicalize(&at).is_ok_and(|p| p.starts_with(&top)) {
            let target = std::fs::read_link(&at).unwrap_or_default();
            return Err(ReadError::Outside {
                link: prefix,
                target,
            });
        }
    }
    match resolved {
        Err(e) => Err(ReadError::Io(e)),
        // Outside with no link on the way: the tree moved while being read.
        Ok(target) => Err(ReadError::Outside {
            link: rel.to_path_buf(),
            target,
        }),
    }
}

/// The file at `rel` (relative to the root), read when it is inside the
/// tree ([`resolve_inside`]), a regular file ([`read_regular`]) and at most
/// `max` bytes.
pub(crate) fn read_inside(root: &Path, rel: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    read_regular(&resolve_inside(root, rel)?, max)
}

/// A source file's text as the loader reads it (boundary, size limit,
/// encoding checks), or `None` when it cannot be read as one.
pub(crate) fn read_text(root: &Path, rel: &Path) -> Option<String> {
    let bytes = read_inside(root, rel, MAX_SOURCE_BYTES).ok()?;
    decode(&bytes).ok()
}

/// Reads a regular file of at most `max` bytes; reads at most one byte
/// past the limit whatever the metadata says. Anything else (a FIFO, a
/// socket, a device, a folder) is refused before it is read: opening a
/// FIFO for reading waits for a writer, forever.
fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta.file_type())));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Should the file be swapped for a FIFO after the check, the open
    // returns at once, and the handle's own metadata refuses it.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta.file_type())));
    }
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge(max));
    }
    Ok(bytes)
}

/// What a path that is not a regular file is, for messages.
fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a folder"
    } else if t.is_file() {
        "a file"
    } else {
        "not a file"
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str) {
        std::fs::write(root.join(rel), "title: x\n").expect("write");
    }

    /// Runbooks added one by one while serving are held to the limit of a
    /// whole load, with its error; removing one lets a whole load read them.
    #[test]
    fn runbooks_added_past_the_limit_fail_the_tree_as_a_load_does() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(root, CONFIG_FILE);
        std::fs::create_dir(root.join(RUNBOOKS_DIR)).expect("mkdir");
        write(root, "runbooks/a.yaml");
        write(root, "runbooks/b.yaml");
        let mut tree = load(root).expect("load");
        assert_eq!(tree.runbooks.len(), 2);

        write(root, "runbooks/a.yaml");
        tree.reload_runbooks_within(&[PathBuf::from("runbooks/a.yaml")], 2);
        assert!(!tree.has_too_many_runbooks(), "an edit adds no runbook");
        assert_eq!(tree.runbooks.len(), 2);

        write(root, "runbooks/c.yaml");
        tree.reload_runbooks_within(&[PathBuf::from("runbooks/c.yaml")], 2);
        let codes: Vec<&str> = tree.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [TOO_MANY_RUNBOOKS],
            "a third runbook past a limit of 2"
        );
        assert!(tree.diagnostics[0].message.starts_with("3 runbooks found"));
        assert!(tree.runbooks.is_empty(), "none is read past the limit");

        write(root, "runbooks/d.yaml");
        tree.reload_runbooks_within(&[PathBuf::from("runbooks/d.yaml")], 2);
        assert!(tree.runbooks.is_empty(), "still past the limit");
        assert_eq!(tree.diagnostics.len(), 1, "told once");
    }
}
