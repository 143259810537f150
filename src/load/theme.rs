//! Theme folders: `themes/<name>/templates/**` and `themes/<name>/static/**`.
//! Every folder is listed by name, but only the theme `gtdocs.yaml` selects
//! is read into memory, and only its templates and static files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::read::{ReadError, display_path, read_inside, resolve_inside};
use crate::diagnostic::Diagnostic;
use crate::model::Theme;

/// The folder of theme overrides, at the root of a tree.
pub const THEMES_DIR: &str = "themes";
/// Largest theme file accepted (an image or a font is the largest).
pub const MAX_THEME_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Most bytes one theme may hold, all its files together.
pub const MAX_THEME_BYTES: u64 = 64 * 1024 * 1024;
/// Most files one theme may hold.
pub const MAX_THEME_FILES: usize = 10_000;
/// The folders of a theme that are read, and what each holds.
const THEME_PARTS: [&str; 2] = ["templates", "static"];

/// Every theme folder under `themes/`, by name; only `selected` is read
/// (the others are there for their names, empty). Unreadable or oversized
/// files become diagnostics; symlinks in a theme are not followed.
pub fn load_all(
    root: &Path,
    selected: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Theme> {
    let mut themes = BTreeMap::new();
    let dir = match resolve_inside(root, Path::new(THEMES_DIR)) {
        Ok(dir) => dir,
        Err(ReadError::Io(_)) => return themes,
        Err(e) => {
            let shown = display_path(root, Path::new(THEMES_DIR));
            diagnostics.push(e.diagnostic(root, &shown, "folder"));
            return themes;
        }
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return themes;
    };
    let mut names: Vec<String> = Vec::new();
    // Theme folders linked out of the tree: listed, never read.
    let mut refused: Vec<String> = Vec::new();
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let rel = Path::new(THEMES_DIR).join(&name);
        match e.file_type() {
            Ok(t) if t.is_dir() => names.push(name),
            Ok(t) if t.is_symlink() => {
                let problem = link_problem(root, &rel, "theme folder");
                // A link refused as unsafe is the one error about that
                // theme: listed (empty), it is not also an unknown theme.
                if problem.is_error() {
                    names.push(name.clone());
                    refused.push(name);
                }
                diagnostics.push(problem);
            }
            _ => {}
        }
    }
    names.sort();
    for name in names {
        let mut theme = Theme {
            name: name.clone(),
            ..Theme::default()
        };
        if selected == Some(name.as_str()) && !refused.contains(&name) {
            read_theme(root, &mut theme, diagnostics);
        }
        themes.insert(name, theme);
    }
    themes
}

/// Reads the templates and static files of `theme`, up to the limits.
fn read_theme(root: &Path, theme: &mut Theme, diagnostics: &mut Vec<Diagnostic>) {
    let base = Path::new(THEMES_DIR).join(&theme.name);
    let (mut files, mut bytes_total) = (0usize, 0u64);
    for part in THEME_PARTS {
        let folder = base.join(part);
        // A link at `templates/` or `static/` is reported, not followed.
        match std::fs::symlink_metadata(root.join(&folder)) {
            Ok(m) if m.file_type().is_symlink() => {
                diagnostics.push(link_problem(root, &folder, "folder"));
                continue;
            }
            Ok(m) if m.is_dir() => {}
            _ => continue,
        }
        for entry in walkdir::WalkDir::new(root.join(&folder))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if entry.file_type().is_dir() {
                continue;
            }
            let Ok(inner) = entry.path().strip_prefix(root.join(&folder)) else {
                continue;
            };
            let name = inner.to_string_lossy().replace('\\', "/");
            let rel: PathBuf = folder.join(inner);
            let shown = display_path(root, &rel);
            if entry.path_is_symlink() {
                // Not followed: a link inside the tree is reported too, as
                // the theme would silently lack that file.
                diagnostics.push(link_problem(root, &rel, "theme file"));
                continue;
            }
            files += 1;
            if files > MAX_THEME_FILES {
                diagnostics.push(too_large(
                    root,
                    &base,
                    format!(
                        "theme `{}` holds more than {MAX_THEME_FILES} files",
                        theme.name
                    ),
                ));
                return;
            }
            let bytes = match read_inside(root, &rel, MAX_THEME_FILE_BYTES) {
                Ok(bytes) => bytes,
                Err(e) => {
                    diagnostics.push(e.diagnostic(root, &shown, "theme file"));
                    continue;
                }
            };
            bytes_total += bytes.len() as u64;
            if bytes_total > MAX_THEME_BYTES {
                diagnostics.push(too_large(
                    root,
                    &base,
                    format!(
                        "theme `{}` holds more than {MAX_THEME_BYTES} bytes",
                        theme.name
                    ),
                ));
                return;
            }
            if part == "templates" {
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        theme.templates.insert(name, text);
                    }
                    Err(_) => diagnostics.push(
                        Diagnostic::error("encoding", "template is not valid UTF-8")
                            .in_file(shown, None)
                            .with_hint("save the file as UTF-8"),
                    ),
                }
            } else {
                theme.assets.insert(name, bytes);
            }
        }
    }
}

fn too_large(root: &Path, base: &Path, message: String) -> Diagnostic {
    Diagnostic::error("theme-too-large", message)
        .in_file(display_path(root, base), None)
        .with_hint("a theme holds the templates and static files the site uses; move the rest out")
}

/// A symbolic link in a theme: refused when it leads outside the tree (or
/// nowhere); a link inside the tree is not followed either, and says so.
/// `what` names the path for the hint ("theme folder", "theme file").
fn link_problem(root: &Path, rel: &Path, what: &str) -> Diagnostic {
    let shown = display_path(root, rel);
    match resolve_inside(root, rel) {
        // Not "or link to one inside it": a theme is not read through links.
        Err(e @ ReadError::Outside { .. }) => e.diagnostic(root, &shown, what).with_hint(format!(
            "copy the {what} into the tree in place of the link"
        )),
        _ => Diagnostic::warning(
            "theme-link",
            format!(
                "`{}` is a symbolic link: theme files are not read through links",
                shown.display()
            ),
        )
        .in_file(shown, None)
        .with_hint(format!(
            "copy the {what} into the tree in place of the link"
        )),
    }
}
