//! Loading a tree's files: `gtdocs.yaml`, the selected theme, the listing
//! of `runbooks/` and every runbook, read and parsed; while serving, the
//! runbooks that changed, one by one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use super::read::{
    ReadError, Stamp, decode, display_path, kind_of, read_inside, read_inside_stamped,
    resolve_inside,
};
use super::theme;
use super::tree::{
    CONFIG_FILE, Document, LoadError, Loaded, MAX_RUNBOOKS, MAX_SOURCE_BYTES, RUNBOOKS_DIR, Tree,
};
use super::yaml::{self, SpanMap};
use crate::diagnostic::{Diagnostic, Span};

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

/// The bytes of one runbook file (relative to the root), read as
/// [`load_runbook`] reads them (inside the tree, a regular file, at most
/// [`MAX_SOURCE_BYTES`]); or, when they cannot be, the file's problem as
/// [`load_runbook`] reports it (there is no text to show it in). With
/// [`parse_runbook`], a caller may look at the bytes (a cache's
/// fingerprint) before it parses them.
pub fn read_runbook(root: &Path, rel: &Path) -> Result<Vec<u8>, Box<Diagnostic>> {
    let path = display_path(root, rel);
    read_source(root, rel, &path)
}

/// [`read_runbook`], with the file's [`Stamp`] as it was read (`None`
/// where there is none).
pub fn read_runbook_stamped(
    root: &Path,
    rel: &Path,
) -> Result<(Vec<u8>, Option<Stamp>), Box<Diagnostic>> {
    let path = display_path(root, rel);
    read_inside_stamped(root, rel, MAX_SOURCE_BYTES)
        .map_err(|e| source_problem(e, root, rel, &path))
}

/// Parses the bytes [`read_runbook`] read of `rel`, as [`load_runbook`]
/// (`spans`) or [`load_runbook_fast`] (not) would.
pub fn parse_runbook(root: &Path, rel: PathBuf, bytes: &[u8], spans: bool) -> Loaded {
    let path = display_path(root, &rel);
    let outcome = parse_source(bytes, &path, spans);
    loaded(path, rel, outcome)
}

fn load_file(root: &Path, rel: PathBuf, spans: bool) -> Loaded {
    let path = display_path(root, &rel);
    let outcome = match read_source(root, &rel, &path) {
        Ok(bytes) => parse_source(&bytes, &path, spans),
        Err(diagnostic) => Outcome::Failed {
            text: None,
            diagnostic: *diagnostic,
        },
    };
    loaded(path, rel, outcome)
}

fn loaded(path: PathBuf, rel: PathBuf, outcome: Outcome) -> Loaded {
    match outcome {
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

/// The bytes of a source file, or why they cannot be read.
fn read_source(root: &Path, rel: &Path, shown: &Path) -> Result<Vec<u8>, Box<Diagnostic>> {
    read_inside(root, rel, MAX_SOURCE_BYTES).map_err(|e| source_problem(e, root, rel, shown))
}

/// Why source file `rel` (shown as `shown`) was not read, as a diagnostic.
fn source_problem(e: ReadError, root: &Path, rel: &Path, shown: &Path) -> Box<Diagnostic> {
    let mut diagnostic = e.diagnostic(root, shown, "file");
    if let ReadError::TooLarge(_) = e {
        diagnostic = diagnostic.with_hint(if rel == Path::new(CONFIG_FILE) {
            "gtdocs.yaml holds the site settings and the catalog, a few kilobytes; \
             remove generated data from it"
        } else {
            "a runbook is a few kilobytes; split the content or remove generated data"
        });
    }
    Box::new(diagnostic)
}

/// A source file's bytes decoded and parsed (with `spans`, or without
/// when the plain parse succeeds).
fn parse_source(bytes: &[u8], shown: &Path, spans: bool) -> Outcome {
    let text = match decode(bytes) {
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
